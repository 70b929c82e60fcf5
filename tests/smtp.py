"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, keeping every
message it receives.

In a test (the fixture is imported into the test module)::

    from .smtp import smtp_server  # noqa: F401 - a fixture

    def test_something(app, smtp_server):
        app.extensions["deliberate.mail"] = SMTPBackend(smtp_server.url)  # or a new app
        ...                                   # with SMTP_URL=smtp_server.url
        [message] = smtp_server.wait_for(1)   # email.message.EmailMessage objects
        message["List-Unsubscribe"], message.get_content(), smtp_server.envelopes[0]

A served app (tests/served.py) sends its notification mail to it from the thread each
server process runs, when started with these environment variables::

    Server(url, workdir, workers=1, env=smtp_server.served_env(interval=0.2)).start()

- DELIBERATE_SMTP_URL=smtp://127.0.0.1:PORT: mail goes to this server (plain SMTP: a
  server on the loopback address needs no STARTTLS);
- DELIBERATE_MAIL_INTERVAL=0.2: each server process sends due notices every 0.2 s (served
  tests default to 0: no mail thread);
- DELIBERATE_REDIS_URL must stay unset (served.py removes it): with Redis, mail is sent by
  `deliberate worker` instead.

`deliberate serve` sets DELIBERATE_PUBLIC_URL to its own address, so the links in the mails
lead back to the served app. wait_for(n) waits on a condition, up to a deadline: no sleeps.
"""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: list[str]


class SMTPServer:
    """Received messages, in order, as EmailMessage objects (their envelopes alongside)."""

    host = "127.0.0.1"

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self._arrived = threading.Condition()
        self._controller: Controller | None = None
        self.port = 0

    # -- aiosmtpd's handler --

    async def handle_DATA(self, _server, _session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted"

    # -- the server --

    def start(self, attempts: int = 5) -> SMTPServer:
        for _ in range(attempts):  # a free port can be taken between finding and binding it
            self.port = free_port()
            self._controller = Controller(self, hostname=self.host, port=self.port)
            try:
                self._controller.start()
                return self
            except (OSError, RuntimeError):
                self._controller = None
        raise AssertionError("no free port for the test SMTP server")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def served_env(self, interval: float = 0.2) -> dict[str, str]:
        """The environment that makes `deliberate serve` mail its notices here."""
        return {"DELIBERATE_SMTP_URL": self.url, "DELIBERATE_MAIL_INTERVAL": str(interval)}

    # -- what arrived --

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first `count` messages, once that many have arrived; AssertionError if they
        have not by the deadline."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"{len(self.messages)} of {count} mails arrived in {timeout} s"
                )
            return self.messages[:count]

    def to(self, address: str) -> list[EmailMessage]:
        with self._arrived:
            return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()
            self.envelopes.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A fresh SMTP server for the test, stopped afterwards."""
    server = SMTPServer().start()
    try:
        yield server
    finally:
        server.stop()
