"""Tick sizes (호가가격단위) by price, instrument kind and date.

Every price in sise is an integer number of *price units*: KRW for stocks, ETFs, ETNs and ELWs,
1/100 of a point (or of a KRW, for currency futures) for derivatives. A tick table maps a price in
those units to the tick that applies at it. Band bounds are "at least X, less than Y": a price
exactly on a bound takes the coarser tick (krx_rules §1.1).

A price is *valid* in a table when it is positive and a multiple of the tick of its own band.
Every table satisfies two invariants, checked when the table is built:

* each tick divides the next (coarser) one, so a valid price minus a multiple of its tick is still
  valid when it falls into a finer band (this keeps the lower price limit on the grid);
* each band bound is a multiple of the tick on both sides of it, so rounding to the grid never jumps
  over a bound: rounding up lands at most *on* the bound, which is valid in the coarser band.

Vectorised lookups use one ``searchsorted`` over the union of every table's bounds and a single
gather from a (table × segment) tick matrix, so a batch of any mix of tables costs the same.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from sise.market.types import InstrumentKind, Market

#: The stock tick reform: one 7-band table for KOSPI, KOSDAQ and KONEX from this date.
STOCK_REFORM_DATE = date(2023, 1, 25)
#: ETF/ETN ticks became 1 KRW below 2,000 KRW from this date (flat 5 KRW before).
ETF_REFORM_DATE = date(2023, 12, 18)


@dataclass(frozen=True, slots=True)
class TickTable:
    """Bands: ``ticks[0]`` below ``bounds[0]``, ``ticks[i]`` for ``bounds[i-1] <= price < bounds[i]``,
    ``ticks[-1]`` from ``bounds[-1]`` up."""

    name: str
    bounds: tuple[int, ...]
    ticks: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.ticks) != len(self.bounds) + 1:
            raise ValueError(f"{self.name}: need one more tick than bounds")
        if any(t <= 0 for t in self.ticks):
            raise ValueError(f"{self.name}: ticks must be positive")
        if any(lo >= hi for lo, hi in zip(self.bounds, self.bounds[1:], strict=False)):
            raise ValueError(f"{self.name}: bounds must be strictly ascending")
        for finer, coarser in zip(self.ticks, self.ticks[1:], strict=False):
            if coarser % finer:
                raise ValueError(f"{self.name}: tick {finer} does not divide the next tick {coarser}")
        for bound, tick in zip(self.bounds, self.ticks[1:], strict=True):
            if bound % tick:
                raise ValueError(f"{self.name}: bound {bound} is not on the grid of the band it starts")
        if self.bounds and self.bounds[0] <= self.ticks[0]:
            raise ValueError(f"{self.name}: the first band holds no valid price")

    def tick(self, price: int) -> int:
        """Tick that applies at ``price``."""
        return self.ticks[bisect_right(self.bounds, price)]


class TickTableId(IntEnum):
    """Index into ``TICK_TABLES``; stored per instrument in the engine."""

    STOCK = 0  # 2023-01-25 onward, all stock markets (and single-stock futures)
    STOCK_OLD_KOSPI = 1  # KOSPI before 2023-01-25
    STOCK_OLD_KOSDAQ = 2  # KOSDAQ before 2023-01-25; also KONEX then (inferred)
    ETF = 3  # 2023-12-18 onward, ETF and ETN
    FLAT_5 = 4  # ETF/ETN before 2023-12-18, ELW; 0.05 pt index futures
    FLAT_1 = 5  # KTB futures (0.01 pt)
    FLAT_2 = 6  # mini KOSPI200 futures (0.02 pt)
    FLAT_10 = 7  # KOSDAQ150 futures (0.10 pt), USD futures (0.10 KRW)
    KOSPI200_OPTION = 8  # premium < 10 pt: 0.01; from 10 pt: 0.05
    KOSDAQ150_OPTION = 9  # premium < 50 pt: 0.1; from 50 pt: 0.5


TICK_TABLES: dict[TickTableId, TickTable] = {
    TickTableId.STOCK: TickTable(
        "stock", (2_000, 5_000, 20_000, 50_000, 200_000, 500_000), (1, 5, 10, 50, 100, 500, 1_000)
    ),
    TickTableId.STOCK_OLD_KOSPI: TickTable(
        "stock-kospi-pre-2023",
        (1_000, 5_000, 10_000, 50_000, 100_000, 500_000),
        (1, 5, 10, 50, 100, 500, 1_000),
    ),
    # Same as KOSPI up to 50,000, then 100 KRW for every higher price.
    TickTableId.STOCK_OLD_KOSDAQ: TickTable(
        "stock-kosdaq-pre-2023", (1_000, 5_000, 10_000, 50_000), (1, 5, 10, 50, 100)
    ),
    TickTableId.ETF: TickTable("etf", (2_000,), (1, 5)),
    TickTableId.FLAT_5: TickTable("flat-5", (), (5,)),
    TickTableId.FLAT_1: TickTable("flat-1", (), (1,)),
    TickTableId.FLAT_2: TickTable("flat-2", (), (2,)),
    TickTableId.FLAT_10: TickTable("flat-10", (), (10,)),
    TickTableId.KOSPI200_OPTION: TickTable("kospi200-option", (1_000,), (1, 5)),
    TickTableId.KOSDAQ150_OPTION: TickTable("kosdaq150-option", (5_000,), (10, 50)),
}
if sorted(TICK_TABLES) != list(range(len(TICK_TABLES))):  # pragma: no cover - module invariant
    raise RuntimeError("TICK_TABLES must hold exactly one table per TickTableId, numbered from 0")

# Vectorised form. The union of all bounds cuts the price axis into segments in which every
# table has a single tick; _SEG_TICKS[table * _N_SEG + segment] is that tick.
_UNION_BOUNDS: npt.NDArray[np.int64] = np.unique(
    np.array([b for t in TICK_TABLES.values() for b in t.bounds], dtype=np.int64)
)
_N_SEG = len(_UNION_BOUNDS) + 1
_SEG_STARTS = [0, *(int(b) for b in _UNION_BOUNDS)]
_SEG_TICKS: npt.NDArray[np.int64] = np.array(
    [[TICK_TABLES[TickTableId(i)].tick(s) for s in _SEG_STARTS] for i in range(len(TICK_TABLES))],
    dtype=np.int64,
).ravel()

# Every band bound is a multiple of _LUT_STEP, so a price's segment is a table lookup on
# price // _LUT_STEP: a division and a gather, several times cheaper than a binary search.
_LUT_STEP = 1_000
assert all(int(b) % _LUT_STEP == 0 for b in _UNION_BOUNDS), "band bounds must be multiples of 1,000"
_LUT_MAX = int(_UNION_BOUNDS[-1]) // _LUT_STEP
_SEG_LUT: npt.NDArray[np.intp] = np.searchsorted(
    _UNION_BOUNDS, np.arange(_LUT_MAX + 1, dtype=np.int64) * _LUT_STEP, side="right"
).astype(np.intp)


def stock_tick_table(market: Market, on_date: date) -> TickTableId:
    """Tick table of a stock listed on ``market`` on ``on_date``."""
    if on_date >= STOCK_REFORM_DATE:
        return TickTableId.STOCK
    return TickTableId.STOCK_OLD_KOSPI if market == Market.KOSPI else TickTableId.STOCK_OLD_KOSDAQ


def tick_table_for(kind: InstrumentKind, market: Market, on_date: date) -> TickTableId:
    """Tick table for a cash-market instrument. Derivatives name their table in their spec."""
    if kind == InstrumentKind.STOCK:
        return stock_tick_table(market, on_date)
    if kind in (InstrumentKind.ETF, InstrumentKind.ETN):
        return TickTableId.ETF if on_date >= ETF_REFORM_DATE else TickTableId.FLAT_5
    if kind == InstrumentKind.ELW:
        return TickTableId.FLAT_5
    raise ValueError(f"derivatives carry their own tick table; got kind {kind.name}")


def tick_size(price: int, table: TickTableId) -> int:
    """Tick at ``price`` (price units) in ``table``."""
    return TICK_TABLES[table].tick(price)


def tick_sizes(prices: npt.ArrayLike, tables: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Vectorised ``tick_size``: one tick per (price, table id) pair; the two arrays broadcast."""
    p = np.asarray(prices, dtype=np.int64)
    # Negative prices are invalid input; clamp them into segment 0 rather than index backwards.
    seg = _SEG_LUT[np.clip(p // _LUT_STEP, 0, _LUT_MAX)]
    idx = np.asarray(tables, dtype=np.intp) * _N_SEG + seg
    return np.asarray(_SEG_TICKS.take(idx), dtype=np.int64)


def on_tick(prices: npt.ArrayLike, tables: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where a price is a multiple of its own band's tick (positivity is checked separately)."""
    p = np.asarray(prices, dtype=np.int64)
    return np.asarray(p % tick_sizes(p, tables) == 0, dtype=np.bool_)


def round_down(price: int, table: TickTableId) -> int:
    """Largest price on the grid not above ``price`` (0 when ``price`` is below the smallest tick).

    Rounding down never leaves the band, because every band starts on its own grid.
    """
    t = tick_size(price, table)
    return price // t * t


def round_up(price: int, table: TickTableId) -> int:
    """Smallest price on the grid not below ``price``.

    The ceiling on the band's own tick can land exactly on the next (coarser) band's lower bound,
    e.g. 19,995 → 20,000 or 49,990 → 50,000 on the stock table; that bound is on the coarser grid.
    The loop re-checks the tick at the result, so it stays correct even for a table without that
    invariant.
    """
    up = price
    while True:
        t = tick_size(up, table)
        nxt = -(-up // t) * t
        if nxt == up:
            return up
        up = nxt


def shift_ticks(price: int, n: int, table: TickTableId) -> int:
    """The valid price ``n`` ticks above (n > 0) or below (n < 0) ``price``.

    Each step goes to the next valid price strictly above or below, so the tick of the band being
    stepped *into* applies: one tick below 2,000 on the stock table is 1,999, not 1,995, and one
    tick above 1,999 is 2,000. An off-grid ``price`` first moves to the grid in the step direction.
    Raises ``ValueError`` when stepping below the smallest valid price.
    """
    p = price
    for _ in range(abs(n)):
        p = round_up(p + 1, table) if n > 0 else round_down(p - 1, table)
        if p <= 0:
            raise ValueError(f"no valid price {abs(n)} ticks below {price} in {TICK_TABLES[table].name}")
    return p
