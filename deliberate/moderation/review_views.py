"""Flags, the review queue, decisions, appeals, sanctions, cooling-off and the inbox."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import rules
from ..debates.services import standing
from ..debates.views import load_argument, load_debate
from ..errors import DomainError
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..http import MAX_ID, db_int
from ..models import User
from . import notify, review, sanctions, services
from .forms import (
    AppealDecisionForm,
    AppealForm,
    DecisionForm,
    FlagForm,
    FreezeForm,
    SanctionForm,
    SettingsForm,
    SlowModeForm,
)
from .models import Appeal, AppealOutcome, Sanction, SanctionKind

bp = Blueprint("review", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"


def back_to_queue(slug: str):
    return redirect(url_for("review.queue", slug=slug))


@bp.route("/d/<slug>/a/<int:argument_id>/flag", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def flag(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    rules.require(rules.flag_argument(who, debate, argument))
    form = FlagForm(ground_rules=services.ground_rules(debate))
    if form.validate_on_submit():
        review.flag(who, argument, int(form.rule.data), form.note.data or "")
        db.session.commit()
        flash(_("Thank you. The mediators will review this argument."), "success")
        return redirect(url_for("debates.argument", slug=slug, argument_id=argument.id))
    status = 400 if form.errors else 200
    return render_template("review/flag.html", debate=debate, argument=argument, form=form), status


@bp.route("/d/<slug>/queue")
@login_required
def queue(slug: str):
    debate, who = load_debate(slug)
    after = None
    if request.args.get("after_id", type=db_int):
        try:
            at = datetime.fromisoformat(request.args["after_at"])
        except (KeyError, ValueError):
            abort(400)
        after = (at, request.args.get("after_id", type=db_int))
    items = review.queue(who, debate, after)
    appeals = sanctions.open_appeals(debate)
    ground = services.ground_rules(debate)
    return render_template(
        "review/queue.html",
        debate=debate,
        who=who,
        items=items,
        flags=review.open_flags(a.id for a in items),
        total=review.queue_length(debate),
        next_page=items[-1] if len(items) == review.QUEUE_PAGE else None,
        form=DecisionForm(formdata=None, ground_rules=ground),
        appeals=appeals,
        took_part={appeal.id: sanctions.took_part(appeal) for appeal in appeals},
        appeal_form=AppealDecisionForm(formdata=None),
        cosigns=sanctions.awaiting_cosign(debate),
        freeze_form=FreezeForm(formdata=None),
        slow_form=SlowModeForm(formdata=None, minutes=debate.slow_mode_minutes),
        empty=EmptyForm(),
    )


@bp.route("/d/<slug>/a/<int:argument_id>/decide", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def decide(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    rules.require(rules.review(who, debate))
    form = DecisionForm(ground_rules=services.ground_rules(debate))
    if not form.validate_on_submit():
        abort(400)
    rule = int(form.rule.data) if form.rule.data else None
    target = load_argument(debate, form.duplicate_of.data) if form.duplicate_of.data else None
    try:
        review.decide(
            who, argument, review.Decision(form.decision.data), rule, form.reason.data or "", target
        )
    except DomainError as error:
        if error.status != 400:
            raise
        db.session.rollback()
        flash(str(error.message), "error")
        return back_to_queue(slug)
    db.session.commit()
    flash(_("Decision recorded; the author is told and the public log shows it."), "success")
    return back_to_queue(slug)


@bp.route("/d/<slug>/a/<int:argument_id>/appeal", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def appeal_argument(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    return _appeal(
        debate,
        who,
        argument=argument,
        back=url_for("debates.argument", slug=slug, argument_id=argument.id),
    )


@bp.route("/d/<slug>/sanctions/<int:sanction_id>/appeal", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def appeal_sanction(slug: str, sanction_id: int):
    debate, who = load_debate(slug)
    return _appeal(
        debate, who, sanction=_sanction(debate, sanction_id), back=url_for("review.inbox")
    )


def _appeal(debate, who, *, back: str, argument=None, sanction=None):
    """The appeal form, against a hidden argument or a sanction (exactly one is given)."""
    sanctions.check_appeal(who, debate, argument=argument, sanction=sanction)
    form = AppealForm()
    if form.validate_on_submit():
        if argument is not None:
            sanctions.appeal_argument(who, argument, form.text.data)
        else:
            sanctions.appeal_sanction(who, sanction, form.text.data)
        db.session.commit()
        flash(_("Your appeal is sent. A different mediator will decide."), "success")
        return redirect(back)
    status = 400 if form.errors else 200
    return render_template(
        "review/appeal.html", debate=debate, argument=argument, sanction=sanction, form=form
    ), status


@bp.route("/d/<slug>/appeals/<int:appeal_id>/decide", methods=["POST"])
@login_required
def decide_appeal(slug: str, appeal_id: int):
    debate, who = load_debate(slug)
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal.debate_id != debate.id:
        abort(404)
    form = AppealDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    sanctions.decide_appeal(who, appeal, AppealOutcome(form.outcome.data), form.reason.data)
    db.session.commit()
    flash(_("The appeal is decided; the person is told and the public log shows it."), "success")
    return back_to_queue(slug)


@bp.route("/d/<slug>/people/<int:user_id>/sanction", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def sanction(slug: str, user_id: int):
    debate, who = load_debate(slug)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    target = standing(person, debate)
    rules.require(rules.sanction(who, debate, target))
    form = SanctionForm(ground_rules=services.ground_rules(debate))
    if request.method == "GET":
        form.kind.data = sanctions.next_step(debate, person.id).value
    if form.validate_on_submit():
        hours = form.hours.data
        try:
            sanctions.issue(
                who,
                debate,
                target,
                SanctionKind(form.kind.data),
                int(form.rule.data),
                form.reason.data,
                hours * 60 if hours else None,
                form.interval.data,
            )
        except DomainError as error:
            if error.status != 400:
                raise
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error.message)]
        else:
            db.session.commit()
            flash(
                _("The sanction is recorded; the person is told and the public log shows it."),
                "success",
            )
            return back_to_queue(slug)
    status = 400 if form.errors else 200
    return render_template(
        "review/sanction.html",
        debate=debate,
        person=person,
        form=form,
        history=sanctions.history(debate, person.id),
    ), status


@bp.route("/d/<slug>/sanctions/<int:sanction_id>/cosign", methods=["POST"])
@login_required
def cosign(slug: str, sanction_id: int):
    debate, who = load_debate(slug)
    sanction = _sanction(debate, sanction_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    sanctions.cosign(who, sanction)
    db.session.commit()
    flash(_("Co-signed: the sanction is in force."), "success")
    return back_to_queue(slug)


def _sanction(debate, sanction_id: int) -> Sanction:
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None or sanction.debate_id != debate.id:
        abort(404)
    return sanction


@bp.route("/d/<slug>/freeze", methods=["POST"])
@login_required
def freeze(slug: str):
    debate, who = load_debate(slug)
    raw = request.form.get("argument")
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID):
        abort(400)  # never mistake a garbled thread id for "the whole debate"
    argument = load_argument(debate, int(raw)) if raw else None
    rules.require(rules.review(who, debate))
    form = FreezeForm()
    if not form.validate_on_submit():
        flash(_("Say how long, and explain the pause in 10 characters or more."), "error")
        return back_to_queue(slug)
    review.freeze(who, debate, form.minutes.data, form.note.data, argument)
    db.session.commit()
    flash(_("Paused. Everyone sees your note."), "success")
    return back_to_queue(slug)


@bp.route("/d/<slug>/slow-mode", methods=["POST"])
@login_required
def slow_mode(slug: str):
    debate, who = load_debate(slug)
    form = SlowModeForm()
    if not form.validate_on_submit():
        abort(400)
    review.set_slow_mode(who, debate, form.minutes.data)
    db.session.commit()
    flash(_("Slow mode is set."), "success")
    return back_to_queue(slug)


@bp.route("/d/<slug>/settings", methods=["POST"])
@login_required
def settings(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.manage_debate(who, debate))
    form = SettingsForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_safety(who, debate, form.premoderation.data, form.flag_threshold.data)
    db.session.commit()
    flash(_("The safety settings are saved."), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/inbox", methods=["GET", "POST"])
@login_required
def inbox():
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        notify.mark_all_read(current_user)
        db.session.commit()
        return redirect(url_for("review.inbox"))
    items = notify.inbox(current_user)
    return render_template("review/inbox.html", items=items, kinds=notify.KINDS, form=EmptyForm())
