"""Emerging problems counted with array operations agree with counting by hand (or by pandas, as before)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotline.foresight import emerging

BEGIN = pd.Timestamp("2024-03-01")
WINDOW = 2 * 86400
HISTORY_DAYS = 20


def _random_cut(seed: int):
    """(owners, codes, seconds) as pieces.cut gives them for texts in time order, with ties of time."""
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.integers(0, 40 * 86400, 300)) // 3600 * 3600  # whole hours: many ties
    owners = rng.integers(0, len(seconds), 2000)
    codes = rng.integers(0, 300, len(owners)) * 7919
    pairs = np.unique(np.stack([codes, owners]), axis=1)  # sorted by code then text, each pair once
    return pairs[1], pairs[0], seconds


def _by_hand(owners, codes, seconds, kept, first_judged, min_judged):
    """The definition, one judged use at a time."""
    rows = []
    for code in np.unique(codes):
        docs = owners[codes == code]
        judged = [i for i, d in enumerate(docs) if d >= first_judged]
        if len(judged) < min_judged:
            continue
        times = seconds[docs]
        for i in judged:
            t = times[i]
            recent = sum(1 for k in range(i + 1) if times[k] > t - WINDOW)
            earlier = float(sum(1 for s in times if t - WINDOW - HISTORY_DAYS * 86400 <= s <= t - WINDOW))
            moment = np.array([np.datetime64(BEGIN, "ns") + np.timedelta64(int(t - WINDOW), "s")])
            if kept(np.array([code]), moment)[0]:
                earlier = np.inf
            rows.append((int(code), int(docs[i]), recent, earlier))
    return rows


def test_all_pieces_at_once_count_what_each_use_counted_alone_gives():
    for seed in range(4):
        owners, codes, seconds = _random_cut(seed)
        runs = pd.DataFrame({"piece": np.unique(codes)[::5], "first_day": pd.Timestamp("2023-01-01"),
                             "last_day": pd.Timestamp("2024-03-05")})
        kept = emerging.used_before(runs, BEGIN, HISTORY_DAYS)
        first_judged = 120
        uses = emerging.judged_uses(owners, codes, seconds, BEGIN, kept, first_judged, WINDOW, HISTORY_DAYS, 3)
        got = [(int(codes[a]), int(owners[a]), int(r), float(e)) for a, r, e in zip(uses.at, uses.recent, uses.earlier)]
        expected = _by_hand(owners, codes, seconds, kept, first_judged, 3)
        assert got == expected
        earliers = [e for *_, e in got]
        assert 0 in earliers and np.inf in earliers and any(0 < e < np.inf for e in earliers)
        # The per-piece view hands out the same uses, piece by piece.
        flat = [(int(code), int(docs[i]), int(r), float(e))
                for code, docs, judged, recent, earlier in emerging.piece_uses(
                    owners, codes, seconds, BEGIN, kept, first_judged, WINDOW, HISTORY_DAYS, 3)
                for i, r, e in zip(judged, recent, earlier)]
        assert flat == expected


def test_no_pieces_no_uses():
    empty = np.zeros(0, np.int64)
    kept = emerging.used_before(pd.DataFrame({"piece": empty, "first_day": pd.to_datetime([]),
                                              "last_day": pd.to_datetime([])}), BEGIN, HISTORY_DAYS)
    uses = emerging.judged_uses(empty, empty, empty, BEGIN, kept, 0, WINDOW, HISTORY_DAYS, 2)
    assert len(uses.at) == 0 and list(emerging.piece_uses(empty, empty, empty, BEGIN, kept, 0, WINDOW, HISTORY_DAYS, 2)) == []


def test_commonest_value_and_share_as_pandas_counts_them():
    rng = np.random.default_rng(3)
    for size in (1, 2, 5, 40, 200):
        for _ in range(50):
            choices = np.array(["a", "b", "c", None, "d"] + [f"x{i}" for i in range(20)], dtype=object)
            values = rng.choice(choices, size)
            ranked = pd.Series(values, dtype=object).dropna().value_counts()
            expected = (ranked.index[0], float(ranked.iloc[0] / ranked.sum())) if len(ranked) else (None, 0.0)
            assert emerging._mode_share(values) == expected
