"""The simulator loads into PostgreSQL too, and the live system carries on after it."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from hotline.config import Settings
from hotline.db import make_engine, make_session_factory
from hotline.platform import build_platform
from hotline.reference.citypack import load_pack, resolve_pack_path
from hotline.simulate import run
from hotline.store import migrate
from hotline.users.actor import SYSTEM
from hotline.workorders.models import OrderEvent, WorkOrder

from ..conftest import empty_pg_database


@pytest.mark.postgres
def test_simulated_days_load_into_postgresql_and_intake_continues(tmp_path):
    with empty_pg_database("hotline_sim") as url:
        engine = make_engine(url)
        migrate(engine)
        load_pack(make_session_factory(engine), "jinchang")
        engine.dispose()
        result = run(resolve_pack_path("jinchang"), date(2023, 10, 20), 3, 7, 0.3, db=url, truth=tmp_path / "t.json")
        platform = build_platform(Settings(database_url=url, environment="test", secret_key="p" * 40,
                                           analytics_enabled=False), clock=lambda: datetime(2023, 10, 23, 9, 0))
        with platform.sessions() as s:
            assert s.scalar(select(func.count()).select_from(WorkOrder)) == result["counts"]["work_orders"]
            assert s.scalar(select(func.count()).select_from(OrderEvent)) == result["counts"]["order_events"]
        order, _ = platform.orders.create(SYSTEM, {"channel": "web", "content": "模拟之后的新诉求",
                                                   "citizen_phone": "13800001234"})
        assert order.id > result["counts"]["work_orders"] and order.number.startswith("GD20231023")
        platform.close()
