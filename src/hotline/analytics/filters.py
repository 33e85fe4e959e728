"""The filters every analysis takes (the order list's, plus group_by), as SQL and as drill-down links."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from hotline.errors import InvalidInput
from hotline.workorders.filters import DIMENSIONS, CommonOrderFilter

TIME_GROUPS = ("hour", "day", "week", "month")
# group_by values that are columns; category means the level-2 category, category_l1 the level-1 one.
DIMENSION_GROUPS = DIMENSIONS + ("category_l1",)


@dataclass(frozen=True)
class Filters(CommonOrderFilter):
    """The order list's common filters, as SQL on the columnar copy, drill-down links and compared periods."""

    @property
    def bounded(self) -> bool:
        """Whether the window has both ends (comparisons need both)."""
        return self.created_from is not None and self.created_to is not None

    def where(self, alias: str = "o", time_column: str = "created_at", window: bool = True) -> tuple[str, list]:
        """A SQL condition on the copy's work_orders (as `alias`) and its parameters."""
        conditions, params = ["TRUE"], []
        for name in DIMENSIONS:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "category":
                conditions.append(f"({alias}.category = ? OR {alias}.category_l1 = ?)")
                params += [value, value]
            else:
                conditions.append(f"{alias}.{name} = ?")
                params.append(value)
        if window:
            time_sql, time_params = self.window_sql(f"{alias}.{time_column}" if alias else time_column)
            conditions.append(time_sql)
            params += time_params
        return " AND ".join(conditions), params

    def window_sql(self, column: str) -> tuple[str, list]:
        """The time window as a condition on any timestamp column."""
        conditions, params = ["TRUE"], []
        if self.created_from is not None:
            conditions.append(f"{column} >= ?")
            params.append(self.created_from)
        if self.created_to is not None:
            conditions.append(f"{column} < ?")
            params.append(self.created_to)
        return " AND ".join(conditions), params

    def drill(self, **narrower: Any) -> dict[str, str]:
        """Query parameters of GET /api/v1/orders that list exactly the orders behind a figure."""
        out: dict[str, str] = {}
        merged = replace(self, **narrower)
        for f in fields(merged):
            value = getattr(merged, f.name)
            if value is not None:
                out[f.name] = value.isoformat() if isinstance(value, datetime) else str(value)
        return out

    def window(self, start: datetime | None, end: datetime | None) -> "Filters":
        """The same filters over the part of [start, end) inside this window."""
        lo = max(x for x in (start, self.created_from) if x is not None) if (start or self.created_from) else None
        hi = min(x for x in (end, self.created_to) if x is not None) if (end or self.created_to) else None
        return replace(self, created_from=lo, created_to=hi)

    def shifted(self, kind: str) -> "Filters | None":
        """The previous period (环比, kind 'previous') or the same period last year (同比, 'year_ago')."""
        if not self.bounded:
            return None
        start, end = self.created_from, self.created_to
        if kind == "year_ago":
            return replace(self, created_from=_add_months(start, -12), created_to=_add_months(end, -12))
        months = _whole_months(start, end)
        if months:  # a calendar month or quarter compares with the calendar months before it
            return replace(self, created_from=_add_months(start, -months), created_to=start)
        return replace(self, created_from=start - (end - start), created_to=start)


def check_group_by(group_by: str | None, default: str) -> str:
    """A valid group_by: hour/day/week/month or a dimension."""
    value = group_by or default
    if value not in TIME_GROUPS + DIMENSION_GROUPS:
        raise InvalidInput(f"'group_by' must be one of {', '.join(TIME_GROUPS + DIMENSION_GROUPS)}", field="group_by")
    return value


def default_time_group(start: datetime, end: datetime) -> str:
    """Hours for up to two days, days up to three months, weeks up to a year, else months."""
    span = end - start
    if span <= timedelta(days=2):
        return "hour"
    if span <= timedelta(days=92):
        return "day"
    return "week" if span <= timedelta(days=366) else "month"


def bucket_end(start: datetime, unit: str) -> datetime:
    """The exclusive end of the time bucket that starts at `start`."""
    if unit == "hour":
        return start + timedelta(hours=1)
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    return _add_months(start, 1)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, _month_length(year, month + 1))
    return moment.replace(year=year, month=month + 1, day=day)


def _month_length(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _whole_months(start: datetime, end: datetime) -> int:
    midnight = datetime.min.time()
    if start.day != 1 or end.day != 1 or start.time() != midnight or end.time() != midnight:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month
