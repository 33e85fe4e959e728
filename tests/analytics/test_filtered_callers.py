"""Filtered repeat callers and common requests, read through the table of phones that called more than once,
equal a count of the stored orders by phone."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from hotline.workorders.models import WorkOrder

from .conftest import new_order
from .test_analytics_api import get

EAST, WEST = "990101", "990102"
STREET, COMMUNITY = "990101001", "990101001001"


def _expected(platform, start, end, district: str) -> tuple[dict, Counter]:
    """From the store: the repeat callers of the filtered window and each (category, community)'s callers."""
    with platform.sessions() as session:
        rows = session.execute(select(WorkOrder.citizen_phone, WorkOrder.category, WorkOrder.community).where(
            WorkOrder.district == district, WorkOrder.created_at >= start, WorkOrder.created_at < end)).all()
    per_phone = Counter(phone for phone, _, _ in rows)
    repeated = {phone: n for phone, n in per_phone.items() if n >= 2}
    callers = Counter()
    for (category, community), phones in _by_place(rows).items():
        callers[(category, community)] = len(phones)
    return repeated, callers


def _by_place(rows) -> dict:
    out: dict = {}
    for phone, category, community in rows:
        if category and community:
            out.setdefault((category, community), set()).add(phone)
    return out


def test_filtered_repeat_callers_and_common_requests_equal_the_stored_orders(api, platform, dataset, clock):
    start = clock.now
    place = {"district": EAST, "street": STREET, "community": COMMUNITY, "category": "0101"}
    # A phone known before the window (its first order outside it), a phone twice in the window, a phone
    # once in each district (a repeat city-wide, not in the east), and phones that call once.
    new_order(api, citizen_phone="13700000001", **place)
    clock.advance(days=2)
    window_start = clock.now
    for phone in ("13700000001", "13700000002", "13700000002", "13700000003", "13700000004", "13700000005"):
        clock.advance(minutes=7)
        new_order(api, citizen_phone=phone, **place)
    new_order(api, citizen_phone="13700000003", district=WEST, category="0201")
    clock.advance(minutes=7)
    window_end = clock.now
    new_order(api, citizen_phone="13700000004", **place)  # after the window: not one of its repeats
    platform.analytics.engine.refresh()
    params = {"district": EAST, "created_from": window_start.isoformat(), "created_to": window_end.isoformat()}
    body = get(api, "requests", **params)
    repeated, callers = _expected(platform, window_start, window_end, EAST)
    assert body["repeat_callers"]["callers"] == len(repeated) == 1  # 13700000002
    assert body["repeat_callers"]["orders"] == sum(repeated.values()) == 2
    assert [row["count"] for row in body["repeat_callers"]["top"]] == [2]
    common = {(c["category"], c["community"]): c for c in body["common_requests"]}
    assert common[("0101", COMMUNITY)]["count"] == 6
    assert common[("0101", COMMUNITY)]["callers"] == callers[("0101", COMMUNITY)] == 5
    # The same over the whole history of the east (the dataset's orders and phones too).
    whole = get(api, "requests", district=EAST)
    repeated, callers = _expected(platform, start - timedelta(days=3650), window_end + timedelta(days=1), EAST)
    assert whole["repeat_callers"]["callers"] == len(repeated)
    assert whole["repeat_callers"]["orders"] == sum(repeated.values())
    assert {(c["category"], c["community"]): c["callers"] for c in whole["common_requests"]} == \
        {key: callers[key] for key in ((c["category"], c["community"]) for c in whole["common_requests"])}
