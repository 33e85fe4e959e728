"""Tables of knowledge-base articles, their searches and their uses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, Timestamp


class KbArticle(Base):
    """One article, current version; older versions live in the change history."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class KbSearch(Base):
    """A call-taker's search in the knowledge base, and the article used if any."""

    __tablename__ = "kb_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    username: Mapped[str] = mapped_column(String(64), default="")
    query: Mapped[str] = mapped_column(String(200))
    hits: Mapped[int] = mapped_column(Integer, default=0)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))

    __table_args__ = (Index("ix_kb_searches_at", "at"),)
