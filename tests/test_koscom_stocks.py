"""Koscom stock endpoints (koscom.md §6) against the reference's field lists and engine/store state.

Every number checked is recomputed here from the engine's arrays or the store's rows, not read
back through the view's helpers. The shared small simulated day (``simday``) gives three engines:
before the open (08:00), at 11:00 and after the close (20:00); close-type windows are driven by
the context's clock.
"""

from __future__ import annotations

import copy
import warnings
from datetime import date, time, timedelta
from typing import Any

import numpy as np
import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

import itertools

from koscom_fields import CLOSE, KEY
from koscom_fields import HISTORY_ROW as HISTORY
from koscom_fields import INTRADAY_ROW as INTRADAY
from koscom_fields import INVESTOR_ROW as INVESTOR
from simday import DAY, Day, now_of, small_day
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.engine.engine import Engine
from sise.market import calendar
from sise.market.codes import KOSCOM_INVESTOR_CODES
from sise.market.sessions import Phase
from sise.market.timeutil import NS, kst_ns, kst_second_of_day
from sise.market.types import InstrumentKind, Market, Venue

TODAY = 20261120
YESTERDAY = 20261119
SAMSUNG = "005930"

# The reference's field lists (koscom.md §6), spelled as the payloads spell them.
MASTER = [
    "trdDd",
    "isuCd",
    "isuSrtCd",
    "isuKorAbbrv",
    "isuEngNm",
    "secugrpId",
    "mktWarnTpCd",
    "admisuYn",
    "haltYn",
    "idxIndMidclssCd",
    "mktcapScaleCd",
    "mfindYn",
    "smeYn",
    "krx100IsuYn",
    "kospiYn",
    "kospi100Yn",
    "kospi50Yn",
    "basPrc",
    "prevddClsprc",
    "prevddAccTrdvol",
    "prevddAccTrdval",
    "uplmtprc",
    "lwlmtprc",
    "sbPrc",
    "parval",
    "isuPrc",
    "listDd",
    "listShrs",
    "arrantrdYn",
    "creditOrdPosblYn",
    "regulssQtyUnit",
    "invstcautnRemndIsuYn",
    "srttrmOverheatIsuTpCd",
    "eps",
    "per",
    "bps",
    "pbr",
    "dps",
    "divYd",
    "acntclsCd",
    "acntclsMm",
    "adjStkprcCalcYn",
    "prevddNav",
]
ORDERBOOK = [
    "isuSrtCd",
    *(f"{s}Step{n}Bstord{k}" for n in range(1, 11) for s in ("ask", "bid") for k in ("Prc", "Rqty")),
    *["askordTotRqty", "bidordTotRqty", "pstoffhrAskTotOrdRqty", "pstoffhrBidTotOrdRqty", "accTrdvol"],
    *["deemTrdPrc", "deemTrdvol", "deemAccTrdvol"],
]
NAV = ["isuSrtCd", "nav", "cmpprevddNav"]
SHORT = ["trdDd", "srtsellTrdVol", "srtsellTrdAmt", "lendBalQty", "lendBalAmt", "srtsellBal"]
FOREIGN = ["trdDd", "FornHdVol", "cmpprevddFornHdVol", "FornHdVolRt"]
PDF = ["isuCd", "Unit", "isuNm", "SetAmt", "ratio"]
RANKING = [
    "isuSrtCd",
    *(
        f"{s}{k}{n}"
        for s in ("ask", "bid")
        for n in range(1, 6)
        for k in ("TrdMbr", "TrdVolMbr", "TrdAmtMbr", "TrdPrcMbr", "TrdWtMbr")
    ),
]


@pytest.fixture(scope="module")
def day() -> Day:
    return small_day()


def client(day: Day, e: Engine | None = None, now: int | None = None, *, store: bool = True) -> TestClient:
    eng = e if e is not None else day.full
    t = now if now is not None else now_of(eng)

    def context() -> KoscomContext:
        return KoscomContext(eng, day.universe, day.store if store else None, lambda: t)

    return TestClient(create_koscom_app(context, lambda k: k == KEY, endpoints=KOSCOM_ENDPOINTS))


def get(c: TestClient, path: str, **params: Any) -> Any:
    r = c.get("/v2/market/stocks/" + path, headers={"apikey": KEY}, params=params or None)
    return r


def ok(c: TestClient, path: str, **params: Any) -> dict[str, Any]:
    r = get(c, path, **params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body["result"] if "jsonrpc" in body else body


def rpc_error(c: TestClient, path: str, **params: Any) -> int:
    r = get(c, path, **params)
    assert r.status_code == 400, r.text
    code: int = r.json()["error"]["code"]
    return code


def at(hh: int, mm: int) -> int:
    return kst_ns(DAY, time(hh, mm))


def inst(e: Engine, code: str) -> int:
    i = e.instruments.number(code)
    assert i is not None
    return i


def market_of(e: Engine, i: int) -> str:
    return {Market.KOSPI: "kospi", Market.KOSDAQ: "kosdaq"}[Market(int(e.instruments.market[i]))]


def an_etf(day: Day) -> tuple[str, str]:
    e = day.full
    for i in range(len(e.instruments)):
        if int(e.instruments.kind[i]) == InstrumentKind.ETF and e.etp_index[i] >= 0:
            return market_of(e, i), e.instruments.code[i]
    raise AssertionError("no ETF on a computed index")


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def thousand(x: int) -> int:
    """KRW → 천원, halves up."""
    return (x + 500) // 1000


def mean_half_up(a: Any) -> int:
    v = [int(x) for x in a]
    return int(np.floor(sum(v) / len(v) + 0.5))


def hhmmssmm(ns: int) -> int:
    s = int(kst_second_of_day(ns))
    return ((s // 3600) * 10_000 + (s // 60 % 60) * 100 + s % 60) * 100 + ns % NS // 10_000_000


# ---------------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------------


def test_every_stock_endpoint_of_the_catalogue_is_routed_with_its_v3_twin() -> None:
    paths = {ep.path: ep for ep in KOSCOM_ENDPOINTS}
    for name in [
        "master",
        "selectivemaster",
        "closeprice",
        "price",
        "orderbook",
        "investors",
        "closenav",
        "shortsell",
        "intraday",
        "traderanking",
        "foreignhistory",
        "history",
        "pdf",
        "nav",
        "navhistory",
    ]:
        ep = paths["/stocks/{market}/{code}/" + name]
        assert ep.v3 and all(p.endswith("/" + name) for p in ep.v3), name
    assert paths["/stocks/{market}/{code}/traderanking"].aliases == ("/stocks/{market}/{code}/traderaking",)
    assert paths["/stocks/{market}/holiday"].v3 == ("/extra/stocks/{market}/holiday",)
    closing = {
        p: ep.close_after
        for p, ep in paths.items()
        if ep.close_after is not None and p.startswith("/stocks/{market}/{code}/")
    }
    assert closing == {
        "/stocks/{market}/{code}/closeprice": time(15, 40),
        "/stocks/{market}/{code}/investors": time(15, 30),
        "/stocks/{market}/{code}/closenav": time(16, 0),
    }


def test_selectivereal_was_never_delivered_so_it_is_not_routed(day: Day) -> None:
    r = get(client(day), "kospi/005930/selectivereal")
    assert (r.status_code, r.json()) == (404, {"message": "no Route matched with those values"})


V3_CASES = (
    ("master", "/closed/kospi/005930/master", {}),
    ("selectivemaster?prevddClsprc&eps", "/closed/kospi/005930/selectivemaster?prevddClsprc&eps", {}),
    ("closeprice", "/closed/kospi/005930/closeprice", {}),
    ("orderbook", "/realtime/kospi/stocks/005930/orderbook", {}),
    ("investors", "/investors/kospi/005930/investors", {}),
    ("shortsell", "/closed/kospi/005930/shortsell", {"inqEndDd": "20261120"}),
    (
        "intraday",
        "/realtime/kospi/stocks/005930/intraday",
        {"inddCycleTpCd": "60", "strtTm": "0900", "endTm": "1530"},
    ),
    ("traderanking", "/realtime/kospi/stocks/005930/traderanking", {}),
    (
        "foreignhistory",
        "/closed/kospi/005930/foreignhistory",
        {"inqStrtDd": "20261001", "inqEndDd": "20261120"},
    ),
    (
        "history",
        "/closed/kospi/005930/history",
        {"trnsmCycleTpCd": "W", "inqStrtDd": "20261001", "inqEndDd": "20261120"},
    ),
)


@pytest.mark.parametrize(("v2", "v3", "params"), V3_CASES)
def test_v3_twins_answer_identically(day: Day, v2: str, v3: str, params: dict[str, str]) -> None:
    c = client(day)
    a = c.get(f"/v2/market/stocks/kospi/005930/{v2}", headers={"apikey": KEY}, params=params or None)
    b = c.get("/v3/market" + v3, headers={"apikey": KEY}, params=params or None)
    assert a.status_code == 200 and (a.status_code, a.content) == (b.status_code, b.content)


def test_etf_and_holiday_v3_twins_answer_identically(day: Day) -> None:
    m, code = an_etf(day)
    c = client(day)
    h = {"apikey": KEY}
    q = {"trnsmCycleTpCd": "D", "inqEndDd": "20261120"}
    for v2, v3, params in (
        (f"{m}/{code}/nav", f"/extra/stocks/{m}/{code}/nav", {}),
        (f"{m}/{code}/pdf", f"/extra/stocks/{m}/{code}/pdf", {}),
        (f"{m}/{code}/navhistory", f"/extra/stocks/{m}/{code}/navhistory", q),
        (f"{m}/{code}/closenav", f"/closed/etf/{m}/{code}/closenav", {}),
        ("KR/holiday", "/extra/stocks/KR/holiday", {}),
    ):
        a = c.get("/v2/market/stocks/" + v2, headers=h, params=params or None)
        b = c.get("/v3/market" + v3, headers=h, params=params or None)
        assert a.status_code == 200 and a.content == b.content, v2


# ---------------------------------------------------------------------------------------------------
# master, selectivemaster
# ---------------------------------------------------------------------------------------------------


def test_master_fields_types_and_engine_values(day: Day) -> None:
    e = day.full
    i = inst(e, SAMSUNG)
    f = ok(client(day), "kospi/005930/master")
    assert list(f) == MASTER
    prev = day.store.get("stock_daily", SAMSUNG, YESTERDAY, YESTERDAY)[0]
    assert f["trdDd"] == TODAY and f["isuCd"] == e.instruments.isin[i] and f["isuSrtCd"] == SAMSUNG
    assert f["isuKorAbbrv"] == e.instruments.name_ko[i] and f["isuEngNm"] == e.instruments.name_en[i]
    assert (f["basPrc"], f["prevddClsprc"]) == (int(e.base[i]), int(prev["close"]))
    assert (f["prevddAccTrdvol"], f["prevddAccTrdval"]) == (int(prev["volume"]), int(prev["value"]))
    assert (f["uplmtprc"], f["lwlmtprc"]) == (int(e.upper[i]), int(e.lower[i]))
    assert f["listShrs"] == int(e.instruments.listed_shares[i]) and f["isuPrc"] is None
    assert f["secugrpId"] == "ST" and f["kospi50Yn"] == ("Y" if e.instruments.kospi50[i] else "N")
    assert f["mktcapScaleCd"] == 1  # the largest KOSPI stock is in 대형주
    for name in ("basPrc", "eps", "bps", "dps", "parval", "listDd", "idxIndMidclssCd", "mktcapScaleCd"):
        assert is_int(f[name]), name
    for name in ("per", "pbr", "divYd"):
        assert isinstance(f[name], int | float) and not isinstance(f[name], bool)
    assert f["eps"] > 0 and f["per"] == pytest.approx(f["prevddClsprc"] / f["eps"], abs=0.006)
    assert f["pbr"] == pytest.approx(f["prevddClsprc"] / f["bps"], abs=0.006)
    assert f["divYd"] == pytest.approx(f["dps"] / f["prevddClsprc"] * 100, abs=0.006)
    assert 0 < f["parval"] <= f["prevddClsprc"] and f["sbPrc"] <= f["basPrc"] * 0.7
    listed = date(f["listDd"] // 10_000, f["listDd"] // 100 % 100, f["listDd"] % 100)
    assert listed < DAY and listed.weekday() < 5
    assert f["acntclsCd"] == "000000000001" and f["acntclsMm"] == "12" and f["prevddNav"] == 0
    assert all(f[n] in ("Y", "N") for n in MASTER if n.endswith("Yn"))


def test_master_inferred_facts_are_deterministic_and_etfs_carry_their_nav(day: Day) -> None:
    a = ok(client(day), "kospi/005930/master")
    b = ok(client(day, day.mid), "kospi/005930/master")
    assert {k: a[k] for k in ("eps", "bps", "dps", "parval", "listDd")} == {
        k: b[k] for k in ("eps", "bps", "dps", "parval", "listDd")
    }
    m, code = an_etf(day)
    e = day.full
    f = ok(client(day), f"{m}/{code}/master")
    assert f["secugrpId"] == "EF" and f["eps"] == f["parval"] == 0
    assert f["prevddNav"] == pytest.approx(round(float(e.nav_prev[inst(e, code)]), 2))


def test_master_adjusted_flag_is_set_on_an_ex_date(day: Day) -> None:
    acts = [r for c in day.universe.instruments.code for r in day.store.get("corporate_actions", c)]
    assert acts
    code = str(acts[0]["code"])
    e = day.full
    f = ok(client(day), f"{market_of(e, inst(e, code))}/{code}/master")
    assert f["adjStkprcCalcYn"] == ("Y" if int(acts[0]["date"]) == TODAY else "N")


def test_selectivemaster_returns_the_asked_fields_in_order(day: Day) -> None:
    e = day.full
    c = client(day)
    r = c.get(
        "/v2/market/stocks/kospi/005930/selectivemaster?wk52HgstPrc&prevddClsprc&dd5AvgPrc&dd5AvgDp"
        "&lendBalAmt&dd20AvgTrdVol&BzDd",
        headers={"apikey": KEY},
    )
    f = r.json()["result"]
    assert list(f) == [
        "isuSrtCd",
        "wk52HgstPrc",
        "prevddClsprc",
        "dd5AvgPrc",
        "dd5AvgDp",
        "lendBalAmt",
        "dd20AvgTrdVol",
        "BzDd",
    ]
    rows = day.store.get("stock_daily", SAMSUNG, 20251121, YESTERDAY)
    adj = rows["adj_factor"][-1] / rows["adj_factor"]
    closes = np.round(rows["close"] * adj)
    assert f["prevddClsprc"] == int(e.prev_close[inst(e, SAMSUNG)])
    assert f["wk52HgstPrc"] == int(np.round(rows["high"] * adj).max())
    assert f["dd5AvgPrc"] == mean_half_up(closes[-5:])
    assert f["dd20AvgTrdVol"] == mean_half_up(rows["volume"][-20:])
    assert f["dd5AvgDp"] == pytest.approx(f["prevddClsprc"] / f["dd5AvgPrc"] * 100, abs=0.006)
    short = day.store.get("short_daily", SAMSUNG, YESTERDAY, YESTERDAY)[0]
    assert f["lendBalAmt"] == thousand(int(short["loan_qty"]) * int(rows["close"][-1]))
    assert f["BzDd"] == TODAY


def test_selectivemaster_errors(day: Day) -> None:
    c = client(day)
    h = {"apikey": KEY}

    def code(q: str) -> int:
        r = c.get("/v2/market/stocks/kospi/005930/selectivemaster" + q, headers=h)
        assert r.status_code == 400
        v: int = r.json()["error"]["code"]
        return v

    assert code("?prevddClsprc&nosuchField") == 10050
    eleven = "&".join(
        ["eps", "bps", "per", "pbr", "dps", "divYd", "parval", "listDd", "Cap", "BzDd", "sbPrc"]
    )
    assert code("?" + eleven) == 20055
    assert code("") == 20055
    ten = "&".join(eleven.split("&")[:10])
    assert c.get("/v2/market/stocks/kospi/005930/selectivemaster?" + ten, headers=h).status_code == 200


# ---------------------------------------------------------------------------------------------------
# price = Kiwoom ka20002; closeprice and its window
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["mid", "full"])
def test_price_equals_the_kiwoom_ka20002_row(day: Day, which: str) -> None:
    e = getattr(day, which)
    now = now_of(e)
    tr = next(t for t in KIWOOM_TRS if t.api_id == "ka20002")
    kctx = KiwoomContext(e, day.universe, day.store, lambda: now, False)
    rows = tr(kctx, {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"}).rows
    c = client(day, e)
    checked = 0
    for row in rows[:25]:
        f = ok(c, f"kospi/{row['stk_cd']}/price")
        assert f["trdPrc"] == abs(int(row["cur_prc"]))
        assert f["cmpprevddPrc"] == int(row["pred_pre"]) and f["cmpprevddTpCd"] == row["pred_pre_sig"]
        assert f["accTrdvol"] == int(row["now_trde_qty"])
        for k, kw in (("opnprc", "open_pric"), ("hgprc", "high_pric"), ("lwprc", "low_pric")):
            assert f[k] == abs(int(row[kw])), k
        assert f["askordPrc_1"] == abs(int(row["sel_bid"])) and f["bidordPrc_1"] == abs(int(row["buy_bid"]))
        checked += 1
    assert checked == 25


def test_closeprice_after_1540_is_todays_close(day: Day) -> None:
    e = day.full
    i = inst(e, SAMSUNG)
    f = ok(client(day), "kospi/005930/closeprice")
    st = e.state(Venue.KRX)
    assert list(f) == CLOSE and f["trdPrc"] == int(e.index_price[i])
    assert f["cmpprevddPrc"] == int(e.index_price[i] - e.base[i])
    assert (f["opnprc"], f["hgprc"], f["lwprc"]) == (int(st.open[i]), int(st.high[i]), int(st.low[i]))
    assert (f["accTrdvol"], f["accTrdval"]) == (int(st.volume[i]), int(st.value[i]))
    want = "2" if f["cmpprevddPrc"] > 0 else "5" if f["cmpprevddPrc"] < 0 else "3"
    assert f["cmpprevddTpCd"] == want and all(is_int(f[k]) for k in CLOSE[1:] if k != "cmpprevddTpCd")


def test_closeprice_before_the_open_is_the_previous_days_and_in_between_400(day: Day) -> None:
    f = ok(client(day, day.pre, at(8, 0)), "kospi/005930/closeprice")
    row = day.store.get("stock_daily", SAMSUNG, YESTERDAY, YESTERDAY)[0]
    assert (f["trdPrc"], f["cmpprevddPrc"], f["cmpprevddTpCd"]) == (
        int(row["close"]),
        int(row["change"]),
        str(int(row["sign"])),
    )
    assert (f["accTrdvol"], f["opnprc"]) == (int(row["volume"]), int(row["open"]))
    for e, t in ((day.mid, at(11, 0)), (day.full, at(15, 39))):
        r = get(client(day, e, t), "kospi/005930/closeprice")
        assert (r.status_code, r.json()) == (400, {"error": "당일 종가 제공 시간이 아닙니다."})
    assert get(client(day, day.full, at(15, 40)), "kospi/005930/closeprice").status_code == 200


def test_closeprice_of_an_issue_without_trades_today_is_its_base_price(day: Day) -> None:
    e = day.pre  # the day is open and nothing has traded
    i = inst(e, SAMSUNG)
    f = ok(client(day, e, at(16, 0)), "kospi/005930/closeprice")
    assert (f["trdPrc"], f["cmpprevddPrc"], f["cmpprevddTpCd"]) == (int(e.base[i]), 0, "3")
    assert f["accTrdvol"] == f["accTrdval"] == f["opnprc"] == 0


@pytest.mark.parametrize(
    "path",
    ["master", "closeprice", "orderbook", "investors", "traderanking", "price"],
)
def test_unknown_and_malformed_codes(day: Day, path: str) -> None:
    c = client(day)
    assert rpc_error(c, f"kospi/999999/{path}") == 10040
    assert rpc_error(c, f"kosdaq/005930/{path}") == 10040  # listed on the other market
    assert rpc_error(c, f"kospi/00593a/{path}") == 20030


# ---------------------------------------------------------------------------------------------------
# orderbook
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["mid", "full"])
def test_orderbook_levels_and_totals_are_the_krx_book(day: Day, which: str) -> None:
    e = getattr(day, which)
    i = inst(e, SAMSUNG)
    f = ok(client(day, e), "kospi/005930/orderbook")
    assert list(f) == ORDERBOOK and all(is_int(v) for k, v in f.items() if k != "isuSrtCd")
    b = e.books[Venue.KRX]
    for n in range(10):
        assert f[f"askStep{n + 1}BstordPrc"] == int(b.ask_price[i, n])
        assert f[f"bidStep{n + 1}BstordRqty"] == int(b.bid_qty[i, n])
    assert f["askordTotRqty"] == sum(f[f"askStep{n}BstordRqty"] for n in range(1, 11))
    assert f["bidordTotRqty"] == int(b.bid_qty[i].sum())
    assert f["accTrdvol"] == int(e.state(Venue.KRX).volume[i])
    phase = Phase(int(e.phase[Venue.KRX, i]))
    after = phase in (Phase.POST_CLOSE_CLOSING_PRICE, Phase.AFTER_HOURS_SINGLE_PRICE)
    assert f["pstoffhrAskTotOrdRqty"] == (f["askordTotRqty"] if after else 0)
    if phase.is_call_auction:
        assert f["deemTrdPrc"] == int(e.indicative_price[Venue.KRX, i])
    else:
        assert f["deemTrdPrc"] == f["deemTrdvol"] == f["deemAccTrdvol"] == 0
    if which == "mid":
        assert f["askStep1BstordPrc"] > f["bidStep1BstordPrc"] > 0


def test_orderbook_expected_figures_during_a_call_auction(day: Day) -> None:
    e = copy.deepcopy(day.mid)  # the shared engines stay untouched
    i = inst(e, SAMSUNG)
    e.phase[Venue.KRX, i] = Phase.CLOSING_AUCTION
    e.indicative_price[Venue.KRX, i] = int(e.base[i]) + 500
    e.indicative_qty[Venue.KRX, i] = 1234
    f = ok(client(day, e, at(15, 25)), "kospi/005930/orderbook")
    volume = int(e.state(Venue.KRX).volume[i])
    assert (f["deemTrdPrc"], f["deemTrdvol"], f["deemAccTrdvol"]) == (
        int(e.base[i]) + 500,
        1234,
        volume + 1234,
    )
    assert f["pstoffhrAskTotOrdRqty"] == f["pstoffhrBidTotOrdRqty"] == 0
    e.phase[Venue.KRX, i] = Phase.AFTER_HOURS_SINGLE_PRICE
    e.version += 1
    g = ok(client(day, e, at(16, 30)), "kospi/005930/orderbook")
    assert g["deemTrdPrc"] == int(e.base[i]) + 500  # 시간외 단일가 is a call too
    assert (g["pstoffhrAskTotOrdRqty"], g["pstoffhrBidTotOrdRqty"]) == (
        g["askordTotRqty"],
        g["bidordTotRqty"],
    )


# ---------------------------------------------------------------------------------------------------
# investors
# ---------------------------------------------------------------------------------------------------


def test_issue_investors_after_1530_are_todays_krx_flows(day: Day) -> None:
    e = day.full
    i = inst(e, SAMSUNG)
    f = ok(client(day), "kospi/005930/investors")
    assert list(f) == ["isuCd", "isuSrtCd", "invstLists"] and f["isuCd"] == e.instruments.isin[i]
    rows = f["invstLists"]
    assert [r["invstCd"] for r in rows] == [f"{k:02d}" for k in range(1, 17)]
    st = e.state(Venue.KRX)
    by = {r["invstCd"]: r for r in rows}
    for col in KOSCOM_INVESTOR_CODES:
        r, lv = by[col.code], list(col.leaves)
        assert list(r) == INVESTOR
        assert r["bidTrdvol"] == int(st.inv_qty[i, 0, lv].sum()) and r["askTrdvol"] == int(
            st.inv_qty[i, 1, lv].sum()
        )
        assert r["bidTrdval"] == thousand(int(st.inv_val[i, 0, lv].sum()))
    assert by["12"]["bidTrdvol"] == int(st.volume[i]) == by["12"]["askTrdvol"]
    assert by["12"]["askTrdvol"] == sum(by[c]["askTrdvol"] for c in ("08", "11", "16"))


def test_issue_investors_before_the_open_are_stored_and_at_1100_refused(day: Day) -> None:
    f = ok(client(day, day.pre, at(8, 30)), "kospi/005930/investors")
    row = day.store.get("investor_daily", SAMSUNG, YESTERDAY, YESTERDAY)[0]
    by = {r["invstCd"]: r for r in f["invstLists"]}
    assert by["10"]["askTrdvol"] == int(row["sell_qty"][9]) and by["12"]["bidTrdvol"] == int(
        row["buy_qty"].sum()
    )
    r = get(client(day, day.mid, at(11, 0)), "kospi/005930/investors")
    assert r.status_code == 400 and r.json() == {"error": "당일 종가 제공 시간이 아닙니다."}
    assert get(client(day, day.full, at(15, 30)), "kospi/005930/investors").status_code == 200


# ---------------------------------------------------------------------------------------------------
# ETF: nav, closenav, navhistory, pdf
# ---------------------------------------------------------------------------------------------------


def test_nav_is_the_engine_inav(day: Day) -> None:
    m, code = an_etf(day)
    for e in (day.mid, day.full):
        i = inst(e, code)
        f = ok(client(day, e), f"{m}/{code}/nav")
        assert list(f) == NAV
        assert f["nav"] == pytest.approx(round(float(e.inav()[i]), 2), abs=1e-9)
        assert f["cmpprevddNav"] == pytest.approx(round(f["nav"] - float(e.nav_prev[i]), 2), abs=0.011)
    assert rpc_error(client(day), "kospi/005930/nav") == 10010  # not an ETF


def test_closenav_window_and_stored_previous_day(day: Day) -> None:
    m, code = an_etf(day)
    assert ok(client(day), f"{m}/{code}/closenav") == ok(client(day), f"{m}/{code}/nav")
    r = get(client(day, day.full, at(15, 50)), f"{m}/{code}/closenav")
    assert r.status_code == 400 and r.json() == {"error": "당일 종가 제공 시간이 아닙니다."}
    f = ok(client(day, day.pre, at(8, 0)), f"{m}/{code}/closenav")
    rows = day.store.get("nav_daily", code, None, YESTERDAY)
    assert f["nav"] == pytest.approx(round(float(rows["nav"][-1]), 2))
    assert f["cmpprevddNav"] == pytest.approx(round(float(rows["nav"][-1] - rows["nav"][-2]), 2), abs=0.011)


def test_navhistory_rows_are_the_stored_navs_newest_first(day: Day) -> None:
    m, code = an_etf(day)
    f = ok(client(day), f"{m}/{code}/navhistory", trnsmCycleTpCd="D", inqEndDd="20261120", reqCnt="5")
    rows = f["hisLists"]
    stored = day.store.get("nav_daily", code, None, YESTERDAY)
    assert len(rows) == 5 and [r["trdDd"] for r in rows] == [int(d) for d in stored["date"][::-1][:5]]
    for r, k in zip(rows, range(len(stored) - 1, 0, -1), strict=False):
        assert list(r) == ["trdDd", "nav", "cmpprevddNav", "trdPrc"]
        assert r["nav"] == pytest.approx(round(float(stored["nav"][k]), 2))
        assert r["cmpprevddNav"] == pytest.approx(float(stored["nav"][k] - stored["nav"][k - 1]), abs=0.011)
        close = day.store.get("stock_daily", code, int(stored["date"][k]), int(stored["date"][k]))
        assert r["trdPrc"] == int(close["close"][0])
    assert rpc_error(client(day), f"{m}/{code}/navhistory", trnsmCycleTpCd="X", inqEndDd="20261120") == 20010


def test_pdf_is_the_tracked_index_basket(day: Day) -> None:
    m, code = an_etf(day)
    e = day.full
    i = inst(e, code)
    r = get(client(day), f"{m}/{code}/pdf")
    body = r.json()
    assert list(body) == ["Cnt", "InqDd", "Lists"] and "jsonrpc" not in body
    assert body["Cnt"] == str(len(body["Lists"])) and body["InqDd"] == str(TODAY)
    members = {e.instruments.isin[j] for j in np.flatnonzero(e.index.member[int(e.etp_index[i])])}
    total = sum(x["SetAmt"] for x in body["Lists"])
    assert len(body["Lists"]) > 10
    for x in body["Lists"]:
        assert list(x) == PDF and x["isuCd"] in members and x["Unit"] > 0
        j = e.instruments.isin.index(x["isuCd"])
        assert x["SetAmt"] == x["Unit"] * int(e.base[j]) and x["isuNm"] == e.instruments.name_ko[j]
        assert x["ratio"] == pytest.approx(x["SetAmt"] / total * 100, abs=0.006)
    amounts = [x["SetAmt"] for x in body["Lists"]]
    assert amounts == sorted(amounts, reverse=True)
    # a creation unit of 10,000 ETF units at the previous NAV, less the rounding down of units
    assert 0.9 < total / (float(e.nav_prev[i]) * 10_000 * max(1, abs(int(e.instruments.leverage[i])))) <= 1.0


# ---------------------------------------------------------------------------------------------------
# shortsell, foreignhistory
# ---------------------------------------------------------------------------------------------------


def test_shortsell_rows_are_the_store_and_todays_from_1800(day: Day) -> None:
    f = ok(
        client(day, day.full, at(17, 59)), "kospi/005930/shortsell", inqStrtDd="20261101", inqEndDd="20261120"
    )
    stored = day.store.get("short_daily", SAMSUNG, 20261101, TODAY)
    closes = day.store.get("stock_daily", SAMSUNG, 20261101, TODAY)
    rows = f["hisLists"]
    assert [r["trdDd"] for r in rows] == [int(d) for d in stored["date"][::-1]] and rows[0][
        "trdDd"
    ] == YESTERDAY
    for r, s, c in zip(rows, stored[::-1], closes[::-1], strict=True):
        assert list(r) == SHORT
        assert (r["srtsellTrdVol"], r["srtsellTrdAmt"]) == (int(s["short_qty"]), int(s["short_val"]))
        assert (r["lendBalQty"], r["srtsellBal"]) == (int(s["loan_qty"]), int(s["balance_qty"]))
        assert r["lendBalAmt"] == thousand(int(s["loan_qty"]) * int(c["close"]))
    e = day.full
    i = inst(e, SAMSUNG)
    late = ok(client(day), "kospi/005930/shortsell", inqEndDd="20261120")["hisLists"]
    assert (
        late[0]["trdDd"] == TODAY
        and late[1:]
        == ok(client(day, e, at(17, 59)), "kospi/005930/shortsell", inqEndDd="20261120")["hisLists"][
            : len(late) - 1
        ]
    )
    st = e.state(Venue.KRX)
    assert (late[0]["srtsellTrdVol"], late[0]["srtsellTrdAmt"]) == (
        int(st.short_qty[i]),
        int(st.short_val[i]),
    )
    assert rpc_error(client(day), "kospi/005930/shortsell") == 20010  # inqEndDd is required
    assert rpc_error(client(day), "kospi/005930/shortsell", inqEndDd="20261121") == 20100


def test_foreignhistory_rows_are_the_store(day: Day) -> None:
    f = ok(client(day), "kospi/005930/foreignhistory", inqStrtDd="20261101", inqEndDd="20261120", reqCnt="7")
    every = day.store.get("foreign_daily", SAMSUNG, None, YESTERDAY)
    rows = f["hisLists"]
    assert len(rows) == 7
    for r, k in zip(rows, range(len(every) - 1, 0, -1), strict=False):
        assert list(r) == FOREIGN and r["trdDd"] == int(every["date"][k])
        assert r["FornHdVol"] == int(every["holdings"][k])
        assert r["cmpprevddFornHdVol"] == int(every["holdings"][k] - every["holdings"][k - 1])
        assert r["FornHdVolRt"] == pytest.approx(round(float(every["ratio"][k]), 2))


# ---------------------------------------------------------------------------------------------------
# intraday
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cycle", [10, 60, 600])
def test_intraday_bars_are_the_engines_labelled_by_their_end(day: Day, cycle: int) -> None:
    e = day.mid
    i = inst(e, SAMSUNG)
    now = now_of(e)
    f = ok(client(day, e), "kospi/005930/intraday", inddCycleTpCd=str(cycle), strtTm="0900", endTm="1530")
    rows = f["hisLists"]
    bars = e.bars(Venue.KRX, cycle)
    bars = bars[bars["inst"] == i]
    acc = np.cumsum(bars["volume"])
    sod = kst_second_of_day(bars["start"])
    want = np.flatnonzero((sod >= 9 * 3600) & (sod < 15 * 3600 + 30 * 60))[::-1][:100]
    assert len(rows) == min(100, len(want)) and len(rows) > 0
    if cycle == 10:
        assert len(rows) == 100
    for r, k in zip(rows, want, strict=True):
        assert list(r) == INTRADAY and isinstance(r["inddTm"], str)
        end = min(int(bars["start"][k]) + cycle * NS, now)
        assert r["inddTm"] == str(hhmmssmm(end))
        assert (r["inddOpnprc"], r["inddClsprc"], r["inddTrdvol"]) == (
            int(bars["open"][k]),
            int(bars["close"][k]),
            int(bars["volume"][k]),
        )
        assert r["inddAccTrdvol"] == int(acc[k])
    times = [int(r["inddTm"]) for r in rows]
    assert times == sorted(times, reverse=True)
    assert rows[0]["inddAccTrdvol"] == int(e.state(Venue.KRX).volume[i])


def test_intraday_errors(day: Day) -> None:
    c = client(day)
    base = {"inddCycleTpCd": "60", "strtTm": "0900", "endTm": "1530"}
    assert rpc_error(c, "kospi/005930/intraday", **{**base, "inddCycleTpCd": "30"}) == 20010
    assert rpc_error(c, "kospi/005930/intraday", inddCycleTpCd="60", strtTm="0900") == 20010
    assert rpc_error(c, "kospi/005930/intraday", **{**base, "strtTm": "1600"}) == 20010
    assert rpc_error(c, "kospi/005930/intraday", **base, inqStrtDd="20261123") == 20100
    assert rpc_error(c, "kospi/005930/intraday", **base, inqStrtDd="20261119") == 20020
    assert ok(c, "kospi/005930/intraday", **base, inqStrtDd="20261120")["hisLists"]


# ---------------------------------------------------------------------------------------------------
# traderanking
# ---------------------------------------------------------------------------------------------------


def test_traderanking_is_the_top_five_members_by_side(day: Day) -> None:
    e = day.full
    i = inst(e, SAMSUNG)
    c = client(day)
    f = ok(c, "kospi/005930/traderanking")
    assert f == ok(c, "kospi/005930/traderaking") and list(f) == RANKING
    assert f["isuSrtCd"] == "005930*001"
    st = e.state(Venue.KRX)
    vol, val = int(st.volume[i]), int(st.value[i])
    for side, s in (("bid", 0), ("ask", 1)):
        q = st.mem_qty[i, s]
        order = sorted(range(len(q)), key=lambda m: (-int(q[m]), m))[:5]
        for n, m in enumerate(order, 1):
            assert f[f"{side}TrdVolMbr{n}"] == int(q[m])
            assert f[f"{side}TrdMbr{n}"] == (day.universe.members[m].name_ko if q[m] > 0 else "")
            assert f[f"{side}TrdWtMbr{n}"] == pytest.approx(int(q[m]) / vol * 100, abs=0.006)
            assert f[f"{side}TrdPrcMbr{n}"] == pytest.approx(val / vol, abs=0.51)
    assert f["bidTrdVolMbr1"] >= f["bidTrdVolMbr5"] > 0


# ---------------------------------------------------------------------------------------------------
# history
# ---------------------------------------------------------------------------------------------------


def adjusted_daily(day: Day, code: str) -> list[dict[str, int]]:
    """stock_daily rows adjusted independently: price × adj_factor[last] / adj_factor[row]."""
    rows = day.store.get("stock_daily", code, None, YESTERDAY)
    last = float(rows["adj_factor"][-1])
    out = []
    for r in rows:
        k = last / float(r["adj_factor"])
        out.append(
            {
                "trdDd": int(r["date"]),
                "trdPrc": round(int(r["close"]) * k),
                "cmpprevddTpCd": str(int(r["sign"])),
                "cmpprevddPrc": round(int(r["close"]) * k) - round(int(r["base"]) * k),
                "opnprc": round(int(r["open"]) * k),
                "hgprc": round(int(r["high"]) * k),
                "lwprc": round(int(r["low"]) * k),
                "accTrdvol": int(r["volume"]),
                "accTrdval": int(r["value"]),
            }
        )
    return out


def test_daily_history_equals_the_adjusted_store_rows(day: Day) -> None:
    acts = [r for c in day.universe.instruments.code for r in day.store.get("corporate_actions", c)]
    acts = [a for a in acts if int(a["date"]) > 20261002]  # with a day before it in the window
    assert acts
    e = day.pre  # nothing traded today: every row is a stored one
    for a in acts:
        code = str(a["code"])
        m = market_of(e, inst(e, code))
        f = ok(
            client(day, e, at(8, 0)),
            f"{m}/{code}/history",
            trnsmCycleTpCd="D",
            inqStrtDd="20261001",
            inqEndDd="20261120",
        )
        want = [r for r in adjusted_daily(day, code) if r["trdDd"] >= 20261001][::-1]
        assert f["hisLists"] == want
        before = [r for r in f["hisLists"] if r["trdDd"] < int(a["date"])]
        raw = day.store.get("stock_daily", code, before[0]["trdDd"], before[0]["trdDd"])[0]
        assert before[0]["trdPrc"] != int(raw["close"])  # adjusted across the action


def test_history_today_row_comes_from_the_engine_once_traded(day: Day) -> None:
    e = day.full
    i = inst(e, SAMSUNG)
    f = ok(
        client(day),
        "kospi/005930/history",
        trnsmCycleTpCd="D",
        inqStrtDd="20261110",
        inqEndDd="20261120",
        reqCnt="3",
    )
    rows = f["hisLists"]
    assert len(rows) == 3 and [r["trdDd"] for r in rows] == [TODAY, YESTERDAY, 20261118]
    st = e.state(Venue.KRX)
    assert list(rows[0]) == HISTORY
    assert (rows[0]["trdPrc"], rows[0]["accTrdvol"], rows[0]["hgprc"]) == (
        int(e.index_price[i]),
        int(st.volume[i]),
        int(st.high[i]),
    )
    assert rows[1:] == adjusted_daily(day, SAMSUNG)[::-1][:2]
    pre = ok(
        client(day, day.pre, at(8, 0)),
        "kospi/005930/history",
        trnsmCycleTpCd="D",
        inqStrtDd="20261110",
        inqEndDd="20261120",
    )
    assert pre["hisLists"][0]["trdDd"] == YESTERDAY


@pytest.mark.parametrize("cycle", ["D", "W", "M"])
def test_history_back_to_the_first_date_there_is_answers_as_from_1900(day: Day, cycle: str) -> None:
    """The read-back before ``00010101`` overflowed into a 500 (found by bench/fuzz.py)."""
    c = client(day)
    for start, end in (("00010101", "00010101"), ("00010101", "20261120")):
        got = get(c, "kospi/005930/history", trnsmCycleTpCd=cycle, inqStrtDd=start, inqEndDd=end)
        same = get(
            c,
            "kospi/005930/history",
            trnsmCycleTpCd=cycle,
            inqStrtDd="19000101",
            inqEndDd=end.replace("0001", "1900", 1),
        )
        assert (got.status_code, got.json()) == (same.status_code, same.json())


def test_weekly_and_monthly_history_aggregate_the_days(day: Day) -> None:
    daily = adjusted_daily(day, SAMSUNG)
    c = client(day, day.pre, at(8, 0))
    w = ok(c, "kospi/005930/history", trnsmCycleTpCd="W", inqStrtDd="20261026", inqEndDd="20261120")[
        "hisLists"
    ]
    assert [r["trdDd"] for r in w] == [YESTERDAY, 20261113, 20261106, 20261030]
    for r in w:
        d = date(r["trdDd"] // 10_000, r["trdDd"] // 100 % 100, r["trdDd"] % 100)
        monday = int((d - timedelta(days=d.weekday())).strftime("%Y%m%d"))
        days = [x for x in daily if monday <= x["trdDd"] <= r["trdDd"]]
        assert r["trdPrc"] == days[-1]["trdPrc"] and r["opnprc"] == days[0]["opnprc"]
        assert r["hgprc"] == max(x["hgprc"] for x in days) and r["lwprc"] == min(x["lwprc"] for x in days)
        assert r["accTrdvol"] == sum(x["accTrdvol"] for x in days)
    for a, b in itertools.pairwise(w):
        assert a["cmpprevddPrc"] == a["trdPrc"] - b["trdPrc"]
        assert a["cmpprevddTpCd"] == ("2" if a["cmpprevddPrc"] > 0 else "5" if a["cmpprevddPrc"] < 0 else "3")
    mo = ok(c, "kospi/005930/history", trnsmCycleTpCd="M", inqStrtDd="20261001", inqEndDd="20261120")[
        "hisLists"
    ]
    assert [r["trdDd"] for r in mo] == [
        YESTERDAY,
        int(max(calendar.trading_days(date(2026, 10, 1), date(2026, 10, 31))).strftime("%Y%m%d")),
    ]
    assert mo[0]["accTrdvol"] == sum(x["accTrdvol"] for x in daily if x["trdDd"] >= 20261101)


def test_history_errors(day: Day) -> None:
    c = client(day)
    q = {"trnsmCycleTpCd": "D", "inqStrtDd": "20261101", "inqEndDd": "20261120"}
    assert rpc_error(c, "kospi/005930/history", **{**q, "trnsmCycleTpCd": "Y"}) == 20010
    assert rpc_error(c, "kospi/005930/history", **{**q, "inqStrtDd": "20261131"}) == 20010
    assert (
        rpc_error(c, "kospi/005930/history", **{**q, "inqStrtDd": "20261121", "inqEndDd": "20261120"})
        == 20010
    )
    assert rpc_error(c, "kospi/005930/history", **{**q, "inqEndDd": "20261123"}) == 20100
    assert (
        rpc_error(c, "kospi/005930/history", **{**q, "inqStrtDd": "20261114", "inqEndDd": "20261115"})
        == 20110
    )
    assert rpc_error(c, "kospi/005930/history", **{**q, "reqCnt": "101"}) == 20010
    assert rpc_error(c, "kospi/005930/history", trnsmCycleTpCd="D", inqEndDd="20261120") == 20010
    assert rpc_error(c, "kospi/999999/history", **q) == 10040
    assert len(ok(c, "kospi/005930/history", **{**q, "inqStrtDd": "20200101"})["hisLists"]) <= 100


# ---------------------------------------------------------------------------------------------------
# holiday
# ---------------------------------------------------------------------------------------------------


def test_kr_holidays_are_the_calendars_future_closures(day: Day) -> None:
    c = client(day)
    body = c.get("/v2/market/stocks/KR/holiday", headers={"apikey": KEY}).json()
    assert list(body) == ["marketCd", "lists"] and body["marketCd"] == "KR"
    days = body["lists"]
    assert days and days == sorted(days) and all(isinstance(d, str) and d > str(TODAY) for d in days)
    for d in days:
        x = date(int(d[:4]), int(d[4:6]), int(d[6:]))
        assert x.weekday() < 5 and not calendar.is_trading_day(x)
    # every weekday closure of the next month is listed
    nxt = [
        d
        for d in (DAY + timedelta(days=k) for k in range(1, 45))
        if d.weekday() < 5 and not calendar.is_trading_day(d)
    ]
    assert {d.strftime("%Y%m%d") for d in nxt} <= set(days)
    assert rpc_error(c, "US/holiday") == 10010
    assert rpc_error(c, "XX/holiday") == 20030
