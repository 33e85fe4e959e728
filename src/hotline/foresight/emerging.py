"""Emerging problems (苗头性问题): phrasing that history does not explain, now repeated; pure.

Requests are cut into overlapping four-character pieces of Chinese text (no dictionary needed,
so a brand-new term such as 共享电单车 is seen from its first message). A piece fires when more
citizens used it in the last two days than its past rate allows (a Poisson tail test with a
floor for pieces never seen); pieces that fire on the same requests form one problem, named by
its commonest pieces, placed where its requests come from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{4,}")
GRAM = 4


@dataclass(frozen=True)
class EmergingRules:
    """Thresholds of the emerging-problem test."""

    window_hours: int = 48
    history_days: int = 365  # a year, so that seasonal wording has been seen before
    max_past: int = 0  # a piece used by more citizens than this in the past year is not new
    min_citizens: int = 2
    alpha: float = 1e-4
    floor_per_day: float = 0.005  # a piece never seen is still allowed this much by chance
    mute_days: int = 14
    min_pieces: int = 3  # a problem needs several new pieces, not one odd word boundary


def _cjk_only(text: str) -> str:
    """Chinese runs separated by spaces, so that pieces never straddle punctuation."""
    return " ".join(_CJK_RUN.findall(text))


def _matrix(texts: pd.Series):
    """Requests × pieces, 1 where the request holds the piece (sparse, by column)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(GRAM, GRAM), binary=True,
                                 preprocessor=_cjk_only, lowercase=False, dtype=np.int32)
    matrix = vectorizer.fit_transform(texts.fillna(""))
    names = vectorizer.get_feature_names_out()
    whole = np.array([" " not in n for n in names])
    return matrix[:, whole].tocsc(), names[whole]


def detect(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
           rules: EmergingRules = EmergingRules()) -> pd.DataFrame:
    """Emerging-problem alerts fired by orders created in [start, end); earlier orders are history.

    `orders`: number, created_at, summary, content, category, district, community, citizen_phone.
    """
    since = start - pd.Timedelta(days=rules.history_days, hours=rules.window_hours)
    orders = orders[(orders["created_at"] >= since) & (orders["created_at"] < end)].sort_values("created_at")
    # A citizen repeating the same request the same day speaks once.
    day = orders["created_at"].dt.normalize()
    orders = orders[~pd.DataFrame({"c": orders["citizen_phone"], "d": day, "s": orders["summary"]}).duplicated()]
    orders = orders.reset_index(drop=True)
    matrix, names = _matrix(orders["summary"].fillna("") + " " + orders["content"].fillna(""))
    seconds = ((orders["created_at"] - since) // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)
    first_scan = int(np.searchsorted(orders["created_at"].to_numpy(), np.datetime64(start)))
    window = rules.window_hours * 3600
    fired = []
    for g in np.flatnonzero(np.diff(matrix.indptr) >= rules.min_citizens):
        docs = matrix.indices[matrix.indptr[g]:matrix.indptr[g + 1]]
        docs.sort()
        judged = np.flatnonzero(docs >= first_scan)
        if len(judged) < rules.min_citizens:
            continue
        times = seconds[docs]
        lower = np.searchsorted(times, times[judged] - window, side="right")
        recent = judged - lower + 1
        year_ago = np.searchsorted(times, times[judged] - window - 365 * 86400, side="left")
        past = lower - year_ago
        past_days = np.maximum((times[judged] - window) / 86400.0, 1.0)
        expected = np.maximum(past / past_days, rules.floor_per_day) * rules.window_hours / 24.0
        hit = (recent >= rules.min_citizens) & (past <= rules.max_past)
        if not hit.any():
            continue
        p = stats.poisson.sf(recent[hit] - 1, expected[hit])
        ok = p < rules.alpha
        for i, count, mean, pv in zip(judged[hit][ok], recent[hit][ok], expected[hit][ok], p[ok]):
            fired.append((int(docs[i]), g, int(count), float(mean), float(pv), docs[i - count + 1:i + 1]))
    if not fired:
        return pd.DataFrame()
    return _problems(fired, names, orders, rules)


def _problems(fired: list, names: np.ndarray, orders: pd.DataFrame, rules: EmergingRules) -> pd.DataFrame:
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
        phrases = [names[f[0]] for f in sorted(group, key=lambda f: -f[1])[:4]]
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
