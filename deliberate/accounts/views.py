"""Register, log in, log out, and the account page (my arguments and votes)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db, limiter, login_manager
from ..forms import EmptyForm
from ..http import safe_next
from ..models import Argument, ArgumentVote, Debate, Participant, User
from ..moderation.models import DebateRole
from . import services
from .forms import LoginForm, RegisterForm

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(form.pseudonym.data, form.email.data, form.password.data)
        except services.FieldError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash(
                _(
                    "Welcome, %(name)s. Pick a debate and record your position to take part.",
                    name=user.pseudonym,
                ),
                "success",
            )
            return redirect(safe_next(url_for("main.home")))
    status = 400 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()  # a rehashed password, if the parameters changed
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(url_for("main.home")))
        form.password.errors.append(_("This email and password do not match an account."))
    status = 400 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash(_("You are logged out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/account")
@login_required
def account():
    arguments = db.session.execute(
        select(Argument, Debate.slug, Debate.motion)
        .join(Debate, Debate.id == Argument.debate_id)
        .where(Argument.author_id == current_user.id, Argument.deleted_at.is_(None))
        .order_by(Argument.created_at.desc())
        .limit(200)
    ).all()
    votes = db.session.execute(
        select(ArgumentVote.value, Argument, Debate.slug)
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .join(Debate, Debate.id == Argument.debate_id)
        .where(ArgumentVote.user_id == current_user.id)
        .order_by(ArgumentVote.updated_at.desc())
        .limit(200)
    ).all()
    positions = db.session.execute(
        select(Participant, Debate)
        .join(Debate, Debate.id == Participant.debate_id)
        .where(Participant.user_id == current_user.id)
        .order_by(Participant.joined_at.desc())
    ).all()
    roles = db.session.execute(
        select(DebateRole, Debate)
        .join(Debate, Debate.id == DebateRole.debate_id)
        .where(DebateRole.user_id == current_user.id, DebateRole.ended_at.is_(None))
        .order_by(Debate.created_at.desc())
    ).all()
    return render_template(
        "accounts/account.html", arguments=arguments, votes=votes, positions=positions, roles=roles
    )
