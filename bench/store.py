"""History store figures, each next to its baseline measured in the same run.

* **ingest**: one trading day of 1-minute bars for the whole cash universe (about 1 M rows) into
  ``SqliteStore`` (``put_bars`` + ``flush``: committed on disk), against ``MemoryStore`` and against
  plain row-per-bar SQLite (``executemany`` of one INSERT per bar, WAL, one transaction).
* **reads**: one stock's 100 daily rows (``get``) and one stock-day of 1-minute bars (``get_bars``),
  p50/p99 over random codes, SQLite against memory, on two years of back-filled history.
* **size**: two years of the whole market's daily history on disk, against the rows' bytes in
  memory.
* **serve**: ``sise serve`` start-up on a fresh data directory; restarted on it (it resumes where
  its market stood, from the stored history and the day's journal); and on it again with the same
  ``--date`` (the stored history, but the day simulated afresh up to its start time). The resident
  memory once ready, and the Koscom ``history`` (100 daily rows) through the API, p50/p99 over
  loopback, while the market trades and before it opens — all against ``sise serve --history
  memory``; while it trades also with ``--no-worker`` (the batches made on a thread of the server
  rather than in its worker process) and ``--no-journal``.

    python bench/store.py                 # everything (several minutes)
    python bench/store.py --only ingest,reads
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, time
from pathlib import Path

import httpx
import numpy as np

from loopback import free_port, wait_http
from sise.market.timeutil import NS, kst_ns, yyyymmdd
from sise.market.types import InstrumentKind, Market
from sise.market.universe import build_universe
from sise.sources.futures_history import backfill_futures
from sise.sources.history import backfill
from sise.store import INTRADAY_BAR, MemoryStore, Rows, SqliteStore, TableStore

END = date(2026, 11, 19)
#: The day the served market trades: a regular day, so that at the default start (09:05) KRX is
#: five minutes into its continuous session (END is the 수능 day, when KRX opens at 10:00).
SERVED = date(2026, 11, 20)
SISE = Path(sys.executable).parent / "sise"


def pct(samples: list[float]) -> str:
    us = np.asarray(samples) * 1e6
    return f"p50 {np.percentile(us, 50):7.0f} µs  p99 {np.percentile(us, 99):7.0f} µs"


def timed(fn: Callable[[], object]) -> float:
    t0 = clock.perf_counter()
    fn()
    return clock.perf_counter() - t0


def minute_bars(codes: list[str], day: date, rng: np.random.Generator) -> Rows:
    """A regular session of 1-minute bars (09:00–15:30, 390 a code) for every code."""
    per = 390
    rows = np.zeros(len(codes) * per, INTRADAY_BAR)
    rows["code"] = np.repeat(codes, per)
    rows["date"] = yyyymmdd(day)
    rows["start"] = np.tile(kst_ns(day, time(9)) + np.arange(per) * 60 * NS, len(codes))
    walk = 50_000 + np.cumsum(rng.integers(-50, 51, len(rows)), dtype=np.int64)
    for f in ("open", "high", "low", "close"):
        rows[f] = walk
    rows["volume"] = rng.integers(0, 20_000, len(rows))
    rows["value"] = rows["volume"] * walk
    rows["count"] = rng.integers(0, 200, len(rows))
    return rows


def ingest(tmp: Path, codes: list[str]) -> None:
    rows = minute_bars(codes, END, np.random.default_rng(0))
    print(f"ingest: one day of 1-minute bars, {len(codes):,} codes, {len(rows):,} rows")
    # Without a defensive copy, as the server's roll-over hands over the bars it just built.
    lite = SqliteStore(tmp / "bars.sqlite")
    t = timed(lambda: (lite.put_bars(60, rows, copy=False), lite.flush()))
    lite.close()
    mem = MemoryStore()
    t_mem = timed(lambda: mem.put_bars(60, rows, copy=False))
    db = sqlite3.connect(tmp / "rows.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    names = list(INTRADAY_BAR.names or ())
    db.execute(f"CREATE TABLE bars ({', '.join(names)}, PRIMARY KEY (code, date, start)) WITHOUT ROWID")

    def row_per_bar() -> None:
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO bars VALUES ({', '.join('?' * len(names))})", rows.tolist())
        db.execute("COMMIT")

    t_rows = timed(row_per_bar)
    db.close()
    print(f"  SqliteStore (chunks, committed)   {t:6.2f} s   {len(rows) / t / 1e6:5.2f} M rows/s")
    print(f"  MemoryStore                        {t_mem:6.2f} s")
    print(f"  SQLite, one INSERT per bar         {t_rows:6.2f} s   (baseline)")


def backfilled(store: TableStore, years: int = 2) -> None:
    universe = build_universe(seed=0)
    backfill(universe, store, end=END, years=years, seed=0)
    backfill_futures(universe, store, end=END, years=years, seed=0)
    store.flush()


def reads_and_size(tmp: Path, codes: list[str], n: int) -> None:
    path = tmp / "history.sqlite"
    lite = SqliteStore(path)
    t = timed(lambda: backfilled(lite))
    lite.close()
    raw = 0
    mem = MemoryStore()
    t_mem = timed(lambda: backfilled(mem))
    for table in mem.tables():
        raw += mem.get_range(table, 0, 99_999_999).nbytes
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = path.stat().st_size
    print("size: two years of the whole market's daily history")
    print(f"  SQLite file                        {size / 1e6:7.0f} MB   (back-fill and commit {t:.1f} s)")
    print(f"  the same rows in memory            {raw / 1e6:7.0f} MB   (back-fill {t_mem:.1f} s; baseline)")

    lite = SqliteStore(path)
    bars = minute_bars(codes, END, np.random.default_rng(1))
    for s in (lite, mem):
        s.put_bars(60, bars)
    lite.flush()
    rng = np.random.default_rng(2)
    print(f"reads: {n:,} random codes")
    start = yyyymmdd(date(2026, 6, 26))  # 100 trading days to END
    for label, s in (("SqliteStore", lite), ("MemoryStore", mem)):
        daily, minute = [], []
        for code in rng.choice(codes, n):
            t0 = clock.perf_counter()
            got = s.get("stock_daily", str(code), start, yyyymmdd(END))
            daily.append(clock.perf_counter() - t0)
            t0 = clock.perf_counter()
            s.get_bars(60, str(code), yyyymmdd(END))
            minute.append(clock.perf_counter() - t0)
        print(f"  {label} 100 daily rows ({len(got)})     {pct(daily)}")
        print(f"  {label} a stock-day of 1-min bars {pct(minute)}")
    lite.close()


@contextmanager
def serving(
    data: Path, history: str, *extra: str, day: date | None = SERVED
) -> Iterator[tuple[int, float, subprocess.Popen[bytes]]]:
    """``sise serve`` on ``data`` (on ``day``; with None, where the directory's market stood);
    yields (port, seconds until it answered, process)."""
    port = free_port()
    args = [str(SISE), "serve", "--port", str(port), "--mock-port", "0", "--data-dir", str(data)]
    args += ["--history", history, "--koscom-quota", "0", *extra]
    args += ["--date", day.isoformat()] if day is not None else []
    log = (data.parent / f"{data.name}-{history}.log").open("ab")
    t0 = clock.perf_counter()
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield port, clock.perf_counter() - t0, proc
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        log.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_rss_mb(pid: int) -> float:
    """RSS of the server's children (its simulator's worker process, started by one of its threads)."""
    kids = [
        k for task in Path(f"/proc/{pid}/task").iterdir() for k in (task / "children").read_text().split()
    ]
    return sum(rss_mb(int(k)) for k in kids)


def api_history(port: int, data: Path, codes: list[str], n: int) -> list[float]:
    apikey = json.loads((data / "keys.json").read_text())["koscom"][0]["apikey"]
    query = {"trnsmCycleTpCd": "D", "inqStrtDd": "20250101", "inqEndDd": "20261118"}
    rng = np.random.default_rng(3)
    out = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"apikey": apikey}) as client:
        for code in rng.choice(codes, n):
            market = "kospi"  # the API answers 10040 for a KOSDAQ code under kospi: same work, shorter body
            t0 = clock.perf_counter()
            r = client.get(f"/v2/market/stocks/{market}/{code}/history", params=query)
            out.append(clock.perf_counter() - t0)
            assert r.status_code in (200, 400), r.text
    return out


def serve(tmp: Path, kospi: list[str], n: int) -> None:
    print("serve: start-up, memory once ready, Koscom history (100 rows) through the API")
    data = tmp / "data"
    with serving(data, "sqlite") as (port, fresh, proc):
        rss_fresh = rss_mb(proc.pid)
    # A restart: the market resumes where it stood (the day's journal, the stored history).
    with serving(data, "sqlite", day=None) as (port, again, proc):
        clock.sleep(2)
        rss_again, rss_worker = rss_mb(proc.pid), worker_rss_mb(proc.pid)
        lat = api_history(port, data, kospi, n)
    # The batches made on a thread of the server instead of the worker process.
    with serving(data, "sqlite", "--no-worker", day=None) as (port, _, proc):
        clock.sleep(2)
        lat_thread = api_history(port, data, kospi, n)
    with serving(data, "sqlite", "--no-journal", day=None) as (port, _, proc):
        clock.sleep(2)
        lat_nj = api_history(port, data, kospi, n)
    # The same --date again: the stored history, but the day simulated afresh to its start time.
    with serving(data, "sqlite") as (port, reopen, proc):
        pass
    mem_data = tmp / "memory"
    with serving(mem_data, "memory") as (port, t_mem, proc):
        clock.sleep(2)
        rss_mem = rss_mb(proc.pid)
        lat_mem = api_history(port, mem_data, kospi, n)
    # Before the pre-market (no batches to apply): the store and the view alone, without the market's
    # work on the event loop, which sets the tail of both figures above.
    quiet = ("--start", "07:30")
    with serving(data, "sqlite", *quiet) as (port, _, proc):
        clock.sleep(2)
        lat_quiet = api_history(port, data, kospi, n)
    with serving(mem_data, "memory", *quiet) as (port, _, proc):
        clock.sleep(2)
        lat_quiet_mem = api_history(port, mem_data, kospi, n)
    print(f"  fresh data directory (sqlite)     start {fresh:5.1f} s   RSS {rss_fresh:5.0f} MB")
    print(f"  restart on it (sqlite)            start {again:5.1f} s   RSS {rss_again:5.0f} MB")
    print(f"  its simulator's worker process                      RSS {rss_worker:5.0f} MB")
    print(f"  on it again with --date (sqlite)  start {reopen:5.1f} s")
    print(f"  --history memory                  start {t_mem:5.1f} s   RSS {rss_mem:5.0f} MB   (baseline)")
    print(f"  API, sqlite    {pct(lat)}")
    print(f"  API, sqlite, --no-worker     {pct(lat_thread)}   (baseline: batches on a thread)")
    print(f"  API, sqlite, --no-journal    {pct(lat_nj)}")
    print(f"  API, memory    {pct(lat_mem)}   (baseline)")
    print(f"  API before the open, sqlite    {pct(lat_quiet)}")
    print(f"  API before the open, memory    {pct(lat_quiet_mem)}   (baseline)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="ingest,reads,serve", help="comma-separated: ingest, reads, serve")
    ap.add_argument("--reads", type=int, default=2_000, help="random codes per read figure")
    ap.add_argument(
        "--dir", type=Path, default=None, help="directory for the files (default: a temporary one)"
    )
    args = ap.parse_args()
    only = set(args.only.split(","))
    universe = build_universe(seed=0)
    t = universe.instruments
    cash = [c for c, k in zip(t.code, t.kind.tolist(), strict=True) if k <= InstrumentKind.ETN]
    kospi = [
        c for c, m in zip(t.code, t.market.tolist(), strict=True) if m == Market.KOSPI and c in set(cash)
    ]
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        tmp = Path(d)
        print(f"{os.cpu_count()} cores; files in {tmp}")
        if "ingest" in only:
            ingest(tmp, cash)
        if "reads" in only:
            reads_and_size(tmp, cash, args.reads)
        if "serve" in only:
            serve(tmp, kospi, args.reads)


if __name__ == "__main__":
    main()
