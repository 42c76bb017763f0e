"""Per-venue market state: the daily aggregates each venue has for each instrument, the
vectorised fold of a batch of trades into them, and the combined (통합) view derived from both.

KRX and NXT live interleaved in one set of arrays, row ``2 × instrument + venue``, so one fold
covers both venues (half the numpy calls per batch) and rows stay valid when instruments are
appended. ``half(venue)`` gives a view of one venue's rows.

The combined view is not folded on the hot path: every field is a sum, a max/min or a
"later of the two" of the venue fields, so it is derived on read (``combined``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sise.engine.bars import GroupedTrades
from sise.engine.batches import PROGRAM_KIND_MASK, PROGRAM_PROPRIETARY, Columns
from sise.market.types import N_INVESTORS

I64 = npt.NDArray[np.int64]


# Program-trading cells: [side (0 buy, 1 sell), kind (0 차익, 1 비차익), account (0 위탁, 1 자기)].
PROGRAM_SHAPE = (2, 2, 2)


class VenueState:
    """Daily state. The folded state has a row per (instrument, venue); views from ``half`` and
    ``combined`` have a row per instrument."""

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
        # Investor flows: [instrument, side (0 buy, 1 sell), investor], in shares and in value.
        self.inv_qty = np.zeros((n, 2, N_INVESTORS), np.int64)
        self.inv_val = np.zeros((n, 2, N_INVESTORS), np.int64)
        self.prog_qty = np.zeros((n, *PROGRAM_SHAPE), np.int64)
        self.prog_val = np.zeros((n, *PROGRAM_SHAPE), np.int64)
        self.short_qty = np.zeros(n, np.int64)
        self.short_val = np.zeros(n, np.int64)
        # Member-firm volume: [instrument, side (0 buy, 1 sell), member].
        self.mem_qty = np.zeros((n, 2, n_members), np.int64)

    def half(self, venue: int) -> VenueState:
        """View of one venue's rows (writes go through to this state)."""
        out = VenueState.__new__(VenueState)
        out.n_members = self.n_members
        for name, arr in self.arrays().items():
            setattr(out, name, arr[venue::2])
        return out

    def arrays(self) -> dict[str, npt.NDArray[np.int64]]:
        """Every per-instrument array, by name (for growth, digests and tests)."""
        return {k: v for k, v in vars(self).items() if isinstance(v, np.ndarray)}

    def grow(self, n: int) -> None:
        for name, arr in self.arrays().items():
            extra = n - arr.shape[0]
            if extra > 0:
                pad = np.zeros((extra, *arr.shape[1:]), arr.dtype)
                setattr(self, name, np.concatenate([arr, pad]))

    def fold(self, tc: Columns, g: GroupedTrades) -> None:
        """Fold trades given as contiguous columns ``tc`` whose by-instrument grouping is ``g``."""
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

        # Scatter-adds go through flat 1-D indices: several times faster than tuple indices.
        inst = tc["row"]
        qty = tc["qty"]
        val = tc["price"] * qty
        up = tc["side"] == 1
        np.add.at(self.buy_volume, inst[up], qty[up])
        ni = N_INVESTORS
        buy_cell = inst * (2 * ni) + tc["buyer"]
        sell_cell = inst * (2 * ni) + ni + tc["seller"]
        cells = np.concatenate([buy_cell, sell_cell])
        np.add.at(self.inv_qty.reshape(-1), cells, np.concatenate([qty, qty]))
        np.add.at(self.inv_val.reshape(-1), cells, np.concatenate([val, val]))
        nm = self.n_members
        mem_cells = np.concatenate(
            [inst * (2 * nm) + tc["buyer_member"], inst * (2 * nm) + nm + tc["seller_member"]]
        )
        np.add.at(self.mem_qty.reshape(-1), mem_cells, np.concatenate([qty, qty]))

        pcells = []
        pidx = []
        for side, col in ((0, "buy_program"), (1, "sell_program")):
            flags = tc[col]
            kind = flags & PROGRAM_KIND_MASK
            m = np.flatnonzero(kind)
            if len(m):
                acct = (flags[m] & PROGRAM_PROPRIETARY) >> 2
                pcells.append(inst[m] * 8 + side * 4 + (kind[m].astype(np.intp) - 1) * 2 + acct)
                pidx.append(m)
        if pcells:
            cell = np.concatenate(pcells)
            rows = np.concatenate(pidx)
            np.add.at(self.prog_qty.reshape(-1), cell, qty[rows])
            np.add.at(self.prog_val.reshape(-1), cell, val[rows])

        short = np.flatnonzero(tc["short"])
        if len(short):
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
