"""Market time: one :class:`Clock` that everything with market meaning reads.

Market time is int64 nanoseconds since the Unix epoch (see :mod:`sise.market.timeutil`); KST is
UTC+9. A clock runs in one of four modes (:class:`ClockMode`):

- ``WALL``: market = wall + offset. The only mode where market data follows real time.
- ``SPEED``: market time runs ``speed`` times as fast as wall time from an anchor.
- ``FAST``: ``speed = inf``; time moves only when the consumer advances it (``step``,
  ``advance_to``), so a simulator can run as fast as it computes.
- ``MANUAL``: time moves only through ``step``, ``advance_to`` and ``jump``.

Time sources are injected (``wall`` for wall mode and the default start date, ``monotonic`` for
elapsed time in speed mode) so that tests are exact and nothing but wall mode reads the real clock
for market purposes. ``SPEED`` mode measures elapsed time on a monotonic source so that NTP
adjustments of the system clock do not make market time jump.

State changes take a lock and publish one immutable snapshot; reads take no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction

from sise.market.sessions import ScheduleRegistry, default_registry
from sise.market.timeutil import KST, NS, kst_date, kst_datetime, kst_ns
from sise.market.types import Venue

__all__ = [
    "MIN_SPEED",
    "SIMULATION_OPEN_DELAY",
    "WALL_NS",
    "Clock",
    "ClockMode",
    "kst_today",
    "simulation_start",
    "to_market_ns",
]

WallSource = Callable[[], int]

# The only reads of the host's clocks in the market-facing rooms (market, engine, sources): every
# other module takes a clock or a WallSource, so runs are reproducible (see the TID251 ban).
#: Wall-clock nanoseconds since the epoch: the default wall source.
WALL_NS: WallSource = _time.time_ns  # noqa: TID251 - the clock is where wall time enters
_MONOTONIC_NS: WallSource = _time.monotonic_ns  # noqa: TID251 - elapsed time in speed mode

#: Slowest finite speed; anything slower is indistinguishable from a pause for a feed.
MIN_SPEED = 0.1
#: Default simulated start: this long after the regular open, so the market is already trading.
SIMULATION_OPEN_DELAY = timedelta(minutes=5)
#: Longest a waiting ``sleep_until`` goes without re-checking the clock.
_POLL_S = 0.25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


class ClockMode(StrEnum):
    WALL = "wall"
    SPEED = "speed"
    FAST = "fast"
    MANUAL = "manual"


def to_market_ns(when: datetime | int) -> int:
    """Market ns of ``when``; a naive datetime is KST wall time (as in :mod:`sise.market.sessions`)."""
    if isinstance(when, bool):
        raise TypeError("expected a datetime or int nanoseconds, got bool")
    if isinstance(when, int):
        return when
    if isinstance(when, datetime):
        aware = when if when.tzinfo is not None else when.replace(tzinfo=KST)
        return (aware - _EPOCH) // _ONE_US * 1000
    raise TypeError(f"expected a datetime or int nanoseconds, got {type(when).__name__}")


def _check_speed(speed: float) -> float:
    value = float(speed)
    if math.isnan(value) or value <= 0:
        raise ValueError(f"speed must be > 0, got {speed!r}")
    if value < MIN_SPEED:
        raise ValueError(f"speed must be at least {MIN_SPEED} (or math.inf for fast mode), got {speed!r}")
    return value


def _ratio(speed: float) -> tuple[int, int]:
    # A rational speed keeps market time exact integer nanoseconds (0.1 is 1/10, not 0.1000…01).
    f = Fraction(speed).limit_denominator(1_000_000)
    return f.numerator, f.denominator


def kst_today(wall: WallSource = WALL_NS) -> date:
    """Today's date in KST by the wall clock (not the host's local date)."""
    return kst_date(wall())


def simulation_start(
    day: date | None = None,
    at: time | None = None,
    *,
    wall: WallSource = WALL_NS,
    registry: ScheduleRegistry | None = None,
) -> int:
    """Default start of a simulated session, in market ns.

    The day is ``day`` or today's KST date from ``wall``; if it is not a trading day, the most
    recent trading day before it. The time is ``at`` (KST wall time) or the day's KRX regular open
    plus :data:`SIMULATION_OPEN_DELAY` (09:05, or 10:05 on the first trading day of a year and on
    CSAT day), so the market is in continuous trading whatever the real hour.
    """
    reg = registry or default_registry
    d = day if day is not None else kst_today(wall)
    if not reg.calendar.is_trading_day(d):
        d = reg.calendar.previous_trading_day(d)
    if at is not None:
        if at.tzinfo is not None:
            raise ValueError(f"at is a KST wall time and must be naive, got {at!r}")
        return kst_ns(d, at)
    open_time = reg.schedule_for(d, Venue.KRX).open_time
    if open_time is None:  # a trading day without a KRX session: only a custom registry does this
        raise ValueError(f"{d.isoformat()} has no KRX regular session")
    return kst_ns(d, open_time) + int(SIMULATION_OPEN_DELAY.total_seconds()) * NS


@dataclass(frozen=True, slots=True)
class _State:
    mode: ClockMode
    speed: float  # 1 in wall mode, inf in fast mode, 0 in manual mode
    num: int  # speed as num/den (speed mode)
    den: int
    market: int  # market ns at the anchor
    tick: int  # source ns at the anchor: wall() in wall mode, monotonic() in speed mode
    paused: bool


class Clock:
    """Market time in KST.

    ``Clock(start, speed=…)`` runs from ``start`` at ``speed`` (``math.inf``: fast mode). The
    factories :meth:`wall_time`, :meth:`manual`, :meth:`fast` and :meth:`for_simulation` build
    the other modes. ``wall`` returns wall ns (default :func:`time.time_ns`); ``monotonic``
    measures elapsed ns in speed mode and defaults to :func:`time.monotonic_ns`, or to ``wall``
    when a ``wall`` source is injected, so one fake drives the whole clock.
    """

    __slots__ = ("_lock", "_monotonic", "_state", "_waiters", "_wall")

    def __init__(
        self,
        start: datetime | int,
        *,
        speed: float = 1.0,
        wall: WallSource = WALL_NS,
        monotonic: WallSource | None = None,
    ) -> None:
        self._wall = wall
        self._monotonic = monotonic if monotonic is not None else _default_monotonic(wall)
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()
        self._state = self._running_state(to_market_ns(start), speed, paused=False)

    # -- factories -----------------------------------------------------------------------------

    @classmethod
    def wall_time(
        cls,
        offset: timedelta | int = 0,
        *,
        wall: WallSource = WALL_NS,
        monotonic: WallSource | None = None,
    ) -> Clock:
        """Wall mode: market = wall + ``offset`` (a timedelta or ns)."""
        clock = cls(0, wall=wall, monotonic=monotonic)
        clock.follow_wall(offset)
        return clock

    @classmethod
    def manual(
        cls,
        start: datetime | int,
        *,
        wall: WallSource = WALL_NS,
        monotonic: WallSource | None = None,
    ) -> Clock:
        """Manual mode at ``start``: time moves only through step, advance_to and jump."""
        clock = cls(start, wall=wall, monotonic=monotonic)
        clock.set_manual()
        clock.jump(start)  # switching modes keeps time continuous; pin it to ``start`` exactly
        return clock

    @classmethod
    def fast(
        cls,
        start: datetime | int,
        *,
        wall: WallSource = WALL_NS,
        monotonic: WallSource | None = None,
    ) -> Clock:
        """Fast mode at ``start`` (``speed = inf``): the consumer advances time as fast as it can."""
        return cls(start, speed=math.inf, wall=wall, monotonic=monotonic)

    @classmethod
    def for_simulation(
        cls,
        day: date | None = None,
        at: time | None = None,
        speed: float = 1.0,
        wall: WallSource = WALL_NS,
        *,
        monotonic: WallSource | None = None,
        registry: ScheduleRegistry | None = None,
    ) -> Clock:
        """A clock at :func:`simulation_start` running at ``speed`` (``math.inf``: fast mode)."""
        start = simulation_start(day, at, wall=wall, registry=registry)
        return cls(start, speed=speed, wall=wall, monotonic=monotonic)

    # -- reading -------------------------------------------------------------------------------

    def now_ns(self) -> int:
        """Market time in ns since the epoch."""
        return self._now(self._state)

    def now_kst(self) -> datetime:
        """Market time as a KST-aware datetime (microsecond precision)."""
        return kst_datetime(self.now_ns())

    def today(self) -> date:
        """The KST date of market time."""
        return kst_date(self.now_ns())

    @property
    def mode(self) -> ClockMode:
        return self._state.mode

    @property
    def speed(self) -> float:
        """Market seconds per wall second: 1 in wall mode, ``inf`` in fast mode, 0 in manual mode."""
        return self._state.speed

    @property
    def paused(self) -> bool:
        return self._state.paused

    def wall_seconds_until(self, market_ns: int) -> float | None:
        """Wall seconds until market time reaches ``market_ns`` at the current speed.

        0.0 once it is reached; None while paused and in manual or fast mode, where wall time
        does not move market time.
        """
        s = self._state
        return self._wall_seconds(s, self._now(s), market_ns)

    async def sleep_until(self, market_ns: int) -> None:
        """Sleep until market time reaches ``market_ns``.

        Sleeps the wall duration the current speed implies, and wakes early to re-check when the
        clock changes (speed, pause, jump, a step in manual or fast mode) and at least every
        0.25 s of wall time.
        """
        loop = asyncio.get_running_loop()
        while True:
            s = self._state
            now = self._now(s)
            if now >= market_ns:
                return
            wait = self._wall_seconds(s, now, market_ns)
            timeout = _POLL_S if wait is None else min(wait, _POLL_S)
            fut: asyncio.Future[None] = loop.create_future()
            waiter = (loop, fut)
            with self._lock:
                if self._state is not s:
                    continue  # changed since we read it: recompute
                self._waiters.add(waiter)
            try:
                await asyncio.wait((fut,), timeout=timeout)
            finally:
                with self._lock:
                    self._waiters.discard(waiter)
                fut.cancel()

    # -- changing ------------------------------------------------------------------------------

    def pause(self) -> None:
        """Freeze market time; explicit moves (step, advance_to, jump) still apply."""
        with self._lock:
            s = self._state
            if not s.paused:
                self._publish(replace(s, market=self._now(s), paused=True))

    def resume(self) -> None:
        """Let market time run again from where it was frozen (no jump)."""
        with self._lock:
            s = self._state
            if s.paused:
                self._publish(replace(s, tick=self._tick(s.mode), paused=False))

    def set_speed(self, speed: float) -> None:
        """Switch to speed mode (``math.inf``: fast mode), keeping market time continuous."""
        with self._lock:
            s = self._state
            self._publish(self._running_state(self._now(s), speed, paused=s.paused))

    def set_manual(self) -> None:
        """Switch to manual mode at the current market time."""
        with self._lock:
            s = self._state
            self._publish(_State(ClockMode.MANUAL, 0.0, 0, 1, self._now(s), 0, s.paused))

    def follow_wall(self, offset: timedelta | int | None = None) -> None:
        """Switch to wall mode: market = wall + ``offset``.

        ``None`` keeps market time continuous (the offset is whatever it is now).
        """
        with self._lock:
            s = self._state
            tick = self._wall()
            if offset is None:
                market = self._now(s)
            else:
                off = offset // _ONE_US * 1000 if isinstance(offset, timedelta) else offset
                market = tick + off
            self._publish(_State(ClockMode.WALL, 1.0, 1, 1, market, tick, s.paused))

    def jump(self, to: datetime | int) -> None:
        """Set market time to ``to`` (a datetime, naive = KST, or ns), forwards or backwards."""
        target = to_market_ns(to)
        with self._lock:
            s = self._state
            self._publish(replace(s, market=target, tick=self._tick(s.mode)))

    def step(self, seconds: float) -> int:
        """Move market time ``seconds`` forward (in any mode); returns the new market ns."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"step needs finite seconds >= 0, got {seconds}; use jump to go back")
        delta = round(Fraction(seconds) * NS)
        with self._lock:
            s = self._state
            market = self._now(s) + delta
            self._publish(replace(s, market=market, tick=self._tick(s.mode)))
            return market

    def advance_to(self, market_ns: int) -> int:
        """Move market time forward to ``market_ns``; returns it. Going back needs :meth:`jump`."""
        with self._lock:
            s = self._state
            now = self._now(s)
            if market_ns < now:
                raise ValueError(
                    f"advance_to({market_ns}) is before the current market time {now}; use jump to go back"
                )
            self._publish(replace(s, market=market_ns, tick=self._tick(s.mode)))
            return market_ns

    def __repr__(self) -> str:
        s = self._state
        when = kst_datetime(self._now(s)).isoformat(timespec="microseconds")
        return f"Clock(mode={s.mode.value}, speed={s.speed:g}, paused={s.paused}, now={when})"

    # -- internals -----------------------------------------------------------------------------

    def _now(self, s: _State) -> int:
        if s.paused:
            return s.market
        if s.mode is ClockMode.WALL:
            return s.market + (self._wall() - s.tick)
        if s.mode is ClockMode.SPEED:
            return s.market + (self._monotonic() - s.tick) * s.num // s.den
        return s.market

    def _tick(self, mode: ClockMode) -> int:
        if mode is ClockMode.WALL:
            return self._wall()
        if mode is ClockMode.SPEED:
            return self._monotonic()
        return 0

    def _running_state(self, market: int, speed: float, *, paused: bool) -> _State:
        if speed == math.inf:
            return _State(ClockMode.FAST, math.inf, 0, 1, market, 0, paused)
        speed = _check_speed(speed)
        num, den = _ratio(speed)
        return _State(ClockMode.SPEED, speed, num, den, market, self._monotonic(), paused)

    @staticmethod
    def _wall_seconds(s: _State, now: int, market_ns: int) -> float | None:
        if now >= market_ns:
            return 0.0
        if s.paused or s.mode in (ClockMode.MANUAL, ClockMode.FAST):
            return None
        if s.mode is ClockMode.WALL:
            return (market_ns - now) / NS
        return (market_ns - now) * s.den / (s.num * NS)

    def _publish(self, s: _State) -> None:
        """Install a new state (lock held) and wake every ``sleep_until`` to re-check."""
        self._state = s
        for loop, fut in self._waiters:
            with contextlib.suppress(RuntimeError):  # the waiter's loop is closed
                loop.call_soon_threadsafe(_wake, fut)


def _default_monotonic(wall: WallSource) -> WallSource:
    return _MONOTONIC_NS if wall is WALL_NS else wall


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
