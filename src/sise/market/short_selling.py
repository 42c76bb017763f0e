"""Short-selling regimes (krx_rules §6.2): which instruments may be sold short on a date.

- until 2020-03-15: every listed instrument;
- 2020-03-16 … 2021-05-02: no stock (the COVID ban);
- 2021-05-03 … 2023-11-05: KOSPI200 and KOSDAQ150 constituents only;
- 2023-11-06 … 2025-03-30: no stock (the full ban);
- from 2025-03-31: every listed instrument again.

ETFs and ETNs stay open throughout: their liquidity providers hedge by selling short, which is
why the bans show near-zero rather than zero short volume.

``next_short_balance`` is how a short balance (공매도잔고) moves from one day to the next; the
history back-fill and the day's roll-over into history both use it.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.market.instruments import InstrumentTable
from sise.market.types import InstrumentKind

__all__ = [
    "BAN_COVER_RATE",
    "COVER_RATE",
    "PARTIAL_RESUME",
    "SHORT_SALE_BANS",
    "next_short_balance",
    "short_sale_ban",
    "shortable",
]

#: Periods (first day, last day, inclusive) in which no stock could be sold short.
SHORT_SALE_BANS: Final = (
    (date(2020, 3, 16), date(2021, 5, 2)),
    (date(2023, 11, 6), date(2025, 3, 30)),
)
#: The first ban was lifted for KOSPI200 and KOSDAQ150 constituents only, from this day on.
PARTIAL_RESUME: Final = date(2021, 5, 3)

#: Share of a short balance covered a day where shorting is open: each name's rate is drawn from
#: this range (the back-fill), the midpoint where no name's rate is known (a roll-over).
COVER_RATE: Final = (0.02, 0.05)
#: Under a ban positions are wound down slowly (loans are recalled over months)…
BAN_COVER_RATE: Final = 0.003
#: …and of the day's own short sales this share is covered the same day (day trades; market
#: makers close their hedges within the day).
SAME_DAY_COVER: Final = 0.35
BAN_SAME_DAY_COVER: Final = 0.9


def short_sale_ban(d: date) -> tuple[date, date] | None:
    """The ban in force on ``d`` as (first day, last day), or ``None``."""
    return next((ban for ban in SHORT_SALE_BANS if ban[0] <= d <= ban[1]), None)


def shortable(instruments: InstrumentTable, d: date) -> npt.NDArray[np.bool_]:
    """Per instrument, whether it may be sold short on ``d``."""
    stock = instruments.kind == InstrumentKind.STOCK
    if short_sale_ban(d) is not None:
        return np.asarray(~stock, np.bool_)
    if PARTIAL_RESUME <= d < SHORT_SALE_BANS[1][0]:
        return np.asarray(instruments.kospi200 | instruments.kosdaq150 | ~stock, np.bool_)
    return np.ones(len(instruments), np.bool_)


def next_short_balance(
    balance: npt.NDArray[np.int64],
    short_qty: npt.NDArray[np.int64],
    allowed: npt.NDArray[np.bool_],
    cover_rate: npt.NDArray[np.float64] | float,
) -> npt.NDArray[np.int64]:
    """Short balances (shares) at the end of a day: ``balance`` (the previous day's) plus the day's
    short sales ``short_qty``, less what is covered — ``cover_rate`` of the balance and
    ``SAME_DAY_COVER`` of the day's shorts where shorting is ``allowed``, the ban rates elsewhere."""
    daily_cover = np.where(allowed, cover_rate, BAN_COVER_RATE)
    same_day = np.where(allowed, SAME_DAY_COVER, BAN_SAME_DAY_COVER)
    cover = np.round(balance * daily_cover + short_qty * same_day).astype(np.int64)
    return np.asarray(np.maximum(balance + short_qty - cover, 0), np.int64)
