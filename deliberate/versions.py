"""Debate versions: one number per debate that goes up with every change its pages show.

Rendered pages are cached and revalidated (ETag) by this number, so it must move with every
change, whatever code made it. Rather than trusting each service to remember, the session
watches its own flushes: any row that belongs to a debate (it has a `debate_id`, or hangs
off an argument or an agreement point that has one), the debate row itself, and a user whose
pseudonym changes (it shows on every debate they took part in) bump the version of the
debates concerned, in the same transaction. Counter updates made in SQL (counters.py `bump`)
bump it themselves. A transaction raises each debate's version once.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect, select, union, update
from sqlalchemy.orm import Session

from .models import Argument, Debate, Participant, User

#: Rows of a debate that no page of it shows.
UNSHOWN = {"notification"}


#: session.info key: the debates whose version this transaction has already raised (once is
#: enough: every change of the transaction becomes visible with that one version).
BUMPED = "deliberate.versions_bumped"


#: session.info key: debates whose rows this transaction changed, their version not raised yet.
TO_BUMP = "deliberate.versions_to_bump"


def bumped(session: Session) -> set[int]:
    return session.info.setdefault(BUMPED, set())


def _to_bump(session: Session) -> set[int]:
    return session.info.setdefault(TO_BUMP, set())


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")  # a savepoint's too: bump again after it
def _forget_bumped(session: Session, *_transaction) -> None:
    session.info.pop(BUMPED, None)
    session.info.pop(TO_BUMP, None)


@event.listens_for(Session, "before_flush")
def _note_changed_debates(session: Session, _context, _instances) -> None:
    for row in chain(session.new, session.dirty, session.deleted):
        _to_bump(session).update(_debates_of(session, row))


@event.listens_for(Session, "before_commit")
def _bump_changed_debates(session: Session) -> None:
    """Raise the versions last, just before the commit: the debate's row is then locked
    after the arguments a transaction changes, the order a vote takes them in (counters.py).
    Taken first, a reply posted while someone votes deadlocked on PostgreSQL."""
    session.flush()
    debates = _to_bump(session) - bumped(session) - {None}
    if not debates:
        return
    bumped(session).update(debates)
    session.connection().execute(
        update(Debate).where(Debate.id.in_(debates)).values(version=Debate.version + 1)
    )
    for debate_id in debates:
        loaded = session.identity_map.get(
            inspect(Debate).identity_key_from_primary_key([debate_id])
        )
        if loaded is not None and "version" not in inspect(loaded).unloaded:
            session.expire(loaded, ["version"])


def _debates_of(session: Session, row) -> set[int | None]:
    if isinstance(row, Debate):
        return {row.id} if row not in session.new and session.is_modified(row) else set()
    if isinstance(row, User):
        return _debates_of_user(session, row) if _renamed(row) else set()
    if getattr(row, "__tablename__", None) in UNSHOWN:
        return set()
    if getattr(row, "debate_id", None) is not None:
        return {row.debate_id}
    if getattr(row, "argument_id", None) is not None:
        argument = session.get(Argument, row.argument_id)
        return {argument.debate_id if argument else None}
    if getattr(row, "point_id", None) is not None:
        from .agreements.models import AgreementPoint

        point = session.get(AgreementPoint, row.point_id)
        return {point.debate_id if point else None}
    return set()


def _renamed(user: User) -> bool:
    history = inspect(user).attrs.pseudonym.history
    return bool(history.added or history.deleted)


def _debates_of_user(session: Session, user: User) -> set[int]:
    from .moderation.models import DebateRole

    if user.id is None:
        return set()
    return set(
        session.connection().scalars(
            union(
                select(Participant.debate_id).where(Participant.user_id == user.id),
                select(DebateRole.debate_id).where(DebateRole.user_id == user.id),
                select(Debate.id).where(Debate.organiser_id == user.id),
            )
        )
    )
