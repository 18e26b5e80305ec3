"""Suitability scoring, ranking of candidate sites and sensitivity (after the exclusion)."""
