"""Synthetic debates of any size, for the query-count test and the benchmarks in bench/.

`build_debate` goes through the services, one argument and one vote at a time, as people
would (the counters are the services' own). `build_large_debate` writes the same kind of
tree with bulk inserts, its counters computed here, so that 100,000 arguments take seconds
rather than an hour; tests/test_query_counts.py checks both give true counters.
"""

import random

from sqlalchemy import func, insert, select, text, update

from .accounts.services import pseudonym_key
from .counters import wilson_lower_bound
from .debates import services
from .extensions import db
from .models import PATH_STEP, Argument, ArgumentVote, Debate, Phase, Position, Stance, User, utcnow
from .moderation.services import change_phase
from .rules import Standing

PARTICIPANTS = 25
BODY = "Synthetic argument number {n}, with enough words to be realistic."


def build_debate(size: int, seed: int = 7, slug: str | None = None) -> Debate:
    """A debate of `size` arguments in a random but reproducible tree, with votes."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security  # nosec B311
    debate, users, members = _open_debate(size, seed, slug, rng)
    arguments = []
    for n in range(size):
        parent = rng.choice(arguments) if arguments and rng.random() < 0.75 else None
        author = rng.choice(users)
        argument = services.post_argument(
            members[author.id], debate, rng.choice(list(Stance)), BODY.format(n=n), parent
        )
        arguments.append(argument)
        for voter in rng.sample(users, 2):
            if voter.id != author.id:
                services.cast_vote(members[voter.id], argument, rng.choice((1, -1)))
    db.session.commit()
    return debate


def build_large_debate(size: int, seed: int = 7, slug: str | None = None) -> Debate:
    """The same kind of debate as build_debate, written in bulk."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security  # nosec B311
    debate, users, _members = _open_debate(size, seed, slug, rng)
    first_id = (db.session.scalar(select(func.max(Argument.id))) or 0) + 1
    now = utcnow()
    rows, votes = [], []
    for n in range(size):
        argument_id = first_id + n
        parent = rows[rng.randrange(len(rows))] if rows and rng.random() < 0.75 else None
        author = rng.choice(users)
        stance = rng.choice(list(Stance))
        rows.append(
            {
                "id": argument_id,
                "debate_id": debate.id,
                "parent_id": parent["id"] if parent else None,
                "author_id": author.id,
                "stance": stance,
                "side": _side(stance, parent),
                "body": BODY.format(n=n),
                "body_html": f"<p>{BODY.format(n=n)}</p>\n",
                "depth": parent["depth"] + 1 if parent else 0,
                "path": (parent["path"] if parent else "") + f"{argument_id:0{PATH_STEP}d}",
                "created_at": now,
                "agree_count": 0,
                "disagree_count": 0,
                "reply_count": 0,
                "descendant_count": 0,
            }
        )
        for voter in rng.sample(users, 2):
            if voter.id != author.id:
                value = rng.choice((1, -1))
                votes.append({"argument_id": argument_id, "user_id": voter.id, "value": value})
                rows[-1]["agree_count" if value == 1 else "disagree_count"] += 1
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        row["score"] = wilson_lower_bound(row["agree_count"], row["disagree_count"])
        if row["parent_id"]:
            by_id[row["parent_id"]]["reply_count"] += 1
        for ancestor in range(0, len(row["path"]) - PATH_STEP, PATH_STEP):
            by_id[int(row["path"][ancestor : ancestor + PATH_STEP])]["descendant_count"] += 1
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Argument), rows[start : start + 5000])
    for start in range(0, len(votes), 5000):
        db.session.execute(insert(ArgumentVote), votes[start : start + 5000])
    db.session.execute(
        update(Debate)
        .where(Debate.id == debate.id)
        .values(
            argument_count=Debate.argument_count + size,
            vote_count=Debate.vote_count + len(votes),
            results_version=Debate.results_version + 1,
            version=Debate.version + 1,
        )
    )
    if db.engine.dialect.name == "postgresql":  # ids were given: move the sequence past them
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('argument', 'id'), max(id)) FROM argument")
        )
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Debate, debate.id)


def _open_debate(size: int, seed: int, slug: str | None, rng: random.Random):
    tag = slug or f"synthetic-{size}-{seed}"
    users = [
        User(
            pseudonym=f"Synthetic {tag} {n}",
            pseudonym_key=pseudonym_key(f"Synthetic {tag} {n}"),
            email=f"{tag}-{n}@synthetic.invalid",
            password_hash="!",  # noqa: S106 - matches no password  # nosec B106
            is_demo=True,
        )
        for n in range(PARTICIPANTS)
    ]
    db.session.add_all(users)
    db.session.flush()
    debate = services.start_debate(
        users[0], f"A synthetic motion with {size} arguments?", "", slug=tag
    )
    change_phase(Standing(users[0], roles=frozenset({"organiser"})), debate, Phase.OPEN)
    members = {
        u.id: Standing(u, services.join_debate(Standing(u), debate, rng.choice(list(Position))))
        for u in users
    }
    return debate, users, members


def _side(stance: Stance, parent: dict | None) -> str:
    """models.motion_side for the bulk rows."""
    if parent is None:
        return "for" if stance is Stance.PRO else "against"
    if stance is Stance.PRO:
        return parent["side"]
    return "against" if parent["side"] == "for" else "for"
