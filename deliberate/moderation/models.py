"""Moderation: roles in a debate, communities, ground rules, scheduled phases, mediator
notes and the public moderation log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Phase, Tz, User, str_enum, utcnow

COMMUNITY_NAME_MAX = 80
RULE_MAX = 500
NOTE_MAX = 2000


class Role(enum.StrEnum):
    ORGANISER = "organiser"
    MEDIATOR = "mediator"


class NoteKind(enum.StrEnum):
    SUMMARY = "summary"
    REFRAMING = "reframing"
    SOURCES = "sources"
    COOLING_OFF = "cooling_off"


class Community(db.Model):
    """A constituency the organiser lists for a debate ("Dogon farmers", "Youth", ...)."""

    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(COMMUNITY_NAME_MAX))
    #: Display order.
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint("debate_id", "name"),
        CheckConstraint("length(name) >= 2", name="name_length"),
    )


class GroundRule(db.Model):
    """A numbered rule of a debate; participants accept them, flags and actions cite them."""

    __tablename__ = "ground_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(String(RULE_MAX))

    __table_args__ = (
        UniqueConstraint("debate_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("length(text) >= 5", name="text_length"),
    )


class DebateRole(db.Model):
    """Someone's organiser or mediator role in one debate. Ended roles stay, for the record."""

    __tablename__ = "debate_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    #: The community a mediator represents; NULL means independent.
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("community.id", ondelete="SET NULL")
    )
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(Tz)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)
    community: Mapped[Community | None] = relationship(lazy="joined")

    __table_args__ = (
        # One active role of a kind per person and debate; ended ones may repeat.
        Index(
            "uq_debate_role_active",
            "debate_id",
            "user_id",
            "role",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class PhaseChange(db.Model):
    """A phase change an organiser scheduled; applied when first due (no cron job)."""

    __tablename__ = "phase_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "scheduled_phase"))
    due_at: Mapped[datetime] = mapped_column(Tz)
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("debate_id", "phase"),
        CheckConstraint("phase <> 'draft'", name="not_back_to_draft"),
        Index("ix_phase_change_debate_due", "debate_id", "due_at"),
    )


class MediatorNote(db.Model):
    """A mediator's visible contribution: summary, reframing, request for sources,
    cooling-off notice. On the debate as a whole, or under one argument."""

    __tablename__ = "mediator_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    argument_id: Mapped[int | None] = mapped_column(
        ForeignKey("argument.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    kind: Mapped[NoteKind] = mapped_column(str_enum(NoteKind, "note_kind"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 10 AND {NOTE_MAX}", name="body_length"),
        Index("ix_mediator_note_debate_created", "debate_id", "created_at"),
    )


class LogEntry(db.Model):
    """One line of a debate's public moderation log. Rows are only ever inserted: the
    database refuses UPDATE and DELETE (triggers in the migration); a correction is a new
    entry."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="RESTRICT"))
    #: Who acted (NULL: the platform itself, e.g. a scheduled phase change).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    #: The actor's role when they acted, kept as it was then.
    actor_role: Mapped[str] = mapped_column(String(20))
    #: What happened, a key of deliberate.moderation.log.ACTIONS.
    action: Mapped[str] = mapped_column(String(40))
    #: The ground rule cited, by number, if any.
    rule_number: Mapped[int | None] = mapped_column()
    #: The public reason or detail, in the actor's words.
    reason: Mapped[str] = mapped_column(Text, default="")
    argument_id: Mapped[int | None] = mapped_column(ForeignKey("argument.id", ondelete="RESTRICT"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id], lazy="joined")

    __table_args__ = (Index("ix_moderation_log_debate_id", "debate_id", "id"),)
