"""The in-app inbox: authors hear about actions on their posts and their appeals, mediators
about new flags, appeals and co-sign requests, participants about replies."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Argument, Debate, User, utcnow
from .models import DebateRole, Notification, Role

KINDS = {
    "reply": _l("Someone replied to your argument."),
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
    "appeal_decided": _l("Your appeal was decided."),
    "new_flag": _l("An argument was flagged for review."),
    "new_appeal": _l("Someone appealed a decision."),
    "cosign_request": _l("A sanction awaits a second mediator's signature."),
    "urgent_hide": _l("An urgent hide awaits a second mediator's review."),
}


def send(
    user_id: int,
    kind: str,
    debate: Debate | None = None,
    argument: Argument | None = None,
    detail: str = "",
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification {kind!r}")
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            debate_id=debate.id if debate else None,
            argument_id=argument.id if argument else None,
            detail=detail,
        )
    )


def to_mediators(
    debate: Debate,
    kind: str,
    argument: Argument | None = None,
    detail: str = "",
    except_user_id: int | None = None,
) -> None:
    mediators = db.session.scalars(
        select(DebateRole.user_id).where(
            DebateRole.debate_id == debate.id,
            DebateRole.role == Role.MEDIATOR,
            DebateRole.ended_at.is_(None),
        )
    ).all()
    for user_id in mediators:
        if user_id != except_user_id:
            send(user_id, kind, debate, argument, detail)


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
