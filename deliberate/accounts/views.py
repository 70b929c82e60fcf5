"""Register, log in (with a second step for a code), log out, reset a password, the account
page (my arguments and votes) and its settings (email, password, two-step login)."""

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import rules
from ..errors import Conflict, NotFound
from ..extensions import address_key, db, limiter, login_manager, rate_limit_key
from ..forms import EmptyForm
from ..groups.models import Group, GroupMember
from ..http import safe_next
from ..invitations import services as invitations
from ..models import Argument, ArgumentVote, Audience, Debate, Participant, User
from ..moderation import services as moderation_services
from ..moderation.models import DebateRole
from ..qr import qr_svg
from ..rules import Standing
from . import mail, recovery, services, sessions, totp
from .forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmRegistrationForm,
    DisableTwoFactorForm,
    EnableTwoFactorForm,
    LoginForm,
    NewRecoveryCodesForm,
    RecoveryLoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None

# Rate limits. The forms that let someone in count per client address even when it is
# signed in (extensions.address_key: holding sessions of several accounts must not multiply
# a client's guesses); the others per user once logged in (extensions.rate_limit_key). Forms
# naming an account count per account too: a botnet gets no more guesses at one account's
# password than a single machine, and nobody can flood an address with mail.
# Per address: settings (config.py), for the many people behind one address.
REGISTER_LIMIT = lambda: current_app.config["REGISTER_LIMIT"]  # noqa: E731
LOGIN_LIMIT = lambda: current_app.config["LOGIN_LIMIT"]  # noqa: E731
#: Failed log-ins naming one email, from anywhere.
ACCOUNT_LOGIN_LIMIT = "10 per hour"
CODE_LIMIT = "10 per minute;30 per hour"
#: Wrong codes for one account whose password was right.
ACCOUNT_CODE_LIMIT = "10 per 15 minutes"
#: Mails to one address (registration, reset).
ADDRESS_LIMIT = "3 per hour;10 per day"
RESET_LIMIT = "5 per minute;20 per hour"
LINK_LIMIT = "5 per minute;30 per hour"
#: Forms that check the current password (and code): as tight as logging in.
SETTINGS_LIMIT = "5 per minute;20 per hour"
LOGOUT_EVERYWHERE_LIMIT = "5 per minute;20 per hour"

#: Session key of a second factor being set up (shown, not yet confirmed).

LINK_NOT_VALID = _l(
    "This link does not work: it was already used, it is too old, or part of it is missing. "
    "Copy the whole link from the mail, or ask for a new one."
)
WRONG_CODE = totp.WRONG_CODE
code_error = totp.code_error
#: What a staff member without a second factor may still reach (besides accounts.*, api.*).
OPEN_WITHOUT_SECOND_FACTOR = {
    "static",
    "main.set_language",
    "main.healthz",
    "main.readyz",
    "privacy.my_data",
    "privacy.delete_account",
}


@bp.record_once
def _set_up(state) -> None:
    mail.init_app(state.app)


def _keyed(kind: str, value: str) -> str:
    """A limit key naming an account without writing its email into the limit storage."""
    secret = current_app.secret_key
    if isinstance(secret, str):
        secret = secret.encode()
    digest = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:32]}"


def email_key() -> str:
    return _keyed("email", services.normalise_email(request.form.get("email", "")))


def login_key() -> str:
    """The account a log-in names, by its email or by its pseudonym (as accounts compare
    them), so either way of naming it shares one budget of failed attempts."""
    identifier = request.form.get("email", "")
    if services.is_email(identifier):
        return email_key()
    return _keyed("pseudonym", services.pseudonym_key(identifier.strip()))


def pending_login_key() -> str:
    pending = session.get(sessions.PENDING)
    if isinstance(pending, dict) and pending.get("user"):
        return _keyed("pending", str(pending["user"]))
    return rate_limit_key()


def _through_invitation() -> bool:
    return invitations.arriving() is not None


def _not_through_invitation() -> bool:
    return invitations.arriving() is None


def invitation_key() -> str:
    invitation = invitations.arriving()
    return f"invitation:{invitation.id if invitation else '-'}"


def invitation_limit() -> str:
    """Each step (sign-up, confirmation, log-in) twice per seat an hour: room for typos.
    (Flask-Limiter asks before it knows the limit is exempt: any value does then.)"""
    invitation = invitations.arriving()
    return f"{2 * invitation.capacity if invitation else 1} per hour"


def _failed(response) -> bool:
    return response.status_code == 400


def _status(*forms) -> int:
    return 400 if any(field.errors for form in forms for field in form) else 200


def _private(body, status: int = 200):
    """Pages showing a secret or an email: kept by no cache."""
    return body, status, {"Cache-Control": "no-store"}


def _local(path) -> str | None:
    """`path` if it stays on this site (the checks of http.safe_next), else None."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return None
    parts = urlsplit(path)
    return None if parts.scheme or parts.netloc or "\\" in path else path


# --- staff need a second factor -------------------------------------------------------------


def site_standing(user: User) -> Standing:
    """Who someone is across the whole site: every role they hold in any debate."""
    held = select(DebateRole.role).where(DebateRole.user_id == user.id, DebateRole.held())
    return Standing(user=user, roles=frozenset(str(role) for role in db.session.scalars(held)))


def request_standing(user: User) -> tuple[Standing, bool]:
    """The standing the second-factor rule asks about for this request, and whether it is
    about a private debate: a site admin's everywhere; otherwise the roles held in the
    debate the request is about (its `slug`), or in the group (its `group`), and none on
    pages about neither (home, inbox, starting a debate)."""
    if user.is_admin:
        return Standing(user=user), False
    args = request.view_args or {}
    if isinstance(args.get("group"), str):
        role = db.session.scalar(
            select(GroupMember.role)
            .join(Group, Group.id == GroupMember.group_id)
            .where(Group.slug == args["group"], GroupMember.user_id == user.id)
        )
        return Standing(user=user, group_role=role and str(role)), False
    slug = args.get("slug")
    if not isinstance(slug, str):
        return Standing(user=user), False
    held = db.session.execute(
        select(DebateRole.role, Debate.audience)
        .join(Debate, Debate.id == DebateRole.debate_id)
        .where(Debate.slug == slug, DebateRole.user_id == user.id, DebateRole.held())
    ).all()
    roles = frozenset(str(role) for role, _ in held)
    return Standing(user=user, roles=roles), any(a is Audience.PRIVATE for _, a in held)


@bp.before_app_request
def staff_need_a_second_factor():
    """Site admins, and organisers and mediators in the debates they run, need two-step
    login: there, every page sends them to set it up and every action is refused.
    Elsewhere they read and take part as anyone does (an invitation not yet accepted
    counts for nothing). Checked here once for every route, so a route added later is
    covered too."""
    if not current_app.config.get("REQUIRE_STAFF_TOTP"):
        return None
    endpoint = request.endpoint or ""
    if endpoint.startswith(("accounts.", "api.")) or endpoint in OPEN_WITHOUT_SECOND_FACTOR:
        return None
    if not current_user.is_authenticated or current_user.totp_secret:
        return None  # answered without a query for almost every request
    who, private = request_standing(current_user)
    refusal = rules.act_without_second_factor(who, current_app.config["TWO_STEP_FOR"], private)
    if refusal is None:
        return None
    if request.method in ("GET", "HEAD"):  # the page says why
        return redirect(url_for("accounts.two_factor", next=request.full_path.rstrip("?")))
    raise refusal


# --- registration ---------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    REGISTER_LIMIT, methods=["POST"], key_func=address_key, exempt_when=_through_invitation
)
@limiter.limit(
    invitation_limit, methods=["POST"], key_func=invitation_key, exempt_when=_not_through_invitation
)
@limiter.limit(ADDRESS_LIMIT, methods=["POST"], key_func=email_key)
def register():
    """Step one: pseudonym and email. Whether the address is new or has an account, the
    answer is the same "check your mail"; the mail differs."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.request_registration(
                form.pseudonym.data, form.email.data, _local(safe_next("")) or None
            )
        except services.FieldError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            return redirect(url_for(".check_mail", about="register"))
    return render_template("accounts/register.html", form=form), _status(form)


@bp.route("/register/confirm", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, methods=["POST"], key_func=address_key, exempt_when=_through_invitation)
@limiter.limit(
    invitation_limit, methods=["POST"], key_func=invitation_key, exempt_when=_not_through_invitation
)
def confirm_registration():
    """Step two, from the mailed link: choose a password (and keep or change the
    pseudonym); the account is created and logged in."""
    data = services.read_registration(request.args.get("token"))
    if data is None:
        raise NotFound(LINK_NOT_VALID)
    used = Conflict(_l("This link was already used: the account exists. Log in instead."))
    if services.email_taken(data["email"]):
        raise used
    form = ConfirmRegistrationForm(pseudonym=data["pseudonym"])
    if form.validate_on_submit():
        try:
            user = services.finish_registration(
                request.args.get("token"), form.pseudonym.data, form.password.data
            )
        except services.FieldError as error:
            if error.field == "email":  # used by another request meanwhile
                raise used from None
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            sessions.login(user)
            flash(
                _(
                    "Welcome, %(name)s. Pick a debate and record your position to take part.",
                    name=user.pseudonym,
                ),
                "success",
            )
            return redirect(_local(data.get("next")) or url_for("main.home"))
    page = render_template("accounts/register_confirm.html", form=form, email=data["email"])
    return _private(page, _status(form))


@bp.route("/check-mail")
def check_mail():
    about = request.args.get("about")
    return render_template("accounts/check_mail.html", about=about)


# --- logging in and out ---------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=address_key, exempt_when=_through_invitation)
@limiter.limit(
    invitation_limit, methods=["POST"], key_func=invitation_key, exempt_when=_not_through_invitation
)
@limiter.limit(ACCOUNT_LOGIN_LIMIT, methods=["POST"], key_func=login_key, deduct_when=_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()  # a rehashed password, if the parameters changed
            target = safe_next(url_for("main.home"))
            if user.totp_secret:
                sessions.begin_second_step(user, form.remember.data)
                return redirect(url_for(".login_code", next=target))
            sessions.login(user, remember=form.remember.data)
            return redirect(target)
        if services.is_email(form.email.data):
            form.password.errors.append(_("This email and password do not match an account."))
        else:
            form.password.errors.append(_("This pseudonym and password do not match an account."))
    return render_template("accounts/login.html", form=form), _status(form)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"], key_func=address_key)
@limiter.limit(ACCOUNT_CODE_LIMIT, methods=["POST"], key_func=pending_login_key)
def login_code():
    """The second step: the password was right; now the code from the app."""
    pending = sessions.pending_login()
    if pending is None:
        if request.method == "POST":
            flash(
                _("Logging in took too long. Please enter your email and password again."),
                "error",
            )
        target = _local(request.args.get("next")) or url_for("main.home")
        return redirect(url_for(".login", next=target))
    user, remember = pending
    form, recovery_form = CodeForm(), RecoveryLoginForm(prefix="recovery")
    if recovery_form.code.name in request.form:  # the phone is lost: a recovery code instead
        if recovery_form.validate_on_submit():
            if recovery.use(user, recovery_form.code.data):
                left = recovery.remaining(user)
                db.session.commit()
                sessions.login(user, remember=remember)
                flash(_recovery_used(left), "warning")
                return redirect(url_for(".two_factor"))
            recovery_form.code.errors.append(NOT_A_RECOVERY_CODE)
    elif form.validate_on_submit():
        if totp.verify(user, form.code.data):
            db.session.commit()
            sessions.login(user, remember=remember)
            return redirect(safe_next(url_for("main.home")))
        form.code.errors.append(code_error(user, form.code.data))
    page = render_template("accounts/login_code.html", form=form, recovery_form=recovery_form)
    return page, _status(form, recovery_form)


NOT_A_RECOVERY_CODE = _l("This is not one of your recovery codes, or it was used already.")


def _recovery_used(left: int) -> str:
    return ngettext(
        "You logged in with a recovery code: %(num)d is left. If your phone is gone, turn "
        "two-step login off below, then set it up again on a new one.",
        "You logged in with a recovery code: %(num)d are left. If your phone is gone, turn "
        "two-step login off below, then set it up again on a new one.",
        left,
    )


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        sessions.logout()
        flash(_("You are logged out."), "success")
    return redirect(url_for("main.home"))


# --- password reset -------------------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"], key_func=address_key)
@limiter.limit(ADDRESS_LIMIT, methods=["POST"], key_func=email_key)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data)
        db.session.commit()
        return redirect(url_for(".check_mail", about="reset"))
    return render_template("accounts/reset_request.html", form=form), _status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, methods=["POST"], key_func=address_key)
def reset_password(token):
    if services.find_reset(token) is None:
        raise NotFound(LINK_NOT_VALID)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except services.FieldError as error:
            form.password.errors.append(error.message)
        else:
            if user is None:
                raise NotFound(LINK_NOT_VALID)
            db.session.commit()
            sessions.logout()
            flash(
                _(
                    "Your password is changed, and every device was logged out. "
                    "Log in with your new password."
                ),
                "success",
            )
            return redirect(url_for(".login"))
    return _private(render_template("accounts/reset_password.html", form=form), _status(form))


# --- the account page and its settings ------------------------------------------------------


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
        .where(DebateRole.user_id == current_user.id, DebateRole.held())
        .order_by(Debate.created_at.desc())
    ).all()
    page = render_template(
        "accounts/account.html",
        arguments=arguments,
        votes=votes,
        positions=positions,
        roles=roles,
        invitations=moderation_services.invitations_for(current_user),
        form=EmptyForm(),
    )
    return page


def _settings_page(email_form=None, password_form=None):
    email_form = email_form or ChangeEmailForm(formdata=None)
    password_form = password_form or ChangePasswordForm(formdata=None)
    page = render_template(
        "accounts/settings.html",
        email_form=email_form,
        password_form=password_form,
        logout_form=EmptyForm(formdata=None),
    )
    return _private(page, _status(email_form, password_form))


def _reauthenticate(password_field, code_field) -> bool:
    """Whether the current password (and the code, with two-step login on) are right; if
    not, the reason goes on the field. The code is checked only after the password, and
    spent only if it is right."""
    user = current_user._get_current_object()
    password_hash, second_factor = user.password_hash, user.totp_secret is not None
    db.session.commit()  # argon2 outside the write lock
    if not services.password_matches(password_hash, password_field.data or ""):
        password_field.errors.append(_("This is not your current password."))
        return False
    if second_factor and code_field is not None:
        code = code_field.data
        if not totp.normalise(code):
            code_field.errors.append(_("Enter the 6-digit code from your app."))
            return False
        if recovery.looks_like(recovery.normalise(code)):
            if not recovery.use(user, code):
                code_field.errors.append(NOT_A_RECOVERY_CODE)
                return False
        elif not totp.verify(user, code):
            code_field.errors.append(code_error(user, code))
            return False
    return True


@bp.route("/account/settings")
@login_required
def settings():
    return _settings_page()


@bp.route("/account/email", methods=["POST"])
@login_required
@limiter.limit(SETTINGS_LIMIT)
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if services.normalise_email(form.email.data) == current_user.email:
            form.email.errors.append(_("This is already your email."))
        elif _reauthenticate(form.password, form.code):
            services.request_email_change(current_user._get_current_object(), form.email.data)
            db.session.commit()
            return redirect(url_for(".check_mail", about="email"))
    return _settings_page(email_form=form)


@bp.route("/account/email/confirm", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, methods=["POST"], key_func=address_key)
def confirm_email():
    """From the link mailed to the new address: a button (a mail scanner opening the link
    changes nothing), then the change."""
    found = services.read_email_change(request.args.get("token"))
    if found is None:
        raise NotFound(LINK_NOT_VALID)
    user, new_email = found
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.change_email(user, new_email, request.args.get("token"))
        except services.FieldError as error:
            raise Conflict(error.message) from None
        db.session.commit()
        flash(_("Your account now uses this email: %(email)s.", email=new_email), "success")
        if current_user.is_authenticated:
            return redirect(url_for(".settings"))
        return redirect(url_for(".login"))
    return _private(render_template("accounts/confirm_email.html", form=form, email=new_email))


@bp.route("/account/password", methods=["POST"])
@login_required
@limiter.limit(SETTINGS_LIMIT)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and _reauthenticate(form.current_password, form.code):
        remember = sessions.remembered()
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.new_password.data)
        except services.FieldError as error:
            form.new_password.errors.append(error.message)
        else:
            db.session.commit()
            sessions.login(user, remember=remember)
            flash(_("Your password is changed. Every other device was logged out."), "success")
            return redirect(url_for(".settings"))
    return _settings_page(password_form=form)


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
@limiter.limit(LOGOUT_EVERYWHERE_LIMIT)
def logout_everywhere():
    if EmptyForm().validate_on_submit():
        sessions.end_all_sessions(current_user)
        db.session.commit()
        sessions.logout()
        flash(_("You are logged out on every device, this one included."), "success")
    return redirect(url_for("main.home"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(SETTINGS_LIMIT, methods=["POST"])
def two_factor():
    """Set up two-step login: the secret and its QR code, confirmed by the password and a
    first code before anything is saved."""
    user = current_user._get_current_object()
    staff = site_standing(user).is_staff
    if user.totp_secret:
        if request.method == "POST":
            return redirect(url_for(".two_factor"))
        return _private(
            _enabled_page(user, DisableTwoFactorForm(), NewRecoveryCodesForm(prefix="codes"))
        )
    secret = totp.setup_secret(user)
    form = EnableTwoFactorForm()
    if form.validate_on_submit() and _reauthenticate(form.password, None):
        step = totp.matching_step(secret, form.code.data)
        if step is None:
            form.code.errors.append(WRONG_CODE)
        else:
            remember = sessions.remembered()
            codes = services.enable_totp(user, secret, step)
            db.session.commit()
            sessions.login(user, remember=remember)
            flash(_("Two-step login is on. Every other device was logged out."), "success")
            return _recovery_codes_page(codes, _local(request.args.get("next")))
    uri = totp.provisioning_uri(secret, user.pseudonym)
    page = render_template(
        "accounts/two_factor.html",
        enabled=False,
        form=form,
        staff=staff,
        secret=totp.grouped(secret),
        uri=uri,
        qr=qr_svg(uri, _("QR code to scan with your authenticator app")),
    )
    return _private(page, _status(form))


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
@limiter.limit(SETTINGS_LIMIT)
def disable_two_factor():
    user = current_user._get_current_object()
    if not user.totp_secret:
        return redirect(url_for(".two_factor"))
    form = DisableTwoFactorForm()
    if form.validate_on_submit() and _reauthenticate(form.password, form.code):
        services.disable_totp(user)
        db.session.commit()
        flash(_("Two-step login is off."), "success")
        return redirect(url_for(".settings"))
    return _private(_enabled_page(user, form, NewRecoveryCodesForm(prefix="codes")), _status(form))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(SETTINGS_LIMIT)
def new_recovery_codes():
    """Ten new recovery codes (the old ones stop working): after using some, or losing the
    sheet they were written on."""
    user = current_user._get_current_object()
    if not user.totp_secret:
        return redirect(url_for(".two_factor"))
    form = NewRecoveryCodesForm(prefix="codes")
    if form.validate_on_submit() and _reauthenticate(form.password, form.code):
        codes = recovery.new_codes(user)
        db.session.commit()
        return _recovery_codes_page(codes, None)
    return _private(_enabled_page(user, DisableTwoFactorForm(), form), _status(form))


def _enabled_page(user: User, disable_form, codes_form) -> str:
    return render_template(
        "accounts/two_factor.html",
        enabled=True,
        form=disable_form,
        codes_form=codes_form,
        codes_left=recovery.remaining(user),
        staff=site_standing(user).is_staff,
    )


def _recovery_codes_page(codes: list[str], next_page: str | None):
    """Shown once, in the answer to the form that made them: never stored in a page a
    cache, the history or a later request could give back."""
    page = render_template(
        "accounts/recovery_codes.html", codes=codes, next_page=next_page or url_for(".settings")
    )
    return _private(page)
