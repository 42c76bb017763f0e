"""Koscom 시세표 (multiquote) endpoints (``/v2/market/multiquote/stocks/{marketcode}/…``, koscom.md §7).

The four market lists answer the whole KOSPI or KOSDAQ cash market in one snapshot (envelope A':
``trdDd``, ``trdTm`` ``HHMMSS``, ``isuLists``): columns are gathered with numpy over the market's
issues at once and rendered by ``Record.render``, so a list costs a few milliseconds whatever its
length. The multi-issue ``price`` and ``orderbook`` answer up to 20 codes under ``isulist``.

Figures are the engine's KRX state, the same numbers ``stocks/{m}/{code}/price`` shows.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.api.koscom.endpoint import Endpoint, Envelope, KoscomContext, Path, Result, check_code
from sise.api.koscom.errors import ISSUE_NOT_FOUND, TOO_MANY_ISSUES
from sise.api.koscom.fmt import DATE_STR, INT, STR
from sise.api.koscom.lookups import CASH_KINDS, market_of, session_date, stocks_of
from sise.api.koscom.params import CODES, MAX_CODES
from sise.api.koscom.views_stocks import ORDERBOOK as STOCK_ORDERBOOK
from sise.api.koscom.views_stocks import PRICE, orderbook_columns, price_columns
from sise.api.wire import Body, Field, Record, Request
from sise.market.sessions import Phase, schedule_for
from sise.market.timeutil import hhmmss, kst_ns, yyyymmdd_str
from sise.market.types import Venue

I64 = npt.NDArray[np.int64]

#: ``{marketcode}`` values of the 시세표 endpoints (koscom.md §2.1).
MULTIQUOTE_MARKETS: Final = ("kospi", "kosdaq")
_KRX: Final = int(Venue.KRX)


def _codes(ctx: KoscomContext, rows: npt.NDArray[np.intp]) -> list[str]:
    code = ctx.engine.instruments.code
    return [code[i] for i in rows.tolist()]


# ---------------------------------------------------------------------------------------------------
# The market snapshots (envelope A')
# ---------------------------------------------------------------------------------------------------

SNAPSHOT: Final = Record(
    (
        Field("trdDd", "거래일자", DATE_STR, "the trading day of the snapshot"),
        Field(
            "trdTm",
            "시각",
            STR,
            "market time of the snapshot, `HHMMSS` (the clock's before the day's first event)",
        ),
    )
)


def _snapshot(ctx: KoscomContext) -> dict[str, Any]:
    e = ctx.engine
    t = int(e.last_time) if e.last_time > np.iinfo(np.int64).min else ctx.now_ns()
    return SNAPSHOT.render_one({"trdDd": yyyymmdd_str(session_date(ctx)), "trdTm": f"{int(hhmmss(t)):06d}"})


LISTS_ROW: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("trdPrc", "현재가", INT, "last price (the base price before the first trade)", "원"),
        Field("accTrdvol", "누적거래량", INT, "today's volume", "주"),
        Field("accTrdval", "누적거래대금", INT, "today's value", "원"),
        Field(
            "mktcap",
            "시가총액",
            INT,
            "current price × listed shares",
            "원",
            inferred="in the 2022 samples, not in the field table",
        ),
    )
)


def lists(ctx: KoscomContext, path: Path, req: Request) -> Result:
    e = ctx.engine
    rows = stocks_of(ctx, path)
    st = e.state(Venue.KRX)
    cur = e.current_price(Venue.KRX)[rows]
    return Result(
        _snapshot(ctx),
        LISTS_ROW.render(
            len(rows),
            {
                "isuSrtCd": _codes(ctx, rows),
                "trdPrc": cur,
                "accTrdvol": st.volume[rows],
                "accTrdval": st.value[rows],
                "mktcap": cur * e.instruments.listed_shares[rows],
            },
        ),
    )


OHLC_ROW: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("opnprc", "시가", INT, "today's open; 0 before the first trade", "원"),
        Field("hgprc", "고가", INT, "today's high; 0 before the first trade", "원"),
        Field("lwprc", "저가", INT, "today's low; 0 before the first trade", "원"),
        Field("trdPrc", "현재가", INT, "last price (the base price before the first trade)", "원"),
    )
)


def ohlclists(ctx: KoscomContext, path: Path, req: Request) -> Result:
    e = ctx.engine
    rows = stocks_of(ctx, path)
    st = e.state(Venue.KRX)
    return Result(
        _snapshot(ctx),
        OHLC_ROW.render(
            len(rows),
            {
                "isuSrtCd": _codes(ctx, rows),
                "opnprc": st.open[rows],
                "hgprc": st.high[rows],
                "lwprc": st.low[rows],
                "trdPrc": e.current_price(Venue.KRX)[rows],
            },
        ),
    )


AHT_ROW: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("opnprc", "시가", INT, "first 시간외단일가 print today; 0 before one", "원"),
        Field("hgprc", "고가", INT, "highest 시간외단일가 print; 0 before one", "원"),
        Field("lwprc", "저가", INT, "lowest 시간외단일가 print; 0 before one", "원"),
        Field("trdPrc", "현재가", INT, "last 시간외단일가 print; 0 before one", "원"),
    )
)


def after_hours_ohlc(ctx: KoscomContext, rows: npt.NDArray[np.intp]) -> tuple[I64, I64, I64, I64]:
    """(open, high, low, last) of ``rows``'s KRX trades in today's 시간외단일가 window, 0 where
    none. The engine's 10-second bars keep each print's time, so the session is the bars that
    start inside the window of the day's KRX schedule."""
    e = ctx.engine
    n = len(rows)
    o, h, lo, c = (np.zeros(n, np.int64) for _ in range(4))
    day = session_date(ctx)
    w = schedule_for(day, Venue.KRX).window(Phase.AFTER_HOURS_SINGLE_PRICE)
    if w is None or e.day is None:
        return o, h, lo, c
    start = kst_ns(day, w.start)
    if e.last_time < start:  # zeros before it opens, without reading the bars
        return o, h, lo, c
    bars = e.bars(Venue.KRX, 10, since=start)
    pos = np.full(len(e.instruments), -1, np.intp)
    pos[rows] = np.arange(n)
    bars = bars[pos[bars["inst"]] >= 0]
    if not len(bars):
        return o, h, lo, c
    # Bars come in (instrument, start) order: each instrument's bars are one run.
    r = pos[bars["inst"]]
    brk = np.flatnonzero(np.append(True, r[1:] != r[:-1]))
    end = np.append(brk[1:], len(bars)) - 1
    who = r[brk]
    o[who] = bars["open"][brk]
    h[who] = np.maximum.reduceat(bars["high"], brk)
    lo[who] = np.minimum.reduceat(bars["low"], brk)
    c[who] = bars["close"][end]
    return o, h, lo, c


def ahtohlclists(ctx: KoscomContext, path: Path, req: Request) -> Result:
    rows = stocks_of(ctx, path)
    o, h, lo, c = after_hours_ohlc(ctx, rows)
    return Result(
        _snapshot(ctx),
        AHT_ROW.render(
            len(rows),
            {"isuSrtCd": _codes(ctx, rows), "opnprc": o, "hgprc": h, "lwprc": lo, "trdPrc": c},
        ),
    )


QUOTE_ROW: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("trdPrc", "현재가", INT, "last price (the base price before the first trade)", "원"),
        Field("askStep1BstordPrc", "매도1호가", INT, "best ask; 0 when the side is empty", "원"),
        Field("askStep1BstordRqty", "매도1호가잔량", INT, "quantity at the best ask", "주"),
        Field("bidStep1BstordPrc", "매수1호가", INT, "best bid; 0 when the side is empty", "원"),
        Field("bidStep1BstordRqty", "매수1호가잔량", INT, "quantity at the best bid", "주"),
    )
)


def quotelists(ctx: KoscomContext, path: Path, req: Request) -> Result:
    e = ctx.engine
    rows = stocks_of(ctx, path)
    book = e.books[_KRX]
    return Result(
        _snapshot(ctx),
        QUOTE_ROW.render(
            len(rows),
            {
                "isuSrtCd": _codes(ctx, rows),
                "trdPrc": e.current_price(Venue.KRX)[rows],
                "askStep1BstordPrc": book.ask_price[rows, 0],
                "askStep1BstordRqty": book.ask_qty[rows, 0],
                "bidStep1BstordPrc": book.bid_price[rows, 0],
                "bidStep1BstordRqty": book.bid_qty[rows, 0],
            },
        ),
    )


# ---------------------------------------------------------------------------------------------------
# Several issues: price and orderbook (envelope B, ``isulist``)
# ---------------------------------------------------------------------------------------------------

EMPTY: Final = Record(())


def requested(ctx: KoscomContext, path: Path, req: Request) -> list[int]:
    """The listed issues of ``isuCd`` on the path's market, in the order asked, each once.

    More than 20 codes is 20056 생성 가능한 종목수를 초과하였습니다; a malformed code is 20030. A
    well-formed code that is not a cash issue of the market is left out (koscom.md §7 leaves this
    undocumented), and 10040 when none is left."""
    asked: tuple[str, ...] = req[CODES]
    codes = list(dict.fromkeys(asked))
    if len(codes) > MAX_CODES:
        raise TOO_MANY_ISSUES()
    ins = ctx.engine.instruments
    market = int(market_of(path))
    kinds = {int(k) for k in CASH_KINDS}
    out: list[int] = []
    for code in codes:
        i = ins.number(check_code(code))
        if i is not None and ins.active[i] and int(ins.market[i]) == market and int(ins.kind[i]) in kinds:
            out.append(i)
    if not out:
        raise ISSUE_NOT_FOUND()
    return out


def multi_price(ctx: KoscomContext, path: Path, req: Request) -> Result:
    inst = requested(ctx, path, req)
    return Result({}, PRICE.render(len(inst), price_columns(ctx, inst)))


#: The stock orderbook's fields with ``isuSrtCd`` last, as the multi-issue samples place it.
ORDERBOOK: Final = Record((*STOCK_ORDERBOOK.fields[1:], STOCK_ORDERBOOK.fields[0]))


def multi_orderbook(ctx: KoscomContext, path: Path, req: Request) -> Result:
    inst = requested(ctx, path, req)
    return Result({}, ORDERBOOK.render(len(inst), orderbook_columns(ctx, inst)))


# ---------------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------------

_MQ: Final = "/multiquote/stocks/{market}/"
_V3: Final = "/realtime/{market}/multiquote/stocks/"


def _snapshot_endpoint(name: str, label: str, view: Any, row: Record) -> Endpoint:
    return Endpoint(
        _MQ + name,
        label,
        view,
        SNAPSHOT,
        Envelope.SNAPSHOT,
        list_key="isuLists",
        row=row,
        v3=(_V3 + name,),
        markets=MULTIQUOTE_MARKETS,
    )


def _multi_endpoint(name: str, label: str, view: Any, row: Record) -> Endpoint:
    return Endpoint(
        _MQ + name,
        label,
        view,
        EMPTY,
        query=Body((CODES,)),
        list_key="isulist",
        row=row,
        v3=(_V3 + name,),
        markets=MULTIQUOTE_MARKETS,
    )


ENDPOINTS: Final = (
    _snapshot_endpoint("lists", "시장별 현재가 리스트", lists, LISTS_ROW),
    _snapshot_endpoint("ohlclists", "시장별 시고저종 리스트", ohlclists, OHLC_ROW),
    _snapshot_endpoint("ahtohlclists", "시간외단일가 시고저종 리스트", ahtohlclists, AHT_ROW),
    _snapshot_endpoint("quotelists", "호가/잔량 리스트", quotelists, QUOTE_ROW),
    _multi_endpoint("price", "복수종목 현재가", multi_price, PRICE),
    _multi_endpoint("orderbook", "복수종목 호가잔량", multi_orderbook, ORDERBOOK),
)

__all__ = ["ENDPOINTS", "ORDERBOOK", "after_hours_ohlc", "orderbook_columns"]
