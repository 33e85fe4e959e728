"""What each role may do to an order as it stands: the list the pages show as buttons, from the same rules
`transition` applies."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.calendar import WorkCalendar
from hotline.errors import Conflict, InvalidInput
from hotline.workorders.deadlines import SlaDeadlines, SlaSpec
from hotline.workorders.domain import Action, Role, Status
from hotline.workorders.lifecycle import OrderState, allowed_actions, transition

T0 = datetime(2024, 3, 4, 9, 0)
POLICY = SlaDeadlines(SlaSpec("ordinary", sign_hours=24, finish_value=7, finish_unit="working_days"), WorkCalendar())
# Parameters that pass every action's own checks, so only the order's state can refuse.
GOOD = {
    Action.DISPATCH: {"department": "ZJJ"}, Action.RETURN: {"reason": "不属于本单位"},
    Action.EXTEND: {"days": 2, "reason": "需协调"}, Action.REPLY: {"content": "已处理"},
    Action.CALLBACK: {"satisfaction": "satisfied", "resolved": True}, Action.REOPEN: {"reason": "未解决"},
    Action.SUPERVISE: {"note": "请加快"}, Action.MERGE: {"into": "GD20240304000009"},
}


def step(state, action, at=T0, **params):
    return transition(state, Action(action), params, at, POLICY)


def registered():
    return OrderState(number="GD20240304000001", status=Status.REGISTERED)


def in_progress():
    return step(step(registered(), "dispatch", department="ZJJ"), "sign")


def test_each_role_sees_only_its_own_actions_on_a_new_order():
    order = registered()
    assert allowed_actions(order, Role.CALL_TAKER, T0) == [Action.CLOSE, Action.MERGE]
    assert allowed_actions(order, Role.DISPATCHER, T0) == [Action.DISPATCH, Action.CLOSE, Action.MERGE]
    assert allowed_actions(order, Role.HANDLER, T0) == []
    assert allowed_actions(order, Role.ANALYST, T0) == []
    assert allowed_actions(order, Role.SUPERVISOR, T0) == [Action.CLOSE, Action.SUPERVISE]


def test_extension_decisions_appear_only_while_a_request_waits():
    order = in_progress()
    assert Action.EXTEND in allowed_actions(order, Role.HANDLER, T0)
    assert Action.APPROVE_EXTENSION not in allowed_actions(order, Role.SUPERVISOR, T0)
    order = step(order, "extend", days=2, reason="需协调")
    assert Action.EXTEND not in allowed_actions(order, Role.HANDLER, T0)
    assert {Action.APPROVE_EXTENSION, Action.DENY_EXTENSION} <= set(allowed_actions(order, Role.SUPERVISOR, T0))


def test_extension_is_not_offered_after_the_deadline():
    order = in_progress()
    assert Action.EXTEND not in allowed_actions(order, Role.HANDLER, order.finish_due_at + timedelta(seconds=1))


def test_a_replied_order_offers_the_callback_then_closing():
    order = step(in_progress(), "reply", content="已处理")
    assert allowed_actions(order, Role.SUPERVISOR, T0) == [Action.CALLBACK, Action.REOPEN, Action.SUPERVISE]
    order = step(order, "callback", satisfaction="satisfied", resolved=True)
    assert allowed_actions(order, Role.SUPERVISOR, T0) == [Action.CLOSE, Action.REOPEN, Action.SUPERVISE]


def test_a_second_callback_on_the_same_reply_is_refused():
    order = step(step(in_progress(), "reply", content="已处理"), "callback", satisfaction="basic", resolved=True)
    with pytest.raises(Conflict) as caught:
        step(order, "callback", satisfaction="satisfied", resolved=True)
    assert caught.value.rule == "one_callback_per_reply"


def test_a_closed_order_can_only_be_reopened_and_a_merged_one_not_at_all():
    closed = step(registered(), "close", reply="已解答")
    assert allowed_actions(closed, Role.ADMIN, T0) == [Action.REOPEN]
    merged = step(registered(), "merge", into="GD20240304000009")
    assert allowed_actions(merged, Role.ADMIN, T0) == []


PATHS = st.lists(st.sampled_from(sorted(GOOD) + [Action.SIGN, Action.APPROVE_EXTENSION, Action.DENY_EXTENSION,
                                                 Action.CLOSE]), max_size=12)


@settings(max_examples=150, deadline=None)
@given(path=PATHS, hours=st.integers(0, 400))
def test_listed_actions_are_exactly_those_transition_accepts(path, hours):
    order = registered()
    for action in path:  # a random walk through the lifecycle, refused steps skipped
        try:
            order = step(order, action, **GOOD.get(action, {}))
        except (Conflict, InvalidInput):
            pass
    at = T0 + timedelta(hours=hours)
    listed = set(allowed_actions(order, Role.ADMIN, at))
    for action in set(Action) - {Action.REGISTER}:
        try:
            transition(order, action, GOOD.get(action, {}), at, POLICY)
            accepted = True
        except Conflict:
            accepted = False
        assert (action in listed) == accepted, (action, order.status)
