"""Download my data, delete my account, and the admins' user list; the hourly purge hook."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from .. import rules
from ..accounts import sessions, totp
from ..accounts.models import SiteLogEntry
from ..accounts.services import password_matches, pseudonym_key
from ..errors import NotFound
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..models import PSEUDONYM_MAX, User, utcnow
from ..moderation.models import DebateRole
from ..rules import Standing
from . import services
from .forms import DeleteAccountForm, ResetTwoFactorForm

bp = Blueprint("privacy", __name__)

DOWNLOAD_LIMIT = "5 per minute;20 per hour"
#: A password is checked: as tight as logging in.
DELETE_LIMIT = "5 per minute;20 per hour"
ADMIN_LIMIT = "10 per minute;60 per hour"
SITE_LOG_PAGE = 200
USERS_PAGE = 100


@bp.record_once
def _set_up(state) -> None:
    services.schedule_purge(state.app)


@bp.before_app_request
def _purge_now_and_then() -> None:
    services.purge_if_due()


def private(response: Response) -> Response:
    """Pages and files holding someone's personal data: kept by no cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/data", methods=["GET", "POST"])
@login_required
@limiter.limit(DOWNLOAD_LIMIT, methods=["POST"])
def my_data():
    """GET explains what the file holds; the POST (a button, with a CSRF token) downloads
    it, so no link from elsewhere can drop a copy onto a shared device."""
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        body = json.dumps(services.personal_data(current_user), ensure_ascii=False, indent=1)
        response = Response(body, mimetype="application/json")
        name = f"deliberate-my-data-{utcnow():%Y-%m-%d}.json"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return private(response)
    return private(Response(render_template("privacy/data.html", form=form)))


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(DELETE_LIMIT, methods=["POST"])
def delete_account():
    form = DeleteAccountForm()
    two_factor = current_user.totp_secret is not None
    if form.validate_on_submit():
        user_id, password_hash = current_user.id, current_user.password_hash
        # End the transaction before ~0.2 s of argon2: on SQLite a POST holds the write
        # lock from its first statement, and other writers would wait behind the hash.
        db.session.commit()
        user = None
        if not password_matches(password_hash, form.password.data):
            form.password.errors.append(_("This is not your current password."))
        else:
            user = db.session.get(User, user_id)
            # A code is spent as it is checked, in the transaction that deletes.
            if user.totp_secret is not None and not totp.verify(user, form.code.data):
                form.code.errors.append(totp.code_error(user, form.code.data))
                user = None
        if user is not None:
            services.delete_account(user)
            db.session.commit()
            sessions.logout()
            flash(
                _("Your account is deleted. Thank you for taking part in the debates."),
                "success",
            )
            return redirect(url_for("main.home"))
    page = render_template(
        "privacy/delete.html",
        form=form,
        two_factor=two_factor,
        sole_organiser=services.sole_organiser_of(current_user),
    )
    return private(Response(page, status=400 if form.errors else 200))


@bp.route("/admin/users")
@login_required
def admin_users():
    """Site admins find an account by pseudonym and see its email: the one page where an
    email is shown to someone other than its owner."""
    rules.require(rules.see_emails(Standing(current_user)))
    return _admin_users_page(request.args.get("q", ""))


def _admin_users_page(search: str, failed: tuple[int, ResetTwoFactorForm] | None = None):
    """The list, each account with two-step login on offering its reset (`failed`: the
    account whose form was refused, and the form, with what the admin typed and why)."""
    search = " ".join(search.split())[:PSEUDONYM_MAX]
    query = select(User)
    if search:
        query = query.where(
            or_(
                User.pseudonym_key.contains(pseudonym_key(search), autoescape=True),
                func.lower(User.pseudonym).contains(search.lower(), autoescape=True),
            )
        )
    users = db.session.scalars(
        query.order_by(User.created_at.desc(), User.id.desc()).limit(USERS_PAGE + 1)
    ).all()
    more = len(users) > USERS_PAGE
    users = users[:USERS_PAGE]
    roles: dict[int, dict[str, int]] = {}
    if users:
        for user_id, role, count in db.session.execute(
            select(DebateRole.user_id, DebateRole.role, func.count())
            .where(DebateRole.user_id.in_([u.id for u in users]), DebateRole.held())
            .group_by(DebateRole.user_id, DebateRole.role)
        ):
            roles.setdefault(user_id, {})[role.value] = count
    who = Standing(current_user)
    resets = {
        user.id: ResetTwoFactorForm(prefix=f"reset-{user.id}", formdata=None)
        for user in users
        if user.totp_secret and rules.reset_second_factor(who, user) is None
    }
    if failed is not None:
        resets[failed[0]] = failed[1]
    page = render_template(
        "privacy/admin_users.html",
        users=users,
        roles=roles,
        search=search,
        more=more,
        resets=resets,
    )
    return private(Response(page, status=400 if failed is not None else 200))


@bp.route("/admin/users/<int:user_id>/reset-two-factor", methods=["POST"])
@login_required
@limiter.limit(ADMIN_LIMIT)
def reset_two_factor(user_id: int):
    """Turn off someone's two-step login, for a person who lost their phone and their
    recovery codes (services.reset_second_factor)."""
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound()
    who = Standing(current_user)
    rules.require(rules.reset_second_factor(who, person))
    form = ResetTwoFactorForm(prefix=f"reset-{user_id}")
    if not form.validate_on_submit():
        return _admin_users_page(person.pseudonym, failed=(person.id, form))
    if services.reset_second_factor(who, person, form.reason.data):
        flash(
            _("Two-step login of %(name)s is off; they were told.", name=person.pseudonym),
            "success",
        )
    else:
        flash(_("%(name)s has no two-step login to turn off.", name=person.pseudonym), "warning")
    db.session.commit()
    return redirect(url_for(".admin_users", q=person.pseudonym))


@bp.route("/admin/log")
@login_required
def site_log():
    """What site admins did to accounts, newest first."""
    rules.require(rules.read_site_log(Standing(current_user)))
    actor, subject = aliased(User), aliased(User)
    entries = db.session.execute(
        select(SiteLogEntry, actor.pseudonym, subject.pseudonym)
        .join(actor, actor.id == SiteLogEntry.actor_id)
        .join(subject, subject.id == SiteLogEntry.subject_id)
        .order_by(SiteLogEntry.id.desc())
        .limit(SITE_LOG_PAGE)
    ).all()
    return private(Response(render_template("privacy/site_log.html", entries=entries)))
