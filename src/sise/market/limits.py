"""Daily price limits (가격제한폭) and sign codes (대비기호).

The limit is an *amount*: base × rate, truncated to the tick of the **base** price's band. Then
(krx_rules §1.2):

* upper limit (상한가) = base + amount, rounded down to the tick of its *own* band, which may be
  coarser than the base's (base 16,990 → 16,990 + 5,090 = 22,080 → 22,050);
* lower limit (하한가) = base − amount. For a tick-aligned base it is already on the grid: it is a
  multiple of the base's tick, and every finer band's tick divides that (see ``ticks``).

Both limits are inclusive. A ``|p / base − 1| ≤ rate`` test is *not* the rule.

A rate of 0 means "no daily limit" (ELWs, liquidation trading): the band is then
``[NO_LIMIT_LOWER, NO_LIMIT_UPPER]`` = ``[1, int64 max]``, the same sentinel in the scalar and the
vectorised function.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

from sise.market.ticks import TICK_TABLES, TickTableId, round_down, round_up, tick_size, tick_sizes
from sise.market.types import InstrumentKind, Market, Sign

#: ±30 % for KOSPI and KOSDAQ since this date; ±15 % before. KONEX stays at ±15 %.
LIMIT_30_DATE = date(2015, 6, 15)
#: IPO-day band of 60 %–400 % of the offering price since this date.
IPO_BAND_DATE = date(2023, 6, 26)

#: Upper and lower "limit" of an instrument without a daily limit (rate 0).
NO_LIMIT_UPPER = int(np.iinfo(np.int64).max)
NO_LIMIT_LOWER = 1

# Smallest valid price of each table (its first tick); the floor for a lower limit.
_MIN_PRICE: npt.NDArray[np.int64] = np.array(
    [TICK_TABLES[TickTableId(i)].ticks[0] for i in range(len(TICK_TABLES))], dtype=np.int64
)


def limit_rate_pct(
    market: Market, on_date: date, kind: InstrumentKind = InstrumentKind.STOCK, leverage: int = 1
) -> int | None:
    """Daily limit rate in percent, or ``None`` where no daily limit applies (ELW).

    KONEX: 15. KOSPI/KOSDAQ: 30 from 2015-06-15, 15 before. A leveraged or inverse ETF gets that rate
    times ``|leverage|`` (×2 → 60, −1 → 30, −2 → 60); the reference states "30 % × the leverage
    multiple", using the absolute value for inverse funds is inferred. IPO day uses ``ipo_limits``
    instead. Derivatives have staged limits (krx_rules §5.2) that a single rate cannot express, so
    they raise ``ValueError``.
    """
    if kind == InstrumentKind.ELW:
        return None
    if kind in (InstrumentKind.FUTURE, InstrumentKind.OPTION):
        raise ValueError(f"derivatives have staged daily limits (±8/15/20 %), not one rate; got {kind.name}")
    base = 15 if market == Market.KONEX or on_date < LIMIT_30_DATE else 30
    if kind == InstrumentKind.ETF:
        return base * max(1, abs(leverage))
    return base


def price_limits(base: int, table: TickTableId, rate_pct: int = 30) -> tuple[int, int]:
    """(upper, lower) limit for ``base`` price; ``rate_pct`` 0 (or less) means no limit.

    ``base`` should be on its tick grid; if it is not, the limits are still put on the grid
    (upper rounded down, lower rounded up). The lower limit never goes below the table's smallest
    valid price (only reachable with a rate of 100 % or more).
    """
    if base <= 0:
        raise ValueError(f"base price must be positive, got {base}")
    if rate_pct <= 0:
        return NO_LIMIT_UPPER, NO_LIMIT_LOWER
    t = tick_size(base, table)
    amount = base * rate_pct // 100 // t * t
    upper = round_down(base + amount, table)
    lower = max(round_up(base - amount, table), int(_MIN_PRICE[table]))
    return upper, lower


def price_limits_array(
    bases: npt.ArrayLike, tables: npt.ArrayLike, rates_pct: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Vectorised ``price_limits``: (uppers, lowers), element-wise equal to the scalar function."""
    b = np.asarray(bases, dtype=np.int64)
    tab = np.asarray(tables, dtype=np.intp)
    rates = np.asarray(rates_pct, dtype=np.int64)
    if (b <= 0).any():
        raise ValueError("base prices must be positive")
    t = tick_sizes(b, tab)
    amount = b * np.maximum(rates, 0) // 100 // t * t
    up_raw = b + amount
    upper = up_raw // tick_sizes(up_raw, tab) * tick_sizes(up_raw, tab)
    lo_raw = b - amount
    # Round up to the grid: a no-op for a tick-aligned base (see the module docstring); one step is
    # enough because a ceiling on a band's tick can at most reach the next band's (valid) bound.
    lt = tick_sizes(lo_raw, tab)
    lower = np.maximum(-(-lo_raw // lt) * lt, _MIN_PRICE[tab])
    none = rates <= 0
    upper = np.where(none, NO_LIMIT_UPPER, upper)
    lower = np.where(none, NO_LIMIT_LOWER, lower)
    return np.asarray(upper, dtype=np.int64), np.asarray(lower, dtype=np.int64)


def ipo_limits(offering: int, table: TickTableId) -> tuple[int, int]:
    """(upper, lower) on listing day since 2023-06-26: 60 %–400 % of the offering price.

    Upper = 400 % rounded *down* to a valid price, lower = 60 % rounded *up* to a valid price, so
    the band never leaves 60 %–400 %. The rounding directions are inferred; the reference gives
    only the percentages. Before 2023-06-26 a different regime applied (90–200 % opening auction,
    then ±30 %), which this function does not model.
    """
    if offering <= 0:
        raise ValueError(f"offering price must be positive, got {offering}")
    upper = round_down(offering * 4, table)
    lower = round_up(-(-offering * 6 // 10), table)  # ceil(0.6 × offering), then onto the grid
    return upper, lower


def sign_code(price: int, base: int, upper: int, lower: int) -> Sign:
    """대비기호 of ``price`` against the base price and the day's limits (krx_rules §1.8).

    1 limit up (above base, at or above the upper limit), 2 up, 3 flat, 4 limit down (below base,
    at or below the lower limit), 5 down. A price equal to the base is flat even when a degenerate
    band (base of a few KRW, or "no limit") puts a limit on the base itself.
    """
    if price > base:
        return Sign.LIMIT_UP if price >= upper else Sign.UP
    if price < base:
        return Sign.LIMIT_DOWN if price <= lower else Sign.DOWN
    return Sign.FLAT


def sign_codes(
    prices: npt.ArrayLike, bases: npt.ArrayLike, uppers: npt.ArrayLike, lowers: npt.ArrayLike
) -> npt.NDArray[np.int8]:
    """Vectorised ``sign_code``."""
    p = np.asarray(prices)
    b = np.asarray(bases)
    up = p > b
    down = p < b
    out = np.full(np.broadcast(p, b).shape, Sign.FLAT, dtype=np.int8)
    out[up] = Sign.UP
    out[down] = Sign.DOWN
    out[up & (p >= np.asarray(uppers))] = Sign.LIMIT_UP
    out[down & (p <= np.asarray(lowers))] = Sign.LIMIT_DOWN
    return out
