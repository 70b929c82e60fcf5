"""The real server for tests: `deliberate serve` (gunicorn, several worker processes) in a
subprocess, and clients that talk to it over HTTP as browsers do.

Each `Browser` keeps its own cookies and posts the form's CSRF token; each request goes over
a new connection, so a killed worker costs only the requests it was answering.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "served test secret key, not for production"  # noqa: S105 - a test's

# `deliberate serve` from this checkout, with the suite's cheap password hashes: the test
# users are made with them (conftest.py), and the production parameters would make each
# login rehash for half a second.
#: Settings of the test's own process a served app must not take: its own Redis, proxies,
#: and site address (`serve` sets the address to its own port; an inherited one would win).
NOT_INHERITED = ("DELIBERATE_REDIS_URL", "DELIBERATE_TRUSTED_PROXIES", "DELIBERATE_PUBLIC_URL")

LAUNCHER = """
import sys
from argon2 import PasswordHasher
from deliberate.accounts import services
services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
from deliberate.cli import main
sys.argv[0] = "deliberate"
main()
"""

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: What a client sees when the server is not there (or a worker died under its request).
DOWN = (ConnectionError, http.client.HTTPException, TimeoutError, socket.timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`deliberate serve --no-seed` against `database_url`, on a free port."""

    def __init__(self, database_url: str, workdir: Path, workers: int, env: dict | None = None):
        self.database_url = database_url
        self.workdir = workdir
        self.workers = workers
        self.port = free_port()
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.starts = 0
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def start(self, deadline_s: float = 60.0) -> Server:
        env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
        # No notification mail unless a test asks (tests/smtp.py: served_env).
        env["DELIBERATE_MAIL_INTERVAL"] = "0"
        env.update(
            DELIBERATE_DATABASE_URL=self.database_url,
            DELIBERATE_INSTANCE_PATH=str(self.workdir / "instance"),
            DELIBERATE_SECRET_KEY=SECRET_KEY,  # the same after a restart: sessions survive
            **self.extra_env,
        )
        command = [sys.executable, "-c", LAUNCHER, "serve", "--no-seed"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        with self.log_path.open("ab") as log:
            # Its own session, so its processes can be told apart from the test's.
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        self.wait_until_up(deadline_s)
        return self

    def wait_until_up(self, deadline_s: float) -> None:
        """Poll /healthz until every worker could answer; no fixed sleeps."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the server exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if len(self.worker_pids()) == self.workers:
                try:
                    if Browser(self).get("/healthz").status == 200:
                        return
                except DOWN:
                    pass
            time.sleep(0.05)
        raise AssertionError(f"the server did not come up in {deadline_s} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's child processes."""
        return children(self.process.pid) if self.process else []

    def stop(self) -> None:
        """SIGTERM: gunicorn lets the workers finish their requests, then exits."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.crash()

    def crash(self) -> list[int]:
        """SIGKILL the workers, then the master, as a power cut or the OOM killer would; then
        any worker the master forked in between. Returns the pids killed."""
        master = self.process.pid
        killed = []
        for pid in self.worker_pids():
            killed += kill(pid)
        killed += kill(master)
        self.process.wait(timeout=10)
        # The master may have replaced a worker before it died; that one has no parent now.
        for pid in session_members(master):
            killed += kill(pid)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in killed):
            assert time.monotonic() < deadline, f"processes outlived SIGKILL: {killed}"
            time.sleep(0.01)
        return killed

    def connections_per_worker(self, count: int, deadline_s: float = 60) -> list:
        """`count` open connections accepted by each worker, as (pid, connection). The
        kernel gives a new connection to whichever worker accepts first, so open them until
        every worker has its share (and close the rest). On a loaded machine one worker may
        lose every race for a while: after a connection it did not need, give the others a
        moment of CPU (scheduling, not a race in what the test checks)."""
        share: dict[int, list[http.client.HTTPConnection]] = {p: [] for p in self.worker_pids()}
        deadline = time.monotonic() + deadline_s
        while not all(len(held) == count for held in share.values()):
            if time.monotonic() > deadline:
                for held in share.values():
                    for connection in held:
                        connection.close()
                raise AssertionError(f"the workers did not all accept {count} connections: {share}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            connection.connect()
            held = share.setdefault(self.owner(connection), [])
            if len(held) < count:
                held.append(connection)
            else:
                connection.close()
                time.sleep(0.01)
        return [(pid, connection) for pid, held in share.items() for connection in held]

    def owner(self, connection: http.client.HTTPConnection, deadline_s: float = 10) -> int:
        """The pid of the worker holding the server's end of an open connection."""
        client_port = connection.sock.getsockname()[1]
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            inode = server_end(self.port, client_port)
            for pid in self.worker_pids() if inode else ():
                if f"socket:[{inode}]" in open_files(pid):
                    return pid
            time.sleep(0.005)
        raise AssertionError(f"no worker accepted the connection from port {client_port}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def errors_context(self, after: int = 30) -> str:
        """The log from each of its first three errors on: the traceback, not the tail."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        starts = [i for i, line in enumerate(lines) if _is_error(line)]
        return "\n[...]\n".join("\n".join(lines[i : i + after]) for i in starts[:3])

    def errors_logged(self) -> list[str]:
        """Tracebacks and 500s in the server's log."""
        text = self.log_path.read_text(errors="replace")
        return [line for line in text.splitlines() if _is_error(line)]


def _is_error(line: str) -> bool:
    return "Traceback" in line or '"status": 500' in line or "database is locked" in line


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return sorted(set(found))


def session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid and alive(int(entry.name)):
                    members.append(int(entry.name))
            except ProcessLookupError:
                pass
    return members


def server_end(server_port: int, client_port: int) -> int:
    """The inode of the accepted socket from `client_port` (0 while still in the backlog)."""
    with open("/proc/net/tcp") as table:
        for line in itertools.islice(table, 1, None):
            fields = line.split()
            local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
            if int(local, 16) == server_port and int(remote, 16) == client_port:
                return int(fields[9])
    return 0


def open_files(pid: int) -> set[str]:
    found = set()
    with contextlib.suppress(FileNotFoundError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(FileNotFoundError):
                found.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie that nobody reaped yet counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def kill(pid: int) -> list[int]:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return []
    return [pid]


@dataclass
class Reply:
    status: int
    location: str
    text: str


class Browser:
    """One browser: its own cookie jar; a new connection for each request.

    `forwarded_for` is sent as X-Forwarded-For, which the server believes when it is
    started with DELIBERATE_TRUSTED_PROXIES=1: many clients then have many addresses.
    """

    def __init__(self, server: Server, forwarded_for: str | None = None, timeout: float = 60):
        self.server = server
        self.forwarded_for = forwarded_for
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.token = ""
        #: A connection to keep using (keep-alive), e.g. one a given worker accepted.
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {} if self.connection else {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = self.connection or http.client.HTTPConnection(
            "127.0.0.1", self.server.port, timeout=self.timeout
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            self.keep_cookies(response.headers.get_all("Set-Cookie") or [])
            return Reply(response.status, response.getheader("Location") or "", text)
        finally:
            if connection is not self.connection:
                connection.close()

    def keep_cookies(self, set_cookie: list[str]) -> None:
        for header in set_cookie:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict | None = None) -> Reply:
        """POST a form with this browser's CSRF token, as the page's form would."""
        return self.request("POST", path, {"csrf_token": self.token, **(form or {})})

    def fetch_token(self, page: str = "/login") -> str:
        reply = self.get(page)
        match = CSRF_FIELD.search(reply.text)
        assert match, f"no CSRF token on {page} ({reply.status})"
        self.token = match[1]
        return self.token

    def login(self, email: str, password: str) -> Reply:
        """Sign in through the login form. Logging in starts a new session with a new CSRF
        token, so the token for later forms is read from the page the login leads to."""
        self.fetch_token("/login")
        reply = self.post("/login", {"email": email, "password": password})
        assert reply.status == 302, f"login of {email} answered {reply.status}"
        assert "/login" not in reply.location, f"login of {email} led to {reply.location}"
        self.fetch_token(urllib.parse.urlsplit(reply.location).path or "/")
        return reply
