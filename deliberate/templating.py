"""What every template can use."""

from flask import request
from flask_babel import format_date, format_datetime, get_locale

from . import rules


def register(app):
    # Pages travel over slow links: drop the whitespace that block tags leave behind.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(rules=rules, allowed=rules.allowed, current_locale=get_locale)
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "medium")
    app.jinja_env.filters["date"] = lambda value: format_date(value, "medium")
    app.jinja_env.filters["iso"] = lambda value: value.isoformat(timespec="minutes")
    app.jinja_env.filters["percent"] = percent

    @app.context_processor
    def page_context():
        return {"request_path": request.full_path.rstrip("?")}


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0
