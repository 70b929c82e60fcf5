"""The in-app inbox: authors hear about actions on their posts and their appeals, mediators
about new flags, appeals and co-sign requests, participants about replies."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, literal, select, update

from ..extensions import db
from ..models import Argument, Debate, Participant, Tz, User, utcnow
from .models import (
    Appeal,
    DebateRole,
    Notification,
    Role,
    Sanction,
    SanctionKind,
    SanctionStatus,
)

KINDS = {
    "reply": _l("Someone replied to your argument."),
    "second_factor_reset": _l(
        "A site administrator turned off your two-step login. Set it up again in your account "
        "settings."
    ),
    "invited_mediator": _l("An organiser invited you to be a mediator of a debate."),
    "invited_organiser": _l("An organiser invited you to be an organiser of a debate."),
    "invited_translator": _l("An organiser invited you to be a translator of a debate."),
    "invitation_accepted": _l("Your invitation to run the debate was accepted."),
    "invitation_declined": _l("Your invitation to run the debate was declined."),
    "removed_mediator": _l("An organiser ended your role as mediator."),
    "removed_organiser": _l("An organiser ended your role as organiser."),
    "agreement_to_endorse": _l("A point of the agreement awaits your endorsement or objection."),
    "agreement_reopened": _l(
        "A point of the agreement you answered has changed; your answer was withdrawn. "
        "Read it again and answer anew."
    ),
    "flag_outcome_kept": _l("An argument you flagged was reviewed and kept."),
    "flag_outcome_hidden": _l("An argument you flagged was reviewed and hidden."),
    "flag_outcome_other": _l(
        "An argument you flagged was reviewed: a mediator asked for an edit or merged it."
    ),
    "phase_open": _l("A debate you take part in is open again: arguments and votes."),
    "phase_final_vote": _l(
        "A debate you take part in is in its final vote: record your final position."
    ),
    "phase_closed": _l("A debate you take part in is closed: read its report and agreement."),
    "hidden": _l("A mediator hid your argument."),
    "hidden_urgently": _l(
        "A mediator hid your argument at once; a second mediator will review it."
    ),
    "edit_requested": _l("A mediator asked you to edit your argument."),
    "kept": _l("A mediator reviewed your flagged argument and kept it."),
    "restored": _l("Your argument is shown again."),
    "merged": _l("A mediator merged your argument into another that makes the same point."),
    "approved": _l("A mediator approved your argument; it is now public."),
    "sanction": _l("A mediator took a step about your participation."),
    "sanction_in_force": _l("A step about your participation is now in force."),
    "sanction_lifted": _l("A mediator lifted a step about your participation."),
    "sanction_shortened": _l("A mediator shortened a step about your participation."),
    "cosign_declined": _l("Another mediator declined to co-sign the sanction you proposed."),
    "edit_approved": _l("A mediator approved your edit; the new text is public."),
    "edit_refused": _l("A mediator refused your edit; the earlier text stays."),
    "appeal_decided": _l("Your appeal was decided."),  # before the two below; kept for them
    "appeal_upheld": _l("Your appeal was decided: the decision stands."),
    "appeal_overturned": _l("Your appeal was decided: the decision is overturned."),
    "new_flag": _l("An argument was flagged for review."),
    "new_appeal": _l("Someone appealed a decision."),
    "edit_to_review": _l("An edited argument awaits review before its new text is public."),
    "cosign_request": _l("A sanction awaits a second mediator's signature."),
    "urgent_hide": _l("An urgent hide awaits a second mediator's review."),
}


def send(
    user_id: int,
    kind: str,
    debate: Debate | None = None,
    argument: Argument | None = None,
    detail: str = "",
    *,
    sanction=None,
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification {kind!r}")
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            debate_id=debate.id if debate else None,
            argument_id=argument.id if argument else None,
            sanction_id=sanction.id if sanction else None,
            detail=detail,
        )
    )


def to_mediators(
    debate: Debate,
    kind: str,
    argument: Argument | None = None,
    detail: str = "",
    except_user_id: int | None = None,
    *,
    sanction=None,
) -> None:
    mediators = db.session.scalars(
        select(DebateRole.user_id)
        .where(
            DebateRole.debate_id == debate.id,
            DebateRole.role == Role.MEDIATOR,
            DebateRole.held(),
        )
        .order_by(DebateRole.user_id)  # the same ids for the same events, on every database
    ).all()
    for user_id in mediators:
        if user_id != except_user_id:
            send(user_id, kind, debate, argument, detail, sanction=sanction)


def to_participants(debate: Debate, kind: str, *, coalesce: bool = False) -> None:
    """One notice to each participant of the debate not removed from it, in one statement
    (a debate may have thousands). `coalesce`: not to those who still have an unread one of
    the kind about the debate (ten points drafted in a row make one notice, not ten)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification {kind!r}")
    removed = select(Sanction.user_id).where(
        Sanction.debate_id == debate.id,
        Sanction.kind == SanctionKind.REMOVAL,
        Sanction.status == SanctionStatus.ACTIVE,
    )
    if coalesce:
        unread = select(Notification.user_id).where(
            Notification.debate_id == debate.id,
            Notification.kind == kind,
            Notification.read_at.is_(None),
        )
        removed = removed.union(unread)
    db.session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "debate_id", "detail", "created_at"],
            select(
                Participant.user_id,
                literal(kind),
                literal(debate.id),
                literal(""),
                literal(utcnow(), Tz()),
            )
            .where(Participant.debate_id == debate.id, Participant.user_id.not_in(removed))
            .order_by(Participant.user_id),
        )
    )


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(user: User, limit: int = 100) -> list[Notification]:
    return db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


#: Notices of a decision that its reader may appeal, once.
APPEALABLE_ARGUMENT = ("hidden", "hidden_urgently", "edit_requested", "merged")
APPEALABLE_SANCTION = ("sanction", "sanction_in_force")


def appeals_for(items: list[Notification]) -> dict[int, tuple[str, object]]:
    """For each notice of an appealable decision: ("appealed", the appeal filed since),
    shown as its status; or ("sanction" | "argument", its id), still open to appeal, shown
    as an "Appeal" link; or nothing."""
    argument_ids = {n.argument_id for n in items if n.kind in APPEALABLE_ARGUMENT}
    sanction_ids = {n.sanction_id for n in items if n.kind in APPEALABLE_SANCTION}
    appeals = db.session.scalars(
        select(Appeal).where(
            (Appeal.argument_id.in_(argument_ids)) | (Appeal.sanction_id.in_(sanction_ids))
        )
    ).all()
    visibility = dict(
        db.session.execute(
            select(Argument.id, Argument.visibility).where(Argument.id.in_(argument_ids))
        ).all()
    )
    found = {}
    for n in items:
        if n.kind in APPEALABLE_SANCTION and n.sanction_id:
            appeal = next((a for a in appeals if a.sanction_id == n.sanction_id), None)
            found[n.id] = ("appealed", appeal) if appeal else ("sanction", n.sanction_id)
        elif n.kind in APPEALABLE_ARGUMENT and n.argument_id:
            since = [
                a
                for a in appeals
                if a.argument_id == n.argument_id and a.created_at >= n.created_at
            ]
            if since:
                found[n.id] = ("appealed", since[0])
            elif visibility.get(n.argument_id) in ("hidden", "edit_requested", "merged"):
                found[n.id] = ("argument", n.argument_id)
    return found


def debates_of(items: list[Notification]) -> dict[int, tuple[str, str]]:
    """Each notice's debate, by id: (slug, motion), so every notice names its debate."""
    ids = {n.debate_id for n in items if n.debate_id}
    rows = db.session.execute(
        select(Debate.id, Debate.slug, Debate.motion).where(Debate.id.in_(ids))
    ).all()
    return {debate_id: (slug, motion) for debate_id, slug, motion in rows}
