"""History store speed: ``MemoryStore`` and ``SqliteStore`` side by side, same rows, one run.

* **put**: one trading day of ``stock_daily`` for the whole cash universe (about 3,000 rows), on
  top of ``--days`` days already stored; repeated for ``--puts`` further days, each a new date.
  ``MemoryStore.put`` only queues the rows and sorts them in at the next read, so the put is also
  timed together with that read (``get_date`` of the new day).
* **get**: one stock's ``--days`` daily rows (``get(table, code, start, end)``), ``--gets`` times for
  random codes; p50 and p99.

The SQLite file goes to a temporary directory (``--dir`` to put it on another disk).

    python bench/store.py
    python bench/store.py --days 250 --gets 5000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from sise.market.calendar import previous_trading_day, trading_days
from sise.market.timeutil import yyyymmdd_array
from sise.market.types import InstrumentKind
from sise.market.universe import build_universe
from sise.store import STOCK_DAILY, MemoryStore, Rows, SqliteStore, TableStore

END = date(2026, 11, 19)


def day_rows(codes: list[str], day: int, rng: np.random.Generator) -> Rows:
    rows = np.zeros(len(codes), STOCK_DAILY)
    rows["code"] = codes
    rows["date"] = day
    close = rng.integers(1_000, 500_000, len(codes))
    for f in ("base", "prev_close", "open", "high", "low", "close"):
        rows[f] = close
    rows["sign"] = 3
    rows["volume"] = rng.integers(0, 10_000_000, len(codes))
    rows["value"] = rows["volume"] * close
    rows["listed_shares"] = 10_000_000
    rows["adj_factor"] = 1.0
    return rows


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(
    store: TableStore, codes: list[str], days: np.ndarray, n_base: int, n_gets: int
) -> dict[str, float]:
    rng = np.random.default_rng(0)
    base = np.concatenate([day_rows(codes, int(d), rng) for d in days[:n_base]])
    # Code by code, as the back-fill lays rows out.
    base = base[np.lexsort((base["date"], np.tile(np.arange(len(codes)), n_base)))]
    out = {"load": timed(lambda: store.put("stock_daily", base, copy=False))}
    store.get_date("stock_daily", int(days[0]))  # MemoryStore folds the load in here
    puts, put_reads = [], []
    for d in days[n_base:]:
        rows = day_rows(codes, int(d), rng)
        puts.append(timed(lambda rows=rows: store.put("stock_daily", rows)))
        put_reads.append(puts[-1] + timed(lambda d=d: store.get_date("stock_daily", int(d))))
    out["put"] = float(np.median(puts))
    out["put+read"] = float(np.median(put_reads))
    lo, hi = int(days[0]), int(days[n_base - 1])
    picks = rng.integers(0, len(codes), n_gets)
    gets = np.empty(n_gets)
    for i, k in enumerate(picks):
        t0 = time.perf_counter()
        got = store.get("stock_daily", codes[k], lo, hi)
        gets[i] = time.perf_counter() - t0
        assert len(got) == n_base
    out["get p50"], out["get p99"] = (float(x) for x in np.percentile(gets, [50, 99]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=100, help="days stored before the puts; rows per get")
    ap.add_argument("--puts", type=int, default=20, help="further days put one at a time")
    ap.add_argument("--gets", type=int, default=1_000)
    ap.add_argument("--dir", type=Path, default=None, help="directory for the SQLite file")
    args = ap.parse_args()

    universe = build_universe()
    t = universe.instruments
    codes = [t.code[i] for i in np.flatnonzero(t.kind <= InstrumentKind.ETN)]
    start = END
    for _ in range(args.days + args.puts + 20):
        start = previous_trading_day(start)
    days = yyyymmdd_array(trading_days(start, END))[-(args.days + args.puts) :]

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "history.sqlite"
        results = {
            "MemoryStore": measure(MemoryStore(), codes, days, args.days, args.gets),
            "SqliteStore": measure(SqliteStore(path), codes, days, args.days, args.gets),
        }
        size = path.stat().st_size + sum(p.stat().st_size for p in Path(tmp).glob("history.sqlite-*"))

    print(f"stock_daily, {len(codes):,} codes; {args.days} days stored ({args.days * len(codes):,} rows)")
    print(f"{'':34}{'MemoryStore':>14}{'SqliteStore':>14}")
    lines = [
        ("load (one put of all stored days)", "load", 1e3, "ms"),
        (f"put one day, median of {args.puts}", "put", 1e3, "ms"),
        ("put one day + read it back", "put+read", 1e3, "ms"),
        (f"get {args.days} rows, p50 of {args.gets:,}", "get p50", 1e6, "µs"),
        (f"get {args.days} rows, p99 of {args.gets:,}", "get p99", 1e6, "µs"),
    ]
    for label, key, scale, unit in lines:
        mem, lite = (results[s][key] * scale for s in ("MemoryStore", "SqliteStore"))
        print(f"{label:34}{mem:11.1f} {unit}{lite:11.1f} {unit}")
    print(f"SQLite file with WAL: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
