"""Tables of foresight: alerts, what history says (day tallies, piece runs), 每月一题 topics and tasks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, Timestamp


class Alert(Base):
    """One early warning (预警): a surge, an emerging problem, a hot spot or a backlog."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    detected_at: Mapped[datetime] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    category: Mapped[str | None] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(20))
    place: Mapped[str | None] = mapped_column(String(20))
    place_level: Mapped[str | None] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    title: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    # The same condition found again by a replay must not make a second alert.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    delivery_error: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        Index("ix_alerts_detected_at", "detected_at"),
        Index("ix_alerts_kind_detected", "kind", "detected_at"),
    )


class SpecialTopic(Base):
    """A hard recurring problem chosen for special study (每月一题), with its lead department."""

    __tablename__ = "special_topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM it was chosen for
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(20))
    lead_department: Mapped[str] = mapped_column(String(32))
    co_departments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    heat_index: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class TopicTask(Base):
    """A task of a special topic: who does what by when."""

    __tablename__ = "topic_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("special_topics.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)


class HistoryState(Base):
    """How far the kept history reaches: complete days first_day..through_day are tallied."""

    __tablename__ = "foresight_history"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    through_day: Mapped[date] = mapped_column(Date)


class DayTally(Base):
    """One count of one day: orders per category or hour, citizens per place cell or address."""

    __tablename__ = "foresight_tallies"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_foresight_tallies_kind_key", "kind", "key", "day"),)


class PieceRun(Base):
    """Days over which a four-character piece was in use, with no gap of a year or more inside."""

    __tablename__ = "foresight_piece_runs"

    piece: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)


class WatchState(Base):
    """Up to which data time the server's continuous scan has looked (it resumes there after a restart)."""

    __tablename__ = "foresight_watch"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    scanned_to: Mapped[datetime] = mapped_column(Timestamp)
