"""Surges: a category far above its expectation at a place (district, street, community); pure.

Each arriving order is a moment of judgement, as in a live feed: the citizens (one per phone and
day) of that category at that place over the last few hours are compared with what the seasonal
baseline expects there, by the upper tail of a negative binomial (Poisson for small means,
wider for large ones). An alert opens an episode; the same category at the same place, or at a
place containing it or inside it, stays quiet for a cool-down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hotline.foresight.baseline import Baseline
from hotline.foresight.history import KEY_SEPARATOR, citizens_once, stacked, tallies

PLACE_LEVELS = ("district", "street", "community")
SURGE_KINDS = ("category", "hour", "cell")  # the tallies a surge scan reads
ORDER_COLUMNS = ("number", "created_at", "category", "district", "street", "community", "citizen_phone")


@dataclass(frozen=True)
class SurgeRules:
    """Thresholds of the surge test; the defaults are tuned on the simulator's year."""

    windows_hours: tuple[int, ...] = (3, 24)
    alpha: float = 1e-7
    min_count: int = 5
    min_excess: float = 4.0
    dispersion: float = 30.0  # negative-binomial size: variance = μ + μ²/size
    share_days: int = 56
    prior_orders: float = 3.0
    cooldown_hours: float = 72.0


def cell_days(start: pd.Timestamp, end: pd.Timestamp, rules: SurgeRules = SurgeRules()) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Spans of days [from, upto) whose "cell" tallies a scan of [start, end) needs one day at a time.

    Places' shares sum a judged day's share_days before it, so only the first days of those sums
    and the judged days themselves are boundaries; any other stretch of days may come summed per key.
    """
    first, last = start.normalize(), (end - pd.Timedelta(microseconds=1)).normalize() + pd.Timedelta(days=1)
    shift = pd.Timedelta(days=rules.share_days)
    return [(first - shift, min(last - shift, first)), (first, last)]


def _as_times(values: pd.Series) -> pd.Series:
    """Timestamps; a column already of them as it is (pd.to_datetime maps such a column value by value)."""
    return values if values.dtype.kind == "M" else pd.to_datetime(values)


def tail_probability(count: np.ndarray, mean: np.ndarray, dispersion: float) -> np.ndarray:
    """P(N ≥ count) for a negative binomial with this mean and size (→ Poisson as size grows)."""
    p = dispersion / (dispersion + mean)
    return stats.nbinom.sf(count - 1, dispersion, p)


def severity_of(excess: float, p_value: float) -> str:
    """critical, high or medium from the size of the excess and how unlikely it is."""
    if excess >= 30 or p_value < 1e-15:
        return "critical"
    if excess >= 10 or p_value < 1e-10:
        return "high"
    return "medium"


def detect(orders: pd.DataFrame, cells: pd.DataFrame, baseline: Baseline, categories: list[str], day0: pd.Timestamp,
           start: pd.Timestamp, end: pd.Timestamp, rules: SurgeRules = SurgeRules()) -> pd.DataFrame:
    """Surge alerts fired by orders created in [start, end).

    `orders`: number, created_at, category, district, street, community, citizen_phone, from at least
    the longest window before start; `cells`: "cell" tallies (day, key, count) of every day from day0,
    for places' shares; `baseline` rows follow `categories`; its day 0 is `day0`.
    """
    # Stable: orders created the same second keep the store's order, however many earlier rows came with them.
    orders = citizens_once(orders[list(ORDER_COLUMNS)].sort_values("created_at", kind="stable"))
    cat = pd.Index(categories).get_indexer(orders["category"])
    orders, cat = orders[cat >= 0], cat[cat >= 0]
    at = orders["created_at"].to_numpy()
    hours = (at - np.datetime64(day0, "ns")) // np.timedelta64(1, "h")
    cum = baseline.hourly_cumsum()
    n_hours = baseline.hourly.shape[1]
    n_days = n_hours // 24 + 1
    tallied = _CellTallies(cells, categories, day0)
    cat_days = np.bincount(tallied.cat * n_days + tallied.day, weights=tallied.count,
                           minlength=len(categories) * n_days).reshape(len(categories), n_days)
    cat_cum = np.concatenate([np.zeros((len(categories), 1)), np.cumsum(cat_days, axis=1)], axis=1)
    number, district = orders["number"].to_numpy(), orders["district"].to_numpy()
    fired = []
    for level in PLACE_LEVELS:
        place = orders[level].to_numpy()
        known = pd.notna(place)
        if not known.any():
            continue
        period = _Period(cat[known], place[known], hours[known], at[known], number[known], district[known])
        shares = _Shares(tallied, level, len(categories), n_days)
        fired.append(_judge_level(period, level, shares, cum, cat_cum, start, end, rules, n_hours))
    found = pd.concat(fired, ignore_index=True) if fired else pd.DataFrame()
    if found.empty:
        return found
    found["category"] = [categories[i] for i in found["cat"]]
    return _episodes(found, rules)


class _CellTallies:
    """Cell tallies as arrays: per row its key's number, category, day from day0 and count; per key its places."""

    def __init__(self, cells: pd.DataFrame, categories: list[str], day0: pd.Timestamp) -> None:
        codes, keys = pd.factorize(cells["key"])  # split each distinct key once, not each row
        parts = pd.Series(keys, dtype=object).str.split(KEY_SEPARATOR, expand=True, n=3).to_numpy()
        key_cat = pd.Index(categories).get_indexer(parts[:, 0]) if len(keys) else np.zeros(0, np.int64)
        day = (_as_times(cells["day"]).to_numpy() - np.datetime64(day0, "ns")) // np.timedelta64(1, "D")
        ok = (key_cat[codes] >= 0) & (day >= 0)
        self.key, self.day = codes[ok], day[ok]
        self.key_cat = key_cat
        self.cat = key_cat[self.key]
        self.count = cells["count"].to_numpy()[ok]
        self.places = {level: parts[:, i + 1] for i, level in enumerate(PLACE_LEVELS)} if len(keys) else {}


class _Shares:
    """Deduplicated citizens per (category, place) and day at one level, summed over day ranges."""

    def __init__(self, tallied: _CellTallies, level: str, n_categories: int, n_days: int) -> None:
        # Places are numbered per distinct key (a few thousand), not per row; an empty place is unknown.
        place_of_key, names = pd.factorize(tallied.places.get(level, np.zeros(0, object)))
        self._names = pd.Index(names)
        self._empty = self._names.get_indexer([""])[0]
        place_of_key[place_of_key == self._empty] = -1
        # A (category, place) pair per distinct key that has tallies: the rows then find theirs by key.
        present = np.bincount(tallied.key, minlength=len(place_of_key)) > 0
        usable = present & (place_of_key >= 0)
        self._width = max(len(self._names), 1)
        self._pairs, pair_row = np.unique(tallied.key_cat[usable].astype(np.int64) * self._width + place_of_key[usable],
                                          return_inverse=True)
        row_of_key = np.full(len(place_of_key), -1, np.int64)
        row_of_key[usable] = pair_row.ravel()
        row = row_of_key[tallied.key]
        mine = row >= 0
        row = row[mine]
        width = n_days + 1
        counts = np.bincount(row * width + tallied.day[mine] + 1, weights=tallied.count[mine],
                             minlength=len(self._pairs) * width).reshape(len(self._pairs), width)
        self._cum = np.cumsum(counts, axis=1)
        per_cat = np.bincount(self._pairs // self._width, minlength=n_categories)
        self.places_per_cat = np.where(per_cat > 0, per_cat, 1).astype(float)

    def codes(self, names: np.ndarray) -> np.ndarray:
        """This level's number of each place name, -1 for a place without tallies."""
        found = self._names.get_indexer(names)
        found[found == self._empty] = -1
        return found

    def own(self, cat: np.ndarray, place: np.ndarray, lo_day: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Citizens of each (category, place number) over days [lo_day, day)."""
        pair = cat.astype(np.int64) * self._width + place
        rows = np.minimum(np.searchsorted(self._pairs, pair), max(len(self._pairs) - 1, 0))
        known = (place >= 0) & (self._pairs[rows] == pair) if len(self._pairs) else np.zeros(len(pair), bool)
        out = np.zeros(len(pair))
        out[known] = self._cum[rows[known], day[known]] - self._cum[rows[known], lo_day[known]]
        return out


@dataclass
class _Period:
    """The orders judged at one place level (those with that place known), in creation order."""

    cat: np.ndarray
    place: np.ndarray
    hour: np.ndarray
    at: np.ndarray
    number: np.ndarray
    district: np.ndarray


def _judge_level(period: _Period, level: str, shares: _Shares, cum: np.ndarray, cat_cum: np.ndarray,
                 start: pd.Timestamp, end: pd.Timestamp, rules: SurgeRules, n_hours: int) -> pd.DataFrame:
    """Judge every order of the scan period at one place level; rows for the ones that fire."""
    place_code, names = pd.factorize(period.place)
    cell = pd.factorize(period.cat.astype(np.int64) * len(names) + place_code)[0]  # numbered as first seen
    # Stable, on orders in creation order: by cell, then hour and time, ties in the store's order.
    order = np.argsort(cell, kind="stable")
    cell, place_code, hour_all, at = cell[order], place_code[order], period.hour[order], period.at[order]
    cat_all = period.cat[order]
    key = cell.astype(np.int64) * (n_hours + 10_000) + hour_all
    judged = np.flatnonzero((at >= np.datetime64(start)) & (at < np.datetime64(end)))
    if len(judged) == 0:
        return pd.DataFrame()
    base = cell[judged].astype(np.int64) * (n_hours + 10_000)
    hour = hour_all[judged]
    catj = cat_all[judged]
    day = hour // 24
    # Place's share of its category over the weeks before the day (a prior keeps new places alive).
    lo_day = np.maximum(day - rules.share_days, 0)
    own = shares.own(catj, shares.codes(names)[place_code[judged]], lo_day, day)
    total = cat_cum[catj, day] - cat_cum[catj, lo_day]
    prior_share = 1.0 / shares.places_per_cat[catj]
    share = (own + rules.prior_orders * prior_share) / (total + rules.prior_orders)
    rows = []
    position = np.arange(len(judged))
    for window in rules.windows_hours:
        first = np.maximum(hour - window + 1, 0)
        count = judged - np.searchsorted(key, base + first, side="left") + 1
        # Only the orders of the window up to and including this one are known at its arrival.
        expected = share * (cum[catj, np.minimum(hour + 1, n_hours)] - cum[catj, first])
        candidate = (count >= rules.min_count) & (count - expected >= rules.min_excess)
        if not candidate.any():
            continue
        idx = position[candidate]
        p = tail_probability(count[idx], expected[idx], rules.dispersion)
        hit = p < rules.alpha
        idx, p = idx[hit], p[hit]
        for i, pv in zip(idx, p):
            j = order[judged[i]]
            lo = np.searchsorted(key, base[i] + first[i], side="left")
            rows.append({
                "cat": int(catj[i]), "place": period.place[j], "place_level": level,
                "district": period.district[j], "detected_at": pd.Timestamp(period.at[j]),
                "window_hours": window, "count": int(count[i]), "expected": float(expected[i]),
                "p_value": float(pv), "samples": list(period.number[order[lo:judged[i] + 1]][-5:]),
            })
    return pd.DataFrame(rows)


def _related(a: str, b: str) -> bool:
    """Places whose codes nest (region codes extend their parent's code)."""
    return a.startswith(b) or b.startswith(a)


def _episodes(found: pd.DataFrame, rules: SurgeRules) -> pd.DataFrame:
    """One alert per episode: the first firing, at the place that explains it best, then a cool-down."""
    found = found.sort_values(["detected_at", "p_value"]).reset_index(drop=True)
    cooldown = pd.Timedelta(hours=rules.cooldown_hours)
    at = found["detected_at"].to_numpy()
    category, place, p_value = (found[c].to_numpy() for c in ("category", "place", "p_value"))
    open_until: dict[str, list[tuple[str, pd.Timestamp]]] = {}
    kept = []
    for i, row in enumerate(found.itertuples(index=False)):
        active = open_until.setdefault(row.category, [])
        if any(_related(row.place, place) and row.detected_at < until for place, until in active):
            continue
        # Among what fires in the same hour for this category, the smallest p-value speaks for all
        # (the first such firing on a tie); rows are in time order, so the hour is one stretch of them.
        lo, hi = np.searchsorted(at, [at[i], at[i] + np.timedelta64(1, "h")], side="left")
        same_hour = [k for k in range(lo, hi) if category[k] == row.category and _related(row.place, place[k])]
        best = dict(found.iloc[min(same_hour, key=lambda k: p_value[k])])
        best["detected_at"] = row.detected_at
        # Rows come in time order: a cool-down that is over now is over for every later row.
        active[:] = [(p, until) for p, until in active if row.detected_at < until]
        active.append((best["place"], row.detected_at + cooldown))
        active.append((row.place, row.detected_at + cooldown))
        excess = best["count"] - best["expected"]
        best["severity"] = severity_of(excess, best["p_value"])
        kept.append(best)
    return pd.DataFrame(kept).drop(columns=["cat"])


def scan(orders: pd.DataFrame, kinds: pd.Series, in_season: pd.Series, start: pd.Timestamp, end: pd.Timestamp,
         rules: SurgeRules = SurgeRules(), kept: pd.DataFrame | None = None,
         recent_tallies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Surge alerts for [start, end).

    `orders` hold at least the day before start; `kept` holds the tallies (history.tallies) of the
    days before the orders' first day ("cell" ones may come summed per key outside cell_days). Without `kept`, orders before the day before start are
    tallied here instead; `recent_tallies`, the tallies of `orders` when already made.
    `kinds` and `in_season` are indexed by day and cover every tallied day.
    """
    from hotline.foresight.baseline import build

    since = start.normalize() - pd.Timedelta(days=1)
    if kept is None:
        kept = tallies(orders[orders["created_at"] < since], SURGE_KINDS)
        orders = orders[orders["created_at"] >= since]
    orders = orders.loc[orders["created_at"] < end, list(ORDER_COLUMNS)]
    recent = tallies(orders, SURGE_KINDS) if recent_tallies is None else recent_tallies
    counted = stacked([kept, recent[recent["kind"].isin(SURGE_KINDS)]])
    counted["day"] = _as_times(counted["day"])
    if counted.empty:
        return pd.DataFrame()
    day0 = counted["day"].min()
    n_days = int((end.normalize() - day0).days) + 1
    days = pd.date_range(day0, periods=n_days, freq="D")
    by_category = counted[counted["kind"] == "category"]
    categories = sorted(by_category["key"].unique())
    cat_index = {c: i for i, c in enumerate(categories)}
    day_of = ((counted["day"] - day0) // pd.Timedelta(days=1)).to_numpy()
    daily = np.zeros((len(categories), n_days))
    rows = by_category.index.to_numpy()
    np.add.at(daily, (by_category["key"].map(cat_index).to_numpy(), day_of[rows]), by_category["count"].to_numpy())
    hours = counted[counted["kind"] == "hour"]
    hour_counts = np.zeros((n_days, 24))
    np.add.at(hour_counts, (day_of[hours.index.to_numpy()], hours["key"].astype(int).to_numpy()), hours["count"].to_numpy())
    first_eval = int((start.normalize() - day0).days)
    base = build(daily, kinds.reindex(days).fillna("wed").to_numpy(),
                 in_season.reindex(days).fillna(False).to_numpy(bool), hour_counts, first_eval)
    cells = counted[counted["kind"] == "cell"]
    return detect(orders, cells, base, categories, day0, start, end, rules)
