"""The history store: interface, range reads, upserts, validation and lookup speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sise.market.timeutil import yyyymmdd_array
from sise.store import (
    INDEX_DAILY,
    INVESTOR_DAILY,
    STANDARD_TABLES,
    STOCK_DAILY,
    HistoryStore,
    MemoryStore,
)

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
def store() -> MemoryStore:
    s = MemoryStore()
    s.put("stock_daily", stock_rows(["005930", "000660", "035720"], DATES))
    return s


def test_memory_store_satisfies_the_protocol_and_knows_the_standard_tables() -> None:
    s = MemoryStore()
    assert isinstance(s, HistoryStore)
    assert s.tables() == sorted(STANDARD_TABLES)
    assert s.dtype("investor_daily") == INVESTOR_DAILY
    assert s.dtype("index_daily") == INDEX_DAILY
    assert s.last_date("stock_daily") is None
    assert len(s.get("stock_daily", "005930")) == 0


def test_get_returns_one_code_in_date_order_with_inclusive_bounds(store: MemoryStore) -> None:
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


def test_reads_are_copies(store: MemoryStore) -> None:
    rows = store.get("stock_daily", "005930")
    rows["close"] = -1
    assert store.get("stock_daily", "005930")["close"][0] == 1000


def test_get_date_returns_every_code_in_first_written_order(store: MemoryStore) -> None:
    rows = store.get_date("stock_daily", 20240104)
    assert list(rows["code"]) == ["005930", "000660", "035720"]
    assert list(rows["close"]) == [1002, 1102, 1202]
    assert len(store.get_date("stock_daily", 20240106)) == 0
    assert store.last_date("stock_daily") == 20240109


def test_put_upserts_by_code_and_date_and_appends_new_days(store: MemoryStore) -> None:
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


def test_the_last_of_repeated_keys_in_one_batch_wins() -> None:
    s = MemoryStore()
    rows = stock_rows(["005930"], np.array([20240102, 20240102, 20240103], np.int32))
    s.put("stock_daily", rows)
    got = s.get("stock_daily", "005930")
    assert list(got["date"]) == [20240102, 20240103]
    assert list(got["close"]) == [1001, 1002]


def test_unsorted_writes_read_back_sorted() -> None:
    rows = stock_rows(["A00001", "B00002", "C00003"], DATES)
    rng = np.random.default_rng(0)
    s = MemoryStore()
    s.put("stock_daily", rows[rng.permutation(len(rows))])
    for code in ("A00001", "B00002", "C00003"):
        assert list(s.get("stock_daily", code)["date"]) == list(DATES)


def test_writes_accept_narrower_code_strings() -> None:
    dtype = np.dtype([(n, "<U6" if n == "code" else STOCK_DAILY[n]) for n in STOCK_DAILY.names or ()])
    rows = np.zeros(1, dtype)
    rows["code"], rows["date"], rows["close"] = "005930", 20240102, 70000
    s = MemoryStore()
    s.put("stock_daily", rows)
    assert s.get("stock_daily", "005930")["close"][0] == 70000


def test_put_without_copy_keeps_the_callers_array() -> None:
    rows = stock_rows(["005930"], DATES)
    s = MemoryStore()
    s.put("stock_daily", rows, copy=False)
    assert list(s.get("stock_daily", "005930")["close"]) == list(rows["close"])
    s2 = MemoryStore()
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
def test_bad_writes_raise_value_error_naming_the_field(rows: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MemoryStore().put("stock_daily", rows)


def test_bad_keys_are_rejected() -> None:
    rows = stock_rows(["005930"], DATES)
    rows["date"][3] = 20241301
    with pytest.raises(ValueError, match="field 'date': row 3 has 20241301"):
        MemoryStore().put("stock_daily", rows)
    rows = stock_rows(["005930"], DATES)
    rows["code"][2] = ""
    with pytest.raises(ValueError, match="field 'code': row 2 has an empty code"):
        MemoryStore().put("stock_daily", rows)


def test_unknown_tables_raise_key_error() -> None:
    s = MemoryStore()
    with pytest.raises(KeyError, match="unknown table 'futures_daily'"):
        s.get("futures_daily", "A0166000")
    with pytest.raises(KeyError, match="futures_daily"):
        s.put("futures_daily", np.zeros(1, STOCK_DAILY))
    with pytest.raises(KeyError):
        s.last_date("nope")


def test_tables_can_be_registered() -> None:
    futures = np.dtype(
        [("code", "<U16"), ("date", np.int32), ("settle", np.int64), ("open_interest", np.int64)]
    )
    s = MemoryStore()
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
