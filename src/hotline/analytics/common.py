"""What every analysis module shares: the request context, names of codes, grouped counts with drill-downs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hotline.analytics import daily
from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.snapshot import ReadSnapshot
from hotline.analytics.filters import DIMENSION_GROUPS, TIME_GROUPS, Filters, bucket_end, default_time_group
from hotline.analytics.filters import DIMENSIONS as FILTER_DIMENSIONS
from hotline.analytics.metrics import change

NAME_KINDS = {"district": "region", "street": "region", "community": "region", "category": "category",
              "category_l1": "category", "department": "department"}


@dataclass
class Context:
    """One analysis request: the copy, the filters, the grouping asked for, the time now, options."""

    engine: AnalyticsEngine | ReadSnapshot  # a snapshot when answering a request: one state of the copy
    filters: Filters
    now: datetime
    group_by: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    _names: dict | None = None

    def names(self) -> dict[str, dict[str, str]]:
        """code → name for regions, categories and departments."""
        if self._names is None:  # one statement: each has a fixed cost, a large part of a small answer's
            self._names = {"region": {}, "category": {}, "department": {}}
            for kind, code, name in self.engine.rows(
                    "SELECT 'region', code, name FROM regions UNION ALL SELECT 'category', code, name FROM categories "
                    "UNION ALL SELECT 'department', code, name FROM departments"):
                self._names[kind][code] = name
        return self._names

    def name(self, dimension: str, code: str | None) -> str | None:
        """The display name of a code in a dimension (None for dimensions without names)."""
        kind = NAME_KINDS.get(dimension)
        return self.names()[kind].get(code) if kind and code is not None else None

    def span(self) -> tuple[datetime, datetime]:
        """The window asked for, its open ends closed by the data's first order and by now."""
        start, end = self.filters.created_from, self.filters.created_to
        if start is None:
            first = self.engine.rows("SELECT min(created_at) FROM work_orders")[0][0]
            start = (first or self.now).replace(hour=0, minute=0, second=0)
        if end is None:
            end = max(self.now, start) + timedelta(seconds=1)
        return start, end


def time_unit(ctx: Context, default: str | None = None) -> str:
    """The time grouping: group_by if it is one, else a default suited to the window's length."""
    if ctx.group_by in TIME_GROUPS:
        return ctx.group_by
    return default or default_time_group(*ctx.span())


def dimension_drill(ctx: Context, dimension: str, value: Any, filters: Filters | None = None) -> dict | None:
    """The order-list filter behind one value of a dimension (None for values the list cannot filter)."""
    filters = filters or ctx.filters
    if value is None:
        return None
    narrowed = "category" if dimension == "category_l1" else dimension
    return filters.drill(**{narrowed: value})


def item(ctx: Context, dimension: str, value: Any, count: int, **extra: Any) -> dict:
    """One row of a breakdown: value, its name, the count and the drill-down."""
    out = {"key": value, "name": ctx.name(dimension, value), "count": count}
    out |= extra
    out["drill"] = dimension_drill(ctx, dimension, value)
    return out


def time_item(ctx: Context, unit: str, start: datetime, count: int, **extra: Any) -> dict:
    """One time bucket with its drill-down (the bucket cut to the window)."""
    end = bucket_end(start, unit)
    window = ctx.filters.window(start, end)
    return {"key": start.isoformat(), "count": count} | extra | {"drill": window.drill()}


def bucket_sql(unit: str, column: str = "o.created_at") -> str:
    """The SQL that truncates a timestamp to its bucket."""
    return f"date_trunc('{unit}', {column})"


def grouped_counts(ctx: Context, dimensions: tuple[str, ...], unit: str | None,
                   filters: Filters | None = None) -> dict[str, list[tuple[Any, int]]]:
    """Counts of the filtered orders by each dimension (and time bucket) in one scan: name → [(value, n)]."""
    filters = filters or ctx.filters
    if daily.serves(filters) and set(dimensions) <= set(daily.DIMENSIONS) and unit in (None, *daily.TIME_UNITS):
        return _rolled_counts(ctx, dimensions, unit, filters)
    where, params = filters.where()
    columns = [f"o.{d}" for d in dimensions]
    keys = list(dimensions)
    if unit:
        columns.append(bucket_sql(unit))
        keys.append("time")
    aliases = [f"g{i}" for i in range(len(columns))]
    select = ", ".join(f"{c} AS {a}" for c, a in zip(columns, aliases, strict=True))
    sets = ", ".join(f"({a})" for a in aliases)
    grouping = ", ".join(f"GROUPING({a})" for a in aliases)
    sql = (f"SELECT {select}, count(*) AS n, [{grouping}] AS g FROM work_orders o WHERE {where} "
           f"GROUP BY GROUPING SETS ({sets}, ())")
    out: dict[str, list[tuple[Any, int]]] = {k: [] for k in keys} | {"total": []}
    for row in ctx.engine.rows(sql, params):
        flags, count = row[-1], row[-2]
        if all(flags):
            out["total"].append((None, count))
            continue
        index = flags.index(0)
        out[keys[index]].append((row[index], count))
    for values in out.values():
        values.sort(key=lambda pair: (-pair[1], str(pair[0])))
    return out


def _rolled_counts(ctx: Context, dimensions: tuple[str, ...], unit: str | None,
                   filters: Filters) -> dict[str, list[tuple[Any, int]]]:
    """grouped_counts from the daily rollup (daily.py): the same pairs in the same order."""
    rows, params = daily.window(daily.BY_DIMENSION, filters.created_from, filters.created_to)
    listed = ", ".join(f"'{d}'" for d in dimensions)
    # Time buckets in a column of their own: a union with the text values would make them text.
    sql = (f"WITH w AS ({rows}) SELECT dim, value, NULL::TIMESTAMP, sum(n) FROM w WHERE dim IN ({listed}) "
           f"GROUP BY 1, 2 HAVING sum(n) > 0 UNION ALL SELECT '', NULL, NULL, sum(n) FROM w WHERE dim = ''")
    if unit:
        sql += f" UNION ALL SELECT 'time', NULL, date_trunc('{unit}', start), sum(n) FROM w WHERE dim = '' GROUP BY 3"
    out: dict[str, list[tuple[Any, int]]] = {k: [] for k in (*dimensions, *(("time",) if unit else ()))}
    out["total"] = []
    found = ctx.engine.rows(sql, params)
    for dim, value, start, count in found:
        if dim == "":
            out["total"].append((None, int(count or 0)))
        else:
            out[dim].append((start if dim == "time" else value, int(count)))
    for values in out.values():
        values.sort(key=lambda pair: (-pair[1], str(pair[0])))
    return out


def total_of(grouped: dict[str, list[tuple[Any, int]]]) -> int:
    """The grand total from grouped_counts."""
    return grouped["total"][0][1] if grouped["total"] else 0


def breakdown(ctx: Context, grouped: dict, dimension: str, limit: int | None = None) -> list[dict]:
    """Rows of one dimension from grouped_counts, largest first."""
    pairs = grouped.get(dimension, [])
    return [item(ctx, dimension, value, count) for value, count in pairs[:limit]]


def series(ctx: Context, grouped: dict, unit: str) -> list[dict]:
    """The time buckets from grouped_counts in time order."""
    pairs = sorted(grouped.get("time", []), key=lambda pair: pair[0])
    return [time_item(ctx, unit, start, count) for start, count in pairs]


def count_orders(ctx: Context, filters: Filters | None) -> int | None:
    """How many orders match; None when there is no such period."""
    if filters is None:
        return None
    # The daily rollup has each dimension's counts: it answers a window with at most one such filter.
    # (A category filter matches either level, two rollup dimensions: left to the orders.)
    chosen = [d for d in FILTER_DIMENSIONS if getattr(filters, d) is not None]
    if daily.serves(filters) or (len(chosen) == 1 and chosen[0] in daily.DIMENSIONS and chosen[0] != "category"):
        dim, value = (chosen[0], getattr(filters, chosen[0])) if chosen else ("", None)
        rows, params = daily.window(daily.BY_DIMENSION, filters.created_from, filters.created_to)
        return int(ctx.engine.rows(f"SELECT coalesce(sum(n), 0) FROM ({rows}) WHERE dim = ? AND value IS NOT DISTINCT FROM ?",
                                   params + [dim, value])[0][0])
    where, params = filters.where()
    return ctx.engine.rows(f"SELECT count(*) FROM work_orders o WHERE {where}", params)[0][0]


COMPARED = (("previous_period", "previous"), ("year_ago", "year_ago"))  # (key in the answer, Filters.shifted kind)


def comparisons(ctx: Context, current: int, counted: dict[str, int | None] | None = None) -> dict:
    """The total against the previous period (环比) and the same period last year (同比); `counted`: those
    periods' totals by shifted kind when the caller already has them."""
    out = {}
    for key, kind in COMPARED:
        other = ctx.filters.shifted(kind)
        figure = change(current, counted[kind] if counted is not None else count_orders(ctx, other))
        figure["drill"] = other.drill() if other else None
        out[key] = figure
    return out


def grouping(ctx: Context, default_unit: str | None = None) -> tuple[str | None, str | None]:
    """(time unit, dimension) asked for by group_by."""
    if ctx.group_by in DIMENSION_GROUPS:
        return None, ctx.group_by
    return time_unit(ctx, default_unit), None


def with_window(ctx: Context, start: datetime, end: datetime) -> Context:
    """The same request over another window (the other filters kept)."""
    return replace(ctx, filters=replace(ctx.filters, created_from=start, created_to=end))
