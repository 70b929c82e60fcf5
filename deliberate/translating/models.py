"""A translation of one argument into one of its debate's languages."""

from __future__ import annotations

import enum
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import BODY_MAX, Argument, Tz, User, str_enum, utcnow

#: A translation may run longer than its original (French is often a quarter longer).
TRANSLATION_MAX = 2 * BODY_MAX


class TranslationStatus(enum.StrEnum):
    #: Written by a participant, waiting for a mediator.
    PROPOSED = "proposed"
    #: What readers of its language see (one per argument and language).
    PUBLISHED = "published"
    #: Refused by a mediator (kept, with the reason, for its author).
    REJECTED = "rejected"
    #: Once published, since replaced by a newer translation.
    REPLACED = "replaced"


class ArgumentTranslation(db.Model):
    __tablename__ = "argument_translation"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    argument_id: Mapped[int] = mapped_column(
        ForeignKey("argument.id", ondelete="CASCADE"), index=True
    )
    #: The language it is in (a BCP 47 tag, one of the debate's languages).
    language: Mapped[str] = mapped_column(String(35))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[TranslationStatus] = mapped_column(
        str_enum(TranslationStatus, "translation_status"), default=TranslationStatus.PROPOSED
    )
    #: Who wrote it (NULL once their account is deleted: the page says "[deleted]").
    translator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: The mediator who approved or corrected it; NULL when a translator published it
    #: directly (their role is the check) or nobody has yet.
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: Its draft came from a machine translation server (machine_translation.py).
    machine_draft: Mapped[bool] = mapped_column(default=False)
    #: The original's `edited_at` when it was translated: once the original is edited again,
    #: the translation is outdated and pages show the original until it is redone.
    source_edited_at: Mapped[datetime | None] = mapped_column(Tz)
    #: Why a mediator rejected it (its author reads it).
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(Tz)

    argument: Mapped[Argument] = relationship()
    translator: Mapped[User | None] = relationship(foreign_keys=[translator_id])
    checked_by: Mapped[User | None] = relationship(foreign_keys=[checked_by_id])

    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {TRANSLATION_MAX}", name="body_length"),
        # Readers of a language see one translation of an argument.
        Index(
            "uq_argument_translation_published",
            "argument_id",
            "language",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
        # The queue lists a debate's proposals, oldest first.
        Index("ix_argument_translation_debate_status", "debate_id", "status", "id"),
    )

    @property
    def body_markup(self) -> Markup:
        return Markup(self.body_html)  # noqa: S704 - sanitised when written  # nosec B704

    def outdated(self, argument: Argument) -> bool:
        """The original changed since this was translated."""
        return argument.edited_at != self.source_edited_at


class TextKind(enum.StrEnum):
    """The debate's own texts, which its organisers, mediators and translators translate."""

    MOTION = "motion"
    BACKGROUND = "background"
    #: A ground rule, by its number.
    RULE = "rule"
    #: A mediator's note, by its id.
    NOTE = "note"
    #: An agreement point, by its id.
    POINT = "point"


class DebateTextTranslation(db.Model):
    """The motion, the background, a ground rule, a mediator's note or an agreement point,
    in another of the debate's languages. Published at once: those who write it are those
    who run the debate (organisers, mediators, translators)."""

    __tablename__ = "debate_text_translation"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    kind: Mapped[TextKind] = mapped_column(str_enum(TextKind, "text_kind"))
    #: The rule's number, the note's or the point's id; 0 for the motion and the background.
    ref: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    #: SHA-256 of the original text it was made from: a changed original outdates it.
    source_digest: Mapped[str] = mapped_column(String(64))
    translator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    translator: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("debate_id", "kind", "ref", "language"),
        CheckConstraint(f"length(text) BETWEEN 1 AND {TRANSLATION_MAX}", name="text_length"),
    )

    @property
    def text_markup(self) -> Markup:
        return Markup(self.text_html)  # noqa: S704 - sanitised when written  # nosec B704
