"""Seasons of the city's year (the heating season), given as {start: "MM-DD", end: "MM-DD"}; pure.

The simulator draws the heating surge with it and the early warning expects it with it: one definition,
so the warning's season is the season the city pack names.
"""

from __future__ import annotations

from datetime import date

import numpy as np


def in_season(days: list[date], season: dict | None) -> np.ndarray:
    """Whether each day lies in a season given as {start: "MM-DD", end: "MM-DD"} (may wrap)."""
    if not season:
        return np.zeros(len(days), dtype=bool)
    start, end = season["start"], season["end"]
    md = np.array([d.strftime("%m-%d") for d in days])
    if start <= end:
        return (md >= start) & (md <= end)
    return (md >= start) | (md <= end)
