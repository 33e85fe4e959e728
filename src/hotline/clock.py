"""The city's wall clock: naive local time in the city's zone, to whole seconds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def city_clock(timezone: str) -> Clock:
    """A clock that reads the current local time in the given zone."""
    zone = ZoneInfo(timezone)

    def now() -> datetime:
        return datetime.now(zone).replace(tzinfo=None, microsecond=0)

    return now
