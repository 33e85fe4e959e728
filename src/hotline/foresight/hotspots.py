"""Hot spots (the same address again and again) and repeat callers, against their own past; pure.

An address or a caller is judged at the end of each day on its last week: distinct callers about
the address (or orders from the phone) compared, by a Poisson tail, with its own rate over the
quarter before. A building that always calls is known; one that suddenly does is a hot spot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class HotspotRules:
    """Window, history and thresholds of the hot-spot test."""

    window_days: int = 7
    history_days: int = 90
    address_citizens: int = 5  # distinct callers about one address in the window, at least
    caller_orders: int = 6  # orders from one phone in the window, at least
    floor_per_day: float = 0.02
    alpha: float = 1e-6
    mute_days: int = 14


def _judge(events: pd.DataFrame, key: str, minimum: int, start: pd.Timestamp, end: pd.Timestamp,
           rules: HotspotRules) -> list[tuple[str, pd.Timestamp, int, float, float]]:
    """(key, day end, count, expected, p) for each key whose week is far above its own past."""
    days = pd.date_range(start.normalize() - pd.Timedelta(days=rules.history_days + rules.window_days),
                         end.normalize() - pd.Timedelta(days=1), freq="D")
    scan_from = len(days) - (end.normalize() - start.normalize()).days
    in_scan = events[events["day"] >= start.normalize() - pd.Timedelta(days=rules.window_days)]
    busy = in_scan.groupby(key).size()
    candidates = busy[busy >= minimum].index
    chosen = events[events[key].isin(candidates)]
    if chosen.empty:
        return []
    # Keys × days counts; weekly and past sums by differences of cumulative sums.
    row = pd.Categorical(chosen[key], categories=candidates).codes
    col = ((chosen["day"] - days[0]) // pd.Timedelta(days=1)).to_numpy()
    counts = np.zeros((len(candidates), len(days) + 1))
    np.add.at(counts, (row, col + 1), 1)
    cum = np.cumsum(counts, axis=1)
    index = np.arange(1, len(days) + 1)
    week = cum[:, index] - cum[:, np.maximum(index - rules.window_days, 0)]
    past_end = np.maximum(index - rules.window_days, 0)
    past = cum[:, past_end] - cum[:, np.maximum(past_end - rules.history_days, 0)]
    expected = np.maximum(past / rules.history_days, rules.floor_per_day) * rules.window_days
    judged = week >= minimum
    judged[:, :scan_from] = False
    keys, cols = np.nonzero(judged)
    p = stats.poisson.sf(week[keys, cols] - 1, expected[keys, cols])
    hit = p < rules.alpha
    return [(candidates[k], days[c] + pd.Timedelta(days=1), int(week[k, c]), float(expected[k, c]), float(pv))
            for k, c, pv in zip(keys[hit], cols[hit], p[hit])]


def detect(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           rules: HotspotRules = HotspotRules()) -> list[dict]:
    """Hot-spot and repeat-caller alerts judged at the end of each day in [start, end).

    `orders`: number, created_at, category, district, community, address, citizen_phone.
    """
    since = start - pd.Timedelta(days=rules.history_days + rules.window_days)
    orders = orders[(orders["created_at"] >= since) & (orders["created_at"] < end)]
    orders = orders.assign(day=orders["created_at"].dt.normalize())
    addressed = orders[orders["address"].fillna("") != ""]
    citizens = addressed.drop_duplicates(["address", "citizen_phone", "day"])
    found = [("address", *f) for f in _judge(citizens, "address", rules.address_citizens, start, end, rules)]
    found += [("caller", *f) for f in _judge(orders, "citizen_phone", rules.caller_orders, start, end, rules)]
    alerts, muted = [], {}
    for what, key, at, count, expected, p in sorted(found, key=lambda f: f[2]):
        if muted.get((what, key), pd.Timestamp.min) > at:
            continue
        muted[(what, key)] = at + pd.Timedelta(days=rules.mute_days)
        column = "address" if what == "address" else "citizen_phone"
        group = orders[(orders[column] == key) & (orders["created_at"] < at)
                       & (orders["created_at"] >= at - pd.Timedelta(days=rules.window_days))]
        alerts.append(_alert(what, key, group, at, count, expected, p))
    return alerts


def _alert(what: str, key: str, group: pd.DataFrame, at: pd.Timestamp, count: int, expected: float, p: float) -> dict:
    """One hot-spot alert; a caller's phone is kept only as its last four digits."""
    top = group["category"].value_counts()
    community = group["community"].dropna()
    return {
        "detected_at": min(at, group["created_at"].max() + pd.Timedelta(seconds=1)),
        "category": top.index[0] if len(top) else None,
        "district": group["district"].dropna().iloc[0] if group["district"].notna().any() else None,
        "place": community.value_counts().index[0] if len(community) else None, "place_level": "community",
        "what": what, "key": key if what == "address" else "尾号" + str(key)[-4:],
        "count": int(count), "expected": round(expected, 2), "p_value": p, "orders": int(len(group)),
        "samples": group["number"].tail(5).tolist(), "severity": "high" if count >= 10 else "medium",
    }
