"""The second factor: time-based one-time codes (RFC 6238) from an authenticator app.

30-second steps, 6 digits, SHA-1 (what every app supports). A code is accepted for the
current step or the one before or after (a phone's clock may be a little off), and a step
is accepted once only: User.totp_last_step records the last one used, so a code seen over
someone's shoulder, or replayed, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
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


def setup_secret(user: User) -> str:
    """The key the set-up page offers until a first code confirms it: derived from the
    site's secret key and the account's session token, so every load of the page, on any
    device and whatever requests race it, shows the same key with nothing stored (a GET
    writes nothing). Turning two-step login on ends every session, which replaces the
    token: a later set-up offers a new key. 160 bits, like new_secret."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    message = f"totp-setup:{user.id}:{user.session_token}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// address an app scans. Named by pseudonym, never by email."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account_name, issuer_name=ISSUER
    )


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


WRONG_CODE = _l("This code is not the one your app shows now.")
USED_CODE = _l("That code was already used; wait for the next one your app shows.")


def code_error(user: User, code: str | None):
    """Why a code of the user's second factor was refused, to show beside the field."""
    return USED_CODE if already_used(user, code) else WRONG_CODE


def already_used(user: User, code: str | None) -> bool:
    """Whether `code` is right but its time step was spent already (a replay, or the same
    code typed twice within its 30 seconds): the person should wait for the next one."""
    step = matching_step(user.totp_secret, code)
    return step is not None and user.totp_last_step is not None and step <= user.totp_last_step


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
