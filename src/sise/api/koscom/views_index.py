"""Koscom index (업종) endpoints (``/v2/market/index/{marketcode}/{issuecode}/…``, koscom.md §8) and
the two market-level stock endpoints that are index data (``stocks/{m}/investors``, ``stocks/{m}/index``,
koscom.md §6.8–6.9).

Every level is the vendor-neutral ``readers.IndexQuote`` (the latest publication against the
previous close), so these endpoints print the numbers Kiwoom's index TRs print. Index-level
volumes are in 천주 and values, market caps in 백만원, listed shares in 천주 (koscom.md §5.2);
each is the exact figure converted once, rounded half away from zero. Past days come from the
``index_daily`` / ``investor_daily`` store tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.api.koscom.endpoint import Endpoint, KoscomContext, Path, Result, check_code
from sise.api.koscom.errors import BAD_PERIOD, ISSUE_NOT_FOUND, NO_DATA, NO_DATA_ON_DATE
from sise.api.koscom.fmt import CODE, DATE, INT, NUM2, STR, TIME, TIME_STR, hhmmssmm, hhmmssmm_of_seconds
from sise.api.koscom.lookups import close_day, session_date
from sise.api.koscom.params import (
    COUNT,
    CYCLE,
    END,
    END_TIME,
    INTRADAY_CYCLE,
    MAX_ROWS,
    START,
    START_OPTIONAL,
    START_TIME,
)
from sise.api.numbers import (
    MILLION_KRW,
    THOUSAND_KRW,
    THOUSAND_SHARES,
    cents,
    direction,
    index_sign,
    to_unit,
    to_unit_array,
)
from sise.api.periods import Period, koscom_label, period_keys, period_runs
from sise.api.readers import IndexQuote, history, index_quote, past_bars
from sise.api.wire import Body, Field, Record, Request
from sise.engine.engine import Engine
from sise.market.codes import KOSCOM_INDEX_MARKETS, KOSCOM_INVESTOR_CODES
from sise.market.indices_table import IndexDef, index_by_koscom
from sise.market.sessions import Phase, index_window
from sise.market.timeutil import date_of_yyyymmdd, kst_second_of_day, yyyymmdd
from sise.market.types import Venue
from sise.store.base import Rows
from sise.store.intraday import index_bars

I64 = npt.NDArray[np.int64]

#: Close-type index data is today's from 15:40 KST (koscom.md §1.8).
INDEX_CLOSE_AFTER: Final = time(15, 40)
#: The composite each stock market's ``stocks/{m}/index`` and ``stocks/{m}/investors`` show.
COMPOSITE: Final = {"kospi": "K1", "kosdaq": "Q1"}
#: Phases whose indicative prices make an expected index: the opening and closing calls.
_CALLS: Final = np.array([Phase.OPENING_AUCTION, Phase.CLOSING_AUCTION], np.int16)
_KRX: Final = int(Venue.KRX)

# ---------------------------------------------------------------------------------------------------
# Lookups and figures
# ---------------------------------------------------------------------------------------------------


def index_of(ctx: KoscomContext, market: str, code: str) -> IndexDef:
    """The index of a Koscom 업종 code on ``market``: 20030 when malformed, 10040 when sise does
    not compute it (or it belongs to another market)."""
    d = index_by_koscom(check_code(code))
    if d is None or d.koscom_market != market or d.key not in ctx.engine.index.position:
        raise ISSUE_NOT_FOUND()
    return d


def _composite(ctx: KoscomContext, path: Path) -> IndexDef:
    return index_of(ctx, path.market, COMPOSITE[path.market])


@dataclass(frozen=True, slots=True)
class Figures:
    """An index's day: levels in hundredths; volume and listed shares in shares, value and
    market cap in KRW (converted to Koscom's units on output)."""

    level: int
    change: int
    open: int
    high: int
    low: int
    volume: int
    value: int
    mktcap: int
    listed: int
    members: int


def live_figures(e: Engine, key: str) -> Figures:
    """Today's figures: the ``IndexQuote`` and the constituents' listed shares and market cap at
    the prices the index is computed from (full listed shares, as ``index_daily.mktcap``)."""
    q = index_quote(e, key)
    m = e.index.member[e.index.position[key]]
    shares = e.instruments.listed_shares[: len(m)][m]
    cap = int(e.index_price[: len(m)][m] @ shares)
    return Figures(
        q.level, q.change, q.open, q.high, q.low, q.volume, q.value, cap, int(shares.sum()), int(m.sum())
    )


def stored_figures(row: np.void) -> Figures:
    return Figures(
        cents(float(row["close"])),
        cents(float(row["change"])),
        cents(float(row["open"])),
        cents(float(row["high"])),
        cents(float(row["low"])),
        int(row["volume"]),
        int(row["value"]),
        int(row["mktcap"]),
        int(row["listed_shares"]),
        int(row["constituents"]),
    )


def _sign(change: int) -> str:
    return str(int(index_sign(direction(change))))


def _close_figures(ctx: KoscomContext, d: IndexDef) -> Figures:
    """Close-type figures: today's once past 15:40, the previous trading day's before the open."""
    day = close_day(ctx, INDEX_CLOSE_AFTER)
    if day == session_date(ctx) and ctx.engine.index.series(d.key)[0].size:
        return live_figures(ctx.engine, d.key)
    rows = history(ctx.store, "index_daily", d.key, day, day)
    if rows is None or not len(rows):
        raise NO_DATA()
    return stored_figures(rows[0])


# ---------------------------------------------------------------------------------------------------
# closeindex / stocks/{m}/index: the day's summary (koscom.md §6.9)
# ---------------------------------------------------------------------------------------------------

SUMMARY: Final = Record(
    (
        Field("isuSrtCd", "업종코드", STR, "Koscom index code (`K1`, `Q1`, `K51` …)"),
        Field("isuCnt", "종목수", INT, "number of constituents"),
        Field("trdPrc", "지수", NUM2, "latest published level (the close after the index window)", "pt"),
        Field("cmpprevddTpCd", "전일대비구분", CODE, "`2` up, `3` flat, `5` down against the previous close"),
        Field("cmpprevddPrc", "전일대비", NUM2, "level − previous close, signed", "pt"),
        Field("opnprc", "시가", NUM2, "first publication of the day; 0 before it", "pt"),
        Field("hgprc", "고가", NUM2, "highest publication of the day; 0 before the first", "pt"),
        Field("lwprc", "저가", NUM2, "lowest publication of the day; 0 before the first", "pt"),
        Field("accTrdvol", "누적거래량", INT, "constituents' KRX volume at the latest publication", "천주"),
        Field("accTrdval", "누적거래대금", INT, "constituents' KRX value then", "백만원"),
        Field("mktcap", "시가총액", INT, "Σ price × listed shares of the constituents", "백만원"),
        Field("listShrs", "상장주식수", INT, "Σ listed shares of the constituents", "천주"),
    )
)


def _summary(code: str, f: Figures) -> dict[str, Any]:
    return SUMMARY.render_one(
        {
            "isuSrtCd": code,
            "isuCnt": f.members,
            "trdPrc": f.level,
            "cmpprevddTpCd": _sign(f.change),
            "cmpprevddPrc": f.change,
            "opnprc": f.open,
            "hgprc": f.high,
            "lwprc": f.low,
            "accTrdvol": to_unit(f.volume, THOUSAND_SHARES),
            "accTrdval": to_unit(f.value, MILLION_KRW),
            "mktcap": to_unit(f.mktcap, MILLION_KRW),
            "listShrs": to_unit(f.listed, THOUSAND_SHARES),
        }
    )


def closeindex(ctx: KoscomContext, path: Path, req: Request) -> Result:
    d = index_of(ctx, path.market, path.code)
    return Result(_summary(path.code, _close_figures(ctx, d)))


def stocks_index(ctx: KoscomContext, path: Path, req: Request) -> Result:
    d = _composite(ctx, path)
    return Result(_summary(d.koscom_code or "", live_figures(ctx.engine, d.key)))


# ---------------------------------------------------------------------------------------------------
# index: the latest publication
# ---------------------------------------------------------------------------------------------------

INDEX: Final = Record(
    (
        Field("isuSrtCd", "업종코드", STR, "Koscom index code", inferred="the spec spells `IsuSrtCd`"),
        Field("trdTm", "시각", TIME, "time of the latest publication, `HHMMSSmm`; 0 before the first"),
        Field("trdPrc", "지수", NUM2, "latest published level (the previous close before the first)", "pt"),
        Field("cmpprevddTpCd", "전일대비구분", CODE, "`2` up, `3` flat, `5` down"),
        Field("cmpprevddPrc", "전일대비", NUM2, "level − previous close, signed", "pt"),
        Field("accTrdvol", "누적거래량", INT, "constituents' KRX volume at that publication", "천주"),
        Field("accTrdval", "누적거래대금", INT, "constituents' KRX value at that publication", "백만원"),
    )
)


def index_values(ctx: KoscomContext, d: IndexDef) -> dict[str, Any]:
    """The ``index`` result of ``d`` (also the WebSocket's ``index`` preset)."""
    q = index_quote(ctx.engine, d.key)
    times = ctx.engine.index.series(d.key)[0]
    return INDEX.render_one(
        {
            "isuSrtCd": d.koscom_code,
            "trdTm": int(hhmmssmm(int(times[-1]))) if len(times) else 0,
            "trdPrc": q.level,
            "cmpprevddTpCd": _sign(q.change),
            "cmpprevddPrc": q.change,
            "accTrdvol": to_unit(q.volume, THOUSAND_SHARES),
            "accTrdval": to_unit(q.value, MILLION_KRW),
        }
    )


def index(ctx: KoscomContext, path: Path, req: Request) -> Result:
    return Result(index_values(ctx, index_of(ctx, path.market, path.code)))


# ---------------------------------------------------------------------------------------------------
# prospectindex: the expected index during the calls
# ---------------------------------------------------------------------------------------------------

PROSPECT: Final = Record(
    (
        Field("isuSrtCd", "업종코드", STR, "Koscom index code"),
        Field(
            "deemTm",
            "예상시각",
            TIME_STR,
            'market time of the expected figures; `"0"` outside the opening and closing calls',
        ),
        Field(
            "deemTrdPrc",
            "예상지수",
            NUM2,
            "the index with every constituent in a call at its indicative price; 0 outside the calls",
            "pt",
        ),
        Field("deemcmpprevddTpCd", "예상전일대비구분", CODE, "`2`/`3`/`5` of the expected change"),
        Field("deemcmpprevddPrc", "예상전일대비", NUM2, "expected level − previous close; 0 outside", "pt"),
        Field("deemAccTrdvol", "예상누적거래량", INT, "Σ indicative quantity of those constituents", "천주"),
        Field("deemAccTrdval", "예상누적거래대금", INT, "Σ indicative price × quantity", "백만원"),
    )
)


def expected(e: Engine, key: str) -> tuple[int, int, int] | None:
    """(expected level in hundredths, volume, value) of index ``key`` from the KRX indicative
    prices of its constituents in the opening or closing call; ``None`` when none is in one."""
    pos = e.index.position[key]
    m = e.index.member[pos]
    n = len(m)
    price, qty = e.indicative_price[_KRX, :n], e.indicative_qty[_KRX, :n]
    calling = m & np.isin(e.phase[_KRX, :n], _CALLS) & (price > 0)
    if not calling.any():
        return None
    # The engine's own level formula over the prices the call would set.
    cap = int(e.index.weights[pos] @ np.where(calling, price, e.index_price[:n]))
    level = cap / e.index.base_cap[pos] * e.index.base_value[pos]
    return cents(float(np.round(level, 2))), int(qty[calling].sum()), int((qty * price)[calling].sum())


def prospectindex(ctx: KoscomContext, path: Path, req: Request) -> Result:
    d = index_of(ctx, path.market, path.code)
    e = ctx.engine
    got = expected(e, d.key)
    if got is None:
        level = change = vol = val = 0
        tm = "0"
    else:
        level, vol, val = got
        change = level - index_quote(e, d.key).prev
        tm = str(int(hhmmssmm(int(e.last_time))))
    return Result(
        PROSPECT.render_one(
            {
                "isuSrtCd": path.code,
                "deemTm": tm,
                "deemTrdPrc": level,
                "deemcmpprevddTpCd": _sign(change),
                "deemcmpprevddPrc": change,
                "deemAccTrdvol": to_unit(vol, THOUSAND_SHARES),
                "deemAccTrdval": to_unit(val, MILLION_KRW),
            }
        )
    )


# ---------------------------------------------------------------------------------------------------
# marketcap
# ---------------------------------------------------------------------------------------------------

MARKETCAP: Final = Record(
    (
        Field("isuSrtCd", "업종코드", STR, "Koscom index code"),
        Field("isuCnt", "종목수", INT, "number of constituents"),
        Field("listShrs", "상장주식수", INT, "Σ listed shares of the constituents", "천주"),
        Field("accTrdvol", "누적거래량", INT, "constituents' KRX volume at the latest publication", "천주"),
        Field("accTrdval", "누적거래대금", INT, "constituents' KRX value then", "백만원"),
        Field("mktcap", "시가총액", INT, "Σ price × listed shares of the constituents", "백만원"),
    )
)


def marketcap(ctx: KoscomContext, path: Path, req: Request) -> Result:
    d = index_of(ctx, path.market, path.code)
    f = live_figures(ctx.engine, d.key)
    return Result(
        MARKETCAP.render_one(
            {
                "isuSrtCd": path.code,
                "isuCnt": f.members,
                "listShrs": to_unit(f.listed, THOUSAND_SHARES),
                "accTrdvol": to_unit(f.volume, THOUSAND_SHARES),
                "accTrdval": to_unit(f.value, MILLION_KRW),
                "mktcap": to_unit(f.mktcap, MILLION_KRW),
            }
        )
    )


# ---------------------------------------------------------------------------------------------------
# investors (index/{m}/{code}/investors live, stocks/{m}/investors close)
# ---------------------------------------------------------------------------------------------------

INVESTORS: Final = Record(
    (
        Field("Tm", "시각", TIME_STR, "market time of the figures, `HHMMSSmm` (capital `T`)"),
        Field("isuSrtCd", "업종코드", STR, "Koscom index code"),
    )
)

INVESTOR_ROW: Final = Record(
    (
        Field("invstCd", "투자자코드", STR, "`01`…`16` (koscom.md §2.3); 08, 11, 12, 16 are sums"),
        Field(
            "askTrdvol",
            "매도거래량",
            INT,
            "constituents' KRX shares sold by the investor",
            "주",
            inferred="unit from the sample's magnitudes",
        ),
        Field(
            "askTrdval",
            "매도거래대금",
            INT,
            "constituents' KRX value sold",
            "천원",
            inferred="unit from the sample's magnitudes",
        ),
        Field("bidTrdvol", "매수거래량", INT, "shares bought", "주"),
        Field("bidTrdval", "매수거래대금", INT, "value bought", "천원"),
    )
)


def _investor_rows(buy_q: I64, sell_q: I64, buy_v: I64, sell_v: I64) -> list[dict[str, Any]]:
    """One row per Koscom investor code from per-leaf figures (shares, KRW)."""

    def per_code(a: I64) -> I64:
        return np.array([int(a[list(c.leaves)].sum()) for c in KOSCOM_INVESTOR_CODES], np.int64)

    return INVESTOR_ROW.render(
        len(KOSCOM_INVESTOR_CODES),
        {
            "invstCd": [c.code for c in KOSCOM_INVESTOR_CODES],
            "askTrdvol": per_code(sell_q),
            "askTrdval": to_unit_array(per_code(sell_v), THOUSAND_KRW),
            "bidTrdvol": per_code(buy_q),
            "bidTrdval": to_unit_array(per_code(buy_v), THOUSAND_KRW),
        },
    )


def _state_time(e: Engine) -> str:
    """The market time of the engine's state as Koscom's string ``HHMMSSmm``; "0" before any event."""
    return str(int(hhmmssmm(int(e.last_time)))) if e.last_time > np.iinfo(np.int64).min else "0"


def _live_investors(ctx: KoscomContext, d: IndexDef) -> Result:
    e = ctx.engine
    pos = e.index.position[d.key]
    bq, sq, bv, sv = e.index_investor_flows(Venue.KRX)
    fields = INVESTORS.render_one({"Tm": _state_time(e), "isuSrtCd": d.koscom_code or ""})
    return Result(fields, _investor_rows(bq[pos], sq[pos], bv[pos], sv[pos]))


def investors(ctx: KoscomContext, path: Path, req: Request) -> Result:
    return _live_investors(ctx, index_of(ctx, path.market, path.code))


def stocks_investors(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """The composite's investor close: today's figures once past 15:40, else the previous
    trading day's from ``investor_daily``, timed at the end of that day's index window."""
    d = _composite(ctx, path)
    day = close_day(ctx, INDEX_CLOSE_AFTER)
    if day == session_date(ctx) and ctx.engine.day is not None:
        return _live_investors(ctx, d)
    rows = history(ctx.store, "investor_daily", d.key, day, day)
    if rows is None or not len(rows):
        raise NO_DATA()
    r = rows[0]
    end = index_window(day)[1]
    tm = str(int(hhmmssmm_of_seconds(end.hour * 3600 + end.minute * 60 + end.second)))
    fields = INVESTORS.render_one({"Tm": tm, "isuSrtCd": d.koscom_code or ""})
    return Result(fields, _investor_rows(r["buy_qty"], r["sell_qty"], r["buy_val"], r["sell_val"]))


# ---------------------------------------------------------------------------------------------------
# intraday: bars of the published series
# ---------------------------------------------------------------------------------------------------

CODE_ONLY: Final = Record((Field("isuSrtCd", "업종코드", STR, "Koscom index code"),))

INTRADAY_ROW: Final = Record(
    (
        Field(
            "inddTm", "일중시각", TIME_STR, "bar end `HHMMSSmm`; today's bar in progress: the state's time"
        ),
        Field("inddOpnprc", "시가", NUM2, "first publication in the bar", "pt"),
        Field("inddHgprc", "고가", NUM2, "highest publication in the bar", "pt"),
        Field("inddLwprc", "저가", NUM2, "lowest publication in the bar", "pt"),
        Field("inddClsprc", "종가", NUM2, "last publication in the bar", "pt"),
        Field("inddTrdvol", "거래량", INT, "`inddAccTrdvol` − the previous bar's", "천주"),
        Field("inddTrdval", "거래대금", INT, "`inddAccTrdval` − the previous bar's", "백만원"),
        Field("inddAccTrdvol", "누적거래량", INT, "cumulative volume at the bar's last publication", "천주"),
        Field("inddAccTrdval", "누적거래대금", INT, "cumulative value then", "백만원"),
    )
)


def intraday(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """Bars of the published series (``sise.store.intraday.index_bars``): today's from the engine,
    a past day's from the store while it keeps that day's bars (else 20020)."""
    d = index_of(ctx, path.market, path.code)
    e = ctx.engine
    today = session_date(ctx)
    day = req.get(START_OPTIONAL) or today
    period = int(req[INTRADAY_CYCLE])
    past = past_bars(ctx.store, period, d.key, day) if day < today else None
    if day != today and past is None:
        raise NO_DATA_ON_DATE()
    start_s, end_s = req[START_TIME], req[END_TIME]
    if start_s > end_s:
        raise BAD_PERIOD()
    bars = past if past is not None else index_bars(e.index.series(d.key), period, d.key, yyyymmdd(today))
    head = CODE_ONLY.render_one({"isuSrtCd": path.code})
    if not len(bars):
        return Result(head)
    acc_vol = to_unit_array(np.cumsum(bars["volume"]), THOUSAND_SHARES)
    acc_val = to_unit_array(np.cumsum(bars["value"]), MILLION_KRW)
    bar_start = np.asarray(kst_second_of_day(bars["start"]), np.int64)
    label = hhmmssmm_of_seconds(bar_start + period)
    now_s = int(kst_second_of_day(int(e.last_time)))
    if past is None and now_s < bar_start[-1] + period:  # today's bar in progress ends now
        label[-1] = int(hhmmssmm(int(e.last_time)))
    keep = np.flatnonzero((bar_start >= start_s) & (bar_start < end_s))[::-1][:MAX_ROWS]
    return Result(
        head,
        INTRADAY_ROW.render(
            len(keep),
            {
                "inddTm": [str(v) for v in label[keep].tolist()],
                "inddOpnprc": bars["open"][keep],
                "inddHgprc": bars["high"][keep],
                "inddLwprc": bars["low"][keep],
                "inddClsprc": bars["close"][keep],
                "inddTrdvol": (acc_vol - np.append(0, acc_vol[:-1]))[keep],
                "inddTrdval": (acc_val - np.append(0, acc_val[:-1]))[keep],
                "inddAccTrdvol": acc_vol[keep],
                "inddAccTrdval": acc_val[keep],
            },
        ),
    )


# ---------------------------------------------------------------------------------------------------
# history: D/W/M bars from index_daily and today
# ---------------------------------------------------------------------------------------------------

HISTORY_ROW: Final = Record(
    (
        Field("trdDd", "거래일자", DATE, "the day; for W/M the period's last business day"),
        Field("trdPrc", "종가", NUM2, "close (the period's last)", "pt"),
        Field("cmpprevddTpCd", "전일대비구분", CODE, "`2`/`3`/`5` of the change"),
        Field("cmpprevddPrc", "전일대비", NUM2, "close − the close before the period's first row", "pt"),
        Field("opnprc", "시가", NUM2, "the period's first open", "pt"),
        Field("hgprc", "고가", NUM2, "the period's high", "pt"),
        Field("lwprc", "저가", NUM2, "the period's low", "pt"),
        Field("accTrdvol", "거래량", INT, "Σ constituents' volume over the period", "천주"),
        Field("accTrdval", "거래대금", INT, "Σ constituents' value over the period", "백만원"),
    )
)


def _days(ctx: KoscomContext, d: IndexDef, start: date, end: date) -> tuple[list[date], list[Figures]]:
    """Daily figures in ``[start, end]``, oldest first: stored days, then today from the engine
    when it is in range, has published and is not stored yet."""
    rows: Rows | None = history(ctx.store, "index_daily", d.key, start, end)
    days: list[date] = []
    figs: list[Figures] = []
    for r in rows if rows is not None else ():
        days.append(date_of_yyyymmdd(int(r["date"])))
        figs.append(stored_figures(r))
    today = session_date(ctx)
    q: IndexQuote = index_quote(ctx.engine, d.key)
    if start <= today <= end and q.published and (not days or days[-1] < today):
        days.append(today)
        figs.append(live_figures(ctx.engine, d.key))
    return days, figs


def index_history(ctx: KoscomContext, path: Path, req: Request) -> Result:
    d = index_of(ctx, path.market, path.code)
    start, end, cycle = req[START], req[END], req[CYCLE]
    if start > end:
        raise BAD_PERIOD()
    days, figs = _days(ctx, d, start, end)
    period, today = Period(cycle), session_date(ctx)
    starts, ends = period_runs(period_keys([yyyymmdd(x) for x in days], period))
    out: list[tuple[int, Figures]] = []
    for i, j in zip(starts.tolist(), ends.tolist(), strict=True):
        part = figs[i : j + 1]
        prev = part[0].level - part[0].change  # the close before the period's first row
        out.append(
            (
                koscom_label(yyyymmdd(days[j]), period, today),
                Figures(
                    part[-1].level,
                    part[-1].level - prev,
                    part[0].open,
                    max(p.high for p in part),
                    min(p.low for p in part),
                    sum(p.volume for p in part),
                    sum(p.value for p in part),
                    part[-1].mktcap,
                    part[-1].listed,
                    part[-1].members,
                ),
            )
        )
    out = out[::-1][: req.get(COUNT) or MAX_ROWS]
    change = np.array([f.change for _, f in out], np.int64)
    return Result(
        CODE_ONLY.render_one({"isuSrtCd": path.code}),
        HISTORY_ROW.render(
            len(out),
            {
                "trdDd": [x for x, _ in out],
                "trdPrc": [f.level for _, f in out],
                "cmpprevddTpCd": [str(s) for s in index_sign(np.sign(change)).tolist()],
                "cmpprevddPrc": change,
                "opnprc": [f.open for _, f in out],
                "hgprc": [f.high for _, f in out],
                "lwprc": [f.low for _, f in out],
                "accTrdvol": to_unit_array([f.volume for _, f in out], THOUSAND_SHARES),
                "accTrdval": to_unit_array([f.value for _, f in out], MILLION_KRW),
            },
        ),
    )


# ---------------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------------

_IDX: Final = "/index/{market}/{code}"
_RT: Final = "/realtime/index/{market}/{code}"
_STOCK_MARKETS: Final = tuple(COMPOSITE)

ENDPOINTS: Final = (
    Endpoint(
        _IDX + "/closeindex",
        "업종 종가",
        closeindex,
        SUMMARY,
        aliases=(_IDX + "/closeprice",),
        v3=("/closed/index/{market}/{code}/closeindex",),
        close_after=INDEX_CLOSE_AFTER,
        markets=KOSCOM_INDEX_MARKETS,
    ),
    Endpoint(_IDX + "/index", "업종 지수", index, INDEX, v3=(_RT + "/index",), markets=KOSCOM_INDEX_MARKETS),
    Endpoint(
        _IDX + "/prospectindex",
        "업종 예상지수",
        prospectindex,
        PROSPECT,
        v3=(_RT + "/prospectindex",),
        markets=KOSCOM_INDEX_MARKETS,
    ),
    Endpoint(
        _IDX + "/marketcap",
        "업종 시가총액",
        marketcap,
        MARKETCAP,
        v3=(_RT + "/marketcap",),
        markets=KOSCOM_INDEX_MARKETS,
    ),
    Endpoint(
        _IDX + "/investors",
        "업종 투자자별",
        investors,
        INVESTORS,
        list_key="invstLists",
        row=INVESTOR_ROW,
        v3=(_RT + "/investors",),
        markets=KOSCOM_INDEX_MARKETS,
    ),
    Endpoint(
        _IDX + "/intraday",
        "업종 일중",
        intraday,
        CODE_ONLY,
        query=Body((INTRADAY_CYCLE, START_OPTIONAL, START_TIME, END_TIME)),
        list_key="hisLists",
        row=INTRADAY_ROW,
        v3=(_RT + "/intraday",),
        markets=KOSCOM_INDEX_MARKETS,
    ),
    Endpoint(
        _IDX + "/history",
        "업종 히스토리",
        index_history,
        CODE_ONLY,
        query=Body((CYCLE, START, END, COUNT)),
        list_key="hisLists",
        row=HISTORY_ROW,
        v3=("/closed/index/{market}/{code}/history",),
        markets=KOSCOM_INDEX_MARKETS,
    ),
    Endpoint(
        "/stocks/{market}/investors",
        "KOSPI/KOSDAQ 지수 투자자 마감",
        stocks_investors,
        INVESTORS,
        list_key="invstLists",
        row=INVESTOR_ROW,
        v3=("/investors/{market}/investors",),
        close_after=INDEX_CLOSE_AFTER,
        markets=_STOCK_MARKETS,
    ),
    Endpoint(
        "/stocks/{market}/index",
        "KOSPI/KOSDAQ 지수",
        stocks_index,
        SUMMARY,
        v3=("/closed/{market}/index",),
        markets=_STOCK_MARKETS,
    ),
)

__all__ = ["ENDPOINTS", "INDEX", "expected", "index_of", "index_values", "live_figures"]
