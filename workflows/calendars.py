"""The rest-day calendars legal deadlines count with, built from a kept holiday library.

`china()`: the public holidays of the People's Republic of China and the weekend days the State
Council makes working days in exchange, from `chinese-calendar` (the State Council's yearly
notices, as the library's maintainers transcribe them). Its years are the library's: a deadline in
a later year is not guessed (`domain.deadlines.UnknownYear`); a newer library version covers it.
The data is read once per process; `source` names the library version, so a deadline can say
which data moved it.
"""

from __future__ import annotations

from functools import cache

import chinese_calendar

from domain.deadlines import RestDays


@cache
def china() -> RestDays:
    holidays = frozenset(chinese_calendar.holidays)
    years = [d.year for d in holidays]
    version = getattr(chinese_calendar, "__version__", "unknown")
    return RestDays(jurisdiction="CN", first_year=min(years), last_year=max(years), holidays=holidays,
                    working_weekends=frozenset(d for d in chinese_calendar.workdays if d.weekday() >= 5),
                    source=f"chinese-calendar {version}")


__all__ = ["china"]
