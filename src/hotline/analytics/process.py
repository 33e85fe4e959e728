"""我陪群众走流程: time at each lifecycle stage, where orders wait longest, and the flows between stages."""

from __future__ import annotations

from dataclasses import replace

from hotline.analytics import daily, process_orders
from hotline.analytics.common import Context, count_orders
from hotline.analytics.derived import WAIT_STAGES
from hotline.analytics.stages import PER_STAGE, figures, ordered, rolled_stage_rows, stretches

MIN_ORDERS_FOR_WAIT = 5  # a department-stage pair needs this many orders to be called a bottleneck
LONGEST_WAITS = 10
WAITS = "(" + ", ".join(f"'{s}'" for s in WAIT_STAGES) + ")"

PER_WAIT = (  # over f, rows of stages.stretches()
    "SELECT s.stage AS stage, s.department AS department, s.hours + CASE WHEN is_open AND s.stage = last_stage "
    "AND s.department = last_department THEN open_h ELSE 0 END AS h "
    "FROM (SELECT unnest(pr_waits) AS s, is_open, open_h, last_stage, last_department FROM f) "
    "UNION ALL SELECT last_stage, last_department, open_h FROM f WHERE is_open AND pr_last_wait_new "
    f"AND last_stage IN {WAITS} AND last_department IS NOT NULL")


def process(ctx: Context) -> dict:
    """The process sub-resource, over the stretches of the filtered orders (derived.py keeps them per order)."""
    if daily.serves(ctx.filters):
        stages, waits, flows = rolled_stage_rows(ctx), _rolled_waits(ctx), _rolled_flows(ctx)
    else:
        stages, waits, flows = _from_orders(ctx)
    return {
        "total": count_orders(ctx, ctx.filters),
        "drill": ctx.filters.drill(),
        "stages": [{"key": s, "orders": n, "average_hours": _r(a), "median_hours": _r(m), "p90_hours": _r(p),
                    "max_hours": _r(x)}
                   for s, n, a, m, p, x in stages],
        "longest_waits": [{"stage": s, "department": d, "department_name": ctx.name("department", d), "orders": n,
                           "average_hours": _r(a), "drill": ctx.filters.drill(department=d)}
                          for s, d, n, a in waits],
        "flows": [{"from": f, "to": t, "transitions": int(n), "orders": int(k)} for f, t, n, k in flows],
    }


def _from_orders(ctx: Context) -> tuple[list, list, list]:
    """(stages, waits, flows) in one statement: the filtered orders are found once for all three; the
    settled ones' figures are plain columns of process_orders.TABLE, the pending ones' from their lists."""
    where, params = ctx.filters.where()
    settled, settled_params = _settled(ctx.filters)
    found = ctx.engine.rows(
        f"WITH f AS MATERIALIZED ({stretches(daily.PENDING_ORDERS.name, where)}), s AS MATERIALIZED ({settled}) "
        f"SELECT 'stage', stage, NULL, n, average, quantiles, longest "
        f"FROM ({figures(process_orders.per_stage('s') + ' UNION ALL ' + PER_STAGE)}) "
        f"UNION ALL (SELECT 'wait', stage, department, count(*), avg(h), NULL, NULL "
        f"FROM ({process_orders.per_wait('s')} UNION ALL {PER_WAIT}) GROUP BY 2, 3 "
        f"HAVING count(*) >= {MIN_ORDERS_FOR_WAIT} ORDER BY 5 DESC LIMIT {LONGEST_WAITS}) "
        # The usual pairs' sums as one list; the others as rows.
        f"UNION ALL SELECT 'flows', NULL, NULL, NULL, NULL, sums, NULL FROM ({process_orders.flow_sums('s')}) "
        f"UNION ALL SELECT 'flow', *, NULL, NULL FROM ({process_orders.flows_more('s')} "
        f"UNION ALL SELECT x.from_status, x.to_status, sum(x.n), count(*) FROM (SELECT unnest(pr_flows) AS x FROM f) "
        f"GROUP BY 1, 2)", [ctx.now] + params + settled_params)
    parts: dict[str, list] = {"stage": [], "wait": [], "flow": [], "flows": []}
    for part, *row in found:
        parts[part].append(row)
    flows: dict[tuple[str, str], list[int]] = {}
    sums = parts["flows"][0][4]
    for i, pair in enumerate(process_orders.FLOWS):
        flows[pair] = [int(sums[2 * i]), int(sums[2 * i + 1])]
    for f, t, n, k, _, _ in parts["flow"]:
        flows.setdefault((f, t), [0, 0])
        flows[(f, t)][0] += int(n)
        flows[(f, t)][1] += int(k)
    return (ordered((s, n, a, *q, x) for s, _, n, a, q, x in parts["stage"]),
            sorted(((s, d, n, a) for s, d, n, a, _, _ in parts["wait"]), key=lambda w: -w[3]),
            sorted(((f, t, n, k) for (f, t), (n, k) in flows.items() if k), key=lambda w: (-w[2], w[0], w[1])))


def _settled(filters) -> tuple[str, list]:
    """SQL (and parameters) of the filtered settled orders' rows of process_orders.TABLE."""
    columns = f"SELECT {', '.join(process_orders.FIGURE_COLUMNS)} FROM {process_orders.TABLE.name} o WHERE"
    if filters.category is None:
        where, params = filters.where()
        return f"{columns} {where}", params
    # A category filter matches either level: `category = ? OR category_l1 = ?`, which DuckDB cannot check
    # against the row groups' min/max, so it read every column of the district's month (~150k rows at 10M).
    # As two disjoint arms of plain equalities each reads only the row groups of its category.
    where, params = replace(filters, category=None).where()
    value = filters.category
    return (f"{columns} {where} AND o.category_l1 = ? UNION ALL "
            f"{columns} {where} AND o.category = ? AND o.category_l1 IS DISTINCT FROM ?",
            params + [value] + params + [value, value])


def _rolled_waits(ctx: Context) -> list[tuple]:
    """(stage, department, orders, average hours) of the longest waits, from the daily rollup."""
    # The settled orders' waits from the daily rollup, the pending orders' (which grow with now) from them.
    rolled, rolled_params = daily.window_by_month(daily.BY_WAIT_MONTH, daily.BY_WAIT, ctx.filters.created_from,
                                                  ctx.filters.created_to)
    window, window_params = ctx.filters.window_sql("o.created_at")
    pending = stretches(daily.PENDING_ORDERS.name, window)
    return ctx.engine.rows(
        f"WITH f AS ({pending}) SELECT stage, department, sum(n)::BIGINT AS n, sum(hours) / sum(n) FROM ("
        f"SELECT stage, department, n, micros / 3600e6 AS hours FROM ({rolled}) "
        f"UNION ALL SELECT stage, department, 1, h FROM ({PER_WAIT})) "
        f"GROUP BY 1, 2 HAVING sum(n) >= {MIN_ORDERS_FOR_WAIT} ORDER BY 4 DESC LIMIT {LONGEST_WAITS}",
        [ctx.now] + window_params + rolled_params)


def _rolled_flows(ctx: Context) -> list[tuple]:
    """(from, to, transitions, orders) between statuses, most transitions first, from the daily rollup."""
    rows, params = daily.window(daily.BY_FLOW, ctx.filters.created_from, ctx.filters.created_to)
    return ctx.engine.rows(f"SELECT from_status, to_status, sum(transitions), sum(n) FROM ({rows}) "
                           f"GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 3 DESC, 1, 2", params)


def _r(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
