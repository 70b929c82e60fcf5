"""Accounts: registration, passwords, authentication."""

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from ..models import User

PASSWORD_MIN, PASSWORD_MAX = 8, 128
DEMO_PREFIX = "demo"

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4),
# above OWASP's minimum.
_hasher = PasswordHasher()
# Verified against when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only spends time")


class FieldError(InvalidInput):
    """Invalid input tied to one form field, so the form can show it in place."""

    def __init__(self, field: str, message):
        self.field = field
        super().__init__(message)


def pseudonym_key(pseudonym: str) -> str:
    """The form two pseudonyms are compared in: NFKC, case-folded, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", pseudonym).casefold().split())


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def register_user(pseudonym: str, email: str, password: str, *, is_demo: bool = False) -> User:
    pseudonym = " ".join(unicodedata.normalize("NFKC", pseudonym).split())
    key = pseudonym_key(pseudonym)
    if not is_demo and key.startswith(DEMO_PREFIX):
        raise FieldError(
            "pseudonym", _l("Pseudonyms starting with “Demo” are reserved for demo accounts.")
        )
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise FieldError("password", _l("Use 8 to 128 characters."))
    # Hash before the first query: on SQLite a POST's transaction takes the write lock at
    # its first statement, and ~0.2 s of argon2 must not hold every other writer back.
    password_hash = hash_password(password)
    if db.session.scalar(select(User.id).where(User.pseudonym_key == key)):
        raise FieldError("pseudonym", _l("This pseudonym is taken; please choose another."))
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise FieldError("email", _l("An account already uses this email. Log in instead?"))
    user = User(
        pseudonym=pseudonym,
        pseudonym_key=key,
        email=email,
        password_hash=password_hash,
        is_demo=is_demo,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None. Takes as long either way."""
    found = db.session.execute(
        select(User.id, User.password_hash).where(User.email == normalise_email(email))
    ).first()
    # End the transaction before ~0.2 s of argon2: on SQLite a POST holds the write lock
    # from its first statement, and other writers would wait behind the hash.
    db.session.commit()
    try:
        _hasher.verify(found.password_hash if found else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if found is None:
        return None
    user = db.session.get(User, found.id)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
