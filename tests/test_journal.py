"""The journal's files: snapshots, and a journal cut at a snapshot and continued."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sise.engine.batches import Batch, empty_trades
from sise.server.journal import Snapshot, _Appending
from sise.sources.recording import Header, RecordingReader, RecordingWriter

DAY = date(2026, 11, 20)
HEADER = Header(origin="journal", day=DAY, seed=1, scale=0.02, history_years=1)


def _batch(k: int) -> Batch:
    tr = empty_trades(k + 1)
    tr["inst"], tr["time"], tr["price"], tr["qty"] = np.arange(k + 1), 1_000 * k, 100 + k, 1
    return Batch(trades=tr, end_time=1_000 * k + 999)


def test_snapshot_round_trip_and_refusals() -> None:
    snap = Snapshot(DAY, batches=12, offset=3456, end_ns=789, sim=b"\x00\n\xff state")
    assert Snapshot.decode(snap.encode()) == snap
    for bad in (b"", b"garbage", b'{"format": "other"}\n', snap.encode()[:20]):
        with pytest.raises(ValueError, match="not a journal snapshot"):
            Snapshot.decode(bad)


def test_a_journal_cut_at_a_snapshot_continues_as_one_stream(tmp_path: Path) -> None:
    path = tmp_path / "day.batches"
    sink = path.open("xb")
    writer = RecordingWriter(sink, HEADER, str(path))
    offsets = []
    for k in range(5):
        writer.write(DAY, _batch(k), "opening" if k == 0 else None)
        offsets.append(sink.tell())
    sink.close()  # killed: no end-of-stream marker
    # Cut after batch 3 (what a snapshot there records), then continue with other batches.
    path.write_bytes(path.read_bytes()[: offsets[2]])
    more = _Appending(path)
    again = RecordingWriter(more, HEADER, str(path))  # type: ignore[arg-type]
    for k in (10, 11):
        again.write(DAY, _batch(k))
    again.close()
    reader = RecordingReader(path)
    got = [r.batch.end_time for r in reader]
    assert got == [999, 1999, 2999, 10999, 11999]
    assert reader.problem is None and reader.scan().complete
    assert reader.header.origin == "journal"
