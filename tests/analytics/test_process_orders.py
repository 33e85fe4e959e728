"""Process's filtered path from the plain columns of process_orders equals the figures from every order's lists."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from hotline.analytics import daily, process, process_orders
from hotline.analytics.common import Context
from hotline.analytics.filters import Filters
from hotline.analytics.stages import PER_STAGE, figures, ordered, stretches

from .conftest import act, new_order


def _from_lists(engine, filters: Filters, now) -> tuple[list, list, list]:
    """(stages, waits, flows) the way process.py read them before: each filtered order's lists in work_orders."""
    where, params = filters.where()
    found = engine.rows(
        f"WITH f AS MATERIALIZED ({stretches('work_orders', where)}) "
        f"SELECT 'stage', stage, NULL, n, average, quantiles, longest FROM ({figures(PER_STAGE)}) "
        f"UNION ALL SELECT 'wait', stage, department, count(*), avg(h), NULL, NULL FROM ({process.PER_WAIT}) "
        f"GROUP BY 2, 3 HAVING count(*) >= {process.MIN_ORDERS_FOR_WAIT} "
        f"UNION ALL SELECT 'flow', x.from_status, x.to_status, sum(x.n), count(*), NULL, NULL "
        f"FROM (SELECT unnest(pr_flows) AS x FROM f) GROUP BY 2, 3", [now] + params)
    parts: dict[str, list] = {"stage": [], "wait": [], "flow": []}
    for part, *row in found:
        parts[part].append(row)
    waits = sorted(((s, d, n, a) for s, d, n, a, _, _ in parts["wait"]), key=lambda w: -w[3])[:process.LONGEST_WAITS]
    return (ordered((s, n, a, *q, x) for s, _, n, a, q, x in parts["stage"]), waits,
            sorted(((f, t, int(n), int(k)) for f, t, n, k, _, _ in parts["flow"]), key=lambda w: (-w[2], w[0], w[1])))


def _assert_same(got: tuple, expected: tuple) -> None:
    # Counts, quantiles, maxima and flows equal to the last bit; an average adds the same times in another order.
    (stages, waits, flows), (stages_e, waits_e, flows_e) = got, expected
    assert [(s, n, m, p, x) for s, n, _, m, p, x in stages] == [(s, n, m, p, x) for s, n, _, m, p, x in stages_e]
    assert [a for _, _, a, *_ in stages] == pytest.approx([a for _, _, a, *_ in stages_e], rel=1e-12)
    assert {(s, d, n) for s, d, n, _ in waits} == {(s, d, n) for s, d, n, _ in waits_e}
    assert sorted(a for *_, a in waits) == pytest.approx(sorted(a for *_, a in waits_e), rel=1e-12)
    assert flows == flows_e


def _ping_pong_closed(api, clock) -> None:
    """An order dispatched to two departments and returned, then settled: a second department's waits."""
    order = new_order(api, district="990101", category="0101", address="东区某小区", citizen_phone="13812341002")
    for department in ("UTIL", "CGJ"):
        act(api, "dispatcher", order["number"], "dispatch", department=department)
        clock.advance(hours=1)
        if department == "UTIL":
            act(api, "admin", order["number"], "return", reason="不属于本单位职责")
    act(api, "admin", order["number"], "sign")
    clock.advance(hours=5)
    act(api, "admin", order["number"], "reply", content="已安排维修人员到现场处理，路灯已经修复")
    act(api, "call_taker", order["number"], "callback", satisfaction="satisfied", resolved=True)
    act(api, "supervisor", order["number"], "close")


def test_filtered_process_from_plain_columns_equals_the_figures_from_the_lists(api, platform, dataset, clock,
                                                                               monkeypatch):
    monkeypatch.setattr(process, "MIN_ORDERS_FOR_WAIT", 1)  # the small data set's waits all shown
    engine = platform.analytics.engine
    _ping_pong_closed(api, clock)
    act(api, "supervisor", dataset["numbers"][0], "reopen", reason="群众反映问题未解决")  # settled → pending
    engine.refresh()  # process_orders.apply, not a fill
    table = process_orders.TABLE.name
    columns = ", ".join(n for n, _ in process_orders.TABLE.columns)
    assert engine.rows(f"SELECT {columns} FROM {table} ORDER BY id") == engine.rows(
        f"SELECT {columns} FROM ({process_orders.settled('work_orders')}) ORDER BY id")
    assert engine.rows(f"SELECT count(*) FROM {table} WHERE waits_more IS NOT NULL")[0][0] >= 1
    assert 0 < engine.rows(f"SELECT count(*) FROM {table}")[0][0] < engine.rows("SELECT count(*) FROM work_orders")[0][0]
    start = dataset["start"].replace(hour=0, minute=0)
    filters = [Filters(district="990101"), Filters(district="990102"), Filters(category="01"),
               Filters(category="0101"), Filters(category="0201", district="990102"), Filters(category="09"),
               Filters(status="closed"), Filters(department="CGJ"),
               Filters(district="990101", created_from=start, created_to=start + timedelta(days=10)),
               Filters(district="990101", created_from=start + timedelta(days=30))]
    for later in (0, 50):  # the pending orders' last stage grows with now
        now = clock.now + timedelta(hours=later)
        for f in filters:
            got = process._from_orders(Context(engine, f, now))
            _assert_same(got, _from_lists(engine, f, now))
        assert any(len(process._from_orders(Context(engine, f, now))[0]) >= 4 for f in filters)


def _relation(con) -> None:
    """Orders shaped like work_orders with a stage, a second department and a transition outside the columns."""
    dims = ", ".join(f"'x' AS {d}" for d in process_orders.DIMENSION_GROUPS)
    con.execute(
        f"CREATE TABLE o AS SELECT * FROM (VALUES "
        f"(1, [{{'stage': 'registered', 'hours': 1.5}}, {{'stage': 'odd', 'hours': 2.0}}], "
        f"[{{'stage': 'dispatched', 'department': 'A', 'hours': 3.0}}, {{'stage': 'dispatched', 'department': 'B', "
        f"'hours': 4.0}}, {{'stage': 'returned', 'department': 'A', 'hours': 0.5}}], "
        f"[{{'from_status': 'new', 'to_status': 'registered', 'n': 1}}, {{'from_status': 'odd', 'to_status': "
        f"'closed', 'n': 2}}]), "
        f"(2, [{{'stage': 'dispatched', 'hours': 7.0}}], [{{'stage': 'dispatched', 'department': 'B', 'hours': 7.0}}], "
        f"[{{'from_status': 'odd', 'to_status': 'closed', 'n': 1}}]), "
        f"(3, NULL, NULL, NULL)) "
        f"t(id, pr_stages, pr_waits, pr_flows), (SELECT {dims}, TIMESTAMP '2025-01-01' AS created_at, "
        f"0::UINTEGER AS eff_bits, TIMESTAMP '2025-01-02' AS pr_last_at)")


def test_what_no_column_holds_is_kept_in_the_lists():
    con = duckdb.connect()
    _relation(con)
    con.execute(f"CREATE TABLE s AS {process_orders.settled('o')}")
    assert sorted(con.execute(process_orders.per_stage("s")).fetchall()) == sorted(con.execute(
        "SELECT x.stage, x.hours FROM (SELECT unnest(pr_stages) AS x FROM o)").fetchall())
    assert sorted(con.execute(process_orders.per_wait("s")).fetchall()) == sorted(con.execute(
        "SELECT x.stage, x.department, x.hours FROM (SELECT unnest(pr_waits) AS x FROM o)").fetchall())
    sums = con.execute(process_orders.flow_sums("s")).fetchone()[0]
    flows = [(f, t, int(sums[2 * i]), int(sums[2 * i + 1])) for i, (f, t) in enumerate(process_orders.FLOWS)
             if sums[2 * i + 1]]
    flows += [(f, t, int(n), k) for f, t, n, k in con.execute(process_orders.flows_more("s")).fetchall()]
    assert sorted(flows) == sorted(con.execute(
        "SELECT x.from_status, x.to_status, sum(x.n)::INTEGER, count(*) FROM (SELECT unnest(pr_flows) AS x FROM o) "
        "GROUP BY 1, 2").fetchall())
    assert con.execute("SELECT count(stages_more), count(waits_more), count(flows_more) FROM s").fetchone() == (1, 1, 2)
    assert daily.TABLES.count(process_orders.TABLE) == 1
