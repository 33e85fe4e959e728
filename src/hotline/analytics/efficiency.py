"""效能督办分析: per department and outside unit — timeliness, returns, reopenings, the three rates, a fair ranking."""

from __future__ import annotations

from hotline.analytics import daily
from hotline.analytics.bits import EFF, sum_bits
from hotline.analytics.common import Context
from hotline.analytics.metrics import composite, rank, ratio, shrunk_rate

DEFAULT_WEIGHTS = {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}
DEFAULT_MIN_COUNT = 30  # orders a department needs before it gets a place in the ranking
DEFAULT_STRENGTH = 20.0  # pseudo-orders of the city-wide rate mixed into each department's rates
OPEN = "('registered','dispatched','in_progress','returned','replied')"


def overdue_sql(now_param: str = "?") -> str:
    """The lifecycle's is_overdue as SQL: open and past the sign-by (while unsigned) or finish-by deadline."""
    return (f"(o.status IN {OPEN} AND ((o.status = 'dispatched' AND o.sign_due_at < {now_param}) OR "
            f"(o.finish_due_at IS NOT NULL AND o.status <> 'replied' AND o.finish_due_at < {now_param})))")


# The parts of every department figure.
PART_NAMES = ("orders", "sign_due", "signed_on_time", "finish_due", "finished_on_time", "overdue_now",
              "returned_orders", "ping_pong", "extended", "ever_replied", "reopened", "supervised",
              "supervision_notices", "called_back", "resolved", "rated", "satisfied")
STATIC = [n for n in PART_NAMES if n in EFF]  # counts of one packed condition each (bits.EFFICIENCY)
# The counts that compare a deadline with now, evaluated only on the rows whose bit says the deadline is
# still pending. Four `?`: the time now.
LATE = (
    f"count(*) FILTER (WHERE o.eff_bits & {EFF['sign_pending']} <> 0 AND o.sign_due_at < ?) AS sign_late, "
    f"count(*) FILTER (WHERE o.eff_bits & {EFF['finish_pending']} <> 0 AND o.finish_due_at < ?) AS finish_late, "
    f"count(*) FILTER (WHERE o.eff_bits & {EFF['open']} <> 0 AND {overdue_sql()}) AS overdue_now")
# One row per (…, eff_bits) group.
GROUP_PARTS = f"o.eff_bits AS bits, count(*) AS n, coalesce(sum(o.supervision_count), 0) AS notices, {LATE}"


def parts_of(groups: list[dict]) -> dict:
    """The parts (PART_NAMES) of the orders in GROUP_PARTS rows."""
    static = sum_bits(((g["bits"], g["n"]) for g in groups), EFF)
    return {
        "orders": sum(g["n"] for g in groups),
        "sign_due": static["sign_done"] + sum(g["sign_late"] for g in groups),
        "finish_due": static["finish_done"] + sum(g["finish_late"] for g in groups),
        "overdue_now": sum(g["overdue_now"] for g in groups),
        "supervision_notices": int(sum(g["notices"] for g in groups)),
    } | {name: static[name] for name in STATIC}


def figures(parts: dict) -> dict:
    """Every efficiency figure of one department from its parts (pure)."""
    late = parts["finish_due"] - parts["finished_on_time"]
    return {
        "orders": parts["orders"],
        "on_time_signing_rate": ratio(parts["signed_on_time"], parts["sign_due"]),
        "on_time_completion_rate": ratio(parts["finished_on_time"], parts["finish_due"]),
        "overdue_now": parts["overdue_now"],
        "overdue_ever": late,
        "overdue_rate": ratio(late, parts["finish_due"]),
        "return_rate": ratio(parts["returns"], parts["dispatches"]),
        "returns": parts["returns"], "dispatches": parts["dispatches"],
        "ping_pong_orders": parts["ping_pong"],
        "extension_rate": ratio(parts["extended"], parts["orders"]),
        "reopen_rate": ratio(parts["reopened"], parts["ever_replied"]),
        "supervised_orders": parts["supervised"], "supervision_notices": parts["supervision_notices"],
        "response_rate": ratio(parts["signed_on_time"], parts["sign_due"]),
        "resolution_rate": ratio(parts["resolved"], parts["called_back"]),
        "satisfaction_rate": ratio(parts["satisfied"], parts["rated"]),
    }


def rolled_parts(ctx: Context, filters) -> dict[str | None, dict]:
    """The parts of each order department (None too) from the daily rollup (daily.py), with the deadlines
    still pending counted on the orders; only for filters the rollups serve. Besides PART_NAMES each
    carries closed_directly, registration_issues, reply_issues and the orders' dispatches and returns."""
    rows, params = daily.window(daily.BY_DEPARTMENT, filters.created_from, filters.created_to)
    sums = ", ".join(f"sum({m})::BIGINT AS {m}" for m in daily.BY_DEPARTMENT.measures)
    found = ctx.engine.dicts(f"SELECT department, {sums} FROM ({rows}) GROUP BY 1", params)
    window, window_params = filters.window_sql("o.created_at")
    late = {r["department"]: r for r in ctx.engine.dicts(
        f"SELECT o.department AS department, {LATE} FROM {daily.PENDING_ORDERS.name} o WHERE {window} GROUP BY 1",
        [ctx.now] * 4 + window_params)}
    none = {"sign_late": 0, "finish_late": 0, "overdue_now": 0}
    out = {}
    for row in found:
        pending = late.get(row["department"], none)
        out[row["department"]] = {
            "orders": row["n"], "sign_due": row["sign_done"] + pending["sign_late"],
            "finish_due": row["finish_done"] + pending["finish_late"], "overdue_now": pending["overdue_now"],
            "supervision_notices": row["notices"],
        } | {name: row[name] for name in (*STATIC, "closed_directly", "registration_issues", "reply_issues",
                                          "dispatches", "returns")}
    return out


def summed(parts: list[dict]) -> dict:
    """The parts of several groups added up."""
    out: dict = {}
    for one in parts:
        for name, value in one.items():
            out[name] = out.get(name, 0) + value
    return out


def efficiency(ctx: Context) -> dict:
    """The efficiency module."""
    if daily.serves(ctx.filters):
        rolled = rolled_parts(ctx, ctx.filters)
        total_parts = summed(list(rolled.values())) or dict.fromkeys(PART_NAMES, 0)
        by_department = {code: {n: parts[n] for n in PART_NAMES} for code, parts in rolled.items() if code is not None}
        total_parts = {n: total_parts[n] for n in PART_NAMES}
    else:
        where, params = ctx.filters.where()
        rows = ctx.engine.dicts(
            f"SELECT o.department AS department, {GROUP_PARTS} FROM work_orders o WHERE {where} "
            f"GROUP BY o.department, o.eff_bits", [ctx.now] * 4 + params)
        groups: dict = {}
        for row in rows:
            groups.setdefault(row["department"], []).append(row)
        total_parts = parts_of(rows)
        by_department = {code: parts_of(found) for code, found in groups.items() if code is not None}
    events = _event_parts(ctx)
    total_parts |= {"dispatches": sum(e[0] for e in events.values()), "returns": sum(e[1] for e in events.values())}
    for code, (dispatches, returns) in events.items():
        by_department.setdefault(code, dict.fromkeys(PART_NAMES, 0))
        by_department[code] |= {"dispatches": dispatches, "returns": returns}
    for parts in by_department.values():
        parts.setdefault("dispatches", 0)
        parts.setdefault("returns", 0)
    city = figures(total_parts)
    departments = _ranked(ctx, by_department, city)
    return {
        "total": total_parts["orders"],
        "drill": ctx.filters.drill(),
        "now": ctx.now.isoformat(),
        "city": city,
        "weights": _weights(ctx),
        "ranking_rule": {"min_count": _min_count(ctx), "shrinkage_strength": _strength(ctx)},
        "departments": departments,
        "by_kind": _by_kind(ctx, by_department),
    }


def _event_parts(ctx: Context) -> dict[str, tuple[int, int]]:
    """Dispatches to and returns by each department, from the events of the filtered orders.

    The copy keeps each order's counts by department (work_orders.ev_departments, equal to its events),
    so this is one pass over the filtered orders rather than a join with every event."""
    if daily.serves(ctx.filters):
        rows, params = daily.window(daily.BY_EVENT_DEPARTMENT, ctx.filters.created_from, ctx.filters.created_to)
        found = ctx.engine.rows(f"SELECT department, sum(dispatches), sum(returns) FROM ({rows}) GROUP BY 1", params)
        return {code: (int(d), int(r)) for code, d, r in found}
    where, params = ctx.filters.where()
    rows = ctx.engine.rows(
        f"SELECT d.department, sum(d.dispatches), sum(d.returns) FROM "
        f"(SELECT unnest(o.ev_departments) AS d FROM work_orders o WHERE {where}) GROUP BY 1", params)
    return {code: (int(d), int(r)) for code, d, r in rows}


def _weights(ctx: Context) -> dict[str, float]:
    return ctx.options.get("weights") or DEFAULT_WEIGHTS


def _min_count(ctx: Context) -> int:
    return int(ctx.options.get("min_count") or DEFAULT_MIN_COUNT)


def _strength(ctx: Context) -> float:
    value = ctx.options.get("shrinkage")
    return DEFAULT_STRENGTH if value is None else float(value)


def _ranked(ctx: Context, by_department: dict[str, dict], city: dict) -> list[dict]:
    """Departments with their figures, a shrunk composite score and a rank when the sample is big enough."""
    kinds = dict(ctx.engine.rows("SELECT code, kind FROM departments"))
    strength = _strength(ctx)
    out, scores = [], {}
    for code, parts in by_department.items():
        row = {"key": code, "name": ctx.name("department", code), "kind": kinds.get(code)} | figures(parts)
        shrunk = {
            "response": shrunk_rate(parts["signed_on_time"], parts["sign_due"], city["response_rate"]["rate"], strength),
            "resolution": shrunk_rate(parts["resolved"], parts["called_back"], city["resolution_rate"]["rate"], strength),
            "satisfaction": shrunk_rate(parts["satisfied"], parts["rated"], city["satisfaction_rate"]["rate"], strength),
        }
        raw = {"response": row["response_rate"]["rate"], "resolution": row["resolution_rate"]["rate"],
               "satisfaction": row["satisfaction_rate"]["rate"]}
        row["composite_score"] = composite(raw, _weights(ctx))
        row["adjusted_score"] = composite(shrunk, _weights(ctx))
        row["drill"] = ctx.filters.drill(department=code)
        scores[code] = row["adjusted_score"]
        out.append(row)
    eligible = {r["key"] for r in out if r["orders"] >= _min_count(ctx)}
    places = rank(scores, eligible)
    for row in out:
        row["rank"] = places[row["key"]]
    out.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -r["orders"], r["key"]))
    return out


def _by_kind(ctx: Context, by_department: dict[str, dict]) -> list[dict]:
    """Departments, local governments and outside units (e.g. utilities) summed by kind."""
    kinds = dict(ctx.engine.rows("SELECT code, kind FROM departments"))
    sums: dict[str, dict] = {}
    for code, parts in by_department.items():
        kind = kinds.get(code) or "unknown"
        into = sums.setdefault(kind, {})
        for name, value in parts.items():
            if isinstance(value, int) and name not in ("g",):
                into[name] = into.get(name, 0) + value
    return [{"key": kind} | figures(parts) for kind, parts in sorted(sums.items())]
