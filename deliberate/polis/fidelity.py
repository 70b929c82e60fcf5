"""How closely our opinion groups reproduce the ones a Pol.is export carries.

Pol.is writes each participant's group into participants-votes.csv (``group-id``), as its
math worker last computed it. That worker changed over the years (see
``results/polis_math.py``, ``METHODS``), and a conversation keeps the groups of whichever
version last updated it. The import compares every version with the export and keeps the
one that reproduces it (the same number of groups, then the most participants placed alike
and grouped alike), so an imported conversation's report shows Pol.is's groups;
``bench/polis_fidelity.py`` prints the same comparison.

Where the export carries Pol.is's group-informed consensus of each statement (comments.csv's
``group-informed-consensus``, since 2024), ``consensus_r`` correlates ours with it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import adjusted_rand_score

from ..results.polis_math import METHODS, consensus_scores, polis_groups
from .files import Conversation

#: The bar the groups must reach: as many as Pol.is's, and this adjusted Rand index over the
#: participants both place in a group.
ARI_BAR = 0.8


@dataclass(frozen=True)
class Fidelity:
    method: str
    #: Participants placed in a group: (ours, Pol.is's); groups: (ours, Pol.is's).
    placed: tuple[int, int]
    groups: tuple[int, int]
    #: Adjusted Rand index over the participants both place (NaN if we place nobody).
    ari: float
    seconds: float
    #: Participants both place over those either places (Jaccard; NaN if neither places).
    overlap: float = float("nan")
    #: Pearson correlation of our group-informed consensus with the export's, over the
    #: statements it gives one for; None when the export has none.
    consensus_r: float | None = None

    @property
    def ok(self) -> bool:
        return self.groups[0] == self.groups[1] and self.ari >= ARI_BAR


def compare(
    conversation: Conversation,
    method: str,
    *,
    meta: list[int] | None = None,
    group_init: str = "best",
    seed: int = 0,
) -> Fidelity:
    """Run one version of Pol.is's math on the export and compare with its groups.

    Rows in Pol.is's order; rejected statements and ``meta`` (default: the conversation's
    known meta statements) are the moderated-out ones."""
    order = conversation.arrival_order()
    theirs_by_id = {
        p: -1 if conversation.groups.get(p) is None else conversation.groups[p] for p in order
    }
    their_k = len({g for g in theirs_by_id.values() if g >= 0})
    their_placed = sum(g >= 0 for g in theirs_by_id.values())
    start = time.perf_counter()
    result = polis_groups(
        conversation.vote_matrix(order),
        order,
        conversation.comment_ids,
        seed=seed,
        excluded_comments=conversation.rejected + (conversation.meta if meta is None else meta),
        group_init=group_init,
        method=method,
    )
    seconds = time.perf_counter() - start
    if result is None:
        return Fidelity(method, (0, their_placed), (0, their_k), float("nan"), seconds)
    theirs = np.array([theirs_by_id[p] for p in result.participant_ids])
    both = theirs >= 0
    ari = (
        float(adjusted_rand_score(theirs[both], result.labels[both]))
        if both.any()
        else float("nan")
    )
    either = len(result.participant_ids) + their_placed - int(both.sum())
    return Fidelity(
        method,
        (len(result.participant_ids), their_placed),
        (result.k, their_k),
        ari,
        seconds,
        overlap=int(both.sum()) / either if either else float("nan"),
        consensus_r=_consensus_r(conversation, order, result),
    )


def _consensus_r(conversation: Conversation, order: list[int], result) -> float | None:
    """Correlation of our group-informed consensus with the one the export carries."""
    theirs = {c.id: c.consensus for c in conversation.comments if c.consensus is not None}
    if len(theirs) < 2:
        return None
    rows = {p: i for i, p in enumerate(order)}
    placed = conversation.vote_matrix(order)[[rows[p] for p in result.participant_ids]]
    ours = consensus_scores(placed, result.labels, result.k)
    column = {c: j for j, c in enumerate(conversation.comment_ids)}
    ids = sorted(theirs)
    a = np.array([ours[column[c]] for c in ids])
    b = np.array([theirs[c] for c in ids])
    if a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def compare_all(conversation: Conversation, **options) -> dict[str, Fidelity]:
    return {name: compare(conversation, name, **options) for name in METHODS}


def closest(fidelities: dict[str, Fidelity]) -> Fidelity | None:
    """The version that reproduces Pol.is's groups: the current one when it does (``ok``),
    else the best: the same number of groups first, then the higher adjusted Rand index
    times the share of participants placed alike (a version that places people Pol.is left
    out, or leaves out people it placed, is not the one that drew its groups); earlier
    entries of ``METHODS`` win ties. None when the export has no groups to compare with."""
    usable = [f for f in fidelities.values() if f.groups[1] > 0 and not np.isnan(f.ari)]
    if not usable:
        return None
    current = fidelities.get("current")
    if current is not None and current in usable and current.ok:
        return current
    rank = {name: i for i, name in enumerate(METHODS)}

    def score(f: Fidelity) -> tuple:
        overlap = 1.0 if np.isnan(f.overlap) else f.overlap
        return (f.groups[0] == f.groups[1], round(f.ari * overlap, 9), -rank.get(f.method, 99))

    return max(usable, key=score)
