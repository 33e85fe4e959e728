"""Kinds of days (working day, weekend, holiday, Spring Festival, swapped working day) and the
multiplicative factors each kind has on volumes, estimated from history; pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import chinese_calendar
import numpy as np
import pandas as pd

from hotline.calendar import WorkCalendar

SPRING_FESTIVAL_NAMES = ("Spring Festival", "春节")
# Kinds of day; ordinary days carry their weekday because Monday is busier than Friday.
KINDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "swapped", "holiday", "festival")
_WEEK = KINDS[:7]
# Pseudo-orders that pull a small series' factors toward the pooled ones.
SHRINK_ORDERS = 40.0


def day_kind(day: date, calendar: WorkCalendar, names: Mapping[date, str] | None = None) -> str:
    """The kind of one day by the official calendar (or the city's fallback for unknown years)."""
    workday = calendar.is_workday(day)
    weekend = day.weekday() >= 5
    if workday:
        return "swapped" if weekend else _WEEK[day.weekday()]
    name = (names or {}).get(day)
    if name is None:
        try:
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            name = None
    if name in SPRING_FESTIVAL_NAMES:
        return "festival"
    if name or not weekend:
        return "holiday"
    return _WEEK[day.weekday()]


def day_kinds(days: Iterable[date], calendar: WorkCalendar, names: Mapping[date, str] | None = None) -> pd.Series:
    """The kind of every day, indexed by the day as a pandas Timestamp."""
    days = list(days)
    return pd.Series([day_kind(d, calendar, names) for d in days], index=pd.to_datetime(days), name="kind")


def _level(values: np.ndarray) -> np.ndarray:
    """Centred 7-day mean: the local level with the weekly pattern averaged out."""
    series = pd.Series(values)
    return series.rolling(7, center=True, min_periods=4).mean().to_numpy()


def estimate_factors(y: np.ndarray, kinds: np.ndarray, prior: Mapping[str, float] | None = None,
                     iterations: int = 3) -> dict[str, float]:
    """Factors per kind of day for one daily series (ordinary week averaging 1).

    Classical ratio-to-moving-average, iterated so that a week of holiday does not pull its own
    moving average down; with a prior, the factors of a small series shrink toward it.
    """
    y = np.asarray(y, dtype=float)
    factors = dict(prior) if prior else dict.fromkeys(KINDS, 1.0)
    for _ in range(iterations):
        divisor = np.array([factors[k] for k in kinds])
        level = _level(y / divisor)
        ok = ~np.isnan(level)
        fresh = {}
        for kind in KINDS:
            mask = ok & (kinds == kind)
            observed, expected = y[mask].sum(), level[mask].sum()
            base = (prior or factors).get(kind, 1.0)
            weight = SHRINK_ORDERS if prior else 1e-9
            fresh[kind] = (observed + weight * base) / (expected + weight) if expected + weight > 0 else base
        week = np.mean([fresh[k] for k in _WEEK])
        factors = {k: v / week for k, v in fresh.items()} if week > 0 else fresh
        if not prior:
            # Kinds never seen (a first year without Spring Festival) borrow the nearest known kind.
            seen = {k for k in KINDS if (kinds == k).any()}
            if "festival" not in seen:
                factors["festival"] = factors["holiday"] if "holiday" in seen else factors["sun"]
            if "holiday" not in seen:
                factors["holiday"] = factors["sun"]
            if "swapped" not in seen:
                factors["swapped"] = float(np.mean([factors[k] for k in _WEEK[:5]]))
    return factors
