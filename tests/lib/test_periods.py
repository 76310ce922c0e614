"""Company time (`fieldcrm.lib.periods`): Monday weeks, half-open periods, previous / last year, Beijing days."""

from datetime import UTC, date, datetime

import pytest

from fieldcrm.lib.periods import Period, local_day, next_week_start, recent_weeks, shift_years, week_start


def test_week_start_is_the_monday_of_the_week():
    assert week_start(date(2026, 12, 2)) == date(2026, 11, 30)  # a Wednesday
    assert week_start(date(2026, 11, 30)) == date(2026, 11, 30)  # a Monday is its own
    assert week_start(date(2026, 12, 6)) == date(2026, 11, 30)  # Sunday ends the week
    assert week_start(date(2027, 1, 1)) == date(2026, 12, 28)  # across the new year


def test_next_week_start_is_the_following_monday():
    assert next_week_start(date(2026, 11, 30)) == date(2026, 12, 7)
    assert next_week_start(date(2026, 12, 6)) == date(2026, 12, 7)


def test_recent_weeks_end_with_the_current_one():
    assert recent_weeks(date(2026, 12, 2), 3) == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]


def test_a_period_is_half_open():
    december = Period(date(2026, 12, 1), date(2027, 1, 1))
    assert date(2026, 12, 1) in december and date(2026, 12, 31) in december
    assert date(2027, 1, 1) not in december and date(2026, 11, 30) not in december
    assert december.days == 31 and december.last == date(2026, 12, 31)
    assert Period.month(date(2026, 12, 15)) == december
    assert Period.month(date(2028, 2, 10)) == Period(date(2028, 2, 1), date(2028, 3, 1))
    assert Period.days_to(date(2026, 12, 1), date(2026, 12, 31)) == december
    assert Period(date(2026, 12, 1), date(2026, 12, 1)).days == 0
    with pytest.raises(ValueError):
        Period(date(2026, 12, 2), date(2026, 12, 1))


def test_week_previous_and_last_year():
    week = Period.week(date(2026, 12, 2))
    assert week == Period(date(2026, 11, 30), date(2026, 12, 7))
    assert week.previous() == Period(date(2026, 11, 23), date(2026, 11, 30))
    assert week.last_year() == Period(date(2025, 11, 30), date(2025, 12, 7))
    march = Period(date(2027, 3, 1), date(2027, 4, 1))
    assert march.previous() == Period(date(2027, 1, 29), date(2027, 3, 1))  # equal length: 31 days back


def test_29_february_last_year_is_the_28th():
    assert shift_years(date(2028, 2, 29), -1) == date(2027, 2, 28)
    assert Period(date(2028, 2, 29), date(2028, 3, 1)).last_year() == Period(date(2027, 2, 28), date(2027, 3, 1))


def test_mondays_are_the_weeks_starting_in_the_period():
    assert Period(date(2026, 12, 1), date(2026, 12, 15)).mondays() == [date(2026, 12, 7), date(2026, 12, 14)]
    assert Period(date(2026, 11, 30), date(2026, 12, 7)).mondays() == [date(2026, 11, 30)]
    assert Period(date(2026, 12, 1), date(2026, 12, 7)).mondays() == []
    assert Period(date(2026, 12, 7), date(2026, 12, 7)).mondays() == []


def test_bounds_are_beijing_midnights():
    since, until = Period(date(2026, 12, 1), date(2026, 12, 2)).bounds()
    assert since == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert until == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def test_the_company_day_is_the_beijing_day():
    assert local_day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert local_day(datetime(2026, 12, 1, 15, 59, tzinfo=UTC)) == date(2026, 12, 1)
