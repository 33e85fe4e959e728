"""A co-department's handler (协办) finds the order it co-handles in its console, marked and with the deadline,
gives its opinion there, and the lead department reads it on the order's timeline."""

from __future__ import annotations

OPINION = "东区政府已安排社区网格员现场核实，灯杆属市政资产，建议主办单位更换灯具"


def test_co_department_sees_the_order_marked_and_gives_its_opinion_to_the_lead(open_as, server):
    order = server.new_order("湖光社区5号路口路灯不亮，夜里行人看不清", category="0102", district="东城")
    number = order["number"]
    server.post("dp", f"/api/v1/orders/{number}/dispatch", department="CGJ", co_departments=["GOV-990101"])
    server.post("hd", f"/api/v1/orders/{number}/sign")

    console = open_as("hd-co", "/console/department", width=390, height=844)  # handlers work on phones
    page = console.page
    page.click("#tabs button[data-tab=co_handling]")
    item = page.wait_for_selector(f"#queue .list-item[data-number='{number}']")
    assert "协办" in item.inner_text()
    assert item.query_selector(".due")  # the lead's finish-by countdown
    assert page.inner_text("#tabs button[data-tab=in_hand]").endswith("(0)")  # not among the orders it leads
    console.shot("console-department-co-inbox")
    item.click()
    page.wait_for_selector(f"#detail article.order[data-number='{number}']")
    buttons = [b.get_attribute("data-action") for b in page.query_selector_all("#detail .actions button.act")]
    assert buttons == ["opinion"]  # never sign, return, extend or reply for the lead
    page.click("#detail .actions button.act-opinion")
    page.fill("#detail form[data-action=opinion] textarea[name=opinion]", OPINION)
    page.click("#detail form[data-action=opinion] button[type=submit]")
    page.wait_for_selector("#detail ol.timeline li[data-action=opinion]")
    console.shot("console-department-co")
    assert console.problems() == []

    lead = open_as("hd", f"/orders/{number}")
    entry = lead.page.wait_for_selector("ol.timeline li[data-action=opinion]")
    assert OPINION in entry.inner_text() and "hd-co" in entry.inner_text()
    assert lead.problems() == []
