"""Migration 0008 builds the co-department rows from the orders' JSON lists, on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from hotline.store import alembic_config
from hotline.users.actor import Actor
from hotline.workorders.domain import Role
from hotline.workorders.models import OrderCoDepartment

DISPATCHER = Actor("dp", Role.DISPATCHER)
CALL_TAKER = Actor("ct", Role.CALL_TAKER)


def _migrate(platform, target: str) -> None:
    config = alembic_config(platform.engine.url.render_as_string(hide_password=False))
    with platform.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.upgrade if target == "head" else command.downgrade)(config, target)


def _rows(platform) -> list[tuple[int, str]]:
    with platform.sessions() as session:
        rows = session.execute(select(OrderCoDepartment.order_id, OrderCoDepartment.department_code))
        return sorted(tuple(row) for row in rows)


def test_upgrade_backfills_co_departments_and_downgrade_drops_the_table(platform, departments):
    orders = []
    for co in ([departments[1], departments[4]], [], [departments[2]]):
        order, _ = platform.orders.create(CALL_TAKER, {"channel": "phone", "content": "测试协办",
                                                       "citizen_phone": "13800000000"})
        platform.orders.act(DISPATCHER, order.number, "dispatch", {"department": departments[0], "co_departments": co})
        orders.append(order.id)
    expected = [(orders[0], departments[1]), (orders[0], departments[4]), (orders[2], departments[2])]
    assert _rows(platform) == expected  # kept in step by the service

    _migrate(platform, "0008_order_departments-1")
    assert "order_co_departments" not in inspect(platform.engine).get_table_names()
    _migrate(platform, "head")
    assert _rows(platform) == expected  # rebuilt from work_orders.co_departments
    indexes = {i["name"] for i in inspect(platform.engine).get_indexes("order_co_departments")}
    assert "ix_order_co_departments_department" in indexes
