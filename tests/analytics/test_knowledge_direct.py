"""知识库: the orders closed directly with an article (ids matched in numpy) equal a count straight from the store."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.analytics import knowledge
from hotline.analytics.common import Context
from hotline.analytics.filters import Filters
from hotline.knowledge.models import KbArticle, KbSearch
from hotline.workorders.models import WorkOrder

from .conftest import act, new_order


def _expected(platform, filters: Filters) -> tuple[int, int, int]:
    """(orders, closed directly, closed directly with a search naming it that used an article), from the store."""
    with platform.sessions() as s:
        orders = [(i, d) for i, d, at, district in s.execute(
            select(WorkOrder.id, WorkOrder.closed_directly, WorkOrder.created_at, WorkOrder.district))
            if (filters.created_from is None or at >= filters.created_from)
            and (filters.created_to is None or at < filters.created_to)
            and filters.district in (None, district)]
        used = set(s.scalars(select(KbSearch.order_id).where(KbSearch.article_id.is_not(None))))
    direct = [i for i, d in orders if d]
    return len(orders), len(direct), sum(1 for i in direct if i in used)


def test_direct_closures_with_an_article_equal_those_counted_from_the_store(api, platform, clock):
    start = clock.now
    ids = []  # numbers, then ids
    for i in range(8):  # two a day, in two districts; even ones closed directly
        clock.now = start + timedelta(hours=12 * i)
        order = new_order(api, district="990101" if i % 3 else "990102")
        if i % 2 == 0:
            act(api, "call_taker", order["number"], "close", reply="已按政策解答")
        ids.append(order["number"])
    with platform.sessions.begin() as session:
        by_number = dict(session.execute(select(WorkOrder.number, WorkOrder.id)).all())
        ids = [by_number[n] for n in ids]
        article = KbArticle(title="供暖缴费", body="可在社区服务中心缴纳", category="0201", created_at=start,
                            updated_at=start, version=1)
        session.add(article)
        session.flush()
        # Twice for one order (counted once), none for another, one without an article, one not closed directly.
        for order_id, article_id in ((ids[0], article.id), (ids[0], article.id), (ids[2], None),
                                     (ids[4], article.id), (ids[5], article.id), (ids[6], article.id)):
            session.add(KbSearch(at=start, username="ct1", query="供暖", hits=1, article_id=article_id,
                                 order_id=order_id))
    platform.analytics.engine.refresh()
    windows = [Filters(), Filters(created_from=start, created_to=start + timedelta(days=1)),
               Filters(created_from=start + timedelta(hours=30)), Filters(created_to=start + timedelta(hours=1)),
               Filters(created_from=start + timedelta(days=30)), Filters(district="990102"),
               Filters(created_from=start + timedelta(hours=40), district="990101")]
    found = [knowledge._direct_closures(Context(platform.analytics.engine, f, clock.now)) for f in windows]
    assert found == [_expected(platform, f) for f in windows]
    assert found[0][2] == 3 and found[4] == (0, 0, 0)  # the case each side of the numpy match is exercised


def test_knowledge_gaps_count_each_user_once(api, platform, clock):
    start = clock.now
    # The store keeps no missing user: "" (its default) is one user, as count(DISTINCT username) counted it.
    searches = [(" 路灯报修 ", "ct1"), ("路灯报修", "ct1"), ("路灯报修", ""), ("路灯报修", "ct2"), ("停车", ""),
                ("停车", ""), ("供暖", "ct1"), ("供暖", "ct1"), ("井盖", "ct2")]
    with platform.sessions.begin() as session:
        for k, (query, user) in enumerate(searches):
            session.add(KbSearch(at=start + timedelta(minutes=k), username=user, query=query, hits=0))
        session.add(KbSearch(at=start, username="ct3", query="停车", hits=2))  # answered: no gap
    platform.analytics.engine.refresh()
    gaps = knowledge._gaps(Context(platform.analytics.engine, Filters(), clock.now))
    assert gaps == [{"query": "路灯报修", "searches": 4, "users": 3}, {"query": "供暖", "searches": 2, "users": 1},
                    {"query": "停车", "searches": 2, "users": 1}]
