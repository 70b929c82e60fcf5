"""One-time access codes: how people without an email address come in, and get back in.

A facilitator prints a sheet of JOIN codes for a workshop; each card makes one account (a
pseudonym and a password, no email) and makes its holder a member of the group, then leads
to the sheet's debate if it has one. A member without email who lost their password gets a
RECOVER code from a facilitator: it sets a new password on that one account.

A code is 12 characters of Crockford's base32 (digits and letters without I, L, O, U), 60
random bits from `secrets`, shown as XXXX-XXXX-XXXX. Only its SHA-256 is stored: the
plaintext exists in the one answer that prints it. On entry, case, spaces and dashes do not
matter, and the letters people mistake for digits are read as them (O as 0, I and L as 1).
Everything that changes is written to the group's log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import rules
from ..accounts import services as accounts
from ..accounts.pseudonyms import pseudonym_key
from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from ..models import Debate, Phase, User, utcnow
from ..rules import Standing
from . import services
from .log import record
from .models import AccessCode, CodePurpose, CodeSheet, Group, GroupRole

#: Crockford's base32: no I, L, O or U, so nothing reads as another character (or a word).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12  # 12 x 5 bits = 60 random bits
#: What people type for what they see (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " -\t\u00a0\u2010\u2011\u2012\u2013\u2014")

SHEET_MIN, SHEET_MAX, SHEET_DEFAULT = 1, 100, 10
DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 90, 14
LABEL_MAX = 80
RECOVERY_DAYS = 7

NOT_A_CODE = _l(
    "This is not a valid code. Check it against your card: 12 letters and digits, "
    "like 7K3M-Q9XD-2HPA."
)
USED = _l("This code was already used. Each code works once: ask the facilitator for another.")
EXPIRED = _l("This code has expired. Ask the group's facilitators for a new one.")
REVOKED = _l("The group's facilitators withdrew this code. Ask them for a new one.")
SUSPENDED = _l("The group of this code is suspended: it takes nobody in for now.")
WRONG_PERSON = _l(
    "This recovery code was made for another pseudonym. Enter the pseudonym of your account."
)
NO_LONGER = _l("This recovery code no longer applies to this account. Ask for a new one.")


class CodeRefused(accounts.FieldError):
    """A code that lets nobody in (counted against the address that sent it)."""


# --- the codes themselves ------------------------------------------------------------------


def new_code() -> str:
    bits = secrets.randbits(5 * LENGTH)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def shown(code: str) -> str:
    """XXXX-XXXX-XXXX: the way a code is printed (and put in its link)."""
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(text: str | None) -> str | None:
    """The code typed, as generated (12 characters of ALPHABET), or None if it cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = text.upper().translate(_IGNORED).translate(_READ_AS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _add_code(group: Group, who: User, purpose: CodePurpose, expires_at, **fields) -> str:
    code = new_code()  # 60 bits: two equal ones among millions issued are some 1 in 10^5
    db.session.add(
        AccessCode(
            group_id=group.id,
            purpose=purpose,
            code_hash=code_hash(code),
            issued_by_id=who.id,
            expires_at=expires_at,
            **fields,
        )
    )
    return shown(code)


# --- issuing and revoking --------------------------------------------------------------------


def sheet_debates(group: Group) -> list[Debate]:
    """The debates a sheet may lead into: the group's, not closed."""
    return db.session.scalars(
        select(Debate)
        .where(Debate.group_id == group.id, Debate.phase != Phase.CLOSED)
        .order_by(Debate.created_at.desc())
    ).all()


def issue_sheet(
    who: Standing,
    group: Group,
    label: str,
    size: int = SHEET_DEFAULT,
    days: int = DAYS_DEFAULT,
    debate: Debate | None = None,
) -> tuple[CodeSheet, list[str]]:
    """A sheet of `size` join codes, valid `days` days; the codes, to print now or never."""
    rules.require(rules.issue_access_codes(who, group))
    label = " ".join((label or "").split())
    if not label or len(label) > LABEL_MAX:
        raise InvalidInput(_l("Give the sheet a label of 1 to %(max)d characters.", max=LABEL_MAX))
    if not SHEET_MIN <= size <= SHEET_MAX or not DAYS_MIN <= days <= DAYS_MAX:
        raise InvalidInput()
    if debate is not None and debate.group_id != group.id:
        raise InvalidInput(_l("Choose one of the group's debates."))
    now = utcnow()
    sheet = CodeSheet(
        group_id=group.id,
        debate_id=debate.id if debate else None,
        label=label,
        size=size,
        issued_by_id=who.user.id,
        issued_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(sheet)
    db.session.flush()
    codes = [
        _add_code(group, who.user, CodePurpose.JOIN, sheet.expires_at, sheet_id=sheet.id)
        for _ in range(size)
    ]
    db.session.flush()
    record(group, who.user, "codes_issued", detail=f"{label} ({size})")
    return sheet, codes


def sheets(group: Group) -> list[tuple[CodeSheet, int]]:
    """The group's sheets, newest first, with how many of their codes were used."""
    used = (
        select(AccessCode.sheet_id, func.count().label("used"))
        .where(AccessCode.group_id == group.id, AccessCode.used_at.is_not(None))
        .group_by(AccessCode.sheet_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CodeSheet, func.coalesce(used.c.used, 0))
        .outerjoin(used, used.c.sheet_id == CodeSheet.id)
        .where(CodeSheet.group_id == group.id)
        .order_by(CodeSheet.id.desc())
    ).all()
    return [(sheet, count) for sheet, count in rows]


def revoke_sheet(who: Standing, sheet: CodeSheet) -> None:
    """Every unused code of the sheet stops working (a lost sheet, a cancelled workshop)."""
    group = db.session.get(Group, sheet.group_id)
    rules.require(rules.keep_code_sheets(who, group))
    if sheet.revoked_at is None:
        sheet.revoked_at = utcnow()
        record(group, who.user, "codes_revoked", detail=sheet.label)


def issue_recovery(who: Standing, group: Group, person: User) -> str:
    """A code that sets a new password on `person`'s account (a member without email): any
    earlier unused recovery code of theirs stops working."""
    role = services.role_of(person, group)
    rules.require(rules.issue_recovery_code(who, group, person, role and str(role)))
    if not person.can_log_in:
        raise NotAllowed(_l("This account was deleted."))
    now = utcnow()
    db.session.execute(
        update(AccessCode)
        .where(
            AccessCode.for_user_id == person.id,
            AccessCode.purpose == CodePurpose.RECOVER,
            AccessCode.used_at.is_(None),
            AccessCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = _add_code(
        group,
        who.user,
        CodePurpose.RECOVER,
        now + timedelta(days=RECOVERY_DAYS),
        for_user_id=person.id,
    )
    record(group, who.user, "recovery_code_issued", person)
    return code


# --- using a code ---------------------------------------------------------------------------


def _usable(text: str | None) -> AccessCode:
    """The code typed, if it still lets someone in; CodeRefused saying why not."""
    code = normalise(text)
    if code is None:  # a typo (a character missing or too many): never a guess that counts
        raise accounts.FieldError("code", NOT_A_CODE)
    found = db.session.scalar(select(AccessCode).where(AccessCode.code_hash == code_hash(code)))
    if found is None:
        raise CodeRefused("code", NOT_A_CODE)
    if found.used_at is not None:
        raise CodeRefused("code", USED)
    if found.sheet is not None and found.sheet.revoked_at is not None:
        raise CodeRefused("code", REVOKED)
    if found.expires_at <= utcnow():
        raise CodeRefused("code", EXPIRED)
    if found.group.suspended:
        raise CodeRefused("code", SUSPENDED)
    return found


def _claim(found: AccessCode, user: User) -> None:
    """Mark the code used by `user`, by a conditional UPDATE: of two requests racing with
    one code, one claims it; the other is refused (and its transaction rolled back)."""
    claimed = db.session.execute(
        update(AccessCode)
        .where(
            AccessCode.id == found.id,
            AccessCode.used_at.is_(None),
            AccessCode.expires_at > utcnow(),
        )
        .values(used_at=utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise CodeRefused("code", USED)


def redeem(text: str, pseudonym: str, password: str) -> tuple[User, str]:
    """Use a code: a join code makes an account without email (`pseudonym`, `password`) in
    the group; a recovery code sets `password` on the account it was made for, whose
    pseudonym must be `pseudonym`, and ends every session of it. Returns the account and
    where to go next. CodeRefused (on the code or the pseudonym) when the code lets nobody
    in; FieldError for a pseudonym or password that will not do. The caller commits, or
    rolls back on an error."""
    accounts.check_password(password)
    _usable(text)
    db.session.commit()  # argon2 outside the write lock
    password_hash = accounts.hash_password(password)
    found = _usable(text)  # again: another request may have used it meanwhile
    group = found.group
    if found.purpose is CodePurpose.JOIN:
        user = accounts.register_without_email(pseudonym, password, password_hash=password_hash)
        _claim(found, user)
        services.join_with_code(group, user)
        debate = found.sheet.debate
        if debate is not None and debate.group_id == group.id:
            return user, url_for("debates.debate", slug=debate.slug, _anchor="join")
        return user, group_page(group)
    user = db.session.get(User, found.for_user_id)
    if (
        user is None
        or user.pseudonym_key is None
        or user.pseudonym_key != pseudonym_key(pseudonym or "")
    ):
        raise CodeRefused("pseudonym", WRONG_PERSON)
    # What the rule checked when the code was issued must still hold now.
    if not user.can_log_in or user.email or services.role_of(user, group) is not GroupRole.MEMBER:
        raise CodeRefused("code", NO_LONGER)
    _claim(found, user)
    accounts.set_password_hash(user, password_hash)
    record(group, user, "recovered_with_code", user)
    return user, group_page(group)


def group_page(group: Group) -> str:
    return url_for("groups.group", group=group.slug)
