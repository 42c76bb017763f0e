"""Tick sizes (호가가격단위) by price, instrument kind and date.

Every price in sise is an integer number of *price units*: KRW for stocks, ETFs, ETNs and ELWs,
1/100 of a point (or of a KRW, for currency futures) for derivatives. A tick table maps a price in
those units to the tick that applies at it. Band bounds are "at least X, less than Y": a price
exactly on a bound takes the coarser tick (krx_rules §1.1).

Tables are numpy arrays so a whole batch is checked with one ``searchsorted`` per table.
"""

from __future__ import annotations

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
    """Bands: ``ticks[i]`` applies to ``bounds[i-1] <= price < bounds[i]``."""

    name: str
    bounds: tuple[int, ...]
    ticks: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.ticks) != len(self.bounds) + 1:
            raise ValueError(f"{self.name}: need one more tick than bounds")

    def tick(self, price: int) -> int:
        """Tick that applies at ``price``."""
        for bound, tick in zip(self.bounds, self.ticks, strict=False):
            if price < bound:
                return tick
        return self.ticks[-1]


class TickTableId(IntEnum):
    """Index into ``TICK_TABLES``; stored per instrument in the engine."""

    STOCK = 0  # 2023-01-25 onward, all stock markets
    STOCK_OLD_KOSPI = 1
    STOCK_OLD_KOSDAQ = 2  # also KONEX before the reform (inferred)
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

# Padded numpy form of every table, for vectorised lookups: one row per table id.
_MAX_BOUNDS = max(len(t.bounds) for t in TICK_TABLES.values())
_BOUNDS = np.full((len(TICK_TABLES), _MAX_BOUNDS), np.iinfo(np.int64).max, dtype=np.int64)
_TICKS = np.zeros((len(TICK_TABLES), _MAX_BOUNDS + 1), dtype=np.int64)
for _tid, _table in TICK_TABLES.items():
    _BOUNDS[_tid, : len(_table.bounds)] = _table.bounds
    _TICKS[_tid, : len(_table.ticks)] = _table.ticks
    _TICKS[_tid, len(_table.ticks) :] = _table.ticks[-1]


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


def tick_sizes(prices: npt.NDArray[np.int64], tables: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """Vectorised ``tick_size``: one tick per (price, table id) pair."""
    tables = np.asarray(tables, dtype=np.intp)
    band = (prices[:, None] >= _BOUNDS[tables]).sum(axis=1)
    return _TICKS[tables, band]


def on_tick(prices: npt.NDArray[np.int64], tables: npt.NDArray[np.integer]) -> npt.NDArray[np.bool_]:
    """True where a price sits on its band's tick grid."""
    return (prices % tick_sizes(prices, tables)) == 0


def round_down(price: int, table: TickTableId) -> int:
    """Largest valid price not above ``price``."""
    t = tick_size(price, table)
    return price // t * t


def round_up(price: int, table: TickTableId) -> int:
    """Smallest valid price not below ``price`` (the band of the rounded value decides the tick)."""
    t = tick_size(price, table)
    up = -(-price // t) * t
    # Rounding up can land on a coarser band's bound, which is itself on the coarser grid.
    return up


def shift_ticks(price: int, n: int, table: TickTableId) -> int:
    """Move ``n`` ticks up (n > 0) or down (n < 0) from a valid ``price``.

    One tick below 2,000 on the stock table is 1,999, not 1,995: stepping down uses the tick of
    the price below.
    """
    p = price
    for _ in range(abs(n)):
        if n > 0:
            p += tick_size(p, table)
        else:
            p -= tick_size(p - 1, table)
    return p
