"""The live market runtime: catch-up, live steps, determinism."""

from __future__ import annotations

from datetime import date, datetime

from sise.engine.timeutil import KST, NS
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
