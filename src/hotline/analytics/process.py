"""我陪群众走流程: time at each lifecycle stage, where orders wait longest, and the flows between stages."""

from __future__ import annotations

from hotline.analytics.common import Context
from hotline.analytics.efficiency import OPEN

MIN_ORDERS_FOR_WAIT = 5  # a department-stage pair needs this many orders to be called a bottleneck


def process(ctx: Context) -> dict:
    """The process sub-resource, over the events of the filtered orders."""
    where, params = ctx.filters.where()
    # Each event starts a stretch in its to_status that lasts until the order's next event, or until
    # now if the order is still open there; an order's stretches in one status add up to its stage time.
    stretches = (
        f"SELECT e.order_id, e.to_status AS stage, e.department, o.status AS current, "
        f"epoch(coalesce(lead(e.at) OVER w, CASE WHEN o.status IN {OPEN} THEN ?::TIMESTAMP END) - e.at) / 3600.0 AS hours, "
        f"e.from_status, e.to_status, e.action "
        f"FROM order_events e JOIN work_orders o ON o.id = e.order_id WHERE {where} "
        f"WINDOW w AS (PARTITION BY e.order_id ORDER BY e.id)")
    cursor_sql = (
        f"CREATE TEMP TABLE _s AS {stretches}")
    con = ctx.engine.cursor()  # one connection: the temp table lives as long as it does
    try:
        con.execute(cursor_sql, [ctx.now] + params)
        stages = con.execute(
            "WITH per AS (SELECT order_id, stage, sum(hours) AS h FROM _s WHERE hours IS NOT NULL GROUP BY 1, 2) "
            "SELECT stage, count(*), avg(h), quantile_cont(h, 0.5), quantile_cont(h, 0.9), max(h) FROM per "
            "GROUP BY 1 ORDER BY avg(h) DESC").fetchall()
        waits = con.execute(
            "WITH per AS (SELECT order_id, stage, department, sum(hours) AS h FROM _s "
            "WHERE hours IS NOT NULL AND department IS NOT NULL AND stage IN ('dispatched', 'in_progress', 'returned') "
            "GROUP BY 1, 2, 3) "
            f"SELECT stage, department, count(*), avg(h) FROM per GROUP BY 1, 2 HAVING count(*) >= {MIN_ORDERS_FOR_WAIT} "
            "ORDER BY avg(h) DESC LIMIT 10").fetchall()
        flows = con.execute(
            "SELECT coalesce(from_status, 'new'), to_status, count(*), count(DISTINCT order_id) FROM _s "
            "WHERE from_status IS DISTINCT FROM to_status GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2").fetchall()
        total = con.execute(
            f"SELECT count(*) FROM work_orders o WHERE {where}", params).fetchone()[0]
        con.execute("DROP TABLE _s")
    finally:
        con.close()
    return {
        "total": total,
        "drill": ctx.filters.drill(),
        "stages": [{"key": s, "orders": n, "average_hours": _r(a), "median_hours": _r(m), "p90_hours": _r(p),
                    "max_hours": _r(x)}
                   for s, n, a, m, p, x in stages],
        "longest_waits": [{"stage": s, "department": d, "department_name": ctx.name("department", d), "orders": n,
                           "average_hours": _r(a), "drill": ctx.filters.drill(department=d)} for s, d, n, a in waits],
        "flows": [{"from": f, "to": t, "transitions": n, "orders": k} for f, t, n, k in flows],
    }


def _r(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
