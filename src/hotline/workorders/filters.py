"""What an order query filters on: one definition for the order list and the analyses (pure)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Self

from hotline.errors import InvalidInput
from hotline.workorders.domain import DEPARTMENT_ROLES

WINDOW = ("created_from", "created_to")


@dataclass(frozen=True)
class CommonOrderFilter:
    """The filters GET /api/v1/orders and the analyses share, every one optional; created_to is exclusive.

    A new filter is a field here: both endpoints take and check it, and the order list and the analyses
    compare it with the order's column of that name (the analyses' copy needs that column too).
    """

    status: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    category: str | None = None
    department: str | None = None
    channel: str | None = None
    request_type: str | None = None
    urgency: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def validated(self) -> Self:
        """This filter, or an InvalidInput naming the parameter that makes it meaningless."""
        if self.created_from and self.created_to and self.created_from >= self.created_to:
            raise InvalidInput("'created_to' must be after 'created_from'", field="created_to")
        return self


@dataclass(frozen=True)
class OrderFilter(CommonOrderFilter):
    """The order list's filters: the common ones, the department's part and a text search."""

    department_role: str | None = None  # the department's part: lead, co or any (see domain.DEPARTMENT_ROLES)
    q: str | None = None  # content, summary or address containing it, or the order number

    def validated(self) -> Self:
        """This filter, or an InvalidInput naming the parameter that makes it meaningless."""
        if self.department_role is not None and self.department_role not in DEPARTMENT_ROLES:
            raise InvalidInput(f"'department_role' must be one of {', '.join(DEPARTMENT_ROLES)}",
                               field="department_role")
        return super().validated()


# Each holds an order to one value; category matches either level, department the lead (主办) one by default.
DIMENSIONS = tuple(f.name for f in fields(CommonOrderFilter) if f.name not in WINDOW)
