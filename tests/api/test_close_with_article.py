"""Closing an order directly with a knowledge-base answer: the article is checked, named in the close event and
its use logged in the same transaction, so that 知识库统计分析 counts the closure with an article."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.knowledge.models import KbSearch
from hotline.workorders.models import OrderEvent, WorkOrder

from .conftest import new_order

ANSWER = "供暖费可在社区服务中心或网上缴纳"


def article(api, **fields) -> dict:
    body = {"title": "供暖费缴纳", "body": ANSWER} | fields
    response = api.as_("supervisor").post("/api/v1/kb/articles", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def close(api, number, **body):
    return api.as_("call_taker").post(f"/api/v1/orders/{number}/close", json={"reply": ANSWER} | body)


def counts(platform) -> tuple[int, int]:
    """(events, logged article uses) in the store."""
    with platform.sessions() as s:
        return (s.scalar(select(func.count()).select_from(OrderEvent)),
                s.scalar(select(func.count()).select_from(KbSearch).where(KbSearch.article_id.is_not(None))))


def closed_at(platform, number):
    with platform.sessions() as s:
        return s.scalar(select(WorkOrder.closed_at).where(WorkOrder.number == number))


def direct_close_with_article(api) -> dict:
    response = api.as_("analyst").get("/api/v1/analytics/knowledge")
    assert response.status_code == 200, response.text
    return response.json()["direct_close_with_article_rate"]


def test_closing_with_an_article_names_it_in_the_event_and_logs_its_use(api, platform):
    kb = article(api)
    number = new_order(api, content="请问供暖费在哪里缴纳")["number"]
    closed = close(api, number, article_id=kb["id"])
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_directly"] is True
    events = api.as_("admin").get(f"/api/v1/orders/{number}/events").json()["items"]
    assert events[-1]["action"] == "close" and events[-1]["changes"]["article_id"] == kb["id"]
    with platform.sessions() as s:
        use = s.scalars(select(KbSearch).where(KbSearch.article_id == kb["id"])).one()
        order_id = s.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    assert use.order_id == order_id and use.username == "ct1" and use.at == closed_at(platform, number)


def test_the_article_is_the_reply_unless_one_is_typed(api):
    kb = article(api, body="居民供暖费可在社区服务中心或供热公司营业厅缴纳")
    untyped = new_order(api)["number"]
    response = api.as_("call_taker").post(f"/api/v1/orders/{untyped}/close", json={"article_id": kb["id"]})
    assert response.status_code == 200 and response.json()["reply"] == "居民供暖费可在社区服务中心或供热公司营业厅缴纳"
    typed = new_order(api)["number"]
    assert close(api, typed, article_id=kb["id"]).json()["reply"] == ANSWER


@pytest.mark.parametrize("bad", ["7", True, 0, -3, 2**40, 1.5, [1]])
def test_a_malformed_article_id_is_refused_naming_the_field(api, platform, bad):
    number = new_order(api)["number"]
    before = counts(platform)
    response = close(api, number, article_id=bad)
    assert response.status_code == 422 and response.json()["field"] == "article_id", response.text
    assert counts(platform) == before


def test_an_unknown_archived_or_expired_article_is_refused_and_nothing_is_stored(api, platform, clock):
    number = new_order(api)["number"]
    archived = article(api, title="旧政策")
    assert api.as_("supervisor").post(f"/api/v1/kb/articles/{archived['id']}/archive").status_code == 200
    expired = article(api, title="去年的政策", valid_to=(clock.now - timedelta(days=1)).date().isoformat())
    before = counts(platform)
    for article_id, says in ((archived["id"] + 100, "not a known"), (archived["id"], "archived"),
                             (expired["id"], "not valid")):
        response = close(api, number, article_id=article_id)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "article_id" and says in response.json()["detail"]
    assert counts(platform) == before
    order = api.as_("admin").get(f"/api/v1/orders/{number}").json()
    assert order["status"] == "registered" and order["reply"] == ""


def test_the_knowledge_analytics_count_a_direct_closure_with_an_article(api, platform):
    kb = article(api)
    close(api, new_order(api)["number"])  # a direct closure without an article
    platform.analytics.engine.refresh()
    assert direct_close_with_article(api) == {"rate": 0.0, "numerator": 0, "denominator": 1}
    assert close(api, new_order(api)["number"], article_id=kb["id"]).status_code == 200
    platform.analytics.engine.refresh()
    assert direct_close_with_article(api) == {"rate": 0.5, "numerator": 1, "denominator": 2}
