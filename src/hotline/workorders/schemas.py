"""How orders and events look over the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.reference.lookup import Snapshot
from hotline.users.actor import Actor
from hotline.workorders.domain import mask_phone
from hotline.workorders.lifecycle import allowed_actions, is_overdue, part_of
from hotline.workorders.models import OrderEvent, WorkOrder
from hotline.workorders.service import state_of

TIME_FIELDS = (
    "created_at", "updated_at", "dispatched_at", "signed_at", "replied_at", "closed_at", "sign_due_at",
    "finish_due_at", "callback_at",
)
PLAIN_FIELDS = (
    "number", "status", "channel", "request_type", "content", "summary", "address", "lat", "lon",
    "urgency", "district", "street", "community", "category_l1", "category", "department",
    "co_departments", "extension_days", "extension_pending_days", "extension_reason", "return_reason",
    "reply", "satisfaction", "resolved", "merged_into", "closed_directly", "dispatch_count",
    "return_count", "reopen_count", "supervision_count", "created_by",
)


def iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    """A stored naive local time as ISO 8601 with the city's offset."""
    return value.replace(tzinfo=zone).isoformat() if value is not None else None


def order_out(order: WorkOrder, actor: Actor, snap: Snapshot, zone: ZoneInfo, now: datetime) -> dict:
    """An order as JSON for this actor: phone masked unless the role may see it, and what it may do now."""
    out = {name: getattr(order, name) for name in PLAIN_FIELDS}
    out |= {name: iso(getattr(order, name), zone) for name in TIME_FIELDS}
    out["citizen_name"] = order.citizen_name if actor.sees_unmasked_phone else _mask_name(order.citizen_name)
    out["citizen_phone"] = order.citizen_phone if actor.sees_unmasked_phone else mask_phone(order.citizen_phone)
    state = state_of(order)
    out["overdue"] = is_overdue(state, now)
    out["allowed_actions"] = [str(action) for action in allowed_actions(state, actor.role, now, actor.department_scope)]
    out["department_role"] = part_of(state, actor.department_scope)  # the caller's part: lead, co or None
    for name in ("district", "street", "community"):
        out[f"{name}_name"] = snap.name_of("region", getattr(order, name))
    out["category_name"] = snap.name_of("category", order.category)
    out["category_l1_name"] = snap.name_of("category", order.category_l1)
    out["department_name"] = snap.name_of("department", order.department)
    out["co_department_names"] = [snap.name_of("department", code) for code in order.co_departments or []]
    return out


def _mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else ""


def event_out(event: OrderEvent, zone: ZoneInfo) -> dict:
    """One timeline entry as JSON."""
    return {
        "id": event.id, "at": iso(event.at, zone), "actor": event.actor, "actor_role": event.actor_role,
        "action": event.action, "from_status": event.from_status, "to_status": event.to_status,
        "department": event.department, "changes": event.changes,
    }
