"""An invitation link and who came in through it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Debate, Tz, utcnow


class Invitation(db.Model):
    """A link (/i/<token>) that lets up to `capacity` people in until `expires_at`. The
    token is kept as it is, like the debate's own address: the organiser prints it again
    on a new sheet; revoking the link, or its expiry, ends it."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    #: Who it is for, in the organiser's words ("Mopti workshop, 12 May").
    label: Mapped[str] = mapped_column(String(80))
    capacity: Mapped[int] = mapped_column()
    used: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Tz)
    revoked_at: Mapped[datetime | None] = mapped_column(Tz)

    debate: Mapped[Debate] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 500", name="capacity_range"),
        CheckConstraint("used >= 0 AND used <= capacity", name="used_within_capacity"),
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )

    @property
    def link_path(self) -> str:
        return f"/i/{self.token}"


class InvitationUse(db.Model):
    """One person who came in through an invitation (once each, however often they open it)."""

    __tablename__ = "invitation_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    __table_args__ = (UniqueConstraint("invitation_id", "user_id"),)
