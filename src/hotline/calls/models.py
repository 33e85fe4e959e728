"""Tables of calls and agents' shifts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, Timestamp


class CallRecord(Base):
    """One call offered to the queue: answered or abandoned."""

    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller: Mapped[str] = mapped_column(String(20), index=True)
    queued_at: Mapped[datetime] = mapped_column(Timestamp)
    wait_seconds: Mapped[int] = mapped_column(Integer)
    answered: Mapped[bool] = mapped_column(Boolean)
    talk_seconds: Mapped[int] = mapped_column(Integer, default=0)
    agent: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    called_back_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # When the row last changed after the phone system recorded it (a callback), by the city clock;
    # NULL while it is as recorded. New rows are found by id; this finds the few changed in place.
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp)

    __table_args__ = (
        Index("ix_call_records_queued_at", "queued_at"),
        # Only changed rows are indexed: the index stays small while calls number tens of millions.
        Index("ix_call_records_updated_at", "updated_at", sqlite_where=text("updated_at IS NOT NULL"),
              postgresql_where=text("updated_at IS NOT NULL")),
    )


class AgentShift(Base):
    """An agent on duty from start to end; the staffing the queue actually had."""

    __tablename__ = "agent_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(Timestamp)
    end_at: Mapped[datetime] = mapped_column(Timestamp)

    __table_args__ = (Index("ix_agent_shifts_start_at", "start_at"),)
