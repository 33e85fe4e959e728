"""The pure lifecycle: legal paths, refusals that name the rule, deadlines."""

from datetime import datetime, timedelta

import pytest

from hotline.calendar import WorkCalendar
from hotline.errors import Conflict, InvalidInput
from hotline.workorders.deadlines import SlaDeadlines, SlaSpec, select_rule
from hotline.workorders.domain import Action, Status
from hotline.workorders.lifecycle import OrderState, changed_fields, is_overdue, transition

T0 = datetime(2024, 3, 4, 9, 0)
POLICY = SlaDeadlines(SlaSpec("ordinary", sign_hours=24, finish_value=7, finish_unit="working_days"), WorkCalendar())


def step(state, action, at=T0, **params):
    return transition(state, Action(action), params, at, POLICY)


def registered():
    return OrderState(number="GD20240304000001", status=Status.REGISTERED)


def test_full_path_reaches_closed_with_callback():
    s = step(registered(), "dispatch", department="ZJJ")
    assert s.status == Status.DISPATCHED and s.sign_due_at == datetime(2024, 3, 5, 9, 0)
    assert s.finish_due_at == datetime(2024, 3, 13, 23, 59, 59)
    s = step(s, "sign")
    s = step(s, "reply", content="已修复")
    s = step(s, "callback", satisfaction="satisfied", resolved=True)
    s = step(s, "close")
    assert s.status == Status.CLOSED and s.closed_at == T0 and not s.closed_directly


def test_direct_close_by_the_call_taker():
    s = step(registered(), "close", reply="已电话解答")
    assert s.status == Status.CLOSED and s.closed_directly and s.reply == "已电话解答"


def test_sign_before_dispatch_is_refused_with_the_rule():
    with pytest.raises(Conflict) as caught:
        step(registered(), "sign")
    assert caught.value.rule == "sign_from_registered"


def test_close_after_reply_needs_a_callback():
    s = step(step(step(registered(), "dispatch", department="ZJJ"), "sign"), "reply", content="ok")
    with pytest.raises(Conflict, match="callback"):
        step(s, "close")


def test_return_needs_a_reason_and_goes_back_to_the_dispatcher():
    s = step(registered(), "dispatch", department="ZJJ")
    with pytest.raises(InvalidInput) as caught:
        step(s, "return", reason="  ")
    assert caught.value.field == "reason"
    s = step(s, "return", reason="不属于我单位职责")
    assert s.status == Status.RETURNED and s.return_count == 1
    s = step(s, "dispatch", department="CGJ")
    assert s.department == "CGJ" and s.dispatch_count == 2


def test_extension_approved_moves_the_deadline_by_working_days():
    s = step(step(registered(), "dispatch", department="ZJJ"), "sign")
    s = step(s, "extend", days=3, reason="需协调施工单位")
    assert s.extension_pending_days == 3
    with pytest.raises(Conflict):
        step(s, "extend", days=2, reason="again")
    s = step(s, "approve_extension")
    assert s.finish_due_at == datetime(2024, 3, 18, 23, 59, 59) and s.extension_days == 3


def test_extension_after_the_deadline_is_refused():
    s = step(step(registered(), "dispatch", department="ZJJ"), "sign")
    with pytest.raises(Conflict) as caught:
        step(s, "extend", at=T0 + timedelta(days=30), days=2, reason="late")
    assert caught.value.rule == "extend_before_deadline"


@pytest.mark.parametrize("days", [0, 31, "3", True, None])
def test_extension_days_must_be_a_sane_whole_number(days):
    s = step(step(registered(), "dispatch", department="ZJJ"), "sign")
    with pytest.raises(InvalidInput) as caught:
        step(s, "extend", days=days, reason="x")
    assert caught.value.field == "days"


def test_reopen_sends_the_order_back_to_its_department_with_new_deadlines():
    s = step(step(registered(), "dispatch", department="ZJJ"), "sign")
    s = step(step(s, "reply", content="ok"), "callback", satisfaction="dissatisfied", resolved=False)
    later = T0 + timedelta(days=2)
    s = step(s, "reopen", at=later, reason="群众不满意")
    assert s.status == Status.DISPATCHED and s.department == "ZJJ" and s.reopen_count == 1
    assert s.satisfaction is None and s.dispatched_at == later


def test_merge_into_itself_is_refused_and_merged_orders_are_final():
    with pytest.raises(InvalidInput):
        step(registered(), "merge", into="GD20240304000001")
    s = step(registered(), "merge", into="GD20240304000009")
    assert s.status == Status.MERGED
    with pytest.raises(Conflict):
        step(s, "supervise", note="x")


def test_changed_fields_lists_only_what_moved():
    before = registered()
    after = step(before, "supervise", note="请加快办理")
    assert changed_fields(before, after) == {"supervision_count": (0, 1)}


def test_overdue_is_computed_from_deadlines():
    s = step(registered(), "dispatch", department="ZJJ")
    assert not is_overdue(s, T0 + timedelta(hours=23))
    assert is_overdue(s, T0 + timedelta(hours=25))  # not signed within 24 working hours
    s = step(s, "sign")
    assert is_overdue(s, datetime(2024, 3, 14, 0, 0))


def test_the_most_specific_highest_priority_rule_wins():
    rules = [
        SlaSpec("default", 24, 7, "working_days", priority=0),
        SlaSpec("consult", 24, 3, "working_days", request_type="consult", priority=10),
        SlaSpec("utilities", 2, 24, "hours", category="03", priority=20),
        SlaSpec("critical", 1, 2, "hours", urgency="critical", priority=30),
    ]
    assert select_rule(rules, "0301", "03", "normal", "consult").name == "utilities"
    assert select_rule(rules, "0301", "03", "critical", "consult").name == "critical"
    assert select_rule(rules, "0101", "01", "normal", "consult").name == "consult"
    assert select_rule(rules, "0101", "01", "normal", "complaint").name == "default"
