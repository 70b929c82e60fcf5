"""Running a debate: phases, ground rules, communities, mediators and their notes.

Every change is recorded in the public moderation log in the same transaction.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from .. import languages, rules
from ..accounts import letters
from ..counters import results_changed
from ..errors import Conflict, InvalidInput, NotFound, WrongPhase
from ..extensions import db
from ..markup import render_markdown
from ..models import (
    Argument,
    Audience,
    Debate,
    DebateLanguage,
    Participant,
    Phase,
    User,
    utcnow,
)
from ..results import release
from ..rules import Standing
from . import log, notify
from .models import (
    COMMUNITY_NAME_MAX,
    RULE_MAX,
    Community,
    DebateRole,
    GroundRule,
    MediatorNote,
    NoteKind,
    PhaseChange,
    Role,
)

#: Where each phase may go next, by hand. Drafts open once; later phases move freely.
NEXT_PHASES = {
    Phase.DRAFT: (Phase.OPEN,),
    Phase.OPEN: (Phase.FINAL_VOTE, Phase.CLOSED),
    Phase.FINAL_VOTE: (Phase.OPEN, Phase.CLOSED),
    Phase.CLOSED: (Phase.OPEN, Phase.FINAL_VOTE),
}


def default_ground_rules() -> list[str]:
    return [
        str(_l("Argue with ideas, not with people: no insults, threats or mockery.")),
        str(
            _l("Never reveal anyone's identity, location or personal details, including your own.")
        ),
        str(_l("Say where your facts come from when you can, and do not spread rumours.")),
        str(_l("Respect every community, religion and language; no hate speech.")),
        str(_l("One point per argument; reply where it belongs instead of repeating it.")),
        str(_l("Accept the mediators' decisions, or appeal them calmly.")),
    ]


def set_up_debate(debate: Debate, organiser: User) -> None:
    """What every new debate starts with: its creator as organiser, the default rules."""
    db.session.add(
        DebateRole(
            debate_id=debate.id, user_id=organiser.id, role=Role.ORGANISER, accepted_at=utcnow()
        )
    )
    for number, text in enumerate(default_ground_rules(), start=1):
        db.session.add(GroundRule(debate_id=debate.id, number=number, text=text))
    db.session.flush()


def actor_role(who: Standing) -> str:
    if who.is_organiser:
        return "organiser"
    if who.is_mediator:
        return "mediator"
    if who.is_admin:
        return "admin"
    return "translator" if who.is_translator else "participant"


# --- phases ---------------------------------------------------------------------------------


#: Phases in the order a debate normally runs through them.
PHASE_ORDER = (Phase.DRAFT, Phase.OPEN, Phase.FINAL_VOTE, Phase.CLOSED)


def needs_confirmation(current: Phase, phase: Phase) -> bool:
    """Closing ends everyone's say, and reopening undoes a close people rely on: both are
    asked twice (the manage page's "I want to..." box)."""
    return phase is Phase.CLOSED or current is Phase.CLOSED


def change_phase(
    who: Standing, debate: Debate, phase: Phase, *, reopen: bool = False
) -> list[Phase]:
    """Move the debate by hand. A closed debate reopens only when `reopen` says the
    organiser confirmed it. Scheduled changes that no longer move the debate forward from
    its new phase are cancelled (and returned): a schedule must never undo a move made by
    hand."""
    rules.require(rules.manage_debate(who, debate))
    if phase not in NEXT_PHASES[debate.phase]:
        raise WrongPhase(_l("A debate cannot go from this phase to that one."))
    if debate.phase is Phase.CLOSED and not reopen:
        raise Conflict(_l("Confirm that you want to reopen the closed debate."))
    previous = debate.phase
    _apply_phase(debate, phase)
    log.record(
        debate, who.user, actor_role(who), "phase_changed", f"{previous.value} → {phase.value}"
    )
    return _cancel_stale_schedules(who, debate)


def _cancel_stale_schedules(who: Standing, debate: Debate) -> list[Phase]:
    cancelled = []
    for change in scheduled_changes(debate):
        if not _moves_forward(debate.phase, change.phase):
            cancelled.append(change.phase)
            db.session.delete(change)
            log.record(debate, who.user, actor_role(who), "phase_unscheduled", change.phase.value)
    db.session.flush()
    _refresh_next_change(debate)
    return cancelled


def _moves_forward(current: Phase, phase: Phase) -> bool:
    return PHASE_ORDER.index(phase) > PHASE_ORDER.index(current)


def schedule_phase(who: Standing, debate: Debate, phase: Phase, due_at: datetime) -> None:
    rules.require(rules.manage_debate(who, debate))
    if debate.phase is Phase.CLOSED:
        raise WrongPhase(
            _l("The debate is closed: reopen it first if you mean to, then schedule changes.")
        )
    if phase is Phase.DRAFT:
        raise InvalidInput(_l("A debate cannot go back to draft."))
    if phase is debate.phase:
        raise InvalidInput(_l("The debate is already in this phase."))
    if due_at <= utcnow():
        error = InvalidInput(_l("Choose a time in the future."))
        error.field = "due_at"  # shown beside the time, not the phase
        raise error
    db.session.execute(
        delete(PhaseChange).where(PhaseChange.debate_id == debate.id, PhaseChange.phase == phase)
    )
    db.session.add(
        PhaseChange(debate_id=debate.id, phase=phase, due_at=due_at, scheduled_by_id=who.user.id)
    )
    db.session.flush()
    _refresh_next_change(debate)
    log.record(
        debate,
        who.user,
        actor_role(who),
        "phase_scheduled",
        f"{phase.value} @ {due_at.isoformat()}",
    )


def unschedule_phase(who: Standing, debate: Debate, phase: Phase) -> None:
    rules.require(rules.manage_debate(who, debate))
    db.session.execute(
        delete(PhaseChange).where(PhaseChange.debate_id == debate.id, PhaseChange.phase == phase)
    )
    _refresh_next_change(debate)
    log.record(debate, who.user, actor_role(who), "phase_unscheduled", phase.value)


def apply_due_phase_changes(debate: Debate) -> bool:
    """Apply scheduled changes that are due; called whenever a debate is loaded, so a
    schedule takes effect on time with no cron job. Returns whether the phase changed."""
    if debate.next_phase_at is None or debate.next_phase_at > utcnow():
        return False
    debate_id = debate.id
    # Usually a page view, reading from a snapshot (SQLite's deferred transaction): writing
    # after it fails at once if another request has committed since ("database is locked",
    # the busy timeout does not apply). So end the snapshot, and make the write the first
    # statement of a fresh transaction: that one waits for the write lock instead.
    db.session.commit()
    # Deleted and returned in one statement: when two requests race, each change goes to one
    # of them, which applies (and logs) it.
    due = db.session.execute(
        delete(PhaseChange)
        .where(PhaseChange.debate_id == debate_id, PhaseChange.due_at <= utcnow())
        .returning(PhaseChange.id, PhaseChange.due_at, PhaseChange.phase)
    ).all()
    changed = False
    for change in sorted(due, key=lambda change: (change.due_at, change.id)):
        # A schedule made long ago may no longer fit (a draft never opened): skip it. Nor
        # does one ever reopen a closed debate: only an organiser does, on purpose.
        if change.phase in NEXT_PHASES[debate.phase] and debate.phase is not Phase.CLOSED:
            previous = debate.phase
            _apply_phase(debate, change.phase)
            log.record(
                debate, None, "system", "phase_changed", f"{previous.value} → {change.phase.value}"
            )
            changed = True
    _refresh_next_change(debate)
    db.session.commit()
    return changed


def scheduled_changes(debate: Debate) -> list[PhaseChange]:
    return db.session.scalars(
        select(PhaseChange).where(PhaseChange.debate_id == debate.id).order_by(PhaseChange.due_at)
    ).all()


def _apply_phase(debate: Debate, phase: Phase) -> None:
    debate.phase = phase
    debate.closed_at = utcnow() if phase is Phase.CLOSED else None
    db.session.flush()
    notify.to_participants(debate, f"phase_{phase.value}")


def _refresh_next_change(debate: Debate) -> None:
    debate.next_phase_at = db.session.scalar(
        select(func.min(PhaseChange.due_at)).where(PhaseChange.debate_id == debate.id)
    )
    db.session.flush()


def set_safety(who: Standing, debate: Debate, premoderation: str, flag_threshold: int) -> None:
    rules.require(rules.manage_debate(who, debate))
    if premoderation not in ("off", "first", "all") or flag_threshold < 1:
        raise InvalidInput()
    debate.premoderation = premoderation
    debate.flag_threshold = flag_threshold
    log.record(
        debate,
        who.user,
        actor_role(who),
        "safety_settings",
        f"pre-moderation: {premoderation}; flags to hide: {flag_threshold}",
    )


def set_audience(who: Standing, debate: Debate, audience: Audience) -> None:
    """Who finds the debate: listed for everyone, or only through its link. The
    organiser's choice, logged."""
    rules.require(rules.manage_debate(who, debate))
    if debate.audience is audience:
        return
    debate.audience = audience
    log.record(debate, who.user, actor_role(who), "audience_changed", audience.value)


def set_languages(who: Standing, debate: Debate, tags: list[str]) -> None:
    """The languages contributions may be written in besides the debate's own: normalised
    BCP 47 tags (deliberate/languages.py), in the order given. Contributions already
    written keep their language. The organiser's choice, logged."""
    rules.require(rules.manage_debate(who, debate))
    others = [tag for tag in dict.fromkeys(tags) if tag != debate.language]
    if len(others) >= languages.MOST:
        raise InvalidInput(_l("A debate can have at most %(n)d languages.", n=languages.MOST))
    if others == [other.tag for other in debate.other_languages]:
        return
    debate.other_languages.clear()
    db.session.flush()  # the old rows go before new ones take their positions
    debate.other_languages.extend(
        DebateLanguage(tag=tag, position=n) for n, tag in enumerate(others, start=1)
    )
    log.record(debate, who.user, actor_role(who), "languages_changed", " ".join(debate.languages))


# --- ground rules and communities -----------------------------------------------------------


def set_export_pseudonyms(who: Standing, debate: Debate, named: bool) -> None:
    """Whether the argument download names authors: the organiser's choice, logged."""
    rules.require(rules.choose_export_pseudonyms(who, debate))
    if debate.export_pseudonyms == named:
        return
    debate.export_pseudonyms = named
    reason = "authors named by pseudonym" if named else "authors not named"
    log.record(debate, who.user, actor_role(who), "export_settings", reason)
    db.session.flush()


def ground_rules(debate: Debate) -> list[GroundRule]:
    return db.session.scalars(
        select(GroundRule).where(GroundRule.debate_id == debate.id).order_by(GroundRule.number)
    ).all()


def set_ground_rules(who: Standing, debate: Debate, texts: list[str]) -> None:
    rules.require(rules.edit_ground_rules(who, debate))
    texts = [t.strip() for t in texts if t.strip()]
    if not texts:
        raise InvalidInput(_l("A debate needs at least one ground rule."))
    if any(not 5 <= len(t) <= RULE_MAX for t in texts):
        raise InvalidInput(_l("Write each rule in 5 to %(max)d characters.", max=RULE_MAX))
    db.session.execute(delete(GroundRule).where(GroundRule.debate_id == debate.id))
    db.session.flush()
    for number, text in enumerate(texts, start=1):
        db.session.add(GroundRule(debate_id=debate.id, number=number, text=text))
    log.record(debate, who.user, actor_role(who), "ground_rules_edited", f"{len(texts)}")


def communities(debate: Debate) -> list[Community]:
    return db.session.scalars(
        select(Community).where(Community.debate_id == debate.id).order_by(Community.position)
    ).all()


def set_communities(who: Standing, debate: Debate, names: list[str]) -> list[str]:
    """Make the debate's list match `names`. A community someone declared or a mediator
    represents is kept even if left out (returned, so the organiser hears why)."""
    rules.require(rules.manage_debate(who, debate))
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if any(not 2 <= len(n) <= COMMUNITY_NAME_MAX for n in wanted):
        raise InvalidInput(
            _l("Name each community in 2 to %(max)d characters.", max=COMMUNITY_NAME_MAX)
        )
    existing = {c.name: c for c in communities(debate)}
    kept = []
    for name, community in existing.items():
        if name not in wanted:
            if _community_in_use(community):
                kept.append(name)
                wanted.append(name)
            else:
                db.session.delete(community)
    db.session.flush()
    for position, name in enumerate(wanted):
        community = existing.get(name) or Community(debate_id=debate.id, name=name)
        community.position = position
        db.session.add(community)
    db.session.flush()
    log.record(debate, who.user, actor_role(who), "communities_edited", ", ".join(wanted))
    return kept


def _community_in_use(community: Community) -> bool:
    declared = db.session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.community_id == community.id)
    )
    represented = db.session.scalar(
        select(func.count()).select_from(DebateRole).where(DebateRole.community_id == community.id)
    )
    return bool(declared or represented)


def declare_community(who: Standing, debate: Debate, community_id: int | None) -> None:
    rules.require(rules.declare_community(who, debate))
    who.participant.community_id = community_of(debate, community_id)
    if community_id is not None:
        # Once declared, never a row of the vote downloads (models.Participant).
        who.participant.vote_record_public = False
    results_changed(debate.id)
    release.private_change(debate.id, who.user.id)
    db.session.flush()


def community_of(debate: Debate, community_id: int | None) -> int | None:
    if community_id is None:
        return None
    community = db.session.get(Community, community_id)
    if community is None or community.debate_id != debate.id:
        raise InvalidInput(_l("Choose one of this debate's communities."))
    return community.id


# --- roles ----------------------------------------------------------------------------------


def active_roles(debate: Debate) -> list[DebateRole]:
    """The roles in force (accepted): the only ones shown, and the only ones that count."""
    return db.session.scalars(
        select(DebateRole)
        .where(DebateRole.debate_id == debate.id, DebateRole.held())
        .order_by(DebateRole.role, DebateRole.started_at)
    ).all()


def invitations(debate: Debate) -> list[DebateRole]:
    """Invitations waiting for an answer: shown to the organisers only."""
    return db.session.scalars(
        select(DebateRole)
        .where(DebateRole.debate_id == debate.id, DebateRole.invited())
        .order_by(DebateRole.started_at)
    ).all()


def invitations_for(user: User) -> list[tuple[DebateRole, Debate]]:
    """The invitations a person has not answered yet, newest first (their account page)."""
    return db.session.execute(
        select(DebateRole, Debate)
        .join(Debate, Debate.id == DebateRole.debate_id)
        .where(DebateRole.user_id == user.id, DebateRole.invited())
        .order_by(DebateRole.started_at.desc())
    ).all()


def appoint(
    who: Standing, debate: Debate, pseudonym: str, role: Role, community_id: int | None = None
) -> DebateRole:
    """Invite someone, by pseudonym, to be an organiser or a mediator (for a community, or
    independent). The invitation grants nothing and is shown nowhere public until the person
    accepts it (accept_invitation); they hear of it in their inbox and by mail."""
    invitation = _invite(who, debate, pseudonym, role, community_id)
    notify.send(invitation.user_id, f"invited_{role.value}", debate)
    letters.invitation(invitation.user.email, role.value).send()
    return invitation


def appoint_accepted(
    who: Standing, debate: Debate, pseudonym: str, role: Role, community_id: int | None = None
) -> DebateRole:
    """An appointment its person agreed to outside the site, accepted at once: for the seed's
    demo accounts (which cannot log in) and for scripts."""
    invitation = _invite(who, debate, pseudonym, role, community_id)
    _begin(invitation, debate)
    return invitation


def _invite(
    who: Standing, debate: Debate, pseudonym: str, role: Role, community_id: int | None
) -> DebateRole:
    rules.require(rules.manage_debate(who, debate))
    person = _account_named(pseudonym)
    if person.id == who.user.id:
        raise InvalidInput(_l("You cannot appoint yourself."))
    _check_roles_compatible(debate, person, role)
    invitation = DebateRole(
        debate_id=debate.id,
        user_id=person.id,
        role=role,
        community_id=community_of(debate, community_id) if role is Role.MEDIATOR else None,
        appointed_by_id=who.user.id,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def _account_named(pseudonym: str) -> User:
    from ..accounts.services import pseudonym_key

    person = db.session.scalar(
        select(User).where(User.pseudonym_key == pseudonym_key(pseudonym or ""))
    )
    if person is None:
        raise InvalidInput(_l("No account has this pseudonym."))
    return person


def _check_roles_compatible(debate: Debate, person: User, role: Role) -> None:
    """One role of a kind per person, and never both: an organiser cannot also be a
    mediator of the same debate (mediators must stay independent of those who run it)."""
    current = set(
        db.session.scalars(
            select(DebateRole.role).where(
                DebateRole.debate_id == debate.id,
                DebateRole.user_id == person.id,
                DebateRole.ended_at.is_(None),
            )
        )
    )
    if role in current:
        raise InvalidInput(
            _l("This person already has this role in the debate, or is invited to it.")
        )
    if current:
        raise InvalidInput(
            _l(
                "One role per person in a debate: an organiser cannot also be its mediator, "
                "nor a translator either. This person must step down from their other role "
                "first."
            )
        )


def _my_invitation(user: User, invitation_id: int) -> DebateRole:
    invitation = db.session.get(DebateRole, invitation_id)
    if invitation is None or invitation.user_id != user.id or not invitation.is_invitation:
        raise NotFound(_l("This invitation was withdrawn or already answered."))
    return invitation


def accept_invitation(user: User, invitation_id: int) -> DebateRole:
    """The role begins: it is shown, counts, and is written in the public log, naming the
    organiser who appointed them."""
    invitation = _my_invitation(user, invitation_id)
    debate = db.session.get(Debate, invitation.debate_id)
    others = db.session.scalar(
        select(func.count())
        .select_from(DebateRole)
        .where(
            DebateRole.debate_id == debate.id,
            DebateRole.user_id == user.id,
            DebateRole.id != invitation.id,
            DebateRole.ended_at.is_(None),
        )
    )
    if others:
        raise InvalidInput(
            _l("An organiser cannot also be a mediator of the same debate: step down first.")
        )
    inviter = _begin(invitation, debate)
    if inviter is not None:
        notify.send(inviter.id, "invitation_accepted", debate)
    return invitation


def _begin(invitation: DebateRole, debate: Debate) -> User | None:
    """The role is in force from now; the log names the organiser who appointed them."""
    invitation.accepted_at = utcnow()
    db.session.flush()
    inviter = (
        db.session.get(User, invitation.appointed_by_id) if invitation.appointed_by_id else None
    )
    detail = invitation.community.name if invitation.community else ""
    action = f"{invitation.role.value}_appointed"
    log.record(debate, inviter, "organiser", action, detail, subject=invitation.user)
    return inviter


def decline_invitation(user: User, invitation_id: int) -> None:
    """Nothing public happened, so nothing public is written; the inviter is told."""
    invitation = _my_invitation(user, invitation_id)
    _end(invitation)
    if invitation.appointed_by_id:
        notify.send(
            invitation.appointed_by_id,
            "invitation_declined",
            db.session.get(Debate, invitation.debate_id),
        )


def remove_role(who: Standing, debate: Debate, appointment: DebateRole) -> None:
    """End someone else's role, or withdraw an invitation (never public, so not logged)."""
    if appointment.debate_id != debate.id or appointment.ended_at is not None:
        raise Conflict(_l("This role has already ended."))
    rules.require(rules.remove_role(who, debate, appointment))
    was_held = appointment.accepted_at is not None
    person, role = appointment.user, appointment.role
    _end(appointment)
    if was_held:
        log.record(debate, who.user, actor_role(who), f"{role.value}_removed", subject=person)
        notify.send(person.id, f"removed_{role.value}", debate)


def remove_mediator(who: Standing, debate: Debate, appointment: DebateRole) -> None:
    if appointment.role is not Role.MEDIATOR:
        raise InvalidInput()
    remove_role(who, debate, appointment)


def step_down(who: Standing, debate: Debate, reason: str = "", role: Role = Role.MEDIATOR) -> None:
    """Stepping down always works. The last organiser may go too: a debate without
    organisers is run by the site's admins, who can appoint new ones."""
    rules.require(rules.step_down(who, debate, role))
    appointment = db.session.scalars(
        select(DebateRole).where(
            DebateRole.debate_id == debate.id,
            DebateRole.user_id == who.user.id,
            DebateRole.role == role,
            DebateRole.held(),
        )
    ).one()
    _end(appointment)
    log.record(debate, who.user, role.value, f"{role.value}_stepped_down", reason)


def _end(appointment: DebateRole) -> None:
    if appointment.ended_at is not None:
        raise Conflict()
    db.session.execute(
        update(DebateRole).where(DebateRole.id == appointment.id).values(ended_at=utcnow())
    )
    db.session.expire(appointment)


# --- mediator notes -------------------------------------------------------------------------


def post_note(
    who: Standing, debate: Debate, kind: NoteKind, body: str, argument: Argument | None = None
) -> MediatorNote:
    rules.require(rules.post_mediator_note(who, debate))
    if argument is not None and argument.debate_id != debate.id:
        raise InvalidInput()
    note = MediatorNote(
        debate_id=debate.id,
        argument_id=argument.id if argument else None,
        author_id=who.user.id,
        kind=kind,
        body=body,
        body_html=render_markdown(body),
    )
    db.session.add(note)
    db.session.flush()
    log.record(debate, who.user, "mediator", "note_posted", kind.value, argument=argument)
    return note


def notes_for(debate: Debate, argument_ids=None) -> dict[int | None, list[MediatorNote]]:
    """The debate's notes, by argument id (None: on the debate as a whole)."""
    query = select(MediatorNote).where(MediatorNote.debate_id == debate.id)
    if argument_ids is not None:
        ids = list(argument_ids)
        query = query.where(
            (MediatorNote.argument_id.is_(None)) | (MediatorNote.argument_id.in_(ids))
        )
    grouped: dict[int | None, list[MediatorNote]] = {}
    for note in db.session.scalars(query.order_by(MediatorNote.created_at)):
        grouped.setdefault(note.argument_id, []).append(note)
    return grouped
