"""Flags, the review queue, decisions, appeals, sanctions, cooling-off and the inbox."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import rules
from ..debates.services import standing
from ..debates.views import argument as argument_page
from ..debates.views import load_argument, load_debate
from ..errors import DomainError
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..http import MAX_ID, db_int
from ..markup import render_markdown
from ..models import Argument, Audience, User, utcnow
from . import log, notify, people, review, sanctions, services
from .forms import (
    AppealDecisionForm,
    AppealForm,
    AudienceForm,
    DecisionForm,
    DeclineForm,
    FlagForm,
    FreezeForm,
    LiftForm,
    SanctionForm,
    SettingsForm,
    ShortenForm,
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
    return queue_page(debate, who, after=after)


def queue_page(debate, who, *, after=None, status=200, failed=None):
    """The review queue; `failed`: a form refused for one item, shown again in its place
    with what the mediator chose and typed, and its errors."""
    items = review.queue(who, debate, after)
    if not rules.allowed(rules.review(who, debate)):
        return read_only_queue(debate, who, items), status
    appeals = sanctions.open_appeals(debate)
    ground = services.ground_rules(debate)
    appealed = {a.argument_id for a in appeals if a.argument_id}
    cosigns = sanctions.awaiting_cosign(debate)
    return render_template(
        "review/queue.html",
        debate=debate,
        who=who,
        items=items,
        flags=review.open_flags(a.id for a in items),
        total=review.queue_length(debate),
        next_page=items[-1] if len(items) == review.QUEUE_PAGE else None,
        form=DecisionForm(formdata=None, ground_rules=ground),
        failed=failed,
        pending_html={a.id: render_markdown(a.pending_body) for a in items if a.pending_body},
        appeals=appeals,
        appealed_arguments={
            a.id: a for a in db.session.scalars(select(Argument).where(Argument.id.in_(appealed)))
        },
        appealed_sanctions={
            s.id: s
            for s in db.session.scalars(
                select(Sanction).where(
                    Sanction.id.in_([a.sanction_id for a in appeals if a.sanction_id])
                )
            )
        },
        took_part={appeal.id: sanctions.took_part(appeal) for appeal in appeals},
        appeal_form=AppealDecisionForm(formdata=None),
        cosigns=cosigns,
        issuer_communities=sanctions.mediator_communities(
            debate, {s.issued_by_id for s in cosigns}
        ),
        decline_form=DeclineForm(formdata=None),
        freeze_form=FreezeForm(formdata=None),
        slow_form=SlowModeForm(formdata=None, minutes=debate.slow_mode_minutes),
        empty=EmptyForm(),
        now=utcnow(),
    ), status


def read_only_queue(debate, who, items):
    """What organisers see: how much waits and for how long, without the forms, and texts
    and authors only where they may read them (rules.read_argument); never who flagged."""
    return render_template(
        "review/queue_read_only.html",
        debate=debate,
        who=who,
        items=items,
        flags=review.open_flags(a.id for a in items),
        total=review.queue_length(debate),
        next_page=items[-1] if len(items) == review.QUEUE_PAGE else None,
    )


@bp.route("/d/<slug>/a/<int:argument_id>/decide", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def decide(slug: str, argument_id: int):
    debate, who = load_debate(slug)
    argument = load_argument(debate, argument_id)
    rules.require(rules.review(who, debate))
    form = DecisionForm(ground_rules=services.ground_rules(debate))
    if form.validate_on_submit():
        rule = int(form.rule.data) if form.rule.data else None
        target = load_argument(debate, form.duplicate_of.data) if form.duplicate_of.data else None
        try:
            review.decide(
                who, argument, review.Decision(form.decision.data), rule, form.reason.data, target
            )
        except DomainError as error:
            if error.status != 400:
                raise
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error.message)]
        else:
            db.session.commit()
            flash(
                _("Decision recorded; the author is told and the public log shows it."), "success"
            )
            return back_to_queue(slug)
    if argument.queued_at is None:
        # Sent from the argument's own page (an urgent hide): say what was wrong there.
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return argument_page(slug, argument.id), 400
    return queue_page(debate, who, status=400, failed=(argument.id, form))


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
        return queue_page(debate, who, status=400, failed=(f"appeal{appeal.id}", form))
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
            flash(_("The sanction is recorded; the public log shows it."), "success")
            return redirect(url_for("review.person", slug=slug, user_id=person.id))
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


@bp.route("/d/<slug>/sanctions/<int:sanction_id>/decline", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def decline(slug: str, sanction_id: int):
    debate, who = load_debate(slug)
    sanction = _sanction(debate, sanction_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return queue_page(debate, who, status=400, failed=(f"decline{sanction.id}", form))
    sanctions.decline(who, sanction, form.reason.data)
    db.session.commit()
    flash(_("Declined: the sanction will not take effect; its proposer is told."), "success")
    return back_to_queue(slug)


@bp.route("/d/<slug>/sanctions/<int:sanction_id>/lift", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def lift(slug: str, sanction_id: int):
    debate, who = load_debate(slug)
    sanction = _sanction(debate, sanction_id)
    rules.require(rules.lift_sanction(who, debate, sanction))
    form = LiftForm(prefix=f"lift{sanction.id}")
    if form.validate_on_submit():
        sanctions.lift(who, sanction, form.reason.data)
        db.session.commit()
        flash(
            _("The sanction is lifted; the person is told and the public log shows it."), "success"
        )
        return redirect(url_for("review.person", slug=slug, user_id=sanction.user_id))
    return person_page(debate, who, sanction.user, status=400, failed=(f"lift{sanction.id}", form))


@bp.route("/d/<slug>/sanctions/<int:sanction_id>/shorten", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def shorten(slug: str, sanction_id: int):
    debate, who = load_debate(slug)
    sanction = _sanction(debate, sanction_id)
    rules.require(rules.shorten_sanction(who, debate, sanction))
    form = ShortenForm(prefix=f"shorten{sanction.id}")
    if form.validate_on_submit():
        try:
            sanctions.shorten(who, sanction, form.hours.data, form.reason.data)
        except DomainError as error:
            if error.status != 400:
                raise
            db.session.rollback()
            form.hours.errors = [*form.hours.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The sanction now ends sooner; the person is told."), "success")
            return redirect(url_for("review.person", slug=slug, user_id=sanction.user_id))
    return person_page(
        debate, who, sanction.user, status=400, failed=(f"shorten{sanction.id}", form)
    )


@bp.route("/d/<slug>/people/<int:user_id>")
@login_required
def person(slug: str, user_id: int):
    debate, who = load_debate(slug)
    rules.require(rules.see_person(who, debate))
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    return person_page(debate, who, person)


def person_page(debate, who, person, *, status=200, failed=None):
    """A mediator's page for one person in the debate: what they wrote here, what mediators
    decided about it, their sanctions with end times, and the actions on them."""
    rules.require(rules.see_person(who, debate))
    target = standing(person, debate)
    history = sanctions.history(debate, person.id)
    now = utcnow()
    return render_template(
        "review/person.html",
        debate=debate,
        who=who,
        person=person,
        target=target,
        arguments=people.arguments_of(debate, person.id),
        decisions=people.decisions_about(debate, person.id),
        history=history,
        in_force=[s for s in history if s.in_force(now) and s.kind is not SanctionKind.WARNING],
        appeals=sanctions.appeals_of(s.id for s in history),
        lift_forms={s.id: LiftForm(formdata=None, prefix=f"lift{s.id}") for s in history},
        shorten_forms={s.id: ShortenForm(formdata=None, prefix=f"shorten{s.id}") for s in history},
        failed=failed,
        roles=people.roles_of(debate, person.id),
        sentence=log.sentence,  # the decisions written as the public log writes them
        line_of=log.line_of,
    ), status


@bp.route("/d/<slug>/people")
@login_required
def participants(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.see_participants(who, debate))
    after = request.args.get("after", type=db_int)
    rows = people.participants(debate, after=after)
    return render_template(
        "review/participants.html",
        debate=debate,
        who=who,
        rows=rows,
        staff=services.active_roles(debate),
        in_force=sanctions.in_force(debate, [user.id for _p, user, _roles in rows]),
        next_page=rows[-1][0].id if len(rows) == people.PAGE_SIZE else None,
    )


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
    if argument is not None:
        return redirect(url_for("debates.argument", slug=slug, argument_id=argument.id))
    return back_to_queue(slug)


@bp.route("/d/<slug>/unfreeze", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def unfreeze(slug: str):
    debate, who = load_debate(slug)
    raw = request.form.get("argument")
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID):
        abort(400)
    argument = load_argument(debate, int(raw)) if raw else None
    if not EmptyForm().validate_on_submit():
        abort(400)
    review.lift_pause(who, debate, argument)
    db.session.commit()
    flash(_("The pause is lifted: everyone can post again."), "success")
    if argument is not None:
        return redirect(url_for("debates.argument", slug=slug, argument_id=argument.id))
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


@bp.route("/d/<slug>/audience", methods=["POST"])
@login_required
def audience(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.manage_debate(who, debate))
    form = AudienceForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_audience(who, debate, Audience(form.audience.data))
    db.session.commit()
    if debate.audience is Audience.UNLISTED:
        flash(_("The debate is unlisted: share its link with the people it is for."), "success")
    else:
        flash(_("The debate is listed on the home page."), "success")
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
    debates = notify.debates_of(items)
    return render_template(
        "review/inbox.html",
        items=items,
        kinds=notify.KINDS,
        form=EmptyForm(),
        appeals=notify.appeals_for(items),
        slugs={debate_id: slug for debate_id, (slug, _motion) in debates.items()},
        motions={debate_id: motion for debate_id, (_slug, motion) in debates.items()},
        now=utcnow(),
    )
