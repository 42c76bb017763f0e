"""Derivatives: listing (codes, names, expiries, strikes), theoretical prices, simulation noise,
open interest, and the universe extension."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import fields
from datetime import date
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from sise.market.calendar import second_thursday_expiry, third_monday_expiry, third_tuesday_expiry
from sise.market.codes import KOSCOM_DERIVATIVE_MARKETS
from sise.market.derivatives import (
    FUTURES_PRODUCTS,
    PRODUCTS,
    Product,
    TheoryParams,
    VolSurface,
    black76,
    continuous_code,
    expiry_date,
    extend_universe,
    forward_price,
    front_contract,
    futures_limit_steps,
    ktb_price,
    listed_contracts,
    listed_months,
    listing_date,
    month_positions,
    norm_cdf,
    option_limit_steps,
    product_for_continuous,
    product_of_code,
    resolve_spot_levels,
    stock_underlyings,
    theoretical_prices,
    year_fraction,
)
from sise.market.identifiers import code_from_isin, is_valid_isin, parse_derivative_code
from sise.market.instruments import Instrument, InstrumentTable
from sise.market.ticks import TickTableId, on_tick, tick_size
from sise.market.types import InstrumentKind, Market
from sise.market.universe import Universe, build_universe
from sise.sources.derivatives import (
    DerivativesPricer,
    futures_prices,
    initial_open_interest,
    next_open_interest,
    option_prices,
    ou_step,
    settlement_prices,
)

DAY = date(2026, 11, 20)
K200 = 1086.0
DOCS = Path(__file__).resolve().parents[1] / "docs" / "derivatives.md"


@pytest.fixture(scope="module")
def universe() -> Universe:
    return build_universe(n_kospi=300, n_kosdaq=200, n_etf=20, n_etn=10)


@pytest.fixture(scope="module")
def contracts(universe: Universe) -> list[Instrument]:
    return listed_contracts(DAY, universe, {"KOSPI200": K200})


def _of(contracts: list[Instrument], product: Product) -> list[Instrument]:
    return [c for c in contracts if product_of_code(c.code) == product]


def _ymd(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


# ---------------------------------------------------------------------------------------------------
# Codes, ISINs, names
# ---------------------------------------------------------------------------------------------------


def test_reference_codes_new_cycle(universe: Universe) -> None:
    by_code = {c.code: c for c in listed_contracts(date(2026, 3, 20), universe, {})}
    jun = by_code["A0166000"]  # krx_rules §5.3: KOSPI200 F Jun-2026
    assert jun.isin == "KR4A01660005"
    assert jun.name_ko == "코스피200 F 202606" and jun.name_en == "KOSPI200 F 202606"
    assert jun.expiry == "20260611"
    assert jun.multiplier == 250_000 and jun.price_scale == 100 and jun.tick_table == TickTableId.FLAT_5
    assert by_code["A0666000"].name_ko == "코스닥150 F 202606"  # KOSDAQ150 F Jun-2026

    usd = {c.code: c for c in listed_contracts(date(2025, 12, 22), universe, {})}
    assert usd["A7561000"].isin == "KR4A75610001"  # USD F Jan-2026
    assert usd["A7561000"].name_ko == "미국달러 F 202601"


def test_reference_codes_old_cycle(universe: Universe) -> None:
    listed = listed_contracts(date(2022, 5, 20), universe, {"KOSPI200": 350.0})
    by_code = {c.code: c for c in listed}
    assert by_code["101S6000"].isin == "KR4101S60008"
    assert by_code["101S9000"].isin == "KR4101S90005"
    assert {"101SC000", "101T3000"} <= set(by_code)
    call = by_code["201S6350"]
    assert call.name_ko == "코스피200 C 202206 350.0" and call.strike == 35_000
    assert by_code["301S6350"].name_ko == "코스피200 P 202206 350.0"


def test_every_isin_valid_and_codes_round_trip(contracts: list[Instrument]) -> None:
    assert len({c.code for c in contracts}) == len(contracts)
    for c in contracts:
        assert is_valid_isin(c.isin) and code_from_isin(c.isin) == c.code
        assert parse_derivative_code(c.code).code == c.code
        assert c.market == Market.DERIVATIVES


def test_names_follow_krx_format(contracts: list[Instrument], universe: Universe) -> None:
    fut = re.compile(r"^(코스피200|미니코스피200|코스닥150|미국달러|3년국채|10년국채|\S.*) F (\d{6})$")
    opt = re.compile(r"^코스피200 ([CP]) (\d{6}) (\d+\.\d)$")
    t = universe.instruments
    for c in contracts:
        yyyymm = c.expiry[:6]
        if c.kind == InstrumentKind.OPTION:
            m = opt.match(c.name_ko)
            assert m and m[2] == yyyymm and float(m[3]) * 100 == c.strike
            assert (m[1] == "C") == (c.code[0] == "B")
        else:
            m = fut.match(c.name_ko)
            assert m and m[2] == yyyymm
            if product_of_code(c.code) == Product.STOCK:
                i = t.number(c.underlying)
                assert i is not None
                assert c.name_ko == f"{t.name_ko[i]} F {yyyymm}" and c.name_en == f"{t.name_en[i]} F {yyyymm}"
    names = {c.name_ko for c in contracts}
    assert {"미니코스피200 F 202612", "코스닥150 F 202612", "삼성전자 F 202612"} <= names
    assert {"미국달러 F 202612", "3년국채 F 202612", "10년국채 F 202612"} <= names


# ---------------------------------------------------------------------------------------------------
# Months and expiries
# ---------------------------------------------------------------------------------------------------


def test_kospi200_futures_cycle_on_default_date(contracts: list[Instrument]) -> None:
    fut = _of(contracts, Product.KOSPI200)
    assert [c.code for c in fut] == [
        "A016C000",
        "A0173000",
        "A0176000",
        "A0179000",
        "A017C000",
        "A0186000",
        "A018C000",
    ]
    # Mar ×1, Jun ×2, Sep ×1, Dec ×3, within three years.
    assert Counter(int(c.expiry[4:6]) for c in fut) == {3: 1, 6: 2, 9: 1, 12: 3}
    assert [c.expiry for c in fut] == [
        "20261210",
        "20270311",
        "20270610",
        "20270909",
        "20271209",
        "20280608",
        "20281214",
    ]
    for c in fut:
        e = _ymd(c.expiry)
        assert e.weekday() == 3
        if e.year <= 2027:
            assert e == second_thursday_expiry(e.year, e.month)


def test_roll_after_expiry() -> None:
    on_expiry = listed_months(Product.KOSPI200, date(2026, 12, 10))
    after = listed_months(Product.KOSPI200, date(2026, 12, 11))
    assert on_expiry[0] == (2026, 12)  # the expiring contract trades on its last day
    assert after[0] == (2027, 3) and after[-1] == (2029, 12) and len(after) == 7


def test_holiday_adjusted_expiries() -> None:
    # 2025-10-09 (Hangul Day, in the Chuseok break) moves October's options back a week.
    assert expiry_date(Product.KOSPI200_OPTION, 2025, 10) == date(2025, 10, 2)
    assert listed_months(Product.KOSPI200_OPTION, date(2025, 9, 15)) == [(2025, 10), (2025, 11), (2025, 12)]
    assert expiry_date(Product.USD, 2026, 2) == date(2026, 2, 13) == third_monday_expiry(2026, 2)
    assert expiry_date(Product.KTB3, 2026, 2) == date(2026, 2, 13) == third_tuesday_expiry(2026, 2)
    assert expiry_date(Product.MINI_KOSPI200, 2027, 5) == date(2027, 5, 12)
    assert expiry_date(Product.KTB10, 2026, 12) == date(2026, 12, 15)


def test_other_product_months(contracts: list[Instrument]) -> None:
    def months(p: Product) -> list[str]:
        return [c.expiry[:6] for c in _of(contracts, p)]

    assert months(Product.MINI_KOSPI200) == ["202612", "202701", "202702", "202703", "202704", "202705"]
    assert months(Product.KOSDAQ150) == [c.expiry[:6] for c in _of(contracts, Product.KOSPI200)]
    assert months(Product.USD) == ["202612", "202701", "202702", "202703"]
    assert months(Product.KTB3) == months(Product.KTB10) == ["202612", "202703"]
    for c in _of(contracts, Product.KTB3):
        assert _ymd(c.expiry).weekday() == 1


def test_listing_dates() -> None:
    assert listing_date(Product.KOSPI200, 2028, 12) == date(2025, 12, 12)  # 3 years ahead
    assert listing_date(Product.KOSPI200, 2027, 3) == date(2026, 3, 13)
    assert listing_date(Product.KOSDAQ150, 2016, 3) == date(2015, 11, 23)  # the product's launch
    assert listing_date(Product.MINI_KOSPI200, 2027, 5) == date(2026, 11, 13)
    for p in FUTURES_PRODUCTS:
        for y, m in listed_months(p, DAY):
            d = listing_date(p, y, m)
            assert d <= DAY and (y, m) in listed_months(p, d)


def test_options_expiries_and_strikes(contracts: list[Instrument]) -> None:
    opts = _of(contracts, Product.KOSPI200_OPTION)
    by_expiry: dict[str, list[Instrument]] = defaultdict(list)
    for c in opts:
        by_expiry[c.expiry].append(c)
    assert sorted(by_expiry) == ["20261210", "20270114", "20270211"]
    for pos, expiry in enumerate(sorted(by_expiry)):
        n_side = 20 if pos == 0 else 12
        calls = sorted(c.strike for c in by_expiry[expiry] if c.code[0] == "B")
        puts = sorted(c.strike for c in by_expiry[expiry] if c.code[0] == "C")
        assert calls == puts
        assert len(calls) == 2 * n_side + 1
        assert all(b - a == 250 for a, b in pairwise(calls))
        assert calls[n_side] == 108_500  # the strike nearest 1,086
        for c in by_expiry[expiry]:
            assert c.tick_table == TickTableId.KOSPI200_OPTION and c.multiplier == 250_000


def test_stock_futures(contracts: list[Instrument], universe: Universe) -> None:
    sf = _of(contracts, Product.STOCK)
    underlyings = stock_underlyings(contracts)
    assert len(underlyings) >= 20
    t = universe.instruments
    k200 = universe.index_members("KOSPI200")
    caps = {t.code[i]: int(t.prev_close[i] * t.listed_shares[i]) for i in k200}
    largest = sorted(caps, key=lambda c: -caps[c])[: len(underlyings)]
    assert set(underlyings) == set(largest)
    assert "005930" in underlyings and "000660" in underlyings
    for code in underlyings:
        rows = [c for c in sf if c.underlying == code]
        assert [c.expiry[4:6] for c in rows] == ["12", "03", "06"]
        assert len({c.code[1:3] for c in rows}) == 1
    assert len({c.code[1:3] for c in sf}) == len(underlyings)
    for c in sf:
        assert c.multiplier == 10 and c.price_scale == 1 and c.tick_table == TickTableId.STOCK


# ---------------------------------------------------------------------------------------------------
# Front month, continuous codes, limits
# ---------------------------------------------------------------------------------------------------


def test_continuous_codes_match_koscom_table() -> None:
    expected = {
        Product.KOSPI200: "K2FA001",
        Product.MINI_KOSPI200: "M2FA001",
        Product.KOSDAQ150: "KSFA001",
        Product.USD: "KUFA001",
        Product.KTB3: "KBFA001",
        Product.KTB10: "KXFA001",
    }
    for product, code in expected.items():
        assert continuous_code(product) == code
        assert product_for_continuous(code) == product
    table = {m.code: m.continuous_code for m in KOSCOM_DERIVATIVE_MARKETS}
    for product in expected:
        assert table[PRODUCTS[product].koscom_market] == expected[product]
    for product in (Product.STOCK, Product.KOSPI200_OPTION):
        with pytest.raises(ValueError):
            continuous_code(product)
    assert product_for_continuous("A016C000") is None


def test_front_contract_and_positions(contracts: list[Instrument], universe: Universe) -> None:
    front = front_contract(contracts, Product.KOSPI200, DAY)
    assert front is not None and front.code == "A016C000"
    assert front_contract(contracts, "kospi200", date(2026, 12, 10)) == front
    after = front_contract(contracts, Product.KOSPI200, date(2026, 12, 11))
    assert after is not None and after.code == "A0173000"
    pos = month_positions(contracts, Product.KOSPI200, DAY)
    assert sorted(pos.values()) == [1, 2, 3, 4, 5, 6, 7] and pos["A018C000"] == 7
    samsung = front_contract(contracts, Product.STOCK, DAY, underlying="005930")
    assert samsung is not None and samsung.expiry == "20261210" and samsung.underlying == "005930"
    with pytest.raises(ValueError):
        front_contract(contracts, Product.STOCK, DAY)
    opt_pos = month_positions(contracts, Product.KOSPI200_OPTION, DAY)
    assert set(opt_pos.values()) == {1, 2, 3}
    usd = front_contract(contracts, Product.USD, DAY)
    assert usd is not None and usd.code == "A756C000"


def test_limits(contracts: list[Instrument]) -> None:
    for c in contracts:
        spec = PRODUCTS[product_of_code(c.code)]
        assert c.limit_rate_pct == spec.limit_rate_pct
    rates = {p: PRODUCTS[p].limit_rate_pct for p in PRODUCTS}
    assert rates[Product.KOSPI200] == rates[Product.KOSDAQ150] == 20
    assert rates[Product.KTB10] == 3 and rates[Product.KOSPI200_OPTION] == 0
    steps = futures_limit_steps(108_660, Product.KOSPI200)
    assert steps == [(117_350, 99_970), (124_955, 92_365), (130_390, 86_930)]
    for up, lo in steps:
        assert up % 5 == 0 and lo % 5 == 0
    # Koscom options price sample: premium 138.10, limits 166.10 / 110.05 with KOSPI200 ≈ 350.6.
    assert option_limit_steps(13_810, 350.6)[0] == (16_610, 11_005)
    assert option_limit_steps(50, 350.6)[2][1] == 1  # the lower limit stops at the smallest tick


# ---------------------------------------------------------------------------------------------------
# Theoretical prices
# ---------------------------------------------------------------------------------------------------


def test_prev_close_on_tick_grid(contracts: list[Instrument]) -> None:
    prices = np.array([c.prev_close for c in contracts])
    tables = np.array([c.tick_table for c in contracts])
    assert (prices > 0).all()
    assert on_tick(prices, tables).all()


def test_basis_equals_carry(contracts: list[Instrument], universe: Universe) -> None:
    p = TheoryParams()
    for c in _of(contracts, Product.KOSPI200):
        t = year_fraction(DAY, _ymd(c.expiry))
        carry = K200 * (math.exp((p.rate - p.dividend_yield["KOSPI200"]) * t) - 1.0)
        basis = c.prev_close / 100 - K200
        assert carry > 0
        assert abs(basis - carry) <= 0.025 + 1e-9  # half a 0.05 tick
    samsung = front_contract(contracts, Product.STOCK, DAY, underlying="005930")
    assert samsung is not None
    i = universe.by_code("005930")
    assert i is not None
    spot = int(universe.instruments.prev_close[i])
    t = year_fraction(DAY, _ymd(samsung.expiry))
    fair = spot * math.exp((p.rate - p.stock_dividend_yield) * t)
    assert abs(samsung.prev_close - fair) <= tick_size(samsung.prev_close, TickTableId.STOCK) / 2
    usd = front_contract(contracts, Product.USD, DAY)
    assert usd is not None and usd.prev_close < 138_000  # r_KRW < r_USD: a discount to spot


def test_ktb_prices() -> None:
    # A 5 % coupon bond at a 5 % yield is at par; at 2.6 % the 3-year bond is above it.
    assert ktb_price(5.0, 3) == pytest.approx(100.0)
    assert float(ktb_price(2.6, 3)) == pytest.approx(106.88, abs=0.01)
    assert float(ktb_price(2.9, 10)) == pytest.approx(118.12, abs=0.01)
    assert float(ktb_price(3.0, 3)) < float(ktb_price(2.6, 3))


def test_norm_cdf_accuracy() -> None:
    xs = np.linspace(-6, 6, 241)
    exact = np.array([0.5 * math.erfc(-x / math.sqrt(2)) for x in xs])
    assert np.abs(norm_cdf(xs) - exact).max() < 1e-7
    assert np.allclose(norm_cdf(xs) + norm_cdf(-xs), 1.0, atol=1e-15)


def _option_table(
    contracts: list[Instrument], expiry: str
) -> tuple[list[int], dict[int, int], dict[int, int]]:
    calls = {c.strike: c.prev_close for c in contracts if c.expiry == expiry and c.code[0] == "B"}
    puts = {c.strike: c.prev_close for c in contracts if c.expiry == expiry and c.code[0] == "C"}
    return sorted(calls), calls, puts


def test_put_call_parity(contracts: list[Instrument]) -> None:
    p = TheoryParams()
    carry = p.rate - p.dividend_yield["KOSPI200"]
    expiries = sorted({c.expiry for c in _of(contracts, Product.KOSPI200_OPTION)})
    for expiry in expiries:
        t = year_fraction(DAY, _ymd(expiry))
        fwd = float(forward_price(K200, t, carry))
        strikes, calls, puts = _option_table(contracts, expiry)
        for k in strikes:
            c, q = calls[k], puts[k]
            parity = math.exp(-p.rate * t) * (fwd - k / 100) * 100
            tol = (tick_size(c, TickTableId.KOSPI200_OPTION) + tick_size(q, TickTableId.KOSPI200_OPTION)) / 2
            assert abs((c - q) - parity) <= tol + 1 + 1e-9  # + the 0.01 floor of a deep OTM premium


def test_premiums_monotone_in_strike(contracts: list[Instrument]) -> None:
    for expiry in sorted({c.expiry for c in _of(contracts, Product.KOSPI200_OPTION)}):
        strikes, calls, puts = _option_table(contracts, expiry)
        c = [calls[k] for k in strikes]
        q = [puts[k] for k in strikes]
        assert all(a >= b for a, b in pairwise(c)) and c[0] > c[-1]
        assert all(a <= b for a, b in pairwise(q)) and q[0] < q[-1]
    # Before rounding the order is strict.
    k = np.arange(1000.0, 1180.0, 2.5)
    s = VolSurface()
    t = 0.1
    vol = s.vol(np.log(k / K200), t)
    assert (np.diff(black76(K200, k, t, vol, 0.0275, True)) < 0).all()
    assert (np.diff(black76(K200, k, t, vol, 0.0275, False)) > 0).all()


def _implied_vol(premium: float, fwd: float, k: float, t: float, rate: float, call: bool) -> float:
    lo, hi = 0.01, 2.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if float(black76(fwd, k, t, mid, rate, call)) > premium:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def test_put_skew_in_prices(contracts: list[Instrument]) -> None:
    p = TheoryParams()
    expiry = "20270114"
    t = year_fraction(DAY, _ymd(expiry))
    fwd = float(forward_price(K200, t, p.rate - p.dividend_yield["KOSPI200"]))
    _, calls, puts = _option_table(contracts, expiry)
    atm = _implied_vol(puts[108_500] / 100, fwd, 1085.0, t, p.rate, False)
    otm_put = _implied_vol(puts[105_500] / 100, fwd, 1055.0, t, p.rate, False)  # 30 pt below
    otm_call = _implied_vol(calls[111_500] / 100, fwd, 1115.0, t, p.rate, True)  # 30 pt above
    assert otm_put > atm + 0.01 > otm_call
    assert 0.16 <= atm <= 0.22
    s = VolSurface()
    assert s.vol(-0.05, 0.25) > s.vol(0.0, 0.25) > s.vol(0.05, 0.25)
    assert s.vol(0.0, 2.0) > s.vol(0.0, 0.05)  # upward term structure
    # The smile: the wings together sit above twice the ATM vol (the skew alone would cancel out).
    assert s.vol(0.05, 0.25) + s.vol(-0.05, 0.25) > 2 * s.vol(0.0, 0.25)


# ---------------------------------------------------------------------------------------------------
# Simulation side
# ---------------------------------------------------------------------------------------------------


def _spots(universe: Universe, contracts: list[Instrument]) -> dict[str, float]:
    return resolve_spot_levels(universe, {"KOSPI200": K200}, stocks=stock_underlyings(contracts))


def test_pricer_theory_matches_listing(contracts: list[Instrument], universe: Universe) -> None:
    spots = _spots(universe, contracts)
    pricer = DerivativesPricer(contracts, DAY, spots, np.random.default_rng(0))
    listed = np.array([c.prev_close for c in contracts])
    assert (pricer.theoretical(spots) == listed).all()
    assert (theoretical_prices(contracts, DAY, spots) == listed).all()


def test_basis_noise_stays_in_band(contracts: list[Instrument], universe: Universe) -> None:
    spots = _spots(universe, contracts)
    pricer = DerivativesPricer(contracts, DAY, spots, np.random.default_rng(3))
    fut = [i for i, c in enumerate(contracts) if product_of_code(c.code) == Product.KOSPI200]
    theory = pricer.theoretical(spots)[fut]
    worst = 0.0
    seen = []
    for _ in range(2_000):
        pricer.step(10.0)
        prices = pricer.prices(spots)
        assert on_tick(prices, [c.tick_table for c in contracts]).all()
        gap = np.abs(prices[fut] - theory) / 100  # points
        worst = max(worst, float(gap.max()))
        seen.append(pricer.basis[fut[0]])
    assert worst <= 3e-4 * 1110 + 0.05  # band (3 sd of 1e-4 of the price) plus a tick
    assert np.std(seen) > 3e-5  # the noise does move


def test_pricer_deterministic_and_spot_vol(contracts: list[Instrument], universe: Universe) -> None:
    spots = _spots(universe, contracts)

    def run(seed: int) -> np.ndarray:
        pricer = DerivativesPricer(contracts, DAY, spots, np.random.default_rng(seed))
        for _ in range(10):
            pricer.step(30.0)
        return pricer.prices(spots | {"KOSPI200": 1050.0})

    assert (run(5) == run(5)).all()
    pricer = DerivativesPricer(contracts, DAY, spots, np.random.default_rng(1))
    down = pricer.vol_shift(pricer.spot_vector(spots | {"KOSPI200": K200 * 0.97}))
    i = next(i for i, c in enumerate(contracts) if c.kind == InstrumentKind.OPTION)
    base = pricer.vol_shift(pricer.spot_vector(spots))
    assert down[i] - base[i] == pytest.approx(-0.5 * math.log(0.97))


def test_vectorised_kernels() -> None:
    tables = np.full(3, int(TickTableId.FLAT_5))
    out = futures_prices([1000.0, 1000.0, 1000.0], [0.0, 0.25, 0.5], 0.01, tables)
    assert list(out) == [100_000, 100_250, 100_500]
    noisy = futures_prices(1000.0, 0.0, 0.0, int(TickTableId.FLAT_5), noise=0.0003)
    assert int(noisy) == 100_030
    prem = option_prices([1086.0, 1086.0], [1085.0, 1500.0], [0.1, 0.1], [True, True])
    assert prem[1] == 1  # deep OTM: the 0.01 floor
    assert prem[0] % 5 == 0  # ≥ 10 pt: on the 0.05 grid
    x = ou_step(np.zeros(100_000), 1e9, 0.5, 60.0, np.random.default_rng(0))
    assert np.std(x) == pytest.approx(0.5, rel=0.02)  # a long step reaches the stationary sd
    assert np.abs(ou_step(np.zeros(1000), 1e9, 1.0, 60.0, np.random.default_rng(0), band=0.2)).max() <= 0.2


def test_open_interest(contracts: list[Instrument]) -> None:
    rng = np.random.default_rng(11)
    oi = initial_open_interest(contracts, DAY, rng)
    assert oi.dtype == np.int64 and (oi >= 0).all()
    by_code = dict(zip([c.code for c in contracts], oi.tolist(), strict=True))
    assert 200_000 <= by_code["A016C000"] <= 400_000
    assert by_code["A016C000"] > by_code["A0173000"] > by_code["A018C000"]
    assert by_code["B016CA85"] > by_code["B016CB35"] and by_code["C016CA85"] > by_code["C016CA35"]
    assert by_code["B016CA85"] > by_code["B0172A85"]
    assert (initial_open_interest(contracts, date(2027, 1, 15), np.random.default_rng(1))[:1] == 0).all()

    vol = rng.integers(0, 300_000, len(oi))
    for _ in range(60):
        oi = next_open_interest(oi, vol, rng)
        assert (oi >= 0).all()
    zero = next_open_interest(np.zeros(5, np.int64), np.full(5, 10_000), rng)
    assert (zero >= 0).all()
    with pytest.raises(ValueError):
        next_open_interest([-1], [5], rng)
    # With a target, open interest is pulled back towards it.
    big = np.full(2_000, 400_000)
    pulled = next_open_interest(big, np.full(2_000, 100_000), rng, target=np.full(2_000, 100_000))
    assert pulled.mean() < big.mean()


def test_settlement_prices() -> None:
    assert list(settlement_prices([108_650, 0, 0], [108_600, 2_105, 15])) == [108_650, 2_105, 15]


# ---------------------------------------------------------------------------------------------------
# Universe extension, validation, docs
# ---------------------------------------------------------------------------------------------------


def test_extend_universe(universe: Universe, contracts: list[Instrument]) -> None:
    n = len(universe.instruments)
    before = universe.membership.copy()
    u2 = extend_universe(universe, DAY, {"KOSPI200": K200})
    t, t2 = universe.instruments, u2.instruments
    assert len(t) == n and universe.membership.shape[1] == n  # the input is untouched
    assert len(t2) == n + len(contracts)
    for f in fields(InstrumentTable):
        if f.name == "_by_code":
            continue
        old, new = getattr(t, f.name), getattr(t2, f.name)
        if isinstance(old, list):
            assert new[:n] == old
        else:
            assert np.array_equal(new[:n], old)
    assert t2.code[n:] == [c.code for c in contracts]
    assert t2.record(n + 3) == contracts[3]
    assert u2.membership.shape == (len(universe.indices), n + len(contracts))
    assert np.array_equal(u2.membership[:, :n], before) and not u2.membership[:, n:].any()
    assert u2.indices == universe.indices and u2.members == universe.members
    assert np.array_equal(u2.levels, universe.levels)
    assert np.array_equal(u2.index_members("KOSPI200"), universe.index_members("KOSPI200"))
    assert u2.by_code("A016C000") == n and u2.by_code("005930") == universe.by_code("005930")
    assert int(t2.market_cap()[n:].sum()) == 0  # derivatives hold no listed shares


def test_spot_level_validation(universe: Universe) -> None:
    with pytest.raises(ValueError, match="unknown underlying"):
        listed_contracts(DAY, universe, {"KOSPI2000": 1.0})
    with pytest.raises(ValueError, match="positive"):
        listed_contracts(DAY, universe, {"KOSPI200": -1.0})
    spots = resolve_spot_levels(universe, {"USD": 1400.0, "KTB3": 3.0})
    assert spots["USD"] == 1400.0 and spots["KTB3"] == 3.0 and spots["KTB10"] == 2.9
    higher = {c.code: c.prev_close for c in listed_contracts(DAY, universe, {"USD": 1400.0, "KTB3": 3.0})}
    assert higher["A756C000"] > 139_000 and higher["A656C000"] < 10_688


def test_deterministic_listing(universe: Universe, contracts: list[Instrument]) -> None:
    assert listed_contracts(DAY, universe, {"KOSPI200": K200}) == contracts
    assert Counter(product_of_code(c.code) for c in contracts)[Product.KOSPI200_OPTION] == 2 * (41 + 25 + 25)


def test_docs_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOCS), "exec"), {})


def test_history_launches_and_multipliers(universe: Universe) -> None:
    early = listed_contracts(date(2015, 3, 2), universe, {"KOSPI200": 250.0})
    products = {product_of_code(c.code) for c in early}
    assert Product.MINI_KOSPI200 not in products and Product.KOSDAQ150 not in products  # launched later
    assert early[0].code == "101K3000" and early[0].multiplier == 500_000
    assert listed_contracts(date(2017, 3, 27), universe, {"KOSPI200": 280.0})[0].multiplier == 250_000
