"""China's working days: public holidays off, make-up working days (调休) on, from the
well-kept `chinese_calendar` library; shared by the ratings' follow-up due dates and the
helpdesk's office hours."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_working_day(day: date) -> bool:
    """China's working days (public holidays off, make-up Saturdays and Sundays on); outside the
    years chinese-calendar knows, Monday to Friday."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself not counted)."""
    day, left = start, max(0, days)
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
