"""Reading a city pack (a folder of data files) and loading it into the store."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import unit_of_work
from hotline.errors import InvalidInput
from hotline.reference.models import CalendarDay, Category, City, Department, Region, SlaRule

PACKS = Path(__file__).resolve().parent.parent / "citypacks"
REGION_LEVELS = ("district", "street", "community", "grid")


@dataclass
class CityPack:
    """The parsed contents of a city pack."""

    path: Path
    city: dict[str, Any]
    regions: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    sla: list[dict[str, Any]] = field(default_factory=list)
    holidays: list[dict[str, Any]] = field(default_factory=list)


def resolve_pack_path(name_or_path: str | Path) -> Path:
    """A pack given by folder path, or by the name of a pack shipped with the package."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    shipped = PACKS / str(name_or_path)
    if shipped.is_dir():
        return shipped
    raise InvalidInput(f"no city pack at {name_or_path!r} (a folder, or one of: {', '.join(shipped_packs())})",
                       field="path")


def shipped_packs() -> list[str]:
    """Names of the packs that come with the package."""
    return sorted(p.name for p in PACKS.iterdir() if (p / "city.yaml").exists())


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _number(value: str, where: str, kind=float) -> Any:
    if value == "":
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not a number", field=where) from None


def read_pack(name_or_path: str | Path) -> CityPack:
    """Parse and check a pack; any fault raises InvalidInput naming the file, row and column."""
    path = resolve_pack_path(name_or_path)
    city_file = path / "city.yaml"
    if not city_file.exists():
        raise InvalidInput(f"{city_file} is missing", field="city.yaml")
    city = yaml.safe_load(city_file.read_text(encoding="utf-8")) or {}
    for key in ("code", "name"):
        if not city.get(key):
            raise InvalidInput(f"city.yaml: '{key}' is required", field=f"city.yaml:{key}")
    pack = CityPack(path=path, city=city)
    for i, row in enumerate(_rows(path / "regions.csv"), start=2):
        where = f"regions.csv:{i}"
        if row.get("level") not in REGION_LEVELS:
            raise InvalidInput(f"{where}: level must be one of {', '.join(REGION_LEVELS)}", field=where)
        pack.regions.append(dict(
            code=row["code"], name=row["name"], parent=row.get("parent") or None, level=row["level"],
            population=_number(row.get("population", ""), where, int) or 0,
            lat=_number(row.get("lat", ""), where), lon=_number(row.get("lon", ""), where),
            aliases=_split(row.get("aliases", "")),
        ))
    for i, row in enumerate(_rows(path / "categories.csv"), start=2):
        pack.categories.append(dict(code=row["code"], name=row["name"], parent=row.get("parent") or None,
                                    level=_number(row.get("level", ""), f"categories.csv:{i}", int),
                                    name_en=row.get("name_en", "")))
    for row in _rows(path / "departments.csv"):
        pack.departments.append(dict(
            code=row["code"], name=row["name"], kind=row.get("kind") or "bureau",
            region=row.get("region") or None, categories=_split(row.get("categories", "")),
            aliases=_split(row.get("aliases", "")), name_en=row.get("name_en", ""),
        ))
    for i, row in enumerate(_rows(path / "sla.csv"), start=2):
        where = f"sla.csv:{i}"
        if row.get("finish_unit") not in ("hours", "working_days"):
            raise InvalidInput(f"{where}: finish_unit must be hours or working_days", field=where)
        pack.sla.append(dict(
            name=row["name"], category=row.get("category") or None, urgency=row.get("urgency") or None,
            request_type=row.get("request_type") or None, sign_hours=_number(row["sign_hours"], where),
            finish_value=_number(row["finish_value"], where), finish_unit=row["finish_unit"],
            priority=_number(row.get("priority", "0"), where, int) or 0,
        ))
    for i, row in enumerate(_rows(path / "holidays.csv"), start=2):
        where = f"holidays.csv:{i}"
        try:
            day = date.fromisoformat(row["date"])
        except ValueError:
            raise InvalidInput(f"{where}: {row['date']!r} is not a date (YYYY-MM-DD)", field=where) from None
        if row.get("kind") not in ("holiday", "workday"):
            raise InvalidInput(f"{where}: kind must be holiday or workday", field=where)
        pack.holidays.append(dict(day=day, kind=row["kind"], name=row.get("name", "")))
    _check(pack)
    return pack


# Column widths of the store (PostgreSQL enforces them; SQLite would silently keep longer text).
WIDTHS = {
    "regions": {"code": 20, "name": 64},
    "categories": {"code": 16, "name": 64, "name_en": 96},
    "departments": {"code": 32, "name": 96, "name_en": 128},
}


def _check(pack: CityPack) -> None:
    for name, widths in WIDTHS.items():
        for row in getattr(pack, name):
            for column, width in widths.items():
                if len(row.get(column) or "") > width:
                    raise InvalidInput(f"{name}.csv: {row['code']}: {column} is longer than {width} characters",
                                       field=f"{name}.csv")
    for name, rows in (("regions", pack.regions), ("categories", pack.categories), ("departments", pack.departments)):
        codes = [r["code"] for r in rows]
        if len(codes) != len(set(codes)) or "" in codes:
            raise InvalidInput(f"{name}.csv: codes must be unique and non-empty", field=f"{name}.csv")
    regions = {r["code"]: r for r in pack.regions}
    for r in pack.regions:
        depth = REGION_LEVELS.index(r["level"])
        parent = regions.get(r["parent"] or "")
        if (depth == 0) != (parent is None) or (parent and parent["level"] != REGION_LEVELS[depth - 1]):
            raise InvalidInput(f"regions.csv: {r['code']} has a wrong parent for a {r['level']}", field="regions.csv")
    categories = {c["code"]: c for c in pack.categories}
    for c in pack.categories:
        if c["level"] == 2 and (categories.get(c["parent"] or "") or {}).get("level") != 1:
            raise InvalidInput(f"categories.csv: {c['code']} needs a level-1 parent", field="categories.csv")
    for d in pack.departments:
        if d["region"] and d["region"] not in regions:
            raise InvalidInput(f"departments.csv: {d['code']} names unknown region {d['region']}", field="departments.csv")
        unknown = [c for c in d["categories"] if c not in categories]
        if unknown:
            raise InvalidInput(f"departments.csv: {d['code']} names unknown categories {unknown}", field="departments.csv")


def load_pack(sessions: sessionmaker[Session], name_or_path: str | Path) -> CityPack:
    """Read a pack and upsert it into the store in one transaction; orders already stored stay valid."""
    pack = read_pack(name_or_path)
    city = pack.city
    geo = pack.path / "map.geojson"
    settings = {k: v for k, v in city.items() if k not in ("code", "name", "name_en", "timezone", "population")}
    settings["has_map"] = geo.exists()
    settings["pack_path"] = str(pack.path.resolve())  # where GET /api/v1/city/map finds the boundaries
    with unit_of_work(sessions) as session:
        session.merge(City(code=str(city["code"]), name=city["name"], name_en=city.get("name_en", ""),
                           timezone=city.get("timezone", "Asia/Shanghai"),
                           population=int(city.get("population") or 0), settings=json.loads(json.dumps(settings))))
        # Parents first, so foreign keys hold at every flush.
        for level in REGION_LEVELS:
            for row in (r for r in pack.regions if r["level"] == level):
                session.merge(Region(**row))
            session.flush()
        for level in (1, 2):
            for row in (c for c in pack.categories if c["level"] == level):
                session.merge(Category(**row))
            session.flush()
        for row in pack.departments:
            session.merge(Department(**row))
        session.execute(delete(SlaRule))
        session.add_all(SlaRule(**row) for row in pack.sla)
        for row in pack.holidays:
            session.merge(CalendarDay(**row))
    return pack


def find_map(city_code: str, pack_path: str | None) -> dict | None:
    """The map of the store's city: from the folder it was loaded from, else the shipped pack with its code."""
    candidates = [Path(pack_path)] if pack_path else []
    candidates += [PACKS / name for name in shipped_packs()]
    for folder in candidates:
        city_file = folder / "city.yaml"
        if not city_file.exists():
            continue
        code = str((yaml.safe_load(city_file.read_text(encoding="utf-8")) or {}).get("code", ""))
        if code == city_code and (folder / "map.geojson").exists():
            return _cached_map(str(folder / "map.geojson"), (folder / "map.geojson").stat().st_mtime_ns)
    return None


@lru_cache(maxsize=4)
def _cached_map(path: str, _mtime_ns: int) -> dict:
    # Keyed by modification time too: a reloaded pack is read afresh.
    return json.loads(Path(path).read_text(encoding="utf-8"))


def map_geojson(name_or_path: str | Path) -> dict | None:
    """The pack's district boundaries, if it has them."""
    geo = resolve_pack_path(name_or_path) / "map.geojson"
    return json.loads(geo.read_text(encoding="utf-8")) if geo.exists() else None
