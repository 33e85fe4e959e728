"""Emerging problems (苗头性问题): phrasing that history does not explain, now repeated; pure.

Requests are cut into overlapping four-character pieces of Chinese text (no dictionary needed,
so a brand-new term such as 共享电单车 is seen from its first message). A piece fires when more
citizens used it in the last two days than chance allows for a piece nobody used in the year
before (a Poisson tail test against a small floor rate); pieces that fire on the same requests form
one problem, named by its commonest pieces, placed where its requests come from.

The year before is read from piece runs (history.runs), kept once, so a scan cuts only the
requests of its own window. The year starts at midnight, so history is kept per day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hotline.foresight import history, pieces


@dataclass(frozen=True)
class EmergingRules:
    """Thresholds of the emerging-problem test."""

    window_hours: int = 48
    history_days: int = 365  # a year, so that seasonal wording has been seen before
    min_citizens: int = 2
    alpha: float = 1e-4
    floor_per_day: float = 0.005  # a piece nobody used in the year before is still allowed this much by chance
    mute_days: int = 14
    min_pieces: int = 3  # a problem needs several new pieces, not one odd word boundary


def window_start(start: pd.Timestamp, rules: EmergingRules = EmergingRules()) -> pd.Timestamp:
    """Midnight before the first request a scan of [start, …) must cut (its first judgement looks back a window)."""
    return (start - pd.Timedelta(hours=rules.window_hours)).normalize()


def texts(orders: pd.DataFrame) -> pd.Series:
    """What a request says: summary and content (a space keeps pieces from joining them)."""
    return orders["summary"].fillna("") + " " + orders["content"].fillna("")


def detect(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           rules: EmergingRules = EmergingRules(), runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Emerging-problem alerts fired by orders created in [start, end).

    `orders`: number, created_at, summary, content, category, district, community, citizen_phone,
    from window_start(start) on; `runs` (piece, first_day, last_day) cover the days before it.
    Without `runs`, the orders before window_start(start) are the history.
    """
    begin = window_start(start, rules)
    if runs is None:
        past = orders[(orders["created_at"] < begin)
                      & (orders["created_at"] >= begin - pd.Timedelta(days=rules.history_days + 1))]
        runs = history.runs(history.piece_days(texts(past), past["created_at"].dt.normalize()))
    orders = orders[(orders["created_at"] >= begin) & (orders["created_at"] < end)].sort_values("created_at")
    # A citizen repeating the same request the same day speaks once.
    day = orders["created_at"].dt.normalize()
    orders = orders[~pd.DataFrame({"c": orders["citizen_phone"], "d": day, "s": orders["summary"]}).duplicated()]
    orders = orders.reset_index(drop=True)
    kept = used_before(runs, begin, rules.history_days)
    # Pieces in use across the whole year before every judgement cannot be new: dropped before any work.
    owners, codes = pieces.cut(texts(orders).tolist(), drop=kept.always(end - pd.Timedelta(hours=rules.window_hours)))
    seconds = ((orders["created_at"] - begin) // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)
    first_scan = int(np.searchsorted(orders["created_at"].to_numpy(), np.datetime64(start)))
    expected = rules.floor_per_day * rules.window_hours / 24.0
    fired = []
    for code, docs, judged, recent, earlier in piece_uses(owners, codes, seconds, begin, kept, first_scan,
                                                          rules.window_hours * 3600, rules.history_days,
                                                          rules.min_citizens):
        # New: nobody used it in the year before the window, neither in the cut requests nor before them.
        hit = (earlier == 0) & (recent >= rules.min_citizens)
        if not hit.any():
            continue
        p = stats.poisson.sf(recent[hit] - 1, expected)
        ok = p < rules.alpha
        for i, count, pv in zip(judged[hit][ok], recent[hit][ok], p[ok]):
            fired.append((int(docs[i]), int(code), int(count), expected, float(pv), docs[i - count + 1:i + 1]))
    if not fired:
        return pd.DataFrame()
    return _problems(fired, orders, rules)


def piece_uses(owners: np.ndarray, codes: np.ndarray, seconds: np.ndarray, begin: pd.Timestamp, kept,
               first_judged: int, window_seconds: int, history_days: int, min_judged: int):
    """For each piece of pieces.cut's (owners, codes): (code, its requests, the judged ones among them,
    the uses in the window ending at each judged use, the uses in the year before that window).

    `seconds` are the requests' times after `begin`; requests from index `first_judged` on are judged,
    pieces with fewer than `min_judged` such uses are skipped. Uses in the year before the window are
    counted in the cut requests; where the kept history before them (`kept`, see used_before) shows
    one, the count is infinite: the runs tell whether a piece was used, not how often.
    """
    history = history_days * 86400
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        docs = owners[lo:hi]  # ascending: pieces.cut keeps texts in order within a piece
        judged = np.flatnonzero(docs >= first_judged)
        if len(judged) < min_judged:
            continue
        times = seconds[docs]
        lower = np.searchsorted(times, times[judged] - window_seconds, side="right")
        earlier = (lower - np.searchsorted(times, times[judged] - window_seconds - history, side="left")).astype(float)
        earlier[kept(np.full(len(judged), codes[lo]),
                     np.datetime64(begin, "ns") + (times[judged] - window_seconds).astype("timedelta64[s]"))] = np.inf
        yield codes[lo], docs, judged, judged - lower + 1, earlier


def used_before(runs: pd.DataFrame, begin: pd.Timestamp, history_days: int):
    """A test: was each piece used on a day from (moment − a year)'s midnight up to `begin`?

    Exact from runs: a run that started before `begin` and reaches that midnight either has a use in
    between or, its gaps being under a year, a use after `begin` that the cut requests show.
    """
    known = runs[pd.to_datetime(runs["first_day"]) < begin]
    latest = known.groupby("piece")["last_day"].max()
    codes = latest.index.to_numpy(np.int64)
    last = pd.to_datetime(latest.to_numpy()).to_numpy()
    order = np.argsort(codes)
    codes, last = codes[order], last[order]

    class Used:
        def __call__(self, piece: np.ndarray, moment: np.ndarray) -> np.ndarray:
            if len(codes) == 0:
                return np.zeros(len(piece), bool)
            at = np.minimum(np.searchsorted(codes, piece), len(codes) - 1)
            year_ago = (pd.DatetimeIndex(moment) - pd.Timedelta(days=history_days)).normalize().to_numpy()
            return (codes[at] == piece) & (last[at] >= year_ago)

        def always(self, latest: pd.Timestamp) -> np.ndarray:
            """Sorted pieces used in the year before `latest` (so before every earlier moment too)."""
            return codes[last >= (latest - pd.Timedelta(days=history_days)).normalize().to_datetime64()]

    return Used()


def _problems(fired: list, orders: pd.DataFrame, rules: EmergingRules) -> pd.DataFrame:
    """Group pieces firing on the same request into one problem, alert once, then mute its requests."""
    by_doc: dict[int, list] = {}
    for doc, g, count, mean, pv, members in fired:
        by_doc.setdefault(doc, []).append((g, count, mean, pv, members))
    muted_until: dict[int, pd.Timestamp] = {}
    muted_piece: dict[int, pd.Timestamp] = {}
    muted_topic: dict[tuple, pd.Timestamp] = {}  # (category, district): one alert per problem and place
    alerts = []
    for doc in sorted(by_doc):
        at = orders.at[doc, "created_at"]
        group = [f for f in by_doc[doc] if muted_piece.get(f[0], pd.Timestamp.min) <= at]
        if len(group) < rules.min_pieces:
            continue
        members = sorted({int(m) for f in group for m in f[4]})
        if any(muted_until.get(m, pd.Timestamp.min) > at for m in members):
            continue
        best = min(group, key=lambda f: f[3])
        chosen = orders.loc[members].set_index("number")
        phrases = [pieces.decode(f[0]) for f in sorted(group, key=lambda f: -f[1])[:4]]
        alert = _alert(at, phrases, chosen, best, len(members))
        until = at + pd.Timedelta(days=rules.mute_days)
        topic = (alert["category"], alert["district"])
        if muted_topic.get(topic, pd.Timestamp.min) > at:
            continue
        muted_topic[topic] = until
        alerts.append(alert)
        for f in group:
            muted_piece[f[0]] = until
        for m in members:
            muted_until[m] = until
    return pd.DataFrame(alerts)


def _mode_share(values: pd.Series) -> tuple[str | None, float]:
    """The commonest value and its share."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return None, 0.0
    return counts.index[0], float(counts.iloc[0] / counts.sum())


def _alert(at: pd.Timestamp, names: list[str], chosen: pd.DataFrame, best: tuple, n_orders: int) -> dict:
    """One emerging-problem alert with its place, category and evidence."""
    category, _ = _mode_share(chosen["category"])
    district, d_share = _mode_share(chosen["district"])
    community, c_share = _mode_share(chosen["community"])
    place, level = (community, "community") if c_share >= 0.6 else ((district, "district") if d_share >= 0.6 else (None, "city"))
    return {
        "detected_at": at, "category": category, "district": district if d_share >= 0.6 else None,
        "place": place, "place_level": level, "phrases": names, "count": int(best[1]),
        "expected": float(best[2]), "p_value": float(best[3]), "orders": n_orders,
        "samples": chosen.index[:5].tolist(), "severity": "high" if n_orders >= 8 else "medium",
        "districts": sorted(chosen["district"].dropna().unique().tolist()),
    }
