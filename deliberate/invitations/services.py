"""Invitations: made and revoked by a debate's organisers, accepted by whoever opens one
while it lasts and has room."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import g, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import rules
from ..errors import InvalidInput
from ..extensions import db
from ..models import Debate, User, utcnow
from ..rules import Standing
from .models import Invitation, InvitationUse

MAX_CAPACITY = 500
MAX_DAYS = 90


def create(who: Standing, debate: Debate, label: str, capacity: int, days: int) -> Invitation:
    rules.require(rules.invite(who, debate))
    label = " ".join(label.split())
    if not label or not 1 <= capacity <= MAX_CAPACITY or not 1 <= days <= MAX_DAYS:
        raise InvalidInput()
    now = utcnow()
    invitation = Invitation(
        debate_id=debate.id,
        token=secrets.token_urlsafe(16),  # 128 random bits
        label=label,
        capacity=capacity,
        created_by_id=who.user.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def of_debate(debate: Debate) -> list[Invitation]:
    """The debate's invitations, newest first, ended ones too (the organiser sees why)."""
    return db.session.scalars(
        select(Invitation).where(Invitation.debate_id == debate.id).order_by(Invitation.id.desc())
    ).all()


def revoke(who: Standing, invitation: Invitation) -> None:
    rules.require(rules.invite(who, invitation.debate))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()


def find(token: str) -> Invitation | None:
    if not token or len(token) > 32:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token == token))


def live_from_next(path: str | None) -> Invitation | None:
    """The invitation a sign-up or log-in is on its way to (its `next` is /i/<token>), if it
    still lets people in."""
    if not isinstance(path, str) or not path.startswith("/i/"):
        return None
    invitation = find(path.removeprefix("/i/"))
    return invitation if invitation is not None and ended(invitation) is None else None


#: The steps into the site a workshop's people take through an invitation, all from one
#: address: counted against the invitation's seats rather than that address.
ARRIVALS = {"accounts.register", "accounts.confirm_registration", "accounts.login"}


def arriving() -> Invitation | None:
    """The live invitation this sign-up, confirmation or log-in comes through (its `next`,
    or the one kept in the registration link), if any."""
    if "via_invitation" not in g:
        path = None
        if request.endpoint == "accounts.confirm_registration":
            from ..accounts.services import read_registration

            path = (read_registration(request.args.get("token")) or {}).get("next")
        elif request.endpoint in ARRIVALS:
            path = request.args.get("next")
        g.via_invitation = live_from_next(path)
    return g.via_invitation


def ended(invitation: Invitation) -> str | None:
    """Why the invitation lets nobody in any more: "revoked", "expired", "full"; or None."""
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= utcnow():
        return "expired"
    if invitation.used >= invitation.capacity:
        return "full"
    return None


def accepted_by(invitation: Invitation, user: User) -> bool:
    return (
        db.session.scalar(
            select(InvitationUse.id).where(
                InvitationUse.invitation_id == invitation.id, InvitationUse.user_id == user.id
            )
        )
        is not None
    )


def accept(invitation: Invitation, user: User) -> bool:
    """Count `user` in (once, however often they open it); False if it has ended. The seat
    is taken by a conditional UPDATE, so the last one goes to one person only."""
    if accepted_by(invitation, user):
        return True
    now = utcnow()
    taken = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
            Invitation.used < Invitation.capacity,
        )
        .values(used=Invitation.used + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(InvitationUse(invitation_id=invitation.id, user_id=user.id, used_at=now))
    except IntegrityError:  # the same person, twice at once: one seat is theirs already
        db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id)
            .values(used=Invitation.used - 1)
            .execution_options(synchronize_session=False)
        )
    db.session.expire(invitation, ["used"])
    return True
