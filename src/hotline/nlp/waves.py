"""Wide incidents (剖析一个，解决一片): a new problem called in from across the city, a district's outage.

A local burst (duplicates.local_bursts) is many calls from one place; a city-wide wave is a problem
worded in a way the city's history does not explain, suddenly used at many different places —
共享电单车乱停放 spreading over the summer, a prepaid gym closing. It is found from text pieces, not from volume
alone, because the wave is often small beside the category's ordinary flow:

1. each order's text is cut into overlapping four-character pieces of Chinese (foresight.pieces: no
   dictionary, so a brand-new term is seen from its first call; integer codes, so a year fits in memory);
2. a piece *fires* in a category when the whole city used it no more than a floor rate allows over
   the year before the window, and more distinct communities used it in the last `window_days` than
   that floor rate allows (Poisson tail). The year before is counted in the batch (foresight's
   emerging-problem test, emerging.piece_uses); before the batch, the piece runs the foresight ledger
   keeps only tell whether it was used, and any use there means it is not new. Counting places, not
   orders, keeps one community's burst from firing; asking the whole city's history keeps seasonal
   and merely rare wording out;
3. a wave's members are the category's orders that carry at least `min_pieces` fired pieces (each
   from its first firing's window on), split where the wave falls silent for `gap_days`. The ordinary
   flow of the category carries none or one of those pieces, so it stays out.

A district surge is the other wide incident: a district's heating or water supply failing, worded as
the category always is but far above the district's share of the city's calls (`district_surges`).
Both read the history before their batch from `CityHistory` when the live service has it kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import numpy as np
import pandas as pd
from scipy.stats import binom, poisson

from hotline.foresight import emerging, pieces

DAY = 86400
CUT_CHUNK = 50_000  # texts cut at once


@dataclass(frozen=True)
class WaveRules:
    """What makes a wave; defaults measured on the simulator's ground truth (bench/nlp_bench.py)."""

    window_days: float = 7.0
    history_days: int = 365  # a year, so that seasonal wording (heating in winter) has been seen before
    min_history_days: float = 60.0  # pieces are judged only once this much history lies behind the window
    min_places: int = 4  # distinct communities using a piece in the window
    floor_per_day: float = 0.02  # a new piece is still allowed this many uses (and places) a day
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


@dataclass(frozen=True)
class CityHistory:
    """What the days before a batch say, as the foresight ledger keeps them (none: the batch is all there is)."""

    since: datetime  # the first day kept
    runs: pd.DataFrame = field(default_factory=lambda: _no_runs())  # foresight.history.runs: piece, first_day, last_day
    district_counts: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (category, district) -> calls


def _no_runs() -> pd.DataFrame:
    return pd.DataFrame({"piece": np.zeros(0, np.int64), "first_day": pd.to_datetime([]), "last_day": pd.to_datetime([])})


def waves(orders: Sequence, rules: WaveRules = WaveRules(), before: CityHistory | None = None) -> list[Wave]:
    """Waves among orders (duplicates.OrderText: key, at, text, district, street, community, category),
    judged against the history `before` them when given."""
    orders = sorted(orders, key=lambda o: o.at)
    if not orders:
        return []
    begin = pd.Timestamp(orders[0].at).normalize()
    created = np.array([o.at for o in orders], dtype="datetime64[s]")
    seconds = (created - begin.to_datetime64().astype("datetime64[s]")).astype(np.int64)
    # Without kept history, the city's history starts with the batch.
    since = (pd.Timestamp(before.since) - begin).total_seconds() if before else float(seconds[0])
    kept = emerging.used_before(before.runs if before else _no_runs(), begin, rules.history_days)
    window = int(rules.window_days * DAY)
    # Pieces the kept history shows in use all through the year before every judgement cannot be new.
    owners, codes = _cut([o.text for o in orders], kept.always(pd.Timestamp(orders[-1].at) - pd.Timedelta(seconds=window)))
    category, categories = pd.factorize(pd.Series([o.category for o in orders], dtype=object))
    place = pd.factorize(pd.Series([o.community or o.street or o.district for o in orders], dtype=object))[0]
    enough = max(rules.min_places, _places_needed(rules))
    fired: dict[tuple[int, int], int] = {}  # (category, piece) -> seconds of its first firing
    for code, docs, _, _, earlier in emerging.piece_uses(owners, codes, seconds, begin, kept, 0, window,
                                                         rules.history_days, enough):
        covered = seconds[docs] - window - np.maximum(since, seconds[docs] - window - rules.history_days * DAY)
        judgeable = (earlier <= rules.floor_per_day * covered / DAY) & (covered >= rules.min_history_days * DAY)
        if not judgeable.any():
            continue
        for c in np.unique(category[docs[judgeable]]):
            first = _first_firing(docs, judgeable, category[docs] == c, seconds, place, window, enough) if c >= 0 else None
            if first is not None:
                fired[(int(c), int(code))] = first
    return sorted((w for w in _assemble(orders, owners, codes, category, categories, seconds, fired, rules)
                   if len(w.keys) >= rules.min_orders), key=lambda w: w.start)


def _cut(texts: list[str], drop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pieces.cut of many texts, a chunk at a time: cutting a year at once held ~30 bytes per character."""
    parts = []
    for first in range(0, len(texts), CUT_CHUNK):
        owners, codes = pieces.cut(texts[first:first + CUT_CHUNK], drop)
        parts.append(((owners + first).astype(np.int32), codes))
    if not parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int64)
    owners, codes = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    del parts  # a year at 10M orders is ~10^8 pieces: no array is held twice longer than needed
    # Stable: the chunks come in text order, so within a piece the texts stay ascending.
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    return owners[order], codes


def _first_firing(docs: np.ndarray, judgeable: np.ndarray, mine: np.ndarray, seconds: np.ndarray,
                  place: np.ndarray, window: int, enough: int) -> int | None:
    """When a piece first reaches `enough` places of one category within a window while it is new, or None."""
    docs, judgeable = docs[mine], judgeable[mine]
    times = seconds[docs]
    in_window = np.arange(len(times)) - np.searchsorted(times, times - window, side="right") + 1
    # Orders are a cheap upper bound on places: only where they could fire are places counted.
    for k in np.flatnonzero(judgeable & (in_window >= enough)):
        if len(set(place[docs[k - in_window[k] + 1:k + 1]].tolist())) >= enough:
            return int(times[k])
    return None


@cache
def _places_needed(rules: WaveRules) -> int:
    """The fewest places in a window that a piece at the floor rate reaches with probability under alpha."""
    return int(poisson.isf(rules.alpha, rules.floor_per_day * rules.window_days)) + 1


def _assemble(orders: list, owners: np.ndarray, codes: np.ndarray, category: np.ndarray, categories,
              seconds: np.ndarray, fired: dict, rules: WaveRules) -> list[Wave]:
    # All fired pieces of a category are read as one vocabulary: a new problem is worded several ways
    # (共享电单车 / 共享电动车 share no four characters), and two new problems in one category at the
    # same time are rare enough; silences split waves that come at different times.
    if not fired:
        return []
    hits: dict[int, list[int]] = defaultdict(list)  # order -> its fired pieces
    window = rules.window_days * DAY
    for i in np.flatnonzero(np.isin(codes, np.array([code for _, code in fired], dtype=np.int64))):
        doc, code = int(owners[i]), int(codes[i])
        at = fired.get((int(category[doc]), code))
        if at is not None and at - window <= seconds[doc]:
            hits[doc].append(code)
    out = []
    for c in sorted({c for c, _ in fired}):
        members = sorted(d for d, found in hits.items() if category[d] == c and len(found) >= rules.min_pieces)
        run: list[int] = []
        for i in members:
            if run and seconds[i] - seconds[run[-1]] > rules.gap_days * DAY:
                out.append(_wave(str(categories[c]), orders, run, hits))
                run = []
            run.append(i)
        if run:
            out.append(_wave(str(categories[c]), orders, run, hits))
    return out


def _wave(category: str, orders: list, members: list[int], hits: Mapping[int, list[int]]) -> Wave:
    counts: dict[int, int] = defaultdict(int)
    parts: dict[str, list[str]] = defaultdict(list)
    for i in members:
        for code in hits.get(i, ()):
            counts[code] += 1
        parts[orders[i].street or orders[i].district or ""].append(orders[i].key)
    chosen = [orders[i] for i in members]
    return Wave(category=category, start=chosen[0].at, end=chosen[-1].at, keys=[o.key for o in chosen],
                pieces=[pieces.decode(code) for code in sorted(counts, key=lambda code: -counts[code])[:5]],
                parts=dict(parts), districts=sorted({o.district for o in chosen if o.district}))


@dataclass(frozen=True)
class SurgeRules:
    """What makes a district surge: one district calling about a category far above its share of the city."""

    window_days: int = 3
    alpha: float = 1e-8
    min_ratio: float = 3.0  # and this many times what the rest of the city's calls and its usual share imply
    min_orders: int = 15
    usual_days: int = 56  # the kept days before a batch that its districts' usual shares are read from


def district_surges(orders: Sequence, rules: SurgeRules = SurgeRules(), explained: frozenset = frozenset(),
                    before: CityHistory | None = None) -> list[Wave]:
    """Districts calling about one category far above their usual share of the city, each with that
    category's orders there on the surge's days (no pieces: the words are the category's usual ones).

    The expectation is the rest of the city's calls on the same days times the district's usual share
    (over the batch, the surge included, which only makes the test stricter, and the kept days
    `before` it), so a season that raises the whole city is no surge. Orders in `explained` (a local
    burst already found) are left out of the count, so one community's burst does not make its
    district surge. The batch is counted once into a (category, district, day) array.
    """
    counted = sorted((o for o in orders if o.category and o.district and o.key not in explained), key=lambda o: o.at)
    if not counted:
        return []
    first = counted[0].at.date()
    day = np.array([(o.at.date() - first).days for o in counted])
    c_index, categories = pd.factorize(pd.Series([o.category for o in counted], dtype=object))
    d_index, districts = pd.factorize(pd.Series([o.district for o in counted], dtype=object))
    counts = np.zeros((len(categories), len(districts), int(day[-1]) + 1))
    np.add.at(counts, (c_index, d_index, day), 1)
    usual = counts.sum(axis=2)
    for (category, district), n in (before.district_counts.items() if before else ()):
        if category in categories and district in districts:
            usual[categories.get_loc(category), districts.get_loc(district)] += n
    cell = c_index * len(districts) + d_index
    by_cell = np.argsort(cell, kind="stable")  # each cell's orders in time order, found by one search
    sorted_cells = cell[by_cell]
    kernel = np.ones(rules.window_days)
    found = []
    for c, category in enumerate(categories):
        if counts[c].sum() < rules.min_orders:
            continue
        city = np.convolve(counts[c].sum(axis=0), kernel)[:counts.shape[2]]
        for d, district in enumerate(districts):
            share = usual[c, d] / usual[c].sum()
            if share >= 1:
                continue  # a category only ever called about from one district has nothing to compare with
            here = np.convolve(counts[c, d], kernel)[:counts.shape[2]]
            # The district's share of the window's calls against its usual share (binomial tail).
            expected = (city - here) * share / (1 - share)
            surging = (here >= rules.min_orders) & (here >= rules.min_ratio * np.maximum(expected, 1)) \
                & (binom.sf(here - 1, city.astype(int), share) < rules.alpha)
            key = c * len(districts) + d
            mine = by_cell[np.searchsorted(sorted_cells, key):np.searchsorted(sorted_cells, key, side="right")]
            for lo, hi in _runs(surging):
                members = [counted[i] for i in mine if lo - rules.window_days + 1 <= day[i] <= hi]
                found.append(_wave(str(category), members, list(range(len(members))), {}))
    return found


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.flatnonzero(np.diff(np.r_[0, flags.astype(int), 0]))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]
