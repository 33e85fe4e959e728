"""Working days and deadline arithmetic on the official calendar."""

from datetime import date, datetime

from hotline.calendar import WorkCalendar


def test_national_day_week_is_off_and_swapped_saturday_is_worked():
    cal = WorkCalendar()
    assert not cal.is_workday(date(2023, 10, 2))  # National Day holiday, a Monday
    assert cal.is_workday(date(2023, 10, 7))  # a Saturday worked in exchange
    assert cal.is_official(date(2023, 10, 7))


def test_three_working_days_skip_the_weekend():
    cal = WorkCalendar()
    # Thursday 2024-03-07 + 3 working days = Fri, Mon, Tue -> end of Tuesday 2024-03-12.
    assert cal.add_working_days(datetime(2024, 3, 7, 10, 0), 3) == datetime(2024, 3, 12, 23, 59, 59)


def test_working_hours_pause_over_a_holiday():
    cal = WorkCalendar()
    # Friday 2023-09-28 is a working day; 29 Sep - 6 Oct are off; 7 Oct (Saturday) is worked.
    due = cal.add_working_hours(datetime(2023, 9, 28, 20, 0), 24)
    assert due == datetime(2023, 10, 7, 20, 0)


def test_unknown_year_falls_back_to_weekends_and_says_so():
    cal = WorkCalendar()
    assert cal.is_workday(date(2027, 3, 1))  # a Monday
    assert not cal.is_workday(date(2027, 3, 6))  # a Saturday
    assert not cal.is_official(date(2027, 3, 1))


def test_city_loaded_days_override_the_fallback():
    cal = WorkCalendar({date(2027, 1, 1): "holiday", date(2027, 2, 20): "workday"})
    assert not cal.is_workday(date(2027, 1, 1))  # a Friday declared a holiday
    assert cal.is_workday(date(2027, 2, 20))  # a Saturday declared a working day
    assert cal.is_official(date(2027, 6, 1))
    # Late-2026 deadlines run into 2027 without error.
    assert cal.add_working_days(datetime(2026, 12, 30, 9, 0), 3) == datetime(2027, 1, 5, 23, 59, 59)
