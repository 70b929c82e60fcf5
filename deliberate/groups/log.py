"""The group log's one writer (debates log their start in their group's log too)."""

from __future__ import annotations

from ..extensions import db
from ..models import User
from .models import Group, GroupLogEntry


def record(group: Group, actor: User, action: str, subject: User | None = None, detail="") -> None:
    db.session.add(
        GroupLogEntry(
            group_id=group.id,
            actor_id=actor.id,
            action=action,
            subject_id=subject.id if subject else None,
            detail=str(detail),
        )
    )
