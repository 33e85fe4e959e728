"""Tables of knowledge-base articles, their versions, their searches and their uses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, Timestamp


class KbArticle(Base):
    """One article, current version; older versions live in kb_article_versions."""

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
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")


class KbArticleVersion(Base):
    """One saved state of an article: who changed what, and the full text as it then stood."""

    __tablename__ = "kb_article_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # create, update, archive, restore
    at: Mapped[datetime] = mapped_column(Timestamp)
    actor: Mapped[str] = mapped_column(String(64))
    changed: Mapped[list] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_kb_article_versions_article", "article_id", "version", unique=True),)


class KbSearch(Base):
    """A call-taker's search in the knowledge base, or a use of an article (article_id set)."""

    __tablename__ = "kb_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    username: Mapped[str] = mapped_column(String(64), default="")
    query: Mapped[str] = mapped_column(String(200))
    hits: Mapped[int] = mapped_column(Integer, default=0)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))

    __table_args__ = (Index("ix_kb_searches_at", "at"),)
