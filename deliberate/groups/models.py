"""Groups (the associations, networks and councils that run debates for their own people),
their members and trusted mediators, the log of what changed in them, and the one-time
access codes their facilitators hand out to people without an email address."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Debate, Tz, User, str_enum, utcnow

GROUP_NAME_MAX = 80
GROUP_DESCRIPTION_MAX = 500


class GroupRole(enum.StrEnum):
    """A group admin manages members and roles; a facilitator runs the group's debates and
    hands out access codes; a member takes part in its private debates."""

    ADMIN = "admin"
    FACILITATOR = "facilitator"
    MEMBER = "member"


class Group(db.Model):
    __tablename__ = "group_space"  # "group" is an SQL keyword

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(GROUP_NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    #: Set by a site admin: the group keeps its page and debates, but starts nothing new.
    suspended_at: Mapped[datetime | None] = mapped_column(Tz)
    suspension_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("length(name) >= 3", name="name_length"),
        CheckConstraint(
            f"length(description) <= {GROUP_DESCRIPTION_MAX}", name="description_length"
        ),
        CheckConstraint(
            "(suspended_at IS NULL) = (suspension_reason IS NULL)", name="suspension_has_reason"
        ),
    )

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None


class GroupMember(db.Model):
    __tablename__ = "group_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_space.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[GroupRole] = mapped_column(str_enum(GroupRole, "group_role"))
    added_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("group_id", "user_id"),)


class GroupMediator(db.Model):
    """Someone the group trusts to mediate its debates (its organisers appoint from here)."""

    __tablename__ = "group_mediator"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_space.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("group_id", "user_id"),)


#: What the group log records.
GROUP_ACTIONS = (
    "created",
    "member_added",
    "member_removed",
    "role_changed",
    "mediator_added",
    "mediator_removed",
    "codes_issued",
    "codes_revoked",
    "recovery_code_issued",
    "joined_with_code",
    "recovered_with_code",
    "suspended",
    "unsuspended",
    "debate_started",
)


class GroupLogEntry(db.Model):
    """What changed in a group, and who did it: read by its members. No entry can be edited
    (a trigger in the migration); entries go only with their group."""

    __tablename__ = "group_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_space.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    #: A role, a count, a reason: in the actor's words or the app's.
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined")
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id], lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in GROUP_ACTIONS) + ")", name="known_action"
        ),
        Index("ix_group_log_group", "group_id", "id"),
    )


class CodeSheet(db.Model):
    """A batch of access codes printed for one workshop. Only the codes' hashes are kept:
    the sheet is shown once, when issued; a lost sheet is revoked and a new one issued."""

    __tablename__ = "code_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("group_space.id", ondelete="CASCADE"), index=True
    )
    #: The debate the codes lead into (after sign-up), if any.
    debate_id: Mapped[int | None] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column()
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Tz)
    revoked_at: Mapped[datetime | None] = mapped_column(Tz)

    debate: Mapped[Debate | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("size BETWEEN 1 AND 100", name="size_range"),
        CheckConstraint("expires_at > issued_at", name="expires_after_issued"),
    )


class CodePurpose(enum.StrEnum):
    JOIN = "join"  # make an account (no email) and become a member
    RECOVER = "recover"  # set a new password on one member's account


class AccessCode(db.Model):
    """One single-use code: on a sheet (to join) or for one member (to recover access)."""

    __tablename__ = "access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("group_space.id", ondelete="CASCADE"), index=True
    )
    sheet_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_sheet.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[CodePurpose] = mapped_column(str_enum(CodePurpose, "code_purpose"))
    #: SHA-256 of the code (60 random bits): a copy of the database lets nobody in.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Recovery: whose account the code opens.
    for_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    expires_at: Mapped[datetime] = mapped_column(Tz)
    used_at: Mapped[datetime | None] = mapped_column(Tz)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    sheet: Mapped[CodeSheet | None] = relationship(lazy="joined")
    group: Mapped[Group] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "(purpose = 'join') = (sheet_id IS NOT NULL AND for_user_id IS NULL)"
            " AND (purpose = 'recover') = (sheet_id IS NULL AND for_user_id IS NOT NULL)",
            name="fields_of_purpose",
        ),
    )
