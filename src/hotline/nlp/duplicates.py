"""Duplicate requests and incident clusters among open orders: same place, similar text, close in time.

Two levels: a local burst (many calls from one community) is found here; a city-wide wave (one new
problem called in from many places) in hotline.nlp.waves. `cluster` returns both.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import poisson
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from hotline.nlp.text import clean
from hotline.nlp.waves import CityHistory, SurgeRules, WaveRules, district_surges, waves


@dataclass(frozen=True)
class OrderText:
    """What grouping needs of an order."""

    key: str  # the order number
    at: datetime
    text: str
    district: str | None = None
    street: str | None = None
    community: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class GroupingRules:
    """What makes orders one incident; defaults measured on the simulator's ground truth.

    An incident is a burst: orders of one category at one community (or street) following each other
    within `window_hours`; members whose text is unlike the rest of the burst (a consultation among
    outage reports) are left out.
    """

    window_hours: float = 12.0
    min_cluster: int = 3
    min_similarity: float = 0.05
    surprise: float = 1e-6  # a burst this unlikely under the place's usual rate is an incident
    baseline_days: float = 15.0  # the usual rate is read from this many days either side
    duplicate_window_hours: float = 72.0
    duplicate_similarity: float = 0.3  # at intake, a text this close at the same place is offered for merging
    same_category_bonus: float = 0.1
    # The live service reads this many days of orders; a wave is found while its first days lie within
    # them (before, its pieces are in the kept history and no longer new).
    lookback_days: float = 30.0
    waves: WaveRules = WaveRules()
    surges: SurgeRules = SurgeRules()


# Character 2–3-grams survive typos and need no segmentation.
NGRAMS = {"analyzer": "char", "ngram_range": (2, 3)}


def _vectors(batches: Sequence[Sequence[str]]) -> list:
    """TF-IDF rows of each batch of texts, weighted by that batch alone: the figures of a TfidfVectorizer
    fitted on each batch (to 1e-14), from one n-gram count over all of them (per batch, sklearn's fitting
    took 10 ms each: 3.7 s for a 30-day grouping's 365 bursts at 10M orders, 2.7 s so)."""
    counts = CountVectorizer(**NGRAMS).fit_transform([clean(t) or " " for batch in batches for t in batch])
    out, first = [], 0
    for batch in batches:
        rows = counts[first:first + len(batch)].astype(np.float64)
        first += len(batch)
        # As sklearn's TfidfTransformer does, step by step, over the batch's own document frequencies
        # (smoothed idf, sublinear tf); a row holds each n-gram once, so counting columns counts documents.
        idf = (len(batch) + 1.0) / (np.bincount(rows.indices, minlength=counts.shape[1])[rows.indices] + 1.0)
        np.log(idf, out=idf)
        idf += 1.0
        np.log(rows.data, rows.data)
        rows.data += 1.0
        rows.data *= idf
        out.append(normalize(rows, norm="l2", copy=False))
    return out


def _same_place(a: OrderText, b: OrderText) -> bool:
    if a.community and b.community:
        return a.community == b.community or (a.street is not None and a.street == b.street)
    if a.street and b.street:
        return a.street == b.street
    return False


def _score(similarity: float, a: OrderText, b: OrderText, rules: GroupingRules) -> float:
    bonus = rules.same_category_bonus if a.category and a.category == b.category else 0.0
    return similarity + bonus


def similar_open(new: OrderText, candidates: Sequence[OrderText], rules: GroupingRules = GroupingRules(),
                 limit: int = 5) -> list[tuple[OrderText, float]]:
    """Open orders at the same place within the window whose text is close to the new one, best first."""
    window = timedelta(hours=rules.duplicate_window_hours)
    near = [c for c in candidates if c.key != new.key and abs(c.at - new.at) <= window and _same_place(new, c)]
    if not near:
        return []
    matrix = _vectors([[new.text, *(c.text for c in near)]])[0]
    sims = (matrix[1:] @ matrix[0].T).toarray().ravel()
    scored = [(c, round(float(_score(s, new, c, rules)), 3)) for c, s in zip(near, sims)]
    scored = [pair for pair in scored if pair[1] >= rules.duplicate_similarity]
    return sorted(scored, key=lambda pair: -pair[1])[:limit]


def cluster(orders: Sequence[OrderText], rules: GroupingRules = GroupingRules(),
            before: CityHistory | None = None) -> list[list[str]]:
    """Incidents, each a list of order keys: local bursts, district surges and city-wide waves, the wide
    ones judged against the kept history `before` the orders when given.

    A wider incident takes in the narrower ones it overlaps (a burst inside a district's outage).
    """
    bursts = local_bursts(orders, rules)
    explained = frozenset(k for b in bursts for k in b)
    surges = [w.keys for w in district_surges(orders, rules.surges, explained, before)]
    in_surge = {k for keys in surges for k in keys}
    district = {o.key: o.district for o in orders}
    wide = list(surges)
    for wave in waves(orders, rules.waves, before):
        if 2 * len(in_surge.intersection(wave.keys)) < len(wave.keys):
            wide.append(wave.keys)
            continue
        # A wave that is mostly one district's surge is that district's outage (each district has its
        # own supplier): the same words elsewhere then are each district's own smaller incident.
        by_district: dict[str | None, list[str]] = {}
        for key in wave.keys:
            by_district.setdefault(district[key], []).append(key)
        wide += list(by_district.values())
    return _merge_overlapping(wide + bursts)


def _merge_overlapping(groups: list[list[str]]) -> list[list[str]]:
    """Groups sharing an order become one, in the order first seen."""
    merged: list[dict[str, None]] = []  # dicts keep keys ordered and unique
    for group in groups:
        overlapping = [m for m in merged if not m.keys().isdisjoint(group)]
        target = overlapping[0] if overlapping else {}
        for other in overlapping[1:]:
            target.update(other)
            merged.remove(other)
        target.update(dict.fromkeys(group))
        if not overlapping:
            merged.append(target)
    return [list(m) for m in merged]


def local_bursts(orders: Sequence[OrderText], rules: GroupingRules = GroupingRules()) -> list[list[str]]:
    """Bursts of same-category orders at one place, each a list of order keys."""
    orders = sorted(orders, key=lambda o: o.at)
    window = timedelta(hours=rules.window_hours)
    blocks: dict[tuple, list[OrderText]] = {}
    for order in orders:
        place = order.community or order.street
        if place and order.category:
            blocks.setdefault((order.category, place), []).append(order)
    groups: list[tuple[list[datetime], list[OrderText]]] = []  # (times of the place's orders, a run)
    for members in blocks.values():
        if len(members) < rules.min_cluster:
            continue
        times = [o.at for o in members]
        run = [members[0]]
        for order in members[1:]:
            if order.at - run[-1].at <= window:
                run.append(order)
                continue
            groups.append((times, run))
            run = [order]
        groups.append((times, run))
    runs = [(times, run) for times, run in groups if len(run) >= rules.min_cluster]
    if not runs:
        return []
    # Heating complaints in January come several a day at a big community: a run of them is not an
    # incident unless it is far above that place's own rate around that time (Poisson tail, one call
    # for every run: per run, scipy's overhead was most of the time).
    sizes = np.array([len(run) for _, run in runs])
    usual = np.array([_usual(run, times, rules) for times, run in runs])
    bursts = [run for (_, run), surprising in zip(runs, poisson.sf(sizes - 1, usual) < rules.surprise) if surprising]
    matrices = _vectors([[o.text for o in run] for run in bursts]) if bursts else []
    coherent = [_coherent(run, matrix, rules) for run, matrix in zip(bursts, matrices)]
    return [[o.key for o in group] for group in coherent if len(group) >= rules.min_cluster]


def _usual(run: list[OrderText], times: list[datetime], rules: GroupingRules) -> float:
    """The orders the place's own rate in the weeks around a run predicts over the run's span."""
    span = timedelta(days=rules.baseline_days)
    first, last = run[0].at, run[-1].at
    around = bisect_right(times, last + span) - bisect_left(times, first - span) - len(run)
    duration_days = (last - first).total_seconds() / 86400 + rules.window_hours / 24
    return max(around, 0.5) / (2 * rules.baseline_days) * duration_days


def _coherent(group: list[OrderText], matrix, rules: GroupingRules) -> list[OrderText]:
    """The members whose text is, on average, like the rest of the group's (`matrix`: their TF-IDF rows)."""
    # Outage reports word the same event many ways, so the bar is low: it only drops the unrelated.
    sims = (matrix @ matrix.T).toarray()
    np.fill_diagonal(sims, np.nan)
    mean = np.nanmean(sims, axis=1)
    return [o for o, m in zip(group, mean) if m >= rules.min_similarity]


def pairwise_scores(predicted: Sequence[Sequence[str]], truth: Sequence[Sequence[str]]) -> dict:
    """Pairwise precision, recall and F1 of predicted groups against true groups."""
    def pairs(groups: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
        out = set()
        for group in groups:
            members = sorted(set(group))
            out |= {(a, b) for k, a in enumerate(members) for b in members[k + 1:]}
        return out

    found, real = pairs(predicted), pairs(truth)
    hit = len(found & real)
    precision = hit / len(found) if found else 1.0
    recall = hit / len(real) if real else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "predicted_pairs": len(found), "true_pairs": len(real)}
