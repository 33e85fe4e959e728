"""诉求统计分析: volumes by time, category, place, channel and type; top, rising and common requests."""

from __future__ import annotations

from hotline.analytics import daily, repeats
from hotline.analytics.common import (
    COMPARED, Context, breakdown, comparisons, count_orders, grouped_counts, grouping, item, series, total_of,
)
from hotline.analytics.filters import DIMENSIONS as FILTER_DIMENSIONS
from hotline.analytics.metrics import change, per_10k
from hotline.workorders.domain import mask_phone

BREAKDOWNS = ("category_l1", "category", "district", "street", "channel", "request_type", "urgency", "status")
TOP = 10
COMMON_MIN_ORDERS = 3  # orders of one category in one community that make a common request
RISING_MIN_ORDERS = 3  # a category must have at least this many now to count as rising
COMMON_TOP = 20
# Filters that hold their dimension to one value (category matches either level: not one value of either).
FIXED_BY_FILTER = tuple(d for d in FILTER_DIMENSIONS if d != "category")


def requests(ctx: Context) -> dict:
    """The requests module."""
    unit, dimension = grouping(ctx)
    dims = BREAKDOWNS + ((dimension,) if dimension and dimension not in BREAKDOWNS else ())
    fixed = {d: getattr(ctx.filters, d) for d in dims if d in FIXED_BY_FILTER and getattr(ctx.filters, d) is not None}
    # A dimension the filters hold to one value has one row, all the orders: no column to read for it.
    grouped = grouped_counts(ctx, tuple(d for d in dims if d not in fixed), unit or "day")
    total = total_of(grouped)
    grouped |= {d: [(value, total)] if total else [] for d, value in fixed.items()}
    earlier, before = _earlier(ctx)
    common, repeat_callers = _callers(ctx)
    out = {
        "total": total,
        "drill": ctx.filters.drill(),
        "compare": comparisons(ctx, total, earlier),
        "by_time": series(ctx, grouped, unit or "day"),
        "by_category_l1": breakdown(ctx, grouped, "category_l1"),
        "by_category": breakdown(ctx, grouped, "category"),
        "by_district": _districts(ctx, grouped),
        "by_street": breakdown(ctx, grouped, "street"),
        "by_channel": breakdown(ctx, grouped, "channel"),
        "by_request_type": breakdown(ctx, grouped, "request_type"),
        "by_urgency": breakdown(ctx, grouped, "urgency"),
        "by_status": breakdown(ctx, grouped, "status"),
        "top_categories": breakdown(ctx, grouped, "category", TOP),
        "rising_categories": _rising(ctx, grouped, before),
        "common_requests": [_common_item(ctx, *found) for found in common],
        "repeat_callers": repeat_callers,
    }
    out["groups"] = breakdown(ctx, grouped, dimension) if dimension else out["by_time"]
    out["group_by"] = dimension or unit
    return out


def _districts(ctx: Context, grouped: dict) -> list[dict]:
    population = dict(ctx.engine.rows("SELECT code, population FROM regions WHERE level = 'district'"))
    rows = breakdown(ctx, grouped, "district")
    for row in rows:
        row["population"] = population.get(row["key"])
        row["per_10k_residents"] = per_10k(row["count"], population.get(row["key"]))
    return rows


def _earlier(ctx: Context) -> tuple[dict[str, int | None], dict | None]:
    """The totals of the earlier periods (by Filters.shifted kind) and the previous period's orders by
    category (None without a bounded window)."""
    if not ctx.filters.bounded:
        return {kind: None for _, kind in COMPARED}, None
    if daily.serves(ctx.filters):  # city-wide: the rollups answer each figure on its own
        previous = ctx.filters.shifted("previous")
        before = dict(grouped_counts(ctx, ("category",), None, previous)["category"])
        return {kind: count_orders(ctx, ctx.filters.shifted(kind)) for _, kind in COMPARED}, before
    # Filtered: one pass over both earlier periods' orders, not one per figure (each pass reads the
    # filter columns of a whole period; at 10M orders that fixed cost was most of a one-month answer).
    windows = [ctx.filters.shifted(kind).window_sql("o.created_at") for _, kind in COMPARED]
    window_params = [p for _, params in windows for p in params]
    counts = ", ".join(f"count(*) FILTER (WHERE {sql})" for sql, _ in windows)
    either = " OR ".join(f"({sql})" for sql, _ in windows)
    where, params = ctx.filters.where(window=False)
    rows = ctx.engine.rows(
        f"SELECT o.category, {counts}, GROUPING(o.category) FROM work_orders o WHERE {where} AND ({either}) "
        f"GROUP BY GROUPING SETS ((o.category), ())", window_params + params + window_params)
    totals = next((r[1:-1] for r in rows if r[-1]), (0,) * len(COMPARED))
    before = {r[0]: r[1] for r in rows if not r[-1] and r[1]}
    return {kind: int(n) for (_, kind), n in zip(COMPARED, totals, strict=True)}, before


def _rising(ctx: Context, grouped: dict, before: dict | None) -> list[dict] | None:
    """Categories that grew most against the previous period (`before`: its orders by category)."""
    if before is None:
        return None
    rows = []
    for code, count in grouped["category"]:
        if code is None or count < RISING_MIN_ORDERS:
            continue
        growth = change(count, before.get(code, 0))
        if growth["change"] > 0:
            rows.append(item(ctx, "category", code, count, previous=growth["previous"], change=growth["change"],
                             change_rate=growth["change_rate"]))
    rows.sort(key=lambda r: (-r["change"], r["key"]))
    return rows[:TOP]


def _common_item(ctx: Context, category: str, community: str, count: int, callers: int) -> dict:
    """One 高频共性诉求: one category in one community, many times in the window."""
    return {
        "category": category, "category_name": ctx.name("category", category),
        "community": community, "community_name": ctx.name("community", community),
        "count": count, "callers": callers,
        "drill": ctx.filters.drill(category=category, community=community),
    }


def _callers(ctx: Context) -> tuple[list[tuple], dict]:
    """(the top common requests as (category, community, orders, callers), the repeat callers)."""
    if not daily.serves(ctx.filters):
        return _callers_of_orders(ctx)
    lo, hi = ctx.filters.created_from, ctx.filters.created_to
    rows, params = daily.window(daily.BY_PLACE, lo, hi)
    top = ctx.engine.rows(
        f"SELECT category, community, sum(n)::BIGINT AS n FROM ({rows}) GROUP BY 1, 2 "
        f"HAVING sum(n) >= {COMMON_MIN_ORDERS} ORDER BY n DESC, 1, 2 LIMIT {COMMON_TOP}", params)
    # Their callers from repeats.py: no grouping of orders by phone.
    repeated = repeats.callers_by_place(ctx.engine, lo, hi, [(c, m) for c, m, _ in top])
    common = [(c, m, n, n - repeated.get((c, m), 0)) for c, m, n in top]
    callers, orders, ranked = repeats.repeat_callers(ctx.engine, lo, hi, TOP)
    return common, _repeat_callers(callers, orders, ranked)


def _callers_of_orders(ctx: Context) -> tuple[list[tuple], dict]:
    """_callers from the filtered orders, read once, and their phones from repeats.py's table: a filtered
    order not there is its phone's only order (decoding every order's phone was most of this answer)."""
    where, params = ctx.filters.where()
    window, window_params = ctx.filters.window_sql("created_at")
    rows = ctx.engine.rows(
        f"WITH f AS MATERIALIZED (SELECT o.category, o.community, r.citizen_phone AS phone FROM work_orders o "
        f"LEFT JOIN (SELECT id, citizen_phone FROM {repeats.TABLE.name} WHERE {window}) r ON r.id = o.id "
        f"WHERE {where}), "
        f"top AS (SELECT category, community, count(*) AS n FROM f WHERE category IS NOT NULL AND community IS NOT NULL "
        f"GROUP BY 1, 2 HAVING count(*) >= {COMMON_MIN_ORDERS} ORDER BY n DESC, 1, 2 LIMIT {COMMON_TOP}), "
        # The distinct callers of the top pairs only: of every pair, it was most of this module's time.
        f"common AS (SELECT t.category, t.community, any_value(t.n) AS n, "
        f"count(DISTINCT f.phone) + count(*) FILTER (WHERE f.phone IS NULL) AS callers "
        f"FROM top t JOIN f USING (category, community) GROUP BY 1, 2), "
        f"per AS (SELECT phone, count(*) AS n FROM f WHERE phone IS NOT NULL GROUP BY 1 HAVING count(*) >= 2) "
        f"SELECT 'common', category, community, n, callers FROM common "
        f"UNION ALL SELECT 'callers', NULL, NULL, count(*), coalesce(sum(n), 0) FROM per "
        f"UNION ALL SELECT 'top', phone, NULL, n, NULL FROM (SELECT * FROM per ORDER BY n DESC, phone LIMIT {TOP})",
        window_params + params)
    common = sorted(((c, m, n, k) for kind, c, m, n, k in rows if kind == "common"), key=lambda r: (-r[2], r[0], r[1]))
    callers, orders = next((int(n), int(k)) for kind, _, _, n, k in rows if kind == "callers")
    ranked = sorted(((phone, n) for kind, phone, _, n, _ in rows if kind == "top"), key=lambda r: (-r[1], r[0]))
    return common, _repeat_callers(callers, orders, ranked)


def _repeat_callers(callers: int, orders: int, ranked: list[tuple[str, int]]) -> dict:
    """Callers with two or more orders in the window (phones masked)."""
    return {"callers": callers, "orders": orders,
            "top": [{"caller": mask_phone(phone), "count": n} for phone, n in ranked], "drill": None}
