"""Accounts: registration, passwords, authentication, password resets, email changes.

Nothing here tells a stranger whether an email address has an account: registering,
logging in and asking for a password reset answer the same, in about the same time,
either way, and what differs goes by mail to the address itself.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..errors import InvalidInput
from ..extensions import db
from ..models import PSEUDONYM_MAX, User
from . import clock, letters, pseudonyms, recovery, sessions
from .models import AddressLink, LinkPurpose, PasswordReset
from .passwords import PASSWORD_MAX, PASSWORD_MIN, password_problem
from .pseudonyms import pseudonym_key

__all__ = ["pseudonym_key"]
#: How long the links mailed to confirm an address (new account, new email) work.
ADDRESS_LINK_HOURS = 24

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


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Slow (argon2) either way: call it outside a write transaction (on SQLite a POST holds
    the write lock from its first statement)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str, field: str = "password") -> None:
    problem = password_problem(password)
    if problem:
        raise FieldError(field, problem)


def check_pseudonym(pseudonym: str, *, is_demo: bool = False) -> tuple[str, str]:
    """The pseudonym as stored and its comparison key; FieldError if reserved or taken, or
    if it only looks like one that is (accounts/pseudonyms.py). Pseudonyms are public, so
    saying one is taken tells nothing about anyone's email."""
    pseudonym = pseudonyms.tidy(pseudonym)
    key = pseudonym_key(pseudonym)
    # The form counted what was typed; NFKC can join characters (Hangul jamo) or expand them
    # (ﷺ is 18 letters): count again. The key may be longer (its column has room).
    if not 3 <= len(pseudonym) <= PSEUDONYM_MAX or len(key) > pseudonyms.KEY_MAX:
        raise FieldError("pseudonym", _l("Use 3 to %(max)d characters.", max=PSEUDONYM_MAX))
    if not is_demo and pseudonyms.looks_like_demo(key):
        raise FieldError(
            "pseudonym", _l("Pseudonyms starting with “Demo” are reserved for demo accounts.")
        )
    if key in pseudonyms.reserved_keys():
        raise FieldError("pseudonym", _l("“Former participant” is reserved for deleted accounts."))
    if db.session.scalar(select(User.id).where(User.pseudonym_key == key)):
        raise FieldError(
            "pseudonym",
            _l("This pseudonym is taken, or looks like one that is; please choose another."),
        )
    return pseudonym, key


def register_user(pseudonym: str, email: str, password: str, *, is_demo: bool = False) -> User:
    """Create an account at once (the confirmed end of registration, the admin command, tests).
    Says so when the email is taken: only the owner of the address, or an admin, gets here."""
    if is_demo:
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            raise FieldError("password", _l("Use 8 to 128 characters."))
    else:
        check_password(password)
    # Hash before the first query: on SQLite a POST's transaction takes the write lock at
    # its first statement, and ~0.2 s of argon2 must not hold every other writer back.
    password_hash = hash_password(password)
    pseudonym, key = check_pseudonym(pseudonym, is_demo=is_demo)
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise FieldError("email", _l("An account already uses this email. Log in instead?"))
    user = User(
        pseudonym=pseudonym,
        pseudonym_key=key,
        email=email,
        password_hash=password_hash,
        password_changed_at=clock.utcnow(),
        is_demo=is_demo,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register_without_email(
    pseudonym: str, password: str, *, password_hash: str | None = None
) -> User:
    """An account with a pseudonym and a password but no email, for someone who came in
    with a group's access code (groups/codes.py). Without an address, nothing is ever
    mailed to it; a lost password is recovered with a code from a facilitator of the group.
    `password_hash`: the password hashed already (outside the write lock)."""
    check_password(password)
    password_hash = password_hash or hash_password(password)
    pseudonym, key = check_pseudonym(pseudonym)
    user = User(
        pseudonym=pseudonym,
        pseudonym_key=key,
        email=None,
        password_hash=password_hash,
        password_changed_at=clock.utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def is_email(identifier: str) -> bool:
    """Whether what was typed to log in is an email (pseudonyms never hold an "@")."""
    return "@" in (identifier or "")


def authenticate(identifier: str, password: str) -> User | None:
    """The user with this email, or this pseudonym (no "@" in it), and this password, or
    None. One query and one argon2 verification either way, so it takes as long whether the
    account exists or not, and whichever was typed."""
    if is_email(identifier):
        which = User.email == normalise_email(identifier)
    else:
        which = User.pseudonym_key == pseudonym_key(identifier or "")
    found = db.session.execute(select(User.id, User.password_hash).where(which)).first()
    if found is not None and not found.password_hash:
        found = None
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


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    return _user_by_email(email) is not None


# --- mailed links: confirming an address ---------------------------------------------------


def _new_link(purpose: LinkPurpose, email: str, **fields) -> str:
    """A random token for a mailed link; only its hash is stored, with what it is for. The
    link says nothing by itself: no email or pseudonym in it, readable or encoded."""
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    db.session.add(
        AddressLink(
            purpose=purpose,
            token_hash=_token_hash(token),
            email=email,
            created_at=now,
            expires_at=now + timedelta(hours=ADDRESS_LINK_HOURS),
            **fields,
        )
    )
    db.session.flush()
    return token


def _open_link(purpose: LinkPurpose, token: str | None) -> AddressLink | None:
    """The unused, unexpired link this token belongs to, or None."""
    if not token or len(token) > 128:
        return None
    link = db.session.scalar(
        select(AddressLink).where(
            AddressLink.token_hash == _token_hash(token), AddressLink.purpose == purpose
        )
    )
    if link is None or link.used_at is not None or link.expires_at <= clock.utcnow():
        return None
    return link


def _use_link(link: AddressLink) -> None:
    link.used_at = clock.utcnow()


# --- registration ---------------------------------------------------------------------------


def request_registration(pseudonym: str, email: str, next_url: str | None = None) -> None:
    """Step one: the pseudonym is checked here (FieldError), the address by mail. A new
    address gets a link to choose a password and finish; an address with an account gets a
    note that someone tried to register with it. The person registering sees the same
    "check your mail" either way, so registering cannot be used to test addresses."""
    pseudonym, _key = check_pseudonym(pseudonym)
    email = normalise_email(email)
    existing = _user_by_email(email)
    if existing is None:
        token = _new_link(
            LinkPurpose.REGISTER, email, pseudonym=pseudonym, next_url=(next_url or "")[:500]
        )
        letters.confirm_registration(email, token, ADDRESS_LINK_HOURS).send()
    else:
        letters.already_registered(email).send()


def read_registration(token: str | None) -> dict | None:
    """The pseudonym, email and next page of a registration link, or None if it is unknown,
    used or older than ADDRESS_LINK_HOURS."""
    link = _open_link(LinkPurpose.REGISTER, token)
    if link is None:
        return None
    return {"pseudonym": link.pseudonym, "email": link.email, "next": link.next_url or None}


def finish_registration(token: str, pseudonym: str, password: str) -> User:
    """Create the account a registration link was mailed for, and use the link up."""
    link = _open_link(LinkPurpose.REGISTER, token)
    if link is None:
        raise FieldError("email", _l("This link was already used."))
    user = register_user(pseudonym, link.email, password)
    _use_link(link)
    return user


# --- password resets ------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(email: str) -> None:
    """Mail a single-use link to the account with this address, if there is one. The same
    work is done either way (a token made and hashed, a query, a mail written), so the
    answer takes as long; only the existing account's owner gets a mail."""
    token = secrets.token_urlsafe(32)
    token_hash = _token_hash(token)
    user = _user_by_email(email)
    minutes = current_app.config["RESET_TOKEN_MINUTES"]
    message = letters.password_reset(normalise_email(email), token, minutes)
    if user is None or not user.can_log_in:
        return
    now = clock.utcnow()
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    db.session.flush()
    message.send()


def find_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset this token belongs to, or None."""
    if not token or len(token) > 128:
        return None
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.utcnow():
        return None
    user = db.session.get(User, reset.user_id)
    if user is None or not user.can_log_in:
        return None
    return reset


def reset_password(token: str, password: str) -> User | None:
    """Set the password of the account whose reset link this is: every session of the account
    ends, and this link and any other outstanding one stop working. None if the link is not
    valid (any more)."""
    check_password(password)
    if find_reset(token) is None:
        return None
    db.session.commit()  # argon2 outside the write lock
    password_hash = hash_password(password)
    reset = find_reset(token)  # again: another request may have used it meanwhile
    if reset is None:
        return None
    # Claimed by a conditional UPDATE: of two requests racing with one link, one wins.
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    user = db.session.get(User, reset.user_id)
    _set_password_hash(user, password_hash)
    letters.password_changed(user.email).send()
    return user


def set_password_hash(user: User, password_hash: str) -> None:
    """A new password set without mail (a group's recovery code): every session of the
    account ends, outstanding reset links stop working."""
    _set_password_hash(user, password_hash)


def _set_password_hash(user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    user.password_changed_at = clock.utcnow()
    sessions.end_all_sessions(user)
    cancel_resets(user)


def cancel_resets(user: User) -> None:
    """Every outstanding reset link of the account stops working."""
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )


# --- changes from the settings page (the caller has checked password and code) --------------


def change_password(user: User, password: str) -> None:
    """Set a new password: every session of the account ends (the caller logs the current
    one in again), outstanding reset links stop working, the owner is told by mail."""
    check_password(password, "new_password")
    db.session.commit()  # argon2 outside the write lock
    password_hash = hash_password(password)
    _set_password_hash(user, password_hash)
    letters.password_changed(user.email).send()


def request_email_change(user: User, new_email: str) -> None:
    """Mail the new address a link that makes the change, and tell the current address.
    If another account uses the new address, its mail says so instead: the form answers
    the same, so it cannot be used to test addresses either."""
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise FieldError("email", _l("This is already your email."))
    if _user_by_email(new_email) is None:
        token = _new_link(
            LinkPurpose.EMAIL, new_email, user_id=user.id, account_check=_email_change_check(user)
        )
        letters.confirm_new_email(new_email, token, ADDRESS_LINK_HOURS).send()
    else:
        letters.new_email_taken(new_email).send()
    letters.email_change_requested(user.email).send()


def _email_change_check(user: User) -> str:
    """Ties a link to the account as it was: once the email changes (the link was used) or
    every session ends (say, a password change), the link stops working."""
    return hashlib.sha256(f"{user.email}\n{user.session_token}".encode()).hexdigest()[:32]


def read_email_change(token: str | None) -> tuple[User, str] | None:
    link = _open_link(LinkPurpose.EMAIL, token)
    if link is None:
        return None
    user = db.session.get(User, link.user_id)
    if user is None or not user.can_log_in:
        return None
    if not secrets.compare_digest(_email_change_check(user), link.account_check or ""):
        return None
    return user, link.email


def change_email(user: User, new_email: str, token: str | None = None) -> None:
    """Move the account to `new_email` (the caller checked the link `token`, used up here)."""
    if _user_by_email(new_email) is not None:
        raise FieldError("email", _l("An account already uses this email."))
    link = _open_link(LinkPurpose.EMAIL, token)
    if link is not None:
        _use_link(link)
    old = user.email
    user.email = new_email
    cancel_resets(user)  # they were mailed to the old address
    db.session.flush()
    letters.email_changed(old).send()


# --- second factor ---------------------------------------------------------------------------


def enable_totp(user: User, secret: str, step: int) -> list[str]:
    """Save a confirmed second factor; every other session must log in again with it. The
    recovery codes, to show once."""
    user.totp_secret = secret
    user.totp_last_step = step
    sessions.end_all_sessions(user)
    letters.two_factor_changed(user.email, enabled=True).send()
    return recovery.new_codes(user)


def disable_totp(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    recovery.forget(user)
    letters.two_factor_changed(user.email, enabled=False).send()
