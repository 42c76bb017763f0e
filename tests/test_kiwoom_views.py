"""Kiwoom TR views against the reference's field lists and against engine state.

One small simulated day (400 stocks, 1 % of the full order flow) is folded into three engines
once for the module: before the open, at 11:00 and after the close, with 40 days of back-filled
history in a memory store. Every number a test checks is recomputed here from engine state or
store rows, not read back from the view's own helpers.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from simday import Day, now_of, small_day
from sise.api.kiwoom.errors import KiwoomError
from sise.api.kiwoom.tr import KiwoomContext, TrResult
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.engine.engine import Engine
from sise.market.codes import KA10051_FIELDS
from sise.market.indices_table import kiwoom_sector_list
from sise.market.timeutil import NS
from sise.market.types import Investor, Venue

YESTERDAY = 20261119

# ---------------------------------------------------------------------------------------------------
# Field lists: the declarations (checked against the reference in test_kiwoom_records.py)
# ---------------------------------------------------------------------------------------------------

TRS = {t.api_id: t for t in KIWOOM_TRS}


def names(api_id: str, summary: bool = False) -> list[str]:
    record = TRS[api_id].summary if summary else TRS[api_id].row
    assert record is not None
    return list(record.names)


SUMMARY = names("ka20001", summary=True)
TM_ROW = names("ka20001")
DAILY_ROW = names("ka20009")
STK_ROW = names("ka20002")
ALL_IDX_ROW = names("ka20003")
NETPRPS_ROW = names("ka10051")
PROGRAM = names("ka10010", summary=True)
TICK_ROW = names("ka20004")
MINUTE_ROW = names("ka20005")
CHART_DAY_ROW = names("ka20006")

LEVEL = re.compile(r"^[+-]?\d+\.\d\d$")  # direction prefix, 2 decimals
CHANGE = re.compile(r"^(?:[+-](?!0\.00$)\d+\.\d\d|0\.00|[+-]0\.00)$")
UINT = re.compile(r"^(0|[1-9]\d*)$")
SINT = re.compile(r"^(0|[+-](0|[1-9]\d*))$")
DATE = re.compile(r"^20\d{6}$")
SIGN = re.compile(r"^[1-5]$")

MISSING = "입력 값 오류입니다[1511:필수 입력 값에 값이 존재하지 않습니다. 필수입력 파라미터={}]"


# ---------------------------------------------------------------------------------------------------
# The simulated day
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def day() -> Day:
    return small_day()


def context(d: Day, e: Engine | None = None, *, store: bool = True, mock: bool = False) -> KiwoomContext:
    eng = e if e is not None else d.full
    now = now_of(eng)
    return KiwoomContext(eng, d.universe, d.store if store else None, lambda: now, mock)


def call(ctx: KiwoomContext, api: str, body: dict[str, Any]) -> TrResult:
    return TRS[api](ctx, body)


def error(ctx: KiwoomContext, api: str, body: dict[str, Any]) -> KiwoomError:
    with pytest.raises(KiwoomError) as info:
        call(ctx, api, body)
    return info.value


# ---------------------------------------------------------------------------------------------------
# Independent arithmetic
# ---------------------------------------------------------------------------------------------------


def k(x: int) -> int:
    """Shares → 1000주 (nearest)."""
    return (x + 500) // 1000


def mil(x: int) -> int:
    """KRW → 백만원 (nearest)."""
    return (x + 500_000) // 1_000_000


def num(text: str) -> float:
    return float(text)


def dir_level(level: float, prev: float) -> str:
    p = "+" if level > prev else "-" if level < prev else ""
    return f"{p}{abs(level):.2f}"


def kospi_now(e: Engine, key: str = "KOSPI") -> tuple[float, float, int, int]:
    _, levels, volumes, values = e.index.series(key)
    prev = float(e.index.prev_close[e.index.position[key]])
    return float(levels[-1]), prev, int(volumes[-1]), int(values[-1])


# ---------------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------------


def test_every_tr_is_declared_on_its_path() -> None:
    expected = {
        **dict.fromkeys(["ka10010", "ka10051", "ka20001", "ka20002", "ka20003", "ka20009"], "sect"),
        **dict.fromkeys(["ka20004", "ka20005", "ka20006", "ka20007", "ka20008", "ka20019"], "chart"),
        "ka10101": "stkinfo",
    }
    assert {api: TRS[api].category for api in expected} == expected
    assert len(TRS) == len(KIWOOM_TRS) == len(expected)


# ---------------------------------------------------------------------------------------------------
# ka20001 업종현재가요청
# ---------------------------------------------------------------------------------------------------


def test_ka20001_summary_fields_shapes_and_values(day: Day) -> None:
    e = day.full
    r = call(context(day), "ka20001", {"mrkt_tp": "0", "inds_cd": "001"})
    f = r.fields
    assert list(f) == SUMMARY and r.list_key == "inds_cur_prc_tm"
    assert all(isinstance(v, str) for v in f.values())
    level, prev, volume, value = kospi_now(e)
    assert f["cur_prc"] == dir_level(level, prev)
    assert CHANGE.match(f["pred_pre"]) and num(f["pred_pre"]) == pytest.approx(
        round(level - prev, 2), abs=1e-9
    )
    assert num(f["flu_rt"]) == pytest.approx((level - prev) / prev * 100, abs=0.0051)
    assert f["pred_pre_sig"] == ("2" if level > prev else "5" if level < prev else "3")
    assert f["trde_qty"] == str(k(volume)) and f["trde_prica"] == str(mil(value))
    pos = e.index.position["KOSPI"]
    for name, arr in (("open_pric", e.index.open), ("high_pric", e.index.high), ("low_pric", e.index.low)):
        assert f[name] == dir_level(float(arr[pos]), prev)
    b = e.breadth(Venue.KRX)[pos]
    n_members = int(e.index.member[pos].sum())
    assert [f[x] for x in ("trde_frmatn_stk_num", "upl", "rising", "stdns", "lst", "fall")] == [
        str(int(v)) for v in b
    ]
    assert num(f["trde_frmatn_rt"]) == pytest.approx(b[0] / n_members * 100, abs=0.0051)
    assert f["trde_frmatn_rt"].startswith("+")
    for name in SUMMARY:
        if name in ("cur_prc", "open_pric", "high_pric", "low_pric", "52wk_hgst_pric", "52wk_lwst_pric"):
            assert LEVEL.match(f[name]), name
        elif name.endswith("_dt"):
            assert DATE.match(f[name]), name
        elif name in ("pred_pre", "flu_rt", "trde_frmatn_rt") or name.endswith("_pre_rt"):
            assert CHANGE.match(f[name]), name
        elif name != "pred_pre_sig":
            assert UINT.match(f[name]), name


def test_ka20001_52_week_range_comes_from_history_and_today(day: Day) -> None:
    e = day.full
    f = call(context(day), "ka20001", {"mrkt_tp": "0", "inds_cd": "001"}).fields
    rows = day.store.get("index_daily", "KOSPI", 20251121, YESTERDAY)
    pos = e.index.position["KOSPI"]
    highs = [*rows["high"].tolist(), float(e.index.high[pos])]
    lows = [*rows["low"].tolist(), float(e.index.low[pos])]
    dates = [*rows["date"].tolist(), 20261120]
    level, prev, _, _ = kospi_now(e)
    hi, lo = max(highs), min(lows)
    assert f["52wk_hgst_pric"] == dir_level(hi, prev)
    assert f["52wk_lwst_pric"] == dir_level(lo, prev)
    assert f["52wk_hgst_pric_dt"] == str(max(d for d, h in zip(dates, highs, strict=True) if h == hi))
    assert f["52wk_lwst_pric_dt"] == str(max(d for d, v in zip(dates, lows, strict=True) if v == lo))
    assert num(f["52wk_hgst_pric_pre_rt"]) == pytest.approx((level / hi - 1) * 100, abs=0.0051)
    assert num(f["52wk_lwst_pric_pre_rt"]) == pytest.approx((level / lo - 1) * 100, abs=0.0051)


def test_ka20001_time_rows_are_the_10_second_publications_newest_first(day: Day) -> None:
    e = day.full
    r = call(context(day), "ka20001", {"mrkt_tp": "0", "inds_cd": "001"})
    times, levels, volumes, _ = e.index.series("KOSPI")
    prev = float(e.index.prev_close[e.index.position["KOSPI"]])
    assert len(r.rows) == len(times) > 2000 and r.page_size > 0
    for row in r.rows:
        assert list(row) == TM_ROW and all(isinstance(v, str) for v in row.values())
        assert (
            LEVEL.match(row["cur_prc_n"])
            and CHANGE.match(row["pred_pre_n"])
            and CHANGE.match(row["flu_rt_n"])
        )
        assert row["stex_tp"] == "" and UINT.match(row["trde_qty_n"]) and UINT.match(row["acc_trde_qty_n"])
    newest, oldest = r.rows[0], r.rows[-1]
    assert newest["tm_n"] == "153030" and oldest["tm_n"] == "090010"
    assert [int(x["tm_n"]) for x in r.rows] == sorted((int(x["tm_n"]) for x in r.rows), reverse=True)
    # Row i (newest first) is publication n-1-i.
    for i in (0, 1, 500, len(times) - 1):
        row, j = r.rows[i], len(times) - 1 - i
        assert row["cur_prc_n"] == dir_level(float(levels[j]), prev)
        assert row["acc_trde_qty_n"] == str(k(int(volumes[j])))
    # Interval volumes add up to the cumulative figure; the newest row matches the summary.
    assert sum(int(x["trde_qty_n"]) for x in r.rows) == int(newest["acc_trde_qty_n"])
    assert newest["acc_trde_qty_n"] == r.fields["trde_qty"]
    assert newest["cur_prc_n"] == r.fields["cur_prc"] and newest["flu_rt_n"] == r.fields["flu_rt"]


def test_ka20001_one_second_index_takes_every_tenth_second(day: Day) -> None:
    e = day.full
    r = call(context(day), "ka20001", {"mrkt_tp": "2", "inds_cd": "201"})
    times, _, _, _ = e.index.series("KOSPI200")
    assert len(times) > 20_000
    kst = (times // NS + 9 * 3600) % 86_400
    assert len(r.rows) == int(np.count_nonzero(kst % 10 == 0))
    assert all(x["tm_n"].endswith("0") for x in r.rows)
    assert sum(int(x["trde_qty_n"]) for x in r.rows) == int(r.rows[0]["acc_trde_qty_n"])


def test_ka20001_before_the_open_is_flat_with_no_rows(day: Day) -> None:
    r = call(context(day, day.pre), "ka20001", {"mrkt_tp": "0", "inds_cd": "001"})
    prev = float(day.pre.index.prev_close[day.pre.index.position["KOSPI"]])
    f = r.fields
    assert list(r.rows) == []
    assert f["cur_prc"] == f"{prev:.2f}" and f["pred_pre"] == "0.00" and f["flu_rt"] == "0.00"
    assert f["pred_pre_sig"] == "3" and f["trde_qty"] == "0" and f["open_pric"] == "0.00"
    # Without a store there is no 52-week range yet: empty, as Kiwoom sends for no value.
    g = call(context(day, day.pre, store=False), "ka20001", {"mrkt_tp": "0", "inds_cd": "001"}).fields
    assert [g[x] for x in SUMMARY[16:]] == [""] * 6


# ---------------------------------------------------------------------------------------------------
# One state: ka20001 = ka20003 row = ka20009 newest row
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["pre", "mid", "full"])
def test_ka20001_ka20003_ka20009_agree(day: Day, which: str) -> None:
    ctx = context(day, getattr(day, which))
    for market, composite in (("0", "001"), ("1", "101")):
        a = call(ctx, "ka20001", {"mrkt_tp": market, "inds_cd": composite}).fields
        all_rows = call(ctx, "ka20003", {"inds_cd": composite}).rows
        for code in (composite, all_rows[-1]["stk_cd"]):
            s1 = call(ctx, "ka20001", {"mrkt_tp": market, "inds_cd": code}).fields
            s9 = call(ctx, "ka20009", {"mrkt_tp": market, "inds_cd": code})
            row3 = next(x for x in all_rows if x["stk_cd"] == code)
            top = s9.rows[0]
            assert s9.fields == s1
            assert (row3["cur_prc"], row3["pre_sig"], row3["pred_pre"], row3["flu_rt"]) == (
                s1["cur_prc"],
                s1["pred_pre_sig"],
                s1["pred_pre"],
                s1["flu_rt"],
            )
            assert (row3["trde_qty"], row3["trde_prica"]) == (s1["trde_qty"], s1["trde_prica"])
            assert [row3[x] for x in ("upl", "rising", "stdns", "fall", "lst")] == [
                s1[x] for x in ("upl", "rising", "stdns", "fall", "lst")
            ]
            assert (
                top["dt_n"],
                top["cur_prc_n"],
                top["pred_pre_sig_n"],
                top["pred_pre_n"],
                top["flu_rt_n"],
            ) == (
                "20261120",
                s1["cur_prc"],
                s1["pred_pre_sig"],
                s1["pred_pre"],
                s1["flu_rt"],
            )
            assert top["acc_trde_qty_n"] == s1["trde_qty"]
        assert all_rows[0]["stk_cd"] == composite and a["cur_prc"] == all_rows[0]["cur_prc"]


# ---------------------------------------------------------------------------------------------------
# ka20003 전업종지수요청
# ---------------------------------------------------------------------------------------------------


def test_ka20003_lists_every_sector_of_the_market(day: Day) -> None:
    e = day.full
    r = call(context(day), "ka20003", {"inds_cd": "001"})
    assert r.list_key == "all_inds_idex" and r.fields == {}
    expected = [d for d in kiwoom_sector_list("0") if d.key in e.index.position]
    assert [x["stk_cd"] for x in r.rows] == [d.kiwoom_code for d in expected]
    assert [x["stk_nm"] for x in r.rows] == [d.kiwoom_name for d in expected]
    breadth = e.breadth(Venue.KRX)
    for row, d in zip(r.rows, expected, strict=True):
        assert list(row) == ALL_IDX_ROW
        pos = e.index.position[d.key]
        level, prev, volume, value = kospi_now(e, d.key)
        assert row["cur_prc"] == dir_level(level, prev)
        assert row["wght"] == ""
        assert row["trde_qty"] == str(k(volume)) and row["trde_prica"] == str(mil(value))
        assert [row[x] for x in ("upl", "rising", "stdns", "lst", "fall")] == [
            str(int(v)) for v in breadth[pos, 1:]
        ]
        assert row["flo_stk_num"] == str(int(e.index.member[pos].sum()))
    kosdaq = call(context(day), "ka20003", {"inds_cd": "101"}).rows
    assert kosdaq[0]["stk_cd"] == "101" and kosdaq[0]["stk_nm"] == "종합(KOSDAQ)"


# ---------------------------------------------------------------------------------------------------
# ka20009 업종현재가일별요청
# ---------------------------------------------------------------------------------------------------


def test_ka20009_daily_rows_are_history_plus_today(day: Day) -> None:
    r = call(context(day), "ka20009", {"mrkt_tp": "0", "inds_cd": "001"})
    hist = day.store.get("index_daily", "KOSPI")
    assert r.list_key == "inds_cur_prc_daly_rept" and len(r.rows) == len(hist) + 1 == 41
    assert [x["dt_n"] for x in r.rows] == ["20261120", *[str(d) for d in hist["date"][::-1]]]
    for row, h in zip(r.rows[1:], hist[::-1], strict=True):
        assert list(row) == DAILY_ROW
        close, change = float(h["close"]), float(h["change"])
        assert row["cur_prc_n"] == dir_level(close, close - change)
        assert num(row["pred_pre_n"]) == pytest.approx(change, abs=1e-9)
        assert num(row["flu_rt_n"]) == pytest.approx(change / (close - change) * 100, abs=0.0051)
        assert row["acc_trde_qty_n"] == str(k(int(h["volume"])))
        assert row["pred_pre_sig_n"] == str(int(h["sign"]))
    # Yesterday's close is today's reference.
    prev = float(day.full.index.prev_close[day.full.index.position["KOSPI"]])
    assert num(r.rows[1]["cur_prc_n"].lstrip("+-")) == pytest.approx(prev)


def test_ka20009_without_a_store_serves_today_only(day: Day) -> None:
    r = call(context(day, store=False), "ka20009", {"mrkt_tp": "0", "inds_cd": "001"})
    assert [x["dt_n"] for x in r.rows] == ["20261120"]


# ---------------------------------------------------------------------------------------------------
# ka20002 업종별주가요청
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stex", "venue", "suffix"), [("1", Venue.KRX, ""), ("2", Venue.NXT, "_NX"), ("3", Venue.ALL, "_AL")]
)
def test_ka20002_rows_are_the_sectors_stocks_on_the_venue(
    day: Day, stex: str, venue: Venue, suffix: str
) -> None:
    e = day.full
    ins = e.instruments
    r = call(context(day), "ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": stex})
    assert r.list_key == "inds_stkpc" and 0 < r.page_size < len(r.rows)
    members = np.flatnonzero(e.index.member[e.index.position["KOSPI"]])
    if venue == Venue.NXT:
        members = members[ins.nxt[members]]
    assert sorted(x["stk_cd"] for x in r.rows) == sorted(ins.code[i] + suffix for i in members)
    assert [x["stk_cd"] for x in r.rows] == sorted(x["stk_cd"] for x in r.rows)
    st = e.state(venue)
    cur_all = e.current_price(venue)
    signs = e.signs(venue)
    for row in r.rows:
        assert list(row) == STK_ROW and all(isinstance(v, str) for v in row.values())
        i = ins.number(row["stk_cd"].removesuffix(suffix))
        assert i is not None and row["stk_nm"] == ins.name_ko[i]
        base, cur = int(e.base[i]), int(cur_all[i])
        p = "+" if cur > base else "-" if cur < base else ""
        assert row["cur_prc"] == f"{p}{cur}" and row["pred_pre_sig"] == str(int(signs[i]))
        assert SINT.match(row["pred_pre"]) and int(row["pred_pre"]) == cur - base
        assert num(row["flu_rt"]) == pytest.approx((cur - base) / base * 100, abs=0.0051)
        assert row["now_trde_qty"] == str(int(st.volume[i]))
        for name, v in (("open_pric", st.open[i]), ("high_pric", st.high[i]), ("low_pric", st.low[i])):
            v = int(v)
            q = "+" if v > base else "-" if 0 < v < base else ""
            assert row[name] == f"{q}{v}", name
        for name in ("sel_bid", "buy_bid"):
            assert re.match(r"^[+-]?\d+$", row[name])


def test_ka20002_touch_on_the_combined_venue_is_the_better_of_krx_and_nxt(day: Day) -> None:
    e = day.full
    rows = call(context(day), "ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "3"}).rows
    checked = 0
    for row in rows:
        i = e.instruments.number(row["stk_cd"].removesuffix("_AL"))
        assert i is not None
        asks = [int(b.ask_price[i, 0]) for b in e.books if b.ask_price[i, 0] > 0]
        bids = [int(b.bid_price[i, 0]) for b in e.books]
        assert int(row["sel_bid"].lstrip("+-")) == (min(asks) if asks else 0)
        assert int(row["buy_bid"].lstrip("+-")) == max(bids)
        checked += len(asks) == 2
    assert checked > 10


# ---------------------------------------------------------------------------------------------------
# ka10051 업종별투자자순매수요청
# ---------------------------------------------------------------------------------------------------


def _net_text(exact: int, unit: int) -> str:
    mag = (abs(exact) + unit // 2) // unit
    return f"{'+' if exact > 0 else '-' if exact < 0 else ''}{mag}"


@pytest.mark.parametrize(
    ("stex", "venue", "suffix"), [("1", Venue.KRX, ""), ("2", Venue.NXT, "_NX"), ("3", Venue.ALL, "_AL")]
)
@pytest.mark.parametrize("amt_qty", ["0", "1"])
def test_ka10051_market_row_matches_engine_flows(
    day: Day, stex: str, venue: Venue, suffix: str, amt_qty: str
) -> None:
    e = day.full
    r = call(context(day), "ka10051", {"mrkt_tp": "0", "amt_qty_tp": amt_qty, "stex_tp": stex})
    assert r.list_key == "inds_netprps" and r.fields == {}
    sectors = [d for d in kiwoom_sector_list("0") if d.key in e.index.position]
    assert [x["inds_cd"] for x in r.rows] == [f"{d.kiwoom_code}{suffix}" for d in sectors]
    assert [x["inds_nm"] for x in r.rows] == [d.kiwoom_name for d in sectors]
    bq, sq, bv, sv = e.index_investor_flows(venue)
    pos = e.index.position["KOSPI"]
    net = (bq - sq)[pos] if amt_qty == "1" else (bv - sv)[pos]
    unit = 1000 if amt_qty == "1" else 100_000_000
    row = r.rows[0]
    assert list(row) == NETPRPS_ROW
    for col in KA10051_FIELDS:
        assert row[col.code] == _net_text(int(net[list(col.leaves)].sum()), unit), col.code
    inst = [int(i) for i in (Investor.FIN_INVEST, Investor.INSURANCE, Investor.TRUST, Investor.PRIVATE_FUND)]
    inst += [int(i) for i in (Investor.BANK, Investor.OTHER_FIN, Investor.PENSION, Investor.NATION)]
    assert row["orgn_netprps"] == _net_text(int(net[inst].sum()), unit)
    assert row["trde_qty"] == str(k(int(bq[pos].sum())))  # Σ investor buys = the venue's volume
    level, prev, _, _ = kospi_now(e)
    lv, pv = round(level * 100), round(prev * 100)
    assert row["cur_prc"] == f"{'+' if lv > pv else '-' if lv < pv else ''}{lv}"
    assert row["pred_pre"] == (f"{lv - pv:+d}" if lv != pv else "0")
    assert re.match(r"^-?\d+$", row["flu_rt"])
    assert abs(int(row["flu_rt"]) / 100) == pytest.approx(abs(lv - pv) / pv * 100, abs=0.0051)
    for x in r.rows:
        assert all(SINT.match(x[c.code]) or x[c.code] in ("+0", "-0") for c in KA10051_FIELDS)


def test_ka10051_past_day_reads_the_store(day: Day) -> None:
    r = call(
        context(day), "ka10051", {"mrkt_tp": "1", "amt_qty_tp": "0", "base_dt": "20261119", "stex_tp": "3"}
    )
    row = r.rows[0]
    assert row["inds_cd"] == "101_AL"
    ix = day.store.get("index_daily", "KOSDAQ", YESTERDAY, YESTERDAY)[0]
    inv = day.store.get("investor_daily", "KOSDAQ", YESTERDAY, YESTERDAY)[0]
    net = inv["buy_val"] - inv["sell_val"]
    assert row["frgnr_netprps"] == _net_text(int(net[Investor.FOREIGN]), 100_000_000)
    assert row["ind_netprps"] == _net_text(int(net[Investor.INDIVIDUAL]), 100_000_000)
    assert row["cur_prc"].lstrip("+-") == str(round(float(ix["close"]) * 100))
    assert row["trde_qty"] == str(k(int(ix["volume"])))
    # Today's date or no date is the live engine.
    today = call(
        context(day), "ka10051", {"mrkt_tp": "1", "amt_qty_tp": "0", "base_dt": "20261120", "stex_tp": "3"}
    )
    live = call(context(day), "ka10051", {"mrkt_tp": "1", "amt_qty_tp": "0", "stex_tp": "3"})
    assert today.rows == live.rows != r.rows


def test_ka10051_past_day_errors(day: Day) -> None:
    body = {"mrkt_tp": "0", "amt_qty_tp": "0", "base_dt": "20261119", "stex_tp": "1"}
    assert error(context(day, store=False), "ka10051", body).detail == 1517
    assert error(context(day), "ka10051", {**body, "stex_tp": "2"}).detail == 1517
    weekend = error(context(day), "ka10051", {**body, "base_dt": "20261115"})
    assert weekend.detail == 1517 and "20261115" in weekend.message
    future = error(context(day), "ka10051", {**body, "base_dt": "20261121"})
    assert future.detail == 1517 and "base_dt" in future.message
    assert error(context(day), "ka10051", {**body, "base_dt": "2026-11-19"}).detail == 1517
    assert error(context(day), "ka10051", {**body, "base_dt": "٢٠٢٦١١١٩"}).detail == 1517  # not 0-9


# ---------------------------------------------------------------------------------------------------
# ka10010 업종프로그램요청
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "venue"), [("005930", Venue.KRX), ("005930_NX", Venue.NXT), ("005930_AL", Venue.ALL)]
)
def test_ka10010_is_the_program_trading_of_the_stocks_industry(day: Day, code: str, venue: Venue) -> None:
    e = day.full
    r = call(context(day), "ka10010", {"stk_cd": code})
    assert r.list_key is None and r.rows == [] and list(r.fields) == PROGRAM
    # 삼성전자 is 전기전자: KOSPI industry index 013.
    pos = e.index.position["KOSPI_IND_013"]
    i = e.instruments.number("005930")
    assert i is not None and e.index.member[pos, i]
    qty, val = e.index_program(venue)
    q, v = qty[pos], val[pos]
    f = r.fields
    for group, kinds in (("dfrt_trst", [0]), ("ndiffpro_trst", [1]), ("all_dfrt_trst", [0, 1])):
        sell_q, buy_q = int(q[1, kinds, 0].sum()), int(q[0, kinds, 0].sum())
        sell_v, buy_v = int(v[1, kinds, 0].sum()), int(v[0, kinds, 0].sum())
        assert f[f"{group}_sell_qty"] == str(sell_q) and f[f"{group}_buy_qty"] == str(buy_q)
        assert f[f"{group}_sell_amt"] == str(mil(sell_v)) and f[f"{group}_buy_amt"] == str(mil(buy_v))
        assert f[f"{group}_netprps_qty"] == (f"{buy_q - sell_q:+d}" if buy_q != sell_q else "0")
        assert f[f"{group}_netprps_amt"] == _net_text(buy_v - sell_v, 1_000_000)
    assert int(f["all_dfrt_trst_buy_qty"]) > 0


# ---------------------------------------------------------------------------------------------------
# ka10101 업종코드 리스트
# ---------------------------------------------------------------------------------------------------


def test_ka10101_lists_codes_of_the_group(day: Day) -> None:
    r = call(context(day), "ka10101", {"mrkt_tp": "0"})
    assert r.list_key == "list" and r.list_first and r.fields == {}
    assert r.rows[:2] == [
        {"marketCode": "0", "code": "001", "name": "종합(KOSPI)", "group": "1"},
        {"marketCode": "0", "code": "002", "name": "대형주", "group": "2"},
    ]
    assert {"marketCode": "0", "code": "005", "name": "음식료/담배", "group": "5"} in r.rows
    assert all(list(x) == ["marketCode", "code", "name", "group"] for x in r.rows)
    assert [x["code"] for x in call(context(day), "ka10101", {"mrkt_tp": "7"}).rows] == ["701"]
    assert error(context(day), "ka10101", {"mrkt_tp": "9"}).detail == 1517
    assert error(context(day), "ka10101", {}).message == MISSING.format("mrkt_tp")


# ---------------------------------------------------------------------------------------------------
# Chart TRs
# ---------------------------------------------------------------------------------------------------


def test_ka20004_ticks_group_publications(day: Day) -> None:
    e = day.full
    times, levels, volumes, _ = e.index.series("KOSPI")
    prev = round(float(e.index.prev_close[e.index.position["KOSPI"]]) * 100)
    for scope in (1, 3, 10):
        r = call(context(day), "ka20004", {"inds_cd": "001", "tic_scope": str(scope)})
        assert r.fields == {"inds_cd": "001"} and r.list_key == "inds_tic_chart_qry"
        assert len(r.rows) == -(-len(times) // scope)
        first = r.rows[-1]  # oldest: publications 0 .. scope-1
        lv = [round(x * 100) for x in levels[:scope].tolist()]
        assert list(first) == TICK_ROW
        assert (first["open_pric"], first["high_pric"], first["low_pric"], first["cur_prc"]) == (
            str(lv[0]),
            str(max(lv)),
            str(min(lv)),
            str(lv[-1]),
        )
        assert first["trde_qty"] == str(k(int(volumes[scope - 1])))
        assert first["cntr_tm"] == "2026112009" + f"{(scope * 10 // 60):02d}{(scope * 10 % 60):02d}"
        newest = r.rows[0]
        last = round(float(levels[-1]) * 100)
        assert newest["cur_prc"] == str(last) and newest["cntr_tm"] == "20261120153030"
        assert newest["pred_pre"] == (f"{last - prev:+d}" if last != prev else "0")
        assert sum(int(x["trde_qty"]) for x in r.rows) == k(int(volumes[-1]))
    assert error(context(day), "ka20004", {"inds_cd": "001", "tic_scope": "2"}).detail == 1517


@pytest.mark.parametrize("scope", [1, 5, 45, 60])
def test_ka20005_minute_bars(day: Day, scope: int) -> None:
    e = day.full
    times, levels, volumes, _ = e.index.series("KOSPI")
    prev = round(float(e.index.prev_close[e.index.position["KOSPI"]]) * 100)
    r = call(context(day), "ka20005", {"inds_cd": "001", "tic_scope": str(scope)})
    assert r.fields == {"inds_cd": "001"} and r.list_key == "inds_min_pole_qry"
    sec = (times // NS + 9 * 3600) % 86_400
    label = (sec // (scope * 60) + 1) * scope * 60  # [end − scope, end), labelled by the end
    assert len(r.rows) == len(np.unique(label))
    lv = np.rint(levels * 100).astype(np.int64)
    for row in r.rows[:3] + r.rows[-2:]:
        assert list(row) == MINUTE_ROW
        s = int(row["cntr_tm"][8:10]) * 3600 + int(row["cntr_tm"][10:12]) * 60 + int(row["cntr_tm"][12:])
        m = label == s
        assert row["cntr_tm"][:8] == "20261120" and m.any()
        for name, v in (
            ("open_pric", lv[m][0]),
            ("high_pric", lv[m].max()),
            ("low_pric", lv[m].min()),
            ("cur_prc", lv[m][-1]),
        ):
            p = "+" if v > prev else "-" if v < prev else ""
            assert row[name] == f"{p}{v}", name
        assert row["acc_trde_qty"] == str(k(int(volumes[m][-1])))
    assert sum(int(x["trde_qty"]) for x in r.rows) == int(r.rows[0]["acc_trde_qty"])
    assert r.rows[0]["cntr_tm"] >= "20261120153030"
    past = call(context(day), "ka20005", {"inds_cd": "001", "tic_scope": "1", "base_dt": "20261119"})
    assert past.rows == []


def test_ka20006_daily_bars_up_to_base_dt(day: Day) -> None:
    e = day.full
    hist = day.store.get("index_daily", "KOSPI")
    r = call(context(day), "ka20006", {"inds_cd": "001", "base_dt": "20261120"})
    assert r.fields == {"inds_cd": "001"} and r.list_key == "inds_dt_pole_qry"
    assert len(r.rows) == len(hist) + 1
    today = r.rows[0]
    assert list(today) == CHART_DAY_ROW and today["dt"] == "20261120"
    level, _, volume, value = kospi_now(e)
    pos = e.index.position["KOSPI"]
    assert today["cur_prc"] == str(round(level * 100))
    assert today["open_pric"] == str(round(float(e.index.open[pos]) * 100))
    assert (today["trde_qty"], today["trde_prica"]) == (str(k(volume)), str(mil(value)))
    for row, h in zip(r.rows[1:], hist[::-1], strict=True):
        assert row["dt"] == str(int(h["date"]))
        assert row["cur_prc"] == str(round(float(h["close"]) * 100))
        assert row["high_pric"] == str(round(float(h["high"]) * 100))
        assert row["trde_qty"] == str(k(int(h["volume"]))) and row["trde_prica"] == str(mil(int(h["value"])))
        assert all(UINT.match(v) for v in row.values())
    earlier = call(context(day), "ka20006", {"inds_cd": "001", "base_dt": "20261112"})
    assert earlier.rows[0]["dt"] == "20261112" and earlier.rows == r.rows[len(r.rows) - len(earlier.rows) :]
    no_store = call(context(day, store=False), "ka20006", {"inds_cd": "001", "base_dt": "20261120"})
    assert [x["dt"] for x in no_store.rows] == ["20261120"]
    assert (
        call(context(day, day.pre), "ka20006", {"inds_cd": "001", "base_dt": "20261120"}).rows[0]["dt"]
        == "20261119"
    )


@pytest.mark.parametrize(
    ("api", "key"),
    [("ka20007", "inds_stk_pole_qry"), ("ka20008", "inds_mth_pole_qry"), ("ka20019", "inds_yr_pole_qry")],
)
def test_week_month_year_bars_aggregate_the_daily_bars(day: Day, api: str, key: str) -> None:
    ctx = context(day)
    daily = call(ctx, "ka20006", {"inds_cd": "001", "base_dt": "20261120"}).rows[::-1]
    r = call(ctx, api, {"inds_cd": "001", "base_dt": "20261120"})
    assert r.fields == {"inds_cd": "001"} and r.list_key == key

    def period(dt: str) -> object:
        d = date(int(dt[:4]), int(dt[4:6]), int(dt[6:]))
        return {"ka20007": d - timedelta(days=d.weekday()), "ka20008": (d.year, d.month), "ka20019": d.year}[
            api
        ]

    groups: dict[object, list[dict[str, Any]]] = {}
    for row in daily:
        groups.setdefault(period(row["dt"]), []).append(row)
    assert len(r.rows) == len(groups)
    for row, rows in zip(r.rows, reversed(list(groups.values())), strict=True):
        assert list(row) == CHART_DAY_ROW
        assert row["dt"] == rows[0]["dt"]
        assert row["open_pric"] == rows[0]["open_pric"] and row["cur_prc"] == rows[-1]["cur_prc"]
        assert int(row["high_pric"]) == max(int(x["high_pric"]) for x in rows)
        assert int(row["low_pric"]) == min(int(x["low_pric"]) for x in rows)
        # Sums are converted once, so they may differ from the sum of rounded days by rounding.
        assert abs(int(row["trde_qty"]) - sum(int(x["trde_qty"]) for x in rows)) <= len(rows)


# ---------------------------------------------------------------------------------------------------
# Mock personality and errors
# ---------------------------------------------------------------------------------------------------

MOCK_REFUSED = [
    ("ka10010", {"stk_cd": "005930_NX"}),
    ("ka10010", {"stk_cd": "005930_AL"}),
    ("ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "2"}),
    ("ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "3"}),
    ("ka10051", {"mrkt_tp": "0", "amt_qty_tp": "0", "stex_tp": "2"}),
    ("ka10051", {"mrkt_tp": "0", "amt_qty_tp": "0", "stex_tp": "3"}),
]


@pytest.mark.parametrize(("api", "body"), MOCK_REFUSED)
def test_mock_serves_krx_only(day: Day, api: str, body: dict[str, Any]) -> None:
    err = error(context(day, mock=True), api, body)
    assert (err.return_code, err.detail) == (2, 8104)
    assert err.message.startswith("입력 값 오류입니다[8104:모의투자에서는 지원하지 않는 API입니다.")
    assert call(context(day), api, body).rows is not None  # the real personality serves it


def test_mock_serves_krx_requests(day: Day) -> None:
    ctx = context(day, mock=True)
    assert (
        call(ctx, "ka10010", {"stk_cd": "005930"}).fields
        == call(context(day), "ka10010", {"stk_cd": "005930"}).fields
    )
    assert call(ctx, "ka20002", {"mrkt_tp": "0", "inds_cd": "013", "stex_tp": "1"}).rows


REQUIRED = [
    ("ka10010", {"stk_cd": "005930"}, ["stk_cd"]),
    ("ka10051", {"mrkt_tp": "0", "amt_qty_tp": "0", "stex_tp": "1"}, ["mrkt_tp", "amt_qty_tp", "stex_tp"]),
    ("ka20001", {"mrkt_tp": "0", "inds_cd": "001"}, ["mrkt_tp", "inds_cd"]),
    ("ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"}, ["mrkt_tp", "inds_cd", "stex_tp"]),
    ("ka20003", {"inds_cd": "001"}, ["inds_cd"]),
    ("ka20009", {"mrkt_tp": "0", "inds_cd": "001"}, ["mrkt_tp", "inds_cd"]),
    ("ka20004", {"inds_cd": "001", "tic_scope": "1"}, ["inds_cd", "tic_scope"]),
    ("ka20005", {"inds_cd": "001", "tic_scope": "1"}, ["inds_cd", "tic_scope"]),
    ("ka20006", {"inds_cd": "001", "base_dt": "20261120"}, ["inds_cd", "base_dt"]),
    ("ka20007", {"inds_cd": "001", "base_dt": "20261120"}, ["inds_cd", "base_dt"]),
    ("ka20008", {"inds_cd": "001", "base_dt": "20261120"}, ["inds_cd", "base_dt"]),
    ("ka20019", {"inds_cd": "001", "base_dt": "20261120"}, ["inds_cd", "base_dt"]),
]


@pytest.mark.parametrize(("api", "body", "fields"), REQUIRED)
def test_missing_required_field_is_1511(day: Day, api: str, body: dict[str, Any], fields: list[str]) -> None:
    ctx = context(day)
    call(ctx, api, body)  # the complete body is served
    for name in fields:
        for broken in (
            {x: v for x, v in body.items() if x != name},
            {**body, name: ""},
            {**body, name: "  "},
        ):
            err = error(ctx, api, broken)
            assert (err.return_code, err.detail) == (2, 1511)
            assert err.message == MISSING.format(name)
    # With everything missing, the first required field (request-table order) is named.
    assert error(ctx, api, {}).message == MISSING.format(fields[0])


BAD = [
    ("ka20001", {"mrkt_tp": "9", "inds_cd": "001"}, "mrkt_tp"),
    ("ka20001", {"mrkt_tp": "0", "inds_cd": "999"}, "inds_cd"),
    ("ka20001", {"mrkt_tp": "0", "inds_cd": "001_AL"}, "inds_cd"),
    ("ka20001", {"mrkt_tp": ["0"], "inds_cd": "001"}, "mrkt_tp"),
    ("ka20009", {"mrkt_tp": "0", "inds_cd": "1"}, "inds_cd"),
    ("ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "4"}, "stex_tp"),
    ("ka20002", {"mrkt_tp": "0", "inds_cd": "000", "stex_tp": "1"}, "inds_cd"),
    ("ka20003", {"inds_cd": "002"}, "inds_cd"),
    ("ka10051", {"mrkt_tp": "2", "amt_qty_tp": "0", "stex_tp": "1"}, "mrkt_tp"),
    ("ka10051", {"mrkt_tp": "0", "amt_qty_tp": "2", "stex_tp": "1"}, "amt_qty_tp"),
    ("ka10051", {"mrkt_tp": "0", "amt_qty_tp": "0", "stex_tp": "1", "base_dt": "20261131"}, "base_dt"),
    ("ka10010", {"stk_cd": "005930_XX"}, "stk_cd"),
    ("ka20005", {"inds_cd": "001", "tic_scope": "2"}, "tic_scope"),
    ("ka20005", {"inds_cd": "001", "tic_scope": "1", "base_dt": "2026112"}, "base_dt"),
    ("ka20006", {"inds_cd": "001", "base_dt": "20261340"}, "base_dt"),
    ("ka20007", {"inds_cd": "777", "base_dt": "20261120"}, "inds_cd"),
]


@pytest.mark.parametrize(("api", "body", "name"), BAD)
def test_bad_value_is_1517_naming_the_field(day: Day, api: str, body: dict[str, Any], name: str) -> None:
    err = error(context(day), api, body)
    assert (err.return_code, err.detail) == (2, 1517)
    assert f"파라미터={name} " in err.message


@pytest.mark.parametrize("code", ["999999", "999999_AL", "KR7005930003"])
def test_unknown_stock_is_1902(day: Day, code: str) -> None:
    err = error(context(day), "ka10010", {"stk_cd": code})
    assert (err.return_code, err.detail) == (2, 1902)
    assert err.message == f"입력 값 오류입니다[1902:종목정보가 존재하지 않습니다. 종목코드={code}]"


def test_stock_not_on_nxt_is_1903(day: Day) -> None:
    ins = day.full.instruments
    i = next(j for j in range(len(ins)) if not ins.nxt[j] and ins.kind[j] == 0)
    err = error(context(day), "ka10010", {"stk_cd": ins.code[i] + "_NX"})
    assert (err.return_code, err.detail) == (2, 1903)


def test_numbers_in_the_body_are_read_as_text(day: Day) -> None:
    ctx = context(day)
    assert error(ctx, "ka20003", {"inds_cd": 1}).detail == 1517
    assert call(ctx, "ka10101", {"mrkt_tp": 0}).rows[0]["code"] == "001"


# ---------------------------------------------------------------------------------------------------
# Purity
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "body"),
    [*[(api, body) for api, body, _ in REQUIRED], ("ka10101", {"mrkt_tp": "1"})],
)
def test_views_are_pure(day: Day, api: str, body: dict[str, Any]) -> None:
    ctx = context(day)
    digest = day.full.digest()
    first = call(ctx, api, body)
    again = call(ctx, api, body)
    assert (first.fields, list(first.rows)) == (again.fields, list(again.rows))
    assert day.full.digest() == digest


@pytest.mark.parametrize("which", ["pre", "mid", "full"])
def test_every_value_is_a_string(day: Day, which: str) -> None:
    ctx = context(day, getattr(day, which))
    for api, body, _ in REQUIRED:
        r = call(ctx, api, body)
        values = [*r.fields.values(), *(v for row in r.rows for v in row.values())]
        assert all(isinstance(v, str) for v in values), api
