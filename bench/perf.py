"""Deliberate's speed and weight against the goals of issue 14, measured in one run.

    python bench/perf.py [--database sqlite|postgresql] [--database-url URL]
                         [--redis-url [URL]] [--workers 2] [--duration 10]
                         [--connections 10] [--sizes 10,10000,100000]
                         [--skip-served] [--skip-flat]

Needs wrk (`apt-get install wrk`). Prints every figure with its reference and goal, and
exits 1 when a goal is missed. Three parts:

1. Served (the server as deployed: `deliberate serve`, gunicorn, --workers, on the seeded
   debates), each figure a ratio to a hello-world Flask app served the same way on this
   machine in the same run (bench/hello.py), with wrk -t2 -c<connections>:
   - the debate page for a signed-out reader, rendered every time (the page cache off):
     at least 10 % of hello-world's requests per second;
   - the same page viewed again: served from the page cache, and revalidated by a browser
     (If-None-Match, a 304): at least 50 % each;
   - the page for a signed-in participant (their own votes marked): at least 5 %;
   - a vote (POST, one client, one request at a time): median latency at most 3 times a
     hello-world GET's.
2. Light: the debate page's first view on the wire (compressed as a browser asks, with its
   stylesheet, and the vote script for a participant) at every size: 30 KB at most.
3. Flat (in this process, against --database-url or a fresh SQLite file): median server
   time of each page with every cache cold (the page cache off), at each size, as a ratio
   to the smallest size: at most 1.5 (the debate page for a reader and a participant, an
   argument's page, the report from its cached figures, the review queue).

The PostgreSQL run of the closing note: --database postgresql --redis-url --workers 2.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from load_test import (
    DEFAULT_POSTGRES,
    DEFAULT_REDIS,
    flush_redis,
    free_port,
    fresh_postgres,
    stop,
    wait_until_ready,
)

ROOT = Path(__file__).resolve().parent.parent
MAIN = "/d/un-talks-mali-jnim"
PASSWORD = "perf bench password"  # noqa: S105 - a throwaway instance's
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WIRE_LIMIT = 30 * 1024


@dataclass
class Goal:
    """A measure, its reference (hello world; the smallest debate; the size limit), and the
    bound the issue sets on their ratio: at least `limit`, or at most."""

    name: str
    value: float
    reference: float
    unit: str
    limit: float
    at_least: bool

    @property
    def ratio(self) -> float:
        return self.value / self.reference

    @property
    def met(self) -> bool:
        return self.ratio >= self.limit if self.at_least else self.ratio <= self.limit

    def line(self) -> str:
        sign = ">=" if self.at_least else "<="
        goal = f"{sign} {self.limit:g}"
        return (
            f"  {self.name:<52} {self.value:>10.1f} {self.unit:<6} {self.reference:>10.1f}"
            f"  {self.ratio:>8.3f}  {goal:<8} {'ok' if self.met else 'MISSED'}"
        )


def main() -> int:
    args = parse_args()
    goals: list[Goal] = []
    print(f"machine: {os.cpu_count()} CPUs; database: {args.database}; redis: {args.redis_url}")
    if not args.skip_served:
        goals += served(args)
    if not args.skip_flat:
        goals += flat(args)
    print(f"\n  {'measure':<52} {'value':>10} {'unit':<6} {'reference':>10}  {'ratio':>8}  goal")
    for goal in goals:
        print(goal.line())
    missed = [goal.name for goal in goals if not goal.met]
    print(
        f"\n{len(goals) - len(missed)} of {len(goals)} goals met"
        + (f"; missed: {missed}" if missed else "")
    )
    return 1 if missed else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database-url", help=f"PostgreSQL scratch database (default {DEFAULT_POSTGRES})"
    )
    parser.add_argument("--redis-url", nargs="?", const=DEFAULT_REDIS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--sizes", default="10,10000,100000")
    parser.add_argument("--repeat", type=int, default=21, help="requests per flat measure")
    parser.add_argument("--skip-served", action="store_true")
    parser.add_argument("--skip-flat", action="store_true")
    return parser.parse_args()


# --- 1. served -------------------------------------------------------------------------------


def served(args) -> list[Goal]:
    instance = Path(tempfile.mkdtemp(prefix="deliberate-perf-"))
    env = {
        **os.environ,
        "DELIBERATE_INSTANCE_PATH": str(instance),
        "DELIBERATE_SECRET_KEY": "perf bench secret key, throwaway instance " + os.urandom(8).hex(),
        # A benchmark votes faster than any person: the limits would answer 429s.
        "DELIBERATE_RATELIMIT_ENABLED": "0",
        "DELIBERATE_REQUIRE_STAFF_TOTP": "0",
    }
    for name in ("DELIBERATE_DATABASE_URL", "DELIBERATE_REDIS_URL", "DELIBERATE_ENV"):
        env.pop(name, None)
    if args.database == "postgresql":
        env["DELIBERATE_DATABASE_URL"] = fresh_postgres(args.database_url or DEFAULT_POSTGRES)
    if args.redis_url:
        flush_redis(args.redis_url)
        env["DELIBERATE_REDIS_URL"] = args.redis_url
    bin_dir = Path(sys.executable).parent
    servers = []
    try:
        hello = start(
            servers,
            instance / "hello.log",
            env,
            [
                str(bin_dir / "gunicorn"),
                "--chdir",
                str(ROOT / "bench"),
                "-w",
                str(args.workers),
                "-k",
                "gthread",
                "--threads",
                "4",
                "--no-control-socket",
                "hello:app",
            ],
        )
        cached = start(servers, instance / "cached.log", env, serve_command(bin_dir, args))
        uncached = start(
            servers,
            instance / "uncached.log",
            {**env, "DELIBERATE_PAGE_CACHE_SECONDS": "0"},
            serve_command(bin_dir, args, seed=False),
        )
        cookie = participant_cookie(cached, env)
        etag = http_get(cached, MAIN)[1]["etag"]
        print(f"\nserved (wrk -t2 -c{args.connections} -d{args.duration}s):", flush=True)
        base = wrk(hello, "/", args)
        runs = {
            "reader": wrk(uncached, MAIN, args),
            "reader, page cache": wrk(cached, MAIN, args),
            "reader, revalidated": wrk(cached, MAIN, args, ("If-None-Match", etag)),
            "participant": wrk(cached, MAIN, args, ("Cookie", cookie)),
        }
        hello_latency = latency(hello, lambda c: request(c, "GET", "/"))
        vote_latency = latency(cached, voter(cached, cookie))
    finally:
        for server in servers:
            stop(server[1])
    print(f"  hello world: {base:.0f} requests/s; GET median {hello_latency:.2f} ms")
    page = "debate page, reader"
    return [
        Goal(f"{page}, rendered every time", runs["reader"], base, "req/s", 0.10, True),
        Goal(f"{page}, from the page cache", runs["reader, page cache"], base, "req/s", 0.5, True),
        Goal(f"{page}, revalidated (304)", runs["reader, revalidated"], base, "req/s", 0.5, True),
        Goal("debate page, participant", runs["participant"], base, "req/s", 0.05, True),
        Goal("vote POST median latency, one client", vote_latency, hello_latency, "ms", 3, False),
    ]


def serve_command(bin_dir: Path, args, seed: bool = True) -> list[str]:
    command = [str(bin_dir / "deliberate"), "serve", "--workers", str(args.workers)]
    return command if seed else [*command, "--no-seed"]


def start(servers: list, log_path: Path, env: dict, command: list[str]) -> str:
    port = free_port()
    if "serve" in command:
        command = [*command, "--host", "127.0.0.1", "--port", str(port)]
    else:
        command = [*command, "-b", f"127.0.0.1:{port}"]
    log = log_path.open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own commands
        command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"127.0.0.1:{port}"
    servers.append((base, server))
    wait_until_ready(f"http://{base}", server, log_path) if "serve" in command else wait_http(base)
    return base


def wait_http(base: str, limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            http_get(base, "/")
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{base} did not answer")


def wrk(base: str, path: str, args, header: tuple[str, str] | None = None) -> float:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s"]
    if header:
        command += ["-H", f"{header[0]}: {header[1]}"]
    command.append(f"http://{base}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        sys.exit(f"wrk {path}: {errors[1]} error responses\n{output}")
    print(f"  {path} {header[0] if header else ''}: {rate:.0f} requests/s", flush=True)
    return rate


def http_get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection(base, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def request(connection, method: str, path: str, body: str = "", headers: dict | None = None):
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    return response


def latency(base: str, send, count: int = 300) -> float:
    """Median milliseconds of `send(connection)` over one kept-alive connection."""
    connection = http.client.HTTPConnection(base, timeout=30)
    times = []
    try:
        for _ in range(30):
            send(connection)  # warm up
        for _ in range(count):
            started = time.perf_counter()
            send(connection)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return statistics.median(times)


class Session:
    """A browser's cookies and CSRF token, over plain http.client."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        body = ""
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form)
        connection = http.client.HTTPConnection(self.base, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def token(self, path: str) -> str:
        return CSRF_FIELD.search(self.send("GET", path)[1])[1]

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


CREATE_PARTICIPANT = """
import sys
from deliberate import create_app
from deliberate.accounts import services
from deliberate.extensions import db

app = create_app()
with app.app_context():
    user = services.register_user("Perf Bench", "perf@example.org", sys.argv[1])
    db.session.commit()
"""


def participant_cookie(base: str, env: dict) -> str:
    """Sign a new participant in, through the pages, and join the main debate."""
    command = [sys.executable, "-c", CREATE_PARTICIPANT, PASSWORD]
    subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603 - our own script
    session = Session(base)
    form = {
        "csrf_token": session.token("/login"),
        "email": "perf@example.org",
        "password": PASSWORD,
    }
    assert session.send("POST", "/login", form)[0] == 302, "log-in failed"
    join = {"csrf_token": session.token(MAIN), "position": "undecided", "accept_rules": "y"}
    assert session.send("POST", f"{MAIN}/join", join)[0] == 302, "joining failed"
    page = session.send("GET", MAIN)[1]
    assert 'class="vote"' in page, "the participant sees no vote buttons"
    return session.cookie_header()


def voter(base: str, cookie: str):
    """A request function voting agree, then taking it back, on one argument, as the page's
    vote form does (the POST alone: its redirect is not followed)."""
    session = Session(base)
    session.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
    page = session.send("GET", MAIN)[1]
    token = CSRF_FIELD.search(page)[1]
    argument = re.search(r'name="value" value="(\d+):1"', page)[1]
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    values = [f"{argument}:1", f"{argument}:"]
    count = [0]

    def send(connection):
        count[0] += 1
        body = urllib.parse.urlencode({"csrf_token": token, "value": values[count[0] % 2]})
        response = request(connection, "POST", f"{MAIN}/vote", body, headers)
        assert response.status == 302, f"vote answered {response.status}"

    return send


# --- 2 and 3. light and flat (in this process) -------------------------------------------------


def flat(args) -> list[Goal]:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from deliberate import create_app
    from deliberate.accounts import clock, sessions
    from deliberate.accounts.pseudonyms import pseudonym_key
    from deliberate.extensions import db
    from deliberate.models import Argument, User
    from deliberate.moderation.models import Role
    from deliberate.moderation.services import appoint_accepted
    from deliberate.results.cache import recompute
    from deliberate.rules import Standing
    from deliberate.synthetic import build_large_debate

    logging.getLogger("deliberate.requests").setLevel(logging.WARNING)  # one line a request
    folder = tempfile.mkdtemp(prefix="deliberate-flat-")
    os.environ["DELIBERATE_INSTANCE_PATH"] = folder
    if args.database == "postgresql":
        url = fresh_postgres(args.database_url or DEFAULT_POSTGRES)
    else:
        url = f"sqlite:///{folder}/flat.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "PAGE_CACHE_SECONDS": 0,
            "REQUIRE_STAFF_TOTP": False,
            "RESULTS_INLINE_SECONDS": 1e9,  # figures computed here, once, before timing
        }
    )
    sizes = [int(s) for s in args.sizes.split(",")]
    timings: dict[str, dict[int, float]] = {}
    wire: list[Goal] = []
    with app.app_context():
        upgrade()
        print(f"\nflat (in-process, {db.engine.url.render_as_string()}):", flush=True)
        for size in sizes:
            started = time.perf_counter()
            debate = build_large_debate(size, slug=f"flat-{size}")
            organiser = debate.organiser
            mediator_name = f"Mediator {size}"
            mediator = User(
                pseudonym=mediator_name,
                pseudonym_key=pseudonym_key(mediator_name),
                email=f"m{size}@perf.invalid",
                password_hash="!",  # noqa: S106 - matches no password
            )
            db.session.add(mediator)
            db.session.flush()
            appoint_accepted(
                Standing(organiser, roles=frozenset({"organiser"})),
                debate,
                mediator_name,
                Role.MEDIATOR,
            )
            db.session.commit()
            recompute(debate)
            if args.database == "postgresql":
                # As autovacuum soon would after such a load: plans need the tables' statistics.
                db.session.connection().exec_driver_sql("ANALYZE")
                db.session.commit()
            built = time.perf_counter() - started
            slug = debate.slug
            parent = db.session.scalar(
                select(Argument.id)
                .where(Argument.debate_id == debate.id, Argument.reply_count == 1)
                .order_by(Argument.id)
                .limit(1)
            )
            member = db.session.scalar(
                select(User).where(User.email == f"{slug}-1@synthetic.invalid")
            )
            reader = app.test_client()
            participant = signed_in(app, member, clock, sessions)
            staff = signed_in(app, mediator, clock, sessions)
            measures = {
                "debate page, reader": (reader, f"/d/{slug}"),
                "debate page, participant": (participant, f"/d/{slug}"),
                "argument page, reader": (reader, f"/d/{slug}/a/{parent}"),
                "report, from its cached figures": (reader, f"/d/{slug}/report"),
                "review queue, mediator": (staff, f"/d/{slug}/queue"),
            }
            line = []
            for name, (client, path) in measures.items():
                ms = median_ms(client, path, args.repeat)
                timings.setdefault(name, {})[size] = ms
                line.append(f"{name} {ms:.1f} ms")
            sizes_on_wire = {
                "reader": on_wire(reader, f"/d/{slug}", participant=False),
                "participant": on_wire(participant, f"/d/{slug}", participant=True),
            }
            for who, sent in sizes_on_wire.items():
                name = f"first view on the wire, {who}, {size:,} arguments"
                wire.append(Goal(name, sent / 1024, WIRE_LIMIT / 1024, "KB", 1.0, False))
            print(
                f"  {size:>7,} arguments (built in {built:.1f} s): " + "; ".join(line), flush=True
            )
    goals = wire
    smallest = sizes[0]
    for name, by_size in timings.items():
        for size in sizes[1:]:
            label = f"{name}, {size:,} / {smallest:,} arguments"
            goals.append(Goal(label, by_size[size], by_size[smallest], "ms", 1.5, False))
    return goals


def signed_in(app, user, clock, sessions):
    from deliberate.extensions import db

    client = app.test_client()
    # A session recorded on the server, as sessions.login records one.
    secret = secrets.token_urlsafe(32)
    db.session.add(sessions.LoginSession(user_id=user.id, token_hash=sessions._hash(secret)))
    db.session.commit()
    with client.session_transaction() as session:
        login_at = int(clock.now())
        session["_user_id"] = sessions.session_id(user, login_at, sessions.REMEMBER, secret)
        session["_fresh"] = True
        session[sessions.SEEN] = login_at
    return client


def get(client, path: str, **kwargs):
    """A request as the server would see it: a fresh database session, nobody signed in
    until the client's cookie says so (this process's app context is shared)."""
    from flask import g

    from deliberate.extensions import db

    db.session.remove()
    g.pop("_login_user", None)
    return client.get(path, **kwargs)


def median_ms(client, path: str, repeat: int) -> float:
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = get(client, path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times[1:])  # the first warms Jinja and the query plans


def on_wire(client, path: str, participant: bool) -> int:
    """Bytes of the page and what it loads first (stylesheet; vote script), Brotli."""
    accept = {"Accept-Encoding": "br, gzip"}
    page = get(client, path, headers=accept)
    total = len(page.data)
    html = get(client, path).get_data(as_text=True)
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', html):
        response = get(client, asset.replace("&amp;", "&"), headers=accept)
        total += len(response.data)
        response.close()
    assert participant == ("vote.js" in html), (path, html[:3000])
    return total


if __name__ == "__main__":
    sys.exit(main())
