"""The copy's orders lie sorted by month, district and category; sorting moves rows, never changes one."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from hotline.analytics import layout

from .conftest import new_order
from .test_analytics_api import get

COLUMNS = "id BIGINT, created_at TIMESTAMP, updated_at TIMESTAMP, district VARCHAR, category_l1 VARCHAR, category VARCHAR"
START = datetime(2025, 5, 30, 8)


def _copy() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE work_orders ({COLUMNS})")
    con.execute("CREATE TABLE _watermarks (name VARCHAR, value BIGINT)")
    return con


def _add(con, first_id: int, count: int, start: datetime) -> None:
    """Orders in id (so time) order, as a refresh appends them, over districts and categories in turn."""
    con.executemany("INSERT INTO work_orders VALUES (?, ?, ?, ?, ?, ?)", [
        (i, start + timedelta(hours=7 * (i - first_id)), start + timedelta(hours=7 * (i - first_id), minutes=5),
         ("620302", "620321", None)[i % 3], f"0{i % 4}", f"0{i % 4}0{i % 5}") for i in range(first_id, first_id + count)])


def _scan_order(con) -> list[int]:
    return [r[0] for r in con.execute("SELECT id FROM work_orders").fetchall()]


def _sorted_order(con, where: str = "TRUE") -> list[int]:
    return [r[0] for r in con.execute(f"SELECT id FROM work_orders WHERE {where} ORDER BY {layout.ORDER}").fetchall()]


def _laid_out(con, where: str = "TRUE") -> list[int]:
    """The ids as layout.py lays them out: settled months sorted, the newest month in id order."""
    newest = con.execute(f"SELECT date_trunc('month', max(created_at)) FROM work_orders WHERE {where}").fetchone()[0]
    return _sorted_order(con, f"({where}) AND created_at < TIMESTAMP '{newest}'") + \
        [r[0] for r in con.execute(f"SELECT id FROM work_orders WHERE ({where}) AND created_at >= TIMESTAMP "
                                   f"'{newest}' ORDER BY id").fetchall()]


def _rows(con) -> list[tuple]:
    return con.execute("SELECT * FROM work_orders ORDER BY id").fetchall()


def test_cluster_sorts_every_row_and_records_how_far():
    con = _copy()
    _add(con, 1, 300, START)  # ~3 months
    rows = _rows(con)
    assert _scan_order(con) != _sorted_order(con)
    layout.cluster(con, "work_orders", "")
    assert _rows(con) == rows
    assert _scan_order(con) == _laid_out(con) != _sorted_order(con)
    marks = dict(con.execute("SELECT name, value FROM _watermarks").fetchall())
    newest, changed = con.execute("SELECT max(created_at), max(updated_at) FROM work_orders").fetchone()
    assert layout._from_micros(marks[layout.SORTED_BEFORE]) == newest.replace(day=1, hour=0)
    assert layout._from_micros(marks[layout.SORTED_CHANGES]) == changed
    assert not layout.recluster(con, "work_orders", "")  # no order of a later month yet


def test_recluster_sorts_the_tail_once_a_new_month_begins():
    con = _copy()
    _add(con, 1, 200, START)
    layout.cluster(con, "work_orders", "")
    before = layout._from_micros(dict(con.execute("SELECT * FROM _watermarks").fetchall())[layout.SORTED_BEFORE])
    head = _sorted_order(con, f"created_at < TIMESTAMP '{before}'")
    # A refresh: an old order changed (deleted and appended anew) and new orders in the same month.
    con.execute("DELETE FROM work_orders WHERE id = 7")
    con.execute("INSERT INTO work_orders VALUES (7, ?, ?, '620321', '01', '0101')", [START, START + timedelta(days=90)])
    last = con.execute("SELECT max(created_at) FROM work_orders").fetchone()[0]
    con.execute("INSERT INTO work_orders VALUES (201, ?, ?, '620302', '02', '0201')", [last, last])
    assert not layout.recluster(con, "work_orders", "")
    # An order of the next month: the tail (the newest month, and the changed order) is sorted.
    _add(con, 202, 20, before + timedelta(days=40))
    rows = _rows(con)
    assert layout.recluster(con, "work_orders", "")
    assert _rows(con) == rows
    tail = f"created_at >= TIMESTAMP '{before}' OR id = 7"
    assert _scan_order(con) == [i for i in head if i != 7] + _laid_out(con, tail)
    assert not layout.recluster(con, "work_orders", "")


def test_recluster_in_steps_moves_a_few_orders_per_call_and_ends_as_in_one_go():
    def copy_with_a_new_month() -> tuple[duckdb.DuckDBPyConnection, datetime]:
        con = _copy()
        _add(con, 1, 200, START)
        layout.cluster(con, "work_orders", "")
        before = layout._from_micros(dict(con.execute("SELECT * FROM _watermarks").fetchall())[layout.SORTED_BEFORE])
        _add(con, 201, 20, before + timedelta(days=40))
        return con, before

    whole, before = copy_with_a_new_month()
    assert layout.recluster(whole, "work_orders", "", step_rows=None)
    stepped, _ = copy_with_a_new_month()
    # A table of rows keyed by order, appended as orders settle (process_orders): its rows move alike.
    stepped.execute("CREATE TABLE settled AS SELECT id, district, id * 10 AS figure FROM work_orders WHERE id % 2 = 0 "
                    "ORDER BY id DESC")
    rows, settled = _rows(stepped), stepped.execute("SELECT * FROM settled ORDER BY id").fetchall()
    tail = stepped.execute("SELECT count(*) FROM work_orders WHERE created_at >= ?", [before]).fetchone()[0]
    calls = 0
    while layout.recluster(stepped, "work_orders", "", step_rows=7, also=("settled",)):
        calls += 1
        assert _rows(stepped) == rows  # every step moves rows, never changes one
        assert stepped.execute("SELECT * FROM settled ORDER BY id").fetchall() == settled
        marks = dict(stepped.execute("SELECT * FROM _watermarks").fetchall())
        assert (layout.PLAN_BEFORE in marks) == (calls < -(-tail // 7))  # the plan's marks until its last step
    assert calls == -(-tail // 7)
    assert _scan_order(stepped) == _scan_order(whole)
    moved = [i for i in _scan_order(whole) if i % 2 == 0 and i in set(_sorted_order(whole, f"created_at >= '{before}'"))]
    assert [r[0] for r in stepped.execute("SELECT id FROM settled").fetchall()][-len(moved):] == moved
    assert dict(stepped.execute("SELECT * FROM _watermarks").fetchall()) == \
        dict(whole.execute("SELECT * FROM _watermarks").fetchall())


def test_an_order_that_changes_or_arrives_during_a_stepped_recluster_is_kept_and_sorted_next_time():
    con = _copy()
    _add(con, 1, 200, START)
    layout.cluster(con, "work_orders", "")
    before = layout._from_micros(dict(con.execute("SELECT * FROM _watermarks").fetchall())[layout.SORTED_BEFORE])
    _add(con, 201, 20, before + timedelta(days=40))
    assert layout.recluster(con, "work_orders", "", step_rows=5)
    planned_changes = dict(con.execute("SELECT * FROM _watermarks").fetchall())[layout.PLAN_CHANGES]
    # A refresh between steps: an order of the tail changed (deleted, appended anew) and a new order.
    late = before + timedelta(days=45)
    moved = con.execute("SELECT id FROM work_orders WHERE created_at >= ? ORDER BY id LIMIT 1", [before]).fetchone()[0]
    con.execute("DELETE FROM work_orders WHERE id = ?", [moved])
    con.execute("INSERT INTO work_orders VALUES (?, ?, ?, '620302', '09', '0909')", [moved, before, late])
    con.execute("INSERT INTO work_orders VALUES (221, ?, ?, '620302', '01', '0101')", [late, late])
    rows = _rows(con)
    while layout.recluster(con, "work_orders", "", step_rows=5):
        assert _rows(con) == rows
    marks = dict(con.execute("SELECT * FROM _watermarks").fetchall())
    assert marks[layout.SORTED_CHANGES] == planned_changes  # the changes after the plan are not taken as sorted
    assert layout.PLAN_BEFORE not in marks
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [layout.PLAN]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM work_orders").fetchone()[0] == 221


def test_a_built_copy_is_sorted_and_answers_the_same_after_a_refresh_sorts_its_tail(api, platform, dataset, clock):
    engine = platform.analytics.engine
    start = dataset["start"]
    engine.rebuild()
    newest = engine.rows("SELECT date_trunc('month', max(created_at)) FROM work_orders")[0][0]
    ids = [r[0] for r in engine.rows("SELECT id FROM work_orders")]
    assert ids == [r[0] for r in engine.rows(f"SELECT id FROM work_orders ORDER BY created_at >= ?, "
                                             f"CASE WHEN created_at >= ? THEN id END, {layout.ORDER}", [newest] * 2)]
    # An order in a later month starts a recluster at the next refresh; the figures of before stay.
    clock.now = start + timedelta(days=70)
    params = {"created_from": start.replace(day=1, hour=0, minute=0, second=0, microsecond=0).isoformat(),
              "created_to": (start + timedelta(days=60)).isoformat(), "district": "990101"}
    answers = {m: _answer(api, m, params) for m in ("requests", "efficiency", "summary", "knowledge")}
    new_order(api, district="990101", category="0101", citizen_phone="13812341001")
    engine.refresh()
    marks = dict(engine.rows("SELECT name, value FROM _watermarks"))
    assert layout._from_micros(marks[layout.SORTED_BEFORE]) == \
        clock.now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert {m: _answer(api, m, params) for m in answers} == answers


def _answer(api, module: str, params: dict) -> dict:
    return {k: v for k, v in get(api, module, **params).items() if k != "data_version"}
