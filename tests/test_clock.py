"""Market clock: modes, continuity at every switch, the default simulated start, async waiting."""

from __future__ import annotations

import asyncio
import doctest
import math
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from sise.market.calendar import first_trading_day, is_trading_day, last_trading_day
from sise.market.sessions import Phase, schedule_for
from sise.market.timeutil import KST, NS, kst_ns
from sise.market.types import Venue
from sise.sources.clock import Clock, ClockMode, simulation_start, to_market_ns

DOCS = Path(__file__).resolve().parents[1] / "docs" / "clock.md"
START = datetime(2026, 11, 20, 9, 0)  # a Friday, naive = KST
START_NS = kst_ns(date(2026, 11, 20), time(9, 0))


class FakeWall:
    """A hand-driven ns source."""

    def __init__(self, ns: int = 1_700_000_000 * NS) -> None:
        self.ns = ns

    def __call__(self) -> int:
        return self.ns

    def advance(self, seconds: float) -> None:
        self.ns += round(seconds * NS)


def at(h: int, m: int = 0, s: int = 0, us: int = 0) -> int:
    return kst_ns(date(2026, 11, 20), time(h, m, s, us))


# -- conversions -------------------------------------------------------------------------------


def test_to_market_ns_reads_naive_as_kst_and_converts_aware() -> None:
    assert to_market_ns(START) == START_NS
    assert to_market_ns(datetime(2026, 11, 20, 0, 0, tzinfo=UTC)) == at(9)
    assert to_market_ns(datetime(2026, 11, 20, 9, 0, 0, 123_456, tzinfo=KST)) == START_NS + 123_456_000
    assert to_market_ns(12345) == 12345
    with pytest.raises(TypeError, match="datetime or int"):
        to_market_ns(date(2026, 11, 20))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bool"):
        to_market_ns(True)


# -- modes -------------------------------------------------------------------------------------


def test_wall_mode_is_wall_plus_offset() -> None:
    wall = FakeWall()
    clock = Clock.wall_time(timedelta(hours=-1), wall=wall)
    assert clock.mode is ClockMode.WALL and clock.speed == 1.0
    assert clock.now_ns() == wall.ns - 3600 * NS
    wall.advance(12.5)
    assert clock.now_ns() == wall.ns - 3600 * NS
    assert Clock.wall_time(5, wall=wall).now_ns() == wall.ns + 5


def test_speed_mode_runs_n_times_wall_time() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=60, wall=wall)
    assert clock.mode is ClockMode.SPEED and clock.speed == 60.0
    assert clock.now_ns() == START_NS
    wall.advance(10)
    assert clock.now_ns() == at(9, 10)


def test_speed_tenth_is_exact() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=0.1, wall=wall)
    wall.advance(3)
    assert clock.now_ns() == START_NS + 300_000_000
    wall.advance(0.000_000_007)  # 7 ns of wall time: 0.7 ns of market time, floored
    assert clock.now_ns() == START_NS + 300_000_000


def test_speed_mode_measures_elapsed_on_the_monotonic_source() -> None:
    wall, mono = FakeWall(), FakeWall(0)
    clock = Clock(START, speed=2, wall=wall, monotonic=mono)
    wall.advance(-3600)  # a system clock adjustment
    assert clock.now_ns() == START_NS
    mono.advance(5)
    assert clock.now_ns() == at(9, 0, 10)


def test_fast_mode_moves_only_when_the_consumer_advances() -> None:
    wall = FakeWall()
    for clock in (Clock.fast(START, wall=wall), Clock(START, speed=math.inf, wall=wall)):
        assert clock.mode is ClockMode.FAST and clock.speed == math.inf
        wall.advance(3600)
        assert clock.now_ns() == START_NS
        assert clock.step(0.25) == START_NS + 250_000_000
        assert clock.advance_to(at(9, 30)) == at(9, 30)
        assert clock.now_ns() == at(9, 30)


def test_manual_stepping() -> None:
    wall = FakeWall()
    clock = Clock.manual(START, wall=wall)
    assert clock.mode is ClockMode.MANUAL and clock.speed == 0.0
    wall.advance(100)
    assert clock.now_ns() == START_NS
    assert clock.step(1.5) == at(9, 0, 1, 500_000)
    assert clock.step(0.1) == at(9, 0, 1, 600_000)
    assert clock.step(0) == at(9, 0, 1, 600_000)
    assert clock.advance_to(at(9, 0, 1, 600_000)) == at(9, 0, 1, 600_000)  # same time is fine
    clock.advance_to(at(10))
    assert clock.now_kst() == datetime(2026, 11, 20, 10, 0, tzinfo=KST)
    with pytest.raises(ValueError, match="use jump to go back"):
        clock.advance_to(at(9, 59))
    with pytest.raises(ValueError, match="use jump to go back"):
        clock.step(-1)
    with pytest.raises(ValueError, match="finite"):
        clock.step(math.nan)
    assert clock.now_ns() == at(10)


def test_step_skips_ahead_in_running_modes() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=2, wall=wall)
    wall.advance(1)
    assert clock.step(60) == at(9, 1, 2)
    wall.advance(1)
    assert clock.now_ns() == at(9, 1, 4)


def test_now_kst_and_today_use_kst() -> None:
    # 15:30 UTC on the 19th is 00:30 KST on the 20th.
    clock = Clock.manual(datetime(2026, 11, 19, 15, 30, tzinfo=UTC), wall=FakeWall())
    assert clock.today() == date(2026, 11, 20)
    now = clock.now_kst()
    assert now == datetime(2026, 11, 20, 0, 30, tzinfo=KST)
    assert now.utcoffset() == timedelta(hours=9)


def test_repr_shows_mode_speed_and_kst_time() -> None:
    wall = FakeWall()
    assert repr(Clock(START, speed=2.5, wall=wall)) == (
        "Clock(mode=speed, speed=2.5, paused=False, now=2026-11-20T09:00:00.000000+09:00)"
    )
    fast = Clock.fast(START, wall=wall)
    fast.pause()
    assert repr(fast) == "Clock(mode=fast, speed=inf, paused=True, now=2026-11-20T09:00:00.000000+09:00)"


# -- pause, speed switches, jumps --------------------------------------------------------------


@pytest.mark.parametrize("speed", [1.0, 7.0])
def test_pause_freezes_and_resume_does_not_jump(speed: float) -> None:
    wall = FakeWall()
    clock = Clock(START, speed=speed, wall=wall)
    wall.advance(10)
    frozen = START_NS + round(10 * speed * NS)
    clock.pause()
    clock.pause()  # idempotent
    assert clock.paused
    wall.advance(3600)
    assert clock.now_ns() == frozen
    clock.resume()
    assert not clock.paused and clock.now_ns() == frozen
    wall.advance(1)
    assert clock.now_ns() == frozen + round(speed * NS)
    clock.resume()  # no-op when running
    assert clock.now_ns() == frozen + round(speed * NS)


def test_pause_and_resume_in_wall_mode_shift_the_offset() -> None:
    wall = FakeWall()
    clock = Clock.wall_time(wall=wall)
    start = clock.now_ns()
    clock.pause()
    wall.advance(60)
    clock.resume()
    assert clock.now_ns() == start
    wall.advance(1)
    assert clock.now_ns() == start + NS == wall.ns - 60 * NS


def test_set_speed_keeps_market_time_continuous() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=1, wall=wall)
    wall.advance(10)
    clock.set_speed(30)
    assert clock.now_ns() == at(9, 0, 10)
    wall.advance(2)
    assert clock.now_ns() == at(9, 1, 10)
    clock.set_speed(math.inf)
    assert (clock.mode, clock.now_ns()) == (ClockMode.FAST, at(9, 1, 10))
    wall.advance(100)
    assert clock.now_ns() == at(9, 1, 10)
    clock.set_speed(0.5)
    assert (clock.mode, clock.speed) == (ClockMode.SPEED, 0.5)
    wall.advance(4)
    assert clock.now_ns() == at(9, 1, 12)


def test_set_speed_while_paused_stays_paused() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=1, wall=wall)
    clock.pause()
    clock.set_speed(10)
    wall.advance(5)
    assert clock.paused and clock.now_ns() == START_NS
    clock.resume()
    wall.advance(1)
    assert clock.now_ns() == at(9, 0, 10)


def test_mode_switches_are_continuous() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=4, wall=wall)
    wall.advance(1)
    clock.set_manual()
    assert (clock.mode, clock.now_ns()) == (ClockMode.MANUAL, at(9, 0, 4))
    wall.advance(1)
    clock.follow_wall()
    assert (clock.mode, clock.now_ns()) == (ClockMode.WALL, at(9, 0, 4))
    wall.advance(1)
    assert clock.now_ns() == at(9, 0, 5)
    clock.follow_wall(0)
    assert clock.now_ns() == wall.ns
    clock.set_speed(1)
    wall.advance(1)
    assert clock.now_ns() == wall.ns


def test_jump_to_datetime_or_ns_in_any_direction() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=2, wall=wall)
    clock.jump(datetime(2026, 11, 19, 6, 20, tzinfo=UTC))  # 15:20 KST
    assert clock.now_kst() == datetime(2026, 11, 19, 15, 20, tzinfo=KST)
    wall.advance(5)
    assert clock.now_kst() == datetime(2026, 11, 19, 15, 20, 10, tzinfo=KST)
    clock.jump(datetime(2026, 11, 20, 8, 30))
    assert clock.now_ns() == at(8, 30)
    clock.jump(at(15, 29, 59))
    assert clock.now_ns() == at(15, 29, 59)


def test_jump_while_paused_positions_the_clock() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=1, wall=wall)
    clock.pause()
    clock.jump(datetime(2026, 11, 20, 15, 19, 50))
    wall.advance(30)
    assert clock.paused and clock.now_ns() == at(15, 19, 50)
    clock.resume()
    wall.advance(10)
    assert clock.now_ns() == at(15, 20)


def test_jump_in_wall_mode_changes_the_offset() -> None:
    wall = FakeWall()
    clock = Clock.wall_time(wall=wall)
    clock.jump(START)
    wall.advance(2)
    assert clock.mode is ClockMode.WALL and clock.now_ns() == at(9, 0, 2)


def test_wall_seconds_until() -> None:
    wall = FakeWall()
    clock = Clock(START, speed=2, wall=wall)
    assert clock.wall_seconds_until(at(9, 1)) == 30.0
    assert clock.wall_seconds_until(at(8, 59)) == 0.0
    clock.set_speed(0.1)
    assert clock.wall_seconds_until(at(9, 0, 1)) == pytest.approx(10.0)
    clock.pause()
    assert clock.wall_seconds_until(at(9, 1)) is None
    assert clock.wall_seconds_until(at(8, 59)) == 0.0
    assert Clock.manual(START, wall=wall).wall_seconds_until(at(9, 1)) is None
    assert Clock.fast(START, wall=wall).wall_seconds_until(at(9, 1)) is None
    w = Clock.wall_time(wall=wall)
    assert w.wall_seconds_until(wall.ns + 1_500_000_000) == 1.5


def test_concurrent_steps_from_threads_are_all_applied() -> None:
    clock = Clock.manual(START, wall=FakeWall())

    def work() -> None:
        for _ in range(500):
            clock.step(0.001)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now_ns() == START_NS + 4 * 500 * 1_000_000


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("speed", "message"),
    [
        (0, "speed must be > 0, got 0"),
        (-2.0, "speed must be > 0, got -2.0"),
        (-math.inf, "speed must be > 0"),
        (math.nan, "speed must be > 0, got nan"),
        (0.05, r"speed must be at least 0\.1 \(or math\.inf for fast mode\), got 0\.05"),
    ],
)
def test_invalid_speeds_are_rejected(speed: float, message: str) -> None:
    wall = FakeWall()
    with pytest.raises(ValueError, match=message):
        Clock(START, speed=speed, wall=wall)
    with pytest.raises(ValueError, match=message):
        Clock.for_simulation(date(2026, 11, 20), speed=speed, wall=wall)
    clock = Clock(START, speed=3, wall=wall)
    with pytest.raises(ValueError, match=message):
        clock.set_speed(speed)
    assert clock.speed == 3.0 and clock.mode is ClockMode.SPEED


def test_slowest_speed_is_accepted() -> None:
    assert Clock(START, speed=0.1, wall=FakeWall()).speed == 0.1


# -- default simulated session -----------------------------------------------------------------


def assert_in_regular_session(ns: int, day: date) -> None:
    sched = schedule_for(day, Venue.KRX)
    when = datetime.fromtimestamp(ns / NS, KST)
    assert when.date() == day and is_trading_day(day)
    assert sched.phase_at(when.time().replace(tzinfo=None)) == Phase.CONTINUOUS


@pytest.mark.parametrize(
    ("given", "day", "open_kst"),
    [
        (date(2026, 11, 20), date(2026, 11, 20), time(9, 5)),  # a normal Friday
        (date(2026, 11, 21), date(2026, 11, 20), time(9, 5)),  # Saturday -> Friday
        (date(2026, 9, 24), date(2026, 9, 23), time(9, 5)),  # 추석
        (first_trading_day(2026), date(2026, 1, 2), time(10, 5)),  # opening ceremony, 10:00 open
        (date(2027, 1, 1), last_trading_day(2026), time(9, 5)),  # 신정 -> before the year-end closing
        (date(2026, 11, 19), date(2026, 11, 19), time(10, 5)),  # CSAT, 10:00 open
    ],
)
def test_for_simulation_default_lands_in_the_regular_session(given: date, day: date, open_kst: time) -> None:
    clock = Clock.for_simulation(given, wall=FakeWall())
    assert clock.now_ns() == kst_ns(day, open_kst)
    assert clock.mode is ClockMode.SPEED and clock.speed == 1.0 and not clock.paused
    assert_in_regular_session(clock.now_ns(), day)


@pytest.mark.parametrize(
    ("wall_utc", "day", "open_kst"),
    [
        (datetime(2026, 11, 21, 3, 0, tzinfo=UTC), date(2026, 11, 20), time(9, 5)),  # Saturday noon KST
        (datetime(2026, 9, 24, 14, 0, tzinfo=UTC), date(2026, 9, 23), time(9, 5)),  # 추석, 23:00 KST
        # 2026-01-01 23:30 UTC is already 2026-01-02 08:30 KST: the first trading day.
        (datetime(2026, 1, 1, 23, 30, tzinfo=UTC), date(2026, 1, 2), time(10, 5)),
        (datetime(2026, 11, 19, 20, 0, tzinfo=UTC), date(2026, 11, 20), time(9, 5)),  # 05:00 KST
    ],
)
def test_for_simulation_takes_the_day_from_the_kst_wall_date(
    wall_utc: datetime, day: date, open_kst: time
) -> None:
    wall = FakeWall(to_market_ns(wall_utc))
    assert simulation_start(wall=wall) == kst_ns(day, open_kst)
    clock = Clock.for_simulation(wall=wall)
    assert clock.now_ns() == kst_ns(day, open_kst)
    assert_in_regular_session(clock.now_ns(), day)
    wall.advance(2)
    assert clock.now_ns() == kst_ns(day, open_kst) + 2 * NS


def test_for_simulation_with_a_time_speed_and_fast_mode() -> None:
    wall = FakeWall()
    clock = Clock.for_simulation(date(2026, 11, 21), time(14, 0), speed=10, wall=wall)
    assert clock.now_ns() == kst_ns(date(2026, 11, 20), time(14, 0))
    wall.advance(1)
    assert clock.now_ns() == kst_ns(date(2026, 11, 20), time(14, 0, 10))
    fast = Clock.for_simulation(date(2026, 11, 20), speed=math.inf, wall=wall)
    assert fast.mode is ClockMode.FAST and fast.now_ns() == at(9, 5)
    with pytest.raises(ValueError, match="naive"):
        simulation_start(date(2026, 11, 20), time(9, 0, tzinfo=KST))
    with pytest.raises(ValueError, match="outside the supported KRX calendar range"):
        simulation_start(date(2014, 6, 2))


# -- async waiting -----------------------------------------------------------------------------


def test_sleep_until_returns_promptly_at_high_speed() -> None:
    async def main() -> None:
        clock = Clock(START, speed=10_000)  # real time sources
        target = at(9, 1, 40)  # 100 market seconds = 10 ms of wall time
        await asyncio.wait_for(clock.sleep_until(target), timeout=2.0)
        assert clock.now_ns() >= target
        await clock.sleep_until(START_NS)  # already past: returns at once

    asyncio.run(main())


def test_sleep_until_sees_a_speed_up() -> None:
    async def main() -> None:
        clock = Clock(START, speed=1)
        task = asyncio.create_task(clock.sleep_until(at(10)))  # an hour of wall time at speed 1
        await asyncio.sleep(0.01)
        assert not task.done()
        clock.set_speed(1_000_000)  # now 3.6 ms
        await asyncio.wait_for(task, timeout=2.0)
        assert clock.now_ns() >= at(10)

    asyncio.run(main())


def test_sleep_until_respects_pause() -> None:
    async def main() -> None:
        wall = FakeWall()
        clock = Clock(START, speed=1000, wall=wall)
        clock.pause()
        task = asyncio.create_task(clock.sleep_until(at(9, 0, 1)))
        await asyncio.sleep(0)
        wall.advance(3600)  # wall time passes but the clock is paused
        await asyncio.sleep(0.02)
        assert not task.done()
        assert clock.now_ns() == START_NS
        clock.resume()
        wall.advance(0.001)  # one market second at ×1000
        await asyncio.wait_for(task, timeout=1.0)
        assert clock.now_ns() == at(9, 0, 1)

    asyncio.run(main())


def test_sleep_until_in_fast_mode_wakes_when_the_consumer_advances() -> None:
    async def main() -> None:
        clock = Clock.fast(START, wall=FakeWall())
        task = asyncio.create_task(clock.sleep_until(at(9, 0, 10)))
        for _ in range(3):
            await asyncio.sleep(0)
        clock.step(5)  # not there yet
        for _ in range(3):
            await asyncio.sleep(0)
        assert not task.done()
        clock.advance_to(at(9, 0, 10))
        await asyncio.wait_for(task, timeout=1.0)

    asyncio.run(main())


def test_sleep_until_wakes_on_a_step_from_another_thread() -> None:
    async def main() -> None:
        clock = Clock.manual(START, wall=FakeWall())
        task = asyncio.create_task(clock.sleep_until(at(9, 0, 1)))
        await asyncio.sleep(0)
        stepper = threading.Thread(target=clock.step, args=(1,))
        stepper.start()
        await asyncio.wait_for(task, timeout=1.0)  # well before the 0.25 s re-check
        stepper.join()

    asyncio.run(main())


def test_cancelled_sleep_leaves_no_waiter_behind() -> None:
    async def main() -> Clock:
        clock = Clock.manual(START, wall=FakeWall())
        task = asyncio.create_task(clock.sleep_until(at(10)))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return clock

    clock = asyncio.run(main())
    clock.step(1)  # the closed loop is not notified
    assert clock.now_ns() == at(9, 0, 1)


# -- docs --------------------------------------------------------------------------------------


def test_docs_examples_run() -> None:
    text = DOCS.read_text(encoding="utf-8")
    blocks = list(re.finditer(r"```python\n(.*?)```", text, re.S))
    assert len(blocks) >= 6
    globs: dict[str, object] = {}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for block in blocks:
        line = text.count("\n", 0, block.start(1))  # so failures point at the right line
        test = parser.get_doctest(block.group(1), globs, "clock.md", str(DOCS), line)
        runner.run(test, clear_globs=False)
        globs = test.globs  # later blocks use the names of earlier ones
    results = runner.summarize(verbose=False)
    assert results.failed == 0
    assert results.attempted > 20
