"""The analysis use cases: who may read which module, and with which filters forced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hotline.analytics.calls import calls
from hotline.analytics.common import Context
from hotline.analytics.efficiency import efficiency
from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.filters import Filters
from hotline.analytics.knowledge import knowledge
from hotline.analytics.overview import overview
from hotline.analytics.process import process
from hotline.analytics.quality_report import quality
from hotline.analytics.requests import requests
from hotline.analytics.summary import summary
from hotline.clock import Clock
from hotline.errors import Forbidden, NotFound
from hotline.users.actor import Actor
from hotline.workorders.domain import Role

MODULES: dict[str, Callable[[Context], dict]] = {
    "requests": requests, "calls": calls, "knowledge": knowledge, "efficiency": efficiency,
    "overview": overview, "summary": summary, "quality": quality, "process": process,
}
READERS = (Role.ANALYST, Role.SUPERVISOR, Role.DISPATCHER, Role.HANDLER)
# Calls are the centre's own work and carry no department: a handler's scope cannot apply to them.
CENTRE_ONLY = frozenset({"calls"})


class AnalyticsService:
    """Answers the analysis modules from the columnar copy, with role rules applied."""

    def __init__(self, engine: AnalyticsEngine, clock: Clock) -> None:
        self.engine = engine
        self._clock = clock

    def module(self, actor: Actor, name: str, filters: Filters, group_by: str | None = None,
               options: dict[str, Any] | None = None) -> dict:
        """One module's figures for this actor; a handler sees only their own department's orders."""
        actor.require_role(*READERS)
        run = MODULES.get(name)
        if run is None:
            raise NotFound(f"there is no analysis module {name!r}; there are: {', '.join(MODULES)}", field="module")
        if actor.department_scope is not None:
            if name in CENTRE_ONLY:
                raise Forbidden(f"the {name} module covers the whole centre; handlers see their department only",
                                rule="department_scope")
            filters = replace(filters, department=actor.department_scope)
        with self.engine.snapshot() as snapshot:
            out = run(Context(snapshot, filters, self._clock(), group_by, options or {}))
        out["module"] = name
        out["filters"] = filters.drill()
        out["data_version"] = self.engine.version
        return out
