"""Real daily history from files (``sise import daily``): read, check every row, then write.

``load_daily`` reads the files (layouts in ``sise.store.layouts``), checks every row against the
market's own rules and builds ``stock_daily`` and ``index_daily`` rows; any bad row raises
``BadInput`` with every problem and its file line, before anything is written. ``write_daily``
then puts each table in one call (an upsert, so importing a file again changes nothing).
``imported_closes`` gives the last stored close of given codes, where a server starts from.

Rows are grouped by instrument over all the files of one import and sorted by date, so a month
per file imports like one file. What a row must satisfy, and how its derived fields are filled,
is in ``docs/import.md``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.market import calendar
from sise.market.limits import limit_rate_pct, price_limits_array, sign_codes
from sise.market.ticks import TickTableId, on_tick, round_down, round_up, tick_table_for
from sise.market.timeutil import yyyymmdd
from sise.market.types import InstrumentKind, Market, Sign
from sise.market.universe import Universe
from sise.store.base import INDEX_DAILY, STOCK_DAILY, HistoryStore, Rows
from sise.store.layouts import InputError, Sheet, read_sheet

I64 = npt.NDArray[np.int64]

#: FinanceDataReader's index symbols and the index keys they stand for.
FDR_INDEX_SYMBOLS: Final = {
    "KS11": "KOSPI",
    "KQ11": "KOSDAQ",
    "KS50": "KOSPI50",
    "KS100": "KOSPI100",
    "KS200": "KOSPI200",
}
_PRICES: Final = ("open", "high", "low", "close")
#: The store's meta value listing what was imported: ``{"codes": [...], "first": YYYYMMDD,
#: "last": YYYYMMDD}`` over every import into it.
IMPORTED_META: Final = "imported"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file, or one of its rows, cannot be imported."""

    path: str
    where: str  # "line 12" (CSV), "row 3" (Parquet) or "" for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: {self.message}" if self.where else f"{self.path}: {self.message}"


class BadInput(Exception):
    """The files cannot be imported as they are; ``problems`` says why, every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s); the first: {self.problems[0]}")


@dataclass(frozen=True, slots=True)
class Target:
    """What a row is of: an instrument (its code and number) or an index (its key)."""

    key: str
    is_index: bool
    number: int = -1


@dataclass(frozen=True, slots=True)
class FileSummary:
    path: Path
    layout: str
    codes: tuple[str, ...]
    rows: int


@dataclass(slots=True)
class Loaded:
    """Checked rows, ready to write, and what was estimated on the way."""

    stock: Rows
    index: Rows
    files: list[FileSummary]
    notes: list[str]

    @property
    def codes(self) -> list[str]:
        return sorted({*self.stock["code"].tolist(), *self.index["code"].tolist()})

    @property
    def rows(self) -> int:
        return len(self.stock) + len(self.index)

    @property
    def span(self) -> tuple[int, int]:
        """First and last date (YYYYMMDD) of the rows."""
        dates = np.concatenate([self.stock["date"], self.index["date"]])
        return int(dates.min()), int(dates.max())


class Codes:
    """The instruments and indices of a universe, by every name a file may give them."""

    def __init__(self, universe: Universe) -> None:
        self.universe = universe
        self.indices: dict[str, str] = {}
        for d in universe.indices:
            self.indices[d.key.upper()] = d.key
            self.indices[d.krx_code] = d.key
        for symbol, key in FDR_INDEX_SYMBOLS.items():
            if key in self.indices.values():
                self.indices[symbol] = key

    def resolve(self, text: str) -> Target | None:
        """The instrument or index ``text`` names: an index key (``KOSPI200``), KRX index code
        (``1028``) or FinanceDataReader symbol (``KS200``); a stock, ETF or ETN code, also as
        ``A005930`` or with its leading zeros lost (``5930``)."""
        t = text.strip().upper()
        if t in self.indices:
            return Target(self.indices[t], True)
        if len(t) == 7 and t.startswith("A"):
            t = t[1:]
        if t.isdigit() and len(t) < 6:
            t = t.zfill(6)
        i = self.universe.by_code(t)
        if i is None or self.universe.instruments.kind[i] > InstrumentKind.ETN:
            return None
        return Target(self.universe.instruments.code[i], False, i)

    def from_file_name(self, path: Path) -> Target | None:
        """The code a file is named after: its whole stem (``KOSPI_LARGE.csv``) or the part before
        the first ``_``, ``-``, ``.`` or space (``005930_삼성전자.csv``)."""
        stem = path.stem
        head = stem
        for sep in ("_", "-", ".", " "):
            head = head.split(sep)[0]
        return self.resolve(stem) or self.resolve(head)


@dataclass(slots=True)
class _Row:
    path: str
    where: str
    day: date
    open: float
    high: float
    low: float
    close: float
    volume: int
    value: int | None
    change: float | None
    rate: float | None
    mktcap: int | None
    listed: int | None
    rate_per_unit: float


@dataclass(slots=True)
class _Notes:
    """What was estimated or assumed, by kind, with the codes it applies to."""

    by_kind: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, code: str) -> None:
        if code not in self.by_kind[kind]:
            self.by_kind[kind].append(code)

    def lines(self) -> list[str]:
        return [f"{kind}: {', '.join(codes)}" for kind, codes in self.by_kind.items()]


def load_daily(
    paths: Sequence[Path],
    universe: Universe,
    *,
    code: str | None = None,
    accept_limit_breaks: bool = False,
) -> Loaded:
    """Read and check ``paths``; ``BadInput`` lists every problem of every file.

    ``code`` names the instrument of files that have no code column (otherwise the file name
    does). ``accept_limit_breaks`` takes a row outside the daily limits of the previous close as
    an ex-date (a corporate action) instead of an error.
    """
    codes = Codes(universe)
    problems: list[Problem] = []
    forced: Target | None = None
    if code is not None:
        forced = codes.resolve(code)
        if forced is None:
            raise BadInput([Problem("--code", "", f"{code!r} is not an instrument or index of the universe")])
    groups: dict[Target, list[_Row]] = defaultdict(list)
    files: list[FileSummary] = []
    for path in paths:
        try:
            sheet = read_sheet(path)
        except InputError as err:
            problems.append(Problem(str(path), "", str(err)))
            continue
        before = len(problems)
        parsed = _rows(sheet, codes, forced, problems)
        if len(problems) == before:
            keys = tuple(sorted({t.key for t, _ in parsed}))
            files.append(FileSummary(path, sheet.layout.title, keys, len(parsed)))
        for target, row in parsed:
            groups[target].append(row)
    notes = _Notes()
    stock_parts: list[Rows] = []
    index_parts: list[Rows] = []
    for target, rows in groups.items():
        rows.sort(key=lambda r: r.day)
        ok = _calendar_and_duplicates(rows, problems)
        if target.is_index:
            index_parts.append(_index_rows(target, ok, problems, notes))
        else:
            stock_parts.append(_stock_rows(target, ok, universe, accept_limit_breaks, problems, notes))
    if problems:
        raise BadInput(problems)
    stock = np.concatenate(stock_parts) if stock_parts else np.zeros(0, STOCK_DAILY)
    index = np.concatenate(index_parts) if index_parts else np.zeros(0, INDEX_DAILY)
    return Loaded(stock, index, files, notes.lines())


def write_daily(store: HistoryStore, loaded: Loaded) -> None:
    """Put the checked rows (one ``put`` per table, an upsert by (code, date)), add them to the
    ``imported`` meta value, and wait until the store has committed them."""
    if len(loaded.stock):
        store.put("stock_daily", loaded.stock)
    if len(loaded.index):
        store.put("index_daily", loaded.index)
    first, last = loaded.span
    codes = set(loaded.codes)
    if (was := store.get_meta(IMPORTED_META)) is not None:
        old = json.loads(was)
        codes |= set(old["codes"])
        first, last = min(first, old["first"]), max(last, old["last"])
    store.set_meta(IMPORTED_META, json.dumps({"codes": sorted(codes), "first": first, "last": last}))
    store.flush()


def imported_closes(
    store: HistoryStore, codes: Iterable[str], *, before: int | None = None
) -> dict[str, tuple[int, float]]:
    """Per code with history, its last (date, close) before ``before`` (YYYYMMDD, exclusive; all
    rows when None): ``stock_daily`` for instrument codes, ``index_daily`` for index keys. A
    server continuing from imported history opens its first day on these closes."""
    end = None if before is None else before - 1
    out: dict[str, tuple[int, float]] = {}
    for c in codes:
        for table in ("stock_daily", "index_daily"):
            rows = store.get(table, c, end=end)
            if len(rows):
                out[c] = (int(rows["date"][-1]), float(rows["close"][-1]))
                break
    return out


# -- reading -----------------------------------------------------------------------------------------


def _rows(
    sheet: Sheet, codes: Codes, forced: Target | None, problems: list[Problem]
) -> list[tuple[Target, _Row]]:
    path = str(sheet.path)
    column = sheet.cells.get("code")
    file_target: Target | None = None
    if column is not None and forced is not None:
        problems.append(Problem(path, "", "has a code column; --code is only for files without one"))
        return []
    if column is None:
        file_target = forced or codes.from_file_name(sheet.path)
        if file_target is None:
            problems.append(
                Problem(
                    path,
                    "",
                    f"has no code column and its name {sheet.path.name!r} names no instrument or index of"
                    " the universe: give --code, or name the file after the code (005930.csv, KOSPI.csv)",
                )
            )
            return []
    if not len(sheet):
        problems.append(Problem(path, "", "has no data rows"))
        return []
    out: list[tuple[Target, _Row]] = []
    for k, number in enumerate(sheet.numbers):
        where = f"{sheet.where} {number}"
        target = file_target
        if column is not None:
            target = codes.resolve(column[k])
            if target is None:
                problems.append(Problem(path, where, f"code {column[k]!r} is not in the universe"))
                continue
        assert target is not None
        row = _parse(sheet, k, path, where, problems)
        if row is not None:
            out.append((target, row))
    return out


def _parse(sheet: Sheet, k: int, path: str, where: str, problems: list[Problem]) -> _Row | None:
    cells = {f: col[k].strip() for f, col in sheet.cells.items()}
    bad: list[str] = []

    def number(f: str, required: bool = False) -> float | None:
        text = cells.get(f, "")
        if not text:
            if required:
                bad.append(f"{f} is empty")
            return None
        value = _number(text)
        if value is None:
            bad.append(f"{f} {text!r} is not a number")
        return value

    day = _date(cells["date"])
    if day is None:
        bad.append(f"date {cells['date']!r} is not a date")
    prices = [number(f, True) for f in _PRICES]
    volume = number("volume", True)
    value, change, rate = number("value"), number("change"), number("rate")
    mktcap, listed = number("mktcap"), number("listed_shares")
    for f, v in (("volume", volume), ("value", value), ("mktcap", mktcap), ("listed_shares", listed)):
        if v is not None and (v != int(v) or v < 0):
            bad.append(f"{f} {cells[f]!r} is not a whole number ≥ 0")
    if bad:
        problems.append(Problem(path, where, "; ".join(bad)))
        return None
    assert day is not None and volume is not None
    o, h, lo, c = (float(p) for p in prices if p is not None)
    return _Row(
        path,
        where,
        day,
        o,
        h,
        lo,
        c,
        int(volume),
        None if value is None else int(value),
        change,
        rate,
        None if mktcap is None else int(mktcap),
        None if listed is None else int(listed),
        sheet.layout.rate_per_unit,
    )


def _number(text: str) -> float | None:
    s = text.replace(",", "").replace(" ", "").removeprefix("+")
    try:
        return int(s)
    except ValueError:
        pass
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _date(text: str) -> date | None:
    s = text.strip()
    if len(s) > 10 and s[10] in " T":  # a timestamp of midnight
        s = s[:10]
    digits = s.replace("-", "").replace("/", "").replace(".", "")
    if len(digits) != 8 or not digits.isdigit() or (len(s) != 8 and len(s) != 10):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


# -- checks and derived fields ------------------------------------------------------------------------


def _calendar_and_duplicates(rows: list[_Row], problems: list[Problem]) -> list[_Row]:
    """The rows on KRX trading days, each date once; the others are problems."""
    ok: list[_Row] = []
    for r in rows:
        if not calendar.covers(r.day):
            span = f"{calendar.FIRST_DATE}..{calendar.LAST_DATE}"
            _fail(problems, r, f"{r.day} is outside the KRX calendar ({span})")
        elif not calendar.is_trading_day(r.day):
            _fail(problems, r, f"{r.day} is not a KRX trading day ({_closed(r.day)})")
        elif ok and ok[-1].day == r.day:
            seen = ok[-1]
            also = seen.where if seen.path == r.path else f"{seen.path} {seen.where}"
            _fail(problems, r, f"{r.day} again (also {also})")
        else:
            ok.append(r)
    return ok


def _fail(problems: list[Problem], row: _Row, message: str) -> None:
    problems.append(Problem(row.path, row.where, message))


def _closed(d: date) -> str:
    if d.weekday() >= 5:
        return d.strftime("%A")
    return dict(calendar.holidays(d.year)).get(d, "a KRX holiday")


def _stock_rows(
    target: Target,
    rows: list[_Row],
    universe: Universe,
    accept_limit_breaks: bool,
    problems: list[Problem],
    notes: _Notes,
) -> Rows:
    t = universe.instruments
    i = target.number
    kind, market, leverage = InstrumentKind(t.kind[i]), Market(t.market[i]), int(t.leverage[i])
    n = len(rows)
    out = np.zeros(n, STOCK_DAILY)
    if not n:
        return out
    px = np.zeros((4, n), np.int64)
    for k, r in enumerate(rows):
        values = [r.open, r.high, r.low, r.close]
        if r.volume == 0 and r.open == r.high == r.low == 0:
            values[:3] = [r.close] * 3  # no trade that day: KRX shows 0 for open, high and low
        for j, (f, v) in enumerate(zip(_PRICES, values, strict=True)):
            if v <= 0 or v != int(v):
                _fail(problems, r, f"{f} {v:,} is not a whole number of KRW > 0")
            px[j, k] = int(v) if v == int(v) else 0
        o, h, lo, c = px[:, k]
        if not lo <= min(o, c) or not max(o, c) <= h:
            _fail(
                problems, r, f"prices out of order: low {lo:,} ≤ open {o:,}, close {c:,} ≤ high {h:,} fails"
            )
    days = [r.day for r in rows]
    tables = np.array([tick_table_for(kind, market, d) for d in days], np.intp)
    rates = np.array([limit_rate_pct(market, d, kind, leverage) or 0 for d in days], np.int64)
    positive = (px > 0).all(axis=0)
    off = positive & ~on_tick(px, tables[None, :]).all(axis=0)
    for m in np.flatnonzero(off):
        table = TickTableId(int(tables[m]))
        wrong = [f"{f} {int(px[j, m]):,}" for j, f in enumerate(_PRICES) if not on_tick(px[j, m], table)]
        _fail(problems, rows[m], f"not on the {days[m]} tick grid: {', '.join(wrong)}")

    open_, high, low, close = px
    base, exact = _bases(target.key, rows, close, open_, tables, notes)
    for m in np.flatnonzero(positive & (base <= 0)):
        _fail(problems, rows[m], f"base {int(base[m]):,} (close − 대비) is not > 0")
    prev_close = np.concatenate([[base[0]], close[:-1]])
    valid = positive & (base > 0)
    upper, lower = price_limits_array(np.where(valid, base, 1), tables, rates)
    breaks = valid & exact & ((high > upper) | (low < lower))
    for m in np.flatnonzero(breaks):
        from_change = rows[m].change is not None
        if accept_limit_breaks and not from_change:
            base[m] = open_[m]  # an ex-date: the day's base is the theoretical price, the open its estimate
            notes.add("limit breaks taken as ex-dates (base = open)", f"{target.key} {days[m]}")
            continue
        hint = "" if from_change else " (--accept-limit-breaks takes it as an ex-date)"
        _fail(
            problems,
            rows[m],
            f"outside the daily limits {int(lower[m]):,}..{int(upper[m]):,} of base {int(base[m]):,}:"
            f" low {int(low[m]):,}, high {int(high[m]):,}{hint}",
        )
    upper, lower = price_limits_array(np.where(base > 0, base, 1), tables, rates)
    # A base other than the previous close is an ex-date: the adjustment factor moves by their ratio.
    ratio = np.where(prev_close > 0, base / np.maximum(prev_close, 1), 1.0)
    ratio[0] = 1.0

    out["code"] = target.key
    out["date"] = [yyyymmdd(d) for d in days]
    out["base"] = base
    out["prev_close"] = prev_close
    out["open"], out["high"], out["low"], out["close"] = open_, high, low, close
    out["change"] = close - base
    out["sign"] = sign_codes(close, base, upper, lower)
    out["volume"] = [r.volume for r in rows]
    if any(r.value is None for r in rows):
        notes.add("value estimated as volume × (high + low + close) / 3 (no 거래대금 column)", target.key)
    out["value"] = [
        r.value if r.value is not None else r.volume * int(high[k] + low[k] + close[k]) // 3
        for k, r in enumerate(rows)
    ]
    if any(r.listed is None for r in rows):
        notes.add("listed shares from the universe (no 상장주식수 column)", target.key)
    out["listed_shares"] = [r.listed if r.listed is not None else int(t.listed_shares[i]) for r in rows]
    out["adj_factor"] = np.cumprod(ratio)
    return out


def _bases(
    code: str, rows: list[_Row], close: I64, open_: I64, tables: npt.NDArray[np.intp], notes: _Notes
) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Each row's base price and whether it is known rather than estimated.

    KRX's 대비 is against the base, so ``close − 대비`` is the base itself (an ex-date's too).
    Without it the base is the previous row's close; limits are only checked against it when
    that row is the previous trading day. A first row without 대비 has its base estimated: from
    등락률 (rounded to the nearest tick), else its open.
    """
    n = len(rows)
    base = np.zeros(n, np.int64)
    exact = np.zeros(n, np.bool_)
    for k, r in enumerate(rows):
        if r.change is not None and r.change == int(r.change):
            base[k] = close[k] - int(r.change)
            exact[k] = True
        elif k > 0:
            base[k] = close[k - 1]
            exact[k] = calendar.previous_trading_day(r.day) == rows[k - 1].day
            if not exact[k]:
                notes.add("days missing between rows (limits not checked across them)", code)
        elif r.rate is not None and r.rate > -r.rate_per_unit:
            raw = float(close[k]) / (1 + r.rate / r.rate_per_unit)
            table = TickTableId(int(tables[k]))
            down, up = round_down(math.floor(raw), table), round_up(math.ceil(raw), table)
            base[k] = up if up - raw < raw - down else down
            notes.add("first row's base estimated from 등락률", code)
        else:
            base[k] = open_[k]
            notes.add("first row's base estimated as its open (no 대비 or 등락률)", code)
    return base, exact


def _index_rows(target: Target, rows: list[_Row], problems: list[Problem], notes: _Notes) -> Rows:
    n = len(rows)
    out = np.zeros(n, INDEX_DAILY)
    if not n:
        return out
    # Levels are published to 2 dp; a file written through floats may carry more.
    px = np.round(np.array([[r.open, r.high, r.low, r.close] for r in rows], np.float64).T, 2)
    for k, r in enumerate(rows):
        o, h, lo, c = px[:, k]
        if min(o, h, lo, c) <= 0:
            _fail(problems, r, f"levels must be > 0: open {o}, high {h}, low {lo}, close {c}")
        elif not lo <= min(o, c) or not max(o, c) <= h:
            _fail(problems, r, f"levels out of order: low {lo} ≤ open {o}, close {c} ≤ high {h} fails")
    close = px[3]
    change = np.zeros(n, np.float64)
    for k, r in enumerate(rows):
        if r.change is not None:
            change[k] = r.change
        elif k > 0:
            change[k] = close[k] - close[k - 1]
        elif r.rate is not None and r.rate > -r.rate_per_unit:
            change[k] = close[k] - close[k] / (1 + r.rate / r.rate_per_unit)
            notes.add("first row's change estimated from 등락률", target.key)
        else:
            notes.add("first row's change unknown, stored as 0", target.key)
    change = np.round(change, 2)
    out["code"] = target.key
    out["date"] = [yyyymmdd(r.day) for r in rows]
    out["open"], out["high"], out["low"], out["close"] = px
    out["change"] = change
    out["sign"] = np.where(change > 0, Sign.UP, np.where(change < 0, Sign.DOWN, Sign.FLAT))
    out["volume"] = [r.volume for r in rows]
    out["value"] = [r.value or 0 for r in rows]
    out["mktcap"] = [r.mktcap or 0 for r in rows]
    notes.add("index rows without constituents, breadth or listed shares (stored as 0)", target.key)
    return out
