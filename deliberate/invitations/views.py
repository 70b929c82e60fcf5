"""Invitation links: the organiser's list and sheets, and the page a link opens."""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import rules
from ..accounts.mail import link
from ..debates.services import standing
from ..debates.views import load_debate
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..moderation.views import manage_page
from ..qr import qr_svg
from . import services
from .forms import InvitationForm
from .models import Invitation

bp = Blueprint("invitations", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"


@bp.route("/d/<slug>/invitations", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def create(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.invite(who, debate))
    form = InvitationForm()
    if not form.validate_on_submit():  # the manage page again, with what was typed
        return manage_page(debate, who, status=400, invitation_form=form)
    invitation = services.create(who, debate, form.label.data, form.capacity.data, form.days.data)
    db.session.commit()
    flash(_("The invitation link is ready: %(link)s", link=address(invitation)), "success")
    return redirect(url_for("moderation.manage", slug=slug, _anchor="invitations-title"))


@bp.route("/d/<slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def revoke(slug: str, invitation_id: int):
    debate, who = load_debate(slug)
    invitation = of(debate, invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.revoke(who, invitation)
    db.session.commit()
    flash(_("The invitation link no longer lets anyone in."), "success")
    return redirect(url_for("moderation.manage", slug=slug, _anchor="invitations-title"))


@bp.route("/d/<slug>/invitations/<int:invitation_id>/sheet")
@login_required
def sheet(slug: str, invitation_id: int):
    """Cards to print and hand out in a workshop: the link, as a QR code and in letters."""
    debate, who = load_debate(slug)
    invitation = of(debate, invitation_id)
    rules.require(rules.invite(who, debate))
    url = address(invitation)
    qr = qr_svg(url, _("QR code of the invitation link"), scalable=True)
    return render_template("invitations/sheet.html", debate=debate, url=url, qr=qr, cards=range(4))


@bp.route("/i/<token>")
def landing(token: str):
    """Where a link or a QR code leads: who invites to what, and the way in. For the people
    given it: never in a search engine."""
    g.noindex = True
    invitation = services.find(token)
    if invitation is None:
        return render_template("invitations/ended.html", why="unknown"), 404
    why = services.ended(invitation)
    debate = invitation.debate
    joined = current_user.is_authenticated and standing(current_user, debate).participant
    if why is not None and not (joined or _accepted(invitation)):
        return render_template("invitations/ended.html", why=why), 410
    return render_template(
        "invitations/landing.html",
        invitation=invitation,
        debate=debate,
        joined=joined,
        form=EmptyForm(),
    )


@bp.route("/i/<token>", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def accept(token: str):
    invitation = services.find(token)
    if invitation is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not invitation.debate.is_public:  # a draft: nobody joins yet, no seat is taken
        return redirect(url_for(".landing", token=token))
    if not services.accept(invitation, current_user):
        db.session.rollback()
        return render_template("invitations/ended.html", why=services.ended(invitation)), 410
    db.session.commit()
    slug = invitation.debate.slug
    flash(
        _("Welcome. Choose your opening position and accept the ground rules to join."), "success"
    )
    return redirect(url_for("debates.debate", slug=slug, _anchor="join"))


def of(debate, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.debate_id != debate.id:
        abort(404)
    return invitation


def address(invitation: Invitation) -> str:
    return link("invitations.landing", token=invitation.token)


def _accepted(invitation: Invitation) -> bool:
    return current_user.is_authenticated and services.accepted_by(invitation, current_user)
