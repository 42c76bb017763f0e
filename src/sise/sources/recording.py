"""Recordings: a market's engine batches, with what rebuilds its opening, in one file.

A recording is an Arrow IPC *stream* (``docs/recording.md``): a schema message whose metadata is
the header (format version, the sise that wrote it, the market's settings, the universe CSV when
there was one), then one record batch per engine batch, its buffers zstd-compressed, flushed as
it is written. A stream needs no footer, so a recorder that is killed leaves a readable prefix;
closing writes the end-of-stream marker, which tells a finished recording from a cut one.

Each record batch is one row: the trading ``day``, the batch's ``end_time``, the engine's digest
at the day's opening (``opening``, on the day's first batch only: a replay checks it has rebuilt
the same opening) and the ``trades``, ``books`` and ``statuses`` arrays as lists of structs whose
fields are those of the engine's dtypes (``sise.engine.batches``), so a new batch field is a new
struct field here without a line of code.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sise import __version__
from sise.engine.batches import BOOK_DTYPE, STATUS_DTYPE, TRADE_DTYPE, Batch
from sise.market.timeutil import KST_OFFSET_S, kst_datetime
from sise.sources.clock import to_market_ns

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Header",
    "Recorded",
    "RecordingError",
    "RecordingReader",
    "RecordingWriter",
    "Scan",
]

log = logging.getLogger("sise.recording")

#: ``sise.format`` of a recording: what kind of sise file this is.
FORMAT: Final = "recording"
#: Bumped when a reader of the previous version could not read the file correctly.
FORMAT_VERSION: Final = 1
#: zstd level of the IPC buffers; higher levels save only a few per cent on this data.
ZSTD_LEVEL: Final = 1

_TIME = pa.timestamp("ns", tz=f"+{KST_OFFSET_S // 3600:02d}:00")  # KST as a fixed offset
#: The stream's end-of-stream marker: a continuation token and a zero length.
_EOS: Final = b"\xff\xff\xff\xff\x00\x00\x00\x00"
_CONTINUATION: Final = b"\xff\xff\xff\xff"
_ARRAYS: Final = (("trades", TRADE_DTYPE), ("books", BOOK_DTYPE), ("statuses", STATUS_DTYPE))


class RecordingError(ValueError):
    """A file that cannot be recorded to or replayed; the message says which file and why."""


# ---------------------------------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class Header:
    """What rebuilds a recorded market's opening, and who wrote the file.

    ``origin`` is ``serve`` or ``simulate``; ``start_ns`` and ``speed`` are the recording
    server's clock (``None`` for ``sise simulate``, which has none); ``universe_csv`` the text of
    the universe CSV the market was built from (``None``: the built-in universe of ``seed``);
    ``index_levels`` the starting levels it was moved to, (index key, level) pairs.
    """

    origin: str
    day: date
    seed: int
    scale: float
    history_years: int
    start_ns: int | None = None
    speed: float | None = None
    universe_csv: str | None = None
    index_levels: tuple[tuple[str, float], ...] = ()
    version: str = __version__
    format_version: int = FORMAT_VERSION

    def metadata(self) -> dict[bytes, bytes]:
        """The schema metadata (``docs/recording.md`` lists the keys)."""
        meta = {
            "sise.format": FORMAT,
            "sise.format_version": str(self.format_version),
            "sise.version": self.version,
            "sise.origin": self.origin,
            "sise.day": self.day.isoformat(),
            "sise.seed": str(self.seed),
            "sise.scale": repr(self.scale),
            "sise.history_years": str(self.history_years),
        }
        if self.start_ns is not None:
            meta["sise.start"] = kst_datetime(self.start_ns).isoformat()
        if self.speed is not None:
            meta["sise.speed"] = repr(self.speed)
        if self.universe_csv is not None:
            meta["sise.universe_csv"] = self.universe_csv
        if self.index_levels:
            meta["sise.index_levels"] = json.dumps(dict(self.index_levels), ensure_ascii=False)
        return {k.encode(): v.encode() for k, v in meta.items()}

    @classmethod
    def from_metadata(cls, meta: Mapping[bytes, bytes], where: str) -> Header:
        """The header of a file's schema metadata; :class:`RecordingError` says what is wrong."""
        text = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in meta.items()}
        if text.get("sise.format") != FORMAT:
            raise RecordingError(f"{where}: an Arrow stream but not a sise recording (no sise.format)")
        version = text.get("sise.version", "?")
        fmt = _parse(text, "sise.format_version", where, int)
        if fmt > FORMAT_VERSION:
            raise RecordingError(
                f"{where}: recording format {fmt} (written by sise {version}); this sise {__version__}"
                f" reads format {FORMAT_VERSION} and older: upgrade sise to replay it"
            )
        if fmt < 1:
            raise RecordingError(f"{where}: damaged header: sise.format_version is {fmt}")
        start = text.get("sise.start")
        speed = text.get("sise.speed")
        return cls(
            origin=text.get("sise.origin", "?"),
            day=_parse(text, "sise.day", where, date.fromisoformat),
            seed=_parse(text, "sise.seed", where, int),
            scale=_parse(text, "sise.scale", where, float),
            history_years=_parse(text, "sise.history_years", where, int),
            start_ns=None if start is None else _parse(text, "sise.start", where, _iso_ns),
            speed=None if speed is None else _parse(text, "sise.speed", where, float),
            universe_csv=text.get("sise.universe_csv"),
            index_levels=tuple(_parse(text, "sise.index_levels", where, json.loads).items())
            if "sise.index_levels" in text
            else (),
            version=version,
            format_version=fmt,
        )


def _iso_ns(text: str) -> int:
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("no UTC offset")
    return to_market_ns(when)


def _parse(text: Mapping[str, str], key: str, where: str, parse: Any) -> Any:
    if key not in text:
        raise RecordingError(f"{where}: damaged header: {key} is missing")
    try:
        return parse(text[key])
    except ValueError:
        raise RecordingError(f"{where}: damaged header: {key} is {text[key]!r}") from None


# ---------------------------------------------------------------------------------------- schema


def _struct(dtype: np.dtype[Any]) -> pa.DataType:
    """A batch dtype as an Arrow struct: ``time`` a KST timestamp, sub-arrays fixed-size lists."""
    fields = []
    for name in dtype.names or ():
        sub = dtype.fields[name][0] if dtype.fields else dtype
        if name == "time":
            kind = _TIME
        elif sub.shape:
            kind = pa.list_(pa.from_numpy_dtype(sub.base), sub.shape[0])
        else:
            kind = pa.from_numpy_dtype(sub)
        fields.append(pa.field(name, kind))
    return pa.struct(fields)


SCHEMA: Final = pa.schema(
    [
        pa.field("day", pa.date32(), nullable=False),
        pa.field("end_time", _TIME),
        pa.field("opening", pa.string()),
        *(pa.field(name, pa.list_(_struct(dtype)), nullable=False) for name, dtype in _ARRAYS),
    ]
)


def _encode_rows(rows: npt.NDArray[np.void], kind: pa.DataType) -> pa.Array:
    """A batch array as a one-element list of structs, one child array per field."""
    children = []
    for field in kind.value_type:
        column = np.ascontiguousarray(rows[field.name])
        if pa.types.is_fixed_size_list(field.type):
            values = pa.array(column.reshape(-1), type=field.type.value_type)
            children.append(pa.FixedSizeListArray.from_arrays(values, field.type.list_size))
        else:
            children.append(pa.array(column, type=field.type))
    struct = pa.StructArray.from_arrays(children, fields=list(kind.value_type))
    return pa.ListArray.from_arrays(pa.array([0, len(rows)], pa.int32()), struct)


def _decode_rows(cell: pa.Array, dtype: np.dtype[Any]) -> npt.NDArray[np.void]:
    """The inverse of :func:`_encode_rows` for the list of one row."""
    struct = cell.flatten()
    out = np.empty(len(struct), dtype)
    for name, child in zip(dtype.names or (), struct.flatten(), strict=True):
        if pa.types.is_fixed_size_list(child.type):
            out[name] = child.flatten().to_numpy().reshape(len(struct), child.type.list_size)
        elif pa.types.is_timestamp(child.type):
            out[name] = child.cast(pa.int64()).to_numpy()
        else:
            out[name] = child.to_numpy(zero_copy_only=False)
    return out


def encode(day: date, batch: Batch, opening: str | None = None) -> pa.RecordBatch:
    """One engine batch as one record batch of :data:`SCHEMA`."""
    arrays = [
        pa.array([day], pa.date32()),
        pa.array([batch.end_time], _TIME),
        pa.array([opening], pa.string()),
        *(_encode_rows(getattr(batch, name), SCHEMA.field(name).type) for name, _ in _ARRAYS),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded engine batch: its trading day and, on the day's first, the opening digest."""

    day: date
    opening: str | None
    batch: Batch


def decode(rb: pa.RecordBatch) -> Recorded:
    row = {name: rb.column(name) for name in rb.schema.names}
    end = row["end_time"].cast(pa.int64())[0].as_py()
    trades, books, statuses = (_decode_rows(row[name], dtype) for name, dtype in _ARRAYS)
    batch = Batch(trades, books, statuses, end_time=end)
    return Recorded(row["day"][0].as_py(), row["opening"][0].as_py(), batch)


# ---------------------------------------------------------------------------------------- writing


class RecordingWriter:
    """Writes a recording: the header at once, then each batch as it passes, flushed.

    ``write`` may be called from any one thread at a time (the runtime's producer thread writes
    live batches, the event loop the catch-up); ``close`` writes the end-of-stream marker.
    """

    def __init__(self, sink: BinaryIO, header: Header, where: str) -> None:
        self.header = header
        self.where = where
        self.batches = 0
        #: Why writing stopped early (a full disk…); the file then ends with the last batch written.
        self.failed: str | None = None
        self._sink = sink
        # Compression on the writing thread itself (the server's producer thread), not on Arrow's
        # pool, whose threads would compete with the event loop for the cores.
        options = pa.ipc.IpcWriteOptions(compression=pa.Codec("zstd", ZSTD_LEVEL), use_threads=False)
        self._writer = pa.ipc.new_stream(sink, SCHEMA.with_metadata(header.metadata()), options=options)
        self._lock = threading.Lock()
        self._closed = False
        sink.flush()

    @classmethod
    def create(cls, path: Path, header: Header) -> RecordingWriter:
        """A new recording at ``path``; an existing file is never overwritten."""
        return cls(open_new(path), header, str(path))

    def write(self, day: date, batch: Batch, opening: str | None = None) -> None:
        """Append ``batch``. A write that fails ends the recording, not the market: the error is
        logged once and later batches are dropped."""
        rb = encode(day, batch, opening)
        with self._lock:
            if self._closed:
                return
            try:
                self._writer.write_batch(rb)
                self._sink.flush()  # a killed recorder leaves every batch written so far
            except (OSError, pa.ArrowException) as e:
                self.failed = str(e)
                self._closed = True
                log.error("%s: recording stopped after %d batches: %s", self.where, self.batches, e)
                return
            self.batches += 1

    def record(self, day: date, opening: str, batches: Iterable[Batch]) -> Iterator[Batch]:
        """``batches`` unchanged, each written as it passes; the first carries ``opening``."""
        first: str | None = opening
        for batch in batches:
            self.write(day, batch, first)
            first = None
            yield batch

    def close(self) -> None:
        """Write the end-of-stream marker and close the file (only close it after a failure)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._writer.close()
            with contextlib.suppress(OSError):
                self._sink.close()


def open_new(path: Path) -> BinaryIO:
    """``path`` opened for writing, refusing to replace a file (a recording is not redone)."""
    try:
        return path.open("xb")
    except FileExistsError:
        raise RecordingError(f"{path} exists: record to a new file (or delete it first)") from None


# ---------------------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Scan:
    """A recording's extent, read without decoding its batches."""

    batches: int
    first_day: date | None
    last_day: date | None
    last_end_ns: int | None  # the last complete batch's end_time
    complete: bool  # ends with the end-of-stream marker
    problem: str | None  # why it stops early, when it does

    def describe(self) -> str:
        if not self.batches:
            return "no batches"
        to = kst_datetime(self.last_end_ns).strftime("%Y-%m-%d %H:%M:%S") if self.last_end_ns else "?"
        return f"{self.batches:,} batches, {self.first_day} to {to} KST"


def _check_head(path: Path) -> None:
    """Tell a foreign file by its first bytes, before Arrow's messages about metadata lengths."""
    with path.open("rb") as f:
        head = f.read(8)
    if not head:
        raise RecordingError(f"{path}: empty file, not a sise recording")
    if head.startswith(b"PAR1"):
        raise RecordingError(f"{path}: a Parquet file, not a sise recording (an Arrow IPC stream)")
    if head.startswith(b"ARROW1"):
        raise RecordingError(f"{path}: an Arrow IPC file, not a sise recording (an Arrow IPC stream)")
    if not head.startswith(_CONTINUATION):
        raise RecordingError(f"{path}: not a sise recording (not an Arrow IPC stream)")


def _ends_with_eos(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(0, 2)
        if f.tell() < len(_EOS):
            return False
        f.seek(-len(_EOS), 2)
        return f.read() == _EOS


class RecordingReader:
    """Reads a recording: the header on opening, then :class:`Recorded` batches in order.

    Opening raises :class:`RecordingError` for a foreign file, a newer format, a damaged header
    or a file cut inside its header. Iteration stops early, without raising, where the file is
    cut or damaged; ``problem`` then says where and why.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            _check_head(path)
            self._file = pa.OSFile(str(path), "rb")
            self._reader = pa.ipc.open_stream(self._file)
        except (pa.ArrowException, OSError) as e:
            if isinstance(e, FileNotFoundError | PermissionError | IsADirectoryError):
                raise RecordingError(f"{path}: {e.strerror}") from None
            raise RecordingError(f"{path}: not a readable sise recording (cut in its header? {e})") from None
        schema = self._reader.schema
        self.header = Header.from_metadata(schema.metadata or {}, str(path))
        missing = [f.name for f in SCHEMA if f.name not in schema.names]
        if missing:
            raise RecordingError(f"{path}: damaged: no column(s) {', '.join(missing)}")
        self.batches = 0
        self.problem: str | None = None

    def __iter__(self) -> Iterator[Recorded]:
        while True:
            try:
                rb = self._reader.read_next_batch()
                recorded = decode(rb)
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError, TypeError) as e:
                self.problem = f"cut or damaged after batch {self.batches:,}: {e}"
                return
            self.batches += 1
            yield recorded

    def skip(self, n: int) -> None:
        """Pass over the next ``n`` batches without decoding them (a replay going back to the
        start of a day it has read past)."""
        try:
            for _ in range(n):
                self._reader.read_next_batch()
                self.batches += 1
        except (StopIteration, pa.ArrowException, OSError) as e:
            raise RecordingError(f"{self.path}: changed since it was opened ({e or 'shorter'})") from None

    def close(self) -> None:
        self._file.close()

    def scan(self) -> Scan:
        """The recording's extent, from a second pass over the file: its messages are counted, not
        decompressed; only the first and the last batch are decoded."""
        path, schema = self.path, self._reader.schema
        count = 0
        first: pa.ipc.Message | None = None
        last: pa.ipc.Message | None = None
        problem: str | None = None
        with pa.OSFile(str(path), "rb") as f:
            messages = pa.ipc.MessageReader.open_stream(f)
            try:
                messages.read_next_message()  # the schema
                while True:
                    message = messages.read_next_message()
                    if message.type != "record batch":
                        continue
                    first = first or message
                    last = message
                    count += 1
            except StopIteration:
                pass
            except (pa.ArrowException, OSError) as e:
                problem = f"cut after batch {count:,}: {e}"
            try:
                head = decode(pa.ipc.read_record_batch(first, schema)) if first is not None else None
                tail = decode(pa.ipc.read_record_batch(last, schema)) if last is not None else None
            except (pa.ArrowException, OSError, ValueError, TypeError) as e:
                raise RecordingError(f"{path}: damaged batches: {e}") from None
        complete = problem is None and _ends_with_eos(path)
        if problem is None and not complete:
            problem = f"no end-of-stream marker after batch {count:,} (the recorder did not close it)"
        return Scan(
            batches=count,
            first_day=head.day if head else None,
            last_day=tail.day if tail else None,
            last_end_ns=tail.batch.end_time if tail else None,
            complete=complete,
            problem=problem,
        )
