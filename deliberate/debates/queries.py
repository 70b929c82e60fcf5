"""Reading the argument tree with a fixed number of queries, whatever the debate's size.

One window-function query fetches the part of the tree a page shows: every node down to a
depth cap, keeping only the first N children of each parent in the chosen order. Python
then links the rows into nodes. Deeper threads and further children are one link away.
"""

from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, null, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import PATH_STEP, Argument, ArgumentVote, Debate, Stance, User, Visibility

SORTS = ("best", "new", "discussed")
#: Not in the tree: awaiting approval, or merged into another argument.
UNLISTED = (Visibility.PENDING, Visibility.MERGED)


@dataclass
class Node:
    argument: Argument
    children: list["Node"] = field(default_factory=list)
    #: Replies that exist but are not shown here (beyond the per-node limit or the depth cap).
    hidden_replies: int = 0
    #: True when the depth cap cut this node's replies off entirely.
    continues: bool = False


@dataclass
class Tree:
    roots: list[Node]
    #: How many top-level arguments of each stance are shown.
    shown: dict[str, int]

    def side(self, stance: str) -> list[Node]:
        """Top-level nodes of a side: "pro", "con", or "statement" (an open question's)."""
        return [n for n in self.roots if side_of(n.argument) == stance]

    def arguments(self):
        stack = list(self.roots)
        while stack:
            node = stack.pop()
            yield node.argument
            stack.extend(node.children)


def side_of(argument: Argument) -> str:
    return argument.stance.value if argument.stance else "statement"


def order_by(sort: str):
    if sort == "new":
        return (Argument.created_at.desc(), Argument.id.desc())
    if sort == "discussed":
        return (Argument.descendant_count.desc(), Argument.score.desc(), Argument.id.desc())
    return (Argument.score.desc(), Argument.agree_count.desc(), Argument.id.desc())


def debate_tree(
    debate: Debate, sort: str, *, top_limit: int, children_limit: int, depth_cap: int
) -> Tree:
    """The top of the debate: up to `top_limit` arguments per side, replies below them."""
    return _load_tree(
        debate,
        sort,
        scope=Argument.depth < depth_cap,
        top_depth=0,
        top_limit=top_limit,
        children_limit=children_limit,
        depth_cap=depth_cap,
    )


def subtree(
    argument: Argument, sort: str, *, top_limit: int, children_limit: int, depth_cap: int
) -> Tree:
    """The replies under one argument: up to `top_limit` direct replies, theirs below them."""
    scope = and_(subtree_scope(argument), Argument.depth <= argument.depth + depth_cap)
    return _load_tree(
        argument.debate,
        sort,
        scope=scope,
        top_depth=argument.depth + 1,
        top_limit=top_limit,
        children_limit=children_limit,
        depth_cap=argument.depth + 1 + depth_cap,
    )


def subtree_scope(argument: Argument):
    """Everything below `argument`: the contiguous range of paths that start with its own,
    after it and before the path of the next id at the same level."""
    prefix = argument.path
    next_sibling = prefix[:-PATH_STEP] + f"{argument.id + 1:0{PATH_STEP}d}"
    return and_(Argument.path > prefix, Argument.path < next_sibling)


def _load_tree(debate, sort, *, scope, top_depth, top_limit, children_limit, depth_cap) -> Tree:
    # The motion's arguments are ranked per side (the two columns); replies per parent.
    partition_stance = case((Argument.depth == 0, cast(Argument.stance, String)), else_=null())
    rank = (
        func.row_number()
        .over(partition_by=(Argument.parent_id, partition_stance), order_by=order_by(sort))
        .label("rank")
    )
    ranked = (
        select(Argument.id, Argument.depth, rank)
        .where(Argument.debate_id == debate.id, scope, Argument.visibility.not_in(UNLISTED))
        .subquery()
    )
    shown = aliased(Argument)
    rows = db.session.execute(
        select(shown, ranked.c.rank)
        .join(ranked, ranked.c.id == shown.id)
        .where(
            or_(
                and_(ranked.c.depth == top_depth, ranked.c.rank <= top_limit),
                and_(ranked.c.depth > top_depth, ranked.c.rank <= children_limit),
            )
        )
        .order_by(ranked.c.depth, ranked.c.rank)
    ).all()

    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for argument, _rank in rows:
        node = Node(argument)
        if argument.depth == top_depth:
            roots.append(node)
        elif argument.parent_id in nodes:
            nodes[argument.parent_id].children.append(node)
        else:
            continue  # its parent was cut off by a limit
        nodes[argument.id] = node
    for node in nodes.values():
        node.hidden_replies = node.argument.reply_count - len(node.children)
        node.continues = node.argument.depth + 1 >= depth_cap and node.argument.reply_count > 0
    shown = {"pro": 0, "con": 0, "statement": 0}
    for node in roots:
        shown[side_of(node.argument)] += 1
    return Tree(roots=roots, shown=shown)


def top_level_counts(debate: Debate) -> dict[str, int]:
    """How many listed arguments on the motion each side has (or statements an open
    question has)."""
    counts = dict(
        db.session.execute(
            select(Argument.stance, func.count())
            .where(
                Argument.debate_id == debate.id,
                Argument.parent_id.is_(None),
                Argument.visibility.not_in(UNLISTED),
            )
            .group_by(Argument.stance)
        ).all()
    )
    return {
        "pro": counts.get(Stance.PRO, 0),
        "con": counts.get(Stance.CON, 0),
        "statement": counts.get(None, 0),
    }


def ancestors(argument: Argument) -> list[Argument]:
    ids = argument.ancestor_ids
    if not ids:
        return []
    found = {a.id: a for a in db.session.scalars(select(Argument).where(Argument.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


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
