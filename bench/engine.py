"""Engine throughput: a day-like event stream for the full universe, applied batch by batch.

Prints events per second for ``Engine.apply`` and, in the same run, for a plain per-event
Python loop doing the same updates (last/OHLC/volume/value per venue, investor, member, program
and short-sale tallies, 10-second bars, index caps and their 1-second publication, latest book
per instrument). The loop runs on a prefix of the stream (it is slow); rates are per event.

The stream is generated hour by hour outside the timed region, so memory stays bounded.

    python bench/engine.py                       # full scale: 10 M trades + 10 M book snapshots
    python bench/engine.py --trades 2000000 --batch-seconds 10
"""

from __future__ import annotations

import argparse
import time as _time
from collections import defaultdict
from dataclasses import replace
from datetime import date

import numpy as np

from sise.engine.batches import Batch
from sise.engine.engine import Engine
from sise.market.timeutil import NS
from sise.market.types import Venue
from sise.market.universe import build_universe
from sise.sources.stream import REGULAR_SECONDS, StreamSpec, stream

DAY = date(2026, 11, 20)


def python_loop(engine: Engine, batches: list[Batch], limit: int) -> tuple[int, float]:
    """The same updates, one event at a time in plain Python. Returns (events, seconds)."""
    n_inst = engine.n
    weights = engine.index.weights
    members_of = [
        [(int(m), int(weights[m, i])) for m in np.flatnonzero(engine.index.member[:, i])]
        for i in range(n_inst)
    ]
    cap = [int(c) for c in engine.index.cap]
    base_cap = [float(b) for b in engine.index.base_cap]
    base_value = [float(s.base_value) for s in engine.index.specs]
    index_price = [int(p) for p in engine.base]
    last: dict[tuple[int, int], int] = {}
    opn: dict[tuple[int, int], int] = {}
    high: dict[tuple[int, int], int] = defaultdict(int)
    low: dict[tuple[int, int], int] = {}
    vol: dict[tuple[int, int], int] = defaultdict(int)
    val: dict[tuple[int, int], int] = defaultdict(int)
    cnt: dict[tuple[int, int], int] = defaultdict(int)
    inv: dict[tuple[int, int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    mem: dict[tuple[int, int, int, int], int] = defaultdict(int)
    prog: dict[tuple[int, int, int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    short: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    bars: dict[tuple[int, int, int], list[int]] = {}
    books: dict[tuple[int, int], object] = {}
    published: list[tuple[int, list[float]]] = []
    next_pub = engine._next_pub
    done = 0
    t0 = _time.perf_counter()
    for b in batches:
        for row in b.books.tolist():
            books[(row[0], row[2])] = row
            done += 1
        for (
            inst,
            t,
            venue,
            price,
            qty,
            _side,
            buyer,
            seller,
            bmem,
            smem,
            bprog,
            sprog,
            is_short,
        ) in b.trades.tolist():
            while t >= next_pub:
                published.append(
                    (next_pub, [c / bc * bv for c, bc, bv in zip(cap, base_cap, base_value, strict=True)])
                )
                next_pub += NS
            k = (inst, venue)
            if k not in opn:
                opn[k] = price
                low[k] = price
            last[k] = price
            high[k] = max(high[k], price)
            low[k] = min(low[k], price)
            vol[k] += qty
            value = price * qty
            val[k] += value
            cnt[k] += 1
            for s, who in ((0, buyer), (1, seller)):
                cell = inv[(inst, venue, s, who)]
                cell[0] += qty
                cell[1] += value
            mem[(inst, venue, 0, bmem)] += qty
            mem[(inst, venue, 1, smem)] += qty
            for s, flags in ((0, bprog), (1, sprog)):
                if flags & 3:
                    pc = prog[(inst, venue, s, (flags & 3) - 1, flags >> 2)]
                    pc[0] += qty
                    pc[1] += value
            if is_short:
                sc = short[k]
                sc[0] += qty
                sc[1] += value
            bk = (inst, venue, t - t % (10 * NS))
            bar = bars.get(bk)
            if bar is None:
                bars[bk] = [price, price, price, price, qty, value, 1]
            else:
                bar[1] = max(bar[1], price)
                bar[2] = min(bar[2], price)
                bar[3] = price
                bar[4] += qty
                bar[5] += value
                bar[6] += 1
            if venue == 0:
                delta = price - index_price[inst]
                if delta:
                    index_price[inst] = price
                    for m, w in members_of[inst]:
                        cap[m] += w * delta
            done += 1
        if done >= limit:
            break
    return done, _time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trades", type=int, default=10_000_000, help="trades in the whole day (default 10 M)")
    ap.add_argument("--book-ratio", type=float, default=1.0, help="book snapshots per trade (default 1)")
    ap.add_argument("--batch-seconds", type=int, nargs="+", default=[1, 10], help="market seconds per batch")
    ap.add_argument("--loop-events", type=int, default=300_000, help="events for the Python-loop baseline")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    universe = build_universe(seed=args.seed)
    print(
        f"universe: {len(universe.instruments):,} instruments, {len(universe.indices)} indices, "
        f"{len(universe.members)} member firms"
    )
    print(
        f"stream: {args.trades:,} trades + {args.book_ratio:g} book snapshot(s) per trade over "
        f"{REGULAR_SECONDS // 3600}h{REGULAR_SECONDS % 3600 // 60:02d} of market time"
    )
    for bs in args.batch_seconds:
        engine = Engine.from_universe(universe)
        engine.start_day(DAY)
        spec = StreamSpec(
            DAY, trades=args.trades, batch_seconds=bs, book_ratio=args.book_ratio, seed=args.seed
        )
        events = batches = 0
        apply_s = gen_s = 0.0
        hour = 3600
        loop_batches: list[Batch] = []
        for h0 in range(0, REGULAR_SECONDS, hour):
            h_spec = replace(spec, offset=h0, seconds=min(hour, REGULAR_SECONDS - h0), seed=args.seed + h0)
            g0 = _time.perf_counter()
            chunk = list(
                stream(
                    universe.instruments,
                    engine.base,
                    engine.upper,
                    engine.lower,
                    engine.n_members,
                    h_spec,
                    prices=engine.current_price(Venue.KRX),
                )
            )
            gen_s += _time.perf_counter() - g0
            if not loop_batches:
                loop_batches = chunk
            t0 = _time.perf_counter()
            for b in chunk:
                engine.apply(b)
            apply_s += _time.perf_counter() - t0
            events += sum(len(b) for b in chunk)
            batches += len(chunk)
        engine.end_day()
        rate = events / apply_s
        print(
            f"\nbatches of {bs} s: {batches:,} batches, {events:,} events "
            f"(generated in {gen_s:.1f} s, not timed)"
        )
        print(
            f"  engine.apply      {apply_s:8.2f} s  {rate:12,.0f} events/s  "
            f"({apply_s / batches * 1e6:,.0f} µs/batch)"
        )
        base = Engine.from_universe(universe)
        base.start_day(DAY)
        done, loop_s = python_loop(base, loop_batches, args.loop_events)
        loop_rate = done / loop_s
        print(f"  python loop       {loop_s:8.2f} s  {loop_rate:12,.0f} events/s  (first {done:,} events)")
        print(f"  speed-up          {rate / loop_rate:8.1f}×")


if __name__ == "__main__":
    main()
