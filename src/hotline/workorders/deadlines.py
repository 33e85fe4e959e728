"""Deadlines from SLA rules and the working-day calendar (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.calendar import WorkCalendar


@dataclass(frozen=True)
class SlaSpec:
    """One SLA rule; empty match fields match anything."""

    name: str
    sign_hours: float
    finish_value: float
    finish_unit: str  # "hours" (clock hours) or "working_days"
    category: str | None = None
    urgency: str | None = None
    request_type: str | None = None
    priority: int = 0

    def matches(self, category: str | None, category_l1: str | None, urgency: str, request_type: str) -> bool:
        """Whether this rule applies to an order with these attributes."""
        if self.category and self.category not in (category, category_l1):
            return False
        if self.urgency and self.urgency != urgency:
            return False
        return not (self.request_type and self.request_type != request_type)


DEFAULT_SLA = SlaSpec("default", sign_hours=24, finish_value=7, finish_unit="working_days")


def select_rule(
    rules: list[SlaSpec], category: str | None, category_l1: str | None, urgency: str, request_type: str
) -> SlaSpec:
    """The matching rule with the highest priority (ties: the more specific one), else the default."""
    matching = [r for r in rules if r.matches(category, category_l1, urgency, request_type)]
    if not matching:
        return DEFAULT_SLA

    def rank(rule: SlaSpec) -> tuple[int, int]:
        specificity = sum(bool(x) for x in (rule.category, rule.urgency, rule.request_type))
        return rule.priority, specificity

    return max(matching, key=rank)


@dataclass(frozen=True)
class SlaDeadlines:
    """The lifecycle's DeadlinePolicy for one order: its rule on the city's calendar."""

    rule: SlaSpec
    calendar: WorkCalendar

    def on_dispatch(self, at: datetime) -> tuple[datetime, datetime]:
        """Clock hours for rules counted in hours (emergencies do not wait for Monday), else working time."""
        if self.rule.finish_unit == "hours":
            sign_due = at + timedelta(hours=self.rule.sign_hours)
            finish_due = at + timedelta(hours=self.rule.finish_value)
        else:
            sign_due = self.calendar.add_working_hours(at, self.rule.sign_hours)
            finish_due = self.calendar.add_working_days(at, self.rule.finish_value)
        return min(sign_due, finish_due), finish_due

    def extend(self, finish_due_at: datetime, days: int) -> datetime:
        """Moves the finish-by deadline by whole working days."""
        return self.calendar.add_working_days(finish_due_at, days)
