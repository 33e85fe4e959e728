"""平台整体感知: the live situation — today against yesterday and last week, the queue, open and overdue orders, alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hotline.analytics import daily
from hotline.analytics.common import Context, count_orders
from hotline.analytics.efficiency import OPEN, overdue_sql
from hotline.analytics.metrics import change, per_10k, ratio

SURGE_FACTOR = 3.0  # today so far against the usual pace of the last 28 days
SURGE_MIN_ORDERS = 5
LOW_ANSWER_RATE = 0.85
LOW_ANSWER_MIN_CALLS = 20
NEAR_DEADLINE = timedelta(hours=24)
RISING_MIN_ORDERS = 3


def overview(ctx: Context) -> dict:
    """The overview module; the live figures ignore the window (they are about now), `total` honours it."""
    now = ctx.now
    today = now.replace(hour=0, minute=0, second=0)
    until = now + timedelta(seconds=1)  # the current second counts as "so far"
    live = replace(ctx.filters, created_from=None, created_to=None)
    windows = {
        "today": (today, until), "yesterday": (today - timedelta(days=1), until - timedelta(days=1)),
        "last_week": (today - timedelta(days=7), until - timedelta(days=7)),
        "last_7_days": (until - timedelta(days=7), until), "previous_7_days": (until - timedelta(days=14), until - timedelta(days=7)),
        "past_28_days": (today - timedelta(days=28), today),
    }
    where, params = live.where()
    counts = ", ".join(f"count(*) FILTER (WHERE o.created_at >= ? AND o.created_at < ?) AS {k}" for k in windows)
    window_params = [x for pair in windows.values() for x in pair]
    # One plain GROUP BY (category, street), rolled up here: at 10M DuckDB's GROUPING SETS took longer
    # than reading the rows (a filtered 28 days: ~31 ms against ~24), and the pairs are few (~2k city-wide).
    pairs = ctx.engine.dicts(
        f"SELECT o.category AS category, o.street AS street, {counts} "
        f"FROM work_orders o WHERE {where} AND o.created_at >= ? AND o.created_at < ? GROUP BY 1, 2",
        window_params + params + [today - timedelta(days=28), until])
    names = tuple(windows)
    by_category, by_street = _sums(pairs, "category", names), _sums(pairs, "street", names)
    total_row = _sums(pairs, None, names).get(None, {k: 0 for k in windows})
    elapsed = (now - today).total_seconds() / 86400
    orders, districts = _orders(ctx, live, windows["today"])
    out = {
        "total": count_orders(ctx, ctx.filters),
        "drill": ctx.filters.drill(),
        "now": now.isoformat(),
        "today": _today(live, total_row, windows),
        "calls": _calls(ctx),
        "orders": orders,
        "rising_categories": _rising(ctx, live, by_category, "category"),
        "rising_places": _rising(ctx, live, by_street, "street"),
    }
    out["map"] = _map(ctx, live, districts)
    out["alerts"] = _alerts(ctx, live, by_category, out, elapsed)
    return out


def _today(live, row: dict, windows: dict) -> dict:
    figure = {"count": row["today"], "drill": live.drill(created_from=windows["today"][0], created_to=windows["today"][1])}
    for key in ("yesterday", "last_week"):
        figure[f"vs_{key}"] = change(row["today"], row[key]) | {
            "drill": live.drill(created_from=windows[key][0], created_to=windows[key][1])}
    return figure


def _calls(ctx: Context) -> dict:
    now = ctx.now
    offered, answered, missed = ctx.engine.rows(
        "SELECT count(*) FILTER (WHERE queued_at >= ?), count(*) FILTER (WHERE queued_at >= ? AND answered), "
        "count(*) FILTER (WHERE NOT answered AND called_back_at IS NULL) FROM call_records "
        "WHERE queued_at >= ? AND queued_at <= ?",
        [now - timedelta(hours=1)] * 2 + [now - timedelta(hours=24), now])[0]
    return {"last_hour": {"offered": offered, "answered": answered, "answer_rate": ratio(answered, offered)},
            "missed_not_called_back_24h": missed}


def _orders(ctx: Context, live, today: tuple) -> tuple[dict, dict]:
    """Open, overdue and near-deadline orders, by status and by district (the map), in one pass over the
    rows that can count: the open orders and today's. The map's counts come as _sums by district."""
    where, params = live.where()
    is_open = f"o.status IN {OPEN}"
    # The open orders are pending ones (daily.py keeps those apart): no scan of every order.
    rows_that_count = (f"(SELECT * FROM {daily.PENDING_ORDERS.name} WHERE status IN {OPEN} UNION ALL "
                       f"SELECT * FROM work_orders WHERE created_at >= ? AND created_at < ? AND status NOT IN {OPEN})")
    rows = ctx.engine.dicts(
        f"SELECT o.district AS district, o.status AS status, count(*) FILTER (WHERE {is_open}) AS open, "
        f"count(*) FILTER (WHERE {overdue_sql()}) AS overdue, "
        f"count(*) FILTER (WHERE {is_open} AND NOT {overdue_sql()} AND o.status <> 'replied' "
        f"AND o.finish_due_at >= ? AND o.finish_due_at < ?) AS near, "
        f"count(*) FILTER (WHERE o.created_at >= ? AND o.created_at < ?) AS today "
        f"FROM {rows_that_count} o WHERE {where} GROUP BY 1, 2",  # rolled up here, as in overview()
        [ctx.now] * 4 + [ctx.now, ctx.now + NEAR_DEADLINE, *today] + list(today) + params)
    names = ("open", "overdue", "near", "today")
    total = _sums(rows, None, names).get(None, {"open": 0, "overdue": 0, "near": 0})
    statuses = sorted(((status, r["open"]) for status, r in _sums(rows, "status", names).items() if r["open"]),
                      key=lambda pair: (-pair[1], pair[0]))
    by_status = [{"key": s, "count": n, "drill": live.drill(status=s)} for s, n in statuses]
    orders = {"open": total["open"], "overdue_now": total["overdue"], "near_deadline_24h": total["near"],
              "by_status": by_status}
    return orders, _sums(rows, "district", names)


def _sums(rows: list[dict], key: str | None, names: tuple[str, ...]) -> dict:
    """The counts `names` of the rows summed by the value of `key` (None: one group of all rows), as
    {value: {key: value, name: sum, ...}} in the order values first appear (pure)."""
    out: dict = {}
    for row in rows:
        value = row[key] if key else None
        group = out.get(value)
        if group is None:
            out[value] = {key or "key": value} | {n: row[n] for n in names}
        else:
            for n in names:
                group[n] += row[n]
    return out


def _rising(ctx: Context, live, groups: dict, dimension: str) -> list[dict]:
    """The last 7 days against the 7 before, largest increase first (`groups`: _sums by `dimension`)."""
    out = []
    for key, row in groups.items():
        if key is None or row["last_7_days"] < RISING_MIN_ORDERS or row["last_7_days"] <= row["previous_7_days"]:
            continue
        out.append({"key": key, "name": ctx.name(dimension, key)} | change(row["last_7_days"], row["previous_7_days"])
                   | {"drill": live.drill(**{dimension: key}, created_from=ctx.now - timedelta(days=7) + timedelta(seconds=1),
                                          created_to=ctx.now + timedelta(seconds=1))})
    out.sort(key=lambda r: (-r["change"], r["key"]))
    return out[:5]


def _map(ctx: Context, live, counts: dict) -> list[dict]:
    none = {"today": 0, "open": 0, "overdue": 0}
    return [{"key": code, "name": name, "lat": lat, "lon": lon, "today": c["today"], "open": c["open"],
             "overdue_now": c["overdue"], "open_per_10k": per_10k(c["open"], pop), "drill": live.drill(district=code)}
            for code, name, lat, lon, pop in ctx.engine.rows(
                "SELECT code, name, lat, lon, population FROM regions WHERE level = 'district' ORDER BY code")
            for c in [counts.get(code, none)]]


def _alerts(ctx: Context, live, by_category: dict, out: dict, elapsed: float) -> list[dict]:
    """Simple standing rules; the foresight package brings forecast-based alerts."""
    alerts = []
    for code in sorted(c for c in by_category if c is not None):  # surges in category order
        row = by_category[code]
        usual = row["past_28_days"] / 28 * max(elapsed, 1 / 24)
        if row["today"] >= SURGE_MIN_ORDERS and row["today"] >= SURGE_FACTOR * usual:
            alerts.append({"kind": "surge", "level": "warning", "category": row["category"],
                           "name": ctx.name("category", row["category"]), "today": row["today"],
                           "usual_so_far": round(usual, 1), "drill": out["today"]["drill"] | {"category": row["category"]}})
    hour = out["calls"]["last_hour"]
    if hour["offered"] >= LOW_ANSWER_MIN_CALLS and (hour["answer_rate"]["rate"] or 0) < LOW_ANSWER_RATE:
        alerts.append({"kind": "low_answer_rate", "level": "critical", "answer_rate": hour["answer_rate"]})
    if out["orders"]["overdue_now"]:
        alerts.append({"kind": "overdue_orders", "level": "warning", "count": out["orders"]["overdue_now"], "drill": None})
    if out["calls"]["missed_not_called_back_24h"]:
        alerts.append({"kind": "missed_calls_waiting", "level": "info", "count": out["calls"]["missed_not_called_back_24h"]})
    return alerts
