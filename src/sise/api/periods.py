"""Daily rows rolled up into weeks, months and years — one rule for every vendor view.

Weeks run Monday to Sunday, months and years are calendar ones. ``period_keys`` tells, for each
``YYYYMMDD`` date, which period it falls in, and ``period_runs`` finds the runs of consecutive
rows of one period (rows are in date order). How a period row is *labelled* is the vendor's:
Kiwoom dates it by the period's first trading day (its examples' week ``20241118``, month
``20241101``), Koscom by the period's last business day (koscom.md §3) — see ``last_business_day``.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from sise.market import calendar
from sise.market.timeutil import date_of_yyyymmdd, yyyymmdd

__all__ = ["Period", "koscom_label", "last_business_day", "period_keys", "period_runs"]

I64 = npt.NDArray[np.int64]


class Period(StrEnum):
    """A roll-up period, by Koscom's ``trnsmCycleTpCd`` letter."""

    DAY = "D"
    WEEK = "W"
    MONTH = "M"
    YEAR = "Y"


def period_keys(dates: npt.ArrayLike, period: Period) -> I64:
    """Per ``YYYYMMDD``: the date itself (D), the days since the epoch of its Monday (W), its
    ``YYYYMM`` (M) or its year (Y)."""
    v = np.asarray(dates, np.int64)
    y, m, d = v // 10_000, v // 100 % 100, v % 100
    if period is Period.DAY:
        return v
    if period is Period.YEAR:
        return np.asarray(y, np.int64)
    if period is Period.MONTH:
        return np.asarray(y * 100 + m, np.int64)
    days = (
        (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1).astype("timedelta64[M]")
    ).astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")
    n = days.astype(np.int64)
    return np.asarray(n - (n + 3) % 7, np.int64)  # 1970-01-01 was a Thursday


def period_runs(keys: I64) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """First and last row of each run of equal keys (rows in date order)."""
    if not len(keys):
        empty = np.zeros(0, np.intp)
        return empty, empty
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    ends = np.append(starts[1:], len(keys)) - 1
    return starts, ends


def last_business_day(d: date, period: Period) -> date | None:
    """The last trading day of ``d``'s week or month by the KRX calendar; None where the
    calendar does not reach."""
    if period is Period.DAY:
        return d
    if period is Period.WEEK:
        first, last = d - timedelta(days=d.weekday()), d + timedelta(days=6 - d.weekday())
    else:
        first = d.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if not (calendar.covers(first) and calendar.covers(last)):
        return None
    days = calendar.trading_days(first, last)
    return days[-1] if days else None


def koscom_label(last_row: int, period: Period, today: date) -> int:
    """Koscom's date of a period row whose newest day is ``last_row``: the period's last business
    day (koscom.md §3); while the period is still running (that day is today or later) the newest
    row's own date, so a label never lies in the future (inferred)."""
    if period is Period.DAY:
        return last_row
    end = last_business_day(date_of_yyyymmdd(last_row), period)
    if end is None or end >= today:
        return last_row
    return yyyymmdd(end)
