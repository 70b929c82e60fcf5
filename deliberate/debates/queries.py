"""Reading the argument tree at a cost that does not grow with the debate.

A page shows a few levels of the tree: the first arguments of each side (or the first
replies of one argument), and the first replies of each of those. Every list is read by
walking an index in the page's order and stopping after N rows (`LIMIT`), never by ranking
all the rows of a debate: one index per order, on (debate, parent, stance, sort key), so the
motion's arguments of one side and the replies of one parent with one stance are each a range
of it. Replies of both stances are read as two ranges and merged. A page runs three such
queries whatever the size of the debate: 10 arguments or 100,000.
"""

from __future__ import annotations

import functools
import heapq
from dataclasses import dataclass, field

from sqlalchemy import Integer, and_, bindparam, select, union_all

from ..extensions import db
from ..models import PATH_STEP, Argument, ArgumentVote, Debate, Stance, User, Visibility

SORTS = ("best", "new", "discussed")
#: Not in the tree: awaiting approval, or merged into another argument.
UNLISTED = (Visibility.PENDING, Visibility.MERGED)
#: Top-level sides: a motion's two columns, or an open question's statements (no stance).
MOTION_SIDES = (Stance.PRO, Stance.CON)


@dataclass
class Node:
    argument: Argument
    children: list[Node] = field(default_factory=list)

    @property
    def more_replies(self) -> int:
        """Replies that exist but are not shown here."""
        return max(self.argument.reply_count - len(self.children), 0)


@dataclass
class Tree:
    roots: list[Node]
    #: Per side ("pro", "con", "statement", or "replies"): are there more than shown?
    more: dict[str, bool]

    def side(self, side: str) -> list[Node]:
        """Top-level nodes of a side: "pro", "con", or "statement" (an open question's)."""
        return [n for n in self.roots if side_of(n.argument) == side]

    def arguments(self):
        for root in self.roots:
            yield root.argument
            for child in root.children:
                yield child.argument


def side_of(argument: Argument) -> str:
    return argument.stance.value if argument.stance else "statement"


def order_by(sort: str) -> tuple:
    """The columns of a sort, most significant first, all descending (as the indexes on
    argument are walked backwards)."""
    if sort == "new":
        return (Argument.created_at, Argument.id)
    if sort == "discussed":
        return (Argument.descendant_count, Argument.score, Argument.id)
    return (Argument.score, Argument.agree_count, Argument.id)


def sort_key(sort: str):
    names = [column.key for column in order_by(sort)]
    return lambda argument: tuple(getattr(argument, name) for name in names)


def debate_tree(debate: Debate, sort: str, *, per_side: int, replies: int) -> Tree:
    """The motion's first `per_side` arguments on each side (an open question's first
    statements), each with its first `replies` replies."""
    sides = (None,) if debate.is_question else MOTION_SIDES
    found = _read(debate.id, sort, [(None, stance, per_side + 1) for stance in sides])
    roots, more = [], {}
    key = sort_key(sort)
    for stance in sides:
        rows = sorted((a for a in found if a.stance == stance), key=key, reverse=True)
        more[stance.value if stance else "statement"] = len(rows) > per_side
        roots += [Node(a) for a in rows[:per_side]]
    _attach_replies(debate.id, roots, sort, replies)
    return Tree(roots, more)


def argument_tree(argument: Argument, sort: str, *, limit: int, replies: int) -> Tree:
    """The first `limit` replies to `argument`, each with its first `replies` replies."""
    first = _children(argument.debate_id, [argument.id], sort, limit + 1)[argument.id]
    roots = [Node(a) for a in first[:limit]]
    _attach_replies(argument.debate_id, roots, sort, replies)
    return Tree(roots, {"replies": len(first) > limit})


def _attach_replies(debate_id: int, nodes: list[Node], sort: str, limit: int) -> None:
    parents = [n for n in nodes if n.argument.reply_count > 0]
    if not parents or limit <= 0:
        return
    found = _children(debate_id, [n.argument.id for n in parents], sort, limit)
    for node in parents:
        node.children = [Node(a) for a in found[node.argument.id]]


def _children(debate_id: int, parent_ids: list[int], sort: str, limit: int) -> dict:
    """The first `limit` listed replies of each parent, in the sort's order."""
    ranges = [(parent_id, stance, limit) for parent_id in parent_ids for stance in MOTION_SIDES]
    by_parent: dict[int, list[Argument]] = {parent_id: [] for parent_id in parent_ids}
    for argument in _read(debate_id, sort, ranges):
        by_parent[argument.parent_id].append(argument)
    key = sort_key(sort)
    return {
        parent_id: heapq.nlargest(limit, replies, key=key)
        for parent_id, replies in by_parent.items()
    }


def _read(debate_id: int, sort: str, ranges: list[tuple]) -> list[Argument]:
    """The arguments of several (parent, stance, limit) ranges of the tree, each read in the
    sort's order and cut after its limit, in one query."""
    if not ranges:
        return []
    shape = tuple((parent is None, stance is None) for parent, stance, _limit in ranges)
    params = {"debate": debate_id}
    for i, (parent, stance, limit) in enumerate(ranges):
        params |= {f"parent{i}": parent, f"stance{i}": stance, f"limit{i}": limit}
    return list(db.session.scalars(_ranges_query(sort, shape), params))


@functools.lru_cache(maxsize=256)
def _ranges_query(sort: str, shape: tuple[tuple[bool, bool], ...]):
    """The query of _read for one sort and one shape of ranges (top level or not, with or
    without stance), built once: building a statement of dozens of subqueries costs more
    than running it. Values are bound at each run."""
    order = [column.desc() for column in order_by(sort)]
    ranges = []
    for i, (top_level, no_stance) in enumerate(shape):
        range_ids = (
            select(Argument.id)
            .where(
                Argument.debate_id == bindparam("debate"),
                Argument.parent_id.is_(None)
                if top_level
                else Argument.parent_id == bindparam(f"parent{i}"),
                Argument.stance.is_(None)
                if no_stance
                else Argument.stance == bindparam(f"stance{i}", type_=Argument.stance.type),
                Argument.visibility.not_in(UNLISTED),
            )
            .order_by(*order)
            .limit(bindparam(f"limit{i}", type_=Integer))
        )
        # Each range a subquery: SQLite allows no LIMIT on a member of a UNION otherwise.
        ranges.append(select(range_ids.subquery().c.id))
    ids = union_all(*ranges).subquery()
    return select(Argument).where(Argument.id.in_(select(ids.c.id)))


def ancestors(argument: Argument) -> list[Argument]:
    ids = argument.ancestor_ids
    if not ids:
        return []
    found = {a.id: a for a in db.session.scalars(select(Argument).where(Argument.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def subtree_scope(argument: Argument):
    """Everything below `argument`: the contiguous range of paths that start with its own,
    after it and before the path of the next id at the same level."""
    prefix = argument.path
    next_sibling = prefix[:-PATH_STEP] + f"{argument.id + 1:0{PATH_STEP}d}"
    return and_(Argument.path > prefix, Argument.path < next_sibling)


def my_votes(user: User, argument_ids) -> dict[int, int]:
    ids = list(argument_ids)
    if not user.is_authenticated or not ids:
        return {}
    return dict(
        db.session.execute(
            select(ArgumentVote.argument_id, ArgumentVote.value).where(
                ArgumentVote.user_id == user.id, ArgumentVote.argument_id.in_(ids)
            )
        ).all()
    )
