"""Small helpers shared by the HTML views."""

from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for

from .extensions import db


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


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


def redirect_next(endpoint: str, **values):
    return redirect(safe_next(url_for(endpoint, **values)))
