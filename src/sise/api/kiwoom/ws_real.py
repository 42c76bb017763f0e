"""The real types of Kiwoom's WebSocket (kiwoom.md §5.6–5.7; docs/kiwoom-ws.md): one FID
``Record`` per type, and per (type, item) an encoder that renders the item's current value as one
entry of a REAL frame's ``data``.

Values are formatted by the same ``Fmt`` declarations as the REST TRs, from the same readers, so a
REAL ``10`` of ``0J 001`` equals ka20001's ``cur_prc``. An encoder reads only its item's slice of
the engine state: the hub calls it once per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np
import orjson

from sise.api.kiwoom.errors import KiwoomError
from sise.api.kiwoom.fmt import (
    DIR_INT,
    INT,
    LEVEL,
    SIGN_CODE,
    SIGNED_DEC2,
    SIGNED_INT,
    TEXT,
    TIME,
    UNSIGNED_DEC2,
)
from sise.api.kiwoom.lookups import quote, sector, stock
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.numbers import MILLION_KRW, THOUSAND_SHARES, direction, index_sign, rate_bp, to_unit
from sise.api.readers import MEMBERS, TRADED, breadth, touch
from sise.api.stream import Encoder
from sise.api.wire import Directed, Field, Record
from sise.market.limits import sign_codes
from sise.market.timeutil import hhmmss
from sise.market.types import Sign, Venue

__all__ = ["REAL_TYPES", "Unserved", "resolve", "unknown_type"]


class Unserved(Exception):
    """A (type, item) pair sise does not serve; ``str()`` is the refusal's message."""


def unknown_type(type_: str) -> Unserved:
    return Unserved(f"지원하지 않는 실시간 항목입니다({type_})")


#: 0J 업종지수: the formats of ka20001's summary (cur_prc, pred_pre, flu_rt, trde_qty, …).
REC_0J: Final = Record(
    (
        Field("20", "체결시간", TIME, "time of the index's latest publication", optional=True),
        Field("10", "현재가", LEVEL, "as ka20001 cur_prc"),
        Field("11", "전일대비", SIGNED_DEC2, "as ka20001 pred_pre"),
        Field("12", "등락율", SIGNED_DEC2, "as ka20001 flu_rt"),
        Field("15", "거래량", INT, "volume since the previous publication", "1000주"),
        Field("13", "누적거래량", INT, "as ka20001 trde_qty", "1000주"),
        Field("14", "누적거래대금", INT, "as ka20001 trde_prica", "백만원"),
        Field("16", "시가", LEVEL, "as ka20001 open_pric"),
        Field("17", "고가", LEVEL, "as ka20001 high_pric"),
        Field("18", "저가", LEVEL, "as ka20001 low_pric"),
        Field("25", "전일대비기호", SIGN_CODE, "as ka20001 pred_pre_sig"),
    )
)

#: 0U 업종등락: ka20001's breadth fields (rising, upl, …, trde_frmatn_stk_num) and levels.
REC_0U: Final = Record(
    (
        Field("20", "체결시간", TIME, "time of the index's latest publication", optional=True),
        Field("252", "상승종목수", INT, "as ka20001 rising"),
        Field("251", "상한종목수", INT, "as ka20001 upl"),
        Field("253", "보합종목수", INT, "as ka20001 stdns"),
        Field("255", "하락종목수", INT, "as ka20001 fall"),
        Field("254", "하한종목수", INT, "as ka20001 lst"),
        Field("13", "누적거래량", INT, "as ka20001 trde_qty", "1000주"),
        Field("14", "누적거래대금", INT, "as ka20001 trde_prica", "백만원"),
        Field("10", "현재가", LEVEL, "as ka20001 cur_prc"),
        Field("11", "전일대비", SIGNED_DEC2, "as ka20001 pred_pre"),
        Field("12", "등락율", SIGNED_DEC2, "as ka20001 flu_rt"),
        Field("256", "거래형성종목수", INT, "as ka20001 trde_frmatn_stk_num"),
        Field(
            "257",
            "거래형성비율",
            UNSIGNED_DEC2,
            "ka20001 trde_frmatn_rt's digits (unsigned, as Kiwoom's example)",
        ),
        Field("25", "전일대비기호", SIGN_CODE, "as ka20001 pred_pre_sig"),
    )
)

#: 0B 주식체결: the formats of ka20002's rows (cur_prc, pred_pre, flu_rt, sel_bid, …).
REC_0B: Final = Record(
    (
        Field("20", "체결시간", TIME, "time of the last trade on the venue", optional=True),
        Field("10", "현재가", DIR_INT, "as ka20002 cur_prc"),
        Field("11", "전일대비", SIGNED_INT, "as ka20002 pred_pre"),
        Field("12", "등락율", SIGNED_DEC2, "as ka20002 flu_rt"),
        Field("27", "(최우선)매도호가", DIR_INT, "as ka20002 sel_bid"),
        Field("28", "(최우선)매수호가", DIR_INT, "as ka20002 buy_bid"),
        Field("15", "거래량", SIGNED_INT, "last trade's quantity, + buyer- / - seller-initiated"),
        Field("13", "누적거래량", INT, "as ka20002 now_trde_qty"),
        Field("14", "누적거래대금", INT, "today's value", "백만원"),
        Field("16", "시가", DIR_INT, "as ka20002 open_pric"),
        Field("17", "고가", DIR_INT, "as ka20002 high_pric"),
        Field("18", "저가", DIR_INT, "as ka20002 low_pric"),
        Field("25", "전일대비기호", SIGN_CODE, "as ka20002 pred_pre_sig"),
        Field("9081", "거래소구분", TEXT, "1 KRX, 2 NXT, 3 통합 (stex_tp's values; inferred)"),
    )
)

STEX: Final = {Venue.KRX: "1", Venue.NXT: "2", Venue.ALL: "3"}


def _entry(type_: str, name: str, item: str, values: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": type_, "name": name, "item": item, "values": values})


def _encoder_0j(context: Callable[[], KiwoomContext], item: str) -> Encoder:
    def encode() -> bytes:
        ctx = context()
        s = sector(ctx, item)
        q = quote(ctx.engine, s)
        times, _, volumes, _ = ctx.engine.index.series(s.d.key)
        tick = 0
        if len(volumes):
            before = to_unit(int(volumes[-2]), THOUSAND_SHARES) if len(volumes) > 1 else 0
            tick = to_unit(int(volumes[-1]), THOUSAND_SHARES) - before
        values = REC_0J.render_one(
            {
                "20": int(hhmmss(int(times[-1]))) if len(times) else None,
                "10": Directed(q.level, q.sign),
                "11": q.change,
                "12": Directed(q.rate, q.sign),
                "15": tick,
                "13": to_unit(q.volume, THOUSAND_SHARES),
                "14": to_unit(q.value, MILLION_KRW),
                "16": Directed(q.open, direction(q.open - q.prev) if q.open else 0),
                "17": Directed(q.high, direction(q.high - q.prev) if q.high else 0),
                "18": Directed(q.low, direction(q.low - q.prev) if q.low else 0),
                "25": int(index_sign(q.sign)),
            }
        )
        return _entry("0J", "업종지수", item, values)

    return encode


def _encoder_0u(context: Callable[[], KiwoomContext], item: str) -> Encoder:
    def encode() -> bytes:
        ctx = context()
        s = sector(ctx, item)
        q = quote(ctx.engine, s)
        times = ctx.engine.index.series(s.d.key)[0]
        b = breadth(ctx.engine, [s.pos])[0]
        traded, members = int(b[TRADED]), int(b[MEMBERS])
        values = REC_0U.render_one(
            {
                "20": int(hhmmss(int(times[-1]))) if len(times) else None,
                "252": int(b[Sign.UP]),
                "251": int(b[Sign.LIMIT_UP]),
                "253": int(b[Sign.FLAT]),
                "255": int(b[Sign.DOWN]),
                "254": int(b[Sign.LIMIT_DOWN]),
                "13": to_unit(q.volume, THOUSAND_SHARES),
                "14": to_unit(q.value, MILLION_KRW),
                "10": Directed(q.level, q.sign),
                "11": q.change,
                "12": Directed(q.rate, q.sign),
                "256": traded,
                "257": rate_bp(traded, members),
                "25": int(index_sign(q.sign)),
            }
        )
        return _entry("0U", "업종등락", item, values)

    return encode


def _encoder_0b(context: Callable[[], KiwoomContext], item: str, inst: int, venue: Venue) -> Encoder:
    one = np.array([inst], np.intp)

    def encode() -> bytes:
        # One instrument's slice of each array: the engine's whole-market readers
        # (``current_price``, ``signs``) would cost O(market) per item per batch.
        eng = context().engine
        st = eng.state(venue)
        base = int(eng.base[inst])
        last = int(st.last[inst])
        cur = last if last > 0 else base
        ch = cur - base
        sign = int(sign_codes(np.array([cur], np.int64), eng.base[one], eng.upper[one], eng.lower[one])[0])
        ask, bid = (int(a[0]) for a in touch(eng, venue, one))

        def priced(v: int) -> Directed:
            return Directed(v, direction(v - base) if v > 0 else 0)

        traded = int(st.count[inst]) > 0
        side = int(st.last_side[inst])
        values = REC_0B.render_one(
            {
                "20": int(hhmmss(int(st.last_time[inst]))) if traded else None,
                "10": priced(cur),
                "11": ch,
                "12": Directed(rate_bp(ch, base), direction(ch)),
                "27": priced(ask),
                "28": priced(bid),
                "15": Directed(int(st.last_qty[inst]), 1 if side == 1 else -1 if side == 2 else 0),
                "13": int(st.volume[inst]),
                "14": to_unit(int(st.value[inst]), MILLION_KRW),
                "16": priced(int(st.open[inst])),
                "17": priced(int(st.high[inst])),
                "18": priced(int(st.low[inst])),
                "25": sign,
                "9081": STEX[venue],
            }
        )
        return _entry("0B", "주식체결", item, values)

    return encode


def resolve(ctx: KiwoomContext, context: Callable[[], KiwoomContext], type_: str, item: str) -> Encoder:
    """The encoder of (type, item); ``Unserved`` for an unknown type or item."""
    try:
        if type_ == "0J":
            sector(ctx, item)
            return _encoder_0j(context, item)
        if type_ == "0U":
            sector(ctx, item)
            return _encoder_0u(context, item)
        if type_ == "0B":
            inst, venue = stock(ctx, item)
            return _encoder_0b(context, item, inst, venue)
    except KiwoomError:
        raise Unserved(f"존재하지 않는 종목코드입니다({item})") from None
    raise unknown_type(type_)


#: The real types served.
REAL_TYPES: Final = {"0J": REC_0J, "0U": REC_0U, "0B": REC_0B}
