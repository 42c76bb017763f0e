"""The composition root: one market (universe, history, engine, simulator, clock) and its loop.

``Market`` builds everything from ``Settings`` and keeps the engine in step with the clock: a
batch is applied only once market time has passed its end, so the APIs never see the future.
At start-up the day is caught up to the clock in large steps; live, each batch covers about a
quarter of a second of wall time (one second of market time at 1×), so a live server spends its
time serving rather than simulating.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sise.engine.batches import Batch
from sise.engine.engine import Engine
from sise.market.calendar import next_trading_day, previous_trading_day
from sise.market.timeutil import NS
from sise.market.universe import Universe, build_universe, load_universe_csv
from sise.sources.clock import Clock
from sise.sources.day import OpenedDay, build_market, open_day
from sise.sources.futures_history import backfill_futures
from sise.sources.history import backfill
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.store.base import HistoryStore
from sise.store.daily import record_day
from sise.store.memory import MemoryStore

log = logging.getLogger("sise.market")

#: Market seconds per batch while catching up to the clock.
CATCH_UP_STEP_S = 60
#: Wall seconds per batch when live (market step = this × speed, at least 1 s).
LIVE_WALL_STEP_S = 0.25

#: Where a day's batches come from, asked each time a day opens with the market and the day just
#: opened on its engine. The default is the day's simulator; ``sise.server.recorder`` writes them
#: down as they pass, ``sise.server.replay`` reads them from a recording instead.
DaySource = Callable[["Market", OpenedDay], Iterator[Batch]]


def simulated(market: Market, opened: OpenedDay) -> Iterator[Batch]:
    """The default source: the opened day's simulator."""
    return opened.simulator.batches()


@dataclass(frozen=True, slots=True)
class Settings:
    """How to build the market. The defaults are the embedded default: simulator, in-memory history."""

    seed: int = 0
    speed: float = 1.0
    day: date | None = None  # default: the most recent trading day by the KST wall clock
    start: time | None = None  # KST market time to start at; default the regular open + 5 min
    scale: float = 1.0  # order flow, 1.0 ≈ 10 M trades a day
    history_years: int = 2
    universe_csv: Path | None = None
    data_dir: Path = field(default_factory=lambda: Path(".sise"))


class Market:
    """Engine, simulator and clock of one process."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, source: DaySource = simulated
    ) -> None:
        self.settings = settings
        self.source = source
        self.clock = clock or Clock.for_simulation(day=settings.day, at=settings.start, speed=settings.speed)
        self.day = self.clock.today()
        base = (
            load_universe_csv(settings.universe_csv)
            if settings.universe_csv
            else build_universe(seed=settings.seed)
        )
        self.store: HistoryStore = MemoryStore()
        self.history_days = 0
        # History covers the cash market; derivatives are listed on top (appended, so instrument
        # numbers of the cash market are the same in both).
        end_state = self._backfill(base)
        self.universe: Universe
        self.universe, self.engine = build_market(base, self.day)
        if end_state is not None:
            foreign, nav = end_state
            self.engine.foreign_start[: len(foreign)] = foreign
            self.engine.nav_prev[: len(nav)] = nav
        self._batches: Iterator[Batch] = iter(())
        self._pending: Batch | None = None
        self.sim: MarketSimulator | None = None
        self.live_step_ns = CATCH_UP_STEP_S * NS
        self._producer: _Producer | None = None
        self._catch_up_to: int | None = None
        #: Called on the event loop with every applied batch (the real-time hubs).
        self.listeners: list[Callable[[Batch], None]] = []
        # Where the clock started, to the whole second: catch-up ends exactly here, so batch
        # boundaries (and the data) depend on the settings and not on start-up timing.
        now = self.clock.now_ns()
        self.start_ns = now - now % NS
        self._open(self.day)
        self.ready = False

    def _backfill(self, base: Universe) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        """Back-fill history into the store; returns the foreign holdings and NAVs it ends with."""
        if self.settings.history_years <= 0:
            return None
        end = previous_trading_day(self.day)
        years, seed = self.settings.history_years, self.settings.seed
        result = backfill(base, self.store, end=end, years=years, seed=seed)
        backfill_futures(base, self.store, end=end, years=years, seed=seed)
        self.history_days = len(result.dates)
        return result.foreign_holdings, np.asarray(result.nav, np.float64)

    def _open(self, day: date) -> None:
        """Start ``day`` (``sise.sources.day.open_day``) with a fresh simulator."""
        self.day = day
        cfg = SimConfig(day, seed=self.settings.seed, scale=self.settings.scale, step_s=CATCH_UP_STEP_S)
        history = self.store if self.settings.history_years > 0 else None
        opened = open_day(self.engine, self.universe, cfg, store=history)
        log.info("opened %s: %d instruments, %d ex-dates", day, self.engine.n, len(opened.actions))
        self.sim = opened.simulator
        self.sim.step_ns = self.live_step_ns
        self._batches = self.source(self, opened)
        self._pending = None

    def advance(self, now_ns: int) -> int:
        """Apply every batch that ends at or before ``now_ns``; returns how many were applied.

        When the day's last batch has been applied the day closes and the next trading day opens
        (its first batch starts at the next pre-market)."""
        applied = 0
        while True:
            if self._pending is None:
                self._pending = self._next_batch()
                if self._pending is None:
                    self._roll_day()
                    continue
            end = self._pending.end_time or 0
            if end > now_ns:
                return applied
            batch, self._pending = self._pending, None
            self.engine.apply(batch)
            applied += 1
            for listener in self.listeners:
                listener(batch)

    def _next_batch(self) -> Batch | None:
        """The next batch: from the producer thread when live, generated in place when catching up."""
        if self._producer is not None:
            return self._producer.get()
        if self._catch_up_to is not None and self.sim is not None and self.sim.cursor_ns:
            # Catch-up: steps of CATCH_UP_STEP_S, the last one cut to end exactly at the target, so
            # batch boundaries (and so the data) depend on the settings, not on start-up timing.
            gap = self._catch_up_to - self.sim.cursor_ns
            self.sim.step_ns = int(min(gap, CATCH_UP_STEP_S * NS)) if gap > 0 else self.live_step_ns
        return next(self._batches, None)

    def _roll_day(self) -> None:
        finished = self.day
        self.engine.end_day()
        # Keep history current: the finished day becomes a row of stock_daily and index_daily.
        stocks, indices = record_day(self.store, self.engine, self.universe, finished)
        log.info("closed %s (%d stock and %d index rows of history)", finished, stocks, indices)
        self._stop_producer()
        self._open(next_trading_day(self.day))
        if self.ready:
            self._start_producer()

    def restart_day(self, engine: Engine, batches: Iterator[Batch]) -> None:
        """Carry on the current day from ``engine`` (the day's state at an earlier time) with
        ``batches`` from that time on: a replay seeking backwards."""
        self._stop_producer()
        self.engine = engine
        self._batches, self._pending = batches, None
        if self.ready:
            self._start_producer()

    def catch_up(self) -> None:
        """Bring the engine to the clock's start quickly (large steps), then go live in small steps
        generated ahead by a producer thread."""
        # Live batches last LIVE_WALL_STEP_S of wall time (1 s of market at 1×), between 1 s and
        # CATCH_UP_STEP_S; a manual clock steps in 1 s batches, a fast one in the largest.
        speed = self.clock.speed
        live = CATCH_UP_STEP_S if speed == float("inf") else LIVE_WALL_STEP_S * speed
        self.live_step_ns = int(min(max(live, 1.0), CATCH_UP_STEP_S) * NS)
        self._catch_up_to = self.start_ns
        self.advance(self.start_ns)
        self._catch_up_to = None
        if self.sim is not None:
            self.sim.step_ns = self.live_step_ns
        self._start_producer()
        self.ready = True

    def _start_producer(self) -> None:
        self._producer = _Producer(self._batches)

    def _stop_producer(self) -> None:
        if self._producer is not None:
            self._producer.stop()
            self._producer = None

    def close(self) -> None:
        self._stop_producer()

    async def run(self) -> None:
        """Follow the clock until cancelled."""
        if not self.ready:
            self.catch_up()
        # The producer thread and the event loop share the GIL: switch often so that a request
        # never waits behind more than a millisecond of batch generation.
        sys.setswitchinterval(0.0005)
        try:
            while True:
                self.advance(self.clock.now_ns())
                pending = self._pending.end_time if self._pending is not None else None
                if pending is None:
                    await asyncio.sleep(0.05)
                    continue
                wait = self.clock.wall_seconds_until(pending)
                await asyncio.sleep(min(max(wait if wait is not None else 0.25, 0.0), 1.0))
        finally:
            self.close()


class _Producer:
    """Generates a day's batches on a thread, a bounded few steps ahead of the clock."""

    def __init__(self, batches: Iterator[Batch], ahead: int = 8) -> None:
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(batches,), name="sise-sim", daemon=True)
        self._thread.start()

    def _run(self, batches: Iterator[Batch]) -> None:
        for batch in batches:
            while not self._stop.is_set():
                try:
                    self._queue.put(batch, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if self._stop.is_set():
                return
        self._queue.put(None)  # end of day

    def get(self) -> Batch | None:
        return self._queue.get()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
