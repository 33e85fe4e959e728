"""工单质量: registration and reply faults of each order, rolled up per call-taker and per department."""

from __future__ import annotations

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


def _any(flags) -> str:
    return "(" + " OR ".join(f"o.{f}" for f in flags) + ")"


def quality(ctx: Context) -> dict:
    """The quality sub-resource: fault counts, rates per call-taker and department, worst orders."""
    where, params = ctx.filters.where()
    counts = ", ".join(f"count(*) FILTER (WHERE o.{f}) AS {f}" for f in FLAGS)
    parts = (f"count(*) AS orders, count(*) FILTER (WHERE {_any(REGISTRATION_FLAGS)}) AS registration, "
             f"count(*) FILTER (WHERE o.replied_at IS NOT NULL OR o.closed_directly) AS replied, "
             f"count(*) FILTER (WHERE {_any(REPLY_FLAGS)}) AS reply, {counts}")
    rows = ctx.engine.dicts(
        f"SELECT o.created_by AS taker, o.department AS department, {parts}, "
        f"[GROUPING(o.created_by), GROUPING(o.department)] AS g FROM work_orders o WHERE {where} "
        f"GROUP BY GROUPING SETS ((o.created_by), (o.department), ())", params)
    total = next((r for r in rows if all(r["g"])), None) or {k: 0 for k in ("orders", "registration", "replied", "reply", *FLAGS)}
    worst = ctx.engine.rows(
        f"SELECT o.number, {', '.join('o.' + f for f in FLAGS)} FROM work_orders o WHERE {where} AND "
        f"({_any(FLAGS)}) ORDER BY ({' + '.join('o.' + f + '::INT' for f in FLAGS)}) DESC, o.created_at DESC LIMIT 20",
        params)
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


def _sorted(rows: list[dict], grouping: list[int], by: str) -> list[dict]:
    return sorted((r for r in rows if r["g"] == grouping), key=lambda r: (-r[by], str(r["taker"] or r["department"])))


def _rollup(row: dict, key: str, flags, base: str, faulty: str, ctx: Context) -> dict:
    out = {"key": row[key], "orders": row["orders"], "issue_rate": ratio(row[faulty], row[base])}
    out |= {f: row[f] for f in flags}
    if key == "department":
        out["name"] = ctx.name("department", row[key])
        out["drill"] = ctx.filters.drill(department=row[key])
    return out
