"""Running a debate: phases, ground rules, communities, mediators and their notes.

Every change is recorded in the public moderation log in the same transaction.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from .. import rules
from ..errors import Conflict, InvalidInput, WrongPhase
from ..extensions import db
from ..markup import render_markdown
from ..models import Argument, Debate, Participant, Phase, User, utcnow
from ..rules import Standing
from . import log
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
    db.session.add(DebateRole(debate_id=debate.id, user_id=organiser.id, role=Role.ORGANISER))
    for number, text in enumerate(default_ground_rules(), start=1):
        db.session.add(GroundRule(debate_id=debate.id, number=number, text=text))
    db.session.flush()


def actor_role(who: Standing) -> str:
    if who.is_organiser:
        return "organiser"
    if who.is_mediator:
        return "mediator"
    return "admin" if who.is_admin else "participant"


# --- phases ---------------------------------------------------------------------------------


def change_phase(who: Standing, debate: Debate, phase: Phase) -> None:
    rules.require(rules.manage_debate(who, debate))
    if phase not in NEXT_PHASES[debate.phase]:
        raise WrongPhase(_l("A debate cannot go from this phase to that one."))
    previous = debate.phase
    _apply_phase(debate, phase)
    log.record(
        debate, who.user, actor_role(who), "phase_changed", f"{previous.value} → {phase.value}"
    )


def schedule_phase(who: Standing, debate: Debate, phase: Phase, due_at: datetime) -> None:
    rules.require(rules.manage_debate(who, debate))
    if phase is Phase.DRAFT:
        raise InvalidInput(_l("A debate cannot go back to draft."))
    if due_at <= utcnow():
        raise InvalidInput(_l("Choose a time in the future."))
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
        # A schedule made long ago may no longer fit (a draft never opened): skip it.
        if change.phase in NEXT_PHASES[debate.phase]:
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


def community_counts(debate: Debate, minimum: int = 5) -> tuple[list[tuple[str, int]], int]:
    """Participants per declared community, suppressing groups smaller than `minimum` (their
    members are added to the second number, "in smaller or undeclared groups")."""
    rows = db.session.execute(
        select(Community.name, func.count(Participant.id))
        .join(Participant, Participant.community_id == Community.id)
        .where(Community.debate_id == debate.id)
        .group_by(Community.id, Community.name, Community.position)
        .order_by(Community.position)
    ).all()
    shown = [(name, count) for name, count in rows if count >= minimum]
    return shown, debate.participant_count - sum(count for _name, count in shown)


def declare_community(who: Standing, debate: Debate, community_id: int | None) -> None:
    rules.require(rules.declare_community(who, debate))
    who.participant.community_id = community_of(debate, community_id)
    from ..debates.services import results_changed

    results_changed(debate.id)
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
    return db.session.scalars(
        select(DebateRole)
        .where(DebateRole.debate_id == debate.id, DebateRole.ended_at.is_(None))
        .order_by(DebateRole.role, DebateRole.started_at)
    ).all()


def appoint(
    who: Standing, debate: Debate, pseudonym: str, role: Role, community_id: int | None = None
) -> DebateRole:
    rules.require(rules.manage_debate(who, debate))
    from ..accounts.services import pseudonym_key

    person = db.session.scalar(select(User).where(User.pseudonym_key == pseudonym_key(pseudonym)))
    if person is None:
        raise InvalidInput(_l("No account has this pseudonym."))
    already = db.session.scalar(
        select(DebateRole.id).where(
            DebateRole.debate_id == debate.id,
            DebateRole.user_id == person.id,
            DebateRole.role == role,
            DebateRole.ended_at.is_(None),
        )
    )
    if already:
        raise Conflict(_l("This person already has this role in the debate."))
    appointment = DebateRole(
        debate_id=debate.id,
        user_id=person.id,
        role=role,
        community_id=community_of(debate, community_id) if role is Role.MEDIATOR else None,
        appointed_by_id=who.user.id,
    )
    db.session.add(appointment)
    db.session.flush()
    detail = appointment.community.name if appointment.community else ""
    action = "mediator_appointed" if role is Role.MEDIATOR else "organiser_appointed"
    log.record(debate, who.user, actor_role(who), action, detail, subject=person)
    return appointment


def remove_mediator(who: Standing, debate: Debate, appointment: DebateRole) -> None:
    rules.require(rules.manage_debate(who, debate))
    if appointment.debate_id != debate.id or appointment.role is not Role.MEDIATOR:
        raise InvalidInput()
    _end(appointment)
    log.record(debate, who.user, actor_role(who), "mediator_removed", subject=appointment.user)


def step_down(who: Standing, debate: Debate, reason: str = "") -> None:
    rules.require(rules.step_down(who, debate))
    appointment = db.session.scalars(
        select(DebateRole).where(
            DebateRole.debate_id == debate.id,
            DebateRole.user_id == who.user.id,
            DebateRole.role == Role.MEDIATOR,
            DebateRole.ended_at.is_(None),
        )
    ).one()
    _end(appointment)
    log.record(debate, who.user, "mediator", "mediator_stepped_down", reason)


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
