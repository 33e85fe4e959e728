"""The big screen and the six analysis pages: drawn without console errors, charts on canvases, figures
that drill down to their orders, tables that export to Excel, and the screen updated live."""

from __future__ import annotations

import zipfile

import pytest

MODULES = ["overview", "requests", "calls", "knowledge", "efficiency", "summary"]


def _analytics_served(server) -> bool:
    return server.get("an", "/api/v1/analytics/requests").status_code == 200


def test_big_screen_draws_every_panel_readably(open_as, server):
    watched = open_as("an", "/screen", width=1920, height=1080)
    page = watched.page
    page.wait_for_selector("body[data-ready=yes]", state="attached")
    page.wait_for_selector("#map canvas")
    assert int(page.inner_text("#k-intake .s-value").replace(",", "")) >= 10
    assert page.inner_text("#k-calls .s-value") == "12" and page.inner_text("#k-answer .s-value") == "75.0%"
    assert page.query_selector_all("#ticker-items li")
    if _analytics_served(server):
        page.wait_for_selector("#top canvas")
        assert page.query_selector("#league table")
    watched.shot("screen", full_page=False)
    assert watched.problems() == []


def test_a_new_order_appears_on_the_big_screen_without_reload(open_as, server):
    watched = open_as("an", "/screen", width=1920, height=1080)
    page = watched.page
    page.wait_for_selector("body[data-ready=yes]", state="attached")
    page.evaluate("window.__sameDocument = true")
    before = int(page.inner_text("#k-intake .s-value").replace(",", ""))
    order = server.new_order("金川路与新华路口红绿灯不亮，电话13900001234", citizen_phone="13900001234")
    item = page.wait_for_selector(f"#ticker-items li[data-number='{order['number']}']", timeout=10000)
    assert "139****1234" in item.inner_text() and "13900001234" not in item.inner_text()
    page.wait_for_function(f"Number(document.querySelector('#k-intake .s-value').textContent.replace(/,/g, '')) > {before}")
    assert page.evaluate("window.__sameDocument") is True
    watched.shot("screen-live")


@pytest.mark.parametrize("module", MODULES)
def test_every_analysis_page_draws_its_charts(open_as, server, module):
    watched = open_as("an", f"/analysis/{module}")
    page = watched.page
    page.wait_for_selector("body[data-ready]", state="attached")
    state = page.get_attribute("body", "data-ready")
    if _analytics_served(server):
        assert state == "yes", page.inner_text("#results")[:300]
        charts = page.query_selector_all("#results .chart")
        if module in ("overview", "requests", "calls", "efficiency"):
            assert charts, f"no chart on /analysis/{module}"
        assert all(c.get_attribute("data-chart") == "drawn" and c.query_selector("canvas") for c in charts)
    else:
        assert state == "unavailable" and page.query_selector("#results .not-available")
    watched.shot(f"analysis-{module}", full_page=True)
    assert watched.problems() == []


def test_a_figure_drills_down_to_its_orders_and_a_table_exports_to_excel(open_as, server, tmp_path):
    if not _analytics_served(server):
        pytest.skip("the analysis API is not served yet")
    watched = open_as("an", "/analysis/requests")
    page = watched.page
    page.wait_for_selector("body[data-ready=yes]", state="attached")
    with page.expect_download() as download:
        page.click("[data-section=by_category] .export")
    saved = tmp_path / "by_category.xlsx"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "市政道路" in sheet or "供水" in sheet
    total = int(page.inner_text("[data-kpi=total] .k-value").replace(",", ""))
    page.click("[data-kpi=total]")
    page.wait_for_url("**/orders?*")
    page.wait_for_selector("#orders-total")
    assert int(page.get_attribute("#orders-total", "data-total")) == total
    page.go_back()
    row = page.wait_for_selector("[data-section=by_category] tr.clickable:has-text('供水')")
    label = page.inner_text("[data-section=by_category] tr.clickable:has-text('供水') td")
    row.click()
    page.wait_for_url("**/orders?*category=*")
    page.wait_for_selector("#orders-total")
    assert label in page.inner_text("table.data tbody")
    watched.shot("drill-orders")
    assert watched.problems() == []
