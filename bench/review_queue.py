"""The review queue at 100,000 waiting arguments: first page and a deep page, by keyset.

    python bench/review_queue.py [--items 100000] [--database-url URL]

Fills a throwaway database with one debate whose arguments are all waiting for review, then
times the first page and the page after item N-50 (the query a mediator's "next page" link
runs), and prints the database's plan for it: it must use the queue index, not sort.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from deliberate import create_app
from deliberate.debates import services as debates
from deliberate.extensions import db
from deliberate.models import Argument, Phase, Stance, User, Visibility
from deliberate.moderation import review
from deliberate.moderation.models import Role
from deliberate.moderation.services import appoint_accepted, change_phase
from deliberate.rules import Standing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="deliberate-queue-")
    os.environ["DELIBERATE_INSTANCE_PATH"] = folder
    url = args.database_url or f"sqlite:///{folder}/queue.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        organiser, mediator = (
            User(
                pseudonym=n,
                pseudonym_key=n.lower(),
                email=f"{n}@bench.invalid",
                password_hash="!",  # noqa: S106 - matches no password
            )
            for n in ("Organiser", "Mediator")
        )
        db.session.add_all([organiser, mediator])
        db.session.flush()
        debate = debates.start_debate(organiser, "A debate with a very long queue?", "")
        running = Standing(organiser, roles=frozenset({"organiser"}))
        change_phase(running, debate, Phase.OPEN)
        appoint_accepted(running, debate, "Mediator", Role.MEDIATOR)
        db.session.commit()
        started = time.perf_counter()
        base = datetime(2026, 1, 1, tzinfo=UTC)
        batch = 5000
        for start in range(0, args.items, batch):
            db.session.execute(
                insert(Argument),
                [
                    {
                        "debate_id": debate.id,
                        "author_id": organiser.id,
                        "stance": Stance.PRO,
                        "body": f"Queued argument {n}, waiting for a mediator.",
                        "body_html": "<p>Queued</p>",
                        "depth": 0,
                        "path": f"{n + 1:010d}",
                        "visibility": Visibility.FLAGGED,
                        "queued_at": base + timedelta(seconds=n),
                        "flag_count": 3,
                    }
                    for n in range(start, min(start + batch, args.items))
                ],
            )
        db.session.commit()
        print(f"{args.items} queued arguments inserted in {time.perf_counter() - started:.1f} s")
        who = Standing(mediator, roles=frozenset({"mediator"}))
        first = timed(lambda: review.queue(who, debate))
        deep_item = db.session.execute(
            select(Argument.queued_at, Argument.id)
            .where(Argument.debate_id == debate.id)
            .order_by(Argument.queued_at, Argument.id)
            .offset(args.items - 50)
            .limit(1)
        ).one()
        deep = timed(lambda: review.queue(who, debate, after=tuple(deep_item)))
        print(
            f"first page: {first:.2f} ms; page after item {args.items - 50}: {deep:.2f} ms "
            "(median of 20)"
        )
        if db.engine.dialect.name == "sqlite":
            plan = db.session.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM argument WHERE debate_id = :d AND "
                    "queued_at IS NOT NULL AND (queued_at, id) > (:t, :i) "
                    "ORDER BY queued_at, id LIMIT 50"
                ),
                {"d": debate.id, "t": deep_item[0], "i": deep_item[1]},
            ).all()
            print("plan:", "; ".join(row[-1] for row in plan))
    return 0


def timed(run) -> float:
    times = []
    for _ in range(20):
        db.session.expire_all()
        started = time.perf_counter()
        items = run()
        times.append((time.perf_counter() - started) * 1000)
        assert items
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
