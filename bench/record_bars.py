"""The roll-over's intraday bars (``sise.store.intraday.record_bars``) at full size.

Simulates one day of the default universe (3,350 instruments with the day's derivatives; ``--scale``
of the order flow, 1.0 ≈ 10 M trades), ends it, then writes its bars into each store kind, twice
(the same bars as the next trading day's, so the second write is into a store that holds a day):

* **record_bars**: what the roll-over spends on the event loop: building the rows and handing
  them to the store (``SqliteStore`` commits them behind, on its writer thread);
* **flush**: the wait for that commit (``SqliteStore``), then the file's growth per day, and
  the memory a ``MemoryStore`` holds for a day.

    python bench/record_bars.py
    python bench/record_bars.py --scale 0.2
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from sise.market.calendar import next_trading_day
from sise.market.universe import build_universe
from sise.sources.day import build_market, open_day
from sise.sources.simulator import SimConfig
from sise.store import HistoryStore, MemoryStore, SqliteStore
from sise.store.base import BAR_PERIODS_S
from sise.store.intraday import record_bars

DAY = date(2026, 11, 20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    universe, engine = build_market(build_universe(), DAY)
    trades = 0
    for batch in open_day(engine, universe, SimConfig(DAY, scale=args.scale, step_s=60)).simulator.batches():
        engine.apply(batch)
        trades += len(batch.trades)
    engine.end_day()
    took = time.perf_counter() - t0
    print(f"{engine.n:,} instruments, {trades:,} trades, simulated in {took:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.sqlite"
        stores: dict[str, HistoryStore] = {"memory": MemoryStore(), "sqlite": SqliteStore(path)}
        for name, store in stores.items():
            store.flush()
            size = _size(path)
            day = DAY
            for _ in range(2):
                t0 = time.perf_counter()
                rows = record_bars(store, engine, day, keep_days=5)
                built = time.perf_counter() - t0
                store.flush()
                flushed = time.perf_counter() - t0 - built
                took = f"record_bars {1e3 * built:,.0f} ms, flush {1e3 * flushed:,.0f} ms"
                print(f"{name:6s} {day}: {rows:,} rows, {took}")
                day = next_trading_day(day)
            per_period = {
                p: sum(len(store.get_bars(p, c, 20261120)) for c in engine.instruments.code)
                for p in BAR_PERIODS_S
            }
            print(f"  instruments' rows a day by period: {per_period}")
            if name == "sqlite":
                print(f"  file: {(_size(path) - size) / 2 / 1e6:,.0f} MB a day")
        # What a MemoryStore holds for a day (measured apart: tracing slows the writes down).
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        held = MemoryStore()
        record_bars(held, engine, DAY, keep_days=5)
        print(f"memory: {(tracemalloc.get_traced_memory()[0] - before) / 1e6:,.0f} MB a day")
        tracemalloc.stop()


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


if __name__ == "__main__":
    main()
