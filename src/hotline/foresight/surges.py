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
    orders = citizens_once(orders.sort_values("created_at", kind="stable"))
    cat_index = {c: i for i, c in enumerate(categories)}
    orders = orders[orders["category"].isin(cat_index)]
    hours = ((orders["created_at"] - day0) // pd.Timedelta(hours=1)).to_numpy()
    cat = orders["category"].map(cat_index).to_numpy()
    cum = baseline.hourly_cumsum()
    n_hours = baseline.hourly.shape[1]
    places = _cell_frame(cells, cat_index, day0)
    cat_days = np.zeros((len(categories), n_hours // 24 + 1))
    np.add.at(cat_days, (places["cat"].to_numpy(), places["day"].to_numpy()), places["count"].to_numpy())
    cat_cum = np.concatenate([np.zeros((len(categories), 1)), np.cumsum(cat_days, axis=1)], axis=1)
    fired = []
    for level in PLACE_LEVELS:
        place = orders[level].to_numpy()
        known = pd.notna(place)
        if not known.any():
            continue
        frame = pd.DataFrame({"cat": cat[known], "place": place[known], "hour": hours[known],
                              "at": orders["created_at"].to_numpy()[known],
                              "number": orders["number"].to_numpy()[known],
                              "district": orders["district"].to_numpy()[known]})
        shares = _Shares(places[places[level] != ""], level, n_hours // 24 + 1)
        fired.append(_judge_level(frame, level, shares, cum, cat_cum, start, end, rules, n_hours))
    found = pd.concat(fired, ignore_index=True) if fired else pd.DataFrame()
    if found.empty:
        return found
    found["category"] = [categories[i] for i in found["cat"]]
    return _episodes(found, rules)


def _cell_frame(cells: pd.DataFrame, cat_index: dict[str, int], day0: pd.Timestamp) -> pd.DataFrame:
    """Cell tallies split into cat, district, street, community and a day number from day0."""
    codes, keys = pd.factorize(cells["key"])  # split each distinct key once, not each row
    parts = pd.Series(keys, dtype=object).str.split(KEY_SEPARATOR, expand=True, n=3).to_numpy()[codes]
    frame = pd.DataFrame({"cat": pd.Series(parts[:, 0]).map(cat_index).to_numpy(), "district": parts[:, 1],
                          "street": parts[:, 2], "community": parts[:, 3],
                          "day": ((pd.to_datetime(cells["day"]) - day0).dt.days).to_numpy(),
                          "count": cells["count"].to_numpy()})
    return frame[frame["cat"].notna() & (frame["day"] >= 0)].astype({"cat": int, "day": int})


class _Shares:
    """Deduplicated citizens per (category, place) and day at one level, summed over day ranges."""

    def __init__(self, cells: pd.DataFrame, level: str, n_days: int) -> None:
        grouped = cells.groupby(["cat", level, "day"], sort=False)["count"].sum().reset_index()
        self._index = pd.MultiIndex.from_frame(grouped[["cat", level]].drop_duplicates())
        counts = np.zeros((len(self._index), n_days + 1))
        rows = self._index.get_indexer(pd.MultiIndex.from_frame(grouped[["cat", level]]))
        np.add.at(counts, (rows, grouped["day"].to_numpy() + 1), grouped["count"].to_numpy())
        self._cum = np.cumsum(counts, axis=1)
        self.places_per_cat = grouped.groupby("cat")[level].nunique()

    def own(self, cat: np.ndarray, place: np.ndarray, lo_day: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Citizens of each (category, place) over days [lo_day, day)."""
        rows = self._index.get_indexer(pd.MultiIndex.from_arrays([cat, place]))
        known = rows >= 0
        out = np.zeros(len(rows))
        out[known] = self._cum[rows[known], day[known]] - self._cum[rows[known], lo_day[known]]
        return out


def _judge_level(frame: pd.DataFrame, level: str, shares: _Shares, cum: np.ndarray, cat_cum: np.ndarray,
                 start: pd.Timestamp, end: pd.Timestamp, rules: SurgeRules, n_hours: int) -> pd.DataFrame:
    """Judge every order of the scan period at one place level; rows for the ones that fire."""
    cells = frame.groupby(["cat", "place"], sort=False).ngroup().to_numpy()
    frame = frame.assign(cell=cells).sort_values(["cell", "hour", "at"]).reset_index(drop=True)
    key = frame["cell"].to_numpy().astype(np.int64) * (n_hours + 10_000) + frame["hour"].to_numpy()
    at = frame["at"].to_numpy()
    judged = np.flatnonzero((at >= np.datetime64(start)) & (at < np.datetime64(end)))
    if len(judged) == 0:
        return pd.DataFrame()
    base = frame["cell"].to_numpy()[judged].astype(np.int64) * (n_hours + 10_000)
    hour = frame["hour"].to_numpy()[judged]
    catj = frame["cat"].to_numpy()[judged]
    day = hour // 24
    # Place's share of its category over the weeks before the day (a prior keeps new places alive).
    lo_day = np.maximum(day - rules.share_days, 0)
    own = shares.own(catj, frame["place"].to_numpy()[judged], lo_day, day)
    total = cat_cum[catj, day] - cat_cum[catj, lo_day]
    prior_share = 1.0 / shares.places_per_cat.reindex(catj).fillna(1).clip(lower=1).to_numpy()
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
            j = judged[i]
            lo = np.searchsorted(key, base[i] + first[i], side="left")
            rows.append({
                "cat": int(catj[i]), "place": frame.at[j, "place"], "place_level": level,
                "district": frame.at[j, "district"], "detected_at": pd.Timestamp(at[j]),
                "window_hours": window, "count": int(count[i]), "expected": float(expected[i]),
                "p_value": float(pv), "samples": list(frame["number"].iloc[lo:j + 1].iloc[-5:]),
            })
    return pd.DataFrame(rows)


def _related(a: str, b: str) -> bool:
    """Places whose codes nest (region codes extend their parent's code)."""
    return a.startswith(b) or b.startswith(a)


def _episodes(found: pd.DataFrame, rules: SurgeRules) -> pd.DataFrame:
    """One alert per episode: the first firing, at the place that explains it best, then a cool-down."""
    found = found.sort_values(["detected_at", "p_value"]).reset_index(drop=True)
    cooldown = pd.Timedelta(hours=rules.cooldown_hours)
    open_until: dict[str, list[tuple[str, pd.Timestamp]]] = {}
    kept = []
    for row in found.itertuples(index=False):
        active = open_until.setdefault(row.category, [])
        if any(_related(row.place, place) and row.detected_at < until for place, until in active):
            continue
        # Among what fires in the same hour for this category, the smallest p-value speaks for all.
        same_hour = found[(found["category"] == row.category) & (found["detected_at"] >= row.detected_at)
                          & (found["detected_at"] < row.detected_at + pd.Timedelta(hours=1))]
        same_hour = same_hour[[_related(row.place, p) for p in same_hour["place"]]]
        best = same_hour.nsmallest(1, "p_value").iloc[0] if len(same_hour) else row._asdict()
        best = dict(best)
        best["detected_at"] = row.detected_at
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
    orders = orders[orders["created_at"] < end]
    recent = tallies(orders, SURGE_KINDS) if recent_tallies is None else recent_tallies
    counted = stacked([kept, recent[recent["kind"].isin(SURGE_KINDS)]])
    counted["day"] = pd.to_datetime(counted["day"])
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
