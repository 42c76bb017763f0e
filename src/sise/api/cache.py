"""Answers cached per engine state, shared by the vendor apps.

The same request against the same engine state has the same answer, and at 1× the state changes
about once a second while clients may ask hundreds of times: build each answer once per state.
The cache is emptied whenever ``engine.version`` moves, entries also expire after ``ttl_s`` of wall
time, and it is bounded by entry count and by bytes (keys may carry raw request bodies).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["VersionedCache"]

V = TypeVar("V")


class VersionedCache(Generic[V]):
    """``get_or_build(version, key, build)``; ``size(key, value)`` estimates an entry's bytes."""

    def __init__(
        self,
        size: Callable[[Hashable, V], int],
        *,
        ttl_s: float = 60.0,
        max_entries: int = 4096,
        max_bytes: int = 64 << 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._size = size
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._bytes = 0
        self._version: object = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, version: object, key: Hashable) -> V | None:
        """The live value of ``key`` at ``version``, else ``None`` (a new version empties the
        cache). The hot path: no closure to build, one clock read."""
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version
            return None
        hit = self._entries.get(key)
        if hit is not None and self._clock() - hit[0] < self.ttl_s:
            return hit[1]
        return None

    def put(self, key: Hashable, value: V) -> V:
        """Store ``value`` under ``key`` for the version of the last ``get``; returns it."""
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= self._size(key, old[1])
        self._entries[key] = (self._clock(), value)
        self._bytes += self._size(key, value)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._bytes -= self._size(oldest, self._entries.pop(oldest)[1])
        return value

    def get_or_build(self, version: object, key: Hashable, build: Callable[[], V]) -> V:
        """The cached value of ``key`` at ``version``, or ``build()`` stored under it. A ``build``
        that raises stores nothing, so refusals are recomputed (and refused) every time."""
        hit = self.get(version, key)
        return hit if hit is not None else self.put(key, build())
