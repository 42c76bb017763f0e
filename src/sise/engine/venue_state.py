"""Per-venue market state: the daily aggregates one venue (KRX or NXT) has for each instrument,
the vectorised fold of a batch of trades into them, and the combined (통합) view derived from both.

The combined view is not folded on the hot path: every field is a sum, a max/min or a
"later of the two" of the venue fields, so it is derived on read (``combined``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sise.engine.bars import GroupedTrades
from sise.engine.batches import PROGRAM_KIND_MASK, PROGRAM_PROPRIETARY
from sise.market.types import N_INVESTORS

I64 = npt.NDArray[np.int64]


# Program-trading cells: [side (0 buy, 1 sell), kind (0 차익, 1 비차익), account (0 위탁, 1 자기)].
PROGRAM_SHAPE = (2, 2, 2)


class VenueState:
    """Daily state of one venue. Arrays are indexed by instrument number."""

    def __init__(self, n: int, n_members: int) -> None:
        self.n_members = n_members
        self.last = np.zeros(n, np.int64)  # 0: no trade today
        self.open = np.zeros(n, np.int64)
        self.high = np.zeros(n, np.int64)
        self.low = np.zeros(n, np.int64)
        self.volume = np.zeros(n, np.int64)
        self.value = np.zeros(n, np.int64)  # Σ price × qty (KRW for cash instruments)
        self.count = np.zeros(n, np.int64)
        self.first_time = np.zeros(n, np.int64)
        self.last_time = np.zeros(n, np.int64)
        self.last_qty = np.zeros(n, np.int64)
        self.buy_volume = np.zeros(n, np.int64)  # buyer-initiated (체결강도)
        self.inv_buy_qty = np.zeros((n, N_INVESTORS), np.int64)
        self.inv_sell_qty = np.zeros((n, N_INVESTORS), np.int64)
        self.inv_buy_val = np.zeros((n, N_INVESTORS), np.int64)
        self.inv_sell_val = np.zeros((n, N_INVESTORS), np.int64)
        self.prog_qty = np.zeros((n, *PROGRAM_SHAPE), np.int64)
        self.prog_val = np.zeros((n, *PROGRAM_SHAPE), np.int64)
        self.short_qty = np.zeros(n, np.int64)
        self.short_val = np.zeros(n, np.int64)
        self.mem_buy_qty = np.zeros((n, n_members), np.int64)
        self.mem_sell_qty = np.zeros((n, n_members), np.int64)

    def arrays(self) -> dict[str, npt.NDArray[np.int64]]:
        """Every per-instrument array, by name (for growth, digests and tests)."""
        return {k: v for k, v in vars(self).items() if isinstance(v, np.ndarray)}

    def grow(self, n: int) -> None:
        for name, arr in self.arrays().items():
            extra = n - arr.shape[0]
            if extra > 0:
                pad = np.zeros((extra, *arr.shape[1:]), arr.dtype)
                setattr(self, name, np.concatenate([arr, pad]))

    def fold(self, trades: npt.NDArray[np.void], g: GroupedTrades) -> None:
        """Fold ``trades`` (time-sorted) whose by-instrument grouping is ``g``."""
        if len(g.inst) == 0:
            return
        s, e = g.starts, g.ends
        u = g.inst[s]

        fresh = self.count[u] == 0
        self.open[u] = np.where(fresh, g.price[s], self.open[u])
        self.first_time[u] = np.where(fresh, g.time[s], self.first_time[u])
        self.high[u] = np.maximum(self.high[u], np.maximum.reduceat(g.price, s))
        gmin = np.minimum.reduceat(g.price, s)
        self.low[u] = np.where(self.low[u] == 0, gmin, np.minimum(self.low[u], gmin))
        self.last[u] = g.price[e]
        self.last_time[u] = g.time[e]
        self.last_qty[u] = g.qty[e]
        self.volume[u] += np.add.reduceat(g.qty, s)
        self.value[u] += np.add.reduceat(g.value, s)
        self.count[u] += e - s + 1

        inst = trades["inst"]
        qty = trades["qty"]
        val = trades["price"] * qty
        buyer = trades["buyer"]
        seller = trades["seller"]
        up = trades["side"] == 1
        np.add.at(self.buy_volume, inst[up], qty[up])
        np.add.at(self.inv_buy_qty, (inst, buyer), qty)
        np.add.at(self.inv_sell_qty, (inst, seller), qty)
        np.add.at(self.inv_buy_val, (inst, buyer), val)
        np.add.at(self.inv_sell_val, (inst, seller), val)
        np.add.at(self.mem_buy_qty, (inst, trades["buyer_member"]), qty)
        np.add.at(self.mem_sell_qty, (inst, trades["seller_member"]), qty)

        for side, col in ((0, "buy_program"), (1, "sell_program")):
            flags = trades[col]
            kind = flags & PROGRAM_KIND_MASK
            m = kind != 0
            if m.any():
                acct = (flags[m] & PROGRAM_PROPRIETARY) >> 2
                cell = (inst[m], np.full(int(m.sum()), side), kind[m].astype(np.intp) - 1, acct)
                np.add.at(self.prog_qty, cell, qty[m])
                np.add.at(self.prog_val, cell, val[m])

        short = trades["short"]
        if short.any():
            np.add.at(self.short_qty, inst[short], qty[short])
            np.add.at(self.short_val, inst[short], val[short])


def combined(krx: VenueState, nxt: VenueState) -> VenueState:
    """The 통합 view: KRX and NXT folded together, derived field by field."""
    out = VenueState.__new__(VenueState)
    out.n_members = krx.n_members
    both = (krx.count > 0) & (nxt.count > 0)
    nxt_later = nxt.last_time > krx.last_time
    nxt_first = (nxt.count > 0) & ((krx.count == 0) | (nxt.first_time < krx.first_time))
    for name, a in krx.arrays().items():
        b = getattr(nxt, name)
        if name in ("last", "last_time", "last_qty"):
            v = np.where(nxt_later, b, a)
        elif name in ("open", "first_time"):
            v = np.where(nxt_first, b, a)
        elif name == "high":
            v = np.maximum(a, b)
        elif name == "low":
            v = np.where(both, np.minimum(a, b), np.maximum(a, b))
        else:
            v = a + b
        setattr(out, name, v)
    return out
