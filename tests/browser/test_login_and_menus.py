"""Signing in as each role lands on that role's page with that role's menu; English is one click away."""

from __future__ import annotations

import pytest

LANDING = {"ct": "/console/intake", "dp": "/console/dispatch", "hd": "/console/department", "sv": "/console/supervise",
           "an": "/analysis/overview", "ad": "/screen"}
MENU = {"ct": ["intake", "orders", "track"], "dp": ["dispatch", "orders", "screen", "analysis"],
        "hd": ["department", "orders", "analysis"], "sv": ["supervise", "screen", "analysis", "orders"],
        "an": ["analysis", "screen", "orders"]}


@pytest.mark.parametrize("user", list(LANDING))
def test_each_role_signs_in_to_its_own_page(open_as, server, user):
    watched = open_as(user, via_form=True)
    page = watched.page
    assert page.url == server.base + LANDING[user]
    if user in MENU:
        page.wait_for_selector("nav.menu a")
        assert [a.get_attribute("data-menu") for a in page.query_selector_all("nav.menu a")] == MENU[user]
        page.wait_for_timeout(600)
    else:
        page.wait_for_selector("body[data-ready=yes]", state="attached")
    watched.shot(f"landing-{user}")
    assert watched.problems() == []


def test_wrong_password_is_refused_on_the_login_page(browser, server):
    page = browser.new_page()
    page.goto(f"{server.base}/login")
    page.fill("#username", "ct")
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "错误" in page.inner_text("#login-error") and page.url.endswith("/login")
    page.close()


def test_a_page_without_a_session_sends_to_login_and_back(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.base}/console/dispatch")
    page.wait_for_url("**/login?next=*")
    page.fill("#username", "dp")
    page.fill("#password", "browser-pass-1")
    page.click("#login-submit")
    page.wait_for_url(f"{server.base}/console/dispatch")
    context.close()


def test_english_switch_translates_the_menus_and_sticks(open_as):
    watched = open_as("ct", "/console/intake")
    page = watched.page
    page.wait_for_selector("#intake-form")
    assert page.inner_text("nav.menu a[data-menu=intake]") == "受理台"
    page.click("#lang")
    page.wait_for_selector("#intake-form")
    assert page.inner_text("nav.menu a[data-menu=intake]") == "Intake"
    page.goto(page.url)
    page.wait_for_selector("#intake-form")
    assert "New order" in page.inner_text("main")
    watched.shot("intake-english")
    page.click("#lang")  # back to Chinese for the other tests sharing nothing but being tidy


def test_department_inbox_fits_a_phone_screen(open_as):
    watched = open_as("hd", "/console/department", width=390, height=844)
    page = watched.page
    page.wait_for_selector("#queue .list-item")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.click("#queue .list-item")
    page.wait_for_selector("#detail .actions button.act-sign")
    box = page.query_selector("#detail .actions button.act-sign").bounding_box()
    assert box["height"] >= 36  # thumb-sized buttons
    watched.shot("department-phone", full_page=True)
    assert watched.problems() == []


def test_citizen_tracks_a_request_by_number_and_phone(browser, server):
    order = server.new_order("咨询：小区门口路灯坏了", citizen_phone="13712345678")
    page = browser.new_page()
    page.goto(f"{server.base}/track")
    page.fill("#track-number", order["number"])
    page.fill("#track-phone", "13712345678")
    page.click("#track-form button[type=submit]")
    page.wait_for_selector(".track-card")
    assert order["number"] in page.inner_text(".track-card") and "已受理" in page.inner_text(".track-card")
    page.fill("#track-phone", "13700000000")
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#track-result .error")
    page.close()
