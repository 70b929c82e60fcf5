"""Small helpers shared by the HTML views."""

from urllib.parse import urlsplit

from flask import abort, request
from werkzeug.routing import IntegerConverter

#: The largest id: ids are INTEGER columns, 32 bits on PostgreSQL (SQLite's hold 64). A
#: larger number in a URL, a query string or a form is no id of ours: it must be a 404 or
#: be ignored, never a database error (OverflowError, "integer out of range").
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a number too large to be an id does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def refuse_nul_in_url() -> None:
    """Before every request: a NUL in the path or the query string is refused (400), since
    PostgreSQL refuses to compare or store text that holds one. (Forms refuse it field by
    field, and show the form again: deliberate.forms.refuse_nul.)"""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        abort(400)


def choose_locale(request, config) -> str:
    """The language a request's pages are in: the one chosen with the switcher (a cookie),
    else the browser's preference among ours, else English. (Also read by the page cache's
    fast path, before Flask, hence the explicit request and config.)"""
    languages = config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or config["BABEL_DEFAULT_LOCALE"]


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
        and target.isprintable()  # no control character: "\r\n" in a header is an error
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return default
