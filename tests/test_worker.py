"""The simulator's worker process: the batches it makes are the ones the thread would make."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import date
from datetime import time as dtime
from pathlib import Path

import pytest

from sise.engine.batches import Batch
from sise.server import worker
from sise.server.runtime import Market, Settings
from sise.server.worker import Cancelled, SimWorker

DAY = date(2026, 11, 20)
#: A run's batches (digest, end time) and the engine's digest after them.
Taken = tuple[list[tuple[bytes, int | None]], str]
BATCHES = 40


def live(worker: bool) -> Market:
    m = Market(Settings(day=DAY, start=dtime(9, 5), history_years=0, scale=0.05, worker=worker))
    m.catch_up()
    return m


def digest(batch: Batch) -> bytes:
    h = hashlib.sha256(str(batch.end_time).encode())
    for a in (batch.trades, batch.books, batch.statuses):
        h.update(a.tobytes())
    return h.digest()


def wait_ready(w: SimWorker) -> None:
    deadline = time.monotonic() + 30
    while not w._ready.is_set():
        assert time.monotonic() < deadline, "the worker process did not start"
        time.sleep(0.01)


def take(
    m: Market, n: int, *, kill_at: int | None = None, how: signal.Signals = signal.SIGKILL
) -> list[tuple[bytes, int | None]]:
    """The next ``n`` live batches (digest, end time), applied as the server applies them."""
    out = []
    for i in range(n):
        if i == 2 and m._worker is not None:
            wait_ready(m._worker)  # from here on the worker makes them
        if i == kill_at:
            assert m._worker is not None and m._worker.pid is not None
            os.kill(m._worker.pid, how)
        batch = m._next_batch()
        assert batch is not None
        out.append((digest(batch), batch.end_time))
        m.engine.apply(batch)
        m._applied(batch)
    return out


@pytest.fixture(scope="module")
def by_thread() -> Taken:
    m = live(worker=False)
    try:
        return take(m, BATCHES), m.engine.digest()
    finally:
        m.close()


def test_the_worker_makes_the_batches_the_thread_makes(
    by_thread: Taken,
) -> None:
    m = live(worker=True)
    try:
        got = take(m, BATCHES)
        assert m._worker is not None and not m._worker.dead  # they did come from the worker
        assert got == by_thread[0]
        assert m.engine.digest() == by_thread[1]
        # The server's simulator stands where the worker's stood after the last batch handed on
        # (what a journal snapshot taken then records), not where the worker is now.
        producer = m._producer
        assert producer is not None and m.sim is not None
        m._stop_producer()
        last = got[-1][1]
        while not producer._queue.empty():
            ahead = producer._queue.get()
            last = ahead.end_time if ahead is not None else last
        assert m.sim.cursor_ns == last
    finally:
        m.close()


def test_a_killed_worker_is_replaced_by_the_thread_without_a_gap(
    by_thread: Taken,
) -> None:
    m = live(worker=True)
    try:
        got = take(m, BATCHES, kill_at=BATCHES // 2)
        assert m._worker is not None and m._worker.dead
        assert got == by_thread[0]
        assert m.engine.digest() == by_thread[1]
    finally:
        m.close()


def test_a_hung_worker_is_stopped_and_replaced_by_the_thread(
    by_thread: Taken, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "STALL_S", 0.5)
    m = live(worker=True)
    try:
        got = take(m, BATCHES, kill_at=BATCHES // 2, how=signal.SIGSTOP)
        assert m._worker is not None and m._worker.dead
        assert got == by_thread[0]
        assert m.engine.digest() == by_thread[1]
    finally:
        m.close()


def test_cancel_wakes_the_receiver_and_close_ends_the_process() -> None:
    m = live(worker=True)
    try:
        take(m, 3)
        w = m._worker
        assert w is not None and w._process is not None
        sim = m.sim
        assert sim is not None
        sim.offload = None
        w.accept()
        rest = w.offload(sim)
        assert rest is not None
        next(rest)
        w.cancel()
        with pytest.raises(Cancelled):
            for _ in range(10):  # at most the batches already sent, then the cancellation
                next(rest)
        assert w.offload(sim) is None  # no run until accepted again
    finally:
        m.close()
    assert w._process.poll() is not None  # ended, and waited for


def test_the_worker_ends_when_the_server_is_killed() -> None:
    """A server killed with -9 leaves its worker nothing but a closed pipe: it must not outlive it."""
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_SERVER], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    ) as server:
        assert server.stdout is not None
        worker = int(server.stdout.readline())
        server.kill()
    deadline = time.monotonic() + 10
    while _state(worker) not in ("Z", "gone"):
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.02)


#: A server in miniature: a worker, started and ready, then nothing (it is killed).
_KILLED_SERVER = """
import sys, time
from sise.server.worker import SimWorker
w = SimWorker()
while not w._ready.is_set():
    time.sleep(0.01)
print(w.pid, flush=True)
time.sleep(60)
"""


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
