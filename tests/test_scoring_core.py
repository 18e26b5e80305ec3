"""Suitability scoring building blocks: standardisation, weights (AHP), aggregation, sensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from smr_siting.core.errors import ProfileError
from smr_siting.core.scoring.aggregate import owa, ranks, topsis, wlc
from smr_siting.core.scoring.sensitivity import leave_one_out, monte_carlo
from smr_siting.core.scoring.standardise import Standardisation, standardise
from smr_siting.core.scoring.weights import SAATY_RI, SIMULATED_RI, ahp, normalise_weights, random_index

# Saaty, T. L. (2008) 'Decision making with the analytic hierarchy process', Int. J. Services Sciences
# 1(1): 83–98 — "Which drink is consumed more in the U.S.?": derived priorities and CR.
DRINKS = ("coffee", "wine", "tea", "beer", "sodas", "milk", "water")
DRINKS_MATRIX = [[1, 9, 5, 2, 1, 1, 1 / 2],
                 [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
                 [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
                 [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
                 [1, 9, 4, 2, 1, 2, 1 / 2],
                 [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
                 [2, 9, 9, 3, 2, 3, 1]]
DRINKS_WEIGHTS = (0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327)


def test_ahp_matches_saatys_drinks_example_to_three_decimals() -> None:
    result = ahp(DRINKS_MATRIX, DRINKS)
    assert tuple(round(w, 3) for w in result.weights) == DRINKS_WEIGHTS
    assert round(result.consistency_ratio, 3) == 0.022
    assert result.random_index == 1.32


def test_ahp_twelve_criteria_consistent_matrix() -> None:
    true = np.arange(1, 13, dtype=float)
    matrix = true[:, None] / true[None, :]
    result = ahp(matrix, [f"c{i}" for i in range(12)])
    assert np.allclose(result.weights, true / true.sum())
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.random_index == 1.48  # Saaty's table beyond 9
    assert random_index(20) == SIMULATED_RI[4] and random_index(15) == SAATY_RI[14]


def test_ahp_refuses_a_matrix_that_is_not_reciprocal_and_names_the_cell() -> None:
    bad = np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 4, 1]])
    with pytest.raises(ProfileError, match=r"cell \[b, c\] is 2 but \[c, b\] is 0\.25.*1/2 = 0\.5"):
        ahp(bad, ["a", "b", "c"])


def test_direct_weights_are_normalised_or_refused() -> None:
    weights, notice = normalise_weights(["a", "b"], [2, 2])
    assert weights.tolist() == [0.5, 0.5] and "normalised" in notice
    with pytest.raises(ProfileError, match="negative weight"):
        normalise_weights(["a", "b"], [1, -0.5])
    with pytest.raises(ProfileError, match="all weights are zero"):
        normalise_weights(["a", "b"], [0, 0])


def test_wlc_and_topsis_agree_with_a_hand_computed_example() -> None:
    # alternatives A, B, C on two benefit criteria, weights 0.6 / 0.4 (worked by hand in the test's comment):
    # WLC: A 0.6, B 0.4, C 0.5.  TOPSIS: weighted normalised A (0.5367, 0), B (0, 0.3578), C (0.2683, 0.1789);
    # ideal (0.5367, 0.3578), anti-ideal (0, 0); closeness A 0.6, B 0.4, C 0.5.
    matrix = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    weights = np.array([0.6, 0.4])
    assert np.allclose(wlc(matrix.T, weights), [0.6, 0.4, 0.5])
    assert np.allclose(topsis(matrix, weights), [0.6, 0.4, 0.5], atol=1e-4)
    assert ranks(np.array([0.6, 0.4, 0.5])).tolist() == [1, 3, 2]
    assert ranks(np.array([0.5, 0.5, 0.5])).tolist() == [1, 2, 3]  # deterministic ties


def test_owa_alpha_one_is_wlc_and_extremes_go_to_min_and_max() -> None:
    rng = np.random.default_rng(3)
    scores = rng.random((4, 50))
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    assert np.allclose(owa(scores, weights, 1.0), wlc(scores, weights))
    assert np.all(owa(scores, weights, 50.0) <= wlc(scores, weights) + 1e-12)
    assert np.all(owa(scores, weights, 0.02) >= wlc(scores, weights) - 1e-12)


@pytest.mark.parametrize("spec, values, expected", [
    (Standardisation("linear", "benefit", lower=0, upper=10), [0, 5, 10, 20], [0, 0.5, 1, 1]),
    (Standardisation("linear", "cost", lower=0, upper=10), [0, 5, 10], [1, 0.5, 0]),
    (Standardisation("linear", points=((0, 1), (2000, 1), (10000, 0))), [0, 2000, 6000, 12000], [1, 1, 0.5, 0]),
    (Standardisation("sigmoid", "benefit", control=(0, 10)), [0, 5, 10], [0, 0.5, 1]),
    (Standardisation("sigmoid", "benefit", control=(0, 10, 20, 30)), [5, 15, 25, 35], [0.5, 1, 0.5, 0]),
    (Standardisation("bands", bands=((2000, 1.0), (5000, 0.5), (None, 0.1))), [100, 3000, 9000], [1, 0.5, 0.1]),
])
def test_standardisation_methods(spec, values, expected) -> None:
    assert np.allclose(standardise(np.array(values, dtype=float), spec).scores, expected)


def test_constant_criterion_warns_and_never_divides_by_zero() -> None:
    with np.errstate(all="raise"):
        result = standardise(np.full(5, 7.0), Standardisation("linear"), "flat")
    assert np.all(result.scores == 1.0)
    assert result.warnings and "cannot tell places apart" in result.warnings[0]


def test_categories_score_and_report_unknowns() -> None:
    spec = Standardisation("categories", categories={"industrie": 1.0, "landbouw": 0.4})
    result = standardise(np.array(["industrie", "landbouw", "natuur", None], dtype=object), spec, "landuse")
    assert result.scores[:2].tolist() == [1.0, 0.4] and np.isnan(result.scores[2:]).all()
    assert "natuur" in result.warnings[0]


def test_monte_carlo_is_reproducible_and_follows_a_dominant_criterion() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.random((8, 4))
    matrix[5, 0] = 1.0  # site 5 is best on criterion 0 …
    matrix[:, 0] = np.minimum(matrix[:, 0], 0.7)
    matrix[5, 0] = 1.0
    weights = [0.85, 0.05, 0.05, 0.05]  # … which dominates the weights
    first = monte_carlo(matrix, weights, samples=2000, seed=1)
    again = monte_carlo(matrix, weights, samples=2000, seed=1)
    for name in ("share_rank1", "share_top3", "share_top5", "rank_p05", "rank_p95", "mean_rank"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    assert first.share_rank1[5] > 0.95
    other = monte_carlo(matrix, weights, samples=2000, seed=2)
    assert not np.array_equal(first.mean_rank, other.mean_rank)
    assert np.isclose(first.share_rank1.sum(), 1.0)


def test_leave_one_out_renormalises_the_rest() -> None:
    matrix = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.4, 0.4, 1.0]])
    loo = leave_one_out(matrix, [0.5, 0.3, 0.2])
    assert loo[0].tolist() == [3, 1, 2]     # without criterion 0: B (0.3·1 + 0.2·0.5)/0.5 = 0.8 best
    assert loo[1].tolist() == [1, 3, 2]
