"""我陪群众走流程: time at each lifecycle stage, where orders wait longest, and the flows between stages."""

from __future__ import annotations

from hotline.analytics.common import Context
from hotline.analytics.derived import WAIT_STAGES
from hotline.analytics.efficiency import OPEN

MIN_ORDERS_FOR_WAIT = 5  # a department-stage pair needs this many orders to be called a bottleneck
WAITS = "(" + ", ".join(f"'{s}'" for s in WAIT_STAGES) + ")"


def process(ctx: Context) -> dict:
    """The process sub-resource, over the stretches of the filtered orders (derived.py keeps them per order)."""
    where, params = ctx.filters.where()
    # Each event starts a stretch in its to_status that lasts until the order's next event, or until
    # now if the order is still open there; an order's stretches in one status add up to its stage time.
    # The closed stretches are summed per order at copy time; only the last one's length depends on now.
    orders = (f"SELECT o.status IN {OPEN} AS is_open, epoch(?::TIMESTAMP - o.pr_last_at) / 3600.0 AS open_h, "
              f"o.pr_stages, o.pr_waits, o.pr_last_stage AS last_stage, o.pr_last_department AS last_department, "
              f"o.pr_last_new, o.pr_last_wait_new FROM work_orders o WHERE {where} AND o.pr_last_at IS NOT NULL")
    per_stage = (
        "SELECT s.stage, s.hours + CASE WHEN is_open AND s.stage = last_stage THEN open_h ELSE 0 END AS h "
        "FROM (SELECT unnest(pr_stages) AS s, is_open, open_h, last_stage FROM f) "
        "UNION ALL SELECT last_stage, open_h FROM f WHERE is_open AND pr_last_new")
    per_wait = (
        "SELECT s.stage, s.department, s.hours + CASE WHEN is_open AND s.stage = last_stage "
        "AND s.department = last_department THEN open_h ELSE 0 END AS h "
        "FROM (SELECT unnest(pr_waits) AS s, is_open, open_h, last_stage, last_department FROM f) "
        "UNION ALL SELECT last_stage, last_department, open_h FROM f WHERE is_open AND pr_last_wait_new "
        f"AND last_stage IN {WAITS} AND last_department IS NOT NULL")
    stages = ctx.engine.rows(
        f"WITH f AS ({orders}) SELECT stage, count(*), avg(h), quantile_cont(h, 0.5), quantile_cont(h, 0.9), "
        f"max(h) FROM ({per_stage}) GROUP BY 1 ORDER BY avg(h) DESC", [ctx.now] + params)
    waits = ctx.engine.rows(
        f"WITH f AS ({orders}) SELECT stage, department, count(*), avg(h) FROM ({per_wait}) GROUP BY 1, 2 "
        f"HAVING count(*) >= {MIN_ORDERS_FOR_WAIT} ORDER BY avg(h) DESC LIMIT 10", [ctx.now] + params)
    flows = ctx.engine.rows(
        f"SELECT x.from_status, x.to_status, sum(x.n), count(*) FROM "
        f"(SELECT unnest(o.pr_flows) AS x FROM work_orders o WHERE {where}) GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
        params)
    total = ctx.engine.rows(f"SELECT count(*) FROM work_orders o WHERE {where}", params)[0][0]
    return {
        "total": total,
        "drill": ctx.filters.drill(),
        "stages": [{"key": s, "orders": n, "average_hours": _r(a), "median_hours": _r(m), "p90_hours": _r(p),
                    "max_hours": _r(x)}
                   for s, n, a, m, p, x in stages],
        "longest_waits": [{"stage": s, "department": d, "department_name": ctx.name("department", d), "orders": n,
                           "average_hours": _r(a), "drill": ctx.filters.drill(department=d)} for s, d, n, a in waits],
        "flows": [{"from": f, "to": t, "transitions": int(n), "orders": k} for f, t, n, k in flows],
    }


def _r(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
