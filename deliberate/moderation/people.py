"""The people of a debate as its mediators and organisers see them: the participant list,
and one person's record (arguments here, decisions about them). Declared communities are
never read here: they are only ever shown as totals."""

from sqlalchemy import or_, select

from ..extensions import db
from ..models import Argument, Debate, Participant, User
from .models import DebateRole, LogEntry

PAGE_SIZE = 100
RECORD_LIMIT = 100


def participants(
    debate: Debate, after: int | None = None
) -> list[tuple[Participant, User, set[str]]]:
    """A page of participants in the order they joined, each with the roles they hold here
    (an organiser may take part; a mediator may not), in two queries."""
    query = (
        select(Participant, User)
        .join(User, User.id == Participant.user_id)
        .where(Participant.debate_id == debate.id)
    )
    if after is not None:
        query = query.where(Participant.id > after)
    rows = db.session.execute(query.order_by(Participant.id).limit(PAGE_SIZE)).all()
    roles: dict[int, set] = {}
    for user_id, role in db.session.execute(
        select(DebateRole.user_id, DebateRole.role).where(
            DebateRole.debate_id == debate.id,
            DebateRole.held(),
            DebateRole.user_id.in_([user.id for _participant, user in rows]),
        )
    ):
        roles.setdefault(user_id, set()).add(role.value)
    return [(participant, user, roles.get(user.id, set())) for participant, user in rows]


def arguments_of(debate: Debate, user_id: int) -> list[Argument]:
    """What they wrote in this debate, newest first, whatever became of it."""
    return db.session.scalars(
        select(Argument)
        .where(Argument.debate_id == debate.id, Argument.author_id == user_id)
        .order_by(Argument.id.desc())
        .limit(RECORD_LIMIT)
    ).all()


def decisions_about(debate: Debate, user_id: int) -> list[LogEntry]:
    """The log's entries about them: about their arguments, or naming them."""
    return db.session.scalars(
        select(LogEntry)
        .outerjoin(Argument, Argument.id == LogEntry.argument_id)
        .where(
            LogEntry.debate_id == debate.id,
            or_(LogEntry.subject_id == user_id, Argument.author_id == user_id),
        )
        .order_by(LogEntry.id.desc())
        .limit(RECORD_LIMIT)
    ).all()


def roles_of(debate: Debate, user_id: int) -> set[str]:
    return {
        role.value
        for role in db.session.scalars(
            select(DebateRole.role).where(
                DebateRole.debate_id == debate.id,
                DebateRole.user_id == user_id,
                DebateRole.held(),
            )
        )
    }
