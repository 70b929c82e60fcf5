"""Recovery codes: ten single-use codes, shown once when two-step login is turned on (and
when the person asks for new ones), each accepted once in place of the app's code. Without
them a lost, stolen or broken phone would lose the account for good.

Each code is 16 characters from an alphabet without look-alikes (no i, l, o, 0, 1), about 79
random bits: too many to guess through the rate-limited log-in form, or to find from the
SHA-256 hash the database keeps. Using one deletes its row, with a conditional DELETE, so
of two requests racing with the same code only one succeeds.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import User
from .models import RecoveryCode

COUNT = 10
LENGTH = 16
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUP = 4


def new_codes(user: User) -> list[str]:
    """Replace the account's codes with COUNT new ones; the codes, to show once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return [_grouped(code) for code in codes]


def forget(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def use(user: User, code: str | None) -> bool:
    """Whether `code` is one of the account's unused codes; if so it is spent."""
    code = normalise(code)
    if not looks_like(code):
        return False
    spent = db.session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code))
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def remaining(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    )


def normalise(code: str | None) -> str:
    """Dashes, spaces and capitals people type do not count."""
    return re.sub(r"[\s-]", "", code or "").lower()


def looks_like(code: str) -> bool:
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _grouped(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
