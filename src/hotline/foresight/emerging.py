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
    # Integer codes first: comparing rows of texts is slow on a month of a big city.
    codes = pd.DataFrame({k: pd.factorize(v, use_na_sentinel=False)[0]
                          for k, v in (("c", orders["citizen_phone"]), ("d", day), ("s", orders["summary"]))})
    orders = orders[~codes.duplicated().to_numpy()]
    orders = orders.reset_index(drop=True)
    kept = used_before(runs, begin, rules.history_days)
    # Pieces in use across the whole year before every judgement cannot be new: dropped before any work.
    owners, codes = pieces.cut(texts(orders).tolist(), drop=kept.always(end - pd.Timedelta(hours=rules.window_hours)))
    seconds = ((orders["created_at"] - begin) // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)
    first_scan = int(np.searchsorted(orders["created_at"].to_numpy(), np.datetime64(start)))
    expected = rules.floor_per_day * rules.window_hours / 24.0
    uses = judged_uses(owners, codes, seconds, begin, kept, first_scan, rules.window_hours * 3600,
                       rules.history_days, rules.min_citizens)
    # New: nobody used it in the year before the window, neither in the cut requests nor before them.
    hit = np.flatnonzero((uses.earlier == 0) & (uses.recent >= rules.min_citizens))
    p = stats.poisson.sf(uses.recent[hit] - 1, expected)
    ok = p < rules.alpha
    fired = [(int(owners[at]), int(codes[at]), int(count), expected, float(pv), owners[at - count + 1:at + 1])
             for at, count, pv in zip(uses.at[hit][ok], uses.recent[hit][ok], p[ok])]
    if not fired:
        return pd.DataFrame()
    return _problems(fired, orders, rules)


@dataclass
class JudgedUses:
    """The judged uses of pieces.cut's (owners, codes), all pieces at once, in the order of the cut.

    `at`: each use's position in the cut; `recent`: uses of its piece in the window ending there;
    `earlier`: uses of its piece in the year before that window (infinite where the kept history shows one);
    `bounds`: where each piece's uses begin in the cut, and where the last one ends.
    """

    at: np.ndarray
    recent: np.ndarray
    earlier: np.ndarray
    bounds: np.ndarray


def judged_uses(owners: np.ndarray, codes: np.ndarray, seconds: np.ndarray, begin: pd.Timestamp, kept,
                first_judged: int, window_seconds: int, history_days: int, min_judged: int) -> JudgedUses:
    """The judged uses of every piece with at least `min_judged` of them, by array operations (see piece_uses).

    One sorted key (piece, then time) stands for every piece's own sorted times: a window is found by
    one binary search over all pieces instead of a search per piece.
    """
    history = history_days * 86400
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    if len(codes) == 0:
        empty = np.zeros(0, np.int64)
        return JudgedUses(empty, empty, np.zeros(0), bounds)
    piece = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    judged = owners >= first_judged
    enough = np.add.reduceat(judged.astype(np.int64), bounds[:-1]) >= min_judged
    at = np.flatnonzero(judged & enough[piece])
    times = seconds[owners].astype(np.int64)
    times = times - times.min()
    # Wider than any look-back: a window never reaches into the previous piece's times.
    span = int(times.max()) + window_seconds + history + 1
    key = piece.astype(np.int64) * span + times  # ascending: within a piece the texts, so their times, ascend
    lower = np.searchsorted(key, key[at] - window_seconds, side="right")
    earlier = (lower - np.searchsorted(key, key[at] - window_seconds - history, side="left")).astype(float)
    moment = np.datetime64(begin, "ns") + (seconds[owners[at]] - window_seconds).astype("timedelta64[s]")
    earlier[kept(codes[at], moment)] = np.inf
    return JudgedUses(at, at - lower + 1, earlier, bounds)


def piece_uses(owners: np.ndarray, codes: np.ndarray, seconds: np.ndarray, begin: pd.Timestamp, kept,
               first_judged: int, window_seconds: int, history_days: int, min_judged: int):
    """For each piece of pieces.cut's (owners, codes): (code, its requests, the judged ones among them,
    the uses in the window ending at each judged use, the uses in the year before that window).

    `seconds` are the requests' times after `begin`; requests from index `first_judged` on are judged,
    pieces with fewer than `min_judged` such uses are skipped. Uses in the year before the window are
    counted in the cut requests; where the kept history before them (`kept`, see used_before) shows
    one, the count is infinite: the runs tell whether a piece was used, not how often.
    """
    uses = judged_uses(owners, codes, seconds, begin, kept, first_judged, window_seconds, history_days, min_judged)
    # Each piece's judged uses are a contiguous stretch of uses.at: cut it at the pieces' bounds.
    cuts = np.searchsorted(uses.at, uses.bounds)
    for piece in np.flatnonzero(cuts[1:] > cuts[:-1]):
        lo, hi = uses.bounds[piece], uses.bounds[piece + 1]
        mine = slice(cuts[piece], cuts[piece + 1])
        yield codes[lo], owners[lo:hi], uses.at[mine] - lo, uses.recent[mine], uses.earlier[mine]


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
    # Times as nanoseconds: a problem's requests are muted with one array operation, not one each.
    created = orders["created_at"].to_numpy().astype("datetime64[ns]").view(np.int64)
    mute = pd.Timedelta(days=rules.mute_days).value
    never = np.iinfo(np.int64).min
    muted_until = np.full(len(orders), never, np.int64)
    muted_piece: dict[int, int] = {}
    muted_topic: dict[tuple, int] = {}  # (category, district): one alert per problem and place
    columns = {c: orders[c].to_numpy() for c in ("number", "category", "district", "community")}
    alerts = []
    for doc in sorted(by_doc):
        at = int(created[doc])
        group = [f for f in by_doc[doc] if muted_piece.get(f[0], never) <= at]
        if len(group) < rules.min_pieces:
            continue
        members = np.unique(np.concatenate([f[4] for f in group]))
        if (muted_until[members] > at).any():
            continue
        chosen = {c: values[members] for c, values in columns.items()}
        # Where and what first: a problem already alerted at its place needs no alert built.
        category, _ = _mode_share(chosen["category"])
        district, d_share = _mode_share(chosen["district"])
        topic = (category, district if d_share >= 0.6 else None)
        if muted_topic.get(topic, never) > at:
            continue
        best = min(group, key=lambda f: f[3])
        phrases = [pieces.decode(f[0]) for f in sorted(group, key=lambda f: -f[1])[:4]]
        until = at + mute
        muted_topic[topic] = until
        alerts.append(_alert(orders.at[doc, "created_at"], phrases, chosen, best, len(members)))
        for f in group:
            muted_piece[f[0]] = until
        muted_until[members] = until
    return pd.DataFrame(alerts)


def _mode_share(values: np.ndarray) -> tuple[str | None, float]:
    """The commonest value and its share (missing values left out)."""
    codes, distinct = pd.factorize(values)  # missing values get no code
    counts = np.bincount(codes[codes >= 0], minlength=len(distinct))
    if counts.sum() == 0:
        return None, 0.0
    most = counts.max()
    if (counts == most).sum() > 1:  # a tie: settled as pandas' value_counts settles it, as it always was
        ranked = pd.Series(values, dtype=object).dropna().value_counts()
        return ranked.index[0], float(ranked.iloc[0] / ranked.sum())
    return distinct[int(counts.argmax())], float(most / counts.sum())


def _alert(at: pd.Timestamp, names: list[str], chosen: dict[str, np.ndarray], best: tuple, n_orders: int) -> dict:
    """One emerging-problem alert with its place, category and evidence; `chosen` holds its orders' columns."""
    category, _ = _mode_share(chosen["category"])
    district, d_share = _mode_share(chosen["district"])
    community, c_share = _mode_share(chosen["community"])
    place, level = (community, "community") if c_share >= 0.6 else ((district, "district") if d_share >= 0.6 else (None, "city"))
    return {
        "detected_at": at, "category": category, "district": district if d_share >= 0.6 else None,
        "place": place, "place_level": level, "phrases": names, "count": int(best[1]),
        "expected": float(best[2]), "p_value": float(best[3]), "orders": n_orders,
        "samples": chosen["number"][:5].tolist(), "severity": "high" if n_orders >= 8 else "medium",
        "districts": sorted(set(chosen["district"][~pd.isna(chosen["district"])])),
    }
