"""Expected orders per category, day and hour, learnt from history only; pure numpy.

A category's city-wide day is its recent level (Holt's damped trend, on counts divided by the
kind-of-day factor and, for heating-like categories, by the in-season step) times the factors of
the day ahead; hours follow the city's hour-of-day profile on working and days-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotline.foresight.daytypes import estimate_factors

HOLT_ALPHA, HOLT_BETA, HOLT_PHI = 0.15, 0.03, 0.9
# A season boundary moves a category's level by at least this factor before it is treated as
# seasonal (heating); smaller shifts are left to the trend, which adapts within days.
SEASON_STEP_MIN = 2.0
SEASON_WINDOW = 14
OFF_KINDS = ("sat", "sun", "holiday", "festival")


@dataclass
class Baseline:
    """Expected counts per category: `daily[k, d]` and `hourly[k, h]` with h = d·24 + hour."""

    daily: np.ndarray
    hourly: np.ndarray
    season_step: np.ndarray

    def hourly_cumsum(self) -> np.ndarray:
        """Cumulative hourly expectation with a leading zero column, for window sums."""
        return np.concatenate([np.zeros((self.hourly.shape[0], 1)), np.cumsum(self.hourly, axis=1)], axis=1)


def season_steps(daily: np.ndarray, in_season: np.ndarray, upto: int) -> np.ndarray:
    """Per category, how much higher the in-season level is, read at season boundaries before `upto`."""
    flags = in_season[:upto]
    edges = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    inside = np.zeros(daily.shape[0])
    outside = np.zeros(daily.shape[0])
    for edge in edges:
        lo, hi = max(edge - SEASON_WINDOW, 0), min(edge + SEASON_WINDOW, upto)
        before, after = daily[:, lo:edge].sum(axis=1), daily[:, edge:hi].sum(axis=1)
        if flags[edge]:
            inside += after
            outside += before
        else:
            inside += before
            outside += after
    step = (inside + 5.0) / (outside + 5.0)
    return np.where(step >= SEASON_STEP_MIN, step, 1.0)


def hour_profiles(hour_counts: np.ndarray, off_day: np.ndarray) -> np.ndarray:
    """Share of a day's orders in each hour, for working days (row 0) and days off (row 1)."""
    profiles = np.ones((2, 24))
    for row, mask in enumerate((~off_day, off_day)):
        counts = hour_counts[mask].sum(axis=0) + 1.0
        profiles[row] = counts / counts.sum()
    return profiles


def build(daily: np.ndarray, kinds: np.ndarray, in_season: np.ndarray, hour_counts: np.ndarray,
          first_eval: int) -> Baseline:
    """Expected counts for every category and day, each day using only the days before it.

    daily[k, d]: orders of category k on day d; kinds[d]: kind of day; in_season[d]: heating season;
    hour_counts[d, hour]: all orders per hour of day; first_eval: the first day to be judged.
    """
    n_cat, n_days = daily.shape
    factors = estimate_factors(daily[:, :first_eval].sum(axis=0), kinds[:first_eval])
    g = np.array([factors[k] for k in kinds])
    step = season_steps(daily, in_season, first_eval)
    s = np.where(in_season[None, :], step[:, None], 1.0)
    z = daily / g[None, :] / s
    expected_z = np.zeros((n_cat, n_days))
    warm = min(28, max(first_eval, 1))
    level = z[:, :warm].mean(axis=1)
    trend = np.zeros(n_cat)
    for d in range(n_days):
        expected_z[:, d] = level + HOLT_PHI * trend
        if d < warm:
            continue
        new_level = HOLT_ALPHA * z[:, d] + (1 - HOLT_ALPHA) * (level + HOLT_PHI * trend)
        trend = HOLT_BETA * (new_level - level) + (1 - HOLT_BETA) * HOLT_PHI * trend
        level = np.maximum(new_level, 0.0)
    expected = np.maximum(expected_z, 0.02) * g[None, :] * s
    off = np.isin(kinds, OFF_KINDS)
    profiles = hour_profiles(hour_counts[:first_eval], off[:first_eval])
    per_hour = profiles[off.astype(int)]  # [d, 24]
    hourly = (expected[:, :, None] * per_hour[None, :, :]).reshape(n_cat, n_days * 24)
    return Baseline(daily=expected, hourly=hourly, season_step=step)
