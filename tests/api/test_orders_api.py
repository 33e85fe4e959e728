"""The orders API on both backends: paths, filters, roles, masking, audit, bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.workorders.models import OrderEvent, PersonalDataRead, WorkOrder

from .conftest import new_order


def act(api, role, number, action, **body):
    return api.as_(role).post(f"/api/v1/orders/{number}/{action}", json=body)


def test_order_goes_from_intake_to_closed_with_its_timeline(api, departments, clock):
    order = new_order(api)
    assert order["status"] == "registered" and order["number"].startswith("GD20240304")
    number = order["number"]
    assert act(api, "dispatcher", number, "dispatch", department=departments[0]).json()["status"] == "dispatched"
    clock.advance(hours=1)
    assert act(api, "handler", number, "sign").json()["status"] == "in_progress"
    assert act(api, "handler", number, "reply", content="已更换灯泡").json()["status"] == "replied"
    body = act(api, "call_taker", number, "callback", satisfaction="satisfied", resolved=True).json()
    assert body["satisfaction"] == "satisfied" and body["resolved"] is True
    assert act(api, "supervisor", number, "close").json()["status"] == "closed"
    events = api.as_("admin").get(f"/api/v1/orders/{number}/events").json()
    assert [e["action"] for e in events["items"]] == ["register", "dispatch", "sign", "reply", "callback", "close"]
    assert events["items"][2]["at"] == "2024-03-04T10:00:00+08:00"


def test_return_then_redispatch_extension_reopen_and_merge(api, departments, clock):
    number = new_order(api)["number"]
    act(api, "dispatcher", number, "dispatch", department=departments[0])
    returned = act(api, "handler", number, "return", reason="不属于本单位职责")
    assert returned.json()["status"] == "returned" and returned.json()["return_reason"] == "不属于本单位职责"
    act(api, "dispatcher", number, "dispatch", department=departments[0])
    act(api, "handler", number, "sign")
    due = act(api, "handler", number, "extend", days=2, reason="需协调").json()["finish_due_at"]
    extended = act(api, "supervisor", number, "approve_extension").json()
    assert extended["extension_days"] == 2 and extended["finish_due_at"] > due
    act(api, "handler", number, "reply", content="已处理")
    act(api, "call_taker", number, "callback", satisfaction="dissatisfied", resolved=False)
    reopened = act(api, "supervisor", number, "reopen", reason="群众反映问题未解决").json()
    assert reopened["status"] == "dispatched" and reopened["reopen_count"] == 1
    duplicate = new_order(api, content="路灯坏了，和邻居反映的是同一个")["number"]
    merged = act(api, "dispatcher", duplicate, "merge", into=number).json()
    assert merged["status"] == "merged" and merged["merged_into"] == number
    supervised = act(api, "supervisor", number, "supervise", note="请加快办理").json()
    assert supervised["supervision_count"] == 1


def test_illegal_transition_is_409_and_leaves_the_order_unchanged(api, platform):
    number = new_order(api)["number"]
    response = act(api, "admin", number, "reply", content="x")
    assert response.status_code == 409 and response.json()["rule"] == "reply_from_registered"
    with platform.sessions() as s:
        assert s.scalar(select(WorkOrder.status).where(WorkOrder.number == number)) == "registered"
        assert s.scalar(select(func.count()).select_from(OrderEvent)) == 1


def test_bad_input_names_the_field(api, departments):
    cases = [
        ({"channel": "phone", "content": "", "citizen_phone": "13812341234"}, "content"),
        ({"channel": "phone", "content": "x", "citizen_phone": "12345"}, "citizen_phone"),
        ({"channel": "fax", "content": "x", "citizen_phone": "13812341234"}, "channel"),
        ({"channel": "phone", "content": "x", "citizen_phone": "13812341234", "district": "火星区"}, "district"),
        ({"channel": "phone", "content": "x", "citizen_phone": "13812341234", "category": "9999"}, "category"),
        ({"channel": "phone", "content": "x", "citizen_phone": "13812341234", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        response = api.as_("call_taker").post("/api/v1/orders", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
    number = new_order(api)["number"]
    response = act(api, "dispatcher", number, "dispatch", department="NO-SUCH")
    assert response.status_code == 422 and response.json()["field"] == "department"
    assert api.as_("call_taker").post("/api/v1/orders", content=b"{not json").status_code == 422
    response = api.as_("admin").get("/api/v1/orders", params={"created_from": "yesterday"})
    assert response.status_code == 422 and response.json()["field"] == "created_from"
    assert api.as_("admin").get("/api/v1/orders", params={"limit": 0}).status_code == 422


def test_idempotency_key_returns_the_same_order(api, platform):
    headers = {"Idempotency-Key": "call-778899"}
    body = {"channel": "web", "content": "咨询办理居住证", "citizen_phone": "13912345678"}
    first = api.as_("call_taker").post("/api/v1/orders", json=body, headers=headers)
    again = api.as_("call_taker").post("/api/v1/orders", json=body, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"]
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 1


def test_handler_cannot_read_or_act_on_other_departments_orders(api, departments):
    number = new_order(api)["number"]
    act(api, "dispatcher", number, "dispatch", department=departments[0])
    assert api.as_("other_handler").get(f"/api/v1/orders/{number}").status_code == 404
    assert act(api, "other_handler", number, "sign").status_code == 404
    assert api.as_("other_handler").get("/api/v1/orders").json()["total"] == 0
    assert api.as_("handler").get("/api/v1/orders").json()["total"] == 1


def test_roles_may_only_take_their_actions(api, departments):
    number = new_order(api)["number"]
    assert act(api, "analyst", number, "dispatch", department=departments[0]).status_code == 403
    assert act(api, "handler", number, "close").status_code == 403
    assert api.as_("analyst").post("/api/v1/orders", json={"channel": "web", "content": "x",
                                                            "citizen_phone": "13812341234"}).status_code == 403
    assert api.client.get("/api/v1/orders").status_code == 401
    assert api.client.get("/api/v1/orders", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_phone_is_masked_except_for_call_takers_and_admins_whose_reads_are_audited(api, platform):
    number = new_order(api)["number"]
    for role in ("dispatcher", "supervisor", "analyst"):
        assert api.as_(role).get(f"/api/v1/orders/{number}").json()["citizen_phone"] == "138****1234"
    assert api.as_("call_taker").get(f"/api/v1/orders/{number}").json()["citizen_phone"] == "13812341234"
    api.as_("admin").get("/api/v1/orders")
    with platform.sessions() as s:
        readers = s.scalars(select(PersonalDataRead.username)).all()
    assert sorted(readers) == ["ad1", "ct1"]


def test_list_filters_and_paging(api, platform, clock):
    snap = platform.reference_cache.get()
    district = sorted(c for c, r in snap.regions.items() if r.level == "district")[0]
    category = sorted(c for c, k in snap.categories.items() if k.level == 2)[0]
    new_order(api, district=district, category=category, request_type="complaint")
    clock.advance(days=1)
    new_order(api, channel="web", content="建议增加公交线路")
    admin = api.as_("admin")
    assert admin.get("/api/v1/orders").json()["total"] == 2
    assert admin.get("/api/v1/orders", params={"district": district}).json()["total"] == 1
    assert admin.get("/api/v1/orders", params={"category": snap.categories[category].parent}).json()["total"] == 1
    assert admin.get("/api/v1/orders", params={"channel": "web"}).json()["total"] == 1
    assert admin.get("/api/v1/orders", params={"request_type": "complaint"}).json()["total"] == 1
    assert admin.get("/api/v1/orders", params={"q": "公交"}).json()["total"] == 1
    day2 = admin.get("/api/v1/orders", params={"created_from": "2024-03-05", "created_to": "2024-03-06"})
    assert day2.json()["total"] == 1 and day2.json()["items"][0]["channel"] == "web"
    assert admin.get("/api/v1/orders", params={"created_to": "2024-03-05T09:00:00+08:00"}).json()["total"] == 1
    page = admin.get("/api/v1/orders", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["items"][0]["channel"] == "phone"


def test_reference_data_lists_and_admin_writes(api):
    for kind in ("departments", "categories", "regions"):
        items = api.as_("analyst").get(f"/api/v1/{kind}").json()["items"]
        assert items and {"code", "name"} <= set(items[0])
    body = {"code": "NEWDEPT", "name": "市新设局", "kind": "bureau"}
    assert api.as_("dispatcher").post("/api/v1/departments", json=body).status_code == 403
    assert api.as_("admin").post("/api/v1/departments", json=body).status_code == 201
    assert api.as_("admin").post("/api/v1/departments", json=body).status_code == 409
    bad = api.as_("admin").post("/api/v1/regions", json={"code": "X1", "name": "x", "level": "street"})
    assert bad.status_code == 422 and bad.json()["field"] == "parent"
