"""The day's roll-over into history (``sise.store.daily.record_day``) at full size.

The default universe with ``--years`` of back-filled history in a ``MemoryStore`` (``--store
sqlite``: a ``SqliteStore`` in a temporary directory), one simulated day (``--scale`` of the
order flow: the tables' sizes do not depend on it), then:

* **record_day**: the first roll-over, the back-fill's tables already indexed;
* **first reads**: one ``get`` per table afterwards — ``MemoryStore`` sorts a put's rows in at the
  next read, so this is where the day's rows are merged into each table;
* **record_day again**, for the next day, with the previous day's rows still unmerged (no read in
  between), as on a server nobody asked for history during the day.

    python bench/record_day.py
    python bench/record_day.py --years 1 --store sqlite
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sise.market.calendar import next_trading_day, previous_trading_day
from sise.market.universe import build_universe
from sise.sources.day import build_market, open_day
from sise.sources.futures_history import backfill_futures
from sise.sources.history import backfill
from sise.sources.simulator import SimConfig
from sise.store import HistoryStore, MemoryStore, SqliteStore
from sise.store.daily import record_day

DAY = date(2026, 11, 20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--store", choices=("memory", "sqlite"), default="memory")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.sqlite"
        store: HistoryStore = MemoryStore() if args.store == "memory" else SqliteStore(path)
        run(store, args.years, args.scale)
        store.flush()


def run(store: HistoryStore, years: int, scale: float) -> None:
    base = build_universe()
    end = previous_trading_day(DAY)
    t0 = time.perf_counter()
    result = backfill(base, store, end=end, years=years)
    backfill_futures(base, store, end=end, years=years)
    store.flush()
    took = time.perf_counter() - t0
    print(f"back-fill: {len(base.instruments):,} instruments, {len(result.dates)} days, {took:.1f} s")
    universe, engine = build_market(base, DAY)
    engine.foreign_start[: len(result.foreign_holdings)] = result.foreign_holdings
    engine.nav_prev[: len(result.nav)] = result.nav

    day = DAY
    for n in (1, 2):
        t0 = time.perf_counter()
        sim = open_day(engine, universe, SimConfig(day, scale=scale, step_s=60), store=store).simulator
        for batch in sim.batches():
            engine.apply(batch)
        engine.end_day()
        print(f"day {n} ({day}) simulated in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        rows = record_day(store, engine, universe, day)
        took = time.perf_counter() - t0
        print(f"  record_day: {sum(rows.values()):,} rows in {len(rows)} tables, {1e3 * took:.0f} ms")
        t0 = time.perf_counter()
        store.flush()
        print(f"  then flush: {1e3 * (time.perf_counter() - t0):.0f} ms")
        if n == 1:
            for table in rows:
                t0 = time.perf_counter()
                store.get(table, "005930")
                print(f"  first read of {table}: {1e3 * (time.perf_counter() - t0):.0f} ms")
        day = next_trading_day(day)


if __name__ == "__main__":
    main()
