"""The composition root: one market (universe, history, engine, simulator, clock) and its loop.

``Market`` builds everything from ``Settings`` and keeps the engine in step with the clock: a
batch is applied only once market time has passed its end, so the APIs never see the future.
At start-up the day is caught up to the clock in large steps, on a clock that stands still until
the market is ready (building takes no market time); live, each batch covers about a quarter of a
second of wall time (one second of market time at 1×), so a live server spends its time serving
rather than simulating.

After its last session (NXT's after-market) a day stays the market's day through the evening and
the night, as the vendors serve it: the next trading day opens, and the finished one becomes
history, when the next day's first session (its pre-market) begins. A market started before a
day's first session likewise serves the trading day before, finished, until it begins.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from time import monotonic

import numpy as np
import numpy.typing as npt

from sise.engine.batches import Batch
from sise.engine.engine import Engine
from sise.market.calendar import next_trading_day, previous_trading_day
from sise.market.timeutil import NS, kst_datetime, yyyymmdd
from sise.market.types import InstrumentKind
from sise.market.universe import Universe, build_universe, load_universe_csv
from sise.server.history import (
    Imported,
    Position,
    Week52,
    carry_text,
    check_identity,
    history_text,
    identity,
    open_store,
    parse_week52,
    restore_carry,
    week52_text,
)
from sise.server.worker import Cancelled, SimWorker
from sise.sources.clock import Clock, simulation_start
from sise.sources.day import OpenedDay, build_market, first_session_ns, open_day, week52_before
from sise.sources.futures_history import backfill_futures
from sise.sources.history import backfill
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.store.base import HistoryStore, StoreError
from sise.store.daily import record_day
from sise.store.importer import IMPORTED_META
from sise.store.intraday import DEFAULT_BAR_DAYS, record_bars

log = logging.getLogger("sise.market")

#: Market seconds per batch while catching up to the clock.
CATCH_UP_STEP_S = 60
#: Wall seconds per batch when live (market step = this × speed, at least 1 s).
LIVE_WALL_STEP_S = 0.25
#: Rows of a live batch applied in one go (``Market.advance``): about a millisecond of the event
#: loop, the longest a request waits behind the market.
SLICE_ROWS = 1000
#: The longest the producer thread waits for the requests in flight at one of the simulator's
#: checkpoints (a few per batch): it is ahead of the clock by several batches.
YIELD_MAX_S = 0.005
#: Calendar days of daily rows read ahead into the history's cache at start (``Market._warm``):
#: as far back as a 100-row daily answer reads.
WARM_DAYS = 200
#: Wall seconds between records of the market time reached (what a restart resumes from).
POSITION_EVERY_S = 1.0

#: What ``Engine.end_day`` replaces (the closing values it carries into the next day): put back
#: after the close's rows are recorded, so that the finished day is served as it closed.
_END_DAY_MOVES = ("prev_close", "nav_prev", "foreign_start", "high52", "low52")

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
    #: Starting index levels asked for, (index key, level) pairs (``sise.market.levels``).
    index_levels: tuple[tuple[str, float], ...] = ()
    data_dir: Path = field(default_factory=lambda: Path(".sise"))
    history: str = "memory"  # ``sise.server.history.BACKENDS``; ``sise serve`` defaults to sqlite
    bar_days: int = DEFAULT_BAR_DAYS  # trading days whose intraday bars history keeps (0: none)
    #: Live batches made in a worker process (``sise.server.worker``), else on a thread.
    worker: bool = True


def base_universe(settings: Settings) -> Universe:
    """The cash universe ``settings`` describe, at their index levels; ``ValueError`` for levels
    it cannot take (checked by ``sise serve`` before anything else is built)."""
    levels = dict(settings.index_levels)
    if settings.universe_csv:
        return load_universe_csv(settings.universe_csv, levels=levels)
    return build_universe(seed=settings.seed, levels=levels)


class Market:
    """Engine, simulator and clock of one process."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, source: DaySource = simulated
    ) -> None:
        self.settings = settings
        self.source = source
        base = base_universe(settings)
        self.store: HistoryStore = open_store(settings.history, settings.data_dir)
        # Imported real history: its instruments and indices start from their imported closes,
        # and the market's first day is the trading day after it.
        self.imported = Imported.parse(self.store.get_meta(IMPORTED_META))
        if self.imported is not None:
            self.imported.start_universe(self.store, base)
        ident = identity(base, settings.seed)
        reused = check_identity(self.store, ident, settings.data_dir)
        #: Built from the settings alone (history back-filled afresh): what a recording can replay.
        self.from_settings = not reused and self.imported is None
        #: Where an earlier run on this data directory stood, when this run resumes there.
        self.resumed: Position | None = None
        #: The clock is this market's own: it stands at the start until the catch-up is done.
        self._own_clock = clock is None
        if clock is None:
            stood = Position.parse(self.store.get_meta("position")) if reused else None
            if stood is not None and settings.day is None and settings.start is None:
                # The very market time reached (after the close, the finished day until the next
                # day's first session).
                self.resumed = stood
                start = stood.time_ns
            else:
                day = settings.day
                if day is None and self.imported is not None and not reused:
                    day = next_trading_day(self.imported.last)
                start = simulation_start(day, settings.start)
            # Standing at the start until ``catch_up`` is done: building takes no market time.
            clock = Clock(start, speed=settings.speed)
            clock.pause()
            clock.jump(start)
        self.clock = clock
        self.day = self.resumed.day if self.resumed is not None else self._served_day(reused)
        if self.imported is not None and not reused and self.day <= self.imported.last:
            raise StoreError(
                f"{settings.data_dir} holds imported history up to {self.imported.last}; the "
                f"simulated market starts after it (leave out --date, or give a later one)"
            )
        self.history_days = 0
        # History covers the cash market; derivatives are listed on top (appended, so instrument
        # numbers of the cash market are the same in both).
        if reused:
            self._reuse()
        end_state = None if reused else self._backfill(base, ident)
        self.universe: Universe
        self.universe, self.engine = build_market(base, self.day)
        self._week52: dict[date, Week52] = {}  # read ahead for the day ``_open`` opens next
        # The exact 52-week highs and lows of the day opened at a roll-over, read on a thread.
        self._week52_job: Future[Week52] | None = None
        self._week52_next: Future[Week52] | None = None  # the next day's, read after the close
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sise-history")
        #: The finished day's rows being written on that thread (``_close_day``), when they are.
        self._recording: Future[None] | None = None
        #: Following the clock (``run``): the day's close is then written on the thread.
        self._live = False
        if reused and restore_carry(self.store.get_meta("carry"), self.engine, self.day):
            week52 = parse_week52(self.store.get_meta("week52"), self.day)
            if week52 is not None:
                self._week52[self.day] = week52
        elif end_state is not None:
            foreign, nav = end_state
            self.engine.foreign_start[: len(foreign)] = foreign
            self.engine.nav_prev[: len(nav)] = nav
            self.store.set_meta("carry", carry_text(self.engine, self.day))
            week52 = week52_before(self.store, self.universe, self.day, self.engine.n)
            self._week52[self.day] = week52
            self.store.set_meta("week52", week52_text(self.day, week52))
        self._batches: Iterator[Batch] = iter(())
        self._pending: Batch | None = None
        # A live batch being applied in parts (``advance``'s ``slice_rows``): the parts still to
        # apply, and the whole batch for the listeners.
        self._parts: deque[Batch] = deque()
        self._whole: Batch | None = None
        self.sim: MarketSimulator | None = None
        self.live_step_ns = CATCH_UP_STEP_S * NS
        self._producer: _Producer | None = None
        self._worker: SimWorker | None = None  # started when a day first goes live
        self._catch_up_to: int | None = None
        #: Set once the day's last batch has been applied: when the next day opens (its first
        #: session); until then the finished day is served as it closed.
        self.rolls_at: int | None = None
        #: Set when the day resumes from a journal (``sise.server.journal``): catch-up keeps the
        #: simulator's restored step, so the batches made again are those made before.
        self.steps_kept = False
        #: The HTTP requests in flight (``sise.server.app`` counts them), which the producer
        #: thread gives way to.
        self.requests = Requests()
        #: Called on the event loop with every applied batch (the real-time hubs).
        self.listeners: list[Callable[[Batch], None]] = []
        # Where the clock started, to the whole second: catch-up ends exactly here, so batch
        # boundaries (and the data) depend on the settings and not on start-up timing.
        now = self.clock.now_ns()
        self.start_ns = now - now % NS
        self._position_saved = 0.0
        self._open(self.day)
        self.ready = False

    def _served_day(self, reused: bool) -> date:
        """The trading day the market serves at the clock's start. Before a day's first session
        (its pre-market) that is the trading day before, simulated whole and served finished, as
        a market running through the night serves it until the roll-over; unless that day is
        already history (stored or imported), which the market cannot serve again."""
        today = self.clock.today()
        if self.clock.now_ns() >= first_session_ns(today):
            return today
        before = previous_trading_day(today)
        last = self.store.last_date("stock_daily") if reused else None
        if last is not None and last >= yyyymmdd(before):
            return today
        if self.imported is not None and before <= self.imported.last:
            return today
        return before

    def _backfill(
        self, base: Universe, ident: str
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        """Back-fill history into the store; returns the foreign holdings and NAVs it ends with."""
        if self.settings.history_years <= 0:
            return None
        end = previous_trading_day(self.day)
        years, seed = self.settings.history_years, self.settings.seed
        keep = self.imported.codes if self.imported is not None else ()
        result = backfill(base, self.store, end=end, years=years, seed=seed, keep=keep)
        backfill_futures(base, self.store, end=end, years=years, seed=seed)
        self.history_days = len(result.dates)
        # Written after the rows: the store commits in order, so a history marked complete is.
        self.store.set_meta("identity", ident)
        self.store.set_meta("history", history_text(result.dates[0], result.dates[-1]))
        self.save_position(self.clock.now_ns())  # a server killed before it runs resumes here
        return result.foreign_holdings, np.asarray(result.nav, np.float64)

    def _reuse(self) -> None:
        """Check that the stored history ends the day before this market's day."""
        last = self.store.last_date("stock_daily")
        want = yyyymmdd(previous_trading_day(self.day))
        where = self.settings.data_dir
        # Resumed in the evening or the night, the day served has closed and is history already.
        closed = self.resumed is not None and last == yyyymmdd(self.day)
        if last is not None and last != want and not closed:
            stood = Position.parse(self.store.get_meta("position"))
            at = f"; it stood at {kst_datetime(stood.time_ns):%Y-%m-%d %H:%M:%S} KST" if stood else ""
            raise StoreError(
                f"{where} holds history up to {last}, so its market opens the next trading day "
                f"and cannot serve {self.day}{at}. Leave out --date and --start to resume it, or "
                f"use another --data-dir"
            )
        first = self.store.get_meta("history")
        self.history_days = len(
            self.store.get("index_daily", "KOSPI", json.loads(first)["first"] if first else None)
        )

    def _week52_ready(self, week52: Week52) -> None:
        """Put the day's exact 52-week highs and lows in place (at a set point of market time,
        the day's first event, so answers do not depend on how fast the thread was)."""
        self._week52_job = None
        high, low = week52
        self.engine.high52[: len(high)] = high
        self.engine.low52[: len(low)] = low

    def _keep_week52(self, day: date, done: Future[Week52]) -> None:
        if done.exception() is None:  # else ``_week52_ready`` raises it on the loop
            self.store.set_meta("week52", week52_text(day, done.result()))

    def save_position(self, now_ns: int) -> None:
        """Record the market time reached (at most about once a second of wall time)."""
        self.store.set_meta("position", Position(self.day, now_ns).text())

    def _open(self, day: date) -> None:
        """Start ``day`` (``sise.sources.day.open_day``) with a fresh simulator."""
        self.day = day
        cfg = SimConfig(day, seed=self.settings.seed, scale=self.settings.scale, step_s=CATCH_UP_STEP_S)
        history = self.store if self.settings.history_years > 0 else None
        opened = open_day(self.engine, self.universe, cfg, store=history, week52=self._week52.pop(day, None))
        log.info("opened %s: %d instruments, %d ex-dates", day, self.engine.n, len(opened.actions))
        self.sim = opened.simulator
        self.sim.step_ns = self.live_step_ns
        self._batches = self.source(self, opened)
        self._pending = None

    def advance(self, now_ns: int, slice_rows: int | None = None) -> int:
        """Apply every batch that ends at or before ``now_ns``; returns how many were applied.

        After the day's last batch the market keeps the finished day until the next trading day's
        first session begins (``rolls_at``); then the day closes and the next one opens.

        With ``slice_rows``, a batch of more rows is applied in parts of about that many
        (``Batch.slices``: the same state in the end) and the call returns after each part but
        the last, so that the event loop answers requests in between; ``applying`` is then true
        and the next call goes on with the batch. Listeners see the whole batch once, after its
        last part."""
        applied = 0
        while True:
            if self._parts:
                self.engine.apply(self._parts.popleft())
                if self._parts:
                    if slice_rows is not None:
                        return applied
                    continue
                batch, self._whole = self._whole, None
                assert batch is not None
                self._applied(batch)
                applied += 1
                continue
            if self._pending is None and self.rolls_at is None:
                self._pending = self._next_batch()
                if self._pending is None:  # the day's last session is over
                    self._close_day()
            batch = self._pending
            if batch is None:
                if self.rolls_at is not None and now_ns < self.rolls_at:
                    return applied
                self._roll_day()
                continue
            if (batch.end_time or 0) > now_ns:
                return applied
            self._pending = None
            if self._week52_job is not None:
                self._week52_ready(self._week52_job.result())
            if slice_rows is not None and len(batch) > slice_rows:
                self._parts.extend(batch.slices(slice_rows))
                self._whole = batch
                continue
            self.engine.apply(batch)
            self._applied(batch)
            applied += 1

    @property
    def applying(self) -> bool:
        """A batch is part applied (``advance`` with ``slice_rows``)."""
        return bool(self._parts)

    def _applied(self, batch: Batch) -> None:
        for listener in self.listeners:
            listener(batch)
        if self._producer is not None:
            self._producer.done()

    def _next_batch(self) -> Batch | None:
        """The next batch: from the producer thread when live, generated in place when catching up."""
        if self._producer is not None:
            return self._producer.get()
        if (
            self._catch_up_to is not None
            and self.sim is not None
            and self.sim.cursor_ns
            and not self.steps_kept
        ):
            # Catch-up: steps of CATCH_UP_STEP_S, the last one cut to end exactly at the target, so
            # batch boundaries (and so the data) depend on the settings, not on start-up timing.
            gap = self._catch_up_to - self.sim.cursor_ns
            self.sim.step_ns = int(min(gap, CATCH_UP_STEP_S * NS)) if gap > 0 else self.live_step_ns
        return next(self._batches, None)

    def _close_day(self) -> None:
        """The day's last session is over. Its rows become history now (durable at once, and what
        the next day's 52-week highs and lows are read from, on a thread, through the night),
        while the engine keeps serving the day as it closed until the next one opens. A live
        server writes them on a thread too: a few seconds of work the event loop need not wait
        for."""
        finished, e = self.day, self.engine
        serving = {name: getattr(e, name) for name in _END_DAY_MOVES}  # end_day replaces, never edits
        e.end_day()
        # The closed day as history takes it: end_day's values, sharing every other array with the
        # engine, which nothing changes before the next day opens (``_roll_day`` waits for it).
        ended = copy.copy(e)
        threaded = getattr(self.store, "thread_safe", False)
        if self.store.get_meta("closed") != finished.isoformat():  # else a restart in the night
            if threaded and self._live:
                self._recording = self._reader.submit(self._record_day, ended, finished)
                self._recording.add_done_callback(_report_failure)
            else:
                self._record_day(ended, finished)
        day = next_trading_day(finished)
        if self.settings.history_years > 0 and threaded:
            # A year of the whole market is read on a thread (after the day's rows: one worker);
            # the day opens on the running highs and lows, replaced by the exact ones before its
            # first event (``_week52_ready``). (A store in memory reads it in milliseconds, when
            # the day opens.)
            job = self._reader.submit(week52_before, self.store, self.universe, day, e.n)
            # Kept as soon as read, so that a restart in the night need not read it again.
            job.add_done_callback(lambda done: self._keep_week52(day, done))
            self._week52_next = job
            self._week52[day] = (ended.high52.copy(), ended.low52.copy())
        for name, value in serving.items():
            setattr(e, name, value)
        e.day = finished
        e.version += 1
        self.rolls_at = first_session_ns(day)

    def _record_day(self, ended: Engine, finished: date) -> None:
        rows = record_day(self.store, ended, self.universe, finished)
        log.info("closed %s (%d rows of history in %d tables)", finished, sum(rows.values()), len(rows))
        record_bars(self.store, ended, finished, keep_days=self.settings.bar_days)
        # After the rows: the store commits in order, so a day marked closed has them all.
        self.store.set_meta("closed", finished.isoformat())

    def _roll_day(self) -> None:
        """The next day's first session begins: the finished day ends (``end_day`` again, to the
        same closing values: nothing traded since the close) and the next one opens."""
        if self._recording is not None:  # the finished day's rows, written on a thread
            self._recording.result()
            self._recording = None
        finished = self.day
        self.engine.end_day()
        self._stop_producer()
        day = next_trading_day(finished)
        self.store.set_meta("carry", carry_text(self.engine, day))
        self._week52_job, self._week52_next = self._week52_next, None
        self.rolls_at = None
        self._open(day)
        if self.ready:
            self._start_producer()

    def restart_day(self, engine: Engine, batches: Iterator[Batch]) -> None:
        """Carry on the current day from ``engine`` (the day's state at an earlier time) with
        ``batches`` from that time on: a replay seeking backwards."""
        self._stop_producer()
        self.engine = engine
        self._batches, self._pending, self.rolls_at = batches, None, None
        self._parts.clear()  # a batch half applied belongs to the timeline left behind
        self._whole = None
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
        # Ready means durable: a fresh back-fill has been committing while the day caught up;
        # wait for it, so that a server killed after this loses no history and resumes from here.
        self.save_position(self.start_ns)
        self.store.flush()
        if self.rolls_at is None:
            self._start_producer()
        if getattr(self.store, "thread_safe", False):
            self._reader.submit(self._warm, self.day)
        self.ready = True
        if self._own_clock:
            self.clock.resume()

    def _warm(self, day: date) -> None:
        t = self.universe.instruments
        cash = [c for c, kind in zip(t.code, t.kind.tolist(), strict=True) if kind <= InstrumentKind.ETN]
        warm(self.store, cash, [d.key for d in self.universe.indices], day)

    def _start_producer(self) -> None:
        if self.sim is not None:
            self.sim.checkpoint = self.requests.wait_idle
            if self.settings.worker:
                self.sim.offload = self._offload
        if self._worker is not None:
            self._worker.accept()
        self._producer = _Producer(self._batches)

    def _offload(self, sim: MarketSimulator) -> Iterator[Batch] | None:
        """The simulator's ``offload`` when live: the worker process, started on first use (the
        thread makes the batches until it is up)."""
        if self._worker is None:
            self._worker = SimWorker()
        return self._worker.offload(sim)

    def _stop_producer(self) -> None:
        if self._worker is not None:  # wakes the producer thread if it waits for the worker
            self._worker.cancel()
        if self._producer is not None:
            self._producer.stop()
            self._producer = None
        if self.sim is not None:  # made on the loop again: nothing to wait for there
            self.sim.checkpoint = _nothing
            self.sim.offload = None

    def close(self) -> None:
        self._stop_producer()
        if self._worker is not None:
            self._worker.close()
        self._reader.shutdown(wait=True)
        self.save_position(self.clock.now_ns())
        self.store.flush()

    async def run(self) -> None:
        """Follow the clock until cancelled."""
        if not self.ready:
            self.catch_up()
        # The producer thread and the event loop share the GIL: switch often so that a request
        # never waits behind more than a millisecond of batch generation.
        sys.setswitchinterval(0.0005)
        self._live = True
        try:
            while True:
                now = self.clock.now_ns()
                self.advance(now, SLICE_ROWS)
                if self.applying:  # the rest of the batch, once waiting requests are answered
                    await asyncio.sleep(0)
                    continue
                if monotonic() - self._position_saved >= POSITION_EVERY_S:
                    self._position_saved = monotonic()
                    self.save_position(now)
                pending = self._pending.end_time if self._pending is not None else self.rolls_at
                if pending is None:
                    await asyncio.sleep(0.05)
                    continue
                wait = self.clock.wall_seconds_until(pending)
                await asyncio.sleep(min(max(wait if wait is not None else 0.25, 0.0), 1.0))
        finally:
            self._stop_producer()


def warm(store: HistoryStore, stocks: Sequence[str], indices: Sequence[str], day: date) -> None:
    """Read the recent daily rows of ``stocks`` and ``indices`` once (run on the history thread
    after start): the store keeps what it decoded, so the first answers that need them do not
    wait on the file (a query gives up the GIL, and winning it back from the market's thread is
    what makes a request's tail)."""
    lo, hi = yyyymmdd(day - timedelta(days=WARM_DAYS)), yyyymmdd(day)
    reads = (("stock_daily", stocks, lo), ("corporate_actions", stocks, hi), ("index_daily", indices, lo))
    for table, codes, start in reads:
        try:
            for code in codes:
                store.get(table, code, start, hi)
        except KeyError:  # a table this history does not have (yet)
            continue


class Requests:
    """The HTTP requests being answered on the event loop (``begin`` / ``end``, on the loop): the
    thread making the market's batches waits while there are some (``wait_idle``, the
    simulator's ``checkpoint``), for at most ``YIELD_MAX_S`` at a time, so that a request does not
    share the GIL with it."""

    def __init__(self) -> None:
        self._n = 0
        self._idle = threading.Event()
        self._idle.set()

    def begin(self) -> None:
        self._n += 1
        self._idle.clear()

    def end(self) -> None:
        self._n -= 1
        if self._n == 0:
            self._idle.set()

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    def wait_idle(self) -> None:
        self._idle.wait(YIELD_MAX_S)


def _nothing() -> None:
    pass


def _report_failure(done: Future[None]) -> None:
    """Said when it happens (the day's roll-over raises it again, stopping the market)."""
    if (e := done.exception()) is not None:
        log.error("writing the closed day to history failed: %s", e)


class _Producer:
    """Generates a day's batches on a thread, a bounded few steps ahead of the clock.

    A batch is made when one the market took has been applied (``done``), not when it is taken:
    the thread then works while the event loop is free to answer requests, instead of contending
    with the loop's own work on the batch for the GIL."""

    def __init__(self, batches: Iterator[Batch], ahead: int = 8) -> None:
        self._queue: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self._room = threading.Semaphore(ahead)  # batches made and not yet applied: at most ``ahead``
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(batches,), name="sise-sim", daemon=True)
        self._thread.start()

    def _run(self, batches: Iterator[Batch]) -> None:
        try:
            for batch in batches:
                self._queue.put(batch)
                while not self._room.acquire(timeout=0.2):
                    if self._stop.is_set():
                        return
                if self._stop.is_set():
                    return
        except Cancelled:  # stopped while waiting for the worker process
            return
        self._queue.put(None)  # end of day

    def get(self) -> Batch | None:
        return self._queue.get()

    def done(self) -> None:
        """A batch taken with ``get`` has been applied: room for the next one."""
        self._room.release()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
