"""Combining standardised scores: weighted linear combination (WLC), ordered weighted averaging
(OWA, Yager's weighted OWA with a RIM quantifier Q(p) = p^α as in Malczewski 2006) and TOPSIS."""

from __future__ import annotations

from typing import Callable

import numpy as np


def wlc(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ wᵢ sᵢ over the first axis of ``scores`` (criteria × …); NaN where any score is NaN."""
    weights = np.asarray(weights, dtype="float64")
    return np.tensordot(weights, scores, axes=(0, 0))


def owa_weights(scores: np.ndarray, weights: np.ndarray, alpha: float,
                quantifier: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """The weight each criterion (first axis) gets per place in the weighted OWA, in criterion order:
    ``(owa_weights(s, w, a) * s).sum(axis=0) == owa(s, w, a)``; they sum to 1 per place.

    ``quantifier`` replaces the RIM quantifier Q(p) = p^α (a non-decreasing function with Q(0) = 0 and
    Q(1) = 1).  With equal criterion weights this is Yager's OWA with order weights Q(j/n) − Q((j−1)/n)
    (Torra 1997)."""
    if alpha <= 0:
        raise ValueError("alpha must be positive")
    q = quantifier or (lambda p: p ** alpha)
    weights = np.asarray(weights, dtype="float64")
    scores = np.asarray(scores, dtype="float64")
    order = np.argsort(-scores, axis=0, kind="stable")
    sorted_weights = weights[order]
    cumulative = np.cumsum(sorted_weights, axis=0)
    previous = cumulative - sorted_weights
    order_weights = q(np.clip(cumulative, 0, 1)) - q(np.clip(previous, 0, 1))
    out = np.empty_like(order_weights)
    np.put_along_axis(out, order, order_weights, axis=0)
    return out


def owa(scores: np.ndarray, weights: np.ndarray, alpha: float) -> np.ndarray:
    """Weighted OWA with risk attitude ``alpha``: α = 1 is WLC, α < 1 optimistic (towards the best
    score, OR-like), α > 1 pessimistic (towards the worst, AND-like).

    Per place the scores are sorted from best to worst; the j-th gets weight
    Q(Σₖ≤ⱼ uₖ) − Q(Σₖ<ⱼ uₖ) with uₖ the criterion weights in that order and Q(p) = p^α
    (Yager 1996 / Torra 1997 weighted OWA; Malczewski 2006, eq. 6–7).
    """
    scores = np.asarray(scores)
    return (owa_weights(scores, weights, alpha) * scores).sum(axis=0)


def combine(scores: np.ndarray, weights: np.ndarray, aggregation: str = "wlc", alpha: float = 1.0) -> np.ndarray:
    """The aggregate score (WLC or OWA) of criterion scores (criteria × …)."""
    return owa(scores, weights, alpha) if aggregation == "owa" else wlc(scores, weights)


def topsis(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Closeness (0..1) of each alternative (rows) over criteria (columns) given as standardised
    scores in [0, 1], against *fixed* reference points: the ideal scores 1 on every criterion, the
    anti-ideal 0 (weighted Euclidean distances).  A site's closeness therefore does not depend on
    which other sites were submitted: a lone site is not 1.0 by construction."""
    matrix = np.asarray(matrix, dtype="float64")
    weights = np.asarray(weights, dtype="float64")
    d_plus = np.sqrt((((1.0 - matrix) * weights) ** 2).sum(axis=1))
    d_minus = np.sqrt(((matrix * weights) ** 2).sum(axis=1))
    total = d_plus + d_minus
    return np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)


def ranks(scores: np.ndarray, tie_break: np.ndarray | None = None) -> np.ndarray:
    """1 = best (highest score); ties broken by ``tie_break`` (ascending) then position: deterministic."""
    n = len(scores)
    keys = [np.arange(n)]
    if tie_break is not None:
        keys.insert(0, tie_break)
    order = np.lexsort(tuple(keys) + (-np.asarray(scores),))
    out = np.empty(n, dtype=int)
    out[order] = np.arange(1, n + 1)
    return out
