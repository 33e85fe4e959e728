"""The phone system records calls; bad call data is refused naming the field."""

from __future__ import annotations

from sqlalchemy import select

from hotline.calls.models import CallRecord

from .conftest import new_order


def test_calls_are_recorded_linked_and_listed_masked(api, platform):
    number = new_order(api)["number"]
    body = {"caller": "13812341234", "queued_at": "2024-03-04T08:59:40+08:00", "wait_seconds": 12,
            "answered": True, "talk_seconds": 150, "agent": "ct1", "order_number": number}
    assert api.as_("call_taker").post("/api/v1/calls", json=body).status_code == 201
    missed = {"caller": "13812341234", "wait_seconds": 40, "answered": False}
    assert api.as_("call_taker").post("/api/v1/calls", json=missed).status_code == 201
    with platform.sessions() as s:
        calls = s.scalars(select(CallRecord).order_by(CallRecord.id)).all()
    assert calls[0].order_id is not None and calls[0].queued_at.hour == 8 and calls[1].agent is None
    listed = api.as_("analyst").get("/api/v1/calls", params={"since": "2024-03-04"}).json()
    assert listed["total"] == 2 and listed["items"][0]["caller"] == "138****1234"


def test_bad_calls_are_refused_naming_the_field(api):
    cases = [({"caller": "1", "answered": True}, "caller"),
             ({"caller": "13812341234", "answered": "yes"}, "answered"),
             ({"caller": "13812341234", "answered": False, "talk_seconds": 5}, "talk_seconds"),
             ({"caller": "13812341234", "answered": True, "wait_seconds": -1}, "wait_seconds"),
             ({"caller": "13812341234", "answered": True, "order_number": "GD-NONE"}, "order_number")]
    for body, field in cases:
        response = api.as_("call_taker").post("/api/v1/calls", json=body)
        assert response.status_code == 422 and response.json()["field"] == field, (body, response.text)
    assert api.as_("handler").post("/api/v1/calls", json=cases[0][0]).status_code == 403
