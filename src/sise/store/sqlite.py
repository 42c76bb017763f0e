"""SQLite history store: one file, WAL, a typed schema derived from the table dtypes.

Each registered table is one SQL table whose columns follow its numpy dtype field by field
(``column_type``): integers and bools are INTEGER, floats REAL (NaN is stored as NULL, which
SQLite makes of it anyway), strings TEXT, and a sub-array field (``buy_qty[12]``) a BLOB of its
little-endian bytes, its shape known from the dtype. ``(code, date)`` is the primary key, so
``put`` is ``INSERT OR REPLACE`` — the whole row replaced, the last of repeated keys winning, as
in ``MemoryStore``. A ``date`` index serves ``get_date`` and ``last_date``.

Meta tables: ``schema_version`` (one row per applied migration), ``tables`` (each data table's
dtype, so a reopened file knows tables registered at run time, such as ``futures_daily``) and
``codes`` (every code in first-written order, which is ``get_date``'s code order, as in
``MemoryStore``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np

from sise.store.base import Rows, StoreError, TableStore


def _migrate_1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE tables (name TEXT PRIMARY KEY, dtype TEXT NOT NULL)")
    db.execute("CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)")


#: Schema migrations in order; the file's version is the number applied. Append, never edit.
MIGRATIONS: Final[Sequence[Callable[[sqlite3.Connection], None]]] = (_migrate_1,)
SCHEMA_VERSION: Final = len(MIGRATIONS)

_META: Final = frozenset({"schema_version", "tables", "codes"})


def column_type(dtype: np.dtype[Any]) -> str:
    """SQL type of a field of ``dtype`` (a sub-array field's dtype has a ``shape``)."""
    if dtype.shape:
        return "BLOB"
    if dtype.kind in "iub":
        if dtype.kind == "u" and dtype.itemsize == 8:
            raise ValueError("uint64 does not fit SQLite's signed 64-bit INTEGER")
        return "INTEGER"
    if dtype.kind == "f":
        return "REAL"
    if dtype.kind in "US":
        return "TEXT"
    raise ValueError(f"no SQL column type for numpy dtype {dtype}")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe(dtype: np.dtype[np.void]) -> str:
    return json.dumps(dtype.descr)


def _undescribe(text: str) -> np.dtype[np.void]:
    fields = [tuple(tuple(x) if isinstance(x, list) else x for x in f) for f in json.loads(text)]
    return np.dtype(fields)


class _Table:
    """SQL statements and column converters of one data table."""

    def __init__(self, name: str, dtype: np.dtype[np.void]) -> None:
        assert dtype.names is not None and dtype.fields is not None
        self.dtype = dtype
        self.names = dtype.names
        self.blobs = {n: dtype.fields[n][0] for n in self.names if dtype.fields[n][0].shape}
        t, cols = _q(name), ", ".join(_q(n) for n in self.names)
        null = {n: "" if dtype.fields[n][0].kind == "f" else " NOT NULL" for n in self.names}
        self.create = (
            f"CREATE TABLE IF NOT EXISTS {t} ("
            + ", ".join(f"{_q(n)} {column_type(dtype.fields[n][0])}{null[n]}" for n in self.names)
            + ", PRIMARY KEY (code, date)) WITHOUT ROWID"
        )
        self.index = f"CREATE INDEX IF NOT EXISTS {_q(name + ':by_date')} ON {t} (date)"
        self.insert = f"INSERT OR REPLACE INTO {t} ({cols}) VALUES ({', '.join('?' * len(self.names))})"
        self.get = f"SELECT {cols} FROM {t} WHERE code = ? AND date BETWEEN ? AND ? ORDER BY date"
        tcols = ", ".join(f"t.{_q(n)}" for n in self.names)
        self.get_date = (
            f"SELECT {tcols} FROM {t} AS t JOIN codes AS c ON c.code = t.code WHERE t.date = ? ORDER BY c.id"
        )
        self.last_date = f"SELECT MAX(date) FROM {t}"

    def params(self, rows: Rows) -> Iterator[tuple[Any, ...]]:
        cols: list[list[Any]] = []
        for n in self.names:
            if n in self.blobs:
                le = np.ascontiguousarray(rows[n], self.blobs[n].base.newbyteorder("<"))
                cols.append([r.tobytes() for r in le])
            else:
                cols.append(rows[n].tolist())
        return zip(*cols, strict=True)

    def rows(self, fetched: list[tuple[Any, ...]]) -> Rows:
        out = np.zeros(len(fetched), self.dtype)
        if not fetched:
            return out
        for n, col in zip(self.names, zip(*fetched, strict=True), strict=True):
            sub = self.blobs.get(n)
            if sub is None:
                out[n] = col
            else:
                flat = np.frombuffer(b"".join(col), sub.base.newbyteorder("<"))
                out[n] = flat.reshape(len(fetched), *sub.shape)
        return out


class SqliteStore(TableStore):
    """A ``HistoryStore`` in one SQLite file. One connection, used under a lock, so calls may come
    from worker threads (one at a time)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._t: dict[str, _Table] = {}
        self._db = self._connect()
        self._stored = {
            name: _undescribe(text) for name, text in self._db.execute("SELECT name, dtype FROM tables")
        }
        super().__init__()
        for name, dtype in self._stored.items():
            self.register_table(name, dtype)  # tables registered at run time by an earlier process

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the history store {self.path}: {e}") from e
        try:
            db.execute("PRAGMA journal_mode=WAL")
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
            db.execute("ROLLBACK")
            raise

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

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
        t = _Table(name, dtype)
        if name not in self._stored:
            with self._transaction() as db:
                db.execute(t.create)
                db.execute(t.index)
                db.execute("INSERT INTO tables VALUES (?, ?)", (name, _describe(dtype)))
            self._stored[name] = dtype
        self._t[name] = t

    # -- writes -----------------------------------------------------------------------------------

    def _write(self, table: str, rows: Rows) -> None:
        t = self._t[table]
        codes = rows["code"]
        _, first = np.unique(codes, return_index=True)
        new_codes = [(c,) for c in codes[np.sort(first)].tolist()]
        with self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO codes (code) VALUES (?)", new_codes)
            db.executemany(t.insert, t.params(rows))

    # -- reads ------------------------------------------------------------------------------------

    def _table(self, table: str) -> _Table:
        t = self._t.get(table)
        if t is None:
            self.dtype(table)  # raises the KeyError that lists the tables
            raise AssertionError  # pragma: no cover
        return t

    def get(self, table: str, code: str, start: int | None = None, end: int | None = None) -> Rows:
        t = self._table(table)
        lo = 0 if start is None else int(start)
        hi = (1 << 32) - 1 if end is None else int(end)
        with self._lock:
            fetched = self._db.execute(t.get, (code, lo, hi)).fetchall()
        return t.rows(fetched)

    def get_date(self, table: str, date: int) -> Rows:
        t = self._table(table)
        with self._lock:
            fetched = self._db.execute(t.get_date, (int(date),)).fetchall()
        return t.rows(fetched)

    def last_date(self, table: str) -> int | None:
        t = self._table(table)
        with self._lock:
            last = self._db.execute(t.last_date).fetchone()[0]
        return None if last is None else int(last)

    def codes(self, table: str) -> list[str]:
        """Codes with at least one row in ``table``, in first-written order."""
        self._table(table)
        with self._lock:
            found = self._db.execute(
                f"SELECT c.code FROM codes AS c WHERE EXISTS "
                f"(SELECT 1 FROM {_q(table)} AS t WHERE t.code = c.code) ORDER BY c.id"
            ).fetchall()
        return [r[0] for r in found]

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        self._table(table)
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM {_q(table)}").fetchone()[0])
