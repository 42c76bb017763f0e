"""KRX trading calendar: holiday sets, year-end rule, CSAT days, overrides, expiries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sise.market import calendar as cal
from sise.market.calendar import TradingCalendar


def _weekday_holidays(year: int) -> list[str]:
    return [d.strftime("%m-%d") for d, _ in cal.holidays(year)]


def test_2024_holidays_match_the_reference_including_armed_forces_day() -> None:
    assert _weekday_holidays(2024) == [
        "01-01", "02-09", "02-12", "03-01", "04-10", "05-01", "05-06", "05-15", "06-06",
        "08-15", "09-16", "09-17", "09-18", "10-01", "10-03", "10-09", "12-25", "12-31",
    ]  # fmt: skip


def test_2025_holidays_match_the_reference() -> None:
    assert _weekday_holidays(2025) == [
        "01-01", "01-27", "01-28", "01-29", "01-30", "03-03", "05-01", "05-05", "05-06", "06-03",
        "06-06", "08-15", "10-03", "10-06", "10-07", "10-08", "10-09", "12-25", "12-31",
    ]  # fmt: skip


def test_2026_holidays_are_the_reference_set_plus_local_election_and_constitution_day() -> None:
    reference = [
        "01-01", "02-16", "02-17", "02-18", "03-02", "05-01", "05-05", "05-25",
        "08-17", "09-24", "09-25", "10-05", "10-09", "12-25", "12-31",
    ]  # fmt: skip
    # 06-03: local elections (statutory holiday). 07-17: 제헌절, a public holiday again from 2026.
    assert _weekday_holidays(2026) == sorted([*reference, "06-03", "07-17"])


def test_2027_holidays_follow_the_public_holiday_rules() -> None:
    assert _weekday_holidays(2027) == [
        "01-01", "02-08", "02-09", "03-01", "05-03", "05-05", "05-13", "07-19",
        "08-16", "09-14", "09-15", "09-16", "10-04", "10-11", "12-27", "12-31",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "d",
    [date(2024, 10, 1), date(2025, 1, 27), date(2025, 6, 3), date(2026, 6, 3), date(2017, 10, 2)],
)
def test_holidays_other_libraries_miss_are_closed(d: date) -> None:
    assert not cal.is_trading_day(d)


def test_holidays_carry_korean_names() -> None:
    names = dict(cal.holidays(2025))
    assert names[date(2025, 1, 29)] == "설날"
    assert names[date(2025, 1, 27)] == "임시공휴일"
    assert names[date(2025, 5, 5)] == "부처님오신날·어린이날"
    assert names[date(2025, 6, 3)] == "대통령선거일"
    assert names[date(2025, 10, 8)] == "추석 대체공휴일"
    assert names[date(2025, 12, 31)] == cal.YEAR_END_CLOSING_NAME == "연말휴장일"
    assert dict(cal.holidays(2026))[date(2026, 5, 1)] == "노동절"
    assert dict(cal.holidays(2024))[date(2024, 5, 1)] == "근로자의 날"


def test_weekend_holidays_are_listed_only_on_request() -> None:
    assert date(2026, 3, 1) not in dict(cal.holidays(2026))
    assert dict(cal.holidays(2026, include_weekends=True))[date(2026, 3, 1)] == "삼일절"


@pytest.mark.parametrize(
    ("year", "closing_day"),
    [
        (2021, date(2021, 12, 31)),  # Friday
        (2022, date(2022, 12, 30)),  # Dec 31 is a Saturday
        (2023, date(2023, 12, 29)),  # Dec 31 is a Sunday
        (2024, date(2024, 12, 31)),
        (2025, date(2025, 12, 31)),
        (2026, date(2026, 12, 31)),
    ],
)
def test_year_end_closing_day_is_dec_31_or_the_last_weekday_before(year: int, closing_day: date) -> None:
    assert not cal.is_trading_day(closing_day)
    assert dict(cal.holidays(year))[closing_day] == "연말휴장일"
    assert cal.last_trading_day(year) == cal.previous_trading_day(closing_day)


def test_last_trading_days_of_year() -> None:
    assert cal.last_trading_day(2022) == date(2022, 12, 29)
    assert cal.last_trading_day(2025) == date(2025, 12, 30)
    assert cal.is_last_trading_day_of_year(date(2024, 12, 30))


@pytest.mark.parametrize(
    ("year", "count"),
    [(2019, 246), (2022, 246), (2023, 245), (2024, 244), (2025, 242), (2026, 244), (2027, 245)],
)
def test_trading_day_counts_per_year(year: int, count: int) -> None:
    assert len(cal.trading_days(date(year, 1, 1), date(year, 12, 31))) == count


def test_first_trading_days() -> None:
    assert cal.first_trading_day(2025) == date(2025, 1, 2)
    assert cal.first_trading_day(2026) == date(2026, 1, 2)
    assert cal.first_trading_day(2022) == date(2022, 1, 3)  # Jan 1 is a Saturday
    assert cal.first_trading_day(2027) == date(2027, 1, 4)
    assert cal.is_first_trading_day_of_year(date(2025, 1, 2))
    assert not cal.is_first_trading_day_of_year(date(2025, 1, 3))


def test_next_and_previous_skip_weekends_and_holidays() -> None:
    assert cal.next_trading_day(date(2025, 1, 24)) == date(2025, 1, 31)  # 설날 + temporary holiday
    assert cal.previous_trading_day(date(2025, 1, 31)) == date(2025, 1, 24)
    assert cal.next_trading_day(date(2025, 10, 2)) == date(2025, 10, 10)  # Chuseok week
    assert cal.next_trading_day(date(2025, 12, 30)) == date(2026, 1, 2)
    # From a closed day the neighbours are still strict.
    assert cal.next_trading_day(date(2025, 6, 3)) == date(2025, 6, 4)
    assert cal.previous_trading_day(date(2025, 6, 3)) == date(2025, 6, 2)


def test_trading_days_range_is_inclusive() -> None:
    assert cal.trading_days(date(2025, 6, 2), date(2025, 6, 9)) == [
        date(2025, 6, 2),
        date(2025, 6, 4),
        date(2025, 6, 5),
        date(2025, 6, 9),
    ]
    assert cal.trading_days(date(2025, 6, 7), date(2025, 6, 8)) == []


def test_every_trading_day_is_a_weekday_and_not_a_named_holiday() -> None:
    days = cal.trading_days(cal.FIRST_DATE, cal.LAST_DATE)
    closed = {d for y in range(2015, 2028) for d, _ in cal.holidays(y)}
    assert all(d.weekday() < 5 for d in days)
    assert not closed.intersection(days)
    weekdays = sum(
        1
        for i in range((cal.LAST_DATE - cal.FIRST_DATE).days + 1)
        if (cal.FIRST_DATE + timedelta(i)).weekday() < 5
    )
    assert len(days) + len(closed) == weekdays


@pytest.mark.parametrize("d", [date(2014, 12, 31), date(2028, 1, 3)])
def test_dates_outside_the_range_raise_with_the_range_in_the_message(d: date) -> None:
    with pytest.raises(ValueError, match=r"2015-01-01\.\.2027-12-31"):
        cal.is_trading_day(d)


def test_neighbours_past_the_range_raise() -> None:
    with pytest.raises(ValueError, match="2027-12-31"):
        cal.next_trading_day(date(2027, 12, 30))
    with pytest.raises(ValueError, match="2015-01-01"):
        cal.previous_trading_day(date(2015, 1, 2))
    with pytest.raises(ValueError, match="2015-01-01"):
        cal.holidays(2014)


@pytest.mark.parametrize(
    "d",
    [
        date(2020, 12, 3),
        date(2021, 11, 18),
        date(2022, 11, 17),
        date(2023, 11, 16),
        date(2024, 11, 14),
        date(2025, 11, 13),
        date(2026, 11, 19),
        date(2027, 11, 18),
        date(2017, 11, 16),  # exam postponed overnight; the late schedule still ran
        date(2017, 11, 23),
    ],
)
def test_csat_days(d: date) -> None:
    assert cal.is_csat_day(d)


def test_csat_exam_day_and_non_csat_thursday() -> None:
    assert cal.csat_day(2017) == date(2017, 11, 23)
    assert cal.csat_day(2025) == date(2025, 11, 13)
    assert not cal.is_csat_day(date(2025, 11, 20))


def test_overrides_close_and_open_days_and_feed_the_year_end_rule() -> None:
    c = TradingCalendar(
        extra_holidays={date(2025, 7, 1): "시스템 점검"},
        extra_trading_days=[date(2025, 12, 31)],
    )
    assert not c.is_trading_day(date(2025, 7, 1))
    assert dict(c.holidays(2025))[date(2025, 7, 1)] == "시스템 점검"
    assert c.is_trading_day(date(2025, 12, 31))
    assert date(2025, 12, 31) not in dict(c.holidays(2025))
    # Dec 31 2023 is a Sunday: closing Dec 29 as well pushes the year-end closing day to Dec 28.
    c2 = TradingCalendar(extra_holidays=[date(2023, 12, 29)])
    assert dict(c2.holidays(2023))[date(2023, 12, 29)] == "임시휴장일"
    assert dict(c2.holidays(2023))[date(2023, 12, 28)] == "연말휴장일"
    # The default calendar is untouched.
    assert cal.is_trading_day(date(2025, 7, 1))


def test_overrides_must_not_conflict_or_leave_the_range() -> None:
    with pytest.raises(ValueError, match="both"):
        TradingCalendar(extra_holidays=[date(2025, 7, 1)], extra_trading_days=[date(2025, 7, 1)])
    with pytest.raises(ValueError, match="outside"):
        TradingCalendar(extra_holidays=[date(2030, 7, 1)])


def test_second_thursday_expiry_moves_earlier_over_holidays() -> None:
    assert cal.second_thursday_expiry(2025, 6) == date(2025, 6, 12)
    # 2025-10-09 is 한글날 and the days before are Chuseok: the expiry moves to Oct 2.
    assert cal.second_thursday_expiry(2025, 10) == date(2025, 10, 2)
    # 2024-02-08 trades (the Lunar New Year break starts on the 9th).
    assert cal.second_thursday_expiry(2024, 2) == date(2024, 2, 8)


def test_third_tuesday_and_third_monday_expiries() -> None:
    assert cal.third_tuesday_expiry(2025, 3) == date(2025, 3, 18)
    assert cal.third_monday_expiry(2025, 3) == date(2025, 3, 17)
    # 2024-09-16 (3rd Monday) and 09-17 (3rd Tuesday) are Chuseok: both move to Sept 13.
    assert cal.third_monday_expiry(2024, 9) == date(2024, 9, 13)
    assert cal.third_tuesday_expiry(2024, 9) == date(2024, 9, 13)
    with pytest.raises(ValueError, match="month"):
        cal.third_monday_expiry(2024, 13)
