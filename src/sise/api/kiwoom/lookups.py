"""Lookups the Kiwoom TR views share: sectors and stocks from request codes, an index's quote,
breadth, the session's date and index history.

An index's current level is its latest *published* level and its change is against
``engine.index.prev_close``; volume and value are the constituents' cumulative figures at that
publication. Every TR that shows an index reads this one ``Quote``, so they agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.api.kiwoom.errors import MOCK_UNSUPPORTED, STOCK_NOT_FOUND, STOCK_NOT_ON_VENUE, bad_field
from sise.api.kiwoom.fmt import cents, direction, kst_date_of_ns, rate_bp, ymd_int
from sise.api.kiwoom.tr import KiwoomContext
from sise.engine.engine import Engine
from sise.market.codes import KIWOOM_DMST_STEX_TP, split_venue_code
from sise.market.indices_table import IndexDef, index_by_kiwoom, kiwoom_sector_list
from sise.market.types import InstrumentKind, Market, Venue
from sise.store.base import Rows

I64 = npt.NDArray[np.int64]

_CASH_KINDS: Final = (InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW)

#: Columns of ``breadth``: the traded count, then one per sign code (``Sign``), then members.
TRADED: Final = 0
MEMBERS: Final = 6


@dataclass(frozen=True, slots=True)
class Sector:
    """A Kiwoom sector code resolved to its index definition and engine position."""

    d: IndexDef
    pos: int

    @property
    def code(self) -> str:
        assert self.d.kiwoom_code is not None
        return self.d.kiwoom_code


def sector(ctx: KiwoomContext, code: str, name: str = "inds_cd") -> Sector:
    """The index of a 3-digit ``inds_cd``; 1517 for a code sise does not compute."""
    d = index_by_kiwoom(code)
    pos = ctx.engine.index.position.get(d.key) if d is not None else None
    if d is None or pos is None or d.kiwoom_code != code:
        raise bad_field(name, f"존재하지 않는 업종코드입니다({code})")
    return Sector(d, pos)


def market_sectors(ctx: KiwoomContext, mrkt_tp: str) -> list[Sector]:
    """The sectors of a ka10101 group the engine computes, in code order."""
    position = ctx.engine.index.position
    return [Sector(d, position[d.key]) for d in kiwoom_sector_list(mrkt_tp) if d.key in position]


def check_mock_venue(ctx: KiwoomContext, venue: Venue) -> None:
    """모의투자 serves KRX only (kiwoom.md §1.1). The refusal's code is unverified; sise sends
    8104 "API not supported on 모의투자" for ``_NX``/``_AL`` codes and ``stex_tp`` 2/3 alike."""
    if ctx.mock and venue != Venue.KRX:
        raise MOCK_UNSUPPORTED(venue=KIWOOM_DMST_STEX_TP[venue])


def stock(ctx: KiwoomContext, text: str, name: str = "stk_cd") -> tuple[int, Venue]:
    """(instrument number, venue) of a venue-qualified stock code (``005930``, ``005930_NX``,
    ``005930_AL``). Unknown code: 1902; a stock that does not trade on NXT asked for on NXT: 1903."""
    try:
        base, venue = split_venue_code(text)
    except ValueError:
        raise bad_field(name, f"거래소 구분 접미사가 올바르지 않습니다({text})") from None
    check_mock_venue(ctx, venue)
    ins = ctx.engine.instruments
    i = ins.number(base)
    if i is None or not ins.active[i] or int(ins.kind[i]) not in _CASH_KINDS:
        raise STOCK_NOT_FOUND(code=text)
    if venue == Venue.NXT and not ins.nxt[i]:
        raise STOCK_NOT_ON_VENUE(venue="NXT", code=text)
    return i, venue


def session_date(ctx: KiwoomContext) -> date:
    """The trading day the engine's state is about: the open day, else (after ``end_day``) the
    day of its last event, else the clock's KST date."""
    e = ctx.engine
    if e.day is not None:
        return e.day
    if e.last_time > np.iinfo(np.int64).min:
        return kst_date_of_ns(int(e.last_time))
    return kst_date_of_ns(ctx.now_ns())


def index_history(ctx: KiwoomContext, key: str, start: date | None, end: date) -> Rows | None:
    """``index_daily`` rows of ``key`` with ``start <= date <= end``; None without a store."""
    if ctx.store is None:
        return None
    return ctx.store.get("index_daily", key, None if start is None else ymd_int(start), ymd_int(end))


@dataclass(frozen=True, slots=True)
class Quote:
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


def quote(engine: Engine, s: Sector) -> Quote:
    """The latest publication of the sector's index against its previous close."""
    ix = engine.index
    times, levels, volumes, values = ix.series(s.d.key)
    prev = cents(float(ix.prev_close[s.pos]))
    if len(times):
        level, vol, val = cents(float(levels[-1])), int(volumes[-1]), int(values[-1])
        o, h, lo = (cents(float(a[s.pos])) for a in (ix.open, ix.high, ix.low))
    else:
        level, vol, val, o, h, lo = prev, 0, 0, 0, 0, 0
    change = level - prev
    return Quote(
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


def industry_of(ctx: KiwoomContext, inst: int) -> Sector:
    """The stock's KRX industry index: the narrowest industry index of its market that holds it;
    for an instrument in none (ETFs, ETNs) the composite of its market (inferred)."""
    member = ctx.engine.index.member
    best: Sector | None = None
    for d in ctx.universe.indices:
        pos = ctx.engine.index.position.get(d.key)
        if pos is None or d.rule != "industry" or d.kiwoom_code is None or not member[pos, inst]:
            continue
        if best is None or len(d.industries) < len(best.d.industries):
            best = Sector(d, pos)
    if best is not None:
        return best
    market = Market(int(ctx.engine.instruments.market[inst]))
    key = "KOSDAQ" if market == Market.KOSDAQ else "KOSPI"
    return Sector(next(d for d in ctx.universe.indices if d.key == key), ctx.engine.index.position[key])
