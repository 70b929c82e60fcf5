"""Access codes: the facilitators' sheets (issued, printed once, revoked), recovery codes
for members without email, and the page where a code is used (/code)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import rules
from ..accounts import services as accounts
from ..accounts import sessions
from ..accounts.mail import link
from ..errors import DomainError
from ..extensions import address_key, db, limiter
from ..forms import EmptyForm
from ..models import Debate, User, utcnow
from ..qr import qr_svg
from . import codes, services
from .code_forms import RedeemForm, SheetForm
from .models import CodeSheet, Group

bp = Blueprint("codes", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"

# Failed code attempts, per client address (hashed): only failures count (deduct_when), so
# a workshop of forty people signing up from one connection within minutes all get in,
# while someone guessing gets 50 tries an hour. A code is 60 random bits: 2^60 = 1.15e18
# possible codes. Even with 10,000 codes alive at once, a guess hits one with probability
# 1e4 / 1.15e18 = 8.7e-15; 50 guesses an hour for a year (438,000 guesses) from one
# address find one with probability 3.8e-9, and a botnet of 100,000 addresses for a year
# still only 4e-4. Successful uses are bounded by the codes printed; the site-wide limit on
# writes does not apply to this form (extensions.read_or_arriving).
FAILED_CODE_LIMIT = "10 per minute;50 per hour"


def _code_refused(_response) -> bool:
    return bool(g.get("code_refused"))


def _private(body, status: int = 200):
    """Pages showing a code: kept by no cache, not even the browser's history."""
    return body, status, {"Cache-Control": "no-store"}


def _sheet_of(group: Group, sheet_id: int) -> CodeSheet:
    sheet = db.session.get(CodeSheet, sheet_id)
    if sheet is None or sheet.group_id != group.id:
        abort(404)
    return sheet


def _sheet_form(group: Group, formdata=True) -> SheetForm:
    form = SheetForm() if formdata else SheetForm(formdata=None)
    form.debate.choices = [("", _("The group's page"))] + [
        (str(debate.id), debate.motion) for debate in codes.sheet_debates(group)
    ]
    return form


def _sheets_page(group: Group, who, form: SheetForm, status: int = 200):
    page = render_template(
        "groups/codes.html",
        group=group,
        who=who,
        form=form,
        sheets=codes.sheets(group),
        revoke_form=EmptyForm(formdata=None),
        now=utcnow(),
        can_issue=rules.allowed(rules.issue_access_codes(who, group)),
    )
    return page, status


def code_link(code: str) -> str:
    """The absolute link a card's QR code holds (on the site's configured address)."""
    return link("codes.redeem", c=code)


@bp.route("/g/<group>/codes")
@login_required
def sheets(group: str):
    group, who = services.load(group, current_user)
    rules.require(rules.see_members(who, group))  # outsiders: the page is not there
    rules.require(rules.keep_code_sheets(who, group))
    return _sheets_page(group, who, _sheet_form(group, formdata=False))


@bp.route("/g/<group>/codes", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def issue(group: str):
    """Issue a sheet, and answer with it, printable: the codes are never shown again."""
    group, who = services.load(group, current_user)
    rules.require(rules.see_members(who, group))
    rules.require(rules.issue_access_codes(who, group))
    form = _sheet_form(group)
    if not form.validate_on_submit():
        return _sheets_page(group, who, form, 400)
    debate = None
    if form.debate.data:
        debate = db.session.scalar(
            select(Debate).where(Debate.id == int(form.debate.data), Debate.group_id == group.id)
        )
    sheet, issued = codes.issue_sheet(
        who, group, form.label.data, form.size.data, form.days.data, debate
    )
    db.session.commit()
    title = _("QR code of the access code")
    cards = [{"code": code, "qr": qr_svg(code_link(code), title, scalable=True)} for code in issued]
    page = render_template(
        "groups/code_sheet.html",
        group=group,
        sheet=sheet,
        cards=cards,
        redeem_url=link("codes.redeem"),
    )
    return _private(page)


@bp.route("/g/<group>/codes/<int:sheet_id>/revoke", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def revoke(group: str, sheet_id: int):
    group, who = services.load(group, current_user)
    rules.require(rules.see_members(who, group))
    sheet = _sheet_of(group, sheet_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    codes.revoke_sheet(who, sheet)
    db.session.commit()
    flash(_("The codes of this sheet no longer let anyone in."), "success")
    return redirect(url_for(".sheets", group=group.slug))


@bp.route("/g/<group>/members/<int:user_id>/recovery-code", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def recovery_code(group: str, user_id: int):
    """One recovery code for one member without email, shown once, to hand to them."""
    group, who = services.load(group, current_user)
    rules.require(rules.see_members(who, group))
    person = db.session.get(User, user_id)
    if person is None or services.role_of(person, group) is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    code = codes.issue_recovery(who, group, person)
    db.session.commit()
    page = render_template(
        "groups/recovery_code.html",
        group=group,
        person=person,
        code=code,
        days=codes.RECOVERY_DAYS,
        qr=qr_svg(code_link(code), _("QR code of the recovery code"), scalable=True),
        redeem_url=link("codes.redeem"),
    )
    return _private(page)


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(FAILED_CODE_LIMIT, methods=["POST"], key_func=address_key, deduct_when=_code_refused)
def redeem():
    """Use a code: sign up with a join code, or choose a new password with a recovery code.
    A link's code (?c=) fills the field and nothing more: whether it works is said only to
    whoever submits the form, and every refusal counts against their address."""
    g.noindex = True
    form = RedeemForm(code=request.args.get("c", "")[:40])
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                user, next_url = codes.redeem(
                    form.code.data, form.pseudonym.data, form.password.data
                )
            except accounts.FieldError as error:
                db.session.rollback()
                g.code_refused = isinstance(error, codes.CodeRefused)
                getattr(form, error.field).errors.append(error.message)
            except DomainError as error:
                db.session.rollback()
                form.code.errors.append(error.message)
            else:
                db.session.commit()
                sessions.login(user)
                flash(_("Welcome, %(name)s. You are logged in.", name=user.pseudonym), "success")
                return redirect(next_url)
    return _private(render_template("accounts/code.html", form=form), status)
