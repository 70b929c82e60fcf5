"""Attack run: Debian's sqlmap and wapiti against this app, served locally with the seeded
debates, as a signed-in participant. Exit 0 only if no scanner found anything.

What it does, within about 8 minutes:

1. `deliberate serve` on 127.0.0.1 (a free port) with a temporary instance folder and SQLite
   database, seeded, rate limits off (DELIBERATE_RATELIMIT_ENABLED=0: otherwise the scanners
   would mostly see 429s and prove nothing) and the test suite's cheap password hashes.
2. Registers a participant as a person would (the form, then the confirmation link that the
   development server writes to its log) and joins the main debate, so the argument, reply,
   vote and flag forms are there; creates a site admin for the one admin-only search.
3. sqlmap --batch, several jobs at once: --forms --crawl=1 on the main debate, then explicit
   targets with valid values (login, register, post, reply, vote, flag, each fetching a fresh
   CSRF token with --csrf-url; GET parameters; the JSON API's path; the admin user search).
4. wapiti over the whole site (attack modules that make sense here; no ssrf/xxe, which call
   out to wapiti's servers, and no brute-force or fingerprinting modules).

Fails on: anything sqlmap calls injectable or its heuristics call vulnerable (XSS, file
inclusion); any wapiti vulnerability not in ACCEPTED (each with its reason); a job that did
not finish in time; CSRF refusals or 429s (the scan would not have reached the code); a 500.
wapiti's anomalies and additionals are printed; anomalies (500s, timeouts) also fail.

Usage: .venv/bin/python scripts/attack_run.py [--thorough]   (apt-get install sqlmap wapiti)
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404 # runs the app and the scanners with fixed argument lists
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "un-talks-mali-jnim"
#: The throwaway scan accounts' password, new each run (the password policy refuses weak ones).
PASSWORD = secrets.token_urlsafe(18)
SQLMAP_PARALLEL = 2  # plus wapiti: the machine has 2 cores, shared with the server
# Not used: ssrf and xxe (they call out to wapiti's own servers), wapp, nikto, buster, backup
# and brute_login_form (fingerprinting and word lists), shellshock and htaccess (CGI and
# Apache only). permanentxss (stored XSS) only with --thorough: for every marker it finds on
# a page it posts the form again with each payload and reloads the page, and checks its time
# limit only between pages; here every argument shows on the debate and account pages, and
# one page took it over 4 minutes, so it cannot be bounded. (Stored text is sanitised by
# deliberate/markup.py, tested in tests/, and the CSP forbids inline script.)
WAPITI_MODULES = (
    "xss,sql,blindsql,exec,file,crlf,redirect,csrf,methods,http_headers,cookieflags,csp"
)
THOROUGH_MODULES = WAPITI_MODULES + ",permanentxss"


@dataclass(frozen=True)
class Plan:
    modules: str  # wapiti's
    attack_s: int  # wapiti's limit per module (checked between pages)
    timeout_s: int  # each scanner job's; past it the job is killed and the run fails


# The default keeps the whole run under ~8 minutes; --thorough is for a manual run.
QUICK = Plan(WAPITI_MODULES, attack_s=30, timeout_s=360)
THOROUGH = Plan(THOROUGH_MODULES, attack_s=120, timeout_s=3600)
#: wapiti findings that are not vulnerabilities of this app, with the reason.
ACCEPTED = {
    ("HTTP Secure Headers", "Strict-Transport-Security is not set"): (
        "the scan is plain HTTP; the app sends HSTS on every HTTPS request (test_headers.py), "
        "and browsers ignore it over HTTP (RFC 6797 8.1)"
    ),
    ("HTTP Secure Headers", "X-XSS-Protection is not set"): (
        "deprecated header (browsers removed the XSS auditor); the strict CSP is the defence"
    ),
    ("Secure Flag cookie", "Secure flag is not set in the cookie : session"): (
        "the scan is plain HTTP; served over HTTPS, DELIBERATE_SECURE_COOKIES=1 makes the "
        "session and remember-me cookies Secure (config.py)"
    ),
}

# `deliberate serve` with the test suite's cheap password hashes (as tests/served.py does):
# every login the scanners try would otherwise cost up to half a second of argon2 (a failed
# one too: it checks a dummy hash, made with the production parameters at import).
LAUNCHER = """
import sys
from argon2 import PasswordHasher
from deliberate.accounts import services
services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
if hasattr(services, "_DUMMY_HASH"):
    services._DUMMY_HASH = services._hasher.hash("not a real password")
from deliberate.cli import main
sys.argv[0] = "deliberate"
main()
"""

# Debian's wapiti 3.0.4 compiles its -x patterns as "...\\Z(?ms)", which Python 3.11 rejects
# ("global flags not at the start"); the same pattern with the flags in front works. Without
# -x, its crawler would post the logout form and scan the rest signed out.
WAPITI_LAUNCHER = """
import re, sys
from wapitiCore.net import crawler
def wildcard_translate(pattern):
    parts = (re.escape(part) for part in pattern.split("*"))
    return re.compile("(?ms)" + ".*".join(parts) + r"\\Z")
crawler.wildcard_translate = wildcard_translate
from wapitiCore.main.wapiti import wapiti_main
sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
"""

#: Not scanned: forms that end the scan's session or account (log out, log out everywhere,
#: change password or email, two-step login, delete) or switch the language mid-scan. A
#: crawler posts every form it finds; posting these would sign the rest of the scan out.
SESSION_ENDERS = r"logout|delete|/language|/account/"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_REFUSED = "This form had expired or came from another site"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DELIBERATE_")}
        return env | {
            "DELIBERATE_INSTANCE_PATH": str(self.workdir / "instance"),
            "DELIBERATE_DATABASE_URL": f"sqlite:///{self.workdir / 'attack.sqlite3'}",
            "DELIBERATE_RATELIMIT_ENABLED": "0",  # test-only switch, see config.py
            # The admin account exists for one target (the user search), without a TOTP app.
            "DELIBERATE_REQUIRE_STAFF_TOTP": "0",
        }

    def cli(self, *args: str, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
        command = [sys.executable, "-c", LAUNCHER, *args]
        if kwargs.pop("background", False):
            return subprocess.Popen(command, cwd=ROOT, env=self.env(), **kwargs)  # noqa: S603 - our own command
        return subprocess.run(command, cwd=ROOT, env=self.env(), check=True, **kwargs)  # noqa: S603 - our own command

    def start(self, deadline_s: float = 120) -> None:
        with self.log.open("ab") as log:
            self.process = self.cli(
                *("serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "2"),
                background=True,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the server exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # noqa: S310  # nosec B310
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"the server did not answer in {deadline_s} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def requests(self) -> Counter:
        """Status codes of every request the app logged (one JSON line each)."""
        statuses = Counter()
        for line in self.log.read_text(errors="replace").splitlines():
            match = re.search(r'"status": (\d+)', line)
            if "deliberate.requests" in line and match:
                statuses[int(match[1])] += 1
        return statuses


class Browser:
    """A cookie jar and the forms' CSRF token, over urllib."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, form: dict, page: str = "") -> str:
        """Post `form` with the token from `page` (default: `path`); returns the final URL."""
        token = CSRF_FIELD.search(self.get(page or path))[1]
        data = urllib.parse.urlencode({"csrf_token": token, **form}).encode()
        with self.opener.open(self.base + path, data, timeout=30) as response:
            return response.geturl()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def wapiti_cookies(self, path: Path) -> Path:
        jar = {
            c.name: {"value": c.value, "expires": None, "secure": False, "port": None, "version": 0}
            for c in self.jar
        }
        path.write_text(json.dumps({"127.0.0.1": {"/": jar}}))
        return path


def participant(server: Server) -> Browser:
    """Registers as a person would in development: the confirmation mail is in the log."""
    browser = Browser(server.base)
    browser.post("/register", {"pseudonym": "Attack run", "email": "attack-run@example.org"})
    link = mailed_link(server, r"/register/confirm\?token=[\w.\-]+")
    browser.post(link, {"pseudonym": "Attack run", "password": PASSWORD})
    joined = {"position": "for", "community": "", "accept_rules": "y"}
    browser.post(f"/d/{SLUG}/join", joined, page=f"/d/{SLUG}")
    if "/arguments/new" not in browser.get(f"/d/{SLUG}"):
        sys.exit("the scan's participant could not join the debate")
    return browser


def signed_in(browser: Browser) -> bool:
    with browser.opener.open(browser.base + "/account", timeout=30) as response:
        return urllib.parse.urlsplit(response.geturl()).path == "/account"


def mailed_link(server: Server, pattern: str, deadline_s: float = 10) -> str:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        found = re.findall(pattern, server.log.read_text(errors="replace"))
        if found:
            return found[-1]
        time.sleep(0.1)
    sys.exit(f"no mail with {pattern} in {server.log}")


def admin(server: Server) -> Browser:
    email = "attack-admin@example.org"
    server.cli(
        *("create-admin", "--pseudonym", "Attack admin", "--email", email),
        *("--password", PASSWORD),
        capture_output=True,
    )
    browser = Browser(server.base)
    if not browser.post("/login", {"email": email, "password": PASSWORD}).endswith("/"):
        sys.exit("the scan's admin could not log in")
    return browser


@dataclass
class Job:
    name: str
    command: list[str]
    workdir: Path
    timeout_s: int = QUICK.timeout_s
    seconds: float = 0.0
    output: str = ""
    timed_out: bool = False

    def run(self) -> Job:
        self.workdir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603  # nosec B603
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            self.output, _ = process.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            self.output, _ = process.communicate()
            self.timed_out = True
        self.seconds = time.monotonic() - started
        (self.workdir / "output.txt").write_text(self.output)
        return self


def sqlmap(name: str, workdir: Path, *args: str, cookie: str = "") -> Job:
    out = workdir / "sqlmap" / name
    command = ["sqlmap", "--batch", "--dbms=SQLite", "--disable-coloring", "--timeout=30"]
    command += [f"--output-dir={out}", "-t", f"{out}/traffic.txt", *args]  # -t: log traffic
    if cookie:
        command.append(f"--cookie={cookie}")
    return Job(f"sqlmap {name}", command, out)


def sqlmap_post(name: str, workdir: Path, url: str, form: dict, token_page: str, cookie="") -> Job:
    """A form with valid values, so each payload reaches the code behind the checks; a fresh
    CSRF token for each request from `token_page` (a light page of the same session)."""
    data = urllib.parse.urlencode({"csrf_token": "", **form})
    csrf = ["--csrf-token=csrf_token", f"--csrf-url={token_page}"]
    return sqlmap(name, workdir, "-u", url, f"--data={data}", *csrf, cookie=cookie)


def sqlmap_jobs(base: str, workdir: Path, user: Browser, root: Browser, argument: int):
    cookie, inbox = user.cookie_header(), f"{base}/inbox"
    body = "A scanner's argument, long enough to pass the form's checks."
    a = f"{base}/d/{SLUG}/a/{argument}"
    # The crawl skips argument pages (alike; one is a target below), other debates, the API,
    # static files, and the forms that would end the session.
    skip = rf"{SESSION_ENDERS}|/static/|/api/|/a/\d+|/d/(?!{SLUG})"
    crawl = ["-u", f"{base}/d/{SLUG}", "--forms", "--crawl=1", f"--crawl-exclude={skip}"]
    gets = workdir / "get-targets.txt"
    gets.write_text(
        f"{a}?sort=new&n=20\n"
        f"{base}/d/{SLUG}/moderation?before=1000\n"
        f"{base}/api/v1/debates/{SLUG}/moderation-log?before=1000\n"
        f"{base}/api/v1/debates/{SLUG}*\n"  # '*' marks the slug in the path
        f"{base}/login?next=/account\n"
    )
    posts = [  # name, url, form, token page of the participant's session ("": signed out)
        ("login", f"{base}/login", {"email": "nobody@example.org", "password": "not it"}, ""),
        ("register", f"{base}/register", {"pseudonym": "Probe", "email": "p@example.org"}, ""),
        ("reset", f"{base}/reset", {"email": "nobody@example.org"}, ""),
        ("argument", f"{base}/d/{SLUG}/arguments/new", {"stance": "pro", "body": body}, inbox),
        ("reply", f"{a}/reply", {"stance": "con", "body": body}, inbox),
        ("flag", f"{a}/flag", {"rule": "1", "note": "a note"}, inbox),
        ("vote", f"{base}/d/{SLUG}/vote", {"value": f"{argument}:1", "next": "/"}, inbox),
    ]
    return [
        sqlmap("forms", workdir, *crawl, "--threads=3", cookie=cookie),
        # Level 2 adds the cookies: the language one is read on every request.
        sqlmap(
            "get-parameters", workdir, "-m", str(gets), "--level=2", cookie=f"{cookie}; lang=en"
        ),
        *(
            sqlmap_post(name, workdir, url, form, page or url, cookie if page else "")
            for name, url, form, page in posts
        ),
        sqlmap(
            "admin-search", workdir, "-u", f"{base}/admin/users?q=demo", cookie=root.cookie_header()
        ),
    ]


def wapiti_job(base: str, workdir: Path, user: Browser, plan: Plan) -> Job:
    out = workdir / "wapiti"
    (out / "config").mkdir(parents=True, exist_ok=True)
    # An empty fingerprint database: otherwise wapiti tries to download one at start-up.
    (out / "config" / "apps.json").write_text("{}")
    interpreter = Path(shutil.which("wapiti")).read_text().splitlines()[0].removeprefix("#!")
    others = [d for d in debate_slugs(base) if d != SLUG]
    excluded = [f"{base}/logout*", f"{base}/*delete*", f"{base}/language*", f"{base}/account/*"]
    excluded += [f"{base}/d/{slug}*" for slug in others]  # one debate is enough, and faster
    command = [interpreter.strip(), "-c", WAPITI_LAUNCHER, "-u", f"{base}/"]
    command += ["-m", plan.modules, "-c", str(user.wapiti_cookies(out / "cookies.json"))]
    command += [arg for url in excluded for arg in ("-x", url)]
    command += ["-d", "3", "--max-links-per-page", "25", "--max-files-per-dir", "25"]
    # The crawl, then each module, stop after these many seconds (what is left is not
    # attacked: the summary gives the count crawled).
    command += ["--max-scan-time", "45", "--max-attack-time", str(plan.attack_s)]
    command += ["--timeout", "20"]
    command += ["--flush-session", "--store-session", str(out / "session")]
    command += ["--store-config", str(out / "config"), "--no-bugreport", "-v", "1"]
    command += ["-f", "json", "-o", str(out / "report.json")]
    return Job("wapiti", command, out, plan.timeout_s)


def debate_slugs(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/v1/debates", timeout=30) as response:  # noqa: S310  # nosec B310
        return [d["slug"] for d in json.load(response)["debates"]]


def first_argument(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/debates/{SLUG}", timeout=30) as response:  # noqa: S310  # nosec B310
        arguments = json.load(response)["arguments"]
    return next(a["id"] for a in arguments if not a["deleted"])


# sqlmap's verdicts: its final list of injection points ("Parameter: id (GET)" lines), and
# its heuristic XSS / file inclusion checks. ("appears to be ... injectable" is a candidate
# it may still reject as a false positive; it is printed, and counts only if listed.)
FOUND = re.compile(r"^Parameter: .+$|might be vulnerable to [^\n]*", re.MULTILINE)
CANDIDATE = re.compile(r"parameter '[^']+' (?:is|appears to be) '[^']+' injectable")
TESTED = re.compile(r"testing for SQL injection on \S+ parameter '[^']+'")
COUNTED = re.compile(r"^\[\d+/(?:\d+|\?)\] (?:Form|URL):", re.MULTILINE)


def sqlmap_report(job: Job) -> dict:
    traffic = job.workdir / "traffic.txt"
    text = traffic.read_text(errors="replace") if traffic.exists() else ""
    return {
        "targets": len(COUNTED.findall(job.output)) or 1,
        "parameters": len(TESTED.findall(job.output)),
        "requests": text.count("HTTP request ["),
        "csrf_refused": text.count(CSRF_REFUSED),
        "findings": FOUND.findall(job.output),
        "candidates": CANDIDATE.findall(job.output),
    }


def wapiti_report(job: Job) -> dict:
    path = job.workdir / "report.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    found = re.search(r"Wapiti found (\d+) URLs and forms", job.output)

    def listed(kind: str) -> list[tuple[tuple, str]]:
        """((category, info), a line to print) for each entry of one kind."""
        return [
            ((category, item.get("info")), describe(category, item))
            for category, items in (report.get(kind) or {}).items()
            for item in items
        ]

    vulns = listed("vulnerabilities")
    return {
        "written": bool(report),
        "crawled": int(found[1]) if found else 0,
        "cut": re.findall(r"Max attack time was reached for module (\w+)", job.output),
        "vulnerability": [text for key, text in vulns if key not in ACCEPTED],
        "accepted": [f"{text} - {ACCEPTED[key]}" for key, text in vulns if key in ACCEPTED],
        "anomaly": [text for _, text in listed("anomalies")],
        "additional": [text for _, text in listed("additionals")],
    }


def describe(category: str, item: dict) -> str:
    return f"{category}: {item.get('info')} ({item.get('method')} {item.get('path')})"


def summarise_sqlmap(jobs: list[Job]) -> list[str]:
    failures, totals = [], Counter()
    for job in jobs:
        report = sqlmap_report(job)
        totals.update(targets=report["targets"], parameters=report["parameters"])
        totals.update(requests=report["requests"])
        counts = f"{report['targets']} targets, {report['parameters']} parameter tests"
        print(f"  {job.name}: {counts}, {report['requests']} requests, {job.seconds:.0f} s")
        for candidate in report["candidates"]:
            print(f"    candidate, then checked by sqlmap: {candidate}")
        failures += [f"{job.name}: {finding}" for finding in report["findings"]]
        if report["csrf_refused"] > report["requests"] // 10:
            failures.append(f"{job.name}: {report['csrf_refused']} requests refused by CSRF")
        if job.timed_out or not report["requests"]:
            failures.append(f"{job.name}: did not finish (see {job.workdir}/output.txt)")
    counts = f"{totals['targets']} targets, {totals['parameters']} parameter tests"
    print(f"sqlmap: {len(jobs)} jobs, {counts}, {totals['requests']} requests")
    return failures


def summarise_wapiti(job: Job) -> list[str]:
    report = wapiti_report(job)
    modules = job.command[job.command.index("-m") + 1]
    crawled = f"{report['crawled']} URLs and forms crawled"
    print(f"wapiti: modules {modules}; {crawled}; {job.seconds:.0f} s")
    if report["cut"]:
        print(f"  stopped at their time limit (the rest not attacked): {', '.join(report['cut'])}")
    for kind in ("vulnerability", "accepted", "anomaly", "additional"):
        for entry in report[kind]:
            print(f"  {kind}: {entry}")
    failures = [f"wapiti: {entry}" for entry in report["vulnerability"] + report["anomaly"]]
    if job.timed_out or not report["written"]:
        failures.append(f"wapiti: did not finish (see {job.workdir}/output.txt)")
    return failures


def summarise(jobs: list[Job], server: Server, seconds: float) -> list[str]:
    """Print the summary; return the reasons to fail."""
    failures = summarise_sqlmap([j for j in jobs if j.name.startswith("sqlmap")])
    for job in (j for j in jobs if j.name == "wapiti"):
        failures += summarise_wapiti(job)
    statuses = server.requests()
    print(f"server: {sum(statuses.values())} requests, by status {dict(sorted(statuses.items()))}")
    if statuses[429]:
        failures.append(f"{statuses[429]} answers were 429: rate limits were not off")
    if statuses[500]:
        failures.append(f"{statuses[500]} answers were 500 (tracebacks in {server.log})")
    print(f"duration: {seconds:.0f} s")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--thorough", action="store_true", help="add permanentxss; no 8-min cap")
    plan = THOROUGH if parser.parse_args().thorough else QUICK
    for tool in ("sqlmap", "wapiti"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install sqlmap wapiti")
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="attack-run-"))
    server = Server(workdir)
    try:
        server.start()
        user, root = participant(server), admin(server)
        jobs = sqlmap_jobs(server.base, workdir, user, root, first_argument(server.base))
        wapiti = wapiti_job(server.base, workdir, user, plan)
        for job in jobs:
            job.timeout_s = plan.timeout_s
        print(f"attack run on {server.base} (work files in {workdir})", flush=True)
        with ThreadPoolExecutor(SQLMAP_PARALLEL + 1) as pool:
            done = [pool.submit(wapiti.run)] + [pool.submit(job.run) for job in jobs]
            finished = [future.result() for future in done]
        still_in = signed_in(user)
    finally:
        server.stop()
    failures = summarise(finished, server, time.monotonic() - started)
    if not still_in:  # e.g. a crawler posted "log out everywhere": later results mean little
        failures.append("the scan's participant session ended during the scan")
    for failure in failures:
        print(f"FINDING {failure}")
    if failures:
        print(f"attack run: FAILED (scanner output and server log in {workdir})")
        return 1
    shutil.rmtree(workdir)
    print("attack run: passed, no findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
