"""A circle: one in-person session of a debate, and its counts per community."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Tz, User, utcnow
from ..moderation.models import Community

PLACE_MIN, PLACE_MAX = 2, 80
#: Hands counted in one circle, per community, at most (a village meeting, not a census).
COUNT_MAX = 100_000


class Circle(db.Model):
    __tablename__ = "circle"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    #: A commune or a region, never a village: pages show it to everyone.
    place: Mapped[str] = mapped_column(String(PLACE_MAX))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The second key: a facilitator or mediator who was there, not the one who entered it.
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: Set when confirmed: only then does anyone but its facilitators see it.
    confirmed_at: Mapped[datetime | None] = mapped_column(Tz)
    #: The circle whose figures this one corrects: a correction is a new entry, confirmed
    #: like any other, and once confirmed it stands in for the earlier one (kept, and in the
    #: log).
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("circle.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    counts: Mapped[list[CircleCount]] = relationship(
        order_by="CircleCount.id", cascade="all, delete-orphan", lazy="selectin"
    )
    corrects: Mapped[Circle | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint(f"length(place) BETWEEN {PLACE_MIN} AND {PLACE_MAX}", name="place_length"),
        CheckConstraint(
            "confirmed_by_id IS NULL OR entered_by_id IS NULL OR confirmed_by_id <> entered_by_id",
            name="two_keys",
        ),
    )

    @property
    def attendance(self) -> int:
        return sum(count.attendance for count in self.counts)


class CircleCount(db.Model):
    """Attendance and the show of hands of one community in one circle (community NULL:
    those who named none)."""

    __tablename__ = "circle_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("community.id", ondelete="SET NULL")
    )
    attendance: Mapped[int] = mapped_column()
    opening_for: Mapped[int] = mapped_column(default=0)
    opening_against: Mapped[int] = mapped_column(default=0)
    opening_undecided: Mapped[int] = mapped_column(default=0)
    closing_for: Mapped[int] = mapped_column(default=0)
    closing_against: Mapped[int] = mapped_column(default=0)
    closing_undecided: Mapped[int] = mapped_column(default=0)

    community: Mapped[Community | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("circle_id", "community_id"),
        CheckConstraint(
            f"attendance BETWEEN 1 AND {COUNT_MAX} AND opening_for >= 0 AND opening_against >= 0"
            " AND opening_undecided >= 0 AND closing_for >= 0 AND closing_against >= 0"
            " AND closing_undecided >= 0",
            name="counts_in_range",
        ),
        # Nobody raises a hand twice in one count.
        CheckConstraint(
            "opening_for + opening_against + opening_undecided <= attendance"
            " AND closing_for + closing_against + closing_undecided <= attendance",
            name="hands_within_attendance",
        ),
    )
