"""Results are computed when a debate's votes have changed, not on every view, and never
in a page's time when they take long (results/jobs.py).

Every change the analysis reads bumps `Debate.results_version` (counters.py `bump`); the
cached row remembers the version it read. When a page finds the row stale:

- figures counted from private choices move in batches (release.py): the row is recomputed
  only once enough people changed something private since the data it read (or nobody did,
  and only public things changed); until then the last figures stand;
- a debate whose analysis is quick (results/jobs.py says how quick) is recomputed there and
  then, so small debates always show current figures;
- any other is queued for a background computation, and the page shows the last figures
  with their age, or says they are being prepared; a large debate's figures are also kept
  for ten times as long as they took to compute, so a stream of votes cannot keep a worker
  busy on one debate;
- a row written by an older analysis (analysis.VERSION) is recomputed, by the same rules
  (an upgrade, not an attacker, chooses that moment, so it does not wait for a batch).

Whoever recomputes (a page or the background job) keeps release.py's three calls: waiting
before the data is read, still_ready after, consume after the upsert.

The cache lives in the database, so every worker process and every app server share it. A
recomputation raises the debate's version (versions.py): its pages show the new figures.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Debate, utcnow
from . import analysis, data, jobs, release
from .models import DebateResult

REUSE_FACTOR = 10


def results_for(debate: Debate) -> DebateResult | None:
    """The debate's figures: current, or the last ones while newer are computed in the
    background or wait for a batch, or None when there are none yet (being computed)."""
    row = db.session.get(DebateResult, debate.id)
    if _current(row, debate):
        return row
    readable = _readable(row)
    if (row is None or readable) and not release.ready(debate):
        return row if readable else unreleased(debate)
    if _quick(row, debate):
        return recompute(debate)
    jobs.request_computation(debate)
    return row if readable else None


def current(debate: Debate) -> bool:
    return _current(db.session.get(DebateResult, debate.id), debate)


def unreleased(debate: Debate) -> DebateResult:
    """Before the first batch: the debate's arguments, and nobody counted yet (not stored)."""
    figures, _membership = analysis.analyse(data.load(debate, people=False))
    return DebateResult(
        debate_id=debate.id,
        version=0,
        computed_at=utcnow(),
        seconds=0.0,
        figures=figures,
        counts=figures["counts"],
        groups={},
    )


def published_counts(debate: Debate) -> dict:
    """The motion tallies and community sizes the debate page, the API and the downloads
    show: from the same batched computation as the report, never counted live. Read alone
    (the figures stay in the database) when current: the debate page reads them every time."""
    light = db.session.execute(
        select(DebateResult.version, DebateResult.counts).where(DebateResult.debate_id == debate.id)
    ).first()
    if (
        light is not None
        and light.version == debate.results_version
        and light.counts.get("analysis") == analysis.VERSION
    ):
        return light.counts
    result = results_for(debate)
    if result is None:  # a large debate's first analysis is running: nobody counted yet
        return analysis.public_counts(data.nobody())
    return result.counts


def participant_groups(debate: Debate) -> dict[int, int] | None:
    """Participant id -> opinion group, for the Pol.is-format download (None: not ready)."""
    row = results_for(debate)
    return None if row is None else {int(pid): group for pid, group in row.groups.items()}


def _readable(row: DebateResult | None) -> bool:
    return row is not None and row.figures.get("analysis") == analysis.VERSION


def _current(row: DebateResult | None, debate: Debate) -> bool:
    if not _readable(row):
        return False
    if row.version == debate.results_version:
        return True
    # A slow analysis is not redone for every vote: its figures hold for a while.
    slow = row.seconds >= current_app.config["RESULTS_INLINE_SECONDS"]
    return slow and utcnow() - row.computed_at < timedelta(seconds=row.seconds * REUSE_FACTOR)


def _quick(row: DebateResult | None, debate: Debate) -> bool:
    config = current_app.config
    if row is not None:
        return row.seconds < config["RESULTS_INLINE_SECONDS"]
    return debate.vote_count < config["RESULTS_INLINE_VOTES"]


def recompute(debate: Debate) -> DebateResult:
    version = debate.results_version  # read before the data: a vote arriving meanwhile
    started = time.perf_counter()  # leaves the row stale, so the next view recomputes
    batch = release.waiting(debate)
    figures, membership = analysis.analyse(data.load(debate))
    if not release.still_ready(debate, batch):
        row = db.session.get(DebateResult, debate.id)
        return row if _readable(row) else unreleased(debate)
    values = {
        "debate_id": debate.id,
        "version": version,
        "computed_at": utcnow(),
        "seconds": round(time.perf_counter() - started, 4),
        "figures": figures,
        "counts": {**figures["counts"], "analysis": analysis.VERSION},
        "groups": {str(pid): group for pid, group in membership.items()},
    }
    published = db.session.scalar(
        select(DebateResult.counts).where(DebateResult.debate_id == debate.id)
    )
    # On SQLite a page view reads from a snapshot (a deferred transaction); writing after it
    # fails at once if another request has committed since, whatever the busy timeout. End
    # the snapshot first, and write before reading again: the upsert then starts a fresh
    # transaction and waits for the lock.
    db.session.commit()
    _upsert(values)
    if published != values["counts"]:
        # The debate's pages show these counts (its tallies): they change with them.
        db.session.execute(
            update(Debate)
            .where(Debate.id == debate.id)
            .values(version=Debate.version + 1)
            .execution_options(synchronize_session=False)
        )
    # After the debate's row: a vote locks that row, then its pending_change row. Taken the
    # other way round, a vote landing now would deadlock with this (PostgreSQL).
    release.consume(debate)
    db.session.commit()
    row = db.session.get(DebateResult, debate.id)
    db.session.refresh(row)
    return row


def _upsert(values: dict) -> None:
    """Insert or replace in one statement, so two workers recomputing at once both succeed."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DebateResult).values(**values)
    columns = {k: statement.excluded[k] for k in values if k != "debate_id"}
    db.session.execute(statement.on_conflict_do_update(index_elements=["debate_id"], set_=columns))
