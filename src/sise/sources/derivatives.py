"""Simulation-side derivatives pricing: futures and option prices with noise, open interest,
settlement.

The noise-free theory (cost of carry, the KTB notional bond, Black-76 on a skewed volatility
surface, rounding to the tick grid) is in ``sise.market.derivatives``, because listing needs it for
base prices and ``market`` may not import ``sources``. This module adds what makes a simulated
market move and look traded:

* a mean-reverting basis noise per futures contract, so basis = carry + noise and stays inside an
  arbitrage band of a few tenths of a point on KOSPI200;
* a mean-reverting ATM-volatility level per underlying, plus a spot-vol link (volatility rises when
  the underlying falls);
* open interest: a plausible starting level per contract and a daily opens − closes update;
* the daily settlement price.

Everything is vectorised numpy, and every random draw comes from the ``numpy.random.Generator``
passed in, so one seed gives identical prices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from sise.market.derivatives import (
    PRODUCTS,
    ContractTerms,
    Product,
    TheoryParams,
    VolSurface,
    black76,
    contract_terms,
    fair_values,
    forward_price,
    ktb_price,
    product_of_code,
    to_grid,
)
from sise.market.instruments import Instrument
from sise.market.ticks import TickTableId
from sise.market.timeutil import yyyymmdd_str
from sise.market.types import InstrumentKind

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

__all__ = [
    "DerivativesPricer",
    "PricerParams",
    "futures_prices",
    "initial_open_interest",
    "ktb_futures_prices",
    "next_open_interest",
    "option_prices",
    "ou_step",
    "settlement_prices",
]

# ---------------------------------------------------------------------------------------------------
# Vectorised price kernels
# ---------------------------------------------------------------------------------------------------


def futures_prices(
    spot: npt.ArrayLike,
    years: npt.ArrayLike,
    carry: npt.ArrayLike,
    tables: npt.ArrayLike,
    *,
    scale: npt.ArrayLike = 100,
    noise: npt.ArrayLike | None = None,
) -> I64:
    """Futures prices in price units: ``S·exp(carry·T)·(1 + noise)`` on the tick grid.

    ``spot`` is in the underlying's own units (points, KRW); ``carry`` is r − q (or r_KRW − r_USD);
    ``noise`` is the basis noise as a fraction of the price (see ``ou_step``).
    """
    value = forward_price(spot, years, carry)
    if noise is not None:
        value = value * (1.0 + np.asarray(noise, np.float64))
    return to_grid(value * np.asarray(scale, np.float64), tables)


def ktb_futures_prices(
    yield_pct: npt.ArrayLike,
    tenor_years: npt.ArrayLike,
    *,
    coupon: float = 0.05,
    tables: npt.ArrayLike = int(TickTableId.FLAT_1),
    scale: npt.ArrayLike = 100,
    noise: npt.ArrayLike | None = None,
) -> I64:
    """KTB futures prices in 0.01 pt: the notional ``coupon`` bond at the yield, times ``1 + noise``."""
    value = ktb_price(yield_pct, tenor_years, coupon)
    if noise is not None:
        value = value * (1.0 + np.asarray(noise, np.float64))
    return to_grid(value * np.asarray(scale, np.float64), tables)


def option_prices(
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    call: npt.ArrayLike,
    *,
    rate: float = 0.0275,
    surface: VolSurface | None = None,
    vol_shift: npt.ArrayLike = 0.0,
    tables: npt.ArrayLike = int(TickTableId.KOSPI200_OPTION),
    scale: npt.ArrayLike = 100,
) -> I64:
    """Option premiums in price units: Black-76 on ``forward`` (the futures price of the option's
    expiry) with the surface's volatility plus ``vol_shift``, rounded to the option tick grid and
    at least one tick (0.01 pt)."""
    s = surface or VolSurface()
    f = np.asarray(forward, np.float64)
    k = np.asarray(strike, np.float64)
    t = np.asarray(years, np.float64)
    vol = np.maximum(s.vol(np.log(k / f), t) + np.asarray(vol_shift, np.float64), s.floor)
    premium = black76(f, k, t, vol, rate, call)
    return to_grid(premium * np.asarray(scale, np.float64), tables)


def ou_step(
    x: npt.ArrayLike,
    dt_s: float,
    sd: npt.ArrayLike,
    half_life_s: float,
    rng: np.random.Generator,
    band: npt.ArrayLike | None = None,
) -> F64:
    """One exact step of a zero-mean Ornstein-Uhlenbeck process with stationary deviation ``sd``;
    ``band`` clips the result (the arbitrage band: beyond it arbitrageurs trade the basis back)."""
    v = np.asarray(x, np.float64)
    a = math.exp(-math.log(2.0) * dt_s / half_life_s)
    out = v * a + np.asarray(sd, np.float64) * math.sqrt(1.0 - a * a) * rng.standard_normal(v.shape)
    if band is not None:
        b = np.asarray(band, np.float64)
        out = np.clip(out, -b, b)
    return np.asarray(out, np.float64)


# ---------------------------------------------------------------------------------------------------
# A pricer over a contract list
# ---------------------------------------------------------------------------------------------------


def _default_basis_sd() -> dict[Product, float]:
    # Fractions of the price. KOSPI200 1e-4 ≈ 0.11 pt at 1,086, so the ±3 sd band is ≈ ±0.33 pt.
    return {
        Product.KOSPI200: 1e-4,
        Product.MINI_KOSPI200: 1e-4,
        Product.KOSDAQ150: 1.5e-4,
        Product.STOCK: 3e-4,
        Product.USD: 1e-4,
        Product.KTB3: 3e-5,
        Product.KTB10: 5e-5,
    }


@dataclass(frozen=True, slots=True)
class PricerParams:
    """Noise settings of ``DerivativesPricer`` (the theory inputs are in ``theory``)."""

    theory: TheoryParams = field(default_factory=TheoryParams)
    basis_sd: Mapping[Product, float] = field(default_factory=_default_basis_sd)
    basis_band_sd: float = 3.0  # clip the basis noise at this many sd
    basis_half_life_s: float = 600.0
    vol_sd: float = 0.01  # stationary sd of the ATM vol level, absolute (1 vol point)
    vol_half_life_s: float = 3 * 6.5 * 3600.0  # about three sessions
    spot_vol_beta: float = 0.5  # vol points gained per 1 % fall of the underlying


class DerivativesPricer:
    """Prices a fixed contract list from underlying levels, with basis and volatility noise.

    ``prices`` is what the simulator trades around; ``theoretical`` is the noise-free price
    (KRX-style 이론가). ``step`` advances the noise by ``dt_s`` seconds of market time.
    """

    def __init__(
        self,
        contracts: Sequence[Instrument],
        on_date: date,
        spot_levels: Mapping[str, float],
        rng: np.random.Generator,
        params: PricerParams | None = None,
    ) -> None:
        self.params = params or PricerParams()
        self.rng = rng
        self.terms: ContractTerms = contract_terms(contracts, on_date, self.params.theory)
        self.start_spots = self.spot_vector(spot_levels)
        sd = np.array(
            [
                0.0
                if c.kind == InstrumentKind.OPTION
                else self.params.basis_sd.get(product_of_code(c.code), 0.0)
                for c in contracts
            ],
            np.float64,
        )
        self.basis_sd = sd
        self.basis_band = sd * self.params.basis_band_sd
        self.basis = np.clip(sd * rng.standard_normal(len(sd)), -self.basis_band, self.basis_band)
        self.vol_level = self.params.vol_sd * rng.standard_normal(len(self.terms.underlyings))

    def spot_vector(self, spot_levels: Mapping[str, float] | npt.ArrayLike) -> F64:
        """Spot levels in ``terms.underlyings`` order, from a mapping or an array already in that order."""
        if isinstance(spot_levels, Mapping):
            missing = [u for u in self.terms.underlyings if u not in spot_levels]
            if missing:
                raise ValueError(f"no spot level for {', '.join(missing)}")
            return np.array([spot_levels[u] for u in self.terms.underlyings], np.float64)
        out = np.asarray(spot_levels, np.float64)
        if out.shape != (len(self.terms.underlyings),):
            raise ValueError(f"expected {len(self.terms.underlyings)} spot levels, got shape {out.shape}")
        return out

    def step(self, dt_s: float) -> None:
        """Advance the basis and volatility noise by ``dt_s`` seconds."""
        p = self.params
        self.basis = ou_step(self.basis, dt_s, self.basis_sd, p.basis_half_life_s, self.rng, self.basis_band)
        self.vol_level = ou_step(self.vol_level, dt_s, p.vol_sd, p.vol_half_life_s, self.rng)

    def vol_shift(self, spots: F64) -> F64:
        """Per-contract volatility shift: the noise level minus ``spot_vol_beta`` × the log return."""
        shift = self.vol_level - self.params.spot_vol_beta * np.log(spots / self.start_spots)
        return np.asarray(shift[self.terms.und], np.float64)

    def prices(self, spot_levels: Mapping[str, float] | npt.ArrayLike) -> I64:
        """Prices with the current noise, in price units on the tick grid."""
        s = self.spot_vector(spot_levels)
        return fair_values(self.terms, s, self.params.theory, basis=self.basis, vol_shift=self.vol_shift(s))

    def theoretical(self, spot_levels: Mapping[str, float] | npt.ArrayLike) -> I64:
        """Noise-free prices."""
        return fair_values(self.terms, self.spot_vector(spot_levels), self.params.theory)


# ---------------------------------------------------------------------------------------------------
# Open interest and settlement
# ---------------------------------------------------------------------------------------------------

#: Open interest of the front contract (options: of the at-the-money strike), in contracts. The
#: KOSPI200 figure matches the Koscom history sample (275,009); the others are plausible sizes.
OI_FRONT: dict[Product, int] = {
    Product.KOSPI200: 280_000,
    Product.MINI_KOSPI200: 40_000,
    Product.KOSDAQ150: 30_000,
    Product.STOCK: 40_000,
    Product.USD: 500_000,
    Product.KTB3: 450_000,
    Product.KTB10: 150_000,
    Product.KOSPI200_OPTION: 40_000,
}
#: Each further contract month holds this fraction of the previous one's open interest.
OI_DECAY: dict[Product, float] = {
    Product.KOSPI200: 0.08,
    Product.MINI_KOSPI200: 0.25,
    Product.KOSDAQ150: 0.08,
    Product.STOCK: 0.05,
    Product.USD: 0.3,
    Product.KTB3: 0.05,
    Product.KTB10: 0.05,
    Product.KOSPI200_OPTION: 0.35,
}
# Option open interest by distance from the money in strikes: wide on the out-of-the-money side
# (puts wider than calls: hedgers buy puts), narrow in the money.
_OTM_WIDTH_CALL = 7.0
_OTM_WIDTH_PUT = 10.0
_ITM_WIDTH = 3.0


def initial_open_interest(
    contracts: Sequence[Instrument], on_date: date, rng: np.random.Generator, *, noise_sd: float = 0.3
) -> I64:
    """A plausible starting open interest per contract.

    Front months and near-the-money strikes are largest: ``OI_FRONT × OI_DECAY^(position − 1)``, for
    options times a bell in the distance from the money (the median strike of the expiry, which
    is where the strikes were centred at listing), times log-normal noise. Stock futures get one
    log-normal size per underlying. Expired contracts get 0.
    """
    n = len(contracts)
    day = yyyymmdd_str(on_date)
    products = [product_of_code(c.code) for c in contracts]
    groups: dict[tuple[Product, str], list[int]] = {}
    for i, (c, p) in enumerate(zip(contracts, products, strict=True)):
        if c.expiry >= day:
            groups.setdefault((p, c.underlying), []).append(i)
    base = np.zeros(n)
    for (product, _), rows in groups.items():
        expiries = sorted({contracts[i].expiry for i in rows})
        size = float(OI_FRONT[product])
        if product == Product.STOCK:
            size *= math.exp(0.8 * float(rng.standard_normal()))
        for i in rows:
            c = contracts[i]
            base[i] = size * OI_DECAY[product] ** expiries.index(c.expiry)
        if PRODUCTS[product].kind == InstrumentKind.OPTION:
            step = PRODUCTS[product].strike_step * contracts[rows[0]].price_scale
            for e in expiries:
                same = [i for i in rows if contracts[i].expiry == e]
                center = float(np.median([contracts[i].strike for i in same]))
                for i in same:
                    c = contracts[i]
                    d = (c.strike - center) / step
                    call = c.code[0] in "2B"
                    otm = d if call else -d
                    width = (_OTM_WIDTH_CALL if call else _OTM_WIDTH_PUT) if otm >= 0 else _ITM_WIDTH
                    base[i] *= math.exp(-0.5 * (otm / width) ** 2)
    noise = np.exp(noise_sd * rng.standard_normal(n) - 0.5 * noise_sd**2)
    return np.asarray(np.rint(base * noise), np.int64)


def next_open_interest(
    oi: npt.ArrayLike,
    volume: npt.ArrayLike,
    rng: np.random.Generator,
    *,
    open_share: float = 0.3,
    close_share: float = 0.3,
    concentration: float = 200.0,
    target: npt.ArrayLike | None = None,
) -> I64:
    """Open interest after a day that traded ``volume`` contracts: OI + opens − closes, never < 0.

    Of the day's volume a Beta-distributed share (mean ``open_share``) opened new positions on
    both sides and another (mean ``close_share``) closed positions on both sides; the rest moved
    positions between holders. Closes cannot exceed what was open plus what opened. With
    ``target`` the close share scales with ``oi / target`` (clipped to 0.5–2), pulling OI back
    towards it.
    """
    o = np.asarray(oi, np.int64)
    v = np.asarray(volume, np.int64)
    if (o < 0).any() or (v < 0).any():
        raise ValueError("open interest and volume must not be negative")
    shape = np.broadcast(o, v).shape
    f_open = rng.beta(open_share * concentration, (1.0 - open_share) * concentration, shape)
    f_close = rng.beta(close_share * concentration, (1.0 - close_share) * concentration, shape)
    if target is not None:
        tgt = np.maximum(np.asarray(target, np.float64), 1.0)
        f_close = np.minimum(f_close * np.clip(o / tgt, 0.5, 2.0), 1.0)
    opens = np.rint(v * f_open).astype(np.int64)
    closes = np.minimum(np.rint(v * f_close).astype(np.int64), o + opens)
    return np.asarray(np.maximum(o + opens - closes, 0), np.int64)


def settlement_prices(last: npt.ArrayLike, theoretical: npt.ArrayLike) -> I64:
    """Daily settlement price: the last traded price, or the theoretical price where nothing
    traded (``last`` ≤ 0)."""
    lp = np.asarray(last, np.int64)
    return np.asarray(np.where(lp > 0, lp, np.asarray(theoretical, np.int64)), np.int64)
