"""话务统计分析: calls offered, answered, abandoned; answer speed, service level, talk time; by interval and agent."""

from __future__ import annotations

from hotline.analytics.common import Context, grouping, time_unit
from hotline.analytics.filters import DIMENSIONS, bucket_end
from hotline.analytics.metrics import change, mean, ratio
from hotline.workorders.domain import mask_phone

ANSWER_THRESHOLD_SECONDS = 15  # GB/T 33358-2016: calls answered within 15 s
PEAKS = 5

# One aggregate row per group: the parts every call figure is computed from.
PARTS = (
    "count(*) AS offered",
    "count(*) FILTER (WHERE answered) AS answered",
    f"count(*) FILTER (WHERE answered AND wait_seconds <= {ANSWER_THRESHOLD_SECONDS}) AS answered_fast",
    "coalesce(sum(wait_seconds) FILTER (WHERE answered), 0) AS wait_answered",
    "coalesce(sum(talk_seconds) FILTER (WHERE answered), 0) AS talk",
    "coalesce(sum(wait_seconds) FILTER (WHERE NOT answered), 0) AS wait_abandoned",
    "count(*) FILTER (WHERE NOT answered AND called_back_at IS NULL) AS missed_open",
)


def figures(parts: dict) -> dict:
    """Every call figure of one group from its parts (pure)."""
    offered, answered, fast = parts["offered"], parts["answered"], parts["answered_fast"]
    abandoned = offered - answered
    return {
        "offered": offered, "answered": answered, "abandoned": abandoned,
        "answer_rate": ratio(answered, offered),
        "answered_within_15s_rate": ratio(fast, answered),
        "service_level": ratio(fast, offered),
        "abandonment_rate": ratio(abandoned, offered),
        "asa_seconds": mean(parts["wait_answered"], answered),
        "average_talk_seconds": mean(parts["talk"], answered),
        "average_abandon_wait_seconds": mean(parts["wait_abandoned"], abandoned),
        "missed_not_called_back": parts["missed_open"],
    }


def calls(ctx: Context) -> dict:
    """The calls module; only the time window applies to calls (the other filters describe orders)."""
    window, params = ctx.filters.window_sql("queued_at")
    unit = time_unit(ctx, "day") if grouping(ctx)[0] else time_unit(ctx)
    slot = "(hour(queued_at) * 2 + minute(queued_at) // 30)"
    rows = ctx.engine.dicts(
        f"SELECT date_trunc('{unit}', queued_at) AS bucket, {slot} AS slot, isodow(queued_at) AS weekday, agent, "
        f"{', '.join(PARTS)}, [GROUPING(bucket), GROUPING(slot), GROUPING(weekday), GROUPING(agent)] AS g "
        f"FROM call_records WHERE {window} "
        f"GROUP BY GROUPING SETS ((bucket), (slot), (weekday), (agent), ())", params)
    groups: dict[str, list[dict]] = {"bucket": [], "slot": [], "weekday": [], "agent": [], "total": []}
    for row in rows:
        flags = row.pop("g")
        key = "total" if all(flags) else ("bucket", "slot", "weekday", "agent")[flags.index(0)]
        groups[key].append(row)
    total = figures(groups["total"][0]) if groups["total"] else figures(_empty())
    out = {"total": total["offered"], **total}
    out["ignored_filters"] = [d for d in DIMENSIONS if getattr(ctx.filters, d) is not None]
    out["compare"] = _compare(ctx, total["offered"])
    out["by_time"] = [
        {"key": r["bucket"].isoformat(), "until": bucket_end(r["bucket"], unit).isoformat(), **figures(r)}
        for r in sorted(groups["bucket"], key=lambda r: r["bucket"])]
    out["group_by"] = unit
    out["by_half_hour"] = [{"key": _slot_name(r["slot"]), **figures(r)} for r in sorted(groups["slot"], key=lambda r: r["slot"])]
    out["by_weekday"] = [{"key": r["weekday"], **figures(r)} for r in sorted(groups["weekday"], key=lambda r: r["weekday"])]
    out["by_agent"] = _agents(ctx, [r for r in groups["agent"] if r["agent"] is not None])
    out["peak_intervals"] = _peaks(ctx)
    out["calls_per_order"] = _per_order(ctx, total["offered"])
    out["missed_not_called_back"] = _missed(ctx, total["missed_not_called_back"])
    return out


def _empty() -> dict:
    return {k: 0 for k in ("offered", "answered", "answered_fast", "wait_answered", "talk", "wait_abandoned", "missed_open")}


def _slot_name(slot: int) -> str:
    return f"{slot // 2:02d}:{30 * (slot % 2):02d}"


def _compare(ctx: Context, current: int) -> dict:
    out = {}
    for key, kind in (("previous_period", "previous"), ("year_ago", "year_ago")):
        other = ctx.filters.shifted(kind)
        count = None
        if other is not None:
            window, params = other.window_sql("queued_at")
            count = ctx.engine.rows(f"SELECT count(*) FROM call_records WHERE {window}", params)[0][0]
        out[key] = change(current, count)
    return out


def _agents(ctx: Context, rows: list[dict]) -> list[dict]:
    """Per agent: the call figures, hours on shift in the window and occupancy (talk ÷ shift time)."""
    lo, hi = ctx.span()
    shifts = dict(ctx.engine.rows(
        "SELECT agent, sum(epoch(least(end_at, ?::TIMESTAMP)) - epoch(greatest(start_at, ?::TIMESTAMP))) "
        "FROM agent_shifts WHERE end_at > ? AND start_at < ? GROUP BY 1", [hi, lo, lo, hi]))
    out = []
    for row in sorted(rows, key=lambda r: (-r["answered"], r["agent"])):
        shift = shifts.get(row["agent"])
        out.append({"key": row["agent"], **figures(row), "shift_hours": round(shift / 3600, 2) if shift else None,
                    "occupancy": ratio(row["talk"], shift)})
    return out


def _peaks(ctx: Context) -> list[dict]:
    window, params = ctx.filters.window_sql("queued_at")
    rows = ctx.engine.rows(
        f"SELECT time_bucket(INTERVAL 30 MINUTE, queued_at) AS start, count(*) AS offered, "
        f"count(*) FILTER (WHERE answered) AS answered FROM call_records WHERE {window} "
        f"GROUP BY 1 ORDER BY offered DESC, start LIMIT {PEAKS}", params)
    return [{"start": s.isoformat(), "offered": n, "answer_rate": ratio(a, n)} for s, n, a in rows]


def _per_order(ctx: Context, offered: int) -> dict:
    """Calls offered ÷ phone orders created in the same window (the orders' filters apply to orders)."""
    where, params = ctx.filters.where()
    phone_orders = ctx.engine.rows(f"SELECT count(*) FROM work_orders o WHERE {where} AND o.channel = 'phone'",
                                   params)[0][0]
    figure = ratio(offered, phone_orders, digits=3)
    figure["drill"] = ctx.filters.drill(channel="phone")
    return figure


def _missed(ctx: Context, count: int) -> dict:
    """Abandoned calls nobody has called back yet, oldest first."""
    window, params = ctx.filters.window_sql("queued_at")
    rows = ctx.engine.rows(
        f"SELECT caller, queued_at, wait_seconds FROM call_records WHERE {window} AND NOT answered "
        f"AND called_back_at IS NULL ORDER BY queued_at, id LIMIT 20", params)
    oldest = [{"caller": mask_phone(c), "queued_at": q.isoformat(), "wait_seconds": w} for c, q, w in rows]
    return {"count": count, "oldest": oldest}
