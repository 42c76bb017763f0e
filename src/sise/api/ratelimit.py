"""Token-bucket rate limits, shared by the vendor APIs.

One bucket per key (Kiwoom: ``(appkey, api-id)``). A bucket holds up to ``burst`` tokens, refills
at ``rate`` tokens per second and a request spends one; a refused request spends nothing. Time
comes from an injected monotonic clock so tests are exact and NTP steps cannot open or shut the
gate.

Memory stays bounded: a bucket left alone for ``burst / rate`` seconds is full again, which is
exactly the state of a bucket that does not exist, so such buckets are dropped. Buckets sit in
least-recently-used order, which makes that sweep O(1) per request. ``max_buckets`` is a hard cap
for floods of distinct keys; past it the least recently used bucket is dropped even if not full
(which can only make the limiter more lenient, never stricter).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

__all__ = ["RateLimiter"]

#: Slack for float refill arithmetic: a client that waits exactly 1/rate seconds must get through.
_EPS = 1e-9


@dataclass(slots=True)
class _Bucket:
    tokens: float
    last: float  # clock reading of the last refill


class RateLimiter:
    """Token buckets per key. ``rate=0`` switches limiting off (every request passes)."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 100_000,
    ) -> None:
        if not (rate >= 0 and math.isfinite(rate)):
            raise ValueError(f"rate must be requests per second (0 = off), got {rate!r}")
        if burst is not None and not (burst >= 1 and math.isfinite(burst)):
            raise ValueError(f"burst must be at least 1 request, got {burst!r}")
        if max_buckets < 1:
            raise ValueError(f"max_buckets must be at least 1, got {max_buckets!r}")
        self.rate = rate
        # The default burst is one second's worth, but at least one request (for rates below 1/s).
        self.burst: float | None = None if rate == 0 else (burst if burst is not None else max(rate, 1.0))
        self.max_buckets = max_buckets
        self._clock = clock
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def acquire(self, key: Hashable) -> bool:
        """Spend one token of ``key``'s bucket; ``False`` (and nothing spent) when it is empty."""
        if self.burst is None:
            return True
        now = self._clock()
        self._evict(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + max(0.0, now - bucket.last) * self.rate)
            bucket.last = now
        if bucket.tokens >= 1.0 - _EPS:
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
            return True
        return False

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may send again (0 when it may now)."""
        if self.burst is None:
            return 0.0
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = min(self.burst, bucket.tokens + max(0.0, self._clock() - bucket.last) * self.rate)
        return max(0.0, (1.0 - tokens) / self.rate)

    def _evict(self, now: float) -> None:
        assert self.burst is not None
        idle = self.burst / self.rate
        buckets = self._buckets
        while buckets:
            oldest = next(iter(buckets.values()))
            if now - oldest.last < idle:
                break
            buckets.popitem(last=False)
