"""Validation of a new request before it becomes an order (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hotline.errors import InvalidInput
from hotline.workorders.domain import Channel, RequestType, Urgency

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
MAX_CONTENT = 5000
KNOWN_FIELDS = {
    "channel", "content", "summary", "citizen_phone", "citizen_name", "address", "district", "street",
    "community", "category", "request_type", "urgency", "lat", "lon",
}


@dataclass(frozen=True)
class NewOrder:
    """A validated request; place and category are still as the caller wrote them (code or name)."""

    channel: str
    content: str
    citizen_phone: str
    summary: str = ""
    citizen_name: str = ""
    address: str = ""
    district: str | None = None
    street: str | None = None
    community: str | None = None
    category: str | None = None
    request_type: str = RequestType.CONSULT
    urgency: str = Urgency.NORMAL
    lat: float | None = None
    lon: float | None = None


def normalise_phone(phone: Any, field: str = "citizen_phone") -> str:
    """The phone without spaces, or an InvalidInput naming the field."""
    if not isinstance(phone, str):
        raise InvalidInput(f"'{field}' is required: a mobile (11 digits) or landline number", field=field)
    compact = re.sub(r"[\s()]", "", phone)
    if compact.startswith("+86"):
        compact = compact[3:]
    if not (MOBILE.match(compact) or LANDLINE.match(compact)):
        raise InvalidInput(
            f"'{field}' {phone!r} is not a mainland mobile (1xxxxxxxxxx) or landline (0xxx-xxxxxxx) number",
            field=field,
        )
    return compact


def _choice(data: dict, name: str, allowed: type, default: str | None) -> str:
    value = data.get(name) or default
    values = [m.value for m in allowed]
    if value not in values:
        raise InvalidInput(f"'{name}' must be one of {', '.join(values)}; got {value!r}", field=name)
    return value


def _optional_text(data: dict, name: str, limit: int) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be text", field=name)
    if len(value) > limit:
        raise InvalidInput(f"'{name}' is longer than {limit} characters", field=name)
    return value.strip() or None


def _coordinate(data: dict, name: str, low: float, high: float) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise InvalidInput(f"'{name}' must be a number from {low} to {high}", field=name)
    return float(value)


def refuse_control_characters(value: str, name: str) -> str:
    """NUL and other control characters (bar newline and tab) are refused: stores choke on them."""
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise InvalidInput(f"'{name}' contains control characters", field=name)
    return value


def validate_new_order(data: dict[str, Any]) -> NewOrder:
    """Check every field of a new request; the first fault raises InvalidInput naming its field."""
    for name, value in data.items():
        if isinstance(value, str):
            refuse_control_characters(value, name)
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
    content = data.get("content")
    if not isinstance(content, str) or not content.strip():
        raise InvalidInput("'content' is required and must be non-empty text", field="content")
    if len(content) > MAX_CONTENT:
        raise InvalidInput(f"'content' is longer than {MAX_CONTENT} characters", field="content")
    content = content.strip()
    summary = _optional_text(data, "summary", 200) or content[:40]
    return NewOrder(
        channel=_choice(data, "channel", Channel, None),
        content=content,
        citizen_phone=normalise_phone(data.get("citizen_phone")),
        summary=summary,
        citizen_name=_optional_text(data, "citizen_name", 64) or "",
        address=_optional_text(data, "address", 200) or "",
        district=_optional_text(data, "district", 64),
        street=_optional_text(data, "street", 64),
        community=_optional_text(data, "community", 64),
        category=_optional_text(data, "category", 64),
        request_type=_choice(data, "request_type", RequestType, RequestType.CONSULT),
        urgency=_choice(data, "urgency", Urgency, Urgency.NORMAL),
        lat=_coordinate(data, "lat", -90, 90),
        lon=_coordinate(data, "lon", -180, 180),
    )
