"""``sise serve --replay FILE``: a recorded market served again, answer for answer.

The market is rebuilt from the recording's header exactly as the recording server built it (the
same universe, history back-fill and opening), then takes its batches from the file instead of
the simulator: :class:`Replay` is the market's ``DaySource``. Each day's opening is checked
against the digest the recorder wrote, so a replay that would differ says so instead of serving
other numbers. At the recording's end the market holds its last state.

The admin endpoint (``sise.server.admin``) drives a replay through :meth:`Replay.pause`,
:meth:`resume`, :meth:`set_speed` and :meth:`seek`. Seeking forwards applies the batches up to the
target; seeking backwards within the trading day being served restarts the day from a copy of its
opening and applies the batches up to the target; an earlier day is refused.
"""

from __future__ import annotations

import copy
import logging
import math
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Any, Final

import numpy as np

from sise import __version__
from sise.engine.batches import Batch
from sise.engine.engine import Engine
from sise.market.calendar import next_trading_day
from sise.market.timeutil import kst_date, kst_datetime, kst_ns
from sise.server.runtime import Market, Settings
from sise.sources.clock import MIN_SPEED
from sise.sources.day import OpenedDay, first_session_ns
from sise.sources.recording import Recorded, RecordingError, RecordingReader

__all__ = ["END_OF_RECORDING", "Replay", "SeekRefused"]

log = logging.getLogger("sise.replay")

#: The end time of the batch a replay hands over after the recording's last: a time the clock
#: never reaches, so the market holds the recording's last state instead of closing the day.
END_OF_RECORDING: Final = int(np.iinfo(np.int64).max)


class SeekRefused(Exception):
    """A seek the replay cannot make (a day before the one it serves)."""


class Replay:
    """A recording as the source of a market's batches, with the controls of the admin endpoint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reader = RecordingReader(path)
        self.header = self.reader.header
        self.extent = self.reader.scan()
        if not self.extent.batches:
            why = f" ({self.extent.problem})" if self.extent.problem else ""
            raise RecordingError(f"{path}: holds no batches{why}")
        self.market: Market | None = None
        self._rows: Iterator[Recorded] = iter(self.reader)
        self._next: Recorded | None = None
        self._taken = 0  # rows handed over so far
        self._day_start = 0  # row number of the served day's first row
        self._opening: Engine | None = None  # the served day's engine at its opening
        self._tmp: Path | None = None

    # -- building the market -------------------------------------------------------------------

    def settings(self, *, speed: float | None = None, start: time | None = None, data_dir: Path) -> Settings:
        """The settings the recording's market was built with; ``speed`` (default: the
        recording's) and ``start`` (default: where the recording's clock started) are the replay's.
        A start before the recorded day's first session is the morning after it, when the day is
        served finished (``sise.server.runtime``)."""
        h = self.header
        csv: Path | None = None
        if h.universe_csv is not None:
            self._tmp = Path(tempfile.mkdtemp(prefix="sise-replay-"))
            csv = self._tmp / "universe.csv"
            csv.write_text(h.universe_csv, encoding="utf-8")
        # A recording made on a manual or fast clock has no speed to keep: 1×.
        recorded_speed = h.speed if h.speed is not None and MIN_SPEED <= h.speed < math.inf else 1.0
        day = h.day
        if start is None and h.start_ns is not None:
            at = kst_datetime(h.start_ns)  # the morning after the day, for a market started then
            day, start = at.date(), at.time()
        elif start is not None and kst_ns(day, start) < first_session_ns(day):
            day = next_trading_day(day)  # before the day's first session: the morning after it
        return Settings(
            seed=h.seed,
            speed=recorded_speed if speed is None else speed,
            day=day,
            start=start,
            scale=h.scale,
            history_years=h.history_years,
            universe_csv=csv,
            index_levels=h.index_levels,
            data_dir=data_dir,
            # Rebuilt in memory as the recording server built it; never a data directory's stored
            # history, which later days may have extended and which a replay must not write to.
            history="memory",
        )

    def warnings(self) -> list[str]:
        """What a user should know before trusting the replay."""
        out = []
        if self.header.version != __version__:
            out.append(
                f"{self.path} was recorded by sise {self.header.version}, this is sise {__version__}:"
                " each day's opening is checked, but answers may differ if the market model changed"
            )
        if self.extent.problem:
            out.append(f"{self.path}: {self.extent.problem}; replaying {self.extent.describe()}")
        return out

    def __call__(self, market: Market, opened: OpenedDay) -> Iterator[Batch]:
        """The ``DaySource``: the recorded batches of the day ``market`` just opened."""
        first_day = self.market is None
        self.market = market
        self._day_start = self._taken
        row = self._peek()
        if row is not None:
            problem = self._mismatch(market, opened.day, row)
            if problem is not None:
                if first_day:
                    raise RecordingError(f"{self.path}: {problem}")
                log.error("%s: %s; the replay stops here", self.path, problem)
                return self._hold()
        # The opening, for seeking backwards: instruments are shared, nothing changes them
        # during a day (listings and corporate actions happen at the opening).
        self._opening = _copy(market.engine)
        return self._day(opened.day)

    def _mismatch(self, market: Market, day: date, row: Recorded) -> str | None:
        if row.day != day:
            return f"the market opened {day} but the recording goes on with {row.day}"
        if row.opening is not None and row.opening != market.engine.digest():
            return (
                f"the opening of {day} rebuilt by sise {__version__} differs from the one recorded by"
                f" sise {self.header.version} (another universe or market model): it cannot be replayed"
            )
        return None

    def _peek(self) -> Recorded | None:
        if self._next is None:
            self._next = next(self._rows, None)
        return self._next

    def _day(self, day: date) -> Iterator[Batch]:
        while (row := self._peek()) is not None and row.day == day:
            self._next = None
            self._taken += 1
            yield row.batch
        if row is None:  # the recording's end: hold, do not close the day
            if self.reader.problem:
                log.warning("%s: %s", self.path, self.reader.problem)
            yield from self._hold()

    @staticmethod
    def _hold() -> Iterator[Batch]:
        # Never ending, so the producer thread keeps waiting to hand one over (and sees a stop)
        # rather than blocking on the end-of-day marker nobody takes.
        while True:
            yield Batch(end_time=END_OF_RECORDING)

    def _rewound(self, day: date) -> Iterator[Batch]:
        """The served day's batches from its first, on a fresh pass over the file (lazily: the
        market's producer thread has stopped reading the old one by the first ``next``)."""
        self.reader.close()
        self.reader = RecordingReader(self.path)
        self.reader.skip(self._day_start)
        self._rows, self._next, self._taken = iter(self.reader), None, self._day_start
        yield from self._day(day)

    # -- controls ------------------------------------------------------------------------------

    def _market(self) -> Market:
        if self.market is None:
            raise RuntimeError("the replay has no market yet")
        return self.market

    @property
    def day(self) -> date:
        """The trading day being served."""
        return self._market().day

    def pause(self) -> None:
        self._market().clock.pause()

    def resume(self) -> None:
        self._market().clock.resume()

    def set_speed(self, speed: float) -> None:
        """Market seconds per wall second from now on (at least ``MIN_SPEED``, finite)."""
        if not math.isfinite(speed) or speed < MIN_SPEED:
            raise ValueError(f"speed must be a number from {MIN_SPEED:g} up, got {speed!r}")
        self._market().clock.set_speed(speed)

    def seek(self, target_ns: int) -> None:
        """Serve the market as it was at ``target_ns``, paused or not as before.

        Forwards: the batches up to the target are applied now. Backwards: within the served
        trading day only (:class:`SeekRefused` otherwise), from a copy of the day's opening."""
        m = self._market()
        if target_ns < m.clock.now_ns():
            if kst_date(target_ns) != m.day or self._opening is None:
                raise SeekRefused(
                    f"the replay serves {m.day}; it can go back within that day only"
                    f" (asked for {kst_datetime(target_ns):%Y-%m-%d %H:%M:%S})"
                )
            m.restart_day(_copy(self._opening), self._rewound(m.day))
        m.clock.jump(target_ns)
        m.advance(target_ns)

    def status(self) -> dict[str, Any]:
        """What the admin endpoint's GET answers."""
        m = self._market()
        now = m.clock.now_ns()
        e = self.extent
        end = e.last_end_ns
        state = "paused" if m.clock.paused else "ended" if end is not None and now >= end else "playing"
        return {
            "state": state,
            "market_time": kst_datetime(now).isoformat(),
            "trading_day": m.day.isoformat(),
            "speed": m.clock.speed,
            "recording": {
                "file": str(self.path),
                "recorded_by": f"sise {self.header.version}",
                "format_version": self.header.format_version,
                "batches": e.batches,
                "first_day": e.first_day.isoformat() if e.first_day else None,
                "through": kst_datetime(end).isoformat() if end is not None else None,
                "complete": e.complete,
                "problem": e.problem,
            },
        }

    def close(self) -> None:
        self.reader.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _copy(engine: Engine) -> Engine:
    """A deep copy of ``engine`` sharing its instrument table (what the universe holds too)."""
    return copy.deepcopy(engine, {id(engine.instruments): engine.instruments})
