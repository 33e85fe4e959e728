"""An in-memory snapshot of reference data, to resolve codes and names without a query each time."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.calendar import WorkCalendar
from hotline.errors import InvalidInput
from hotline.reference.models import CalendarDay, Category, Department, Region, SlaRule
from hotline.workorders.deadlines import SlaSpec


@dataclass
class Snapshot:
    """Reference data as plain dictionaries keyed by code."""

    regions: dict[str, Region] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    sla_rules: list[SlaSpec] = field(default_factory=list)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    region_names: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def resolve_region(self, value: str | None, level: str, parent: str | None = None) -> str | None:
        """The code of a region given by code, name or alias, at the given level; None stays None."""
        if value is None:
            return None
        region = self.regions.get(value)
        if region is not None and region.level == level:
            return region.code
        candidates = self.region_names.get((level, value), [])
        if parent is not None:
            candidates = [c for c in candidates if self.regions[c].parent == parent]
        if len(candidates) == 1:
            return candidates[0]
        reason = "matches several regions; give its code" if candidates else "is not a known " + level
        raise InvalidInput(f"'{level}' {value!r} {reason}", field=level)

    def resolve_category(self, value: str | None) -> tuple[str | None, str | None]:
        """(level-1 code, code) of a category given by code or name."""
        if value is None:
            return None, None
        category = self.categories.get(value)
        if category is None:
            named = [c for c in self.categories.values() if c.name == value]
            if len(named) != 1:
                raise InvalidInput(f"'category' {value!r} is not a known category code or name", field="category")
            category = named[0]
        l1 = category.code if category.level == 1 else category.parent
        return l1, category.code

    def require_department(self, code: str, field_name: str = "department") -> Department:
        """The active department with this code, or InvalidInput naming the field."""
        department = self.departments.get(code)
        if department is None or not department.active:
            raise InvalidInput(f"'{field_name}' {code!r} is not a known department or unit", field=field_name)
        return department

    def name_of(self, kind: str, code: str | None) -> str | None:
        """The display name of a region, category or department code."""
        if code is None:
            return None
        table = {"region": self.regions, "category": self.categories, "department": self.departments}[kind]
        item = table.get(code)
        return item.name if item is not None else None


class ReferenceCache:
    """Holds a Snapshot, reloaded after local writes or when older than `ttl` seconds."""

    def __init__(self, sessions: sessionmaker[Session], ttl: float = 60.0) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._snapshot: Snapshot | None = None
        self._loaded_at = 0.0

    def get(self) -> Snapshot:
        """The current snapshot."""
        if self._snapshot is None or time.monotonic() - self._loaded_at > self._ttl:
            self._snapshot = self._load()
            self._loaded_at = time.monotonic()
        return self._snapshot

    def invalidate(self) -> None:
        """Forget the snapshot; the next get() reloads it."""
        self._snapshot = None

    def _load(self) -> Snapshot:
        with self._sessions() as session:
            snap = Snapshot()
            for region in session.scalars(select(Region)):
                snap.regions[region.code] = region
                for name in [region.name, *(region.aliases or [])]:
                    snap.region_names.setdefault((region.level, name), []).append(region.code)
            snap.categories = {c.code: c for c in session.scalars(select(Category))}
            snap.departments = {d.code: d for d in session.scalars(select(Department))}
            snap.sla_rules = [
                SlaSpec(r.name, r.sign_hours, r.finish_value, r.finish_unit, r.category, r.urgency,
                        r.request_type, r.priority)
                for r in session.scalars(select(SlaRule))
            ]
            extra: dict[date, str] = {d.day: d.kind for d in session.scalars(select(CalendarDay))}
            snap.calendar = WorkCalendar(extra)
            session.expunge_all()
        return snap
