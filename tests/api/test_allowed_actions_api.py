"""Every order read carries the actions the reader may take on it now, from the lifecycle's own rules."""

from __future__ import annotations

from .conftest import new_order


def act(api, role, number, action, **body):
    response = api.as_(role).post(f"/api/v1/orders/{number}/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def allowed(api, role, number) -> list[str]:
    response = api.as_(role).get(f"/api/v1/orders/{number}")
    assert response.status_code == 200, response.text
    return response.json()["allowed_actions"]


def test_a_new_order_offers_each_role_its_own_actions(api):
    number = new_order(api)["number"]
    assert allowed(api, "call_taker", number) == ["close", "merge"]
    assert allowed(api, "dispatcher", number) == ["dispatch", "close", "merge"]
    assert allowed(api, "supervisor", number) == ["close", "supervise"]
    assert allowed(api, "analyst", number) == []


def test_the_list_follows_the_order_through_its_lifecycle(api, departments):
    number = new_order(api)["number"]
    dispatched = act(api, "dispatcher", number, "dispatch", department=departments[0])
    assert dispatched["allowed_actions"] == ["dispatch", "merge"]  # the action's answer carries it too
    assert allowed(api, "handler", number) == ["sign", "return"]
    act(api, "handler", number, "sign")
    assert allowed(api, "handler", number) == ["return", "extend", "reply"]
    act(api, "handler", number, "extend", days=2, reason="需协调施工单位")
    assert allowed(api, "handler", number) == ["return", "reply"]
    assert allowed(api, "supervisor", number) == ["approve_extension", "deny_extension", "supervise"]
    act(api, "supervisor", number, "deny_extension")
    act(api, "handler", number, "reply", content="已更换灯泡")
    assert allowed(api, "call_taker", number) == ["callback", "merge"]
    act(api, "call_taker", number, "callback", satisfaction="satisfied", resolved=True)
    assert allowed(api, "call_taker", number) == ["close", "merge"]
    act(api, "call_taker", number, "close")
    assert allowed(api, "supervisor", number) == ["reopen"]
    assert allowed(api, "call_taker", number) == []


def test_every_listed_action_is_one_the_server_then_accepts(api, departments):
    number = new_order(api)["number"]
    act(api, "dispatcher", number, "dispatch", department=departments[0])
    act(api, "handler", number, "sign")
    act(api, "handler", number, "reply", content="已处理")
    act(api, "call_taker", number, "callback", satisfaction="basic", resolved=True)
    assert "callback" not in allowed(api, "admin", number)
    second = api.as_("admin").post(f"/api/v1/orders/{number}/callback", json={"satisfaction": "satisfied", "resolved": True})
    assert second.status_code == 409 and second.json()["rule"] == "one_callback_per_reply"
    assert "close" in allowed(api, "admin", number)
    act(api, "admin", number, "close")
