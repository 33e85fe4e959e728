"""The daily order rollups equal the orders they sum, after any change, and the modules answer the same from them."""

from __future__ import annotations

from datetime import timedelta

from hotline.analytics import daily, process_orders, repeats, stage_hours

from .conftest import act, new_order
from .test_analytics_api import get

ROLLED_MODULES = ("requests", "efficiency", "summary", "overview", "knowledge", "calls", "quality", "process")


def _tables(engine) -> dict:
    return {t.name: engine.rows(f"SELECT * FROM {t.name} ORDER BY ALL") for t in daily.TABLES}


def _from_scratch(engine) -> dict:
    out = {r.table.name: engine.rows(f"SELECT * FROM ({r.select('work_orders')}) ORDER BY ALL") for r in daily.ROLLUPS}
    return out | {
        repeats.TABLE.name: engine.rows(f"SELECT * FROM ({repeats.chains('work_orders')}) ORDER BY ALL"),
        stage_hours.TABLE.name: engine.rows(f"SELECT * FROM ({stage_hours.settled('work_orders')}) ORDER BY ALL"),
        process_orders.TABLE.name: engine.rows(f"SELECT * FROM ({process_orders.settled('work_orders')}) ORDER BY ALL"),
        daily.PENDING_ORDERS.name: engine.rows(f"SELECT * FROM work_orders WHERE {daily.IS_PENDING} ORDER BY ALL"),
    }


def _windows(start) -> list[dict]:
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        {},
        {"created_from": day.isoformat(), "created_to": (day + timedelta(days=35)).isoformat()},
        # Partial days at both ends: the edges come from the orders themselves.
        {"created_from": (start + timedelta(hours=1, minutes=13)).isoformat(),
         "created_to": (start + timedelta(days=32, hours=5)).isoformat(), "group_by": "week"},
        {"created_from": (start + timedelta(minutes=5)).isoformat(), "created_to": (start + timedelta(hours=9)).isoformat()},
        {"created_from": (day + timedelta(days=1)).isoformat(), "created_to": (day + timedelta(days=40)).isoformat(),
         "group_by": "month"},
        {"created_from": (day - timedelta(days=400)).isoformat(), "created_to": (day - timedelta(days=300)).isoformat()},
    ]


def _answers(api, start) -> list:
    out = []
    for params in _windows(start):
        for module in ROLLED_MODULES:
            body = get(api, module, **params)
            body.pop("data_version")
            out.append(body)
    return out


def test_rollups_equal_the_orders_after_new_orders_changes_and_a_rebuild(api, platform, dataset, clock):
    engine = platform.analytics.engine
    assert _tables(engine) == _from_scratch(engine)
    assert engine.rows("SELECT sum(n) FROM orders_by_day WHERE dim = ''")[0][0] == len(dataset["numbers"])
    assert engine.rows(f"SELECT count(*) FROM {repeats.TABLE.name}")[0][0] > 0  # the dataset's phones repeat
    assert 0 < engine.rows("SELECT count(*) FROM pending_orders")[0][0] < len(dataset["numbers"])
    # A change to an old order (a new status, a reply), a new order taken through dispatch and a return.
    act(api, "admin", dataset["numbers"][2], "reply", content="已安排人员到现场处理，问题已经解决")
    fresh = new_order(api, district="990102", category="0201", citizen_phone="13812341001")
    act(api, "dispatcher", fresh["number"], "dispatch", department="UTIL")
    act(api, "admin", fresh["number"], "return", reason="不属于本单位职责")
    engine.refresh()
    assert _tables(engine) == _from_scratch(engine)
    assert engine.rows("SELECT sum(n) FROM orders_by_day WHERE dim = 'status' AND value = 'returned'")[0][0] == \
        engine.rows("SELECT count(*) FROM work_orders WHERE status = 'returned'")[0][0]
    engine.rebuild()
    assert _tables(engine) == _from_scratch(engine)


def test_a_copy_from_before_the_rollups_fills_them_at_its_next_refresh(api, platform, dataset):
    engine = platform.analytics.engine
    expected = _tables(engine)
    for table in daily.TABLES:
        engine.rows(f"DROP TABLE {table.name}")
    engine.rows("DELETE FROM _watermarks WHERE name LIKE 'filled %'")
    engine.refresh()
    assert _tables(engine) == expected
    # A fill cut short (tables there, not recorded as filled) starts again from scratch.
    engine.rows("DELETE FROM _watermarks WHERE name = 'filled orders_by_day'")
    engine.rows("INSERT INTO orders_by_day SELECT * FROM orders_by_day")
    engine.refresh()
    assert _tables(engine) == expected


def test_a_refresh_of_a_filled_copy_only_looks_at_the_rollups(api, platform, dataset):
    cursor = platform.analytics.engine.cursor()
    statements = []

    class Recording:
        def execute(self, sql, *params):
            statements.append(sql)
            return cursor.execute(sql, *params)

    daily.fill(Recording(), "")
    assert len(statements) == 1 and statements[0].startswith("SELECT name FROM _watermarks")
    cursor.close()


def test_modules_answer_the_same_from_the_rollups_as_from_the_orders(api, platform, dataset, monkeypatch):
    # A common request: five orders of one category in one community from three phones.
    for phone in ("13800000001", "13800000001", "13800000002", "13800000001", "13800000003"):
        new_order(api, district="990101", street="990101001", community="990101001001", category="0101",
                  citizen_phone=phone)
    platform.analytics.engine.refresh()
    common = get(api, "requests")["common_requests"]
    assert [(c["community"], c["count"], c["callers"]) for c in common if c["category"] == "0101"] == [("990101001001", 5, 3)]
    rolled = _answers(api, dataset["start"])
    monkeypatch.setattr(daily, "serves", lambda filters: False)
    assert _answers(api, dataset["start"]) == rolled


def test_process_waits_and_flows_from_the_rollups_equal_those_from_the_orders(api, dataset, clock, monkeypatch):
    # Every department-stage pair counts here (the dataset is small); the open orders' waits grow with now.
    from hotline.analytics import process

    monkeypatch.setattr(process, "MIN_ORDERS_FOR_WAIT", 1)
    clock.advance(hours=30)
    def answers() -> list[dict]:  # data_version left out: a refresh in between may move it
        return [{k: v for k, v in get(api, "process", **params).items() if k != "data_version"}
                for params in _windows(dataset["start"])]

    rolled = answers()
    assert any(body["longest_waits"] for body in rolled) and any(body["flows"] for body in rolled)
    assert any(w["stage"] == "dispatched" for body in rolled for w in body["longest_waits"])  # an open wait
    assert any(len(body["stages"]) >= 4 for body in rolled)
    monkeypatch.setattr(daily, "serves", lambda filters: False)
    assert answers() == rolled
