"""One small simulated day shared by the vendor view tests (built once per test process).

400 stocks, 1 % of the full order flow, 40 days of back-filled history in a memory store, folded
into three engines: before the open, at 11:00 and after the close (the day still open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache

from sise.engine.engine import Engine
from sise.market.timeutil import kst_ns
from sise.market.universe import Universe, build_universe
from sise.sources.history import backfill
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.store.memory import MemoryStore

DAY = date(2026, 11, 20)


@dataclass
class Day:
    universe: Universe
    store: MemoryStore
    pre: Engine  # day opened, nothing traded or published
    mid: Engine  # 11:00
    full: Engine  # after the close (day still open)


@cache
def small_day() -> Day:
    u = build_universe(n_kospi=200, n_kosdaq=200, n_etf=10, n_etn=5)
    store = MemoryStore()
    backfill(u, store, end=DAY - timedelta(days=1), days=40)
    engines = [Engine.from_universe(u) for _ in range(3)]
    pre, mid, full = engines
    pre.start_day(DAY)
    sim = MarketSimulator(u, pre.base, pre.upper, pre.lower, SimConfig(DAY, seed=5, scale=0.01, step_s=30))
    first, last = sim.index_window
    for e in engines:
        e.start_day(DAY, index_from=first, index_until=last)
    t11 = kst_ns(DAY, time(11, 0))
    for b in sim.batches():
        full.apply(b)
        if b.end_time is not None and b.end_time <= t11:
            mid.apply(b)
    return Day(u, store, pre, mid, full)


def now_of(e: Engine) -> int:
    """Market time of an engine's state: its last event, or 08:00 before any."""
    return kst_ns(DAY, time(8, 0)) if e.last_time < 0 else int(e.last_time)
