"""The figures of a debate's report, computed from its arrays (see data.py).

Pure functions of numpy arrays, so they can be checked against hand-computed toy debates.
Three views of the same votes:

* opinion shift: how the motion vote moved between the opening and the final vote, and
  which side gained most (the Intelligence Squared rule);
* agreement by declared community: which arguments every community agrees with (Pol.is's
  group-informed consensus) and which split them;
* opinion groups found in the votes themselves, with no declared community, their
  representative arguments and the consensus across them, computed as Pol.is does
  (polis_math.py, a port of Pol.is's math: the "in conversation" rule, PCA with mean
  imputation and sparsity scaling, 100 base clusters, 2 to 5 groups by silhouette, repness,
  group-informed consensus; or its earlier version, for an imported conversation whose
  groups that version drew: Debate.group_method).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import charts, polis_math
from .data import NO_POSITION, POSITIONS, DebateData

#: Bumped when the figures change meaning or shape: cached reports of another version are
#: recomputed (results/cache.py), even for a closed debate whose votes never change again.
#: 4: no texts (texts.py adds them when rendering), the public counts, small cells withheld.
#: 5: the argument tree summarised to what the icicle can draw (charts.summarise_tree).
#: 6: the opinion shift in the public counts (one definition for the debate page and report).
#: 7: common ground only where a majority of every community agrees; sides of the motion.
VERSION = 7
#: Groups smaller than this are never shown on their own: a figure about two people says
#: how each of them voted.
MIN_GROUP = 5
#: An argument needs this many votes before its agreement is judged.
MIN_VOTES = 5
LIST_LENGTH = 10
HEATMAP_ROWS = 12
#: Opinion groups are the same for the same votes: the seed of polis_math's random choices.
GROUP_SEED = 0


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

    # Common ground is agreement across communities, not the best of a bad lot: more agree
    # than disagree overall and in every community with at least two votes on it.
    majority_everywhere = ~(enough & (2 * agree <= votes)).any(axis=1)
    common = judged & (voted_in >= 2) & majority_everywhere & (2 * agree_all > votes_all)
    by_consensus = _top(np.where(common, consensus, -1), data, common)
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
                    # A cell of fewer than MIN_GROUP votes is withheld: it would describe
                    # how a handful of identifiable people voted.
                    "rates": [
                        round(float(r), 3) if v >= MIN_GROUP else None
                        for r, v in zip(rates[c], votes[c], strict=True)
                    ],
                    "votes": [int(v) if v >= MIN_GROUP else None for v in votes[c]],
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
    """An argument as the figures hold it: its id, never its text (texts.py adds that)."""
    side = data.sides[column] if data.sides else data.stances[column]
    return {
        "id": int(data.argument_ids[column]),
        "stance": data.stances[column],
        "side": side,
        **extra,
    }


# --- opinion groups -------------------------------------------------------------------------


def vote_matrix(data: DebateData) -> tuple[sp.csr_matrix, list[int]]:
    """Participants (rows, in DebateData's order) by arguments, shown and withheld ones, and
    the argument id of each column: +1 agree, -1 disagree, 0 pass, each vote an explicit
    entry (a pass is seen, not missing), as polis_math takes it. Columns go by argument id,
    the order in which arguments arrived, as Pol.is numbers its statements."""
    ids = np.concatenate([data.argument_ids, data.withheld_ids])
    order = np.argsort(ids, kind="stable")
    column = np.empty(len(ids), dtype=np.int64)
    column[order] = np.arange(len(ids))
    matrix = polis_math.vote_matrix(
        np.concatenate([data.voter, data.withheld_voter]),
        column[np.concatenate([data.argument, data.withheld_argument + data.n_arguments])],
        np.concatenate([data.value, data.withheld_value]),
        (data.n_participants, len(ids)),
    )
    return matrix, ids[order].tolist()


def opinion_groups(data: DebateData) -> tuple[dict, dict[int, int]]:
    """Pol.is's opinion groups: the figures, and each placed participant's group.

    polis_math.polis_groups on every vote, withheld arguments zeroed as Pol.is zeroes
    moderated-out statements (their votes still count as seen). Pol.is places participants
    with at least 7 votes (or as many as there are statements), topped up with the most
    active voters to 15, and finds no groups with fewer than 15 voters. Deterministic: the
    same votes give the same groups.
    """
    matrix, columns = vote_matrix(data)
    voted_columns = int((matrix.getnnz(axis=0) > 0).sum())
    min_votes = min(polis_math.MIN_VOTES, voted_columns)
    result = polis_math.polis_groups(
        matrix,
        data.participant_ids.tolist(),
        columns,
        seed=GROUP_SEED,
        excluded_comments=data.withheld_ids.tolist(),
        method=data.group_method,
    )
    if result is None:
        base = {"left_out": data.n_participants, "min_votes": min_votes}
        return {"status": "too_few", "clustered": 0, **base}, {}

    column_of = {int(a): c for c, a in enumerate(data.argument_ids)}
    labels, k = result.labels, result.k
    figures = {
        "status": "ok",
        "k": k,
        "silhouette": round(result.silhouette, 3),
        "clustered": len(labels),
        "left_out": data.n_participants - len(labels),
        "min_votes": min_votes,
        "method": data.group_method,
        "groups": [
            {
                "label": chr(ord("A") + g),
                "size": int((labels == g).sum()),
                "representative": [
                    _representative(data, column_of[r["comment_id"]], r) for r in result.repness[g]
                ],
            }
            for g in range(k)
        ],
        "consensus": {
            side: [
                _argument(data, column_of[comment_id], consensus=round(score, 3))
                for comment_id, score in ranked
                # Above what a statement nobody voted on gets, 1/2 per group.
                if score > 0.5**k
            ]
            for side, ranked in result.consensus.items()
        },
        # Sorted, so a dot's place in the list says nothing of when its participant joined.
        "points": sorted(
            [round(float(x), 3), round(float(y), 3), int(g)]
            for (x, y), g in zip(result.coords, labels, strict=True)
        ),
    }
    membership = dict(zip(result.participant_ids, labels.tolist(), strict=True))
    return figures, membership


def _representative(data: DebateData, column: int, stat: dict) -> dict:
    """One of polis_math's representative statements as the report shows it: the group's
    (smoothed) share on its side, and the other groups' share, which is that share over
    its representativeness ratio. Significant as Pol.is's selection test: both z-scores
    above the one-sided 90% threshold."""
    p = stat["p"]
    return _argument(
        data,
        column,
        direction=stat["repful"],
        group_pct=round(p * 100),
        rest_pct=round(p / stat["repness"] * 100),
        significant=bool(
            stat["repness_test"] > polis_math.Z_90 and stat["p_test"] > polis_math.Z_90
        ),
        best_agree=bool(stat["best_agree"]),
    )


# --- the public counts ----------------------------------------------------------------------


def public_counts(data: DebateData) -> dict:
    """What the debate page and the API show of positions and communities: every opening and
    final position, and the communities of MIN_GROUP or more, with everyone else in one
    number (undeclared and smaller communities together, so a small community's size never
    shows, not even as a difference)."""
    communities = [
        {"name": name, "participants": int(size)}
        for name, size in zip(
            data.community_names,
            np.bincount(data.community[data.community >= 0], minlength=len(data.community_names)),
            strict=True,
        )
        if size >= MIN_GROUP
    ]
    shown = sum(c["participants"] for c in communities)
    return {
        "participants": data.n_participants,
        "before": _tally(data.before),
        "after": _tally(data.after),
        # The debate page shows the report's shift (IQ2's: among those who voted both),
        # from these same batched figures.
        "shift": opinion_shift(data.before, data.after),
        "communities": communities,
        "not_by_community": data.n_participants - shown,
    }


def _tally(positions: np.ndarray) -> dict[str, int]:
    counts = np.bincount(positions[positions != NO_POSITION], minlength=3)
    return dict(zip(POSITIONS, counts.tolist(), strict=True))


# --- the whole report -----------------------------------------------------------------------


def analyse(data: DebateData) -> tuple[dict, dict[int, int]]:
    """Every figure of the report (JSON-ready), and participant -> opinion group."""
    shift = opinion_shift(data.before, data.after)
    communities, left_out = shift_by_community(data)
    groups, membership = opinion_groups(data)
    figures = {
        "analysis": VERSION,
        "format": "question" if data.is_question else "motion",
        "participation": {
            "participants": data.n_participants,
            "voters": len(np.unique(data.voter)),
            "arguments": data.n_arguments,
            "votes": len(data.value),
            "final_positions": int((data.after != NO_POSITION).sum()),
        },
        "counts": public_counts(data),
        "shift": {**shift, "communities": communities, "not_by_community": left_out},
        "changed_minds": changed_minds(data),
        "agreement": community_agreement(data),
        "groups": groups,
        # Summarised now, so the report's cost does not grow with the tree.
        "tree": charts.summarise_tree(data.tree),
    }
    return figures, membership
