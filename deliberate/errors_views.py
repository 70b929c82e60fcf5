"""Error pages (HTML) and error bodies (JSON under /api/)."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .errors import DomainError
from .extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _titles():
    return {
        400: _("This request could not be understood"),
        403: _("You cannot do this"),
        404: _("Page not found"),
        405: _("This action is not available here"),
        409: _("Not possible right now"),
        413: _("Too much text"),
        429: _("Slow down a little"),
        500: _("Something went wrong on our side"),
    }


def _messages():
    return {
        400: _("Something in this request was missing or wrong. Go back and try again."),
        403: _("You do not have permission for this page or action."),
        404: _("We could not find this page. It may have moved, or the link may be mistyped."),
        405: _("This page does not accept this kind of request."),
        413: _("What you sent is larger than we accept. Shorten it and try again."),
        429: _("You have done this many times in a short while. Wait a minute, then try again."),
        500: _("The error has been logged. Please try again in a moment."),
    }


def error_response(status: int, message: str | None = None):
    db.session.rollback()
    message = message or _messages().get(status) or _titles().get(status, "")
    if _wants_json():
        return jsonify(error={"status": status, "message": str(message)}), status
    title = _titles().get(status, _("Error"))
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app):
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return error_response(error.status, str(error.message))

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return error_response(
            400,
            _(
                "This form had expired or came from another site, so nothing was changed. "
                "Go back, reload the page, and send it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
