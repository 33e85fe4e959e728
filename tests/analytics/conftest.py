"""A small city's worth of orders, calls and searches made through the API, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.calls.models import AgentShift, CallRecord
from hotline.knowledge.models import KbArticle, KbSearch
from tests.api.conftest import Api, api, departments, new_order  # noqa: F401  (fixtures reused)

# (district, category, channel, request_type, urgency, days after the start, how far it goes)
ORDERS = [
    ("990101", "0101", "phone", "complaint", "normal", 0, "closed"),
    ("990101", "0101", "phone", "complaint", "normal", 0, "replied"),
    ("990101", "0102", "web", "consult", "urgent", 1, "in_progress"),
    ("990102", "0201", "phone", "help", "normal", 1, "returned"),
    ("990102", "0202", "app", "complaint", "critical", 2, "dispatched"),
    ("990102", "0301", "phone", "consult", "normal", 2, "direct"),
    ("990101", "0101", "wechat", "report", "normal", 3, "reopened"),
    ("990102", "0201", "phone", "help", "normal", 3, "closed"),
    ("990101", None, "phone", "consult", "normal", 4, "registered"),
    ("990101", "0102", "phone", "suggestion", "normal", 31, "closed"),
    ("990102", "0201", "phone", "complaint", "normal", 32, "pingpong"),
]


def act(api: Api, role: str, number: str, action: str, **body) -> dict:
    """One lifecycle action through the API."""
    response = api.as_(role).post(f"/api/v1/orders/{number}/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _drive(api: Api, number: str, department: str, other: str, goal: str, clock) -> None:
    if goal in ("registered",):
        return
    if goal == "direct":
        act(api, "call_taker", number, "close", reply="已按政策解答：供暖费可在社区服务中心缴纳")
        return
    act(api, "dispatcher", number, "dispatch", department=department)
    if goal == "dispatched":
        return
    if goal in ("returned", "pingpong"):
        act(api, "admin", number, "return", reason="不属于本单位职责")
        if goal == "returned":
            return
        act(api, "dispatcher", number, "dispatch", department=other)
        act(api, "admin", number, "return", reason="不属于本单位职责")
        act(api, "dispatcher", number, "dispatch", department=department)
        return
    clock.advance(hours=2)
    act(api, "admin", number, "sign")
    if goal == "in_progress":
        act(api, "supervisor", number, "supervise", note="请尽快办理")
        return
    clock.advance(hours=20)
    act(api, "admin", number, "reply", content="已安排维修人员到现场处理，路灯已经修复")
    if goal == "replied":
        return
    satisfied = goal != "reopened"
    act(api, "call_taker", number, "callback", satisfaction="satisfied" if satisfied else "dissatisfied",
        resolved=satisfied)
    act(api, "supervisor", number, "close")
    if goal == "reopened":
        act(api, "supervisor", number, "reopen", reason="群众反映问题未解决")


@pytest.fixture
def dataset(api, platform, clock, departments) -> dict:
    """Orders through their lifecycle over five weeks, calls, shifts and knowledge searches; the copy refreshed."""
    start = clock.now
    numbers = []
    for i, (district, category, channel, rtype, urgency, day, goal) in enumerate(ORDERS):
        clock.now = start + timedelta(days=day, hours=i % 3)
        fields = {"district": district, "channel": channel, "request_type": rtype, "urgency": urgency,
                  "address": f"{'东区' if district == '990101' else '西区'}某小区{i}号楼",
                  "citizen_phone": f"1381234{1000 + i % 7:04d}"}
        if category:
            fields["category"] = category
        order = new_order(api, **fields)
        numbers.append(order["number"])
        department = "CGJ" if (category or "").startswith("01") else "UTIL"
        _drive(api, order["number"], department, "GOV-990101", goal, clock)
    clock.now = start + timedelta(days=33, hours=10)
    with platform.sessions.begin() as session:
        for k in range(40):
            at = start + timedelta(days=k % 5, minutes=17 * k)
            answered = k % 5 != 0
            session.add(CallRecord(
                caller=f"1390000{k % 9:04d}", queued_at=at, wait_seconds=5 + k % 30, answered=answered,
                talk_seconds=120 + k if answered else 0, agent=f"agent{k % 3}" if answered else None,
                called_back_at=at + timedelta(hours=1) if not answered and k % 10 == 0 else None))
        session.add(AgentShift(agent="agent0", start_at=start, end_at=start + timedelta(hours=8)))
        article = KbArticle(title="供暖缴费", body="可在社区服务中心缴纳", category="0201", created_at=start,
                            updated_at=start, version=1)
        session.add(article)
        session.flush()
        for k, (query, hits) in enumerate([("供暖缴费", 1), ("路灯报修", 0), ("路灯报修", 0), ("停车", 0)]):
            session.add(KbSearch(at=start + timedelta(hours=k), username="ct1", query=query, hits=hits,
                                 article_id=article.id if hits else None))
    platform.analytics.engine.refresh()
    return {"start": start, "numbers": numbers}
