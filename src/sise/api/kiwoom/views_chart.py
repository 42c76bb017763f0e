"""Index (업종) chart TRs on ``POST /api/dostk/chart``: ka20004 tick, ka20005 minute, ka20006
day, ka20007 week, ka20008 month, ka20019 year (kiwoom.md §2.7).

Index prices here are ×100 integers without decimals (``"388193"`` = 3881.93). Volumes are in
1000주 and values in 백만원, as in Kiwoom's daily example (KOSPI ``"393564"`` / ``"10582466"``).
Intraday bars are built from the index's published levels (``engine.index.series``); daily bars
are ``index_daily`` rows from the store plus today's bar from the engine (the same quote as the
sector TRs), and weeks, months and years aggregate the daily bars.

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

from sise.api.kiwoom.fmt import (
    INDEX_SIGN,
    KST_OFFSET_S,
    MILLION_KRW,
    NS,
    PREFIX,
    SEP,
    THOUSAND_SHARES,
    cents_array,
    choice,
    hhmmss,
    interleave,
    kst_date_of_ns,
    lookup,
    parse_ymd,
    prefix_array,
    render,
    required,
    text_field,
    to_unit_array,
    ymd,
)
from sise.api.kiwoom.tr import KiwoomContext, TrResult, tr
from sise.api.kiwoom.views_sect import Sector, index_history, quote, sector, session_date

I64 = npt.NDArray[np.int64]

TICK_SCOPES: Final = ("1", "3", "5", "10", "30")  # publications per row
MINUTE_SCOPES: Final = ("1", "3", "5", "10", "15", "30", "45", "60")
#: Rows per page (inferred).
INTRADAY_PAGE: Final = 600
DAILY_PAGE: Final = 600
#: Tick rows print prices unsigned, as Kiwoom's ka20004 example does on a falling day.
TICK_DIRECTION_SIGNS: Final = False

_TICK_FIELDS: Final = (
    "cur_prc",
    "trde_qty",
    "cntr_tm",
    "open_pric",
    "high_pric",
    "low_pric",
    "pred_pre",
    "pred_pre_sig",
)
_MINUTE_FIELDS: Final = (
    "cur_prc",
    "trde_qty",
    "cntr_tm",
    "open_pric",
    "high_pric",
    "low_pric",
    "acc_trde_qty",
    "pred_pre",
    "pred_pre_sig",
)
_DAILY_FIELDS: Final = ("cur_prc", "trde_qty", "dt", "open_pric", "high_pric", "low_pric", "trde_prica")


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


def _intraday_rows(
    bars: _Bars, prev: int, day: str, fields: tuple[str, ...], signed: bool
) -> list[dict[str, Any]]:
    """Rows newest first; ``cntr_tm`` is ``YYYYMMDDHHmmss``. One row format per direction of
    the change, with ``pred_pre``'s sign and the sign code as literals."""
    n = len(bars.close)
    if not n:
        return []
    r = slice(None, None, -1)
    ch = bars.close[r] - prev
    cols: dict[str, list[Any]] = {
        "trde_qty": [bars.qty[r]],
        "cntr_tm": [bars.tm[r]],
        "acc_trde_qty": [bars.acc[r]],
        "pred_pre": [np.abs(ch)],
        "pred_pre_sig": [],
    }
    spec = {"trde_qty": "%d", "acc_trde_qty": "%d", "cntr_tm": f"{day}%06d"}
    for name, v in (
        ("cur_prc", bars.close),
        ("open_pric", bars.open),
        ("high_pric", bars.high),
        ("low_pric", bars.low),
    ):
        cols[name] = [prefix_array(np.sign(v[r] - prev)), v[r]] if signed else [v[r]]
        spec[name] = "%s%d" if signed else "%d"
    formats = tuple(
        SEP.join(f"{p}%d" if f == "pred_pre" else code if f == "pred_pre_sig" else spec[f] for f in fields)
        + SEP
        for p, code in zip(PREFIX, INDEX_SIGN, strict=True)
    )
    fmt = "".join(lookup(formats, np.sign(ch) % 3))
    it = iter(render(fmt, interleave([c for f in fields for c in cols[f]])))
    if fields == _TICK_FIELDS:
        return [
            {
                "cur_prc": a,
                "trde_qty": b,
                "cntr_tm": c,
                "open_pric": d,
                "high_pric": e,
                "low_pric": f,
                "pred_pre": g,
                "pred_pre_sig": h,
            }
            for a, b, c, d, e, f, g, h in zip(it, it, it, it, it, it, it, it, strict=False)
        ]
    return [dict(zip(fields, vals, strict=True)) for vals in zip(*[it] * len(fields), strict=False)]


def _chart_sector(ctx: KiwoomContext, body: dict[str, Any], scope_name: str | None) -> tuple[Sector, str]:
    code = required(body, "inds_cd")
    scope = required(body, scope_name) if scope_name else ""
    return sector(ctx, code), scope


@tr("ka20004", "chart")
def ka20004(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종틱차트조회요청: today's publications in runs of ``tic_scope``, newest first. The runs
    start at the day's first publication, so the newest one may be partial."""
    s, scope = _chart_sector(ctx, body, "tic_scope")
    per = int(choice("tic_scope", scope, TICK_SCOPES))
    times, levels, volumes, _ = ctx.engine.index.series(s.d.key)
    rows: list[dict[str, Any]] = []
    if len(times):
        bars = _group(times, levels, volumes, np.arange(0, len(times), per))
        prev = quote(ctx.engine, s).prev
        day = ymd(kst_date_of_ns(int(times[0])))
        rows = _intraday_rows(bars, prev, day, _TICK_FIELDS, TICK_DIRECTION_SIGNS)
    return TrResult({"inds_cd": s.code}, "inds_tic_chart_qry", rows, INTRADAY_PAGE)


@tr("ka20005", "chart")
def ka20005(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종분봉조회요청: today's ``tic_scope``-minute bars, newest first. A bar covers
    (end − scope, end] on the clock grid and is labelled with its end (inferred). Only today is
    kept intraday: a ``base_dt`` before today gives no rows."""
    s, scope = _chart_sector(ctx, body, "tic_scope")
    base_dt = text_field(body, "base_dt", required=False)
    span = int(choice("tic_scope", scope, MINUTE_SCOPES)) * 60
    today = session_date(ctx)
    if base_dt is not None and parse_ymd("base_dt", base_dt) < today:
        return TrResult({"inds_cd": s.code}, "inds_min_pole_qry", [], INTRADAY_PAGE)
    times, levels, volumes, _ = ctx.engine.index.series(s.d.key)
    rows: list[dict[str, Any]] = []
    if len(times):
        sec = (times // NS + KST_OFFSET_S) % 86_400
        label = -(-sec // span) * span
        starts = np.flatnonzero(np.concatenate([[True], label[1:] != label[:-1]]))
        bars = _group(times, levels, volumes, starts)
        end = label[np.append(starts[1:], len(label)) - 1]
        bars = _Bars(
            (end // 3600) * 10_000 + (end // 60 % 60) * 100 + end % 60,
            bars.open,
            bars.high,
            bars.low,
            bars.close,
            bars.qty,
            bars.acc,
        )
        prev = quote(ctx.engine, s).prev
        day = ymd(kst_date_of_ns(int(times[0])))
        rows = _intraday_rows(bars, prev, day, _MINUTE_FIELDS, True)
    return TrResult({"inds_cd": s.code}, "inds_min_pole_qry", rows, INTRADAY_PAGE)


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
        today_row = (today.year * 10_000 + today.month * 100 + today.day, q.open, q.high, q.low, q.level)
        for col, v in zip(parts, (*today_row, q.volume, q.value), strict=True):
            col.append(v)
    return _Daily(*(np.array(col, np.int64) for col in parts))


def _period_keys(dates: I64, period: str) -> I64:
    """Per ``YYYYMMDD``: the week (days since the epoch of its Monday), month or year."""
    y, m, d = dates // 10_000, dates // 100 % 100, dates % 100
    if period == "year":
        return y
    if period == "month":
        return y * 100 + m
    days = (
        (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1).astype("timedelta64[M]")
    ).astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")
    n = days.astype(np.int64)
    return np.asarray(n - (n + 3) % 7, np.int64)  # 1970-01-01 was a Thursday


def _aggregate(b: _Daily, period: str) -> _Daily:
    """Bars of each week/month/year; ``dt`` is the period's first trading day, as in Kiwoom's
    examples (week ``20241118``, month ``20241101``)."""
    if not len(b.date) or period == "day":
        return b
    key = _period_keys(b.date, period)
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    ends = np.append(starts[1:], len(key)) - 1
    return _Daily(
        b.date[starts],
        b.open[starts],
        np.maximum.reduceat(b.high, starts),
        np.minimum.reduceat(b.low, starts),
        b.close[ends],
        np.add.reduceat(b.volume, starts),
        np.add.reduceat(b.value, starts),
    )


_DAILY_ROW: Final = SEP.join(["%d"] * len(_DAILY_FIELDS)) + SEP


def _daily_tr(ctx: KiwoomContext, body: dict[str, Any], period: str, list_key: str) -> TrResult:
    code = required(body, "inds_cd")
    base_dt = required(body, "base_dt")
    s = sector(ctx, code)
    end = parse_ymd("base_dt", base_dt)  # a date after today reads as today
    b = _aggregate(_daily(ctx, s, end), period)
    n = len(b.date)
    rows: list[dict[str, Any]] = []
    if n:
        r = slice(None, None, -1)
        cols = (
            b.close[r],
            to_unit_array(b.volume[r], THOUSAND_SHARES),
            b.date[r],
            b.open[r],
            b.high[r],
            b.low[r],
            to_unit_array(b.value[r], MILLION_KRW),
        )
        it = iter(render(_DAILY_ROW * n, tuple(np.column_stack(cols).ravel().tolist())))
        rows = [
            dict(zip(_DAILY_FIELDS, v, strict=True)) for v in zip(*[it] * len(_DAILY_FIELDS), strict=False)
        ]
    return TrResult({"inds_cd": s.code}, list_key, rows, DAILY_PAGE)


@tr("ka20006", "chart")
def ka20006(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종일봉조회요청: daily bars up to ``base_dt``, newest first."""
    return _daily_tr(ctx, body, "day", "inds_dt_pole_qry")


@tr("ka20007", "chart")
def ka20007(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종주봉조회요청: weekly bars (Monday-based weeks) up to ``base_dt``, newest first."""
    return _daily_tr(ctx, body, "week", "inds_stk_pole_qry")


@tr("ka20008", "chart")
def ka20008(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종월봉조회요청: monthly bars up to ``base_dt``, newest first."""
    return _daily_tr(ctx, body, "month", "inds_mth_pole_qry")


@tr("ka20019", "chart")
def ka20019(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종년봉조회요청: yearly bars up to ``base_dt``, newest first."""
    return _daily_tr(ctx, body, "year", "inds_yr_pole_qry")
