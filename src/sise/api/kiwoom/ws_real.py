"""The real types of Kiwoom's WebSocket (kiwoom.md §5.6–5.7; docs/kiwoom-ws.md): one FID
``Record`` per type, and per (type, item) an encoder that renders the item's current value as one
entry of a REAL frame's ``data``.

Values are formatted by the same ``Fmt`` declarations as the REST TRs, from the same readers, so a
REAL ``10`` of ``0J 001`` equals ka20001's ``cur_prc``. An encoder reads only its item's slice of
the engine state (the hub calls it once per batch) and gives ``None`` when the item has nothing to
send. A few encoders keep what they last published: the 직전대비 figures of 0D and the 증감 of 0w
are changes against it, and 1h shows a VI's release with what its start showed.

Stock items are venue-qualified (``005930``, ``005930_NX``, ``005930_AL``; 모의투자 KRX only, as
``lookups.stock``). The engine keeps session phases, indicative prices and VIs per venue (KRX and
NXT); a 통합 item reads KRX's, where the auctions and VIs are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import orjson

from sise.api.kiwoom.errors import STOCK_NOT_FOUND, KiwoomError
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
from sise.api.kiwoom.views_sect import PROGRAM_AMT_UNIT, PROGRAM_QTY_UNIT, netprps
from sise.api.numbers import (
    HUNDRED_MILLION_KRW,
    MILLION_KRW,
    THOUSAND_SHARES,
    direction,
    index_sign,
    rate_bp,
    to_unit,
)
from sise.api.readers import MEMBERS, TRADED, Book, book, breadth, etf_nav, touch
from sise.api.stream import Encoder
from sise.api.wire import Directed, Field, Fmt, Record
from sise.engine.batches import BOOK_LEVELS
from sise.engine.engine import Engine
from sise.market.limits import sign_codes
from sise.market.sessions import DaySchedule, Phase, schedule_for
from sise.market.timeutil import NS, hhmmss, hhmmss_of_second, kst_datetime, kst_ns
from sise.market.types import InstrumentKind, Market, Side, Sign, Venue

__all__ = ["REAL_TYPES", "RealType", "Unserved", "resolve", "unknown_type"]

I64 = npt.NDArray[np.int64]


class Unserved(Exception):
    """A (type, item) pair sise does not serve; ``str()`` is the refusal's message."""


def unknown_type(type_: str) -> Unserved:
    return Unserved(f"지원하지 않는 실시간 항목입니다({type_})")


def unknown_item(item: str) -> Unserved:
    return Unserved(f"존재하지 않는 종목코드입니다({item})")


#: An item's current columns (by FID; extra keys are ignored), or None: nothing to send.
Values = Callable[[], Mapping[str, Any] | None]
#: The ``Values`` of one item; raises ``KiwoomError`` (or ``Unserved``) for an item not served.
Factory = Callable[[KiwoomContext, Callable[[], KiwoomContext], str], Values]


@dataclass(frozen=True, slots=True)
class RealType:
    """A real type: its code, Kiwoom's name, its FIDs and how an item's values are read."""

    code: str
    name: str
    record: Record
    values: Factory


# ---------------------------------------------------------------------------------------------------
# Sectors: 0J, 0U
# ---------------------------------------------------------------------------------------------------

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


def _values_0j(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    sector(ctx, item)

    def values() -> Mapping[str, Any]:
        ctx = context()
        s = sector(ctx, item)
        q = quote(ctx.engine, s)
        times, _, volumes, _ = ctx.engine.index.series(s.d.key)
        tick = 0
        if len(volumes):
            before = to_unit(int(volumes[-2]), THOUSAND_SHARES) if len(volumes) > 1 else 0
            tick = to_unit(int(volumes[-1]), THOUSAND_SHARES) - before
        return {
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

    return values


def _values_0u(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    sector(ctx, item)

    def values() -> Mapping[str, Any]:
        ctx = context()
        s = sector(ctx, item)
        q = quote(ctx.engine, s)
        times = ctx.engine.index.series(s.d.key)[0]
        b = breadth(ctx.engine, [s.pos])[0]
        traded, members = int(b[TRADED]), int(b[MEMBERS])
        return {
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

    return values


# ---------------------------------------------------------------------------------------------------
# Stocks: the trade fields several types share (0B, 0A, 0C, 0w, 0G)
# ---------------------------------------------------------------------------------------------------

#: The fields of a stock's trading on the venue, in ka20002's formats, by FID.
_TRADE: Final = {
    f.name: f
    for f in (
        Field("20", "체결시간", TIME, "time of the last trade on the venue", optional=True),
        Field("10", "현재가", DIR_INT, "as ka20002 cur_prc"),
        Field("11", "전일대비", SIGNED_INT, "as ka20002 pred_pre"),
        Field("12", "등락율", SIGNED_DEC2, "as ka20002 flu_rt"),
        Field("27", "(최우선)매도호가", DIR_INT, "as ka20002 sel_bid"),
        Field("28", "(최우선)매수호가", DIR_INT, "as ka20002 buy_bid"),
        Field("13", "누적거래량", INT, "as ka20002 now_trde_qty"),
        Field("14", "누적거래대금", INT, "today's value", "백만원"),
        Field("16", "시가", DIR_INT, "as ka20002 open_pric"),
        Field("17", "고가", DIR_INT, "as ka20002 high_pric"),
        Field("18", "저가", DIR_INT, "as ka20002 low_pric"),
        Field("25", "전일대비기호", SIGN_CODE, "as ka20002 pred_pre_sig"),
    )
}

#: 0B 주식체결: the formats of ka20002's rows (cur_prc, pred_pre, flu_rt, sel_bid, …).
REC_0B: Final = Record(
    (
        *(_TRADE[k] for k in ("20", "10", "11", "12", "27", "28")),
        Field("15", "거래량", SIGNED_INT, "last trade's quantity, + buyer- / - seller-initiated"),
        *(_TRADE[k] for k in ("13", "14", "16", "17", "18", "25")),
        Field("9081", "거래소구분", TEXT, "`1` KRX, `2` NXT, `3` 통합", inferred="stex_tp's values"),
    )
)

#: 0A 주식기세: 0B's values; of the other FIDs Kiwoom lists, those the engine has.
REC_0A: Final = Record(
    (
        *(_TRADE[k] for k in ("10", "11", "12", "27", "28", "13", "14", "16", "17", "18", "25")),
        Field("31", "거래회전율", UNSIGNED_DEC2, "today's volume / listed shares", "%"),
        Field("311", "시가총액(억)", INT, "current price × listed shares", "억원"),
    )
)

#: 0C 주식우선호가: the touch, as 0B's.
REC_0C: Final = Record((_TRADE["27"], _TRADE["28"]))

STEX: Final = {Venue.KRX: "1", Venue.NXT: "2", Venue.ALL: "3"}


def _status_venue(venue: Venue) -> Venue:
    """The venue whose phase, indicative price and VI an item shows: 통합 shows KRX's."""
    return Venue.KRX if venue == Venue.ALL else venue


def _priced(v: int, base: int) -> Directed:
    return Directed(v, direction(v - base) if v > 0 else 0)


def _sign(eng: Engine, inst: int, price: int) -> int:
    one = np.array([inst], np.intp)
    return int(sign_codes(np.array([price], np.int64), eng.base[one], eng.upper[one], eng.lower[one])[0])


def _current(eng: Engine, inst: int, venue: Venue) -> int:
    """The last price on the venue, or the base price before the first trade."""
    last = int(eng.state(venue).last[inst])
    return last if last > 0 else int(eng.base[inst])


def _trade(eng: Engine, inst: int, venue: Venue) -> dict[str, Any]:
    """The ``_TRADE`` columns, and ``15``/``9081`` of 0B, ``31``/``311`` of 0A. One instrument's
    slice of each array: the whole-market readers (``current_price``, ``signs``) would cost
    O(market) per item per batch."""
    st = eng.state(venue)
    base = int(eng.base[inst])
    cur = _current(eng, inst, venue)
    ch = cur - base
    ask, bid = (int(a[0]) for a in touch(eng, venue, np.array([inst], np.intp)))
    traded = int(st.count[inst]) > 0
    side = int(st.last_side[inst])
    volume = int(st.volume[inst])
    listed = int(eng.instruments.listed_shares[inst])
    return {
        "20": int(hhmmss(int(st.last_time[inst]))) if traded else None,
        "10": _priced(cur, base),
        "11": ch,
        "12": Directed(rate_bp(ch, base), direction(ch)),
        "27": _priced(ask, base),
        "28": _priced(bid, base),
        "15": Directed(int(st.last_qty[inst]), 1 if side == 1 else -1 if side == 2 else 0),
        "13": volume,
        "14": to_unit(int(st.value[inst]), MILLION_KRW),
        "16": _priced(int(st.open[inst]), base),
        "17": _priced(int(st.high[inst]), base),
        "18": _priced(int(st.low[inst]), base),
        "25": _sign(eng, inst, cur),
        "9081": STEX[venue],
        "31": rate_bp(volume, listed),
        "311": to_unit(cur * listed, HUNDRED_MILLION_KRW),
    }


def _values_trade(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    inst, venue = stock(ctx, item)
    return lambda: _trade(context().engine, inst, venue)


# ---------------------------------------------------------------------------------------------------
# Market operation: 0s (and 0D's 215)
# ---------------------------------------------------------------------------------------------------

#: 0s 장시작시간 (item ``""``: the KRX equity market).
REC_0s: Final = Record(
    (
        Field(
            "215",
            "장운영구분",
            TEXT,
            "`0` 장시작전 (to the open: the opening auction included), `3` 장시작 (continuous), "
            "`2` 장종료전 (the closing auction), `4` 장종료 (the post-close sessions), `9` 장마감 "
            "(after the last session)",
            inferred="the code of each phase; Kiwoom's list is 0, 2, 3, 4/8, 9",
        ),
        Field(
            "20",
            "시간",
            TIME,
            "when the code took effect; before the open, the current minute",
            inferred="a value a minute before the open, then one per change",
        ),
        Field(
            "214",
            "장시작예상잔여시간",
            TIME,
            "time left to the open from `20`; `000000` from the open",
            inferred="`HHmmss`",
        ),
    )
)

_OPERATION: Final = {
    Phase.PRE_OPEN_CLOSING_PRICE: "0",
    Phase.OPENING_AUCTION: "0",
    Phase.CONTINUOUS: "3",
    Phase.CLOSING_AUCTION: "2",
    Phase.POST_CLOSE_CLOSING_PRICE: "4",
    Phase.AFTER_HOURS_SINGLE_PRICE: "4",
}
_MINUTE: Final = 60 * NS


@lru_cache(maxsize=4)
def _krx_schedule(day: date) -> DaySchedule:
    return schedule_for(day, Venue.KRX)


def _operation(eng: Engine) -> dict[str, Any] | None:
    """0s's columns at the engine's time, from the KRX schedule of its day; None between days."""
    if eng.day is None or eng.last_time <= 0:
        return None
    sched = _krx_schedule(eng.day)
    now = int(eng.last_time)
    phase = sched.phase_at(kst_datetime(now).time())
    assert sched.open_time is not None  # a day the engine opened trades
    open_ns = kst_ns(eng.day, sched.open_time)
    if now < open_ns:
        minute = now - now % _MINUTE
        return {"215": "0", "20": int(hhmmss(minute)), "214": int(hhmmss_of_second((open_ns - minute) // NS))}
    window = sched.window(phase)
    if window is None:  # after the last session
        code, since = "9", max(kst_ns(eng.day, w.end) for w in sched.windows)
    else:
        code, since = _OPERATION[phase], kst_ns(eng.day, window.start)
    return {"215": code, "20": int(hhmmss(since)), "214": 0}


def _values_0s(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    if item:
        raise unknown_item(item)
    return lambda: _operation(context().engine)


# ---------------------------------------------------------------------------------------------------
# Calls: 0H (and 0D's 23/24)
# ---------------------------------------------------------------------------------------------------

_CALLS: Final = frozenset(int(p) for p in Phase if p.is_call_auction)


def _indicative(eng: Engine, inst: int, venue: Venue) -> tuple[int, int, int] | None:
    """(price, quantity, time) of the running call auction's indicative match; None outside a
    call or before its first indicative price."""
    v = _status_venue(venue)
    price = int(eng.indicative_price[v, inst])
    if int(eng.phase[v, inst]) not in _CALLS or price <= 0:
        return None
    return price, int(eng.indicative_qty[v, inst]), int(eng.indicative_time[v, inst])


#: 0H 주식예상체결: the running call auction's indicative match.
REC_0H: Final = Record(
    (
        Field("20", "체결시간", TIME, "time of the indicative price"),
        Field("10", "현재가", DIR_INT, "indicative price, direction against the base price", "원"),
        Field("11", "전일대비", SIGNED_INT, "indicative price − base price", "원"),
        Field("12", "등락율", SIGNED_DEC2, "its rate", "%"),
        Field("15", "거래량", INT, "indicative quantity", "주"),
        Field("13", "누적거래량", INT, "today's volume on the venue (as 0B)", "주"),
        Field("25", "전일대비기호", SIGN_CODE, "of the indicative price, limits included"),
    )
)


def _values_0h(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    inst, venue = stock(ctx, item)

    def values() -> Mapping[str, Any] | None:
        eng = context().engine
        call = _indicative(eng, inst, venue)
        if call is None:
            return None
        price, qty, at = call
        base = int(eng.base[inst])
        return {
            "20": int(hhmmss(at)),
            "10": _priced(price, base),
            "11": price - base,
            "12": Directed(rate_bp(price - base, base), direction(price - base)),
            "15": qty,
            "13": int(eng.state(venue).volume[inst]),
            "25": _sign(eng, inst, price),
        }

    return values


# ---------------------------------------------------------------------------------------------------
# The book: 0D
# ---------------------------------------------------------------------------------------------------


def _levels(
    first: int, label: str, fmt: Fmt, doc: str, unit: str = "", inferred: str = ""
) -> tuple[Field, ...]:
    """Ten fields, FIDs ``first`` … ``first + 9``, for levels 1–10."""
    return tuple(
        Field(str(first + k), f"{label}{k + 1}", fmt, doc, unit, inferred) for k in range(BOOK_LEVELS)
    )


_CHANGE_DOC: Final = (
    "the level's quantity − the quantity at the same price in the previous different book "
    "published for the item (the level's whole quantity when the price is new; 0 in the first)"
)
_CHANGE_INFERRED: Final = "per price, against the previous different book"

#: 0D 주식호가잔량: ten levels a side, in ka20002 sel_bid/buy_bid's formats.
REC_0D: Final = Record(
    (
        Field("21", "호가시간", TIME, "time of the latest book snapshot", optional=True),
        *_levels(41, "매도호가", DIR_INT, "ask price, direction against the base price; `0` empty", "원"),
        *_levels(51, "매수호가", DIR_INT, "bid price, as 매도호가", "원"),
        *_levels(61, "매도호가수량", INT, "ask quantity", "주"),
        *_levels(71, "매수호가수량", INT, "bid quantity", "주"),
        *_levels(81, "매도호가직전대비", SIGNED_INT, _CHANGE_DOC, "주", _CHANGE_INFERRED),
        *_levels(91, "매수호가직전대비", SIGNED_INT, _CHANGE_DOC, "주", _CHANGE_INFERRED),
        Field("121", "매도호가총잔량", INT, "the ten ask quantities", "주"),
        Field("122", "매도호가총잔량직전대비", SIGNED_INT, "against the previous different book", "주"),
        Field("125", "매수호가총잔량", INT, "the ten bid quantities", "주"),
        Field("126", "매수호가총잔량직전대비", SIGNED_INT, "against the previous different book", "주"),
        Field("23", "예상체결가", DIR_INT, "in a call auction, as 0H `10`", "원", optional=True),
        Field("24", "예상체결수량", INT, "in a call auction, as 0H `15`", "주", optional=True),
        Field("13", "누적거래량", INT, "as 0B", "주"),
        Field("215", "장운영구분", TEXT, "as 0s", inferred="the market's, as 0s"),
        *_levels(6044, "KRX 매도호가잔량", INT, "the KRX part of the level's ask quantity", "주"),
        *_levels(6054, "KRX 매수호가잔량", INT, "the KRX part of the level's bid quantity", "주"),
        Field("6064", "KRX 매도호가총잔량", INT, "the KRX part of `121`", "주"),
        Field("6065", "KRX 매수호가총잔량", INT, "the KRX part of `125`", "주"),
        *_levels(6066, "NXT 매도호가잔량", INT, "the NXT part of the level's ask quantity", "주"),
        *_levels(6076, "NXT 매수호가잔량", INT, "the NXT part of the level's bid quantity", "주"),
        Field("6086", "NXT 매도호가총잔량", INT, "the NXT part of `121`", "주"),
        Field("6087", "NXT 매수호가총잔량", INT, "the NXT part of `125`", "주"),
    )
)


def _changes(prices: I64, qty: I64, before_prices: I64, before_qty: I64) -> list[int]:
    """Per level: its quantity − the quantity at its price before (0 where it had none)."""
    before = dict(zip(before_prices.tolist(), before_qty.tolist(), strict=True))
    return [q - before.get(p, 0) if p > 0 else 0 for p, q in zip(prices.tolist(), qty.tolist(), strict=True)]


@dataclass(slots=True)
class _BookShown:
    """The last different book an 0D item published and its changes against its predecessor."""

    book: Book | None = None
    asks: list[int] = field(default_factory=lambda: [0] * BOOK_LEVELS)
    bids: list[int] = field(default_factory=lambda: [0] * BOOK_LEVELS)
    ask_total: int = 0
    bid_total: int = 0

    def follow(self, b: Book) -> None:
        before = self.book
        if before is not None and not _same(before, b):
            self.asks = _changes(b.ask_price, b.ask_qty, before.ask_price, before.ask_qty)
            self.bids = _changes(b.bid_price, b.bid_qty, before.bid_price, before.bid_qty)
            self.ask_total = int(b.ask_qty.sum() - before.ask_qty.sum())
            self.bid_total = int(b.bid_qty.sum() - before.bid_qty.sum())
        self.book = b


def _values_0d(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    inst, venue = stock(ctx, item)
    shown = _BookShown()

    def values() -> Mapping[str, Any]:
        eng = context().engine
        b = book(eng, venue, inst)
        shown.follow(b)
        asks, bids = b.ask_qty, b.bid_qty
        base = int(eng.base[inst])
        call = _indicative(eng, inst, venue)
        operation = _operation(eng)
        cols: dict[str, Any] = {
            "21": int(hhmmss(b.time)) if b.time > 0 else None,
            "121": int(asks.sum()),
            "122": shown.ask_total,
            "125": int(bids.sum()),
            "126": shown.bid_total,
            "23": _priced(call[0], base) if call else None,
            "24": call[1] if call else None,
            "13": int(eng.state(venue).volume[inst]),
            "215": operation["215"] if operation else "",
            "6064": int(b.ask_krx.sum()),
            "6065": int(b.bid_krx.sum()),
            "6086": int(b.ask_nxt.sum()),
            "6087": int(b.bid_nxt.sum()),
        }
        columns = (
            (41, [_priced(p, base) for p in b.ask_price.tolist()]),
            (51, [_priced(p, base) for p in b.bid_price.tolist()]),
            (61, asks.tolist()),
            (71, bids.tolist()),
            (81, shown.asks),
            (91, shown.bids),
            (6044, b.ask_krx.tolist()),
            (6054, b.bid_krx.tolist()),
            (6066, b.ask_nxt.tolist()),
            (6076, b.bid_nxt.tolist()),
        )
        for first, level_values in columns:
            cols.update((str(first + k), v) for k, v in enumerate(level_values))
        return cols

    return values


def _same(a: Book, b: Book) -> bool:
    return all(
        np.array_equal(x, y)
        for x, y in (
            (a.ask_price, b.ask_price),
            (a.bid_price, b.bid_price),
            (a.ask_qty, b.ask_qty),
            (a.bid_qty, b.bid_qty),
        )
    )


# ---------------------------------------------------------------------------------------------------
# Program trading: 0w
# ---------------------------------------------------------------------------------------------------

#: 0w 종목프로그램매매: all program trading of the stock on the venue (차익 and 비차익, 위탁 and
#: 자기), in ka10010's units (shares, 백만원).
REC_0w: Final = Record(
    (
        *(_TRADE[k] for k in ("20", "10", "25", "11", "12", "13")),
        Field("202", "매도수량", INT, "program sales today", "주"),
        Field("204", "매도금액", INT, "their value", "백만원"),
        Field("206", "매수수량", INT, "program purchases today", "주"),
        Field("208", "매수금액", INT, "their value", "백만원"),
        Field("210", "순매수수량", SIGNED_INT, "purchases − sales", "주"),
        Field(
            "211",
            "순매수수량증감",
            SIGNED_INT,
            "`210` − its value in the previous different publication (0 in the first)",
            "주",
            inferred="against the last change",
        ),
        Field(
            "212",
            "순매수금액",
            SIGNED_INT,
            "net value rounded once, the exact figure's sign (as ka10010 `*_netprps_amt`)",
            "백만원",
        ),
        Field(
            "213",
            "순매수금액증감",
            SIGNED_INT,
            "`212` − its value in the previous different publication (0 in the first)",
            "백만원",
            inferred="against the last change",
        ),
    )
)


@dataclass(slots=True)
class _NetShown:
    """The last different (net quantity, net amount) an 0w item published, and their changes."""

    qty: int | None = None
    amount: int = 0
    qty_change: int = 0
    amount_change: int = 0

    def follow(self, qty: int, amount: int) -> None:
        if self.qty is not None and (qty, amount) != (self.qty, self.amount):
            self.qty_change, self.amount_change = qty - self.qty, amount - self.amount
        self.qty, self.amount = qty, amount


def _values_0w(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    inst, venue = stock(ctx, item)
    shown = _NetShown()

    def values() -> Mapping[str, Any]:
        eng = context().engine
        st = eng.state(venue)
        qty, val = st.prog_qty[inst], st.prog_val[inst]  # [side, kind, account]
        buy_q, sell_q = int(qty[Side.BUY].sum()), int(qty[Side.SELL].sum())
        buy_v, sell_v = int(val[Side.BUY].sum()), int(val[Side.SELL].sum())
        net_q = to_unit(buy_q - sell_q, PROGRAM_QTY_UNIT)
        net_v = netprps([buy_v - sell_v], PROGRAM_AMT_UNIT)
        shown.follow(net_q, int(np.asarray(net_v.value)[0]))
        return _trade(eng, inst, venue) | {
            "202": to_unit(sell_q, PROGRAM_QTY_UNIT),
            "204": to_unit(sell_v, PROGRAM_AMT_UNIT),
            "206": to_unit(buy_q, PROGRAM_QTY_UNIT),
            "208": to_unit(buy_v, PROGRAM_AMT_UNIT),
            "210": net_q,
            "211": shown.qty_change,
            "212": net_v,
            "213": shown.amount_change,
        }

    return values


# ---------------------------------------------------------------------------------------------------
# ETF NAV: 0G
# ---------------------------------------------------------------------------------------------------

#: 0G ETF NAV (FIDs as Kiwoom's 0G samples list them; kiwoom.md has none).
REC_0G: Final = Record(
    (
        Field(
            "36",
            "NAV",
            LEVEL,
            "the engine's iNAV (the previous NAV for an underlying it does not compute), "
            "direction against the previous NAV",
            "원",
            inferred="2 dp with a direction prefix",
        ),
        Field("37", "NAV전일대비", SIGNED_DEC2, "NAV − previous NAV", "원", inferred="2 dp"),
        Field("38", "NAV등락율", SIGNED_DEC2, "its rate", "%"),
        Field(
            "266",
            "NAV/ETF괴리율",
            SIGNED_DEC2,
            "(current price − NAV) / NAV",
            "%",
            inferred="the sign of a premium",
        ),
        *(_TRADE[k] for k in ("20", "10", "11", "12", "13", "25")),
    )
)


def _values_0g(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    inst, venue = stock(ctx, item)
    if int(ctx.engine.instruments.kind[inst]) != InstrumentKind.ETF:
        raise STOCK_NOT_FOUND(code=item)

    def values() -> Mapping[str, Any]:
        eng = context().engine
        nav, prev = etf_nav(eng, inst)
        premium = 100 * _current(eng, inst, venue) - nav  # in hundredths, as the NAV
        return _trade(eng, inst, venue) | {
            "36": Directed(nav, direction(nav - prev)),
            "37": nav - prev,
            "38": Directed(rate_bp(nav - prev, prev), direction(nav - prev)),
            "266": Directed(rate_bp(premium, nav), direction(premium)),
        }

    return values


# ---------------------------------------------------------------------------------------------------
# VI: 1h
# ---------------------------------------------------------------------------------------------------

_VI_KIND: Final = {1: "정적", 2: "동적", 3: "동적+정적"}
_MARKET: Final = {Market.KOSPI: "0", Market.KOSDAQ: "1"}

#: 1h VI발동/해제 of one stock: a VI's start and its release.
REC_1h: Final = Record(
    (
        Field("9001", "종목코드", TEXT, "the item as registered"),
        Field("302", "종목명", TEXT, "name"),
        Field("13", "누적거래량", INT, "today's volume on the venue when the event was seen", "주"),
        Field("14", "누적거래대금", INT, "today's value then", "백만원"),
        Field("9068", "VI발동구분", TEXT, "`1` 발동, `2` 해제", inferred="the codes"),
        Field(
            "9008",
            "KOSPI,KOSDAQ,전체구분",
            TEXT,
            "the stock's market: `0` KOSPI, `1` KOSDAQ",
            inferred="mrkt_tp's values",
        ),
        Field("1221", "VI발동가격", DIR_INT, "trigger price, direction against the base price", "원"),
        Field("1223", "매매체결처리시각", TIME, "when the VI started"),
        Field("1224", "VI해제시각", TIME, 'when it ended (`""` while it runs)', optional=True),
        Field("1225", "VI적용구분", TEXT, "`정적`, `동적` or `동적+정적`", inferred="the spelling"),
        Field(
            "1237",
            "기준가격 동적",
            DIR_INT,
            "a dynamic VI's reference: the last trade before it (the base price before any)",
            "원",
            optional=True,
        ),
        Field(
            "1239",
            "괴리율 동적",
            SIGNED_DEC2,
            "(trigger − dynamic reference) / reference",
            "%",
            optional=True,
        ),
        Field("1489", "VI발동가 등락율", SIGNED_DEC2, "the trigger price against the base price", "%"),
        Field("1490", "VI발동횟수", INT, "VIs of the stock today on the venue, this one included"),
        Field(
            "9069",
            "발동방향구분",
            TEXT,
            "`1` up, `2` down: the trigger price against the last trade",
            inferred="the codes",
        ),
    )
)


@dataclass(slots=True)
class _ViShown:
    """The VI event a 1h item published: (``start`` | ``end``, its time) and its columns."""

    key: tuple[str, int] | None = None
    cols: dict[str, Any] | None = None


def _values_1h(ctx: KiwoomContext, context: Callable[[], KiwoomContext], item: str) -> Values:
    inst, venue = stock(ctx, item)
    name = ctx.engine.instruments.name_ko[inst]
    market = _MARKET.get(Market(int(ctx.engine.instruments.market[inst])), "")
    shown = _ViShown()

    def values() -> Mapping[str, Any] | None:
        eng = context().engine
        v = _status_venue(venue)
        kind, at = int(eng.vi[v, inst]), int(eng.vi_time[v, inst])
        key = ("start", at) if kind else ("end", at)
        # A VI that ended before the REG is not news: nothing to send until one starts.
        if key == shown.key or (not kind and shown.cols is None):
            return shown.cols
        st = eng.state(venue)
        now = {"13": int(st.volume[inst]), "14": to_unit(int(st.value[inst]), MILLION_KRW)}
        if kind:
            base = int(eng.base[inst])
            price = int(eng.vi_price[v, inst])
            ref = _current(eng, inst, v)
            dynamic = kind in (2, 3)
            cols: dict[str, Any] = {
                "9001": item,
                "302": name,
                "9068": "1",
                "9008": market,
                "1221": _priced(price, base),
                "1223": int(hhmmss(at)),
                "1224": None,
                "1225": _VI_KIND.get(kind, ""),
                "1237": _priced(ref, base) if dynamic else None,
                "1239": Directed(rate_bp(price - ref, ref), direction(price - ref)) if dynamic else None,
                "1489": Directed(rate_bp(price - base, base), direction(price - base)),
                "1490": int(eng.vi_count[v, inst]),
                "9069": "1" if price > ref else "2" if price < ref else "",
            }
        else:  # the VI shown has ended: its columns, released
            assert shown.cols is not None
            cols = shown.cols | {"9068": "2", "1224": int(hhmmss(at))}
        shown.key, shown.cols = key, cols | now
        return shown.cols

    return values


# ---------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------

#: The real types served, by type code (case-sensitive: ``0s`` is not ``0S``).
REAL_TYPES: Final = {
    t.code: t
    for t in (
        RealType("0A", "주식기세", REC_0A, _values_trade),
        RealType("0B", "주식체결", REC_0B, _values_trade),
        RealType("0C", "주식우선호가", REC_0C, _values_trade),
        RealType("0D", "주식호가잔량", REC_0D, _values_0d),
        RealType("0G", "ETF NAV", REC_0G, _values_0g),
        RealType("0H", "주식예상체결", REC_0H, _values_0h),
        RealType("0J", "업종지수", REC_0J, _values_0j),
        RealType("0U", "업종등락", REC_0U, _values_0u),
        RealType("0s", "장시작시간", REC_0s, _values_0s),
        RealType("0w", "종목프로그램매매", REC_0w, _values_0w),
        RealType("1h", "VI발동/해제", REC_1h, _values_1h),
    )
}


def resolve(ctx: KiwoomContext, context: Callable[[], KiwoomContext], type_: str, item: str) -> Encoder:
    """The encoder of (type, item); ``Unserved`` for an unknown type or item. ``ctx`` is the
    registering app's (its ``mock`` is the personality's); ``context`` gives the current one."""
    rt = REAL_TYPES.get(type_)
    if rt is None:
        raise unknown_type(type_)
    try:
        values = rt.values(ctx, context, item)
    except KiwoomError:
        raise unknown_item(item) from None
    record = rt.record
    names = [f.name for f in record if f.fmt.constant is None]

    def encode() -> bytes | None:
        cols = values()
        if cols is None:
            return None
        # Shared column builders give more than a record names; each record takes its own.
        rendered = record.render_one({n: cols[n] for n in names})
        return orjson.dumps({"type": rt.code, "name": rt.name, "item": item, "values": rendered})

    return encode
