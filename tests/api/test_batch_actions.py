"""One action on an incident's orders together: all in one transaction, each through the lifecycle rules."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.workorders.models import OrderEvent, WorkOrder

from .conftest import new_order


def batch(api, role, action, **body):
    return api.as_(role).post(f"/api/v1/orders/batch/{action}", json=body)


def _statuses(platform, numbers):
    with platform.sessions() as s:
        rows = s.execute(select(WorkOrder.number, WorkOrder.status, WorkOrder.department)
                         .where(WorkOrder.number.in_(numbers))).all()
    return {number: (status, department) for number, status, department in rows}


def _events(platform):
    with platform.sessions() as s:
        return s.scalar(select(func.count()).select_from(OrderEvent))


def test_an_incident_is_dispatched_and_closed_together(api, platform, departments, clock):
    numbers = [new_order(api, content=f"小区停水了，第{i}户")["number"] for i in range(3)]
    body = batch(api, "dispatcher", "dispatch", numbers=numbers, department=departments[0]).json()
    assert body["total"] == 3 and [o["number"] for o in body["items"]] == numbers
    assert {o["status"] for o in body["items"]} == {"dispatched"}
    assert _statuses(platform, numbers) == {n: ("dispatched", departments[0]) for n in numbers}
    clock.advance(hours=2)
    for number in numbers:
        api.as_("handler").post(f"/api/v1/orders/{number}/sign")
        api.as_("handler").post(f"/api/v1/orders/{number}/reply", json={"content": "供水管道已抢修完毕"})
    called = batch(api, "dispatcher", "callback", numbers=numbers, satisfaction="satisfied", resolved=True)
    assert called.status_code == 200, called.text
    closed = batch(api, "dispatcher", "close", numbers=numbers, reply="供水管道已抢修完毕，已恢复供水")
    assert closed.status_code == 200, closed.text
    assert {n: s for n, (s, _) in _statuses(platform, numbers).items()} == {n: "closed" for n in numbers}
    for number in numbers:  # each order has its own timeline entry, as if acted on alone
        events = api.as_("admin").get(f"/api/v1/orders/{number}/events").json()["items"]
        assert [e["action"] for e in events] == ["register", "dispatch", "sign", "reply", "callback", "close"]


def test_one_refused_order_changes_none_and_is_named(api, platform, departments):
    numbers = [new_order(api)["number"] for _ in range(3)][::-1]  # not in number order: named as the caller sent them
    api.as_("dispatcher").post(f"/api/v1/orders/{numbers[1]}/merge", json={"into": numbers[0]})
    before = _events(platform)
    response = batch(api, "dispatcher", "dispatch", numbers=numbers, department=departments[1])
    assert response.status_code == 409
    error = response.json()
    assert error["field"] == "numbers[1]" and numbers[1] in error["detail"]
    assert _statuses(platform, numbers) == {numbers[0]: ("registered", None), numbers[1]: ("merged", None),
                                            numbers[2]: ("registered", None)}
    assert _events(platform) == before


def test_bad_batches_are_clear_errors(api, platform, departments):
    number = new_order(api)["number"]
    cases = [
        ({"department": departments[0]}, 422, "numbers"),
        ({"numbers": [], "department": departments[0]}, 422, "numbers"),
        ({"numbers": [number, 7], "department": departments[0]}, 422, "numbers"),
        ({"numbers": [number, number], "department": departments[0]}, 422, "numbers"),
        ({"numbers": [f"X{i}" for i in range(501)], "department": departments[0]}, 422, "numbers"),
        ({"numbers": [number, "NOPE"], "department": departments[0]}, 404, "numbers[1]"),
        ({"numbers": [number], "department": "no-such-department"}, 422, "department"),
    ]
    for body, status, field in cases:
        response = batch(api, "dispatcher", "dispatch", **body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    merge = batch(api, "dispatcher", "merge", numbers=[number], into="NOPE")  # a fault of a field, not of an order
    assert merge.status_code == 422 and merge.json()["field"] == "into"
    assert batch(api, "handler", "dispatch", numbers=[number], department=departments[0]).status_code == 403
    assert batch(api, "dispatcher", "fly", numbers=[number]).status_code == 404
    assert _statuses(platform, [number]) == {number: ("registered", None)}


def test_registered_orders_closed_together_with_one_answer(api, platform):
    numbers = [new_order(api, content="今天全城停水吗")["number"] for _ in range(2)]
    body = batch(api, "dispatcher", "close", numbers=numbers, reply="城区管网检修，今日18时前恢复供水").json()
    assert [o["status"] for o in body["items"]] == ["closed", "closed"]
    assert {o["reply"] for o in body["items"]} == {"城区管网检修，今日18时前恢复供水"}
