"""How closely our opinion groups reproduce the ones a Pol.is export carries.

Pol.is writes each participant's group into participants-votes.csv (``group-id``), as its
math worker last computed it. That worker changed over the years (see
``results/polis_math.py``, ``METHODS``), and a conversation keeps the groups of whichever
version last updated it. The import compares both versions with the export and keeps the
one that reproduces it, so an imported conversation's report shows Pol.is's groups;
``bench/polis_fidelity.py`` prints the same comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import adjusted_rand_score

from ..results.polis_math import METHODS, polis_groups
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
    return Fidelity(
        method, (len(result.participant_ids), their_placed), (result.k, their_k), ari, seconds
    )


def compare_all(conversation: Conversation, **options) -> dict[str, Fidelity]:
    return {name: compare(conversation, name, **options) for name in METHODS}


def closest(fidelities: dict[str, Fidelity]) -> Fidelity | None:
    """The version that reproduces Pol.is's groups best: the same number of groups first,
    then the higher adjusted Rand index; the current version wins ties. None when the
    export has no groups to compare with."""
    usable = [f for f in fidelities.values() if f.groups[1] > 0 and not np.isnan(f.ari)]
    if not usable:
        return None
    return max(usable, key=lambda f: (f.groups[0] == f.groups[1], f.ari, f.method == "current"))
