"""Futures daily history: bar consistency, basis, the continuous roll, open interest, consistency
with today's listing, determinism and speed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import pytest

from history_invariants import check_futures
from sise.market import calendar
from sise.market.derivatives import (
    PRODUCTS,
    Product,
    TheoryParams,
    continuous_code,
    expiry_date,
    listed_contracts,
    listed_months,
    product_of_code,
)
from sise.market.identifiers import future_code, parse_derivative_code
from sise.market.ticks import tick_sizes
from sise.market.timeutil import date_of_yyyymmdd, yyyymmdd
from sise.market.universe import Universe, build_universe
from sise.sources.futures_history import HISTORY_PRODUCTS, backfill_futures, history_window
from sise.sources.history import backfill
from sise.store import INDEX_DAILY, MemoryStore
from sise.store.base import FUTURES_DAILY, FUTURES_TABLE, register_futures_table

SIM_DAY = date(2026, 11, 20)
END = calendar.previous_trading_day(SIM_DAY)
DAYS = 60


@dataclass
class Fixture:
    universe: Universe
    store: MemoryStore
    rows: int


def _all_rows(store: MemoryStore) -> np.ndarray:
    dates = [yyyymmdd(d) for d in history_window(END, days=DAYS)]
    return np.concatenate([store.get_date(FUTURES_TABLE, d) for d in dates])


@pytest.fixture(scope="module")
def fx() -> Fixture:
    universe = build_universe(n_kospi=120, n_kosdaq=150, n_etf=10, n_etn=5)
    store = MemoryStore()
    backfill(universe, store, end=END, days=DAYS, seed=3)
    n = backfill_futures(universe, store, end=END, days=DAYS, seed=5)
    return Fixture(universe, store, n)


def _copy_indices(src: MemoryStore) -> MemoryStore:
    out = MemoryStore()
    for key in ("KOSPI200", "KOSDAQ150"):
        out.put("index_daily", src.get("index_daily", key))
    return out


def test_table_registration_is_idempotent() -> None:
    store = MemoryStore()
    register_futures_table(store)
    register_futures_table(store)
    assert store.dtype(FUTURES_TABLE) == FUTURES_DAILY


def test_rows_cover_every_day_and_product(fx: Fixture) -> None:
    rows = _all_rows(fx.store)
    assert len(rows) == fx.rows
    for product in HISTORY_PRODUCTS:
        cont = fx.store.get(FUTURES_TABLE, continuous_code(product))
        assert len(cont) == DAYS
    days = history_window(END, days=DAYS)
    for d in (days[0], days[-1]):
        codes = set(fx.store.get_date(FUTURES_TABLE, yyyymmdd(d))["code"].tolist())
        for product in HISTORY_PRODUCTS:
            spec = PRODUCTS[product]
            assert spec.underlying_id is not None
            n = sum(1 for c in codes if len(c) == 8 and c[1:3] == spec.underlying_id)
            assert n == spec.n_months


def test_every_backfilled_day_keeps_the_invariants_every_stored_day_keeps(fx: Fixture) -> None:
    for d in history_window(END, days=DAYS):
        check_futures(fx.store, yyyymmdd(d))


def test_ohlc_ordering_and_tick_grid(fx: Fixture) -> None:
    rows = _all_rows(fx.store)
    assert (rows["low"] <= rows["open"]).all() and (rows["open"] <= rows["high"]).all()
    assert (rows["low"] <= rows["close"]).all() and (rows["close"] <= rows["high"]).all()
    assert (rows["low"] > 0).all()
    assert (rows["settle"] == rows["close"]).all()
    tables = np.array([int(PRODUCTS[product_of_code(c)].tick_table or 0) for c in rows["contract"]])
    for name in ("open", "high", "low", "close"):
        px = rows[name]
        assert (px % tick_sizes(px, tables) == 0).all(), name
    assert (rows["volume"] >= 0).all() and (rows["value"] >= 0).all()
    assert ((rows["value"] > 0) == (rows["volume"] > 0)).all()


def test_front_kospi200_basis_is_carry_plus_a_few_tenths(fx: Fixture) -> None:
    theory = TheoryParams()
    carry = theory.rate - theory.dividend_yield["KOSPI200"]
    cont = fx.store.get(FUTURES_TABLE, continuous_code(Product.KOSPI200))
    index = fx.store.get("index_daily", "KOSPI200", int(cont["date"][0]), int(cont["date"][-1]))
    assert np.array_equal(index["date"], cont["date"])
    assert np.allclose(cont["spot"], index["close"])
    for row, s in zip(cont, index["close"], strict=True):
        c = str(row["contract"])
        day = date_of_yyyymmdd(int(row["date"]))
        code, expiry = _front_code(Product.KOSPI200, day)
        assert code == c
        years = (max((date_of_yyyymmdd(expiry) - day).days, 0) + 0.5) / 365.0
        fair = s * np.exp(carry * years)
        assert abs(row["close"] / 100 - fair) < 0.4, (day, row["close"], fair)
        assert row["close"] / 100 - s > 0  # positive carry at these rates


def _front_code(product: Product, day: date) -> tuple[str, int]:
    """Code and last trading day of the nearest listed contract of ``product`` on ``day``."""
    y, m = listed_months(product, day)[0]
    uid = PRODUCTS[product].underlying_id
    assert uid is not None
    return future_code(uid, y, m), yyyymmdd(expiry_date(product, y, m))


def test_continuous_series_rolls_the_day_after_expiry(fx: Fixture) -> None:
    rolls = 0
    fields = ["open", "high", "low", "close", "volume", "open_interest"]
    for product in HISTORY_PRODUCTS:
        cont = fx.store.get(FUTURES_TABLE, continuous_code(product))
        for i, row in enumerate(cont):
            code, expiry = _front_code(product, date_of_yyyymmdd(int(row["date"])))
            assert row["contract"] == code and expiry >= row["date"]
            own = fx.store.get(FUTURES_TABLE, code, int(row["date"]), int(row["date"]))
            assert own[fields].tolist() == [row[fields].tolist()]
            if i and cont["contract"][i - 1] != code:
                rolls += 1
                _, old_expiry = _front_code(product, date_of_yyyymmdd(int(cont["date"][i - 1])))
                assert old_expiry == cont["date"][i - 1]  # rolled the trading day after expiry
    assert rolls >= 6  # KOSPI200 (September), monthly mini and USD at least twice each


def test_kospi200_rolls_after_the_second_thursday(fx: Fixture) -> None:
    cont = fx.store.get(FUTURES_TABLE, continuous_code(Product.KOSPI200))
    expiry = calendar.second_thursday_expiry(2026, 9)
    i = int(np.flatnonzero(cont["date"] == yyyymmdd(expiry))[0])
    assert cont["contract"][i] == "A0169000"
    assert cont["contract"][i + 1] == "A016C000"
    assert cont["date"][i + 1] == yyyymmdd(calendar.next_trading_day(expiry))


def test_open_interest_non_negative_and_zero_after_expiry(fx: Fixture) -> None:
    rows = _all_rows(fx.store)
    assert (rows["open_interest"] >= 0).all()
    last = yyyymmdd(END)
    for code in set(rows["contract"].tolist()):
        own = fx.store.get(FUTURES_TABLE, code)
        exp = _expiry_of(code)
        assert (own["date"] <= exp).all()
        if exp <= last:
            assert own["date"][-1] == exp
            assert own["open_interest"][-1] == 0
            assert (own["open_interest"][:-1] >= 0).all()
    # A live front month holds a realistic open interest.
    k2 = fx.store.get(FUTURES_TABLE, continuous_code(Product.KOSPI200))
    assert np.median(k2["open_interest"]) > 50_000


def _expiry_of(code: str) -> int:
    """Last trading day of a contract code (``A016C000`` → 2026-12 second Thursday)."""
    parsed = parse_derivative_code(code)
    return yyyymmdd(expiry_date(product_of_code(code), parsed.year, parsed.month))


def test_front_month_carries_the_volume(fx: Fixture) -> None:
    day = yyyymmdd(END)
    rows = fx.store.get_date(FUTURES_TABLE, day)
    k200 = rows[[c.startswith("A01") for c in rows["code"]]]
    k200 = k200[np.argsort(k200["code"])]
    front = fx.store.get(FUTURES_TABLE, continuous_code(Product.KOSPI200), day, day)
    assert front["volume"][0] == k200["volume"].max()
    assert front["volume"][0] > 5 * np.sort(k200["volume"])[-2]


def test_last_day_matches_todays_listing(fx: Fixture) -> None:
    today = listed_contracts(SIM_DAY, fx.universe, {})
    last = {str(r["code"]): r for r in fx.store.get_date(FUTURES_TABLE, yyyymmdd(END))}
    checked = 0
    for c in today:
        try:
            product = product_of_code(c.code)
        except ValueError:
            continue
        if product not in HISTORY_PRODUCTS or c.code not in last:
            continue
        r = last[c.code]
        # A day of carry plus the ±3 sd basis band, in price units.
        tol = (
            c.prev_close * (3 * 1.5e-4 + 0.0005)
            + 2 * tick_sizes(np.array([c.prev_close]), np.array([c.tick_table]))[0]
        )
        assert abs(int(r["close"]) - c.prev_close) <= tol, (c.code, r["close"], c.prev_close)
        checked += 1
    assert checked >= 20


def test_rate_underlyings_end_on_todays_defaults(fx: Fixture) -> None:
    theory = TheoryParams()
    usd = fx.store.get(FUTURES_TABLE, continuous_code(Product.USD))
    assert usd["spot"][-1] == pytest.approx(theory.usd_spot)
    for product, key in ((Product.KTB3, "KTB3"), (Product.KTB10, "KTB10")):
        spot = fx.store.get(FUTURES_TABLE, continuous_code(product))["spot"]
        assert spot[-1] == pytest.approx(theory.ktb_yield_pct[key])
        assert (spot > 0).all()


def test_deterministic_from_the_seed(fx: Fixture) -> None:
    a = _copy_indices(fx.store)
    b = _copy_indices(fx.store)
    c = _copy_indices(fx.store)
    backfill_futures(fx.universe, a, end=END, days=DAYS, seed=5)
    backfill_futures(fx.universe, b, end=END, days=DAYS, seed=5)
    backfill_futures(fx.universe, c, end=END, days=DAYS, seed=6)
    ra, rb, rc = _all_rows(a), _all_rows(b), _all_rows(c)
    assert ra.tobytes() == rb.tobytes()
    assert ra.tobytes() == _all_rows(fx.store).tobytes()
    assert ra.tobytes() != rc.tobytes()


def test_missing_index_history_is_an_error(fx: Fixture) -> None:
    with pytest.raises(ValueError, match="index_daily"):
        backfill_futures(fx.universe, MemoryStore(), end=END, days=DAYS)


def _synthetic_indices(store: MemoryStore, days: list[date], universe: Universe) -> None:
    rng = np.random.default_rng(0)
    levels = {d.key: float(v) for d, v in zip(universe.indices, universe.levels, strict=True)}
    for key in ("KOSPI200", "KOSDAQ150"):
        rows = np.zeros(len(days), INDEX_DAILY)
        rows["code"] = key
        rows["date"] = [yyyymmdd(d) for d in days]
        steps = np.cumsum(0.01 * rng.standard_normal(len(days) - 1))[::-1]
        close = levels[key] * np.exp(-np.concatenate([steps, [0.0]]))
        rows["close"] = np.round(close, 2)
        rows["open"] = rows["close"]
        rows["high"] = np.round(close * 1.005, 2)
        rows["low"] = np.round(close * 0.995, 2)
        store.put("index_daily", rows)


def test_two_year_window_is_fast() -> None:
    universe = build_universe(n_kospi=120, n_kosdaq=150, n_etf=10, n_etn=5)
    store = MemoryStore()
    days = history_window(END, years=2)
    _synthetic_indices(store, days, universe)
    seen: list[float] = []
    t0 = time.perf_counter()
    n = backfill_futures(universe, store, end=END, years=2, seed=1, progress=seen.append)
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, elapsed
    assert n > 6 * len(days) * 3
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert store.last_date(FUTURES_TABLE) == yyyymmdd(END)
