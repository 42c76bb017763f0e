"""KRX trading calendar, 2015-01-01 .. 2027-12-31.

A day is a KRX trading day unless it is a Saturday or Sunday, a Korean public holiday (including
substitute and temporary holidays and election days), Labor Day (May 1), or the year-end closing day
(연말휴장일: Dec 31, or the last weekday before it that is not a holiday). The same days close the
equity, derivatives and NXT markets.

Public holidays come from ``data/krx_holidays.csv``, one row per holiday *including* those that fall
on a weekend, so the file can be checked line by line against the official list. Columns:

``date``
    ISO date (KST).
``name``
    Korean name, e.g. ``설날``, ``추석 대체공휴일``, ``대통령선거일``. Two holidays on one day are
    joined with ``·``.
``note``
    Provenance for the rows that need one (temporary holidays, and days other calendars disagree
    on); empty otherwise.

The year-end closing day is not in the file: it follows from the rule above.

Days that are not in the reference lists and were derived or judged:

- 2026-06-03 (local elections): election day is a statutory holiday, and KRX closes on statutory
  holidays, so it is closed although exchange_calendars 4.13.2 keeps it open.
- 2026-07-17 (제헌절): the Public Holidays Act amendment passed on 2026-01-29 made Constitution Day a
  public holiday again from 2026, so KRX closes that day.
- 2027: derived from the holiday rules (lunar dates by KST: 설날 2027-02-07, 추석 2027-09-15), with
  substitute days 02-09, 05-03 (Labor Day, a public holiday since 2026), 07-19, 08-16, 10-04, 10-11
  and 12-27. No temporary holidays are known.

CSAT (수능) days run on a schedule one hour later (see :mod:`sise.market.sessions`). In 2017 the exam
moved from 11-16 to 11-23 after the Pohang earthquake; KRX had already announced the late schedule
for 11-16 and ran it on both days. 2027-11-18 is inferred (third Thursday of November, as in
2021-2026).

Everything here is pure stdlib and works on naive ``datetime.date`` values meaning KST dates.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from importlib import resources

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "YEAR_END_CLOSING_NAME",
    "TradingCalendar",
    "csat_day",
    "default_calendar",
    "first_trading_day",
    "holidays",
    "is_csat_day",
    "is_first_trading_day_of_year",
    "is_last_trading_day_of_year",
    "is_trading_day",
    "last_trading_day",
    "next_trading_day",
    "previous_trading_day",
    "second_thursday_expiry",
    "third_monday_expiry",
    "third_tuesday_expiry",
    "trading_days",
]

FIRST_DATE = date(2015, 1, 1)
LAST_DATE = date(2027, 12, 31)
YEAR_END_CLOSING_NAME = "연말휴장일"
EXTRA_HOLIDAY_NAME = "임시휴장일"

_RANGE_TEXT = f"{FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()}"

# Exam days (one per year).
_CSAT_EXAM_DAYS: dict[int, date] = {
    2015: date(2015, 11, 12),
    2016: date(2016, 11, 17),
    2017: date(2017, 11, 23),  # postponed from 11-16 (earthquake)
    2018: date(2018, 11, 15),
    2019: date(2019, 11, 14),
    2020: date(2020, 12, 3),  # moved to December (COVID-19)
    2021: date(2021, 11, 18),
    2022: date(2022, 11, 17),
    2023: date(2023, 11, 16),
    2024: date(2024, 11, 14),
    2025: date(2025, 11, 13),
    2026: date(2026, 11, 19),
    2027: date(2027, 11, 18),  # inferred
}
# Days that ran on the CSAT schedule: the exam days plus 2017-11-16 (see module docstring).
_CSAT_SCHEDULE_DAYS: frozenset[date] = frozenset({*_CSAT_EXAM_DAYS.values(), date(2017, 11, 16)})


def _load_public_holidays() -> dict[date, str]:
    text = resources.files("sise.market").joinpath("data/krx_holidays.csv").read_text(encoding="utf-8")
    table: dict[date, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        d = date.fromisoformat(row["date"])
        if d in table:
            raise ValueError(f"krx_holidays.csv: duplicate date {d}")
        table[d] = row["name"]
    return table


_PUBLIC_HOLIDAYS: dict[date, str] = _load_public_holidays()


def covers(d: date) -> bool:
    """Whether the calendar knows ``d`` (its trading days are only defined in that range)."""
    return FIRST_DATE <= d <= LAST_DATE


def _check_date(d: date) -> None:
    if not covers(d):
        raise ValueError(f"{d.isoformat()} is outside the supported KRX calendar range {_RANGE_TEXT}")


def _check_year(year: int) -> None:
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise ValueError(f"year {year} is outside the supported KRX calendar range {_RANGE_TEXT}")


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


class TradingCalendar:
    """KRX trading days, with optional overrides.

    ``extra_holidays`` closes more days (a mapping gives them names; plain dates are named
    ``임시휴장일``); ``extra_trading_days`` opens days the table closes. Overrides take part in the
    year-end rule, so an extra holiday on Dec 30 of a year whose Dec 31 is a Sunday pushes the
    closing day to Dec 28.
    """

    def __init__(
        self,
        extra_holidays: Mapping[date, str] | Iterable[date] = (),
        extra_trading_days: Iterable[date] = (),
    ) -> None:
        if isinstance(extra_holidays, Mapping):
            extra = {d: str(name) for d, name in extra_holidays.items()}
        else:
            extra = dict.fromkeys(extra_holidays, EXTRA_HOLIDAY_NAME)
        opened = frozenset(extra_trading_days)
        for d in (*extra, *opened):
            _check_date(d)
        both = sorted(opened.intersection(extra))
        if both:
            raise ValueError(f"dates are both extra holidays and extra trading days: {both}")
        self._extra_holidays = extra
        self._extra_trading_days = opened

        named: dict[date, str] = dict(_PUBLIC_HOLIDAYS)
        for d, name in extra.items():
            named[d] = f"{named[d]}·{name}" if d in named else name
        for year in range(FIRST_DATE.year, LAST_DATE.year + 1):
            d = date(year, 12, 31)
            while d.weekday() >= 5 or d in named:
                d -= timedelta(days=1)
            named[d] = YEAR_END_CLOSING_NAME
        self._named_closures = named

        days: list[date] = []
        d = FIRST_DATE
        while d <= LAST_DATE:
            if d in opened or (d.weekday() < 5 and d not in named):
                days.append(d)
            d += timedelta(days=1)
        self._days = days
        self._day_set = frozenset(days)
        first_by_year: dict[int, date] = {}
        last_by_year: dict[int, date] = {}
        for d in days:
            first_by_year.setdefault(d.year, d)
            last_by_year[d.year] = d
        self._first_by_year = first_by_year
        self._last_by_year = last_by_year

    # -- basic queries -------------------------------------------------------------------------

    @staticmethod
    def supports(d: date) -> bool:
        """Whether ``d`` is inside the range this calendar knows."""
        return FIRST_DATE <= d <= LAST_DATE

    def is_trading_day(self, d: date) -> bool:
        _check_date(d)
        return d in self._day_set

    def next_trading_day(self, d: date) -> date:
        """The first trading day strictly after ``d``."""
        _check_date(d)
        i = bisect.bisect_right(self._days, d)
        if i == len(self._days):
            raise ValueError(f"no trading day after {d.isoformat()} within {_RANGE_TEXT}")
        return self._days[i]

    def previous_trading_day(self, d: date) -> date:
        """The last trading day strictly before ``d``."""
        _check_date(d)
        i = bisect.bisect_left(self._days, d)
        if i == 0:
            raise ValueError(f"no trading day before {d.isoformat()} within {_RANGE_TEXT}")
        return self._days[i - 1]

    def trading_days(self, start: date, end: date) -> list[date]:
        """Trading days from ``start`` to ``end``, both inclusive."""
        _check_date(start)
        _check_date(end)
        return self._days[bisect.bisect_left(self._days, start) : bisect.bisect_right(self._days, end)]

    def holidays(self, year: int, *, include_weekends: bool = False) -> list[tuple[date, str]]:
        """Named closures of ``year``, sorted.

        By default only the days that would otherwise trade (weekdays), which is what "KRX
        holidays" usually means; ``include_weekends=True`` adds public holidays on weekends.
        """
        _check_year(year)
        return [
            (d, name)
            for d, name in sorted(self._named_closures.items())
            if d.year == year and d not in self._extra_trading_days and (include_weekends or d.weekday() < 5)
        ]

    def holiday_name(self, d: date) -> str | None:
        """Name of the closure on ``d``; ``None`` for trading days and plain weekends."""
        _check_date(d)
        if d in self._extra_trading_days:
            return None
        return self._named_closures.get(d)

    # -- year boundaries -----------------------------------------------------------------------

    def first_trading_day(self, year: int) -> date:
        _check_year(year)
        return self._first_by_year[year]

    def last_trading_day(self, year: int) -> date:
        """The last trading day of ``year`` (the day before the year-end closing day)."""
        _check_year(year)
        return self._last_by_year[year]

    def is_first_trading_day_of_year(self, d: date) -> bool:
        """The first trading day of the year opens an hour late (opening ceremony)."""
        _check_date(d)
        return self._first_by_year[d.year] == d

    def is_last_trading_day_of_year(self, d: date) -> bool:
        _check_date(d)
        return self._last_by_year[d.year] == d

    # -- CSAT ----------------------------------------------------------------------------------

    @staticmethod
    def csat_day(year: int) -> date:
        """The 수능 exam day of ``year``."""
        _check_year(year)
        return _CSAT_EXAM_DAYS[year]

    def is_csat_day(self, d: date) -> bool:
        """Whether ``d`` is a trading day on the CSAT schedule (everything one hour later)."""
        _check_date(d)
        return d in _CSAT_SCHEDULE_DAYS and d in self._day_set

    # -- derivatives expiries ------------------------------------------------------------------

    def _expiry(self, year: int, month: int, weekday: int, n: int) -> date:
        _check_year(year)
        d = _nth_weekday(year, month, weekday, n)
        return d if self.is_trading_day(d) else self.previous_trading_day(d)

    def second_thursday_expiry(self, year: int, month: int) -> date:
        """Last trading day of index and stock derivatives: the 2nd Thursday, moved earlier if closed."""
        return self._expiry(year, month, 3, 2)

    def third_tuesday_expiry(self, year: int, month: int) -> date:
        """Last trading day of KTB futures: the 3rd Tuesday, moved earlier if closed."""
        return self._expiry(year, month, 1, 3)

    def third_monday_expiry(self, year: int, month: int) -> date:
        """Last trading day of USD futures and options: the 3rd Monday, moved earlier if closed."""
        return self._expiry(year, month, 0, 3)


default_calendar = TradingCalendar()


def is_trading_day(d: date) -> bool:
    return default_calendar.is_trading_day(d)


def next_trading_day(d: date) -> date:
    return default_calendar.next_trading_day(d)


def previous_trading_day(d: date) -> date:
    return default_calendar.previous_trading_day(d)


def trading_days(start: date, end: date) -> list[date]:
    return default_calendar.trading_days(start, end)


def holidays(year: int, *, include_weekends: bool = False) -> list[tuple[date, str]]:
    return default_calendar.holidays(year, include_weekends=include_weekends)


def first_trading_day(year: int) -> date:
    return default_calendar.first_trading_day(year)


def last_trading_day(year: int) -> date:
    return default_calendar.last_trading_day(year)


def is_first_trading_day_of_year(d: date) -> bool:
    return default_calendar.is_first_trading_day_of_year(d)


def is_last_trading_day_of_year(d: date) -> bool:
    return default_calendar.is_last_trading_day_of_year(d)


def csat_day(year: int) -> date:
    return TradingCalendar.csat_day(year)


def is_csat_day(d: date) -> bool:
    return default_calendar.is_csat_day(d)


def second_thursday_expiry(year: int, month: int) -> date:
    return default_calendar.second_thursday_expiry(year, month)


def third_tuesday_expiry(year: int, month: int) -> date:
    return default_calendar.third_tuesday_expiry(year, month)


def third_monday_expiry(year: int, month: int) -> date:
    return default_calendar.third_monday_expiry(year, month)
