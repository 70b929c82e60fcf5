"""The cached analysis of a debate: one row per debate, replaced when it is stale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import Tz, utcnow


class DebateResult(db.Model):
    __tablename__ = "debate_result"

    debate_id: Mapped[int] = mapped_column(
        ForeignKey("debate.id", ondelete="CASCADE"), primary_key=True
    )
    #: The debate's results_version this analysis read.
    version: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    seconds: Mapped[float] = mapped_column(Float)
    #: The public figures (what the report and /api/v1/debates/<slug>/results show).
    figures: Mapped[dict] = mapped_column(JSON)
    #: Their public counts alone (figures["counts"] and the analysis version), which the
    #: debate page reads on every view without loading the whole figures.
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Participant id -> opinion group, for exports only: never shown or served as is.
    groups: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("version >= 0", name="version_not_negative"),
        CheckConstraint("seconds >= 0", name="seconds_not_negative"),
    )


class PendingChange(db.Model):
    """A participant whose private choices (a vote, a position, a declared community) changed
    since the debate's figures were last computed: the figures wait for a batch of them
    (results/release.py). One row per person, whatever they changed and how often."""

    __tablename__ = "pending_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debate.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))

    __table_args__ = (UniqueConstraint("debate_id", "user_id"),)
