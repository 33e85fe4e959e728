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

from hotline.foresight import history

HOTSPOT_KINDS = ("address", "caller")  # the tallies a hot-spot scan reads


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

    def minimum(self, kind: str) -> int:
        """The least count over a window that can be judged: distinct callers (address) or orders (caller)."""
        return self.address_citizens if kind == "address" else self.caller_orders


def _judge(events: pd.DataFrame, minimum: int, start: pd.Timestamp, end: pd.Timestamp,
           rules: HotspotRules) -> list[tuple[str, pd.Timestamp, int, float, float]]:
    """(key, day end, count, expected, p) for each key whose week is far above its own past.

    `events`: tallies (day, key, count) of every day from the history's first on.
    """
    days = pd.date_range(start.normalize() - pd.Timedelta(days=rules.history_days + rules.window_days),
                         end.normalize() - pd.Timedelta(days=1), freq="D")
    events = events[(events["day"] >= days[0]) & (events["day"] <= days[-1])]
    scan_from = len(days) - (end.normalize() - start.normalize()).days
    in_scan = events[events["day"] >= start.normalize() - pd.Timedelta(days=rules.window_days)]
    busy = in_scan.groupby("key")["count"].sum()
    candidates = busy[busy >= minimum].index
    chosen = events[events["key"].isin(candidates)]
    if chosen.empty:
        return []
    # Keys × days counts; weekly and past sums by differences of cumulative sums.
    row = pd.Categorical(chosen["key"], categories=candidates).codes
    col = ((chosen["day"] - days[0]) // pd.Timedelta(days=1)).to_numpy()
    counts = np.zeros((len(candidates), len(days) + 1))
    np.add.at(counts, (row, col + 1), chosen["count"].to_numpy())
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


def recent_from(start: pd.Timestamp, rules: HotspotRules = HotspotRules()) -> pd.Timestamp:
    """First moment whose orders a scan from `start` reads one by one (its first judged week)."""
    return start.normalize() - pd.Timedelta(days=rules.window_days)


def history_from(start: pd.Timestamp, rules: HotspotRules = HotspotRules()) -> pd.Timestamp:
    """First day whose tallies a scan from `start` reads."""
    return start.normalize() - pd.Timedelta(days=rules.history_days + rules.window_days)


def past_of_every_judged_day(start: pd.Timestamp, end: pd.Timestamp,
                             rules: HotspotRules = HotspotRules()) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Days [from, upto) inside the past of every day judged in a scan of [start, end) (see could_fire)."""
    first, last = start.normalize(), end.normalize() - pd.Timedelta(days=1)  # the judged days
    window, past = pd.Timedelta(days=rules.window_days), pd.Timedelta(days=rules.history_days)
    return last - past - window + pd.Timedelta(days=1), first - window + pd.Timedelta(days=1)


def busiest_weeks(counted: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, minimum: int,
                  rules: HotspotRules = HotspotRules()) -> pd.Series:
    """Each key's largest count over a week judged in [start, end), indexed by key; only keys whose
    count over all those weeks' days reaches `minimum` (no other can have such a week).

    `counted`: tallies (day, key, count) of one kind, at least of the judged weeks' days.
    """
    first = start.normalize() - pd.Timedelta(days=rules.window_days - 1)
    n_days = (end.normalize() - first).days
    day = ((pd.to_datetime(counted["day"]) - first) // pd.Timedelta(days=1)).to_numpy()
    inside = (day >= 0) & (day < n_days)
    codes, keys = pd.factorize(counted["key"].to_numpy()[inside])
    day, count = day[inside], counted["count"].to_numpy(np.int64)[inside]
    # Most keys (a big city's phones) fall short over the whole span: only the rest get a row of days.
    busy = np.bincount(codes, weights=count, minlength=len(keys)) >= minimum
    row = np.cumsum(busy) - 1
    chosen = busy[codes]
    counts = np.zeros((int(busy.sum()), n_days + 1), np.int64)
    np.add.at(counts, (row[codes[chosen]], day[chosen] + 1), count[chosen])
    cum = np.cumsum(counts, axis=1)
    weeks = cum[:, rules.window_days:] - cum[:, :-rules.window_days]  # the week ending on each judged day
    most = weeks.max(axis=1, initial=0)
    return pd.Series(most, index=pd.Index(keys[busy], dtype=object), dtype=np.int64)


def could_fire(kind: str, always_past: np.ndarray, most: np.ndarray, rules: HotspotRules = HotspotRules()) -> np.ndarray:
    """Whether a key could fire at all, from its count over the days inside every judged day's past
    (always_past, or less) and its largest judged week (most, or more).

    Every judged week's expectation is at least what always_past gives, and the tail is smaller the
    larger the week: if even this pair is unremarkable, no judged week can be.
    """
    least = np.maximum(always_past / rules.history_days, rules.floor_per_day) * rules.window_days
    return (most >= rules.minimum(kind)) & (stats.poisson.sf(most - 1, least) < rules.alpha)


def findings(counted: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
             rules: HotspotRules = HotspotRules()) -> list[tuple[str, str, pd.Timestamp, int, float, float]]:
    """(what, key, day end, count, expected, p) of each alert in [start, end), a muted key left out.

    `counted`: "address" and "caller" tallies of every day from history_from(start) to end, at least
    of every key whose count since recent_from(start) reaches its minimum.
    """
    found = []
    for what in HOTSPOT_KINDS:
        found += [(what, *f) for f in _judge(counted[counted["kind"] == what], rules.minimum(what), start, end, rules)]
    kept, muted = [], {}
    for what, key, at, count, expected, p in sorted(found, key=lambda f: f[2]):
        if muted.get((what, key), pd.Timestamp.min) > at:
            continue
        muted[(what, key)] = at + pd.Timedelta(days=rules.mute_days)
        kept.append((what, key, at, count, expected, p))
    return kept


def detect(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           rules: HotspotRules = HotspotRules(), kept: pd.DataFrame | None = None,
           recent_tallies: pd.DataFrame | None = None, found: list | None = None) -> list[dict]:
    """Hot-spot and repeat-caller alerts judged at the end of each day in [start, end).

    `orders` (number, created_at, category, district, community, address, citizen_phone) from at
    least recent_from(start), or only those of the keys that fire; `kept`: "address" and "caller"
    tallies of the days before the orders' first day (or before `recent_tallies`' first day), back to
    history_from(start). Without `kept`, earlier orders are tallied here; `recent_tallies`, the
    tallies of the orders (or of the days after `kept`) when already made; `found`, their findings when
    already judged (the scan judges them to know whose orders to read).
    """
    since = recent_from(start, rules)
    if kept is None:
        older = orders[orders["created_at"] < since]
        kept = history.tallies(older, HOTSPOT_KINDS)
        orders = orders[orders["created_at"] >= since]
    orders = orders[orders["created_at"] < end]
    if found is None:
        recent = history.tallies(orders, HOTSPOT_KINDS) if recent_tallies is None else recent_tallies
        counted = history.stacked([kept, recent[recent["kind"].isin(HOTSPOT_KINDS)]])
        counted["day"] = pd.to_datetime(counted["day"])
        found = findings(counted, start, end, rules)
    alerts = []
    for what, key, at, count, expected, p in found:
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
