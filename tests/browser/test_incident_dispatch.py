"""A dispatcher dispatches a whole incident (a burst of similar orders from one place) in one step from the
incidents panel of the dispatch console, then closes a second incident with one answer."""

from __future__ import annotations


def _burst(server, content: str, community: str, n: int = 3) -> list[str]:
    return [server.new_order(content.format(i + 2), category="0202", district="西区", street="西河镇",
                             community=community, citizen_phone=f"1370000{i:04d}")["number"] for i in range(n)]


def _statuses(server, numbers: list[str]) -> dict[str, tuple[str, str | None]]:
    orders = [server.get("ad", f"/api/v1/orders/{n}").json() for n in numbers]
    return {o["number"]: (o["status"], o["department"]) for o in orders}


def _open_incident(page, first: str) -> None:
    page.wait_for_selector("#incidents .incident")
    page.click(f"#incidents .incident:has-text('{first}') .li-title")
    page.wait_for_selector(".incident-detail form[data-act=dispatch]")


def test_an_incident_is_dispatched_and_closed_together_from_the_dispatch_console(open_as, server):
    numbers = _burst(server, "河口社区{}号楼水管爆裂停水了，一直没来水", "河口社区")
    console = open_as("dp", "/console/dispatch")
    page = console.page
    _open_incident(page, numbers[0])
    assert page.locator(".incident-detail .incident-orders li").count() == 3
    page.select_option(".incident-detail form[data-act=dispatch] select[name=department]", "UTIL")
    page.click(".incident-detail form[data-act=dispatch] button[type=submit]")
    page.wait_for_selector("#toast:not(.hidden)")
    assert _statuses(server, numbers) == {n: ("dispatched", "UTIL") for n in numbers}
    console.shot("console-dispatch-incident")

    answered = _burst(server, "柳树村{}组今天停水吗，什么时候恢复供水", "柳树村")
    page.reload()
    _open_incident(page, answered[0])
    page.fill(".incident-detail form[data-act=close] textarea[name=reply]", "西河镇管网检修，今日18时前恢复供水")
    page.click(".incident-detail form[data-act=close] button[type=submit]")
    page.wait_for_selector("#toast:not(.hidden)")
    assert {s for s, _ in _statuses(server, answered).values()} == {"closed"}
    assert console.problems() == []
