"""A fast synthetic event stream: valid trades and books for a whole trading day.

This is not the market simulator (``sise.sources.simulator``): prices are plain tick random walks
and flows are drawn independently. It exists to exercise and benchmark the engine with a stream
of the right shape and size — U-shaped activity, every price on its tick and within its limits,
every trade tagged with investors, members, program flags and short sales — generated with
vectorised numpy from one seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time

import numpy as np
import numpy.typing as npt

from sise.engine.batches import BOOK_LEVELS, PROGRAM_PROPRIETARY, Batch, empty_books, empty_trades
from sise.market.instruments import InstrumentTable
from sise.market.ticks import tick_sizes
from sise.market.timeutil import NS, kst_ns
from sise.market.types import N_INVESTORS

I64 = npt.NDArray[np.int64]

REGULAR_SECONDS = 6 * 3600 + 30 * 60  # 09:00–15:30


def u_profile(seconds: int) -> npt.NDArray[np.float64]:
    """Relative activity per second of the regular session: heavy open, midday trough, rising close."""
    x = np.linspace(0.0, 1.0, seconds, endpoint=False)
    # Tuned to KRX's figures: ≈17 % of value in the first 30 minutes, a trough of ≈4.7 % per half
    # hour around 12:00 (≈0.6× the average), rising into the close (krx_rules §8.3).
    w = (
        0.5
        + 2.2 * np.exp(-x / 0.035)
        + 1.3 * np.exp(-(1.0 - x) / 0.08)
        - 0.125 * np.exp(-(((x - 0.5) / 0.18) ** 2))
    )
    return np.asarray(w / w.sum(), np.float64)


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """What to generate."""

    day: date
    trades: int = 1_000_000  # trades over the whole session
    batch_seconds: int = 1  # one batch per this many seconds of market time
    book_ratio: float = 1.0  # book snapshots per trade
    nxt_share: float = 0.08  # share of NXT trades among NXT-eligible instruments
    seed: int = 0
    offset: int = 0  # generate the window [09:00 + offset, + seconds) of the day
    seconds: int = REGULAR_SECONDS


def stream(
    instruments: InstrumentTable,
    base: I64,
    upper: I64,
    lower: I64,
    n_members: int,
    spec: StreamSpec,
    prices: I64 | None = None,
) -> Iterator[Batch]:
    """Yield the window's batches in time order, walking from ``prices`` (default: ``base``)."""
    rng = np.random.default_rng(spec.seed)
    active = np.flatnonzero(instruments.active & (base > 0))
    cap = (base * np.maximum(instruments.listed_shares, 1)).astype(np.float64)[active]
    liq = cap**0.6
    liq /= liq.sum()
    tables = instruments.tick_table
    price = (base if prices is None else prices).copy()
    t0 = kst_ns(spec.day, time(9, 0)) + spec.offset * NS
    window = u_profile(REGULAR_SECONDS)[spec.offset : spec.offset + spec.seconds]
    per_second = rng.poisson(window * spec.trades)
    nxt_ok = instruments.nxt
    inv_p = np.array([3, 2, 3, 2, 1, 1, 4, 0.3, 6, 55, 22, 0.7])
    inv_p = inv_p / inv_p.sum()
    mem_p = rng.pareto(1.2, n_members) + 0.05
    mem_p = mem_p / mem_p.sum()

    for sec in range(0, spec.seconds, spec.batch_seconds):
        counts = per_second[sec : sec + spec.batch_seconds]
        k = int(counts.sum())
        end = t0 + min(sec + spec.batch_seconds, spec.seconds) * NS
        if k == 0:
            yield Batch(end_time=end)
            continue
        offs = np.repeat(np.arange(len(counts)), counts) * NS + np.sort(rng.integers(0, NS, k))
        times = t0 + sec * NS + np.sort(offs)
        inst = active[rng.choice(len(active), size=k, p=liq)]
        # A tick random walk per instrument; repeated instruments within a batch walk in sequence.
        step = rng.choice(np.array([-1, 0, 0, 1]), size=k)
        order = np.argsort(inst, kind="stable")
        si = inst[order]
        csum = np.cumsum(step[order])
        grp_start = np.r_[0, np.flatnonzero(si[1:] != si[:-1]) + 1]
        offset = np.repeat(csum[grp_start] - step[order][grp_start], np.diff(np.r_[grp_start, k]))
        walk = np.empty(k, np.int64)
        walk[order] = csum - offset
        p0 = price[inst]
        raw = p0 + walk * tick_sizes(p0, tables[inst])
        raw = np.clip(raw, lower[inst], upper[inst])
        px = raw // tick_sizes(raw, tables[inst]) * tick_sizes(raw, tables[inst])
        px = np.clip(px, lower[inst], upper[inst])
        last = np.unique(inst[::-1], return_index=True)
        price[last[0]] = px[::-1][last[1]]

        tr = empty_trades(k)
        tr["inst"] = inst
        tr["time"] = times
        tr["venue"] = np.where(nxt_ok[inst] & (rng.random(k) < spec.nxt_share), 1, 0)
        tr["price"] = px
        tr["qty"] = np.maximum(1, (rng.pareto(1.6, k) * 40).astype(np.int64))
        tr["side"] = rng.integers(1, 3, k)
        tr["buyer"] = rng.choice(N_INVESTORS, size=k, p=inv_p)
        tr["seller"] = rng.choice(N_INVESTORS, size=k, p=inv_p)
        tr["buyer_member"] = rng.choice(n_members, size=k, p=mem_p)
        tr["seller_member"] = rng.choice(n_members, size=k, p=mem_p)
        prog = rng.random((2, k))
        kinds = np.where(prog < 0.02, 1, np.where(prog < 0.15, 2, 0))
        acct = np.where(rng.random((2, k)) < 0.3, PROGRAM_PROPRIETARY, 0)
        tr["buy_program"] = np.where(kinds[0] > 0, kinds[0] | acct[0], 0)
        tr["sell_program"] = np.where(kinds[1] > 0, kinds[1] | acct[1], 0)
        tr["short"] = rng.random(k) < 0.04

        nb = int(k * spec.book_ratio)
        books = book_snapshots(tr[:nb] if nb <= k else tr, tables, upper, lower) if nb else empty_books()
        yield Batch(trades=tr, books=books, end_time=end)


def book_snapshots(
    tr: npt.NDArray[np.void], tables: npt.NDArray[np.uint8], upper: I64, lower: I64
) -> npt.NDArray[np.void]:
    """A 10-level book around each trade's price, every level on its tick and within limits."""
    k = len(tr)
    inst = tr["inst"]
    tab = tables[inst]
    up, lo = upper[inst], lower[inst]
    bk = empty_books(k)
    bk["inst"] = inst
    bk["time"] = tr["time"]
    bk["venue"] = tr["venue"]
    p = tr["price"]
    ask = np.where(tr["side"] == 1, p, p + tick_sizes(p, tab))
    bid = np.where(tr["side"] == 1, p - tick_sizes(np.maximum(p - 1, 1), tab), p)
    seed = (inst.astype(np.int64) * 7919 + tr["time"] // 1000) % 997
    for lvl in range(BOOK_LEVELS):
        ok_a = ask <= up
        ok_b = bid >= lo
        bk["ask_price"][:, lvl] = np.where(ok_a, ask, 0)
        bk["bid_price"][:, lvl] = np.where(ok_b, bid, 0)
        qa = 100 + (seed * (lvl + 3)) % 900
        qb = 100 + (seed * (lvl + 5)) % 900
        bk["ask_qty"][:, lvl] = np.where(ok_a, qa, 0)
        bk["bid_qty"][:, lvl] = np.where(ok_b, qb, 0)
        bk["ask_count"][:, lvl] = np.where(ok_a, 1 + qa // 97, 0)
        bk["bid_count"][:, lvl] = np.where(ok_b, 1 + qb // 89, 0)
        ask = ask + tick_sizes(ask, tab)
        bid = np.where(bid > 1, bid - tick_sizes(np.maximum(bid - 1, 1), tab), 0)
    return bk
