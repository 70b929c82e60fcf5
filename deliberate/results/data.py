"""What the results analysis reads, loaded in a handful of column queries into numpy arrays.

No ORM objects: a large debate has a million votes, and building a Python object per vote
would cost more than the whole analysis.

No text either: the cached figures hold argument ids and numbers, and the report and the API
take each argument's words from its live row when they render (texts.py), so a text hidden
or deleted after the figures were computed is never shown from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import false, select, true

from ..extensions import db
from ..models import Argument, ArgumentVote, Debate, Participant, Position, Stance, Visibility
from ..moderation.models import Community

POSITIONS = [p.value for p in Position]  # for, against, undecided: codes 0, 1, 2
NO_POSITION = -1
NO_COMMUNITY = -1


def _empty(dtype=np.int64) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


@dataclass
class DebateData:
    """One debate as arrays. Participants and arguments are numbered 0..n-1 (row and
    column indexes); each vote is one entry of (voter, argument, value)."""

    participant_ids: np.ndarray  # Participant.id by row
    community: np.ndarray  # index into community_names, or NO_COMMUNITY
    before: np.ndarray  # position code, or NO_POSITION
    after: np.ndarray
    community_names: list[str]
    argument_ids: np.ndarray  # shown arguments, by column
    stances: list[str]
    voter: np.ndarray  # row of each vote
    argument: np.ndarray  # column of each vote
    value: np.ndarray  # +1 agree, -1 disagree, 0 pass
    #: Every listed node of the tree (shown or not): (id, parent id or 0, stance, votes, depth).
    tree: list[tuple[int, int, str, int, int]]
    #: The side of the motion each shown argument helps: "for", "against" or "statement".
    sides: list[str] = field(default_factory=list)
    #: An open question: no motion positions, statements voted agree/disagree/pass.
    is_question: bool = False
    #: Which version of Pol.is's math draws the opinion groups (Debate.group_method).
    group_method: str = "current"
    #: Listed arguments not shown (hidden, flagged or collapsed by moderation, or
    #: withdrawn) or meta (Argument.meta), and the votes on them, by column of
    #: withheld_ids. Only the opinion groups read them: Pol.is zeroes such statements but
    #: still counts their votes as seen.
    withheld_ids: np.ndarray = field(default_factory=_empty)
    withheld_voter: np.ndarray = field(default_factory=_empty)
    withheld_argument: np.ndarray = field(default_factory=_empty)
    withheld_value: np.ndarray = field(default_factory=lambda: _empty(np.int8))

    @property
    def n_participants(self) -> int:
        return len(self.participant_ids)

    @property
    def n_arguments(self) -> int:
        return len(self.argument_ids)


def nobody() -> DebateData:
    """No one and nothing: what is public of a debate before its first figures."""
    return DebateData(
        participant_ids=_empty(),
        community=_empty(),
        before=_empty(),
        after=_empty(),
        community_names=[],
        argument_ids=_empty(),
        stances=[],
        voter=_empty(),
        argument=_empty(),
        value=_empty(np.int8),
        tree=[],
    )


def load(debate: Debate, *, people: bool = True) -> DebateData:
    """The debate's data; without `people`, its arguments only (nobody counted yet)."""
    participants = db.session.execute(
        select(
            Participant.id,
            Participant.user_id,
            Participant.community_id,
            Participant.position_before,
            Participant.position_after,
        )
        .where(Participant.debate_id == debate.id, true() if people else false())
        .order_by(Participant.id)
    ).all()
    communities = db.session.execute(
        select(Community.id, Community.name)
        .where(Community.debate_id == debate.id)
        .order_by(Community.position)
    ).all()
    community_index = {cid: i for i, (cid, _name) in enumerate(communities)}

    nodes = db.session.execute(
        select(
            Argument.id,
            Argument.parent_id,
            Argument.stance,
            Argument.agree_count + Argument.disagree_count,
            Argument.side,
            Argument.depth,
            Argument.visibility,
            Argument.deleted_at,
            Argument.meta,
        )
        .where(
            Argument.debate_id == debate.id,
            Argument.visibility.not_in((Visibility.PENDING, Visibility.MERGED)),
        )
        .order_by(Argument.path)
    ).all()
    # Meta statements (questions about the participant) are no opinions: like Pol.is, the
    # analysis zeroes them, as it does arguments the public cannot read.
    is_shown = [
        n.visibility is Visibility.SHOWN and n.deleted_at is None and not n.meta for n in nodes
    ]
    shown = [n for n, kept in zip(nodes, is_shown, strict=True) if kept]
    withheld = [n for n, kept in zip(nodes, is_shown, strict=True) if not kept]

    # Shown arguments are columns 0..len(shown)-1, withheld ones follow.
    voter, column, value = _votes(
        debate,
        users=np.array([p.user_id for p in participants], dtype=np.int64),
        listed=np.array([n.id for n in shown + withheld], dtype=np.int64),
    )
    on_shown = column < len(shown)

    return DebateData(
        participant_ids=np.array([p.id for p in participants], dtype=np.int64),
        community=np.array(
            [community_index.get(p.community_id, NO_COMMUNITY) for p in participants],
            dtype=np.int64,
        ),
        before=np.array([_code(p.position_before) for p in participants], dtype=np.int64),
        after=np.array([_code(p.position_after) for p in participants], dtype=np.int64),
        community_names=[name for _cid, name in communities],
        argument_ids=np.array([n.id for n in shown], dtype=np.int64),
        stances=[stance_name(n.stance) for n in shown],
        sides=[n.side or "statement" for n in shown],
        voter=voter[on_shown],
        argument=column[on_shown],
        value=value[on_shown],
        # The icicle groups branches by the side of the motion they help.
        tree=[(n.id, n.parent_id or 0, n.side or "statement", n[3], n.depth) for n in nodes],
        is_question=debate.is_question,
        group_method=debate.group_method.value,
        withheld_ids=np.array([n.id for n in withheld], dtype=np.int64),
        withheld_voter=voter[~on_shown],
        withheld_argument=column[~on_shown] - len(shown),
        withheld_value=value[~on_shown],
    )


def stance_name(stance: Stance | None) -> str:
    """ "pro", "con", or "statement" for an open question's top-level statements."""
    return stance.value if stance else "statement"


def _votes(debate: Debate, users: np.ndarray, listed: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every participant's vote on a listed argument as (participant row, index in
    `listed`, value)."""
    result = db.session.connection().execute(
        select(ArgumentVote.user_id, ArgumentVote.argument_id, ArgumentVote.value)
        .join(Argument, Argument.id == ArgumentVote.argument_id)
        .where(Argument.debate_id == debate.id)
    )
    # Straight from the driver's cursor: plain tuples of integers, which numpy converts
    # twenty times faster than result rows (a million votes in well under a second).
    rows = np.array(result.cursor.fetchall(), dtype=np.int64).reshape(-1, 3)
    voter = _positions(users, rows[:, 0])
    argument = _positions(listed, rows[:, 1])
    kept = (voter >= 0) & (argument >= 0)
    return voter[kept], argument[kept], rows[kept, 2].astype(np.int8)


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index of each wanted id in `ids` (unsorted, unique), or -1 where it is absent."""
    if len(ids) == 0:
        return np.full(len(wanted), -1)
    order = np.argsort(ids)
    found = np.searchsorted(ids, wanted, sorter=order).clip(max=len(ids) - 1)
    index = order[found]
    return np.where(ids[index] == wanted, index, -1)


def _code(position: Position | None) -> int:
    return NO_POSITION if position is None else POSITIONS.index(position.value)
