"""The agreement: a debate's outcome document, in numbered points that participants endorse
or object to, one answer per person and point."""

from __future__ import annotations

import enum
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Argument, Debate, Tz, User, str_enum, utcnow

POINT_MIN, POINT_MAX = 10, 2000
ENDORSE, OBJECT = 1, -1


class PointKind(enum.StrEnum):
    COMMON_GROUND = "common_ground"
    DISAGREEMENT = "disagreement"
    NEXT_STEP = "next_step"


class AgreementPoint(db.Model):
    """One numbered point of a debate's agreement, written by its mediators."""

    __tablename__ = "agreement_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    #: 1, 2, 3... within the debate, with no gap: removing a point renumbers the rest.
    number: Mapped[int] = mapped_column()
    #: Common ground, a remaining disagreement, or a next step.
    kind: Mapped[PointKind] = mapped_column(str_enum(PointKind, "point_kind"))
    #: Markdown source and its sanitised HTML, rendered once on write.
    text: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    #: The mediator who wrote it (NULL once their account is gone; the log keeps the record).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    #: When its kind, text or links last changed.
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    debate: Mapped[Debate] = relationship()
    created_by: Mapped[User | None] = relationship()
    #: The arguments the point cites, in id order.
    arguments: Mapped[list[Argument]] = relationship(
        secondary="agreement_point_argument", order_by=Argument.id
    )

    __table_args__ = (
        UniqueConstraint("debate_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(f"length(text) BETWEEN {POINT_MIN} AND {POINT_MAX}", name="text_length"),
    )

    @property
    def text_markup(self) -> Markup:
        return Markup(self.text_html)  # noqa: S704 - sanitised when written  # nosec B704

    def __repr__(self) -> str:
        return f"<AgreementPoint {self.debate_id}#{self.number} {self.kind}>"


class AgreementPointArgument(db.Model):
    """An argument a point cites; the argument belongs to the point's debate (checked by the
    service that links it)."""

    __tablename__ = "agreement_point_argument"

    point_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_point.id", ondelete="CASCADE"), primary_key=True
    )
    argument_id: Mapped[int] = mapped_column(
        ForeignKey("argument.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Endorsement(db.Model):
    """One participant's answer to one point: endorse (+1) or object (-1). No row: no answer."""

    __tablename__ = "endorsement"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("agreement_point.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: 1 endorse, -1 object.
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("point_id", "user_id"),
        CheckConstraint("value IN (1, -1)", name="value_endorse_or_object"),
    )
