"""``sise serve --record FILE``: the market's batches written to a recording as they are made.

:class:`MarketRecorder` is a ``DaySource`` wrapping another (the simulator): each batch is written
when the source hands it over, on the thread that asked for it — the producer thread when live,
so encoding and compression stay off the event loop. The file is created before the market is
built (a bad path fails at once) and its header written when the first day opens, once the
clock's start is known. Only a market built from its settings alone can be recorded: one that
continues a data directory's stored or imported history opens on state no recording holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sise.engine.batches import Batch
from sise.server.runtime import DaySource, Market, simulated
from sise.sources.day import OpenedDay
from sise.sources.recording import Header, RecordingError, RecordingWriter, open_new


def header_of(market: Market, *, origin: str = "serve", day: date | None = None) -> Header:
    """The header of a recording of ``market`` from ``day`` (default its current day): what
    rebuilds its opening."""
    s = market.settings
    csv = s.universe_csv.read_text(encoding="utf-8-sig") if s.universe_csv else None
    return Header(
        origin=origin,
        day=market.day if day is None else day,
        seed=s.seed,
        scale=s.scale,
        history_years=s.history_years,
        start_ns=market.start_ns,
        speed=market.clock.speed,
        universe_csv=csv,
        index_levels=s.index_levels,
    )


class MarketRecorder:
    """A ``DaySource`` that records what ``inner`` produces to ``path`` (a new file)."""

    def __init__(self, path: Path, inner: DaySource = simulated) -> None:
        self.path = path
        self.inner = inner
        self._sink = open_new(path)
        self.writer: RecordingWriter | None = None

    def __call__(self, market: Market, opened: OpenedDay) -> Iterator[Batch]:
        if self.writer is None:
            if not market.from_settings:
                raise RecordingError(
                    f"{self.path}: the market continues the stored or imported history of"
                    f" {market.settings.data_dir}, which a replay cannot rebuild: record with a new"
                    " --data-dir or with --history memory"
                )
            self.writer = RecordingWriter(self._sink, header_of(market), str(self.path))
        return self.writer.record(opened.day, market.engine.digest(), self.inner(market, opened))

    def close(self) -> None:
        """Write the end-of-stream marker (after the market's producer thread stopped); a file
        that never got its header (the market failed to build) is removed."""
        if self.writer is not None:
            self.writer.close()
        else:
            self._sink.close()
            self.path.unlink(missing_ok=True)
