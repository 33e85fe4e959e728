"""Columns the copy derives when it copies a row equal what the queries used to compute from scratch."""

from __future__ import annotations

from datetime import timedelta

from hotline.analytics.derived import COLUMNS, order_events_select
from hotline.analytics.efficiency import OPEN

from .conftest import act, new_order

NAMES = [n for n, _ in COLUMNS]


def _stored(engine) -> dict:
    rows = engine.rows(f"SELECT id, {', '.join(NAMES)} FROM work_orders ORDER BY id")
    return {r[0]: r[1:] for r in rows}


def _from_scratch(engine) -> dict:
    """The derived columns recomputed over every copied event at once (as a rebuild would)."""
    hi = engine.rows("SELECT max(id) FROM work_orders")[0][0]
    derived = {r[0]: r[1:] for r in engine.rows(
        f"SELECT order_id, {', '.join(NAMES)} FROM ({order_events_select('order_events', 'SELECT id FROM work_orders', 0, hi)})")}
    empty = (0, 0) + (None,) * (len(NAMES) - 4) + (True, True)
    return {i: derived.get(i, empty) for i, in engine.rows("SELECT id FROM work_orders ORDER BY id")}


def _joined_event_parts(engine) -> dict:
    """Efficiency's dispatches and returns per department the old way: a join with the events."""
    return {d: (n, r) for d, n, r in engine.rows(
        "SELECT e.department, count(*) FILTER (WHERE e.action = 'dispatch'), count(*) FILTER (WHERE e.action = 'return') "
        "FROM order_events e JOIN work_orders o ON o.id = e.order_id "
        "WHERE e.action IN ('dispatch', 'return') AND e.department IS NOT NULL GROUP BY 1")}


def _stage_hours(engine, now) -> dict:
    """Process's hours per order and stage the old way: a window over every event."""
    rows = engine.rows(
        f"WITH s AS (SELECT e.order_id, e.to_status AS stage, epoch(coalesce(lead(e.at) OVER w, "
        f"CASE WHEN o.status IN {OPEN} THEN ?::TIMESTAMP END) - e.at) / 3600.0 AS hours "
        f"FROM order_events e JOIN work_orders o ON o.id = e.order_id WINDOW w AS (PARTITION BY e.order_id ORDER BY e.id)) "
        f"SELECT order_id, stage, sum(hours) FROM s WHERE hours IS NOT NULL GROUP BY 1, 2", [now])
    return {(o, s): round(h, 6) for o, s, h in rows}


def _stage_hours_derived(engine, now) -> dict:
    rows = engine.rows(
        f"WITH f AS (SELECT id, status IN {OPEN} AS is_open, epoch(?::TIMESTAMP - pr_last_at) / 3600.0 AS open_h, "
        f"pr_stages, pr_last_stage AS last_stage, pr_last_new FROM work_orders WHERE pr_last_at IS NOT NULL) "
        f"SELECT id, s.stage, s.hours + CASE WHEN is_open AND s.stage = last_stage THEN open_h ELSE 0 END "
        f"FROM (SELECT id, unnest(pr_stages) AS s, is_open, open_h, last_stage FROM f) "
        f"UNION ALL SELECT id, last_stage, open_h FROM f WHERE is_open AND pr_last_new", [now])
    return {(o, s): round(h, 6) for o, s, h in rows}


def test_derived_columns_follow_every_change_and_equal_a_rebuild(api, platform, dataset, clock):
    engine = platform.analytics.engine
    engine.refresh()
    assert _stored(engine) == _from_scratch(engine)
    # More events on old and new orders: a return ping-pong, a reopening, a fresh order left open.
    number = dataset["numbers"][2]
    act(api, "admin", number, "reply", content="已安排人员到现场处理，问题已经解决")
    fresh = new_order(api, district="990101", category="0101", address="东区某小区", citizen_phone="13812341001")
    act(api, "dispatcher", fresh["number"], "dispatch", department="UTIL")
    act(api, "admin", fresh["number"], "return", reason="不属于本单位职责")
    act(api, "dispatcher", fresh["number"], "dispatch", department="CGJ")
    clock.advance(hours=3)
    engine.refresh()
    stored = _stored(engine)
    assert stored == _from_scratch(engine)
    assert _joined_event_parts(engine) == {
        d: (int(n), int(r)) for d, n, r in engine.rows(
            "SELECT d.department, sum(d.dispatches), sum(d.returns) FROM "
            "(SELECT unnest(ev_departments) AS d FROM work_orders) GROUP BY 1")}
    for now in (clock.now, clock.now + timedelta(days=3)):
        assert _stage_hours(engine, now) == _stage_hours_derived(engine, now)
    engine.rebuild()
    assert _stored(engine) == stored
