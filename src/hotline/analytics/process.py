"""我陪群众走流程: time at each lifecycle stage, where orders wait longest, and the flows between stages."""

from __future__ import annotations

from hotline.analytics import daily
from hotline.analytics.common import Context, count_orders
from hotline.analytics.derived import WAIT_STAGES
from hotline.analytics.efficiency import OPEN

MIN_ORDERS_FOR_WAIT = 5  # a department-stage pair needs this many orders to be called a bottleneck
LONGEST_WAITS = 10
WAITS = "(" + ", ".join(f"'{s}'" for s in WAIT_STAGES) + ")"


def _stretches(source: str, where: str) -> str:
    """The orders of `source` matching `where` with what their stretches need (one `?`: now, first)."""
    # Each event starts a stretch in its to_status that lasts until the order's next event, or until
    # now if the order is still open there; an order's stretches in one status add up to its stage time.
    # The closed stretches are summed per order at copy time; only the last one's length depends on now.
    return (f"SELECT o.status IN {OPEN} AS is_open, epoch(?::TIMESTAMP - o.pr_last_at) / 3600.0 AS open_h, "
            f"o.pr_stages, o.pr_waits, o.pr_last_stage AS last_stage, o.pr_last_department AS last_department, "
            f"o.pr_last_new, o.pr_last_wait_new FROM {source} o WHERE {where} AND o.pr_last_at IS NOT NULL")


PER_STAGE = (  # over f, rows of _stretches
    "SELECT s.stage, s.hours + CASE WHEN is_open AND s.stage = last_stage THEN open_h ELSE 0 END AS h "
    "FROM (SELECT unnest(pr_stages) AS s, is_open, open_h, last_stage FROM f) "
    "UNION ALL SELECT last_stage, open_h FROM f WHERE is_open AND pr_last_new")
PER_WAIT = (
    "SELECT s.stage AS stage, s.department AS department, s.hours + CASE WHEN is_open AND s.stage = last_stage "
    "AND s.department = last_department THEN open_h ELSE 0 END AS h "
    "FROM (SELECT unnest(pr_waits) AS s, is_open, open_h, last_stage, last_department FROM f) "
    "UNION ALL SELECT last_stage, last_department, open_h FROM f WHERE is_open AND pr_last_wait_new "
    f"AND last_stage IN {WAITS} AND last_department IS NOT NULL")


def process(ctx: Context) -> dict:
    """The process sub-resource, over the stretches of the filtered orders (derived.py keeps them per order)."""
    where, params = ctx.filters.where()
    # Both quantiles from one list: one sort of each stage's hours instead of two (same values).
    stages = ctx.engine.rows(
        f"WITH f AS ({_stretches('work_orders', where)}) SELECT stage, count(*), avg(h), quantile_cont(h, [0.5, 0.9]), "
        f"max(h) FROM ({PER_STAGE}) GROUP BY 1 ORDER BY avg(h) DESC", [ctx.now] + params)
    return {
        "total": count_orders(ctx, ctx.filters),
        "drill": ctx.filters.drill(),
        "stages": [{"key": s, "orders": n, "average_hours": _r(a), "median_hours": _r(m), "p90_hours": _r(p),
                    "max_hours": _r(x)}
                   for s, n, a, (m, p), x in stages],
        "longest_waits": [{"stage": s, "department": d, "department_name": ctx.name("department", d), "orders": n,
                           "average_hours": _r(a), "drill": ctx.filters.drill(department=d)}
                          for s, d, n, a in _waits(ctx)],
        "flows": [{"from": f, "to": t, "transitions": int(n), "orders": int(k)} for f, t, n, k in _flows(ctx)],
    }


def _waits(ctx: Context) -> list[tuple]:
    """(stage, department, orders, average hours) of the longest waits."""
    keep = f"GROUP BY 1, 2 HAVING sum(n) >= {MIN_ORDERS_FOR_WAIT} ORDER BY 4 DESC LIMIT {LONGEST_WAITS}"
    if not daily.serves(ctx.filters):
        where, params = ctx.filters.where()
        return ctx.engine.rows(
            f"WITH f AS ({_stretches('work_orders', where)}) SELECT stage, department, count(*) AS n, avg(h) "
            f"FROM ({PER_WAIT}) GROUP BY 1, 2 HAVING count(*) >= {MIN_ORDERS_FOR_WAIT} ORDER BY avg(h) DESC "
            f"LIMIT {LONGEST_WAITS}", [ctx.now] + params)
    # The settled orders' waits from the daily rollup, the pending orders' (which grow with now) from them.
    rolled, rolled_params = daily.window(daily.BY_WAIT, ctx.filters.created_from, ctx.filters.created_to)
    window, window_params = ctx.filters.window_sql("o.created_at")
    pending = _stretches(daily.PENDING_ORDERS.name, window)
    return ctx.engine.rows(
        f"WITH f AS ({pending}) SELECT stage, department, sum(n)::BIGINT AS n, sum(hours) / sum(n) FROM ("
        f"SELECT stage, department, n, micros / 3600e6 AS hours FROM ({rolled}) "
        f"UNION ALL SELECT stage, department, 1, h FROM ({PER_WAIT})) {keep}",
        [ctx.now] + window_params + rolled_params)


def _flows(ctx: Context) -> list[tuple]:
    """(from, to, transitions, orders) between statuses, most transitions first."""
    order = "ORDER BY 3 DESC, 1, 2"
    if daily.serves(ctx.filters):
        rows, params = daily.window(daily.BY_FLOW, ctx.filters.created_from, ctx.filters.created_to)
        return ctx.engine.rows(f"SELECT from_status, to_status, sum(transitions), sum(n) FROM ({rows}) "
                               f"GROUP BY 1, 2 HAVING sum(n) > 0 {order}", params)
    where, params = ctx.filters.where()
    return ctx.engine.rows(
        f"SELECT x.from_status, x.to_status, sum(x.n), count(*) FROM "
        f"(SELECT unnest(o.pr_flows) AS x FROM work_orders o WHERE {where}) GROUP BY 1, 2 {order}", params)


def _r(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
