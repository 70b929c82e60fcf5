"""The second factor: time-based one-time codes (RFC 6238) from an authenticator app.

30-second steps, 6 digits, SHA-1 (what every app supports). A code is accepted for the
current step or the one before or after (a phone's clock may be a little off), and a step
is accepted once only: User.totp_last_step records the last one used, so a code seen over
someone's shoulder, or replayed, is refused.
"""

from __future__ import annotations

import hmac
import io
import re

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import User
from . import clock

STEP_SECONDS = 30
DIGITS = 6
#: Steps accepted either side of the current one.
WINDOW = 1
ISSUER = "Deliberate"
CODE_PATTERN = re.compile(rf"^\d{{{DIGITS}}}$")


def new_secret() -> str:
    """160 random bits, base32 (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// address an app scans. Named by pseudonym, never by email."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account_name, issuer_name=ISSUER
    )


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code as inline SVG: presentation attributes only (no style attribute, no
    data: URI), so the strict Content-Security-Policy allows it. Black on white whatever
    the page's colours, with the quiet zone scanners need."""
    out = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(
        out,
        kind="svg",
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        nl=False,
        svgclass="qr",
        lineclass=None,
        title=title,
    )
    return Markup(out.getvalue().decode())  # noqa: S704 - segno's own markup, title escaped  # nosec B704


def current_step() -> int:
    return int(clock.now() // STEP_SECONDS)


def code_for(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise(code: str | None) -> str:
    """Spaces and dashes people type ("123 456") do not count."""
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str | None, after: int | None = None) -> int | None:
    """The time step `code` belongs to (within the window, later than `after`), or None."""
    code = normalise(code)
    if not secret or not CODE_PATTERN.match(code):
        return None
    now = current_step()
    for step in range(now - WINDOW, now + WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(code_for(secret, step), code):
            return step
    return None


def verify(user: User, code: str | None) -> bool:
    """Whether `code` is a fresh code of the user's second factor; if so it is spent.

    The step is recorded by a conditional UPDATE, so of two requests racing with the same
    code only one succeeds, on every database."""
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    spent = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.totp_secret == user.totp_secret,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True
