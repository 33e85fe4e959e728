"""Reads for foresight: orders, daily and hourly counts, calls and shifts, as DataFrames (read-only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, bindparam, text

from hotline.calendar import WorkCalendar
from hotline.foresight.daytypes import day_kinds

ORDER_COLUMNS = ("number", "created_at", "category", "category_l1", "district", "street", "community",
                 "citizen_phone", "department", "status", "closed_at", "address", "content",
                 "satisfaction", "reopen_count")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_KEYS_PER_QUERY = 500


def _times(series: pd.Series) -> pd.Series:
    """Timestamps from either backend (SQLite hands back text, PostgreSQL datetimes)."""
    if series.dtype == object:
        return pd.to_datetime(series, format=_TIME_FORMAT, errors="coerce")
    return pd.to_datetime(series)


def _bucket(engine: Engine, column: str, unit: str) -> str:
    """SQL for the day ('YYYY-MM-DD') or hour ('YYYY-MM-DD HH') of a timestamp, per backend."""
    if engine.dialect.name == "sqlite":
        return f"substr({column}, 1, {10 if unit == 'day' else 13})"
    return f"to_char({column}, '{'YYYY-MM-DD' if unit == 'day' else 'YYYY-MM-DD HH24'}')"


def orders_frame(engine: Engine, start: datetime, end: datetime, columns: tuple[str, ...] = ORDER_COLUMNS) -> pd.DataFrame:
    """Orders created in [start, end) with the given columns."""
    sql = text(f"SELECT {', '.join(columns)} FROM work_orders WHERE created_at >= :start AND created_at < :end")
    with engine.connect() as conn:
        frame = pd.read_sql(sql, conn, params={"start": start, "end": end})
    for column in ("created_at", "closed_at"):
        if column in frame:
            frame[column] = _times(frame[column])
    return frame


def fetch(engine: Engine, sql: str) -> pd.DataFrame:
    """Every row of one SELECT of our own (no user input in it) as a frame, fast for many rows.

    PostgreSQL through Arrow (ADBC). SQLite through the process's own sqlite3: a second SQLite
    library in the process (ADBC bundles one) breaks WAL locking there — its reads miss rows
    just written and the next write fails with "disk I/O error".
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            cursor = conn.connection.driver_connection.execute(sql)
            names = [d[0] for d in cursor.description]
            return pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    from hotline.analytics.source import StoreSource

    with StoreSource(engine.url.render_as_string(hide_password=False)) as source:
        return source.fetch(sql).to_pandas()


def read_orders(engine: Engine, start: datetime, end: datetime, columns: tuple[str, ...]) -> pd.DataFrame:
    """Orders created in [start, end) with the given columns, fast for many rows."""
    frame = fetch(engine, f"SELECT {', '.join(columns)} FROM work_orders "
                          f"WHERE created_at >= '{start:%Y-%m-%d %H:%M:%S}' AND created_at < '{end:%Y-%m-%d %H:%M:%S}'")
    for column in columns:
        if column in ("created_at", "closed_at"):
            frame[column] = _times(frame[column])
        elif frame[column].dtype != object:  # a column all NULL comes back typed as numbers
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def read_orders_about(engine: Engine, start: datetime, end: datetime, columns: tuple[str, ...],
                      addresses: list[str], phones: list[str]) -> pd.DataFrame:
    """Orders created in [start, end) about these addresses or from these phones, in creation order."""
    select_from = (f"SELECT {', '.join(columns)}, id AS row_id FROM work_orders WHERE created_at >= "
                   f"'{start:%Y-%m-%d %H:%M:%S}' AND created_at < '{end:%Y-%m-%d %H:%M:%S}' AND ")
    parts = []
    with engine.connect() as conn:
        for column, keys in (("address", addresses), ("citizen_phone", phones)):
            sql = text(f"{select_from}{column} IN :keys").bindparams(bindparam("keys", expanding=True))
            for i in range(0, len(keys), _KEYS_PER_QUERY):
                parts.append(pd.read_sql(sql, conn, params={"keys": keys[i:i + _KEYS_PER_QUERY]}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "created_at" else object) for c in columns})
    # Ties of creation time in the order a read by time gives them (by row id): the samples follow it.
    frame = pd.concat(parts, ignore_index=True).drop_duplicates("row_id")
    frame = frame.sort_values(["created_at", "row_id"], kind="stable", ignore_index=True).drop(columns="row_id")
    for column in ("created_at", "closed_at"):
        if column in frame:
            frame[column] = _times(frame[column])
    return frame


def backlog_orders(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Orders created in [start, end) that a backlog counts (backlog.counted): department, created_at, closed_at."""
    # Seconds since 1970 rather than texts: about half the cost of a million rows, and no parsing.
    epoch = ("unixepoch({})" if engine.dialect.name == "sqlite" else "CAST(extract(epoch FROM {}) AS bigint)").format
    frame = fetch(engine, f"SELECT department, {epoch('created_at')} AS created_at, {epoch('closed_at')} AS closed_at "
                          f"FROM work_orders WHERE created_at >= '{start:%Y-%m-%d %H:%M:%S}' "
                          f"AND created_at < '{end:%Y-%m-%d %H:%M:%S}' AND department IS NOT NULL AND status <> 'merged'")
    open_ = frame["closed_at"].isna().to_numpy()
    frame["created_at"] = frame["created_at"].to_numpy(np.int64).astype("datetime64[s]").astype("datetime64[ns]")
    closed = frame["closed_at"].fillna(0).to_numpy(np.int64).astype("datetime64[s]").astype("datetime64[ns]")
    closed[open_] = np.datetime64("NaT")
    frame["closed_at"] = closed
    return frame


def daily_counts(engine: Engine, start: datetime, end: datetime, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Orders per day (and per the `by` columns) created in [start, end): ds, *by, y."""
    day = _bucket(engine, "created_at", "day")
    keys = "".join(f", {c}" for c in by)
    sql = text(f"SELECT {day} AS ds{keys}, count(*) AS y FROM work_orders "
               f"WHERE created_at >= :start AND created_at < :end GROUP BY {day}{keys}")
    with engine.connect() as conn:
        frame = pd.read_sql(sql, conn, params={"start": start, "end": end})
    frame["ds"] = pd.to_datetime(frame["ds"])
    frame["y"] = frame["y"].astype(float)
    return frame


def hourly_counts(engine: Engine, start: datetime, end: datetime, table: str = "work_orders",
                  column: str = "created_at") -> pd.DataFrame:
    """Rows per hour created in [start, end): ds (hour), y."""
    hour = _bucket(engine, column, "hour")
    sql = text(f"SELECT {hour} AS ds, count(*) AS y FROM {table} "
               f"WHERE {column} >= :start AND {column} < :end GROUP BY {hour}")
    with engine.connect() as conn:
        frame = pd.read_sql(sql, conn, params={"start": start, "end": end})
    frame["ds"] = pd.to_datetime(frame["ds"], format="%Y-%m-%d %H")
    frame["y"] = frame["y"].astype(float)
    return frame


def calls_per_slot(engine: Engine, start: datetime, end: datetime, minutes: int = 30) -> pd.DataFrame:
    """Calls offered in [start, end) per slot of `minutes` (slots start at midnight): ds (slot start), y.

    Only slots with calls. SQLite counts each slot's range of the queued_at index (a year of 1.5 M
    calls: 0.09 s, against 0.5 s for a GROUP BY, which sorts every row's slot); PostgreSQL (14 or
    later, for date_bin) groups the rows by slot: 0.17 s, where counting ranges took 0.1-0.6 s
    depending on whether VACUUM had marked the pages all-visible.
    """
    minutes = int(minutes)
    if engine.dialect.name == "sqlite":
        midnight = datetime.combine(start.date(), datetime.min.time())
        first = midnight + (start - midnight) // timedelta(minutes=minutes) * timedelta(minutes=minutes)
        step = f"'+{minutes} minutes'"
        sql = text(f"WITH RECURSIVE slots(t) AS (SELECT datetime(:first) UNION ALL SELECT datetime(t, {step}) "
                   f"FROM slots WHERE datetime(t, {step}) < :end) "
                   f"SELECT t AS ds, (SELECT count(*) FROM call_records WHERE queued_at >= max(t, :start) "
                   f"AND queued_at < min(datetime(t, {step}), :end)) AS y FROM slots")
        params = {"first": first.strftime(_TIME_FORMAT), "start": start.strftime(_TIME_FORMAT),
                  "end": end.strftime(_TIME_FORMAT)}
    else:
        slot = f"date_bin(INTERVAL '{minutes} minutes', queued_at, TIMESTAMP '2000-01-01 00:00:00')"
        sql = text(f"SELECT {slot} AS ds, count(*) AS y FROM call_records "
                   f"WHERE queued_at >= :start AND queued_at < :end GROUP BY {slot}")
        params = {"start": start, "end": end}
    with engine.connect() as conn:
        frame = pd.read_sql(sql, conn, params=params)
    frame = frame[frame["y"] > 0].sort_values("ds", ignore_index=True)
    return frame.assign(ds=_times(frame["ds"]), y=frame["y"].astype(np.int64))


def recent_talk(engine: Engine, start: datetime, end: datetime, last: int = 20000) -> tuple[int, int]:
    """Of the newest `last` answered calls with talk offered in [start, end): how many, and their talk seconds.

    Newest by queue time, ties by id: the order in which a read by time (SQLite's, through the
    queued_at index) gives the rows.
    """
    sql = text("SELECT count(*), sum(talk_seconds) FROM (SELECT talk_seconds FROM call_records "
               "WHERE queued_at >= :start AND queued_at < :end AND answered AND talk_seconds > 0 "
               "ORDER BY queued_at DESC, id DESC LIMIT :last) AS recent")
    with engine.connect() as conn:
        calls, seconds = conn.execute(sql, {"start": start, "end": end, "last": last}).one()
    return int(calls), int(seconds or 0)


def shifts_frame(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Agents' shifts overlapping [start, end): agent, start_at, end_at."""
    sql = text("SELECT agent, start_at, end_at FROM agent_shifts WHERE end_at > :start AND start_at < :end")
    with engine.connect() as conn:
        frame = pd.read_sql(sql, conn, params={"start": start, "end": end})
    for column in ("start_at", "end_at"):
        frame[column] = _times(frame[column])
    return frame


def data_span(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """The first and last order creation times in the store."""
    # Two queries: SQLite answers a lone min() or max() from the index, both together by a full scan.
    with engine.connect() as conn:
        first = conn.execute(text("SELECT min(created_at) FROM work_orders")).scalar()
        last = conn.execute(text("SELECT max(created_at) FROM work_orders")).scalar()
    to_time = lambda v: None if v is None else (v if isinstance(v, datetime) else datetime.strptime(str(v)[:19], _TIME_FORMAT))  # noqa: E731
    return to_time(first), to_time(last)


def kinds_between(calendar: WorkCalendar, first: date, last: date) -> pd.Series:
    """Kinds of day from first to last inclusive (see daytypes)."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return day_kinds(days, calendar)
