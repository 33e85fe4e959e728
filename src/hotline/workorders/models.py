"""Tables of work orders, their co-departments, their append-only events, and the number counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, Timestamp


class WorkOrder(Base):
    """A citizen's request and everything done about it (工单)."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    request_type: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(200), default="")
    citizen_name: Mapped[str] = mapped_column(String(64), default="")
    citizen_phone: Mapped[str] = mapped_column(String(20), index=True)
    district: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    street: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    community: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    address: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    category_l1: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    category: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    co_departments: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    dispatched_at: Mapped[datetime | None] = mapped_column(Timestamp)
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    replied_at: Mapped[datetime | None] = mapped_column(Timestamp)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    sign_due_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finish_due_at: Mapped[datetime | None] = mapped_column(Timestamp)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_pending_days: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str] = mapped_column(String(500), default="")
    return_reason: Mapped[str] = mapped_column(String(500), default="")
    reply: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    callback_at: Mapped[datetime | None] = mapped_column(Timestamp)
    merged_into: Mapped[str | None] = mapped_column(String(32))
    closed_directly: Mapped[bool] = mapped_column(Boolean, default=False)
    dispatch_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    supervision_count: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        Index("ix_work_orders_created_at", "created_at"),
        Index("ix_work_orders_status_created", "status", "created_at"),
        Index("ix_work_orders_department_status", "department", "status"),
        Index("ix_work_orders_district_created", "district", "created_at"),
        # None on (category, created_at): the order list filters category OR category_l1, which
        # it could not serve, and analytics reads its DuckDB copy (migration 0005).
        Index("ix_work_orders_updated_at", "updated_at"),
    )


class OrderCoDepartment(Base):
    """One co-department (协办单位) of one order: `work_orders.co_departments` in a form lists can query.

    Only co-departments have rows: the lead stays on `work_orders.department` alone, which every loader
    fills (the simulator's bulk load writes work_orders directly and would leave lead rows missing).
    """

    __tablename__ = "order_co_departments"

    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), primary_key=True)

    __table_args__ = (Index("ix_order_co_departments_department", "department_code", "order_id"),)


class OrderEvent(Base):
    """One change to one order: who, when, what; never updated or deleted."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    at: Mapped[datetime] = mapped_column(Timestamp)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(32))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_order_events_order_id", "order_id", "id"),
        # No index on `at`: only analytics asks for events by time, and it reads its DuckDB copy
        # (migration 0005; at 10M orders this was a third of a bulk load's index rebuild).
    )


class OrderCounter(Base):
    """The last order number used on one day; numbers run per day."""

    __tablename__ = "order_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class PersonalDataRead(Base):
    """Every read of a citizen's unmasked phone, for the audit trail."""

    __tablename__ = "personal_data_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    username: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    field: Mapped[str] = mapped_column(String(32), default="citizen_phone")
