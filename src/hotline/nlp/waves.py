"""Wide incidents (剖析一个，解决一片): a new problem called in from across the city, a district's outage.

A local burst (duplicates.local_bursts) is many calls from one place; a city-wide wave is a problem
worded in a way the city's history does not explain, suddenly used at many different places —
共享电单车乱停放 spreading over the summer, a prepaid gym closing. It is found from text pieces, not from volume
alone, because the wave is often small beside the category's ordinary flow:

1. each order's text is cut into overlapping four-character pieces of Chinese (no dictionary, so a
   brand-new term is seen from its first call);
2. a piece *fires* in a category when nobody in the whole city used it (beyond a floor rate) over
   the history before the window, and more distinct communities used it in the last `window_days`
   than that floor rate allows (Poisson tail). Counting places, not orders, keeps one community's
   burst from firing; asking the whole city's history keeps seasonal and merely rare wording out;
3. a wave's members are the category's orders that carry at least `min_pieces` fired pieces (each
   from its first firing's window on), split where the wave falls silent for `gap_days`. The ordinary
   flow of the category carries none or one of those pieces, so it stays out.

A district surge is the other wide incident: a district's heating or water supply failing, worded as
the category always is but far above the district's share of the city's calls (`district_surges`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import numpy as np
from scipy.stats import binom, poisson

from hotline.nlp.text import clean

HAN_RUN = re.compile(r"[\u4e00-\u9fff]{4,}")
PIECE = 4


@dataclass(frozen=True)
class WaveRules:
    """What makes a wave; defaults measured on the simulator's ground truth (bench/nlp_bench.py)."""

    window_days: float = 7.0
    history_days: float = 365.0  # a year, so that seasonal wording (heating in winter) has been seen before
    min_history_days: float = 60.0  # pieces are judged only once this much history lies behind the window
    min_places: int = 4  # distinct communities using a piece in the window
    floor_per_day: float = 0.02  # a piece nobody used before is still allowed this many places a day
    alpha: float = 1e-6
    min_pieces: int = 2  # an order joins a wave when it carries this many of the wave's pieces
    min_orders: int = 10
    gap_days: float = 5.0


@dataclass(frozen=True)
class Wave:
    """One wave: its orders (keys), the words that name it and the streets it came from."""

    category: str
    start: datetime
    end: datetime
    keys: list[str]
    pieces: list[str]  # the commonest fired pieces, for a dispatcher to read
    parts: dict[str, list[str]]  # street (or district) -> keys: the sub-groups to dispatch by place
    districts: list[str]


def pieces_of(text: str) -> set[str]:
    """Four-character pieces of the Chinese runs of a text."""
    out = set()
    for run in HAN_RUN.findall(clean(text)):
        out.update(run[i:i + PIECE] for i in range(len(run) - PIECE + 1))
    return out


def waves(orders: Sequence, rules: WaveRules = WaveRules()) -> list[Wave]:
    """Waves among orders (duplicates.OrderText: key, at, text, district, street, community, category)."""
    orders = sorted(orders, key=lambda o: o.at)
    if not orders:
        return []
    days = np.array([(o.at - orders[0].at).total_seconds() / 86400 for o in orders])  # history starts with the data
    shared: dict[str, str] = {}  # one string per distinct piece: a year's orders carry tens of millions
    carried = [{shared.setdefault(p, p) for p in pieces_of(o.text)} for o in orders]
    city: dict[str, list[int]] = defaultdict(list)
    for i, found in enumerate(carried):
        for piece in found:
            city[piece].append(i)
    history = {piece: days[docs] for piece, docs in city.items() if len(docs) >= rules.min_places}
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, order in enumerate(orders):
        if order.category:
            by_category[order.category].append(i)
    found = []
    for category, members in by_category.items():
        if len(members) >= rules.min_orders:
            found += _category_waves(category, [orders[i] for i in members], days[members],
                                     [carried[i] for i in members], history, rules)
    return sorted(found, key=lambda w: w.start)


def _category_waves(category: str, orders: list, days: np.ndarray, carried: list, history: dict,
                    rules: WaveRules) -> list[Wave]:
    places = [o.community or o.street or o.district for o in orders]
    users: dict[str, list[int]] = defaultdict(list)
    for i, found in enumerate(carried):
        for piece in found:
            users[piece].append(i)
    fired = {}  # piece -> day of its first firing
    for piece, docs in users.items():
        if len(docs) >= rules.min_places:
            at = _first_firing(np.asarray(docs), days, places, history[piece], rules)
            if at is not None:
                fired[piece] = at
    if not fired:
        return []
    return [w for w in _assemble(category, orders, days, carried, fired, rules) if len(w.keys) >= rules.min_orders]


def _first_firing(docs: np.ndarray, days: np.ndarray, places: list, city_days: np.ndarray,
                  rules: WaveRules) -> float | None:
    """The day a piece first fires in a category, or None.

    New: (almost) nobody in the whole city used the piece in the history before the window — wording
    that is merely rare in this category, or back with its season, is not a new problem.
    """
    t = days[docs]
    in_window = np.arange(len(t)) - np.searchsorted(t, t - rules.window_days, side="right") + 1
    history_end = t - rules.window_days
    history_start = np.maximum(history_end - rules.history_days, 0.0)
    covered = history_end - history_start
    used_before = np.searchsorted(city_days, history_end, side="right") - np.searchsorted(city_days, history_start)
    new = used_before <= rules.floor_per_day * covered
    enough = max(rules.min_places, _places_needed(rules))
    # Orders are a cheap upper bound on places: only where they could fire are places counted.
    for k in np.flatnonzero(new & (covered >= rules.min_history_days) & (in_window >= enough)):
        lo = k - in_window[k] + 1
        if len({places[d] for d in docs[lo:k + 1]}) >= enough:
            return float(t[k])
    return None


@cache
def _places_needed(rules: WaveRules) -> int:
    """The fewest places in a window that a piece at the floor rate reaches with probability under alpha."""
    return int(poisson.isf(rules.alpha, rules.floor_per_day * rules.window_days)) + 1


def _assemble(category: str, orders: list, days: np.ndarray, carried: list, fired: dict,
              rules: WaveRules) -> list[Wave]:
    # All fired pieces of a category are read as one vocabulary: a new problem is worded several ways
    # (共享电单车 / 共享电动车 share no four characters), and two new problems in one category at the
    # same time are rare enough; silences split waves that come at different times.
    hits = [sorted(p for p in found & fired.keys() if fired[p] - rules.window_days <= days[i])
            for i, found in enumerate(carried)]
    members = [i for i, mine in enumerate(hits) if len(mine) >= rules.min_pieces]
    out, run = [], []
    for i in members:
        if run and days[i] - days[run[-1]] > rules.gap_days:
            out.append(_wave(category, orders, run, hits))
            run = []
        run.append(i)
    if run:
        out.append(_wave(category, orders, run, hits))
    return out


def _wave(category: str, orders: list, members: list[int], hits: list) -> Wave:
    counts: dict[str, int] = defaultdict(int)
    parts: dict[str, list[str]] = defaultdict(list)
    for i in members:
        for p in hits[i]:
            counts[p] += 1
        parts[orders[i].street or orders[i].district or ""].append(orders[i].key)
    chosen = [orders[i] for i in members]
    return Wave(category=category, start=chosen[0].at, end=chosen[-1].at, keys=[o.key for o in chosen],
                pieces=sorted(counts, key=lambda p: -counts[p])[:5], parts=dict(parts),
                districts=sorted({o.district for o in chosen if o.district}))


@dataclass(frozen=True)
class SurgeRules:
    """What makes a district surge: one district calling about a category far above its share of the city."""

    window_days: int = 3
    alpha: float = 1e-8
    min_ratio: float = 3.0  # and this many times what the rest of the city's calls and its usual share imply
    min_orders: int = 15


def district_surges(orders: Sequence, rules: SurgeRules = SurgeRules(),
                    explained: frozenset = frozenset()) -> list[Wave]:
    """Districts calling about one category far above their usual share of the city, each with that
    category's orders there on the surge's days (no pieces: the words are the category's usual ones).

    The expectation is the rest of the city's calls on the same days times the district's usual share
    (over the whole batch, the surge included, which only makes the test stricter), so a season that
    raises the whole city is no surge. Orders in `explained` (a local burst already found) are left out
    of the count, so one community's burst does not make its district surge.
    """
    counted = [o for o in orders if o.category and o.district and o.key not in explained]
    if not counted:
        return []
    first = min(o.at for o in counted).date()
    n_days = (max(o.at for o in counted).date() - first).days + 1
    categories = sorted({o.category for o in counted})
    districts = sorted({o.district for o in counted})
    c_index = {c: i for i, c in enumerate(categories)}
    d_index = {d: i for i, d in enumerate(districts)}
    counts = np.zeros((len(categories), len(districts), n_days))
    for o in counted:
        counts[c_index[o.category], d_index[o.district], (o.at.date() - first).days] += 1
    kernel = np.ones(rules.window_days)
    found = []
    for c, category in enumerate(categories):
        total = counts[c].sum()
        if total < rules.min_orders:
            continue
        city = np.convolve(counts[c].sum(axis=0), kernel)[:n_days]
        for d, district in enumerate(districts):
            share = counts[c, d].sum() / total
            if share >= 1:
                continue  # a category only ever called about from one district has nothing to compare with
            here = np.convolve(counts[c, d], kernel)[:n_days]
            # The district's share of the window's calls against its usual share (binomial tail).
            expected = (city - here) * share / (1 - share)
            surging = (here >= rules.min_orders) & (here >= rules.min_ratio * np.maximum(expected, 1)) \
                & (binom.sf(here - 1, city.astype(int), share) < rules.alpha)
            for lo, hi in _runs(surging):
                since = first + timedelta(days=lo - rules.window_days + 1)
                until = first + timedelta(days=hi)
                members = [o for o in counted if o.category == category and o.district == district
                           and since <= o.at.date() <= until]
                found.append(_wave(category, members, list(range(len(members))), [[] for _ in members]))
    return found


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.flatnonzero(np.diff(np.r_[0, flags.astype(int), 0]))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]
