"""What history says, in the compact forms the detectors read: day tallies and piece runs; pure.

Tallies (kind, day, key, count), per day:
- category: orders per category (the surge baseline's daily series);
- hour: orders with a category per hour of the day, key "00".."23" (the baseline's hour profile);
- cell: citizens per category × place, key "category|district|street|community", a citizen counted
  once per category, community (or street) and day (places' shares of their category);
- address: distinct citizens per address (hot spots);
- caller: orders per phone (repeat callers).

Piece runs (piece, first_day, last_day): the days over which a four-character piece was in use, a
new run starting after a gap of RUN_GAP_DAYS or more. Because uses inside a run are less than a
year apart, "was this piece used in the year before?" is answered exactly from the runs alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotline.foresight import pieces

RUN_GAP_DAYS = 365
KEY_SEPARATOR = "|"
TALLY_COLUMNS = ("kind", "day", "key", "count")
KINDS = ("category", "hour", "cell", "address", "caller")
TALLIED_COLUMNS = ("created_at", "category", "district", "street", "community", "citizen_phone", "address")
HOURS = np.array([f"{h:02d}" for h in range(24)], dtype=object)


def citizens_once(orders: pd.DataFrame) -> pd.DataFrame:
    """Drop a citizen's further orders of the same category, place and day (repeat callers)."""
    key = [orders["citizen_phone"], orders["category"], orders["community"].fillna(orders["street"]),
           orders["created_at"].dt.normalize()]
    # Integer codes first: comparing rows of texts is what made this slow on a month of a big city.
    codes = pd.DataFrame({i: pd.factorize(k, use_na_sentinel=False)[0] for i, k in enumerate(key)})
    return orders[~codes.duplicated().to_numpy()]


def cell_key(frame: pd.DataFrame) -> np.ndarray:
    """category|district|street|community, empty where unknown (each distinct cell joined once)."""
    parts = frame[["category", "district", "street", "community"]].fillna("").astype(str)
    codes, cells = pd.factorize(pd.MultiIndex.from_frame(parts))
    return np.array([KEY_SEPARATOR.join(cell) for cell in cells], dtype=object)[codes]


def tallies(orders: pd.DataFrame, kinds: tuple[str, ...] = KINDS) -> pd.DataFrame:
    """Tallies of these kinds of the orders (TALLIED_COLUMNS)."""
    if orders.empty:
        return empty_tallies()
    day = orders["created_at"].dt.normalize()
    parts = []
    known = orders["category"].notna() if {"category", "hour"} & set(kinds) else None
    if "category" in kinds:
        parts.append(_count("category", day[known], orders.loc[known, "category"]))
    if "hour" in kinds:
        parts.append(_count("hour", day[known], HOURS[orders.loc[known, "created_at"].dt.hour.to_numpy()]))
    if "cell" in kinds:
        once = citizens_once(orders)
        once = once[once["category"].notna()]
        parts.append(_count("cell", once["created_at"].dt.normalize(), cell_key(once)))
    if {"address", "caller"} & set(kinds):  # each text hashed once: this is most of the cost on a big month
        phone, phones = pd.factorize(orders["citizen_phone"].to_numpy(), use_na_sentinel=False)
    if "address" in kinds:
        addressed = (orders["address"].fillna("") != "").to_numpy()
        address, addresses = pd.factorize(orders["address"].to_numpy()[addressed], use_na_sentinel=False)
        days = day.to_numpy()[addressed]
        # A citizen once per address and day.
        once = ~pd.DataFrame({"address": address, "phone": phone[addressed], "day": days}).duplicated().to_numpy()
        parts.append(_counted("address", days[once], address[once], addresses))
    if "caller" in kinds:
        parts.append(_counted("caller", day.to_numpy(), phone, phones))
    return pd.concat(parts, ignore_index=True)


def stacked(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Tallies one after another; empty parts are left out (pandas warns about their dtypes)."""
    full = [p for p in parts if len(p)]
    return pd.concat(full, ignore_index=True) if full else empty_tallies()


def empty_tallies() -> pd.DataFrame:
    """No tallies, with the columns and types of some."""
    return pd.DataFrame({c: [] for c in TALLY_COLUMNS}).astype({"day": "datetime64[ns]", "count": "int64"})


def _count(kind: str, day: pd.Series, key: pd.Series) -> pd.DataFrame:
    # Grouping on integer codes: sorting hundreds of thousands of texts is what made this slow.
    codes, keys = pd.factorize(np.asarray(key), use_na_sentinel=False)
    return _counted(kind, np.asarray(day), codes, keys)


def _counted(kind: str, days: np.ndarray, codes: np.ndarray, keys) -> pd.DataFrame:
    """Tallies of one kind from each row's day and key code (keys[code] its key)."""
    counts = pd.DataFrame({"day": days, "code": codes}).groupby(["day", "code"], sort=False).size()
    frame = counts.rename("count").reset_index()
    return pd.DataFrame({"kind": kind, "day": frame["day"].to_numpy(), "key": np.asarray(keys, dtype=object)[frame["code"].to_numpy()],
                         "count": frame["count"].to_numpy()})


def piece_days(texts: pd.Series, days: pd.Series) -> pd.DataFrame:
    """(piece, day) for each piece used on each day, once."""
    owners, codes = pieces.cut(texts.fillna("").tolist())
    frame = pd.DataFrame({"piece": codes, "day": days.to_numpy()[owners]})
    return frame.drop_duplicates(ignore_index=True)


def runs(uses: pd.DataFrame) -> pd.DataFrame:
    """Runs of use (piece, first_day, last_day) from (piece, day) pairs."""
    if uses.empty:
        return pd.DataFrame({"piece": np.zeros(0, np.int64), "first_day": pd.to_datetime([]),
                             "last_day": pd.to_datetime([])})
    uses = uses.drop_duplicates().sort_values(["piece", "day"], ignore_index=True)
    piece, day = uses["piece"].to_numpy(), uses["day"].to_numpy()
    starts = np.ones(len(uses), bool)
    starts[1:] = (piece[1:] != piece[:-1]) | (day[1:] - day[:-1] >= np.timedelta64(RUN_GAP_DAYS, "D"))
    run = np.cumsum(starts) - 1
    grouped = pd.DataFrame({"run": run, "piece": piece, "day": day}).groupby("run")
    return pd.DataFrame({"piece": grouped["piece"].first(), "first_day": grouped["day"].min(),
                         "last_day": grouped["day"].max()}).reset_index(drop=True)


def extend(kept: pd.DataFrame, later: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fold runs of later days into the kept runs: (kept runs whose last_day moved, new runs).

    Each piece's first later run continues its latest kept run when the gap is under a year.
    """
    if later.empty:
        return later.iloc[:0], later
    latest = kept.sort_values("first_day").groupby("piece").tail(1)
    first_later = later.sort_values("first_day").groupby("piece").head(1)
    joined = first_later.merge(latest, on="piece", suffixes=("", "_kept"))
    gap = joined["first_day"] - joined["last_day_kept"]
    joins = joined[gap < pd.Timedelta(days=RUN_GAP_DAYS)]
    moved = pd.DataFrame({"piece": joins["piece"], "first_day": joins["first_day_kept"], "last_day": joins["last_day"]})
    continued = pd.MultiIndex.from_frame(joins[["piece", "first_day"]])
    fresh = later[~pd.MultiIndex.from_frame(later[["piece", "first_day"]]).isin(continued)]
    return moved.reset_index(drop=True), fresh.reset_index(drop=True)
