"""The analysis, off the request path.

A large debate's analysis takes seconds (Bowling Green: over one; a million votes: five).
A page never waits for one: when the figures are stale, the view asks for a computation
and shows the last figures with their age (or says they are being prepared). One
computation per debate runs at a time, whichever process asks, thanks to a claim in the
database (`Debate.results_claimed_at`), so a crowd of viewers, or of voters, starts one, not
a hundred.

Who computes:
- with DELIBERATE_REDIS_URL, a queue on Redis (RQ): `deliberate worker` runs the jobs, on
  this server or another one;
- without it, a thread in each server process.

A debate whose last analysis took under RESULTS_INLINE_SECONDS (or, never analysed, with
under RESULTS_INLINE_VOTES votes) is computed in the request: that costs the viewer a few
milliseconds, and keeps small debates, the most common, always current.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import or_, update

from ..extensions import db
from ..models import Debate, utcnow

log = logging.getLogger(__name__)

#: A claim older than this belongs to a process that died: another may take it over.
CLAIM_TIMEOUT = timedelta(minutes=10)
QUEUE_NAME = "deliberate-results"


def request_computation(debate: Debate) -> None:
    current_app.extensions["deliberate.results_queue"].put(debate.id)


def run(debate_id: int) -> bool:
    """Compute the debate's figures unless another process is at it, or they are current.
    True when this call computed them."""
    from . import cache

    if not claim(debate_id):
        return False
    try:
        debate = db.session.get(Debate, debate_id)
        if debate is None or cache.current(debate):
            return False
        cache.recompute(debate)
        return True
    finally:
        release(debate_id)


def claim(debate_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(Debate)
        .where(
            Debate.id == debate_id,
            or_(
                Debate.results_claimed_at.is_(None),
                Debate.results_claimed_at < now - CLAIM_TIMEOUT,
            ),
        )
        .values(results_claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def release(debate_id: int) -> None:
    db.session.rollback()
    db.session.execute(
        update(Debate)
        .where(Debate.id == debate_id)
        .values(results_claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def run_job(debate_id: int) -> bool:
    """A job of `deliberate worker`, which runs them all in one app context."""
    try:
        return run(debate_id)
    finally:
        db.session.remove()


# --- who runs the jobs -----------------------------------------------------------------------


class ThreadQueue:
    """A thread in this process, started on first use (after gunicorn forks its workers),
    that computes one debate at a time. A debate already waiting is not queued twice."""

    def __init__(self, app: Flask):
        self.app = app
        self.jobs: queue.Queue[int] = queue.Queue()
        self.waiting: set[int] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def put(self, debate_id: int) -> None:
        with self.lock:
            if debate_id in self.waiting:
                return
            self.waiting.add(debate_id)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, name="results", daemon=True)
                self.thread.start()
        self.jobs.put(debate_id)

    def _work(self) -> None:
        while True:
            debate_id = self.jobs.get()
            with self.lock:
                self.waiting.discard(debate_id)
            try:
                with self.app.app_context():
                    run(debate_id)
            except Exception:
                log.exception("results: the analysis of debate %s failed", debate_id)
            finally:
                self.jobs.task_done()

    def join(self) -> None:
        """Wait until every queued computation is done (tests, and shutting down)."""
        self.jobs.join()


class RedisQueue:
    """Jobs on Redis (RQ), run by `deliberate worker`."""

    def __init__(self, url: str):
        from redis import Redis
        from rq import Queue

        self.queue = Queue(QUEUE_NAME, connection=Redis.from_url(url))

    def put(self, debate_id: int) -> None:
        try:
            # One waiting job per debate: RQ keeps a job id once.
            self.queue.enqueue(run_job, debate_id, job_id=f"results-{debate_id}")
        except Exception:  # noqa: BLE001 - Redis away: the next view asks again
            log.warning("results: could not queue debate %s (Redis unreachable)", debate_id)


def register(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["deliberate.results_queue"] = RedisQueue(url) if url else ThreadQueue(app)


def work(app: Flask, burst: bool = False) -> None:
    """`deliberate worker`: run the queued analyses, one at a time, in this process."""
    from redis import Redis
    from rq import SimpleWorker

    url = app.config.get("REDIS_URL")
    if not url:
        raise SystemExit(
            "deliberate worker needs DELIBERATE_REDIS_URL: without Redis, each server process "
            "computes results in a thread of its own, and no worker is needed."
        )
    with app.app_context():
        worker = SimpleWorker([QUEUE_NAME], connection=Redis.from_url(url))
        worker.work(burst=burst, with_scheduler=False)
