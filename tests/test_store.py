"""The history store: interface, range reads, upserts, validation and lookup speed, for every
implementation (``MemoryStore`` and ``SqliteStore``), plus what only the SQLite file has: reopening,
the schema version and the errors of a file it cannot use."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import NewStore
from sise.market.timeutil import yyyymmdd_array
from sise.store import (
    INDEX_DAILY,
    INVESTOR_DAILY,
    STANDARD_TABLES,
    STOCK_DAILY,
    HistoryStore,
    MemoryStore,
    SqliteStore,
    StoreError,
    TableStore,
)
from sise.store.base import INTRADAY_BAR
from sise.store.sqlite import SCHEMA_VERSION

DATES = np.array([20240102, 20240103, 20240104, 20240105, 20240108, 20240109], np.int32)


def stock_rows(codes: list[str], dates: np.ndarray, close0: int = 1000) -> np.ndarray:
    """Rows for every (code, date); close encodes both so reads can be checked exactly."""
    rows = np.zeros(len(codes) * len(dates), STOCK_DAILY)
    rows["code"] = np.repeat(codes, len(dates))
    rows["date"] = np.tile(dates, len(codes))
    for k in range(len(codes)):
        rows["close"][k * len(dates) : (k + 1) * len(dates)] = close0 + 100 * k + np.arange(len(dates))
    return rows


@pytest.fixture
def store(new: NewStore) -> TableStore:
    s = new()
    s.put("stock_daily", stock_rows(["005930", "000660", "035720"], DATES))
    return s


def test_stores_satisfy_the_protocol_and_know_the_standard_tables(new: NewStore) -> None:
    s = new()
    assert isinstance(s, HistoryStore)
    assert s.tables() == sorted(STANDARD_TABLES)
    assert s.dtype("investor_daily") == INVESTOR_DAILY
    assert s.dtype("index_daily") == INDEX_DAILY
    assert s.last_date("stock_daily") is None
    assert len(s.get("stock_daily", "005930")) == 0


def test_get_returns_one_code_in_date_order_with_inclusive_bounds(store: TableStore) -> None:
    rows = store.get("stock_daily", "000660")
    assert rows.dtype == STOCK_DAILY
    assert list(rows["date"]) == list(DATES)
    assert list(rows["close"]) == [1100, 1101, 1102, 1103, 1104, 1105]
    assert set(rows["code"]) == {"000660"}
    part = store.get("stock_daily", "000660", 20240103, 20240105)
    assert list(part["date"]) == [20240103, 20240104, 20240105]
    assert list(store.get("stock_daily", "000660", start=20240106)["date"]) == [20240108, 20240109]
    assert list(store.get("stock_daily", "000660", end=20240102)["date"]) == [20240102]
    assert len(store.get("stock_daily", "000660", 20240106, 20240107)) == 0  # a weekend
    assert len(store.get("stock_daily", "000660", 20240109, 20240102)) == 0  # reversed bounds
    assert len(store.get("stock_daily", "999999")) == 0


def test_get_range_reads_a_window_of_every_code_grouped_by_code(store: TableStore) -> None:
    store.put("stock_daily", stock_rows(["373220", "000660"], DATES[4:], close0=9000))  # one new code
    got = store.get_range("stock_daily", int(DATES[3]), int(DATES[5]))
    assert list(got["code"]) == ["005930"] * 3 + ["000660"] * 3 + ["035720"] * 3 + ["373220"] * 2
    assert list(got["date"][:3]) == list(DATES[3:])
    assert list(got["close"][3:6]) == [1103, 9100, 9101]  # the later write wins
    assert len(store.get_range("stock_daily", 20250101, 20251231)) == 0


def test_reads_are_copies(store: TableStore) -> None:
    rows = store.get("stock_daily", "005930")
    rows["close"] = -1
    assert store.get("stock_daily", "005930")["close"][0] == 1000


def test_get_date_returns_every_code_in_first_written_order(store: TableStore) -> None:
    rows = store.get_date("stock_daily", 20240104)
    assert list(rows["code"]) == ["005930", "000660", "035720"]
    assert list(rows["close"]) == [1002, 1102, 1202]
    assert len(store.get_date("stock_daily", 20240106)) == 0
    assert store.last_date("stock_daily") == 20240109


def test_get_date_reads_the_same_rows_before_and_after_indexing_by_date(store: TableStore) -> None:
    store.put("stock_daily", stock_rows(["373220"], np.array([20240104], np.int32), close0=9))
    first = store.get_date("stock_daily", 20240104)  # MemoryStore: a scan of the date column
    again = store.get_date("stock_daily", 20240104)  # MemoryStore: through its by-date permutation
    assert first.tobytes() == again.tobytes()
    assert list(first["code"]) == ["005930", "000660", "035720", "373220"]


def test_put_upserts_by_code_and_date_and_appends_new_days(store: TableStore) -> None:
    fix = stock_rows(["000660"], DATES[1:3], close0=7)
    store.put("stock_daily", fix)
    assert list(store.get("stock_daily", "000660")["close"]) == [1100, 7, 8, 1103, 1104, 1105]
    later = stock_rows(["005930", "373220"], np.array([20240110], np.int32), close0=5)
    store.put("stock_daily", later)
    assert store.last_date("stock_daily") == 20240110
    assert list(store.get("stock_daily", "005930")["date"][-2:]) == [20240109, 20240110]
    assert list(store.get("stock_daily", "373220")["close"]) == [105]
    assert list(store.get_date("stock_daily", 20240110)["code"]) == ["005930", "373220"]
    assert store.count("stock_daily") == 3 * 6 + 2


def test_the_last_of_repeated_keys_in_one_batch_wins(new: NewStore) -> None:
    s = new()
    rows = stock_rows(["005930"], np.array([20240102, 20240102, 20240103], np.int32))
    s.put("stock_daily", rows)
    got = s.get("stock_daily", "005930")
    assert list(got["date"]) == [20240102, 20240103]
    assert list(got["close"]) == [1001, 1002]


def test_unsorted_writes_read_back_sorted(new: NewStore) -> None:
    rows = stock_rows(["A00001", "B00002", "C00003"], DATES)
    rng = np.random.default_rng(0)
    s = new()
    s.put("stock_daily", rows[rng.permutation(len(rows))])
    for code in ("A00001", "B00002", "C00003"):
        assert list(s.get("stock_daily", code)["date"]) == list(DATES)


def test_writes_accept_narrower_code_strings(new: NewStore) -> None:
    dtype = np.dtype([(n, "<U6" if n == "code" else STOCK_DAILY[n]) for n in STOCK_DAILY.names or ()])
    rows = np.zeros(1, dtype)
    rows["code"], rows["date"], rows["close"] = "005930", 20240102, 70000
    s = new()
    s.put("stock_daily", rows)
    assert s.get("stock_daily", "005930")["close"][0] == 70000


def test_put_without_copy_keeps_the_callers_array(new: NewStore) -> None:
    rows = stock_rows(["005930"], DATES)
    s = new()
    s.put("stock_daily", rows, copy=False)
    assert list(s.get("stock_daily", "005930")["close"]) == list(rows["close"])
    s2 = new()
    s2.put("stock_daily", rows)
    rows["close"] = 0
    assert s2.get("stock_daily", "005930")["close"][0] == 1000  # the default put copied


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (np.zeros(2, [("code", "<U16"), ("date", np.int32)]), "missing field 'base'"),
        (
            np.zeros(
                1, [(n, np.float64 if n == "close" else STOCK_DAILY[n]) for n in STOCK_DAILY.names or ()]
            ),
            "field 'close' has dtype float64, expected int64",
        ),
        (
            np.zeros(1, [*[(n, STOCK_DAILY[n]) for n in STOCK_DAILY.names or ()], ("extra", np.int8)]),
            "unknown field 'extra'",
        ),
        (np.zeros((2, 2), STOCK_DAILY), "1-d structured array"),
        (np.zeros(3, np.int64), "structured array"),
    ],
)
def test_bad_writes_raise_value_error_naming_the_field(new: NewStore, rows: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        new().put("stock_daily", rows)


def test_bad_keys_are_rejected(new: NewStore) -> None:
    rows = stock_rows(["005930"], DATES)
    rows["date"][3] = 20241301
    with pytest.raises(ValueError, match="field 'date': row 3 has 20241301"):
        new().put("stock_daily", rows)
    rows = stock_rows(["005930"], DATES)
    rows["code"][2] = ""
    with pytest.raises(ValueError, match="field 'code': row 2 has an empty code"):
        new().put("stock_daily", rows)


def test_unknown_tables_raise_key_error(new: NewStore) -> None:
    s = new()
    with pytest.raises(KeyError, match="unknown table 'futures_daily'"):
        s.get("futures_daily", "A0166000")
    with pytest.raises(KeyError, match="futures_daily"):
        s.put("futures_daily", np.zeros(1, STOCK_DAILY))
    with pytest.raises(KeyError):
        s.last_date("nope")


def test_tables_can_be_registered(new: NewStore) -> None:
    futures = np.dtype(
        [("code", "<U16"), ("date", np.int32), ("settle", np.int64), ("open_interest", np.int64)]
    )
    s = new()
    s.register_table("futures_daily", futures)
    s.register_table("futures_daily", futures)  # same dtype again: no-op
    assert "futures_daily" in s.tables()
    rows = np.zeros(1, futures)
    rows[0] = ("A0166000", 20261119, 31325, 250_000)
    s.put("futures_daily", rows)
    assert s.get("futures_daily", "A0166000")["open_interest"][0] == 250_000
    with pytest.raises(ValueError, match="already registered"):
        s.register_table("futures_daily", STOCK_DAILY)
    with pytest.raises(ValueError, match="'date' field"):
        s.register_table("bad", np.dtype([("code", "<U16"), ("date", np.int64)]))
    with pytest.raises(ValueError, match="'code' field"):
        s.register_table("bad", np.dtype([("date", np.int32)]))


def test_get_is_a_binary_search_not_a_scan() -> None:
    """1.5 M rows (3,000 codes × 500 days); 1,000 random range reads take well under a second."""
    n_codes, n_days = 3_000, 500
    codes = np.array([f"{i:06d}" for i in range(n_codes)])
    days = (np.datetime64("2024-01-01") + np.arange(n_days)).astype("datetime64[D]").astype(object)
    date_ints = yyyymmdd_array(days)
    rows = np.zeros(n_codes * n_days, STOCK_DAILY)
    rows["code"] = np.repeat(codes, n_days)
    rows["date"] = np.tile(date_ints, n_codes)
    rows["close"] = np.arange(len(rows))
    s = MemoryStore()
    s.put("stock_daily", rows, copy=False)
    s.get("stock_daily", "000000")  # the first read builds the index
    rng = np.random.default_rng(7)
    picks = rng.integers(0, n_codes, 1_000)
    lo = date_ints[100]
    hi = date_ints[350]
    t0 = time.perf_counter()
    for k in picks:
        got = s.get("stock_daily", str(codes[k]), int(lo), int(hi))
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.5, f"1,000 gets took {elapsed:.3f} s"
    k = int(picks[-1])
    assert len(got) == 251
    assert got["close"][0] == k * n_days + 100


def random_rows(dtype: np.dtype[np.void], codes: list[str], dates: np.ndarray, seed: int) -> np.ndarray:
    """Every field filled with random values of its type, sub-arrays included."""
    rng = np.random.default_rng(seed)
    rows = np.zeros(len(codes) * len(dates), dtype)
    rows["code"] = np.repeat(codes, len(dates))
    rows["date"] = np.tile(dates, len(codes))
    for name in dtype.names or ():
        if name in ("code", "date"):
            continue
        field = rows[name]
        if field.dtype.kind == "f":
            field[...] = np.round(rng.normal(1000, 300, field.shape), 2)
        elif field.dtype.kind == "U":
            field[...] = rng.choice(["K2FA001", "A0166000", ""], field.shape)
        elif field.dtype.kind == "b":
            field[...] = rng.random(field.shape) < 0.5
        else:
            info = np.iinfo(field.dtype)
            field[...] = rng.integers(info.min, info.max, field.shape, dtype=field.dtype, endpoint=True)
    return rows


@pytest.mark.parametrize("table", sorted(STANDARD_TABLES))
def test_sqlite_reads_equal_memory_reads_for_every_standard_table(table: str, tmp_path: Path) -> None:
    dtype = STANDARD_TABLES[table]
    rows = random_rows(dtype, ["KOSPI200", "005930", "A0166000"], DATES, seed=len(table))
    later = random_rows(dtype, ["005930", "373220"], DATES[2:4], seed=1)  # replaces two days of one code
    mem, lite = MemoryStore(), SqliteStore(tmp_path / "h.sqlite")
    for s in (mem, lite):
        s.put(table, rows[::-1])
        s.put(table, later)
    for code in ("KOSPI200", "005930", "373220", "A0166000"):
        got, want = lite.get(table, code, 20240103), mem.get(table, code, 20240103)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    for day in DATES:
        assert lite.get_date(table, int(day)).tobytes() == mem.get_date(table, int(day)).tobytes()
    assert lite.last_date(table) == mem.last_date(table)
    assert lite.codes(table) == mem.codes(table)
    assert lite.count(table) == mem.count(table)


def test_sqlite_tables_are_compressed_month_chunks(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "h.sqlite")
    dates = np.array([20240129, 20240130, 20240131, 20240201, 20240202], np.int32)
    s.put("stock_daily", stock_rows(["005930", "000660"], dates))
    s.close()
    db = sqlite3.connect(tmp_path / "h.sqlite")
    for table in STANDARD_TABLES:
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        assert columns == ["code", "month", "n", "first", "last", "data"]
    chunks = db.execute("SELECT code, month, n, first, last FROM stock_daily ORDER BY code, month").fetchall()
    assert chunks == [
        ("000660", 202401, 3, 20240129, 20240131),
        ("000660", 202402, 2, 20240201, 20240202),
        ("005930", 202401, 3, 20240129, 20240131),
        ("005930", 202402, 2, 20240201, 20240202),
    ]
    db.close()


def test_sqlite_migrates_a_version_1_file(tmp_path: Path) -> None:
    """A file of the first schema (one SQL row per (code, date), sub-arrays as BLOBs) is converted
    to chunks when opened, rows unchanged."""
    path = tmp_path / "h.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1, '2026-11-01T00:00:00+00:00')")
    db.execute("CREATE TABLE tables (name TEXT PRIMARY KEY, dtype TEXT NOT NULL)")
    db.execute("CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)")
    db.execute("INSERT INTO tables VALUES ('index_daily', ?)", (json.dumps(INDEX_DAILY.descr),))
    names = list(INDEX_DAILY.names or ())
    db.execute(f"CREATE TABLE index_daily ({', '.join(names)}, PRIMARY KEY (code, date)) WITHOUT ROWID")
    db.execute("CREATE INDEX 'index_daily:by_date' ON index_daily (date)")
    want = np.zeros(2, INDEX_DAILY)
    want["code"], want["date"], want["close"] = "KOSPI", [20240102, 20240103], [2669.81, 2607.31]
    want["signs"] = [[1, 400, 50, 0, 500], [0, 300, 40, 2, 610]]
    for r in want:
        values = [r[n].astype("<i4").tobytes() if n == "signs" else r[n].item() for n in names]
        db.execute(f"INSERT INTO index_daily VALUES ({', '.join('?' * len(names))})", values)
    db.execute("INSERT INTO codes (code) VALUES ('KOSPI')")
    db.commit()
    db.close()
    s = SqliteStore(path)
    assert s.schema_version() == SCHEMA_VERSION
    assert s.get("index_daily", "KOSPI").tobytes() == want.tobytes()
    assert s.last_date("index_daily") == 20240103
    s.close()


def test_bars_upsert_by_start_and_are_dropped_by_date(new: NewStore) -> None:
    s = new()
    bars = np.zeros(4, INTRADAY_BAR)
    bars["code"] = ["005930", "005930", "000660", "005930"]
    bars["date"] = [20240102, 20240102, 20240102, 20240103]
    bars["start"] = [2_000, 1_000, 1_000, 5_000]
    bars["close"] = [71_000, 70_900, 140_000, 72_000]
    s.put_bars(60, bars)
    assert list(s.get_bars(60, "005930", 20240102)["close"]) == [70_900, 71_000]  # by start
    fix = bars[:1].copy()
    fix["close"] = 71_100
    s.put_bars(60, fix)
    s.flush()
    assert list(s.get_bars(60, "005930", 20240102)["close"]) == [70_900, 71_100]
    assert len(s.get_bars(10, "005930", 20240102)) == 0  # another period
    assert s.bar_dates(60) == [20240102, 20240103]
    s.drop_bars_before(20240103)
    assert s.bar_dates(60) == [20240103] and len(s.get_bars(60, "000660", 20240102)) == 0
    s.flush()
    assert s.bar_dates(60) == [20240103]
    with pytest.raises(ValueError, match="bar period 30 s"):
        s.put_bars(30, bars)


def test_meta_values_are_kept(new: NewStore) -> None:
    s = new()
    assert s.get_meta("market") is None
    s.set_meta("market", "seed=0")
    s.set_meta("market", "seed=1")
    assert s.get_meta("market") == "seed=1"


def test_sqlite_reads_see_writes_before_and_after_the_commit(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    s = SqliteStore(path)
    s.put("stock_daily", stock_rows(["005930"], DATES[:3]))
    s.put("stock_daily", stock_rows(["005930"], DATES[2:], close0=5000))  # replaces DATES[2]
    s.set_meta("position", "20240109 10:00:00")
    want = [1000, 1001, 5000, 5001, 5002, 5003]
    assert list(s.get("stock_daily", "005930")["close"]) == want  # perhaps not yet committed
    s.flush()
    assert list(s.get("stock_daily", "005930")["close"]) == want
    s.close()
    s = SqliteStore(path)
    assert list(s.get("stock_daily", "005930")["close"]) == want
    assert s.get_meta("position") == "20240109 10:00:00"
    s.close()


def test_sqlite_keeps_nan(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "h.sqlite")
    rows = np.zeros(1, INDEX_DAILY)
    rows["code"], rows["date"], rows["open"] = "KOSPI", 20240102, np.nan
    s.put("index_daily", rows)
    assert np.isnan(s.get("index_daily", "KOSPI")["open"][0])


def test_sqlite_cached_reads_follow_later_commits(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "h.sqlite")
    s.put("stock_daily", stock_rows(["005930", "000660"], DATES[:4]))
    s.flush()
    assert list(s.get("stock_daily", "005930", int(DATES[1]), int(DATES[2]))["close"]) == [1001, 1002]
    assert list(s.get("stock_daily", "005930")["close"]) == [1000, 1001, 1002, 1003]  # from the cache
    s.put("stock_daily", stock_rows(["005930"], DATES[3:], close0=7000))  # replaces DATES[3], adds two
    s.flush()
    assert list(s.get("stock_daily", "005930")["close"]) == [1000, 1001, 1002, 7000, 7001, 7002]
    assert list(s.get("stock_daily", "000660")["close"]) == [1100, 1101, 1102, 1103]
    s.close()


def test_a_warmed_store_answers_the_recent_daily_rows_without_a_query(tmp_path: Path) -> None:
    """What a server does after start (``sise.server.runtime.warm``), on its history thread."""
    from datetime import date

    from sise.server.runtime import warm

    s = SqliteStore(tmp_path / "h.sqlite")
    dates = np.array([20240105, 20240215, 20240320, 20240410, 20240515], np.int32)
    s.put("stock_daily", stock_rows(["005930", "000660"], dates))
    s.flush()
    warm(s, ["005930", "000660", "999999"], ["KOSPI"], date(2024, 5, 20))
    real, queries = s._r, []

    class Counting:
        def execute(self, *args: Any) -> Any:
            queries.append(args)
            return real.execute(*args)

    s._r = Counting()  # type: ignore[assignment]
    assert list(s.get("stock_daily", "000660", 20240301, 20240519)["date"]) == [20240320, 20240410, 20240515]
    assert len(s.get("stock_daily", "999999", 20240301, 20240519)) == 0
    assert queries == []
    assert list(s.get("stock_daily", "005930")["date"]) == list(dates)  # older than the warmed span
    assert len(queries) == 1
    s._r = real  # type: ignore[assignment]
    s.close()


def test_sqlite_reads_widen_a_cached_span_and_run_no_query_inside_one(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "h.sqlite")
    dates = np.array([20240105, 20240215, 20240320, 20240410, 20240515], np.int32)
    s.put("stock_daily", stock_rows(["005930"], dates))
    s.flush()
    assert list(s.get("stock_daily", "005930", 20240301, 20240331)["date"]) == [20240320]
    assert list(s.get("stock_daily", "005930", 20240201, 20240430)["date"]) == [20240215, 20240320, 20240410]
    real, queries = s._r, []

    class Counting:
        def execute(self, *args: Any) -> Any:
            queries.append(args)
            return real.execute(*args)

    s._r = Counting()  # type: ignore[assignment]
    assert list(s.get("stock_daily", "005930", 20240210, 20240415)["date"]) == [20240215, 20240320, 20240410]
    assert queries == []  # inside the span read before
    assert list(s.get("stock_daily", "005930")["date"]) == list(dates)
    assert len(queries) == 1
    assert list(s.get("stock_daily", "005930", 20240101, 20240131)["date"]) == [20240105]
    assert len(queries) == 1
    s._r = real  # type: ignore[assignment]
    s.close()


def test_sqlite_reopens_with_its_rows_codes_and_run_time_tables(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    futures = np.dtype([("code", "<U16"), ("date", np.int32), ("settle", np.int64), ("contract", "<U8")])
    s = SqliteStore(path)
    s.put("stock_daily", stock_rows(["005930", "000660"], DATES))
    s.register_table("futures_daily", futures)
    f = np.zeros(1, futures)
    f[0] = ("K2FA001", 20240102, 31325, "A0166000")
    s.put("futures_daily", f)
    s.close()
    s = SqliteStore(path)
    assert "futures_daily" in s.tables() and s.dtype("futures_daily") == futures
    assert s.get("futures_daily", "K2FA001").tobytes() == f.tobytes()
    assert list(s.get("stock_daily", "000660")["close"]) == [1100, 1101, 1102, 1103, 1104, 1105]
    s.put("stock_daily", stock_rows(["373220", "005930"], np.array([20240110], np.int32)))
    assert list(s.get_date("stock_daily", 20240110)["code"]) == ["005930", "373220"]
    with pytest.raises(ValueError, match="already registered"):
        s.register_table("futures_daily", np.dtype([("code", "<U16"), ("date", np.int32)]))
    s.close()


def test_sqlite_refuses_a_stored_table_whose_dtype_differs(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    keys_only = '[["code", "<U16"], ["date", "<i4"]]'
    db.execute("UPDATE tables SET dtype = ? WHERE name = 'stock_daily'", (keys_only,))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="table 'stock_daily' is stored with dtype"):
        SqliteStore(path)


def test_sqlite_file_has_a_version_table(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    s = SqliteStore(path)
    assert s.schema_version() == SCHEMA_VERSION
    s.close()
    SqliteStore(path).close()  # reopening applies nothing twice
    db = sqlite3.connect(path)
    assert [r[0] for r in db.execute("SELECT version FROM schema_version")] == list(
        range(1, SCHEMA_VERSION + 1)
    )
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_sqlite_refuses_a_file_from_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, '2030-01-01T00:00:00+00:00')", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    want = f"has history schema version {SCHEMA_VERSION + 1}; this sise supports up to {SCHEMA_VERSION}"
    with pytest.raises(StoreError, match=want):
        SqliteStore(path)


def test_sqlite_refuses_what_is_not_its_store(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database, just some bytes " * 100)
    with pytest.raises(StoreError, match="is not a SQLite database"):
        SqliteStore(junk)
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.close()
    with pytest.raises(StoreError, match="not a sise history store"):
        SqliteStore(other)
    with pytest.raises(StoreError, match="cannot open the history store"):
        SqliteStore(junk / "h.sqlite")  # a directory that is a file


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes to read-only directories")
def test_sqlite_refuses_a_read_only_directory_at_open(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="cannot open the history store"):
            SqliteStore(ro / "h.sqlite")
    finally:
        ro.chmod(0o755)


def test_sqlite_refuses_reserved_table_names(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "h.sqlite")
    with pytest.raises(ValueError, match="reserved"):
        s.register_table("codes", STOCK_DAILY)
