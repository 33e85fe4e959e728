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


@dataclass
class Flows:
    """Orders (not merged, with a department) per department and day: those opened, and those closed.

    `opened`: department, day, count, by day created; `closed`: department, day, hours, by day
    closed, `hours` an array of the hours each of that day's closures took. Day ends are the only
    moments judged, so days say all the judgement needs.
    """

    opened: pd.DataFrame
    closed: pd.DataFrame


def flows(orders: pd.DataFrame) -> Flows:
    """The flows of these orders (department, created_at, closed_at), each counted."""
    opened = orders.groupby(["department", orders["created_at"].dt.normalize().rename("day")]).size()
    finished = orders[orders["closed_at"].notna()]
    if finished.empty:  # a young store: nothing closed yet, so no closure times to split
        closed = pd.DataFrame({"department": pd.Series([], dtype=object), "day": pd.to_datetime([]), "hours": []})
        return Flows(opened.rename("count").reset_index(), closed)
    hours = ((finished["closed_at"] - finished["created_at"]) / pd.Timedelta(hours=1)).to_numpy()
    department, departments = pd.factorize(finished["department"])
    day = finished["closed_at"].dt.normalize().to_numpy()
    order = np.lexsort((day, department))  # arrays split by (department, day), not a group each
    department, day, hours = department[order], day[order], hours[order]
    firsts = np.flatnonzero(np.r_[True, (department[1:] != department[:-1]) | (day[1:] != day[:-1])])
    closed = pd.DataFrame({"department": np.asarray(departments, dtype=object)[department[firsts]],
                           "day": day[firsts], "hours": np.split(hours, firsts[1:]) if len(hours) else []})
    return Flows(opened.rename("count").reset_index(), closed)


def counted(orders: pd.DataFrame) -> pd.DataFrame:
    """The orders a backlog counts: with a department, not merged into another."""
    return orders[orders["department"].notna() & (orders["status"] != "merged")]


def detect(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           rules: BacklogRules = BacklogRules()) -> list[dict]:
    """Backlog alerts of these orders (created_at, closed_at, status, department); see judge."""
    return judge(flows(counted(orders)), start, end, rules)


def judge(flows: Flows, start: pd.Timestamp, end: pd.Timestamp, rules: BacklogRules = BacklogRules()) -> list[dict]:
    """Backlog alerts judged at the end of each day in [start, end) (closures after it are unknown).

    An order closed after a day's end was open at it, so the stored closure times serve every day
    end at once.
    """
    closes = pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D") + pd.Timedelta(days=1)
    if flows.opened.empty or closes.empty:
        return []
    moments = closes.to_numpy()
    earlier = (closes - pd.Timedelta(days=rules.compare_days)).to_numpy()
    closed_by_department = dict(list(flows.closed.groupby("department", sort=False)))
    per_department = {}
    for department, opened in flows.opened.groupby("department", sort=True):
        opened = opened.sort_values("day")
        closed = closed_by_department.get(department, flows.closed.iloc[:0]).sort_values("day")
        opened_days, opened_cum = opened["day"].to_numpy(), np.r_[0, np.cumsum(opened["count"].to_numpy())]
        closed_days = closed["day"].to_numpy()
        closed_cum = np.r_[0, np.cumsum([len(h) for h in closed["hours"]])]
        hours = list(closed["hours"])

        def open_at(m: np.ndarray) -> np.ndarray:
            # Closed before m implies created before m: open = created before m − closed before m.
            return (opened_cum[np.searchsorted(opened_days, m, side="left")]
                    - closed_cum[np.searchsorted(closed_days, m, side="left")])

        def median(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
            a, b = np.searchsorted(closed_days, lo, side="left"), np.searchsorted(closed_days, hi, side="left")
            return np.array([np.median(np.concatenate(hours[i:j])) if closed_cum[j] > closed_cum[i] else np.nan
                             for i, j in zip(a, b)])

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
