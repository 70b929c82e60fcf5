"""The mail preferences page (account settings) and the one-click unsubscribe link."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..extensions import address_key, csrf, db, limiter
from ..models import User
from . import delivery, services
from .categories import ABOUT, Cadence, Category
from .forms import MailPreferencesForm

bp = Blueprint("mailings", __name__)

PREFERENCES_LIMIT = "20 per minute;200 per hour"
#: Per client address: the link carries no cookie, so there is no account to count by.
UNSUBSCRIBE_LIMIT = "10 per minute;100 per hour"


@bp.record_once
def _set_up(state) -> None:
    delivery.register(state.app)


@bp.before_app_request
def _start_sending() -> None:
    delivery.start_in_this_process(current_app._get_current_object())


def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
@limiter.limit(PREFERENCES_LIMIT, methods=["POST"])
def preferences():
    form = MailPreferencesForm()
    form.language.choices = [
        SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()
    ]
    if form.validate_on_submit():
        services.set_language(current_user.id, form.language.data)
        services.set_cadences(
            current_user.id,
            {category: Cadence(form[category.value].data) for category in ABOUT},
        )
        db.session.commit()
        flash(_("Your mail choices are saved."), "success")
        return redirect(url_for("mailings.preferences"))
    if request.method == "GET":
        # Not chosen yet: the language of this page (saved with the first choices).
        form.language.data = services.language(current_user.id) or str(get_locale())
        for category, cadence in services.cadences(current_user.id).items():
            form[category.value].data = cadence.value
    setting = services.setting(current_user.id)
    page = render_template(
        "mailings/preferences.html",
        form=form,
        categories=[form[category.value] for category in ABOUT],
        last_digest_at=setting.last_digest_at if setting else None,
    )
    return private(Response(page, status=400 if form.errors else 200))


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
# Exempt from CSRF on purpose: mail programs POST "List-Unsubscribe=One-Click" without
# cookies or a form token (RFC 8058). The signed token in the URL is what authorises it,
# and all it can do is turn one kind of mail off for the account it names.
@csrf.exempt
@limiter.limit(UNSUBSCRIBE_LIMIT, methods=["POST"], key_func=address_key)
def unsubscribe(token: str):
    found = services.read_unsubscribe_token(token)
    if found is None or db.session.get(User, found[0]) is None:
        return private(Response(render_template("mailings/bad_link.html"), status=404))
    user_id, category = found
    if request.method == "POST":
        if request.form.get("List-Unsubscribe") != "One-Click":
            abort(400)
        stopped = services.unsubscribe(user_id, category)
        db.session.commit()
        return private(
            Response(render_template("mailings/unsubscribed.html", stopped=labels(stopped)))
        )
    named = services.categories_named(user_id, category)
    page = render_template(
        "mailings/unsubscribe.html", named=labels(named), digest=category == services.DIGEST
    )
    return private(Response(page))


def labels(categories: list[Category]) -> list[str]:
    return [ABOUT[category].label for category in categories]
