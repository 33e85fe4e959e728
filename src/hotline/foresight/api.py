"""HTTP routes of foresight: forecasts, staffing, alerts, pre-planning and 每月一题."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Query

from hotline.errors import InvalidInput
from hotline.foresight.alerts import AlertService, alert_out
from hotline.foresight.service import ForesightService
from hotline.foresight.staffing import Target
from hotline.web.deps import CurrentActor, PlatformDep
from hotline.web.params import clean_text, parse_moment
from hotline.workorders.domain import Role

router = APIRouter(prefix="/api/v1", tags=["foresight"])
_READERS = (Role.SUPERVISOR, Role.ANALYST, Role.DISPATCHER)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"'{name}' {value!r} is not an ISO date", field=name) from None


@router.get("/forecast")
def get_forecast(platform: PlatformDep, actor: CurrentActor, level: str = "city",
                 horizon: Annotated[int, Query(ge=1, le=30)] = 14, granularity: str = "day",
                 backtest: bool = False) -> dict:
    """Order forecasts (granularity day or hour) with 80 %/95 % intervals; backtest=true gives MASE vs seasonal-naive."""
    actor.require_role(*_READERS)
    service = ForesightService(platform)
    if backtest:
        result = service.backtest(level)
        return {"level": level, "mase": result.mase, "mase_seasonal_naive": result.mase_naive, "ratio": result.ratio,
                "series": result.per_series.to_dict("records")}
    if granularity not in ("day", "hour"):
        raise InvalidInput("'granularity' must be day or hour", field="granularity")
    frame = service.forecast(level, horizon, hourly=granularity == "hour")
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d" if granularity == "day" else "%Y-%m-%dT%H:%M")
    return {"level": level, "horizon": horizon, "granularity": granularity, "total": len(frame),
            "items": frame.round(2).to_dict("records")}


@router.get("/staffing")
def get_staffing(platform: PlatformDep, actor: CurrentActor, day: str | None = None,
                 service_level: Annotated[float, Query(gt=0, lt=1)] = 0.8,
                 answer_seconds: Annotated[float, Query(gt=0, le=600)] = 15,
                 max_abandon: Annotated[float, Query(gt=0, lt=1)] = 0.05,
                 patience_seconds: Annotated[float, Query(gt=0, le=3600)] = 75,
                 wrap_seconds: Annotated[float, Query(ge=0, le=3600)] = 90,
                 inbound_share: Annotated[float, Query(gt=0, le=1)] = 1.0) -> dict:
    """Agents needed per half-hour (Erlang C, Erlang A) against those on duty, and the answer rate if unchanged."""
    actor.require_role(*_READERS)
    when = _day(day, "day") or platform.clock().date()
    target = Target(service_level=service_level, answer_seconds=answer_seconds, max_abandon=max_abandon)
    return ForesightService(platform).staffing(when, target, patience_seconds, wrap_seconds, inbound_share)


@router.get("/alerts")
def list_alerts(platform: PlatformDep, actor: CurrentActor, kind: str | None = None,
                from_: Annotated[str | None, Query(alias="from")] = None, to: str | None = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
                order: Annotated[Literal["newest", "oldest"], Query(description="newest first (screens) or oldest first")]
                = "newest") -> dict:
    """Early-warning alerts detected in [from, to), optionally of one kind: {"total", "items"}."""
    actor.require_role(*_READERS)
    zone = ZoneInfo(platform.settings.timezone)
    total, rows = AlertService(platform).search(parse_moment(from_, "from", zone), parse_moment(to, "to", zone),
                                                clean_text(kind, "kind"), limit, offset, newest_first=order == "newest")
    snapshot = platform.reference_cache.get()
    return {"total": total, "limit": limit, "offset": offset, "items": [alert_out(a, snapshot) for a in rows]}


@router.post("/alerts/scan")
def scan_alerts(platform: PlatformDep, actor: CurrentActor, body: Annotated[dict[str, Any], Body()]) -> dict:
    """Replay [from, to) as if live; new alerts are stored and sent to the webhook."""
    actor.require_role(Role.SUPERVISOR)
    zone = ZoneInfo(platform.settings.timezone)
    start, end = parse_moment(body.get("from"), "from", zone), parse_moment(body.get("to"), "to", zone)
    if start is None or end is None:
        raise InvalidInput("'from' and 'to' are required", field="from" if start is None else "to")
    kinds = tuple(body.get("kinds") or ("surge", "emerging", "hotspot", "backlog"))
    result = AlertService(platform).scan(start, end, kinds)
    return vars(result)


@router.get("/preplan")
def get_preplan(platform: PlatformDep, actor: CurrentActor, today: str | None = None,
                months: Annotated[int, Query(ge=1, le=2)] = 2) -> dict:
    """Problems history says are coming in the next one or two months, per district, with departments."""
    actor.require_role(*_READERS)
    items = ForesightService(platform).preplan(_day(today, "today") or platform.clock().date(), months)
    return {"total": len(items), "items": items}


@router.get("/monthly-topics")
def get_monthly_topics(platform: PlatformDep, actor: CurrentActor, month: str,
                       top: Annotated[int, Query(ge=1, le=50)] = 10) -> dict:
    """每月一题 candidates of a month ranked by heat index, with evidence."""
    actor.require_role(*_READERS)
    items = ForesightService(platform).monthly_ranking(month, top)
    return {"month": month, "total": len(items), "items": items}


@router.get("/special-topics")
def get_special_topics(platform: PlatformDep, actor: CurrentActor) -> dict:
    """Special topics with their lead, co-departments, tasks and volumes before and after."""
    actor.require_role(*_READERS)
    items = ForesightService(platform).topics()
    return {"total": len(items), "items": items}


@router.post("/special-topics", status_code=201)
def create_special_topic(platform: PlatformDep, actor: CurrentActor, body: Annotated[dict[str, Any], Body()]) -> dict:
    """Make a problem a special topic: month, title, lead_department, co_departments, tasks[{title, department, due_on}]."""
    actor.require_role(Role.SUPERVISOR)
    topic = ForesightService(platform).create_topic(body, actor.username)
    return {"id": topic.id, "title": topic.title, "lead_department": topic.lead_department}


@router.patch("/special-topics/{topic_id}")
def update_special_topic(platform: PlatformDep, actor: CurrentActor, topic_id: int,
                         body: Annotated[dict[str, Any], Body()]) -> dict:
    """Change a special topic: status (open → in_progress → done, or dropped), title, description,
    lead_department, co_departments, and tasks ([{id, title, department, due_on, done}]; no id: a new task)."""
    actor.require_role(Role.SUPERVISOR)
    return ForesightService(platform).update_topic(topic_id, body)
