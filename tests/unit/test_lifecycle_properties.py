"""Property tests: random action sequences never reach an illegal state; every change leaves one event;
the co-department rows always match the order's list."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.config import Settings
from hotline.errors import DomainError
from hotline.platform import build_platform
from hotline.users.actor import Actor
from hotline.workorders.domain import OPEN_STATUSES, Role, Status
from hotline.workorders.lifecycle import STATE_FIELDS
from hotline.workorders.models import OrderEvent, WorkOrder
from hotline.workorders.repository import co_departments_of

DEPARTMENTS = ["CGJ", "CGJ", "CGJ", "UTIL", "NO-SUCH"]
ACTORS = [Actor("ct", Role.CALL_TAKER), Actor("dp", Role.DISPATCHER), Actor("hd", Role.HANDLER, "CGJ"),
          Actor("hd2", Role.HANDLER, "UTIL"), Actor("sv", Role.SUPERVISOR), Actor("an", Role.ANALYST),
          Actor("ad", Role.ADMIN)]
PARAMS = {
    "dispatch": st.fixed_dictionaries({"department": st.sampled_from(DEPARTMENTS),
                                       "co_departments": st.sampled_from([["UTIL"], ["UTIL"], [], ["UTIL", "CGJ"], ["NO-SUCH"]])}),
    "sign": st.just({}),
    "return": st.fixed_dictionaries({"reason": st.sampled_from(["不属于本单位", ""])}),
    "extend": st.fixed_dictionaries({"days": st.integers(-1, 40), "reason": st.just("协调中")}),
    "approve_extension": st.just({}),
    "deny_extension": st.just({}),
    "reply": st.fixed_dictionaries({"content": st.sampled_from(["已处理", ""])}),
    "callback": st.fixed_dictionaries({"satisfaction": st.sampled_from(["satisfied", "basic", "dissatisfied", "meh"]),
                                       "resolved": st.booleans()}),
    "close": st.just({}),
    "reopen": st.fixed_dictionaries({"reason": st.just("不满意")}),
    "supervise": st.fixed_dictionaries({"note": st.just("请加快")}),
    "merge": st.fixed_dictionaries({"into": st.sampled_from(["MASTER", "GD00000000000000"])}),
    "opinion": st.fixed_dictionaries({"opinion": st.sampled_from(["已配合排查管线", "", "x" * 2001])}),
    "register": st.just({}),
    "fly": st.just({}),
}
# The role that usually takes each action; other roles are drawn too, less often, to be refused.
USUAL = {"dispatch": 1, "sign": 2, "return": 2, "extend": 2, "reply": 2, "approve_extension": 4,
         "deny_extension": 4, "callback": 0, "close": 4, "reopen": 4, "supervise": 4, "merge": 1,
         "opinion": 3}
ACTOR_FOR = {a: st.one_of(st.just(ACTORS[USUAL.get(a, 6)]), st.just(ACTORS[USUAL.get(a, 6)]),
                          st.sampled_from(ACTORS)) for a in PARAMS}
# Actions that end or stall an order are drawn less often, so that sequences go deep.
# Opinions and signing more often, since an opinion needs the lead to have signed first.
WEIGHTED = [a for a in sorted(PARAMS)
            for _ in range(1 if a in ("close", "merge", "register", "fly") else 8 if a in ("sign", "opinion") else 4)]
STEP = st.sampled_from(WEIGHTED).flatmap(
    lambda action: st.tuples(ACTOR_FOR[action], st.just(action), PARAMS[action], st.integers(0, 30))
)


def check_invariants(order: WorkOrder, co_rows: list[str]) -> None:
    status = Status(order.status)
    if status in (Status.DISPATCHED, Status.IN_PROGRESS):
        assert order.department and order.dispatched_at and order.finish_due_at
    if status == Status.IN_PROGRESS:
        assert order.signed_at is not None
    if status == Status.REPLIED:
        assert order.reply and order.replied_at
    if status == Status.CLOSED:
        assert order.closed_at is not None and (order.closed_directly or order.callback_at is not None)
    if status == Status.MERGED:
        assert order.merged_into
    if order.extension_pending_days is not None:
        assert status == Status.IN_PROGRESS
    assert order.dispatch_count >= order.return_count
    assert co_rows == sorted(order.co_departments) and order.department not in co_rows


@pytest.fixture(scope="module")
def store(tmp_path_factory, sqlite_template):
    import shutil

    path = tmp_path_factory.mktemp("props") / "hotline.db"
    shutil.copy(sqlite_template, path)
    clock_box = {"now": datetime(2024, 3, 4, 9, 0)}
    settings_ = Settings(database_url=f"sqlite:///{path}", environment="test", secret_key="p" * 40,
                         argon2_time_cost=1, argon2_memory_kib=1024)
    platform = build_platform(settings_, clock=lambda: clock_box["now"])
    yield platform, clock_box
    platform.close()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=20, max_size=40))
def test_random_action_sequences_stay_legal_and_leave_one_event_per_change(store, steps):
    platform, clock_box = store
    ct = ACTORS[0]
    master, _ = platform.orders.create(ct, {"channel": "phone", "content": "主单", "citizen_phone": "13800000000"})
    order, _ = platform.orders.create(ct, {"channel": "phone", "content": "随机", "citizen_phone": "13800000001"})
    for actor, action, params, hours in steps:
        clock_box["now"] += timedelta(hours=hours)
        params = {k: (master.number if v == "MASTER" else v) for k, v in params.items()}
        with platform.sessions() as s:
            before = s.scalars(select(WorkOrder).where(WorkOrder.id == order.id)).one()
            before_state = {f: getattr(before, f) for f in STATE_FIELDS}
            events_before = s.scalar(select(func.count()).where(OrderEvent.order_id == order.id))
        try:
            platform.orders.act(actor, order.number, action, params)
            succeeded = True
        except DomainError:
            succeeded = False
        with platform.sessions() as s:
            after = s.scalars(select(WorkOrder).where(WorkOrder.id == order.id)).one()
            events_after = s.scalar(select(func.count()).where(OrderEvent.order_id == order.id))
            last = s.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id.desc())).first()
            co_rows = co_departments_of(s, order.id)
        check_invariants(after, co_rows)
        event(f"reached {after.status}")
        if succeeded:
            assert events_after == events_before + 1
            assert last.action == action and last.actor == actor.username and last.to_status == after.status
            if action == "opinion":  # only a co-department, only while the lead has the order in hand
                assert actor.department in after.co_departments and after.status == Status.IN_PROGRESS
                assert last.changes["co_department"] == actor.department
                event("opinion recorded")
            if action in ("sign", "return", "extend", "reply") and actor.department:
                assert actor.department == after.department
        else:
            assert events_after == events_before
            assert {f: getattr(after, f) for f in STATE_FIELDS} == before_state
        if Status(after.status) not in OPEN_STATUSES and Status(after.status) == Status.MERGED:
            break
