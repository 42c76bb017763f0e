"""The daily OHLCV file layouts ``sise import daily`` reads, and reading such a file into text cells.

A layout names, for each field of a daily row, the column headers that carry it. The file's
header row decides the layout: the first layout of ``LAYOUTS`` whose required columns are all
there. Headers are compared without surrounding spaces, a byte-order mark or case; columns that
no field names are ignored. ``layouts_markdown()`` is the table of ``docs/import.md``.

A file is CSV (UTF-8, with or without a byte-order mark, or CP949/EUC-KR as the KRX data portal
exports it) or Parquet (recognised by its magic bytes, whatever the file name). A DataFrame
written with its index keeps the index as its first column: an unnamed first column (pandas'
``Unnamed: 0``, pyarrow's ``__index_level_0__``, or an empty header) is taken as the date.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

#: Fields a layout must have, in the order the docs list them.
REQUIRED: Final = ("date", "open", "high", "low", "close", "volume")
#: Every field a layout may name, with what it means (the docs' legend).
FIELDS: Final[Mapping[str, str]] = {
    "date": "trading day (YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD or YYYY.MM.DD)",
    "code": "instrument code or index key; else `--code` or the file name",
    "open": "KRW (stocks) or points (indices)",
    "high": "as open",
    "low": "as open",
    "close": "as open",
    "volume": "shares",
    "value": "거래대금, KRW",
    "change": "대비: close − base price, KRW or points",
    "rate": "등락률 (the pykrx and KRX layouts in percent, FinanceDataReader's `Change` as a fraction)",
    "mktcap": "상장시가총액, KRW: kept for indices, not stored for stocks",
    "listed_shares": "상장주식수",
}
#: Headers of a DataFrame index written without a name.
UNNAMED_INDEX: Final = ("", "unnamed: 0", "__index_level_0__")


@dataclass(frozen=True, slots=True)
class Layout:
    key: str
    title: str
    source: str  # what writes such a file
    headers: Mapping[str, tuple[str, ...]]  # field -> accepted headers, the usual one first
    rate_per_unit: float  # the rate column's value for +100 %: 100 (percent) or 1 (a fraction)


LAYOUTS: Final[tuple[Layout, ...]] = (
    Layout(
        "krx",
        "KRX data portal",
        "data.krx.co.kr 개별종목 시세 추이 / 개별지수 시세 추이, CSV download",
        {
            "date": ("일자",),
            "code": ("종목코드",),
            "open": ("시가",),
            "high": ("고가",),
            "low": ("저가",),
            "close": ("종가",),
            "volume": ("거래량",),
            "value": ("거래대금",),
            "change": ("대비",),
            "rate": ("등락률",),
            "mktcap": ("시가총액", "상장시가총액"),
            "listed_shares": ("상장주식수",),
        },
        100.0,
    ),
    Layout(
        "pykrx",
        "pykrx",
        "`stock.get_market_ohlcv(from, to, ticker)` or `get_index_ohlcv`, `to_csv()` / `to_parquet()`",
        {
            "date": ("날짜",),
            "code": ("티커", "종목코드"),
            "open": ("시가",),
            "high": ("고가",),
            "low": ("저가",),
            "close": ("종가",),
            "volume": ("거래량",),
            "value": ("거래대금",),
            "rate": ("등락률",),
            "mktcap": ("상장시가총액", "시가총액"),
        },
        100.0,
    ),
    Layout(
        "fdr",
        "FinanceDataReader",
        "`fdr.DataReader(code, start, end)`, `to_csv()` / `to_parquet()`",
        {
            "date": ("Date",),
            "code": ("Code", "Symbol", "Ticker"),
            "open": ("Open",),
            "high": ("High",),
            "low": ("Low",),
            "close": ("Close",),
            "volume": ("Volume",),
            "value": ("Amount",),
            "change": ("Comp", "Changes"),
            "rate": ("Change",),
            "mktcap": ("MarCap",),
            "listed_shares": ("Shares", "Stocks"),
        },
        1.0,
    ),
)


class InputError(ValueError):
    """A file that cannot be read as a daily OHLCV table (missing, undecodable, unknown layout)."""


@dataclass(slots=True)
class Sheet:
    """A file's data rows as text cells, by field."""

    path: Path
    layout: Layout
    where: str  # "line" (CSV: the physical line) or "row" (Parquet: the data row, from 1)
    numbers: list[int]  # where each data row is
    cells: dict[str, list[str]]  # field -> one text cell per data row ("" when empty)

    def __len__(self) -> int:
        return len(self.numbers)


def read_sheet(path: Path) -> Sheet:
    """``path`` as a ``Sheet``; ``InputError`` with one clear sentence when it cannot be."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file") from None
    except OSError as err:
        raise InputError(f"cannot be read: {err.strerror or err}") from None
    if data[:4] == b"PAR1":
        header, columns = _parquet_columns(data)
        return _sheet(path, header, columns, "row", list(range(1, len(columns[0]) + 1)) if columns else [])
    text = _decode(data)
    rows = [(n, row) for n, row in _csv_rows(text) if any(cell.strip() for cell in row)]
    if not rows:
        raise InputError("is empty")
    (_, header), body = rows[0], rows[1:]
    width = len(header)
    columns = [[row[i] if i < len(row) else "" for _, row in body] for i in range(width)]
    return _sheet(path, header, columns, "line", [n for n, _ in body])


def detect(header: Sequence[str]) -> tuple[Layout, dict[str, int]]:
    """The layout of a header row and the column of each field it has; ``InputError`` naming the
    columns found and the layouts accepted when none fits."""
    names = [_norm(h) for h in header]
    for layout in LAYOUTS:
        found: dict[str, int] = {}
        for field, accepted in layout.headers.items():
            for h in accepted:
                if _norm(h) in names:
                    found[field] = names.index(_norm(h))
                    break
        if "date" not in found and names and names[0] in UNNAMED_INDEX:
            found["date"] = 0
        if all(f in found for f in REQUIRED):
            return layout, found
    shown = ", ".join(h.strip() or "(unnamed)" for h in header) or "none"
    layouts = "; ".join(f"{lay.title} ({', '.join(lay.headers[f][0] for f in REQUIRED)})" for lay in LAYOUTS)
    raise InputError(f"unknown layout: found columns {shown}; accepted layouts: {layouts}")


def layouts_markdown() -> str:
    """The layout table of ``docs/import.md``: one row per field, one column per layout."""
    lines = [
        "| field | " + " | ".join(f"{lay.title}" for lay in LAYOUTS) + " | meaning |",
        "|---|" + "---|" * len(LAYOUTS) + "---|",
    ]
    for field, meaning in FIELDS.items():
        cells = [" / ".join(f"`{h}`" for h in lay.headers.get(field, ())) or "—" for lay in LAYOUTS]
        name = f"**{field}**" if field in REQUIRED else field
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {meaning} |")
    lines.append("| written by | " + " | ".join(lay.source for lay in LAYOUTS) + " | |")
    return "\n".join(lines) + "\n"


def _norm(header: str) -> str:
    return header.strip().lstrip("\ufeff").strip().casefold()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("is neither UTF-8 nor CP949 (EUC-KR) text, nor a Parquet file")


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for row in reader:
            out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as err:
        raise InputError(f"line {reader.line_num}: not CSV: {err}") from None
    return out


def _parquet_columns(data: bytes) -> tuple[list[str], list[list[str]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"is not a readable Parquet file: {err}") from None
    return list(table.column_names), [[_text(v) for v in col.to_pylist()] for col in table.columns]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sheet(path: Path, header: list[str], columns: list[list[str]], where: str, numbers: list[int]) -> Sheet:
    layout, found = detect(header)
    cells = {field: columns[i] for field, i in found.items()}
    return Sheet(path, layout, where, numbers, cells)


if __name__ == "__main__":  # pragma: no cover - prints the docs table
    sys.stdout.write(layouts_markdown())
