"""工单质量: registration and reply faults of each order, rolled up per call-taker and per department."""

from __future__ import annotations

from hotline.analytics import daily
from hotline.analytics.bits import QUAL, QUALITY_COUNTS, counted
from hotline.analytics.common import Context
from hotline.analytics.metrics import ratio
from hotline.analytics.quality import FLAGS, REGISTRATION_FLAGS, REPLY_FLAGS

MOST_FAULTS = 20  # orders listed in orders_with_most_faults

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
    where, params = ctx.filters.where()
    worst = [(number, *(bool(bits & QUAL[f]) for f in FLAGS)) for number, bits in ctx.engine.rows(
        f"SELECT o.number, o.q_bits FROM work_orders o WHERE {where} AND {daily.FAULTS} >= ? "
        f"ORDER BY {daily.FAULTS} DESC, o.created_at DESC, o.id DESC LIMIT {MOST_FAULTS}", params + [_fewest_faults(ctx)])]
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


def _fewest_faults(ctx: Context) -> int:
    """The fewest faults an order among the MOST_FAULTS with most may have: with a window alone, the most
    faults with at least MOST_FAULTS orders having as many or more (daily rollup), so that the ranking sorts
    those few orders, not a year of them; else 1 (orders without a fault are never listed)."""
    if not daily.serves(ctx.filters):
        return 1
    rows, params = daily.window(daily.BY_FAULTS, ctx.filters.created_from, ctx.filters.created_to)
    at_least = 0
    for faults, n in ctx.engine.rows(f"SELECT faults, sum(n) FROM ({rows}) WHERE faults > 0 GROUP BY 1 ORDER BY 1 DESC",
                                     params):
        at_least += n
        if at_least >= MOST_FAULTS:
            return faults
    return 1


def _rolled_rows(ctx: Context) -> list[dict]:
    """The rows of _order_rows from the rollups (whole months by month, the edges by day: daily.py); the
    total is the sum of the departments'."""
    found, params = daily.window_by_month(daily.BY_QUALITY_MONTH, daily.BY_QUALITY, ctx.filters.created_from,
                                          ctx.filters.created_to)
    names = ["orders" if m == "n" else m for m in daily.BY_QUALITY.measures]
    sums = ", ".join(f"sum({m})::BIGINT AS {name}" for m, name in zip(daily.BY_QUALITY.measures, names, strict=True))
    rows = [row | {"taker": row["value"] if row["dim"] == "created_by" else None,
                   "department": row["value"] if row["dim"] == "department" else None,
                   "g": [0, 1] if row["dim"] == "created_by" else [1, 0]}
            for row in ctx.engine.dicts(f"SELECT dim, value, {sums} FROM ({found}) GROUP BY 1, 2", params)]
    # Each order is counted once per call-taker and once per department (NULL too): the total adds one of
    # the two (a few dozen rows: here, not a second grouping in SQL).
    departments = [r for r in rows if r["dim"] == "department"]
    if departments:
        rows.append({"taker": None, "department": None, "g": [1, 1]}
                    | {name: sum(r[name] for r in departments) for name in names})
    return rows


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
