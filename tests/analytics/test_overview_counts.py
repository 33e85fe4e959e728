"""The overview's live figures equal plain counts of the copied orders (the module rolls one GROUP BY up itself)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hotline.analytics.efficiency import OPEN, overdue_sql
from hotline.analytics.filters import Filters

from .conftest import new_order
from .test_analytics_api import get


@pytest.mark.parametrize("narrowed", [{}, {"district": "990101"}, {"category": "01"}],
                         ids=["city", "district", "category"])
def test_overview_counts_match_the_orders(api, platform, dataset, narrowed):
    for k in range(4):  # today's orders: a rising category and place, counts for today and the map
        new_order(api, district="990101", category="0101", address=f"东区某小区{k}号楼")
    engine = platform.analytics.engine
    engine.refresh()
    body = get(api, "overview", **narrowed)
    now = datetime.fromisoformat(body["now"])
    until = now + timedelta(seconds=1)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    where, params = Filters(**narrowed).where(window=False)

    def grouped(column: str, condition: str, extra: list) -> dict:
        return dict(engine.rows(f"SELECT {column}, count(*) FROM work_orders o WHERE {where} AND {condition} "
                                f"GROUP BY 1", params + extra))

    open_by_status = grouped("o.status", f"o.status IN {OPEN}", [])
    assert body["orders"]["open"] == sum(open_by_status.values()) > 0
    assert {r["key"]: r["count"] for r in body["orders"]["by_status"]} == open_by_status
    assert body["orders"]["overdue_now"] == sum(grouped("TRUE", overdue_sql(), [now, now]).values())
    today_by_district = grouped("o.district", "o.created_at >= ? AND o.created_at < ?", [today, until])
    open_by_district = grouped("o.district", f"o.status IN {OPEN}", [])
    assert body["today"]["count"] == sum(today_by_district.values()) >= 4
    for place in body["map"]:
        assert place["today"] == today_by_district.get(place["key"], 0)
        assert place["open"] == open_by_district.get(place["key"], 0)
    week_ago = until - timedelta(days=7)
    for dimension, key in (("category", "rising_categories"), ("street", "rising_places")):
        counts = engine.rows(
            f"SELECT o.{dimension}, count(*) FILTER (WHERE o.created_at >= ?), count(*) FILTER (WHERE o.created_at < ?) "
            f"FROM work_orders o WHERE {where} AND o.{dimension} IS NOT NULL AND o.created_at >= ? AND o.created_at < ? "
            f"GROUP BY 1", [week_ago, week_ago] + params + [week_ago - timedelta(days=7), until])
        rising = sorted(((code, last, before) for code, last, before in counts if last >= 3 and last > before),
                        key=lambda r: (-(r[1] - r[2]), r[0]))[:5]
        assert [(r["key"], r["current"], r["previous"]) for r in body[key]] == rising
    assert body["rising_categories"]  # today's four orders make category 0101 rise under every filter here
