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
