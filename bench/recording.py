"""What a recording costs: bytes per market hour and recorder time per batch.

Simulates the market from 08:00 (catch-up in 60-second batches, recorded as ``sise serve
--record`` does), then ``--minutes`` of market time from ``--start`` in batches of ``--step``
seconds (1 s is a live server's at 1×), recording every batch to a file in ``--dir``. Prints the
file's bytes per market hour over the window, and per batch: the simulator's time, the engine's
and the recorder's (encode, compress, write and flush), so the recorder's share of the producer
thread's work and of one core at 1× can be read off.

With ``--live SECONDS`` it runs the server's market instead (``Market.run`` at 1× from 09:05,
history off) for that long without and then with ``sise serve --record``'s recorder, while a
probe task on the same event loop measures how late a 1 ms sleep wakes up: what a request waits
for beyond its own work. Both runs print the probe's lag and the process's CPU share.

    python bench/recording.py                         # 09:00–10:00, scale 1.0, 1 s batches
    python bench/recording.py --start 08:00 --minutes 720   # the whole day
    python bench/recording.py --live 60
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from datetime import date
from datetime import time as dtime
from pathlib import Path

import numpy as np

from sise.market.timeutil import NS, kst_ns
from sise.market.universe import build_universe
from sise.server.recorder import MarketRecorder
from sise.server.runtime import DaySource, Market, Settings, simulated
from sise.sources.day import build_market, open_day
from sise.sources.recording import Header, RecordingWriter
from sise.sources.simulator import SimConfig

DAY = date(2026, 11, 20)


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--start", type=dtime.fromisoformat, default=dtime(9, 0))
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--step", type=int, default=1, help="market seconds per batch in the window")
    parser.add_argument("--dir", type=Path, default=None, help="where the file goes (default: a temp dir)")
    parser.add_argument("--live", type=float, default=0, help="seconds of a live 1× market, without and with")
    parser.add_argument("--repeat", type=int, default=1, help="live runs of each kind, alternated")
    args = parser.parse_args()
    if args.live:
        for _ in range(args.repeat):  # alternated, so drift on a shared machine hits both alike
            for record in (False, True):
                live(args.scale, args.live, record, args.dir)
        return
    window(args)


def window(args: argparse.Namespace) -> None:

    universe, engine = build_market(build_universe(), DAY)
    sim = open_day(engine, universe, SimConfig(DAY, scale=args.scale, step_s=60)).simulator
    start, end = kst_ns(DAY, args.start), kst_ns(DAY, args.start) + args.minutes * 60 * NS
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "bench.sise"
        writer = RecordingWriter.create(path, Header("serve", DAY, 0, args.scale, 0))
        batches = sim.batches()
        opening: str | None = engine.digest()
        while sim.cursor_ns == 0 or sim.cursor_ns < start:  # catch-up, as the runtime does it
            if sim.cursor_ns:
                sim.step_ns = min(start - sim.cursor_ns, 60 * NS)
            batch = next(batches)
            engine.apply(batch)
            writer.write(DAY, batch, opening)
            opening = None
        before = path.stat().st_size
        sim.step_ns = args.step * NS
        gen, apply, record, events = [], [], [], 0
        while sim.cursor_ns < end:
            t0 = time.perf_counter()
            nxt = next(batches, None)
            if nxt is None:
                break
            t1 = time.perf_counter()
            engine.apply(nxt)
            t2 = time.perf_counter()
            writer.write(DAY, nxt)
            t3 = time.perf_counter()
            gen.append(t1 - t0)
            apply.append(t2 - t1)
            record.append(t3 - t2)
            events += len(nxt)
        writer.close()
        window = path.stat().st_size - before
        hours = len(record) * args.step / 3600
        print(f"scale {args.scale:g}, {args.start:%H:%M} + {args.minutes} min in {args.step} s batches")
        print(f"  {len(record):,} batches, {events:,} events ({events / len(record):,.0f} per batch)")
        print(f"  file: {window / hours / 1e6:,.1f} MB per market hour ({window / events:.1f} bytes/event),")
        print(f"        {path.stat().st_size / 1e6:,.1f} MB in all from 08:00")
        for name, xs in (("simulator", gen), ("engine", apply), ("recorder", record)):
            ms = np.array(xs) * 1e3
            print(
                f"  {name:9s} per batch  mean {ms.mean():6.2f} ms  p50 {np.median(ms):6.2f}"
                f"  p99 {np.percentile(ms, 99):6.2f}  max {ms.max():6.2f}"
            )
        share = np.mean(record) / (np.mean(gen) + np.mean(apply))
        print(f"  recorder / (simulator + engine): {share:.1%}")
        print(f"  at 1×: {np.sum(record) / (len(record) * args.step):.2%} of a core")


def live(scale: float, seconds: float, record: bool, where: Path | None) -> None:
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        path = Path(tmp) / "live.sise"
        recorder = MarketRecorder(path) if record else None
        source: DaySource = recorder if recorder is not None else simulated
        market = Market(Settings(day=DAY, scale=scale, history_years=0), source=source)
        market.catch_up()
        lags, cpu = asyncio.run(_probe(market, seconds))
        if recorder is not None:
            recorder.close()
        ms = np.array(lags) * 1e3
        label = "with the recorder   " if record else "without the recorder"
        size = f", {path.stat().st_size / 1e6:,.1f} MB" if record else ""
        print(
            f"live 1× {seconds:g} s {label}: loop lag p50 {np.median(ms):.2f} ms"
            f"  p99 {np.percentile(ms, 99):.2f}  max {ms.max():.2f};  CPU {cpu:.0%} of a core{size}"
        )


async def _probe(market: Market, seconds: float) -> tuple[list[float], float]:
    """How late a 1 ms sleep wakes while ``market`` runs; and the process's share of a core."""
    lags: list[float] = []
    task = asyncio.create_task(market.run())
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds:
        t = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - t - 0.001)
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return lags, cpu


if __name__ == "__main__":
    main()
