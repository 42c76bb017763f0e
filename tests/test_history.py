"""The factor model and the history back-fill: consistency with the starting state, KRX rules,
balanced flows, corporate actions, realism of the returns, determinism and speed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from history_invariants import check_day, constituents_of
from sise.engine.engine import Engine
from sise.market import calendar
from sise.market.limits import limit_rate_pct, price_limits_array, sign_codes
from sise.market.ticks import tick_sizes, tick_table_for
from sise.market.timeutil import yyyymmdd
from sise.market.types import FOREIGNERS, InstrumentKind, Investor, Market
from sise.market.universe import Universe, build_universe
from sise.sources.factors import FactorModel
from sise.sources.history import BackfillResult, backfill, week52
from sise.store import ACTION_RIGHTS, ACTION_SPLIT, MemoryStore

DOCS = Path(__file__).resolve().parents[1] / "docs" / "history.md"
SIM_DAY = date(2026, 11, 20)
END = calendar.previous_trading_day(SIM_DAY)
DAYS = 60
FOREIGN = [int(i) for i in FOREIGNERS]


def small_universe() -> Universe:
    return build_universe(n_kospi=120, n_kosdaq=150, n_etf=20, n_etn=5)


@dataclass
class History:
    universe: Universe
    store: MemoryStore
    result: BackfillResult

    @property
    def codes(self) -> list[str]:
        return list(self.universe.instruments.code)

    def matrix(self, table: str, field: str, codes: list[str] | None = None) -> np.ndarray:
        """(days, codes) of one field, read code by code through the store interface."""
        return np.stack([self.store.get(table, c)[field] for c in (codes or self.codes)], axis=1)


def run(
    universe: Universe,
    end: date = END,
    days: int = DAYS,
    seed: int = 3,
    splits: int | None = None,
    rights: int | None = None,
) -> History:
    store = MemoryStore()
    result = backfill(universe, store, end=end, days=days, seed=seed, splits=splits, rights=rights)
    return History(universe, store, result)


@pytest.fixture(scope="module")
def hist() -> History:
    return run(small_universe(), splits=2, rights=2)


def rules(universe: Universe, d: date) -> tuple[np.ndarray, np.ndarray]:
    """Tick table and limit rate of every instrument on ``d``, straight from the market rules."""
    ins = universe.instruments
    tab = np.array(
        [tick_table_for(InstrumentKind(k), Market(m), d) for k, m in zip(ins.kind, ins.market, strict=True)]
    )
    rate = np.array(
        [
            limit_rate_pct(Market(m), d, InstrumentKind(k), int(lv)) or 0
            for k, m, lv in zip(ins.kind, ins.market, ins.leverage, strict=True)
        ]
    )
    return tab, rate


# ---------------------------------------------------------------------------------------------------
# Consistency with the starting state
# ---------------------------------------------------------------------------------------------------


def test_window_is_the_last_trading_days_up_to_end(hist: History) -> None:
    assert len(hist.result.dates) == DAYS
    assert hist.result.dates[-1] == END
    assert hist.result.dates == calendar.trading_days(hist.result.dates[0], END)
    assert hist.store.last_date("stock_daily") == yyyymmdd(END)
    n = len(hist.codes)
    assert hist.result.rows["stock_daily"] == n * DAYS
    assert hist.store.count("stock_daily") == n * DAYS


def test_last_close_is_the_universes_previous_close(hist: History) -> None:
    close = hist.matrix("stock_daily", "close")
    assert np.array_equal(close[-1], hist.universe.instruments.prev_close)


def test_last_index_close_is_the_starting_level(hist: History) -> None:
    u = hist.universe
    checked = 0
    for d, level in zip(u.indices, u.levels, strict=True):
        rows = hist.store.get("index_daily", d.key)
        if len(u.index_members(d.key)) == 0:
            assert len(rows) == 0
            continue
        assert rows["close"][-1] == round(float(level), 2), d.key
        checked += 1
    assert checked > 30


def test_engine_started_from_the_universe_continues_the_history(hist: History) -> None:
    u = hist.universe
    engine = Engine.from_universe(u)
    for k, key in enumerate(engine.index.keys):
        rows = hist.store.get("index_daily", key)
        if len(rows):
            assert engine.index.prev_close[k] == rows["close"][-1]
    high, low, _, _ = week52(hist.store, u, SIM_DAY)
    engine.start_day(SIM_DAY, high52=high, low52=low, nav=hist.result.nav)
    assert np.array_equal(engine.base, hist.matrix("stock_daily", "close")[-1])
    assert np.array_equal(engine.week52()[0], high)


# ---------------------------------------------------------------------------------------------------
# Prices: tick grid, limits, OHLC
# ---------------------------------------------------------------------------------------------------


def check_prices(h: History) -> int:
    """Every price on its date's tick grid and inside that day's limits; returns limit closes."""
    o, hi, lo, c = (h.matrix("stock_daily", f) for f in ("open", "high", "low", "close"))
    base = h.matrix("stock_daily", "base")
    limit_closes = 0
    for t, d in enumerate(h.result.dates):
        tab, rate = rules(h.universe, d)
        for p in (o[t], hi[t], lo[t], c[t]):
            assert (p > 0).all()
            assert (p % tick_sizes(p, tab) == 0).all(), d
        upper, lower = price_limits_array(base[t], tab, rate)
        assert ((lo[t] >= lower) & (hi[t] <= upper)).all(), d
        limit_closes += int(((c[t] == upper) | (c[t] == lower)).sum())
    return limit_closes


def test_every_price_is_on_its_tick_grid_and_within_the_days_limits(hist: History) -> None:
    check_prices(hist)


def test_tick_grids_follow_the_2023_reforms() -> None:
    h = run(small_universe(), end=date(2024, 1, 31), days=300, seed=5)
    assert h.result.dates[0] < date(2023, 1, 25) and h.result.dates[-1] > date(2023, 12, 18)
    check_prices(h)


def test_ohlc_order_and_value_inside_the_days_range(hist: History) -> None:
    o, hi, lo, c = (hist.matrix("stock_daily", f) for f in ("open", "high", "low", "close"))
    assert ((lo <= o) & (o <= hi) & (lo <= c) & (c <= hi)).all()
    vol, val = hist.matrix("stock_daily", "volume"), hist.matrix("stock_daily", "value")
    assert (vol > 0).all()
    assert ((val >= vol * lo) & (val <= vol * hi)).all()
    assert ((hi - lo) > 0).mean() > 0.9  # most days have a range


def test_change_sign_and_previous_close(hist: History) -> None:
    rows = np.concatenate([hist.store.get("stock_daily", c) for c in hist.codes])
    assert np.array_equal(rows["change"], rows["close"] - rows["base"])
    for t, d in enumerate(hist.result.dates):
        day = hist.store.get_date("stock_daily", yyyymmdd(d))
        assert list(day["code"]) == hist.codes
        tab, rate = rules(hist.universe, d)
        upper, lower = price_limits_array(day["base"], tab, rate)
        assert np.array_equal(day["sign"], sign_codes(day["close"], day["base"], upper, lower))
        if t:
            prev = hist.store.get_date("stock_daily", yyyymmdd(hist.result.dates[t - 1]))
            assert np.array_equal(day["prev_close"], prev["close"])


def test_moves_beyond_the_limit_become_limit_days() -> None:
    """A small market over a year: fat tails and jumps push a few closes onto a limit, and no
    price ever goes beyond one."""
    h = run(small_universe(), days=250, seed=11)
    assert check_prices(h) > 0


# ---------------------------------------------------------------------------------------------------
# Corporate actions and indices
# ---------------------------------------------------------------------------------------------------


def test_corporate_actions_change_shares_base_and_adjustment(hist: History) -> None:
    acts = hist.result.actions
    assert sorted(acts["kind"]) == [ACTION_RIGHTS, ACTION_RIGHTS, ACTION_SPLIT, ACTION_SPLIT]
    ins = hist.universe.instruments
    for a in acts:
        code = str(a["code"])
        rows = hist.store.get("stock_daily", code)
        stored = hist.store.get("corporate_actions", code)
        assert len(stored) == 1 and stored[0] == a
        ex = int(np.flatnonzero(rows["date"] == a["date"])[0])
        assert ex > 0
        assert rows["listed_shares"][-1] == ins.listed_shares[ins.number(code)] == a["shares_after"]
        assert (rows["listed_shares"][:ex] == a["shares_before"]).all()
        assert (rows["listed_shares"][ex:] == a["shares_after"]).all()
        assert rows["base"][ex] == a["price"] and rows["prev_close"][ex] == a["prev_close"]
        assert a["ratio"] == pytest.approx(a["shares_after"] / a["shares_before"])
        if a["kind"] == ACTION_SPLIT:
            assert a["shares_after"] % a["shares_before"] == 0
            theoretical = a["prev_close"] / a["ratio"]
        else:
            assert 0 < a["issue_price"] < a["prev_close"]
            new = a["shares_after"] - a["shares_before"]
            theoretical = (a["prev_close"] * a["shares_before"] + a["issue_price"] * new) / a["shares_after"]
        tab, _ = rules(hist.universe, hist.result.dates[ex])
        assert abs(a["price"] - theoretical) <= tick_sizes(a["price"], tab[ins.number(code)]) / 2 + 1e-9
        adj = rows["adj_factor"]
        assert (adj[:ex] == 1.0).all()
        assert adj[ex] == pytest.approx(a["price"] / a["prev_close"])
        assert (adj[ex:] == adj[ex]).all()
        # Adjusted to today's basis, the previous close continues into the ex-date's base.
        adjusted_prev = rows["close"][ex - 1] * adj[-1] / adj[ex - 1]
        assert adjusted_prev == pytest.approx(a["price"])


def recompute(h: History, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Index closes from constituent closes, bases and share counts, base cap anchored at the
    starting level and rescaled forward across corporate actions; also the level at each day's
    base prices (what the index shows before the first trade)."""
    u = h.universe
    ins = u.instruments
    d = next(x for x in u.indices if x.key == key)
    level0 = float(u.levels[[x.key for x in u.indices].index(key)])
    mem = u.index_members(key)
    codes = [ins.code[i] for i in mem]
    close = h.matrix("stock_daily", "close", codes)
    base = h.matrix("stock_daily", "base", codes)
    shares = h.matrix("stock_daily", "listed_shares", codes)
    weights = np.round(shares * ins.float_ratio[mem]).astype(np.int64) if d.float_adjusted else shares
    cap = (weights * close).sum(axis=1)
    at_base = (weights * base).sum(axis=1)
    before = np.concatenate([[at_base[0]], cap[:-1]])  # previous close at the previous shares
    factor = np.cumprod(at_base / before)  # base-cap rescaling, 1 on ordinary days
    base_last = float(cap[-1]) * d.base_value / level0
    base_cap = base_last / factor[-1] * factor
    return np.round(cap / base_cap * d.base_value, 2), np.round(at_base / base_cap * d.base_value, 2)


def test_index_history_is_the_constituents_cap_over_a_rescaled_base(hist: History) -> None:
    acts = hist.result.actions
    ins = hist.universe.instruments
    touched: set[str] = set()
    for d in hist.universe.indices:
        mem = hist.universe.index_members(d.key)
        if len(mem) == 0:
            continue
        stored = hist.store.get("index_daily", d.key)
        closes, opening = recompute(hist, d.key)
        assert np.abs(stored["close"] - closes).max() <= 0.0100001, d.key
        assert (stored["close"] == closes).mean() > 0.98, d.key
        # Continuity: at the day's base prices the level equals yesterday's close, action or not.
        assert np.abs(opening[1:] - stored["close"][:-1]).max() <= 0.0100001, d.key
        member_codes = {ins.code[i] for i in mem}
        touched |= member_codes & {str(c) for c in acts["code"]}
        assert (stored["low"] <= np.minimum(stored["open"], stored["close"])).all()
        assert (stored["high"] >= np.maximum(stored["open"], stored["close"])).all()
        vol = hist.matrix("stock_daily", "volume", [ins.code[i] for i in mem]).sum(axis=1)
        assert np.array_equal(stored["volume"], vol)
        assert (stored["constituents"] == len(mem)).all()
        assert (stored["signs"].sum(axis=1) == len(mem)).all()
    assert touched == {str(c) for c in acts["code"]}  # every action went through some index


def test_float_adjusted_index_through_an_action() -> None:
    """An action on a KOSPI200 member: the float-adjusted base rescales as the listed one does."""
    u = small_universe()
    h = run(u, splits=3, rights=3, seed=8)
    k200 = {u.instruments.code[i] for i in u.index_members("KOSPI200")}
    assert k200 & {str(c) for c in h.result.actions["code"]}
    closes, _ = recompute(h, "KOSPI200")
    stored = h.store.get("index_daily", "KOSPI200")["close"]
    assert np.abs(stored - closes).max() <= 0.0100001


# ---------------------------------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------------------------------


def investor_rows(h: History, codes: list[str]) -> np.ndarray:
    return np.concatenate([h.store.get("investor_daily", c) for c in codes])


def test_investor_rows_balance_exactly(hist: History) -> None:
    inv = investor_rows(hist, hist.codes)
    daily = np.concatenate([hist.store.get("stock_daily", c) for c in hist.codes])
    assert np.array_equal(inv["date"], daily["date"])
    for side in ("buy_qty", "sell_qty", "buy_val", "sell_val"):
        assert (inv[side] >= 0).all()
    assert np.array_equal(inv["buy_qty"].sum(axis=1), daily["volume"])
    assert np.array_equal(inv["sell_qty"].sum(axis=1), daily["volume"])
    assert np.array_equal(inv["buy_val"].sum(axis=1), daily["value"])
    assert np.array_equal(inv["sell_val"].sum(axis=1), daily["value"])
    assert ((inv["buy_qty"] - inv["sell_qty"]).sum(axis=1) == 0).all()


def test_index_investor_and_program_rows_are_sums_over_constituents(hist: History) -> None:
    ins = hist.universe.instruments
    for key in ("KOSPI", "KOSDAQ", "KOSPI200", "KOSDAQ150", "KOSPI_LARGE"):
        codes = [ins.code[i] for i in hist.universe.index_members(key)]
        idx = hist.store.get("investor_daily", key)
        per = np.stack([hist.store.get("investor_daily", c) for c in codes])
        for side in ("buy_qty", "sell_qty", "buy_val", "sell_val"):
            assert np.array_equal(idx[side], per[side].sum(axis=0)), key
        assert np.array_equal(idx["buy_qty"].sum(axis=1), hist.store.get("index_daily", key)["volume"])
        prog = hist.store.get("program_daily", key)
        per_p = np.stack([hist.store.get("program_daily", c) for c in codes])
        assert np.array_equal(prog["qty"], per_p["qty"].sum(axis=0)), key
        assert np.array_equal(prog["val"], per_p["val"].sum(axis=0)), key


def test_investor_mix_is_realistic_and_foreigners_buy_up_days(hist: History) -> None:
    kospi = hist.store.get("investor_daily", "KOSPI")
    kosdaq = hist.store.get("investor_daily", "KOSDAQ")

    def share(rows: np.ndarray, leaves: list[int]) -> float:
        both = rows["buy_val"] + rows["sell_val"]
        return float(both[:, leaves].sum() / both.sum())

    assert 0.25 <= share(kospi, FOREIGN) <= 0.35
    assert 0.50 <= share(kosdaq, [int(Investor.INDIVIDUAL)]) <= 0.70
    stocks = [
        c
        for c, k in zip(hist.codes, hist.universe.instruments.kind, strict=True)
        if k == InstrumentKind.STOCK
    ]
    inv = investor_rows(hist, stocks)
    daily = np.concatenate([hist.store.get("stock_daily", c) for c in stocks])
    net = (inv["buy_val"][:, FOREIGN] - inv["sell_val"][:, FOREIGN]).sum(axis=1) / daily["value"]
    ret = np.log(daily["close"] / daily["base"])
    assert np.corrcoef(ret, net)[0, 1] > 0.1


def test_program_trading_cells(hist: History) -> None:
    ins = hist.universe.instruments
    for i, code in enumerate(hist.codes):
        prog = hist.store.get("program_daily", code)
        daily = hist.store.get("stock_daily", code)
        assert (prog["qty"] >= 0).all() and (prog["val"] >= 0).all()
        # 전체 = 차익 + 비차익 per side: the total never exceeds the day's volume or value.
        assert (prog["qty"][:, 0].sum(axis=(1, 2)) <= daily["volume"]).all()
        assert (prog["qty"][:, 1].sum(axis=(1, 2)) <= daily["volume"]).all()
        assert (prog["val"][:, 0].sum(axis=(1, 2)) <= daily["value"]).all()
        arbitrage = prog["qty"][:, :, 0].sum()
        if ins.kospi200[i]:
            assert prog["qty"][:, :, 1].sum() > arbitrage > 0  # 비차익 dominates
        else:
            assert arbitrage == 0


def test_short_selling_is_below_volume_and_follows_the_regimes(hist: History) -> None:
    sh = hist.matrix("short_daily", "short_qty")
    vol = hist.matrix("stock_daily", "volume")
    assert (sh <= vol).all() and (sh >= 0).all()
    assert 0.005 < sh.sum() / vol.sum() < 0.08  # shorting is open again since 2025-03-31
    assert (hist.matrix("short_daily", "balance_qty") >= 0).all()
    stock = hist.universe.instruments.kind == InstrumentKind.STOCK
    # The 2023-11-06 .. 2025-03-30 ban: market-maker noise only.
    ban = run(hist.universe, end=date(2024, 9, 30), days=DAYS, seed=4)
    sh_b = ban.matrix("short_daily", "short_qty")[:, stock]
    assert sh_b.sum() / ban.matrix("stock_daily", "volume")[:, stock].sum() < 0.001
    bal = ban.matrix("short_daily", "balance_qty")[:, stock].sum(axis=1)
    assert bal[-1] < bal[0]  # positions wind down
    # 2021-05 .. 2023-11: only KOSPI200 and KOSDAQ150 names.
    part = run(hist.universe, end=date(2022, 9, 30), days=DAYS, seed=4)
    ins = hist.universe.instruments
    eligible = ins.kospi200 | ins.kosdaq150
    sh_p = part.matrix("short_daily", "short_qty")
    vol_p = part.matrix("stock_daily", "volume")
    assert sh_p[:, eligible & stock].sum() / vol_p[:, eligible & stock].sum() > 0.01
    assert sh_p[:, ~eligible & stock].sum() / vol_p[:, ~eligible & stock].sum() < 0.001


def test_foreign_holdings_stay_under_the_limit_and_move_by_net_buying(hist: History) -> None:
    ins = hist.universe.instruments
    action_codes = {str(c) for c in hist.result.actions["code"]}
    stocks = [i for i in range(len(ins)) if ins.kind[i] == InstrumentKind.STOCK]
    assert hist.result.rows["foreign_daily"] == len(stocks) * DAYS
    for i in stocks:
        code = ins.code[i]
        fo = hist.store.get("foreign_daily", code)
        shares = hist.store.get("stock_daily", code)["listed_shares"]
        assert ((fo["holdings"] >= 0) & (fo["holdings"] <= fo["limit_qty"])).all()
        assert np.array_equal(
            fo["limit_qty"], np.floor(shares * ins.foreign_limit_pct[i] / 100).astype(np.int64)
        )
        assert np.allclose(fo["ratio"], np.round(fo["holdings"] / shares * 100, 2))
        if code not in action_codes:
            inv = hist.store.get("investor_daily", code)
            net = inv["buy_qty"][:, FOREIGN].sum(axis=1) - inv["sell_qty"][:, FOREIGN].sum(axis=1)
            assert np.array_equal(np.diff(fo["holdings"]), net[1:])
    assert (
        hist.result.foreign_holdings[stocks[0]]
        == hist.store.get("foreign_daily", ins.code[stocks[0]])["holdings"][-1]
    )


def test_nav_tracks_the_close_and_the_underlying_index(hist: History) -> None:
    ins = hist.universe.instruments
    k200 = hist.store.get("index_daily", "KOSPI200")["close"]
    for i in np.flatnonzero(ins.kind != InstrumentKind.STOCK):
        nav = hist.store.get("nav_daily", ins.code[i])
        close = hist.store.get("stock_daily", ins.code[i])["close"]
        assert len(nav) == DAYS
        assert (np.abs(nav["nav"] / close - 1) < 0.03).all()
        assert (nav["index_level"] > 0).all()
        if ins.underlying[i] == "KOSPI200" and ins.leverage[i] == 1:
            assert np.array_equal(nav["index_level"], k200)
            assert np.corrcoef(np.diff(np.log(close)), np.diff(np.log(k200)))[0, 1] > 0.95
    assert len(hist.store.get("nav_daily", "005930")) == 0


def test_week52_is_the_adjusted_high_and_low_before_the_day(hist: History) -> None:
    u = hist.universe
    high, low, high_d, low_d = week52(hist.store, u, SIM_DAY)
    for code in ["005930", *[str(c) for c in hist.result.actions["code"]]]:
        i = u.instruments.number(code)
        assert i is not None
        rows = hist.store.get("stock_daily", code)
        scale = rows["adj_factor"][-1] / rows["adj_factor"]
        h = np.round(rows["high"] * scale)
        lo = np.round(rows["low"] * scale)
        assert high[i] == h.max() and low[i] == lo.min()
        assert rows["date"][h == h.max()][-1] == high_d[i]
        assert rows["date"][lo == lo.min()][-1] == low_d[i]
    # Only the 52 weeks before the day count.
    early = hist.result.dates[30]
    _, _, high_d2, _ = week52(hist.store, u, early + timedelta(weeks=52))
    assert (high_d2[high_d2 > 0] >= yyyymmdd(early)).all()
    nothing = week52(hist.store, u, hist.result.dates[0])
    assert (nothing[0] == 0).all()


# ---------------------------------------------------------------------------------------------------
# Determinism, window, progress
# ---------------------------------------------------------------------------------------------------


def table_bytes(store: MemoryStore, dates: list[date]) -> Iterator[tuple[str, bytes]]:
    for table in store.tables():
        for d in dates:
            yield table, store.get_date(table, yyyymmdd(d)).tobytes()


def test_same_seed_gives_byte_identical_tables(hist: History) -> None:
    again = run(hist.universe, splits=2, rights=2)
    assert list(table_bytes(again.store, again.result.dates)) == list(
        table_bytes(hist.store, hist.result.dates)
    )
    other = run(hist.universe, seed=4, splits=2, rights=2)
    assert not np.array_equal(other.matrix("stock_daily", "close")[0], hist.matrix("stock_daily", "close")[0])


def test_default_window_is_two_years_and_progress_is_reported() -> None:
    u = build_universe(n_kospi=30, n_kosdaq=30, n_etf=5, n_etn=2)
    marks: list[float] = []
    store = MemoryStore()
    res = backfill(u, store, end=END, seed=1, progress=marks.append)
    assert res.dates == calendar.trading_days(END.replace(year=END.year - 2), END)
    assert 480 <= len(res.dates) <= 500
    assert marks[0] == 0.0 and marks[-1] == 1.0 and marks == sorted(marks)
    with pytest.raises(ValueError, match="at least 2"):
        backfill(u, MemoryStore(), end=END, days=1)


def test_docs_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOCS), "exec"), {})


# ---------------------------------------------------------------------------------------------------
# The factor model
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full() -> Universe:
    return build_universe()


@pytest.fixture(scope="module")
def model(full: Universe) -> FactorModel:
    return FactorModel.from_universe(full, seed=0)


@pytest.fixture(scope="module")
def returns(model: FactorModel) -> np.ndarray:
    return model.daily_returns(490, np.random.default_rng(42))


def cap_weighted_vol(u: Universe, r: np.ndarray, key: str) -> float:
    ins = u.instruments
    mem = u.index_members(key)
    w = (ins.prev_close * ins.listed_shares)[mem].astype(np.float64)
    return float(np.std(np.log1p(np.expm1(r[:, mem]) @ (w / w.sum()))))


def test_factor_model_is_deterministic_and_exposes_per_instrument_parameters(
    full: Universe, model: FactorModel
) -> None:
    again = FactorModel.from_universe(full, seed=0)
    n = len(full.instruments)
    for name in ("beta", "vol", "idio_vol", "jump_rate", "overnight_ratio", "industry_loading", "leverage"):
        arr = getattr(model, name)
        assert arr.shape == (n,)
        assert np.array_equal(arr, getattr(again, name))
    stock = model.is_stock
    assert model.beta[stock].min() >= 0.6 and model.beta[stock].max() <= 1.4
    assert 0.95 <= model.beta[stock].mean() <= 1.1
    assert model.beta[stock & (model.size < 0.2)].mean() > model.beta[stock & (model.size > 0.8)].mean()
    assert ((model.jump_rate[stock] >= 0.02) & (model.jump_rate[stock] <= 0.05)).all()
    assert ((model.overnight_ratio >= 0.5) & (model.overnight_ratio <= 1.0)).all()
    assert np.array_equal(
        model.daily_returns(20, np.random.default_rng(1)), again.daily_returns(20, np.random.default_rng(1))
    )


def test_daily_volatility_by_size(full: Universe, model: FactorModel, returns: np.ndarray) -> None:
    ins = full.instruments
    sd = returns.std(axis=0)
    assert 0.015 <= np.median(sd[ins.kospi200]) <= 0.025
    small_kosdaq = (ins.market == Market.KOSDAQ) & model.is_stock & (model.size < 0.5)
    assert 0.03 <= np.median(sd[small_kosdaq]) <= 0.05
    assert 0.008 <= cap_weighted_vol(full, returns, "KOSPI") <= 0.013
    assert 0.011 <= cap_weighted_vol(full, returns, "KOSDAQ") <= 0.016
    stock_r = returns[:, model.is_stock]
    z = (stock_r - stock_r.mean(axis=0)) / stock_r.std(axis=0)
    assert (z**4).mean() > 4.0  # fat tails: excess kurtosis


def test_correlation_is_positive_and_higher_within_an_industry(
    model: FactorModel, returns: np.ndarray
) -> None:
    rng = np.random.default_rng(0)
    stocks = np.flatnonzero(model.is_stock & (model.industry >= 0))
    pick = np.sort(rng.choice(stocks, 600, replace=False))
    c = np.corrcoef(returns[:, pick].T)
    same = model.industry[pick][:, None] == model.industry[pick][None, :]
    off = ~np.eye(len(pick), dtype=bool)
    within = c[same & off].mean()
    across = c[~same].mean()
    assert across > 0.02
    assert within > across + 0.02


def test_etps_follow_their_underlying(full: Universe, model: FactorModel, returns: np.ndarray) -> None:
    ins = full.instruments
    k200 = cap_weighted_vol(full, returns, "KOSPI200")
    mem = full.index_members("KOSPI200")
    w = (ins.prev_close * ins.float_shares)[mem].astype(np.float64)
    basket = np.log1p(np.expm1(returns[:, mem]) @ (w / w.sum()))
    for i in np.flatnonzero(ins.kind != InstrumentKind.STOCK):
        under, lev = ins.underlying[i], int(ins.leverage[i])
        r = returns[:, i]
        if under.startswith("KOSPI200"):
            assert np.corrcoef(r, basket)[0, 1] * np.sign(lev) > 0.97
            assert r.std() == pytest.approx(abs(lev) * k200, rel=0.15)
        elif under in ("BOND", "MONEY"):
            assert r.std() <= 0.003 * abs(lev) + 0.001
        elif under == "FX" and lev == 1:
            assert 0.003 <= r.std() <= 0.006
        elif under == "COMMODITY" and lev == 1:
            assert 0.008 <= r.std() <= 0.018
        elif under == "FOREIGN" and lev == 1:
            assert 0.007 <= r.std() <= 0.014


def test_split_overnight_adds_up(model: FactorModel, returns: np.ndarray) -> None:
    gap, intraday = model.split_overnight(returns, np.random.default_rng(5))
    assert np.allclose(gap + intraday, returns, rtol=0, atol=1e-15)
    stock = model.is_stock
    share = gap[:, stock].var(axis=0) / returns[:, stock].var(axis=0)
    assert 0.15 <= np.median(share) <= 0.5
    assert np.allclose(model.intraday_vol, model.vol * np.sqrt(1 - model.overnight_share))


# ---------------------------------------------------------------------------------------------------
# Full size
# ---------------------------------------------------------------------------------------------------


def test_full_market_two_years_is_fast_and_realistic(full: Universe) -> None:
    store = MemoryStore()
    # CPU time, not wall time: a busy machine (a test run beside other work) stretches the wall.
    t0 = time.process_time()
    res = backfill(full, store, end=END, seed=0)
    elapsed = time.process_time() - t0
    n = len(full.instruments)
    assert res.rows["stock_daily"] == n * len(res.dates) > 1_400_000
    assert elapsed < 15.0, f"back-fill took {elapsed:.1f} s of CPU"  # ≈ 5-7 s measured on one core
    ins = full.instruments
    close = np.stack([store.get("stock_daily", c)["close"] for c in ins.code], axis=1)
    base = np.stack([store.get("stock_daily", c)["base"] for c in ins.code], axis=1)
    sd = np.log(close / base).std(axis=0)
    assert 0.015 <= np.median(sd[ins.kospi200]) <= 0.025
    small_kosdaq = (ins.market == Market.KOSDAQ) & res.model.is_stock & (res.model.size < 0.5)
    assert 0.03 <= np.median(sd[small_kosdaq]) <= 0.05
    for key, lo, hi in (("KOSPI", 0.007, 0.014), ("KOSDAQ", 0.010, 0.018)):
        level = store.get("index_daily", key)["close"]
        assert lo <= np.diff(np.log(level)).std() <= hi, key
    assert np.array_equal(close[-1], ins.prev_close)


def test_every_backfilled_day_keeps_the_invariants_every_stored_day_keeps(hist: History) -> None:
    u = hist.universe
    ins = u.instruments
    members = {
        d.key: [ins.code[i] for i in u.index_members(d.key)] for d in u.indices if len(u.index_members(d.key))
    }
    limits = dict(zip(ins.code, ins.foreign_limit_pct.tolist(), strict=True))
    dates = [yyyymmdd(d) for d in hist.result.dates]
    for prev, d in zip([None, *dates[:-1]], dates, strict=True):
        check_day(hist.store, d, members=members, foreign_limit_pct=limits, prev_date=prev)
    # The last day also holds the universe and the index definitions it ends on.
    assert constituents_of(hist.store, dates[-1]) == members
    assert hist.result.rows["universe_daily"] == len(ins)
    assert hist.result.rows["index_def_daily"] == len(members)
