"""Tick tables (krx_rules §1.1): bands, table choice by date and kind, rounding and stepping."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sise.market.ticks import (
    ETF_REFORM_DATE,
    STOCK_REFORM_DATE,
    TICK_TABLES,
    TickTable,
    TickTableId,
    on_tick,
    round_down,
    round_up,
    shift_ticks,
    stock_tick_table,
    tick_size,
    tick_sizes,
    tick_table_for,
)
from sise.market.types import InstrumentKind, Market

# --- the tables themselves ---------------------------------------------------------------------------

STOCK_BAND_EDGES = [
    (1, 1),
    (1_999, 1),
    (2_000, 5),
    (4_995, 5),
    (5_000, 10),
    (19_990, 10),
    (20_000, 50),
    (49_950, 50),
    (50_000, 100),
    (199_900, 100),
    (200_000, 500),
    (499_500, 500),
    (500_000, 1_000),
    (3_000_000, 1_000),
]


@pytest.mark.parametrize(("price", "tick"), STOCK_BAND_EDGES)
def test_stock_table_since_2023_01_25_at_and_around_every_band_bound(price: int, tick: int) -> None:
    assert tick_size(price, TickTableId.STOCK) == tick


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        (999, 1),
        (1_000, 5),
        (4_995, 5),
        (5_000, 10),
        (9_990, 10),
        (10_000, 50),
        (49_950, 50),
        (50_000, 100),
        (60_000, 100),
        (99_900, 100),
        (100_000, 500),
        (120_000, 500),
        (499_500, 500),
        (500_000, 1_000),
    ],
)
def test_old_kospi_table_before_the_reform(price: int, tick: int) -> None:
    assert tick_size(price, TickTableId.STOCK_OLD_KOSPI) == tick


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        (999, 1),
        (1_000, 5),
        (5_000, 10),
        (10_000, 50),
        (49_950, 50),
        (50_000, 100),
        (60_000, 100),
        (120_000, 100),
        (600_000, 100),
    ],
)
def test_old_kosdaq_table_is_100_krw_for_every_price_from_50000(price: int, tick: int) -> None:
    assert tick_size(price, TickTableId.STOCK_OLD_KOSDAQ) == tick


def test_old_tables_on_2023_01_24_through_tick_table_for() -> None:
    day = date(2023, 1, 24)
    kospi = tick_table_for(InstrumentKind.STOCK, Market.KOSPI, day)
    kosdaq = tick_table_for(InstrumentKind.STOCK, Market.KOSDAQ, day)
    assert tick_size(1_000, kospi) == 5
    assert tick_size(60_000, kospi) == 100
    assert tick_size(120_000, kospi) == 500
    assert tick_size(60_000, kosdaq) == 100
    assert tick_size(120_000, kosdaq) == 100


@pytest.mark.parametrize("market", [Market.KOSPI, Market.KOSDAQ, Market.KONEX])
def test_stock_table_switches_exactly_on_2023_01_25(market: Market) -> None:
    assert date(2023, 1, 25) == STOCK_REFORM_DATE
    before = tick_table_for(InstrumentKind.STOCK, market, date(2023, 1, 24))
    after = tick_table_for(InstrumentKind.STOCK, market, date(2023, 1, 25))
    assert after == TickTableId.STOCK
    assert before != TickTableId.STOCK
    assert stock_tick_table(market, date(2023, 1, 24)) == before
    # 1,000–2,000 went from 5 to 1, 10,000–20,000 from 50 to 10, 100,000–200,000 to 100.
    assert (tick_size(1_500, before), tick_size(1_500, after)) == (5, 1)
    assert (tick_size(15_000, before), tick_size(15_000, after)) == (50, 10)
    assert tick_size(150_000, after) == 100


def test_konex_used_the_kosdaq_table_before_the_reform() -> None:
    assert stock_tick_table(Market.KONEX, date(2022, 6, 1)) == TickTableId.STOCK_OLD_KOSDAQ
    assert stock_tick_table(Market.KOSPI, date(2022, 6, 1)) == TickTableId.STOCK_OLD_KOSPI


@pytest.mark.parametrize("kind", [InstrumentKind.ETF, InstrumentKind.ETN])
def test_etf_and_etn_tick_is_1_krw_below_2000_from_2023_12_18(kind: InstrumentKind) -> None:
    assert date(2023, 12, 18) == ETF_REFORM_DATE
    new = tick_table_for(kind, Market.KOSPI, date(2023, 12, 18))
    assert new == TickTableId.ETF
    assert [tick_size(p, new) for p in (1, 1_000, 1_999, 2_000, 9_995, 100_000)] == [1, 1, 1, 5, 5, 5]


@pytest.mark.parametrize("kind", [InstrumentKind.ETF, InstrumentKind.ETN])
def test_etf_and_etn_tick_was_a_flat_5_krw_before_2023_12_18(kind: InstrumentKind) -> None:
    old = tick_table_for(kind, Market.KOSPI, date(2023, 12, 15))
    assert old == TickTableId.FLAT_5
    assert {tick_size(p, old) for p in (5, 1_000, 1_995, 2_000, 100_000)} == {5}


@pytest.mark.parametrize("day", [date(2020, 1, 2), date(2025, 6, 2)])
def test_elw_tick_is_a_flat_5_krw(day: date) -> None:
    table = tick_table_for(InstrumentKind.ELW, Market.KOSPI, day)
    assert {tick_size(p, table) for p in (5, 1_995, 2_000, 50_000)} == {5}


@pytest.mark.parametrize("kind", [InstrumentKind.FUTURE, InstrumentKind.OPTION])
def test_tick_table_for_refuses_derivatives(kind: InstrumentKind) -> None:
    with pytest.raises(ValueError, match="derivatives"):
        tick_table_for(kind, Market.DERIVATIVES, date(2025, 6, 2))


def test_option_tables_change_tick_at_the_premium_turning_point() -> None:
    # Price units are 1/100 pt: KOSPI200 options 0.01 below 10 pt and 0.05 from 10 pt.
    assert tick_size(999, TickTableId.KOSPI200_OPTION) == 1
    assert tick_size(1_000, TickTableId.KOSPI200_OPTION) == 5
    # KOSDAQ150 options 0.1 below 50 pt and 0.5 from 50 pt.
    assert tick_size(4_990, TickTableId.KOSDAQ150_OPTION) == 10
    assert tick_size(5_000, TickTableId.KOSDAQ150_OPTION) == 50


def test_every_table_id_has_its_table() -> None:
    assert set(TICK_TABLES) == set(TickTableId)


def test_a_table_whose_bound_is_off_the_coarser_grid_is_rejected() -> None:
    with pytest.raises(ValueError, match="grid"):
        TickTable("bad", (1_003,), (1, 5))
    with pytest.raises(ValueError, match="divide"):
        TickTable("bad", (1_000,), (2, 5))
    with pytest.raises(ValueError, match="one more tick"):
        TickTable("bad", (1_000,), (1,))


# --- rounding and stepping -----------------------------------------------------------------------------


def test_one_tick_below_2000_is_1999_and_one_above_1999_is_2000() -> None:
    assert shift_ticks(2_000, -1, TickTableId.STOCK) == 1_999
    assert shift_ticks(1_999, 1, TickTableId.STOCK) == 2_000
    assert shift_ticks(2_000, 1, TickTableId.STOCK) == 2_005


@pytest.mark.parametrize(
    ("price", "n", "expected"),
    [
        (19_990, 1, 20_000),
        (20_000, -1, 19_990),
        (20_000, 2, 20_100),
        (50_000, -1, 49_950),
        (499_500, 1, 500_000),
        (500_000, -1, 499_500),
        (500_000, -3, 498_500),
        (4_995, 3, 5_020),
        (12_340, 0, 12_340),
    ],
)
def test_shift_ticks_uses_the_tick_of_the_band_it_steps_into(price: int, n: int, expected: int) -> None:
    assert shift_ticks(price, n, TickTableId.STOCK) == expected


def test_shift_ticks_is_invertible_across_bands() -> None:
    for p in (1_995, 2_000, 4_990, 19_950, 49_900, 199_800, 498_000):
        assert shift_ticks(shift_ticks(p, 7, TickTableId.STOCK), -7, TickTableId.STOCK) == p


def test_shift_ticks_below_the_smallest_price_raises() -> None:
    assert shift_ticks(10, -1, TickTableId.FLAT_5) == 5
    with pytest.raises(ValueError, match="below"):
        shift_ticks(5, -1, TickTableId.FLAT_5)


@pytest.mark.parametrize(
    ("price", "down", "up"),
    [
        (1_999, 1_999, 1_999),
        (2_001, 2_000, 2_005),
        (4_999, 4_995, 5_000),
        (19_995, 19_990, 20_000),
        (49_990, 49_950, 50_000),
        (49_951, 49_950, 50_000),
        (199_901, 199_900, 200_000),
        (499_501, 499_500, 500_000),
        (500_001, 500_000, 501_000),
    ],
)
def test_round_down_and_up_land_on_a_valid_price_even_across_a_band_bound(
    price: int, down: int, up: int
) -> None:
    assert round_down(price, TickTableId.STOCK) == down
    assert round_up(price, TickTableId.STOCK) == up


def test_round_up_is_the_smallest_valid_price_not_below_for_every_table() -> None:
    rng = np.random.default_rng(11)
    for table in TickTableId:
        for price in rng.integers(1, 1_200_000, 300):
            p = int(price)
            up, down = round_up(p, table), round_down(p, table)
            assert down <= p <= up
            assert up % tick_size(up, table) == 0
            assert down % tick_size(down, table) == 0
            # Nothing valid strictly between: the next valid price above ``down`` is above ``p``.
            if down > 0:
                assert shift_ticks(down, 1, table) >= p
            assert up == p or shift_ticks(up, -1, table) < p


# --- vectorised forms --------------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(TickTableId))
def test_tick_sizes_and_on_tick_equal_the_scalar_lookup(table: TickTableId) -> None:
    rng = np.random.default_rng(int(table) + 100)
    prices = np.concatenate(
        [
            rng.integers(-5, 1_500_000, 2_000),
            np.array([b + d for b in (1_000, 2_000, 5_000, 10_000, 20_000, 50_000) for d in (-1, 0, 1)]),
            np.array([b + d for b in (100_000, 200_000, 500_000) for d in (-1, 0, 1)]),
        ]
    ).astype(np.int64)
    tables = np.full(len(prices), int(table), dtype=np.uint8)
    expected = np.array([tick_size(int(p), table) for p in prices], dtype=np.int64)
    got = tick_sizes(prices, tables)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(on_tick(prices, tables), prices % expected == 0)


def test_tick_sizes_with_mixed_tables_in_one_batch() -> None:
    rng = np.random.default_rng(7)
    prices = rng.integers(1, 2_000_000, 20_000).astype(np.int64)
    tables = rng.integers(0, len(TickTableId), 20_000).astype(np.uint8)
    expected = [tick_size(int(p), TickTableId(int(t))) for p, t in zip(prices, tables, strict=True)]
    np.testing.assert_array_equal(tick_sizes(prices, tables), expected)


def test_tick_sizes_known_values_and_broadcasting() -> None:
    prices = np.array([1_999, 2_000, 19_990, 20_000, 499_500, 500_000], dtype=np.int64)
    np.testing.assert_array_equal(tick_sizes(prices, np.zeros(6, np.uint8)), [1, 5, 10, 50, 500, 1_000])
    # A scalar table id broadcasts over the prices; an empty batch gives an empty result.
    np.testing.assert_array_equal(tick_sizes(prices, TickTableId.ETF), [1, 5, 5, 5, 5, 5])
    assert tick_sizes(np.zeros(0, np.int64), np.zeros(0, np.uint8)).shape == (0,)


def test_on_tick_flags_off_grid_prices() -> None:
    prices = np.array([1_999, 2_001, 2_005, 19_995, 20_000, 20_010, 500_500], dtype=np.int64)
    got = on_tick(prices, np.zeros(len(prices), np.uint8))
    assert got.tolist() == [True, False, True, False, True, False, False]
