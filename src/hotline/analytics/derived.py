"""Per-order columns derived from the order's events when the order is copied.

Efficiency, summary and process used to join every event with the filtered orders at each query (the
join, and process's window over all events, cost seconds at a million orders). Instead each copied order
carries what those queries need from its events, so they read only the filtered orders. The copy copies
events before orders and re-copies an order whenever one of its events arrives, so these columns always
equal what the copied events give (tests/analytics/test_derived.py checks incremental == from scratch).

Process stretches: each event starts a stretch in its to_status that lasts until the order's next event
(by event id). The last stretch's length depends on the time of the query (it runs until now while the
order is open), so it is kept apart: pr_last_* plus whether its stage (and its stage and department) also
occur among the closed stretches, so the query can add it without grouping again.
"""

from __future__ import annotations

WAIT_STAGES = ("dispatched", "in_progress", "returned")  # the stages process.py ranks departments by
_WAITS = "(" + ", ".join(f"'{s}'" for s in WAIT_STAGES) + ")"

COLUMNS = (
    ("ev_dispatches", "INTEGER"), ("ev_returns", "INTEGER"),
    ("ev_departments", "STRUCT(department VARCHAR, dispatches INTEGER, returns INTEGER)[]"),
    ("pr_stages", "STRUCT(stage VARCHAR, hours DOUBLE)[]"),
    ("pr_waits", "STRUCT(stage VARCHAR, department VARCHAR, hours DOUBLE)[]"),
    ("pr_flows", "STRUCT(from_status VARCHAR, to_status VARCHAR, n INTEGER)[]"),
    ("pr_last_stage", "VARCHAR"), ("pr_last_department", "VARCHAR"), ("pr_last_at", "TIMESTAMP"),
    ("pr_last_new", "BOOLEAN"), ("pr_last_wait_new", "BOOLEAN"),
)


def order_events_select(events: str, ids: str, lo: int, hi: int) -> str:
    """One row per order in `ids` (a SELECT of ids between lo and hi) that has events: COLUMNS by name."""
    # The id range is implied by the IN list; stated, it lets DuckDB skip row groups by their min/max.
    e = (f"SELECT order_id, id, \"at\", from_status, to_status, action, department, "
         f"lead(\"at\") OVER (PARTITION BY order_id ORDER BY id) AS next_at, "
         f"row_number() OVER (PARTITION BY order_id ORDER BY id DESC) AS from_end "
         f"FROM {events} WHERE order_id BETWEEN {lo} AND {hi} AND order_id IN ({ids})")
    closed = "SELECT *, epoch(next_at - \"at\") / 3600.0 AS hours FROM e WHERE from_end > 1"
    parts = {
        "dep": ("SELECT order_id, sum(d)::INTEGER AS ev_dispatches, sum(r)::INTEGER AS ev_returns, "
                "list(struct_pack(department := department, dispatches := d::INTEGER, returns := r::INTEGER) "
                "ORDER BY department) AS ev_departments FROM (SELECT order_id, department, "
                "count(*) FILTER (WHERE action = 'dispatch') AS d, count(*) FILTER (WHERE action = 'return') AS r "
                "FROM e WHERE action IN ('dispatch', 'return') AND department IS NOT NULL GROUP BY 1, 2) GROUP BY 1"),
        "stg": ("SELECT order_id, list(struct_pack(stage := to_status, hours := h) ORDER BY to_status) AS pr_stages "
                "FROM (SELECT order_id, to_status, sum(hours) AS h FROM closed GROUP BY 1, 2) GROUP BY 1"),
        "wts": ("SELECT order_id, list(struct_pack(stage := to_status, department := department, hours := h) "
                "ORDER BY to_status, department) AS pr_waits FROM (SELECT order_id, to_status, department, "
                f"sum(hours) AS h FROM closed WHERE department IS NOT NULL AND to_status IN {_WAITS} "
                "GROUP BY 1, 2, 3) GROUP BY 1"),
        "flw": ("SELECT order_id, list(struct_pack(from_status := f, to_status := to_status, n := n::INTEGER) "
                "ORDER BY f, to_status) AS pr_flows FROM (SELECT order_id, coalesce(from_status, 'new') AS f, "
                "to_status, count(*) AS n FROM e WHERE from_status IS DISTINCT FROM to_status GROUP BY 1, 2, 3) "
                "GROUP BY 1"),
        "lst": ("SELECT order_id, to_status AS pr_last_stage, department AS pr_last_department, "
                "\"at\" AS pr_last_at FROM e WHERE from_end = 1"),
    }
    joined = " ".join(f"LEFT JOIN {name} USING (order_id)" for name in ("dep", "stg", "wts", "flw"))
    return (
        f"WITH e AS MATERIALIZED ({e}), closed AS ({closed}), "
        + ", ".join(f"{name} AS ({sql})" for name, sql in parts.items())
        + " SELECT order_id, coalesce(ev_dispatches, 0) AS ev_dispatches, coalesce(ev_returns, 0) AS ev_returns, "
        "ev_departments, pr_stages, pr_waits, pr_flows, pr_last_stage, pr_last_department, pr_last_at, "
        "NOT coalesce(list_contains(list_transform(pr_stages, lambda s: s.stage), pr_last_stage), false) "
        "AS pr_last_new, "
        # Stages are statuses, which hold no '/': the joined key is unambiguous.
        "NOT coalesce(list_contains(list_transform(pr_waits, lambda s: s.stage || '/' || s.department), "
        "pr_last_stage || '/' || pr_last_department), false) AS pr_last_wait_new "
        f"FROM lst {joined}")


def with_order_events(orders: str, ids: str, events: str, lo: int, hi: int) -> str:
    """The rows of the SELECT `orders` with COLUMNS added (`ids` selects their ids, all within lo..hi)."""
    names = ", ".join(f"x.{n}" for n, _ in COLUMNS[2:])
    return (f"SELECT o.*, coalesce(x.ev_dispatches, 0) AS ev_dispatches, coalesce(x.ev_returns, 0) AS ev_returns, "
            f"{names} FROM ({orders}) o LEFT JOIN ({order_events_select(events, ids, lo, hi)}) x ON x.order_id = o.id")
