"""The two versions of Pol.is's math that polis_math reproduces (``method=``)."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from deliberate.polis.files import read_conversation
from deliberate.results.polis_math import (
    CURRENT,
    LEGACY,
    SMALL_DENSE,
    polis_groups,
    project,
    vote_matrix,
)

BREXIT = Path(__file__).parent / "data" / "polis" / "brexit-consensus"


def random_votes(rows=300, cols=100, seen=0.3, seed=3):
    rng = np.random.default_rng(seed)
    mask = rng.random((rows, cols)) < seen
    mask[:, 0] = True  # every column voted on
    r, c = np.nonzero(mask)
    values = rng.choice([-1.0, 0.0, 1.0], size=len(r), p=[0.4, 0.2, 0.4])
    return vote_matrix(r, c, values, (rows, cols))


def same_up_to_sign(a, b):
    for j in range(a.shape[1]):
        sign = 1.0 if np.dot(a[:, j], b[:, j]) >= 0 else -1.0
        np.testing.assert_allclose(a[:, j], sign * b[:, j], atol=1e-6)


@pytest.mark.parametrize("rows", [60, 300])  # the dense path and the sparse solver
def test_legacy_is_a_pca_of_the_zero_filled_matrix(rows):
    matrix = random_votes(rows=rows)
    assert (rows * matrix.shape[1] > SMALL_DENSE) == (rows == 300)
    dense = matrix.toarray()  # missing votes are 0 here, as in the legacy ``:mat``
    centre = dense.mean(axis=0)
    _, _, vt = np.linalg.svd(dense - centre, full_matrices=False)
    seen = matrix.copy()
    seen.data = seen.data - centre[seen.indices]
    scale = np.sqrt(matrix.shape[1] / matrix.getnnz(axis=1))
    expected = (seen @ vt[:2].T) * scale[:, None]
    same_up_to_sign(project(matrix, np.zeros(matrix.shape[1], bool), LEGACY), expected)


def test_only_the_current_method_zeroes_moderated_out_statements():
    matrix = random_votes()
    none = np.zeros(matrix.shape[1], dtype=bool)
    some = none.copy()
    some[:10] = True
    same_up_to_sign(project(matrix, some, LEGACY), project(matrix, none, LEGACY))
    assert not np.allclose(np.abs(project(matrix, some, CURRENT)), np.abs(project(matrix, none)))


def test_methods_differ_in_how_they_fill_missing_votes():
    matrix = random_votes(seen=0.2)
    none = np.zeros(matrix.shape[1], dtype=bool)
    assert not np.allclose(np.abs(project(matrix, none, LEGACY)), np.abs(project(matrix, none)))


@pytest.mark.parametrize("method", ["current", "legacy"])
def test_both_methods_find_pol_is_groups_of_brexit_consensus(method):
    conversation = read_conversation(BREXIT)
    order = conversation.arrival_order()
    result = polis_groups(
        conversation.vote_matrix(order),
        order,
        conversation.comment_ids,
        excluded_comments=conversation.rejected + conversation.meta,
        method=method,
    )
    polis = conversation.groups
    theirs = np.array([-1 if polis[p] is None else polis[p] for p in result.participant_ids])
    both = theirs >= 0
    assert result.k == len(set(theirs[both])) == 2
    assert adjusted_rand_score(theirs[both], result.labels[both]) >= 0.8
