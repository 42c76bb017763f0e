"""Lookups the Kiwoom TR views share: sectors and stocks from Kiwoom's request codes, and the
vendor-neutral readers (``sise.api.readers``) keyed by them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.api import readers
from sise.api.kiwoom.errors import MOCK_UNSUPPORTED, STOCK_NOT_FOUND, STOCK_NOT_ON_VENUE, bad_field
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.readers import IndexQuote
from sise.engine.engine import Engine
from sise.market.codes import KIWOOM_DMST_STEX_TP, split_venue_code
from sise.market.indices_table import IndexDef, index_by_kiwoom, kiwoom_sector_list
from sise.market.types import InstrumentKind, Market, Venue
from sise.store.base import Rows

I64 = npt.NDArray[np.int64]

_CASH_KINDS: Final = (InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW)


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
    """The trading day the engine's state is about (``readers.session_date``)."""
    return readers.session_date(ctx.engine, ctx.now_ns())


def index_history(ctx: KiwoomContext, key: str, start: date | None, end: date) -> Rows | None:
    """``index_daily`` rows of ``key`` with ``start <= date <= end``; None without a store."""
    return readers.history(ctx.store, "index_daily", key, start, end)


def quote(engine: Engine, s: Sector) -> IndexQuote:
    """The latest publication of the sector's index (``readers.index_quote``)."""
    return readers.index_quote(engine, s.d.key)


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
