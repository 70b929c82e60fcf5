"""Load test: `deliberate serve` under simulated participants (bench/locustfile.py).

    python bench/load_test.py [--database sqlite|postgresql] [--database-url URL]
                              [--redis-url [URL]] [--workers 2] [--users 50]
                              [--spawn-rate 10] [--duration 60] [--keep]

Needs locust (pip install -e '.[bench]'). What it does:

1. a fresh instance folder (tempfile); for --database postgresql a fresh scratch database,
   dropped and created on the server of --database-url (default
   postgresql+psycopg://postgres@127.0.0.1:5432/deliberate_load); with --redis-url (alone:
   redis://127.0.0.1:6379/14) shared rate limits in that Redis database, which is flushed
   first, so it must be one used for nothing else (database 0 is refused);
2. `deliberate serve --workers N` (migrated and seeded) on a free port, trusting one proxy
   (DELIBERATE_TRUSTED_PROXIES=1) since each simulated user sends its own X-Forwarded-For;
   its output goes to server.log in the instance folder;
3. waits for /readyz, then creates one account per simulated user straight in the database
   (registering takes a mailed link, which a load test cannot follow): "Load <n>",
   load-<n>@example.org, all with the password ACCOUNT_PASSWORD (hashed once, with the
   production argon2 parameters, so each login costs what a real one does);
4. runs locust headless for --duration seconds with --users users started at --spawn-rate
   per second, each logging in to its own account, then stops the server (SIGTERM) and
   prints a summary.

The figures, all from locust's point of view (client side, same machine):

- requests: every HTTP request made, including the set-up (log in, join);
- throughput: requests per second over the whole run, ramp-up included; it is bounded by
  the users' think time (1-3 s), so it measures the load offered as much as the capacity:
  with 50 users the ceiling is about 50 / (2 s + response time);
- p50/p95/p99: response time percentiles in ms (locust rounds them to 2 significant digits
  above 100 ms); a page request includes any redirect it follows;
- failures: responses other than the expected one: 4xx/5xx (429 "rate limited" included),
  or a 200 that is not what the action should lead to (e.g. a refused join form);
- "database is locked" and Traceback: occurrences in the server's log.

Exit status 0 only when there were requests, no failures, no "database is locked" and no
Traceback. The instance folder is removed after a clean run unless --keep is given.
"""

import argparse
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/deliberate_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
PROTECTED_DATABASES = {"postgres", "template0", "template1"}
#: The password of every load-test account (bench/locustfile.py logs in with it).
ACCOUNT_PASSWORD = "load test password"  # noqa: S105 - a throwaway instance's

# Run with the server's environment (so on its database), after the server has migrated it.
CREATE_ACCOUNTS = """
import sys
from deliberate import create_app
from deliberate.accounts import clock, services
from deliberate.extensions import db
from deliberate.models import User

count, password = int(sys.argv[1]), sys.argv[2]
app = create_app()
with app.app_context():
    password_hash = services.hash_password(password)  # once: argon2 takes ~0.2 s a hash
    now = clock.utcnow()
    for n in range(1, count + 1):
        pseudonym = f"Load {n}"
        db.session.add(
            User(
                pseudonym=pseudonym,
                pseudonym_key=services.pseudonym_key(pseudonym),
                email=f"load-{n}@example.org",
                password_hash=password_hash,
                password_changed_at=now,
            )
        )
    db.session.commit()
"""


def main() -> int:
    args = parse_args()
    bin_dir = Path(sys.executable).parent
    for tool in ("deliberate", "locust"):
        if not (bin_dir / tool).exists():
            sys.exit(f"{bin_dir / tool} not found: install with pip install -e '.[bench]'")

    instance = Path(tempfile.mkdtemp(prefix="deliberate-load-"))
    env = {
        **os.environ,
        "DELIBERATE_INSTANCE_PATH": str(instance),
        "DELIBERATE_TRUSTED_PROXIES": "1",
    }
    for name in ("DELIBERATE_DATABASE_URL", "DELIBERATE_REDIS_URL", "DELIBERATE_SECRET_KEY"):
        env.pop(name, None)
    if args.database == "postgresql":
        env["DELIBERATE_DATABASE_URL"] = fresh_postgres(args.database_url or DEFAULT_POSTGRES)
    elif args.database_url:
        sys.exit("--database-url goes with --database postgresql")
    if args.redis_url:
        flush_redis(args.redis_url)
        env["DELIBERATE_REDIS_URL"] = args.redis_url

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = instance / "server.log"
    prefix = instance / "locust"
    print(
        f"database: {args.database}, rate limits: {args.redis_url or 'per-process memory'}, "
        f"workers: {args.workers}, users: {args.users} (+{args.spawn_rate}/s), "
        f"duration: {args.duration} s",
        flush=True,
    )
    print(f"instance: {instance}", flush=True)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script
            [
                str(bin_dir / "deliberate"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            started = time.monotonic()
            wait_until_ready(base, server, log_path)
            print(f"server ready in {time.monotonic() - started:.1f} s at {base}", flush=True)
            create_accounts(env, args.users)
            env["DELIBERATE_LOAD_ACCOUNTS"] = str(args.users)
            env["DELIBERATE_LOAD_PASSWORD"] = ACCOUNT_PASSWORD
            locust_rc = run_locust(bin_dir, base, prefix, instance / "locust.log", args, env)
        finally:
            stop(server)

    stats = read_stats(Path(f"{prefix}_stats.csv"))
    failures = read_failures(Path(f"{prefix}_failures.csv"))
    log_text = log_path.read_text(errors="replace")
    locked = log_text.count("database is locked")
    tracebacks = log_text.count("Traceback")
    ok = print_summary(stats, failures, locked, tracebacks)
    if locust_rc not in (0, 1):  # 1: locust saw failures, reported above
        print(f"locust exited with status {locust_rc}: see {instance / 'locust.log'}")
        ok = False
    if ok and not args.keep:
        shutil.rmtree(instance, ignore_errors=True)
    else:
        print(f"server log: {log_path}\nlocust log: {instance / 'locust.log'}")
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database-url",
        help=f"PostgreSQL scratch database, dropped and re-created (default {DEFAULT_POSTGRES})",
    )
    parser.add_argument(
        "--redis-url",
        nargs="?",
        const=DEFAULT_REDIS,
        help=f"share rate limits in this Redis database, flushed first (alone: {DEFAULT_REDIS})",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    return parser.parse_args()


# --- set-up ----------------------------------------------------------------------------------


def fresh_postgres(url: str) -> str:
    """Drop and create the database that `url` names; return the URL."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database
    if not name or name in PROTECTED_DATABASES:
        sys.exit(f"refusing to drop and re-create database {name!r}: name a scratch database")
    maintenance = target.set(drivername="postgresql", database="postgres")
    conninfo = maintenance.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    if int(db) == 0:
        sys.exit(f"refusing to flush Redis database 0 ({url}): name a dedicated one, e.g. /14")
    client.flushdb()
    client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_accounts(env: dict, count: int) -> None:
    """One account per simulated user, in the server's database."""
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own script, with this interpreter
        [sys.executable, "-c", CREATE_ACCOUNTS, str(count), ACCOUNT_PASSWORD],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"creating the load-test accounts failed:\n{done.stdout}{done.stderr}")
    print(f"{count} accounts created in {time.monotonic() - started:.1f} s", flush=True)


def wait_until_ready(base: str, server: subprocess.Popen, log_path: Path, limit_s=300) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped (status {server.returncode}):\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5):  # noqa: S310 - local  # nosec B310
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.5)
    stop(server)
    sys.exit(f"the server was not ready after {limit_s} s:\n{tail(log_path)}")


def run_locust(bin_dir: Path, base: str, prefix: Path, log_path: Path, args, env) -> int:
    command = [
        str(bin_dir / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{args.duration}s",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
    ]
    print(f"running: {' '.join(command)}", flush=True)
    with open(log_path, "wb") as log:
        return subprocess.run(  # noqa: S603 - the venv's locust
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        ).returncode


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- results ---------------------------------------------------------------------------------


def read_stats(path: Path) -> list[dict]:
    if not path.exists():
        sys.exit(f"locust wrote no statistics ({path} is missing)")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def read_failures(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(row: dict, column: str) -> float:
    try:
        return float(row.get(column) or 0)
    except ValueError:  # "N/A" when there were no requests
        return 0.0


def line(label: str, row: dict) -> str:
    return (
        f"{label:<16} {int(number(row, 'Request Count')):>8} {number(row, 'Requests/s'):>8.1f}"
        f" {number(row, '50%'):>7.0f} {number(row, '95%'):>7.0f} {number(row, '99%'):>7.0f}"
        f" {int(number(row, 'Failure Count')):>8}"
    )


def print_summary(stats: list[dict], failures: list[dict], locked: int, tracebacks: int) -> bool:
    total = next((r for r in stats if r.get("Name") == "Aggregated"), None)
    if total is None:
        sys.exit("no Aggregated row in locust's statistics")
    print()
    print(
        f"{'':<16} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
        f" {'failures':>8}"
    )
    for row in sorted(stats, key=lambda r: -number(r, "Request Count")):
        if row is not total:
            print(line(f"{row['Name']}", row))
    print(line("ALL", total))
    for failure in failures:
        print(
            f"  failure: {failure.get('Method')} {failure.get('Name')}: "
            f"{failure.get('Error')} x{failure.get('Occurrences')}"
        )
    requests = int(number(total, "Request Count"))
    failed = int(number(total, "Failure Count"))
    print()
    print(
        f"requests {requests}, throughput {number(total, 'Requests/s'):.1f} req/s, "
        f"p50 {number(total, '50%'):.0f} ms, p95 {number(total, '95%'):.0f} ms, "
        f"p99 {number(total, '99%'):.0f} ms, failures {failed}"
    )
    print(f"server log: 'database is locked' x{locked}, Traceback x{tracebacks}")
    return requests > 0 and failed == 0 and locked == 0 and tracebacks == 0


if __name__ == "__main__":
    sys.exit(main())
