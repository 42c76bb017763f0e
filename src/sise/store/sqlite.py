"""SQLite history store: one file, WAL, compressed columnar chunks, writes behind on a thread.

**Layout.** Each registered table is one SQL table of chunks (``sise.store.chunks``): the rows of
one code in one calendar month, ``(code, month, n, first, last, data)``, unique by (code, month),
indexed by month as well. Intraday bars live in ``bars``: one chunk per (period, date, code).
Meta tables: ``schema_version`` (one row per applied migration), ``tables`` (each data table's
dtype, so a reopened file knows tables registered at run time, such as ``futures_daily``),
``codes`` (every code in first-written order, ``get_date``'s code order as in ``MemoryStore``) and
``meta`` (named values: which market the history is of, where it stood).

**Writes** never wait for the disk. ``put`` validates and adds the rows to an in-memory layer
(a ``MemoryStore``); a writer thread commits that layer as one transaction — at once when it is
idle, else as soon as the previous commit ends — so writes are batched by how fast the disk is,
and a crash loses at most the commit in progress (well under a second of a live market's
writes). Reads merge the file with the layers not yet committed, so a reader sees its writes.
``flush`` waits for the commit of everything put so far.

**Reads** go through a second connection: WAL lets them run while the writer commits. ``get`` is
one indexed range query and a decode of each month's chunk.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np

from sise.store.base import INTRADAY_BAR, Rows, StoreError, TableStore
from sise.store.chunks import Packing, runs, upsert_sorted
from sise.store.memory import MemoryStore

log = logging.getLogger("sise.store")

_BARS: Final = Packing(INTRADAY_BAR)
#: Decoded month chunks kept for reads (least recently used dropped first).
CACHE_BYTES: Final = 128 << 20
_MAX_DATE: Final = (1 << 31) - 1


def _create_chunk_table(db: sqlite3.Connection, name: str) -> None:
    t = _q(name)
    db.execute(
        f"CREATE TABLE {t} (code TEXT NOT NULL, month INTEGER NOT NULL, n INTEGER NOT NULL, "
        "first INTEGER NOT NULL, last INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (code, month))"
    )
    db.execute(f"CREATE INDEX {_q(name + ':by_month')} ON {t} (month)")


def _migrate_1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE tables (name TEXT PRIMARY KEY, dtype TEXT NOT NULL)")
    db.execute("CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)")


def _migrate_2(db: sqlite3.Connection) -> None:
    """Row-per-(code, date) tables become chunk tables; bars and meta are added."""
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE bars (period INTEGER NOT NULL, date INTEGER NOT NULL, code TEXT NOT NULL, "
        "n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (period, date, code)) WITHOUT ROWID"
    )
    for name, text in db.execute("SELECT name, dtype FROM tables").fetchall():
        dtype = _undescribe(text)
        old = _q(name + ":v1")
        db.execute(f"ALTER TABLE {_q(name)} RENAME TO {old}")
        db.execute(f"DROP INDEX IF EXISTS {_q(name + ':by_date')}")
        _create_chunk_table(db, name)
        assert dtype.names is not None
        cols = ", ".join(_q(n) for n in dtype.names)
        fetched = db.execute(f"SELECT {cols} FROM {old} ORDER BY code, date").fetchall()
        rows = np.zeros(len(fetched), dtype)
        for n, col in zip(dtype.names, zip(*fetched, strict=True), strict=True):
            sub = dtype.fields[n][0] if dtype.fields else None
            if sub is not None and sub.shape:
                flat = np.frombuffer(b"".join(col), sub.base.newbyteorder("<"))
                rows[n] = flat.reshape(len(fetched), *sub.shape)
            else:
                rows[n] = col
        _write_chunks(db, name, Packing(dtype), rows)
        db.execute(f"DROP TABLE {old}")


#: Schema migrations in order; the file's version is the number applied. Append, never edit.
MIGRATIONS: Final[Sequence[Callable[[sqlite3.Connection], None]]] = (_migrate_1, _migrate_2)
SCHEMA_VERSION: Final = len(MIGRATIONS)

_META: Final = frozenset({"schema_version", "tables", "codes", "meta", "bars"})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe(dtype: np.dtype[np.void]) -> str:
    return json.dumps(dtype.descr)


def _undescribe(text: str) -> np.dtype[np.void]:
    fields = [tuple(tuple(x) if isinstance(x, list) else x for x in f) for f in json.loads(text)]
    return np.dtype(fields)


def _write_chunks(db: sqlite3.Connection, table: str, packing: Packing, rows: Rows) -> None:
    """Upsert ``rows`` (sorted by code then date, unique) as month chunks, merged into the chunks
    already there."""
    if not len(rows):
        return
    months = rows["date"] // 100
    bounds = runs(rows["code"], months)
    starts = bounds[:-1]
    matrix = packing.matrix(rows)
    t = _q(table)
    insert = f"INSERT OR REPLACE INTO {t} (code, month, n, first, last, data) VALUES (?, ?, ?, ?, ?, ?)"
    group_month = months[starts]
    for month in np.unique(group_month).tolist():
        in_month = np.flatnonzero(group_month == month)
        codes = [str(rows["code"][starts[g]]) for g in in_month.tolist()]
        if len(codes) <= 64:
            marks = ", ".join("?" * len(codes))
            query = f"SELECT code, n, data FROM {t} WHERE month = ? AND code IN ({marks})"
            old = {c: (n, b) for c, n, b in db.execute(query, (month, *codes))}
        else:
            old = {
                c: (n, b)
                for c, n, b in db.execute(f"SELECT code, n, data FROM {t} WHERE month = ?", (month,))
            }
        params: list[tuple[Any, ...]] = []
        for g, code in zip(in_month.tolist(), codes, strict=True):
            lo, hi = int(bounds[g]), int(bounds[g + 1])
            stored = old.get(code)
            if stored is None:
                first, last = int(rows["date"][lo]), int(rows["date"][hi - 1])
                params.append((code, month, hi - lo, first, last, packing.encode(matrix[lo:hi])))
                continue
            chunk = upsert_sorted(
                packing.decode(stored[1], stored[0]), packing.packed_rows(matrix[lo:hi]), "date"
            )
            dates = chunk["date"]
            params.append((code, month, len(chunk), int(dates[0]), int(dates[-1]), packing.encode(chunk)))
        db.executemany(insert, params)


@dataclass
class _Layer:
    """Writes not yet committed: rows and bars (in a ``MemoryStore``), codes, meta, bar drops."""

    rows: MemoryStore
    tables: set[str] = field(default_factory=set)
    bar_keys: set[tuple[int, int, str]] = field(default_factory=set)
    codes: list[tuple[int, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    drop_before: int | None = None
    new_tables: dict[str, np.dtype[np.void]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        pending = self.tables or self.bar_keys or self.codes or self.meta or self.new_tables
        return not (pending or self.drop_before)


@dataclass(frozen=True, slots=True)
class _Span:
    """A code's committed rows of the months ``first`` to ``last`` (``YYYYMM``), packed."""

    first: int
    last: int
    rows: Rows


class SqliteStore(TableStore):
    """A ``HistoryStore`` in one SQLite file. Safe to call from several threads."""

    thread_safe = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._packing: dict[str, Packing] = {}
        self._w = self._connect()  # the writer's connection: migrations, then the writer thread
        try:
            self._r = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:  # pragma: no cover - the writer's connect succeeded
            raise StoreError(f"cannot open the history store {self.path}: {e}") from e
        self._rlock = threading.Lock()  # the reader's connection and the read cache
        self._cache: OrderedDict[tuple[str, str], _Span] = OrderedDict()  # (table, code)
        self._cache_bytes = 0
        self._stored = {
            name: _undescribe(text) for name, text in self._w.execute("SELECT name, dtype FROM tables")
        }
        self._code_ids = {c: i for i, c in self._w.execute("SELECT id, code FROM codes")}
        self._last: dict[str, int | None] = {}
        self._on_disk: set[str] = set()  # data tables the file has (the others await a commit)
        # Layers: ``_layer`` takes puts; the writer commits ``_inflight``. Guarded by ``_plock``.
        self._plock = threading.Lock()
        self._layer = self._new_layer()
        self._inflight: _Layer | None = None
        self._error: StoreError | None = None
        self._queued = 0  # layers handed to the writer so far …
        self._committed = 0  # … and committed
        self._done = threading.Condition(self._plock)
        self._wake = threading.Event()
        self._closing = False
        super().__init__()
        for name, dtype in self._stored.items():
            self.register_table(name, dtype)  # tables registered at run time by an earlier process
        self._writer = threading.Thread(target=self._run, name="sise-store", daemon=True)
        self._writer.start()

    # -- connection and schema --------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the history store {self.path}: {e}") from e
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a commit is durable once the WAL is synced at checkpoints; a crash (kill -9
            # of the process) loses nothing committed, a power cut at most the last commits.
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(db)
        except sqlite3.DatabaseError as e:
            db.close()
            if "not a database" in str(e):
                raise StoreError(f"{self.path} is not a SQLite database") from e
            raise StoreError(f"cannot open the history store {self.path}: {e}") from e
        except StoreError:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        # BEGIN IMMEDIATE takes the write lock: a file or directory we cannot write fails here, at
        # open, rather than at the first put.
        db.execute("BEGIN IMMEDIATE")
        try:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
            if "schema_version" not in names:
                if names:
                    raise StoreError(f"{self.path} is a SQLite database but not a sise history store")
                db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
            have = db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
            if have > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has history schema version {have}; this sise supports up to "
                    f"{SCHEMA_VERSION} (a newer sise wrote it)"
                )
            for version in range(have + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[version - 1](db)
                applied = datetime.now(UTC).isoformat(timespec="seconds")
                db.execute("INSERT INTO schema_version VALUES (?, ?)", (version, applied))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back itself (a full disk)
                db.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        with self._rlock:
            return int(self._r.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    def close(self) -> None:
        """Commit what is pending, stop the writer and close the file."""
        if self._closing:
            return
        try:
            self.flush()
        finally:
            self._closing = True
            self._wake.set()
            self._writer.join(timeout=30)
            with self._rlock:
                self._r.close()
            self._w.close()

    # -- registry ---------------------------------------------------------------------------------

    def register_table(self, name: str, dtype: np.dtype[np.void]) -> None:
        if name in _META or name.lower().startswith("sqlite_"):
            raise ValueError(f"table name {name!r} is reserved by the SQLite store")
        stored = self._stored.get(name)
        # Once registered, a mismatch is the base class's ValueError, as in every store; before,
        # it is a file written with another schema for this table.
        if name not in self._dtypes and stored is not None and stored != np.dtype(dtype):
            raise StoreError(
                f"{self.path}: table {name!r} is stored with dtype {stored}, not the registered {dtype}"
            )
        super().register_table(name, dtype)

    def _created(self, name: str, dtype: np.dtype[np.void]) -> None:
        self._packing[name] = Packing(dtype)
        with self._plock:
            self._layer.rows.register_table(name, dtype)
            if name not in self._stored:
                # Created by the writer with the next commit, so registering never waits for a
                # commit in progress; until then the table is read from the layers alone.
                self._stored[name] = dtype
                self._layer.new_tables[name] = dtype
                self._last[name] = None
                return
        with self._rlock:
            t = _q(name)  # the newest month by its index, then the newest day in it
            last = self._r.execute(
                f"SELECT MAX(last) FROM {t} WHERE month = (SELECT MAX(month) FROM {t})"
            ).fetchone()[0]
        self._on_disk.add(name)
        self._last[name] = None if last is None else int(last)

    def _new_layer(self) -> _Layer:
        layer = _Layer(MemoryStore())
        for name, dtype in getattr(self, "_dtypes", {}).items():
            layer.rows.register_table(name, dtype)
        return layer

    # -- writes -----------------------------------------------------------------------------------

    def _write(self, table: str, rows: Rows) -> None:
        self._raise_error()
        newest = int(rows["date"].max())
        with self._plock:
            self._new_codes(rows["code"])
            self._layer.rows._write(table, rows)
            self._layer.tables.add(table)
            last = self._last[table]
            self._last[table] = newest if last is None else max(last, newest)
        self._wake.set()

    def _write_bars(self, period_s: int, rows: Rows) -> None:
        self._raise_error()
        b = runs(rows["code"], rows["date"])
        keys = {(period_s, int(rows["date"][i]), str(rows["code"][i])) for i in b[:-1].tolist()}
        with self._plock:
            self._layer.rows._write_bars(period_s, rows)
            self._layer.bar_keys |= keys
        self._wake.set()

    def drop_bars_before(self, date: int) -> None:
        with self._plock:
            layer = self._layer
            layer.drop_before = max(layer.drop_before or 0, int(date))
            layer.rows.drop_bars_before(date)
            layer.bar_keys = {k for k in layer.bar_keys if k[1] >= date}
        self._wake.set()

    def set_meta(self, key: str, value: str) -> None:
        self._raise_error()  # the market records its position every second: a failed commit stops it
        with self._plock:
            self._layer.meta[key] = value
        self._wake.set()

    def _new_codes(self, codes: np.ndarray) -> None:
        """Number codes not seen before (under ``_plock``), in the order they first appear."""
        b = runs(codes)
        for code in codes[b[:-1]].tolist():
            if code not in self._code_ids:
                self._code_ids[code] = len(self._code_ids) + 1
                self._layer.codes.append((self._code_ids[code], code))

    def flush(self) -> None:
        """Wait until everything put so far is committed; ``StoreError`` if a commit failed."""
        with self._plock:
            target = self._queued + (0 if self._layer.empty else 1)
            self._wake.set()
            while self._committed < target and self._error is None:
                self._done.wait(timeout=1.0)
                self._wake.set()
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    # -- the writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            with self._plock:
                layer = self._layer
                if layer.empty:
                    if self._closing:
                        return
                    continue
                for name in layer.tables:
                    layer.rows.count(name)  # fold now: readers only read a layer in flight
                self._inflight, self._layer = layer, self._new_layer()
                self._queued += 1
            try:
                self._commit(layer)
            except (sqlite3.Error, OSError) as e:
                log.error("history store %s: commit failed: %s", self.path, e)
                with self._plock:
                    self._error = StoreError(f"cannot write the history store {self.path}: {e}")
                    self._done.notify_all()
                return
            self._forget(layer)
            with self._plock, self._rlock:
                self._on_disk |= layer.new_tables.keys()
                self._inflight = None
                self._committed += 1
                self._done.notify_all()

    def _commit(self, layer: _Layer) -> None:
        db = self._w
        db.execute("BEGIN IMMEDIATE")
        try:
            for name, dtype in layer.new_tables.items():
                _create_chunk_table(db, name)
                db.execute("INSERT INTO tables VALUES (?, ?)", (name, _describe(dtype)))
            db.executemany("INSERT OR IGNORE INTO codes (id, code) VALUES (?, ?)", layer.codes)
            mem = layer.rows
            for name in sorted(layer.tables):
                rows = mem._ready(name).rows  # sorted by (code number, date): grouped by code
                _write_chunks(db, name, self._packing[name], rows)
            if layer.drop_before is not None:
                db.execute("DELETE FROM bars WHERE date < ?", (layer.drop_before,))
            bar_params = []
            days: dict[tuple[int, int], list[str]] = {}
            for period, date, code in sorted(layer.bar_keys):
                days.setdefault((period, date), []).append(code)
            for (period, date), codes in days.items():
                # One query a day for the bars already there (a day written once has none).
                there = {
                    c: (n, blob)
                    for c, n, blob in db.execute(
                        "SELECT code, n, data FROM bars WHERE period = ? AND date = ?", (period, date)
                    )
                }
                for code in codes:
                    new = mem.packed_bars(period, code, date)
                    old = there.get(code)
                    if old is not None:
                        new = upsert_sorted(_BARS.decode(old[1], old[0]), new, "start")
                    bar_params.append((period, date, code, len(new), _BARS.encode(new)))
            db.executemany("INSERT OR REPLACE INTO bars VALUES (?, ?, ?, ?, ?)", bar_params)
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(layer.meta.items()))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back itself (a full disk)
                db.execute("ROLLBACK")
            raise

    # -- reads ------------------------------------------------------------------------------------

    def _layers(self) -> list[_Layer]:
        """The uncommitted layers, oldest first. Take them *before* reading the file: a layer
        committed in between is then read twice (harmless), never missed. Read a layer's contents
        under ``_plock``: the newest one is still taking writes."""
        with self._plock:
            return [x for x in (self._inflight, self._layer) if x is not None]

    def _fetch(self, table: str, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Rows of a query on ``table``'s chunks (none while the table awaits its creation)."""
        if table not in self._on_disk:
            return []
        with self._rlock:
            return self._r.execute(query.format(t=_q(table)), params).fetchall()

    def get(self, table: str, code: str, start: int | None = None, end: int | None = None) -> Rows:
        packing = self._packing.get(table)
        if packing is None:
            self.dtype(table)  # raises the KeyError that lists the tables
            raise AssertionError  # pragma: no cover
        lo = 0 if start is None else max(int(start), 0)
        hi = _MAX_DATE if end is None else min(int(end), _MAX_DATE)
        if hi < lo:
            return np.zeros(0, packing.dtype)
        layers = self._layers()
        stored = self._code_rows(table, code, packing, lo, hi)
        d = stored["date"]
        out = packing.unpack(stored[np.searchsorted(d, lo, "left") : np.searchsorted(d, hi, "right")], code)
        with self._plock:
            for layer in layers:
                if table in layer.tables:
                    out = upsert_sorted(out, layer.rows.get(table, code, start, end), "date")
        return out

    def _code_rows(self, table: str, code: str, packing: Packing, lo: int, hi: int) -> Rows:
        """The committed rows of ``code`` in the months of [lo, hi] (at least), packed, by date.
        What was read is kept, by the span of months it covers (least recently used dropped
        first), so a read inside a span read before runs no query: a query releases the GIL, and
        getting it back from a busy thread is what made a read's tail, not the decoding."""
        key = (table, code)
        first, last = lo // 100, hi // 100
        with self._rlock:
            hit = self._cache.get(key)
            if hit is not None and hit.first <= first and last <= hit.last:
                self._cache.move_to_end(key)
                return hit.rows
            if table not in self._on_disk:
                return np.zeros(0, packing.packed)
            if hit is not None:  # read the union: the span stays one run of months
                first, last = min(first, hit.first), max(last, hit.last)
            generation = self._committed
            fetched = self._r.execute(
                f"SELECT n, data FROM {_q(table)} WHERE code = ? AND month BETWEEN ? AND ? ORDER BY month",
                (code, first, last),
            ).fetchall()
            rows = packing.decode_many(fetched)
            rows.flags.writeable = False  # shared by every later read
            # Kept only if no commit came in between: it may have changed these chunks.
            if generation == self._committed:
                if hit is not None:
                    self._cache_bytes -= self._cache.pop(key).rows.nbytes
                self._cache[key] = _Span(first, last, rows)
                self._cache_bytes += rows.nbytes
                while self._cache_bytes > CACHE_BYTES:
                    _, old = self._cache.popitem(last=False)
                    self._cache_bytes -= old.rows.nbytes
        return rows

    def _forget(self, layer: _Layer) -> None:
        """Drop the cached chunks of every (table, code) a committed layer wrote."""
        with self._rlock:
            for name in layer.tables:
                codes = set(layer.rows.codes(name))
                for code in codes:
                    old = self._cache.pop((name, code), None)
                    if old is not None:
                        self._cache_bytes -= old.rows.nbytes

    def get_date(self, table: str, date: int) -> Rows:
        packing = self._packing.get(table)
        if packing is None:
            self.dtype(table)
            raise AssertionError  # pragma: no cover
        date = int(date)
        layers = self._layers()
        fetched = self._fetch(
            table,
            "SELECT t.code, t.n, t.data FROM {t} AS t JOIN codes AS c ON c.code = t.code "
            "WHERE t.month = ? AND t.first <= ? AND t.last >= ? ORDER BY c.id",
            (date // 100, date, date),
        )
        packed = packing.decode_many([(n, blob) for _, n, blob in fetched])
        unpacked = packing.unpack_runs(packed, [c for c, _, _ in fetched], [n for _, n, _ in fetched])
        stored: Rows = unpacked[unpacked["date"] == date]  # in first-written code order
        pending = [layer for layer in layers if table in layer.tables]
        if not pending:
            return stored
        parts = [stored]
        with self._plock:
            parts.extend(layer.rows.get_date(table, date) for layer in pending)
            ids = self._code_ids
        rows = np.concatenate(parts)
        # Later layers win: keep the last row of each code, then order by first-written.
        _, last_pos = np.unique(rows["code"][::-1], return_index=True)
        rows = rows[len(rows) - 1 - last_pos]
        order = np.argsort(np.fromiter((ids[c] for c in rows["code"].tolist()), np.int64, len(rows)))
        return rows[order]

    def get_range(self, table: str, start: int, end: int) -> Rows:
        packing = self._packing.get(table)
        if packing is None:
            self.dtype(table)
            raise AssertionError  # pragma: no cover
        lo, hi = int(start), int(end)
        layers = self._layers()
        # In code-number then month order: without pending layers, the rows come out in order.
        fetched = self._fetch(
            table,
            "SELECT t.code, t.n, t.data FROM {t} AS t JOIN codes AS c ON c.code = t.code "
            "WHERE t.month BETWEEN ? AND ? AND t.last >= ? AND t.first <= ? ORDER BY c.id, t.month",
            (lo // 100, hi // 100, lo, hi),
        )
        packed = packing.decode_many([(n, blob) for _, n, blob in fetched])
        stored = packing.unpack_runs(packed, [c for c, _, _ in fetched], [n for _, n, _ in fetched])
        d = stored["date"]
        stored = stored[(d >= lo) & (d <= hi)]
        pending = [layer for layer in layers if table in layer.tables]
        if not pending:
            return stored
        parts: list[Rows] = [stored]
        with self._plock:
            parts.extend(layer.rows.get_range(table, lo, hi) for layer in pending)
            ids = self._code_ids
            numbers = []
            for part in parts:
                b = runs(part["code"])
                run_ids = [ids[c] for c in part["code"][b[:-1]].tolist()]
                numbers.append(np.repeat(np.asarray(run_ids, np.int64), np.diff(b)))
        rows = np.concatenate(parts)
        code_id = np.concatenate(numbers)
        # By (code number, date); of repeated keys the last part's row (the newest layer) wins.
        order = np.lexsort((np.arange(len(rows)), rows["date"], code_id))
        rows, code_id = rows[order], code_id[order]
        last = np.ones(len(rows), np.bool_)
        last[:-1] = (code_id[1:] != code_id[:-1]) | (rows["date"][1:] != rows["date"][:-1])
        return rows[last]

    def last_date(self, table: str) -> int | None:
        self.dtype(table)
        return self._last[table]

    def _read_bars(self, period_s: int, code: str, date: int) -> Rows:
        layers = self._layers()
        with self._rlock:
            row = self._r.execute(
                "SELECT n, data FROM bars WHERE period = ? AND date = ? AND code = ?", (period_s, date, code)
            ).fetchone()
        out = _BARS.unpack(_BARS.decode(row[1], row[0]), code) if row else np.zeros(0, INTRADAY_BAR)
        with self._plock:
            for layer in layers:
                if layer.drop_before is not None and date < layer.drop_before:
                    out = out[:0]
                if (period_s, date, code) in layer.bar_keys:
                    out = upsert_sorted(out, layer.rows.get_bars(period_s, code, date), "start")
        return out

    def bar_dates(self, period_s: int) -> list[int]:
        layers = self._layers()
        with self._rlock:
            stored = {
                r[0] for r in self._r.execute("SELECT DISTINCT date FROM bars WHERE period = ?", (period_s,))
            }
        with self._plock:
            for layer in layers:
                if layer.drop_before is not None:
                    stored = {d for d in stored if d >= layer.drop_before}
                stored |= {d for p, d, _ in layer.bar_keys if p == period_s}
        return sorted(stored)

    def get_meta(self, key: str) -> str | None:
        layers = self._layers()
        with self._plock:
            for layer in reversed(layers):
                if key in layer.meta:
                    return layer.meta[key]
        with self._rlock:
            row = self._r.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def codes(self, table: str) -> list[str]:
        """Codes with at least one row in ``table``, in first-written order."""
        self.dtype(table)
        layers = self._layers()
        stored = {r[0] for r in self._fetch(table, "SELECT DISTINCT code FROM {t}", ())}
        with self._plock:
            for layer in layers:
                if table in layer.tables:
                    stored |= set(layer.rows.codes(table))
            ids = self._code_ids
        return sorted(stored, key=ids.__getitem__)

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        self.flush()
        self.dtype(table)
        return (
            int(self._fetch(table, "SELECT COALESCE(SUM(n), 0) FROM {t}", ())[0][0])
            if table in self._on_disk
            else 0
        )
