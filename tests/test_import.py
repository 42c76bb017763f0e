"""``sise import daily``: every layout, every check with its line, all-or-nothing writes, re-imports,
the shipped sample read back, and the command's output.

The layout fixtures are written by the tests: the first days of the shipped sample (real
005930 prices, ``src/sise/market/data/sample``) spelled in each layout, plus rows made bad on
purpose. Index levels in the fixtures are made up (the sample has no index)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sise.cli.imports import EXIT_BAD_INPUT, EXIT_STORE, MAX_SHOWN
from sise.cli.main import main
from sise.market.limits import price_limits
from sise.market.ticks import TickTableId
from sise.market.types import Sign
from sise.market.universe import Universe, build_universe
from sise.server.datadir import lock_data_dir
from sise.server.history import HISTORY_FILE
from sise.store import MemoryStore, SqliteStore
from sise.store.importer import IMPORTED_META, BadInput, Codes, imported_closes, load_daily, write_daily
from sise.store.layouts import layouts_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"
SAMPLE = resources.files("sise.market") / "data" / "sample"
# 005930, the sample's first five days: (date, open, high, low, close, volume); the close before
# them (2021-09-30) was 74,100.
DAYS = [
    (date(2021, 10, 1), 73900, 74000, 72900, 73200, 15803395),
    (date(2021, 10, 5), 73000, 73000, 71400, 72200, 24013921),
    (date(2021, 10, 6), 72600, 72800, 71200, 71300, 18956962),
    (date(2021, 10, 7), 71600, 72100, 71300, 71600, 13683532),
    (date(2021, 10, 8), 72300, 72400, 71500, 71500, 14043287),
]
PREV_CLOSE = 74100


@pytest.fixture(scope="module")
def universe() -> Universe:
    return build_universe()


def _write(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _changes() -> Iterator[tuple[tuple[date, int, int, int, int, int], int]]:
    prev = PREV_CLOSE
    for d in DAYS:
        yield d, d[4] - prev
        prev = d[4]


def krx_file(path: Path) -> Path:
    """The KRX data portal's download: CP949, newest first, YYYY/MM/DD, thousands separators."""
    header = [
        "일자",
        "종가",
        "대비",
        "등락률",
        "시가",
        "고가",
        "저가",
        "거래량",
        "거래대금",
        "시가총액",
        "상장주식수",
    ]
    rows = [
        [
            d.strftime("%Y/%m/%d"),
            f"{c:,}",
            chg,
            round(chg / (c - chg) * 100, 2),
            f"{o:,}",
            h,
            lo,
            v,
            v * c,
            0,
            5969782550,
        ]
        for (d, o, h, lo, c, v), chg in _changes()
    ]
    return _write(path, header, rows[::-1], "cp949")


def pykrx_file(path: Path) -> Path:
    header = ["날짜", "시가", "고가", "저가", "종가", "거래량", "거래대금", "등락률"]
    rows = [
        [d.isoformat(), o, h, lo, c, v, v * c, chg / (c - chg) * 100]
        for (d, o, h, lo, c, v), chg in _changes()
    ]
    return _write(path, header, rows, "utf-8-sig")


def fdr_file(path: Path) -> Path:
    header = ["Date", "Open", "High", "Low", "Close", "Volume", "Change"]
    rows = [[d.isoformat(), o, h, lo, c, v, chg / (c - chg)] for (d, o, h, lo, c, v), chg in _changes()]
    return _write(path, header, rows)


def parquet_file(path: Path) -> Path:
    """pykrx's DataFrame saved with ``to_parquet()``: the 날짜 index as a timestamp column."""
    table = pa.table(
        {
            "시가": [d[1] for d in DAYS],
            "고가": [d[2] for d in DAYS],
            "저가": [d[3] for d in DAYS],
            "종가": [d[4] for d in DAYS],
            "거래량": [d[5] for d in DAYS],
            "날짜": pa.array([np.datetime64(d[0], "ns") for d in DAYS], pa.timestamp("ns")),
        }
    )
    pq.write_table(table, path)
    return path


def _fdr_rows(rows: list[tuple[object, ...]]) -> list[list[object]]:
    return [list(r) for r in rows]


FDR_HEADER = ["Date", "Open", "High", "Low", "Close", "Volume"]


# -- the shipped sample ------------------------------------------------------------------------------


def test_the_sample_imports_and_reads_back_as_the_files(universe: Universe, tmp_path: Path) -> None:
    files = sorted(Path(str(p)) for p in SAMPLE.iterdir() if p.name.endswith(".csv"))
    assert [f.name for f in files] == ["005380.csv", "005930.csv", "035720.csv"]
    loaded = load_daily(files, universe)
    assert (loaded.rows, loaded.codes, loaded.span) == (
        189,
        ["005380", "005930", "035720"],
        (20211001, 20211230),
    )
    store = SqliteStore(tmp_path / HISTORY_FILE)
    write_daily(store, loaded)
    for f in files:
        with f.open(encoding="utf-8") as fh:
            want = list(csv.DictReader(fh))
        got = store.get("stock_daily", f.stem)
        assert [str(d) for d in got["date"]] == [r["date"] for r in want]
        for col in ("open", "high", "low", "close", "volume"):
            assert got[col].tolist() == [int(r[col]) for r in want], (f.name, col)
        # Derived fields: every base after the first is the previous close, no ex-date.
        assert (got["prev_close"][1:] == got["close"][:-1]).all()
        assert (got["base"][1:] == got["close"][:-1]).all()
        assert (got["change"] == got["close"] - got["base"]).all()
        assert (got["adj_factor"] == 1.0).all()
        assert (
            (got["low"] * got["volume"] <= got["value"]) & (got["value"] <= got["high"] * got["volume"])
        ).all()
    store.close()
    reopened = SqliteStore(tmp_path / HISTORY_FILE)
    assert imported_closes(reopened, ["005930", "005380", "KOSPI"]) == {
        "005930": (20211230, 78300.0),
        "005380": (20211230, 209000.0),
    }
    assert imported_closes(reopened, ["005930"], before=20211230) == {"005930": (20211229, 78800.0)}
    assert json.loads(reopened.get_meta(IMPORTED_META) or "") == {
        "codes": ["005380", "005930", "035720"],
        "first": 20211001,
        "last": 20211230,
    }
    reopened.close()


def test_sign_codes_follow_the_days_limits(universe: Universe, tmp_path: Path) -> None:
    # 2021-10-05: 70,000 base on the pre-2023 KOSPI grid; a close at the upper limit is 상한.
    up, _ = price_limits(70000, TickTableId.STOCK_OLD_KOSPI, 30)
    rows: list[tuple[object, ...]] = [("20211001", 70000, 70000, 70000, 70000, 1)]
    rows += [("20211005", 70000, up, 70000, up, 1)]
    rows += [("20211006", up, up, up, up, 0), ("20211007", up, up, 64000, 64000, 1)]
    loaded = load_daily([_write(tmp_path / "005930.csv", FDR_HEADER, _fdr_rows(rows))], universe)
    assert loaded.stock["sign"].tolist() == [Sign.FLAT, Sign.LIMIT_UP, Sign.FLAT, Sign.DOWN]
    assert loaded.stock["change"].tolist() == [0, up - 70000, 0, 64000 - up]
    assert price_limits(up, TickTableId.STOCK_OLD_KOSPI, 30)[1] < 64000  # a fall, not to the limit


# -- layouts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "name", "layout"),
    [
        (krx_file, "005930_삼성전자.csv", "KRX data portal"),
        (pykrx_file, "A005930.csv", "pykrx"),
        (fdr_file, "5930.csv", "FinanceDataReader"),
        (parquet_file, "005930.parquet", "pykrx"),
    ],
)
def test_each_layout_imports_the_same_days(
    universe: Universe, tmp_path: Path, writer: Callable[[Path], Path], name: str, layout: str
) -> None:
    path = writer(tmp_path / name)
    loaded = load_daily([path], universe)
    assert [(f.layout, f.codes, f.rows) for f in loaded.files] == [(layout, ("005930",), 5)]
    s = loaded.stock
    got = zip(s["date"], s["open"], s["high"], s["low"], s["close"], s["volume"], strict=True)
    assert [tuple(int(x) for x in row) for row in got] == [(int(d.strftime("%Y%m%d")), *p) for d, *p in DAYS]
    assert s["base"][1:].tolist() == s["close"][:-1].tolist()
    if layout == "KRX data portal":  # 대비 makes the first base exact, and 상장주식수 is the file's
        assert s["base"][0] == PREV_CLOSE
        assert (s["listed_shares"] == 5969782550).all()
        assert s["value"].tolist() == [v * c for _d, _o, _h, _l, c, v in DAYS]
        assert loaded.notes == []
    elif path.suffix == ".parquet":  # nothing to tell the first base from: its open
        assert s["base"][0] == DAYS[0][1]
    else:  # from 등락률 / Change, rounded to the tick: exact here
        assert s["base"][0] == PREV_CLOSE


def test_indices_by_key_krx_code_or_fdr_symbol(universe: Universe, tmp_path: Path) -> None:
    header = ["Date", "Open", "High", "Low", "Close", "Volume", "Amount", "Comp"]
    rows: list[list[object]] = [
        ["2021-10-01", 3000.5, 3010.25, 2990.0, 3005.123, 500000, 10**13, 5.12],
        ["2021-10-05", 3005.12, 3005.12, 2950.0, 2960.0, 600000, 10**13, -45.12],
    ]
    ks11 = _write(tmp_path / "KS11.csv", header, rows)
    krx = _write(
        tmp_path / "kospi200_2021.csv",
        ["일자", "시가", "고가", "저가", "종가", "거래량"],
        [["20211001", 400.0, 401.0, 399.0, 400.5, 1000], ["20211005", 400.0, 400.0, 390.0, 391.0, 1000]],
    )
    loaded = load_daily([ks11, krx], universe)
    ix = loaded.index
    assert ix["code"].tolist() == ["KOSPI", "KOSPI", "KOSPI200", "KOSPI200"]
    assert ix["close"].tolist() == [3005.12, 2960.0, 400.5, 391.0]
    assert ix["change"].tolist() == [5.12, -45.12, 0.0, -9.5]
    assert ix["sign"].tolist() == [Sign.UP, Sign.DOWN, Sign.FLAT, Sign.DOWN]
    assert ix["value"].tolist() == [10**13, 10**13, 0, 0]
    codes = Codes(universe)
    assert {c: codes.resolve(c).key for c in ("1001", "KS200", "kosdaq", "A005930", "5930")} == {  # type: ignore[union-attr]
        "1001": "KOSPI",
        "KS200": "KOSPI200",
        "kosdaq": "KOSDAQ",
        "A005930": "005930",
        "5930": "005930",
    }


# -- checks ------------------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line(universe: Universe, tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [
        ("20211001", 73900, 74000, 72900, 73200, 15803395),  # line 2: good
        ("20211002", 73000, 73000, 71400, 72200, 1),  # line 3: a Saturday
        ("20211004", 73000, 73000, 71400, 72200, 1),  # line 4: 개천절 대체공휴일
        ("20211005", 73050, 73100, 71400, 72200, 1),  # line 5: open off the 100-KRW grid
        ("20211006", 72600, 72800, 71200, 73000, 1),  # line 6: close above high
        ("20211007", 71600, 72100, 71300, 71600, 5),  # line 7: good
        ("20211007", 71600, 72100, 71300, 71600, 5),  # line 8: the same day again
        ("20211008", 72300, 99000, 71500, 99000, 1),  # line 9: above the upper limit of 71,600
        ("2021-13-01", 1, 1, 1, 1, 1),  # line 10: no such date
        ("20211012", "n/a", 1, 1, 1, 1),  # line 11: not a number
        ("20280104", 1, 1, 1, 1, 1),  # line 12: past the calendar
        ("20211013", 71600, 72100, 71300, 71600, -5),  # line 13: negative volume
    ]
    path = _write(tmp_path / "005930.csv", FDR_HEADER, _fdr_rows(rows))
    with pytest.raises(BadInput) as info:
        load_daily([path], universe)
    got = {p.where: p.message for p in info.value.problems}
    assert sorted(got) == sorted(f"line {n}" for n in (3, 4, 5, 6, 8, 9, 10, 11, 12, 13))
    assert "Saturday" in got["line 3"]
    assert "개천절" in got["line 4"]
    assert got["line 5"] == "not on the 2021-10-05 tick grid: open 73,050"
    assert got["line 6"].startswith("prices out of order")
    assert "volume '-5' is not a whole number" in got["line 13"]
    assert got["line 8"] == "2021-10-07 again (also line 7)"
    assert got["line 9"].startswith("outside the daily limits 50,200..93,000 of base 71,600")
    assert "--accept-limit-breaks" in got["line 9"]
    assert got["line 10"] == "date '2021-13-01' is not a date"
    assert got["line 11"] == "open 'n/a' is not a number"
    assert "outside the KRX calendar" in got["line 12"]


def test_a_limit_break_can_be_taken_as_an_ex_date(universe: Universe, tmp_path: Path) -> None:
    # A 1:5 split: 250,000 → about 50,000 the next day.
    rows: list[tuple[object, ...]] = [("20211001", 250000, 250000, 250000, 250000, 1)]
    rows.append(("20211005", 50000, 51000, 49500, 50500, 10))
    path = _write(tmp_path / "005930.csv", FDR_HEADER, _fdr_rows(rows))
    with pytest.raises(BadInput):
        load_daily([path], universe)
    s = load_daily([path], universe, accept_limit_breaks=True).stock
    assert s["base"].tolist() == [250000, 50000]
    assert s["prev_close"].tolist() == [250000, 250000]
    assert s["adj_factor"].tolist() == [1.0, 0.2]
    assert s["sign"][1] == Sign.UP


def test_unknown_codes_and_files_without_one(universe: Universe, tmp_path: Path) -> None:
    with_codes = _write(
        tmp_path / "many.csv",
        ["날짜", "티커", "시가", "고가", "저가", "종가", "거래량"],
        [["2021-10-01", "005930", 73900, 74000, 72900, 73200, 1], ["2021-10-01", "999999", 1, 1, 1, 1, 1]],
    )
    nameless = _write(tmp_path / "prices.csv", FDR_HEADER, [["2021-10-01", 1, 1, 1, 1, 1]])
    with pytest.raises(BadInput) as info:
        load_daily([with_codes, nameless], universe)
    assert [(Path(p.path).name, p.where) for p in info.value.problems] == [
        ("many.csv", "line 3"),
        ("prices.csv", ""),
    ]
    assert "'999999' is not in the universe" in info.value.problems[0].message
    assert "give --code" in info.value.problems[1].message
    assert load_daily([nameless], universe, code="KOSPI").index["code"].tolist() == ["KOSPI"]


# -- writing -----------------------------------------------------------------------------------------


def test_bad_files_leave_the_store_unchanged_and_re_imports_change_nothing(
    universe: Universe, tmp_path: Path
) -> None:
    good = fdr_file(tmp_path / "005930.csv")
    store = MemoryStore()
    write_daily(store, load_daily([good], universe))
    before = store.get("stock_daily", "005930")
    write_daily(store, load_daily([good], universe))  # the same file again: an upsert
    assert np.array_equal(store.get("stock_daily", "005930"), before)

    other = _write(tmp_path / "000660.csv", FDR_HEADER, [["2021-10-01", 100000, 101000, 99000, 100500, 5]])
    bad = _write(tmp_path / "005380.csv", FDR_HEADER, [["2021-10-01", 193500, 199000, 192000, 193550, 5]])
    data = tmp_path / "data"
    assert main(["import", "daily", str(other), str(bad), "--data-dir", str(data)]) == EXIT_BAD_INPUT
    assert not (data / HISTORY_FILE).exists()  # the good file was not written either
    assert main(["import", "daily", str(good), "--data-dir", str(data)]) == 0
    assert main(["import", "daily", str(other), str(bad), "--data-dir", str(data)]) == EXIT_BAD_INPUT
    sqlite = SqliteStore(data / HISTORY_FILE)
    assert np.array_equal(sqlite.get("stock_daily", "005930"), before)
    assert len(sqlite.get("stock_daily", "000660")) == 0
    sqlite.close()


# -- the command -------------------------------------------------------------------------------------


def test_the_command_summarises_what_it_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(p) for p in SAMPLE.iterdir() if p.name.endswith(".csv")]
    data = tmp_path / "d"
    assert main(["import", "daily", *files, "--data-dir", str(data), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "checked 3 instruments, 189 rows, 2021-10-01..2021-12-30; nothing written (--dry-run)"
    )
    assert not data.exists()
    assert main(["import", "daily", *files, "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == (
        f"imported 3 instruments, 189 rows, 2021-10-01..2021-12-30 into {data / HISTORY_FILE}"
    )
    assert "FinanceDataReader layout, 005930, 63 rows" in out
    assert "note: first row's base estimated as its open" in out


def test_the_command_names_a_missing_or_foreign_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    assert main(["import", "daily", str(missing), "--data-dir", str(tmp_path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"sise: {missing}: no such file",
        "sise: error: 1 problem(s); nothing imported",
    ]

    foreign = _write(tmp_path / "people.csv", ["name", "age"], [["kim", 3]])
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    assert main(["import", "daily", str(foreign), str(binary), "--data-dir", str(tmp_path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"sise: {foreign}: unknown layout: found columns name, age; accepted layouts:"
        " KRX data portal (일자, 시가, 고가, 저가, 종가, 거래량);"
        " pykrx (날짜, 시가, 고가, 저가, 종가, 거래량);"
        " FinanceDataReader (Date, Open, High, Low, Close, Volume)"
    )
    assert err[1] == f"sise: {binary}: is neither UTF-8 nor CP949 (EUC-KR) text, nor a Parquet file"
    assert not (tmp_path / HISTORY_FILE).exists()


def test_the_command_caps_what_it_prints_and_tells_a_store_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [[f"2021-10-{d:02d}", 1, 1, 1, 1, 1] for d in (2, 3, 9, 10)] * 20  # weekends, 80 rows
    path = _write(tmp_path / "005930.csv", FDR_HEADER, rows)
    assert main(["import", "daily", str(path), "--data-dir", str(tmp_path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == MAX_SHOWN + 2
    assert err[-2] == "sise: … and 30 more"

    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    good = fdr_file(tmp_path / "5930.csv")
    assert main(["import", "daily", str(good), "--data-dir", str(not_a_dir)]) == EXIT_STORE
    assert capsys.readouterr().err.startswith(f"sise: error: cannot use the data directory {not_a_dir}:")

    served = tmp_path / "served"
    with lock_data_dir(served):  # a running sise serve holds its data directory
        assert main(["import", "daily", str(good), "--data-dir", str(served)]) == EXIT_STORE
    assert "is using the data directory" in capsys.readouterr().err
    assert not (served / HISTORY_FILE).exists()


def test_the_docs_layout_table_is_the_codes() -> None:
    text = (DOCS / "import.md").read_text(encoding="utf-8")
    assert layouts_markdown() in text, "docs/import.md: paste `python -m sise.store.layouts`"


def test_an_unnamed_index_is_the_date(universe: Universe, tmp_path: Path) -> None:
    """``df.to_csv()`` of a DataFrame whose date index has no name, timestamps and all."""
    rows = [[f"{d.isoformat()} 00:00:00", o, h, lo, c, v] for d, o, h, lo, c, v in DAYS]
    path = _write(tmp_path / "005930.csv", ["", *FDR_HEADER[1:]], rows)
    s = load_daily([path], universe).stock
    assert s["date"].tolist() == [int(d.strftime("%Y%m%d")) for d, *_ in DAYS]
    table = pa.table({"__index_level_0__": [d.isoformat() for d, *_ in DAYS], "Open": [d[1] for d in DAYS]})
    pq.write_table(table, tmp_path / "005930.parquet")
    with pytest.raises(BadInput, match="unknown layout: found columns __index_level_0__, Open;"):
        load_daily([tmp_path / "005930.parquet"], universe)
