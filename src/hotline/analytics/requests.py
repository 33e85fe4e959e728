"""诉求统计分析: volumes by time, category, place, channel and type; top, rising and common requests."""

from __future__ import annotations

from hotline.analytics import daily, repeats
from hotline.analytics.common import (
    Context, breakdown, comparisons, grouped_counts, grouping, item, series, total_of,
)
from hotline.analytics.metrics import change, per_10k
from hotline.workorders.domain import mask_phone

BREAKDOWNS = ("category_l1", "category", "district", "street", "channel", "request_type", "urgency", "status")
TOP = 10
COMMON_MIN_ORDERS = 3  # orders of one category in one community that make a common request
RISING_MIN_ORDERS = 3  # a category must have at least this many now to count as rising


def requests(ctx: Context) -> dict:
    """The requests module."""
    unit, dimension = grouping(ctx)
    dims = BREAKDOWNS + ((dimension,) if dimension and dimension not in BREAKDOWNS else ())
    grouped = grouped_counts(ctx, dims, unit or "day")
    total = total_of(grouped)
    out = {
        "total": total,
        "drill": ctx.filters.drill(),
        "compare": comparisons(ctx, total),
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
        "rising_categories": _rising(ctx, grouped),
        "common_requests": _common(ctx),
        "repeat_callers": _repeat_callers(ctx),
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


def _rising(ctx: Context, grouped: dict) -> list[dict] | None:
    """Categories that grew most against the previous period (needs a bounded window)."""
    previous = ctx.filters.shifted("previous")
    if previous is None:
        return None
    before = dict(grouped_counts(ctx, ("category",), None, previous)["category"])
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


def _common(ctx: Context) -> list[dict]:
    """高频共性诉求: one category in one community, many times in the window."""
    if daily.serves(ctx.filters):
        found = _common_rolled(ctx)
    else:
        found = _common_orders(ctx)
    return [{
        "category": category, "category_name": ctx.name("category", category),
        "community": community, "community_name": ctx.name("community", community),
        "count": count, "callers": callers,
        "drill": ctx.filters.drill(category=category, community=community),
    } for category, community, count, callers in found]


def _common_rolled(ctx: Context) -> list[tuple]:
    """The top pairs from the monthly rollup, their callers from repeats.py: no grouping of orders by phone."""
    lo, hi = ctx.filters.created_from, ctx.filters.created_to
    rows, params = daily.window(daily.BY_PLACE, lo, hi)
    top = ctx.engine.rows(
        f"SELECT category, community, sum(n)::BIGINT AS n FROM ({rows}) GROUP BY 1, 2 "
        f"HAVING sum(n) >= {COMMON_MIN_ORDERS} ORDER BY n DESC, 1, 2 LIMIT 20", params)
    repeated = repeats.callers_by_place(ctx.engine, lo, hi, [(c, m) for c, m, _ in top])
    return [(c, m, n, n - repeated.get((c, m), 0)) for c, m, n in top]


def _common_orders(ctx: Context) -> list[tuple]:
    """The top pairs and their distinct callers from the filtered orders."""
    where, params = ctx.filters.where()
    # The top groups first, then distinct callers for those groups only: count(DISTINCT phone) over
    # every (category, community) group was most of this module's time.
    top = (f"SELECT o.category, o.community, count(*) AS n FROM work_orders o WHERE {where} "
           f"AND o.category IS NOT NULL AND o.community IS NOT NULL "
           f"GROUP BY 1, 2 HAVING count(*) >= {COMMON_MIN_ORDERS} ORDER BY n DESC, 1, 2 LIMIT 20")
    return ctx.engine.rows(
        f"WITH top AS ({top}), callers AS (SELECT o.category, o.community, count(DISTINCT o.citizen_phone) AS callers "
        f"FROM work_orders o SEMI JOIN top t ON o.category = t.category AND o.community = t.community "
        f"WHERE {where} GROUP BY 1, 2) "
        f"SELECT top.category, top.community, top.n, callers.callers FROM top JOIN callers USING (category, community) "
        f"ORDER BY top.n DESC, 1, 2", params + params)


def _repeat_callers(ctx: Context) -> dict:
    """Callers with two or more orders in the window (phones masked)."""
    if daily.serves(ctx.filters):
        callers, orders, ranked = repeats.repeat_callers(ctx.engine, ctx.filters.created_from, ctx.filters.created_to, TOP)
        return {"callers": callers, "orders": orders,
                "top": [{"caller": mask_phone(phone), "count": n} for phone, n in ranked], "drill": None}
    where, params = ctx.filters.where()
    rows = ctx.engine.rows(
        f"WITH per AS (SELECT o.citizen_phone AS phone, count(*) AS n FROM work_orders o WHERE {where} "
        f"GROUP BY 1 HAVING count(*) >= 2) "
        f"SELECT (SELECT count(*) FROM per), (SELECT coalesce(sum(n), 0) FROM per), phone, n "
        f"FROM (SELECT * FROM per ORDER BY n DESC, phone LIMIT {TOP}) RIGHT JOIN (SELECT 1) ON TRUE", params)
    callers, orders = (rows[0][0], int(rows[0][1])) if rows else (0, 0)
    top = [{"caller": mask_phone(phone), "count": n} for _, _, phone, n in rows if phone is not None]
    return {"callers": callers, "orders": orders, "top": top, "drill": None}


