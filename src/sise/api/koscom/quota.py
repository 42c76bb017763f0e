"""Koscom's daily quota per API key (koscom.md §1.6).

시세 services allow 50,000 calls a day per key, counted by the gateway and reset at 00:00 GMT;
every answer carries ``X-RateLimit-Limit-Day`` and ``X-RateLimit-Remaining-Day``. The day is
wall time (like Kiwoom's rate limits), never market time: a simulated day at ×100 must not
refill a quota every fifteen minutes. Counters of past days are dropped as keys come back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

__all__ = ["DEFAULT_DAILY_QUOTA", "DailyQuota"]

DEFAULT_DAILY_QUOTA: Final = 50_000
_DAY_S: Final = 86_400


class DailyQuota:
    """Calls per key per UTC day. ``limit`` 0 switches counting off (headers still sent)."""

    def __init__(self, limit: int = DEFAULT_DAILY_QUOTA, *, wall: Callable[[], float] = time.time) -> None:
        if limit < 0:
            raise ValueError("the daily quota is a count of calls, 0 for none")
        self.limit = limit
        self._wall = wall
        self._used: dict[str, tuple[int, int]] = {}  # key -> (UTC day number, calls)

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def take(self, key: str) -> int | None:
        """Count one call of ``key``; the calls it has left today, or ``None`` when it has none
        (the call is refused and not counted)."""
        if not self.enabled:
            return DEFAULT_DAILY_QUOTA
        day = int(self._wall() // _DAY_S)
        seen, used = self._used.get(key, (day, 0))
        if seen != day:
            used = 0
        if used >= self.limit:
            self._used[key] = (day, used)
            return None
        self._used[key] = (day, used + 1)
        return self.limit - used - 1

    def headers(self, remaining: int) -> tuple[tuple[str, str], ...]:
        limit = self.limit if self.enabled else DEFAULT_DAILY_QUOTA
        return (("X-RateLimit-Limit-Day", str(limit)), ("X-RateLimit-Remaining-Day", str(remaining)))
