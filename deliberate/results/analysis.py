"""The figures of a debate's report, computed from its arrays (see data.py).

Pure functions of numpy arrays, so they can be checked against hand-computed toy debates.
Three views of the same votes:

* opinion shift: how the motion vote moved between the opening and the final vote, and
  which side gained most (the Intelligence Squared rule);
* agreement by declared community: which arguments every community agrees with (Pol.is's
  group-informed consensus) and which split them;
* opinion groups found in the votes themselves, with no declared community (Pol.is's
  method: PCA of the vote matrix, then k-means).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from .data import NO_POSITION, POSITIONS, DebateData

#: Groups smaller than this are never shown on their own: a figure about two people says
#: how each of them voted.
MIN_GROUP = 5
#: An argument needs this many votes before its agreement is judged.
MIN_VOTES = 5
#: Pol.is leaves out participants who voted on fewer statements than this.
MIN_VOTES_TO_CLUSTER = 7
MIN_PEOPLE_TO_CLUSTER = 10
MAX_GROUPS = 5
SILHOUETTE_SAMPLE = 3000
LIST_LENGTH = 10
HEATMAP_ROWS = 12
#: One-sided 90% threshold of a z-test, as Pol.is uses for representative statements.
Z_90 = 1.2816


# --- opinion shift --------------------------------------------------------------------------


def opinion_shift(before: np.ndarray, after: np.ndarray) -> dict:
    """Before and after shares among the participants who gave both votes, so that the
    shift measures people changing their minds, not people arriving or leaving."""
    paired = after != NO_POSITION
    n = int(paired.sum())
    before_counts = np.bincount(before[paired], minlength=3)
    after_counts = np.bincount(after[paired], minlength=3)
    before_share, after_share = _shares(before_counts, n), _shares(after_counts, n)
    before_pct, after_pct = _rounded(before_share), _rounded(after_share)
    change = _rounded(after_share - before_share)
    return {
        "paired": n,
        "moved": int((before[paired] != after[paired]).sum()),
        "before": dict(zip(POSITIONS, before_counts.tolist(), strict=True)),
        "after": dict(zip(POSITIONS, after_counts.tolist(), strict=True)),
        "before_pct": before_pct,
        "after_pct": after_pct,
        "change": change,
        "winner": winner(change) if n else None,
    }


def winner(change: dict[str, float]) -> str | None:
    """The side (for or against) that gained more percentage points; None on a tie."""
    if change["for"] == change["against"]:
        return None
    return "for" if change["for"] > change["against"] else "against"


def shift_by_community(data: DebateData) -> tuple[list[dict], int]:
    """The shift within each declared community large enough to show, and how many
    participants are left out (undeclared, or in a community under MIN_GROUP)."""
    rows, shown_people = [], 0
    for index, name in enumerate(data.community_names):
        members = data.community == index
        shift = opinion_shift(data.before[members], data.after[members])
        if shift["paired"] < MIN_GROUP:
            continue
        shown_people += int(members.sum())
        rows.append({"name": name, "members": int(members.sum()), **shift})
    return rows, data.n_participants - shown_people


def _shares(counts: np.ndarray, total: int) -> np.ndarray:
    return counts / total * 100 if total else np.zeros(3)


def _rounded(percentages: np.ndarray) -> dict[str, float]:
    return {p: round(float(v), 1) for p, v in zip(POSITIONS, percentages, strict=True)}


def changed_minds(data: DebateData, limit: int = 5) -> dict:
    """The arguments most agreed with by participants whose final vote differs from
    their opening one: a hint of what moved them."""
    moved = (data.after != NO_POSITION) & (data.after != data.before)
    agreeing = moved[data.voter] & (data.value == 1)
    counts = np.bincount(data.argument[agreeing], minlength=data.n_arguments)
    order = np.lexsort((data.argument_ids, -counts))
    top = [int(c) for c in order[:limit] if counts[c] > 0]
    return {
        "participants": int(moved.sum()),
        "arguments": [_argument(data, c, agree=int(counts[c])) for c in top],
    }


# --- agreement by community -----------------------------------------------------------------


def community_agreement(data: DebateData) -> dict:
    """Agree and disagree counts per argument and community, with Pol.is's
    group-informed consensus and a divisiveness score.

    Only communities with at least MIN_GROUP members take part, so no cell describes a
    handful of identifiable people.
    """
    sizes = np.bincount(data.community[data.community >= 0], minlength=len(data.community_names))
    counted = [i for i, size in enumerate(sizes) if size >= MIN_GROUP]
    names = [data.community_names[i] for i in counted]
    n_args = data.n_arguments
    agree_all = np.bincount(data.argument[data.value == 1], minlength=n_args)
    votes_all = np.bincount(data.argument, minlength=n_args)

    column = np.full(len(data.community_names) + 1, -1)  # community index -> column, -1: none
    column[counted] = np.arange(len(counted))
    voter_column = column[data.community[data.voter]]
    in_counted = voter_column >= 0
    cell = voter_column[in_counted] * n_args + data.argument[in_counted]
    shape = len(counted) * n_args
    agree = np.bincount(cell[data.value[in_counted] == 1], minlength=shape)
    votes = np.bincount(cell, minlength=shape)
    agree = agree.reshape(len(counted), n_args).T  # (arguments, communities)
    votes = votes.reshape(len(counted), n_args).T

    rates = (agree + 1) / (votes + 2)  # Laplace-smoothed: an unvoted cell counts as 1/2
    # Pol.is: the product over groups of each group's smoothed agreement.
    consensus = rates.prod(axis=1) if counted else np.zeros(n_args)
    # Divisiveness: the gap between the most and the least agreeing community, among
    # communities with at least two votes on the argument.
    enough = votes >= 2
    voted_in = enough.sum(axis=1)
    highest = np.where(enough, rates, -np.inf).max(axis=1, initial=-np.inf)
    lowest = np.where(enough, rates, np.inf).min(axis=1, initial=np.inf)
    spread = np.where(voted_in >= 2, highest - lowest, np.nan)
    judged = (votes_all >= MIN_VOTES) & (voted_in >= min(2, len(counted)))

    def listing(order, scores_of):
        return [_argument_row(data, c, agree_all, votes_all, scores_of(c)) for c in order]

    by_consensus = _top(np.where(judged, consensus, -1), data, judged)
    by_spread = _top(np.where(judged & (voted_in >= 2), spread, -1), data, judged & (voted_in >= 2))
    unjudged = np.flatnonzero(~judged)
    unjudged = unjudged[np.lexsort((data.argument_ids[unjudged], -votes_all[unjudged]))]
    leading = _top(np.where(judged, votes_all, -1), data, judged, HEATMAP_ROWS)
    return {
        "communities": names,
        "common_ground": listing(by_consensus, lambda c: _scores(c, consensus, spread)),
        "divisive": listing(by_spread, lambda c: _scores(c, consensus, spread)),
        "too_few_votes": {
            "count": len(unjudged),
            "arguments": listing(unjudged[:LIST_LENGTH], lambda c: {}),
        },
        "heatmap": {
            "communities": names,
            "rows": [
                {
                    **_argument(data, c),
                    "rates": [
                        round(float(r), 3) if v else None
                        for r, v in zip(rates[c], votes[c], strict=True)
                    ],
                    "votes": votes[c].tolist(),
                }
                for c in leading
            ],
        },
    }


def _scores(column: int, consensus: np.ndarray, spread: np.ndarray) -> dict:
    divisive = spread[column]
    return {
        "common_ground": round(float(consensus[column]), 4),
        "divisiveness": None if np.isnan(divisive) else round(float(divisive), 4),
    }


def _top(score: np.ndarray, data: DebateData, eligible: np.ndarray, limit=LIST_LENGTH):
    """Columns of the `limit` highest scores among eligible ones; ties by argument id."""
    order = np.lexsort((data.argument_ids, -score))
    return [int(c) for c in order if eligible[c]][:limit]


def _argument_row(data, column, agree_all, votes_all, extra) -> dict:
    agree = int(agree_all[column])
    return {
        **_argument(data, column),
        "agree": agree,
        "disagree": int(votes_all[column]) - agree,
        **extra,
    }


def _argument(data: DebateData, column: int, **extra) -> dict:
    return {
        "id": int(data.argument_ids[column]),
        "stance": data.stances[column],
        "excerpt": data.excerpts[column],
        **extra,
    }


# --- opinion groups -------------------------------------------------------------------------


def vote_matrix(data: DebateData) -> sp.csr_matrix:
    """Participants by arguments: +1 agree, -1 disagree, 0 not voted (stored sparse)."""
    return sp.csr_matrix(
        (data.value.astype(np.float64), (data.voter, data.argument)),
        shape=(data.n_participants, data.n_arguments),
    )


def opinion_groups(data: DebateData) -> tuple[dict, dict[int, int]]:
    """Pol.is-style opinion groups: the figures, and each clustered participant's group.

    Deterministic: every random choice (ARPACK's start vector, k-means seeds, the
    silhouette sample) uses a fixed seed, so the same votes give the same groups.
    """
    matrix = vote_matrix(data)
    active = np.flatnonzero(matrix.getnnz(axis=1) >= MIN_VOTES_TO_CLUSTER)
    base = {"left_out": data.n_participants - len(active), "min_votes": MIN_VOTES_TO_CLUSTER}
    matrix = matrix[active]
    voted_columns = np.flatnonzero(matrix.getnnz(axis=0) > 0)
    if len(active) < MIN_PEOPLE_TO_CLUSTER or len(voted_columns) < 2:
        return {"status": "too_few", "clustered": 0, **base}, {}

    points = project(matrix[:, voted_columns])
    labels, k, silhouette = cluster(points)
    labels = _relabel_by_size(labels, k)
    groups = representative(data, matrix, labels, k)
    consensus = group_consensus(data, active, labels, k)
    membership = dict(zip(data.participant_ids[active].tolist(), labels.tolist(), strict=True))
    figures = {
        "status": "ok",
        "k": k,
        "silhouette": round(silhouette, 3),
        "clustered": len(active),
        **base,
        "groups": groups,
        "consensus": consensus,
        "points": [
            [round(float(x), 3), round(float(y), 3), int(g)]
            for (x, y), g in zip(points, labels, strict=True)
        ],
    }
    return figures, membership


def project(matrix: sp.csr_matrix) -> np.ndarray:
    """Two principal components. Small matrices go dense; large ones stay sparse and use
    ARPACK, which centres implicitly (the matrix is never densified)."""
    n, m = matrix.shape
    if min(n, m) <= 3 or n * m <= 2_000_000:
        pca = PCA(n_components=2, svd_solver="full")
        return pca.fit_transform(matrix.toarray())
    pca = PCA(n_components=2, svd_solver="arpack", random_state=0)
    return pca.fit_transform(matrix)


def cluster(points: np.ndarray) -> tuple[np.ndarray, int, float]:
    """k-means for k = 2..5, keeping the k with the best silhouette (the smaller k on a tie)."""
    best = None
    distinct = len(np.unique(points.round(9), axis=0))
    sample = min(len(points), SILHOUETTE_SAMPLE)
    for k in range(2, min(MAX_GROUPS, distinct - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(points)
        score = float(silhouette_score(points, labels, sample_size=sample, random_state=0))
        if best is None or score > best[2] + 1e-9:
            best = (labels, k, score)
    if best is None:  # everyone voted alike: one group
        return np.zeros(len(points), dtype=np.int64), 1, 0.0
    return best


def _relabel_by_size(labels: np.ndarray, k: int) -> np.ndarray:
    """Group 0 is the largest, then 1, ...; k-means numbers clusters arbitrarily."""
    sizes = np.bincount(labels, minlength=k)
    order = np.lexsort((np.arange(k), -sizes))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels]


def representative(data, matrix: sp.csr_matrix, labels: np.ndarray, k: int, limit=3) -> list:
    """Each group's size and the arguments that set it apart, after Pol.is's repness.

    For every group g and argument, with agree and disagree counts inside the group and
    among everyone else: p = (count + 1) / (votes + 2) for the group and for the rest;
    an argument represents g when most of g share the view (p > 1/2), g shares it more
    than the rest (ratio p_g / p_rest), and the difference is significant (one-sided
    two-proportion z-test at 90%). Score = ratio * z * p_g, as Pol.is ranks them.
    """
    coo = matrix.tocoo()
    group_of_vote = labels[coo.row]
    groups = []
    totals = _counts(coo.col, coo.data, data.n_arguments)
    for g in range(k):
        inside = _counts(coo.col, coo.data, data.n_arguments, keep=group_of_vote == g)
        rest = totals - inside
        candidates = []
        for direction, index in (("agree", 0), ("disagree", 1)):
            hits_g, n_g = inside[index], inside[2]
            hits_r, n_r = rest[index], rest[2]
            p_g = (hits_g + 1) / (n_g + 2)
            p_r = (hits_r + 1) / (n_r + 2)
            z = _two_proportion_z(hits_g, n_g, hits_r, n_r)
            score = p_g / p_r * z * p_g
            for column in np.flatnonzero((p_g > 0.5) & (n_g >= 3) & (z > 0)):
                candidates.append(
                    (
                        float(score[column]),
                        int(column),
                        direction,
                        round(float(p_g[column]) * 100),
                        round(float(p_r[column]) * 100),
                        bool(z[column] > Z_90),
                    )
                )
        candidates.sort(key=lambda c: (-c[0], data.argument_ids[c[1]]))
        seen, chosen = set(), []
        for _score, column, direction, pct_g, pct_r, significant in candidates:
            if column in seen:
                continue
            seen.add(column)
            chosen.append(
                _argument(
                    data,
                    column,
                    direction=direction,
                    group_pct=pct_g,
                    rest_pct=pct_r,
                    significant=significant,
                )
            )
            if len(chosen) == limit:
                break
        groups.append(
            {"label": chr(ord("A") + g), "size": int((labels == g).sum()), "representative": chosen}
        )
    return groups


def group_consensus(data: DebateData, active: np.ndarray, labels: np.ndarray, k: int, limit=5):
    """Pol.is's group-informed consensus: for each argument, the product over opinion groups
    of (agree + 1) / (seen + 2) within the group (a pass counts as seen), and the same for
    disagree. High only when every group shares the view, however small the group
    (polismath conversation.clj, group-aware-consensus)."""
    group_of = np.full(data.n_participants, -1)
    group_of[active] = labels
    vote_group = group_of[data.voter]
    agree = np.ones(data.n_arguments)
    disagree = np.ones(data.n_arguments)
    for g in range(k):
        mine = vote_group == g
        seen = np.bincount(data.argument[mine], minlength=data.n_arguments)
        yes = np.bincount(data.argument[mine & (data.value > 0)], minlength=data.n_arguments)
        no = np.bincount(data.argument[mine & (data.value < 0)], minlength=data.n_arguments)
        agree *= (yes + 1) / (seen + 2)
        disagree *= (no + 1) / (seen + 2)
    # Only arguments every group has seen: an unseen one scores (1/2)^k in both directions.
    judged = np.ones(data.n_arguments, dtype=bool)
    for g in range(k):
        judged &= np.bincount(data.argument[vote_group == g], minlength=data.n_arguments) > 0
    result = {}
    for direction, score in (("agree", agree), ("disagree", disagree)):
        eligible = np.flatnonzero(judged & (score > 0.5**k))
        order = eligible[np.lexsort((data.argument_ids[eligible], -score[eligible]))][:limit]
        result[direction] = [
            _argument(data, int(c), consensus=round(float(score[c]), 3)) for c in order
        ]
    return result


def _counts(columns, values, n_args, keep=None) -> np.ndarray:
    """Agree, disagree and total vote counts per argument (over the kept votes)."""
    if keep is not None:
        columns, values = columns[keep], values[keep]
    agree = np.bincount(columns[values > 0], minlength=n_args)
    disagree = np.bincount(columns[values < 0], minlength=n_args)
    return np.stack([agree, disagree, agree + disagree]).astype(np.float64)


def _two_proportion_z(hits_a, n_a, hits_b, n_b) -> np.ndarray:
    """z of p_a > p_b (pooled two-proportion test), 0 where either side has no votes."""
    with np.errstate(all="ignore"):
        p_a, p_b = hits_a / n_a, hits_b / n_b
        pooled = (hits_a + hits_b) / (n_a + n_b)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
        z = (p_a - p_b) / se
    return np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)


# --- the whole report -----------------------------------------------------------------------


def analyse(data: DebateData) -> tuple[dict, dict[int, int]]:
    """Every figure of the report (JSON-ready), and participant -> opinion group."""
    shift = opinion_shift(data.before, data.after)
    communities, left_out = shift_by_community(data)
    groups, membership = opinion_groups(data)
    figures = {
        "format": "question" if data.is_question else "motion",
        "participation": {
            "participants": data.n_participants,
            "voters": len(np.unique(data.voter)),
            "arguments": data.n_arguments,
            "votes": len(data.value),
            "final_positions": int((data.after != NO_POSITION).sum()),
            "declared": int((data.community >= 0).sum()),
        },
        "shift": {**shift, "communities": communities, "not_by_community": left_out},
        "changed_minds": changed_minds(data),
        "agreement": community_agreement(data),
        "groups": groups,
        "tree": {"nodes": [list(node) for node in data.tree]},
    }
    return figures, membership
