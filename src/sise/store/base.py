"""The history store interface and the daily table schemas.

Every API that answers with history (Kiwoom ka20006/ka20009 index rows, ka10051 with ``base_dt``,
ka10081 charts; Koscom ``/history``, ``/investors``, ``/shortsell``, ``/foreignhistory``,
``/closenav`` …) reads it through ``HistoryStore`` and nothing else, so the in-memory store, SQLite
and PostgreSQL are interchangeable behind it.

A *table* is a set of daily rows, each a numpy structured record keyed by

* ``code`` — the instrument code (``005930``) or the index key (``KOSPI200``): strings, so keys
  stay valid across universes and restarts, unlike instrument numbers;
* ``date`` — the trading day as an int ``YYYYMMDD``.

One row per (code, date); writing a row for an existing key replaces it (upsert). Units are raw:
shares and KRW, index points as floats rounded to 2 dp. Views convert to 천주 / 백만원 / ×100
integers when they format. Sub-array fields are ordered by ``sise.market.types.Investor`` (12
leaves) or by the engine's program cells ``[side (0 buy, 1 sell), kind (0 차익, 1 비차익),
account (0 위탁, 1 자기)]``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from sise.market.types import N_INVESTORS

Rows = npt.NDArray[np.void]

#: Widest code a table holds: 6-character stock codes, 8-character derivative codes, index keys
#: such as ``KOSDAQ_IND_012``.
CODE_WIDTH: Final = 16
CODE_DTYPE: Final = np.dtype(f"<U{CODE_WIDTH}")
DATE_DTYPE: Final = np.dtype(np.int32)

_KEY: Final = [("code", CODE_DTYPE), ("date", DATE_DTYPE)]

#: Daily bar of every instrument (stocks, ETFs, ETNs), KRX venue.
STOCK_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("base", np.int64),  # 기준가 (KRW): previous close, or the theoretical ex-price
        ("prev_close", np.int64),  # previous day's close (KRW), unadjusted
        ("open", np.int64),  # KRW
        ("high", np.int64),  # KRW
        ("low", np.int64),  # KRW
        ("close", np.int64),  # KRW
        ("change", np.int64),  # close − base (KRW): KRX 대비 is against the base price
        ("sign", np.int8),  # 대비기호 1 상한, 2 상승, 3 보합, 4 하한, 5 하락 (against base and limits)
        ("volume", np.int64),  # shares
        ("value", np.int64),  # KRW, Σ price × qty
        ("listed_shares", np.int64),  # shares listed that day (after any action effective that day)
        # Cumulative product of the price factors (ex-price / previous close) of every corporate
        # action effective on or before this date; 1.0 before the first. The adjusted (수정주가)
        # price of a row as of a later row L is ``price × adj_factor[L] / adj_factor[row]``, so
        # appending days never rewrites old rows.
        ("adj_factor", np.float64),
    ]
)

#: Daily row of every index, keyed by index key (``IndexDef.key``).
INDEX_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("open", np.float64),  # points, 2 dp
        ("high", np.float64),
        ("low", np.float64),
        ("close", np.float64),
        ("change", np.float64),  # close − previous close, points, 2 dp
        ("sign", np.int8),  # 2 up, 3 flat, 5 down (indices have no limits)
        ("volume", np.int64),  # shares, Σ over constituents
        ("value", np.int64),  # KRW, Σ over constituents
        ("mktcap", np.int64),  # KRW, Σ close × listed shares (not float-adjusted)
        ("listed_shares", np.int64),  # Σ listed shares of the constituents
        ("constituents", np.int32),  # number of constituents
        ("signs", np.int32, (5,)),  # constituents by sign code 1..5 (상한, 상승, 보합, 하한, 하락)
    ]
)

#: Investor flows per instrument and per index (index rows are sums over constituents).
#: Per row Σ buy_qty = Σ sell_qty = volume and Σ buy_val = Σ sell_val = value.
INVESTOR_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("buy_qty", np.int64, (N_INVESTORS,)),  # shares bought, per Investor leaf
        ("sell_qty", np.int64, (N_INVESTORS,)),  # shares sold
        ("buy_val", np.int64, (N_INVESTORS,)),  # KRW bought
        ("sell_val", np.int64, (N_INVESTORS,)),  # KRW sold
    ]
)

#: Program trading per instrument and per index. 전체 = 차익 + 비차익 and 합계 = 위탁 + 자기 are
#: sums of these cells and are not stored.
PROGRAM_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("qty", np.int64, (2, 2, 2)),  # shares [side, kind, account]
        ("val", np.int64, (2, 2, 2)),  # KRW [side, kind, account]
    ]
)

#: Short selling per instrument.
SHORT_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("short_qty", np.int64),  # shares sold short that day (≤ volume)
        ("short_val", np.int64),  # KRW
        ("balance_qty", np.int64),  # 공매도잔고 at the end of the day, shares
        ("balance_val", np.int64),  # balance × close, KRW
        ("loan_qty", np.int64),  # 대차잔고 (stock-loan balance), shares
    ]
)

#: Foreign ownership per stock.
FOREIGN_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("holdings", np.int64),  # shares held by foreigners (외국인 + 기타외국인) at the close
        ("limit_qty", np.int64),  # 한도수량, shares (listed shares where no statutory cap)
        ("ratio", np.float64),  # 지분율, % of listed shares, 2 dp
        ("exhaustion", np.float64),  # 한도소진률, % of the limit, 2 dp
    ]
)

#: ETF NAV (ETN indicative value) per product.
NAV_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("nav", np.float64),  # KRW per unit, 2 dp
        ("index_level", np.float64),  # level of the tracked index (leveraged/inverse variant), 2 dp
    ]
)
#: Where a product's ``index_level`` is not an index of the universe (a leveraged or inverse
#: variant, a sector basket, a foreign underlying…) it is compounded from this level.
SYNTHETIC_INDEX_BASE: Final = 1000.0

#: Corporate actions, keyed by the ex-date (the first day the new base price applies).
CORPORATE_ACTIONS: Final = np.dtype(
    [
        *_KEY,
        ("kind", np.int16),  # Kiwoom upd_stkpc_tp: 1 유상증자 (rights issue), 8 액면분할 (split), …
        ("ratio", np.float64),  # shares after / shares before
        ("price", np.int64),  # theoretical ex-price = that day's base price (KRW)
        ("prev_close", np.int64),  # close before the ex-date (KRW)
        ("issue_price", np.int64),  # rights-issue subscription price (KRW); 0 otherwise
        ("shares_before", np.int64),
        ("shares_after", np.int64),
    ]
)

#: Daily bar of every futures contract and 연결선물 (continuous front-month) code (Koscom futures
#: ``/history``, KRX [15001] columns). Contracts are keyed by their 8-character short code; a
#: continuous code such as ``K2FA001`` has one row per day whose ``contract`` names the front
#: contract it stood for. Prices are raw price units as the contracts quote them: 0.01 pt for
#: index and KTB futures, 0.01 KRW for USD futures, KRW for stock futures. Not a standard table:
#: ``register_futures_table`` adds it to a store as ``FUTURES_TABLE``.
FUTURES_DAILY: Final = np.dtype(
    [
        *_KEY,  # code: contract or continuous code (K2FA001)
        ("open", np.int64),  # price units
        ("high", np.int64),
        ("low", np.int64),
        ("close", np.int64),
        ("settle", np.int64),  # daily settlement price (정산가), price units
        ("volume", np.int64),  # contracts
        ("value", np.int64),  # KRW
        ("open_interest", np.int64),  # contracts at the end of the day
        ("spot", np.float64),  # underlying close: index points, KRW per USD, KTB yield in %, KRW
        ("contract", "<U8"),  # continuous rows: the front contract that day; else the code itself
    ]
)
FUTURES_TABLE: Final = "futures_daily"

#: Members ranked per side in ``member_daily``: the five a vendor's 거래원 answer shows.
TOP_MEMBERS: Final = 5
#: Width of a member-firm code (``sise.market.universe.Member.code``, ``00005``).
MEMBER_CODE_WIDTH: Final = 5

#: The day's most active member firms (거래원) per instrument, KRX: the top ``TOP_MEMBERS`` by
#: shares on each side, most first, ties to the lower member number (``Engine.member_ranking``).
#: Past the last member that traded, codes are "" and quantities 0. The engine counts member
#: shares, not values, so there is no value column. Members are stored by code, which stays valid
#: when the member list changes, unlike the engine's member numbers.
MEMBER_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("sell_member", f"<U{MEMBER_CODE_WIDTH}", (TOP_MEMBERS,)),  # member codes
        ("sell_qty", np.int64, (TOP_MEMBERS,)),  # shares sold by each
        ("buy_member", f"<U{MEMBER_CODE_WIDTH}", (TOP_MEMBERS,)),
        ("buy_qty", np.int64, (TOP_MEMBERS,)),  # shares bought by each
    ]
)

#: Index slots of ``universe_daily.indices``: at most this many indices a day.
INDEX_SLOTS: Final = 128

#: The cash universe (stocks, ETFs, ETNs) as of each day: what changes with listings, delistings
#: and corporate actions. ``indices`` marks the instrument's indices that day as a bitmap: bit
#: ``s`` (byte ``s // 8``, bit ``s % 8``, ``index_bits``) stands for the index whose
#: ``index_def_daily.slot`` is ``s`` on the same date.
UNIVERSE_DAILY: Final = np.dtype(
    [
        *_KEY,
        ("market", np.int8),  # sise.market.types.Market
        ("kind", np.int8),  # sise.market.types.InstrumentKind
        ("industry", "<U16"),  # KRX industry name; "" for ETFs and ETNs
        ("active", np.bool_),  # listed that day (a delisted instrument keeps its rows, False)
        ("nxt", np.bool_),  # also trades on NXT
        ("listed_shares", np.int64),  # shares
        ("float_shares", np.int64),  # round(listed × float ratio): its weight in float-adjusted indices
        ("base", np.int64),  # that day's base price (기준가), KRW
        ("indices", np.uint8, (INDEX_SLOTS // 8,)),  # constituent-of bitmap, see above
    ]
)

#: Every index with constituents, as of each day: with the same day's ``universe_daily`` rows
#: (the instruments whose ``indices`` bit ``slot`` is set) it is the index's definition. The
#: close level is ``cap / base_cap × base_value`` rounded to 2 dp (``index_daily.close``).
INDEX_DEF_DAILY: Final = np.dtype(
    [
        *_KEY,  # code: the index key (IndexDef.key)
        ("slot", np.int16),  # the bit of universe_daily.indices marking its constituents that day
        ("constituents", np.int32),
        ("float_adjusted", np.bool_),  # weights are float shares, else listed shares
        ("base_value", np.float64),  # points
        ("base_cap", np.float64),  # KRW: the base market cap (divisor) at the close
        ("cap", np.int64),  # KRW: Σ close × weight over the constituents
    ]
)

#: The tables every store knows from the start, by name.
STANDARD_TABLES: Final[Mapping[str, np.dtype[np.void]]] = {
    "stock_daily": STOCK_DAILY,
    "index_daily": INDEX_DAILY,
    "investor_daily": INVESTOR_DAILY,
    "program_daily": PROGRAM_DAILY,
    "short_daily": SHORT_DAILY,
    "foreign_daily": FOREIGN_DAILY,
    "nav_daily": NAV_DAILY,
    "corporate_actions": CORPORATE_ACTIONS,
    "member_daily": MEMBER_DAILY,
    "universe_daily": UNIVERSE_DAILY,
    "index_def_daily": INDEX_DEF_DAILY,
}

#: Intraday bar of an instrument or an index, keyed by (code, date, start). ``put_bars`` /
#: ``get_bars`` keep one set per period in ``BAR_PERIODS_S``; a bar's start is the period's start
#: in ns since the epoch, as the engine's bars (``sise.engine.bars``) have it, and it holds what
#: happened in [start, start + period). KRX venue. An index's bars (code: the index key) are of its
#: published series (``sise.store.intraday``): prices are levels in hundredths of a point,
#: ``volume`` and ``value`` the change of the published cumulative figures over the bar, ``count``
#: the publications.
INTRADAY_BAR: Final = np.dtype(
    [
        *_KEY,
        ("start", np.int64),  # period start, ns since the epoch
        ("open", np.int64),  # KRW (price units for derivatives, hundredths of a point for indices)
        ("high", np.int64),
        ("low", np.int64),
        ("close", np.int64),
        ("volume", np.int64),  # shares (contracts)
        ("value", np.int64),  # KRW: Σ price × qty (derivatives: × multiplier / price scale)
        ("count", np.int64),  # trades (publications for indices)
    ]
)
#: Bar periods a store keeps, in seconds: 10 s, 1 min and 10 min.
BAR_PERIODS_S: Final = (10, 60, 600)

#: Kiwoom ``upd_stkpc_tp`` codes used in ``corporate_actions.kind``.
ACTION_RIGHTS: Final = 1
ACTION_BONUS: Final = 2
ACTION_SPLIT: Final = 8
ACTION_REVERSE_SPLIT: Final = 16


@runtime_checkable
class HistoryStore(Protocol):
    """Daily tables of structured rows keyed by (code, date).

    Reads return fresh arrays (the caller may modify them) with the table's dtype; a code or date
    with no rows gives an empty array, an unknown table ``KeyError``.
    """

    def register_table(self, name: str, dtype: np.dtype[np.void]) -> None:
        """Add a table. Re-registering the same dtype is a no-op; a different one is an error."""
        ...

    def tables(self) -> list[str]:
        """Names of the registered tables, sorted."""
        ...

    def dtype(self, table: str) -> np.dtype[np.void]:
        """Row dtype of ``table``."""
        ...

    def put(self, table: str, rows: Rows, *, copy: bool = True) -> None:
        """Insert or replace ``rows``; the last row wins where a batch repeats a (code, date).

        ``copy=False`` lets a store keep ``rows`` itself when it already has the table's dtype
        (bulk loads of hundreds of MB); the caller must not modify it afterwards.
        """
        ...

    def get(self, table: str, code: str, start: int | None = None, end: int | None = None) -> Rows:
        """Rows of ``code`` with ``start <= date <= end`` (either bound optional), by date."""
        ...

    def get_date(self, table: str, date: int) -> Rows:
        """Every row of ``date``, in a stable code order (``MemoryStore``: the order in which
        codes were first written)."""
        ...

    def get_range(self, table: str, start: int, end: int) -> Rows:
        """Every row with ``start <= date <= end``, grouped by code in first-written order and
        by date within a code: one read for a whole-market window (52-week highs and lows)."""
        ...

    def last_date(self, table: str) -> int | None:
        """Latest date in ``table``, or None when it is empty."""
        ...

    def put_bars(self, period_s: int, rows: Rows, *, copy: bool = True) -> None:
        """Insert or replace intraday bars (``INTRADAY_BAR`` rows) by (code, date, start); the
        last of repeated keys wins. ``copy=False`` as in ``put``."""
        ...

    def get_bars(self, period_s: int, code: str, date: int) -> Rows:
        """The ``period_s`` bars of ``code`` on ``date``, by start."""
        ...

    def bar_dates(self, period_s: int) -> list[int]:
        """Dates holding ``period_s`` bars, ascending."""
        ...

    def drop_bars_before(self, date: int) -> None:
        """Forget the bars of every period before ``date`` (stores keep a window of recent days)."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A small named value kept with the history (what market it is, where it stood)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value; it is written with the next data the store commits."""
        ...

    def flush(self) -> None:
        """Wait until every write so far is durable (a no-op for stores in memory)."""
        ...


class StoreError(Exception):
    """A store's backing storage cannot be opened or used as it is (a file from a newer schema, not
    a database, not writable, a stored table whose dtype differs from the registered one)."""


def check_table_dtype(name: str, dtype: np.dtype[np.void]) -> None:
    """A table dtype must be structured with ``code`` (unicode, ≤ CODE_WIDTH) and ``date`` (int32)."""
    if dtype.names is None:
        raise ValueError(f"table {name!r}: dtype must be structured")
    fields = dtype.fields
    assert fields is not None
    if (
        "code" not in fields
        or fields["code"][0].kind != "U"
        or fields["code"][0].itemsize > CODE_DTYPE.itemsize
    ):
        raise ValueError(f"table {name!r}: needs a 'code' field of unicode strings up to {CODE_WIDTH} chars")
    if "date" not in fields or fields["date"][0] != DATE_DTYPE:
        raise ValueError(f"table {name!r}: needs a 'date' field of int32 (YYYYMMDD)")


class TableStore(ABC):
    """Shared half of a store: the table registry and write validation.

    Subclasses implement storage (``_write``) and the reads.
    """

    #: Whether reads may run on another thread while this one writes.
    thread_safe: ClassVar[bool] = False

    def __init__(self, tables: Mapping[str, np.dtype[np.void]] = STANDARD_TABLES) -> None:
        self._dtypes: dict[str, np.dtype[np.void]] = {}
        for name, dt in tables.items():
            self.register_table(name, dt)

    # -- registry ---------------------------------------------------------------------------------

    def register_table(self, name: str, dtype: np.dtype[np.void]) -> None:
        if not name:
            raise ValueError("table name must not be empty")
        dtype = np.dtype(dtype)
        check_table_dtype(name, dtype)
        old = self._dtypes.get(name)
        if old is not None:
            if old != dtype:
                raise ValueError(f"table {name!r} is already registered with another dtype")
            return
        self._dtypes[name] = dtype
        self._created(name, dtype)

    def tables(self) -> list[str]:
        return sorted(self._dtypes)

    def dtype(self, table: str) -> np.dtype[np.void]:
        try:
            return self._dtypes[table]
        except KeyError:
            raise KeyError(f"unknown table {table!r}; registered: {', '.join(self.tables())}") from None

    # -- writes -----------------------------------------------------------------------------------

    def put(self, table: str, rows: Rows, *, copy: bool = True) -> None:
        checked = self.validate(table, rows, copy=copy)
        if len(checked):
            self._write(table, checked)

    def validate(self, table: str, rows: Rows, *, copy: bool = True) -> Rows:
        """``rows`` as a contiguous array of the table's dtype (a fresh one unless ``copy`` is
        False and ``rows`` already is one); ``ValueError`` naming the first missing, unknown or
        mistyped field, or a bad code/date value."""
        return conform(table, self.dtype(table), rows, copy=copy)

    def put_bars(self, period_s: int, rows: Rows, *, copy: bool = True) -> None:
        if period_s not in BAR_PERIODS_S:
            raise ValueError(f"bar period {period_s} s is not one of {BAR_PERIODS_S}")
        checked = conform(f"bars {period_s}s", INTRADAY_BAR, rows, copy=copy)
        if not len(checked):
            return
        if not _grouped_by_code(checked):
            # Sorted by (code, date, start), the last of repeated keys kept: what stores write.
            order = np.lexsort((np.arange(len(checked)), checked["start"], checked["date"], checked["code"]))
            checked = checked[order]
            last = np.ones(len(checked), np.bool_)
            last[:-1] = (
                (checked["code"][1:] != checked["code"][:-1])
                | (checked["date"][1:] != checked["date"][:-1])
                | (checked["start"][1:] != checked["start"][:-1])
            )
            checked = checked[last] if not last.all() else checked
        self._write_bars(period_s, checked)

    def get_bars(self, period_s: int, code: str, date: int) -> Rows:
        if period_s not in BAR_PERIODS_S:
            raise ValueError(f"bar period {period_s} s is not one of {BAR_PERIODS_S}")
        return self._read_bars(period_s, code, int(date))

    # -- storage hooks ----------------------------------------------------------------------------

    def _created(self, name: str, dtype: np.dtype[np.void]) -> None:  # noqa: B027 - optional hook
        """Called once per newly registered table."""

    @abstractmethod
    def _write(self, table: str, rows: Rows) -> None:
        """Store validated rows (a fresh array the store may keep)."""

    @abstractmethod
    def _write_bars(self, period_s: int, rows: Rows) -> None:
        """Store validated bars: code by code, each code once, (date, start) rising within one."""

    @abstractmethod
    def _read_bars(self, period_s: int, code: str, date: int) -> Rows: ...

    @abstractmethod
    def bar_dates(self, period_s: int) -> list[int]: ...

    @abstractmethod
    def drop_bars_before(self, date: int) -> None: ...

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    def flush(self) -> None:  # noqa: B027 - a hook for stores that write behind
        """Nothing to wait for unless a store writes behind."""

    @abstractmethod
    def get(self, table: str, code: str, start: int | None = None, end: int | None = None) -> Rows: ...

    @abstractmethod
    def get_date(self, table: str, date: int) -> Rows: ...

    @abstractmethod
    def get_range(self, table: str, start: int, end: int) -> Rows: ...

    @abstractmethod
    def last_date(self, table: str) -> int | None: ...


def conform(label: str, want: np.dtype[np.void], rows: Rows, *, copy: bool = True) -> Rows:
    """``rows`` as a contiguous array of ``want`` (see ``TableStore.validate``); ``label`` names
    the table in errors."""
    arr = np.asarray(rows)
    if arr.ndim != 1:
        raise ValueError(f"{label}: rows must be a 1-d structured array, got shape {arr.shape}")
    got_fields = arr.dtype.fields
    if got_fields is None:
        raise ValueError(f"{label}: rows must be a structured array, got dtype {arr.dtype}")
    want_fields = want.fields
    assert want_fields is not None and want.names is not None
    for name in want.names:
        if name not in got_fields:
            raise ValueError(f"{label}: missing field {name!r}")
    for name in arr.dtype.names or ():
        if name not in want_fields:
            raise ValueError(f"{label}: unknown field {name!r}")
        have, need = got_fields[name][0], want_fields[name][0]
        if have == need:
            continue
        narrower_text = have.kind == "U" and need.kind == "U" and have.itemsize <= need.itemsize
        if not narrower_text:
            raise ValueError(f"{label}: field {name!r} has dtype {have}, expected {need}")
    if arr.dtype == want:
        out = np.array(arr, dtype=want, copy=copy or not arr.flags.c_contiguous, order="C")
    else:
        out = np.empty(len(arr), want)
        for name in want.names:
            out[name] = arr[name]
    if len(out):
        _check_keys(label, out)
    return out


def _grouped_by_code(bars: Rows) -> bool:
    """Whether ``bars`` come code by code, each code once, with (date, start) strictly rising
    within a code — as writers lay them out — so that they need no sort."""
    same = bars["code"][1:] == bars["code"][:-1]
    d, t = bars["date"], bars["start"]
    rising = (d[1:] > d[:-1]) | ((d[1:] == d[:-1]) & (t[1:] > t[:-1]))
    if not bool(np.all(rising | ~same)):
        return False
    heads = bars["code"][np.flatnonzero(np.concatenate(([True], ~same)))]
    return len(np.unique(heads)) == len(heads)


def _check_keys(table: str, rows: Rows) -> None:
    d = rows["date"].astype(np.int64)
    month = d // 100 % 100
    day = d % 100
    bad = (d < 1900_01_01) | (d > 9999_12_31) | (month < 1) | (month > 12) | (day < 1) | (day > 31)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{table}: field 'date': row {i} has {int(d[i])}, not a YYYYMMDD date")
    empty = rows["code"] == ""
    if empty.any():
        raise ValueError(f"{table}: field 'code': row {int(np.flatnonzero(empty)[0])} has an empty code")


def index_bits(member: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint8]:
    """``universe_daily.indices`` of each instrument from a (slots, instruments) membership."""
    slots, n = member.shape
    if slots > INDEX_SLOTS:
        raise ValueError(f"{slots} indices: universe_daily holds at most {INDEX_SLOTS}")
    full = np.zeros((n, INDEX_SLOTS), np.bool_)
    full[:, :slots] = member.T
    return np.packbits(full, axis=1, bitorder="little")


def index_members(bits: npt.NDArray[np.uint8], slot: int) -> npt.NDArray[np.bool_]:
    """Which rows of ``universe_daily.indices`` have index ``slot``'s bit set."""
    return np.asarray(bits[:, slot // 8] >> (slot % 8) & 1, np.bool_)


def register_futures_table(store: HistoryStore) -> None:
    """Register ``FUTURES_DAILY`` as ``futures_daily`` in ``store`` (a no-op if already there)."""
    store.register_table(FUTURES_TABLE, FUTURES_DAILY)
