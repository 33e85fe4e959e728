"""summary reads several periods' orders in one pass only when no order can fall in two of them."""

from __future__ import annotations

from datetime import datetime

from hotline.analytics.filters import Filters
from hotline.analytics.summary import _passes


def _periods(start: datetime, end: datetime) -> dict[int, Filters]:
    current = Filters(district="990101", created_from=start, created_to=end)
    return dict(enumerate([current, current.shifted("previous"), current.shifted("year_ago")]))


def test_a_month_and_the_periods_it_is_compared_with_take_one_pass():
    assert _passes(_periods(datetime(2025, 6, 1), datetime(2025, 7, 1))) == [[0, 1, 2]]


def test_a_year_ago_overlapping_the_previous_period_gets_a_pass_of_its_own():
    # Eight months: the previous period starts eight months back, the same months last year four months later.
    assert _passes(_periods(datetime(2025, 1, 1), datetime(2025, 9, 1))) == [[0, 1], [2]]


def test_open_ends_reach_to_the_end_of_time():
    periods = {0: Filters(created_from=datetime(2025, 1, 1)),
               1: Filters(created_from=datetime(2030, 3, 1), created_to=datetime(2030, 4, 1)),
               2: Filters(created_to=datetime(2025, 1, 1))}
    assert _passes(periods) == [[0, 2], [1]]
