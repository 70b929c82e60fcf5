"""Pol.is's opinion groups, representative statements and consensus (results/polis_math.py)."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from deliberate.results.polis_math import (
    GREEDY_N,
    group_consensus,
    in_conversation,
    polis_groups,
    representative_comments,
    two_prop_test,
    vote_matrix,
)


def planted(groups=3, per_group=40, statements=30, seen=0.7, loyal=0.85, seed=1):
    """Votes of planted groups: each follows its group's side on a statement, mostly."""
    rng = np.random.default_rng(seed)
    sides = rng.choice([-1.0, 1.0], size=(groups, statements))
    truth = np.repeat(np.arange(groups), per_group)
    votes = np.where(rng.random((len(truth), statements)) < loyal, sides[truth], -sides[truth])
    votes[rng.random(votes.shape) < 0.1] = 0.0
    votes[rng.random(votes.shape) > seen] = np.nan
    return votes, truth


def run(votes, **kwargs):
    return polis_groups(votes, list(range(votes.shape[0])), list(range(votes.shape[1])), **kwargs)


def test_planted_groups_are_recovered():
    votes, truth = planted()
    result = run(votes)
    assert result.k == 3
    assert adjusted_rand_score(truth[result.participant_ids], result.labels) > 0.9
    assert result.coords.shape == (len(result.participant_ids), 2)
    sizes = np.bincount(result.labels)
    assert (np.diff(sizes) <= 0).all()  # numbered by size, largest first


def test_same_seed_same_result_and_sparse_equals_dense():
    votes, _ = planted(seed=2)
    first, again = run(votes, seed=5), run(votes, seed=5)
    assert np.array_equal(first.labels, again.labels)
    assert np.array_equal(first.coords, again.coords)
    assert first.repness == again.repness and first.consensus == again.consensus
    r, c = np.nonzero(~np.isnan(votes))
    sparse = vote_matrix(r, c, votes[r, c], votes.shape)
    from_sparse = run(sparse, seed=5)
    assert np.array_equal(first.labels, from_sparse.labels)
    assert np.allclose(first.coords, from_sparse.coords)


def test_vote_matrix_keeps_the_last_vote_and_passes():
    m = vote_matrix([0, 0, 1], [1, 1, 0], [1.0, -1.0, 0.0], (2, 2))
    assert m[0, 1] == -1.0
    assert m.nnz == 2  # the pass is an explicit, seen entry


def test_in_conversation_rule():
    # At least min(7, statements) votes...
    assert in_conversation(np.array([7] * 15 + [6, 1]), 50).tolist() == [True] * 15 + [False] * 2
    assert in_conversation(np.array([3] * 15 + [2]), 3).tolist() == [True] * 15 + [False]
    # ...and the most active voters top it up to 15, earlier rows first on ties.
    counts = np.array([9, 1, 5, 5, 2] + [7] * 12)
    placed = in_conversation(counts, 40)
    assert placed.sum() == GREEDY_N
    assert placed[[0, 2, 3]].all() and not placed[[1, 4]].any()


def test_only_participants_in_conversation_are_placed():
    votes, _ = planted()
    votes[:5, 6:] = np.nan  # five people saw six statements
    result = run(votes)
    assert not set(range(5)) & set(result.participant_ids)
    assert len(result.participant_ids) == len(votes) - 5


def test_too_few_voters_gives_none():
    votes, _ = planted(per_group=4)  # 12 voters, fewer than Pol.is's 15
    assert run(votes) is None


def tiny():
    """Two groups of four; statement 2 is moderated out.

    Statement 0 splits them (group 0 agrees, group 1 disagrees); statement 1: group 0 has
    3 agrees and a pass, group 1 agrees."""
    votes = np.array([[1, 1, 1]] * 3 + [[1, 0, 1]] + [[-1, 1, -1]] * 4, dtype=float)
    r, c = np.nonzero(np.ones_like(votes))
    matrix = vote_matrix(r, c, votes[r, c], votes.shape)
    labels = np.array([0] * 4 + [1] * 4)
    return matrix, labels, ["s0", "s1", "s2"], np.array([False, False, True])


def test_representative_statements_by_hand():
    matrix, labels, ids, excluded = tiny()
    groups = representative_comments(matrix, labels, 2, ids, excluded)
    # Group 0, statement 0: 4 of 4 agree, against 0 of 4 elsewhere.
    # p = (4+1)/(4+2); repness = p / ((0+1)/(4+2)) = 5; p_test = 2 sqrt(5) (5/5 - 1/2);
    # repness_test: pooled (5+1)/(5+5) = 0.6, (1 - 1/5) / sqrt(0.6 * 0.4 * (1/5 + 1/5)).
    (s0,) = groups[0]
    assert s0["comment_id"] == "s0" and s0["repful"] == "agree" and s0["best_agree"]
    assert (s0["n_agree"], s0["n_disagree"], s0["n_seen"]) == (4, 0, 4)
    assert s0["p"] == pytest.approx(5 / 6)
    assert s0["repness"] == pytest.approx(5.0)
    assert s0["p_test"] == pytest.approx(np.sqrt(5))
    assert s0["repness_test"] == pytest.approx(0.8 / np.sqrt(0.096))
    # Group 1: statement 1 is its best agree (4 of 4, against 3 of 4: z = 0.2 / sqrt(0.036),
    # under the 90% bar) and comes first; statement 0 passes both tests for disagreement.
    best, split = groups[1]
    assert best["comment_id"] == "s1" and best["repful"] == "agree" and best["best_agree"]
    assert best["repness"] == pytest.approx((5 / 6) / (4 / 6))
    assert best["repness_test"] == pytest.approx(0.2 / np.sqrt(0.036))
    assert split["comment_id"] == "s0" and split["repful"] == "disagree"
    assert split["repness"] == pytest.approx(5.0) and not split["best_agree"]


def test_best_agree_is_told_as_agreement():
    # Everyone agrees with s1, so its two tests tie at 0 for group 0; Pol.is's report still
    # shows the group's best agree as agreement.
    votes = np.array([[-1, 1]] * 4 + [[1, 1]] * 4, dtype=float)
    r, c = np.nonzero(np.ones_like(votes))
    matrix = vote_matrix(r, c, votes[r, c], votes.shape)
    labels = np.array([0] * 4 + [1] * 4)
    best, split = representative_comments(matrix, labels, 2, ["s0", "s1"], np.zeros(2, bool))[0]
    assert (best["comment_id"], best["repful"], best["best_agree"]) == ("s1", "agree", True)
    assert best["repness_test"] == 0.0 and best["p"] == pytest.approx(5 / 6)
    assert (split["comment_id"], split["repful"]) == ("s0", "disagree")


def test_group_informed_consensus_by_hand():
    matrix, labels, ids, excluded = tiny()
    consensus = group_consensus(matrix, labels, 2, ids, excluded)
    # Product over groups of (agree + 1) / (seen + 2); s2 is moderated out.
    assert consensus["agree"] == [
        ("s1", pytest.approx((4 / 6) * (5 / 6))),
        ("s0", pytest.approx((5 / 6) * (1 / 6))),
    ]
    assert consensus["disagree"] == [
        ("s0", pytest.approx((1 / 6) * (5 / 6))),
        ("s1", pytest.approx((1 / 6) * (1 / 6))),
    ]


def test_two_prop_test_is_zero_when_everyone_agrees():
    assert two_prop_test(np.array([4.0]), np.array([4.0]), np.array([4.0]), np.array([4.0])) == 0


def test_moderated_out_statements_are_never_representative():
    votes, _ = planted()
    ids = list(range(votes.shape[1]))
    result = polis_groups(votes, list(range(len(votes))), ids, excluded_comments=[0, 1, 2])
    shown = {r["comment_id"] for group in result.repness for r in group}
    shown |= {c for side in result.consensus.values() for c, _ in side}
    assert not shown & {0, 1, 2}


# Pol.is's own groups of the whole Brexit conversation: tests/test_polis_methods.py.
