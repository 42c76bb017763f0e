"""The six sector (업종) TRs on ``POST /api/dostk/sect``: ka10010, ka10051, ka20001, ka20002,
ka20003, ka20009 (kiwoom.md §2; field-by-field notes in ``docs/kiwoom.md``).

One state feeds them all. An index's current level is its latest *published* level and its
change is against ``engine.index.prev_close``; volume and value are the constituents' cumulative
figures at that publication. ka20001's summary, ka20003's row and ka20009's newest row are built
from the same ``quote`` and ``breadth`` and so agree exactly at any moment. Indices are computed
from KRX prices (as KRX does), so the index TRs are KRX figures; ka10051 and ka20002 take a venue
(``stex_tp``) for flows and stock prices.

The helpers at the top (sector and stock lookup, quotes, history) are shared with the chart TRs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from sise.api.kiwoom.errors import MOCK_UNSUPPORTED, STOCK_NOT_FOUND, STOCK_NOT_ON_VENUE, bad_field
from sise.api.kiwoom.fmt import (
    FRAC,
    HHMMSS10,
    HUNDRED_MILLION_KRW,
    INDEX_SIGN,
    KST_OFFSET_S,
    MILLION_KRW,
    NS,
    PREFIX,
    SEP,
    THOUSAND_SHARES,
    cents,
    cents_array,
    choice,
    dec2,
    direction,
    int_dir,
    interleave,
    kst_date_of_ns,
    lookup,
    parse_ymd,
    prefix_array,
    rate_bp,
    rate_bp_array,
    render,
    required,
    signed_int,
    text_field,
    to_unit,
    to_unit_array,
    ymd,
    ymd_int,
)
from sise.api.kiwoom.tr import KiwoomContext, LazyRows, TrResult, tr
from sise.engine.engine import Engine
from sise.market.codes import (
    KA10051_FIELDS,
    KIWOOM_DMST_STEX_TP,
    KIWOOM_SECTOR_MRKT_TP,
    KIWOOM_VENUE_SUFFIX,
    split_venue_code,
    venue_from_stex_tp,
)
from sise.market.indices_table import IndexDef, index_by_kiwoom, kiwoom_sector_list
from sise.market.types import InstrumentKind, Market, Venue
from sise.store.base import Rows

I64 = npt.NDArray[np.int64]

#: ``mrkt_tp`` of the index TRs: 0 코스피, 1 코스닥, 2 코스피200 as documented, plus the ka10101
#: groups 4 (KOSPI100/50) and 7 (KRX100) so every listed code can be asked for. The sector code
#: decides which index is served (inferred; the references show no mismatch error).
MRKT_TP_INDEX: Final = tuple(KIWOOM_SECTOR_MRKT_TP)
#: ka10051 ``mrkt_tp``: 0 코스피, 1 코스닥.
MRKT_TP_MARKET: Final = ("0", "1")
STEX_TP: Final = ("1", "2", "3")
AMT_QTY_TP: Final = ("0", "1")

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
_CASH_KINDS: Final = (InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW)

# ---------------------------------------------------------------------------------------------------
# Shared lookups
# ---------------------------------------------------------------------------------------------------


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
    """Per index: (traded, 상한, 상승, 보합, 하한, 하락, constituents) — the rows of
    ``engine.breadth`` for just these indices, plus the constituent count."""
    signs = engine.signs(venue)
    traded = engine.state(venue).count > 0
    out = np.zeros((len(positions), 7), np.int64)
    for r, p in enumerate(positions):
        m = engine.index.member[p]
        out[r, :6] = np.bincount(signs[m], minlength=6)[:6]
        out[r, 0] = np.count_nonzero(traded[m])
        out[r, 6] = np.count_nonzero(m)
    return out


def _level_dir(v: int, prev: int) -> str:
    """A level with its direction against the previous close; "0.00" for a missing one."""
    return dec2(v, direction(v - prev)) if v else "0.00"


def _week52(ctx: KiwoomContext, s: Sector, q: Quote, today: date) -> dict[str, str]:
    """52-week high and low of the index: stored daily highs and lows of the 52 weeks before
    today plus today's published range; ties take the latest date."""
    rows = index_history(ctx, s.d.key, today - _WEEK52, today - timedelta(days=1))
    hi = lo = 0
    hi_dt = lo_dt = ""
    if rows is not None and len(rows):
        highs, lows = cents_array(rows["high"]), cents_array(rows["low"])
        jh = len(highs) - 1 - int(np.argmax(highs[::-1]))
        jl = len(lows) - 1 - int(np.argmin(lows[::-1]))
        hi, hi_dt = int(highs[jh]), str(int(rows["date"][jh]))
        lo, lo_dt = int(lows[jl]), str(int(rows["date"][jl]))
    if q.published:
        if not hi_dt or q.high >= hi:
            hi, hi_dt = q.high, ymd(today)
        if not lo_dt or q.low <= lo:
            lo, lo_dt = q.low, ymd(today)
    out: dict[str, str] = {}
    for tag, v, dt in (("hgst", hi, hi_dt), ("lwst", lo, lo_dt)):
        if not dt:  # no history and nothing published yet
            out |= {f"52wk_{tag}_pric": "", f"52wk_{tag}_pric_dt": "", f"52wk_{tag}_pric_pre_rt": ""}
            continue
        diff = q.level - v
        out[f"52wk_{tag}_pric"] = dec2(v, direction(v - q.prev))
        out[f"52wk_{tag}_pric_dt"] = dt
        out[f"52wk_{tag}_pric_pre_rt"] = dec2(rate_bp(diff, v), direction(diff))
    return {k: out[k] for k in _WEEK52_ORDER}


_WEEK52_ORDER: Final = tuple(
    f"52wk_{tag}_pric{suffix}" for tag in ("hgst", "lwst") for suffix in ("", "_dt", "_pre_rt")
)


def _summary(ctx: KiwoomContext, s: Sector, q: Quote) -> dict[str, str]:
    """The 22 summary fields shared by ka20001 and ka20009."""
    b = breadth(ctx.engine, [s.pos])[0]
    traded, members = int(b[0]), int(b[6])
    frm = rate_bp(traded, members)
    return {
        "cur_prc": dec2(q.level, q.sign),
        "pred_pre_sig": INDEX_SIGN[q.sign % 3],
        "pred_pre": dec2(q.change, q.sign),
        "flu_rt": dec2(q.rate, q.sign),
        "trde_qty": str(to_unit(q.volume, THOUSAND_SHARES)),
        "trde_prica": str(to_unit(q.value, MILLION_KRW)),
        "trde_frmatn_stk_num": str(traded),
        "trde_frmatn_rt": dec2(frm, direction(traded)),
        "open_pric": _level_dir(q.open, q.prev),
        "high_pric": _level_dir(q.high, q.prev),
        "low_pric": _level_dir(q.low, q.prev),
        "upl": str(int(b[1])),
        "rising": str(int(b[2])),
        "stdns": str(int(b[3])),
        "fall": str(int(b[5])),
        "lst": str(int(b[4])),
        **_week52(ctx, s, q, session_date(ctx)),
    }


def _index_request(ctx: KiwoomContext, body: dict[str, Any]) -> Sector:
    """``{"mrkt_tp", "inds_cd"}`` of ka20001/ka20009."""
    mrkt = required(body, "mrkt_tp")
    code = required(body, "inds_cd")
    choice("mrkt_tp", mrkt, MRKT_TP_INDEX)
    return sector(ctx, code)


# ---------------------------------------------------------------------------------------------------
# ka20001 업종현재가요청
# ---------------------------------------------------------------------------------------------------

# One row format per direction (flat, up, down): sign characters and the sign code are literals.
_TM_ROW: Final = tuple(
    SEP.join(("%s", f"{p}%d.%s", code, f"{p}%d.%s", f"{p}%d.%s", "%d", "%d")) + SEP
    for p, code in zip(PREFIX, INDEX_SIGN, strict=True)
)


def _time_rows(ctx: KiwoomContext, s: Sector, q: Quote) -> LazyRows:
    """``inds_cur_prc_tm``: the publications on the 10-second grid, newest first (a 1-second
    index contributes every tenth second). Volumes in 1000주: cumulative, and the interval
    since the previous row as the difference of the converted cumulative figures.

    Rows are formatted a page at a time (``LazyRows``): the series views captured here only
    ever grow past their end, so a continuation reads exactly the rows of the first page's time."""
    times, levels, volumes, _ = ctx.engine.index.series(s.d.key)
    sel = np.flatnonzero(((times // NS) % 10) == 0)[::-1]  # KST offset is whole tens of seconds
    acc_all = to_unit_array(volumes[sel], THOUSAND_SHARES)
    interval = acc_all - np.append(acc_all[1:], 0)

    def build(start: int, stop: int) -> list[dict[str, Any]]:
        return _format_time_rows(times, levels, sel[start:stop], acc_all[start:stop], interval[start:stop], q)

    return LazyRows(len(sel), build)


def _format_time_rows(
    times: npt.NDArray[np.int64],
    levels: npt.NDArray[np.float64],
    sel: npt.NDArray[np.intp],
    acc: npt.NDArray[np.int64],
    interval: npt.NDArray[np.int64],
    q: Quote,
) -> list[dict[str, Any]]:
    n = len(sel)
    if not n:
        return []
    lv = cents_array(levels[sel])
    ch = lv - q.prev
    ac = np.abs(ch)
    rt = rate_bp_array(ac, q.prev)
    fmt = "".join(lookup(_TM_ROW, np.sign(ch) % 3))
    cols = (
        lookup(HHMMSS10, (times[sel] // NS + KST_OFFSET_S) % 86_400 // 10),
        lv // 100,
        lookup(FRAC, lv % 100),
        ac // 100,
        lookup(FRAC, ac % 100),
        rt // 100,
        lookup(FRAC, rt % 100),
        interval,
        acc,
    )
    it = iter(render(fmt, interleave(cols)))
    return [
        {
            "tm_n": a,
            "cur_prc_n": b,
            "pred_pre_sig_n": c,
            "pred_pre_n": d,
            "flu_rt_n": e,
            "trde_qty_n": f,
            "acc_trde_qty_n": g,
            "stex_tp": "",
        }
        for a, b, c, d, e, f, g in zip(it, it, it, it, it, it, it, strict=False)
    ]


@tr("ka20001", "sect")
def ka20001(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종현재가요청: the 22 summary fields and the day's 10-second rows."""
    s = _index_request(ctx, body)
    q = quote(ctx.engine, s)
    return TrResult(_summary(ctx, s, q), "inds_cur_prc_tm", _time_rows(ctx, s, q), KA20001_PAGE)


# ---------------------------------------------------------------------------------------------------
# ka20009 업종현재가일별요청
# ---------------------------------------------------------------------------------------------------

_DAY_ROW: Final = tuple(
    SEP.join(("%d", f"{p}%d.%s", code, f"{p}%d.%s", f"{p}%d.%s", "%d")) + SEP
    for p, code in zip(PREFIX, INDEX_SIGN, strict=True)
)


def _daily_rows(ctx: KiwoomContext, s: Sector, q: Quote) -> list[dict[str, Any]]:
    """``inds_cur_prc_daly_rept``: today from the engine (the same ``Quote`` as the summary),
    earlier days from ``index_daily``, newest first."""
    today = session_date(ctx)
    hist = index_history(ctx, s.d.key, None, today - timedelta(days=1))
    dates = [ymd_int(today)]
    close = [q.level]
    change = [q.change]
    volume = [q.volume]
    if hist is not None and len(hist):
        h = hist[::-1]
        dates += h["date"].tolist()
        close += cents_array(h["close"]).tolist()
        change += cents_array(h["change"]).tolist()
        volume += h["volume"].tolist()
    lv = np.array(close, np.int64)
    ch = np.array(change, np.int64)
    ac = np.abs(ch)
    rt = rate_bp_array(ac, lv - ch)
    cols = (
        dates,
        lv // 100,
        lookup(FRAC, lv % 100),
        ac // 100,
        lookup(FRAC, ac % 100),
        rt // 100,
        lookup(FRAC, rt % 100),
        to_unit_array(np.array(volume, np.int64), THOUSAND_SHARES),
    )
    fmt = "".join(lookup(_DAY_ROW, np.sign(ch) % 3))
    it = iter(render(fmt, interleave(cols)))
    return [
        {"dt_n": a, "cur_prc_n": b, "pred_pre_sig_n": c, "pred_pre_n": d, "flu_rt_n": e, "acc_trde_qty_n": f}
        for a, b, c, d, e, f in zip(it, it, it, it, it, it, strict=False)
    ]


@tr("ka20009", "sect")
def ka20009(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종현재가일별요청: the 22 summary fields and daily rows ending today."""
    s = _index_request(ctx, body)
    q = quote(ctx.engine, s)
    return TrResult(_summary(ctx, s, q), "inds_cur_prc_daly_rept", _daily_rows(ctx, s, q), KA20009_PAGE)


# ---------------------------------------------------------------------------------------------------
# ka20003 전업종지수요청
# ---------------------------------------------------------------------------------------------------

#: ka20003 ``inds_cd`` selects the market: 001 → the KOSPI group, 101 → the KOSDAQ group.
_ALL_INDEX_MARKET: Final = {"001": "0", "101": "1"}


@tr("ka20003", "sect")
def ka20003(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """전업종지수요청: one row per sector of the market, composite first."""
    code = required(body, "inds_cd")
    choice("inds_cd", code, tuple(_ALL_INDEX_MARKET))
    sectors = market_sectors(ctx, _ALL_INDEX_MARKET[code])
    b = breadth(ctx.engine, [s.pos for s in sectors])
    rows: list[dict[str, Any]] = []
    for s, br in zip(sectors, b.tolist(), strict=True):
        q = quote(ctx.engine, s)
        rows.append(
            {
                "stk_cd": s.code,
                "stk_nm": s.d.kiwoom_name or "",
                "cur_prc": dec2(q.level, q.sign),
                "pre_sig": INDEX_SIGN[q.sign % 3],
                "pred_pre": dec2(q.change, q.sign),
                "flu_rt": dec2(q.rate, q.sign),
                "trde_qty": str(to_unit(q.volume, THOUSAND_SHARES)),
                "wght": "",
                "trde_prica": str(to_unit(q.value, MILLION_KRW)),
                "upl": str(br[1]),
                "rising": str(br[2]),
                "stdns": str(br[3]),
                "fall": str(br[5]),
                "lst": str(br[4]),
                "flo_stk_num": str(br[6]),
            }
        )
    return TrResult({}, "all_inds_idex", rows)


# ---------------------------------------------------------------------------------------------------
# ka20002 업종별주가요청
# ---------------------------------------------------------------------------------------------------


def _touch(engine: Engine, venue: Venue, inst: npt.NDArray[np.intp]) -> tuple[I64, I64]:
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


@tr("ka20002", "sect")
def ka20002(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종별주가요청: every constituent of the sector on the venue, in code order."""
    mrkt = required(body, "mrkt_tp")
    code = required(body, "inds_cd")
    stex = required(body, "stex_tp")
    choice("mrkt_tp", mrkt, MRKT_TP_INDEX)
    choice("stex_tp", stex, STEX_TP)
    s = sector(ctx, code)
    venue = venue_from_stex_tp(stex)
    check_mock_venue(ctx, venue)
    eng = ctx.engine
    ins = eng.instruments
    member = eng.index.member[s.pos]
    if venue == Venue.NXT:
        member = member & ins.nxt[: len(member)]
    inst = np.flatnonzero(member)
    if not len(inst):
        return TrResult({}, "inds_stkpc", [], KA20002_PAGE)
    code_list = ins.code
    codes = [code_list[i] for i in inst.tolist()]
    order = np.argsort(np.array(codes), kind="stable")
    inst = inst[order]
    codes = [codes[j] for j in order.tolist()]
    names = [ins.name_ko[i] for i in inst.tolist()]
    st = eng.state(venue)
    base = eng.base[inst]
    cur = eng.current_price(venue)[inst]
    ch = cur - base
    ask, bid = _touch(eng, venue, inst)
    rt = rate_bp_array(ch, base)

    def dir_of(v: I64) -> npt.NDArray[np.object_]:
        return prefix_array(np.where(v > 0, np.sign(v - base), 0))

    sfx = KIWOOM_VENUE_SUFFIX[venue] if SUFFIX_STOCK_CODES else ""
    cols: list[Any] = [
        codes,
        names,
        dir_of(cur),
        cur,
        eng.signs(venue)[inst].astype(np.int64),
        prefix_array(np.sign(ch)),
        np.abs(ch),
        prefix_array(np.sign(ch)),
        rt // 100,
        lookup(FRAC, rt % 100),
        st.volume[inst],
    ]
    for arr in (ask, bid, st.open[inst], st.high[inst], st.low[inst]):
        cols += [dir_of(arr), arr]
    row = SEP.join((f"%s{sfx}", "%s", "%s%d", "%d", "%s%d", "%s%d.%s", "%d", *["%s%d"] * 5)) + SEP
    it = iter(render(row * len(inst), interleave(cols)))
    rows = [
        {
            "stk_cd": a,
            "stk_nm": b,
            "cur_prc": c,
            "pred_pre_sig": d,
            "pred_pre": e,
            "flu_rt": f,
            "now_trde_qty": g,
            "sel_bid": h,
            "buy_bid": i,
            "open_pric": j,
            "high_pric": k,
            "low_pric": m,
        }
        for a, b, c, d, e, f, g, h, i, j, k, m in zip(
            it, it, it, it, it, it, it, it, it, it, it, it, strict=False
        )
    ]
    return TrResult({}, "inds_stkpc", rows, KA20002_PAGE)


# ---------------------------------------------------------------------------------------------------
# ka10051 업종별투자자순매수요청
# ---------------------------------------------------------------------------------------------------


def _netprps(exact: int, unit: int) -> str:
    """Signed net in ``unit``s; the sign is the exact figure's, so a small net selling shows
    "-0" (as in Kiwoom's example) and only an exact zero prints "0"."""
    return f"{PREFIX[direction(exact) % 3]}{abs(to_unit(exact, unit))}"


@tr("ka10051", "sect")
def ka10051(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종별투자자순매수요청: net buying per investor column for every sector of the market."""
    mrkt = required(body, "mrkt_tp")
    amt_qty = required(body, "amt_qty_tp")
    base_dt = text_field(body, "base_dt", required=False)
    stex = required(body, "stex_tp")
    choice("mrkt_tp", mrkt, MRKT_TP_MARKET)
    choice("amt_qty_tp", amt_qty, AMT_QTY_TP)
    choice("stex_tp", stex, STEX_TP)
    venue = venue_from_stex_tp(stex)
    check_mock_venue(ctx, venue)
    today = session_date(ctx)
    day = parse_ymd("base_dt", base_dt) if base_dt is not None else today
    if day > today:
        raise bad_field("base_dt", f"미래 일자입니다({base_dt})")
    sectors = market_sectors(ctx, mrkt)
    by_qty = amt_qty == "1"
    unit = THOUSAND_SHARES if by_qty else HUNDRED_MILLION_KRW
    # (level, change, volume, net per leaf investor) per sector, from the engine or the store.
    data = (
        _flows_today(ctx, sectors, venue, by_qty)
        if day == today
        else _flows_past(ctx, sectors, venue, day, by_qty)
    )
    sfx = KIWOOM_VENUE_SUFFIX[venue]
    rows: list[dict[str, Any]] = []
    for s, (level, change, volume, net) in zip(sectors, data, strict=True):
        if net is None:
            continue
        sg = direction(change)
        # Kiwoom's example prints level, change and rate as ×100 integers ("+265381", "+9030",
        # "352"); the rate has "-" when down but no "+" (inferred from that example).
        row: dict[str, Any] = {
            "inds_cd": s.code + sfx,
            "inds_nm": s.d.kiwoom_name_new or "",
            "cur_prc": int_dir(level, sg),
            "pre_smbol": INDEX_SIGN[sg % 3],
            "pred_pre": signed_int(change),
            "flu_rt": f"{'-' if sg < 0 else ''}{rate_bp(change, level - change)}",
            "trde_qty": str(to_unit(volume, THOUSAND_SHARES)),
        }
        for col in KA10051_FIELDS:
            row[col.code] = _netprps(int(net[list(col.leaves)].sum()), unit)
        rows.append(row)
    return TrResult({}, "inds_netprps", rows)


_Flow: TypeAlias = tuple[int, int, int, I64 | None]


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
        raise bad_field("base_dt", f"과거 일자 이력이 없습니다(이력 저장소 없음, {ymd(day)})")
    if venue == Venue.NXT:
        raise bad_field("base_dt", f"NXT 과거 일자 이력은 제공하지 않습니다({ymd(day)})")
    d = ymd_int(day)
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
        raise bad_field("base_dt", f"해당 일자의 데이터가 없습니다({ymd(day)})")
    return out


# ---------------------------------------------------------------------------------------------------
# ka10010 업종프로그램요청
# ---------------------------------------------------------------------------------------------------

#: (field prefix, program kinds summed): 차익 (0), 비차익 (1), 전체 = 차익 + 비차익 (inferred).
_PROGRAM_GROUPS: Final = (("dfrt_trst", (0,)), ("ndiffpro_trst", (1,)), ("all_dfrt_trst", (0, 1)))


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


@tr("ka10010", "sect")
def ka10010(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종프로그램요청: 위탁 program trading of the stock's industry sector on the code's venue."""
    inst, venue = stock(ctx, required(body, "stk_cd"))
    s = industry_of(ctx, inst)
    qty, val = ctx.engine.index_program(venue)
    q, v = qty[s.pos], val[s.pos]  # [side (0 buy, 1 sell), kind, account]; 위탁 = account 0
    fields: dict[str, Any] = {}
    for name, kinds in _PROGRAM_GROUPS:
        k = list(kinds)
        sell_q, buy_q = int(q[1, k, 0].sum()), int(q[0, k, 0].sum())
        sell_v, buy_v = int(v[1, k, 0].sum()), int(v[0, k, 0].sum())
        fields[f"{name}_sell_qty"] = str(to_unit(sell_q, PROGRAM_QTY_UNIT))
        fields[f"{name}_sell_amt"] = str(to_unit(sell_v, PROGRAM_AMT_UNIT))
        fields[f"{name}_buy_qty"] = str(to_unit(buy_q, PROGRAM_QTY_UNIT))
        fields[f"{name}_buy_amt"] = str(to_unit(buy_v, PROGRAM_AMT_UNIT))
        fields[f"{name}_netprps_qty"] = signed_int(to_unit(buy_q - sell_q, PROGRAM_QTY_UNIT))
        fields[f"{name}_netprps_amt"] = _netprps(buy_v - sell_v, PROGRAM_AMT_UNIT)
    return TrResult(fields)


__all__ = [
    "KA20001_PAGE",
    "KA20002_PAGE",
    "KA20009_PAGE",
    "Quote",
    "Sector",
    "breadth",
    "check_mock_venue",
    "index_history",
    "industry_of",
    "market_sectors",
    "quote",
    "sector",
    "session_date",
    "stock",
]
