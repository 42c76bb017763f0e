"""Derivatives trading inside a simulated day.

Futures and options trade around the pricer's fair values (``sise.sources.derivatives``), which
follow the simulated spot: index levels from the constituents' latent prices, stock prices for
stock futures, and slow random walks for USD and KTB yields. The regular derivatives session
(08:45–15:45 on a normal day) has an opening call, continuous trading and a closing call; open
interest and the daily settlement price are published at the close as status rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sise.engine.batches import BOOK_LEVELS, Batch, StatusKind, empty_statuses, empty_trades
from sise.market.derivatives import resolve_spot_levels
from sise.market.sessions import Phase, derivatives_schedule_for
from sise.market.ticks import tick_sizes
from sise.market.timeutil import NS, kst_ns
from sise.market.types import InstrumentKind, Venue
from sise.sources.derivatives import DerivativesPricer, initial_open_interest, next_open_interest

if TYPE_CHECKING:
    from sise.sources.simulator import MarketSimulator

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Derivatives' share of the day's trades (KRX: futures and options ≈ a few percent of prints).
TRADE_SHARE = 0.05
# Value shares by investor leaf for derivatives: foreigners and individuals dominate.
_MIX = np.array([9.0, 0.5, 2.0, 0.5, 0.5, 0.5, 1.0, 0.0, 1.0, 30.0, 54.0, 1.0])
_MIX = _MIX / _MIX.sum()


class DerivativesFlow:
    """The derivatives part of one simulated day."""

    def __init__(self, sim: MarketSimulator) -> None:
        self.sim = sim
        t = sim.t
        self.insts = np.flatnonzero((t.kind >= InstrumentKind.FUTURE) & t.active)
        day = sim.cfg.day
        ss = np.random.SeedSequence([sim.cfg.seed, day.toordinal(), 0xDE5])
        self.rng = np.random.default_rng(ss)
        contracts = [t.record(int(i)) for i in self.insts]
        spots = resolve_spot_levels(
            sim.u,
            {},
            stocks=[u for u in set(t.underlying[i] for i in self.insts) if sim.u.by_code(u) is not None],
        )
        self.pricer = DerivativesPricer(contracts, day, spots, self.rng)
        unds = self.pricer.terms.underlyings
        keys = {d.key: k for k, d in enumerate(sim.u.indices)}
        self.und_index = np.array([keys.get(u, -1) for u in unds], np.intp)
        self.und_stock = np.array([sim.u.by_code(u) if u not in keys else None for u in unds], dtype=object)
        self.start = self.pricer.start_spots.copy()
        self.other = self.start.copy()  # USD, KTB yields: slow random walks
        oi = initial_open_interest(contracts, day, self.rng)
        self.oi = oi
        act = np.sqrt(np.maximum(oi, 1).astype(np.float64))
        self.activity = act / act.sum()
        self.volume = np.zeros(len(self.insts), np.int64)
        self.last = np.zeros(len(self.insts), np.int64)
        sched = derivatives_schedule_for(day)
        if sched.open_time is None or sched.close_time is None:
            raise ValueError(f"{day} has no derivatives session")
        cont = sched.window(Phase.CONTINUOUS)
        assert cont is not None
        self.t_open = kst_ns(day, sched.open_time)
        self.t_cont_end = kst_ns(day, cont.end)
        self.t_close = kst_ns(day, sched.close_time)
        self.session_s = (self.t_cont_end - self.t_open) / NS

    def state(self) -> dict[str, Any]:
        """What ``step`` changes besides the generator (``MarketSimulator.snapshot`` keeps that)."""
        p = self.pricer
        return {
            "other": self.other,
            "oi": self.oi,
            "volume": self.volume,
            "last": self.last,
            "basis": p.basis,
            "vol_level": p.vol_level,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """The inverse of :meth:`state`."""
        self.other, self.oi, self.volume, self.last = (
            state["other"], state["oi"], state["volume"], state["last"]
        )  # fmt: skip
        self.pricer.basis, self.pricer.vol_level = state["basis"], state["vol_level"]

    def spots(self) -> F64:
        """Current underlying levels in the pricer's order."""
        sim = self.sim
        rel = np.exp(sim.lat.logp - sim.logp0)
        out = self.other.copy()
        idx = self.und_index >= 0
        if idx.any():
            out[idx] = self.start[idx] * (sim.p.index_weights[self.und_index[idx]] @ rel)
        for j, i in enumerate(self.und_stock):
            if i is not None:
                out[j] = float(np.exp(sim.lat.logp[int(i)]))
        return out

    def step(self, t: int, t1: int) -> list[Batch]:
        out: list[Batch] = []
        dt = (t1 - t) / NS
        self.pricer.step(dt)
        fx = ~(self.und_index >= 0) & np.array([s is None for s in self.und_stock])
        self.other[fx] *= np.exp(self.rng.normal(0.0, 0.0005 * np.sqrt(dt / 60.0), int(fx.sum())))
        if t <= self.t_open < t1:
            out.append(self._prints(self.t_open, 0.01))
        lo, hi = max(t, self.t_open + 1), min(t1, self.t_cont_end)
        if lo < hi:
            out.append(self._continuous(lo, hi))
        if t <= self.t_close < t1:
            out.append(self._prints(self.t_close, 0.03))
            out.append(self._close_statuses())
        return [b for b in out if len(b)]

    def _quote(self, j: npt.NDArray[np.intp], buy: npt.NDArray[np.bool_]) -> I64:
        """Trade prices at the touch around the fair value, within each contract's limits."""
        sim = self.sim
        fair = self.pricer.prices(self.spots())[j]
        inst = self.insts[j]
        tab = sim.tables[inst]
        fair = np.maximum(fair, tick_sizes(np.maximum(fair, 1), tab))
        px = np.where(buy, fair, fair - tick_sizes(np.maximum(fair - 1, 1), tab))
        px = np.maximum(px, tick_sizes(np.maximum(px, 1), tab))
        return np.clip(px, sim.lower[inst], sim.upper[inst])

    def _continuous(self, t: int, t1: int) -> Batch:
        dt = (t1 - t) / NS
        rate = self.sim.total_trades * TRADE_SHARE / self.session_s
        counts = self.rng.poisson(rate * self.activity * dt)
        k = int(counts.sum())
        if not k:
            return Batch()
        j = np.repeat(np.arange(len(self.insts)), counts)
        j = j[self.rng.permutation(k)]
        times = t + np.sort(self.rng.integers(0, t1 - t, k))
        buy = self.rng.random(k) < 0.5
        qty = np.maximum(1, (self.rng.pareto(1.3, k) * 3).astype(np.int64))
        return self._batch(j, times, self._quote(j, buy), buy, qty)

    def _prints(self, at: int, share: float) -> Batch:
        j = np.arange(len(self.insts))
        traded = self.rng.random(len(j)) < np.clip(self.activity * 400, 0.05, 1.0)
        j = j[traded]
        buy = self.rng.random(len(j)) < 0.5
        qty = np.maximum(1, (self.oi[j] * share * self.rng.uniform(0.02, 0.2, len(j))).astype(np.int64))
        return self._batch(j, np.full(len(j), at, np.int64), self._quote(j, buy), buy, qty)

    def _batch(
        self, j: npt.NDArray[np.intp], times: I64, px: I64, buy: npt.NDArray[np.bool_], qty: I64
    ) -> Batch:
        sim = self.sim
        k = len(j)
        tr = empty_trades(k)
        tr["inst"] = self.insts[j]
        tr["time"] = times
        tr["venue"] = Venue.KRX
        tr["price"] = px
        tr["qty"] = qty
        tr["side"] = np.where(buy, 1, 2)
        buyer = self.rng.choice(len(_MIX), size=k, p=_MIX).astype(np.uint8)
        seller = self.rng.choice(len(_MIX), size=k, p=_MIX).astype(np.uint8)
        tr["buyer"], tr["seller"] = buyer, seller
        tr["buyer_member"] = sim._members(buyer)
        tr["seller_member"] = sim._members(seller)
        np.add.at(self.volume, j, qty)
        self.last[j] = px
        books = sim._books(tr)
        # Derivatives show five levels.
        for f in ("ask_price", "ask_qty", "ask_count", "bid_price", "bid_qty", "bid_count"):
            books[f][:, 5:BOOK_LEVELS] = 0
        return Batch(trades=tr, books=books)

    def _close_statuses(self) -> Batch:
        """Open interest after the day's trading, and the settlement price (last, else theoretical)."""
        self.oi = next_open_interest(self.oi, self.volume, self.rng)
        theo = self.pricer.theoretical(self.spots())
        settle = np.where(self.last > 0, self.last, theo)
        n = len(self.insts)
        st = empty_statuses(2 * n)
        st["inst"] = np.concatenate([self.insts, self.insts])
        st["time"] = self.t_close
        st["venue"] = Venue.KRX
        st["kind"] = np.concatenate([np.full(n, StatusKind.OPEN_INTEREST), np.full(n, StatusKind.SETTLEMENT)])
        st["qty"] = np.concatenate([self.oi, np.zeros(n, np.int64)])
        st["price"] = np.concatenate([np.zeros(n, np.int64), settle])
        return Batch(statuses=st)
