"""Backlog: a department whose open orders pile up while its closure time lengthens; pure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BacklogRules:
    """How much growth of open orders and of closure time makes a backlog."""

    compare_days: int = 14
    min_open: int = 20
    growth: float = 1.3  # open orders now ÷ open orders compare_days ago
    slowdown: float = 1.25  # median closure hours of the last week ÷ of the four weeks before
    mute_days: int = 14


def open_at(orders: pd.DataFrame, moment: pd.Timestamp) -> pd.Series:
    """Open orders per department at a moment (created before it, not yet closed)."""
    alive = (orders["created_at"] < moment) & (orders["closed_at"].isna() | (orders["closed_at"] >= moment))
    alive &= orders["status"] != "merged"
    return orders[alive].groupby("department").size()


def closure_hours(orders: pd.DataFrame, since: pd.Timestamp, until: pd.Timestamp) -> pd.Series:
    """Median hours from creation to closure of orders closed in [since, until), per department."""
    done = orders[(orders["closed_at"] >= since) & (orders["closed_at"] < until)]
    hours = (done["closed_at"] - done["created_at"]) / pd.Timedelta(hours=1)
    return hours.groupby(done["department"]).median()


def detect(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           rules: BacklogRules = BacklogRules()) -> list[dict]:
    """Backlog alerts judged at the end of each day in [start, end) (closures after it are unknown).

    `orders`: number, created_at, closed_at, status, department.
    """
    orders = orders[orders["department"].notna()]
    alerts, muted = [], {}
    for day in pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D"):
        close = day + pd.Timedelta(days=1)
        known = orders.assign(closed_at=orders["closed_at"].where(orders["closed_at"] < close))
        now, before = open_at(known, close), open_at(known, close - pd.Timedelta(days=rules.compare_days))
        recent = closure_hours(known, close - pd.Timedelta(days=7), close)
        usual = closure_hours(known, close - pd.Timedelta(days=35), close - pd.Timedelta(days=7))
        for department, count in now.items():
            grown = count / max(before.get(department, 0), 1)
            slower = recent.get(department, np.nan) / usual.get(department, np.nan)
            if (count >= rules.min_open and grown >= rules.growth and slower >= rules.slowdown
                    and muted.get(department, pd.Timestamp.min) <= close):
                muted[department] = close + pd.Timedelta(days=rules.mute_days)
                alerts.append({
                    "detected_at": close, "department": department, "open_now": int(count),
                    "open_before": int(before.get(department, 0)), "closure_hours_recent": float(recent[department]),
                    "closure_hours_usual": float(usual[department]),
                    "severity": "high" if grown >= 2 else "medium",
                })
    return alerts
