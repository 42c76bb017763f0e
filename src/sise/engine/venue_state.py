"""Per-venue market state: the daily aggregates each venue has for each instrument, the
vectorised fold of a batch of trades into them, and the combined (통합) view derived from both.

KRX and NXT live interleaved in one set of arrays, row ``2 × instrument + venue``, so one fold
covers both venues (half the numpy calls per batch) and rows stay valid when instruments are
appended. ``half(venue)`` gives a view of one venue's rows.

The combined view is not folded on the hot path: every field is a sum, a max/min or a
"later of the two" of the venue fields, so it is derived on read (``combined``)."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import numpy.typing as npt

from sise.engine.bars import GroupedTrades
from sise.engine.batches import PROGRAM_KIND_MASK, PROGRAM_PROPRIETARY, Columns
from sise.engine.state import Combine, RowField, declared, grow_first_axis
from sise.market.types import N_INVESTORS, ProgramKind, Side

I64 = npt.NDArray[np.int64]


# Program-trading cells: [side (0 buy, 1 sell), kind (0 차익, 1 비차익), account (0 위탁, 1 자기)].
PROGRAM_SHAPE = (2, 2, 2)


_SUM = RowField()


class VenueState:
    """Daily state. The folded state has a row per (instrument, venue); views from ``half`` and
    ``combined`` have a row per instrument.

    Every array is declared once below (``sise.engine.state``): allocation, ``half``, ``grow``,
    ``arrays`` and ``combined`` derive from the declarations."""

    last: Annotated[I64, RowField(combine=Combine.LATER)]  # 0: no trade today
    open: Annotated[I64, RowField(combine=Combine.FIRST)]
    high: Annotated[I64, RowField(combine=Combine.MAX)]
    low: Annotated[I64, RowField(combine=Combine.MIN_TRADED)]
    volume: Annotated[I64, _SUM]
    value: Annotated[I64, _SUM]  # Σ price × qty (KRW for cash instruments)
    count: Annotated[I64, _SUM]
    first_time: Annotated[I64, RowField(combine=Combine.FIRST)]
    last_time: Annotated[I64, RowField(combine=Combine.LATER)]
    last_qty: Annotated[I64, RowField(combine=Combine.LATER)]
    last_side: Annotated[I64, RowField(combine=Combine.LATER)]  # aggressor: 1 buy, 2 sell; 0 none
    buy_volume: Annotated[I64, _SUM]  # buyer-initiated (체결강도)
    # Investor flows: [row, side (0 buy, 1 sell), investor], in shares and in value.
    inv_qty: Annotated[I64, RowField((2, N_INVESTORS))]
    inv_val: Annotated[I64, RowField((2, N_INVESTORS))]
    prog_qty: Annotated[I64, RowField(PROGRAM_SHAPE)]
    prog_val: Annotated[I64, RowField(PROGRAM_SHAPE)]
    short_qty: Annotated[I64, _SUM]
    short_val: Annotated[I64, _SUM]
    # Member-firm volume: [row, side (0 buy, 1 sell), member].
    mem_qty: Annotated[I64, RowField((2, "n_members"))]

    def __init__(self, n: int, n_members: int) -> None:
        self.n_members = n_members
        for f in _FIELDS:
            setattr(self, f.name, f.new(f.spec.shape(n, self)))

    def half(self, venue: int) -> VenueState:
        """View of one venue's rows (writes go through to this state)."""
        out = VenueState.__new__(VenueState)
        out.n_members = self.n_members
        for name, arr in self.arrays().items():
            setattr(out, name, arr[venue::2])
        return out

    def arrays(self) -> dict[str, I64]:
        """Every per-row array, by name, in declaration order (for digests and tests)."""
        return {f.name: getattr(self, f.name) for f in _FIELDS}

    def grow(self, n: int) -> None:
        for name, arr in self.arrays().items():
            setattr(self, name, grow_first_axis(arr, n))

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
        self.last_side[u] = tc["side"][g.order[e]]
        self.volume[u] += np.add.reduceat(g.qty, s)
        self.value[u] += np.add.reduceat(g.value, s)
        self.count[u] += e - s + 1

        # Scatter-adds go through flat 1-D indices: several times faster than tuple indices.
        inst = tc["row"]
        qty = tc["qty"]
        val = tc["price"] * qty
        up = tc["side"] == 1
        np.add.at(self.buy_volume, inst[up], qty[up])
        add_investor_flows(self.inv_qty, self.inv_val, inst, tc["buyer"], tc["seller"], qty, val)
        mem_shape = self.mem_qty.shape
        mem_cells = np.concatenate(
            [
                np.ravel_multi_index((inst, Side.BUY, tc["buyer_member"]), mem_shape),
                np.ravel_multi_index((inst, Side.SELL, tc["seller_member"]), mem_shape),
            ]
        )
        np.add.at(self.mem_qty.reshape(-1), mem_cells, np.concatenate([qty, qty]))

        pcells = []
        pidx = []
        rows_shape = (len(self.prog_qty), *PROGRAM_SHAPE)
        for side, col in ((Side.BUY, "buy_program"), (Side.SELL, "sell_program")):
            flags = tc[col]
            kind = flags & PROGRAM_KIND_MASK
            m = np.flatnonzero(kind)
            if len(m):
                acct = (flags[m] & PROGRAM_PROPRIETARY) >> 2  # Account.AGENCY / PROPRIETARY
                axis = kind[m].astype(np.intp) - ProgramKind.ARBITRAGE  # the kind axis starts at 차익
                pcells.append(np.ravel_multi_index((inst[m], side, axis, acct), rows_shape))
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


def add_investor_flows(
    inv_qty: I64,
    inv_val: I64,
    inst: npt.NDArray[np.integer[Any]],
    buyer: npt.NDArray[np.integer[Any]],
    seller: npt.NDArray[np.integer[Any]],
    qty: I64,
    val: I64,
) -> None:
    """Add trades to ``[row, side, investor]`` flow arrays: each trade's quantity and value to its
    buyer's buy cell and its seller's sell cell (flat scatter-adds: several times faster than
    tuple indices)."""
    shape = inv_qty.shape
    cells = np.concatenate(
        [
            np.ravel_multi_index((inst, Side.BUY, buyer), shape),
            np.ravel_multi_index((inst, Side.SELL, seller), shape),
        ]
    )
    np.add.at(inv_qty.reshape(-1), cells, np.concatenate([qty, qty]))
    np.add.at(inv_val.reshape(-1), cells, np.concatenate([val, val]))


def combined(krx: VenueState, nxt: VenueState) -> VenueState:
    """The 통합 view: KRX and NXT folded together, derived field by field."""
    out = VenueState.__new__(VenueState)
    out.n_members = krx.n_members
    both = (krx.count > 0) & (nxt.count > 0)
    nxt_later = nxt.last_time > krx.last_time
    nxt_first = (nxt.count > 0) & ((krx.count == 0) | (nxt.first_time < krx.first_time))
    for f in _FIELDS:
        a, b = getattr(krx, f.name), getattr(nxt, f.name)
        rule = f.spec.combine
        if rule is Combine.LATER:
            v = np.where(nxt_later, b, a)
        elif rule is Combine.FIRST:
            v = np.where(nxt_first, b, a)
        elif rule is Combine.MAX:
            v = np.maximum(a, b)
        elif rule is Combine.MIN_TRADED:  # 0 means no trade on that venue
            v = np.where(both, np.minimum(a, b), np.maximum(a, b))
        else:
            v = a + b
        setattr(out, f.name, v)
    return out


_FIELDS = declared(VenueState, RowField)
