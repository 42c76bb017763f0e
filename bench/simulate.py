"""Simulator throughput: a full-scale day of the whole market, and the CPU cost of a live 1× run.

1. Simulates one full-scale day (≈10 M trades) through the engine as fast as possible and prints
   how many times faster than real time it ran (the 6.5-hour regular session as the unit) and
   the trades per second.
2. Runs the simulator and engine paced to wall time at 1× speed from 09:05 for ``--live-seconds``
   and prints the process CPU time over the wall time (the share of one core).

    python bench/simulate.py
    python bench/simulate.py --scale 0.2 --live-seconds 20
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from datetime import time as dtime

from sise.engine.engine import Engine
from sise.market.timeutil import NS, kst_ns
from sise.market.universe import build_universe
from sise.sources.day import build_market, open_day
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.sources.stream import REGULAR_SECONDS

DAY = date(2026, 11, 20)


def _open(cfg: SimConfig) -> tuple[MarketSimulator, Engine]:
    # The cash market only, as the figures in the CHANGELOG were measured.
    universe, engine = build_market(build_universe(seed=cfg.seed), cfg.day, derivatives=False)
    return open_day(engine, universe, cfg).simulator, engine


def fast_day(scale: float, step_s: int, seed: int) -> None:
    sim, engine = _open(SimConfig(DAY, seed=seed, scale=scale, step_s=step_s))
    trades = events = 0
    gen = apply = 0.0
    t0 = time.perf_counter()
    it = sim.batches()
    while True:
        g0 = time.perf_counter()
        batch = next(it, None)
        gen += time.perf_counter() - g0
        if batch is None:
            break
        a0 = time.perf_counter()
        engine.apply(batch)
        apply += time.perf_counter() - a0
        trades += len(batch.trades)
        events += len(batch)
    wall = time.perf_counter() - t0
    print(f"full day, scale {scale:g}, {step_s} s batches: {trades:,} trades, {events:,} events")
    print(f"  wall {wall:6.1f} s  (simulator {gen:.1f} s, engine {apply:.1f} s)")
    print(f"  {REGULAR_SECONDS / wall:8,.0f}× real time   {trades / wall:12,.0f} trades/s")


def live(scale: float, seconds: float, seed: int) -> None:
    sim, engine = _open(SimConfig(DAY, seed=seed, scale=scale, step_s=1))
    start_market = kst_ns(DAY, dtime(9, 5))
    it = sim.batches()
    for batch in it:  # fast-forward to 09:05 (not measured)
        engine.apply(batch)
        if (batch.end_time or 0) >= start_market:
            break
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    trades = 0
    for batch in it:
        due = wall0 + ((batch.end_time or 0) - start_market) / NS
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        engine.apply(batch)
        trades += len(batch.trades)
        if time.perf_counter() - wall0 >= seconds:
            break
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    print(f"live 1× from 09:05, scale {scale:g}, 1 s batches: {wall:.0f} s wall, {trades:,} trades")
    print(f"  CPU {cpu:.2f} s = {cpu / wall:6.1%} of one core")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--step", type=int, default=10, help="market seconds per batch in the fast run")
    ap.add_argument("--live-seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    fast_day(args.scale, args.step, args.seed)
    if args.live_seconds > 0:
        live(args.scale, args.live_seconds, args.seed)


if __name__ == "__main__":
    main()
