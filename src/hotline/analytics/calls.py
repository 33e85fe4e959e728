"""话务统计分析: calls offered, answered, abandoned; answer speed, service level, talk time; by interval and agent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hotline.analytics.common import Context, count_orders, grouping, time_unit
from hotline.analytics.filters import DIMENSIONS, bucket_end
from hotline.analytics.metrics import change, mean, ratio
from hotline.analytics.rollups import SUMS, agent_days, half_hours
from hotline.workorders.domain import mask_phone

ANSWER_THRESHOLD_SECONDS = 15  # GB/T 33358-2016: calls answered within 15 s
PEAKS = 5
# Agents listed one by one, busiest first (the `agents` option); the others are summed in one row. A city
# of 10M orders has ~2,700 agents on shift in a month: listing all cost ~20 ms and makes an unreadable chart.
AGENTS_LISTED = 100

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
    unit = time_unit(ctx, "day") if grouping(ctx)[0] else time_unit(ctx)
    # The window's calls by half-hour, from the rollups (rollups.py): every grouping here is coarser.
    halves, params = half_hours(ctx.filters.created_from, ctx.filters.created_to)
    rows = ctx.engine.dicts(
        f"SELECT date_trunc('{unit}', start) AS bucket, hour(start) * 2 + minute(start) // 30 AS slot, "
        f"isodow(start) AS weekday, {SUMS}, [GROUPING(bucket), GROUPING(slot), GROUPING(weekday)] AS g "
        f"FROM ({halves}) GROUP BY GROUPING SETS ((bucket), (slot), (weekday), ())", params)
    groups: dict[str, list[dict]] = {"bucket": [], "slot": [], "weekday": [], "total": []}
    for row in rows:
        flags = row.pop("g")
        key = "total" if all(flags) else ("bucket", "slot", "weekday")[flags.index(0)]
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
    agents, agent_params = agent_days(ctx.filters.created_from, ctx.filters.created_to)
    agent_rows = ctx.engine.dicts(f"SELECT agent, {SUMS} FROM ({agents}) WHERE agent IS NOT NULL GROUP BY 1", agent_params)
    out["agents"] = len(agent_rows)
    out["by_agent"], out["by_agent_others"] = _agents(ctx, agent_rows, int(ctx.options.get("agents") or AGENTS_LISTED))
    out["peak_intervals"] = _peaks(ctx, halves, params)
    out["calls_per_order"] = _per_order(ctx, total["offered"])
    out["missed_not_called_back"] = _missed(ctx, total["missed_not_called_back"], halves, params)
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
            halves, params = half_hours(other.created_from, other.created_to)
            count = int(ctx.engine.rows(f"SELECT coalesce(sum(offered), 0) FROM ({halves})", params)[0][0])
        out[key] = change(current, count)
    return out


def _agents(ctx: Context, rows: list[dict], listed: int) -> tuple[list[dict], dict | None]:
    """The `listed` busiest agents (most answered calls, then name): the call figures, hours on shift in
    the window and occupancy (talk ÷ shift time); and the other agents' figures summed (None if none)."""
    lo, hi = ctx.span()
    shifts = dict(ctx.engine.rows(
        "SELECT agent, sum(epoch(least(end_at, ?::TIMESTAMP)) - epoch(greatest(start_at, ?::TIMESTAMP))) "
        "FROM agent_shifts WHERE end_at > ? AND start_at < ? GROUP BY 1", [hi, lo, lo, hi]))
    ranked = sorted(rows, key=lambda r: (-r["answered"], r["agent"]))
    out = []
    for row in ranked[:listed]:
        shift = shifts.get(row["agent"])
        out.append({"key": row["agent"], **figures(row), "shift_hours": round(shift / 3600, 2) if shift else None,
                    "occupancy": ratio(row["talk"], shift)})
    rest = ranked[listed:]
    if not rest:
        return out, None
    parts = {k: sum(r[k] for r in rest) for k in _empty()}
    shift = sum(shifts.get(r["agent"]) or 0 for r in rest)
    # Occupancy over the agents with a shift in the window, as for a listed agent (None without one).
    talk_on_shift = sum(r["talk"] for r in rest if shifts.get(r["agent"]))
    return out, {"agents": len(rest), **figures(parts), "shift_hours": round(shift / 3600, 2) if shift else None,
                 "occupancy": ratio(talk_on_shift, shift)}


def _peaks(ctx: Context, halves: str, params: list) -> list[dict]:
    rows = ctx.engine.rows(
        f"SELECT start, sum(offered)::BIGINT AS offered, sum(answered)::BIGINT FROM ({halves}) "
        f"GROUP BY 1 ORDER BY offered DESC, start LIMIT {PEAKS}", params)
    return [{"start": s.isoformat(), "offered": n, "answer_rate": ratio(a, n)} for s, n, a in rows]


def _per_order(ctx: Context, offered: int) -> dict:
    """Calls offered ÷ phone orders created in the same window (the orders' filters apply to orders)."""
    phone_orders = count_orders(ctx, replace(ctx.filters, channel="phone"))
    figure = ratio(offered, phone_orders, digits=3)
    figure["drill"] = ctx.filters.drill(channel="phone")
    return figure


def _missed(ctx: Context, count: int, halves: str, params: list) -> dict:
    """Abandoned calls nobody has called back yet, oldest first."""
    window, window_params = ctx.filters.window_sql("queued_at")
    # The rollups say which half-hours hold the oldest such calls: read the calls up to there only.
    found = ctx.engine.rows(f"SELECT start FROM ({halves}) WHERE missed_open > 0 ORDER BY start LIMIT 20", params)
    until = [found[-1][0] + timedelta(minutes=30)] if found else []
    rows = ctx.engine.rows(
        f"SELECT caller, queued_at, wait_seconds FROM call_records WHERE {window} AND NOT answered "
        f"AND called_back_at IS NULL {'AND queued_at < ?' if until else ''} ORDER BY queued_at, id LIMIT 20",
        window_params + until)
    oldest = [{"caller": mask_phone(c), "queued_at": q.isoformat(), "wait_seconds": w} for c, q, w in rows]
    return {"count": count, "oldest": oldest}
