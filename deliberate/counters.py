"""Denormalised counters and scores, kept in step by SQL increments in the caller's
transaction: the argument tree's reply counts, a debate's totals, an argument's score.

Both deliberate.debates and deliberate.moderation change them, so they live here, below
both: each imports this module, and it imports neither.
"""

import math

from sqlalchemy import case, update
from sqlalchemy.orm.util import identity_key

from . import versions
from .extensions import db
from .models import Argument, Debate, utcnow
from .moderation import notify


def count_in_tree(argument: Argument) -> None:
    """Count a newly public argument in the debate and in each ancestor's replies, and tell
    the parent's author."""
    if argument.parent_id is None:
        bump(Debate, argument.debate_id, argument_count=1)
        return
    parent_id = argument.ancestor_ids[-1]
    # One statement, so the check descendant_count >= reply_count holds at every step.
    db.session.execute(
        update(Argument)
        .where(Argument.id.in_(argument.ancestor_ids))
        .values(
            descendant_count=Argument.descendant_count + 1,
            reply_count=Argument.reply_count + case((Argument.id == parent_id, 1), else_=0),
        )
        .execution_options(synchronize_session=False)
    )
    # Arguments, then the debate: the order cast_vote locks them in, so the two never
    # deadlock on PostgreSQL.
    bump(Debate, argument.debate_id, argument_count=1)
    parent = db.session.get(Argument, parent_id)
    db.session.expire(parent, ["reply_count", "descendant_count"])
    if parent.author_id != argument.author_id:
        notify.send(parent.author_id, "reply", parent.debate, argument)


def wilson_lower_bound(agree: int, disagree: int, z: float = 1.959964) -> float:
    """Lower bound of the 95% Wilson interval for the share of agree votes.

    Ranks an argument by how sure we are that people agree with it, so 40 agree / 10
    disagree beats 2 agree / 0 disagree (Evan Miller, "How Not To Sort By Average Rating").
    """
    n = agree + disagree
    if n == 0:
        return 0.0
    p = agree / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - spread) / (1 + z * z / n)


def results_changed(debate_id: int) -> None:
    """Something the results read changed without changing a counter: mark them stale."""
    bump(Debate, debate_id)


def bump(model, row_id: int, **changes: int) -> None:
    """Add to counter columns in SQL, so concurrent writers never lose an increment.
    Any change to a debate's counters also marks its cached results stale."""
    values = {name: getattr(model, name) + change for name, change in changes.items()}
    if model is Debate:
        values["updated_at"] = utcnow()
        values["results_version"] = Debate.results_version + 1
        if row_id not in versions.bumped(db.session):
            values["version"] = Debate.version + 1
            versions.bumped(db.session).add(row_id)
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # The object loaded in this session, if any, still holds the old counts: reload on read.
    loaded = db.session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        db.session.expire(loaded, list(values))
