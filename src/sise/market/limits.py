"""Daily price limits (가격제한폭) and sign codes (대비기호).

The limit is an *amount*: base × rate truncated to the tick of the base price. The upper limit is
then rounded down to the tick of its own band, which may be coarser than the base's
(krx_rules §1.2). Both limits are inclusive.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

from sise.market.ticks import TickTableId, round_down, round_up, tick_size, tick_sizes
from sise.market.types import InstrumentKind, Market, Sign

#: ±30 % for KOSPI and KOSDAQ since this date; ±15 % before.
LIMIT_30_DATE = date(2015, 6, 15)
#: IPO-day band of 60 %–400 % of the offering price since this date.
IPO_BAND_DATE = date(2023, 6, 26)


def limit_rate_pct(
    market: Market, on_date: date, kind: InstrumentKind = InstrumentKind.STOCK, leverage: int = 1
) -> int | None:
    """Daily limit rate in percent, or ``None`` where no daily limit applies (ELW)."""
    if kind == InstrumentKind.ELW:
        return None
    if market == Market.KONEX or on_date < LIMIT_30_DATE:
        base = 15
    else:
        base = 30
    # Leveraged ETFs get the rate times the leverage multiple.
    return base * max(1, abs(leverage)) if kind == InstrumentKind.ETF else base


def price_limits(base: int, table: TickTableId, rate_pct: int = 30) -> tuple[int, int]:
    """(upper, lower) limit for a tick-aligned ``base`` price."""
    t = tick_size(base, table)
    amount = base * rate_pct // 100 // t * t
    upper = round_down(base + amount, table)
    lower = max(base - amount, 0)
    if lower == 0:
        lower = tick_size(0, table)
    return upper, lower


def ipo_limits(offering: int, table: TickTableId) -> tuple[int, int]:
    """(upper, lower) on listing day: 60 %–400 % of the offering price (since 2023-06-26)."""
    upper = round_down(offering * 4, table)
    lower = round_up(offering * 6 // 10 if offering * 6 % 10 == 0 else offering * 6 // 10 + 1, table)
    return upper, lower


def price_limits_array(
    bases: npt.NDArray[np.int64], tables: npt.NDArray[np.integer], rates_pct: npt.NDArray[np.integer]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Vectorised ``price_limits``. A rate of 0 means no limit: the band is then [1, int64 max]."""
    bases = np.asarray(bases, dtype=np.int64)
    rates = np.asarray(rates_pct, dtype=np.int64)
    t = tick_sizes(bases, tables)
    amount = bases * rates // 100 // t * t
    up_raw = bases + amount
    upper = up_raw // tick_sizes(up_raw, tables) * tick_sizes(up_raw, tables)
    lower = np.maximum(bases - amount, 1)
    none = rates <= 0
    upper = np.where(none, np.iinfo(np.int64).max, upper)
    lower = np.where(none, 1, lower)
    return upper.astype(np.int64), lower.astype(np.int64)


def sign_code(price: int, base: int, upper: int, lower: int) -> Sign:
    """대비기호 of ``price`` against the base price and the day's limits."""
    if price >= upper:
        return Sign.LIMIT_UP
    if price <= lower:
        return Sign.LIMIT_DOWN
    if price > base:
        return Sign.UP
    if price < base:
        return Sign.DOWN
    return Sign.FLAT


def sign_codes(
    prices: npt.NDArray[np.int64],
    bases: npt.NDArray[np.int64],
    uppers: npt.NDArray[np.int64],
    lowers: npt.NDArray[np.int64],
) -> npt.NDArray[np.int8]:
    """Vectorised ``sign_code``."""
    out = np.where(prices > bases, Sign.UP, np.where(prices < bases, Sign.DOWN, Sign.FLAT))
    out = np.where(prices >= uppers, Sign.LIMIT_UP, out)
    out = np.where(prices <= lowers, Sign.LIMIT_DOWN, out)
    return out.astype(np.int8)
