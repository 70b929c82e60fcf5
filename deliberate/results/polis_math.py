"""Pol.is's opinion groups, representative statements and group-informed consensus.

A numerical port of the method of Pol.is's math worker (compdemocracy/polis,
``math/src/polismath/math/``: ``conversation.clj``, ``pca.clj``, ``clusters.clj``,
``repness.clj``, ``stats.clj``), run once on a vote matrix. No database, no Flask.

The steps, each citing the Pol.is function it follows:

1. The rating matrix has a row per participant with at least one vote and a column per
   statement with at least one vote (``named_matrix.clj`` grows it vote by vote).
2. Moderated-out and meta statements are *zeroed*, not dropped: every participant gets a
   0 in their column (``conversation.clj :rating-mat``, ``named_matrix.clj
   zero-out-columns``). They carry no variance, but they count as seen when projecting.
3. "In conversation" (``conversation.clj :in-conv``): participants with at least
   ``min(7, number of statements)`` votes, raw votes on zeroed statements included
   (``:user-vote-counts`` reads ``raw-rating-mat``); if fewer than 15, the most active
   voters top it up to 15. Only they are placed in groups.
4. PCA (``pca.clj powerit-pca``, ``conversation.clj :mat``): missing votes are filled with
   the statement's mean vote, the matrix is centred, and the top two components are taken.
   Filling with the column mean and then centring leaves exactly the seen entries non-zero
   (vote minus mean), so we work on that sparse matrix and take its top two right singular
   vectors: the eigenvectors Pol.is's power iteration converges to, without a dense matrix.
5. Projection (``pca.clj sparsity-aware-project-ptpt``): a participant's coordinates are the
   dot products over the statements they saw, times ``sqrt(n_statements / n_seen)``, which
   pushes people who saw few statements out from the centre.
6. Base clusters (``conversation.clj :base-clusters``, ``clusters.clj kmeans``): k-means
   with k = 100 on the placed participants, started from the first 100 distinct points in
   row order (``init-clusters``), at most 100 steps, stopping when no centre moves 0.01.
7. Groups (``conversation.clj :group-clusterings``): k-means on the base-cluster centres
   weighted by their sizes, for k = 2 .. min(5, 2 + n_base // 12) (``max-k-fn``); the k
   with the best silhouette over the base centres wins (``:group-clusterings-silhouettes``).
8. Representative statements (``repness.clj conv-repness``, ``select-rep-comments``) and
   group-aware consensus (``conversation.clj :group-aware-consensus``).

What one run cannot reproduce: Pol.is updates the groups after every batch of votes, starting
each update from the previous one's clusters (``:last-clusters``, ``clean-start-clusters``),
keeps anyone once placed (``:in-conv``), and changes k only after the same new k has won
four updates in a row (``:group-k-smoother``, buffer 4). Its groups therefore depend on the
order in which votes arrived; on real conversations, whose opinions form a continuum rather
than separate clumps, several k-means partitions are nearly as good as one another, and
which one Pol.is holds is a matter of that history. By default (``group_init="best"``) the
group k-means keeps the lowest-inertia of 50 seeded k-means++ starts, a stable stand-in for
it; ``group_init="polis"`` starts as a fresh Pol.is recompute does (the first k distinct
base centres), which is faithful but hinges on which participants came first.
``bench/polis_fidelity.py`` measures both against Pol.is's exported groups.

Versions: Pol.is's math has changed, and each conversation keeps the groups of the version
that last updated it. ``method="current"`` (the default) is the code cited above;
``"legacy"`` the earlier ``conversation.clj`` (``:base-k 50``, ``:mat`` filled with 0
instead of the column mean, no ``:mod-out`` step); ``"mid2017"`` and ``"late2017"`` the
versions of 2017, whose 7-vote rule counted zeroed columns as votes for everyone (so they
placed nearly every voter); ``"reloaded"`` the current math regrouped from scratch, as the
worker does after it reloads a conversation. Each is described, with the Pol.is commits it
follows, where ``METHODS`` defines it. On the twelve open-data conversations, 11 reproduce
Pol.is's groups with one of them (``bench/polis_fidelity.py``; README, Pol.is conversations).

Also: the components come from an exact SVD where Pol.is runs 100 power iterations from
its previous components (or a random vector), the same vectors once converged; and Pol.is's
exports before 2024 do not say which statements were meta (``is_meta``), which it zeroes
like rejected ones, so callers must pass them in ``excluded_comments`` (see
``deliberate.polis.files.KNOWN_META_STATEMENTS``; 2024 exports mark them).

Votes: +1 agree, -1 disagree, 0 pass, and *not seen* is not a vote. Give either a dense
array with NaN for not seen, or a scipy.sparse matrix holding an explicit entry for every
seen vote (pass stored as an explicit 0; build it with ``vote_matrix``). Pol.is's own
tables store agree as -1 internally (``repness.clj`` counts ``-1`` as :na); its CSV exports
and this module use +1 for agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds
from sklearn.metrics import silhouette_score

#: conversation.clj :in-conv — votes needed to be placed, and the greedy top-up size.
MIN_VOTES = 7
GREEDY_N = 15
#: conversation.clj base-conv-update-graph defaults (:base-k, :base-iters, :max-k).
BASE_K = 100
BASE_ITERS = 100
MAX_K = 5
#: The group k-means runs clusters.clj kmeans's default 20 steps: conversation.clj passes
#: :group-iters as :cluster-iters, a key kmeans does not read.
GROUP_ITERS = 20
#: clusters.clj same-clustering? threshold on centre movement.
CENTER_TOL = 0.01
#: stats.clj z-sig-90?: one-sided 90% z threshold.
Z_90 = 1.2816
#: repness.clj select-rep-comments keeps the top 5; consensus lists are as long.
MAX_REPRESENTATIVE = 5
N_CONSENSUS = 5
#: k-means++ starts per k for group_init="best" (the lowest weighted inertia is kept).
GROUP_STARTS = 50
#: Matrices up to this many cells get a dense SVD; larger ones a sparse solver (ARPACK).
SMALL_DENSE = 20_000

GroupInit = Literal["best", "polis"]


@dataclass(frozen=True)
class Method:
    """A version of Pol.is's math worker: the steps that changed between versions.

    ``fill``: what stands in for a missing vote in the PCA ("mean": the statement's mean
    vote; "zero": 0). ``zero_excluded``: whether moderated-out statements are zeroed (the
    ``:mod-out`` step) or left in the PCA like any other. ``base_k`` and ``base_iters``: the
    base clustering's size and step limit. ``count_zeroed``: whether the 7-vote rule counts
    every zeroed statement as a vote of everyone's (``:user-vote-counts`` read the zeroed
    ``rating-mat``). ``group_init``: how the group k-means starts, when the version fixes it
    (None: the caller's ``group_init``)."""

    fill: Literal["mean", "zero"]
    zero_excluded: bool
    base_k: int
    base_iters: int
    count_zeroed: bool = False
    group_init: GroupInit | None = None


#: The math worker as published today (math/src/polismath/math/conversation.clj):
#: column-mean fill, moderated-out statements zeroed, 100 base clusters.
CURRENT = Method(fill="mean", zero_excluded=True, base_k=BASE_K, base_iters=BASE_ITERS)
#: The earlier polismath conversation.clj (``:base-k 50``, and ``:mat`` built by
#: "swap nils for zeros"): missing votes count as 0 in the PCA, no ``:mod-out`` step, 50
#: base clusters whose k-means ran clusters.clj's default 20 steps (the graph passed
#: ``:cluster-iters``, which kmeans does not read). Pol.is stores each conversation's groups
#: as last computed, so exports of conversations that version last updated still carry them.
LEGACY = Method(fill="zero", zero_excluded=False, base_k=50, base_iters=GROUP_ITERS)
#: The current math, with the groups as its worker draws them after reloading a
#: conversation. The worker persists a conversation's base clusters but not its group
#: clusterings nor its k smoother (conv_man.clj ``restructure-json-conv`` keeps
#: ``:base-clusters`` and ``:group-clusters`` but neither ``:group-clusterings`` nor
#: ``:group-k-smoother``; so since 9cbaea08, 2017-02-27, and still at a2efd9ba,
#: 2022-06-29). The first update after a restart therefore runs every group k-means from
#: clusters.clj ``init-clusters`` (the first k distinct base centres, in base-cluster id
#: order) and takes the k its silhouette prefers, the smoother starting afresh. A conversation
#: whose last update was such an update carries those groups: ``group_init="polis"``.
RELOADED = Method(
    fill="mean", zero_excluded=True, base_k=BASE_K, base_iters=BASE_ITERS, group_init="polis"
)
#: conversation.clj from b68ca8b6 (2017-02-27, "reversibly ignore is_meta and moderated out
#: comments on pca etc") to 90b5b9e6 (2017-10-21): moderated-out and meta statements zeroed
#: (``nm/zero-out-columns`` sets the whole column to 0), missing votes still 0 in ``:mat``,
#: ``:base-k 100`` (32988e40, 2017-04-14), the base k-means at kmeans's default 20 steps
#: (``:cluster-iters`` until e07aec5a, 2017-12-08), and ``:user-vote-counts`` counting the
#: zeroed ``rating-mat``, so that every zeroed statement counted as a vote of everyone's
#: (fixed to ``raw-rating-mat`` by 30355e11 and acd818c9, 2017-10-31): with 7 statements
#: zeroed, everyone who voted once was placed. Groups drawn afresh, as after a reload.
MID2017 = Method(
    fill="zero",
    zero_excluded=True,
    base_k=BASE_K,
    base_iters=GROUP_ITERS,
    count_zeroed=True,
    group_init="polis",
)
#: conversation.clj between 90b5b9e6 (2017-10-21, "Use column/comment averages instead of
#: 0s for missing votes") and 30355e11/acd818c9 (2017-10-31, "fix bad counting bug for
#: :user-vote-counts"): the column-mean fill of today, the zeroed statements still counted
#: as votes of everyone's, base k-means at 20 steps. It is also what a conversation placed
#: under MID2017 gets when recomputed later: Pol.is keeps ``:in-conv`` across updates
#: ("Once a ptpt is in, they will remain in"), so the placed set stays the 2017 one.
LATE2017 = Method(
    fill="mean", zero_excluded=True, base_k=BASE_K, base_iters=GROUP_ITERS, count_zeroed=True
)
METHODS = {
    "current": CURRENT,
    "legacy": LEGACY,
    "reloaded": RELOADED,
    "mid2017": MID2017,
    "late2017": LATE2017,
}
MethodName = Literal["current", "legacy", "reloaded", "mid2017", "late2017"]


@dataclass
class PolisResult:
    """Opinion groups of the participants Pol.is would place ("in conversation").

    ``participant_ids``: ids of the placed participants, in input order.
    ``labels``: group index per placed participant; groups are numbered 0.. by size,
    largest first (ties: the group holding the earlier participant first).
    ``k`` and ``silhouette``: the number of groups and its silhouette over base clusters.
    ``coords``: (n_placed, 2) projection of the placed participants (Pol.is's x, y).
    ``repness``: per group, up to 5 representative statements, each a dict with
    ``comment_id``, ``repful`` ("agree" or "disagree"), ``n_agree``, ``n_disagree``,
    ``n_seen`` (votes of the group's members, passes included), ``p`` (the smoothed share
    agreeing, or disagreeing, as repful says), ``repness`` (that share over the same share
    among the other groups), ``p_test`` and ``repness_test`` (their z-scores), and
    ``best_agree`` (True for the statement Pol.is puts first as what the group agrees on;
    told as agreement when anyone in the group agreed, as Pol.is's report does, while the
    others take whichever side's test is higher). Agrees come before disagrees, as in
    Pol.is.
    ``consensus``: {"agree": [(comment_id, score), ...], "disagree": [...]}, the top
    statements by group-informed consensus, best first.
    """

    participant_ids: list
    labels: np.ndarray
    k: int
    silhouette: float
    coords: np.ndarray
    repness: list[list[dict]]
    consensus: dict


def vote_matrix(
    rows: Sequence[int] | np.ndarray,
    cols: Sequence[int] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """A sparse vote matrix from (participant index, statement index, vote) triples.

    Later triples replace earlier ones for the same cell (Pol.is counts a participant's last
    vote), and passes are kept as explicit zeros, so "seen" is the matrix's structure."""
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    cell = r * shape[1] + c
    # Keep the last triple of each cell: unique on the reversed arrays finds last occurrences.
    _, last = np.unique(cell[::-1], return_index=True)
    keep = len(cell) - 1 - last
    return sp.csr_matrix((v[keep], (r[keep], c[keep])), shape=shape)


def polis_groups(
    votes: Any,
    participant_ids: Sequence,
    comment_ids: Sequence,
    *,
    seed: int = 0,
    excluded_comments: Iterable = (),
    group_init: GroupInit = "best",
    method: MethodName = "current",
) -> PolisResult | None:
    """Pol.is's opinion groups, representative statements and consensus for one matrix.

    ``votes``: participants x statements (see the module docstring for the encoding).
    Pol.is orders rows by each participant's first vote, and the starting clusters are the
    first distinct points in that order: pass participants in that order, or by id when ids
    were given on arrival. ``excluded_comments``: ids of moderated-out and meta statements,
    zeroed as Pol.is does. Returns None when fewer than 15 participants or 2 statements have
    votes (Pol.is would still draw groups from that handful) or no grouping exists (e.g.
    everyone voted alike). ``method``: which version of Pol.is's math (see ``METHODS``).
    Deterministic for a given ``seed``.
    """
    version = METHODS[method]
    matrix = _as_csr(votes, (len(participant_ids), len(comment_ids)))
    voted_rows = np.flatnonzero(np.diff(matrix.indptr) > 0)
    voted_cols = np.flatnonzero(np.bincount(matrix.indices, minlength=matrix.shape[1]) > 0)
    if len(voted_rows) < GREEDY_N or len(voted_cols) < 2:
        return None
    matrix = matrix[voted_rows][:, voted_cols]
    ids = [participant_ids[i] for i in voted_rows]
    cids = [comment_ids[j] for j in voted_cols]
    excluded_set = set(excluded_comments)
    excluded = np.array([c in excluded_set for c in cids])

    placed = in_conversation(vote_counts(matrix, excluded, version), matrix.shape[1])
    coords = project(matrix, excluded, version)[placed]
    grouping = _groups(coords, seed, version.group_init or group_init, version)
    if grouping is None:
        return None
    labels, k, silhouette = grouping
    placed_votes = matrix[placed]
    return PolisResult(
        participant_ids=[ids[i] for i in np.flatnonzero(placed)],
        labels=labels,
        k=k,
        silhouette=silhouette,
        coords=coords,
        repness=representative_comments(placed_votes, labels, k, cids, excluded),
        consensus=group_consensus(placed_votes, labels, k, cids, excluded),
    )


# --- input ------------------------------------------------------------------------------------


def _as_csr(votes: Any, shape: tuple[int, int]) -> sp.csr_matrix:
    """The votes as CSR with an explicit entry per seen vote, checked."""
    if sp.issparse(votes):
        matrix = sp.csr_matrix(votes, dtype=np.float64, copy=True)
        matrix.sort_indices()
    else:
        dense = np.asarray(votes, dtype=np.float64)
        if dense.ndim != 2:
            raise ValueError("votes must be a 2-D array")
        seen = ~np.isnan(dense)
        r, c = np.nonzero(seen)
        matrix = sp.csr_matrix((dense[r, c], (r, c)), shape=dense.shape)
    if matrix.shape != shape:
        raise ValueError(f"votes are {matrix.shape}, ids give {shape}")
    if not np.isin(matrix.data, (-1.0, 0.0, 1.0)).all():
        raise ValueError("votes must be +1, -1 or 0 (duplicate sparse entries add up)")
    return matrix


# --- who is placed, and where -----------------------------------------------------------------


def vote_counts(
    matrix: sp.csr_matrix, excluded: np.ndarray, method: Method = CURRENT
) -> np.ndarray:
    """conversation.clj :user-vote-counts: each participant's votes, as the in-conversation
    rule counts them. ``matrix`` has only columns with votes."""
    if method.count_zeroed and method.zero_excluded:
        return matrix[:, ~excluded].getnnz(axis=1) + int(excluded.sum())
    return np.diff(matrix.indptr)


def in_conversation(vote_counts: np.ndarray, n_comments: int) -> np.ndarray:
    """conversation.clj :in-conv, on one update: a mask of the participants placed in groups.

    At least ``min(7, n_comments)`` votes; if that leaves fewer than 15, the most active
    voters (ties: earlier rows first) top it up to 15. Pol.is also keeps anyone placed by an
    earlier update, which a single run cannot know."""
    counts = np.asarray(vote_counts)
    placed = counts >= min(MIN_VOTES, n_comments)
    missing = GREEDY_N - int(placed.sum())
    if missing > 0:
        others = np.flatnonzero(~placed)
        ranked = others[np.argsort(-counts[others], kind="stable")]
        placed[ranked[:missing]] = True
    return placed


def project(matrix: sp.csr_matrix, excluded: np.ndarray, method: Method = CURRENT) -> np.ndarray:
    """Every participant's 2-D position: pca.clj powerit-pca + sparsity-aware-project-ptpts.

    ``matrix``: CSR, an explicit entry per seen vote; ``excluded``: moderated-out columns,
    zeroed when the method has the ``:mod-out`` step."""
    n_rows, n_cols = matrix.shape
    excluded = excluded if method.zero_excluded else np.zeros(n_cols, dtype=bool)
    values = np.where(excluded[matrix.indices], 0.0, matrix.data)
    seen_per_col = np.bincount(matrix.indices, minlength=n_cols)
    sums = np.bincount(matrix.indices, weights=values, minlength=n_cols)
    if method.fill == "mean":
        centre = np.divide(sums, seen_per_col, out=np.zeros(n_cols), where=seen_per_col > 0)
    else:  # zero-filled, so the column mean is over every participant
        centre = sums / n_rows
    # The seen cells, centred: all a participant's projection reads.
    seen = sp.csr_matrix(
        (values - centre[matrix.indices], matrix.indices, matrix.indptr), shape=matrix.shape
    )
    if method.fill == "mean":
        # Mean-filled then centred: the missing cells are exactly 0, so PCA is on ``seen``.
        components = _top_components(seen)
    else:
        # Zero-filled then centred: a missing cell holds -centre, so the matrix is dense;
        # centre it implicitly rather than build it.
        components = _top_components(_centred_operator(matrix, values, centre))
    # A zeroed column counts as seen by everyone (its cells hold 0, not "missing").
    n_seen = matrix.getnnz(axis=1) - matrix[:, excluded].getnnz(axis=1) + int(excluded.sum())
    scale = np.sqrt(n_cols / np.maximum(n_seen, 1))
    return np.asarray(seen @ components) * scale[:, None]


def _centred_operator(
    matrix: sp.csr_matrix, values: np.ndarray, centre: np.ndarray
) -> sp.linalg.LinearOperator:
    """The zero-filled vote matrix minus its column means, as an operator X - 1 c^T."""
    filled = sp.csr_matrix((values, matrix.indices, matrix.indptr), shape=matrix.shape)
    ones = np.ones(matrix.shape[0])
    return sp.linalg.LinearOperator(
        matrix.shape,
        matvec=lambda v: filled @ v - ones * (centre @ v),
        rmatvec=lambda u: filled.T @ u - centre * u.sum(),
        matmat=lambda m: filled @ m - np.outer(ones, centre @ m),
        rmatmat=lambda m: filled.T @ m - np.outer(centre, ones @ m),
        dtype=np.float64,
    )


def _top_components(centred: sp.csr_matrix | sp.linalg.LinearOperator) -> np.ndarray:
    """The top two right singular vectors (as columns), signs fixed for determinism.

    Zero vectors when nothing varies (everyone voted alike: everyone sits at 0)."""
    n_rows, n_cols = centred.shape
    if min(n_rows, n_cols) <= 3 or n_rows * n_cols <= SMALL_DENSE:
        dense = centred.toarray() if sp.issparse(centred) else centred @ np.eye(n_cols)
        _, values, vt = np.linalg.svd(dense, full_matrices=False)
        vectors = vt[:2].T
    else:
        # A fixed start vector keeps ARPACK deterministic.
        start = np.random.default_rng(0).uniform(0.5, 1.5, min(n_rows, n_cols))
        _, values, vt = svds(centred, k=2, v0=start)
        vectors = vt[np.argsort(-values)].T
    if values.size == 0 or values.max() <= 1e-9:
        return np.zeros((n_cols, 2))
    if vectors.shape[1] < 2:  # a single statement: Pol.is's pc2 is all zeros
        vectors = np.hstack([vectors, np.zeros((n_cols, 2 - vectors.shape[1]))])
    pivot = np.abs(vectors).argmax(axis=0)
    return vectors * np.where(vectors[pivot, [0, 1]] < 0, -1.0, 1.0)


# --- clusters ---------------------------------------------------------------------------------


def first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """clusters.clj init-clusters: the first k distinct points, in row order."""
    _, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)[:k]]


def polis_kmeans(
    points: np.ndarray,
    centres: np.ndarray,
    weights: np.ndarray | None = None,
    max_iters: int = GROUP_ITERS,
) -> tuple[np.ndarray, np.ndarray]:
    """clusters.clj kmeans from given centres: (centres, label per point).

    cluster-step assigns each point to its nearest centre, drops clusters left empty and
    moves each centre to its members' (weighted) mean; it stops once no centre moved 0.01
    (same-clustering?) or after ``max_iters`` + 1 steps."""
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    for _ in range(max_iters + 1):
        labels = _nearest(points, centres)
        used = np.unique(labels)
        moved = _weighted_means(points, labels, w, len(centres))[used]
        settled = len(used) == len(centres) and bool(
            (np.linalg.norm(moved - centres, axis=1) < CENTER_TOL).all()
        )
        centres = moved
        if settled:
            break
    return centres, _nearest(points, centres)


def _weighted_means(points: np.ndarray, labels: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Weighted mean of each cluster's points (clusters.clj weighted-mean); NaN if empty."""
    totals = np.bincount(labels, weights=w, minlength=k)
    sums = np.column_stack(
        [np.bincount(labels, weights=w * points[:, d], minlength=k) for d in range(points.shape[1])]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals[:, None]


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d2 = (
        (points**2).sum(axis=1)[:, None]
        - 2.0 * points @ centres.T
        + (centres**2).sum(axis=1)[None, :]
    )
    return d2.argmin(axis=1)


def _groups(
    coords: np.ndarray, seed: int, group_init: GroupInit, method: Method = CURRENT
) -> tuple[np.ndarray, int, float] | None:
    """Base clusters, then groups over them: (label per participant, k, silhouette)."""
    base, base_of = polis_kmeans(
        coords, first_distinct(coords, method.base_k), max_iters=method.base_iters
    )
    weights = np.bincount(base_of, minlength=len(base)).astype(float)
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(2, min(MAX_K, 2 + len(base) // 12) + 1):
        group_of = _group_kmeans(base, weights, k, seed, group_init)
        n_groups = len(np.unique(group_of))
        if n_groups < 2:
            continue
        # clusters.clj silhouette: a member alone in its cluster scores 0.
        score = 0.0 if n_groups == len(base) else float(silhouette_score(base, group_of))
        # Pol.is's max-key keeps the last of equal scores, i.e. the larger k.
        if best is None or score >= best[0]:
            best = (score, n_groups, group_of)
    if best is None:
        return None
    score, k, group_of = best
    return _by_size(group_of[base_of]), k, score


def _group_kmeans(
    base: np.ndarray, weights: np.ndarray, k: int, seed: int, group_init: GroupInit
) -> np.ndarray:
    if len(np.unique(base, axis=0)) < k:
        return np.zeros(len(base), dtype=int)
    if group_init == "polis":
        return polis_kmeans(base, first_distinct(base, k), weights)[1]
    rng = np.random.default_rng([seed, k])
    best: tuple[float, np.ndarray] | None = None
    for _ in range(GROUP_STARTS):
        centres, labels = polis_kmeans(
            base, _kmeans_plus_plus(base, weights, k, rng), weights, max_iters=BASE_ITERS
        )
        inertia = float((weights * ((base - centres[labels]) ** 2).sum(axis=1)).sum())
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels)
    return best[1]


def _kmeans_plus_plus(
    points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """k-means++ starting centres, each point drawn with weight x squared distance."""
    centres = [points[rng.choice(len(points), p=weights / weights.sum())]]
    for _ in range(1, k):
        d2 = ((points[:, None, :] - np.array(centres)[None]) ** 2).sum(axis=2).min(axis=1)
        mass = weights * d2
        centres.append(points[rng.choice(len(points), p=mass / mass.sum())])
    return np.array(centres)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber groups 0.. by size, largest first; ties by first member."""
    found, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    rank = np.empty(len(found), dtype=int)
    rank[order] = np.arange(len(found))
    return rank[np.searchsorted(found, labels)]


# --- representative statements and consensus -------------------------------------------------


def group_counts(
    votes: sp.csr_matrix, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agree, disagree and seen (passes included) counts, each (k groups x statements)."""
    membership = sp.csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels))
    )
    agree = votes.copy()
    agree.data = (agree.data > 0).astype(float)
    disagree = votes.copy()
    disagree.data = (disagree.data < 0).astype(float)
    seen = votes.copy()
    seen.data = np.ones_like(seen.data)
    return tuple(np.asarray((membership @ m).todense()) for m in (agree, disagree, seen))


def prop_test(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """stats.clj prop-test: z of a share against 1/2, with one pseudo-count each."""
    s, n = successes + 1.0, trials + 1.0
    return 2.0 * np.sqrt(n) * (s / n - 0.5)


def two_prop_test(
    succ_in: np.ndarray, succ_out: np.ndarray, pop_in: np.ndarray, pop_out: np.ndarray
) -> np.ndarray:
    """stats.clj two-prop-test: z of the in-group share over the out-group share."""
    s1, s2, n1, n2 = succ_in + 1.0, succ_out + 1.0, pop_in + 1.0, pop_out + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    z = np.divide(s1 / n1 - s2 / n2, spread, out=np.zeros_like(spread), where=spread > 0)
    return np.where(pooled == 1.0, 0.0, z)


def repness_stats(agree: np.ndarray, disagree: np.ndarray, seen: np.ndarray) -> dict:
    """repness.clj comment-stats + add-comparitive-stats, as (groups x statements) arrays."""
    rest = {
        name: m.sum(axis=0, keepdims=True) - m
        for name, m in (("na", agree), ("nd", disagree), ("ns", seen))
    }
    pa = (agree + 1.0) / (seen + 2.0)
    pd = (disagree + 1.0) / (seen + 2.0)
    return {
        "na": agree, "nd": disagree, "ns": seen, "pa": pa, "pd": pd,
        "pat": prop_test(agree, seen), "pdt": prop_test(disagree, seen),
        "ra": pa / ((rest["na"] + 1.0) / (rest["ns"] + 2.0)),
        "rd": pd / ((rest["nd"] + 1.0) / (rest["ns"] + 2.0)),
        "rat": two_prop_test(agree, rest["na"], seen, rest["ns"]),
        "rdt": two_prop_test(disagree, rest["nd"], seen, rest["ns"]),
    }  # fmt: skip


def representative_comments(
    votes: sp.csr_matrix,
    labels: np.ndarray,
    k: int,
    comment_ids: Sequence,
    excluded: np.ndarray,
) -> list[list[dict]]:
    """repness.clj conv-repness + select-rep-comments: up to 5 statements per group."""
    stats = repness_stats(*group_counts(votes, labels, k))
    keep = np.flatnonzero(~excluded)
    return [
        _select_for_group({name: m[g] for name, m in stats.items()}, keep, comment_ids)
        for g in range(k)
    ]


def _stat(stats: dict, j: int) -> dict:
    return {name: float(m[j]) for name, m in stats.items()}


def _finalize(comment_id: Any, s: dict, best_agree: bool = False) -> dict:
    """repness.clj finalize-cmt-stats: the more representative side of a statement.

    The best agree is told as agreement whenever someone in the group agreed, as Pol.is's
    report shows it (client-report: ``isBestAgree || repful-for === "agree"``)."""
    a = s["rat"] > s["rdt"] or (best_agree and s["na"] > 0)
    side = "agree" if a else "disagree"
    return {
        "comment_id": comment_id,
        "repful": side,
        "n_agree": int(s["na"]),
        "n_disagree": int(s["nd"]),
        "n_seen": int(s["ns"]),
        "p": s["pa"] if a else s["pd"],
        "repness": s["ra"] if a else s["rd"],
        "p_test": s["pat"] if a else s["pdt"],
        "repness_test": s["rat"] if a else s["rdt"],
        "best_agree": best_agree,
    }


def _passes(s: dict) -> bool:
    """repness.clj passes-by-test?"""
    return (s["rat"] > Z_90 and s["pat"] > Z_90) or (s["rdt"] > Z_90 and s["pdt"] > Z_90)


def _beats_best_agree(s: dict, best: dict | None) -> bool:
    """repness.clj beats-best-agr?"""
    if s["na"] == 0 and s["nd"] == 0:
        return False
    if best is not None and best["ra"] > 1.0:
        product = ("ra", "rat", "pa", "pat")
        return math.prod(s[x] for x in product) > math.prod(best[x] for x in product)
    if best is not None:
        return s["pa"] * s["pat"] > best["pa"] * best["pat"]
    return s["pat"] > Z_90 or (s["ra"] > 1.0 and s["pa"] > 0.5)


def _metric(r: dict) -> float:
    """repness.clj repness-metric."""
    return r["repness"] * r["repness_test"] * r["p"] * r["p_test"]


def _select_for_group(stats: dict, keep: np.ndarray, comment_ids: Sequence) -> list[dict]:
    sufficient: list[dict] = []
    best: dict | None = None
    best_agree: tuple[int, dict] | None = None
    for j in keep:
        s = _stat(stats, j)
        if _passes(s):
            sufficient.append(_finalize(comment_ids[j], s))
        if not sufficient and (best is None or max(s["rat"], s["rdt"]) > best["repness_test"]):
            best = _finalize(comment_ids[j], s)
        if _beats_best_agree(s, best_agree[1] if best_agree else None):
            best_agree = (j, s)
    head: list[dict] = []
    if best_agree is not None:
        head = [_finalize(comment_ids[best_agree[0]], best_agree[1], best_agree=True)]
    if not sufficient:
        return head or ([best] if best else [])
    chosen = head[0]["comment_id"] if head else None
    rest = sorted((r for r in sufficient if r["comment_id"] != chosen), key=lambda r: -_metric(r))
    top = (head + rest)[:MAX_REPRESENTATIVE]
    return [r for r in top if r["repful"] == "agree"] + [
        r for r in top if r["repful"] == "disagree"
    ]


def group_consensus(
    votes: sp.csr_matrix,
    labels: np.ndarray,
    k: int,
    comment_ids: Sequence,
    excluded: np.ndarray,
    top: int = N_CONSENSUS,
) -> dict:
    """conversation.clj :group-aware-consensus: the product over groups of (agree + 1) /
    (seen + 2); Pol.is computes it for agreement, the same product of disagreements ranks
    what every group rejects. Moderated-out and meta statements are left out."""
    agree, disagree, seen = group_counts(votes, labels, k)
    keep = np.flatnonzero(~excluded)
    result = {}
    for side, counts in (("agree", agree), ("disagree", disagree)):
        score = _consensus(counts, seen)
        order = keep[np.argsort(-score[keep], kind="stable")][:top]
        result[side] = [(comment_ids[j], float(score[j])) for j in order]
    return result


def consensus_scores(votes: sp.csr_matrix, labels: np.ndarray, k: int) -> np.ndarray:
    """conversation.clj :group-aware-consensus for every statement (Pol.is's exported
    ``group-informed-consensus``): over the groups, the product of (agree + 1) / (seen + 2),
    seen counting passes (``:S`` counts every vote, ``number?``). ``votes``: the placed
    participants' rows, ``labels`` their groups. Pol.is computes it for moderated-out
    statements too."""
    agree, _, seen = group_counts(votes, labels, k)
    return _consensus(agree, seen)


def _consensus(counts: np.ndarray, seen: np.ndarray) -> np.ndarray:
    return np.prod((counts + 1.0) / (seen + 2.0), axis=0)
