"""The lifecycle's rules for co-departments (协办): an opinion while the lead works, nothing done for the lead."""

from datetime import datetime

import pytest

from hotline.calendar import WorkCalendar
from hotline.errors import Conflict, InvalidInput
from hotline.workorders.deadlines import SlaDeadlines, SlaSpec
from hotline.workorders.domain import Action, Role, Status
from hotline.workorders.lifecycle import OrderState, allowed_actions, part_of, transition

T0 = datetime(2024, 3, 4, 9, 0)
POLICY = SlaDeadlines(SlaSpec("ordinary", sign_hours=24, finish_value=7, finish_unit="working_days"), WorkCalendar())


def step(state, action, by=None, **params):
    """`action` taken by the department `by` (None: the centre's staff)."""
    return transition(state, Action(action), params, T0, POLICY, department=by)


def dispatched():
    registered = OrderState(number="GD20240304000001", status=Status.REGISTERED)
    return step(registered, "dispatch", department="ZJJ", co_departments=["SWJ", "GDJ"])


def test_each_department_knows_its_part():
    order = dispatched()
    assert [part_of(order, d) for d in ("ZJJ", "SWJ", "GDJ", "CGJ", None)] == ["lead", "co", "co", None, None]


def test_co_department_is_offered_only_the_opinion_and_only_while_the_lead_has_the_order_in_hand():
    order = dispatched()
    assert allowed_actions(order, Role.HANDLER, T0, "SWJ") == []
    assert allowed_actions(order, Role.HANDLER, T0, "ZJJ") == [Action.SIGN, Action.RETURN]
    order = step(order, "sign", by="ZJJ")
    assert allowed_actions(order, Role.HANDLER, T0, "SWJ") == [Action.OPINION]
    assert Action.OPINION not in allowed_actions(order, Role.HANDLER, T0, "ZJJ")
    assert Action.OPINION not in allowed_actions(order, Role.ADMIN, T0)  # centre staff speak for no department
    replied = step(order, "reply", by="ZJJ", content="已处理")
    assert allowed_actions(replied, Role.HANDLER, T0, "SWJ") == []


@pytest.mark.parametrize("action, params", [("sign", {}), ("return", {"reason": "不归我们"})])
def test_co_department_cannot_sign_or_return_for_the_lead(action, params):
    with pytest.raises(Conflict) as caught:
        step(dispatched(), action, by="SWJ", **params)
    assert caught.value.rule == "lead_department_only"


@pytest.mark.parametrize("action, params", [("extend", {"days": 2, "reason": "需协调"}), ("reply", {"content": "已处理"})])
def test_co_department_cannot_extend_or_reply_for_the_lead(action, params):
    order = step(dispatched(), "sign", by="ZJJ")
    with pytest.raises(Conflict) as caught:
        step(order, action, by="GDJ", **params)
    assert caught.value.rule == "lead_department_only"


def test_an_opinion_changes_no_field_and_its_text_is_checked():
    order = step(dispatched(), "sign", by="ZJJ")
    assert step(order, "opinion", by="SWJ", opinion="水表无异常") == order
    for bad in ({}, {"opinion": ""}, {"opinion": 5}, {"opinion": "x" * 2001}, {"opinion": "a\x07b"}):
        with pytest.raises(InvalidInput) as caught:
            step(order, "opinion", by="SWJ", **bad)
        assert caught.value.field == "opinion"


def test_opinion_by_the_lead_or_before_signing_names_the_rule():
    with pytest.raises(Conflict) as early:
        step(dispatched(), "opinion", by="SWJ", opinion="意见")
    assert early.value.rule == "opinion_from_dispatched"
    with pytest.raises(Conflict) as by_lead:
        step(step(dispatched(), "sign", by="ZJJ"), "opinion", by="ZJJ", opinion="意见")
    assert by_lead.value.rule == "co_department_only"
