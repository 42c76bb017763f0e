"""What the vendor views read from the engine and the store, vendor-neutral.

An index's current level is its latest *published* level and its change is against
``engine.index.prev_close``; volume and value are the constituents' cumulative figures at that
publication. Every TR and endpoint that shows an index reads this one ``IndexQuote``, so Kiwoom
ka20001 and Koscom ``index/{m}/{code}/index`` print the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.api.numbers import cents, direction, rate_bp
from sise.engine.batches import BOOK_LEVELS
from sise.engine.engine import Engine
from sise.market.timeutil import kst_date, yyyymmdd
from sise.market.types import Venue
from sise.store.base import HistoryStore, Rows

I64 = npt.NDArray[np.int64]

#: Columns of ``breadth``: the traded count, then one per sign code (``Sign``), then members.
TRADED: Final = 0
MEMBERS: Final = 6


def session_date(e: Engine, now_ns: int) -> date:
    """The trading day the engine's state is about: the open day, else (after ``end_day``) the
    day of its last event, else the clock's KST date."""
    if e.day is not None:
        return e.day
    if e.last_time > np.iinfo(np.int64).min:
        return kst_date(int(e.last_time))
    return kst_date(now_ns)


def history(store: HistoryStore | None, table: str, key: str, start: date | None, end: date) -> Rows | None:
    """``table`` rows of ``key`` with ``start <= date <= end``; None without a store."""
    if store is None:
        return None
    return store.get(table, key, None if start is None else yyyymmdd(start), yyyymmdd(end))


def past_bars(store: HistoryStore | None, period_s: int, code: str, day: date) -> Rows | None:
    """The stored ``period_s`` bars of ``code`` on a past ``day`` (``INTRADAY_BAR``, by start):
    empty when the store keeps that day's bars and ``code`` had none, None when it keeps none of
    that day (too old, before the store began, not a trading day) or there is no store."""
    if store is None:
        return None
    ymd = yyyymmdd(day)
    rows = store.get_bars(period_s, code, ymd)
    return rows if len(rows) or ymd in store.bar_dates(period_s) else None


@dataclass(frozen=True, slots=True)
class IndexQuote:
    """An index now. Levels in hundredths of a point; volume in shares, value in KRW."""

    prev: int
    level: int
    change: int
    sign: int  # direction of the change: -1, 0, 1
    rate: int  # |change| / prev in hundredths of a percent
    volume: int
    value: int
    open: int  # 0 until the first publication of the day
    high: int
    low: int
    published: bool


def index_quote(engine: Engine, key: str) -> IndexQuote:
    """The latest publication of index ``key`` against its previous close."""
    ix = engine.index
    pos = ix.position[key]
    times, levels, volumes, values = ix.series(key)
    prev = cents(float(ix.prev_close[pos]))
    if len(times):
        level, vol, val = cents(float(levels[-1])), int(volumes[-1]), int(values[-1])
        o, h, lo = (cents(float(a[pos])) for a in (ix.open, ix.high, ix.low))
    else:
        level, vol, val, o, h, lo = prev, 0, 0, 0, 0, 0
    change = level - prev
    return IndexQuote(
        prev, level, change, direction(change), rate_bp(change, prev), vol, val, o, h, lo, bool(len(times))
    )


def breadth(engine: Engine, positions: list[int], venue: Venue = Venue.KRX) -> I64:
    """Per index: the traded count (column ``TRADED``), the constituents by sign code (column
    ``Sign.X``) and the constituent count (column ``MEMBERS``)."""
    signs = engine.signs(venue)
    traded = engine.state(venue).count > 0
    out = np.zeros((len(positions), MEMBERS + 1), np.int64)
    for r, p in enumerate(positions):
        m = engine.index.member[p]
        out[r, :MEMBERS] = np.bincount(signs[m], minlength=MEMBERS)[:MEMBERS]
        out[r, TRADED] = np.count_nonzero(traded[m])
        out[r, MEMBERS] = np.count_nonzero(m)
    return out


def touch(engine: Engine, venue: Venue, inst: npt.NDArray[np.intp]) -> tuple[I64, I64]:
    """Best ask and bid (0 = none) of ``inst`` on ``venue``; 통합 takes the better of KRX and NXT."""
    if venue != Venue.ALL:
        book = engine.books[venue]
        return book.ask_price[inst, 0], book.bid_price[inst, 0]
    k, x = engine.books[Venue.KRX], engine.books[Venue.NXT]
    ka, xa = k.ask_price[inst, 0], x.ask_price[inst, 0]
    big = np.iinfo(np.int64).max
    ask = np.minimum(np.where(ka > 0, ka, big), np.where(xa > 0, xa, big))
    bid = np.maximum(k.bid_price[inst, 0], x.bid_price[inst, 0])
    return np.where(ask == big, 0, ask), bid


@dataclass(frozen=True, slots=True)
class Book:
    """Ten levels a side of one instrument on a venue: prices (0 = empty level) and each level's
    quantity on KRX and on NXT. A venue's own book has the other venue's column all 0; 통합
    merges both books by price and keeps the best ten levels a side."""

    time: int  # of the latest snapshot, ns (0: none today)
    ask_price: I64  # ascending from the best ask
    ask_krx: I64
    ask_nxt: I64
    bid_price: I64  # descending from the best bid
    bid_krx: I64
    bid_nxt: I64

    @property
    def ask_qty(self) -> I64:
        return np.asarray(self.ask_krx + self.ask_nxt, np.int64)

    @property
    def bid_qty(self) -> I64:
        return np.asarray(self.bid_krx + self.bid_nxt, np.int64)


def book(engine: Engine, venue: Venue, inst: int) -> Book:
    """The order book of ``inst`` on ``venue`` (see ``Book``)."""
    k, x = engine.books[Venue.KRX], engine.books[Venue.NXT]
    if venue != Venue.ALL:
        b = engine.books[venue]
        zero = np.zeros(BOOK_LEVELS, np.int64)
        # Copies: a Book outlives the batch (the engine's rows are overwritten in place).
        ap, aq, bp, bq = (a[inst].copy() for a in (b.ask_price, b.ask_qty, b.bid_price, b.bid_qty))
        if venue == Venue.KRX:
            return Book(int(b.time[inst]), ap, aq, zero, bp, bq, zero)
        return Book(int(b.time[inst]), ap, zero, aq, bp, zero, bq)
    ap, ak, ax = _merged(k.ask_price[inst], k.ask_qty[inst], x.ask_price[inst], x.ask_qty[inst], True)
    bp, bk, bx = _merged(k.bid_price[inst], k.bid_qty[inst], x.bid_price[inst], x.bid_qty[inst], False)
    return Book(max(int(k.time[inst]), int(x.time[inst])), ap, ak, ax, bp, bk, bx)


def _merged(kp: I64, kq: I64, xp: I64, xq: I64, best_low: bool) -> tuple[I64, I64, I64]:
    """Two venues' levels of one side merged by price: (prices, KRX quantities, NXT quantities),
    the best ``BOOK_LEVELS`` first, zero-padded."""
    krx = dict(zip(kp[kp > 0].tolist(), kq[kp > 0].tolist(), strict=True))
    nxt = dict(zip(xp[xp > 0].tolist(), xq[xp > 0].tolist(), strict=True))
    prices = sorted(krx.keys() | nxt.keys(), reverse=not best_low)[:BOOK_LEVELS]
    out = np.zeros((3, BOOK_LEVELS), np.int64)
    out[0, : len(prices)] = prices
    out[1, : len(prices)] = [krx.get(p, 0) for p in prices]
    out[2, : len(prices)] = [nxt.get(p, 0) for p in prices]
    return out[0], out[1], out[2]


def etf_nav(engine: Engine, inst: int) -> tuple[int, int]:
    """(NAV now, previous NAV) of an ETF in hundredths of a won: ``Engine.navs`` (the iNAV; an ETF
    on an underlying the engine does not compute, foreign, bonds…, stays at its previous NAV;
    inferred)."""
    now = float(engine.navs(np.array([inst], np.intp))[0])
    return round(now * 100), round(float(engine.nav_prev[inst]) * 100)
