"""The agency's working day: WORKING_DAYS (Monday to Friday by default) from WORKDAY_START to WORKDAY_END in its
time zone (no holiday calendar yet). What is sent outside it is judged from the start of the next working day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from workflow.config import Settings


def _is_working_day(day: dt.date, settings: Settings) -> bool:
    return str(day.isoweekday()) in settings.working_days


def counted_from(moment: dt.datetime, settings: Settings, tz: ZoneInfo) -> dt.datetime:
    """When the working clock starts for something that happened at `moment`: the moment itself during working
    hours, else the start of the next working day (the same day's start, before it)."""
    local = moment.astimezone(tz)
    day = local.date()
    start, end = settings.workday_start, settings.workday_end
    if _is_working_day(day, settings) and local.time() < start:
        return dt.datetime.combine(day, start, tzinfo=tz)
    if _is_working_day(day, settings) and local.time() <= end:
        return local
    day += dt.timedelta(days=1)
    while not _is_working_day(day, settings):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=tz)


def end_of_day(started: dt.datetime, settings: Settings) -> dt.datetime:
    """The end of the working day of a moment on the working clock (as counted_from gives it)."""
    return dt.datetime.combine(started.date(), settings.workday_end, tzinfo=started.tzinfo)
