"""Fuzzing the API: no input, however odd, gets a 500 or changes what is stored when refused."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import new_order

ODD_TEXT = st.one_of(st.text(max_size=40), st.just("\x00"), st.just("😀" * 3), st.just("<b>x</b>"),
                     st.just("a" * 6000), st.sampled_from(["phone", "web", "13812341234", "0101", "CGJ"]))
VALUE = st.one_of(ODD_TEXT, st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
                  st.lists(ODD_TEXT, max_size=3), st.dictionaries(ODD_TEXT, ODD_TEXT, max_size=2))
FIELDS = st.sampled_from(["channel", "content", "citizen_phone", "citizen_name", "address", "district", "street",
                          "category", "request_type", "urgency", "lat", "lon", "department", "reason", "days",
                          "content", "satisfaction", "resolved", "into", "note", "co_departments"])
BODY = st.one_of(st.dictionaries(FIELDS, VALUE, max_size=8), st.lists(VALUE, max_size=2), VALUE)
ACTIONS = st.sampled_from(["dispatch", "sign", "return", "extend", "approve_extension", "reply", "callback",
                           "close", "reopen", "supervise", "merge", "register", "../x", "%00"])
ROLES = st.sampled_from(["call_taker", "dispatcher", "handler", "supervisor", "admin"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODY, action=ACTIONS, role=ROLES, query=st.dictionaries(
    st.sampled_from(["status", "district", "q", "created_from", "created_to", "limit", "offset", "category"]),
    ODD_TEXT, max_size=3))
def test_odd_input_never_causes_a_server_error(api, body, action, role, query):
    number = new_order(api)["number"]
    client = api.as_(role)
    assert client.post("/api/v1/orders", json=body).status_code < 500
    response = client.post(f"/api/v1/orders/{number}/{action}", json=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert api.as_("admin").get(f"/api/v1/orders/{number}").json()["status"] == "registered"
    assert client.get("/api/v1/orders", params=query).status_code < 500
    assert client.get("/api/v1/orders/" + quote(query.get("q", "x"), safe="")).status_code < 500
    assert client.post("/api/v1/departments", json=body).status_code < 500
    assert api.client.post("/api/v1/auth/token", data={"username": query.get("q", "\x00"), "password": "x"}).status_code < 500
