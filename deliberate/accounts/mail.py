"""Sending mail: account confirmations, password resets and security notices.

The backend is chosen once per app (init_app):

- DELIBERATE_SMTP_URL set: SMTP, with the standard library. ``smtp://user:pass@host:587``
  upgrades the connection with STARTTLS and refuses to send without it (a server on the
  same machine, ``smtp://localhost:25``, may go without when it offers no STARTTLS);
  ``smtps://user:pass@host:465`` speaks TLS from the start. Certificates are verified. Mail
  goes out on a background thread, so a page never waits for the mail server and an answer
  takes as long whether or not a mail was sent.
- Not set, in development: each mail is written to the log (logger "deliberate.mail"),
  links included, so a developer can follow them. The start-up log says so.
- Not set, with DELIBERATE_ENV=production: nothing is sent (a log of links that log in
  would be a way in); the start-up log says so, as an error.
- Tests set app.config["MAIL_BACKEND"] = "memory" (or any object with a send(message)
  method): messages are kept in app.extensions["deliberate.mail"].outbox.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import Future, ThreadPoolExecutor
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, url_for

log = logging.getLogger("deliberate.mail")
EXTENSION = "deliberate.mail"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class MemoryBackend:
    """Keeps messages in a list, for tests."""

    def __init__(self):
        self.outbox: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.outbox.append(message)


class LogBackend:
    """Development without a mail server: the mail, readable, in the log."""

    def send(self, message: EmailMessage) -> None:
        log.info(
            "mail (not sent: DELIBERATE_SMTP_URL is not set)\nTo: %s\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            message.get_content(),
        )


class DisabledBackend:
    """Production without a mail server: nothing is sent, and nothing personal is logged."""

    def send(self, message: EmailMessage) -> None:
        log.error("a mail was not sent: DELIBERATE_SMTP_URL is not set")


class SMTPBackend:
    def __init__(self, url: str, timeout: float = 15):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "DELIBERATE_SMTP_URL must look like smtp://user:password@host:587 (STARTTLS) "
                "or smtps://user:password@host:465 (TLS)"
            )
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self._executor: ThreadPoolExecutor | None = None

    def describe(self) -> str:
        """Where mail goes, without the credentials (for the start-up log)."""
        tls = "TLS" if self.implicit_tls else "STARTTLS"
        return f"{self.host}:{self.port} ({tls})"

    def send(self, message: EmailMessage) -> Future:
        # Created on first use, in the worker process (not before gunicorn forks).
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
        return self._executor.submit(self.deliver, message)

    def deliver(self, message: EmailMessage) -> bool:
        context = ssl.create_default_context()
        try:
            if self.implicit_tls:
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with connection:
                if not self.implicit_tls:
                    connection.ehlo()
                    if connection.has_extn("starttls"):
                        connection.starttls(context=context)
                        connection.ehlo()
                    elif self.host not in LOOPBACK:
                        raise smtplib.SMTPNotSupportedError("the server offers no STARTTLS")
                if self.username:
                    connection.login(self.username, self.password or "")
                connection.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            # Never the address or the text: logs must not identify anyone.
            code = getattr(error, "smtp_code", "")
            log.error("a mail was not sent: %s %s", type(error).__name__, code)
            return False
        return True


def init_app(app: Flask) -> None:
    configured = app.config.get("MAIL_BACKEND")
    if configured == "memory":
        backend = MemoryBackend()
    elif configured is not None and not isinstance(configured, str):
        backend = configured
    elif app.config.get("SMTP_URL"):
        backend = SMTPBackend(app.config["SMTP_URL"])
        log.info("mail: sent through %s", backend.describe())
    elif app.config.get("PRODUCTION"):
        backend = DisabledBackend()
        log.error(
            "mail: DELIBERATE_SMTP_URL is not set, so no mail is sent: nobody can confirm "
            "a new account or reset a password"
        )
    else:
        backend = LogBackend()
        log.warning(
            "mail: DELIBERATE_SMTP_URL is not set; mails (with their links) are written to "
            "this log instead (development only)"
        )
    app.extensions[EXTENSION] = backend


def send(to: str, subject: str, body: str) -> None:
    current_app.extensions[EXTENSION].send(compose(to, subject, body))


def compose(
    to: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    """A plain-text mail (never HTML: nothing anyone wrote can run or hide in it)."""
    message = EmailMessage()
    sender = current_app.config.get("MAIL_FROM") or "Deliberate <no-reply@localhost>"
    message["From"] = sender
    message["To"] = Address(addr_spec=to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


#: Where mailed links point in development when DELIBERATE_PUBLIC_URL is unset (`deliberate
#: serve` sets it from its own --host and --port). Production refuses to start without it.
DEVELOPMENT_URL = "http://127.0.0.1:5000"


def link(endpoint: str, **values) -> str:
    """An absolute link for a mail, on the site's configured address (DELIBERATE_PUBLIC_URL),
    never on the Host a request claims: a forged Host would otherwise put an attacker's site
    in a password-reset mail."""
    path = url_for(endpoint, **values)
    parts = urlsplit(current_app.config.get("PUBLIC_URL") or DEVELOPMENT_URL)
    return f"{parts.scheme}://{parts.netloc}{path}"
