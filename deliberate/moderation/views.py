"""Running a debate (organisers), mediator notes and stepping down (mediators), and the
public ground rules and moderation log (everyone)."""

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import rules
from ..debates.views import load_argument, load_debate
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..http import db_int
from ..models import Phase
from . import log, services
from .forms import AppointForm, CommunityForm, LinesForm, NoteForm, ScheduleForm, SettingsForm
from .models import DebateRole, NoteKind, Role

bp = Blueprint("moderation", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"
PHASES = {phase.value for phase in Phase}


def manage_page(debate, who, *, status=200, **forms):
    communities = services.communities(debate)
    context = {
        "schedule_form": ScheduleForm(formdata=None),
        "rules_form": LinesForm(
            formdata=None, lines="\n".join(r.text for r in services.ground_rules(debate))
        ),
        "communities_form": LinesForm(formdata=None, lines="\n".join(c.name for c in communities)),
        "appoint_form": AppointForm(formdata=None, communities=communities),
        "settings_form": SettingsForm(
            formdata=None, premoderation=debate.premoderation, flag_threshold=debate.flag_threshold
        ),
    }
    context.update(forms)
    return render_template(
        "moderation/manage.html",
        debate=debate,
        who=who,
        roles=services.active_roles(debate),
        scheduled=services.scheduled_changes(debate),
        next_phases=services.NEXT_PHASES[debate.phase],
        form=EmptyForm(),
        **context,
    ), status


@bp.route("/d/<slug>/manage")
@login_required
def manage(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.manage_debate(who, debate))
    return manage_page(debate, who)


@bp.route("/d/<slug>/phase", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def change_phase(slug: str):
    debate, who = load_debate(slug)
    if not EmptyForm().validate_on_submit() or request.form.get("phase") not in PHASES:
        abort(400)
    services.change_phase(who, debate, Phase(request.form["phase"]))
    db.session.commit()
    flash(_("The debate's phase is changed."), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/schedule", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def schedule(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.manage_debate(who, debate))
    form = ScheduleForm()
    if not form.validate_on_submit():
        return manage_page(debate, who, status=400, schedule_form=form)
    services.schedule_phase(
        who, debate, Phase(form.phase.data), form.due_at.data.replace(tzinfo=UTC)
    )
    db.session.commit()
    flash(_("The phase change is scheduled."), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/unschedule", methods=["POST"])
@login_required
def unschedule(slug: str):
    debate, who = load_debate(slug)
    if not EmptyForm().validate_on_submit() or request.form.get("phase") not in PHASES:
        abort(400)
    services.unschedule_phase(who, debate, Phase(request.form["phase"]))
    db.session.commit()
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/ground-rules", methods=["GET", "POST"])
def ground_rules(slug: str):
    debate, who = load_debate(slug)
    if request.method == "POST":
        rules.require(rules.edit_ground_rules(who, debate))
        form = LinesForm()
        try:
            if not form.validate_on_submit():
                raise services.InvalidInput(_("A debate needs at least one ground rule."))
            services.set_ground_rules(who, debate, form.items())
        except services.InvalidInput as error:
            db.session.rollback()
            form.lines.errors = [*form.lines.errors, error.message]
            return manage_page(debate, who, status=400, rules_form=form)
        db.session.commit()
        flash(_("The ground rules are saved."), "success")
        return redirect(url_for("moderation.manage", slug=slug))
    return render_template(
        "moderation/ground_rules.html", debate=debate, ground_rules=services.ground_rules(debate)
    )


@bp.route("/d/<slug>/communities", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def communities(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.manage_debate(who, debate))
    form = LinesForm()
    try:
        if not form.validate_on_submit():
            raise services.InvalidInput()
        kept = services.set_communities(who, debate, form.items())
    except services.InvalidInput as error:
        db.session.rollback()
        form.lines.errors = [*form.lines.errors, error.message]
        return manage_page(debate, who, status=400, communities_form=form)
    db.session.commit()
    if kept:
        flash(
            _(
                "Kept because people declared them or mediators represent them: %(names)s",
                names=", ".join(kept),
            ),
            "error",
        )
    flash(_("The communities are saved."), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/appoint", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def appoint(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.manage_debate(who, debate))
    form = AppointForm(communities=services.communities(debate))
    if not form.validate_on_submit():
        return manage_page(debate, who, status=400, appoint_form=form)
    community_id = int(form.community.data) if form.community.data else None
    try:
        services.appoint(who, debate, form.pseudonym.data, Role(form.role.data), community_id)
    except services.InvalidInput as error:
        form.pseudonym.errors = [*form.pseudonym.errors, error.message]
        return manage_page(debate, who, status=400, appoint_form=form)
    db.session.commit()
    flash(_("%(name)s is appointed.", name=form.pseudonym.data), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/roles/<int:role_id>/remove", methods=["POST"])
@login_required
def remove_role(slug: str, role_id: int):
    debate, who = load_debate(slug)
    appointment = db.session.get(DebateRole, role_id)
    if appointment is None or appointment.debate_id != debate.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_mediator(who, debate, appointment)
    db.session.commit()
    flash(_("The mediator is removed; the log records it."), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/step-down", methods=["POST"])
@login_required
def step_down(slug: str):
    debate, who = load_debate(slug)
    reason = request.form.get("reason", "")
    if not EmptyForm().validate_on_submit() or "\x00" in reason:  # PostgreSQL refuses NUL
        abort(400)
    services.step_down(who, debate, reason[:500])
    db.session.commit()
    flash(
        _("You have stepped down as mediator. You may now take part like anyone else."), "success"
    )
    return redirect(url_for("debates.debate", slug=slug))


@bp.route("/d/<slug>/notes", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def note(slug: str):
    debate, who = load_debate(slug)
    argument_id = request.values.get("argument", type=db_int)
    argument = load_argument(debate, argument_id) if argument_id is not None else None
    rules.require(rules.post_mediator_note(who, debate))
    form = NoteForm()
    if form.validate_on_submit():
        services.post_note(who, debate, NoteKind(form.kind.data), form.body.data, argument)
        db.session.commit()
        flash(_("Your mediator note is posted."), "success")
        if argument is not None:
            return redirect(url_for("debates.argument", slug=slug, argument_id=argument.id))
        return redirect(url_for("debates.debate", slug=slug))
    status = 400 if form.errors else 200
    return render_template(
        "moderation/note.html", debate=debate, argument=argument, form=form
    ), status


@bp.route("/d/<slug>/community", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def declare_community(slug: str):
    debate, who = load_debate(slug)
    form = CommunityForm(communities=services.communities(debate))
    if not form.validate_on_submit():
        abort(400)
    services.declare_community(
        who, debate, int(form.community.data) if form.community.data else None
    )
    db.session.commit()
    flash(_("Saved. Your community is never shown beside your name."), "success")
    return redirect(url_for("debates.debate", slug=slug, _anchor="motion-vote"))


@bp.route("/d/<slug>/moderation")
def moderation_log(slug: str):
    debate, _who = load_debate(slug)
    before = request.args.get("before", type=db_int)
    entries = log.entries(debate, before_id=before)
    return render_template(
        "moderation/log.html",
        debate=debate,
        entries=entries,
        actions=log.ACTIONS,
        older=entries[-1].id if len(entries) == log.PAGE_SIZE else None,
    )
