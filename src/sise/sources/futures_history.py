"""Daily history of futures contracts that ends where the simulated derivatives market starts.

``backfill_futures`` writes ``futures_daily`` rows (``sise.store.base.FUTURES_DAILY``) for every
KRX trading day of a window ending at ``end``: each KOSPI200, mini KOSPI200, KOSDAQ150, USD, KTB3
and KTB10 contract listed that day (``listed_months``), and one 연결선물 row per product and day.

* **Underlyings.** KOSPI200 and KOSDAQ150 come from the store's ``index_daily`` rows (run
  ``sise.sources.history.backfill`` first). The USD rate and the KTB yields are seeded random
  walks generated backwards from ``TheoryParams.usd_spot`` / ``ktb_yield_pct``, so the last day
  ends exactly on the levels the pricer starts from.
* **Prices.** The close is the theoretical price of ``sise.market.derivatives`` (cost of carry
  ``forward_price`` with the same rate and dividend yields; the KTB notional bond ``ktb_price``)
  times ``1 + basis``, where the basis is a daily mean-reverting noise (``ou_step``) with the
  intraday pricer's standard deviation and ±3 sd band. Open, high and low price the underlying's
  open, high and low the same way, with their own basis draws; everything is on the tick grid and
  low ≤ open, close ≤ high. Settlement = close.
* **Volume and open interest.** The front month carries the volume (``OI_DECAY`` per further
  month), with a roll into the second month over the week before the front expires and more
  trading on days the underlying moves. Open interest starts from the ``OI_FRONT`` sizes, follows
  ``next_open_interest`` towards a target that moves from the front to the second month during
  the roll, and is 0 on a contract's last trading day (final settlement closes every position;
  the figure is end-of-day). An expired contract has no further rows.
* **Continuous series.** ``continuous_code(product)`` rows copy the front contract's row (the
  nearest contract whose last trading day is on or after the date), so the series rolls the
  trading day after an expiry; ``contract`` names the contract.

Approximate, by design: stock futures are not back-filled; on the last day the close is priced
with the year fraction of ``end`` while today's ``listed_contracts(next day)`` prices one trading
day later, so the two differ by a day of carry plus the basis noise (a few tenths of a point at
most on KOSPI200). Vectorised over every (day, contract) row; only the noise and open-interest
recursions loop over days. Same seed, same rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.market.derivatives import (
    PRODUCTS,
    Product,
    TheoryParams,
    continuous_code,
    expiry_date,
    forward_price,
    ktb_price,
    listed_months,
    to_grid,
)
from sise.market.identifiers import future_code
from sise.market.timeutil import yyyymmdd_array
from sise.market.universe import Universe
from sise.sources.derivatives import OI_DECAY, OI_FRONT, next_open_interest, ou_step
from sise.sources.history import history_window
from sise.store.base import FUTURES_DAILY, FUTURES_TABLE, HistoryStore, Rows, register_futures_table

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Idx = npt.NDArray[np.intp]

__all__ = ["HISTORY_PRODUCTS", "FuturesHistoryParams", "backfill_futures", "history_window"]

#: Products back-filled, in row order.
HISTORY_PRODUCTS: Final = (
    Product.KOSPI200,
    Product.MINI_KOSPI200,
    Product.KOSDAQ150,
    Product.USD,
    Product.KTB3,
    Product.KTB10,
)
#: Underlyings read from ``index_daily``; the others are generated here.
_INDEX_UNDERLYINGS: Final = ("KOSPI200", "KOSDAQ150")
#: Independent random streams, by position in one SeedSequence's children. Append, never reorder.
_STREAMS: Final = ("rates", "basis", "ohlc", "volume", "open_interest")
#: Mixed into the seed so these streams differ from ``history.backfill``'s for the same seed.
_SALT: Final = 0x46555448


def _default_basis_sd() -> dict[Product, float]:
    # The intraday pricer's stationary sd (fraction of the price); KOSPI200 1e-4 ≈ 0.11 pt.
    return {
        Product.KOSPI200: 1e-4,
        Product.MINI_KOSPI200: 1e-4,
        Product.KOSDAQ150: 1.5e-4,
        Product.USD: 1e-4,
        Product.KTB3: 3e-5,
        Product.KTB10: 5e-5,
    }


def _default_front_volume() -> dict[Product, int]:
    # Front-month contracts a day; KOSPI200 matches the Koscom history sample (250,067).
    return {
        Product.KOSPI200: 250_000,
        Product.MINI_KOSPI200: 120_000,
        Product.KOSDAQ150: 40_000,
        Product.USD: 350_000,
        Product.KTB3: 120_000,
        Product.KTB10: 80_000,
    }


@dataclass(frozen=True, slots=True)
class FuturesHistoryParams:
    """Settings of ``backfill_futures``; ``theory`` must be what today's pricer uses."""

    theory: TheoryParams = field(default_factory=TheoryParams)
    basis_sd: Mapping[Product, float] = field(default_factory=_default_basis_sd)
    basis_band_sd: float = 3.0  # clip the basis at this many sd
    basis_half_life_days: float = 1.0
    usd_daily_sd: float = 0.004  # log change of KRW per USD a day
    ktb_daily_sd_pct: float = 0.035  # yield change a day, percentage points
    ktb_min_yield_pct: float = 0.5
    range_sd: float = 0.4  # synthetic intraday range beyond open/close, in daily sd
    front_volume: Mapping[Product, int] = field(default_factory=_default_front_volume)
    roll_days: int = 7  # calendar days before the front's expiry over which positions roll
    activity_move: float = 30.0  # volume × (1 + activity_move × |underlying return|)
    volume_noise_sd: float = 0.25
    oi_noise_sd: float = 0.3  # log-normal noise of the first day's open interest


@dataclass(slots=True)
class _Underlying:
    """Daily open/high/low/close of one underlying (index points, KRW per USD, yield %)."""

    open: F64
    high: F64
    low: F64
    close: F64


@dataclass(slots=True)
class _Listing:
    """Every (day, contract) row of the window, day-major, and the contracts' static terms."""

    day: Idx  # per row: index into the window's days
    con: Idx  # per row: index into the contract arrays
    pos: Idx  # per row: 0 front, 1 second, …
    codes: list[str]  # per contract
    product: Idx  # per contract: index into HISTORY_PRODUCTS
    expiry: I64  # per contract: proleptic ordinal of the last trading day
    day_start: Idx  # rows of day d are day_start[d]:day_start[d + 1]


def _listing(dates: list[date]) -> _Listing:
    day: list[int] = []
    con: list[int] = []
    pos: list[int] = []
    codes: list[str] = []
    product: list[int] = []
    expiry: list[int] = []
    index: dict[tuple[int, int, int], int] = {}
    cache: list[tuple[date, list[tuple[int, int]]] | None] = [None] * len(HISTORY_PRODUCTS)
    day_start = [0]
    for d_i, d in enumerate(dates):
        for p_i, p in enumerate(HISTORY_PRODUCTS):
            hit = cache[p_i]
            # The listed set only changes the trading day after the nearest expiry.
            if hit is None or d > hit[0]:
                months = listed_months(p, d)
                first = expiry_date(p, *months[0]) if months else date.max
                hit = (first, months)
                cache[p_i] = hit
            spec = PRODUCTS[p]
            assert spec.underlying_id is not None
            for k, (y, m) in enumerate(hit[1]):
                key = (p_i, y, m)
                c = index.get(key)
                if c is None:
                    c = index[key] = len(codes)
                    codes.append(future_code(spec.underlying_id, y, m))
                    product.append(p_i)
                    expiry.append(expiry_date(p, y, m).toordinal())
                day.append(d_i)
                con.append(c)
                pos.append(k)
        day_start.append(len(day))
    return _Listing(
        day=np.array(day, np.intp),
        con=np.array(con, np.intp),
        pos=np.array(pos, np.intp),
        codes=codes,
        product=np.array(product, np.intp),
        expiry=np.array(expiry, np.int64),
        day_start=np.array(day_start, np.intp),
    )


def _index_underlying(store: HistoryStore, key: str, date_ints: npt.NDArray[np.int32]) -> _Underlying:
    rows = store.get("index_daily", key, int(date_ints[0]), int(date_ints[-1]))
    if len(rows) != len(date_ints) or not np.array_equal(rows["date"], date_ints):
        have = set(rows["date"].tolist())
        missing = [int(d) for d in date_ints if int(d) not in have]
        raise ValueError(
            f"index_daily has no {key} row for {missing[0] if missing else 'some day'}: "
            "back-fill the indices for the same window first"
        )
    return _Underlying(
        rows["open"].astype(np.float64),
        rows["high"].astype(np.float64),
        rows["low"].astype(np.float64),
        rows["close"].astype(np.float64),
    )


def _walk_back(last: float, steps: F64, log: bool, floor: float) -> F64:
    """Closes ending on ``last``: each earlier close is the later one minus that day's step."""
    tail = np.concatenate([np.cumsum(steps[::-1])[::-1][1:], [0.0]])
    out = last * np.exp(-tail) if log else last - tail
    return np.asarray(np.maximum(out, floor), np.float64)


def _synthetic(close: F64, sd: float, p: FuturesHistoryParams, rng: np.random.Generator) -> _Underlying:
    """Open/high/low around generated closes: an overnight gap and a range beyond open and close."""
    n = len(close)
    prev = np.concatenate([[close[0]], close[:-1]])
    opn = prev + (close - prev) * rng.uniform(0.0, 0.4, n) + 0.3 * sd * rng.standard_normal(n)
    high = np.maximum(opn, close) + p.range_sd * sd * np.abs(rng.standard_normal(n))
    low = np.minimum(opn, close) - p.range_sd * sd * np.abs(rng.standard_normal(n))
    return _Underlying(opn, high, np.maximum(low, 1e-6), close)


def _underlyings(
    store: HistoryStore,
    date_ints: npt.NDArray[np.int32],
    p: FuturesHistoryParams,
    rng: np.random.Generator,
) -> dict[str, _Underlying]:
    n = len(date_ints)
    out = {key: _index_underlying(store, key, date_ints) for key in _INDEX_UNDERLYINGS}
    t = p.theory
    usd = _walk_back(t.usd_spot, p.usd_daily_sd * rng.standard_normal(n), True, 1.0)
    out["USD"] = _synthetic(usd, p.usd_daily_sd * t.usd_spot, p, rng)
    # KTB yields: a common level move plus a smaller slope move (the two curves move together).
    level = rng.standard_normal(n)
    slope = rng.standard_normal(n)
    for key, w in (("KTB3", -0.25), ("KTB10", 0.25)):
        steps = p.ktb_daily_sd_pct * (level + w * slope) / math.hypot(1.0, w)
        y = _walk_back(t.ktb_yield_pct[key], steps, False, p.ktb_min_yield_pct)
        out[key] = _synthetic(y, p.ktb_daily_sd_pct, p, rng)
    return out


def _fair(
    spot: F64, years: F64, carry: F64, ktb: npt.NDArray[np.bool_], tenor: F64, coupon: float, basis: F64
) -> F64:
    """Theoretical value in the underlying's units (as ``fair_values``) times ``1 + basis``."""
    value = forward_price(spot, years, carry)
    value[ktb] = ktb_price(spot[ktb], tenor[ktb], coupon)
    return np.asarray(value * (1.0 + basis), np.float64)


def backfill_futures(
    universe: Universe,
    store: HistoryStore,
    *,
    end: date,
    years: int = 2,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    days: int | None = None,
    params: FuturesHistoryParams | None = None,
) -> int:
    """Write ``futures_daily`` rows for the trading days of [end − years, end] (or the last
    ``days`` trading days up to ``end``) and return the number of rows written.

    ``end`` is the last trading day before the simulated day, as for ``history.backfill``, whose
    ``index_daily`` rows for the same window must already be in ``store``. ``universe`` is the
    one the history was built from (its index levels are the last closes). Registers the table if
    needed; ``progress`` receives the fraction done, 0 … 1.
    """
    p = params or FuturesHistoryParams()
    th = p.theory
    report = progress or (lambda _f: None)
    report(0.0)
    dates = history_window(end, years, days)
    if len(dates) < 2:
        raise ValueError(f"need at least 2 trading days of history up to {end.isoformat()}")
    missing_keys = [k for k in _INDEX_UNDERLYINGS if k not in {d.key for d in universe.indices}]
    if missing_keys:
        raise ValueError(f"universe has no index {', '.join(missing_keys)}")
    register_futures_table(store)
    rngs = dict(
        zip(
            _STREAMS,
            (np.random.default_rng(s) for s in np.random.SeedSequence([seed, _SALT]).spawn(len(_STREAMS))),
            strict=True,
        )
    )
    n_days = len(dates)
    date_ints = yyyymmdd_array(dates)
    ordinals = np.array([d.toordinal() for d in dates], np.int64)
    und = _underlyings(store, date_ints, p, rngs["rates"])
    lst = _listing(dates)
    report(0.3)

    # Per-product terms, in HISTORY_PRODUCTS order.
    specs = [PRODUCTS[q] for q in HISTORY_PRODUCTS]
    keys = [s.underlying for s in specs]
    carry_p = np.array(
        [
            th.rate - th.usd_rate
            if q == Product.USD
            else (0.0 if s.bond_tenor else th.rate - th.dividend_yield.get(s.underlying, 0.0))
            for q, s in zip(HISTORY_PRODUCTS, specs, strict=True)
        ]
    )
    tenor_p = np.array([float(s.bond_tenor) for s in specs])
    table_p = np.array([int(s.tick_table or 0) for s in specs], np.intp)
    scale_p = np.array([float(s.price_scale) for s in specs])
    sd_p = np.array([p.basis_sd.get(q, 0.0) for q in HISTORY_PRODUCTS])
    vol_p = np.array([float(p.front_volume.get(q, 0)) for q in HISTORY_PRODUCTS])
    decay_p = np.array([OI_DECAY[q] for q in HISTORY_PRODUCTS])
    oi_p = np.array([float(OI_FRONT[q]) for q in HISTORY_PRODUCTS])
    mult_pd = np.array([[s.multiplier(d) for d in dates] for s in specs], np.float64)

    # Per-row terms.
    prod = lst.product[lst.con]
    day = lst.day
    exp = lst.expiry[lst.con]
    years_r = (np.maximum(exp - ordinals[day], 0) + 0.5) / 365.0
    carry = carry_p[prod]
    ktb = tenor_p[prod] > 0
    tenor = tenor_p[prod]
    tables = table_p[prod]
    scale = scale_p[prod]
    n_rows = len(day)
    spot: dict[str, F64] = {}
    for name in ("open", "high", "low", "close"):
        series = np.stack([getattr(und[k], name) for k in keys])  # (products, days)
        spot[name] = np.asarray(series[prod, day], np.float64)

    # Basis: a daily OU noise per contract, clipped to the arbitrage band.
    n_con = len(lst.codes)
    sd_c = sd_p[lst.product]
    band_c = sd_c * p.basis_band_sd
    rb = rngs["basis"]
    state = np.clip(sd_c * rb.standard_normal(n_con), -band_c, band_c)
    basis_dc = np.empty((n_days, n_con))
    for d in range(n_days):
        if d:
            state = ou_step(state, 1.0, sd_c, p.basis_half_life_days, rb, band_c)
        basis_dc[d] = state
    basis = basis_dc[day, lst.con]
    sd_r = sd_c[lst.con]
    band_r = band_c[lst.con]

    def grid(spot_level: F64, b: F64) -> I64:
        return to_grid(_fair(spot_level, years_r, carry, ktb, tenor, th.ktb_coupon, b) * scale, tables)

    ro = rngs["ohlc"]
    close = grid(spot["close"], basis)
    opn = grid(spot["open"], np.clip(sd_r * ro.standard_normal(n_rows), -band_r, band_r))
    up = np.abs(sd_r * ro.standard_normal(n_rows))
    dn = -np.abs(sd_r * ro.standard_normal(n_rows))
    # KTB prices fall as the yield rises: price both extremes and take the larger and smaller.
    a = grid(spot["high"], np.where(ktb, dn, up))
    b = grid(spot["low"], np.where(ktb, up, dn))
    high = np.maximum.reduce([a, b, opn, close])
    low = np.minimum.reduce([a, b, opn, close])
    report(0.6)

    # Volume: front-heavy, rolling into the second month over the front's last week.
    first_exp = np.full(n_days * len(HISTORY_PRODUCTS), np.iinfo(np.int64).max)
    slot = day * len(HISTORY_PRODUCTS) + prod
    front = lst.pos == 0
    first_exp[slot[front]] = exp[front]
    to_front_expiry = first_exp[slot] - ordinals[day]
    roll = np.clip((p.roll_days - to_front_expiry) / p.roll_days, 0.0, 1.0)
    share = np.where(lst.pos == 0, 1.0 - 0.6 * roll, 0.0)
    share += np.where(lst.pos == 1, decay_p[prod] + 0.8 * roll, 0.0)
    share += np.where(lst.pos >= 2, decay_p[prod] ** lst.pos.astype(np.float64), 0.0)
    rv = rngs["volume"]
    close_pd = np.stack([und[k].close for k in keys])
    ret = np.abs(np.diff(np.log(close_pd), axis=1, prepend=np.log(close_pd[:, :1])))
    activity = (1.0 + p.activity_move * ret) * np.exp(
        p.volume_noise_sd * rv.standard_normal(ret.shape) - 0.5 * p.volume_noise_sd**2
    )
    noise = np.exp(0.3 * rv.standard_normal(n_rows) - 0.045)
    volume = np.rint(vol_p[prod] * share * activity[prod, day] * noise).astype(np.int64)
    vwap = (high + low + 2 * close) / 4.0
    value = np.rint(volume * vwap / scale * mult_pd[prod, day]).astype(np.int64)

    # Open interest: next_open_interest towards a front-heavy target, 0 on the last trading day.
    target = oi_p[prod] * np.where(
        lst.pos == 0,
        1.0 - roll,
        decay_p[prod] ** lst.pos.astype(np.float64) + np.where(lst.pos == 1, roll, 0.0),
    )
    expiring = exp == ordinals[day]
    roi = rngs["open_interest"]
    oi_c = np.zeros(n_con, np.int64)
    oi = np.zeros(n_rows, np.int64)
    s = lst.day_start
    r0 = slice(int(s[0]), int(s[1]))
    start_noise = np.exp(p.oi_noise_sd * roi.standard_normal(int(s[1])) - 0.5 * p.oi_noise_sd**2)
    oi_c[lst.con[r0]] = np.rint(target[r0] * start_noise).astype(np.int64)
    for d in range(n_days):
        r = slice(int(s[d]), int(s[d + 1]))
        c = lst.con[r]
        nxt = next_open_interest(oi_c[c], volume[r], roi, target=target[r])
        nxt[expiring[r]] = 0
        oi_c[c] = nxt
        oi[r] = nxt
    report(0.85)

    # Rows: contracts code-major, then each product's continuous series.
    order = np.lexsort((day, lst.con))
    cont_codes: list[str] = []
    for q in HISTORY_PRODUCTS:
        try:
            cont_codes.append(continuous_code(q))
        except ValueError:
            cont_codes.append("")
    fr = np.flatnonzero(front & (np.array(cont_codes)[prod] != ""))
    fr = fr[np.lexsort((day[fr], prod[fr]))]
    pick = np.concatenate([order, fr])
    out: Rows = np.empty(len(pick), FUTURES_DAILY)
    codes = np.array(lst.codes)
    contract = codes[lst.con[pick]]
    out["code"] = np.concatenate([contract[: len(order)], np.array(cont_codes)[prod[fr]]])
    out["contract"] = contract
    out["date"] = date_ints[day[pick]]
    out["open"] = opn[pick]
    out["high"] = high[pick]
    out["low"] = low[pick]
    out["close"] = close[pick]
    out["settle"] = close[pick]
    out["volume"] = volume[pick]
    out["value"] = value[pick]
    out["open_interest"] = oi[pick]
    out["spot"] = np.round(spot["close"][pick], 4)
    store.put(FUTURES_TABLE, out, copy=False)
    report(1.0)
    return len(out)
