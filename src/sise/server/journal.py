"""The journal of the day in progress: what lets a restarted server resume it exactly.

``<data-dir>/journal/`` holds, for the open day, the batches the market made (a recording,
``sise.sources.recording``, each batch flushed as it is written, so a killed server leaves a
readable prefix) and snapshots of the simulator (``MarketSimulator.snapshot``), with how many
batches and bytes of the journal each follows: one where the catch-up to the start time ends, then
one about every ``SNAPSHOT_EVERY_S`` of wall time, taken between two live batches, and one at the
day's end (the market serves the finished day until the next one's pre-market). The last two
snapshots are kept, each written to a temporary file and renamed into place.

A server resuming the day (``Market.resumed``) applies the journal's batches up to the latest
snapshot at or before the market time it resumes at, restores the simulator from it and cuts the
journal there: the simulator then makes the same batches the killed server made after the
snapshot, with the same step (kept in the snapshot, whatever this server's ``--speed``) up to
the resume point. A journal that is missing, unreadable or of another market is dropped with a
log line: the day is then re-simulated from its start, as without a journal.

A day's journal is deleted once the next day's position has been committed to the history file
(so a restart can no longer resume the day it describes).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from time import monotonic
from typing import BinaryIO, cast

from sise.engine.batches import Batch
from sise.market.timeutil import kst_datetime
from sise.server.history import Position
from sise.server.recorder import header_of
from sise.server.runtime import DaySource, Market, simulated
from sise.sources.day import OpenedDay
from sise.sources.recording import Header, RecordingError, RecordingReader, RecordingWriter
from sise.sources.simulator import MarketSimulator
from sise.store.base import StoreError

log = logging.getLogger("sise.journal")

#: Wall seconds between two snapshots of the simulator.
SNAPSHOT_EVERY_S = 10.0
#: ``sise.origin`` of a journal's header.
ORIGIN = "journal"
_SNAPSHOT_FORMAT = "sise-journal-snapshot"
_KEEP = ("snapshot", "snapshot.prev")  # newest first
#: The day's last snapshot, kept apart: it comes seconds after a live one at high speeds, and
#: rotating it in could push out the last snapshot at or before a restart's resume point (the
#: producer's snapshots run ahead of the position saved).
_END = "snapshot.end"
#: State a journal's opening leaves out, which a day opened by a roll-over and the same day opened
#: by a restart hold differently although the same batches follow: the 52-week highs and lows
#: (the roll-over's exact ones come from a thread before the day's first event,
#: ``Market._week52_ready``; the simulator does not read them) and the clock (a roll-over's keeps
#: the day before's last event time; the day itself is in the journal's header).
_NOT_IN_OPENING = ("high52", "low52", "clock")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A simulator's state after the first ``batches`` batches of a day's journal."""

    day: date
    batches: int
    offset: int  # the journal's length in bytes after those batches
    end_ns: int  # the last of them's end_time: where the simulator stands
    sim: bytes

    def encode(self) -> bytes:
        head = {
            "format": _SNAPSHOT_FORMAT,
            "version": 1,
            "day": self.day.isoformat(),
            "batches": self.batches,
            "offset": self.offset,
            "end_ns": self.end_ns,
        }
        return json.dumps(head).encode() + b"\n" + self.sim

    @classmethod
    def decode(cls, data: bytes) -> Snapshot:
        """``ValueError`` when ``data`` is not a snapshot."""
        head_text, sep, sim = data.partition(b"\n")
        try:
            head = json.loads(head_text)
            if not sep or head.get("format") != _SNAPSHOT_FORMAT or head.get("version") != 1:
                raise ValueError("not a journal snapshot")
            return cls(
                date.fromisoformat(head["day"]),
                int(head["batches"]),
                int(head["offset"]),
                int(head["end_ns"]),
                sim,
            )
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
            raise ValueError(f"not a journal snapshot ({e})") from None


class _Appending:
    """A journal the recording writer continues: the stream's first message, its schema (which
    the writer sends with its first batch), is dropped: the file begins with one already."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("ab")
        self._head = b""  # the schema message so far, until complete
        self._skip: int | None = None  # its length, once known
        self.closed = False

    def write(self, data: bytes | memoryview) -> int:
        n = len(data)
        if self._skip != 0:
            # An encapsulated message: continuation token, metadata length, metadata; no body.
            self._head += bytes(data)
            if self._skip is None and len(self._head) >= 8:
                self._skip = 8 + int.from_bytes(self._head[4:8], "little")
            if self._skip is None or len(self._head) < self._skip:
                return n
            data, self._skip = self._head[self._skip :], 0
        self._f.write(data)
        return n

    def flush(self) -> None:
        self._f.flush()

    def tell(self) -> int:
        return self._f.tell()

    def close(self) -> None:
        self.closed = True
        self._f.close()


class _DayJournal:
    """The journal of one day being written: batches as they pass, snapshots now and then."""

    def __init__(
        self, directory: Path, day: date, writer: RecordingWriter, sink: BinaryIO | _Appending
    ) -> None:
        self.directory, self.day, self.writer, self._sink = directory, day, writer, sink
        self._snapshot_at = -SNAPSHOT_EVERY_S  # the first live batch gets one: resumable at once
        self.failed = False

    def write(self, batch: Batch, opening: str | None) -> None:
        self.writer.write(self.day, batch, opening)

    def snapshot(self, sim: MarketSimulator, *, end: bool = False) -> None:
        if self.failed or self.writer.failed is not None:
            return
        self._snapshot_at = monotonic()
        snap = Snapshot(self.day, self.writer.batches, self._sink.tell(), sim.cursor_ns, sim.snapshot())
        path = _path(self.directory, self.day, _END if end else _KEEP[0])
        try:
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(snap.encode())
            if path.exists() and not end:
                os.replace(path, _path(self.directory, self.day, _KEEP[1]))
            os.replace(tmp, path)
        except OSError as e:
            self.failed = True
            log.error("%s: journal snapshots stopped: %s", path, e)

    def due(self) -> bool:
        return monotonic() - self._snapshot_at >= SNAPSHOT_EVERY_S

    def close(self) -> None:
        self.writer.close()


class _NothingBefore(Exception):
    """The journal's first batch ends after the resume point: nothing to resume."""


def _path(directory: Path, day: date, kind: str) -> Path:
    return directory / f"{day.isoformat()}.{kind}"


class Journal:
    """A ``DaySource`` wrapping ``inner`` (the simulator, maybe recorded) that journals each day
    in ``directory`` and, for a resumed market, continues its day from the journal."""

    def __init__(self, directory: Path, inner: DaySource = simulated) -> None:
        self.directory = directory
        self.inner = inner
        self.current: _DayJournal | None = None
        #: Where the day was resumed from (the snapshot's end), when it was.
        self.resumed_at: int | None = None

    def __call__(self, market: Market, opened: OpenedDay) -> Iterator[Batch]:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        opening = market.engine.digest(without=_NOT_IN_OPENING)
        journal: _DayJournal | None = None
        if market.resumed is not None and market.resumed.day == opened.day and self.resumed_at is None:
            journal = self._resume(market, opened, opening)
            if journal is not None:
                opening = ""  # the journal has the day's first batch
        if journal is None:
            journal = self._create(market, opened.day)
        self.current = journal
        return self._journaled(market, journal, opened.simulator, self.inner(market, opened), opening or None)

    def _create(self, market: Market, day: date) -> _DayJournal:
        for kind in ("batches", *_KEEP, _END):
            _path(self.directory, day, kind).unlink(missing_ok=True)
        path = _path(self.directory, day, "batches")
        sink = path.open("xb")
        return _DayJournal(
            self.directory,
            day,
            RecordingWriter(sink, header_of(market, origin=ORIGIN, day=day), str(path)),
            sink,
        )

    def _journaled(
        self,
        market: Market,
        journal: _DayJournal,
        sim: MarketSimulator,
        batches: Iterator[Batch],
        opening: str | None,
    ) -> Iterator[Batch]:
        for batch in batches:
            journal.write(batch, opening)
            opening = None
            # Live batches only: the snapshot keeps the step of the batches that follow it.
            if journal.due() and market.ready and sim.step_ns == market.live_step_ns:
                journal.snapshot(sim)
                self._drop_other_days(market)
            yield batch
            # Asked for the batch after the catch-up: the simulator stands where the market
            # starts, set for live steps. A snapshot here is where the position saved at "ready"
            # points, so a server killed at once still resumes from its journal.
            if not market.ready and sim.cursor_ns == market.start_ns and sim.step_ns == market.live_step_ns:
                journal.snapshot(sim)
                self._drop_other_days(market)
        # The day's end: a restart in the evening or the night finds the day whole, simulating
        # none of it again.
        journal.snapshot(sim, end=True)

    def _resume(self, market: Market, opened: OpenedDay, opening: str) -> _DayJournal | None:
        """Bring the engine and the simulator to the latest usable snapshot; ``None`` (nothing
        changed) when there is none."""
        day, path = opened.day, _path(self.directory, opened.day, "batches")
        try:
            snap, header = self._usable(market, path, day, opening)
            opened.simulator.restore(snap.sim)
        except _NothingBefore:
            log.info("the journal of %s holds nothing before the resume point: simulating it afresh", day)
            return None
        except (RecordingError, ValueError, OSError) as e:
            log.warning("sise: the day's journal is not usable (%s); re-simulating %s from its start", e, day)
            return None
        reader = RecordingReader(path)
        try:
            for recorded in reader:
                if reader.batches > snap.batches:
                    break
                market.engine.apply(recorded.batch)
        finally:
            reader.close()
        if reader.batches < snap.batches:
            raise StoreError(f"{path}: damaged ({reader.problem}); delete {self.directory} and restart")
        # The journal goes on from the snapshot: the batches after it are made again.
        os.truncate(path, snap.offset)
        for kind in (*_KEEP, _END):  # snapshots past the cut go (an unreadable one too)
            other = _path(self.directory, day, kind)
            try:
                past = Snapshot.decode(other.read_bytes()).batches > snap.batches
            except (OSError, ValueError):
                past = True
            if past:
                other.unlink(missing_ok=True)
        sink = _Appending(path)
        writer = RecordingWriter(cast(BinaryIO, sink), header, str(path))
        writer.batches = snap.batches
        self.resumed_at = snap.end_ns
        market.steps_kept = True
        log.info(
            "resumed %s from its journal: %d batches to %s, the simulator's state there",
            day,
            snap.batches,
            f"{kst_datetime(snap.end_ns):%H:%M:%S}",
        )
        return _DayJournal(self.directory, day, writer, sink)

    def _usable(self, market: Market, path: Path, day: date, opening: str) -> tuple[Snapshot, Header]:
        """The latest snapshot at or before where the market resumes, and the journal's header."""
        reader = RecordingReader(path)
        try:
            header = reader.header
            s = market.settings
            if (header.origin, header.day, header.seed, header.scale) != (ORIGIN, day, s.seed, s.scale):
                raise ValueError("a journal of another market or day")
            first = next(iter(reader), None)
            if first is None or first.opening != opening:
                raise ValueError("the day's opening differs from the journal's")
            if (first.batch.end_time or 0) > market.start_ns:
                raise _NothingBefore  # a restart in the night before the day's first event
            scan = reader.scan()
        finally:
            reader.close()
        best: Snapshot | None = None
        for kind in (*_KEEP, _END):
            try:
                snap = Snapshot.decode(_path(self.directory, day, kind).read_bytes())
            except (OSError, ValueError):
                continue
            fits = snap.day == day and snap.end_ns <= market.start_ns and 0 < snap.batches <= scan.batches
            if fits and (best is None or snap.batches > best.batches):
                best = snap
        if best is None:
            raise ValueError("no snapshot before the resume point")
        return best, header

    def _drop_other_days(self, market: Market) -> None:
        """Delete other days' journals once the history file says the market is on this day."""
        day = self.current.day if self.current is not None else None
        others = [p for p in self.directory.iterdir() if not p.name.startswith(f"{day}.")]
        if not others:
            return
        stood = Position.parse(market.store.get_meta("position"))
        if stood is None or stood.day != day:
            return
        market.store.flush()  # committed: a restart resumes this day, not theirs
        for p in others:
            p.unlink(missing_ok=True)

    def close(self) -> None:
        """End the day's journal (after the producer thread stopped)."""
        if self.current is not None:
            self.current.close()
            self.current = None
