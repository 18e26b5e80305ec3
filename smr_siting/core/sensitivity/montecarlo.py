"""How stable is the ranking?  Monte Carlo on the weights (Dirichlet around the chosen weights,
seeded: the same seed gives the same numbers bit for bit), leave-one-criterion-out ranks, and
threshold sweeps of any profile distance (km² left and candidate areas per value).

Weights are drawn from Dirichlet(α) with α = weights × concentration c.  Each sampled weight then has
mean wᵢ and standard deviation √(wᵢ(1 − wᵢ)/(c + 1)) (the Dirichlet's marginal is Beta(αᵢ, c − αᵢ)).
With the default c = 100 a weight of 0.25 has a standard deviation of 0.043, so about 75 % of
samples lie within ±0.05 of it (not all of them).  ``weight_spread`` sets c instead so that the
largest of these standard deviations is the spread asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..model.errors import SmrSitingError
from ..model.i18n import _
from ..scoring.aggregate import owa, topsis

#: Dirichlet concentration: α = weights × this (see the module's docstring for the spread it gives)
DEFAULT_CONCENTRATION = 100.0


def weight_sd(weights: Sequence[float], concentration: float) -> np.ndarray:
    """The standard deviation of each Dirichlet-sampled weight: √(w(1 − w)/(c + 1))."""
    w = np.asarray(weights, dtype="float64")
    return np.sqrt(w * (1.0 - w) / (concentration + 1.0))


def concentration_for_spread(weights: Sequence[float], spread: float) -> float:
    """The concentration whose largest per-weight standard deviation is ``spread``."""
    w = np.asarray(weights, dtype="float64")
    widest = float((w * (1.0 - w)).max())
    if spread <= 0 or spread * spread >= widest:
        raise SmrSitingError(_("a weight spread of {spread:g} is not possible for these weights (it must lie between 0 "
                               "and {limit:.3f})").format(spread=spread, limit=np.sqrt(widest)),
                             _("Give e.g. --weight-spread 0.05"))
    return widest / (spread * spread) - 1.0


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
    sampled_weights: np.ndarray | None = None  # samples × criteria


def _ranks_per_row(scores: np.ndarray) -> np.ndarray:
    """Ranks (1 = best) per row; ties go to the earlier site (stable)."""
    order = np.argsort(-scores, axis=1, kind="stable")
    out = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    out[rows, order] = np.arange(1, scores.shape[1] + 1)[None, :]
    return out


def scores_for(matrix: np.ndarray, weights: np.ndarray, ranking: str, aggregation: str = "wlc",
               alpha: float = 1.0) -> np.ndarray:
    """Scores of the sites (rows of ``matrix``) for each weight vector (rows of ``weights``): TOPSIS
    closeness, or the aggregate score (WLC, or OWA as the surface uses)."""
    if ranking == "topsis":
        return np.stack([topsis(matrix, w) for w in weights])
    if aggregation == "owa":
        return np.stack([owa(matrix.T, w, alpha) for w in weights])
    return weights @ matrix.T


def monte_carlo(matrix: np.ndarray, weights: Sequence[float], samples: int = 1000, seed: int = 1,
                concentration: float = DEFAULT_CONCENTRATION, ranking: str = "wlc", aggregation: str = "wlc",
                owa_alpha: float = 1.0) -> MonteCarlo:
    """Rank frequencies of the sites (rows of ``matrix``: standardised scores per criterion)."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    weights = np.asarray(weights, dtype="float64")
    rng = np.random.Generator(np.random.PCG64(seed))
    alpha = np.maximum(weights * concentration, 1e-6)
    sampled = rng.dirichlet(alpha, size=samples)
    rank = _ranks_per_row(scores_for(matrix, sampled, ranking, aggregation, owa_alpha))
    n_sites = matrix.shape[0]
    return MonteCarlo(
        samples, seed, concentration,
        share_rank1=(rank == 1).mean(axis=0), share_top3=(rank <= min(3, n_sites)).mean(axis=0),
        share_top5=(rank <= min(5, n_sites)).mean(axis=0),
        rank_p05=np.percentile(rank, 5, axis=0, method="lower"), rank_median=np.median(rank, axis=0),
        rank_p95=np.percentile(rank, 95, axis=0, method="higher"), mean_rank=rank.mean(axis=0),
        sampled_weights=sampled)


def leave_one_out(matrix: np.ndarray, weights: Sequence[float], ranking: str = "wlc", aggregation: str = "wlc",
                  alpha: float = 1.0) -> np.ndarray:
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
        scores = scores_for(matrix[:, kept], w[kept][None, :], ranking, aggregation, alpha)
        rows.append(_ranks_per_row(scores)[0])
    return np.array(rows)


def weight_spread_summary(names: Sequence[str], weights: Sequence[float], mc: MonteCarlo) -> list[dict]:
    """Per weight: the chosen value, the formula's standard deviation, and the sampled sd and 5–95 % range."""
    sd = weight_sd(weights, mc.concentration)
    sampled = mc.sampled_weights if mc.sampled_weights is not None else np.zeros((0, len(names)))
    out = []
    for j, name in enumerate(names):
        column = sampled[:, j]
        out.append({"criterion": name, "weight": round(float(weights[j]), 6), "sd_formula": round(float(sd[j]), 6),
                    "sd_sampled": round(float(column.std(ddof=1)), 6) if column.size > 1 else None,
                    "p05": round(float(np.percentile(column, 5)), 6) if column.size else None,
                    "p95": round(float(np.percentile(column, 95)), 6) if column.size else None,
                    "share_within_0_05": round(float((np.abs(column - weights[j]) <= 0.05).mean()), 6)
                    if column.size else None})
    return out
