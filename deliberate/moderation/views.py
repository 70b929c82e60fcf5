"""Running a debate (organisers), mediator notes and stepping down (mediators), and the
public ground rules and moderation log (everyone)."""

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import rules
from ..accounts.mail import link
from ..agreements import services as agreements
from ..debates.views import load_argument, load_debate
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..groups import services as groups
from ..groups.models import Group
from ..http import db_int
from ..invitations import services as invitations
from ..invitations.forms import InvitationForm
from ..models import Debate, Phase
from ..translating.forms import MachineDraftsForm
from . import log, services
from .forms import (
    AppointForm,
    AudienceForm,
    CaucusForm,
    CommunityForm,
    LanguagesForm,
    LinesForm,
    NoteForm,
    ScheduleForm,
    SettingsForm,
)
from .models import DebateRole, NoteKind, Role

bp = Blueprint("moderation", __name__)

WRITE_LIMIT = "30 per minute;300 per hour"
PHASES = {phase.value for phase in Phase}


def manage_page(debate, who, *, status=200, phase_error=None, **forms):
    """The organiser's page. `phase_error`: (phase, message) of a refused phase move, shown
    beside that move's confirmation box."""
    communities = services.communities(debate)
    context = {
        "schedule_form": ScheduleForm(formdata=None),
        "rules_form": LinesForm(
            formdata=None, lines="\n".join(r.text for r in services.ground_rules(debate))
        ),
        "communities_form": LinesForm(formdata=None, lines="\n".join(c.name for c in communities)),
        "appoint_form": AppointForm(formdata=None, communities=communities),
        "invitations": services.invitations(debate),
        "caucus_form": CaucusForm(
            formdata=None,
            communities=communities,
            caucuses=[c.id for c in communities if c.caucus],
            percent=debate.ratify_percent,
        ),
        "audience_form": AudienceForm(formdata=None, audience=debate.audience.value),
        "invitation_form": InvitationForm(formdata=None),
        "settings_form": SettingsForm(
            formdata=None, premoderation=debate.premoderation, flag_threshold=debate.flag_threshold
        ),
        "languages_form": LanguagesForm(formdata=None, languages=", ".join(debate.languages[1:])),
        "machine_drafts_form": MachineDraftsForm(formdata=None),
    }
    context.update(forms)
    return render_template(
        "moderation/manage.html",
        debate=debate,
        who=who,
        roles=services.active_roles(debate),
        scheduled=services.scheduled_changes(debate),
        next_phases=services.NEXT_PHASES[debate.phase],
        needs_confirmation=services.needs_confirmation,
        invitation_links=invitations.of_debate(debate),
        invitation_ended=invitations.ended,
        invitation_address=lambda i: link("invitations.landing", token=i.token),
        address=link("debates.debate", slug=debate.slug),
        trusted=trusted_mediators(debate),
        phase_error=phase_error,
        form=EmptyForm(),
        **context,
    ), status


def trusted_mediators(debate: Debate) -> list:
    """The pseudonyms in the pool of mediators the debate's group trusts (none without one)."""
    if debate.group_id is None:
        return []
    group = db.session.get(Group, debate.group_id)
    return [mediator.user.pseudonym for mediator in groups.mediators(group)]


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
    rules.require(rules.manage_debate(who, debate))
    phase = Phase(request.form["phase"])
    confirmed = request.form.get("confirm") == "y"
    if services.needs_confirmation(debate.phase, phase) and not confirmed:
        message = (
            _("Tick the box to confirm that you want to reopen the debate.")
            if debate.phase is Phase.CLOSED
            else _("Tick the box to confirm that you want to close the debate.")
        )
        return manage_page(debate, who, status=400, phase_error=(phase.value, message))
    cancelled = services.change_phase(who, debate, phase, reopen=confirmed)
    db.session.commit()
    flash(_("The debate's phase is changed."), "success")
    if cancelled:
        flash(_("The scheduled phase changes that no longer fit are cancelled."), "success")
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
    try:
        services.schedule_phase(
            who, debate, Phase(form.phase.data), form.due_at.data.replace(tzinfo=UTC)
        )
    except (services.InvalidInput, services.WrongPhase) as error:
        db.session.rollback()
        field = form[getattr(error, "field", "phase")]
        field.errors = [*field.errors, error.message]
        return manage_page(debate, who, status=error.status, schedule_form=form)
    db.session.commit()
    flash(_("The phase change is scheduled."), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/unschedule", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
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


@bp.route("/d/<slug>/caucuses", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def caucuses(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.choose_caucuses(who, debate))
    form = CaucusForm(communities=services.communities(debate))
    if not form.validate_on_submit():
        return manage_page(debate, who, status=400, caucus_form=form)
    try:
        agreements.set_caucuses(who, debate, form.caucuses.data or [], form.percent.data)
    except services.InvalidInput as error:
        db.session.rollback()
        form.caucuses.errors = [*form.caucuses.errors, error.message]
        return manage_page(debate, who, status=400, caucus_form=form)
    db.session.commit()
    flash(_("The caucuses and the threshold are saved."), "success")
    return redirect(url_for("moderation.manage", slug=slug, _anchor="caucuses-title"))


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
    flash(
        _(
            "%(name)s is invited. The role begins, and is shown, once they accept it.",
            name=form.pseudonym.data,
        ),
        "success",
    )
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/account/invitations/<int:invitation_id>/accept", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def accept_invitation(invitation_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitation = services.accept_invitation(current_user, invitation_id)
    db.session.commit()
    flash(_("You have accepted. The public moderation log records your role."), "success")
    debate = db.session.get(Debate, invitation.debate_id)
    return redirect(url_for("debates.debate", slug=debate.slug))


@bp.route("/account/invitations/<int:invitation_id>/decline", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def decline_invitation(invitation_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.decline_invitation(current_user, invitation_id)
    db.session.commit()
    flash(_("You have declined the invitation. Nothing about it is public."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/d/<slug>/roles/<int:role_id>/remove", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def remove_role(slug: str, role_id: int):
    debate, who = load_debate(slug)
    appointment = db.session.get(DebateRole, role_id)
    if appointment is None or appointment.debate_id != debate.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitation = appointment.is_invitation
    services.remove_role(who, debate, appointment)
    db.session.commit()
    if invitation:
        flash(_("The invitation is withdrawn."), "success")
    else:
        flash(_("The role has ended; the log records it."), "success")
    return redirect(url_for("moderation.manage", slug=slug))


@bp.route("/d/<slug>/step-down", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def step_down(slug: str):
    debate, who = load_debate(slug)
    reason = request.form.get("reason", "")
    role = request.form.get("role", "mediator")
    if not EmptyForm().validate_on_submit() or "\x00" in reason:  # PostgreSQL refuses NUL
        abort(400)
    if role not in ("mediator", "organiser"):
        abort(400)
    services.step_down(who, debate, reason[:500], Role(role))
    db.session.commit()
    if role == "organiser":
        flash(_("You have stepped down as organiser."), "success")
    else:
        flash(
            _("You have stepped down as mediator. You may now take part like anyone else."),
            "success",
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
        sentence=log.sentence,
        line_of=log.line_of,
        older=entries[-1].id if len(entries) == log.PAGE_SIZE else None,
    )


@bp.route("/d/<slug>/languages", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def set_languages(slug: str):
    debate, who = load_debate(slug)
    rules.require(rules.manage_debate(who, debate))
    form = LanguagesForm()
    if not form.validate_on_submit():
        # What was typed stays in the field, with the tag at fault named beside it.
        return manage_page(debate, who, status=400, languages_form=form)
    services.set_languages(who, debate, form.languages.tags)
    db.session.commit()
    flash(_("The debate's languages are saved."), "success")
    return redirect(url_for("moderation.manage", slug=slug, _anchor="languages-title"))
