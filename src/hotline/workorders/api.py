"""HTTP routes of work orders: create, list, read, timeline and lifecycle actions."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Header, Query, Response

from hotline.errors import InvalidInput
from hotline.web.deps import CurrentActor, PlatformDep
from hotline.web.filter_query import parse_filter, query_parameters
from hotline.workorders.filters import OrderFilter
from hotline.workorders.schemas import event_out, iso, order_out

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
OrderFilterQuery = Annotated[dict[str, str | None], Depends(query_parameters(OrderFilter))]
JsonBody = Annotated[dict[str, Any], Body(examples=[{"channel": "phone", "content": "小区停水了", "citizen_phone": "13812341234"}])]


def _out(platform, actor, order) -> dict:
    zone = ZoneInfo(platform.settings.timezone)
    return order_out(order, actor, platform.reference_cache.get(), zone, platform.clock())


@router.post("", status_code=201)
def create_order(platform: PlatformDep, actor: CurrentActor, response: Response, body: JsonBody,
                 idempotency_key: Annotated[str | None, Header()] = None) -> dict:
    """Register a request; a retried call with the same Idempotency-Key returns the same order."""
    order, created = platform.orders.create(actor, body, idempotency_key)
    if not created:
        response.status_code = 200
    return _out(platform, actor, order)


@router.get("")
def list_orders(
    platform: PlatformDep, actor: CurrentActor, params: OrderFilterQuery,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    """Orders matching the filters, newest first: {"total", "items"}.

    `department_role` says which part `department` takes: lead (主办, the default), co (协办) or any; a
    handler sees its own department's orders of either part unless it asks for one.
    """
    filters = parse_filter(OrderFilter, params, ZoneInfo(platform.settings.timezone))
    total, page = platform.orders.search(actor, filters, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": [_out(platform, actor, o) for o in page]}


@router.get("/{number}")
def get_order(platform: PlatformDep, actor: CurrentActor, number: str) -> dict:
    """One order, with `allowed_actions`: what the caller may do to it now (every order read carries them)."""
    return _out(platform, actor, platform.orders.get(actor, number))


@router.get("/{number}/events")
def get_events(platform: PlatformDep, actor: CurrentActor, number: str) -> dict:
    """The order's timeline: every change, oldest first."""
    zone = ZoneInfo(platform.settings.timezone)
    events = platform.orders.events(actor, number)
    return {"total": len(events), "items": [event_out(e, zone) for e in events]}


MAX_BATCH_ORDERS = 500


@router.post("/batch/{action}")
def act_on_orders(platform: PlatformDep, actor: CurrentActor, action: str, body: JsonBody) -> dict:
    """One action on several orders together, e.g. an incident's orders dispatched to one department or
    closed with one reply: {"numbers": [...], and the action's own fields}. All or none: if the rules
    refuse any order, none changes and the error names it (`field` "numbers[i]"). Returns {"total", "items"}."""
    numbers = body.get("numbers")
    if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
        raise InvalidInput("'numbers' must be a non-empty list of order numbers", field="numbers")
    if len(numbers) > MAX_BATCH_ORDERS:
        raise InvalidInput(f"'numbers' names more than {MAX_BATCH_ORDERS} orders", field="numbers")
    params = {k: v for k, v in body.items() if k != "numbers"}
    orders = platform.orders.act_on_many(actor, numbers, action, params)
    return {"total": len(orders), "items": [_out(platform, actor, o) for o in orders]}


@router.post("/{number}/{action}")
def act_on_order(platform: PlatformDep, actor: CurrentActor, number: str, action: str,
                 body: Annotated[dict[str, Any] | None, Body()] = None) -> dict:
    """dispatch, sign, return, extend, approve_extension, deny_extension, reply, callback, close, reopen, supervise,
    merge, opinion.

    opinion {"opinion"}: a co-department's 协办意见, while the lead has the order in hand; it shows on the timeline.

    close takes an optional `article_id`: the knowledge-base article the answer rests on (its text is the reply
    unless one is given); the article must be current, and its use is logged for the knowledge analytics.
    """
    order = platform.orders.act(actor, number, action, body or {})
    return _out(platform, actor, order)


public_router = APIRouter(prefix="/api/v1/track", tags=["citizens"])
# What a citizen sees of each step: no names of staff, no internal notes.
PUBLIC_STEPS = {"register": "已受理", "dispatch": "已派单", "sign": "承办单位已签收", "return": "重新派单中",
                "extend": "承办单位申请延期", "approve_extension": "已延期", "reply": "已答复",
                "callback": "已回访", "close": "已办结", "reopen": "重新办理", "supervise": "已督办",
                "merge": "已与同类诉求合并办理"}


@public_router.get("")
def track_order(platform: PlatformDep, number: str, phone: str) -> dict:
    """A citizen looks up their own request by number and phone: status, steps and the reply."""
    order, events = platform.orders.track(number, phone)
    zone = ZoneInfo(platform.settings.timezone)
    snap = platform.reference_cache.get()
    shown = order.status in ("replied", "closed")
    return {
        "number": order.number, "status": order.status, "created_at": iso(order.created_at, zone),
        "summary": order.summary, "category_name": snap.name_of("category", order.category),
        "department_name": snap.name_of("department", order.department),
        "reply": order.reply if shown else "", "merged_into": order.merged_into,
        "steps": [{"at": iso(e.at, zone), "step": PUBLIC_STEPS.get(e.action, e.action)}
                  for e in events if e.action in PUBLIC_STEPS],
    }
