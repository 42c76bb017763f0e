"""Market time and date encodings (sise.market.timeutil)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np

from sise.market.timeutil import (
    KST,
    NS,
    date_of_yyyymmdd,
    hhmmss,
    hhmmss_of_second,
    kst_date,
    kst_datetime,
    kst_ns,
    kst_second_of_day,
    yyyymmdd,
    yyyymmdd_array,
    yyyymmdd_str,
)

OPEN = kst_ns(date(2026, 11, 20), time(9, 0))


def test_kst_is_nine_hours_ahead_of_utc() -> None:
    assert int(datetime(2026, 11, 20, 0, 0, tzinfo=UTC).timestamp()) * NS == OPEN
    assert kst_ns(date(2026, 11, 20), time(9, 0, 0, 250_000)) == OPEN + 250_000_000
    assert kst_datetime(OPEN + 1_500) == datetime(2026, 11, 20, 9, 0, 0, 1, tzinfo=KST)


def test_the_kst_date_turns_at_kst_midnight() -> None:
    midnight = kst_ns(date(2026, 11, 21), time(0, 0))
    assert kst_date(midnight - 1) == date(2026, 11, 20)
    assert kst_date(midnight) == date(2026, 11, 21)
    # Before the epoch the floor division still lands on the right day.
    early = kst_ns(date(1969, 12, 31), time(23, 59))
    assert kst_date(early) == kst_datetime(early).date() == date(1969, 12, 31)


def test_seconds_of_the_day_and_hhmmss_for_scalars_and_arrays() -> None:
    t = OPEN + (6 * 3600 + 30 * 60 + 5) * NS  # 15:30:05
    assert kst_second_of_day(t) == 15 * 3600 + 30 * 60 + 5
    assert hhmmss(t) == 153005
    times = np.array([OPEN, t, OPEN - NS], np.int64)
    assert kst_second_of_day(times).tolist() == [9 * 3600, 55_805, 9 * 3600 - 1]
    assert hhmmss(times).tolist() == [90000, 153005, 85959]
    assert hhmmss_of_second(np.array([0, 59, 3600, 86_399])).tolist() == [0, 59, 10000, 235959]


def test_yyyymmdd_round_trips() -> None:
    d = date(2026, 1, 2)
    assert yyyymmdd(d) == 20260102
    assert yyyymmdd_str(d) == "20260102"
    assert date_of_yyyymmdd(20260102) == d
    arr = yyyymmdd_array([d, date(2025, 12, 30)])
    assert arr.dtype == np.int32
    assert arr.tolist() == [20260102, 20251230]
