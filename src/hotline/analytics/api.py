"""HTTP routes of the analysis platform: GET /api/v1/analytics/{module} with the order list's filters."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from hotline.analytics.filters import Filters, check_group_by
from hotline.analytics.service import MODULES
from hotline.errors import InvalidInput, NotFound
from hotline.web.deps import CurrentActor, PlatformDep
from hotline.web.filter_query import parse_filter, query_parameters

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
FilterQuery = Annotated[dict[str, str | None], Depends(query_parameters(Filters))]
WEIGHT_NAMES = ("response", "resolution", "satisfaction")


@router.get("")
def list_modules(actor: CurrentActor) -> dict:
    """The modules there are."""
    return {"modules": list(MODULES)}


@router.get("/{module}")
def analyse(
    platform: PlatformDep, actor: CurrentActor, module: str,
    params: FilterQuery, group_by: str | None = None,
    weights: Annotated[str | None, Query(description="response,resolution,satisfaction weights, e.g. 30,35,35")] = None,
    min_count: Annotated[int | None, Query(ge=1)] = None,
    shrinkage: Annotated[float | None, Query(ge=0)] = None,
    agents: Annotated[int | None, Query(ge=1, le=100_000, description="calls: agents listed one by one (100)")] = None,
) -> dict:
    """One module's figures; every figure carries `drill`, the GET /api/v1/orders filter behind it."""
    if platform.analytics is None:
        raise NotFound("the analysis platform is switched off (HOTLINE_ANALYTICS_ENABLED)", field="module")
    filters = parse_filter(Filters, params, ZoneInfo(platform.settings.timezone))
    group = check_group_by(group_by, "day") if group_by else None
    options = {"min_count": min_count, "shrinkage": shrinkage, "weights": _weights(weights), "agents": agents}
    return platform.analytics.module(actor, module, filters, group, options)


def _weights(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    try:
        numbers = [float(x) for x in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != 3 or any(n < 0 for n in numbers) or not sum(numbers):
        raise InvalidInput("'weights' must be three non-negative numbers, e.g. 30,35,35", field="weights")
    return dict(zip(WEIGHT_NAMES, numbers, strict=True))
