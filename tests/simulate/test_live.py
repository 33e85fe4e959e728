"""The live trickle: requests arrive through the intake path at their time; open orders move on."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.config import Settings
from hotline.db import make_engine, make_session_factory
from hotline.platform import build_platform
from hotline.reference.citypack import load_pack, resolve_pack_path
from hotline.simulate import run
from hotline.simulate.live import LiveTrickle
from hotline.store import migrate
from hotline.calls.models import AgentShift
from hotline.errors import Forbidden, InvalidInput
from hotline.users.actor import Actor
from hotline.workorders.domain import Role
from hotline.workorders.models import OrderEvent, WorkOrder

from ..conftest import ManualClock


def test_trickle_registers_todays_requests_and_advances_open_orders(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    migrate(engine)
    load_pack(make_session_factory(engine), "jinchang")
    engine.dispose()
    run(resolve_pack_path("jinchang"), date(2024, 3, 3), 2, 7, 0.2, db=url, truth=tmp_path / "t.json")
    clock = ManualClock(datetime(2024, 3, 5, 10, 0))
    platform = build_platform(Settings(database_url=url, environment="test", secret_key="l" * 40,
                                       argon2_time_cost=1, argon2_memory_kib=1024), clock=clock)
    with platform.sessions() as s:
        before = s.scalar(select(func.count()).select_from(WorkOrder))
    published = []
    platform.orders._publish = published.append
    trickle = LiveTrickle(platform, "jinchang", scale=0.2)
    trickle.tick()  # today's requests before 10:00 arrive at once, with their own times
    backfilled = trickle.created
    assert backfilled > 0
    # Today's roster is on file (the staffing page compares agents on duty with the need); a restart
    # of the trickle plans the same day again without doubling it.
    today_shifts = select(func.count()).select_from(AgentShift).where(AgentShift.start_at >= datetime(2024, 3, 5))
    with platform.sessions() as s:
        planned = s.scalar(today_shifts)
    assert planned > 0
    again = LiveTrickle(platform, "jinchang", scale=0.2)
    again.tick()
    with platform.sessions() as s:
        assert s.scalar(today_shifts) == planned
    trickle.created, trickle.moved = trickle.created + again.created, trickle.moved + again.moved  # counted below
    for _ in range(30):
        clock.advance(minutes=10)
        trickle.tick()
    assert trickle.created > backfilled and trickle.moved > 0
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == before + trickle.created
        today = s.scalars(select(WorkOrder).where(WorkOrder.created_at >= datetime(2024, 3, 5))).all()
        assert today and all(o.number.startswith("GD20240305") for o in today)
        assert max(o.created_at for o in today) <= clock.now
        actors = set(s.scalars(select(OrderEvent.actor).where(OrderEvent.action == "register",
                                                               OrderEvent.at >= datetime(2024, 3, 5))))
        assert actors and all(a.startswith("agent") for a in actors)
        moved = s.scalar(select(func.count()).select_from(OrderEvent).where(
            OrderEvent.at >= datetime(2024, 3, 5, 10), ~OrderEvent.actor.startswith("agent")))
    assert moved == trickle.moved
    assert {e["action"] for e in published} >= {"register", "dispatch"}
    platform.close()


def test_planned_shifts_are_checked_and_added_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'roster.db'}"
    migrate(make_engine(url))
    platform = build_platform(Settings(database_url=url, environment="test", secret_key="r" * 40,
                                       argon2_time_cost=1, argon2_memory_kib=1024),
                              clock=ManualClock(datetime(2024, 3, 5, 10, 0)))
    supervisor = Actor("supervisor01", Role.SUPERVISOR)
    day = datetime(2024, 3, 5)
    shifts = [{"agent": "A1", "start_at": day, "end_at": day + timedelta(hours=8)},
              {"agent": "A2", "start_at": day + timedelta(hours=8), "end_at": day + timedelta(hours=16)}]
    assert platform.calls.plan_shifts(supervisor, shifts) == 2
    assert platform.calls.plan_shifts(supervisor, shifts + shifts[:1]) == 0  # already on the roster
    bad = [({"agent": "", "start_at": day, "end_at": day}, "shifts[1].agent"),
           ({"agent": "A3", "start_at": "08:00", "end_at": day}, "shifts[1].start_at"),
           ({"agent": "A3", "start_at": day, "end_at": day}, "shifts[1].end_at"),
           ({"agent": "A3", "start_at": day, "end_at": day + timedelta(hours=25)}, "shifts[1].end_at")]
    for shift, field in bad:
        with pytest.raises(InvalidInput) as error:
            platform.calls.plan_shifts(supervisor, [{"agent": "A4", "start_at": day, "end_at": day + timedelta(hours=1)},
                                                    shift])
        assert error.value.field == field
    with pytest.raises(Forbidden):
        platform.calls.plan_shifts(Actor("agent01", Role.CALL_TAKER), shifts)
    with platform.sessions() as s:  # nothing of the refused batches was kept
        assert s.scalar(select(func.count()).select_from(AgentShift)) == 2
    platform.close()
