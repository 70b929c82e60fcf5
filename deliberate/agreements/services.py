"""The agreement of a debate: its mediators write numbered points, participants endorse or
object to each one, and the tallies say which points the communities ratify.

Changes to the points are recorded in the public moderation log in the same transaction.
Functions only flush; the request commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import rules
from ..errors import InvalidInput
from ..extensions import db
from ..markup import render_markdown
from ..models import Argument, Debate, Participant, User, utcnow
from ..moderation import log, notify
from ..moderation.models import Community
from ..moderation.services import actor_role
from ..rules import Standing
from .models import (
    ENDORSE,
    OBJECT,
    POINT_MAX,
    POINT_MIN,
    AgreementPoint,
    Endorsement,
    PointKind,
)

#: A community takes part in ratification, and its tally is shown, from this many declared
#: participants; smaller ones are never shown, so nobody's answer can be singled out.
RATIFYING_SIZE = 5
#: The thresholds organisers may choose: the share, in percent, of a caucus's declared
#: members who must endorse a point (50: more than half; 100: all of them).
RATIFY_PERCENTS = (50, 60, 67, 75, 100)
#: At most this many arguments cited by one point.
MAX_LINKS = 20
#: How much of a point's text the moderation log quotes.
LOG_EXCERPT = 280

POINT_LENGTH = _l("Write between %(min)d and %(max)d characters.", min=POINT_MIN, max=POINT_MAX)

# --- reading ------------------------------------------------------------------------------


def points(debate: Debate) -> list[AgreementPoint]:
    """The debate's points in order, with the arguments they cite (two queries)."""
    return db.session.scalars(
        select(AgreementPoint)
        .where(AgreementPoint.debate_id == debate.id)
        .order_by(AgreementPoint.number)
        # The page links each cited argument and quotes it; it never shows their authors.
        .options(selectinload(AgreementPoint.arguments).lazyload(Argument.author))
    ).all()


@dataclass(frozen=True)
class CommunitySize:
    id: int
    name: str
    #: Declared participants.
    members: int


@dataclass(frozen=True)
class CommunityTally:
    """The answers to one point from the declared participants of one ratifying community
    (a caucus)."""

    community_id: int
    name: str
    members: int
    endorsements: int
    objections: int
    #: The debate's threshold: the share of the members, in percent, who must endorse.
    percent: int = 50

    @property
    def has_majority(self) -> bool:
        """At least `percent` of the community's declared participants endorse, and always
        more than half of them (of the members, not merely of those who answered: silence
        is not consent). An empty caucus ratifies nothing."""
        e, n = self.endorsements, self.members
        return n > 0 and 2 * e > n and 100 * e >= self.percent * n

    @property
    def counts_shown(self) -> bool:
        """A caucus under RATIFYING_SIZE still ratifies, but only "ratified" or "not yet" is
        shown: its counts could single out its members' answers (docs/threat-model.md)."""
        return self.members >= RATIFYING_SIZE


@dataclass(frozen=True)
class PointTally:
    #: Every endorsement and objection, whatever the community (or none).
    endorsements: int
    objections: int
    #: The ratifying communities, in display order.
    communities: tuple[CommunityTally, ...]
    ratified: bool
    #: Whether the overall figures may be shown (totals_shown).
    totals_shown: bool = True


def caucuses_chosen(debate: Debate) -> bool:
    return bool(
        db.session.scalar(
            select(Community.id).where(Community.debate_id == debate.id, Community.caucus)
        )
    )


def ratifying_communities(debate: Debate) -> list[CommunitySize]:
    """Who ratifies: the caucuses the organisers chose before opening, whatever their size;
    when they chose none, every community with at least RATIFYING_SIZE declared
    participants (the rule before caucuses existed). One query."""
    members = func.count(Participant.id)
    rows = db.session.execute(
        select(Community.id, Community.name, Community.caucus, members)
        .outerjoin(
            Participant,
            and_(Participant.community_id == Community.id, Participant.debate_id == debate.id),
        )
        .where(Community.debate_id == debate.id)
        .group_by(Community.id, Community.name, Community.caucus, Community.position)
        .order_by(Community.position, Community.id)
    ).all()
    if any(row.caucus for row in rows):
        chosen = [row for row in rows if row.caucus]
    else:
        chosen = [row for row in rows if row[3] >= RATIFYING_SIZE]
    return [CommunitySize(row.id, row.name, row[3]) for row in chosen]


def tallies(debate: Debate) -> dict[int, PointTally]:
    """Endorsements and objections of every point of the debate, by point id.

    Ratification: a point is ratified when *each* ratifying community (ratifying_communities)
    ratifies it: at least the debate's `ratify_percent` of the community's declared
    participants endorse it, and more than half of them (a share of the community, not of
    those who answered: silence is not consent). A point is not ratified while no community
    ratifies. Members' answers count in the overall figures whatever their community.

    A few queries, whatever the number of points: the caucuses and their sizes, and the
    answers grouped by point, community and value.
    """
    communities = ratifying_communities(debate)
    answers = func.count(Endorsement.id)
    rows = db.session.execute(
        select(AgreementPoint.id, Participant.community_id, Endorsement.value, answers)
        .select_from(AgreementPoint)
        .outerjoin(Endorsement, Endorsement.point_id == AgreementPoint.id)
        .outerjoin(
            Participant,
            and_(
                Participant.user_id == Endorsement.user_id,
                Participant.debate_id == AgreementPoint.debate_id,
            ),
        )
        .where(AgreementPoint.debate_id == debate.id)
        .group_by(AgreementPoint.id, Participant.community_id, Endorsement.value)
    ).all()
    counts: dict[int, Counter] = {}
    for point_id, community_id, value, count in rows:
        tally = counts.setdefault(point_id, Counter())
        if value is not None:
            tally[community_id, value] += count
            tally[value] += count
    totals = totals_shown(debate, communities)
    result = {}
    for point_id, tally in counts.items():
        shown = tuple(
            CommunityTally(
                community_id=c.id,
                name=c.name,
                members=c.members,
                endorsements=tally[c.id, ENDORSE],
                objections=tally[c.id, OBJECT],
                percent=debate.ratify_percent,
            )
            for c in communities
        )
        result[point_id] = PointTally(
            endorsements=tally[ENDORSE],
            objections=tally[OBJECT],
            communities=shown,
            ratified=bool(shown) and all(c.has_majority for c in shown),
            totals_shown=totals,
        )
    return result


def totals_shown(debate: Debate, communities: list[CommunitySize]) -> bool:
    """The overall figures minus those of the communities shown with counts are the answers
    of everyone else (small caucuses, small communities, the undeclared). When everyone else
    is one to four people, that difference says how each of them answered: then only the
    communities' figures are shown."""
    counted = sum(c.members for c in communities if c.members >= RATIFYING_SIZE)
    rest = debate.participant_count - counted
    return rest <= 0 or rest >= RATIFYING_SIZE


def set_caucuses(who: Standing, debate: Debate, community_ids: Iterable[int], percent: int) -> None:
    """Before opening, the organisers choose which communities must ratify the agreement
    and the share of each one's declared members who must endorse a point."""
    rules.require(rules.choose_caucuses(who, debate))
    if percent not in RATIFY_PERCENTS:
        raise InvalidInput(_l("Choose one of the thresholds offered."))
    chosen = set(community_ids)
    listed = db.session.scalars(
        select(Community).where(Community.debate_id == debate.id).order_by(Community.position)
    ).all()
    if chosen - {c.id for c in listed}:
        raise InvalidInput(_l("Choose among this debate's communities."))
    for community in listed:
        community.caucus = community.id in chosen
    debate.ratify_percent = percent
    db.session.flush()
    names = ", ".join(c.name for c in listed if c.caucus) or "-"
    log.record(debate, who.user, actor_role(who), "caucuses_set", f"{names} · {percent}%")


def ratified_points(debate: Debate) -> list[AgreementPoint]:
    """The points every large-enough community has ratified, in order (the report's list)."""
    ratified = tallies(debate)
    return [point for point in points(debate) if ratified[point.id].ratified]


def my_endorsements(user: User, debate: Debate) -> dict[int, int]:
    """The user's answers in this debate: point id -> 1 (endorse) or -1 (object)."""
    if user is None or not user.is_authenticated:
        return {}
    return dict(
        db.session.execute(
            select(Endorsement.point_id, Endorsement.value)
            .join(AgreementPoint, AgreementPoint.id == Endorsement.point_id)
            .where(AgreementPoint.debate_id == debate.id, Endorsement.user_id == user.id)
        ).all()
    )


def answer_count(point: AgreementPoint) -> int:
    """Endorsements and objections the point has received."""
    return db.session.scalar(
        select(func.count()).select_from(Endorsement).where(Endorsement.point_id == point.id)
    )


# --- writing (mediators) ------------------------------------------------------------------


def add_point(
    who: Standing,
    debate: Debate,
    kind: PointKind | str,
    text: str,
    argument_ids: Iterable[int] = (),
) -> AgreementPoint:
    """Add a point at the end of the agreement."""
    rules.require(rules.draft_agreement(who, debate))
    kind, text = _kind(kind), _text(text)
    arguments = _linked_arguments(debate, argument_ids)
    _lock(debate)
    last = db.session.scalar(
        select(func.max(AgreementPoint.number)).where(AgreementPoint.debate_id == debate.id)
    )
    point = AgreementPoint(
        debate_id=debate.id,
        number=(last or 0) + 1,
        kind=kind,
        text=text,
        text_html=render_markdown(text),
        created_by_id=who.user.id,
        arguments=arguments,
    )
    db.session.add(point)
    db.session.flush()
    log.record(debate, who.user, "mediator", "agreement_point_added", _log_line(point))
    notify.to_participants(debate, "agreement_to_endorse", coalesce=True)
    return point


def edit_point(
    who: Standing,
    point: AgreementPoint,
    kind: PointKind | str,
    text: str,
    argument_ids: Iterable[int] = (),
) -> int:
    """Change a point's kind, text or cited arguments.

    Endorsements answer a point as it stands, arguments cited included: any change of
    substance withdraws its endorsements and objections (so a ratified point cannot be
    rewritten, or made to cite other arguments, under its endorsers), and those who had
    answered are told to read it again. Returns how many answers were withdrawn.
    """
    debate = point.debate
    rules.require(rules.draft_agreement(who, debate))
    kind, text = _kind(kind), _text(text)
    arguments = _linked_arguments(debate, argument_ids)
    reworded = kind is not point.kind or text != point.text
    relinked = {a.id for a in arguments} != {a.id for a in point.arguments}
    if not (reworded or relinked):
        return 0
    _lock(debate)
    withdrawn = _reopen(point)
    if reworded:
        point.kind = kind
        point.text = text
        point.text_html = render_markdown(text)
    point.arguments = arguments
    point.updated_at = utcnow()
    db.session.flush()
    log.record(debate, who.user, "mediator", "agreement_point_edited", _log_line(point))
    return withdrawn


def _reopen(point: AgreementPoint) -> int:
    """Withdraw every answer to the point and tell those who gave them."""
    answered = (
        db.session.execute(
            delete(Endorsement)
            .where(Endorsement.point_id == point.id)
            .returning(Endorsement.user_id)
        )
        .scalars()
        .all()
    )
    for user_id in answered:
        notify.send(user_id, "agreement_reopened", point.debate, detail=_point_label(point))
    return len(answered)


def _point_label(point: AgreementPoint) -> str:
    return f"#{point.number}"


def remove_point(who: Standing, point: AgreementPoint) -> None:
    """Remove a point (with its endorsements) and renumber the ones after it."""
    debate = point.debate
    rules.require(rules.draft_agreement(who, debate))
    _lock(debate)
    number, line = point.number, _log_line(point)
    db.session.delete(point)
    db.session.flush()
    # Shift the later points down by one in two steps, through numbers no point uses, so
    # the unique (debate_id, number) holds after every row whatever order the rows go in.
    top = db.session.scalar(
        select(func.max(AgreementPoint.number)).where(AgreementPoint.debate_id == debate.id)
    )
    if top is not None and top > number:
        for after, shift in ((number, top), (top, -top - 1)):
            db.session.execute(
                update(AgreementPoint)
                .where(AgreementPoint.debate_id == debate.id, AgreementPoint.number > after)
                .values(
                    number=AgreementPoint.number + shift,
                    updated_at=AgreementPoint.updated_at,  # renumbering is not an edit
                )
            )
    db.session.flush()
    log.record(debate, who.user, "mediator", "agreement_point_removed", line)


# --- answering (participants) -------------------------------------------------------------


def endorse(who: Standing, point: AgreementPoint, value: int | None) -> None:
    """Endorse (1), object (-1) or withdraw one's answer (None). One row per user and point,
    whatever the clicks: the database's unique (point_id, user_id) decides races."""
    rules.require(rules.endorse_agreement(who, point.debate))
    if value not in (ENDORSE, OBJECT, None):
        raise InvalidInput()
    mine = (Endorsement.point_id == point.id, Endorsement.user_id == who.user.id)
    if value is None:
        db.session.execute(delete(Endorsement).where(*mine))
        return
    existing = db.session.scalar(select(Endorsement).where(*mine))
    if existing is not None:
        existing.value = value
        db.session.flush()
        return
    try:
        with db.session.begin_nested():
            db.session.add(Endorsement(point_id=point.id, user_id=who.user.id, value=value))
    except IntegrityError:
        # Another request of the same user inserted first: change that row instead.
        db.session.execute(update(Endorsement).where(*mine).values(value=value))


# --- helpers ------------------------------------------------------------------------------


def _kind(kind: PointKind | str) -> PointKind:
    try:
        return PointKind(kind)
    except ValueError:
        raise InvalidInput(
            _l("Choose common ground, a remaining disagreement or a next step.")
        ) from None


def _text(text: str) -> str:
    text = (text or "").strip()
    if not POINT_MIN <= len(text) <= POINT_MAX:
        raise InvalidInput(POINT_LENGTH)
    return text


def _linked_arguments(debate: Debate, argument_ids: Iterable[int]) -> list[Argument]:
    """The arguments to cite, in id order; each must exist and belong to this debate."""
    ids = list(dict.fromkeys(int(i) for i in argument_ids))
    if len(ids) > MAX_LINKS:
        raise InvalidInput(_l("Cite at most %(max)d arguments in one point.", max=MAX_LINKS))
    if not ids:
        return []
    found = {a.id: a for a in db.session.scalars(select(Argument).where(Argument.id.in_(ids)))}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput(
            _l("There is no argument with these ids: %(ids)s.", ids=_id_list(unknown))
        )
    foreign = [i for i in ids if found[i].debate_id != debate.id]
    if foreign:
        raise InvalidInput(
            _l(
                "These arguments belong to another debate: %(ids)s. "
                "A point can only cite arguments of this debate.",
                ids=_id_list(foreign),
            )
        )
    return sorted(found.values(), key=lambda a: a.id)


def _id_list(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _lock(debate: Debate) -> None:
    """Serialise changes to one debate's points (PostgreSQL row lock; SQLite has one writer),
    so two mediators adding at once do not both take the same number."""
    db.session.execute(select(Debate.id).where(Debate.id == debate.id).with_for_update())


def _log_line(point: AgreementPoint) -> str:
    """What the public log keeps of a point: number, kind, cited arguments and text."""
    text = point.text
    if len(text) > LOG_EXCERPT:
        text = text[: LOG_EXCERPT - 1].rstrip() + "…"
    cited = " ".join(f"#{a.id}" for a in point.arguments)
    return f"{point.number} · {point.kind.value}{' · ' + cited if cited else ''} · {text}"
