"""Small helpers shared by the HTML views."""

from urllib.parse import urlsplit

from flask import request


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
