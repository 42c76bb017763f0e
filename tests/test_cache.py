"""The versioned answer cache shared by the vendor apps."""

from __future__ import annotations

from collections.abc import Hashable

import pytest

from sise.api.cache import VersionedCache


class Clock:
    t = 0.0

    def __call__(self) -> float:
        return self.t


def size(key: Hashable, value: bytes) -> int:
    return len(value)


def test_one_build_per_version_and_key() -> None:
    clock = Clock()
    cache: VersionedCache[bytes] = VersionedCache(size, clock=clock)
    built: list[str] = []

    def build(v: str) -> bytes:
        built.append(v)
        return v.encode()

    assert cache.get_or_build(1, "a", lambda: build("a1")) == b"a1"
    assert cache.get_or_build(1, "a", lambda: build("again")) == b"a1"
    assert cache.get_or_build(2, "a", lambda: build("a2")) == b"a2"  # the market moved
    clock.t = 61
    assert cache.get_or_build(2, "a", lambda: build("a3")) == b"a3"  # and answers age out
    assert built == ["a1", "a2", "a3"] and cache.bytes == 2


def test_a_failing_build_stores_nothing() -> None:
    cache: VersionedCache[bytes] = VersionedCache(size)
    with pytest.raises(ValueError):
        cache.get_or_build(1, "k", lambda: (_ for _ in ()).throw(ValueError("refused")))
    assert len(cache) == 0


def test_bounded_by_entries_and_bytes() -> None:
    cache: VersionedCache[bytes] = VersionedCache(size, max_entries=10, max_bytes=100)
    for i in range(50):
        cache.get_or_build(1, i, lambda: b"x" * 30)
    assert len(cache) == 3 and cache.bytes == 90
    for i in range(50):
        cache.get_or_build(1, ("small", i), lambda: b"x")
    assert len(cache) == 10 and cache.bytes == 10
