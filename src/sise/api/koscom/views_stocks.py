"""Koscom stock endpoints (``/v2/market/stocks/{marketcode}/…``, koscom.md §6).

Each endpoint's records are declared here once; ``docs/koscom.md``'s field tables are generated
from them. Figures are the engine's KRX state (the same numbers Kiwoom shows for ``stex_tp`` 1),
prices in KRW as JSON integers.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from sise.api.koscom.endpoint import Endpoint, Envelope, KoscomContext, Path, Result
from sise.api.koscom.fmt import CODE, DATE_STR, INT, STR, hhmmssmm
from sise.api.koscom.lookups import STOCK_MARKETS, session_date, stock, stocks_of
from sise.api.wire import Field, Record, Request
from sise.market.timeutil import yyyymmdd_str
from sise.market.types import Venue

#: KRX's regular market end time as the list envelopes print it (koscom.md §6.1).
STOCK_MARKET_END: Final = "1540"

#: Koscom ``lstAskbidTpCd`` by the engine's aggressor side (0 none, 1 buy, 2 sell): the side of
#: the last incoming order, ``1`` 매도 and ``2`` 매수 (koscom.md §5.3).
_LAST_SIDE: Final = np.array([0, 2, 1], np.int64)

# ---------------------------------------------------------------------------------------------------
# stocks/{m}/lists
# ---------------------------------------------------------------------------------------------------

LIST_ENVELOPE: Final = Record(
    (
        Field("trdDd", "거래일자", DATE_STR, "the trading day the list is for"),
        Field("mktEndTm", "시장종료시각", STR, "`1540` for stocks, `1550` for derivatives (`HHMM`)"),
    )
)

LIST_ROW: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("isuCd", "표준코드", STR, "ISIN"),
        Field("isuKorNm", "한글종목명", STR, "Korean name"),
        Field("isuKorAbbr", "한글종목약명", STR, "Korean short name (spelled as the payloads do)"),
        Field(
            "map_to",
            "매핑코드",
            STR,
            "feed key: the short code and `*001` (KOSPI) / `*003` (KOSDAQ)",
            inferred="suffix per market from the samples; KONEX `*005`",
        ),
    )
)

#: The feed-key suffix of ``map_to`` by market (koscom.md §2.2; KONEX inferred).
_FEED_SUFFIX: Final = {"kospi": "*001", "kosdaq": "*003", "konex": "*005"}


def lists(ctx: KoscomContext, path: Path, req: Request) -> Result:
    ins = ctx.engine.instruments
    rows = stocks_of(ctx, path)
    codes = [ins.code[i] for i in rows]
    names = [ins.name_ko[i] for i in rows]
    suffix = _FEED_SUFFIX[path.market]
    return Result(
        LIST_ENVELOPE.render_one({"trdDd": yyyymmdd_str(session_date(ctx)), "mktEndTm": STOCK_MARKET_END}),
        LIST_ROW.render(
            len(rows),
            {
                "isuSrtCd": codes,
                "isuCd": [ins.isin[i] for i in rows],
                "isuKorNm": names,
                "isuKorAbbr": names,
                "map_to": [c + suffix for c in codes],
            },
        ),
    )


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/price
# ---------------------------------------------------------------------------------------------------

PRICE: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("trdPrc", "현재가", INT, "last price (the base price before the first trade)", "원"),
        Field("cmpprevddTpCd", "전일대비구분", CODE, "sign code 1–5 against the base price"),
        Field("cmpprevddPrc", "전일대비", INT, "last − base price, signed", "원"),
        Field("opnprc", "시가", INT, "today's open; 0 before the first trade", "원"),
        Field("hgprc", "고가", INT, "today's high; 0 before the first trade", "원"),
        Field("lwprc", "저가", INT, "today's low; 0 before the first trade", "원"),
        Field("accTrdvol", "누적거래량", INT, "today's volume", "주"),
        Field("accTrdval", "누적거래대금", INT, "today's value", "원"),
        Field(
            "trdTm",
            "체결시각",
            INT,
            "time of the last trade, `HHMMSSmm` without the leading zero; 0 before the first trade",
        ),
        Field("trdvol", "체결수량", INT, "quantity of the last trade", "주"),
        Field("bidordPrc_1", "매수1호가", INT, "best bid; 0 when the side is empty", "원"),
        Field("askordPrc_1", "매도1호가", INT, "best ask; 0 when the side is empty", "원"),
        Field(
            "lstAskbidTpCd",
            "최종매도매수구분",
            INT,
            "side of the last incoming order: 1 매도, "
            "2 매수; 0 before the first trade (a number, as the payloads send it)",
        ),
    )
)


def price_columns(ctx: KoscomContext, inst: list[int]) -> dict[str, Any]:
    """The ``PRICE`` columns of ``inst`` (also the items of ``multiquote/…/price``)."""
    e = ctx.engine
    idx = np.asarray(inst, np.intp)
    st = e.state(Venue.KRX)
    book = e.books[Venue.KRX]
    base = e.base[idx]
    cur = e.current_price(Venue.KRX)[idx]
    traded = st.count[idx] > 0
    return {
        "isuSrtCd": [e.instruments.code[i] for i in inst],
        "trdPrc": cur,
        "cmpprevddTpCd": [str(s) for s in e.signs(Venue.KRX)[idx].tolist()],
        "cmpprevddPrc": cur - base,
        "opnprc": st.open[idx],
        "hgprc": st.high[idx],
        "lwprc": st.low[idx],
        "accTrdvol": st.volume[idx],
        "accTrdval": st.value[idx],
        "trdTm": np.where(traded, hhmmssmm(st.last_time[idx]), 0),
        "trdvol": st.last_qty[idx],
        "bidordPrc_1": book.bid_price[idx, 0],
        "askordPrc_1": book.ask_price[idx, 0],
        "lstAskbidTpCd": _LAST_SIDE[st.last_side[idx]],
    }


def price(ctx: KoscomContext, path: Path, req: Request) -> Result:
    return Result(PRICE.render(1, price_columns(ctx, [stock(ctx, path)]))[0])


# ---------------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------------

ENDPOINTS: Final = (
    Endpoint(
        "/stocks/{market}/lists",
        "종목 리스트",
        lists,
        LIST_ENVELOPE,
        Envelope.LIST,
        list_key="isuLists",
        row=LIST_ROW,
        v3=("/closed/{market}/lists",),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        "/stocks/{market}/{code}/price",
        "체결",
        price,
        PRICE,
        v3=("/realtime/{market}/stocks/{code}/price",),
        markets=STOCK_MARKETS,
    ),
)

__all__ = ["ENDPOINTS", "PRICE", "price_columns"]
