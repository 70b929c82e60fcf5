"""When figures built from private choices may change: in batches of several people.

Votes, motion positions and declared communities are private; what the site publishes
about them is counted (the motion tallies, the communities' sizes, the report's
per-community figures). A count that moves the moment one person acts says what that person
chose to anyone who saw them act, or who compares two snapshots (docs/threat-model.md). So
every such figure comes from one computation, the debate's cached results (cache.py), and
that computation may move only when at least RELEASE_BATCH participants (5 by default) have
changed something private since the data it last read, or when nobody has and only public
things changed (an argument posted, hidden, edited or deleted).

Each private change notes its author here (`private_change`, one row per person however
often they act). `ready` says whether the results may be recomputed now; `consume`, called
by the recomputation after it has read the data, starts the next batch. Counting people,
not changes, matters: five votes by one person are one person's.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Debate, Participant
from .models import PendingChange


def batch_size() -> int:
    return current_app.config["RELEASE_BATCH"]


def private_change(debate_id: int, user_id: int) -> None:
    """`user_id` changed a private choice in this debate (the caller also bumps the
    debate's results_version, as for any change the results read)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(PendingChange)
        .values(debate_id=debate_id, user_id=user_id)
        .on_conflict_do_nothing(index_elements=["debate_id", "user_id"])
    )


def left_the_site(user_id: int) -> None:
    """An account was deleted: its declared communities are erased in every debate it took
    part in, a private change in each."""
    for (debate_id,) in db.session.execute(
        select(Participant.debate_id).where(Participant.user_id == user_id)
    ):
        private_change(debate_id, user_id)


@dataclass(frozen=True)
class Batch:
    """The people waiting to be counted when a computation started."""

    people: int

    def releasable(self) -> bool:
        return self.people == 0 or self.people >= batch_size()


def waiting(debate: Debate) -> Batch:
    return Batch(
        db.session.scalar(
            select(func.count())
            .select_from(PendingChange)
            .where(PendingChange.debate_id == debate.id)
        )
    )


def ready(debate: Debate) -> bool:
    """Whether stale results may be recomputed now without singling anyone out."""
    return waiting(debate).releasable()


def still_ready(debate: Debate, before: Batch) -> bool:
    """Checked after the data was read: when the computation began with nobody waiting, a
    private change committed meanwhile may be in what it read (PostgreSQL reads each
    statement afresh), and would be published alone. Then the computation is thrown away."""
    return before.people > 0 or waiting(debate).people == 0


def consume(debate: Debate) -> None:
    """The computation has read the data: whoever was waiting is now counted. Someone who
    acted while it read may or may not be in it; either way they are released with at least
    a batch of others, now or next time."""
    db.session.execute(delete(PendingChange).where(PendingChange.debate_id == debate.id))


def waits_for(debate: Debate, user_id: int) -> bool:
    """Whether this person's latest private change is not in the published figures yet
    (told to them alone, so they know their vote counts)."""
    return (
        db.session.scalar(
            select(PendingChange.id).where(
                PendingChange.debate_id == debate.id, PendingChange.user_id == user_id
            )
        )
        is not None
    )
