"""Single-use links mailed to an address (password resets, address confirmations), the
server's record of each signed-in session, and two-step login's recovery codes (only hashes
of their secrets are stored); the log of what site admins do to accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import PSEUDONYM_MAX, Tz, str_enum, utcnow


class PasswordReset(db.Model):
    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token sent by mail, so a copy of the database cannot reset anything.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Tz)
    used_at: Mapped[datetime | None] = mapped_column(Tz)

    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)


class LoginSession(db.Model):
    """One signed-in session, on the server. Its cookie carries a random secret (with the
    account id, the account's session token and the login time, accounts/sessions.py); only
    the secret's hash is kept here. Logging out deletes the row, so a copy of the cookie
    taken before stops working at once; ending every session deletes them all."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the secret in the cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)


class LinkPurpose(enum.StrEnum):
    REGISTER = "register"
    EMAIL = "email"


class AddressLink(db.Model):
    """A mailed link that confirms an address: finishing a registration, or moving an
    account to a new email. The link holds a random token and nothing else (no email in it,
    readable or not); only the token's hash is stored, with what the link is for. Used or
    expired links are purged (privacy/services.py)."""

    __tablename__ = "address_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose, "link_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The address being confirmed.
    email: Mapped[str] = mapped_column(String(254))
    #: Registration: the pseudonym chosen, and the page to go to afterwards.
    pseudonym: Mapped[str | None] = mapped_column(String(PSEUDONYM_MAX))
    next_url: Mapped[str | None] = mapped_column(String(500))
    #: A new email: whose account, and a check of the account as it was (its email and
    #: session token), so the link dies when either changes.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    account_check: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Tz)
    used_at: Mapped[datetime | None] = mapped_column(Tz)

    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        CheckConstraint(
            "(purpose = 'register') = (user_id IS NULL AND pseudonym IS NOT NULL)",
            name="fields_of_purpose",
        ),
    )


class RecoveryCode(db.Model):
    """One of the single-use codes that stand in for the authenticator app (a lost or broken
    phone must not lose the account). Using one deletes its row (accounts/recovery.py)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: SHA-256 of the code: about 79 random bits, so a copy of the database cannot find it.
    code_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)


class SiteLogEntry(db.Model):
    """What a site admin did to someone's account, with their reason. Append-only in the
    database itself (triggers in the migration), as the moderation log is; read by site
    admins on /admin/log, and each person is told of what concerns them."""

    __tablename__ = "site_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("action IN ('second_factor_reset')", name="known_action"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )
