"""The factor model of daily returns, shared by the history back-fill and the intraday simulator.

A stock's daily log-return is

    r = μ + β·f_mkt + k·f_kosdaq + l·f_industry + ε + J

* ``f_mkt`` — one market factor with GARCH(1,1) volatility clustering; its conditional scale also
  multiplies the KOSDAQ and industry factors (a calm or stressed day is calm or stressed for all);
* ``f_kosdaq`` — a second factor loaded by KOSDAQ stocks only (growth/small-cap risk), so the
  KOSDAQ index is more volatile than KOSPI, as it is;
* ``f_industry`` — one factor per KRX industry;
* ``ε`` — idiosyncratic noise; every innovation is a unit-variance Student-t (ν = 4): fat tails;
* ``J`` — Poisson jumps of ±3–10 %, more frequent and larger for small caps.

Each stock gets a *total* daily σ by size (krx_rules §8.2: KOSPI large caps ≈ 1.5–2.5 %, small
KOSDAQ names ≈ 3–5 %); ε takes whatever variance the factors and jumps leave. The market and
KOSDAQ factor scales are solved so the cap-weighted KOSPI and KOSDAQ composites come out at their
target daily σ (≈ 1.0 % and ≈ 1.35 %), whatever the universe.

ETFs and ETNs follow their underlying: a domestic index or sector → the cap-weighted simple
return of its members, times ``leverage``; FOREIGN / BOND / COMMODITY / FX / MONEY → an asset
factor (partly correlated with the market) plus a product-specific part; then a little tracking
noise.

Every parameter is a per-instrument numpy array (``beta``, ``vol``, ``idio_vol``, ``jump_rate`` …),
so the intraday simulator can scale them to its step: a step of ``dt`` of the session carries
``intraday_vol × sqrt(dt)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.market.indices_table import IndexDef
from sise.market.types import InstrumentKind, Market
from sise.market.universe import Universe

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: Non-equity underlyings with their own factor: (common σ, product σ, correlation of the common
#: part with the market factor, daily drift). Daily σ of a product ≈ √(common² + product²):
#: FOREIGN ≈ 1 %, BOND ≈ 0.2 %, COMMODITY ≈ 1.2 %, FX ≈ 0.4 %, MONEY ≈ 0.05 %. FX is negatively
#: correlated: the won weakens when Korean equities fall, so dollar products rise.
ASSET_CLASSES: Final[dict[str, tuple[float, float, float, float]]] = {
    "FOREIGN": (0.008, 0.006, 0.35, 0.0002),
    "BOND": (0.0018, 0.0010, -0.15, 0.0001),
    "COMMODITY": (0.007, 0.010, 0.10, 0.0),
    "FX": (0.0038, 0.0012, -0.30, 0.0),
    "MONEY": (0.0004, 0.0003, 0.0, 0.00012),
}
_ASSET_NAMES: Final = tuple(ASSET_CLASSES)

NU: Final = 4.0  # Student-t degrees of freedom of every innovation
_T_SCALE: Final = math.sqrt((NU - 2.0) / NU)  # makes a t(ν) draw unit-variance

#: Cap-weighted composite daily σ targets (krx_rules §8.2).
KOSPI_INDEX_VOL: Final = 0.010
KOSDAQ_INDEX_VOL: Final = 0.0135

_GARCH_ALPHA: Final = 0.05
_GARCH_BETA: Final = 0.90
_GARCH_CAP: Final = 3.0  # conditional σ never above this multiple of the unconditional one
_STOCK_DRIFT: Final = 0.0002  # ≈ 5 % a year
_MIN_IDIO_SHARE: Final = 0.2  # ε keeps at least this share of a stock's variance
_SUFFIX = re.compile(r"_(LEV|INV)\d+$")


def standard_t(rng: np.random.Generator, size: int | tuple[int, ...]) -> F64:
    """Unit-variance Student-t(ν = 4) draws."""
    return np.asarray(rng.standard_t(NU, size) * _T_SCALE, np.float64)


@dataclass(frozen=True, slots=True)
class DailyDraw:
    """One sample of daily returns and the parts the back-fill reuses."""

    returns: F64  # (days, instruments) log-returns
    market: F64  # (days,) market factor
    market_scale: F64  # (days,) conditional σ of the market factor / unconditional σ
    underlying: F64  # (days, instruments) simple return of each ETP's underlying (0 elsewhere)
    tracking: F64  # (days, instruments) ETP tracking noise (log)


@dataclass(frozen=True, slots=True)
class FactorModel:
    """Per-instrument parameters of the daily return model (arrays indexed by instrument number).

    Fractions are daily, log-return units.
    """

    codes: list[str]
    is_stock: B
    market_id: npt.NDArray[np.int8]  # Market of each instrument
    size: F64  # cap percentile within the market among stocks, 0 smallest … 1 largest (ETPs 0)
    beta: F64  # loading on the market factor (stocks)
    kosdaq_loading: F64  # loading on the KOSDAQ factor (KOSDAQ stocks)
    industry: I64  # industry factor number, −1 for none
    industry_loading: F64
    vol: F64  # total daily σ (stocks: the size target; ETPs: implied by the underlying)
    idio_vol: F64  # σ of ε
    jump_rate: F64  # jumps per day
    jump_min: F64  # smallest |jump| (log)
    jump_max: F64  # largest |jump| (log)
    overnight_ratio: F64  # σ(overnight gap) / σ(intraday move), 0.5–1
    drift: F64  # μ per day (log)
    industries: list[str]
    industry_vol: F64  # per industry factor
    market_vol: float  # unconditional σ of the market factor
    kosdaq_vol: float
    # ETPs
    leverage: F64
    basket: F64  # (baskets, instruments) cap weights at the starting prices, rows sum to 1
    basket_names: list[str]
    basket_float: B  # per basket: float-adjusted weights (index rule) rather than listed shares
    etp_basket: I64  # basket of each ETP, −1 for none
    asset_class: I64  # position in ASSET_CLASSES of each ETP with a non-equity underlying, −1 else
    asset_vol: F64  # σ of the product-specific part of a non-equity underlying
    tracking_vol: F64  # σ of an ETP's tracking noise

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def from_universe(
        cls,
        universe: Universe,
        seed: int = 0,
        *,
        kospi_vol: float = KOSPI_INDEX_VOL,
        kosdaq_vol: float = KOSDAQ_INDEX_VOL,
    ) -> FactorModel:
        """Parameters for ``universe``, deterministic in ``seed``; the market and KOSDAQ factor σ
        are solved so the composites' daily σ is ``kospi_vol`` and ``kosdaq_vol``."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x46414354,)))
        ins = universe.instruments
        n = len(ins)
        kind = ins.kind.astype(np.int64)
        market = ins.market.astype(np.int8)
        stock = kind == InstrumentKind.STOCK
        kosdaq = stock & (market == Market.KOSDAQ)
        cap = ins.prev_close.astype(np.float64) * ins.listed_shares

        size = np.zeros(n)
        for m in (Market.KOSPI, Market.KOSDAQ, Market.KONEX):
            sel = np.flatnonzero(stock & (market == m))
            if len(sel) > 1:
                order = sel[np.lexsort((sel, cap[sel]))]  # ascending cap, ties by number
                size[order] = np.arange(len(sel)) / (len(sel) - 1)
            elif len(sel) == 1:
                size[sel] = 1.0
        small = 1.0 - size

        # Stock parameters by size (krx_rules §8.2).
        beta = np.clip(0.9 + 0.15 * small + rng.normal(0.0, 0.08, n), 0.6, 1.4)
        base_vol = np.where(market == Market.KOSPI, 0.017 + 0.015 * small**1.2, 0.027 + 0.017 * small)
        vol = base_vol * np.exp(rng.normal(0.0, 0.12, n))
        group = np.array(ins.group)
        vol = np.where(group == "RT", vol * 0.6, vol)  # REITs and funds move less
        vol = np.where(ins.preferred, vol * 0.9, vol)
        jump_rate = 0.02 + 0.03 * small
        jump_min = np.full(n, 0.03)
        jump_max = 0.06 + 0.04 * small
        overnight_ratio = rng.uniform(0.5, 1.0, n)
        industry_loading = rng.uniform(0.7, 1.2, n)

        industries = sorted({ind for ind, s in zip(ins.industry, stock, strict=True) if s and ind})
        ind_pos = {name: i for i, name in enumerate(industries)}
        industry = np.array(
            [ind_pos.get(ind, -1) if s else -1 for ind, s in zip(ins.industry, stock, strict=True)]
        )
        industry_vol = rng.uniform(0.005, 0.009, len(industries))

        kosdaq_loading = np.where(kosdaq, rng.uniform(0.8, 1.2, n), 0.0)
        beta = np.where(stock, beta, 0.0)
        industry_loading = np.where(industry >= 0, industry_loading, 0.0)
        jump_rate = np.where(stock, jump_rate, 0.0)

        jump_var = jump_rate * (jump_min**2 + jump_min * jump_max + jump_max**2) / 3.0
        ind_sigma = industry_vol[np.maximum(industry, 0)] if industries else np.zeros(n)
        ind_var = np.where(industry >= 0, (industry_loading * ind_sigma) ** 2, 0.0)

        def idio_var(sm: float, sk: float) -> F64:
            rest = vol**2 - (beta * sm) ** 2 - (kosdaq_loading * sk) ** 2 - ind_var - jump_var
            return np.maximum(rest, _MIN_IDIO_SHARE * vol**2)

        def index_var(w: F64, sm: float, sk: float) -> float:
            v = (w @ beta * sm) ** 2 + (w @ kosdaq_loading * sk) ** 2
            for g in range(len(industries)):
                sel = industry == g
                v += (w[sel] @ industry_loading[sel] * industry_vol[g]) ** 2
            return float(v + (w**2) @ (idio_var(sm, sk) + jump_var))

        def weights(key: str) -> F64:
            w = np.zeros(n)
            if key in {d.key for d in universe.indices}:
                members = universe.index_members(key)
                w[members] = cap[members]
            total = w.sum()
            return w / total if total > 0 else w

        w_kospi, w_kosdaq = weights("KOSPI"), weights("KOSDAQ")
        sm = (
            _solve(lambda s: index_var(w_kospi, s, 0.0), kospi_vol**2, 0.001, 0.03)
            if w_kospi.any()
            else 0.0085
        )
        sk = (
            _solve(lambda s: index_var(w_kosdaq, sm, s), kosdaq_vol**2, 0.0, 0.03)
            if w_kosdaq.any()
            else 0.007
        )
        idio = np.where(stock, np.sqrt(idio_var(sm, sk)), 0.0)

        # ETPs: baskets for domestic equity underlyings, asset classes for the rest.
        leverage = ins.leverage.astype(np.float64)
        etp = ~stock
        index_defs = {d.key: d for d in universe.indices}
        basket_names: list[str] = []
        basket_rows: list[F64] = []
        basket_float: list[bool] = []
        etp_basket = np.full(n, -1, np.int64)
        asset_class = np.full(n, -1, np.int64)
        float_cap = ins.prev_close.astype(np.float64) * ins.float_shares
        for i in np.flatnonzero(etp):
            key = _SUFFIX.sub("", ins.underlying[i])
            if key in ASSET_CLASSES:
                asset_class[i] = _ASSET_NAMES.index(key)
                continue
            if key not in basket_names:
                row, fa = _basket(universe, key, index_defs, cap, float_cap)
                if row is None:  # unknown or empty underlying: follow the composite of its market
                    key = "KOSPI" if "KOSPI" in index_defs else next(iter(index_defs), "")
                    row, fa = _basket(universe, key, index_defs, cap, float_cap)
                if row is None:
                    asset_class[i] = _ASSET_NAMES.index("FOREIGN")
                    continue
                if key not in basket_names:
                    basket_names.append(key)
                    basket_rows.append(row)
                    basket_float.append(fa)
            etp_basket[i] = basket_names.index(key)
        basket = np.vstack(basket_rows) if basket_rows else np.zeros((0, n))

        asset_vol = np.zeros(n)
        has_asset = asset_class >= 0
        asset_vol[has_asset] = [ASSET_CLASSES[_ASSET_NAMES[c]][1] for c in asset_class[has_asset]]
        tracking = np.where(etp, 0.0004 * np.maximum(np.abs(leverage), 1.0), 0.0)
        asset_sigma = np.array([math.hypot(*ASSET_CLASSES[a][:2]) for a in _ASSET_NAMES])
        tracking = np.where(has_asset, 0.15 * asset_sigma[asset_class] * np.abs(leverage), tracking)
        tracking = np.where(ins.kind == InstrumentKind.ETN, tracking * 1.5, tracking)

        drift = np.where(stock, _STOCK_DRIFT, 0.0)
        drift[has_asset] = [ASSET_CLASSES[_ASSET_NAMES[c]][3] for c in asset_class[has_asset]]
        drift = np.where(has_asset, drift * leverage, drift)

        # Implied ETP σ, used to scale gaps, ranges and volume response.
        etp_vol = np.zeros(n)
        for b in range(len(basket_names)):
            sel = etp_basket == b
            etp_vol[sel] = math.sqrt(index_var(basket[b], sm, sk))
        for c, name in enumerate(_ASSET_NAMES):
            sel = asset_class == c
            common, own = ASSET_CLASSES[name][:2]
            etp_vol[sel] = math.hypot(common, own)
        etp_vol = np.hypot(etp_vol * np.abs(leverage), tracking)
        vol = np.where(stock, vol, etp_vol)
        # ETP gaps: domestic products gap with their market; foreign underlyings trade overnight.
        overnight_ratio = np.where(has_asset, 1.0, overnight_ratio)

        return cls(
            codes=list(ins.code),
            is_stock=stock,
            market_id=market,
            size=np.where(stock, size, 0.0),
            beta=beta,
            kosdaq_loading=kosdaq_loading,
            industry=industry,
            industry_loading=industry_loading,
            vol=vol,
            idio_vol=idio,
            jump_rate=jump_rate,
            jump_min=np.where(stock, jump_min, 0.0),
            jump_max=np.where(stock, jump_max, 0.0),
            overnight_ratio=overnight_ratio,
            drift=drift,
            industries=industries,
            industry_vol=industry_vol,
            market_vol=sm,
            kosdaq_vol=sk,
            leverage=leverage,
            basket=basket,
            basket_names=basket_names,
            basket_float=np.array(basket_float, np.bool_),
            etp_basket=etp_basket,
            asset_class=asset_class,
            asset_vol=asset_vol,
            tracking_vol=tracking,
        )

    # -- sampling ---------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def overnight_share(self) -> F64:
        """Share of daily variance that falls in the overnight gap."""
        q2 = self.overnight_ratio**2
        return np.asarray(q2 / (1.0 + q2), np.float64)

    @property
    def intraday_vol(self) -> F64:
        """σ of the open-to-close move (daily units): the simulator's per-session σ."""
        return np.asarray(self.vol * np.sqrt(1.0 - self.overnight_share), np.float64)

    def market_path(self, n_days: int, rng: np.random.Generator) -> tuple[F64, F64]:
        """(factor returns, conditional σ / unconditional σ) of the market factor, GARCH(1,1)."""
        z = standard_t(rng, n_days)
        omega = 1.0 - _GARCH_ALPHA - _GARCH_BETA  # in units of the unconditional variance
        scale = np.empty(n_days)
        h = 1.0
        for t in range(n_days):
            scale[t] = math.sqrt(h)
            h = omega + _GARCH_ALPHA * (scale[t] * z[t]) ** 2 + _GARCH_BETA * h
            h = min(h, _GARCH_CAP**2)
        return scale * z * self.market_vol, scale

    def draw(self, n_days: int, rng: np.random.Generator) -> DailyDraw:
        """Sample ``n_days`` of daily returns for every instrument."""
        n = self.n
        market, scale = self.market_path(n_days, rng)
        kosdaq = self.kosdaq_vol * scale * standard_t(rng, n_days)
        g = len(self.industries)
        ind = self.industry_vol[None, :] * scale[:, None] * standard_t(rng, (n_days, g))
        stock = np.flatnonzero(self.is_stock)
        r = np.zeros((n_days, n))
        r[:, stock] = (
            self.drift[stock]
            + market[:, None] * self.beta[stock]
            + kosdaq[:, None] * self.kosdaq_loading[stock]
            + self.idio_vol[stock] * standard_t(rng, (n_days, len(stock)))
        )
        has_ind = np.flatnonzero(self.industry >= 0)
        r[:, has_ind] += ind[:, self.industry[has_ind]] * self.industry_loading[has_ind]
        # Jumps: draw the (rare) jump cells first, then sizes and signs for those only.
        day, col = np.nonzero(rng.random((n_days, n)) < self.jump_rate)
        size = rng.uniform(self.jump_min[col], self.jump_max[col])
        r[day, col] += np.where(rng.random(len(col)) < 0.5, -size, size)

        # ETP underlyings.
        underlying = np.zeros((n_days, n))
        if len(self.basket_names):
            basket_ret = np.expm1(r) @ self.basket.T  # (days, baskets) simple returns
            has_b = self.etp_basket >= 0
            underlying[:, has_b] = basket_ret[:, self.etp_basket[has_b]]
        has_a = self.asset_class >= 0
        if has_a.any():
            z_mkt = market / self.market_vol if self.market_vol > 0 else np.zeros(n_days)
            common = np.empty((n_days, len(_ASSET_NAMES)))
            for c, name in enumerate(_ASSET_NAMES):
                sigma, _, rho, _ = ASSET_CLASSES[name]
                common[:, c] = sigma * (rho * z_mkt + math.sqrt(1.0 - rho * rho) * standard_t(rng, n_days))
            own = self.asset_vol[has_a] * rng.standard_normal((n_days, int(has_a.sum())))
            cls_of = self.asset_class[has_a]
            log_u = (
                common[:, cls_of] + own + self.drift[has_a] / np.maximum(np.abs(self.leverage[has_a]), 1.0)
            )
            underlying[:, has_a] = np.expm1(log_u)
        etp = ~self.is_stock
        tracking = np.zeros((n_days, n))
        tracking[:, etp] = self.tracking_vol[etp] * rng.standard_normal((n_days, int(etp.sum())))
        r[:, etp] = self.etp_log_returns(underlying[:, etp], tracking[:, etp], etp)
        return DailyDraw(r, market, scale, underlying, tracking)

    def daily_returns(self, n_days: int, rng: np.random.Generator) -> F64:
        """(n_days × instruments) daily log-returns."""
        return self.draw(n_days, rng).returns

    def etp_log_returns(self, underlying: F64, tracking: F64, columns: npt.NDArray[np.intp] | B) -> F64:
        """Log-returns of the ETPs in ``columns`` given their underlying's simple returns:
        ``log(1 + leverage × u) + tracking`` (a leveraged product cannot lose everything in a day)."""
        lev = self.leverage[columns]
        return np.asarray(np.log(np.maximum(1.0 + lev * underlying, 0.05)) + tracking, np.float64)

    def split_overnight(
        self, returns: F64, rng: np.random.Generator, columns: npt.NDArray[np.intp] | None = None
    ) -> tuple[F64, F64]:
        """Split daily log-returns into (overnight gap, open-to-close) parts.

        Given the day's total, the gap is drawn from its conditional normal law: mean ``w·r`` and
        σ ``√(w(1−w))·σ_day``, where ``w`` is the overnight share of variance. The parts add up to
        ``returns`` (to rounding). ``columns`` selects the instruments of ``returns``' last axis.
        """
        cols = slice(None) if columns is None else columns
        w = self.overnight_share[cols]
        sd = np.sqrt(w * (1.0 - w)) * self.vol[cols]
        gap = w * returns + sd * rng.standard_normal(np.shape(returns))
        return np.asarray(gap, np.float64), np.asarray(returns - gap, np.float64)


def _solve(f: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """x in [lo, hi] with f(x) = target for a non-decreasing f (bisection; clamps at the ends)."""
    if f(hi) <= target:
        return hi
    if f(lo) >= target:
        return lo
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _basket(
    universe: Universe, key: str, index_defs: Mapping[str, IndexDef], cap: F64, float_cap: F64
) -> tuple[F64 | None, bool]:
    """Cap weights of a domestic underlying: an index of the universe (its own float rule) or
    ``SECTOR:<industry>`` (all stocks of that industry, listed-share caps)."""
    n = len(cap)
    if key.startswith("SECTOR:"):
        name = key.removeprefix("SECTOR:")
        ins = universe.instruments
        sel = (ins.kind == InstrumentKind.STOCK) & (np.array(ins.industry) == name)
        fa = False
    elif key in index_defs:
        sel = np.zeros(n, np.bool_)
        sel[universe.index_members(key)] = True
        fa = index_defs[key].float_adjusted
    else:
        return None, False
    w = np.where(sel, float_cap if fa else cap, 0.0)
    total = w.sum()
    if total <= 0:
        return None, fa
    return w / total, fa
