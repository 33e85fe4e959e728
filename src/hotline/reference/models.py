"""Tables of the city's reference data, loaded from a city pack."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base


class City(Base):
    """The one city this store serves (one row)."""

    __tablename__ = "city"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    population: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class Region(Base):
    """A district, street/town, community/village or grid."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    parent: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    population: Mapped[int] = mapped_column(Integer, default=0)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    aliases: Mapped[list] = mapped_column(JSON, default=list)


class Category(Base):
    """A request category, level 1 or level 2."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    parent: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    name_en: Mapped[str] = mapped_column(String(96), default="")


class Department(Base):
    """A department, local government, outside unit or the centre itself."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(96))
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    name_en: Mapped[str] = mapped_column(String(128), default="")
    active: Mapped[bool] = mapped_column(default=True)


class SlaRule(Base):
    """How fast an order must be signed for and finished; the highest matching priority wins."""

    __tablename__ = "sla_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[str | None] = mapped_column(String(16))
    request_type: Mapped[str | None] = mapped_column(String(16))
    sign_hours: Mapped[float] = mapped_column(Float)
    finish_value: Mapped[float] = mapped_column(Float)
    finish_unit: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)


class CalendarDay(Base):
    """A holiday or swapped working day the city loaded for a year the official package lacks."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")
