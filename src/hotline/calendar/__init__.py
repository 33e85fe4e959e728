"""Official working days and deadline arithmetic (pure: no web or storage imports)."""

from hotline.calendar.workdays import WorkCalendar

__all__ = ["WorkCalendar"]
