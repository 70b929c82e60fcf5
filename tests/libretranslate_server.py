"""A small local server speaking LibreTranslate's HTTP API, for the machine translation tests.

It answers GET /languages ([{"code", "name", "targets"}]) and POST /translate ({"q",
"source", "target", "format", "api_key"} -> {"translatedText"}) as LibreTranslate does
(its libretranslate/app.py), with its error bodies ({"error": "..."}) and statuses: 400 for a
language it does not have or a pair it cannot translate, 403 for a wrong key, 400 for a
missing one when keys are required, 429 when told to be busy, 500 when translating fails.

Translations come from a small dictionary; other text comes back as "[fr] " + text. The
fixture `libretranslate` starts one server for a test (on 127.0.0.1, a free port) and stops
it afterwards. Tests set its attributes: `api_key` (required when set), `busy`, `slow`
(requests wait, without an answer, until the test ends), and read `requests`.

Import the fixture into a test module: `from .libretranslate_server import libretranslate`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

#: Code -> (name, targets), as LibreTranslate lists them (its codes: "pt-BR", "zh-Hans").
LANGUAGES = {
    "en": ("English", ["es", "fr", "pt-BR"]),
    "fr": ("French", ["en", "es"]),
    "es": ("Spanish", ["en", "fr"]),
    "pt-BR": ("Portuguese (Brazil)", ["en"]),
}

DICTIONARY = {
    ("en", "fr", "Talks can save lives."): "Des pourparlers peuvent sauver des vies.",
    ("fr", "en", "Des pourparlers peuvent sauver des vies."): "Talks can save lives.",
    ("en", "pt-BR", "Talks can save lives."): "Negociações podem salvar vidas.",
}

#: Text whose translation fails on the server (500), as a model error would.
FAILING = "boom"


class FakeLibreTranslate:
    def __init__(self):
        self.languages = {
            code: [name, list(targets)] for code, (name, targets) in LANGUAGES.items()
        }
        #: Pairs /translate refuses although /languages lists them (a server whose models
        #: changed after Deliberate read the list).
        self.withdrawn: set[tuple[str, str]] = set()
        self.api_key: str | None = None
        self.busy = False
        self.slow = False
        #: (method, path, JSON body or None) of every request, in order.
        self.requests: list[tuple[str, str, dict | None]] = []
        self.release = threading.Event()  # lets slow requests end
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def start(self) -> FakeLibreTranslate:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path, _ in self.requests if method in (None, m)]

    # --- the API, as LibreTranslate answers it ------------------------------------------------

    def answer(self, method: str, path: str, body: dict | None) -> tuple[int, object, dict]:
        """(status, JSON answer, extra headers) for one request."""
        if path.startswith("/moved/"):  # a redirect that must not be followed
            return 302, {}, {"Location": "file:///etc/passwd"}
        if path == "/languages" and method == "GET":
            return 200, self.languages_answer(), {}
        if path == "/translate" and method == "POST":
            return self.translate(body or {})
        return 404, None, {}

    def languages_answer(self) -> list[dict]:
        return [
            {"code": code, "name": name, "targets": targets}
            for code, (name, targets) in self.languages.items()
        ]

    def translate(self, body: dict) -> tuple[int, object, dict]:
        if self.api_key is not None:
            key = body.get("api_key")
            if key and key != self.api_key:
                return 403, {"error": "Invalid API key"}, {}
            if not key:
                return 400, {"error": "Please contact the server operator to get an API key"}, {}
        if self.busy:
            return 429, {"error": "Slowdown: 30 per 1 minute"}, {}
        for name in ("q", "source", "target"):
            if not body.get(name):
                return 400, {"error": f"Invalid request: missing {name} parameter"}, {}
        text, source, target = body["q"], body["source"], body["target"]
        for code in (source, target):
            if code not in self.languages:
                return 400, {"error": f"{code} is not supported"}, {}
        if target not in self.languages[source][1] or (source, target) in self.withdrawn:
            target_name, source_name = self.languages[target][0], self.languages[source][0]
            return (
                400,
                {
                    "error": f"{target_name} ({target}) is not available as a target "
                    f"language from {source_name} ({source})"
                },
                {},
            )
        if text == FAILING:
            return 500, {"error": f"Cannot translate text: {text}"}, {}
        translated = DICTIONARY.get((source, target, text), f"[{target}] {text}")
        return 200, {"translatedText": translated}, {}


def _handler(fake: FakeLibreTranslate):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.respond("GET", None)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            self.respond("POST", body)

        def respond(self, method, body):
            fake.requests.append((method, self.path, body))
            if fake.slow:
                fake.release.wait(timeout=30)  # ended by the test's end, not by time
                return
            status, answer, headers = fake.answer(method, self.path, body)
            data = b"<html>Not Found</html>" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            kind = "text/html" if answer is None else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # quiet
            pass

    return Handler


@pytest.fixture
def libretranslate():
    """A LibreTranslate-like server for this test; `.url` is its address."""
    fake = FakeLibreTranslate().start()
    try:
        yield fake
    finally:
        fake.stop()
