"""The main pages, checked by the Nu HTML Checker (vnu) and axe-core: 0 errors, 0 violations.

    python scripts/check_pages.py [--tools DIR]

Needs Java (for vnu.jar), Debian's Chromium, and the npm packages vnu-jar and axe-core in
DIR/node_modules (default .ci/tools; `npm install --prefix .ci/tools vnu-jar axe-core`,
as .ci/run does). Builds a seeded database in a temporary folder, serves the app on a free
local port, and checks, for a signed-out reader, a signed-in visitor who has not joined, a
participant and a mediator, in English and French: the home, debate, argument, report,
agreement, moderation log, log-in, account, two-step set-up and invitation pages, and a
group's pages (its page, members, log and access codes, starting a group or a debate, and
signing up with a code). vnu reads
each page's HTML; axe runs in Chromium on the rendered page (the CSP is bypassed for axe's
own script only). Exit 1 on any error or violation, each printed with its page.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "check pages password"  # noqa: S105 - a throwaway database's
MAIN = "/d/un-talks-mali-jnim"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=Path, default=ROOT / ".ci" / "tools")
    args = parser.parse_args()
    vnu = args.tools / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    axe = args.tools / "node_modules" / "axe-core" / "axe.min.js"
    for needed in (vnu, axe):
        if not needed.exists():
            sys.exit(f"{needed} is missing: npm install --prefix {args.tools} vnu-jar axe-core")
    folder = Path(tempfile.mkdtemp(prefix="deliberate-pages-"))
    os.environ["DELIBERATE_INSTANCE_PATH"] = str(folder)
    app, people = build_site(folder)
    pages = fetch_pages(app, people)
    problems = check_html(vnu, folder, pages)
    problems += check_accessibility(app, axe, people, sorted({(who, url) for who, url, _ in pages}))
    print(f"{len(pages)} pages checked by vnu, {len({(w, u) for w, u, _ in pages})} by axe")
    for problem in problems:
        print(problem)
    print("no errors, no violations" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


def build_site(folder: Path):
    """A seeded site with a visitor, a participant and a mediator (all with passwords)."""
    import logging

    from flask_migrate import upgrade

    from deliberate import create_app
    from deliberate.accounts import services as accounts
    from deliberate.debates import services as debates
    from deliberate.extensions import db
    from deliberate.groups import services as groups
    from deliberate.groups.models import GroupRole
    from deliberate.invitations import services as invitations
    from deliberate.models import Debate, Position, User
    from deliberate.moderation import services as moderation
    from deliberate.moderation.models import Role
    from deliberate.seed import seed_demo

    MEMBER = GroupRole.MEMBER

    for name in ("deliberate.requests", "werkzeug"):  # a line per request, from each
        logging.getLogger(name).setLevel(logging.WARNING)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'pages.sqlite3'}",
            "RATELIMIT_ENABLED": False,
            "REQUIRE_STAFF_TOTP": False,
            "MAIL_BACKEND": "memory",
        }
    )
    with app.app_context():
        upgrade()
        seed_demo()
        people = {}
        for role in ("visitor", "participant", "mediator"):
            user = accounts.register_user(f"Check {role}", f"{role}@example.org", PASSWORD)
            people[role] = user.email
        db.session.commit()
        debate = db.session.query(Debate).filter_by(slug=MAIN.rsplit("/", 1)[1]).one()
        participant = db.session.query(User).filter_by(email=people["participant"]).one()
        debates.join_debate(debates.standing(participant, debate), debate, Position.UNDECIDED)
        organiser = debate.organiser
        moderation.appoint_accepted(
            debates.standing(organiser, debate), debate, "Check mediator", Role.MEDIATOR
        )
        invitation = invitations.create(
            debates.standing(organiser, debate), debate, "Check workshop", 30, 7
        )
        people["invitation"] = invitation.link_path
        mediator = db.session.query(User).filter_by(email=people["mediator"]).one()
        group = groups.create(mediator, "Check group", "A group to check its pages.")
        groups.add_member(groups.standing(mediator, group), group, "Check participant", MEMBER)
        people["group"] = f"/g/{group.slug}"
        db.session.commit()
    return app, people


def urls(app) -> list[str]:
    from deliberate.extensions import db
    from deliberate.models import Argument

    with app.app_context():
        first = db.session.query(Argument).filter_by(parent_id=None).order_by(Argument.id).first()
        argument = f"{MAIN}/a/{first.id}"
    pages = ["/", MAIN, argument, f"{MAIN}/report", f"{MAIN}/agreement", f"{MAIN}/moderation"]
    return [*pages, f"{MAIN}/circles"]


def signed_in(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    form = {"csrf_token": token, "email": email, "password": PASSWORD}
    response = client.post("/login", data=form)
    assert response.status_code == 302, f"log-in of {email}: {response.status_code}"
    return client


def fetch_pages(app, people) -> list[tuple[str, str, str]]:
    """(who, url + language, HTML) for every page and person."""
    invitation = people.pop("invitation")
    group = people.pop("group")
    clients = {"reader": app.test_client()}
    clients |= {who: signed_in(app, email) for who, email in people.items()}
    pages = []
    extra = {
        "reader": ["/login", "/register", invitation, "/code", group],
        "visitor": ["/groups/new", "/debates/new"],
        "participant": [group, f"{group}/members", f"{group}/log"],
        "mediator": [
            group,
            f"{group}/members",
            f"{group}/codes",
            f"{MAIN}/translations",
            f"{MAIN}/circles/new",
            f"{MAIN}/circles/kit",
        ],
    }
    # The translate form of the debate's first argument, for a participant and a mediator.
    translate = urls(app)[2] + "/translate"
    extra["participant"].append(translate)
    extra["mediator"].append(translate)
    for who, client in clients.items():
        own = ["/account", "/account/two-factor", "/account/notifications"]
        wanted = urls(app) + (extra[who] if who == "reader" else own + extra[who])
        for language in ("en", "fr"):
            client.get(f"/language/{language}")
            for url in wanted:
                response = client.get(url)
                assert response.status_code == 200, (who, url, response.status_code)
                pages.append((who, f"{url} [{language}]", response.get_data(as_text=True)))
    return pages


def check_html(vnu: Path, folder: Path, pages) -> list[str]:
    files = {}
    for n, (who, url, html) in enumerate(pages):
        path = folder / f"page-{n}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path.resolve())] = f"{url} ({who})"
    command = ["java", "-jar", str(vnu), "--errors-only", "--format", "json", *files]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    problems = []
    for message in report["messages"]:
        where = files.get(message.get("url", "").removeprefix("file:"), message.get("url"))
        problems.append(
            f"vnu {where}: {message.get('message')} (line {message.get('lastLine')}): "
            f"{message.get('extract', '').strip()[:120]}"
        )
    return problems


def check_accessibility(app, axe: Path, people, pages) -> list[str]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    problems = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            contexts = {}
            for who, page_url in pages:
                if who not in contexts:
                    contexts[who] = browser.new_context(
                        base_url=base, bypass_csp=True, viewport={"width": 360, "height": 780}
                    )
                    page = contexts[who].new_page()
                    if who != "reader":
                        log_in(page, people[who])
                page = contexts[who].pages[0]
                url, language = page_url.rsplit(" [", 1)
                page.goto(f"/language/{language.rstrip(']')}?next={url}")
                page.add_script_tag(path=str(axe))
                found = page.evaluate("async () => (await axe.run(document)).violations")
                for violation in found:
                    targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
                    problems.append(
                        f"axe {page_url} ({who}): {violation['id']} ({violation['impact']}): "
                        f"{violation['help']} at {targets}"
                    )
            browser.close()
    finally:
        server.shutdown()
    return problems


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


if __name__ == "__main__":
    sys.exit(main())
