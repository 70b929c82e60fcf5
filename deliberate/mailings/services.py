"""A person's mail choices, and the signed links that turn one category off in one click."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select

from ..extensions import db
from ..models import User
from .categories import ABOUT, Cadence, Category
from .models import MailPreference, MailSetting

#: Purpose salt: a token signed for anything else (sessions, CSRF) is no unsubscribe token.
UNSUBSCRIBE_SALT = "deliberate.mail-unsubscribe"
#: Named by the unsubscribe link of a daily digest: every category it gathers.
DIGEST = "digest"
CATEGORY_VALUES = frozenset(category.value for category in Category)


def cadences(user_id: int) -> dict[Category, Cadence]:
    """The cadence of every category for the person: their choice, else the default."""
    chosen = dict(
        db.session.execute(
            select(MailPreference.category, MailPreference.cadence).where(
                MailPreference.user_id == user_id
            )
        ).all()
    )
    return {category: chosen.get(category, about.default) for category, about in ABOUT.items()}


def stored_choices(user_id: int) -> tuple[str | None, datetime | None, dict[Category, Cadence]]:
    """(language, last digest, cadence of every category) in one query: the data download."""
    rows = db.session.execute(
        select(
            MailSetting.language,
            MailSetting.last_digest_at,
            MailPreference.category,
            MailPreference.cadence,
        )
        .select_from(User)
        .outerjoin(MailSetting, MailSetting.user_id == User.id)
        .outerjoin(MailPreference, MailPreference.user_id == User.id)
        .where(User.id == user_id)
    ).all()
    language, last_digest = (rows[0][0], rows[0][1]) if rows else (None, None)
    chosen = {category: cadence for _l, _d, category, cadence in rows if category is not None}
    return language, last_digest, {c: chosen.get(c, about.default) for c, about in ABOUT.items()}


def set_cadences(user_id: int, choices: dict[Category, Cadence]) -> None:
    """Store the choices; the caller commits."""
    for category, cadence in choices.items():
        db.session.merge(MailPreference(user_id=user_id, category=category, cadence=cadence))
    db.session.flush()


def language(user_id: int) -> str | None:
    """The chosen mail language, or None (not chosen: the site's default)."""
    return db.session.scalar(select(MailSetting.language).where(MailSetting.user_id == user_id))


def setting(user_id: int) -> MailSetting | None:
    return db.session.get(MailSetting, user_id)


def set_language(user_id: int, value: str) -> None:
    if value not in current_app.config["LANGUAGES"]:
        raise ValueError(f"not a language of the site: {value!r}")
    row = db.session.get(MailSetting, user_id)
    if row is None:
        db.session.add(MailSetting(user_id=user_id, language=value))
    else:
        row.language = value
    db.session.flush()


def erase(user_id: int) -> None:
    """Account deletion: the person's mail language and choices go."""
    for model in (MailPreference, MailSetting):
        db.session.execute(
            delete(model)
            .where(model.user_id == user_id)
            .execution_options(synchronize_session=False)
        )


# --- one-click unsubscribe (RFC 8058) ---------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, category: Category | str) -> str:
    """Signed, not encrypted: it names the account by id and the category (or DIGEST), and
    nothing else. It does not expire: a mail's link must work as long as the mail is kept."""
    return _serializer().dumps([user_id, str(category)])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, category or DIGEST), or None for a token we did not sign."""
    try:
        user_id, category = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or (category != DIGEST and category not in CATEGORY_VALUES):
        return None
    return user_id, category


def categories_named(user_id: int, category: str) -> list[Category]:
    """The categories an unsubscribe link turns off: its own, or, for a digest's, every
    category the person now receives as a digest."""
    if category != DIGEST:
        return [Category(category)]
    return [c for c, cadence in cadences(user_id).items() if cadence is Cadence.DAILY]


def unsubscribe(user_id: int, category: str) -> list[Category]:
    """Turn off what the link names; the categories turned off. The caller commits."""
    named = categories_named(user_id, category)
    set_cadences(user_id, dict.fromkeys(named, Cadence.OFF))
    return named
