"""Co-departments (协办单位): they see the orders they co-handle, give their opinion, and nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.workorders.models import OrderCoDepartment, OrderEvent, WorkOrder

from .conftest import new_order

OPINION = "经排查，该路段供电线路正常，建议主办单位核查灯具"


def act(api, role, number, action, **body):
    return api.as_(role).post(f"/api/v1/orders/{number}/{action}", json=body)


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["number"] for item in response.json()["items"]}


@pytest.fixture
def co_handled(api, departments) -> str:
    """An order led by the handler's department (departments[0]) with the other handler's as co-department."""
    number = new_order(api)["number"]
    response = act(api, "dispatcher", number, "dispatch", department=departments[0], co_departments=[departments[1]])
    assert response.status_code == 200, response.text
    return number


def test_co_department_handler_sees_the_order_in_its_list_and_page_masked(api, co_handled):
    other = new_order(api, content="别的部门的工单，与协办无关")["number"]
    assert numbers(api.as_("other_handler").get("/api/v1/orders")) == {co_handled}
    assert numbers(api.as_("other_handler").get("/api/v1/orders", params={"department_role": "co"})) == {co_handled}
    assert numbers(api.as_("other_handler").get("/api/v1/orders", params={"department_role": "lead"})) == set()
    page = api.as_("other_handler").get(f"/api/v1/orders/{co_handled}")
    assert page.status_code == 200
    body = page.json()
    assert body["citizen_phone"] == "138****1234" and body["citizen_name"] == "张*"
    assert body["department_role"] == "co" and body["finish_due_at"] is not None
    assert api.as_("other_handler").get(f"/api/v1/orders/{other}").status_code == 404


def test_department_filter_takes_the_part_asked_for(api, departments, co_handled):
    led_by_co = new_order(api, content="协办部门自己主办的工单")["number"]
    act(api, "dispatcher", led_by_co, "dispatch", department=departments[1])
    url = "/api/v1/orders"
    as_co = {"department": departments[1]}
    assert numbers(api.as_("dispatcher").get(url, params=as_co)) == {led_by_co}  # lead, as before
    assert numbers(api.as_("dispatcher").get(url, params=as_co | {"department_role": "co"})) == {co_handled}
    assert numbers(api.as_("dispatcher").get(url, params=as_co | {"department_role": "any"})) == {co_handled, led_by_co}
    assert numbers(api.as_("handler").get(url, params={"department_role": "co"})) == set()


def test_bad_department_role_is_a_422_naming_the_field(api, departments):
    bad = api.as_("dispatcher").get("/api/v1/orders", params={"department": departments[0], "department_role": "boss"})
    assert bad.status_code == 422 and bad.json()["field"] == "department_role"
    alone = api.as_("dispatcher").get("/api/v1/orders", params={"department_role": "co"})
    assert alone.status_code == 422 and alone.json()["field"] == "department_role"


def test_co_department_gives_its_opinion_and_the_lead_sees_it_on_the_timeline(api, departments, co_handled):
    assert api.as_("other_handler").get(f"/api/v1/orders/{co_handled}").json()["allowed_actions"] == []
    act(api, "handler", co_handled, "sign")
    assert api.as_("other_handler").get(f"/api/v1/orders/{co_handled}").json()["allowed_actions"] == ["opinion"]
    assert "opinion" not in api.as_("handler").get(f"/api/v1/orders/{co_handled}").json()["allowed_actions"]
    response = act(api, "other_handler", co_handled, "opinion", opinion=OPINION)
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    events = api.as_("handler").get(f"/api/v1/orders/{co_handled}/events").json()["items"]
    assert events[-1]["action"] == "opinion" and events[-1]["actor"] == "hd2"
    assert events[-1]["changes"] == {"opinion": OPINION, "co_department": departments[1]}
    track = api.client.get("/api/v1/track", params={"number": co_handled, "phone": "13812341234"}).json()
    assert "opinion" not in str(track["steps"])  # an internal note between departments, not for the citizen


@pytest.mark.parametrize("action, body", [("sign", {}), ("return", {"reason": "不属于本单位"}),
                                          ("extend", {"days": 2, "reason": "需协调"}), ("reply", {"content": "已处理"})])
def test_co_department_cannot_act_for_the_lead(api, platform, co_handled, action, body):
    if action != "sign":
        act(api, "handler", co_handled, "sign")
    with platform.sessions() as s:
        before = s.scalar(select(WorkOrder.row_version).where(WorkOrder.number == co_handled))
    response = act(api, "other_handler", co_handled, action, **body)
    assert response.status_code == 409 and response.json()["rule"] == "lead_department_only"
    with platform.sessions() as s:
        assert s.scalar(select(WorkOrder.row_version).where(WorkOrder.number == co_handled)) == before


def test_opinion_is_refused_unless_the_lead_has_the_order_in_hand_or_by_the_lead(api, co_handled):
    early = act(api, "other_handler", co_handled, "opinion", opinion=OPINION)
    assert early.status_code == 409 and early.json()["rule"] == "opinion_from_dispatched"
    act(api, "handler", co_handled, "sign")
    by_lead = act(api, "handler", co_handled, "opinion", opinion=OPINION)
    assert by_lead.status_code == 409 and by_lead.json()["rule"] == "co_department_only"
    for text in ("", "   ", "x" * 2001, "含有\x00控制字符"):
        bad = act(api, "other_handler", co_handled, "opinion", opinion=text)
        assert bad.status_code == 422 and bad.json()["field"] == "opinion", text
    act(api, "handler", co_handled, "reply", content="已更换灯具，参考了协办意见")
    late = act(api, "other_handler", co_handled, "opinion", opinion=OPINION)
    assert late.status_code == 409 and late.json()["rule"] == "opinion_from_replied"


def test_redispatch_keeps_the_co_department_rows_in_step(api, platform, departments, co_handled):
    act(api, "handler", co_handled, "return", reason="应由其他单位主办")
    act(api, "dispatcher", co_handled, "dispatch", department=departments[2],
        co_departments=[departments[0], departments[4]])
    with platform.sessions() as s:
        order_id = s.scalar(select(WorkOrder.id).where(WorkOrder.number == co_handled))
        rows = s.scalars(select(OrderCoDepartment.department_code).where(OrderCoDepartment.order_id == order_id)).all()
        assert sorted(rows) == [departments[0], departments[4]]
        assert s.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order_id)) == 4
    assert api.as_("other_handler").get(f"/api/v1/orders/{co_handled}").status_code == 404
    assert numbers(api.as_("handler").get("/api/v1/orders", params={"department_role": "co"})) == {co_handled}
