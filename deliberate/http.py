"""Small helpers shared by the HTML views."""

from urllib.parse import urlsplit

from flask import request
from werkzeug.routing import IntegerConverter

#: The largest integer SQLite and PostgreSQL (bigint) store. A longer number in a URL or a
#: query string is no id of ours: it must be a 404 or be ignored, never an OverflowError.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a number too large to be an id does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def db_int(value: str) -> int:
    """``type=`` for ``request.args.get``: an integer a database column holds (ValueError
    otherwise, so the argument counts as absent)."""
    number = int(value)
    if abs(number) > MAX_ID:
        raise ValueError(value)
    return number


def safe_next(default: str) -> str:
    """Where to go after a form: the `next` field or argument if it stays on this site."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return default
