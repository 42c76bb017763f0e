"""The recording file format (``sise.sources.recording``): what is written reads back exactly; a
killed or cut recorder leaves a readable prefix; a foreign, newer or damaged file is refused with
one clear line."""

from __future__ import annotations

import errno
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sise.engine.batches import Batch
from sise.market.universe import build_universe
from sise.sources.day import build_market, open_day
from sise.sources.recording import (
    FORMAT_VERSION,
    SCHEMA,
    Header,
    RecordingError,
    RecordingReader,
    RecordingWriter,
)
from sise.sources.simulator import SimConfig

DAY = date(2026, 11, 20)
HEADER = Header(
    "serve",
    DAY,
    seed=3,
    scale=0.01,
    history_years=0,
    start_ns=1_795_133_100 * 10**9,
    speed=2.5,
    index_levels=(("KOSPI", 2650.0), ("KOSDAQ150", 1234.5)),
)


@pytest.fixture(scope="module")
def day() -> tuple[str, list[Batch]]:
    """The opening digest and the first 100 batches of a small simulated day (10 s each)."""
    universe, engine = build_market(build_universe(seed=3), DAY)
    sim = open_day(engine, universe, SimConfig(DAY, seed=3, scale=0.01)).simulator
    batches = []
    for batch in sim.batches():
        batches.append(batch)
        if len(batches) == 100:
            break
    return engine.digest(), batches


def written(path: Path, day: tuple[str, list[Batch]], header: Header = HEADER) -> RecordingWriter:
    """``day`` recorded to ``path``; the writer is returned open (``close`` writes the end marker)."""
    writer = RecordingWriter.create(path, header)
    for _ in writer.record(DAY, day[0], day[1]):
        pass
    return writer


def same(a: Batch, b: Batch) -> bool:
    return a.end_time == b.end_time and all(
        getattr(a, k).dtype == getattr(b, k).dtype and getattr(a, k).tobytes() == getattr(b, k).tobytes()
        for k in ("trades", "books", "statuses")
    )


def test_batches_and_header_read_back_exactly(tmp_path: Path, day: tuple[str, list[Batch]]) -> None:
    path = tmp_path / "r.sise"
    written(path, day).close()
    reader = RecordingReader(path)
    assert reader.header == HEADER
    rows = list(reader)
    assert reader.problem is None and len(rows) == 100
    assert rows[0].opening == day[0] and all(r.opening is None and r.day == DAY for r in rows[1:])
    assert all(same(r.batch, b) for r, b in zip(rows, day[1], strict=True))
    assert sum(len(b.books) for b in day[1]) and sum(len(b.trades) for b in day[1])  # not vacuous
    scan = reader.scan()
    assert (scan.batches, scan.complete, scan.problem, scan.first_day) == (100, True, None, DAY)
    assert scan.last_end_ns == day[1][-1].end_time
    with pytest.raises(RecordingError, match="exists"):
        RecordingWriter.create(path, HEADER)  # a recording is never overwritten


def test_the_file_is_readable_by_any_arrow_reader(tmp_path: Path, day: tuple[str, list[Batch]]) -> None:
    path = tmp_path / "r.sise"
    written(path, day).close()
    table = pa.ipc.open_stream(str(path)).read_all()
    assert table.schema.remove_metadata() == SCHEMA and table.num_rows == 100
    meta = table.schema.metadata
    assert (
        meta[b"sise.format"] == b"recording" and meta[b"sise.format_version"] == str(FORMAT_VERSION).encode()
    )
    assert meta[b"sise.start"] == b"2026-11-20T09:05:00+09:00"
    trades = table.column("trades").combine_chunks().flatten()
    assert len(trades) == sum(len(b.trades) for b in day[1])
    assert str(trades.type.field("time").type) == "timestamp[ns, tz=+09:00]"


def test_a_killed_recorder_leaves_every_batch_written_so_far(
    tmp_path: Path, day: tuple[str, list[Batch]]
) -> None:
    live = tmp_path / "live.sise"
    writer = written(live, day)
    path = tmp_path / "r.sise"
    path.write_bytes(live.read_bytes())  # what the process left had it died now: no end marker
    writer.close()
    reader = RecordingReader(path)
    assert len(list(reader)) == 100 and reader.problem is None
    scan = reader.scan()
    assert scan.batches == 100 and not scan.complete and "end-of-stream" in (scan.problem or "")


@pytest.mark.parametrize("keep", [0.3, 0.77, 0.999])
def test_a_cut_file_reads_up_to_the_cut(tmp_path: Path, day: tuple[str, list[Batch]], keep: float) -> None:
    whole = tmp_path / "whole.sise"
    written(whole, day).close()
    data = whole.read_bytes()
    cut = tmp_path / "cut.sise"
    cut.write_bytes(data[: int(len(data) * keep)])
    reader = RecordingReader(cut)
    rows = list(reader)
    assert 0 < len(rows) < 100 and all(same(r.batch, b) for r, b in zip(rows, day[1], strict=False))
    assert reader.problem is not None and f"after batch {len(rows):,}" in reader.problem
    scan = reader.scan()
    assert scan.batches == len(rows) and not scan.complete and scan.last_end_ns == rows[-1].batch.end_time


class FullDisk(io.BytesIO):
    """A file that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_failed_write_ends_the_recording_not_the_caller(
    tmp_path: Path, day: tuple[str, list[Batch]], caplog: pytest.LogCaptureFixture
) -> None:
    sink = FullDisk(room=40_000)
    writer = RecordingWriter(sink, HEADER, "full.sise")
    passed = list(writer.record(DAY, day[0], day[1]))
    assert len(passed) == 100  # every batch still reaches the market
    assert 0 < writer.batches < 100 and "No space left" in (writer.failed or "")
    assert "recording stopped after" in caplog.text
    kept = sink.getvalue()
    writer.close()
    path = tmp_path / "kept.sise"
    path.write_bytes(kept)
    assert len(list(RecordingReader(path))) == writer.batches  # what was written reads back


def refused(path: Path) -> str:
    with pytest.raises(RecordingError) as info:
        RecordingReader(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message


def test_foreign_files_are_refused_with_what_they_are(tmp_path: Path, day: tuple[str, list[Batch]]) -> None:
    files: dict[str, bytes] = {
        "empty": b"",
        "Parquet": b"PAR1" + b"\0" * 100,
        "Arrow IPC file": b"ARROW1\0\0" + b"\0" * 100,
        "not an Arrow IPC stream": "시세 is not a recording\n".encode(),
    }
    for what, data in files.items():
        path = tmp_path / "foreign"
        path.write_bytes(data)
        assert what in refused(path)
    other = tmp_path / "other.arrows"
    with pa.ipc.new_stream(str(other), pa.schema([("x", pa.int64())])) as w:
        w.write_batch(pa.record_batch([pa.array([1])], names=["x"]))
    assert "not a sise recording" in refused(other)
    assert "No such file" in refused(tmp_path / "missing.sise")
    whole = tmp_path / "whole.sise"
    written(whole, day).close()
    head = tmp_path / "head.sise"
    head.write_bytes(whole.read_bytes()[:100])  # cut inside the header
    assert "header" in refused(head)


def test_a_newer_format_asks_for_a_newer_sise(tmp_path: Path, day: tuple[str, list[Batch]]) -> None:
    path = tmp_path / "new.sise"
    newer = Header("serve", DAY, 0, 1.0, 2, version="9.0.0", format_version=FORMAT_VERSION + 1)
    written(path, day, newer).close()
    message = refused(path)
    assert f"format {FORMAT_VERSION + 1}" in message and "sise 9.0.0" in message and "upgrade" in message


def test_a_damaged_header_names_the_key(tmp_path: Path, day: tuple[str, list[Batch]]) -> None:
    def with_meta(**changes: str | None) -> Iterator[str]:
        meta = {k.decode(): v.decode() for k, v in HEADER.metadata().items()}
        for k, v in changes.items():
            key = "sise." + k
            if v is None:
                meta.pop(key)
            else:
                meta[key] = v
        path = tmp_path / f"damaged-{len(list(tmp_path.iterdir()))}.sise"
        with pa.ipc.new_stream(str(path), SCHEMA.with_metadata(meta)) as w:
            w.write_batch(pa.RecordBatch.from_pylist([], schema=SCHEMA))
        yield refused(path)

    assert "sise.day" in next(with_meta(day="yesterday"))
    assert "sise.seed is missing" in next(with_meta(seed=None))
    assert "sise.format_version" in next(with_meta(format_version="one"))


def test_the_format_page_names_every_column_and_header_key() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "recording.md").read_text(encoding="utf-8")
    full = Header(
        "serve",
        DAY,
        0,
        1.0,
        2,
        start_ns=HEADER.start_ns,
        speed=1.0,
        universe_csv="code\n",
        index_levels=(("KOSPI", 2650.0),),
    )
    for name in [*SCHEMA.names, *(k.decode() for k in full.metadata())]:
        assert f"| `{name}` |" in page, name
