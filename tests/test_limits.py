"""Daily price limits (krx_rules §1.2) and sign codes (§1.8)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sise.market.limits import (
    NO_LIMIT_LOWER,
    NO_LIMIT_UPPER,
    ipo_limits,
    limit_rate_pct,
    price_limits,
    price_limits_array,
    sign_code,
    sign_codes,
)
from sise.market.ticks import TickTableId, round_down, tick_size, tick_sizes
from sise.market.types import InstrumentKind, Market, Sign

# base, amount, upper, lower — the worked examples of krx_rules §1.2.
WORKED_EXAMPLES = [
    (9_940, 2_980, 12_920, 6_960),
    (16_990, 5_090, 22_050, 11_900),
    (24_250, 7_250, 31_500, 17_000),
    (70_000, 21_000, 91_000, 49_000),
    (239_000, 71_500, 310_500, 167_500),
    (499_500, 149_500, 649_000, 350_000),
]


@pytest.mark.parametrize(("base", "amount", "upper", "lower"), WORKED_EXAMPLES)
def test_worked_examples_of_the_30_percent_limit(base: int, amount: int, upper: int, lower: int) -> None:
    assert price_limits(base, TickTableId.STOCK, 30) == (upper, lower)
    assert base - lower == amount
    ups, lows = price_limits_array(np.array([base]), np.array([TickTableId.STOCK]), np.array([30]))
    assert (int(ups[0]), int(lows[0])) == (upper, lower)


def test_worked_examples_in_one_vectorised_call() -> None:
    bases = np.array([b for b, *_ in WORKED_EXAMPLES], dtype=np.int64)
    ups, lows = price_limits_array(bases, np.zeros(len(bases), np.uint8), np.full(len(bases), 30, np.int16))
    assert ups.dtype == np.int64
    assert lows.dtype == np.int64
    assert ups.tolist() == [u for _, _, u, _ in WORKED_EXAMPLES]
    assert lows.tolist() == [lo for *_, lo in WORKED_EXAMPLES]


def test_limit_is_an_amount_not_a_percentage_band() -> None:
    # 0.7 × 239,000 = 167,300 would be valid on the tick grid, but the truncated amount gives 167,500.
    assert price_limits(239_000, TickTableId.STOCK)[1] == 167_500
    # 0.7 × 24,250 = 16,975 → 16,980 on the grid; the rule gives 17,000.
    assert price_limits(24_250, TickTableId.STOCK)[1] == 17_000


def test_upper_limit_crossing_into_a_coarser_band_is_rounded_down_to_that_band() -> None:
    upper, _ = price_limits(16_990, TickTableId.STOCK)
    assert upper == 22_050  # 16,990 + 5,090 = 22,080, on the 50 KRW grid above 20,000
    assert tick_size(upper, TickTableId.STOCK) == 50


@pytest.mark.parametrize(
    ("market", "day", "rate"),
    [
        (Market.KOSPI, date(2015, 6, 12), 15),
        (Market.KOSDAQ, date(2015, 6, 12), 15),
        (Market.KOSPI, date(2015, 6, 15), 30),
        (Market.KOSDAQ, date(2015, 6, 15), 30),
        (Market.KONEX, date(2015, 6, 15), 15),
        (Market.KONEX, date(2025, 6, 2), 15),
    ],
)
def test_limit_rate_by_market_and_era(market: Market, day: date, rate: int) -> None:
    assert limit_rate_pct(market, day) == rate


def test_15_percent_era_and_konex_limits() -> None:
    # Old KOSPI table, 9,940 × 0.15 = 1,491 → 1,490 on the 10 KRW tick; the upper 11,430 is above
    # 10,000, where the old table's tick was 50 KRW → 11,400.
    assert price_limits(9_940, TickTableId.STOCK_OLD_KOSPI, 15) == (11_400, 8_450)
    # KONEX on today's table: 70,000 × 0.15 = 10,500.
    rate = limit_rate_pct(Market.KONEX, date(2025, 6, 2))
    assert rate == 15
    assert price_limits(70_000, TickTableId.STOCK, rate) == (80_500, 59_500)
    ups, lows = price_limits_array(np.array([9_940, 70_000]), np.array([1, 0]), np.array([15, 15]))
    assert ups.tolist() == [11_400, 80_500]
    assert lows.tolist() == [8_450, 59_500]


@pytest.mark.parametrize(("leverage", "rate"), [(1, 30), (2, 60), (-1, 30), (-2, 60)])
def test_leveraged_and_inverse_etf_rate_is_30_percent_times_the_absolute_multiple(
    leverage: int, rate: int
) -> None:
    assert limit_rate_pct(Market.KOSPI, date(2025, 6, 2), InstrumentKind.ETF, leverage) == rate


def test_leverage_does_not_widen_stock_or_etn_limits() -> None:
    assert limit_rate_pct(Market.KOSPI, date(2025, 6, 2), InstrumentKind.STOCK, 2) == 30
    assert limit_rate_pct(Market.KOSPI, date(2025, 6, 2), InstrumentKind.ETN, 2) == 30


def test_leveraged_etf_limit_at_60_percent() -> None:
    # ETF table, base 10,000: amount 6,000.
    assert price_limits(10_000, TickTableId.ETF, 60) == (16_000, 4_000)
    # Base 1,999 (1 KRW tick): amount 1,199; the upper 3,198 is on the 5 KRW grid → 3,195.
    assert price_limits(1_999, TickTableId.ETF, 60) == (3_195, 800)
    ups, lows = price_limits_array(np.array([10_000, 1_999]), np.array([3, 3]), np.array([60, 60]))
    assert ups.tolist() == [16_000, 3_195]
    assert lows.tolist() == [4_000, 800]


def test_elw_has_no_daily_limit() -> None:
    assert limit_rate_pct(Market.KOSPI, date(2025, 6, 2), InstrumentKind.ELW) is None
    assert price_limits(1_000, TickTableId.FLAT_5, 0) == (NO_LIMIT_UPPER, NO_LIMIT_LOWER)
    ups, lows = price_limits_array(np.array([1_000, 1_000]), np.array([4, 4]), np.array([0, 30]))
    assert ups.tolist() == [NO_LIMIT_UPPER, 1_300]
    assert lows.tolist() == [NO_LIMIT_LOWER, 700]


@pytest.mark.parametrize("kind", [InstrumentKind.FUTURE, InstrumentKind.OPTION])
def test_derivatives_have_no_single_limit_rate(kind: InstrumentKind) -> None:
    with pytest.raises(ValueError, match="staged"):
        limit_rate_pct(Market.DERIVATIVES, date(2025, 6, 2), kind)


def test_ipo_day_band_is_60_to_400_percent_of_the_offering_price() -> None:
    assert ipo_limits(10_000, TickTableId.STOCK) == (40_000, 6_000)
    # 4 × 33,333 = 133,332 → 133,300 (down, 100 KRW tick); 0.6 × 33,333 = 19,999.8 → 20,000 (up).
    assert ipo_limits(33_333, TickTableId.STOCK) == (133_300, 20_000)
    # 0.6 × 15,100 = 9,060 is already valid; 60,400 is on the 100 KRW grid.
    assert ipo_limits(15_100, TickTableId.STOCK) == (60_400, 9_060)
    # 0.6 × 12,345 = 7,407 → 7,410 (10 KRW tick); 49,380 → 49,350 (50 KRW tick).
    assert ipo_limits(12_345, TickTableId.STOCK) == (49_350, 7_410)


def test_non_positive_base_is_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        price_limits(0, TickTableId.STOCK)
    with pytest.raises(ValueError, match="positive"):
        price_limits_array(np.array([100, 0]), np.array([0, 0]), np.array([30, 30]))


def test_lower_limit_never_drops_below_the_smallest_valid_price() -> None:
    assert price_limits(100, TickTableId.STOCK, 150) == (250, 1)
    assert price_limits(10, TickTableId.FLAT_5, 200) == (30, 5)
    ups, lows = price_limits_array(np.array([100, 10]), np.array([0, 4]), np.array([150, 200]))
    assert ups.tolist() == [250, 30]
    assert lows.tolist() == [1, 5]


def test_off_grid_base_still_gives_limits_on_the_grid() -> None:
    # 16,995 is off the 10 KRW grid: the amount 5,090 gives 22,085 → 22,050 and 11,905 → 11,910.
    assert price_limits(16_995, TickTableId.STOCK) == (22_050, 11_910)
    ups, lows = price_limits_array(np.array([16_995]), np.array([0]), np.array([30]))
    assert (int(ups[0]), int(lows[0])) == (22_050, 11_910)


def test_price_limits_array_matches_scalar_on_random_tick_aligned_bases() -> None:
    rng = np.random.default_rng(2015_06_15)
    n = 20_000
    tables = rng.choice(
        np.array(
            [TickTableId.STOCK, TickTableId.STOCK_OLD_KOSPI, TickTableId.STOCK_OLD_KOSDAQ, TickTableId.ETF]
        ),
        size=n,
    ).astype(np.uint8)
    raw = np.exp(rng.uniform(np.log(100), np.log(2_000_000), n)).astype(np.int64)
    ticks = tick_sizes(raw, tables)
    bases = raw // ticks * ticks  # round down stays in the band, so on the grid
    rates = rng.choice(np.array([15, 30, 60]), size=n).astype(np.int16)
    rates[::97] = 0

    ups, lows = price_limits_array(bases, tables, rates)
    scalar = [
        price_limits(int(b), TickTableId(int(t)), int(r))
        for b, t, r in zip(bases, tables, rates, strict=True)
    ]
    np.testing.assert_array_equal(ups, [u for u, _ in scalar])
    np.testing.assert_array_equal(lows, [lo for _, lo in scalar])

    limited = rates > 0
    b, u, lo, r, tab = bases[limited], ups[limited], lows[limited], rates[limited], tables[limited]
    assert (lo <= b).all()
    assert (b <= u).all()
    # Each limit on the grid of its own band.
    assert (u % tick_sizes(u, tab) == 0).all()
    assert (lo % tick_sizes(lo, tab) == 0).all()
    # Never wider than the rate: upper ≤ base × (1 + rate), lower ≥ base × (1 − rate).
    assert (u * 100 <= b * (100 + r)).all()
    assert (lo * 100 >= b * (100 - r)).all()
    at30 = r == 30
    assert (u[at30] * 10 <= b[at30] * 13).all()
    # The amount is truncated by less than one tick of the base: the lower limit is within a tick.
    assert (lo * 100 - b * (100 - r) < tick_sizes(b, tab) * 100).all()


def test_upper_limit_is_the_largest_valid_price_within_base_plus_amount() -> None:
    for base in (1_540, 4_995, 15_380, 38_850, 153_900, 385_000, 1_234_000):
        t = tick_size(base, TickTableId.STOCK)
        amount = base * 30 // 100 // t * t
        upper, lower = price_limits(base, TickTableId.STOCK)
        assert upper == round_down(base + amount, TickTableId.STOCK)
        assert lower == base - amount


# --- sign codes ---------------------------------------------------------------------------------------


def test_sign_code_values_follow_kiwoom_kis_ls() -> None:
    assert [int(s) for s in (Sign.LIMIT_UP, Sign.UP, Sign.FLAT, Sign.LIMIT_DOWN, Sign.DOWN)] == [
        1,
        2,
        3,
        4,
        5,
    ]


# price, expected sign, against base 70,000 with limits 91,000 / 49,000.
SIGN_CASES = [
    (91_000, Sign.LIMIT_UP),
    (90_900, Sign.UP),
    (70_100, Sign.UP),
    (70_000, Sign.FLAT),
    (69_900, Sign.DOWN),
    (49_100, Sign.DOWN),
    (49_000, Sign.LIMIT_DOWN),
]


@pytest.mark.parametrize(("price", "sign"), SIGN_CASES)
def test_sign_code_from_price_base_and_limits(price: int, sign: Sign) -> None:
    upper, lower = price_limits(70_000, TickTableId.STOCK)
    assert sign_code(price, 70_000, upper, lower) == sign


def test_sign_codes_vectorised_agrees_with_scalar() -> None:
    prices = np.array([p for p, _ in SIGN_CASES], dtype=np.int64)
    n = len(prices)
    got = sign_codes(prices, np.full(n, 70_000), np.full(n, 91_000), np.full(n, 49_000))
    assert got.dtype == np.int8
    assert got.tolist() == [int(s) for _, s in SIGN_CASES]

    rng = np.random.default_rng(5)
    bases = rng.integers(1, 30, 5_000) * 100
    ups, lows = price_limits_array(bases, np.zeros(5_000, np.uint8), rng.choice(np.array([0, 15, 30]), 5_000))
    prices = np.clip(bases + rng.integers(-12, 13, 5_000) * 100, 1, None)
    vec = sign_codes(prices, bases, ups, lows)
    scalar = [
        sign_code(int(p), int(b), int(u), int(lo))
        for p, b, u, lo in zip(prices, bases, ups, lows, strict=True)
    ]
    assert vec.tolist() == [int(s) for s in scalar]
    assert set(vec.tolist()) == {1, 2, 3, 4, 5}


def test_price_on_the_base_is_flat_even_when_the_band_is_degenerate() -> None:
    # Base 3 KRW: 30 % is under one tick, so upper = lower = base.
    upper, lower = price_limits(3, TickTableId.STOCK)
    assert (upper, lower) == (3, 3)
    assert sign_code(3, 3, upper, lower) == Sign.FLAT
    # No limit: the 1 KRW floor is not a limit-down for a price of 1 on a base of 1.
    assert sign_code(1, 1, NO_LIMIT_UPPER, NO_LIMIT_LOWER) == Sign.FLAT
    got = sign_codes(np.array([3, 1]), np.array([3, 1]), np.array([3, NO_LIMIT_UPPER]), np.array([3, 1]))
    assert got.tolist() == [Sign.FLAT, Sign.FLAT]
