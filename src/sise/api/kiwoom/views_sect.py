"""The six sector (업종) TRs on ``POST /api/dostk/sect``: ka10010, ka10051, ka20001, ka20002,
ka20003, ka20009 (kiwoom.md §2). Each TR's request and response records are declared here once;
``docs/kiwoom.md``'s field tables are generated from them.

One state feeds them all (``lookups.quote``, ``lookups.breadth``): ka20001's summary, ka20003's
row and ka20009's newest row agree exactly at any moment. Indices are computed from KRX prices
(as KRX does), so the index TRs are KRX figures; ka10051 and ka20002 take a venue (``stex_tp``)
for flows and stock prices.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from sise.api.kiwoom.errors import bad_field
from sise.api.kiwoom.fmt import (
    DATE,
    DIR_INT,
    EMPTY,
    INT,
    LEVEL,
    NEG_INT,
    SIGN_CODE,
    SIGNED_DEC2,
    SIGNED_INT,
    TEXT,
    TIME,
)
from sise.api.kiwoom.lookups import (
    Sector,
    check_mock_venue,
    index_history,
    industry_of,
    market_sectors,
    quote,
    sector,
    session_date,
    stock,
)
from sise.api.kiwoom.params import (
    AMT_QTY_TP,
    BASE_DT_OPTIONAL,
    INDS_CD,
    INDS_CD_MARKET,
    MRKT_TP,
    MRKT_TP_MARKET,
    STEX_TP,
    STK_CD,
)
from sise.api.kiwoom.tr import Answer, KiwoomContext, LazyRows, Tr
from sise.api.numbers import (
    HUNDRED_MILLION_KRW,
    MILLION_KRW,
    THOUSAND_SHARES,
    cents,
    cents_array,
    direction,
    directions,
    index_sign,
    rate_bp,
    rate_bp_array,
    to_unit,
    to_unit_array,
)
from sise.api.readers import MEMBERS, TRADED, IndexQuote, breadth, touch
from sise.api.wire import Body, Directed, Field, Record, Request
from sise.market.codes import KA10051_FIELDS, KIWOOM_VENUE_SUFFIX, KiwoomAmtQtyTp
from sise.market.timeutil import NS, hhmmss, yyyymmdd, yyyymmdd_str
from sise.market.types import Account, ProgramKind, Side, Sign, Venue

I64 = npt.NDArray[np.int64]

#: Rows per page (continuation via ``cont-yn``/``next-key``); all (inferred).
KA20001_PAGE: Final = 900  # a full day of 10-second rows is about 2,350
KA20002_PAGE: Final = 100
KA20009_PAGE: Final = 100

#: ka10010 units (not documented; inferred): quantities in shares, amounts in 백만원.
PROGRAM_QTY_UNIT: Final = 1
PROGRAM_AMT_UNIT: Final = MILLION_KRW
#: ka20002 answers NXT and 통합 requests with venue-suffixed codes, as ka10051 does for sectors
#: (``001_AL``) (inferred).
SUFFIX_STOCK_CODES: Final = True

_WEEK52: Final = timedelta(weeks=52)

# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------

_BREADTH: Final = (
    Field("upl", "상한", INT, "constituents at the upper limit (sign code 1)", "종목수"),
    Field("rising", "상승", INT, "constituents up (sign code 2)", "종목수"),
    Field("stdns", "보합", INT, "constituents unchanged, untraded ones included (sign code 3)", "종목수"),
    Field("fall", "하락", INT, "constituents down (sign code 5)", "종목수"),
    Field("lst", "하한", INT, "constituents at the lower limit (sign code 4)", "종목수"),
)
_BREADTH_SIGN: Final = {
    "upl": Sign.LIMIT_UP,
    "rising": Sign.UP,
    "stdns": Sign.FLAT,
    "fall": Sign.DOWN,
    "lst": Sign.LIMIT_DOWN,
}


def _week52_fields(tag: str, label: str, what: str) -> tuple[Field, ...]:
    return (
        Field(
            f"52wk_{tag}_pric",
            f"52주{label}가",
            LEVEL,
            f"{what} of the 52 weeks before today (`index_daily`) and today",
            "지수",
            optional=True,
        ),
        Field(
            f"52wk_{tag}_pric_dt", f"52주{label}가일", DATE, "its date; ties take the latest", optional=True
        ),
        Field(
            f"52wk_{tag}_pric_pre_rt",
            f"52주{label}가대비율",
            SIGNED_DEC2,
            "the level against it",
            "%",
            optional=True,
        ),
    )


#: The 22 summary fields of ka20001 and ka20009.
SUMMARY: Final = Record(
    (
        Field("cur_prc", "현재가", LEVEL, "the index's latest published level", "지수"),
        Field("pred_pre_sig", "전일대비기호", SIGN_CODE, "2 상승, 3 보합, 5 하락"),
        Field("pred_pre", "전일대비", SIGNED_DEC2, "change against the previous close", "지수"),
        Field(
            "flu_rt",
            "등락률",
            SIGNED_DEC2,
            "change rate; takes the change's direction even when it rounds to zero",
            "%",
            inferred="`+0.00` for a tiny rise",
        ),
        Field("trde_qty", "거래량", INT, "constituents' volume at that publication", "1000주"),
        Field("trde_prica", "거래대금", INT, "constituents' value at that publication", "백만원"),
        Field("trde_frmatn_stk_num", "거래형성종목수", INT, "constituents that traded today", "종목수"),
        Field("trde_frmatn_rt", "거래형성비율", SIGNED_DEC2, "traded / constituents", "%"),
        Field("open_pric", "시가", LEVEL, "today's first publication; `0.00` before it", "지수"),
        Field("high_pric", "고가", LEVEL, "today's highest publication; `0.00` before the first", "지수"),
        Field("low_pric", "저가", LEVEL, "today's lowest publication; `0.00` before the first", "지수"),
        *_BREADTH,
        *_week52_fields("hgst", "최고", "highest high"),
        *_week52_fields("lwst", "최저", "lowest low"),
    )
)

#: ka20001 ``inds_cur_prc_tm``.
TIME_ROW: Final = Record(
    (
        Field("tm_n", "시간n", TIME, "publication time on the 10-second grid"),
        Field("cur_prc_n", "현재가n", LEVEL, "level at that publication", "지수"),
        Field("pred_pre_sig_n", "전일대비기호n", SIGN_CODE, "2/3/5"),
        Field("pred_pre_n", "전일대비n", SIGNED_DEC2, "change against the previous close", "지수"),
        Field("flu_rt_n", "등락률n", SIGNED_DEC2, "change rate", "%"),
        Field(
            "trde_qty_n",
            "거래량n",
            INT,
            "since the previous row: the difference of the converted "
            "cumulative figures, so the column adds up to the newest `acc_trde_qty_n`",
            "1000주",
        ),
        Field(
            "acc_trde_qty_n",
            "누적거래량n",
            INT,
            "cumulative; the newest equals the summary's `trde_qty`",
            "1000주",
        ),
        Field(
            "stex_tp",
            "거래소구분",
            EMPTY,
            "present in Kiwoom's example rows, always empty",
            inferred="not in Kiwoom's field table",
        ),
    )
)

#: ka20009 ``inds_cur_prc_daly_rept``.
DAY_ROW: Final = Record(
    (
        Field("dt_n", "일자n", DATE, "trading day"),
        Field("cur_prc_n", "현재가n", LEVEL, "close, direction against that day's previous close", "지수"),
        Field("pred_pre_sig_n", "전일대비기호n", SIGN_CODE, "that day's sign code"),
        Field("pred_pre_n", "전일대비n", SIGNED_DEC2, "that day's change", "지수"),
        Field("flu_rt_n", "등락률n", SIGNED_DEC2, "that day's change rate", "%"),
        Field("acc_trde_qty_n", "누적거래량n", INT, "that day's volume", "1000주"),
    )
)

#: ka20003 ``all_inds_idex``.
ALL_INDEX_ROW: Final = Record(
    (
        Field("stk_cd", "종목코드", TEXT, "sector code"),
        Field(
            "stk_nm",
            "종목명",
            TEXT,
            "sector name (the 2024-12 KRX name as Kiwoom spells it, e.g. `음식료/담배`)",
        ),
        Field("cur_prc", "현재가", LEVEL, "as ka20001", "지수"),
        Field("pre_sig", "대비기호", SIGN_CODE, "as ka20001"),
        Field("pred_pre", "전일대비", SIGNED_DEC2, "as ka20001", "지수"),
        Field("flu_rt", "등락률", SIGNED_DEC2, "as ka20001", "%"),
        Field("trde_qty", "거래량", INT, "as ka20001", "1000주"),
        Field("wght", "비중", EMPTY, "no weight is published", inferred='Kiwoom sends `""` too'),
        Field("trde_prica", "거래대금", INT, "as ka20001", "백만원"),
        *_BREADTH,
        Field("flo_stk_num", "상장종목수", INT, "constituents", "종목수"),
    )
)

#: ka20002 ``inds_stkpc``.
STOCK_ROW: Final = Record(
    (
        Field(
            "stk_cd",
            "종목코드",
            TEXT,
            "stock code; `_NX` / `_AL` appended for `stex_tp` 2 / 3",
            inferred="as ka10051 does for sectors",
        ),
        Field("stk_nm", "종목명", TEXT, "name"),
        Field(
            "cur_prc",
            "현재가",
            DIR_INT,
            "last price on the venue (the base price before its first "
            "trade), direction against the base price",
            "원",
        ),
        Field("pred_pre_sig", "전일대비기호", SIGN_CODE, "1–5, limits included"),
        Field("pred_pre", "전일대비", SIGNED_INT, "change against the base price", "원"),
        Field("flu_rt", "등락률", SIGNED_DEC2, "change rate", "%"),
        Field(
            "now_trde_qty",
            "현재거래량",
            INT,
            "today's volume on the venue",
            "주",
            inferred="현재거래량 = cumulative",
        ),
        Field(
            "sel_bid",
            "매도호가",
            DIR_INT,
            "best ask on the venue (통합: the better of KRX and NXT); `0` when empty",
            "원",
        ),
        Field("buy_bid", "매수호가", DIR_INT, "best bid, as `sel_bid`", "원"),
        Field("open_pric", "시가", DIR_INT, "today's on the venue; `0` before the first trade", "원"),
        Field("high_pric", "고가", DIR_INT, "today's on the venue; `0` before the first trade", "원"),
        Field("low_pric", "저가", DIR_INT, "today's on the venue; `0` before the first trade", "원"),
    )
)

#: ka10051 ``inds_netprps``: seven sector fields, then one net-buying column per investor column
#: of ``KA10051_FIELDS`` (which says what each sums).
NETPRPS_ROW: Final = Record(
    (
        Field(
            "inds_cd",
            "업종코드",
            TEXT,
            "sector code with the venue suffix: `001`, `001_NX`, `001_AL`",
            inferred="suffixes for `stex_tp` 1 and 2",
        ),
        Field("inds_nm", "업종명", TEXT, "the 2024-12 sector names (`음식료/담배`, `전기/전자`, …)"),
        Field(
            "cur_prc",
            "현재가",
            DIR_INT,
            "level ×100, direction prefix: `+265381`",
            inferred="from Kiwoom's example",
        ),
        Field("pre_smbol", "대비부호", SIGN_CODE, "2/3/5"),
        Field("pred_pre", "전일대비", SIGNED_INT, "change ×100: `+9030`", inferred="from Kiwoom's example"),
        Field("flu_rt", "등락율", NEG_INT, "rate ×100: `352`, `-124`", inferred="from Kiwoom's example"),
        Field(
            "trde_qty",
            "거래량",
            INT,
            "constituents' volume on the venue",
            "1000주",
            inferred="Kiwoom's table says 1주, its example is in 1000주",
        ),
        *(
            Field(
                c.code,
                c.name_ko,
                SIGNED_INT,
                "net buying (buys − sells), the exact figure rounded once; "
                "its sign is the exact figure's, so a tiny net sale prints `-0`",
                "억원 or 1000주",
            )
            for c in KA10051_FIELDS
        ),
    )
)

#: ka10010's flat fields: (field prefix, label, program kinds summed) by 차익, 비차익 and
#: 전체 = 차익 + 비차익 (inferred); each with sell, buy and net, in quantity and amount.
_PROGRAM_GROUPS: Final = (
    ("dfrt_trst", "차익위탁", (ProgramKind.ARBITRAGE,)),
    ("ndiffpro_trst", "비차익위탁", (ProgramKind.NON_ARBITRAGE,)),
    ("all_dfrt_trst", "전체차익위탁", (ProgramKind.ARBITRAGE, ProgramKind.NON_ARBITRAGE)),
)
_PROGRAM_SIDES: Final = (("sell", "매도"), ("buy", "매수"), ("netprps", "순매수"))
PROGRAM: Final = Record(
    tuple(
        Field(
            f"{prefix}_{side}_{unit}",
            f"{label}{side_ko}{unit_ko}",
            SIGNED_INT if side == "netprps" else INT,
            f"위탁 program {side_ko} of the stock's industry sector on the code's venue",
            unit_name,
            inferred="units",
        )
        for prefix, label, _ in _PROGRAM_GROUPS
        for side, side_ko in _PROGRAM_SIDES
        for unit, unit_ko, unit_name in (("qty", "수량", "주"), ("amt", "금액", "백만원"))
    )
)

# ---------------------------------------------------------------------------------------------------
# Summary of an index (ka20001, ka20009)
# ---------------------------------------------------------------------------------------------------


def _week52(ctx: KiwoomContext, s: Sector, q: IndexQuote, today: date) -> dict[str, Any]:
    """52-week high and low of the index: stored daily highs and lows of the 52 weeks before
    today plus today's published range; ties take the latest date. ``None`` values when there
    is neither history nor a publication today."""
    rows = index_history(ctx, s.d.key, today - _WEEK52, today - timedelta(days=1))
    hi = lo = 0
    hi_dt = lo_dt = 0
    if rows is not None and len(rows):
        highs, lows = cents_array(rows["high"]), cents_array(rows["low"])
        jh = len(highs) - 1 - int(np.argmax(highs[::-1]))
        jl = len(lows) - 1 - int(np.argmin(lows[::-1]))
        hi, hi_dt = int(highs[jh]), int(rows["date"][jh])
        lo, lo_dt = int(lows[jl]), int(rows["date"][jl])
    if q.published:
        if not hi_dt or q.high >= hi:
            hi, hi_dt = q.high, yyyymmdd(today)
        if not lo_dt or q.low <= lo:
            lo, lo_dt = q.low, yyyymmdd(today)
    out: dict[str, Any] = {}
    for tag, v, dt in (("hgst", hi, hi_dt), ("lwst", lo, lo_dt)):
        diff = q.level - v
        known = bool(dt)
        out[f"52wk_{tag}_pric"] = Directed(v, direction(v - q.prev)) if known else None
        out[f"52wk_{tag}_pric_dt"] = dt if known else None
        out[f"52wk_{tag}_pric_pre_rt"] = Directed(rate_bp(diff, v), direction(diff)) if known else None
    return out


def _summary(ctx: KiwoomContext, s: Sector, q: IndexQuote) -> dict[str, Any]:
    b = breadth(ctx.engine, [s.pos])[0]
    traded, members = int(b[TRADED]), int(b[MEMBERS])
    return SUMMARY.render_one(
        {
            "cur_prc": Directed(q.level, q.sign),
            "pred_pre_sig": int(index_sign(q.sign)),
            "pred_pre": q.change,
            "flu_rt": Directed(q.rate, q.sign),
            "trde_qty": to_unit(q.volume, THOUSAND_SHARES),
            "trde_prica": to_unit(q.value, MILLION_KRW),
            "trde_frmatn_stk_num": traded,
            "trde_frmatn_rt": Directed(rate_bp(traded, members), direction(traded)),
            "open_pric": Directed(q.open, int(directions(q.open, q.prev))),
            "high_pric": Directed(q.high, int(directions(q.high, q.prev))),
            "low_pric": Directed(q.low, int(directions(q.low, q.prev))),
            **{name: int(b[sign]) for name, sign in _BREADTH_SIGN.items()},
            **_week52(ctx, s, q, session_date(ctx)),
        }
    )


def _index_sector(ctx: KiwoomContext, req: Request) -> Sector:
    return sector(ctx, req[INDS_CD])


# ---------------------------------------------------------------------------------------------------
# ka20001 업종현재가요청
# ---------------------------------------------------------------------------------------------------


def _time_rows(ctx: KiwoomContext, s: Sector, q: IndexQuote) -> LazyRows:
    """``inds_cur_prc_tm``: the publications on the 10-second grid, newest first (a 1-second
    index contributes every tenth second). Volumes in 1000주: cumulative, and the interval
    since the previous row as the difference of the converted cumulative figures.

    Rows are rendered a page at a time (``LazyRows``): the series views captured here only
    ever grow past their end, so a continuation reads exactly the rows of the first page's time."""
    times, levels, volumes, _ = ctx.engine.index.series(s.d.key)
    sel = np.flatnonzero(((times // NS) % 10) == 0)[::-1]  # KST offset is whole tens of seconds
    acc_all = to_unit_array(volumes[sel], THOUSAND_SHARES)
    interval = acc_all - np.append(acc_all[1:], 0)

    def build(start: int, stop: int) -> list[dict[str, Any]]:
        pick = sel[start:stop]
        level = cents_array(levels[pick])
        change = level - q.prev
        sign = np.sign(change)
        return TIME_ROW.render(
            len(pick),
            {
                "tm_n": hhmmss(times[pick]),
                "cur_prc_n": Directed(level, sign),
                "pred_pre_sig_n": index_sign(sign),
                "pred_pre_n": change,
                "flu_rt_n": Directed(rate_bp_array(change, q.prev), sign),
                "trde_qty_n": interval[start:stop],
                "acc_trde_qty_n": acc_all[start:stop],
            },
        )

    return LazyRows(len(sel), build)


def ka20001(ctx: KiwoomContext, req: Request) -> Answer:
    """업종현재가요청: the 22 summary fields and the day's 10-second rows."""
    s = _index_sector(ctx, req)
    q = quote(ctx.engine, s)
    return Answer(_summary(ctx, s, q), _time_rows(ctx, s, q))


# ---------------------------------------------------------------------------------------------------
# ka20009 업종현재가일별요청
# ---------------------------------------------------------------------------------------------------


def _daily_rows(ctx: KiwoomContext, s: Sector, q: IndexQuote) -> list[dict[str, Any]]:
    """``inds_cur_prc_daly_rept``: today from the engine (the same ``Quote`` as the summary),
    earlier days from ``index_daily``, newest first."""
    today = session_date(ctx)
    hist = index_history(ctx, s.d.key, None, today - timedelta(days=1))
    dates, close, change, volume = [yyyymmdd(today)], [q.level], [q.change], [q.volume]
    if hist is not None and len(hist):
        h = hist[::-1]
        dates += h["date"].tolist()
        close += cents_array(h["close"]).tolist()
        change += cents_array(h["change"]).tolist()
        volume += h["volume"].tolist()
    level = np.array(close, np.int64)
    ch = np.array(change, np.int64)
    sign = np.sign(ch)
    return DAY_ROW.render(
        len(dates),
        {
            "dt_n": dates,
            "cur_prc_n": Directed(level, sign),
            "pred_pre_sig_n": index_sign(sign),
            "pred_pre_n": ch,
            "flu_rt_n": Directed(rate_bp_array(ch, level - ch), sign),
            "acc_trde_qty_n": to_unit_array(volume, THOUSAND_SHARES),
        },
    )


def ka20009(ctx: KiwoomContext, req: Request) -> Answer:
    """업종현재가일별요청: the 22 summary fields and daily rows ending today."""
    s = _index_sector(ctx, req)
    q = quote(ctx.engine, s)
    return Answer(_summary(ctx, s, q), _daily_rows(ctx, s, q))


# ---------------------------------------------------------------------------------------------------
# ka20003 전업종지수요청
# ---------------------------------------------------------------------------------------------------


def ka20003(ctx: KiwoomContext, req: Request) -> Answer:
    """전업종지수요청: one row per sector of the market, composite first."""
    market = "0" if req[INDS_CD_MARKET] == "001" else "1"
    sectors = market_sectors(ctx, market)
    b = breadth(ctx.engine, [s.pos for s in sectors])
    quotes = [quote(ctx.engine, s) for s in sectors]
    sign = np.array([q.sign for q in quotes], np.int64)
    return Answer(
        {},
        ALL_INDEX_ROW.render(
            len(sectors),
            {
                "stk_cd": [s.code for s in sectors],
                "stk_nm": [s.d.kiwoom_name or "" for s in sectors],
                "cur_prc": Directed([q.level for q in quotes], sign),
                "pre_sig": index_sign(sign),
                "pred_pre": Directed([q.change for q in quotes], sign),
                "flu_rt": Directed([q.rate for q in quotes], sign),
                "trde_qty": to_unit_array([q.volume for q in quotes], THOUSAND_SHARES),
                "trde_prica": to_unit_array([q.value for q in quotes], MILLION_KRW),
                **{name: b[:, s] for name, s in _BREADTH_SIGN.items()},
                "flo_stk_num": b[:, MEMBERS],
            },
        ),
    )


# ---------------------------------------------------------------------------------------------------
# ka20002 업종별주가요청
# ---------------------------------------------------------------------------------------------------


def ka20002(ctx: KiwoomContext, req: Request) -> Answer:
    """업종별주가요청: every constituent of the sector on the venue, in code order."""
    s = sector(ctx, req[INDS_CD])
    venue = req[STEX_TP].venue
    check_mock_venue(ctx, venue)
    eng = ctx.engine
    ins = eng.instruments
    member = eng.index.member[s.pos]
    if venue == Venue.NXT:
        member = member & ins.nxt[: len(member)]
    inst = np.flatnonzero(member)
    code_list = ins.code
    codes = [code_list[i] for i in inst.tolist()]
    order = np.argsort(np.array(codes), kind="stable")
    inst = inst[order]
    sfx = KIWOOM_VENUE_SUFFIX[venue] if SUFFIX_STOCK_CODES else ""
    st = eng.state(venue)
    base = eng.base[inst]
    cur = eng.current_price(venue)[inst]
    ch = cur - base
    ask, bid = touch(eng, venue, inst)

    def priced(v: I64) -> Directed:
        return Directed(v, directions(v, base))

    return Answer(
        {},
        STOCK_ROW.render(
            len(inst),
            {
                "stk_cd": [codes[j] + sfx for j in order.tolist()],
                "stk_nm": [ins.name_ko[i] for i in inst.tolist()],
                "cur_prc": priced(cur),
                "pred_pre_sig": eng.signs(venue)[inst].astype(np.int64),
                "pred_pre": ch,
                "flu_rt": Directed(rate_bp_array(ch, base), np.sign(ch)),
                "now_trde_qty": st.volume[inst],
                "sel_bid": priced(ask),
                "buy_bid": priced(bid),
                "open_pric": priced(st.open[inst]),
                "high_pric": priced(st.high[inst]),
                "low_pric": priced(st.low[inst]),
            },
        ),
    )


# ---------------------------------------------------------------------------------------------------
# ka10051 업종별투자자순매수요청
# ---------------------------------------------------------------------------------------------------


def netprps(exact: npt.ArrayLike, unit: int) -> Directed:
    """Net figures in ``unit``s; the sign is the exact figure's, so a small net selling shows
    "-0" (as in Kiwoom's example) and only an exact zero prints "0"."""
    return Directed(to_unit_array(exact, unit), np.sign(np.asarray(exact, np.int64)))


_Flow: TypeAlias = tuple[int, int, int, I64 | None]


def ka10051(ctx: KiwoomContext, req: Request) -> Answer:
    """업종별투자자순매수요청: net buying per investor column for every sector of the market."""
    venue = req[STEX_TP].venue
    check_mock_venue(ctx, venue)
    today = session_date(ctx)
    day = req.get(BASE_DT_OPTIONAL) or today
    if day > today:
        raise bad_field("base_dt", f"미래 일자입니다({yyyymmdd_str(day)})")
    sectors = market_sectors(ctx, req[MRKT_TP_MARKET])
    by_qty = req[AMT_QTY_TP] == KiwoomAmtQtyTp.QUANTITY
    unit = THOUSAND_SHARES if by_qty else HUNDRED_MILLION_KRW
    # (level, change, volume, net per leaf investor) per sector, from the engine or the store.
    data = (
        _flows_today(ctx, sectors, venue, by_qty)
        if day == today
        else _flows_past(ctx, sectors, venue, day, by_qty)
    )
    kept = [(s, f) for s, f in zip(sectors, data, strict=True) if f[3] is not None]
    if not kept:
        return Answer({}, [])
    sfx = KIWOOM_VENUE_SUFFIX[venue]
    level = np.array([f[0] for _, f in kept], np.int64)
    change = np.array([f[1] for _, f in kept], np.int64)
    sign = np.sign(change)
    nets = np.array([f[3] for _, f in kept], np.int64).reshape(len(kept), -1)
    return Answer(
        {},
        NETPRPS_ROW.render(
            len(kept),
            {
                "inds_cd": [s.code + sfx for s, _ in kept],
                "inds_nm": [s.d.kiwoom_name or "" for s, _ in kept],
                "cur_prc": Directed(level, sign),
                "pre_smbol": index_sign(sign),
                "pred_pre": change,
                "flu_rt": Directed(rate_bp_array(change, level - change), sign),
                "trde_qty": to_unit_array([f[2] for _, f in kept], THOUSAND_SHARES),
                **{c.code: netprps(nets[:, list(c.leaves)].sum(axis=1), unit) for c in KA10051_FIELDS},
            },
        ),
    )


def _flows_today(ctx: KiwoomContext, sectors: list[Sector], venue: Venue, by_qty: bool) -> list[_Flow]:
    """Live figures: the index quote, the venue's constituent volume and investor flows."""
    e = ctx.engine
    bq, sq, bv, sv = e.index_investor_flows(venue)
    net = bq - sq if by_qty else bv - sv
    vol = e.index_totals(venue)[0]
    out: list[_Flow] = []
    for s in sectors:
        q = quote(e, s)
        out.append((q.level, q.change, int(vol[s.pos]), net[s.pos]))
    return out


def _flows_past(
    ctx: KiwoomContext, sectors: list[Sector], venue: Venue, day: date, by_qty: bool
) -> list[_Flow]:
    """A past day from ``index_daily`` and ``investor_daily``. The store holds KRX figures; no
    NXT trading is kept in history, so 통합 is served from them and NXT is refused."""
    if ctx.store is None:
        raise bad_field("base_dt", f"과거 일자 이력이 없습니다(이력 저장소 없음, {yyyymmdd_str(day)})")
    if venue == Venue.NXT:
        raise bad_field("base_dt", f"NXT 과거 일자 이력은 제공하지 않습니다({yyyymmdd_str(day)})")
    d = yyyymmdd(day)
    out: list[_Flow] = []
    for s in sectors:
        ix = ctx.store.get("index_daily", s.d.key, d, d)
        inv = ctx.store.get("investor_daily", s.d.key, d, d)
        if not len(ix) or not len(inv):
            out.append((0, 0, 0, None))
            continue
        r, f = ix[0], inv[0]
        net = f["buy_qty"] - f["sell_qty"] if by_qty else f["buy_val"] - f["sell_val"]
        out.append((cents(float(r["close"])), cents(float(r["change"])), int(r["volume"]), net))
    if not out or out[0][3] is None:
        raise bad_field("base_dt", f"해당 일자의 데이터가 없습니다({yyyymmdd_str(day)})")
    return out


# ---------------------------------------------------------------------------------------------------
# ka10010 업종프로그램요청
# ---------------------------------------------------------------------------------------------------


def ka10010(ctx: KiwoomContext, req: Request) -> Answer:
    """업종프로그램요청: 위탁 program trading of the stock's industry sector on the code's venue."""
    inst, venue = stock(ctx, req[STK_CD])
    s = industry_of(ctx, inst)
    qty, val = ctx.engine.index_program(venue)
    q, v = qty[s.pos], val[s.pos]  # [Side, program kind axis, Account]
    cols: dict[str, Any] = {}
    for prefix, _, kinds in _PROGRAM_GROUPS:
        k = [kind - ProgramKind.ARBITRAGE for kind in kinds]  # the kind axis starts at 차익
        sell_q, buy_q = int(q[Side.SELL, k, Account.AGENCY].sum()), int(q[Side.BUY, k, Account.AGENCY].sum())
        sell_v, buy_v = int(v[Side.SELL, k, Account.AGENCY].sum()), int(v[Side.BUY, k, Account.AGENCY].sum())
        cols[f"{prefix}_sell_qty"] = to_unit(sell_q, PROGRAM_QTY_UNIT)
        cols[f"{prefix}_sell_amt"] = to_unit(sell_v, PROGRAM_AMT_UNIT)
        cols[f"{prefix}_buy_qty"] = to_unit(buy_q, PROGRAM_QTY_UNIT)
        cols[f"{prefix}_buy_amt"] = to_unit(buy_v, PROGRAM_AMT_UNIT)
        cols[f"{prefix}_netprps_qty"] = to_unit(buy_q - sell_q, PROGRAM_QTY_UNIT)
        cols[f"{prefix}_netprps_amt"] = netprps([buy_v - sell_v], PROGRAM_AMT_UNIT)
    return Answer(PROGRAM.render_one(cols))


# ---------------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------------

_INDEX_REQUEST: Final = Body((MRKT_TP, INDS_CD))

TRS: Final = (
    Tr("ka10010", "업종프로그램요청", "sect", Body((STK_CD,)), ka10010, summary=PROGRAM),
    Tr(
        "ka10051",
        "업종별투자자순매수요청",
        "sect",
        Body((MRKT_TP_MARKET, AMT_QTY_TP, BASE_DT_OPTIONAL, STEX_TP)),
        ka10051,
        list_key="inds_netprps",
        row=NETPRPS_ROW,
    ),
    Tr(
        "ka20001",
        "업종현재가요청",
        "sect",
        _INDEX_REQUEST,
        ka20001,
        summary=SUMMARY,
        list_key="inds_cur_prc_tm",
        row=TIME_ROW,
        page_size=KA20001_PAGE,
    ),
    Tr(
        "ka20002",
        "업종별주가요청",
        "sect",
        Body((MRKT_TP, INDS_CD, STEX_TP)),
        ka20002,
        list_key="inds_stkpc",
        row=STOCK_ROW,
        page_size=KA20002_PAGE,
    ),
    Tr(
        "ka20003",
        "전업종지수요청",
        "sect",
        Body((INDS_CD_MARKET,)),
        ka20003,
        list_key="all_inds_idex",
        row=ALL_INDEX_ROW,
    ),
    Tr(
        "ka20009",
        "업종현재가일별요청",
        "sect",
        _INDEX_REQUEST,
        ka20009,
        summary=SUMMARY,
        list_key="inds_cur_prc_daly_rept",
        row=DAY_ROW,
        page_size=KA20009_PAGE,
    ),
)
