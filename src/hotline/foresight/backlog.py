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


def detect(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           rules: BacklogRules = BacklogRules()) -> list[dict]:
    """Backlog alerts judged at the end of each day in [start, end) (closures after it are unknown).

    `orders`: created_at, closed_at, status, department. An order closed after a day's end was
    open at it, so the stored closure times serve every day end at once.
    """
    orders = orders[orders["department"].notna()]
    closes = pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D") + pd.Timedelta(days=1)
    if orders.empty or closes.empty:
        return []
    moments = closes.to_numpy()
    earlier = (closes - pd.Timedelta(days=rules.compare_days)).to_numpy()
    alive = orders[orders["status"] != "merged"]
    per_department = {}
    for department, mine in alive.groupby("department", sort=True):
        created = np.sort(mine["created_at"].to_numpy())
        closed = np.sort(mine["closed_at"].dropna().to_numpy())
        finished = mine[mine["closed_at"].notna()].sort_values("closed_at")
        hours = ((finished["closed_at"] - finished["created_at"]) / pd.Timedelta(hours=1)).to_numpy()
        at = finished["closed_at"].to_numpy()

        def open_at(m: np.ndarray) -> np.ndarray:
            # Closed before m implies created before m: open = created before m − closed before m.
            return np.searchsorted(created, m, side="left") - np.searchsorted(closed, m, side="left")

        def median(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
            a, b = np.searchsorted(at, lo, side="left"), np.searchsorted(at, hi, side="left")
            return np.array([np.median(hours[i:j]) if j > i else np.nan for i, j in zip(a, b)])

        per_department[department] = (
            open_at(moments), open_at(earlier),
            median(moments - np.timedelta64(7, "D"), moments),
            median(moments - np.timedelta64(35, "D"), moments - np.timedelta64(7, "D")),
        )
    alerts, muted = [], {}
    for d, close in enumerate(closes):
        for department, (now, before, recent, usual) in per_department.items():
            count = int(now[d])
            grown = count / max(int(before[d]), 1)
            slower = recent[d] / usual[d]
            if (count >= rules.min_open and grown >= rules.growth and slower >= rules.slowdown
                    and muted.get(department, pd.Timestamp.min) <= close):
                muted[department] = close + pd.Timedelta(days=rules.mute_days)
                alerts.append({
                    "detected_at": close, "department": department, "open_now": count,
                    "open_before": int(before[d]), "closure_hours_recent": float(recent[d]),
                    "closure_hours_usual": float(usual[d]), "severity": "high" if grown >= 2 else "medium",
                })
    return alerts
