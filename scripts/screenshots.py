"""Screenshots of the main pages at phone and desktop widths, for the README and reviews.

    python scripts/screenshots.py [OUTPUT_DIR]     (default: docs/screenshots)

Starts `deliberate serve` on a fresh instance (seeded), registers a participant, and saves
PNGs of the home, debate, argument and report pages as a reader, the debate page as a signed-in
visitor who has not joined, and as a participant. Uses Debian's
Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.

Registering takes the link mailed to the address. With no DELIBERATE_SMTP_URL the server (in
development) writes each mail to its log, server.log in the instance folder: the link is read
from there.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}
DEBATE = "/d/un-talks-mali-jnim"
PASSWORD = "a long enough password"  # noqa: S105 - a throwaway instance's
CONFIRM_LINK = re.compile(r"http://\S+/register/confirm\?token=\S+")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "output_dir",
        nargs="?",
        type=Path,
        default=ROOT / "docs" / "screenshots",
        help="where the PNGs go (default: docs/screenshots)",
    )
    out = parser.parse_args().output_dir
    out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    instance = tempfile.mkdtemp(prefix="deliberate-shots-")
    env = {**os.environ, "DELIBERATE_INSTANCE_PATH": instance, "DELIBERATE_ENV": "development"}
    for name in ("DELIBERATE_DATABASE_URL", "DELIBERATE_SMTP_URL", "DELIBERATE_PUBLIC_URL"):
        env.pop(name, None)
    log_path = Path(instance) / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script
            [str(Path(sys.executable).with_name("deliberate")), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, (width, height) in WIDTHS.items():
                context = browser.new_context(
                    base_url=base, viewport={"width": width, "height": height}
                )
                page = context.new_page()
                for label, url in (
                    ("home", "/"),
                    ("debate", DEBATE),
                    ("argument", f"{DEBATE}/a/1"),
                ):
                    page.goto(url)
                    page.screenshot(path=out / f"{label}-{name}.png")
                page.goto(f"{DEBATE}/report")
                for section in ("shift", "common-ground", "groups", "tree"):
                    box = page.locator(f"#{section}").bounding_box()
                    page.screenshot(
                        path=out / f"report-{section}-{name}.png",
                        full_page=True,
                        clip={
                            "x": 0,
                            "y": box["y"] - 8,
                            "width": width,
                            "height": min(box["height"] + 16, height * 1.6),
                        },
                    )
                register(page, f"Reviewer {name}", f"{name}@example.org", log_path)
                page.goto(DEBATE)
                page.screenshot(path=out / f"debate-signed-in-{name}.png")
                page.get_by_role("radio", name="Undecided").check()
                page.get_by_label("I accept the ground rules").check()
                page.get_by_role("button", name="Record my opening position").click()
                page.screenshot(path=out / f"debate-participant-{name}.png")
                top = page.locator("#arguments-title").bounding_box()["y"] - 16
                page.screenshot(
                    path=out / f"arguments-{name}.png",
                    full_page=True,
                    clip={"x": 0, "y": top, "width": width, "height": height * 1.4},
                )
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"screenshots in {out}")


def register(page, pseudonym: str, email: str, log_path: Path) -> None:
    """Both steps: pseudonym and email; then the mailed link, and a password."""
    page.goto("/register")
    page.get_by_label("Pseudonym").fill(pseudonym)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Create my account").click()
    page.goto(mailed_link(log_path, email))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    if not page.get_by_text(f"Welcome, {pseudonym}").is_visible():
        raise SystemExit(f"registering {pseudonym} failed (at {page.url})")


def mailed_link(log_path: Path, email: str, deadline_s: float = 15) -> str:
    """The confirmation link of the last mail to `email` in the server's log."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        _before, found, mail = text.rpartition(f"To: {email}\n")
        link = CONFIRM_LINK.search(mail) if found else None
        if link:
            return link[0]
        time.sleep(0.2)
    raise SystemExit(f"no confirmation mail to {email} in {log_path}")


def wait_until_up(base: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 - local URL  # nosec B310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
