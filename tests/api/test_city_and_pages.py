"""The city's map for the screens, and the pages and static assets served by the same app."""

from __future__ import annotations

import pytest


def test_city_map_is_the_loaded_packs_geojson(api):
    response = api.as_("analyst").get("/api/v1/city/map")
    assert response.status_code == 200
    geojson = response.json()
    assert geojson["type"] == "FeatureCollection"
    assert {f["properties"]["adcode"] for f in geojson["features"]} == {"990101", "990102"}
    city = api.as_("handler").get("/api/v1/city").json()
    assert city["name"] == "示例市" and city["has_map"] is True and city["population"] == 30000


def test_city_map_needs_a_signed_in_user(api):
    assert api.client.get("/api/v1/city/map").status_code == 401


@pytest.mark.parametrize("path", ["/login", "/screen", "/analysis/requests", "/orders", "/orders/GD1", "/track",
                                  "/console/intake", "/console/dispatch", "/console/department", "/console/supervise"])
def test_every_bookmarkable_page_is_served(api, path):
    response = api.client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<script type="module"' in response.text


def test_unknown_pages_are_not_found_and_assets_are_served_locally(api):
    assert api.client.get("/analysis/nothing").status_code == 404
    assert api.client.get("/console/nothing").status_code == 404
    echarts = api.client.get("/static/vendor/echarts/echarts.min.js")
    assert echarts.status_code == 200 and len(echarts.content) > 500_000
    assert api.client.get("/static/vendor/echarts/LICENSE").status_code == 200
    assert "cdn" not in api.client.get("/screen").text.lower()
