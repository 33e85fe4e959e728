"""Order figures rolled up by day (or month) of creation, kept exact as orders arrive and change.

A city-wide query (no filter but the time window) over a year then reads ~365 × k rollup rows instead of
millions of orders (issue 4: a one-year query at 10M orders in under 150 ms). A query with any dimension
filter reads the orders themselves: rollups crossed with every filter would hold about as many rows as
there are orders.

Each rollup is one SELECT over rows shaped like the copy's work_orders (`Rollup.select`); the same SELECT
fills it, keeps it fresh and answers a window's partial days, so the rollup cannot drift from the orders:
- fill: over every copied order, once (a new copy, or one from before the rollups; `_watermarks` says);
- apply: the engine hands each pull's replaced rows (before) and their new rows (after); the rollup rows
  of those orders' days are re-summed with `before` subtracted and `after` added, in the pull's transaction;
- window: rollup rows of the whole days (months) inside [lo, hi), plus the SELECT over the orders of the
  partial ones at either edge.
Only counts and sums are rolled up; what depends on the time of the query (deadlines against now) is
read from the pending orders, kept whole in PENDING_ORDERS (bits.IS_PENDING says which).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa

from hotline.analytics import process_orders, repeats, stage_hours
from hotline.analytics.bits import EFF, EFFICIENCY, IS_PENDING, QUAL, QUALITY_COUNTS, any_bit, counted
from hotline.analytics.quality import REGISTRATION_FLAGS, REPLY_FLAGS
from hotline.analytics.schema import WORK_ORDERS, CopiedTable

DAY = timedelta(days=1)
# The dimensions a city-wide breakdown groups by ('' is the total); community is left out (its
# breakdowns are per-window top lists, see requests._common).
DIMENSIONS = ("status", "district", "street", "category_l1", "category", "department", "channel",
              "request_type", "urgency")
TIME_UNITS = ("day", "week", "month")  # whole days make whole weeks (Monday-based) and months


@dataclass(frozen=True)
class Rollup:
    """A table of orders summed by `unit` and `keys`; `n` (the orders, or order rows) is always a measure."""

    table: CopiedTable
    keys: tuple[str, ...]  # besides start
    measures: tuple[str, ...]
    select: Callable[[str], str]  # SQL over a relation of order rows: start, keys…, measures…
    unit: str = "day"  # the period each row sums, from `start`


def _by_dimension(source: str) -> str:
    sets = ", ".join(f"(start, {d})" for d in DIMENSIONS)
    which = " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in DIMENSIONS)
    value = " ".join(f"WHEN GROUPING({d}) = 0 THEN {d}" for d in DIMENSIONS)
    return (f"SELECT start, CASE {which} ELSE '' END AS dim, CASE {value} END AS value, count(*) AS n "
            f"FROM (SELECT date_trunc('day', created_at) AS start, {', '.join(DIMENSIONS)} FROM {source}) "
            f"GROUP BY GROUPING SETS ({sets}, (start))")


EFF_NAMES = tuple(name for name, _ in EFFICIENCY)
_DEPARTMENT_SUMS = (
    ("notices", "coalesce(sum(supervision_count), 0)"),
    ("closed_directly", "count(*) FILTER (WHERE closed_directly)"),
    ("registration_issues", f"count(*) FILTER (WHERE {any_bit('q_bits', QUAL, REGISTRATION_FLAGS)})"),
    ("reply_issues", f"count(*) FILTER (WHERE {any_bit('q_bits', QUAL, REPLY_FLAGS)})"),
    ("dispatches", "coalesce(sum(ev_dispatches), 0)"), ("returns", "coalesce(sum(ev_returns), 0)"),
) + tuple((name, f"count(*) FILTER (WHERE {any_bit('eff_bits', EFF, (name,))})") for name in EFF_NAMES)


def _by_department(source: str) -> str:
    sums = ", ".join(f"{sql} AS {name}" for name, sql in _DEPARTMENT_SUMS)
    return (f"SELECT date_trunc('day', created_at) AS start, department, count(*) AS n, {sums} "
            f"FROM {source} GROUP BY 1, 2")


def _by_event_department(source: str) -> str:
    return ("SELECT start, d.department AS department, count(*) AS n, sum(d.dispatches) AS dispatches, "
            "sum(d.returns) AS returns FROM (SELECT date_trunc('day', created_at) AS start, unnest(ev_departments) AS d "
            f"FROM {source}) GROUP BY 1, 2")


def _by_quality(source: str, unit: str = "day") -> str:
    return (f"SELECT start, CASE WHEN GROUPING(created_by) = 0 THEN 'created_by' ELSE 'department' END AS dim, "
            f"CASE WHEN GROUPING(created_by) = 0 THEN created_by ELSE department END AS value, count(*) AS n, "
            f"{counted('q_bits', QUAL, QUALITY_COUNTS)} "
            f"FROM (SELECT date_trunc('{unit}', created_at) AS start, * FROM {source}) "
            f"GROUP BY GROUPING SETS ((start, created_by), (start, department))")


def _by_place(source: str) -> str:
    return (f"SELECT date_trunc('month', created_at) AS start, category, community, count(*) AS n FROM {source} "
            f"WHERE category IS NOT NULL AND community IS NOT NULL GROUP BY 1, 2, 3")


def _by_flow(source: str) -> str:
    return ("SELECT start, x.from_status AS from_status, x.to_status AS to_status, count(*) AS n, "
            "sum(x.n) AS transitions FROM (SELECT date_trunc('day', created_at) AS start, unnest(pr_flows) AS x "
            f"FROM {source}) GROUP BY 1, 2, 3")


def _by_wait(source: str, unit: str = "day") -> str:
    # Settled orders only: an open order's last wait grows with now (process.py adds the pending ones).
    # Hours kept as whole microseconds, so that a sum taken apart and put back stays exact.
    return ("SELECT start, s.stage AS stage, s.department AS department, count(*) AS n, "
            f"sum(round(s.hours * 3600e6)::BIGINT) AS micros FROM (SELECT date_trunc('{unit}', created_at) AS start, "
            f"unnest(pr_waits) AS s FROM {source} WHERE NOT ({IS_PENDING})) GROUP BY 1, 2, 3")


def _by_stage(source: str, unit: str = "day") -> str:
    # Settled orders only, like the waits (stages.py adds the pending ones); whole microseconds again.
    return (f"SELECT date_trunc('{unit}', created_at) AS start, stage, bucket, count(*) AS n, "
            f"sum(round(hours * 3600e6)::BIGINT) AS micros FROM ({stage_hours.settled(source)}) GROUP BY 1, 2, 3")


# SQL on an order row: how many of the quality flags it has (quality_report: the orders with most faults).
FAULTS = f"bit_count(q_bits & {sum(QUAL[f] for f in (*REGISTRATION_FLAGS, *REPLY_FLAGS))})::INTEGER"


def _by_faults(source: str) -> str:
    return (f"SELECT date_trunc('day', created_at) AS start, {FAULTS} AS faults, count(*) AS n FROM {source} "
            f"GROUP BY 1, 2")


def _rollup(name: str, keys: tuple[tuple[str, str], ...], measures: tuple[str, ...], select, unit: str = "day") -> Rollup:
    columns = (("start", "TIMESTAMP"), *keys, *((m, "BIGINT") for m in measures))
    return Rollup(CopiedTable(name, columns, "rollup"), tuple(k for k, _ in keys), measures, select, unit)


BY_DIMENSION = _rollup("orders_by_day", (("dim", "VARCHAR"), ("value", "VARCHAR")), ("n",), _by_dimension)
BY_DEPARTMENT = _rollup("orders_by_day_department", (("department", "VARCHAR"),),
                        ("n", *(name for name, _ in _DEPARTMENT_SUMS)), _by_department)
BY_EVENT_DEPARTMENT = _rollup("order_events_by_day_department", (("department", "VARCHAR"),),
                              ("n", "dispatches", "returns"), _by_event_department)
BY_QUALITY = _rollup("order_quality_by_day", (("dim", "VARCHAR"), ("value", "VARCHAR")),
                     ("n", *(name for name, _ in QUALITY_COUNTS)), _by_quality)
# Category × community pairs are as many as a day's orders: by month (a window's partial months at
# either edge then come from the orders, at most two months of them).
BY_PLACE = _rollup("orders_by_month_place", (("category", "VARCHAR"), ("community", "VARCHAR")), ("n",), _by_place,
                   "month")
# The flows between statuses and the waits at each department (process.py); n counts orders, stretches.
BY_FLOW = _rollup("order_flows_by_day", (("from_status", "VARCHAR"), ("to_status", "VARCHAR")),
                  ("n", "transitions"), _by_flow)
BY_WAIT = _rollup("order_waits_by_day", (("stage", "VARCHAR"), ("department", "VARCHAR")), ("n", "micros"), _by_wait)
# The settled orders' stage times counted by bucket (stage_hours.py): where each stage's ranks lie.
BY_STAGE = _rollup("order_stages_by_day", (("stage", "VARCHAR"), ("bucket", "INTEGER")), ("n", "micros"), _by_stage)
# The same by month: a year is ~12 × as few rows to add up (window_by_month reads whole months from these).
BY_WAIT_MONTH = _rollup("order_waits_by_month", (("stage", "VARCHAR"), ("department", "VARCHAR")), ("n", "micros"),
                        lambda source: _by_wait(source, "month"), "month")
BY_QUALITY_MONTH = _rollup("order_quality_by_month", (("dim", "VARCHAR"), ("value", "VARCHAR")),
                           ("n", *(name for name, _ in QUALITY_COUNTS)), lambda source: _by_quality(source, "month"),
                           "month")
BY_STAGE_MONTH = _rollup("order_stages_by_month", (("stage", "VARCHAR"), ("bucket", "INTEGER")), ("n", "micros"),
                         lambda source: _by_stage(source, "month"), "month")
# Orders counted by day and number of faults: where a window's 20 most faulty orders begin (quality_report).
BY_FAULTS = _rollup("orders_by_day_faults", (("faults", "INTEGER"),), ("n",), _by_faults)
ROLLUPS = (BY_DIMENSION, BY_DEPARTMENT, BY_EVENT_DEPARTMENT, BY_QUALITY, BY_PLACE, BY_FLOW, BY_WAIT, BY_STAGE,
           BY_FAULTS, BY_WAIT_MONTH, BY_STAGE_MONTH, BY_QUALITY_MONTH)
# The copied orders that are pending (bits.PENDING), whole: the few rows whose deadlines a query compares
# with now, and the open orders `overview` counts, without a scan of every order.
PENDING_ORDERS = CopiedTable("pending_orders", WORK_ORDERS.columns + WORK_ORDERS.extra, "rollup")
TABLES = (*(r.table for r in ROLLUPS), repeats.TABLE, stage_hours.TABLE, process_orders.TABLE, PENDING_ORDERS)


def serves(filters) -> bool:
    """Whether the rollups can answer for these filters: only a time window, no dimension filter."""
    from hotline.analytics.filters import DIMENSIONS as FILTERS

    return all(getattr(filters, name) is None for name in FILTERS)


# -- keeping them ------------------------------------------------------------------------------------

def fill(con, suffix: str) -> None:
    """Create and fill the tables not yet filled, from every copied order (a new copy, or one from before
    some of them); `_watermarks` records which are filled, since some may rightly be empty. Once all are,
    a call costs one look-up: the engine calls it on every refresh."""
    done = _filled(con, suffix)
    missing = [table for table in TABLES if table.name not in done]
    if not missing:
        return
    orders = f"work_orders{suffix}"
    for table in missing:
        con.execute(table.ddl.replace(f"EXISTS {table.name} (", f"EXISTS {table.name}{suffix} ("))
    if not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {orders} LIMIT 1)").fetchone()[0]:
        return  # filled with the first orders, by the next call
    selects = {r.table.name: r.select(orders) for r in ROLLUPS} | {
        repeats.TABLE.name: repeats.chains(orders), stage_hours.TABLE.name: stage_hours.fill_select(orders),
        process_orders.TABLE.name: process_orders.fill_select(orders),
        PENDING_ORDERS.name: f"SELECT * FROM {orders} WHERE {IS_PENDING}"}
    for table in missing:
        con.execute("BEGIN")
        con.execute(f"DELETE FROM {table.name}{suffix}")
        con.execute(f"INSERT INTO {table.name}{suffix} {selects[table.name]}")
        con.execute(f"INSERT INTO _watermarks{suffix} VALUES ('filled {table.name}', 1)")
        con.execute("COMMIT")


def _filled(con, suffix: str) -> set[str]:
    """The names of the tables filled so far."""
    return {r[0].removeprefix("filled ") for r in con.execute(
        f"SELECT name FROM _watermarks{suffix} WHERE name LIKE 'filled %'").fetchall()}


def apply(con, suffix: str, before: pa.Table, after: pa.Table, lookup) -> None:
    """Move the tables from the order rows `before` to the rows `after` (work_orders rows, as Arrow); run
    inside the transaction that replaced them. `lookup`: every order of some phones (repeats.apply)."""
    # Only the rows that differ: each pull re-reads the last seconds' changes, mostly rows it already has.
    con.register("_before_all", before)
    con.register("_after_all", after)
    before = con.sql("SELECT * FROM _before_all EXCEPT ALL SELECT * FROM _after_all").to_arrow_table()
    after = con.sql("SELECT * FROM _after_all EXCEPT ALL SELECT * FROM _before_all").to_arrow_table()
    con.unregister("_before_all")
    con.unregister("_after_all")
    if before.num_rows == 0 and after.num_rows == 0:
        return
    con.register("_before", before)
    con.register("_after", after)
    try:
        _apply(con, suffix, "_before", "_after", lookup)
    finally:
        con.unregister("_before")
        con.unregister("_after")


def _apply(con, suffix: str, before: str, after: str, lookup) -> None:
    # A table not filled yet is left alone: fill reads every order, these changes included.
    done = _filled(con, suffix)
    if repeats.TABLE.name in done:
        repeats.apply(con, suffix, before, after, lookup)
    if stage_hours.TABLE.name in done:
        stage_hours.apply(con, suffix, before, after)
    if process_orders.TABLE.name in done:
        process_orders.apply(con, suffix, before, after)
    if PENDING_ORDERS.name in done:
        pending = PENDING_ORDERS.name + suffix
        con.execute(f"DELETE FROM {pending} WHERE id IN (SELECT id FROM {before})")
        con.execute(f"INSERT INTO {pending} BY NAME SELECT * FROM {after} WHERE {IS_PENDING}")
    touched = {unit: [r[0] for r in con.execute(
        f"SELECT DISTINCT date_trunc('{unit}', created_at) FROM (SELECT created_at FROM {before} "
        f"UNION ALL SELECT created_at FROM {after}) ORDER BY 1").fetchall()] for unit in {r.unit for r in ROLLUPS}}
    for rollup in ROLLUPS:
        name = rollup.table.name + suffix
        starts = touched[rollup.unit]
        if not starts or rollup.table.name not in done:
            continue
        listed = ", ".join(f"TIMESTAMP '{d.isoformat(sep=' ')}'" for d in starts)
        inside = f"start >= TIMESTAMP '{starts[0].isoformat(sep=' ')}' AND start IN ({listed})"  # the range prunes
        keys = ", ".join(("start", *rollup.keys))
        negated = ", ".join(f"-{m} AS {m}" for m in rollup.measures)
        sums = ", ".join(f"sum({m})::BIGINT AS {m}" for m in rollup.measures)
        merged = con.sql(
            f"SELECT {keys}, {sums} FROM (SELECT * FROM {name} WHERE {inside} "
            f"UNION ALL BY NAME SELECT {keys}, {negated} FROM ({rollup.select(before)}) "
            f"UNION ALL BY NAME {rollup.select(after)}) GROUP BY ALL HAVING sum(n) <> 0").to_arrow_table()
        con.execute(f"DELETE FROM {name} WHERE {inside}")
        con.register("_merged", merged)
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _merged")
        con.unregister("_merged")


# -- reading them ------------------------------------------------------------------------------------

def _floor(moment: datetime, unit: str) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.replace(day=1) if unit == "month" else day


def _ceil(moment: datetime, unit: str) -> datetime:
    floor = _floor(moment, unit)
    if floor == moment:
        return floor
    return (floor + timedelta(days=32)).replace(day=1) if unit == "month" else floor + DAY


def window(rollup: Rollup, lo: datetime | None, hi: datetime | None) -> tuple[str, list]:
    """SQL (and parameters) of the rollup's rows for the orders created in [lo, hi)."""
    a = _ceil(lo, rollup.unit) if lo else None
    b = _floor(hi, rollup.unit) if hi else None
    raw = "(SELECT * FROM work_orders WHERE created_at >= ? AND created_at < ?)"
    if a is not None and b is not None and a >= b:  # no whole period inside: the orders themselves
        return rollup.select(raw), [lo, hi]
    inside = " AND ".join(c for c in ("start >= ?" if a else "", "start < ?" if b else "") if c) or "TRUE"
    parts, params = [f"SELECT * FROM {rollup.table.name} WHERE {inside}"], [x for x in (a, b) if x is not None]
    for edge_lo, edge_hi in ((lo, a), (b, hi)):
        if edge_lo is not None and edge_hi is not None and edge_lo < edge_hi:
            parts.append(rollup.select(raw))
            params += [edge_lo, edge_hi]
    return " UNION ALL BY NAME ".join(parts), params


def window_by_month(by_month: Rollup, by_day: Rollup, lo: datetime | None, hi: datetime | None) -> tuple[str, list]:
    """SQL (and parameters) of the rows of two rollups of the same SELECT, by month and by day, for the
    orders created in [lo, hi): the whole months from `by_month`, the rest from `by_day` (window)."""
    a = _ceil(lo, "month") if lo else None
    b = _floor(hi, "month") if hi else None
    if a is not None and b is not None and a >= b:  # no whole month inside
        return window(by_day, lo, hi)
    inside = " AND ".join(c for c in ("start >= ?" if a else "", "start < ?" if b else "") if c) or "TRUE"
    parts, params = [f"SELECT * FROM {by_month.table.name} WHERE {inside}"], [x for x in (a, b) if x is not None]
    for edge_lo, edge_hi in ((lo, a), (b, hi)):
        if edge_lo is not None and edge_hi is not None and edge_lo < edge_hi:
            rows, edge_params = window(by_day, edge_lo, edge_hi)
            parts.append(rows)
            params += edge_params
    return " UNION ALL BY NAME ".join(parts), params
