"""Screenshots of the main pages at phone and desktop widths, for the README and reviews.

    python scripts/screenshots.py [OUTPUT_DIR]     (default: docs/screenshots)

Starts `deliberate serve` on a fresh instance (seeded), registers a participant, and saves
PNGs of the home, debate, argument and report pages as a reader and as a participant. Uses Debian's
Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

import os
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


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    instance = tempfile.mkdtemp(prefix="deliberate-shots-")
    env = {**os.environ, "DELIBERATE_INSTANCE_PATH": instance}
    env.pop("DELIBERATE_DATABASE_URL", None)
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [str(Path(sys.executable).with_name("deliberate")), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
                page.goto("/register")
                page.get_by_label("Pseudonym").fill(f"Reviewer {name}")
                page.get_by_label("Email").fill(f"{name}@example.org")
                page.get_by_label("Password").fill("a long enough password")
                page.get_by_role("button", name="Create my account").click()
                page.goto(DEBATE)
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


def wait_until_up(base: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 - local URL
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
