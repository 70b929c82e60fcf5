"""A person's mail language and their choice of cadence per category (categories.py).

No row means the defaults: the site's language, and each category's default cadence.
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import CheckConstraint, ForeignKey, String, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import Tz, User, str_enum
from .categories import Cadence, Category


class MailSetting(db.Model):
    __tablename__ = "mail_setting"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    #: The language mails are written in; NULL: not chosen yet, the site's default.
    language: Mapped[str | None] = mapped_column(String(8))
    #: When the last daily digest went out (shown on the preferences page).
    last_digest_at: Mapped[datetime | None] = mapped_column(Tz)

    __table_args__ = (CheckConstraint("length(language) BETWEEN 2 AND 8", name="language_tag"),)


class MailPreference(db.Model):
    """One row per category whose cadence the person chose (unique per person)."""

    __tablename__ = "mail_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[Category] = mapped_column(
        str_enum(Category, "mail_category"), primary_key=True
    )
    cadence: Mapped[Cadence] = mapped_column(str_enum(Cadence, "mail_cadence"))


@event.listens_for(User, "after_insert")
def _remember_language(_mapper, connection, user: User) -> None:
    """A new account's mails are in the language of the request that created it, whichever
    view did (registration, an access code...). Outside a request (scripts, the seed), the
    site's default applies until the person chooses."""
    if has_request_context():
        connection.execute(insert(MailSetting).values(user_id=user.id, language=str(get_locale())))
