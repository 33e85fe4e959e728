"""Storage of work orders and events; these functions never commit (the use case does)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.workorders.filters import DIMENSIONS, OrderFilter
from hotline.workorders.models import OrderCoDepartment, OrderCounter, OrderEvent, PersonalDataRead, WorkOrder


def next_number(session: Session, day: str, prefix: str) -> str:
    """Reserve the next per-day order number atomically (one row per day, upserted)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OrderCounter).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[OrderCounter.day], set_={"last": OrderCounter.last + 1}
    ).returning(OrderCounter.last)
    last = session.execute(stmt).scalar_one()
    return f"{prefix}{day}{last:06d}"


def by_number(session: Session, number: str, *, lock: bool = False) -> WorkOrder | None:
    """The order with this number, locked for update when asked (PostgreSQL)."""
    stmt = select(WorkOrder).where(WorkOrder.number == number)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def by_idempotency_key(session: Session, key: str) -> WorkOrder | None:
    """The order created earlier with this Idempotency-Key."""
    return session.scalars(select(WorkOrder).where(WorkOrder.idempotency_key == key)).first()


# The dimensions that are one column equal to the value (category matches either level, department either part).
EQUAL_DIMENSIONS = tuple(d for d in DIMENSIONS if d not in ("category", "department"))


def _conditions(filters: OrderFilter, department_scope: str | None) -> list:
    conditions = []
    for name in EQUAL_DIMENSIONS:
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(WorkOrder, name) == value)
    if filters.department is not None:
        conditions.append(_in_department(filters.department, filters.department_role or "lead"))
    if filters.category is not None:
        conditions.append(or_(WorkOrder.category == filters.category, WorkOrder.category_l1 == filters.category))
    if filters.created_from is not None:
        conditions.append(WorkOrder.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(WorkOrder.created_at < filters.created_to)
    if filters.q:
        pattern = f"%{filters.q}%"
        conditions.append(or_(
            WorkOrder.content.like(pattern), WorkOrder.summary.like(pattern),
            WorkOrder.number == filters.q, WorkOrder.address.like(pattern),
        ))
    if department_scope is not None:
        conditions.append(_in_department(department_scope, filters.department_role or "any"))
    return conditions


def _in_department(code: str, role: str):
    """The condition that `code` takes this part (lead, co or any) in an order."""
    lead = WorkOrder.department == code
    co = WorkOrder.id.in_(select(OrderCoDepartment.order_id).where(OrderCoDepartment.department_code == code))
    return {"lead": lead, "co": co}.get(role, or_(lead, co))


def set_co_departments(session: Session, order_id: int, codes: list[str]) -> None:
    """Make the order's co-department rows match its `co_departments` list."""
    session.execute(delete(OrderCoDepartment).where(OrderCoDepartment.order_id == order_id))
    session.add_all(OrderCoDepartment(order_id=order_id, department_code=code) for code in dict.fromkeys(codes))


def co_departments_of(session: Session, order_id: int) -> list[str]:
    """The order's co-department rows, by code."""
    return sorted(session.scalars(
        select(OrderCoDepartment.department_code).where(OrderCoDepartment.order_id == order_id)))


def search(
    session: Session, filters: OrderFilter, *, department_scope: str | None, limit: int, offset: int
) -> tuple[int, list[WorkOrder]]:
    """(total matching, one page of orders newest first)."""
    conditions = _conditions(filters, department_scope)
    total = session.scalar(select(func.count()).select_from(WorkOrder).where(*conditions))
    page = session.scalars(
        select(WorkOrder).where(*conditions).order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(limit).offset(offset)
    ).all()
    return total or 0, list(page)


def add_event(session: Session, event: OrderEvent) -> None:
    """Append one event; events are never changed afterwards."""
    session.add(event)


def events_of(session: Session, order_id: int) -> list[OrderEvent]:
    """The order's events in the order they happened."""
    return list(session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)))


def record_personal_reads(session: Session, username: str, order_ids: list[int], at: datetime) -> None:
    """Audit that this user read these orders' unmasked phones."""
    session.add_all(PersonalDataRead(at=at, username=username, order_id=i) for i in order_ids)
