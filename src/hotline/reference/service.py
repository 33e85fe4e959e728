"""Use cases on reference data: list and add departments, categories and regions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import unit_of_work
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.reference.citypack import find_map
from hotline.reference.lookup import ReferenceCache
from hotline.reference.models import Category, City, Department, Region

KINDS = {"departments": Department, "categories": Category, "regions": Region}
REGION_LEVELS = ("district", "street", "community", "grid")
DEPARTMENT_KINDS = ("bureau", "government", "outside_unit", "centre")


class ReferenceService:
    """Reads and extends the city's reference data."""

    def __init__(self, sessions: sessionmaker[Session], reference: ReferenceCache) -> None:
        self._sessions = sessions
        self._reference = reference

    def city(self) -> City:
        """The one city this store serves; NotFound before a city pack is loaded."""
        with self._sessions() as session:
            city = session.scalars(select(City)).first()
        if city is None:
            raise NotFound("no city pack is loaded yet (run `hotline city load`)", field="city")
        return city

    def city_map(self) -> dict:
        """The city's district boundaries (GeoJSON) from the pack it was loaded from."""
        city = self.city()
        geojson = find_map(city.code, (city.settings or {}).get("pack_path"))
        if geojson is None:
            raise NotFound(f"the city pack of {city.name} has no map.geojson", field="map")
        return geojson

    def list(self, kind: str) -> list[Any]:
        """All rows of one kind, by code."""
        model = KINDS[kind]
        with self._sessions() as session:
            return list(session.scalars(select(model).order_by(model.code)))

    def add(self, kind: str, data: dict[str, Any]) -> Any:
        """Add one department, category or region after checking its fields."""
        row = {"departments": self._department, "categories": self._category, "regions": self._region}[kind](data)
        try:
            with unit_of_work(self._sessions) as session:
                session.add(row)
                session.flush()
        except IntegrityError:
            raise Conflict(f"code {row.code!r} exists already", field="code") from None
        self._reference.invalidate()
        return row

    @staticmethod
    def _text(data: dict, name: str, limit: int, required: bool = True) -> str | None:
        value = data.get(name)
        if value in (None, "") and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit or not value.isprintable():
            raise InvalidInput(f"'{name}' must be non-empty text of at most {limit} characters", field=name)
        return value.strip()

    def _department(self, data: dict) -> Department:
        snap = self._reference.get()
        kind = data.get("kind", "bureau")
        if kind not in DEPARTMENT_KINDS:
            raise InvalidInput(f"'kind' must be one of {', '.join(DEPARTMENT_KINDS)}", field="kind")
        region = self._text(data, "region", 20, required=False)
        if region and region not in snap.regions:
            raise InvalidInput(f"'region' {region!r} is not a known region", field="region")
        categories = data.get("categories") or []
        if not isinstance(categories, list) or any(c not in snap.categories for c in categories):
            raise InvalidInput("'categories' must list known category codes", field="categories")
        return Department(code=self._text(data, "code", 32), name=self._text(data, "name", 96), kind=kind,
                          region=region, categories=categories, aliases=[], name_en=data.get("name_en") or "")

    def _category(self, data: dict) -> Category:
        snap = self._reference.get()
        parent = self._text(data, "parent", 16, required=False)
        if parent and (parent not in snap.categories or snap.categories[parent].level != 1):
            raise InvalidInput(f"'parent' {parent!r} is not a known level-1 category", field="parent")
        return Category(code=self._text(data, "code", 16), name=self._text(data, "name", 64), parent=parent,
                        level=2 if parent else 1, name_en=data.get("name_en") or "")

    def _region(self, data: dict) -> Region:
        snap = self._reference.get()
        level = data.get("level", "district")
        if level not in REGION_LEVELS:
            raise InvalidInput(f"'level' must be one of {', '.join(REGION_LEVELS)}", field="level")
        parent = self._text(data, "parent", 20, required=False)
        depth = REGION_LEVELS.index(level)
        if depth == 0 and parent:
            raise InvalidInput("a district has no parent region", field="parent")
        if depth > 0:
            above = snap.regions.get(parent or "")
            if above is None or above.level != REGION_LEVELS[depth - 1]:
                raise InvalidInput(f"'parent' must be a known {REGION_LEVELS[depth - 1]}", field="parent")
        population = data.get("population", 0)
        if isinstance(population, bool) or not isinstance(population, int) or population < 0:
            raise InvalidInput("'population' must be a whole number ≥ 0", field="population")
        return Region(code=self._text(data, "code", 20), name=self._text(data, "name", 64), parent=parent,
                      level=level, population=population, lat=data.get("lat"), lon=data.get("lon"), aliases=[])
