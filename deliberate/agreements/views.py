"""The agreement page (public, printable), its points (mediators) and the endorsements
(participants). Each view: load (404) -> authorise (403) -> validate -> service -> redirect."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import rules
from ..debates.views import load_debate
from ..errors import InvalidInput
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..models import Debate, utcnow
from ..moderation.forms import threshold_labels
from ..rules import Standing
from . import services
from .forms import EndorseForm, PointForm, kind_labels
from .models import AgreementPoint

bp = Blueprint("agreements", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"
ANSWER_LIMIT = "120 per minute;2000 per hour"


def load_point(debate: Debate, point_id: int) -> AgreementPoint:
    point = db.session.get(AgreementPoint, point_id)
    if point is None or point.debate_id != debate.id:
        abort(404)
    return point


def point_data(point: AgreementPoint) -> dict:
    return {
        "kind": point.kind.value,
        "text": point.text,
        "arguments": ", ".join(str(a.id) for a in point.arguments),
    }


def agreement_page(debate: Debate, who: Standing, *, status: int = 200, form=None):
    can_draft = rules.allowed(rules.draft_agreement(who, debate))
    endorse_refusal = rules.endorse_agreement(who, debate)
    tallies = services.tallies(debate)
    return render_template(
        "agreements/agreement.html",
        debate=debate,
        who=who,
        points=services.points(debate),
        tallies=tallies,
        ratified=sum(tally.ratified for tally in tallies.values()),
        communities=services.ratifying_communities(debate),
        caucuses=services.caucuses_chosen(debate),
        threshold=threshold_labels()[debate.ratify_percent],
        minimum=services.RATIFYING_SIZE,
        mine=services.my_endorsements(current_user, debate),
        can_draft=can_draft,
        can_endorse=endorse_refusal is None,
        endorse_refusal=endorse_refusal,
        point_form=(form or PointForm(formdata=None)) if can_draft else None,
        kinds=kind_labels(),
        as_of=utcnow(),
    ), status


@bp.route("/d/<slug>/agreement")
def agreement(slug: str):
    debate, who = load_debate(slug)
    return agreement_page(debate, who)


@bp.route("/d/<slug>/agreement/points", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def add_point(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.draft_agreement(who, debate))
    form = PointForm()
    if not form.validate_on_submit():
        return agreement_page(debate, who, status=400, form=form)
    try:
        point = services.add_point(who, debate, form.kind.data, form.text.data, form.argument_ids())
    except InvalidInput as error:
        form.arguments.errors = [*form.arguments.errors, error.message]
        return agreement_page(debate, who, status=400, form=form)
    db.session.commit()
    flash(_("Point %(n)d is added to the agreement.", n=point.number), "success")
    return redirect(url_for("agreements.agreement", slug=slug, _anchor=f"p{point.number}"))


@bp.route("/d/<slug>/agreement/points/<int:point_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def edit_point(slug: str, point_id: int):
    debate, who = load_debate(slug)
    point = load_point(debate, point_id)
    rules.require(rules.draft_agreement(who, debate))
    form = PointForm(data=point_data(point))
    if form.validate_on_submit():
        try:
            withdrawn = services.edit_point(
                who, point, form.kind.data, form.text.data, form.argument_ids()
            )
        except InvalidInput as error:
            form.arguments.errors = [*form.arguments.errors, error.message]
        else:
            db.session.commit()
            flash(_("Point %(n)d is saved.", n=point.number), "success")
            if withdrawn:
                flash(
                    ngettext(
                        "It changed, so its %(num)d answer was withdrawn; the person who gave "
                        "it is told.",
                        "It changed, so its %(num)d answers were withdrawn; those who gave "
                        "them are told.",
                        withdrawn,
                    ),
                    "success",
                )
            return redirect(url_for("agreements.agreement", slug=slug, _anchor=f"p{point.number}"))
    return render_template(
        "agreements/edit_point.html",
        debate=debate,
        point=point,
        form=form,
        answers=services.answer_count(point),
    ), 400 if form.errors else 200


@bp.route("/d/<slug>/agreement/points/<int:point_id>/remove", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def remove_point(slug: str, point_id: int):
    debate, who = load_debate(slug)
    point = load_point(debate, point_id)
    rules.require(rules.draft_agreement(who, debate))
    if not EmptyForm().validate_on_submit():
        abort(400)
    number = point.number
    services.remove_point(who, point)
    db.session.commit()
    flash(_("Point %(n)d is removed; the points after it are renumbered.", n=number), "success")
    return redirect(url_for("agreements.agreement", slug=slug))


@bp.route("/d/<slug>/agreement/points/<int:point_id>/endorse", methods=["POST"])
@login_required
@limiter.limit(ANSWER_LIMIT)
def endorse(slug: str, point_id: int):
    debate, who = load_debate(slug)
    point = load_point(debate, point_id)
    rules.require(rules.endorse_agreement(who, debate))
    form = EndorseForm()
    if not form.validate_on_submit():
        abort(400)
    answer = form.answer()
    services.endorse(who, point, answer)
    db.session.commit()
    if answer == 1:
        message = _("You endorse point %(n)d.", n=point.number)
    elif answer == -1:
        message = _("You object to point %(n)d.", n=point.number)
    else:
        message = _("Your answer to point %(n)d is withdrawn.", n=point.number)
    flash(message, "success")
    return redirect(url_for("agreements.agreement", slug=slug, _anchor=f"p{point.number}"))
