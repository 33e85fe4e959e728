"""The order filters' own checks, the same for the order list and the analyses."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import pytest

from hotline.analytics.filters import Filters
from hotline.errors import InvalidInput
from hotline.workorders.filters import DIMENSIONS, WINDOW, CommonOrderFilter, OrderFilter

MARCH_1, MARCH_5 = datetime(2024, 3, 1), datetime(2024, 3, 5)


@pytest.mark.parametrize("kind", [OrderFilter, Filters])
def test_a_window_that_ends_before_it_starts_is_refused_naming_created_to(kind):
    assert kind(created_from=MARCH_1, created_to=MARCH_5).validated().created_to == MARCH_5
    for end in (MARCH_1, datetime(2024, 2, 1)):
        with pytest.raises(InvalidInput) as refused:
            kind(created_from=MARCH_1, created_to=end).validated()
        assert refused.value.field == "created_to"


def test_department_role_must_be_lead_co_or_any():
    for role in ("lead", "co", "any", None):
        assert OrderFilter(department="UTIL", department_role=role).validated().department_role == role
    with pytest.raises(InvalidInput) as refused:
        OrderFilter(department_role="boss").validated()
    assert refused.value.field == "department_role"


def test_the_analyses_and_the_order_list_share_every_common_filter():
    common = [f.name for f in fields(CommonOrderFilter)]
    assert [f.name for f in fields(Filters)] == common
    assert [f.name for f in fields(OrderFilter)] == common + ["department_role", "q"]
    assert DIMENSIONS + WINDOW == tuple(common) and "district" in DIMENSIONS
