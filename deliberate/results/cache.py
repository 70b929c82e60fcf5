"""Results are computed when a debate's votes have changed, not on every view.

Every change the analysis reads bumps `Debate.results_version` (debates/services.py
`_bump`); the cached row remembers the version it read. A stale row is recomputed on the
next view, except for a large debate, whose analysis takes a second or more: its figures
are reused for up to ten times that long, so a stream of votes cannot keep the server
recomputing on every page view. A row written by an older analysis (analysis.VERSION) is
always recomputed.

The cache lives in the database, so every worker process and every app server share it.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Debate, utcnow
from . import analysis, data
from .models import DebateResult

SLOW_SECONDS = 1.0
REUSE_FACTOR = 10


def results_for(debate: Debate) -> DebateResult:
    """The debate's figures, from the cache when they are current enough."""
    row = db.session.get(DebateResult, debate.id)
    current = row is not None and row.figures.get("analysis") == analysis.VERSION
    if current and (row.version == debate.results_version or _reusable(row)):
        return row
    return recompute(debate)


def participant_groups(debate: Debate) -> dict[int, int]:
    """Participant id -> opinion group index, for the Pol.is-format download."""
    return {int(pid): group for pid, group in results_for(debate).groups.items()}


def recompute(debate: Debate) -> DebateResult:
    version = debate.results_version  # read before the data: a vote arriving meanwhile
    started = time.perf_counter()  # leaves the row stale, so the next view recomputes
    figures, membership = analysis.analyse(data.load(debate))
    values = {
        "debate_id": debate.id,
        "version": version,
        "computed_at": utcnow(),
        "seconds": round(time.perf_counter() - started, 4),
        "figures": figures,
        "groups": {str(pid): group for pid, group in membership.items()},
    }
    # On SQLite a page view reads from a snapshot (a deferred transaction); writing after it
    # fails at once if another request has committed since, whatever the busy timeout. End
    # the snapshot first: the upsert then starts a fresh transaction and waits for the lock.
    db.session.commit()
    _upsert(values)
    db.session.commit()
    row = db.session.get(DebateResult, debate.id)
    db.session.refresh(row)
    return row


def _reusable(row: DebateResult) -> bool:
    if row.seconds < SLOW_SECONDS:
        return False
    return utcnow() - row.computed_at < timedelta(seconds=row.seconds * REUSE_FACTOR)


def _upsert(values: dict) -> None:
    """Insert or replace in one statement, so two workers recomputing at once both succeed."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DebateResult).values(**values)
    columns = {k: statement.excluded[k] for k in values if k != "debate_id"}
    db.session.execute(statement.on_conflict_do_update(index_elements=["debate_id"], set_=columns))
