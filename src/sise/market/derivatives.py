"""KRX derivatives: product specs, the contracts listed on a day, and their theoretical prices.

Products (krx_rules §5.1): KOSPI200 futures and monthly options, mini KOSPI200 futures, KOSDAQ150
futures, single-stock futures, USD futures and 3-/10-year KTB futures. ``listed_contracts`` turns
the specs into ``Instrument`` records for a date: codes and ISINs from ``identifiers``, KRX-style
names (``코스피200 F 202612``, ``코스피200 C 202612 1100.0``), expiries from ``calendar``, and a
``prev_close`` that is the theoretical price of the spot levels given. ``extend_universe`` appends
them to a ``Universe``.

Price units: index and KTB contracts quote in 0.01 pt (``price_scale`` 100), USD futures in 0.01 KRW
(``price_scale`` 100), stock futures in KRW (``price_scale`` 1). ``multiplier`` is KRW per 1.0 of
the quoted price, so a contract's value is ``price / price_scale * multiplier``.

The theoretical prices live here rather than in ``sise.sources`` because they are market facts the
views publish (KRX 기준이론가/정산이론가, CD rate, implied volatility in the master endpoints) and the
listing needs them for the base price; ``market`` may not import ``sources``. The simulator's noise,
open interest and settlement live in ``sise.sources.derivatives`` and call these kernels.

Choices the references do not settle are marked (inferred) and listed in ``docs/derivatives.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.market import calendar
from sise.market.codes import koscom_derivative_market
from sise.market.identifiers import (
    UNDERLYINGS,
    derivative_isin,
    future_code,
    is_stock_underlying,
    option_code,
    parse_derivative_code,
    stock_underlying_id,
)
from sise.market.instruments import Instrument, InstrumentTable
from sise.market.ticks import TickTableId, round_down, tick_size, tick_sizes
from sise.market.timeutil import yyyymmdd_str
from sise.market.types import InstrumentKind, Market
from sise.market.universe import Universe

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

__all__ = [
    "FUTURES_PRODUCTS",
    "PRODUCTS",
    "ContractTerms",
    "Product",
    "ProductSpec",
    "TheoryParams",
    "VolSurface",
    "black76",
    "continuous_code",
    "contract_terms",
    "expiry_date",
    "extend_universe",
    "fair_values",
    "forward_price",
    "front_contract",
    "futures_limit_steps",
    "ktb_price",
    "listed_contracts",
    "listed_months",
    "listing_date",
    "month_positions",
    "norm_cdf",
    "option_limit_steps",
    "option_strikes",
    "product_for_continuous",
    "product_of_code",
    "resolve_spot_levels",
    "stock_underlyings",
    "theoretical_prices",
    "to_grid",
    "value_krw",
    "year_fraction",
]

# ---------------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------------


class Product(StrEnum):
    """A derivative product. Futures values are the Koscom ``{marketcode}`` of the product."""

    KOSPI200 = "kospi200"
    MINI_KOSPI200 = "mini_kospi200"
    KOSDAQ150 = "kosdaq150"
    STOCK = "stock"
    USD = "usd"
    KTB3 = "ktb3"
    KTB10 = "ktb10"
    KOSPI200_OPTION = "kospi200_option"


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """Static facts of one product.

    Listing: the contracts of the ``n_months`` nearest months in ``months`` whose last trading day is
    on or after the date, at most ``per_month[m]`` of month ``m`` when ``per_month`` is given. That
    expresses both "7 months: Mar ×1, Sep ×1, Jun ×2, Dec ×3" and "N consecutive months".
    """

    product: Product
    kind: InstrumentKind
    underlying_id: str | None  # 2-character id in the short code; None: one per stock
    underlying: str  # Instrument.underlying; "" for stock futures (the stock code is used)
    name_ko: str  # name prefix: "코스피200" → "코스피200 F 202612"
    name_en: str
    multipliers: tuple[tuple[date, int], ...]  # (from date, KRW per 1.0 of price), ascending
    price_scale: int
    tick_table: TickTableId | None  # None: the underlying stock's table
    months: tuple[int, ...]
    n_months: int
    per_month: Mapping[int, int] | None
    expiry_weekday: int  # 0 Monday … 3 Thursday
    expiry_week: int  # 2nd Thursday, 3rd Tuesday, 3rd Monday
    limit_stages_bp: tuple[
        int, ...
    ]  # daily limit stages, basis points of the base (options: of the underlying)
    koscom_market: str
    launched: date
    bond_tenor: int = 0  # KTB futures: tenor of the notional 5 % coupon bond, years
    strikes_front: int = 0  # options: strikes each side of the money, front expiry
    strikes_other: int = 0  # options: strikes each side of the money, other expiries
    strike_step: float = 0.0  # options: strike spacing, points

    def multiplier(self, on_date: date) -> int:
        """Contract multiplier in force on ``on_date`` (KOSPI200 and mini were halved on 2017-03-27)."""
        value = self.multipliers[0][1]
        for start, m in self.multipliers:
            if on_date >= start:
                value = m
        return value

    @property
    def limit_rate_pct(self) -> int:
        """The widest stage as the engine's whole-percent rate, rounded up so that it never rejects
        a price KRX accepts; 0 for options, whose band the engine does not enforce (see
        ``option_limit_steps``)."""
        if self.kind == InstrumentKind.OPTION:
            return 0
        return -(-self.limit_stages_bp[-1] // 100)


_QUARTERS: Final = (3, 6, 9, 12)
_ALL_MONTHS: Final = tuple(range(1, 13))
# 7 months: the next March and September, two Junes and three Decembers (within 3 years).
_INDEX_CYCLE: Final[Mapping[int, int]] = {3: 1, 6: 2, 9: 1, 12: 3}
_MULTIPLIER_HALVED: Final = date(2017, 3, 27)
_OLD: Final = date(1996, 1, 1)

PRODUCTS: Final[dict[Product, ProductSpec]] = {
    Product.KOSPI200: ProductSpec(
        Product.KOSPI200,
        InstrumentKind.FUTURE,
        "01",
        "KOSPI200",
        "코스피200",
        "KOSPI200",
        ((_OLD, 500_000), (_MULTIPLIER_HALVED, 250_000)),
        100,
        TickTableId.FLAT_5,
        _QUARTERS,
        7,
        _INDEX_CYCLE,
        3,
        2,
        (800, 1500, 2000),
        "kospi200",
        date(1996, 5, 3),
    ),
    Product.MINI_KOSPI200: ProductSpec(
        Product.MINI_KOSPI200,
        InstrumentKind.FUTURE,
        "05",
        "KOSPI200",
        "미니코스피200",
        "Mini KOSPI200",
        ((_OLD, 100_000), (_MULTIPLIER_HALVED, 50_000)),
        100,
        TickTableId.FLAT_2,
        _ALL_MONTHS,
        6,  # consecutive months (inferred)
        None,
        3,
        2,
        (800, 1500, 2000),
        "mini_kospi200",
        date(2015, 7, 20),
    ),
    Product.KOSDAQ150: ProductSpec(
        Product.KOSDAQ150,
        InstrumentKind.FUTURE,
        "06",
        "KOSDAQ150",
        "코스닥150",
        "KOSDAQ150",
        ((_OLD, 10_000),),
        100,
        TickTableId.FLAT_10,
        _QUARTERS,
        7,
        _INDEX_CYCLE,  # "quarterly, semi-annual, annual": the KOSPI200 cycle (inferred)
        3,
        2,
        (800, 1500, 2000),
        "kosdaq150",
        date(2015, 11, 23),
    ),
    Product.STOCK: ProductSpec(
        Product.STOCK,
        InstrumentKind.FUTURE,
        None,
        "",
        "",
        "",
        ((_OLD, 10),),
        1,
        None,
        _QUARTERS,
        3,  # KRX lists more; sise lists the 3 nearest quarters (inferred)
        None,
        3,
        2,
        (1000, 2000, 3000),  # 10/20/30 % stages (inferred)
        "stock",
        date(2008, 5, 6),
    ),
    Product.USD: ProductSpec(
        Product.USD,
        InstrumentKind.FUTURE,
        "75",
        "USD",
        "미국달러",
        "USD",
        ((_OLD, 10_000),),
        100,
        TickTableId.FLAT_10,
        _ALL_MONTHS,
        4,  # KRX lists many more months; sise lists the 4 nearest (inferred)
        None,
        0,
        3,
        (450,),  # ±4.5 % (inferred)
        "usd",
        date(1999, 4, 23),
    ),
    Product.KTB3: ProductSpec(
        Product.KTB3,
        InstrumentKind.FUTURE,
        "65",
        "KTB3",
        "3년국채",
        "KTB 3Y",
        ((_OLD, 1_000_000),),
        100,
        TickTableId.FLAT_1,
        _QUARTERS,
        2,
        None,
        1,
        3,
        (150,),  # ±1.5 % (inferred)
        "ktb3",
        date(1999, 9, 29),
        bond_tenor=3,
    ),
    Product.KTB10: ProductSpec(
        Product.KTB10,
        InstrumentKind.FUTURE,
        "67",
        "KTB10",
        "10년국채",
        "KTB 10Y",
        ((_OLD, 1_000_000),),
        100,
        TickTableId.FLAT_1,
        _QUARTERS,
        2,
        None,
        1,
        3,
        (270,),  # ±2.7 % (krx_rules §5.1)
        "ktb10",
        date(2008, 2, 25),
        bond_tenor=10,
    ),
    Product.KOSPI200_OPTION: ProductSpec(
        Product.KOSPI200_OPTION,
        InstrumentKind.OPTION,
        "01",
        "KOSPI200",
        "코스피200",
        "KOSPI200",
        ((_OLD, 500_000), (_MULTIPLIER_HALVED, 250_000)),
        100,
        TickTableId.KOSPI200_OPTION,
        _ALL_MONTHS,
        3,  # KRX lists 11 months; sise lists the next 3 monthly expiries (inferred)
        None,
        3,
        2,
        (800, 1500, 2000),  # of the underlying's base, as an absolute band (inferred)
        "kospi200",
        date(1997, 7, 7),
        strikes_front=20,
        strikes_other=12,
        strike_step=2.5,
    ),
}

FUTURES_PRODUCTS: Final[tuple[Product, ...]] = tuple(
    p for p, s in PRODUCTS.items() if s.kind == InstrumentKind.FUTURE
)

_BY_UNDERLYING_ID: Final[dict[tuple[InstrumentKind, str], Product]] = {
    (s.kind, s.underlying_id): p for p, s in PRODUCTS.items() if s.underlying_id is not None
}


def product_of_code(code: str) -> Product:
    """The product of a derivative short code (``A0166000`` → KOSPI200); ``ValueError`` if sise lists
    no such product."""
    parsed = parse_derivative_code(code)
    if parsed.product == "spread":
        raise ValueError(f"spreads are not listed: {code!r}")
    kind = InstrumentKind.FUTURE if parsed.product == "future" else InstrumentKind.OPTION
    if kind == InstrumentKind.FUTURE and is_stock_underlying(parsed.underlying):
        return Product.STOCK
    try:
        return _BY_UNDERLYING_ID[kind, parsed.underlying]
    except KeyError:
        raise ValueError(f"no listed product for {code!r}") from None


def continuous_code(product: Product | str) -> str:
    """Koscom 연결선물 code of a futures product (``kospi200`` → ``K2FA001``).

    ``ValueError`` for options and stock futures, which have no single front contract.
    """
    spec = PRODUCTS[Product(product)]
    market = koscom_derivative_market(spec.koscom_market)
    if spec.kind != InstrumentKind.FUTURE or market is None or market.continuous_code is None:
        raise ValueError(f"{spec.product.value} has no continuous (연결선물) code")
    return market.continuous_code


def product_for_continuous(code: str) -> Product | None:
    """Inverse of ``continuous_code``; ``None`` for any other code."""
    for p in FUTURES_PRODUCTS:
        try:
            if continuous_code(p) == code:
                return p
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------------------------------------------
# Expiries and listing
# ---------------------------------------------------------------------------------------------------

# Beyond the calendar's range lunar holidays are unknown; only these fixed-date closures (and the
# year-end closing day) move an expiry earlier there (inferred).
_FIXED_HOLIDAYS: Final = frozenset(
    {(1, 1), (3, 1), (5, 1), (5, 5), (6, 6), (7, 17), (8, 15), (10, 3), (10, 9), (12, 25), (12, 31)}
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def expiry_date(product: Product | str, year: int, month: int) -> date:
    """Last trading day of a contract month: 2nd Thursday (index, stock), 3rd Tuesday (KTB), 3rd
    Monday (USD), moved to the previous trading day when the exchange is closed."""
    spec = PRODUCTS[Product(product)]
    wd, n = spec.expiry_weekday, spec.expiry_week
    if calendar.FIRST_DATE.year <= year <= calendar.LAST_DATE.year:
        if (wd, n) == (3, 2):
            return calendar.second_thursday_expiry(year, month)
        if (wd, n) == (1, 3):
            return calendar.third_tuesday_expiry(year, month)
        if (wd, n) == (0, 3):
            return calendar.third_monday_expiry(year, month)
    d = _nth_weekday(year, month, wd, n)
    while d.weekday() >= 5 or (d.month, d.day) in _FIXED_HOLIDAYS:
        d -= timedelta(days=1)
    return d


def listed_months(product: Product | str, on_date: date) -> list[tuple[int, int]]:
    """(year, month) of the contracts listed on ``on_date``, nearest first.

    A contract is listed through its last trading day; its successor lists the next trading day.
    Empty before the product's launch.
    """
    spec = PRODUCTS[Product(product)]
    if on_date < spec.launched:
        return []
    out: list[tuple[int, int]] = []
    taken: dict[int, int] = {}
    y, m = on_date.year, on_date.month
    for _ in range(12 * 6):
        if m in spec.months and expiry_date(spec.product, y, m) >= on_date:
            cap = spec.per_month.get(m, 0) if spec.per_month is not None else None
            if cap is None or taken.get(m, 0) < cap:
                out.append((y, m))
                taken[m] = taken.get(m, 0) + 1
                if len(out) == spec.n_months:
                    break
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _next_day(d: date) -> date:
    if calendar.FIRST_DATE <= d < calendar.LAST_DATE:
        return calendar.next_trading_day(d)
    d += timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def listing_date(product: Product | str, year: int, month: int) -> date:
    """First trading day on which the (year, month) contract is listed (master ``listDd``).

    The listed set only changes the trading day after an expiry, so this walks back over the
    product's earlier expiries while the contract is still listed.
    """
    spec = PRODUCTS[Product(product)]
    if month not in spec.months:
        raise ValueError(f"{spec.product.value} lists no month {month}")
    expiries = sorted(
        expiry_date(spec.product, y, mm)
        for y in range(year - 6, year + 1)
        for mm in spec.months
        if (y, mm) < (year, month)
    )
    first = max(_next_day(expiries[-1]), spec.launched) if expiries else spec.launched
    for e in reversed(expiries[:-1]):
        d = max(_next_day(e), spec.launched)
        if (year, month) not in listed_months(spec.product, d):
            break
        first = d
        if d == spec.launched:
            break
    return first


def option_strikes(spot: float, n_each_side: int, step: float = 2.5) -> list[float]:
    """Strikes ``step`` apart around the at-the-money strike (the one nearest ``spot``)."""
    atm = round(spot / step) * step
    return [atm + step * i for i in range(-n_each_side, n_each_side + 1) if atm + step * i > 0]


def _yyyymm(year: int, month: int) -> str:
    return f"{year:04d}{month:02d}"


def _largest_kospi200(universe: Universe, n: int) -> list[int]:
    """Instrument numbers of the ``n`` largest KOSPI200 constituents by listed market cap."""
    members = universe.index_members("KOSPI200")
    t = universe.instruments
    cap = t.prev_close[members] * t.listed_shares[members]
    order = np.lexsort((members, -cap))
    return [int(i) for i in members[order][:n]]


def stock_underlyings(contracts: Iterable[Instrument]) -> list[str]:
    """Stock codes underlying the stock futures among ``contracts``, in first-seen order."""
    return list(dict.fromkeys(c.underlying for c in contracts if product_of_code(c.code) == Product.STOCK))


def resolve_spot_levels(
    universe: Universe,
    spot_levels: Mapping[str, float],
    params: TheoryParams | None = None,
    stocks: Iterable[str] = (),
) -> dict[str, float]:
    """Every underlying's level: ``spot_levels`` over the defaults.

    Keys: index keys (``KOSPI200``, ``KOSDAQ150``; default the universe's starting level), stock
    codes (KRW; default the stock's previous close), ``USD`` (KRW per dollar; default
    ``params.usd_spot``), ``KTB3``/``KTB10`` (futures yield in percent; default
    ``params.ktb_yield_pct``). Defaults cover the indices, USD, the KTBs and the ``stocks`` named.
    An unknown key or a non-positive level raises ``ValueError``.
    """
    p = params or TheoryParams()
    out: dict[str, float] = {d.key: float(v) for d, v in zip(universe.indices, universe.levels, strict=True)}
    out["USD"] = p.usd_spot
    out.update(p.ktb_yield_pct)
    t = universe.instruments
    for code in stocks:
        i = t.number(code)
        if i is None:
            raise ValueError(f"unknown stock code {code!r}")
        out[code] = float(t.prev_close[i])
    for key, value in spot_levels.items():
        if key not in out and t.number(key) is None:
            raise ValueError(f"unknown underlying in spot levels: {key!r}")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"spot level for {key} must be a positive number, got {value!r}")
        out[key] = float(value)
    return out


def listed_contracts(
    on_date: date,
    universe: Universe,
    spot_levels: Mapping[str, float],
    *,
    n_stock_underlyings: int = 30,
    params: TheoryParams | None = None,
) -> list[Instrument]:
    """Every contract listed on ``on_date``, with ``prev_close`` = the theoretical price of the spot
    levels (see ``resolve_spot_levels`` for the keys and defaults).

    Order: KOSPI200, mini KOSPI200 and KOSDAQ150 futures, stock futures (by underlying, then
    month), USD, KTB3, KTB10 futures, then KOSPI200 options by expiry: calls, then puts, by strike.
    Stock futures cover the ``n_stock_underlyings`` largest KOSPI200 constituents; their
    underlying ids are numbered in stock-code order (inferred, see ``identifiers``).
    """
    p = params or TheoryParams()
    t = universe.instruments
    stocks = sorted(_largest_kospi200(universe, n_stock_underlyings), key=lambda i: t.code[i])
    spots = resolve_spot_levels(universe, spot_levels, p, [t.code[i] for i in stocks])
    out: list[Instrument] = []

    def add(
        spec: ProductSpec,
        code: str,
        names: tuple[str, str],
        expiry: date,
        tick_table: int,
        underlying: str,
        strike: int = 0,
    ) -> None:
        out.append(
            Instrument(
                code=code,
                isin=derivative_isin(code),
                name_ko=names[0],
                name_en=names[1],
                market=Market.DERIVATIVES,
                kind=spec.kind,
                tick_table=tick_table,
                group="",
                limit_rate_pct=spec.limit_rate_pct,
                underlying=underlying,
                multiplier=spec.multiplier(on_date),
                price_scale=spec.price_scale,
                expiry=yyyymmdd_str(expiry),
                strike=strike,
            )
        )

    for product in FUTURES_PRODUCTS:
        spec = PRODUCTS[product]
        months = listed_months(product, on_date)
        if product == Product.STOCK:
            for n, i in enumerate(stocks):
                uu = stock_underlying_id(n)
                for y, m in months:
                    add(
                        spec,
                        future_code(uu, y, m),
                        (f"{t.name_ko[i]} F {_yyyymm(y, m)}", f"{t.name_en[i]} F {_yyyymm(y, m)}"),
                        expiry_date(product, y, m),
                        int(t.tick_table[i]),
                        t.code[i],
                    )
            continue
        assert spec.underlying_id is not None and spec.tick_table is not None
        for y, m in months:
            add(
                spec,
                future_code(spec.underlying_id, y, m),
                (f"{spec.name_ko} F {_yyyymm(y, m)}", f"{spec.name_en} F {_yyyymm(y, m)}"),
                expiry_date(product, y, m),
                int(spec.tick_table),
                spec.underlying,
            )

    spec = PRODUCTS[Product.KOSPI200_OPTION]
    assert spec.underlying_id is not None and spec.tick_table is not None
    for pos, (y, m) in enumerate(listed_months(spec.product, on_date)):
        n_side = spec.strikes_front if pos == 0 else spec.strikes_other
        strikes = option_strikes(spots[spec.underlying], n_side, spec.strike_step)
        for call in (True, False):
            cp = "C" if call else "P"
            for k in strikes:
                add(
                    spec,
                    option_code(call, spec.underlying_id, y, m, k),
                    (
                        f"{spec.name_ko} {cp} {_yyyymm(y, m)} {k:.1f}",
                        f"{spec.name_en} {cp} {_yyyymm(y, m)} {k:.1f}",
                    ),
                    expiry_date(spec.product, y, m),
                    int(spec.tick_table),
                    spec.underlying,
                    round(k * spec.price_scale),
                )

    prices = theoretical_prices(out, on_date, spots, p)
    for rec, price in zip(out, prices, strict=True):
        rec.prev_close = int(price)
    return out


def extend_universe(
    universe: Universe,
    on_date: date,
    spot_levels: Mapping[str, float],
    *,
    n_stock_underlyings: int = 30,
    params: TheoryParams | None = None,
) -> Universe:
    """A new ``Universe`` with the contracts of ``listed_contracts`` appended to the instrument
    table. Derivatives join no index: the membership matrix gets all-False columns. The input
    universe is not modified; every other part is carried over unchanged."""
    contracts = listed_contracts(
        on_date, universe, spot_levels, n_stock_underlyings=n_stock_underlyings, params=params
    )
    old = universe.instruments
    table = InstrumentTable(**{f.name: _copy_column(getattr(old, f.name)) for f in fields(InstrumentTable)})
    table.extend(contracts)
    pad = np.zeros((universe.membership.shape[0], len(contracts)), np.bool_)
    return Universe(
        instruments=table,
        indices=list(universe.indices),
        membership=np.hstack([universe.membership, pad]),
        members=list(universe.members),
        levels=universe.levels.copy(),
    )


def _copy_column(col: Any) -> Any:
    if isinstance(col, np.ndarray):
        return col.copy()
    if isinstance(col, list):
        return list(col)
    if isinstance(col, dict):
        return dict(col)
    raise TypeError(f"unexpected instrument-table column type {type(col).__name__}")


# ---------------------------------------------------------------------------------------------------
# Front month, month positions
# ---------------------------------------------------------------------------------------------------


def _of_product(
    contracts: Iterable[Instrument], product: Product, on_date: date, underlying: str | None
) -> list[Instrument]:
    day = yyyymmdd_str(on_date)
    return [
        c
        for c in contracts
        if c.market == Market.DERIVATIVES
        and c.expiry >= day
        and (underlying is None or c.underlying == underlying)
        and product_of_code(c.code) == product
    ]


def front_contract(
    contracts: Iterable[Instrument], product: Product | str, on_date: date, underlying: str | None = None
) -> Instrument | None:
    """The nearest futures contract of ``product`` still trading on ``on_date`` (the one a 연결선물 code
    stands for); ``underlying`` picks the stock for stock futures. ``None`` if there is none."""
    product = Product(product)
    if PRODUCTS[product].kind != InstrumentKind.FUTURE:
        raise ValueError(f"{product.value} is not a futures product")
    if product == Product.STOCK and underlying is None:
        raise ValueError("stock futures need the underlying stock code")
    live = _of_product(contracts, product, on_date, underlying)
    return min(live, key=lambda c: c.expiry, default=None)


def month_positions(
    contracts: Iterable[Instrument], product: Product | str, on_date: date, underlying: str | None = None
) -> dict[str, int]:
    """Contract-month position per code (``mmsc_cls_code``): 1 nearest, 2 second, …; 0 is kept for
    the continuous code. Options share the position of their expiry."""
    live = _of_product(contracts, Product(product), on_date, underlying)
    rank = {e: i + 1 for i, e in enumerate(sorted({c.expiry for c in live}))}
    return {c.code: rank[c.expiry] for c in live}


# ---------------------------------------------------------------------------------------------------
# Price limits
# ---------------------------------------------------------------------------------------------------


def futures_limit_steps(
    base: int, product: Product | str, tick_table: int | None = None
) -> list[tuple[int, int]]:
    """(upper, lower) of each limit stage for a futures base price (price units).

    The amount is base × stage rate truncated to the base's tick; the upper limit rounds down to
    its own band's grid, as for stocks (``sise.market.limits``). Products with one stage return one
    pair; stock futures need ``tick_table`` (the underlying's).
    """
    spec = PRODUCTS[Product(product)]
    if tick_table is None:
        if spec.tick_table is None:
            raise ValueError(f"{spec.product.value} takes the underlying's tick table: pass tick_table")
        tick_table = spec.tick_table
    table = TickTableId(tick_table)
    if base <= 0:
        raise ValueError(f"base price must be positive, got {base}")
    t = tick_size(base, table)
    out = []
    for bp in spec.limit_stages_bp:
        amount = base * bp // 10_000 // t * t
        # base − amount is a multiple of the base's tick, so it is on every finer band's grid too.
        out.append((round_down(base + amount, table), max(base - amount, tick_size(1, table))))
    return out


def option_limit_steps(
    base_premium: int, underlying_base: float, product: Product | str = Product.KOSPI200_OPTION
) -> list[tuple[int, int]]:
    """(upper, lower) premium of each stage: base premium ± underlying base × stage rate.

    Koscom's option sample (base ≈ 138.10, KOSPI200 ≈ 350, limits 166.10 / 110.05) fits an absolute
    band of 8 % of the underlying; both ends round down to the tick grid and the lower end stops at
    the smallest tick (inferred). The engine does not enforce option limits (``limit_rate_pct`` 0).
    """
    spec = PRODUCTS[Product(product)]
    assert spec.tick_table is not None
    table = spec.tick_table
    out = []
    for bp in spec.limit_stages_bp:
        amount = underlying_base * spec.price_scale * bp / 10_000
        upper = round_down(math.floor(base_premium + amount), table)
        lower = max(round_down(math.floor(base_premium - amount), table), tick_size(1, table))
        out.append((upper, lower))
    return out


# ---------------------------------------------------------------------------------------------------
# Theoretical prices
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VolSurface:
    """Black-76 volatility by log-moneyness ``k = ln(K/F)`` and years to expiry.

    ``atm(T) = atm_long + (atm_short − atm_long)·exp(−T / term_years)`` (term structure), and with
    ``z = k / (atm(T)·√T)`` (moneyness in standard deviations)
    ``σ = atm(T)·(1 + skew·z + smile·z²)``: a negative ``skew`` lifts low strikes (put skew), the
    small ``smile`` lifts both wings. ``z`` is clipped to ±``z_max`` and σ floored at ``floor``.
    """

    atm_short: float = 0.18
    atm_long: float = 0.21
    term_years: float = 0.5
    skew: float = -0.15
    smile: float = 0.03
    z_max: float = 4.0
    floor: float = 0.05

    def atm(self, years: npt.ArrayLike) -> F64:
        t = np.asarray(years, np.float64)
        return np.asarray(
            self.atm_long + (self.atm_short - self.atm_long) * np.exp(-t / self.term_years), np.float64
        )

    def vol(self, log_moneyness: npt.ArrayLike, years: npt.ArrayLike) -> F64:
        k = np.asarray(log_moneyness, np.float64)
        t = np.maximum(np.asarray(years, np.float64), 1e-6)
        atm = self.atm(t)
        z = np.clip(k / (atm * np.sqrt(t)), -self.z_max, self.z_max)
        return np.asarray(
            np.maximum(atm * (1.0 + self.skew * z + self.smile * z * z), self.floor), np.float64
        )


def _default_dividends() -> dict[str, float]:
    return {"KOSPI200": 0.018, "KOSDAQ150": 0.005}


def _default_ktb() -> dict[str, float]:
    return {"KTB3": 2.6, "KTB10": 2.9}


@dataclass(frozen=True, slots=True)
class TheoryParams:
    """Inputs of the theoretical prices (annual, continuously compounded unless stated)."""

    rate: float = 0.0275  # KRW rate (CD 91-day), discounting and carry
    dividend_yield: Mapping[str, float] = field(default_factory=_default_dividends)  # index key → q
    stock_dividend_yield: float = 0.015
    usd_rate: float = 0.0375  # the dollar rate in the FX carry r_KRW − r_USD
    usd_spot: float = 1380.0  # default KRW per USD
    ktb_yield_pct: Mapping[str, float] = field(default_factory=_default_ktb)  # default futures yields
    ktb_coupon: float = 0.05  # notional bond: 5 % coupon, paid semi-annually
    surface: VolSurface = field(default_factory=VolSurface)


def year_fraction(on_date: date, expiry: date) -> float:
    """Years (ACT/365) from the middle of ``on_date``'s session to the expiry, never zero."""
    return (max((expiry - on_date).days, 0) + 0.5) / 365.0


def forward_price(spot: npt.ArrayLike, years: npt.ArrayLike, carry: npt.ArrayLike) -> F64:
    """Cost-of-carry fair value ``S·exp(carry·T)``; carry = r − q (index, stock) or r_KRW − r_USD."""
    return np.asarray(
        np.asarray(spot, np.float64) * np.exp(np.asarray(carry) * np.asarray(years)), np.float64
    )


def ktb_price(yield_pct: npt.ArrayLike, tenor_years: npt.ArrayLike, coupon: float = 0.05) -> F64:
    """Price per 100 face of a ``tenor``-year bond paying ``coupon`` semi-annually at ``yield_pct``
    (semi-annual compounding): KRX's KTB futures price formula for the notional bond."""
    y = np.asarray(yield_pct, np.float64) / 200.0
    n = np.asarray(tenor_years, np.float64) * 2.0
    c = coupon * 50.0
    disc = (1.0 + y) ** -n
    annuity = np.where(y > 0, (1.0 - disc) / np.where(y > 0, y, 1.0), n)
    return np.asarray(c * annuity + 100.0 * disc, np.float64)


# Abramowitz & Stegun 26.2.17: |error| < 7.5e-8, and N(x) + N(−x) = 1 by construction, so put-call
# parity holds exactly before rounding.
_AS_P: Final = 0.2316419
_AS_B: Final = (0.319381530, -0.356563782, 1.781477937, -1.821255978, 1.330274429)


def norm_cdf(x: npt.ArrayLike) -> F64:
    """Standard normal CDF, vectorised."""
    v = np.asarray(x, np.float64)
    a = np.abs(v)
    t = 1.0 / (1.0 + _AS_P * a)
    poly = t * (_AS_B[0] + t * (_AS_B[1] + t * (_AS_B[2] + t * (_AS_B[3] + t * _AS_B[4]))))
    upper = np.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi) * poly  # 1 − N(|x|)
    return np.asarray(np.where(v >= 0, 1.0 - upper, upper), np.float64)


def black76(
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    vol: npt.ArrayLike,
    rate: float,
    call: npt.ArrayLike,
) -> F64:
    """Black-76 premium of European options on a forward, in the forward's units."""
    f = np.asarray(forward, np.float64)
    k = np.asarray(strike, np.float64)
    t = np.maximum(np.asarray(years, np.float64), 1e-9)
    s = np.asarray(vol, np.float64) * np.sqrt(t)
    d1 = (np.log(f / k) + 0.5 * s * s) / s
    d2 = d1 - s
    df = np.exp(-rate * t)
    c = np.asarray(call, np.bool_)
    sign = np.where(c, 1.0, -1.0)
    return np.asarray(df * sign * (f * norm_cdf(sign * d1) - k * norm_cdf(sign * d2)), np.float64)


def value_krw(value: npt.ArrayLike, multiplier: npt.ArrayLike, price_scale: npt.ArrayLike) -> I64:
    """Σ price × qty in price units as KRW: × multiplier / price_scale (exact for every product:
    each multiplier is a multiple of its scale)."""
    v = np.asarray(value, np.int64)
    return np.asarray(v * np.asarray(multiplier, np.int64) // np.asarray(price_scale, np.int64), np.int64)


def to_grid(units: npt.ArrayLike, tables: npt.ArrayLike) -> I64:
    """Nearest valid price (price units) on each table's grid, at least the smallest tick.

    Rounding up can land exactly on a band bound, which is on the coarser grid (``ticks``).
    """
    x = np.asarray(units, np.float64)
    tab = np.asarray(tables, np.intp)
    p = np.maximum(np.rint(x), 1).astype(np.int64)
    t = tick_sizes(p, tab)
    q = (np.rint(x / t) * t).astype(np.int64)
    return np.asarray(np.maximum(q, tick_sizes(np.ones_like(q), tab)), np.int64)


@dataclass(slots=True)
class ContractTerms:
    """The pricing terms of a contract list as arrays (row i = ``contracts[i]``).

    ``underlyings`` lists the distinct underlying keys; ``und`` indexes into it, so a vector of
    spot levels in ``underlyings`` order prices every contract at once.
    """

    codes: list[str]
    underlyings: list[str]
    und: npt.NDArray[np.intp]
    years: F64
    carry: F64  # r − q per contract (futures and options)
    strike: F64  # points; 0 for futures
    option: B
    call: B
    ktb: B
    tenor: F64  # KTB notional-bond tenor, years; 0 otherwise
    tables: npt.NDArray[np.intp]
    scale: F64


def contract_terms(
    contracts: Sequence[Instrument], on_date: date, params: TheoryParams | None = None
) -> ContractTerms:
    """Vectorised terms of ``contracts`` as seen on ``on_date``."""
    p = params or TheoryParams()
    n = len(contracts)
    underlyings: list[str] = []
    pos: dict[str, int] = {}
    und = np.zeros(n, np.intp)
    years = np.zeros(n)
    carry = np.zeros(n)
    strike = np.zeros(n)
    option = np.zeros(n, np.bool_)
    call = np.zeros(n, np.bool_)
    ktb = np.zeros(n, np.bool_)
    tenor = np.zeros(n)
    for i, c in enumerate(contracts):
        product = product_of_code(c.code)
        spec = PRODUCTS[product]
        key = c.underlying
        if key not in pos:
            pos[key] = len(underlyings)
            underlyings.append(key)
        und[i] = pos[key]
        years[i] = year_fraction(on_date, date(int(c.expiry[:4]), int(c.expiry[4:6]), int(c.expiry[6:])))
        if product == Product.USD:
            carry[i] = p.rate - p.usd_rate
        elif product == Product.STOCK:
            carry[i] = p.rate - p.stock_dividend_yield
        elif spec.bond_tenor:
            ktb[i] = True
            tenor[i] = spec.bond_tenor
        else:
            carry[i] = p.rate - p.dividend_yield.get(key, 0.0)
        if c.kind == InstrumentKind.OPTION:
            option[i] = True
            call[i] = c.code[0] in "2B"
            strike[i] = c.strike / c.price_scale
    return ContractTerms(
        codes=[c.code for c in contracts],
        underlyings=underlyings,
        und=und,
        years=years,
        carry=carry,
        strike=strike,
        option=option,
        call=call,
        ktb=ktb,
        tenor=tenor,
        tables=np.array([c.tick_table for c in contracts], np.intp),
        scale=np.array([c.price_scale for c in contracts], np.float64),
    )


def fair_values(
    terms: ContractTerms,
    spots: npt.ArrayLike,
    params: TheoryParams | None = None,
    *,
    basis: npt.ArrayLike | None = None,
    vol_shift: npt.ArrayLike | None = None,
) -> I64:
    """Prices (price units, on the tick grid) of every contract from spot levels in
    ``terms.underlyings`` order.

    Futures: ``S·exp(carry·T)·(1 + basis)``; KTB futures: the notional bond at the yield, times
    ``(1 + basis)``. Options: Black-76 on the (noise-free) forward of their expiry with the surface's
    vol plus ``vol_shift``. ``basis`` (fraction of the price, per contract) and ``vol_shift``
    (absolute vol, per contract) default to 0; the simulator feeds its noise through them.
    """
    p = params or TheoryParams()
    s = np.asarray(spots, np.float64)[terms.und]
    b = np.zeros(len(terms.codes)) if basis is None else np.asarray(basis, np.float64)
    fwd = forward_price(s, terms.years, terms.carry)
    value = fwd.copy()
    value[terms.ktb] = ktb_price(s[terms.ktb], terms.tenor[terms.ktb], p.ktb_coupon)
    value *= 1.0 + b
    if terms.option.any():
        o = terms.option
        k = terms.strike[o]
        vol = p.surface.vol(np.log(k / fwd[o]), terms.years[o])
        if vol_shift is not None:
            vol = np.maximum(vol + np.asarray(vol_shift, np.float64)[o], p.surface.floor)
        value[o] = black76(fwd[o], k, terms.years[o], vol, p.rate, terms.call[o])
    return to_grid(value * terms.scale, terms.tables)


def theoretical_prices(
    contracts: Sequence[Instrument],
    on_date: date,
    spot_levels: Mapping[str, float],
    params: TheoryParams | None = None,
) -> I64:
    """Noise-free prices of ``contracts`` on ``on_date``; ``spot_levels`` must cover every
    contract's ``underlying`` (see ``resolve_spot_levels``)."""
    terms = contract_terms(contracts, on_date, params)
    missing = [u for u in terms.underlyings if u not in spot_levels]
    if missing:
        raise ValueError(f"no spot level for {', '.join(missing)}")
    return fair_values(terms, [spot_levels[u] for u in terms.underlyings], params)


# Underlying ids this module prices must exist in the identifiers table.
assert all(s.underlying_id in UNDERLYINGS for s in PRODUCTS.values() if s.underlying_id is not None)
