"""What every template can use."""

import functools
import re
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_percent
from flask import request
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import FileSystemLoader
from markupsafe import Markup

from . import languages, rules
from .markup import excerpt


class UnindentingLoader(FileSystemLoader):
    """Pages travel over slow links: drop the templates' indentation as they load. Only the
    template source is touched, never what users wrote (a <textarea> or <pre> is filled at
    render time)."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        return _INDENT.sub("", source), filename, uptodate


_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def register(app):
    app.jinja_env.loader = UnindentingLoader(app.template_folder)
    # ...and the blank lines that block tags leave behind.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        rules=rules,
        allowed=rules.allowed,
        current_locale=get_locale,
        lang_attr=lang_attr,
        language_name=languages.name,
        language_label=languages.label,
        language_direction=languages.direction,
        role_name=role_name,
        debate_text=_debate_text,
    )
    app.jinja_env.filters["excerpt"] = excerpt
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "medium")
    app.jinja_env.filters["date"] = day
    app.jinja_env.filters["iso"] = lambda value: value.isoformat(timespec="minutes")
    app.jinja_env.filters["percent"] = percent
    # Figures in the reader's convention: 13.6 in English, 13,6 in French.
    app.jinja_env.filters["decimal"] = lambda value, digits=1: format_decimal(
        value, "#,##0." + "0" * digits
    )
    app.jinja_env.filters["signed"] = lambda value: format_decimal(value, "+#,##0.#;\u2212#,##0.#")
    # A share given in per cent: "51.7%" in English, "51,7 %" (no break) in French.
    app.jinja_env.filters["pct"] = lambda value: format_percent(
        Decimal(str(round(value, 1))) / 100, locale=get_locale(), decimal_quantization=False
    )

    @app.context_processor
    def page_context():
        unread = 0
        if current_user.is_authenticated:
            from .moderation.notify import unread_count

            unread = unread_count(current_user)
        return {"request_path": request.full_path.rstrip("?"), "unread_count": unread}


def day(moment) -> str:
    """A date in the reader's language ("7 déc. 2026"). Lists show dozens of dates, most
    of them the same few days: each is formatted once per language (times are in UTC)."""
    value = moment.date() if isinstance(moment, datetime) else moment  # a datetime or a date
    return _day(value, str(get_locale()))


@functools.lru_cache(maxsize=2048)
def _day(value: date, locale: str) -> str:
    return format_date(value, "medium", locale=locale)


def lang_attr(debate, argument=None) -> Markup:
    """` lang="xx"` on a debate's own text, or on an argument's, when the page is in another
    language, so browsers and screen readers read it in the right one; with `dir` where the
    language is not written left to right like the page, or its direction is unknown."""
    tag = (argument.language if argument is not None else None) or debate.language
    if tag == str(get_locale()):
        return Markup("")
    way = languages.direction(tag)
    if way == "ltr":
        return Markup(' lang="%s"') % tag
    return Markup(' lang="%s" dir="%s"') % (tag, way)


def _debate_text(debate, kind: str, ref: int, original: str):
    from .translating.services import reader_text

    return reader_text(debate, kind, ref, original)


def role_name(role) -> str:
    """A debate role as pages name it: "organiser", "mediator", "translator"."""
    names = {"organiser": _("organiser"), "mediator": _("mediator"), "translator": _("translator")}
    value = getattr(role, "value", role)
    return names.get(value, value)


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0
