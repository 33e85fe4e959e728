"""HTTP routes of reference data: departments, categories, regions (admins may add)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from hotline.web.deps import CurrentActor, PlatformDep
from hotline.workorders.domain import Role

router = APIRouter(prefix="/api/v1", tags=["reference"])

COLUMNS = {
    "departments": ("code", "name", "kind", "region", "categories", "aliases", "name_en", "active"),
    "categories": ("code", "name", "parent", "level", "name_en"),
    "regions": ("code", "name", "parent", "level", "population", "lat", "lon", "aliases"),
}


def _out(kind: str, row) -> dict:
    return {name: getattr(row, name) for name in COLUMNS[kind]}


def _routes(kind: str) -> None:
    @router.get(f"/{kind}", name=f"list_{kind}")
    def list_rows(platform: PlatformDep, actor: CurrentActor) -> dict:
        rows = platform.reference.list(kind)
        return {"total": len(rows), "items": [_out(kind, r) for r in rows]}

    @router.post(f"/{kind}", status_code=201, name=f"add_{kind}")
    def add_row(platform: PlatformDep, actor: CurrentActor, body: Annotated[dict[str, Any], Body()]) -> dict:
        actor.require_role(Role.ADMIN)
        return _out(kind, platform.reference.add(kind, body))

    list_rows.__doc__ = f"All {kind}."
    add_row.__doc__ = f"Add one of the {kind} (admins only)."


for _kind in COLUMNS:
    _routes(_kind)


@router.get("/city")
def city(platform: PlatformDep, actor: CurrentActor) -> dict:
    """The city this store serves: code, names, population and map centre."""
    row = platform.reference.city()
    settings = row.settings or {}
    return {"code": row.code, "name": row.name, "name_en": row.name_en, "timezone": row.timezone,
            "population": row.population, "center": settings.get("center"), "has_map": bool(settings.get("has_map"))}


@router.get("/city/map")
def city_map(platform: PlatformDep, actor: CurrentActor) -> dict:
    """The city's district boundaries as GeoJSON (from its city pack), for the maps of the screens."""
    return platform.reference.city_map()
