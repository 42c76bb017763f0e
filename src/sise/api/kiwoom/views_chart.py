"""Index (업종) chart TRs on ``POST /api/dostk/chart``: ka20004 tick, ka20005 minute, ka20006
day, ka20007 week, ka20008 month, ka20019 year (kiwoom.md §2.7).

Index prices here are ×100 integers without decimals (``"388193"`` = 3881.93). Volumes are in
1000주 and values in 백만원, as in Kiwoom's daily example (KOSPI ``"393564"`` / ``"10582466"``).
Intraday bars are built from the index's published levels (``engine.index.series``; a past day's
minute bars are the store's, ``sise.store.intraday``); daily bars are ``index_daily`` rows from the
store plus today's bar from the engine (the same quote as the sector TRs), and weeks, months and
years aggregate the daily bars.

Signs follow Kiwoom's examples (inferred where only mock data exists): minute rows carry the
direction against the previous close on every price (``"-239417"``); tick rows and daily-family
rows are unsigned; ``pred_pre`` carries its own sign and ``pred_pre_sig`` the sign code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.api.kiwoom.fmt import DATE, DATETIME, DIR_INT, INT, SIGN_CODE, SIGNED_INT, TEXT
from sise.api.kiwoom.lookups import Sector, index_history, quote, sector, session_date
from sise.api.kiwoom.params import BASE_DT, BASE_DT_OPTIONAL, INDS_CD, TIC_SCOPE_MINUTES, TIC_SCOPE_TICKS
from sise.api.kiwoom.tr import Answer, KiwoomContext, Tr, TrView
from sise.api.numbers import (
    MILLION_KRW,
    THOUSAND_SHARES,
    cents,
    cents_array,
    directions,
    index_sign,
    to_unit_array,
)
from sise.api.periods import Period, period_keys, period_runs
from sise.api.readers import past_bars
from sise.api.wire import Body, Directed, Field, Fmt, Record, Request
from sise.market.timeutil import hhmmss, hhmmss_of_second, kst_date, kst_second_of_day, yyyymmdd
from sise.store.intraday import index_bars, rollup

I64 = npt.NDArray[np.int64]

#: Rows per page (inferred).
INTRADAY_PAGE: Final = 600
DAILY_PAGE: Final = 600

# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------

#: The flat field of every chart response: the requested code.
CHART_SUMMARY: Final = Record((Field("inds_cd", "업종코드", TEXT, "the requested sector code"),))


def _price(name: str, label: str, fmt: Fmt, what: str) -> Field:
    return Field(name, label, fmt, what, "지수×100")


#: ka20004 ``inds_tic_chart_qry``. Prices unsigned, as Kiwoom's example on a falling day
#: (switch the four to ``DIR_INT`` for direction prefixes: the view passes directions anyway).
TICK_ROW: Final = Record(
    (
        _price("cur_prc", "현재가", INT, "the run's last level"),
        Field("trde_qty", "거래량", INT, "volume in the run", "1000주"),
        Field("cntr_tm", "체결시간", DATETIME, "time of the run's last publication"),
        _price("open_pric", "시가", INT, "the run's first level"),
        _price("high_pric", "고가", INT, "the run's highest level"),
        _price("low_pric", "저가", INT, "the run's lowest level"),
        _price("pred_pre", "전일대비", SIGNED_INT, "change against the previous close"),
        Field("pred_pre_sig", "전일대비기호", SIGN_CODE, "2/3/5"),
    )
)

#: ka20005 ``inds_min_pole_qry``: every price with its direction (``"-239417"``, as Kiwoom's example).
MINUTE_ROW: Final = Record(
    (
        _price("cur_prc", "현재가", DIR_INT, "the bar's close"),
        Field("trde_qty", "거래량", INT, "volume in the bar", "1000주"),
        Field("cntr_tm", "체결시간", DATETIME, "the bar's end on the clock grid", inferred="label = end"),
        _price("open_pric", "시가", DIR_INT, "the bar's open"),
        _price("high_pric", "고가", DIR_INT, "the bar's high"),
        _price("low_pric", "저가", DIR_INT, "the bar's low"),
        Field("acc_trde_qty", "누적거래량", INT, "cumulative volume", "1000주"),
        _price("pred_pre", "전일대비", SIGNED_INT, "change against the previous close"),
        Field("pred_pre_sig", "전일대비기호", SIGN_CODE, "2/3/5"),
    )
)

#: ka20006–ka20008, ka20019 rows.
DAILY_ROW: Final = Record(
    (
        _price("cur_prc", "현재가", INT, "the period's close"),
        Field("trde_qty", "거래량", INT, "the period's volume", "1000주"),
        Field("dt", "일자", DATE, "the period's first trading day (week `20241118`, month `20241101`)"),
        _price("open_pric", "시가", INT, "the period's open"),
        _price("high_pric", "고가", INT, "the period's high"),
        _price("low_pric", "저가", INT, "the period's low"),
        Field("trde_prica", "거래대금", INT, "the period's value", "백만원"),
    )
)

# ---------------------------------------------------------------------------------------------------
# Intraday: ka20004, ka20005
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Bars:
    """Intraday bars, oldest first: label time (KST ``HHmmss``), prices in hundredths, the
    interval and cumulative volume in 1000주."""

    tm: I64
    open: I64
    high: I64
    low: I64
    close: I64
    qty: I64
    acc: I64


def _group(times: I64, levels: npt.NDArray[np.float64], volumes: I64, starts: npt.NDArray[np.intp]) -> _Bars:
    """Bars over the publication runs beginning at ``starts``; a bar's time is its last one's."""
    lv = cents_array(levels)
    ends = np.append(starts[1:], len(lv)) - 1
    acc = to_unit_array(volumes[ends], THOUSAND_SHARES)
    return _Bars(
        hhmmss(times[ends]),
        lv[starts],
        np.maximum.reduceat(lv, starts),
        np.minimum.reduceat(lv, starts),
        lv[ends],
        acc - np.concatenate([[0], acc[:-1]]),
        acc,
    )


def _intraday_rows(record: Record, bars: _Bars, prev: int, day: date) -> list[dict[str, Any]]:
    """Rows newest first; ``cntr_tm`` is ``YYYYMMDDHHmmss``. Prices carry their direction
    against the previous close, which the record's formats print or ignore."""
    r = slice(None, None, -1)
    change = bars.close[r] - prev

    def price(v: I64) -> Directed:
        return Directed(v[r], directions(v[r], prev))

    cols: dict[str, Any] = {
        "cur_prc": price(bars.close),
        "trde_qty": bars.qty[r],
        "cntr_tm": yyyymmdd(day) * 1_000_000 + bars.tm[r],
        "open_pric": price(bars.open),
        "high_pric": price(bars.high),
        "low_pric": price(bars.low),
        "acc_trde_qty": bars.acc[r],
        "pred_pre": change,
        "pred_pre_sig": index_sign(np.sign(change)),
    }
    return record.render(len(bars.close), {f.name: cols[f.name] for f in record})


def ka20004(ctx: KiwoomContext, req: Request) -> Answer:
    """업종틱차트조회요청: today's publications in runs of ``tic_scope``, newest first. The runs
    start at the day's first publication, so the newest one may be partial."""
    s = sector(ctx, req[INDS_CD])
    per = int(req[TIC_SCOPE_TICKS])
    times, levels, volumes, _ = ctx.engine.index.series(s.d.key)
    rows: list[dict[str, Any]] = []
    if len(times):
        bars = _group(times, levels, volumes, np.arange(0, len(times), per))
        prev = quote(ctx.engine, s).prev
        rows = _intraday_rows(TICK_ROW, bars, prev, kst_date(int(times[0])))
    return Answer(CHART_SUMMARY.render_one({"inds_cd": s.code}), rows)


def ka20005(ctx: KiwoomContext, req: Request) -> Answer:
    """업종분봉조회요청: a day's ``tic_scope``-minute bars, newest first: today's, or a past
    ``base_dt``'s from the stored 1-minute bars while history keeps that day (else no rows). A bar
    holds the publications of [end − scope, end) on the clock grid, as Koscom's intraday bars, and
    is labelled with its end (inferred)."""
    s = sector(ctx, req[INDS_CD])
    summary = CHART_SUMMARY.render_one({"inds_cd": s.code})
    span = int(req[TIC_SCOPE_MINUTES]) * 60
    today = session_date(ctx)
    day = min(req.get(BASE_DT_OPTIONAL) or today, today)  # a later date reads as today
    if day < today:
        minutes = past_bars(ctx.store, 60, s.d.key, day)
        prev = _stored_prev(ctx, s, day)
        if minutes is None or prev is None:
            return Answer(summary, [])
    else:
        minutes = index_bars(ctx.engine.index.series(s.d.key), 60, s.d.key, yyyymmdd(today))
        prev = quote(ctx.engine, s).prev
    rows: list[dict[str, Any]] = []
    if len(minutes):
        b = rollup(minutes, span)
        acc = to_unit_array(np.cumsum(b["volume"]), THOUSAND_SHARES)
        end = hhmmss_of_second(kst_second_of_day(b["start"]) + span)
        bars = _Bars(end, b["open"], b["high"], b["low"], b["close"], acc - np.append(0, acc[:-1]), acc)
        rows = _intraday_rows(MINUTE_ROW, bars, prev, day)
    return Answer(summary, rows)


def _stored_prev(ctx: KiwoomContext, s: Sector, day: date) -> int | None:
    """The previous close of a stored day, in hundredths (its close less its change)."""
    row = index_history(ctx, s.d.key, day, day)
    if row is None or not len(row):
        return None
    return cents(float(row["close"][0])) - cents(float(row["change"][0]))


# ---------------------------------------------------------------------------------------------------
# Daily family: ka20006, ka20007, ka20008, ka20019
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Daily:
    """Daily bars, oldest first: ``YYYYMMDD`` ints, prices in hundredths, shares, KRW."""

    date: I64
    open: I64
    high: I64
    low: I64
    close: I64
    volume: I64
    value: I64


def _daily(ctx: KiwoomContext, s: Sector, end: date) -> _Daily:
    """Stored bars up to ``end`` (before today) and today's bar from the engine once the index
    has published today."""
    today = session_date(ctx)
    hist = index_history(ctx, s.d.key, None, min(end, today - timedelta(days=1)))
    parts: list[list[Any]] = [[], [], [], [], [], [], []]
    if hist is not None and len(hist):
        parts = [
            hist["date"].tolist(),
            *(cents_array(hist[f]).tolist() for f in ("open", "high", "low", "close")),
            hist["volume"].tolist(),
            hist["value"].tolist(),
        ]
    q = quote(ctx.engine, s)
    if today <= end and q.published:
        today_row = (yyyymmdd(today), q.open, q.high, q.low, q.level)
        for col, v in zip(parts, (*today_row, q.volume, q.value), strict=True):
            col.append(v)
    return _Daily(*(np.array(col, np.int64) for col in parts))


def _aggregate(b: _Daily, period: Period) -> _Daily:
    """Bars of each week/month/year (``sise.api.periods``); ``dt`` is the period's first trading
    day, as in Kiwoom's examples (week ``20241118``, month ``20241101``)."""
    if not len(b.date) or period is Period.DAY:
        return b
    starts, ends = period_runs(period_keys(b.date, period))
    return _Daily(
        b.date[starts],
        b.open[starts],
        np.maximum.reduceat(b.high, starts),
        np.minimum.reduceat(b.low, starts),
        b.close[ends],
        np.add.reduceat(b.volume, starts),
        np.add.reduceat(b.value, starts),
    )


def _daily_rows(ctx: KiwoomContext, req: Request, period: Period) -> Answer:
    s = sector(ctx, req[INDS_CD])
    end = req[BASE_DT]  # a date after today reads as today
    b = _aggregate(_daily(ctx, s, end), period)
    r = slice(None, None, -1)
    rows = DAILY_ROW.render(
        len(b.date),
        {
            "cur_prc": b.close[r],
            "trde_qty": to_unit_array(b.volume[r], THOUSAND_SHARES),
            "dt": b.date[r],
            "open_pric": b.open[r],
            "high_pric": b.high[r],
            "low_pric": b.low[r],
            "trde_prica": to_unit_array(b.value[r], MILLION_KRW),
        },
    )
    return Answer(CHART_SUMMARY.render_one({"inds_cd": s.code}), rows)


def ka20006(ctx: KiwoomContext, req: Request) -> Answer:
    """업종일봉조회요청: daily bars up to ``base_dt``, newest first."""
    return _daily_rows(ctx, req, Period.DAY)


def ka20007(ctx: KiwoomContext, req: Request) -> Answer:
    """업종주봉조회요청: weekly bars (Monday-based weeks) up to ``base_dt``, newest first."""
    return _daily_rows(ctx, req, Period.WEEK)


def ka20008(ctx: KiwoomContext, req: Request) -> Answer:
    """업종월봉조회요청: monthly bars up to ``base_dt``, newest first."""
    return _daily_rows(ctx, req, Period.MONTH)


def ka20019(ctx: KiwoomContext, req: Request) -> Answer:
    """업종년봉조회요청: yearly bars up to ``base_dt``, newest first."""
    return _daily_rows(ctx, req, Period.YEAR)


# ---------------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------------

_DAILY_REQUEST: Final = Body((INDS_CD, BASE_DT))


def _chart(api_id: str, name: str, request: Body, view: TrView, list_key: str, row: Record, page: int) -> Tr:
    return Tr(api_id, name, "chart", request, view, CHART_SUMMARY, list_key, row, page)


TRS: Final = (
    _chart(
        "ka20004",
        "업종틱차트조회요청",
        Body((INDS_CD, TIC_SCOPE_TICKS)),
        ka20004,
        "inds_tic_chart_qry",
        TICK_ROW,
        INTRADAY_PAGE,
    ),
    _chart(
        "ka20005",
        "업종분봉조회요청",
        Body((INDS_CD, TIC_SCOPE_MINUTES, BASE_DT_OPTIONAL)),
        ka20005,
        "inds_min_pole_qry",
        MINUTE_ROW,
        INTRADAY_PAGE,
    ),
    _chart("ka20006", "업종일봉조회요청", _DAILY_REQUEST, ka20006, "inds_dt_pole_qry", DAILY_ROW, DAILY_PAGE),
    _chart(
        "ka20007", "업종주봉조회요청", _DAILY_REQUEST, ka20007, "inds_stk_pole_qry", DAILY_ROW, DAILY_PAGE
    ),
    _chart(
        "ka20008", "업종월봉조회요청", _DAILY_REQUEST, ka20008, "inds_mth_pole_qry", DAILY_ROW, DAILY_PAGE
    ),
    _chart("ka20019", "업종년봉조회요청", _DAILY_REQUEST, ka20019, "inds_yr_pole_qry", DAILY_ROW, DAILY_PAGE),
)
