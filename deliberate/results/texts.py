"""Argument texts for the report and the results API, from the live rows, at render time.

The cached figures (cache.py) hold argument ids and numbers only. Whatever their age, an
argument hidden by a mediator or by flags, or deleted by its author, since they were
computed is shown without its words: they are read here, on every render, from the argument
as it is now, in one query.
"""

from __future__ import annotations

import copy

from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import Argument, Visibility

EXCERPT = 160


def excerpt(body_html: str, length: int = EXCERPT) -> str:
    """Plain text of an argument's start: the sanitised HTML without its tags."""
    text = Markup(body_html).striptags()  # noqa: S704 - sanitised when written; tags removed  # nosec B704
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def with_texts(figures: dict) -> dict:
    """A copy of `figures` in which every argument (a dict with an id and a stance) has the
    excerpt of its text as the public may read it now, or None (`shown` false) once it is
    hidden, flagged, awaiting approval, merged or deleted."""
    figures = copy.deepcopy(figures)
    entries = list(_arguments(figures))
    ids = {entry["id"] for entry in entries}
    readable = {}
    if ids:
        rows = db.session.execute(
            select(Argument.id, Argument.body_html).where(
                Argument.id.in_(ids),
                Argument.visibility == Visibility.SHOWN,
                Argument.deleted_at.is_(None),
            )
        )
        readable = {argument_id: excerpt(body_html) for argument_id, body_html in rows}
    for entry in entries:
        entry["excerpt"] = readable.get(entry["id"])
        entry["shown"] = entry["id"] in readable
    return figures


def _arguments(node):
    if isinstance(node, dict):
        if "id" in node and "stance" in node:
            yield node
        for value in node.values():
            yield from _arguments(value)
    elif isinstance(node, list):
        for value in node:
            yield from _arguments(value)
