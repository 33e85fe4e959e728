"""工单质量: registration and reply faults of each order, rolled up per call-taker and per department."""

from __future__ import annotations

from hotline.analytics import daily
from hotline.analytics.bits import QUAL, QUALITY_COUNTS, any_bit, counted
from hotline.analytics.common import Context
from hotline.analytics.metrics import ratio
from hotline.analytics.quality import FLAGS, REGISTRATION_FLAGS, REPLY_FLAGS

LABELS = {
    "q_missing_place": "缺少区县 / no district", "q_missing_category": "缺少分类 / no category",
    "q_missing_address": "缺少地址 / no address", "q_content_short": "内容过短 / content too short",
    "q_district_mismatch": "区县与地址不符 / district does not match the address",
    "q_category_mismatch": "分类与内容不符 / category does not match the text",
    "r_missing": "未答复 / reply missing", "r_short": "答复过短 / reply too short",
    "r_boilerplate": "套话答复 / boilerplate reply", "r_off_topic": "答非所问 / reply does not address the request",
}


def quality(ctx: Context) -> dict:
    """The quality sub-resource: fault counts, rates per call-taker and department, worst orders."""
    rows = _rolled_rows(ctx) if daily.serves(ctx.filters) else _order_rows(ctx)
    total = next((r for r in rows if all(r["g"])), None) or {k: 0 for k in ("orders", *(n for n, _ in QUALITY_COUNTS))}
    every = sum(QUAL[f] for f in FLAGS)
    where, params = ctx.filters.where()
    worst = [(number, *(bool(bits & QUAL[f]) for f in FLAGS)) for number, bits in ctx.engine.rows(
        f"SELECT o.number, o.q_bits FROM work_orders o WHERE {where} AND {any_bit('o.q_bits', QUAL, FLAGS)} "
        f"ORDER BY bit_count(o.q_bits & {every}) DESC, o.created_at DESC LIMIT 20", params)]
    return {
        "total": total["orders"],
        "drill": ctx.filters.drill(),
        "registration_issue_rate": ratio(total["registration"], total["orders"]),
        "reply_issue_rate": ratio(total["reply"], total["replied"]),
        "faults": [{"key": f, "label": LABELS[f], "count": total[f],
                    "rate": ratio(total[f], total["orders"] if f in REGISTRATION_FLAGS else total["replied"])} for f in FLAGS],
        "by_call_taker": [_rollup(r, "taker", REGISTRATION_FLAGS, "orders", "registration", ctx)
                          for r in _sorted(rows, [0, 1], "registration")],
        "by_department": [_rollup(r, "department", REPLY_FLAGS, "replied", "reply", ctx)
                          for r in _sorted(rows, [1, 0], "reply") if r["department"] is not None],
        "orders_with_most_faults": [{"number": n, "faults": [f for f, v in zip(FLAGS, vals, strict=True) if v]}
                                    for n, *vals in worst],
    }


def _rolled_rows(ctx: Context) -> list[dict]:
    """The rows of _order_rows from the daily rollup (daily.py); the total is the sum of the departments'."""
    found, params = daily.window(daily.BY_QUALITY, ctx.filters.created_from, ctx.filters.created_to)
    sums = ", ".join(f"sum({m})::BIGINT AS {'orders' if m == 'n' else m}" for m in daily.BY_QUALITY.measures)
    # Each order is counted once per call-taker and once per department: the total adds one of the two.
    return [row | {"g": list(row["g"])} for row in ctx.engine.dicts(
        f"SELECT CASE WHEN dim = 'created_by' THEN value END AS taker, "
        f"CASE WHEN dim = 'department' THEN value END AS department, "
        f"CASE WHEN GROUPING(value) = 1 THEN [1, 1] WHEN dim = 'created_by' THEN [0, 1] ELSE [1, 0] END AS g, {sums} "
        f"FROM ({found}) GROUP BY GROUPING SETS ((dim, value), (dim)) "
        f"HAVING GROUPING(value) = 0 OR dim = 'department'", params)]


def _order_rows(ctx: Context) -> list[dict]:
    """Counts per call-taker (g [0, 1]), per department ([1, 0]) and in all ([1, 1]) from the filtered orders."""
    where, params = ctx.filters.where()
    # Orders grouped by their packed flags first (bits.py), then the groups' counts summed per flag:
    # ~14 FILTERs over a few thousand groups instead of over every order.
    return [row | {"g": list(row["g"])} for row in ctx.engine.dicts(
        f"SELECT taker, department, g, sum(n)::BIGINT AS orders, {counted('q_bits', QUAL, QUALITY_COUNTS, 'sum(n)')} "
        f"FROM (SELECT o.created_by AS taker, o.department, o.q_bits, count(*) AS n, "
        f"[GROUPING(o.created_by), GROUPING(o.department)] AS g FROM work_orders o WHERE {where} "
        f"GROUP BY GROUPING SETS ((o.created_by, o.q_bits), (o.department, o.q_bits), (o.q_bits))) "
        f"GROUP BY taker, department, g", params)]


def _sorted(rows: list[dict], grouping: list[int], by: str) -> list[dict]:
    return sorted((r for r in rows if r["g"] == grouping), key=lambda r: (-r[by], str(r["taker"] or r["department"])))


def _rollup(row: dict, key: str, flags, base: str, faulty: str, ctx: Context) -> dict:
    out = {"key": row[key], "orders": row["orders"], "issue_rate": ratio(row[faulty], row[base])}
    out |= {f: row[f] for f in flags}
    if key == "department":
        out["name"] = ctx.name("department", row[key])
        out["drill"] = ctx.filters.drill(department=row[key])
    return out
