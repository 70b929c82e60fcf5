"""Synthetic debates of any size, for the query-count test and bench/query_counts.py."""

import random

from .accounts.services import pseudonym_key
from .debates import services
from .extensions import db
from .models import Debate, Phase, Position, Stance, User
from .moderation.services import change_phase
from .rules import Standing

PARTICIPANTS = 25


def build_debate(size: int, seed: int = 7, slug: str | None = None) -> Debate:
    """A debate of `size` arguments in a random but reproducible tree, with votes."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security  # nosec B311
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
    arguments = []
    for n in range(size):
        parent = rng.choice(arguments) if arguments and rng.random() < 0.75 else None
        author = rng.choice(users)
        argument = services.post_argument(
            members[author.id],
            debate,
            rng.choice(list(Stance)),
            f"Synthetic argument number {n}, with enough words to be realistic.",
            parent,
        )
        arguments.append(argument)
        for voter in rng.sample(users, 2):
            if voter.id != author.id:
                services.cast_vote(members[voter.id], argument, rng.choice((1, -1)))
    db.session.commit()
    return debate
