"""Moderation: roles in a debate, communities, ground rules, scheduled phases, mediator
notes and the public moderation log."""

from __future__ import annotations

import enum
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Phase, Tz, User, str_enum, utcnow

COMMUNITY_NAME_MAX = 80
RULE_MAX = 500
NOTE_MAX = 2000


class Role(enum.StrEnum):
    ORGANISER = "organiser"
    MEDIATOR = "mediator"
    #: Publishes translations of contributions directly (deliberate/translating).
    TRANSLATOR = "translator"


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
    #: Chosen by the organisers before opening: the agreement's points are ratified only
    #: when every caucus ratifies them, whatever its size.
    caucus: Mapped[bool] = mapped_column(default=False)

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
    """Someone's organiser or mediator role in one debate. An appointment starts as an
    invitation (accepted_at NULL): it grants nothing and is shown nowhere public until the
    person accepts. Declined, withdrawn and ended roles stay, for the record."""

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
    #: When the person accepted the invitation; NULL while invited (or if they declined).
    accepted_at: Mapped[datetime | None] = mapped_column(Tz)
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
        return self.ended_at is None and self.accepted_at is not None

    @property
    def is_invitation(self) -> bool:
        return self.ended_at is None and self.accepted_at is None

    @classmethod
    def held(cls):
        """SQL: the role is in force (accepted, not ended). An invitation grants nothing."""
        return and_(cls.ended_at.is_(None), cls.accepted_at.is_not(None))

    @classmethod
    def invited(cls):
        """SQL: an invitation waiting for its answer."""
        return and_(cls.ended_at.is_(None), cls.accepted_at.is_(None))


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

    @property
    def body_markup(self) -> Markup:
        """The note's text as safe HTML, sanitised when written (markup.render_markdown),
        as an argument's is."""
        return Markup(self.body_html)  # noqa: S704 - sanitised when written  # nosec B704


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

    @property
    def public_actor(self) -> User | None:
        """Who the public log names as acting (log.names_actor)."""
        return self.actor if names_actor(self.actor_role) else None

    @property
    def public_subject(self) -> User | None:
        """Whom the public log names as concerned (log.names_subject)."""
        return self.subject if names_subject(self.action) else None


def names_actor(actor_role: str) -> bool:
    """The public log names the organisers, mediators and admins who act, never a
    participant: an appeal filed names nobody (its subject may be a sanction not in force,
    or an argument its author has since deleted)."""
    return actor_role != "participant"


def names_subject(action: str) -> bool:
    """It names the participant a sanction in force concerns, and appointed staff; never the
    person behind an appeal (entries written before this rule included)."""
    return not action.startswith("appeal_")


class Flag(db.Model):
    """A participant's report of an argument, citing a ground rule. One per person and
    argument; resolved when a mediator decides."""

    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(ForeignKey("argument.id", ondelete="CASCADE"))
    flagger_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    rule_number: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(String(500), default="")
    #: Which text was flagged: the argument's count of earlier texts then. A changed text
    #: can be flagged again by those who flagged an earlier one.
    edition: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(Tz)

    flagger: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("argument_id", "flagger_id", "edition"),)


class SanctionKind(enum.StrEnum):
    """The graduated steps, mildest first."""

    WARNING = "warning"
    SLOW_MODE = "slow_mode"
    MUTE = "mute"
    REMOVAL = "removal"


class SanctionStatus(enum.StrEnum):
    #: A mute over 24 hours or a removal waits for a second mediator's signature.
    AWAITING_COSIGN = "awaiting_cosign"
    ACTIVE = "active"
    OVERTURNED = "overturned"
    #: The second mediator refused to sign: it never took effect.
    DECLINED = "declined"


class Sanction(db.Model):
    """A step taken against one participant in one debate, citing a rule and a reason."""

    __tablename__ = "sanction"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SanctionKind] = mapped_column(str_enum(SanctionKind, "sanction_kind"))
    status: Mapped[SanctionStatus] = mapped_column(str_enum(SanctionStatus, "sanction_status"))
    rule_number: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    #: Slow mode: minutes between two posts.
    interval_minutes: Mapped[int | None] = mapped_column()
    #: Slow mode and mute: how long it lasts, from when it takes effect (NULL: a warning or a
    #: removal, which do not expire).
    duration_minutes: Mapped[int | None] = mapped_column()
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    cosigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    starts_at: Mapped[datetime | None] = mapped_column(Tz)
    ends_at: Mapped[datetime | None] = mapped_column(Tz)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id], lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes > 0", name="duration_positive"
        ),
        CheckConstraint(
            "kind <> 'slow_mode' OR interval_minutes > 0", name="slow_mode_has_interval"
        ),
        CheckConstraint(
            "cosigned_by_id IS NULL OR cosigned_by_id <> issued_by_id", name="two_different_keys"
        ),
        Index("ix_sanction_debate_user", "debate_id", "user_id"),
    )

    def in_force(self, now: datetime) -> bool:
        return (
            self.status is SanctionStatus.ACTIVE
            and self.starts_at is not None
            and self.starts_at <= now
            and (self.ends_at is None or now < self.ends_at)
        )


class AppealOutcome(enum.StrEnum):
    UPHELD = "upheld"
    OVERTURNED = "overturned"


class Appeal(db.Model):
    """One appeal against a hide or a sanction; decided by a mediator who did not take the
    decision appealed."""

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    appellant_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: A hidden argument can be appealed once per decision to hide it (see check_appeal).
    argument_id: Mapped[int | None] = mapped_column(
        ForeignKey("argument.id", ondelete="CASCADE"), index=True
    )
    sanction_id: Mapped[int | None] = mapped_column(
        ForeignKey("sanction.id", ondelete="CASCADE"), unique=True
    )
    #: The mediator whose decision is appealed: they may not decide the appeal.
    decided_against_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(Tz)
    outcome: Mapped[AppealOutcome | None] = mapped_column(str_enum(AppealOutcome, "appeal_outcome"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    appellant: Mapped[User] = relationship(foreign_keys=[appellant_id], lazy="joined")

    __table_args__ = (
        # An appeal is about exactly one thing: a hidden argument or a sanction.
        CheckConstraint("(argument_id IS NULL) <> (sanction_id IS NULL)", name="one_subject"),
        CheckConstraint("length(text) BETWEEN 10 AND 2000", name="text_length"),
        Index("ix_appeal_debate_open", "debate_id", "decided_at"),
    )


class Notification(db.Model):
    """An inbox message: what happened to one's posts, appeals, flags, co-sign requests."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    debate_id: Mapped[int | None] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    argument_id: Mapped[int | None] = mapped_column(ForeignKey("argument.id", ondelete="CASCADE"))
    #: The sanction a notice is about: the inbox shows its end time and its appeal.
    sanction_id: Mapped[int | None] = mapped_column(ForeignKey("sanction.id", ondelete="CASCADE"))
    #: What happened, a key of deliberate.moderation.notify.KINDS.
    kind: Mapped[str] = mapped_column(String(40))
    #: Details in the actor's words (a rule's text, a reason).
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(Tz)
    #: Done with by the mail sender (deliberate/mailings/delivery.py): mailed, put in a
    #: digest, or not to be mailed. NULL: not yet.
    mailed_at: Mapped[datetime | None] = mapped_column(Tz)
    #: A sender took it on at this time; after mailings.delivery.CLAIM_TIMEOUT another may.
    mail_claimed_at: Mapped[datetime | None] = mapped_column(Tz)

    sanction: Mapped[Sanction | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at", "id"),
        Index("ix_notification_mailed_at", "mailed_at"),
    )
