"""Market time: int64 nanoseconds since the Unix epoch; KST wall time is UTC+9 (no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

NS = 1_000_000_000
KST = timezone(timedelta(hours=9), "KST")
KST_OFFSET_S = 9 * 3600


def kst_ns(d: date, t: time) -> int:
    """Nanoseconds since the epoch of KST wall time ``t`` on ``d``."""
    dt = datetime.combine(d, t, tzinfo=KST)
    return int(dt.timestamp()) * NS + t.microsecond * 1000


def kst_datetime(ns: int) -> datetime:
    """KST-aware datetime of ``ns`` (microsecond precision)."""
    return datetime.fromtimestamp(ns // NS, tz=UTC).astimezone(KST).replace(microsecond=(ns % NS) // 1000)


def kst_second_of_day(ns: int) -> int:
    """Second of the KST day of ``ns``."""
    return (ns // NS + KST_OFFSET_S) % 86_400


def kst_date(ns: int) -> date:
    return kst_datetime(ns).date()
