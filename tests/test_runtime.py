"""The live market runtime: catch-up, live steps, determinism."""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time

from sise.market.timeutil import KST, NS, kst_ns
from sise.server.runtime import Market, Settings
from sise.sources.clock import Clock

DAY = date(2026, 11, 20)
START = datetime(2026, 11, 20, 9, 5, tzinfo=KST)


def market(delay_s: float = 0.0) -> Market:
    clock = Clock.manual(START)
    m = Market(Settings(day=DAY, history_years=0, scale=0.02), clock=clock)
    clock.step(delay_s)  # time spent building before catching up: must not change the data
    m.catch_up()
    return m


def follow(m: Market, seconds: int) -> None:
    target = m.start_ns + seconds * NS
    m.clock.advance_to(target)
    m.advance(target)


def test_same_settings_same_state_at_the_same_market_time_whatever_the_start_up_delay() -> None:
    a, b = market(0.0), market(0.7)
    try:
        assert a.engine.digest() == b.engine.digest()  # both caught up to exactly 09:05:00
        follow(a, 30)
        follow(b, 30)
        assert a.engine.digest() == b.engine.digest()
    finally:
        a.close()
        b.close()


def test_the_engine_never_holds_data_from_the_future() -> None:
    m = market()
    try:
        follow(m, 20)
        now = m.clock.now_ns()
        assert m.engine.last_time <= now
        st = m.engine.state()
        assert int(st.last_time.max()) <= now
        times, _, _, _ = m.engine.index.series("KOSPI200")
        assert times[-1] == now - now % NS  # live to the second: KOSPI200 published at 09:05:20
    finally:
        m.close()


def test_a_finished_day_is_appended_to_history_and_the_next_day_opens() -> None:
    clock = Clock.fast(START)
    m = Market(Settings(day=DAY, history_years=1, scale=0.01), clock=clock)
    try:
        m.catch_up()
        kospi_before = m.store.get("index_daily", "KOSPI")
        assert kospi_before["date"][-1] == 20261119
        # Run through the rest of the day (NXT closes at 20:00) into the night: Friday stays the
        # market's day, as it closed, and is not history yet.
        night = m.start_ns + 15 * 3600 * NS
        clock.advance_to(night)
        m.advance(night)
        closed = m.engine.digest()
        assert m.day == DAY and m.engine.day == DAY and m.rolls_at == kst_ns(date(2026, 11, 23), time(8))
        assert len(m.store.get("index_daily", "KOSPI", 20261120, 20261120)) == 1  # recorded at the close
        sunday = kst_ns(date(2026, 11, 22), time(23, 59, 59))
        clock.advance_to(sunday)
        assert m.advance(sunday) == 0 and m.engine.digest() == closed
        # Monday's first session (NXT's pre-market at 08:00) opens Monday.
        target = m.rolls_at
        clock.advance_to(target)
        m.advance(target)
        assert m.day == date(2026, 11, 23) and m.rolls_at is None
        rows = m.store.get("index_daily", "KOSPI", 20261120, 20261120)
        assert len(rows) == 1
        # The recorded close is the level the engine published at the close, and the new
        # day's previous close.
        assert rows["close"][0] == round(
            float(m.engine.index.prev_close[m.engine.index.position["KOSPI"]]), 2
        )
        sam = m.store.get("stock_daily", "005930", 20261120, 20261120)
        i = m.universe.by_code("005930")
        assert i is not None and sam["close"][0] == m.engine.base[i]  # Monday's base
        assert (
            sam["adj_factor"][0] == m.store.get("stock_daily", "005930", 20261119, 20261119)["adj_factor"][0]
        )
    finally:
        m.close()


def test_the_market_starts_at_the_time_asked_for() -> None:
    m = Market(Settings(day=DAY, start=time(9, 0, 30), history_years=0, scale=0.01))
    try:
        asked = int(datetime(2026, 11, 20, 9, 0, 30, tzinfo=KST).timestamp()) * NS
        # The clock stands there while the market builds and catches up, and runs from there.
        time_module.sleep(0.05)
        assert m.start_ns == asked and m.clock.now_ns() == asked and m.clock.paused
        m.catch_up()
        assert m.engine.last_time <= asked and not m.clock.paused
        assert asked < m.clock.now_ns() < asked + 5 * NS
    finally:
        m.close()


def test_the_producer_thread_gives_way_to_requests_for_a_bounded_time() -> None:
    from time import perf_counter

    from sise.server.runtime import YIELD_MAX_S, Requests

    r = Requests()
    assert r.idle
    r.begin()
    r.begin()
    r.end()
    assert not r.idle  # one still in flight
    t0 = perf_counter()
    r.wait_idle()
    assert perf_counter() - t0 >= YIELD_MAX_S * 0.9  # waits for it, but not forever
    r.end()
    assert r.idle
