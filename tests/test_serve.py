"""`deliberate serve` on a fresh instance: migrates, seeds, and serves with gunicorn."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("deliberate")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, deadline_s: float = 60.0) -> bytes:
    """Poll until the server answers (or has died); no fixed sleeps."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local URL
                return response.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {deadline_s} s")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the deliberate console script is not installed")
def test_serve_migrates_seeds_and_serves(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DELIBERATE_INSTANCE_PATH": str(tmp_path),
        "DELIBERATE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
    }
    env.pop("DELIBERATE_SECRET_KEY", None)
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert json.loads(wait_for(f"{base}/healthz", process)) == {"status": "ok"}
        ready = json.loads(wait_for(f"{base}/readyz", process))
        assert ready["status"] == "ready" and ready["migrations"] == "current"
        page = wait_for(f"{base}/d/un-talks-mali-jnim", process).decode()
        assert "Should the UN support talks between the Malian government and JNIM?" in page
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert f"Deliberate is serving on http://127.0.0.1:{port}/" in output
    assert "gunicorn" in output.lower()  # the production server, not Flask's
    assert "WARNING: This is a development server" not in output
