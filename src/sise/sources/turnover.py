"""Each instrument's expected daily trading value: the one declaration that the back-fill's daily
volumes (``sise.sources.history``) and the simulated day's order flow (``sise.sources.simulator``)
both follow, so a live day trades on the scale of the stored days and the largest names carry
their real share of it.

* **Markets.** A market's stocks trade a fixed share of their market cap a day (the value-weighted
  turnover rate): KOSPI 0.45 %, KOSDAQ 2.0 % (KRX via SBS Biz 2025-12-28: 0.43–0.53 % and
  2.0–2.3 % in Nov–Dec 2025). With the built-in universe that is ≈ 28 trillion KRW on KOSPI and
  ≈ 10 trillion on KOSDAQ (KOSPI averaged 12.4 trillion a day in 2025 and 32.2 trillion in
  February 2026 as the index passed 6,000; KOSDAQ 11.5 trillion in December 2025).
* **Names.** Within a market, value goes by cap^α times a name's own turnover rate (lognormal,
  narrower for large caps, whose turnover is steadier): α = 0.8 on KOSPI puts Samsung
  Electronics near 17 % of KOSPI stock value (≈ 13 % of all KOSPI value, ETFs included) and the
  ten busiest names near 45 % of it (KRX: Samsung Electronics, its preferred share and SK hynix
  together took 28 % of KOSPI value in October 2025 and 33 % in February 2026; the split between
  them and the top-ten figure are inferred). KOSDAQ's trading is spread wider (retail themes):
  α = 0.6 (inferred).
* **ETFs and ETNs** trade a share of their listed value a day: plain products 2–3 %, leveraged
  and inverse ones 15 % (inferred).

The name's own rate is drawn once from the seed, not per day: the same names are busy in the
history and in every simulated day of a seed. Daily variation is each consumer's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.market.types import InstrumentKind, Market
from sise.market.universe import Universe

F64 = npt.NDArray[np.float64]

#: Value-weighted daily turnover rate (value / market cap) of each market's stocks.
MARKET_RATE: Final = {Market.KOSPI: 0.0045, Market.KOSDAQ: 0.020, Market.KONEX: 0.001}
#: Exponent of market cap in a stock's share of its market's value.
CAP_EXPONENT: Final = {Market.KOSPI: 0.8, Market.KOSDAQ: 0.6, Market.KONEX: 0.6}
#: σ of a stock's own log turnover rate: the smallest names' and the largest's.
_NAME_SIGMA: Final = (0.6, 0.15)
#: Daily turnover rate (value / listed value) of ETFs: plain domestic, other underlyings,
#: leveraged or inverse; and of ETNs.
_ETF_RATE: Final = (0.03, 0.02, 0.15)
_ETN_RATE: Final = 0.02
_ETP_SIGMA: Final = 0.4


@dataclass(frozen=True, slots=True)
class Turnover:
    """Expected daily KRX trading value per instrument (KRW) at full size; 0 for instruments
    that do not trade as cash products (indices' futures and options, delisted rows)."""

    value: F64

    @classmethod
    def from_universe(cls, universe: Universe, seed: int = 0) -> Turnover:
        """The declaration for ``universe``, deterministic in ``seed``."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5455524E,)))
        t = universe.instruments
        n = len(t)
        cap = t.prev_close.astype(np.float64) * np.maximum(t.listed_shares, 0)
        kind = t.kind
        stock = kind == InstrumentKind.STOCK
        z = rng.standard_normal(n)
        value = np.zeros(n)
        for market, rate in MARKET_RATE.items():
            sel = np.flatnonzero(stock & (t.market == market) & (cap > 0))
            if not len(sel):
                continue
            # Size percentile in the market (0 smallest … 1 largest): large caps vary less.
            size = np.empty(len(sel))
            size[np.lexsort((sel, cap[sel]))] = np.linspace(0.0, 1.0, len(sel))
            sigma = _NAME_SIGMA[0] + (_NAME_SIGMA[1] - _NAME_SIGMA[0]) * size
            w = cap[sel] ** CAP_EXPONENT[market] * np.exp(sigma * z[sel] - 0.5 * sigma**2)
            value[sel] = rate * cap[sel].sum() * w / w.sum()
        lev = t.leverage.astype(np.float64)
        domestic = universe.etp_index() >= 0
        etf_rate = np.where(lev != 1, _ETF_RATE[2], np.where(domestic, _ETF_RATE[0], _ETF_RATE[1]))
        etp_rate = np.where(kind == InstrumentKind.ETF, etf_rate, _ETN_RATE)
        etp = (kind == InstrumentKind.ETF) | (kind == InstrumentKind.ETN)
        noise = np.exp(_ETP_SIGMA * z - 0.5 * _ETP_SIGMA**2)
        value = np.where(etp, etp_rate * cap * noise, value)
        value = np.where(t.active & (t.prev_close > 0), value, 0.0)
        return cls(value)
