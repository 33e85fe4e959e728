"""HTTP routes of calls: the phone system posts each call; staff record callbacks and list recent calls."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Query

from hotline.errors import InvalidInput
from hotline.web.deps import CurrentActor, PlatformDep
from hotline.web.params import parse_moment
from hotline.workorders.domain import Role, mask_phone
from hotline.workorders.schemas import iso

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])


@router.post("", status_code=201)
def record_call(platform: PlatformDep, actor: CurrentActor, body: Annotated[dict[str, Any], Body()]) -> dict:
    """Record one call: {"caller", "queued_at"?, "wait_seconds", "answered", "talk_seconds", "agent"?, "order_number"?}."""
    zone = ZoneInfo(platform.settings.timezone)
    if isinstance(body.get("queued_at"), str):
        body = body | {"queued_at": parse_moment(body["queued_at"], "queued_at", zone)}
    call = platform.calls.record(actor, body)
    return {"id": call.id, "queued_at": iso(call.queued_at, zone), "answered": call.answered}


@router.post("/{call_id}/callback")
def record_callback(platform: PlatformDep, actor: CurrentActor, call_id: int,
                    body: Annotated[dict[str, Any] | None, Body()] = None) -> dict:
    """Record that a missed call was called back: {"at"?} (default now)."""
    zone = ZoneInfo(platform.settings.timezone)
    at = (body or {}).get("at")
    if at is not None and not isinstance(at, str):
        raise InvalidInput("'at' must be a time", field="at")
    call = platform.calls.record_callback(actor, call_id, parse_moment(at, "at", zone))
    return {"id": call.id, "called_back_at": iso(call.called_back_at, zone), "updated_at": iso(call.updated_at, zone)}


@router.get("")
def recent_calls(platform: PlatformDep, actor: CurrentActor, since: str,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    """Calls since a moment, newest first; callers' numbers masked but for call-takers and admins."""
    actor.require_role(Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST)
    zone = ZoneInfo(platform.settings.timezone)
    total, rows = platform.calls.recent(parse_moment(since, "since", zone), limit)
    show = actor.sees_unmasked_phone
    return {"total": total, "items": [
        {"id": c.id, "caller": c.caller if show else mask_phone(c.caller), "queued_at": iso(c.queued_at, zone),
         "wait_seconds": c.wait_seconds, "answered": c.answered, "talk_seconds": c.talk_seconds, "agent": c.agent}
        for c in rows]}
