"""The cached analysis of a debate: one row per debate, replaced when it is stale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey
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
    #: Participant id -> opinion group, for exports only: never shown or served as is.
    groups: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("version >= 0", name="version_not_negative"),
        CheckConstraint("seconds >= 0", name="seconds_not_negative"),
    )
