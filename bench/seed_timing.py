"""How long `deliberate seed` takes, into a freshly migrated database.

    python bench/seed_timing.py [--database-url URL] [--runs 3] [--profile]

Without --database-url, a new SQLite file; a PostgreSQL URL names a scratch database that
is emptied (its public schema dropped) before each run. Prints each run's wall-clock
seconds (this process's CPU seconds in brackets: steadier on a busy machine), then the
best; --profile prints cProfile's 25 costliest calls of one more run.
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from deliberate import create_app
from deliberate.extensions import db
from deliberate.seed import seed_demo


def fresh_app(url: str):
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    elif os.path.exists(url.removeprefix("sqlite:///")):
        os.remove(url.removeprefix("sqlite:///"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        upgrade()
    return app


def seed_seconds(url: str, profiler: cProfile.Profile | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one seeding."""
    app = fresh_app(url)
    with app.app_context():
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        seed_demo()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start, time.process_time() - cpu
        db.session.remove()
        db.engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/seed.sqlite3"
    times = [seed_seconds(url) for _ in range(args.runs)]
    runs = " ".join(f"{wall:.2f} ({cpu:.2f})" for wall, cpu in times)
    print(f"runs: {runs} s; best {min(times)[0]:.2f} s ({min(cpu for _, cpu in times):.2f} CPU)")
    if args.profile:
        profiler = cProfile.Profile()
        seed_seconds(url, profiler)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
