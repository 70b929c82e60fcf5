"""Home page, language switch, liveness and readiness."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, select

from ..extensions import db
from ..groups.services import groups_of
from ..http import safe_next
from ..models import Audience, Debate, Phase
from ..observability import readiness

bp = Blueprint("main", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.route("/")
def home():
    debates = db.session.scalars(
        select(Debate)
        .where(Debate.phase != Phase.DRAFT, Debate.audience == Audience.PUBLIC)
        .order_by(case((Debate.phase == Phase.CLOSED, 1), else_=0), Debate.created_at.desc())
        .limit(200)
    ).all()
    return render_template("main/home.html", debates=debates, groups=groups_of(current_user))


@bp.route("/language/<code>")
def set_language(code: str):
    """Remember the chosen language in a cookie. A link, not a form: a page for readers then
    carries no form and no CSRF token, so it sets no session cookie and can be cached. A
    cross-site link can only change this reader's language, which is no harm."""
    response = redirect(safe_next(url_for("main.home")))
    language = code
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(
            "lang",
            language,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


@bp.route("/healthz")
def healthz():
    """Alive: the process answers. (Whether it can serve is /readyz.)"""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """Ready: database reachable, migrations current, Redis reachable when configured."""
    ready, checks = readiness()
    return jsonify(checks), 200 if ready else 503
