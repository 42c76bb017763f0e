"""Opening a simulated trading day (sise.sources.day): one path for serve, simulate and demo."""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pytest

from sise.market.timeutil import KST, kst_ns, yyyymmdd
from sise.market.types import InstrumentKind
from sise.market.universe import Universe, build_universe
from sise.server.runtime import Market, Settings
from sise.sources.actions import actions_on
from sise.sources.clock import Clock
from sise.sources.day import build_market, open_day
from sise.sources.history import backfill, week52
from sise.sources.simulator import SimConfig
from sise.store.memory import MemoryStore

SEED = 3
# A day with ex-dates for this seed, so the test shows they are applied.
DAY = next(
    d for d in (date(2026, 11, k) for k in range(2, 28)) if actions_on(build_universe(seed=SEED), d, SEED)
)


@pytest.fixture(scope="module")
def base() -> Universe:
    return build_universe(seed=SEED)


def test_build_market_lists_the_days_derivatives_after_the_cash_market(base: Universe) -> None:
    universe, engine = build_market(base, DAY)
    n_cash = len(base.instruments)
    assert engine.n == len(universe.instruments) > n_cash
    assert universe.instruments.code[:n_cash] == base.instruments.code
    assert (universe.instruments.kind[n_cash:] >= InstrumentKind.FUTURE).all()
    cash_only, engine2 = build_market(base, DAY, derivatives=False)
    assert cash_only is base and engine2.n == n_cash


def test_open_day_applies_the_ex_dates_and_starts_the_day(base: Universe) -> None:
    universe, engine = build_market(base, DAY)
    expected = actions_on(universe, DAY, SEED)
    opened = open_day(engine, universe, SimConfig(DAY, seed=SEED, scale=0.01))
    assert opened.day == DAY and engine.day == DAY
    assert opened.actions == expected != []
    for a in opened.actions:
        assert engine.base[a.inst] == a.ex_price != a.price_before
        assert engine.instruments.listed_shares[a.inst] == a.shares_after
    # The simulator starts from the engine's bases and limits.
    sim = opened.simulator
    assert sim.base is engine.base and sim.upper is engine.upper and sim.lower is engine.lower
    # Indices publish in the day's window.
    assert engine._next_pub == kst_ns(DAY, time(9, 0, 10))


def test_open_day_takes_52_week_values_from_history_when_there_is_one(base: Universe) -> None:
    store = MemoryStore()
    backfill(base, store, end=date(2026, 10, 30), years=1, seed=SEED)
    day = date(2026, 11, 2)
    universe, engine = build_market(base, day)
    open_day(engine, universe, SimConfig(day, seed=SEED, scale=0.01), store=store)
    hi, lo, _, _ = week52(store, universe, day)
    assert np.array_equal(engine.high52, hi) and (hi > 0).any()
    assert np.array_equal(engine.low52, lo)
    _, plain = build_market(base, day)
    open_day(plain, universe, SimConfig(day, seed=SEED, scale=0.01))
    assert not plain.high52.any()  # no history: the engine keeps its own running values


def test_open_day_writes_the_days_ex_dates_into_history(base: Universe) -> None:
    store = MemoryStore()
    universe, engine = build_market(base, DAY)
    opened = open_day(engine, universe, SimConfig(DAY, seed=SEED, scale=0.01), store=store)
    rows = store.get_date("corporate_actions", yyyymmdd(DAY))
    assert [str(c) for c in rows["code"]] == [a.code for a in opened.actions] != []
    for r, a in zip(rows, opened.actions, strict=True):
        assert r["kind"] == a.kind and r["price"] == a.ex_price == engine.base[a.inst]
        assert r["prev_close"] == a.price_before and r["issue_price"] == a.issue_price
        assert r["ratio"] == a.shares_after / a.shares_before
        assert (r["shares_before"], r["shares_after"]) == (a.shares_before, a.shares_after)


def test_the_server_opens_the_same_market_as_open_day(base: Universe) -> None:
    clock = Clock.manual(datetime.combine(DAY, time(9, 5), tzinfo=KST))
    m = Market(Settings(seed=SEED, day=DAY, history_years=0, scale=0.01), clock=clock)
    try:
        universe, engine = build_market(base, DAY)
        open_day(engine, universe, SimConfig(DAY, seed=SEED, scale=0.01))
        assert m.engine.digest() == engine.digest()
    finally:
        m.close()
