"""Query counts and render times of the debate and argument pages, by debate size.

    python bench/query_counts.py [--sizes 10,100,1000,10000] [--database-url URL]

Builds synthetic debates in a throwaway database (SQLite in a temporary folder unless
--database-url names an empty one), then requests each page cold, as an anonymous reader
and as a logged-in participant, and prints one row per size. The number of queries must
not grow with the size; the time may, a little, with the rows a page shows.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time

from flask import g
from sqlalchemy import event, select

from deliberate import create_app
from deliberate.accounts import clock, sessions
from deliberate.extensions import db
from deliberate.models import Argument, User
from deliberate.synthetic import build_debate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="deliberate-bench-")
    os.environ["DELIBERATE_INSTANCE_PATH"] = folder
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        print(f"database: {db.engine.url.render_as_string()}")
        print(
            f"{'arguments':>9} | {'debate page':>22} | {'argument page':>22} | "
            f"{'as participant':>22} | {'KB':>5}"
        )
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            debate = build_debate(size, slug=f"bench-{size}")
            built = time.perf_counter() - started
            slug = debate.slug
            parent = db.session.scalar(
                select(Argument.id)
                .where(Argument.debate_id == debate.id, Argument.reply_count > 0)
                .limit(1)
            )
            member = db.session.scalar(
                select(User).where(User.email == f"{slug}-1@synthetic.invalid")
            )
            client = app.test_client()
            page = measure(client, f"/d/{slug}", args.repeat)
            argument = measure(client, f"/d/{slug}/a/{parent}", args.repeat)
            # A session recorded on the server, as sessions.login records one.
            secret = secrets.token_urlsafe(32)
            db.session.add(
                sessions.LoginSession(user_id=member.id, token_hash=sessions._hash(secret))
            )
            db.session.commit()
            with client.session_transaction() as session:
                # As sessions.login leaves it ("r": remember-me, so no idle clock to keep).
                login_at = int(clock.now())
                session["_user_id"] = sessions.session_id(
                    member, login_at, sessions.REMEMBER, secret
                )
                session["_fresh"] = True
                session[sessions.SEEN] = login_at
            # Logged in (not an ended session): the page offers to log out.
            joined = measure(client, f"/d/{slug}", args.repeat, expect="Log out</button>")
            print(
                f"{size:>9} | {fmt(page)} | {fmt(argument)} | {fmt(joined)} | "
                f"{joined[2] / 1024:>5.1f}"
                f"   (built in {built:.1f} s)"
            )
    return 0


def measure(client, url: str, repeat: int, expect: str | None = None) -> tuple[int, float, int]:
    """(queries, median milliseconds, bytes) for a cold request to url (whose page must
    contain `expect`, if given)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    times = []
    for _ in range(repeat):
        db.session.remove()
        g.pop("_login_user", None)
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
        assert expect is None or expect in response.get_data(as_text=True), (url, expect)
    if os.environ.get("BENCH_SHOW_SQL"):
        print(url, *(s.splitlines()[0][:100] for s in statements), sep="\n  ")
    return len(statements), statistics.median(times), len(response.data)


def fmt(result: tuple[int, float, int]) -> str:
    queries, ms, _size = result
    return f"{queries:>3} queries {ms:>7.1f} ms"


if __name__ == "__main__":
    sys.exit(main())
