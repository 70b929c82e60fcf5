"""`deliberate seed`: the demo debates, written from the essay behind the first motion.

The content comes from deliberate/data/seed/ (see seed_content.py). Each debate is built
through the services, as its people would build it, except the votes on arguments: over
1,500, they are checked by the same rule and written in bulk, with the counters the
services would have left (a call per vote took most of the seeding time).
"""

import math
import random
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, distinct, func, insert, select, update

from . import rules
from .accounts.services import pseudonym_key
from .agreements import services as agreements
from .circles import services as circles
from .counters import wilson_lower_bound
from .debates import services
from .extensions import db
from .models import (
    AGREE,
    DISAGREE,
    Argument,
    ArgumentVote,
    Debate,
    Participant,
    Phase,
    Position,
    Stance,
    User,
    utcnow,
)
from .moderation import services as moderation
from .moderation.models import LogEntry, Role
from .rules import Standing
from .seed_content import CrowdSpec, DebateSpec, load_seed
from .translating import services as translating

DEMO_EMAIL_DOMAIN = "demo.deliberate.invalid"
#: Not an argon2 hash, so no password ever matches: demo accounts cannot log in.
UNUSABLE_PASSWORD = "!demo-account"  # noqa: S105 - deliberately matches no password  # nosec B105
#: The crowd is drawn from this seed, so every install shows the same report.
CROWD_RANDOM_SEED = 2022

#: A vote to cast: who, on which argument, agree or disagree.
Vote = tuple[Standing, Argument, int]


def seed_demo() -> list[str]:
    """Create the demo accounts and debates that do not exist yet; return the new slugs."""
    seed = load_seed()
    users = demo_users(seed.accounts)
    created = []
    for spec in seed.debates:
        if db.session.scalar(select(Debate.id).where(Debate.slug == spec.slug)):
            continue
        seed_debate(spec, users)
        created.append(spec.slug)
    db.session.commit()
    return created


def demo_users(pseudonyms: dict[str, str]) -> dict[str, User]:
    """Demo accounts by key (their email is key@DEMO_EMAIL_DOMAIN), created if missing, in
    one INSERT, in the order given."""
    emails = {key: f"{key}@{DEMO_EMAIL_DOMAIN}" for key in pseudonyms}
    existing = {
        user.email: user
        for user in db.session.scalars(select(User).where(User.email.in_(emails.values())))
    }
    missing = {
        key: User(
            pseudonym=pseudonym,
            pseudonym_key=pseudonym_key(pseudonym),
            email=emails[key],
            password_hash=UNUSABLE_PASSWORD,
            is_demo=True,
        )
        for key, pseudonym in pseudonyms.items()
        if emails[key] not in existing
    }
    db.session.add_all(missing.values())
    db.session.flush()
    return {key: existing.get(emails[key]) or missing[key] for key in pseudonyms}


def seed_debate(spec: DebateSpec, users: dict[str, User]) -> Debate:
    debate, community_ids = _open_debate(spec, users)
    standing = {}
    for participant in spec.participants:
        who = Standing(users[participant.key])
        community = community_ids.get(participant.community)
        joined = services.join_debate(who, debate, participant.before, community)
        standing[participant.key] = Standing(who.user, joined)
    arguments, votes = _post_arguments(debate, spec, standing)
    _translate(debate, spec, users, standing, arguments)
    for participant in spec.participants:
        if participant.after is not None:
            services.record_final_position(standing[participant.key], debate, participant.after)
    _mediate(debate, spec, users, standing)
    if spec.crowd:
        votes += seed_crowd(debate, spec.crowd, community_ids, arguments)
    cast_first_votes(debate, votes)
    _hold_circles(debate, spec, users, community_ids)
    return debate


def _hold_circles(
    debate: Debate, spec: DebateSpec, users: dict[str, User], community_ids: dict[str, int]
) -> None:
    """The in-person circles: one mediator enters each, another confirms it."""
    for held in spec.circles:
        entering = Standing(users[held.entered_by], roles=frozenset({"mediator"}))
        counts = [
            circles.Count(community_ids.get(name), came, start, end)
            for name, (came, start, end) in held.counts.items()
        ]
        day = utcnow().date() - timedelta(days=held.days_ago)
        circle = circles.record(entering, debate, day, held.place, counts)
        confirming = Standing(users[held.confirmed_by], roles=frozenset({"mediator"}))
        circles.confirm(confirming, debate, circle)


def _open_debate(spec: DebateSpec, users: dict[str, User]) -> tuple[Debate, dict[str, int]]:
    """Start the debate, list its communities, appoint its mediators, open it; the debate
    and its communities' ids by name."""
    organiser = users[spec.organiser]
    debate = services.start_debate(organiser, spec.motion, spec.background, slug=spec.slug)
    running = Standing(organiser, roles=frozenset({"organiser"}))
    community_ids = {}
    if spec.communities:
        moderation.set_communities(running, debate, spec.communities)
        community_ids = {c.name: c.id for c in moderation.communities(debate)}
    for mediator in spec.mediators:
        community = community_ids.get(mediator.community)
        pseudonym = users[mediator.key].pseudonym
        moderation.appoint_accepted(running, debate, pseudonym, Role.MEDIATOR, community)
    if spec.languages:
        moderation.set_languages(running, debate, spec.languages)
    for key in spec.translators:
        moderation.appoint_accepted(running, debate, users[key].pseudonym, Role.TRANSLATOR)
    moderation.change_phase(running, debate, Phase.OPEN)
    return debate, community_ids


def _post_arguments(
    debate: Debate, spec: DebateSpec, standing: dict[str, Standing]
) -> tuple[dict[str, tuple[Argument, int]], list[Vote]]:
    """Post the arguments in order; each by key with its sign towards the motion (a con reply
    to a con argument argues for it), and their votes, to cast."""
    arguments, votes = {}, []
    for argument in spec.arguments:
        parent, sign = arguments.get(argument.reply_to, (None, 1))
        author = standing[argument.author]
        posted = services.post_argument(author, debate, argument.stance, argument.body, parent)
        arguments[argument.key] = (posted, sign if argument.stance is Stance.PRO else -sign)
        votes += [(standing[voter], posted, value) for voter, value in argument.votes.items()]
    return arguments, votes


def _translate(
    debate: Debate,
    spec: DebateSpec,
    users: dict[str, User],
    standing: dict[str, Standing],
    arguments: dict[str, tuple[Argument, int]],
) -> None:
    """Translators publish their translations; participants propose theirs, which a
    mediator approves."""
    for argument in spec.arguments:
        posted = arguments[argument.key][0]
        for language, done in argument.translations.items():
            who = standing.get(done.by) or Standing(users[done.by], roles=frozenset({"translator"}))
            made = translating.translate(who, debate, posted, language, done.text)
            if done.checked_by:
                mediator = Standing(users[done.checked_by], roles=frozenset({"mediator"}))
                translating.approve(mediator, debate, made)


def _mediate(
    debate: Debate, spec: DebateSpec, users: dict[str, User], standing: dict[str, Standing]
) -> None:
    """The mediators' notes and draft agreement, and the participants' answers to it."""
    for note in spec.notes:
        mediator = Standing(users[note.author], roles=frozenset({"mediator"}))
        moderation.post_note(mediator, debate, note.kind, note.text)
    for point in spec.agreement:
        mediator = Standing(users[point.author], roles=frozenset({"mediator"}))
        added = agreements.add_point(mediator, debate, point.kind, point.text)
        for key, value in [(k, 1) for k in point.endorse] + [(k, -1) for k in point.object]:
            agreements.endorse(standing[key], added, value)


def seed_crowd(
    debate: Debate, crowd: CrowdSpec, community_ids: dict, arguments: dict
) -> list[Vote]:
    """Demo voters with the leanings of their group (the crowd of the seed file), drawn from
    a fixed seed so every install shows the same report. Returns their votes, to cast."""
    rng = random.Random(CROWD_RANDOM_SEED)  # noqa: S311 - demo data, not security  # nosec B311
    points = agreements.points(debate)
    size = sum(group.size for group in crowd.groups)
    voters = demo_users({f"voter{n:02d}": f"Demo · Voter {n:02d}" for n in range(1, size + 1)})
    voters = iter(voters.values())
    votes = []
    for group in crowd.groups:
        for _ in range(group.size):
            user = next(voters)
            before = _crowd_position(rng, group.lean)
            who = Standing(user)
            community = community_ids.get(group.community)
            who = Standing(user, services.join_debate(who, debate, before, community))
            for key in rng.sample(sorted(arguments), rng.randint(12, 30)):
                argument, sign = arguments[key]
                pull = 2.2 * group.lean * sign + group.pulls.get(key, 0.0)
                pull += 2.0 if key in crowd.common_ground else 0.0
                agree = rng.random() < 1 / (1 + math.exp(-pull))
                votes.append((who, argument, AGREE if agree else DISAGREE))
            if rng.random() < 0.8:
                after = _crowd_position(rng, group.lean + 0.25) if rng.random() < 0.35 else before
                services.record_final_position(who, debate, after)
            for point, (endorse, object_) in zip(points, crowd.endorsements, strict=True):
                roll = rng.random()
                if roll < endorse:
                    agreements.endorse(who, point, 1)
                elif roll < endorse + object_:
                    agreements.endorse(who, point, -1)
    return votes


def _crowd_position(rng: random.Random, lean: float) -> Position:
    roll = rng.random()
    if roll < 0.35 + 0.3 * lean:
        return Position.FOR
    if roll > 0.65 + 0.3 * lean:
        return Position.AGAINST
    return Position.UNDECIDED


def cast_first_votes(debate: Debate, votes: list[Vote]) -> None:
    """Record votes, each its voter's first on its argument, in one INSERT, as
    services.cast_vote records them one by one: each checked by its rule, counted on its
    argument (agree, disagree, score) and on the debate (its vote count, and its results
    version, which a call per vote raises once per vote)."""
    for who, argument, _value in votes:
        rules.require(rules.vote_on_argument(who, debate, argument))
    if not votes:
        return
    db.session.execute(
        insert(ArgumentVote),
        [{"argument_id": a.id, "user_id": who.user.id, "value": v} for who, a, v in votes],
    )
    tallies: dict[int, Counter] = defaultdict(Counter)
    for _who, argument, value in votes:
        tallies[argument.id][value] += 1
    counts = db.session.execute(
        select(Argument.id, Argument.agree_count, Argument.disagree_count).where(
            Argument.id.in_(tallies)
        )
    )
    changes = []
    for argument_id, agree, disagree in counts:
        agree += tallies[argument_id][AGREE]
        disagree += tallies[argument_id][DISAGREE]
        score = wilson_lower_bound(agree, disagree)
        changes.append(
            {"id": argument_id, "agree_count": agree, "disagree_count": disagree, "score": score}
        )
    db.session.execute(update(Argument), changes)
    db.session.execute(
        update(Debate)
        .where(Debate.id == debate.id)
        .values(
            vote_count=Debate.vote_count + len(votes),
            results_version=Debate.results_version + len(votes),
            version=Debate.version + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    # Objects of this session still hold the counts from before.
    for argument in {argument for _who, argument, _value in votes}:
        db.session.expire(argument)
    db.session.expire(debate)


def remove_demo() -> dict[str, int]:
    """Delete every demo debate (one a demo account organises: the seeded ones, and the
    synthetic ones of the benchmarks) with all it holds, then every demo account. What
    real people did in a demo debate goes with it; the counts say how much. The caller
    commits."""
    debate_ids = list(
        db.session.scalars(
            select(Debate.id).join(User, User.id == Debate.organiser_id).where(User.is_demo)
        )
    )
    in_demo = Participant.debate_id.in_(debate_ids)
    counts = {
        "debates": len(debate_ids),
        "demo accounts": db.session.scalar(select(func.count()).where(User.is_demo)),
        "real people who had joined one": db.session.scalar(
            select(func.count(distinct(Participant.user_id)))
            .join(User, User.id == Participant.user_id)
            .where(in_demo, User.is_demo.is_(False))
        ),
    }
    with _log_entries_deletable():
        db.session.execute(delete(LogEntry).where(LogEntry.debate_id.in_(debate_ids)))
    # The database's cascades take every row of the debates with them.
    db.session.execute(delete(Debate).where(Debate.id.in_(debate_ids)))
    db.session.execute(delete(User).where(User.is_demo))
    return counts


@contextmanager
def _log_entries_deletable():
    """The moderation log's append-only trigger steps aside for the demo debates' entries,
    within this transaction only (a rollback brings it back too): demo content is no public
    record. (A trigger that checked for a demo debate itself would name the debate table,
    which SQLite's table rebuilds in later migrations cannot then drop.)"""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        trigger = "moderation_log_append_only"
        connection.exec_driver_sql("ALTER TABLE moderation_log DISABLE TRIGGER " + trigger)
        yield
        connection.exec_driver_sql("ALTER TABLE moderation_log ENABLE TRIGGER " + trigger)
        return
    trigger = "moderation_log_no_delete"
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
    ).scalar_one()
    connection.exec_driver_sql("DROP TRIGGER " + trigger)
    yield
    connection.exec_driver_sql(sql)
