"""Market time and date encodings, defined once for every room.

Market time is int64 nanoseconds since the Unix epoch; KST wall time is UTC+9 all year (Korea has
no daylight saving time), so the offset is a constant and seconds of the KST day are plain
integer arithmetic — vectorised for numpy arrays of times. Trading days travel as ``YYYYMMDD``
integers (history tables, vendor wire fields) or strings (instrument expiries, vendor fields).

Nothing here reads a clock: ``sise.sources.clock`` is where wall time enters.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "KST",
    "KST_OFFSET_S",
    "NS",
    "date_of_yyyymmdd",
    "hhmmss",
    "hhmmss_of_second",
    "kst_date",
    "kst_datetime",
    "kst_ns",
    "kst_second_of_day",
    "yyyymmdd",
    "yyyymmdd_array",
    "yyyymmdd_str",
]

#: Nanoseconds per second: market time's unit.
NS: Final = 1_000_000_000
KST_OFFSET_S: Final = 9 * 3600
KST: Final = timezone(timedelta(seconds=KST_OFFSET_S), "KST")
_DAY_S: Final = 86_400
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()

#: An int or an int64 array: the integer helpers work element-wise on either.
IntOrArray = TypeVar("IntOrArray", int, npt.NDArray[np.int64])


def kst_ns(d: date, t: time) -> int:
    """Nanoseconds since the epoch of KST wall time ``t`` (naive) on ``d``."""
    dt = datetime.combine(d, t, tzinfo=KST)
    return int(dt.timestamp()) * NS + t.microsecond * 1000


def kst_datetime(ns: int) -> datetime:
    """KST-aware datetime of ``ns`` (microsecond precision)."""
    return datetime.fromtimestamp(ns // NS, tz=UTC).astimezone(KST).replace(microsecond=(ns % NS) // 1000)


def kst_date(ns: int) -> date:
    """The KST calendar date of ``ns``."""
    return date.fromordinal(_EPOCH_ORDINAL + (ns // NS + KST_OFFSET_S) // _DAY_S)


def kst_second_of_day(ns: IntOrArray) -> IntOrArray:
    """Second of the KST day (0 … 86 399) of ``ns``, element-wise for arrays."""
    return (ns // NS + KST_OFFSET_S) % _DAY_S


def hhmmss(ns: IntOrArray) -> IntOrArray:
    """KST wall time of ``ns`` as the integer ``HHmmss`` (vendor time fields), element-wise."""
    return hhmmss_of_second(kst_second_of_day(ns))


def hhmmss_of_second(second_of_day: IntOrArray) -> IntOrArray:
    """A second of the day (0 … 86 399) as the integer ``HHmmss``, element-wise."""
    s = second_of_day
    return (s // 3600) * 10_000 + (s // 60 % 60) * 100 + s % 60


def yyyymmdd(d: date) -> int:
    """``d`` as the integer ``YYYYMMDD`` (the date key of every history table)."""
    return d.year * 10_000 + d.month * 100 + d.day


def yyyymmdd_str(d: date) -> str:
    """``d`` as the string ``YYYYMMDD``."""
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def yyyymmdd_array(days: Iterable[date]) -> npt.NDArray[np.int32]:
    """``YYYYMMDD`` integers of ``days`` as an int32 array (the history tables' date column)."""
    return np.array([yyyymmdd(d) for d in days], np.int32)


def date_of_yyyymmdd(v: int) -> date:
    """The date of a ``YYYYMMDD`` integer."""
    return date(v // 10_000, v // 100 % 100, v % 100)
