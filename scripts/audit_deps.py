"""pip-audit over every installed package, with PyPI's vulnerability data, on a machine where
pip-audit's own services are out of reach.

Why a shim: pip-audit's PyPI service asks https://pypi.org/pypi/<name>/<version>/json (a fixed
URL), which this machine's registry proxy answers 404, and OSV (api.osv.dev) does not resolve.
The project-level https://pypi.org/pypi/<name>/json does work, and its `vulnerabilities` list
is PyPI's data (from the PyPA advisory database / OSV) for the project's latest release: what
the per-version URL gives for that release. So this script serves OSV's query API on
127.0.0.1, built from that JSON, and runs `pip-audit --vulnerability-service osv --osv-url`
against it. For each package it answers:

- installed version == latest release: the vulnerabilities PyPI lists, as OSV entries;
- an older version whose every newer release is under LAG_DAYS old: the same, printed as
  LAGGING. The registry mirror pip installs from trails PyPI by hours to days, so a release
  made the day before a CI run is not installable yet (a CI run failed that way once); the
  latest release's advisories still apply to ours (their ranges are checked against our
  version), and only an advisory fixed in those few days' releases could be missed;
- any other version, or a name PyPI does not know: HTTP 502 with the reason, which makes
  pip-audit fail. A package that could not be audited never passes.

Audited: `pip freeze --all` (pip and setuptools included) minus this project (not on PyPI).
GAPS names the few packages whose latest release needs a newer Python than ours, so we run an
older release that this data cannot vouch for; each run checks that this is still the reason,
that the latest release lists no vulnerability (it would likely affect ours too), and prints
them as NOT AUDITED.

A canary package with one made-up vulnerability is audited alongside: unless pip-audit reports
it, the run fails, so a pip-audit that stopped reading these answers cannot pass silently.

Usage: .venv/bin/python scripts/audit_deps.py   (exit 0: every other package audited, clean)
"""

from __future__ import annotations

import json
import platform
import subprocess  # nosec B404 # runs pip and pip-audit with fixed argument lists
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PROJECT = "deliberate"
PYPI_JSON = "https://pypi.org/pypi/{}/json"
CANARY, CANARY_VERSION, CANARY_ID = "deliberate-audit-canary", "1.0", "CANARY-0001"
#: Newest release needs Python >= 3.12 (we run 3.11): pip installs an older one, and only the
#: newest one's vulnerabilities are published where this machine can read them.
GAPS = {
    "numpy": "latest release needs a newer Python",
    "scipy": "latest release needs a newer Python",
    "deprecated": "latest release needs a newer Python (limits requires it)",
}


#: How long a newer release may be missing from the registry mirror before it counts as ours
#: being out of date rather than the mirror being behind.
LAG_DAYS = 7

#: Tries per package before a network failure makes it "not audited" (and the run fail).
ATTEMPTS = 4


class Projects:
    """PyPI's project JSON, fetched once per name; a failure is kept as its reason."""

    def __init__(self):
        self.data: dict[str, dict | str] = {}
        self.answered: dict[str, str] = {}  # name -> version the shim vouched for
        self.lock = threading.Lock()

    def get(self, name: str) -> dict | str:
        with self.lock:
            if name in self.data:
                return self.data[name]
        url = PYPI_JSON.format(name)
        for attempt in range(ATTEMPTS):
            try:
                # A fixed https URL; the name is a canonical package name from pip.
                with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310  # nosec B310
                    found: dict | str = json.load(response)
                break
            except urllib.error.HTTPError as error:
                found = f"{url} answered {error.code}"
                break  # an answer, not a failure to reach
            except (OSError, ValueError) as error:
                # The network failed (a name that did not resolve once, a connection cut):
                # try again before giving up; after the last try the package is not audited.
                found = f"{url} failed: {error}"
                time.sleep(2**attempt)
        with self.lock:
            self.data[name] = found
        return found


def osv_vulns(name: str, project: dict) -> list[dict]:
    """PyPI's vulnerability entries as OSV entries (the fields pip-audit reads)."""
    vulns = []
    for entry in project.get("vulnerabilities") or []:
        events = [{"introduced": "0"}] + [{"fixed": v} for v in entry.get("fixed_in") or []]
        vuln = {
            "id": entry["id"],
            "aliases": entry.get("aliases") or [],
            "details": entry.get("details") or entry.get("summary") or "N/A",
            "affected": [
                {
                    "package": {"name": name, "ecosystem": "PyPI"},
                    "ranges": [{"type": "ECOSYSTEM", "events": events}],
                }
            ],
        }
        if entry.get("withdrawn"):
            vuln["withdrawn"] = entry["withdrawn"]
        vulns.append(vuln)
    return vulns


def first_upload_after(project: dict, version: str) -> datetime | None:
    """When the oldest release newer than `version` was uploaded (None: no newer release)."""
    ours = Version(version)
    times = [
        datetime.fromisoformat(file["upload_time_iso_8601"].replace("Z", "+00:00"))
        for release, files in project.get("releases", {}).items()
        if (newer := parsed(release)) and newer > ours and not newer.is_prerelease
        for file in files
        if not file.get("yanked")
    ]
    return min(times, default=None)


def parsed(release: str) -> Version | None:
    """A release's version, None for the odd old one that is not PEP 440 ("0.3.2d")."""
    try:
        return Version(release)
    except InvalidVersion:
        return None


def lag(project: dict, version: str) -> str | None:
    """Why an older `version` is only the mirror trailing PyPI (None if it is not that)."""
    newer_since = first_upload_after(project, version)
    if newer_since is None or datetime.now(UTC) - newer_since > timedelta(days=LAG_DAYS):
        return None
    latest = project["info"]["version"]
    hours = (datetime.now(UTC) - newer_since).total_seconds() / 3600
    return f"{latest} is {hours:.0f} h old; audited with its advisories"


def unauditable(projects: Projects, name: str, version: str) -> str | None:
    """Why `name` `version` cannot be audited with this data (None if it can)."""
    project = projects.get(name)
    if isinstance(project, str):
        return f"{name} {version} could not be audited: {project}"
    latest = project["info"]["version"]
    if Version(version) != Version(latest) and not lag(project, version):
        return (
            f"{name} {version} could not be audited: PyPI publishes vulnerabilities only "
            f"for the latest release, {latest}"
        )
    return None


def canary_project() -> dict:
    vuln = {"id": CANARY_ID, "details": "made up: proves the audit reads these answers"}
    return {"vulnerabilities": [{**vuln, "fixed_in": ["2.0"]}]}


def answer(projects: Projects, name: str, version: str) -> tuple[int, dict]:
    if name == CANARY:
        return 200, {"vulns": osv_vulns(name, canary_project())}
    problem = unauditable(projects, name, version)
    if problem:
        return 502, {"error": problem}
    with projects.lock:
        projects.answered[name] = version
    vulns = osv_vulns(name, projects.get(name))
    return 200, {"vulns": vulns} if vulns else {}


def make_handler(projects: Projects):
    class OsvQuery(BaseHTTPRequestHandler):
        def do_POST(self):
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name = canonicalize_name(query["package"]["name"])
            status, body = answer(projects, name, query["version"])
            if status != 200:
                print(f"  {body['error']}", file=sys.stderr)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # one line per query would drown pip-audit's output
            pass

    return OsvQuery


def installed() -> dict[str, str]:
    """Every installed distribution but this project, as {canonical name: version}."""
    freeze = subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude", PROJECT],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pins = {}
    for line in freeze.splitlines():
        name, sep, version = line.partition("==")
        if not sep:  # an editable or direct-URL install has no PyPI release to check
            sys.exit(f"cannot audit {line!r}: not installed from PyPI")
        pins[canonicalize_name(name)] = version
    return pins


def gap_problem(projects: Projects, name: str, version: str) -> str | None:
    """Why a GAPS entry no longer excuses `name` (None while it does)."""
    project = projects.get(name)
    if isinstance(project, str):
        return project
    latest = project["info"]["version"]
    if Version(version) == Version(latest):
        return "it is the latest release now: remove it from GAPS"
    needs = SpecifierSet(project["info"].get("requires_python") or "")
    if needs.contains(platform.python_version()):
        return f"{latest} supports this Python: upgrade to it"
    if osv_vulns(name, project):
        return f"the latest release {latest} lists vulnerabilities, ours likely has them too"
    return None


def run_pip_audit(pins: dict[str, str], url: str, workdir: Path) -> dict:
    requirements = workdir / "requirements.txt"
    lines = [f"{n}=={v}\n" for n, v in sorted(pins.items())]
    requirements.write_text("".join(lines) + f"{CANARY}=={CANARY_VERSION}\n")
    report = workdir / "report.json"
    command = [sys.executable, "-m", "pip_audit", "-r", str(requirements)]
    command += ["--no-deps", "--disable-pip", "--strict", "--progress-spinner", "off"]
    command += ["--vulnerability-service", "osv", "--osv-url", url]
    command += ["--cache-dir", str(workdir / "cache"), "--format", "json", "-o", str(report)]
    done = subprocess.run(command, check=False)  # noqa: S603  # nosec B603
    if not report.exists():
        sys.exit(f"pip-audit failed (exit {done.returncode}) before it wrote a report")
    return json.loads(report.read_text())


def summarise(report: dict, pins: dict[str, str], projects: Projects, gaps: dict) -> int:
    deps = report.get("dependencies", [])
    canary = [d for d in deps if d["name"] == CANARY]
    if not canary or [v["id"] for v in canary[0].get("vulns", [])] != [CANARY_ID]:
        print("pip-audit did not report the canary's vulnerability: its results are not trusted")
        return 1
    print("(the canary's made-up vulnerability was reported, as it must be)")
    deps = [d for d in deps if d["name"] != CANARY]
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln["fix_versions"]) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    for dep in skipped:
        print(f"NOT AUDITED {dep['name']}: {dep['skip_reason']}")
    for name, version in sorted(pins.items()):
        project = projects.get(name)
        if not isinstance(project, str) and (reason := lag(project, version)):
            print(f"LAGGING {name} {version}: {reason}")
    unanswered = sorted(set(pins) - set(projects.answered))
    for name in unanswered:
        print(f"NOT AUDITED {name} {pins[name]}: no vulnerability data was served for it")
    for name, (version, reason) in sorted(gaps.items()):
        print(f"NOT AUDITED {name} {version} (listed in GAPS): {reason}")
    count = sum(len(d["vulns"]) for d in vulnerable)
    print(
        f"pip-audit: {len(pins) + len(gaps)} installed packages, {len(projects.answered)} audited "
        f"against PyPI's vulnerability data, {count} known vulnerabilities, "
        f"{len(gaps)} not audited (GAPS)"
    )
    return 1 if vulnerable or skipped or unanswered else 0


def main() -> int:
    projects = Projects()
    pins = installed()
    with ThreadPoolExecutor(8) as pool:  # warm the cache: pip-audit asks one at a time
        list(pool.map(projects.get, pins))
    gaps = {}
    for name in GAPS.keys() & pins.keys():
        problem = gap_problem(projects, name, pins[name])
        if problem:
            print(f"GAPS entry {name} {pins[name]} no longer applies: {problem}")
        else:
            gaps[name] = (pins[name], GAPS[name])
    audited = {n: v for n, v in pins.items() if n not in gaps}
    problems = [p for n, v in sorted(audited.items()) if (p := unauditable(projects, n, v))]
    if problems:  # all at once (pip-audit would stop at the first)
        print("\n".join(problems), file=sys.stderr)
        return 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(projects))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    try:
        with tempfile.TemporaryDirectory(prefix="audit-") as workdir:
            report = run_pip_audit(audited, url, Path(workdir))
    finally:
        server.shutdown()
    return summarise(report, audited, projects, gaps)


if __name__ == "__main__":
    sys.exit(main())
