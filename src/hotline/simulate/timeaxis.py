"""Days as arrays: working days, holidays and deadline arithmetic on int64 seconds, vectorised.

Times are naive local city time as whole seconds since 1970-01-01 (arithmetic as if UTC), the
same wall-clock text the store keeps. The rules mirror hotline.calendar.WorkCalendar and the
service's SLA deadlines so simulated orders look like ones the live system produced.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import numpy as np

from hotline.calendar import WorkCalendar

DAY = 86400
EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


class TimeAxis:
    """Working days, holidays and day factors for a span of days, with deadline arithmetic."""

    def __init__(self, first: date, last: date, pack_holidays: dict[str, tuple[str, str]], sf_names: list[str]):
        extra = {date.fromisoformat(k): v[0] for k, v in pack_holidays.items()}
        calendar = WorkCalendar(extra)
        n = (last - first).days + 1
        self.first = first
        self.day0 = day_number(first)
        days = [first + timedelta(days=i) for i in range(n)]
        self.workday = np.array([calendar.is_workday(d) for d in days])
        self.holiday = np.zeros(n, dtype=bool)  # an official day off that is not a plain weekend
        self.spring = np.zeros(n, dtype=bool)
        for i, d in enumerate(days):
            name = ""
            try:
                is_hol, detail = chinese_calendar.get_holiday_detail(d)
                name = str(detail or "")
                official = is_hol and detail is not None
            except NotImplementedError:
                kind, name = pack_holidays.get(d.isoformat(), ("", ""))
                official = kind == "holiday"
            self.holiday[i] = official
            self.spring[i] = official and any(s in name for s in sf_names)
        self.weekday = np.array([d.weekday() for d in days], dtype=np.int8)
        self.cumwork = np.cumsum(self.workday)  # working days in [first .. i]
        self.work_days = np.flatnonzero(self.workday)

    def index(self, seconds: np.ndarray) -> np.ndarray:
        """Day index (from `first`) of each time."""
        return (seconds // DAY - self.day0).astype(np.int64)

    def add_working_hours(self, start: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """The moment when `hours` have passed counting only working days' hours."""
        i = self.index(start)
        before = self.cumwork[i] - self.workday[i]
        worked = before * DAY + np.where(self.workday[i], start % DAY, 0)
        target = worked + np.round(np.asarray(hours) * 3600).astype(np.int64)
        k = -(-target // DAY) - 1  # ceil(target / DAY) - 1: the working day holding the target
        rest = target - k * DAY
        k = np.minimum(k, len(self.work_days) - 1)
        return (self.day0 + self.work_days[k]) * DAY + rest

    def add_working_days(self, start: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The end (23:59:59) of the Nth working day after the start's day; fractions as hours."""
        days = np.asarray(days, dtype=float)
        whole = np.floor(days).astype(np.int64)
        i = self.index(start)
        k = np.minimum(self.cumwork[i] + whole - 1, len(self.work_days) - 1)
        day = np.where(whole > 0, self.work_days[k], i)
        due = (self.day0 + day) * DAY + DAY - 1
        frac = days - whole
        if np.any(frac > 0):
            due = np.where(frac > 0, self.add_working_hours(due, frac * 24), due)
        return due

    def deadlines(self, dispatched: np.ndarray, sign_hours: np.ndarray, value: np.ndarray, unit_hours: np.ndarray):
        """Sign-by and finish-by for orders dispatched at the given times (the service's rule)."""
        finish = np.where(
            unit_hours.astype(bool),
            dispatched + np.round(value * 3600).astype(np.int64),
            self.add_working_days(dispatched, value),
        )
        sign = np.minimum(self.add_working_hours(dispatched, sign_hours), finish)
        return sign, finish


def monthly_curve(doy: np.ndarray, values: list[float] | None) -> np.ndarray:
    """Monthly multipliers (Jan..Dec) interpolated smoothly to each day of the year."""
    if not values:
        return np.ones(len(doy))
    mids = np.array([15.5 + 30.42 * m for m in range(12)])
    xs = np.concatenate([[mids[-1] - 365], mids, [mids[0] + 365]])
    ys = np.concatenate([[values[-1]], values, [values[0]]])
    return np.interp(doy, xs, ys)
