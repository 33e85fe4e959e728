"""Call figures rolled up by half-hour and by agent and day, kept fresh with the calls.

Calls are filtered by time only, so a window's figures are the sums of the rollup rows of the half-hours
(days, for agents) wholly inside it, plus the calls of its partial half-hours (days) at either edge,
read from call_records. A year is then ~17,500 half-hour rows whatever the call volume. Every figure is
a count or a sum (calls.PARTS), so the sums equal the counts over the calls themselves.

Freshness: after each pull the engine recomputes the rollup rows of the half-hours (days) that gained
calls or whose missed calls were called back (`touch`), from the copy's calls.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.analytics.schema import CopiedTable

HALF = "time_bucket(INTERVAL 30 MINUTE, queued_at)"  # the same buckets as calls' peak intervals
DAY = "date_trunc('day', queued_at)"
PART_NAMES = ("offered", "answered", "answered_fast", "wait_answered", "talk", "wait_abandoned", "missed_open")
_PARTS_DDL = tuple((n, "BIGINT") for n in PART_NAMES)
BY_HALF_HOUR = CopiedTable("calls_by_half_hour", (("start", "TIMESTAMP"), *_PARTS_DDL), "rollup")
BY_AGENT_DAY = CopiedTable("calls_by_agent_day", (("day", "TIMESTAMP"), ("agent", "VARCHAR"), *_PARTS_DDL), "rollup")
TABLES = (BY_HALF_HOUR, BY_AGENT_DAY)
SUMS = ", ".join(f"coalesce(sum({n}), 0)::BIGINT AS {n}" for n in PART_NAMES)


def _raw_parts() -> str:
    from hotline.analytics.calls import PARTS  # the definitions of the parts; calls imports this module

    return ", ".join(PARTS)


def fill(con, suffix: str) -> bool:
    """Create the rollups if missing (a copy from before them) and fill them from every copied call if
    they are empty; whether it filled them."""
    for table in TABLES:
        con.execute(table.ddl.replace(f"EXISTS {table.name} (", f"EXISTS {table.name}{suffix} ("))
    if con.execute(f"SELECT count(*) FROM calls_by_half_hour{suffix}").fetchone()[0]:
        return False
    con.execute("BEGIN")
    con.execute(f"INSERT INTO calls_by_half_hour{suffix} SELECT {HALF}, {_raw_parts()} "
                f"FROM call_records{suffix} GROUP BY 1")
    con.execute(f"INSERT INTO calls_by_agent_day{suffix} SELECT {DAY}, agent, {_raw_parts()} "
                f"FROM call_records{suffix} GROUP BY 1, 2")
    con.execute("COMMIT")
    return True


def touch(con, suffix: str, halves: list[datetime]) -> None:
    """Recompute the rollup rows of these half-hours and of their days from the copied calls."""
    if not halves:
        return
    calls = f"call_records{suffix}"
    days = sorted({h.replace(hour=0, minute=0, second=0, microsecond=0) for h in halves})
    con.execute("BEGIN")  # readers see the old rows or the new ones, never neither
    for table, key, unit, keys, bounds in (
            (f"calls_by_half_hour{suffix}", HALF, timedelta(minutes=30), "1", sorted(set(halves))),
            (f"calls_by_agent_day{suffix}", DAY, timedelta(days=1), "1, 2", days)):
        listed = ", ".join(f"TIMESTAMP '{b.isoformat(sep=' ')}'" for b in bounds)
        column = "start" if "half" in table else "day"
        agent = "" if "half" in table else "agent, "
        con.execute(f"DELETE FROM {table} WHERE {column} IN ({listed})")
        con.execute(
            f"INSERT INTO {table} SELECT {key}, {agent}{_raw_parts()} FROM {calls} "
            f"WHERE queued_at >= ? AND queued_at < ? AND {key} IN ({listed}) GROUP BY {keys}",
            [bounds[0], bounds[-1] + unit])
    con.execute("COMMIT")


def halves_since(con, suffix: str, top_id: int) -> list[datetime]:
    """The half-hours of the calls copied after id `top_id`."""
    return [r[0] for r in con.execute(f"SELECT DISTINCT {HALF} FROM call_records{suffix} WHERE id > ?", [top_id]).fetchall()]


def _ceil(moment: datetime, unit: timedelta) -> datetime:
    floor = _floor(moment, unit)
    return floor if floor == moment else floor + unit


def _floor(moment: datetime, unit: timedelta) -> datetime:
    if unit == timedelta(days=1):
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(minute=30 * (moment.minute // 30), second=0, microsecond=0)


def _windowed(lo: datetime | None, hi: datetime | None, unit: timedelta, rolled: str, column: str,
              raw: str, group: str) -> tuple[str, list]:
    """UNION ALL of the rollup rows wholly inside [lo, hi) and the raw calls at its partial edges."""
    a = _ceil(lo, unit) if lo else None
    b = _floor(hi, unit) if hi else None
    if a is not None and b is not None and a >= b:  # no whole unit inside: the calls themselves
        return (f"SELECT {group}, {_raw_parts()} FROM call_records WHERE queued_at >= ? AND queued_at < ? "
                f"GROUP BY ALL", [lo, hi])
    parts, params = [], []
    inside = " AND ".join(c for c in (f"{column} >= ?" if a else "", f"{column} < ?" if b else "") if c) or "TRUE"
    parts.append(f"SELECT {raw} FROM {rolled} WHERE {inside}")
    params += [x for x in (a, b) if x is not None]
    # Separate scans for each edge: each is a narrow range DuckDB finds by the row groups' min/max.
    if a is not None and lo < a:
        parts.append(f"SELECT {group}, {_raw_parts()} FROM call_records WHERE queued_at >= ? AND queued_at < ? GROUP BY ALL")
        params += [lo, a]
    if b is not None and hi > b:
        parts.append(f"SELECT {group}, {_raw_parts()} FROM call_records WHERE queued_at >= ? AND queued_at < ? GROUP BY ALL")
        params += [b, hi]
    return " UNION ALL ".join(parts), params


def half_hours(lo: datetime | None, hi: datetime | None) -> tuple[str, list]:
    """SQL (and parameters) of the calls queued in [lo, hi) by half-hour: start and the parts."""
    return _windowed(lo, hi, timedelta(minutes=30), "calls_by_half_hour", "start",
                     "start, " + ", ".join(PART_NAMES), f"{HALF} AS start")


def agent_days(lo: datetime | None, hi: datetime | None) -> tuple[str, list]:
    """SQL (and parameters) of the calls queued in [lo, hi) by agent (several rows an agent): agent and the parts."""
    return _windowed(lo, hi, timedelta(days=1), "calls_by_agent_day", "day",
                     "agent, " + ", ".join(PART_NAMES), "agent")
