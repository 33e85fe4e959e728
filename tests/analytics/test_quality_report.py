"""工单质量 per call-taker and per department equals the Python checks run over the stored orders."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.analytics.quality import FLAGS, REGISTRATION_FLAGS, REPLY_FLAGS, build_reference, order_flags
from hotline.reference.models import Category, Region
from hotline.workorders.models import WorkOrder

from .conftest import act, new_order
from .test_analytics_api import get

COLUMNS = ("content", "reply", "address", "district", "category", "replied_at", "closed_directly")


def _expected(platform, district: str | None) -> tuple[dict, dict]:
    """(per call-taker, per department) counts: orders, replied, faulty, and each flag."""
    with platform.sessions() as session:
        ref = build_reference(
            session.execute(select(Region.code, Region.name).where(Region.level == "district")).all(),
            session.execute(select(Category.code, Category.name, Category.parent)).all())
        orders = session.execute(select(WorkOrder.created_by, WorkOrder.department, WorkOrder.district,
                                        *(getattr(WorkOrder, c) for c in COLUMNS if c != "district"))).all()
    orders = [o for o in orders if district in (None, o.district)]
    flags = order_flags({c: [getattr(o, c) for o in orders] for c in COLUMNS}, ref)
    takers: dict = {}
    departments: dict = {}
    for i, order in enumerate(orders):
        mine = {f: flags[f][i] for f in FLAGS}
        replied = order.replied_at is not None or order.closed_directly
        for into, key, own in ((takers, order.created_by, REGISTRATION_FLAGS), (departments, order.department, REPLY_FLAGS)):
            if key is None:
                continue
            row = into.setdefault(key, dict.fromkeys(("orders", "replied", "faulty", *own), 0))
            row["orders"] += 1
            row["replied"] += replied
            row["faulty"] += any(mine[f] for f in own)
            for f in own:
                row[f] += mine[f]
    return takers, departments


@pytest.mark.parametrize("district", [None, "990101"])  # from the rollups; from the orders
def test_quality_per_call_taker_and_department_equals_the_checks_over_the_stored_orders(api, platform, dataset,
                                                                                        district):
    act(api, "admin", dataset["numbers"][2], "reply", content="已处理。")  # boilerplate, and too short
    platform.analytics.engine.refresh()
    takers, departments = _expected(platform, district)
    body = get(api, "quality", **({"district": district} if district else {}))
    assert takers and departments
    assert body["total"] == sum(t["orders"] for t in takers.values())
    got = {r["key"]: r for r in body["by_call_taker"]}
    assert got.keys() == takers.keys()
    for key, row in takers.items():
        assert got[key]["orders"] == row["orders"]
        assert got[key]["issue_rate"]["numerator"] == row["faulty"]
        assert {f: got[key][f] for f in REGISTRATION_FLAGS} == {f: row[f] for f in REGISTRATION_FLAGS}
    got = {r["key"]: r for r in body["by_department"]}
    assert got.keys() == departments.keys()
    for key, row in departments.items():
        assert got[key]["orders"] == row["orders"]
        assert got[key]["issue_rate"] == {"numerator": row["faulty"], "denominator": row["replied"],
                                          "rate": round(row["faulty"] / row["replied"], 4) if row["replied"] else None}
        assert {f: got[key][f] for f in REPLY_FLAGS} == {f: row[f] for f in REPLY_FLAGS}
    assert sum(row["faulty"] for row in departments.values()) > 0
    assert sum(row["faulty"] for row in takers.values()) > 0  # an order without a category


@pytest.mark.parametrize("most", [2, 20])  # as many as have 4 faults or more (the rollup's cut), and more than all
@pytest.mark.parametrize("district", [None, "990101"])  # from the rollups; from the orders
def test_orders_with_most_faults_equal_the_checks_over_the_stored_orders(api, platform, dataset, district, most,
                                                                         monkeypatch):
    from hotline.analytics import quality_report

    monkeypatch.setattr(quality_report, "MOST_FAULTS", most)
    # Orders with two and three faults: no category, a short text, no address; a boilerplate reply.
    for content, address in (("路灯坏了", "东区某小区"), ("路灯坏了", " ")):
        order = new_order(api, district="990101", content=content, address=address, citizen_phone="13812341003")
        act(api, "call_taker", order["number"], "close", reply="已处理。")
    platform.analytics.engine.refresh()
    with platform.sessions() as session:
        ref = build_reference(
            session.execute(select(Region.code, Region.name).where(Region.level == "district")).all(),
            session.execute(select(Category.code, Category.name, Category.parent)).all())
        orders = [o for o in session.execute(select(WorkOrder.number, WorkOrder.created_at, WorkOrder.district,
                                                    *(getattr(WorkOrder, c) for c in COLUMNS if c != "district"))).all()
                  if district in (None, o.district)]
    flags = order_flags({c: [getattr(o, c) for o in orders] for c in COLUMNS}, ref)
    faults = {o.number: [f for f in FLAGS if flags[f][i]] for i, o in enumerate(orders)}
    # Most faults first, the newest first among equals.
    ranked = sorted((o for o in orders if faults[o.number]), key=lambda o: o.created_at, reverse=True)
    ranked = sorted(ranked, key=lambda o: len(faults[o.number]), reverse=True)[:most]
    got = get(api, "quality", **({"district": district} if district else {}))["orders_with_most_faults"]
    assert got == [{"number": o.number, "faults": faults[o.number]} for o in ranked]
    assert sorted(len(f) for f in faults.values())[-3:] == [1, 4, 5]
    assert len(got) == min(most, sum(1 for f in faults.values() if f))


def test_quality_from_the_monthly_and_daily_rollups_equals_the_figures_from_the_orders(api, platform, dataset, clock,
                                                                                       monkeypatch):
    from hotline.analytics import daily, quality_report
    from hotline.analytics.common import Context

    from .test_stages import _windows

    monkeypatch.setattr(quality_report, "MOST_FAULTS", 3)
    engine = platform.analytics.engine
    windows = _windows(dataset["start"])
    rolled = [quality_report.quality(Context(engine, f, clock.now)) for f in windows]
    assert any(body["by_department"] for body in rolled) and any(body["orders_with_most_faults"] for body in rolled)
    monkeypatch.setattr(daily, "serves", lambda filters: False)
    assert [quality_report.quality(Context(engine, f, clock.now)) for f in windows] == rolled
