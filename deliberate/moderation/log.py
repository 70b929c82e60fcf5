"""The public moderation log: every action by an organiser, a mediator or the platform."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Argument, Debate, User
from .models import LogEntry

__all__ = ["ACTIONS", "LogEntry", "entries", "record"]

#: Every kind of entry, with how the log page names it.
ACTIONS = {
    "phase_changed": _l("changed the phase"),
    "phase_scheduled": _l("scheduled a phase change"),
    "phase_unscheduled": _l("cancelled a scheduled phase change"),
    "ground_rules_edited": _l("edited the ground rules"),
    "communities_edited": _l("edited the list of communities"),
    "organiser_appointed": _l("appointed an organiser"),
    "mediator_appointed": _l("appointed a mediator"),
    "mediator_removed": _l("removed a mediator"),
    "mediator_stepped_down": _l("stepped down as mediator"),
    "note_posted": _l("posted a mediator note"),
    "safety_settings": _l("changed the safety settings"),
    "export_settings": _l("changed whether downloads name the authors of arguments"),
    "argument_kept": _l("reviewed a flagged argument and kept it"),
    "argument_approved": _l("approved an argument"),
    "argument_hidden": _l("hid an argument"),
    "argument_hidden_urgently": _l("hid an argument at once, for a second review"),
    "urgent_hide_confirmed": _l("confirmed an urgent hide"),
    "edit_requested": _l("asked the author to edit an argument"),
    "argument_merged": _l("merged a duplicate argument"),
    "cooling_off": _l("paused the discussion to cool down"),
    "slow_mode": _l("set the debate's slow mode"),
    "sanction_warning": _l("gave a warning"),
    "sanction_slow_mode": _l("put a participant in slow mode"),
    "sanction_mute": _l("muted a participant"),
    "sanction_removal": _l("removed a participant from the debate"),
    "sanction_proposed": _l("proposed a sanction that needs a second mediator's signature"),
    "appeal_filed": _l("appealed a decision"),
    "appeal_upheld": _l("upheld a decision on appeal"),
    "appeal_overturned": _l("overturned a decision on appeal"),
    "agreement_point_added": _l("added a point to the agreement"),
    "agreement_point_edited": _l("edited a point of the agreement"),
    "agreement_point_removed": _l("removed a point from the agreement"),
}

PAGE_SIZE = 100


def record(
    debate: Debate,
    actor: User | None,
    actor_role: str,
    action: str,
    reason: str = "",
    *,
    rule_number: int | None = None,
    argument: Argument | None = None,
    subject: User | None = None,
) -> LogEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown moderation action {action!r}")
    entry = LogEntry(
        debate_id=debate.id,
        actor_id=actor.id if actor else None,
        actor_role=actor_role,
        action=action,
        reason=reason,
        rule_number=rule_number,
        argument_id=argument.id if argument else None,
        subject_id=subject.id if subject else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def entries(
    debate: Debate, *, before_id: int | None = None, limit: int = PAGE_SIZE
) -> list[LogEntry]:
    """Newest first, a page at a time: keyset pagination on the id, fast at any length."""
    query = select(LogEntry).where(LogEntry.debate_id == debate.id)
    if before_id is not None:
        query = query.where(LogEntry.id < before_id)
    return db.session.scalars(query.order_by(LogEntry.id.desc()).limit(limit)).all()
