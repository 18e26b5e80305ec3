#!/usr/bin/env python3
"""Random consistency index RI(n) for AHP matrices beyond Saaty's 1980 table (n > 10).

RI(n) is the mean consistency index CI = (λmax − n)/(n − 1) of random reciprocal matrices whose
upper-triangle judgements are drawn uniformly from Saaty's scale {1/9, 1/8, …, 1/2, 1, 2, …, 9}.
Prints the table used in smr_siting/core/model/weights.py (SIMULATED_RI, n = 11..30).  Also prints
n = 3..10 for comparison with Saaty's published values.

Usage: scripts/random_index.py [--samples 20000] [--seed 1] [--max-n 30]
"""

from __future__ import annotations

import argparse

import numpy as np

SCALE = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9])


def mean_ci(n: int, samples: int, rng: np.random.Generator) -> float:
    upper = np.triu_indices(n, 1)
    total = 0.0
    batch = 1000
    done = 0
    while done < samples:
        size = min(batch, samples - done)
        mats = np.ones((size, n, n))
        draws = SCALE[rng.integers(0, len(SCALE), size=(size, len(upper[0])))]
        mats[:, upper[0], upper[1]] = draws
        mats[:, upper[1], upper[0]] = 1.0 / draws
        lam = np.linalg.eigvals(mats).real.max(axis=1)
        total += float(((lam - n) / (n - 1)).sum())
        done += size
    return total / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-n", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    values = {}
    for n in range(3, args.max_n + 1):
        values[n] = mean_ci(n, args.samples, rng)
        print(f"n={n:2d}  RI={values[n]:.3f}", flush=True)
    print("SIMULATED_RI = (" + ", ".join(f"{values[n]:.3f}" for n in range(11, args.max_n + 1)) + ")")


if __name__ == "__main__":
    main()
