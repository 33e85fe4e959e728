"""History kept once in the store (day tallies, piece runs), brought up to date before each scan.

Only complete days are kept: a day counts as complete once the store holds an order of a later day.
Orders registered later with an earlier creation time are not added to days already kept.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, bindparam, delete, insert, select, text, update

from hotline.db import WRITE_INTENT
from hotline.foresight import emerging, history
from hotline.foresight.models import DayTally, HistoryState, PieceRun
from hotline.foresight.queries import data_span, fetch, read_orders

STATE = "history"
BATCH_DAYS = 7
READ_COLUMNS = ("created_at", "category", "district", "street", "community", "citizen_phone", "address",
                "summary", "content")
_CHUNK = 500
MANY_KEYS = 2_000


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


class Ledger:
    """Keeps the tallies and piece runs of the store's complete days, and reads them back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def span(self) -> tuple[date, date] | None:
        """(first day, last day) kept, or None when nothing is."""
        with self.engine.connect() as conn:
            row = conn.execute(select(HistoryState.first_day, HistoryState.through_day)
                               .where(HistoryState.name == STATE)).first()
        return (row[0], row[1]) if row else None

    def catch_up(self, need_from: date, until: date | None = None) -> int:
        """Keep every complete day from need_from (or the store's first day) on, up to `until` at most;
        the number of days added."""
        first, last = data_span(self.engine)
        if last is None:
            return 0
        need_from, last_complete = max(need_from, first.date()), last.date() - timedelta(days=1)
        if until is not None:
            last_complete = min(last_complete, until)
        kept = self.span()
        if kept is None or need_from < kept[0]:
            self._reset(need_from)
            begin = need_from
        else:
            begin = kept[1] + timedelta(days=1)
        runs = self.piece_runs() if begin <= last_complete else None
        added = 0
        while begin <= last_complete:
            upto = min(begin + timedelta(days=BATCH_DAYS), last_complete + timedelta(days=1))
            orders = read_orders(self.engine, _midnight(begin), _midnight(upto), READ_COLUMNS)
            later = history.runs(history.piece_days(emerging.texts(orders), orders["created_at"].dt.normalize()))
            moved, fresh = history.extend(runs, later)
            if self._write(begin, upto, history.tallies(orders), moved, fresh):
                runs = _folded(runs, moved, fresh)
                added += (upto - begin).days
            else:  # another process kept these days meanwhile
                runs = self.piece_runs()
            begin = upto
        return added

    def _reset(self, first_day: date) -> None:
        with self.engine.connect().execution_options(**{WRITE_INTENT: True}) as conn, conn.begin():
            for table in (DayTally, PieceRun, HistoryState):
                conn.execute(delete(table))
            conn.execute(insert(HistoryState).values(name=STATE, first_day=first_day,
                                                     through_day=first_day - timedelta(days=1)))

    def _write(self, begin: date, upto: date, counted: pd.DataFrame, moved: pd.DataFrame, fresh: pd.DataFrame) -> bool:
        """Store one batch of days in one transaction, unless another writer already did or moved the kept days."""
        with self.engine.connect().execution_options(**{WRITE_INTENT: True}) as conn, conn.begin():
            through = conn.execute(select(HistoryState.through_day).where(HistoryState.name == STATE)
                                   .with_for_update()).scalar()
            # Only a batch that continues the kept days exactly: two writers (the alert scan and an
            # incidents request) may interleave a reset and batches, and a gap would pass for kept days.
            if through is None or through != begin - timedelta(days=1):
                return False
            # Straight to the driver: hundreds of thousands of rows per batch on a big store.
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            if len(counted):
                conn.exec_driver_sql(f"INSERT INTO foresight_tallies (kind, day, key, count) "
                                     f"VALUES ({mark}, {mark}, {mark}, {mark})",
                                     list(zip(counted["kind"], _dates(counted["day"]), counted["key"],
                                              counted["count"].astype(int).tolist())))
            if len(moved):
                conn.exec_driver_sql(f"UPDATE foresight_piece_runs SET last_day = {mark} "
                                     f"WHERE piece = {mark} AND first_day = {mark}",
                                     list(zip(_dates(moved["last_day"]), moved["piece"].astype(int).tolist(),
                                              _dates(moved["first_day"]))))
            if len(fresh):
                conn.exec_driver_sql(f"INSERT INTO foresight_piece_runs (piece, first_day, last_day) "
                                     f"VALUES ({mark}, {mark}, {mark})",
                                     list(zip(fresh["piece"].astype(int).tolist(), _dates(fresh["first_day"]),
                                              _dates(fresh["last_day"]))))
            conn.execute(update(HistoryState).where(HistoryState.name == STATE)
                         .values(through_day=upto - timedelta(days=1)))
        return True

    def tallies(self, kinds: tuple[str, ...], first_day: date, upto_day: date) -> pd.DataFrame:
        """Tallies of these kinds for days in [first_day, upto_day): kind, day, key, count."""
        names = ", ".join(f"'{k}'" for k in kinds if k.isalpha())  # our own constants, never user input
        return _dated(fetch(self.engine, f"SELECT kind, day, key, count FROM foresight_tallies WHERE kind IN ({names}) "
                                         f"AND day >= '{first_day.isoformat()}' AND day < '{upto_day.isoformat()}'"))

    def tallies_summed(self, kind: str, first_day: date, upto_day: date, daily: list[tuple[date, date]]) -> pd.DataFrame:
        """Tallies of one kind for days in [first_day, upto_day): those inside the sorted spans [from, upto)
        of `daily` one day at a time, those of each stretch between summed per key onto its first day there
        (a day with a tally, so that no tally is dated before the store's first order)."""
        edges = [first_day, *[d for span in daily for d in span], upto_day]
        parts = []
        for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
            lo, hi = max(lo, first_day), min(hi, upto_day)
            if lo >= hi:
                continue
            where = f"kind = '{kind}' AND day >= '{lo.isoformat()}' AND day < '{hi.isoformat()}'"
            parts.append(f"SELECT day, key, count FROM foresight_tallies WHERE {where}" if i % 2 else
                         f"SELECT min(day) AS day, key, sum(count) AS count FROM foresight_tallies "
                         f"WHERE {where} GROUP BY key")
        if not parts:
            return self.tallies((kind,), first_day, first_day)
        # The kind is the same on every row: added here, not read hundreds of thousands of times.
        frame = fetch(self.engine, " UNION ALL ".join(parts))
        frame.insert(0, "kind", kind)
        return _dated(frame)

    def tallies_of(self, kind: str, keys: list[str], first_day: date, upto_day: date) -> pd.DataFrame:
        """Tallies of one kind for some keys (e.g. addresses), days in [first_day, upto_day)."""
        if len(keys) > MANY_KEYS:  # reading the whole kind and filtering beats thousands of lookups
            every = self.tallies((kind,), first_day, upto_day)
            return every[every["key"].isin(keys)].reset_index(drop=True)
        sql = text("SELECT kind, day, key, count FROM foresight_tallies WHERE kind = :kind AND key IN :keys "
                   "AND day >= :first AND day < :upto").bindparams(bindparam("keys", expanding=True))
        parts = []
        with self.engine.connect() as conn:
            for i in range(0, len(keys), _CHUNK):
                parts.append(pd.read_sql(sql, conn, params={"kind": kind, "keys": keys[i:i + _CHUNK],
                                                            "first": first_day, "upto": upto_day}))
        return _dated(pd.concat(parts, ignore_index=True) if parts else history.empty_tallies())

    def totals(self, kind: str, keys: list[str], first_day: date, upto_day: date) -> pd.Series:
        """Per key of one kind among `keys`, its counts summed over days [first_day, upto_day), indexed by
        key; a key with no tally there is left out."""
        if first_day >= upto_day or not keys:
            return pd.Series([], index=pd.Index([], dtype=object), dtype="int64")
        if len(keys) > MANY_KEYS:  # one pass over the kind's days beats thousands of lookups
            frame = fetch(self.engine, f"SELECT key, sum(count) AS count FROM foresight_tallies WHERE kind = '{kind}' "
                                       f"AND day >= '{first_day.isoformat()}' AND day < '{upto_day.isoformat()}' GROUP BY key")
            frame = frame[frame["key"].isin(keys)]
        else:
            sql = text("SELECT key, sum(count) AS count FROM foresight_tallies WHERE kind = :kind AND key IN :keys "
                       "AND day >= :first AND day < :upto GROUP BY key").bindparams(bindparam("keys", expanding=True))
            with self.engine.connect() as conn:
                frame = pd.concat([pd.read_sql(sql, conn, params={"kind": kind, "keys": keys[i:i + _CHUNK],
                                                                  "first": first_day, "upto": upto_day})
                                   for i in range(0, len(keys), _CHUNK)], ignore_index=True)
        return pd.Series(frame["count"].to_numpy(np.int64), index=pd.Index(frame["key"], dtype=object))

    def piece_runs(self) -> pd.DataFrame:
        """Every piece run: piece, first_day, last_day."""
        frame = fetch(self.engine, "SELECT piece, first_day, last_day FROM foresight_piece_runs")
        frame["piece"] = frame["piece"].astype("int64")
        for column in ("first_day", "last_day"):
            frame[column] = pd.to_datetime(frame[column])
        return frame


def _dates(days: pd.Series) -> list:
    """Python dates for the driver, each distinct day converted once."""
    codes, distinct = pd.factorize(pd.to_datetime(days))
    return np.array([d.date() for d in distinct], dtype=object)[codes].tolist()


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    if frame["day"].dtype == object and len(frame):  # text or dates: few distinct days, each converted once
        codes, days = pd.factorize(frame["day"])
        frame["day"] = pd.to_datetime(pd.Series(days.astype(str))).to_numpy()[codes]
    else:
        frame["day"] = pd.to_datetime(frame["day"])
    frame["count"] = frame["count"].astype("int64")
    return frame


def _folded(runs: pd.DataFrame, moved: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """The kept runs after a batch: moved runs replaced, fresh ones added."""
    if len(moved):
        index = pd.MultiIndex.from_frame(runs[["piece", "first_day"]])
        runs = runs[~index.isin(pd.MultiIndex.from_frame(moved[["piece", "first_day"]]))]
    parts = [p for p in (runs, moved, fresh) if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else runs
