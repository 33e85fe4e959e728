"""One order from the call-taker's form through dispatch, signing, the reply, the callback and closing,
each step done by its role in its own console, then read back on the order page and by the citizen."""

from __future__ import annotations

CONTENT = "松林社区3号楼门口的路灯坏了一个星期，晚上很黑，请尽快维修"


def _pick(page, number: str, tab: str | None = None) -> None:
    if tab:
        page.click(f"#tabs button[data-tab={tab}]")
    page.click(f"#queue .list-item[data-number='{number}']")
    page.wait_for_selector(f"#detail article.order[data-number='{number}']")


def _act(page, action: str, fill: dict | None = None, expect_status: str | None = None) -> None:
    page.click(f"#detail .actions button.act-{action}")
    for selector, value in (fill or {}).items():
        if selector.startswith("select"):
            page.select_option(f"#detail form[data-action={action}] {selector}", value)
        else:
            page.fill(f"#detail form[data-action={action}] {selector}", value)
    if fill:  # actions without parameters (sign, close after the callback) are taken on the click itself
        page.click(f"#detail form[data-action={action}] button[type=submit]")
    if expect_status:
        page.wait_for_selector(f"#detail article.order[data-status={expect_status}]")


def test_an_order_goes_from_intake_to_closed_through_every_console(open_as, server):
    # call-taker: keyboard-first form, Ctrl+Enter registers
    intake = open_as("ct", "/console/intake")
    page = intake.page
    page.wait_for_selector("#intake-form")
    page.keyboard.type("13912345678")  # the phone field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("李四")
    page.fill("#f-content", CONTENT)
    page.wait_for_selector("#suggestions .chip")  # suggestions appear while typing (a place at least)
    page.select_option("#f-category", "0102")
    page.wait_for_timeout(300)
    intake.shot("console-intake")
    page.press("#f-content", "Control+Enter")
    page.wait_for_selector("#toast:not(.hidden)")
    number = page.inner_text("#toast").split()[-1]
    assert number.startswith("GD")
    assert page.query_selector(f".list-item[data-number='{number}']")
    assert intake.problems() == []

    # dispatcher: the new order is in the queue; dispatch to the lead department and a co-department
    dispatch = open_as("dp", "/console/dispatch")
    page = dispatch.page
    _pick(page, number)
    page.click("#detail .actions button.act-dispatch")
    page.select_option("#detail form[data-action=dispatch] select[name=department]", "CGJ")
    page.check("#detail form[data-action=dispatch] input[value='GOV-990101']")
    dispatch.shot("console-dispatch")
    page.click("#detail form[data-action=dispatch] button[type=submit]")
    page.wait_for_selector("#detail article.order[data-status=dispatched]")
    assert dispatch.problems() == []

    # department: sign, then reply (with a countdown on the inbox)
    department = open_as("hd", "/console/department")
    page = department.page
    _pick(page, number, "to_sign")
    assert page.query_selector(f"#queue .list-item[data-number='{number}'] .due")
    _act(page, "sign", expect_status="in_progress")
    _act(page, "reply", {"textarea[name=content]": "已更换松林社区3号楼门口路灯，经测试正常照明。"}, expect_status="replied")
    department.shot("console-department")
    assert department.problems() == []

    # supervisor: the callback to make, then close
    supervise = open_as("sv", "/console/supervise")
    page = supervise.page
    _pick(page, number, "callbacks")
    _act(page, "callback", {"select[name=satisfaction]": "satisfied", "select[name=resolved]": "true"})
    page.wait_for_selector("#detail .actions button.act-close")
    _act(page, "close", expect_status="closed")
    supervise.shot("console-supervise")
    assert supervise.problems() == []

    # the order page shows every event; an analyst sees the phone masked, the call-taker in full
    viewer = open_as("an", f"/orders/{number}")
    page = viewer.page
    page.wait_for_selector("ol.timeline li")
    actions = [li.get_attribute("data-action") for li in page.query_selector_all("ol.timeline li")]
    assert actions == ["register", "dispatch", "sign", "reply", "callback", "close"]
    assert page.inner_text("dd[data-field=citizen_phone]") == "139****5678"
    assert page.inner_text("dd[data-field=citizen_name]") == "李*"
    viewer.shot("order-page", full_page=True)
    assert viewer.problems() == []
    page = open_as("ct", f"/orders/{number}").page
    page.wait_for_selector("dd[data-field=citizen_phone]")
    assert page.inner_text("dd[data-field=citizen_phone]") == "13912345678"

    # the citizen sees the reply
    track = open_as("ct", f"/track?number={number}&phone=13912345678").page
    track.wait_for_selector("#track-reply")
    assert "路灯" in track.inner_text("#track-reply")


def test_a_handler_returns_an_order_with_a_reason_and_the_dispatcher_sees_it(open_as, server):
    order = server.new_order("湖光社区下水道堵塞，污水外溢", district="东城")
    server.post("dp", f"/api/v1/orders/{order['number']}/dispatch", department="CGJ")
    page = open_as("hd", "/console/department").page
    _pick(page, order["number"], "to_sign")
    _act(page, "return", {"textarea[name=reason]": "属地管理事项，应由东区政府办理"}, expect_status="returned")
    page = open_as("dp", "/console/dispatch").page
    _pick(page, order["number"], "returned")
    assert "属地管理事项" in page.inner_text("#detail .return-reason")


def test_a_supervisor_sends_a_supervision_notice_on_an_open_order(open_as, server):
    order = server.new_order("河口社区停水三天无人处理", district="西城")
    server.post("dp", f"/api/v1/orders/{order['number']}/dispatch", department="UTIL")
    page = open_as("sv", f"/orders/{order['number']}").page
    page.wait_for_selector("#detail, article.order")
    page.click("article.order .actions button.act-supervise")
    page.fill("article.order form[data-action=supervise] textarea[name=note]", "群众反映强烈，请今日内处理")
    page.click("article.order form[data-action=supervise] button[type=submit]")
    page.wait_for_selector("ol.timeline li[data-action=supervise]")
    assert server.get("an", f"/api/v1/orders/{order['number']}").json()["supervision_count"] == 1


def test_a_call_taker_closes_directly_with_a_knowledge_base_answer(open_as, server):
    article = server.post("sv", "/api/v1/kb/articles", title="居民供暖费缴纳",
                          body="居民供暖费可在所在社区服务中心或供热公司营业厅缴纳，也可通过网上缴纳。")
    intake = open_as("ct", "/console/intake")
    page = intake.page
    page.wait_for_selector("#intake-form")
    page.fill("#f-citizen_phone", "13912340000")
    page.fill("#f-content", "请问居民供暖费在哪里缴纳")
    page.locator("#kb .kb-item", has_text="居民供暖费缴纳").locator("button").click()
    page.wait_for_selector("#toast:not(.hidden)")
    number = page.inner_text("#toast").split()[-1]
    order = server.get("an", f"/api/v1/orders/{number}").json()
    assert order["status"] == "closed" and order["closed_directly"] is True and "供热公司" in order["reply"]
    close = server.get("an", f"/api/v1/orders/{number}/events").json()["items"][-1]
    assert close["action"] == "close" and close["changes"]["article_id"] == article["id"]
    assert intake.problems() == []
