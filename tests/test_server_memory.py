"""Freed heap goes back to the system (glibc's malloc_trim), now and on a timer."""

from __future__ import annotations

import asyncio
import os

import pytest

from sise.server import memory


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_trim_gives_freed_heap_back_to_the_system() -> None:
    if not memory.trim():
        pytest.skip("this C library has no malloc_trim (not glibc)")
    # 100 MB of heap blocks (over pymalloc's 512 bytes, so glibc's), one in 64 kept: the freed
    # ones are holes glibc keeps until trimmed.
    blocks = [bytes(1000) for _ in range(100_000)]
    kept = blocks[::64]
    del blocks
    before = rss_mb()
    assert memory.trim()
    assert before - rss_mb() > 50, (before, rss_mb())
    assert len(kept) == 1563


def test_the_periodic_trim_runs_until_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(memory, "trim", lambda: calls.append(1) or True)

    async def main() -> None:
        task = asyncio.create_task(memory.trim_periodically(0.01))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(main(), 10))
    assert len(calls) >= 3
