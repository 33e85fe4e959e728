"""Parsing of query parameters shared by the list and analysis endpoints."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hotline.errors import InvalidInput


def clean_text(value: str | None, name: str, limit: int = 200) -> str | None:
    """A query parameter as given, refused if too long or holding control characters."""
    if value is None or value == "":
        return None
    if len(value) > limit or any(ord(ch) < 32 for ch in value):
        raise InvalidInput(f"'{name}' must be at most {limit} printable characters", field=name)
    return value


def parse_moment(value: str | None, name: str, zone: ZoneInfo) -> datetime | None:
    """An ISO date (midnight) or datetime; one with an offset is turned into city local time."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time())
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"'{name}' {value!r} is not an ISO date or datetime", field=name) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment
