"""GET /api/v1/orders and GET /api/v1/analytics/{module} take the same filters and refuse the same faults alike."""

from __future__ import annotations

from dataclasses import fields

import pytest

from hotline.workorders.filters import WINDOW, CommonOrderFilter

ENDPOINTS = ("/api/v1/orders", "/api/v1/analytics/overview")
COMMON = [f.name for f in fields(CommonOrderFilter)]
TEXT = [name for name in COMMON if name not in WINDOW]


def _both(api, params: dict) -> list:
    return [api.as_("admin").get(url, params=params) for url in ENDPOINTS]


def test_both_endpoints_document_every_common_filter(api):
    spec = api.client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/orders", "/api/v1/analytics/{module}"):
        documented = {p["name"] for p in spec[path]["get"]["parameters"] if p["in"] == "query"}
        assert set(COMMON) <= documented, path


def test_both_endpoints_accept_every_common_filter(api):
    good = {name: "x" for name in TEXT} | {"created_from": "2024-03-01", "created_to": "2024-03-05T12:00:00+08:00"}
    for name, value in good.items():
        for response in _both(api, {name: value}):
            assert response.status_code == 200, (name, response.url, response.text)


@pytest.mark.parametrize("params, field", [
    *[({name: "长" * 201}, name) for name in TEXT],
    ({"district": "990101\n"}, "district"),
    ({"created_from": "yesterday"}, "created_from"),
    ({"created_to": "2024-13-01"}, "created_to"),
    ({"created_from": "2024-03-05", "created_to": "2024-03-05"}, "created_to"),
    ({"created_from": "2024-03-06", "created_to": "2024-03-05T23:00:00"}, "created_to"),
])
def test_both_endpoints_refuse_the_same_fault_naming_the_same_field(api, params, field):
    orders, analytics = _both(api, params)
    assert orders.status_code == analytics.status_code == 422, (orders.text, analytics.text)
    assert orders.json()["field"] == analytics.json()["field"] == field
    assert orders.json() == analytics.json()
