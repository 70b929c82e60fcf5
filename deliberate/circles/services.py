"""Recording in-person circles, with two keys.

A facilitator (a mediator of the debate, or an admin or facilitator of the group running it)
enters a circle: when and where it met, how many of each community came, and the hands
raised for, against and undecided on the motion at the start and at the end. Nobody else
sees it until a second facilitator or mediator, one who was there, confirms it (a CHECK
constraint keeps the two keys apart). Both steps are in the public moderation log. Pages
show a community's figures only where at least MIN_GROUP of its people came, as they do for
online communities (results/analysis.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from .. import rules
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..models import Argument, Debate, Stance, Visibility, utcnow
from ..moderation import log
from ..moderation.models import Community
from ..moderation.services import actor_role
from ..results.analysis import MIN_GROUP
from ..rules import Standing
from .models import COUNT_MAX, PLACE_MAX, PLACE_MIN, Circle, CircleCount

HANDS = ("for", "against", "undecided")


@dataclass(frozen=True)
class Count:
    """One row of the entry form: a community (None: no community named) and its figures."""

    community_id: int | None
    attendance: int
    opening: tuple[int, int, int]
    closing: tuple[int, int, int]


def record(
    who: Standing,
    debate: Debate,
    held_on: date,
    place: str,
    counts: list[Count],
    *,
    corrects: Circle | None = None,
) -> Circle:
    """Enter a circle, unconfirmed: its facilitators see it, nobody else yet. With
    `corrects`, new figures for a confirmed circle: once confirmed, they stand in for the
    earlier ones, which stay in the database and the log."""
    rules.require(rules.record_circle(who, debate))
    if corrects is not None and (corrects.debate_id != debate.id or corrects.confirmed_at is None):
        raise Conflict(_l("Only a confirmed circle of this debate can be corrected."))
    place = " ".join(place.split())
    if not PLACE_MIN <= len(place) <= PLACE_MAX:
        raise InvalidInput(
            _l(
                "Name the commune or region in %(min)d to %(max)d characters.",
                min=PLACE_MIN,
                max=PLACE_MAX,
            )
        )
    if held_on > utcnow().date():
        raise InvalidInput(_l("A circle is recorded once it has met: its date is not to come."))
    known = {
        c.id for c in db.session.scalars(select(Community).where(Community.debate_id == debate.id))
    }
    rows = [count for count in counts if count.attendance]
    if not rows:
        raise InvalidInput(_l("Give the number of people who came, for at least one community."))
    for count in rows:
        _check(count, known)
    circle = Circle(
        debate_id=debate.id,
        held_on=held_on,
        place=place,
        entered_by_id=who.user.id,
        corrects_id=corrects.id if corrects else None,
    )
    circle.counts = [
        CircleCount(
            community_id=count.community_id,
            attendance=count.attendance,
            opening_for=count.opening[0],
            opening_against=count.opening[1],
            opening_undecided=count.opening[2],
            closing_for=count.closing[0],
            closing_against=count.closing[1],
            closing_undecided=count.closing[2],
        )
        for count in rows
    ]
    db.session.add(circle)
    db.session.flush()
    action = "circle_corrected" if corrects else "circle_recorded"
    log.record(debate, who.user, actor_role(who), action, _describe(circle))
    return circle


def _check(count: Count, known: set[int]) -> None:
    if count.community_id is not None and count.community_id not in known:
        raise InvalidInput(_l("This community is not one of the debate's."))
    figures = (count.attendance, *count.opening, *count.closing)
    if any(not 0 <= n <= COUNT_MAX for n in figures):
        raise InvalidInput(_l("Counts are whole numbers from 0 to %(max)d.", max=COUNT_MAX))
    if sum(count.opening) > count.attendance or sum(count.closing) > count.attendance:
        raise InvalidInput(
            _l("More hands were counted than people came: check the counts of a community.")
        )


def confirm(who: Standing, debate: Debate, circle: Circle) -> None:
    """The second key: someone else who was there confirms the figures; they are public."""
    if circle.debate_id != debate.id:
        raise NotFound()
    rules.require(rules.confirm_circle(who, debate, circle))
    if circle.confirmed_at is not None:
        raise Conflict(_l("This circle is already confirmed."))
    circle.confirmed_by_id = who.user.id
    circle.confirmed_at = utcnow()
    log.record(debate, who.user, actor_role(who), "circle_confirmed", _describe(circle))


def _describe(circle: Circle) -> str:
    """The log's reason: where and when (its detail line is written from it)."""
    return f"{circle.held_on.isoformat()} {circle.place}"


def load(debate: Debate, circle_id: int) -> Circle:
    circle = db.session.get(Circle, circle_id)
    if circle is None or circle.debate_id != debate.id:
        raise NotFound()
    return circle


def circles(debate: Debate, *, unconfirmed: bool = False) -> list[Circle]:
    """The debate's confirmed circles, newest first; with `unconfirmed`, those waiting for
    their second key too (for its facilitators)."""
    query = select(Circle).where(Circle.debate_id == debate.id, _not_superseded())
    if not unconfirmed:
        query = query.where(Circle.confirmed_at.is_not(None))
    return db.session.scalars(query.order_by(Circle.held_on.desc(), Circle.id.desc())).all()


def _not_superseded():
    """A circle no confirmed correction stands in for."""
    correction = aliased(Circle)
    return ~(
        select(correction.id)
        .where(correction.corrects_id == Circle.id, correction.confirmed_at.is_not(None))
        .exists()
    )


@dataclass(frozen=True)
class Row:
    """One line of a circle's public figures."""

    #: The community's name; None for people who named none; OTHERS for small ones together.
    name: str | None
    attendance: int
    opening: tuple[int, int, int]
    closing: tuple[int, int, int]


#: The line that puts together the communities of fewer than MIN_GROUP people in a circle.
OTHERS = "others"


def everything(circle: Circle) -> list[Row]:
    """Every line of a circle, for those who record and confirm circles."""
    return [
        Row(
            count.community.name if count.community else None,
            count.attendance,
            (count.opening_for, count.opening_against, count.opening_undecided),
            (count.closing_for, count.closing_against, count.closing_undecided),
        )
        for count in circle.counts
    ]


def public(circle: Circle) -> list[Row]:
    """What anyone may read of a circle's figures. A community of fewer than MIN_GROUP
    people in it is never shown on its own, nor named: those communities are put together
    in one line when they come to MIN_GROUP people or more, and left out otherwise. Every
    total (the circle's attendance, the report's in-person figures) adds up these lines
    only, so no small community can be worked out by subtracting the others from a total."""
    lines = everything(circle)
    rows = [row for row in lines if row.attendance >= MIN_GROUP]
    small = [row for row in lines if row.attendance < MIN_GROUP]
    if sum(row.attendance for row in small) >= MIN_GROUP:
        rows.append(
            Row(
                OTHERS,
                sum(row.attendance for row in small),
                tuple(map(sum, zip(*(row.opening for row in small), strict=True))),
                tuple(map(sum, zip(*(row.closing for row in small), strict=True))),
            )
        )
    return rows


def hands(debate: Debate) -> dict | None:
    """The confirmed circles together, for the report: how many circles and people, and
    the hands at the start and at the end, of their public lines only (see `public`);
    None when no circle is confirmed."""
    held = circles(debate)
    if not held:
        return None
    rows = [row for circle in held for row in public(circle)]
    return {
        "circles": len(held),
        "people": sum(row.attendance for row in rows),
        "before": {side: sum(row.opening[i] for row in rows) for i, side in enumerate(HANDS)},
        "after": {side: sum(row.closing[i] for row in rows) for i, side in enumerate(HANDS)},
    }


def together(online: dict, in_person: dict) -> dict:
    """Online and in-person counts added, side by side ({"before": {...}, "after": {...}})."""
    return {
        moment: {side: online[moment][side] + in_person[moment][side] for side in HANDS}
        for moment in ("before", "after")
    }


def strongest(debate: Debate, per_side: int = 3) -> dict[str, list]:
    """The printed kit's arguments: the best-scored readable ones on the motion, per side,
    in the debate page's "best" order (the Wilson score); an open question's statements."""

    def best(stance):
        query = select(Argument).where(
            Argument.debate_id == debate.id,
            Argument.parent_id.is_(None),
            Argument.visibility == Visibility.SHOWN,
            Argument.deleted_at.is_(None),
            Argument.stance.is_(None) if stance is None else Argument.stance == stance,
        )
        limit = 2 * per_side if stance is None else per_side
        return db.session.scalars(
            query.order_by(Argument.score.desc(), Argument.id).limit(limit)
        ).all()

    if debate.is_question:
        return {"statement": best(None)}
    return {"pro": best(Stance.PRO), "con": best(Stance.CON)}
