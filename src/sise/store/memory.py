"""In-memory history store: columnar, append-mostly, indexed lazily.

Each table keeps the rows written since the last read as pending chunks, and a *sorted part*:
one structured array ordered by (code number, date) with a parallel int64 key array
``code_number << 32 | date``. Code numbers are given in the order codes are first written, so the
sorted part is also grouped the way the writer laid it out.

The first read after a write folds the pending chunks in: sort them (skipped when already in key
order, as the back-fill writes them), keep the last of repeated keys, then merge into the sorted
part — in place for replaced keys, by one insert for new ones. A read is then two binary searches
on the key array and one slice copy: ``get`` is O(log n + k). ``get_date`` uses a second, lazily
built permutation by (date, code number), after a first call that scans the date column (a single
date read after a write, as a day's roll-over does, need not sort the table).

Intraday bars are kept per (period, date, code), by start, without their code column (the key
holds it): a full day of bars is millions of rows, and the code is half of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sise.store.base import INTRADAY_BAR, Rows, TableStore
from sise.store.chunks import Packing, runs, upsert_sorted

I64 = npt.NDArray[np.int64]

_SHIFT = 32
_BARS = Packing(INTRADAY_BAR)


@dataclass(slots=True)
class _Table:
    dtype: np.dtype[np.void]
    rows: Rows
    keys: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    pending: list[tuple[Rows, I64]] = field(default_factory=list)
    by_date: npt.NDArray[np.intp] | None = None  # permutation of rows by (date, code number)
    dates: npt.NDArray[np.int32] | None = None  # rows["date"][by_date]
    scanned: bool = False  # a get_date since the last fold scanned the rows instead
    last: int | None = None


class MemoryStore(TableStore):
    """A ``HistoryStore`` in process memory. Not thread-safe; one writer, readers in the same thread."""

    def __init__(self) -> None:
        self._t: dict[str, _Table] = {}
        self._code_ids: dict[str, int] = {}  # shared by all tables: one number per code string
        self._codes: list[str] = []
        self._bars: dict[tuple[int, int, str], Rows] = {}  # (period, date, code) -> bars by start
        self._meta: dict[str, str] = {}
        super().__init__()

    def _created(self, name: str, dtype: np.dtype[np.void]) -> None:
        self._t[name] = _Table(dtype, np.zeros(0, dtype))

    # -- writes -----------------------------------------------------------------------------------

    def _write(self, table: str, rows: Rows) -> None:
        t = self._t[table]
        keys = (self._ids(rows["code"]) << _SHIFT) | rows["date"].astype(np.int64)
        t.pending.append((rows, keys))
        newest = int(rows["date"].max())
        t.last = newest if t.last is None else max(t.last, newest)

    def _ids(self, codes: npt.NDArray[np.str_]) -> I64:
        """Code numbers of a code column. Writers usually lay rows out code by code, so map each
        run of equal codes once rather than every row."""
        n = len(codes)
        heads = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
        run_codes: list[str] = codes[heads].tolist()
        known = self._code_ids
        for code in run_codes:
            if code not in known:
                known[code] = len(self._codes)
                self._codes.append(code)
        ids = np.fromiter(map(known.__getitem__, run_codes), np.int64, count=len(run_codes))
        lengths = np.diff(np.append(heads, n))
        return np.repeat(ids, lengths)

    # -- indexing ---------------------------------------------------------------------------------

    def _ready(self, table: str) -> _Table:
        t = self._t.get(table)
        if t is None:
            self.dtype(table)  # raises the KeyError that lists the tables
            raise AssertionError  # pragma: no cover
        if t.pending:
            self._fold(t)
        return t

    @staticmethod
    def _fold(t: _Table) -> None:
        if len(t.pending) == 1:
            new, keys = t.pending[0]
        else:
            new = np.concatenate([p[0] for p in t.pending])
            keys = np.concatenate([p[1] for p in t.pending])
        t.pending = []
        t.by_date = t.dates = None
        t.scanned = False
        if len(keys) > 1 and not bool((keys[1:] > keys[:-1]).all()):
            order = np.argsort(keys, kind="stable")  # stable: later writes of a key stay later
            keys = keys[order]
            new = new[order]
            last_of_run = np.append(keys[1:] != keys[:-1], True)
            if not last_of_run.all():
                keys = keys[last_of_run]
                new = new[last_of_run]
        if len(t.keys) == 0:
            t.rows, t.keys = new, keys
            return
        if keys[0] > t.keys[-1]:  # pure append, the common case for daily writes of new codes
            t.rows = np.concatenate([t.rows, new])
            t.keys = np.concatenate([t.keys, keys])
            return
        pos = np.searchsorted(t.keys, keys)
        inside = pos < len(t.keys)
        hit = np.zeros(len(keys), np.bool_)
        hit[inside] = t.keys[pos[inside]] == keys[inside]
        if hit.any():
            t.rows[pos[hit]] = new[hit]
        fresh = ~hit
        if fresh.any():
            t.rows = np.insert(t.rows, pos[fresh], new[fresh])
            t.keys = np.insert(t.keys, pos[fresh], keys[fresh])

    # -- reads ------------------------------------------------------------------------------------

    def get(self, table: str, code: str, start: int | None = None, end: int | None = None) -> Rows:
        t = self._ready(table)
        cid = self._code_ids.get(code)
        if cid is None:
            return np.zeros(0, t.dtype)
        lo_date = 0 if start is None else max(int(start), 0)
        hi_date = (1 << _SHIFT) - 1 if end is None else int(end)
        if hi_date < lo_date:
            return np.zeros(0, t.dtype)
        base = cid << _SHIFT
        lo_key, hi_key = base | lo_date, base | hi_date
        lo = int(np.searchsorted(t.keys, lo_key, "left"))
        hi = int(np.searchsorted(t.keys, hi_key, "right"))
        return t.rows[lo:hi].copy() if hi > lo else np.zeros(0, t.dtype)

    def get_date(self, table: str, date: int) -> Rows:
        t = self._ready(table)
        if t.by_date is None and not t.scanned:
            # The first read of a date after a write (a day's roll-over reads one): scanning the
            # date column costs a fraction of sorting it; a second read builds the permutation.
            t.scanned = True
            return t.rows[np.flatnonzero(t.rows["date"] == date)]
        if t.by_date is None or t.dates is None:
            t.by_date = np.argsort(t.rows["date"], kind="stable")  # ties stay in code-number order
            t.dates = t.rows["date"][t.by_date]
        lo = int(np.searchsorted(t.dates, date, "left"))
        hi = int(np.searchsorted(t.dates, date, "right"))
        return t.rows[t.by_date[lo:hi]]

    def get_range(self, table: str, start: int, end: int) -> Rows:
        t = self._ready(table)
        d = t.rows["date"]
        return t.rows[(d >= start) & (d <= end)]

    def last_date(self, table: str) -> int | None:
        self.dtype(table)
        return self._t[table].last

    def codes(self, table: str) -> list[str]:
        """Codes with at least one row in ``table``, in first-written order."""
        t = self._ready(table)
        ids = np.unique(t.keys >> _SHIFT)
        return [self._codes[int(i)] for i in ids]

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        return len(self._ready(table).rows)

    # -- bars and meta ----------------------------------------------------------------------------

    def _write_bars(self, period_s: int, rows: Rows) -> None:
        b = runs(rows["code"], rows["date"])
        # Kept without the code, which the key holds: half the bytes (a full day is millions).
        packed = _BARS.packed_rows(_BARS.matrix(rows))
        for lo, hi in zip(b[:-1].tolist(), b[1:].tolist(), strict=True):
            key = (period_s, int(rows["date"][lo]), str(rows["code"][lo]))
            old = self._bars.get(key)
            new = packed[lo:hi]
            self._bars[key] = new if old is None else upsert_sorted(old, new, "start")

    def _read_bars(self, period_s: int, code: str, date: int) -> Rows:
        return _BARS.unpack(self.packed_bars(period_s, code, date), code)

    def packed_bars(self, period_s: int, code: str, date: int) -> Rows:
        """The bars of ``get_bars`` as kept, without their code (``_BARS.packed``), by start."""
        found = self._bars.get((period_s, date, code))
        return found if found is not None else np.zeros(0, _BARS.packed)

    def bar_dates(self, period_s: int) -> list[int]:
        return sorted({d for p, d, _ in self._bars if p == period_s})

    def drop_bars_before(self, date: int) -> None:
        for key in [k for k in self._bars if k[1] < date]:
            del self._bars[key]

    def get_meta(self, key: str) -> str | None:
        return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self._meta[key] = value
