"""Criterion weights: direct weights (checked, normalised) or an AHP pairwise comparison matrix.

AHP: weights are the principal eigenvector of the reciprocal matrix, normalised to sum 1;
CI = (λmax − n) / (n − 1); CR = CI / RI(n).

The random index RI(n) is one table, said here once: for n ≤ 10 Saaty's own values (Saaty, T. L.,
1980, *The Analytic Hierarchy Process*, McGraw-Hill: 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32,
1.41, 1.45, 1.49), which most AHP software uses; for 11 ≤ n ≤ 30 the mean CI of 20,000 random
reciprocal matrices on Saaty's 1/9..9 scale per n (scripts/random_index.py, seed 1), because the
extensions of Saaty's table beyond 10 disagree with each other and one of them is not even increasing
(1.51, 1.48, 1.56 for n = 11, 12, 13).  The same simulation gives 0.52, 0.89, 1.11 … 1.49 for
n = 3 … 10, a little below Saaty's values at small n, as other simulations found (e.g. Alonso &
Lamata 2006).

The default consistency limit is Saaty's own, by n (Saaty, T. L., 1994, *Fundamentals of Decision
Making and Priority Theory with the AHP*, RWS Publications): CR ≤ 0.05 for n = 3, 0.08 for n = 4, 0.10 for n ≥ 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import ProfileError
from .i18n import _

#: Saaty (1980), n = 1..10
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
#: n = 11..30, simulated by scripts/random_index.py (20,000 matrices per n, seed 1)
SIMULATED_RI = (1.515, 1.536, 1.555, 1.570, 1.582, 1.596, 1.604, 1.615, 1.623, 1.630, 1.636, 1.641, 1.646,
                1.650, 1.656, 1.659, 1.663, 1.666, 1.670, 1.673)


def saaty_cr_limit(n: int) -> float:
    """Saaty's consistency-ratio limit for an n × n matrix (0.05 for 3, 0.08 for 4, 0.10 above)."""
    return 0.05 if n <= 3 else 0.08 if n == 4 else 0.10


RECIPROCAL_TOLERANCE = 0.01


def random_index(n: int) -> float:
    if n < 1:
        raise ValueError("n must be positive")
    if n <= len(SAATY_RI):
        return SAATY_RI[n - 1]
    if n <= len(SAATY_RI) + len(SIMULATED_RI):
        return SIMULATED_RI[n - len(SAATY_RI) - 1]
    raise ProfileError(_("an AHP matrix of {n} criteria is larger than 30").format(n=n),
                       _("Group the criteria into a hierarchy"))


@dataclass(frozen=True)
class AhpResult:
    names: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float

    def as_dict(self) -> dict:
        return {"weights": dict(zip(self.names, self.weights)), "lambda_max": self.lambda_max,
                "consistency_index": self.consistency_index, "random_index": self.random_index,
                "consistency_ratio": self.consistency_ratio}


def check_reciprocal(matrix: np.ndarray, names: Sequence[str], where: str = "") -> None:
    n = len(names)
    if matrix.shape != (n, n):
        raise ProfileError(_("the AHP matrix is {rows} × {columns} but there are {n} criteria").format(
                               rows=matrix.shape[0], columns=matrix.shape[1] if matrix.ndim > 1 else 0, n=n),
                           _("Give one row and one column per criterion ({n} × {n})").format(n=n), where)
    if not np.all(np.isfinite(matrix)) or np.any(matrix <= 0):
        i, j = np.argwhere(~np.isfinite(matrix) | (matrix <= 0))[0]
        raise ProfileError(_("AHP matrix cell [{row}, {column}] is {value:g}; judgements must be positive").format(
                               row=names[i], column=names[j], value=matrix[i, j]),
                           _("Use Saaty's scale 1/9 .. 9"), where)
    for i in range(n):
        if not np.isclose(matrix[i, i], 1.0):
            raise ProfileError(_("AHP matrix cell [{row}, {column}] is {value:g}, not 1").format(
                                   row=names[i], column=names[i], value=matrix[i, i]),
                               _("A criterion compared with itself is 1"), where)
        for j in range(i + 1, n):
            if abs(matrix[i, j] * matrix[j, i] - 1.0) > RECIPROCAL_TOLERANCE:
                raise ProfileError(
                    _("the AHP matrix is not reciprocal: cell [{row}, {column}] is {value:g} but "
                      "[{column}, {row}] is {mirrored:g}").format(
                        row=names[i], column=names[j], value=matrix[i, j], mirrored=matrix[j, i]),
                    _("Set [{column}, {row}] to 1/{value:g} = {inverse:.4g}").format(
                        row=names[i], column=names[j], value=matrix[i, j], inverse=1.0 / matrix[i, j]), where)


def ahp(matrix: Sequence[Sequence[float]] | np.ndarray, names: Sequence[str], where: str = "") -> AhpResult:
    """Principal-eigenvector weights and consistency of a reciprocal pairwise comparison matrix."""
    a = np.asarray(matrix, dtype="float64")
    check_reciprocal(a, names, where)
    n = len(names)
    if n == 1:
        return AhpResult(tuple(names), (1.0,), 1.0, 0.0, 0.0, 0.0)
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    vector = np.abs(vectors[:, k].real)
    weights = vector / vector.sum()
    lambda_max = float(values[k].real)
    ci = max(0.0, (lambda_max - n) / (n - 1))
    ri = random_index(n)
    cr = ci / ri if ri > 0 else 0.0
    return AhpResult(tuple(names), tuple(float(w) for w in weights), lambda_max, ci, ri, cr)


def normalise_weights(names: Sequence[str], weights: Sequence[float], where: str = "") -> tuple[np.ndarray, str]:
    """Checked weights summing to 1, and a notice if they had to be normalised."""
    w = np.asarray(weights, dtype="float64")
    if w.shape != (len(names),) or not np.all(np.isfinite(w)):
        raise ProfileError(_("every scoring criterion needs a finite weight"), _("Give each one 'weight: 0.2'"), where)
    negative = [f"{n} ({v:g})" for n, v in zip(names, w) if v < 0]
    if negative:
        raise ProfileError(_("negative weight(s): {weights}").format(weights=", ".join(negative)),
                           _("Weights must be zero or positive"), where)
    total = float(w.sum())
    if total <= 0:
        raise ProfileError(_("all weights are zero"), _("Give at least one criterion a positive weight"), where)
    notice = ""
    if not np.isclose(total, 1.0, atol=1e-6):
        notice = _("The weights sum to {total:g}, not 1; they were normalised (divided by {total:g}).").format(
            total=total)
    return w / total, notice
