"""Places' shares of their category, summed with array operations, agree with summing the tallies by pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotline.foresight import surges

DAY0 = pd.Timestamp("2025-01-01")
CATEGORIES = ["0101", "0201", "0304"]


def _cells(seed: int) -> pd.DataFrame:
    """Cell tallies with unknown places (empty), an unknown category and days before DAY0."""
    rng = np.random.default_rng(seed)
    streets = ["6203020010", "6203020020", ""]
    keys = [f"{c}|620302|{s}|{s}00{k}" if s else f"{c}|620302||" for c in [*CATEGORIES, "9999"] for s in streets
            for k in range(3)]
    n = 3000
    return pd.DataFrame({"kind": "cell", "day": DAY0 + pd.to_timedelta(rng.integers(-3, 40, n), "D"),
                         "key": rng.choice(np.array(keys, dtype=object), n), "count": rng.integers(1, 5, n)})


def test_shares_sum_what_a_group_by_of_the_tallies_sums():
    for seed in range(3):
        cells = _cells(seed)
        tallied = surges._CellTallies(cells, CATEGORIES, DAY0)
        parts = cells["key"].str.split("|", expand=True)
        frame = pd.DataFrame({"cat": parts[0], "district": parts[1], "street": parts[2], "community": parts[3],
                              "day": (cells["day"] - DAY0).dt.days, "count": cells["count"]})
        frame = frame[frame["cat"].isin(CATEGORIES) & (frame["day"] >= 0)]
        for level in surges.PLACE_LEVELS:
            shares = surges._Shares(tallied, level, len(CATEGORIES), 41)
            mine = frame[frame[level] != ""]
            per_cat = mine.groupby("cat")[level].nunique()
            assert shares.places_per_cat.tolist() == [float(per_cat.get(c, 1)) for c in CATEGORIES]
            names = np.array([*mine[level].unique(), "", "nowhere"], dtype=object)
            for lo, hi in ((0, 40), (5, 12), (30, 31)):
                for cat_number, category in enumerate(CATEGORIES):
                    codes = shares.codes(names)
                    got = shares.own(np.full(len(names), cat_number), codes, np.full(len(names), lo),
                                     np.full(len(names), hi))
                    inside = mine[(mine["cat"] == category) & (mine["day"] >= lo) & (mine["day"] < hi)]
                    sums = inside.groupby(level)["count"].sum()
                    assert got.tolist() == [float(sums.get(name, 0)) if name else 0.0 for name in names]
