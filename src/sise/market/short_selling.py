"""Short-selling regimes (krx_rules §6.2): which instruments may be sold short on a date.

- until 2020-03-15: every listed instrument;
- 2020-03-16 … 2021-05-02: no stock (the COVID ban);
- 2021-05-03 … 2023-11-05: KOSPI200 and KOSDAQ150 constituents only;
- 2023-11-06 … 2025-03-30: no stock (the full ban);
- from 2025-03-31: every listed instrument again.

ETFs and ETNs stay open throughout: their liquidity providers hedge by selling short, which is
why the bans show near-zero rather than zero short volume.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.market.instruments import InstrumentTable
from sise.market.types import InstrumentKind

__all__ = ["PARTIAL_RESUME", "SHORT_SALE_BANS", "short_sale_ban", "shortable"]

#: Periods (first day, last day, inclusive) in which no stock could be sold short.
SHORT_SALE_BANS: Final = (
    (date(2020, 3, 16), date(2021, 5, 2)),
    (date(2023, 11, 6), date(2025, 3, 30)),
)
#: The first ban was lifted for KOSPI200 and KOSDAQ150 constituents only, from this day on.
PARTIAL_RESUME: Final = date(2021, 5, 3)


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
