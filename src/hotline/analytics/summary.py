"""数据汇总分析: one period's totals and key rates across the modules, with the headline changes, for reports."""

from __future__ import annotations

from hotline.analytics import calls as calls_module
from hotline.analytics import daily
from hotline.analytics import efficiency as eff
from hotline.analytics.bits import QUAL, any_bit
from hotline.analytics.common import Context
from hotline.analytics.filters import Filters
from hotline.analytics.metrics import change, composite, ratio
from hotline.analytics.quality import REGISTRATION_FLAGS, REPLY_FLAGS
from hotline.analytics.rollups import SUMS, half_hours

# Figures whose changes make headlines: (key, label zh, label en, higher is better).
HEADLINES = (
    ("orders", "诉求量", "requests", None),
    ("calls_offered", "呼入量", "calls offered", None),
    ("answer_rate", "接通率", "answer rate", True),
    ("service_level", "15秒服务水平", "15-second service level", True),
    ("on_time_completion_rate", "按时办结率", "on-time completion", True),
    ("response_rate", "响应率", "response rate", True),
    ("resolution_rate", "解决率", "resolution rate", True),
    ("satisfaction_rate", "满意率", "satisfaction rate", True),
    ("return_rate", "退单率", "return rate", False),
    ("reopen_rate", "重办率", "reopen rate", False),
    ("direct_close_rate", "直接办结率", "direct closure rate", True),
)


_OWN = ("closed_directly", "registration_issues", "reply_issues", "dispatches", "returns")  # besides eff.PART_NAMES


def period_parts(ctx: Context, periods: list[Filters]) -> list[tuple[dict, dict]]:
    """(order parts, call parts) of each period (the periods differ only in their windows): calls from their
    rollups, orders from the daily rollups (daily.py) where they serve, else from passes over the orders."""
    call_sql, call_params = [], []
    rolled = {}
    for i, filters in enumerate(periods):
        halves, halves_params = half_hours(filters.created_from, filters.created_to)  # rollups.py
        call_sql.append(f"SELECT {i} AS period, {SUMS} FROM ({halves})")
        call_params += halves_params
        if daily.serves(filters):  # from the daily order rollups (daily.py)
            rolled[i] = eff.summed(list(eff.rolled_parts(ctx, filters).values()))
    order_sql, order_params = [], []
    for indices in _passes({i: f for i, f in enumerate(periods) if i not in rolled}):
        sql, params = _order_pass(ctx, periods, indices)
        order_sql.append(sql)
        order_params += params
    groups: dict[int, list[dict]] = {i: [] for i in range(len(periods))}
    if order_sql:
        for row in ctx.engine.dicts(" UNION ALL ".join(order_sql), order_params):
            groups[row["period"]].append(row)
    calls = {r["period"]: r for r in ctx.engine.dicts(" UNION ALL ".join(call_sql), call_params)}
    out = []
    for i in range(len(periods)):
        if i in rolled:
            empty = dict.fromkeys((*eff.PART_NAMES, *_OWN), 0)
            out.append((empty | rolled[i], calls[i]))
            continue
        parts = eff.parts_of(groups[i])
        for name in _OWN:
            parts[name] = int(sum(g[name] for g in groups[i]))
        out.append((parts, calls[i]))
    return out


def _passes(periods: dict[int, Filters]) -> list[list[int]]:
    """The periods' indices in groups of periods with disjoint windows, each group one pass over the orders
    (one pass reads the filter columns once instead of once per period; a month's three periods are disjoint)."""
    groups: list[list[tuple[int, Filters]]] = []
    for index, period in periods.items():
        group = next((g for g in groups if all(_disjoint(period, other) for _, other in g)), None)
        if group is None:
            groups.append(group := [])
        group.append((index, period))
    return [[index for index, _ in group] for group in groups]


def _disjoint(a: Filters, b: Filters) -> bool:
    return (a.created_to is not None and b.created_from is not None and a.created_to <= b.created_from) or \
        (b.created_to is not None and a.created_from is not None and b.created_to <= a.created_from)


def _order_pass(ctx: Context, periods: list[Filters], indices: list[int]) -> tuple[str, list]:
    """One statement of the order parts of periods with disjoint windows, by period and eff_bits."""
    windows = [periods[i].window_sql("o.created_at") for i in indices]
    window_params = [p for _, params in windows for p in params]
    case = " ".join(f"WHEN {sql} THEN {i}" for i, (sql, _) in zip(indices, windows, strict=True))
    either = " OR ".join(f"({sql})" for sql, _ in windows)
    where, params = periods[indices[0]].where(window=False)
    issues = ", ".join(f"count(*) FILTER (WHERE {any_bit('o.q_bits', QUAL, group)}) AS {name}"
                       for name, group in (("registration_issues", REGISTRATION_FLAGS), ("reply_issues", REPLY_FLAGS)))
    # The per-order event counters (see efficiency._event_parts) stand in for a join with the events.
    sql = (f"SELECT CASE {case} END AS period, {eff.GROUP_PARTS}, "
           f"count(*) FILTER (WHERE o.closed_directly) AS closed_directly, {issues}, "
           f"coalesce(sum(o.ev_dispatches), 0) AS dispatches, coalesce(sum(o.ev_returns), 0) AS returns "
           f"FROM work_orders o WHERE {where} AND ({either}) GROUP BY 1, o.eff_bits")
    return sql, window_params + [ctx.now] * 4 + params + window_params


def period_figures(filters: Filters, parts: dict, call_parts: dict) -> dict:
    """The key figures of one period from its parts (pure arithmetic)."""
    figures = eff.figures(parts)
    calls = calls_module.figures(call_parts)
    rates = {k: figures[f"{k}_rate"]["rate"] for k in ("response", "resolution", "satisfaction")}
    return {
        "orders": parts["orders"], "drill": filters.drill(),
        "calls_offered": calls["offered"], "calls_answered": calls["answered"],
        "answer_rate": calls["answer_rate"], "service_level": calls["service_level"],
        "abandonment_rate": calls["abandonment_rate"], "asa_seconds": calls["asa_seconds"],
        "average_talk_seconds": calls["average_talk_seconds"],
        "on_time_signing_rate": figures["on_time_signing_rate"], "on_time_completion_rate": figures["on_time_completion_rate"],
        "overdue_now": figures["overdue_now"], "return_rate": figures["return_rate"], "reopen_rate": figures["reopen_rate"],
        "response_rate": figures["response_rate"], "resolution_rate": figures["resolution_rate"],
        "satisfaction_rate": figures["satisfaction_rate"],
        "composite_score": composite(rates, eff.DEFAULT_WEIGHTS),
        "direct_close_rate": ratio(parts["closed_directly"], parts["orders"]),
        "registration_issue_rate": ratio(parts["registration_issues"], parts["orders"]),
        "reply_issue_rate": ratio(parts["reply_issues"], parts["orders"]),
    }


def summary(ctx: Context) -> dict:
    """The summary module: this period, the previous one, the same one last year, and what changed most."""
    shifted = {key: ctx.filters.shifted(kind) for key, kind in (("previous_period", "previous"), ("year_ago", "year_ago"))}
    periods = [ctx.filters] + [f for f in shifted.values() if f is not None]
    figures = [period_figures(f, *parts) for f, parts in zip(periods, period_parts(ctx, periods), strict=True)]
    current, rest = figures[0], iter(figures[1:])
    others = {key: (next(rest) if f is not None else None) for key, f in shifted.items()}
    return {
        "total": current["orders"],
        "drill": current["drill"],
        "period": {"from": _iso(ctx.filters.created_from), "to": _iso(ctx.filters.created_to)},
        "current": current,
        **others,
        "headlines": headlines(current, others["previous_period"]),
    }


def _value(figure) -> float | None:
    return figure["rate"] if isinstance(figure, dict) else figure


def headlines(current: dict, previous: dict | None) -> list[dict]:
    """The figures that moved, biggest relative move first, each in a sentence (zh and en)."""
    if previous is None:
        return []
    out = []
    for key, zh, en, better_up in HEADLINES:
        moved = change(_value(current[key]), _value(previous[key]))
        if moved["change"] in (None, 0):
            continue
        up = moved["change"] > 0
        is_rate = isinstance(current[key], dict)
        amount = f"{abs(moved['change']) * 100:.1f} 个百分点" if is_rate else f"{abs(moved['change_rate'] or 0) * 100:.1f}%"
        amount_en = f"{abs(moved['change']) * 100:.1f} points" if is_rate else f"{abs(moved['change_rate'] or 0) * 100:.1f}%"
        out.append({
            "key": key, **moved, "good": None if better_up is None else up == better_up,
            "text_zh": f"{zh}{'上升' if up else '下降'}{amount}",
            "text_en": f"{en} {'up' if up else 'down'} {amount_en}",
            "weight": abs(moved["change"]) if is_rate else abs(moved["change_rate"] or 0),
        })
    out.sort(key=lambda h: -h["weight"])
    return out


def _iso(value) -> str | None:
    return value.isoformat() if value else None
