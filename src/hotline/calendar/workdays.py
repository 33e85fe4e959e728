"""Working days by China's official calendar, with a city-loaded fallback for unknown years."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

import chinese_calendar

END_OF_DAY = time(23, 59, 59)


class WorkCalendar:
    """Tells working days from days off and counts deadlines in working days or working hours.

    The official calendar package knows the State Council's holidays and swapped working days for
    the years it was released for; for later years the city loads them from its pack (`extra`),
    and where neither knows a year, Saturdays and Sundays are off and the day is marked unofficial.
    """

    def __init__(self, extra: Mapping[date, str] | None = None) -> None:
        self._extra = dict(extra or {})
        self._extra_years = {day.year for day in self._extra}
        self._cache: dict[date, tuple[bool, bool]] = {}

    def is_workday(self, day: date) -> bool:
        """Whether people work on this day (official holidays and swapped weekends respected)."""
        return self._lookup(day)[0]

    def is_official(self, day: date) -> bool:
        """Whether the answer for this day comes from an official source, not the weekend guess."""
        return self._lookup(day)[1]

    def _lookup(self, day: date) -> tuple[bool, bool]:
        found = self._cache.get(day)
        if found is None:
            found = self._decide(day)
            self._cache[day] = found
        return found

    def _decide(self, day: date) -> tuple[bool, bool]:
        kind = self._extra.get(day)
        if kind is not None:
            return kind == "workday", True
        if day.year in self._extra_years:
            return day.weekday() < 5, True
        try:
            return chinese_calendar.is_workday(day), True
        except NotImplementedError:
            return day.weekday() < 5, False

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """The end of the Nth working day after the start's day (the start's day does not count).

        A fractional part is counted as that share of the next working day's 24 hours.
        """
        whole = int(days)
        day = start.date()
        counted = 0
        while counted < whole:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        due = datetime.combine(day, END_OF_DAY)
        rest = days - whole
        if rest > 0:
            due = self.add_working_hours(due, rest * 24)
        return due

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment when `hours` hours have passed on working days only, counting from start."""
        remaining = timedelta(hours=hours)
        moment = start
        while True:
            next_midnight = datetime.combine(moment.date() + timedelta(days=1), time(0))
            if self.is_workday(moment.date()):
                available = next_midnight - moment
                if remaining <= available:
                    return moment + remaining
                remaining -= available
            moment = next_midnight

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after start up to and including end."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count
