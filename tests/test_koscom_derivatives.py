"""Koscom futures and options endpoints (koscom.md §9, §10) over a small simulated day that lists
derivatives, driven in-process through the app. Expected values are recomputed from engine
state and the ``futures_daily`` history rows, not from the views."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from typing import Any

import numpy as np
import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from koscom_fields import CLOSE, KEY
from koscom_fields import HISTORY_ROW as STOCK_HISTORY_ROW
from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.api.koscom.views_derivatives import ENDPOINTS
from sise.engine.engine import Engine
from sise.market.codes import KOSCOM_INVESTOR_CODES
from sise.market.derivatives import PRODUCTS, Product, futures_limit_steps, product_of_code
from sise.market.timeutil import NS, kst_ns, yyyymmdd
from sise.market.types import InstrumentKind, Venue
from sise.market.universe import Universe, build_universe
from sise.sources.day import build_market
from sise.sources.futures_history import backfill_futures
from sise.sources.history import backfill
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.store.base import FUTURES_TABLE
from sise.store.memory import MemoryStore

DAY = date(2026, 11, 20)
#: Market times the engines are copied at: two inside one 30-second window, then past its end.
T_0, T_A, T_B, T_C = (kst_ns(DAY, time(11, 0, s)) for s in (0, 10, 20, 40))


@dataclass
class DDay:
    universe: Universe
    store: MemoryStore
    pre: Engine  # day opened, nothing traded
    at: dict[int, Engine]  # copies at T_0, T_A, T_B, T_C
    full: Engine  # after the derivatives close and settlement (day still open)


@cache
def deriv_day() -> DDay:
    base = build_universe(n_kospi=200, n_kosdaq=200, n_etf=10, n_etn=5)
    store = MemoryStore()
    backfill(base, store, end=DAY - timedelta(days=1), days=60)
    backfill_futures(base, store, end=DAY - timedelta(days=1), days=60)
    universe, full = build_market(base, DAY)
    full.start_day(DAY)
    cfg = SimConfig(DAY, seed=5, scale=0.01, step_s=10)
    sim = MarketSimulator(universe, full.base, full.upper, full.lower, cfg)
    first, last = sim.index_window
    full.start_day(DAY, index_from=first, index_until=last)
    pre = copy.deepcopy(full)
    at: dict[int, Engine] = {}
    for b in sim.batches():
        full.apply(b)
        for t in (T_0, T_A, T_B, T_C):
            if t not in at and b.end_time is not None and b.end_time >= t:
                at[t] = copy.deepcopy(full)
    return DDay(universe, store, pre, at, full)


def now_of(e: Engine) -> int:
    return kst_ns(DAY, time(8, 0)) if e.last_time < 0 else int(e.last_time)


def client(e: Engine, d: DDay, now: int | None = None) -> TestClient:
    t = now_of(e) if now is None else now

    def context() -> KoscomContext:
        return KoscomContext(e, d.universe, d.store, lambda: t)

    app = create_koscom_app(context, lambda k: k == KEY, endpoints=KOSCOM_ENDPOINTS)
    return TestClient(app)


def get(c: TestClient, path: str, **params: Any) -> Any:
    return c.get(path, headers={"apikey": KEY}, params=params)


@pytest.fixture(scope="module")
def day() -> DDay:
    return deriv_day()


def fut(d: DDay, path: str, e: Engine | None = None, now: int | None = None, **params: Any) -> Any:
    return get(client(d.full if e is None else e, d, now), path, **params)


def inst(e: Engine, code: str) -> int:
    i = e.instruments.number(code)
    assert i is not None
    return i


def front(e: Engine, product: Product) -> int:
    ins = e.instruments
    rows = [
        i
        for i in range(len(ins))
        if ins.kind[i] == InstrumentKind.FUTURE and product_of_code(ins.code[i]) == product
    ]
    return min(rows, key=lambda i: ins.expiry[i])


def of_market(e: Engine, kind: InstrumentKind, market: str) -> list[int]:
    ins = e.instruments
    return [
        i
        for i in range(len(ins))
        if ins.kind[i] == kind and PRODUCTS[product_of_code(ins.code[i])].koscom_market == market
    ]


def busiest_option(e: Engine) -> int:
    rows = of_market(e, InstrumentKind.OPTION, "kospi200")
    return max(rows, key=lambda i: (int(e.state(Venue.KRX).volume[i]), -i))


def units(v: int, e: Engine, i: int) -> float:
    return v / int(e.instruments.price_scale[i])


# -- field names and order (koscom.md §9, §10) -------------------------------------------------------

FUTURES_PRICE = [
    "isuSrtCd",
    "trdPrc",
    "trdvol",
    "trdTm",
    "fstmmAgndaContrtPrc",
    "futrmmAgndaContrtPrc",
    "opnprc",
    "hgprc",
    "lwprc",
    "accTrdvol",
    "accTrdval",
    "negoBlkAccTrdvol",
    "lstTrdTpCd",
    "realtmUplmtprc",
    "realtmLwlmtprc",
]
OPTIONS_PRICE = [
    "isuSrtCd",
    "isuCd",
    "trdPrc",
    "trdvol",
    "trdTm",
    "opnprc",
    "hgprc",
    "lwprc",
    "accTrdvol",
    "accTrdval",
    "negoBlkAccTrdvol",
    "lstTrdTpCd",
    "realtmUplmtprc",
    "realtmLwlmtprc",
]
HISTORY_ROW = [*STOCK_HISTORY_ROW, "opnintQty"]
MASTER_COMMON = set(
    [
        "trdDd",
        "isuCd",
        "isuSrtCd",
        "isuKorNm",
        "isuKorAbbrv",
        "listDd",
        "basPrc",
        "ulyId",
        "lsttrdDd",
        "expDd",
        "setlmult",
        "remainDys",
        "setlTheoPrc",
        "basTheoPrc",
        "prevddClsprc",
        "prevddOpnprc",
        "prevddHgprc",
        "prevddLwprc",
        "setlPrcTheoPrcDivrgRt",
        "prevddOpnintQty",
        "inlistHgstprc",
        "inlistLwstprc",
        "midyyHgstprc",
        "midyyLwstprc",
        "inlistHgstprcDd",
        "inlistLwstprcDd",
        "midyyHgstprcDd",
        "midyyLwstprcDd",
        "prevddAccTrdvol",
        "prevddAccTrdval",
        "cdInt",
    ]
) | {f"prcLmtStep{n}{s}" for n in (1, 2, 3) for s in ("Uplmtprc", "Lwlmtprc")}


def test_field_names_follow_the_reference(day: DDay) -> None:
    c = client(day.full, day)
    f = front(day.full, Product.KOSPI200)
    fc = day.full.instruments.code[f]
    oc = day.full.instruments.code[busiest_option(day.full)]
    assert list(get(c, f"/v2/market/futures/kospi200/{fc}/price").json()["result"]) == FUTURES_PRICE
    assert list(get(c, f"/v2/market/options/kospi200/{oc}/price").json()["result"]) == OPTIONS_PRICE
    for fam, code in (("futures", fc), ("options", oc)):
        assert list(get(c, f"/v2/market/{fam}/kospi200/{code}/closeprice").json()["result"]) == CLOSE
        book = list(get(c, f"/v2/market/{fam}/kospi200/{code}/orderbook").json()["result"])
        levels = [
            f"{side}Step{n}Bstord{what}"
            for n in range(1, 6)
            for side in ("ask", "bid")
            for what in ("Prc", "Rqty")
        ]
        counts = [f"{side}Step{n}BstordCnt" for n in range(1, 6) for side in ("ask", "bid")]
        totals = [
            "askTotOrdRqty",
            "bidTotOrdRqty",
            "askValidOrdCnt",
            "bidValidOrdCnt",
            "ordAcptTm",
            "deemTrdPrc",
        ]
        assert set(book) == {"isuSrtCd", *levels, *counts, *totals} and len(book) == 1 + 20 + 10 + 6
        assert book[-6:] == totals
        hist = get(
            c,
            f"/v2/market/{fam}/kospi200/{code}/history",
            trnsmCycleTpCd="D",
            inqStrtDd="20261101",
            inqEndDd="20261120",
        )
        assert list(hist.json()["result"]["hisLists"][0]) == HISTORY_ROW
    master = get(c, f"/v2/market/futures/kospi200/{fc}/master").json()["result"]
    assert set(master) == MASTER_COMMON | {"opnintLmtQty"}
    master = get(c, f"/v2/market/options/kospi200/{oc}/master").json()["result"]
    assert set(master) == MASTER_COMMON | {"exerPrc", "impVolt"}
    inv = get(c, "/v2/market/futures/kospi200/market/investors").json()["result"]
    assert list(inv) == ["Tm", "invstLists"]
    assert list(inv["invstLists"][0]) == [
        "invstCd",
        "MktAccAskTrdvol",
        "MktAccAskTrdval",
        "MktAccBidTrdvol",
        "MktAccBidTrdval",
    ]
    inv = get(c, "/v2/market/options/kospi200/market/investors").json()["result"]
    legs = [f"{leg}Acc{s}Trd{w}" for leg in ("Call", "Put") for s in ("Ask", "Bid") for w in ("vol", "val")]
    assert list(inv["invstLists"][0]) == ["invstCd", *legs]


# -- lists, markets, codes ---------------------------------------------------------------------------

SERVED = ("kospi200", "mini_kospi200", "kosdaq150", "stock", "usd", "ktb3", "ktb10")


def test_lists_cover_every_listed_contract_and_the_continuous_row(day: DDay) -> None:
    e = day.full
    ins = e.instruments
    for market in SERVED:
        body = fut(day, f"/v2/market/futures/{market}/lists").json()
        assert (body["trdDd"], body["mktEndTm"]) == ("20261120", "1550")
        rows = body["isuLists"]
        expected = of_market(e, InstrumentKind.FUTURE, market)
        real = [r for r in rows if r["map_to"] != r["isuSrtCd"]]
        assert [r["isuSrtCd"] for r in real] == [ins.code[i] for i in expected]
        assert all(r["isuCd"] == ins.isin[inst(e, r["isuSrtCd"])] for r in real)
        assert all(r["map_to"].startswith(r["isuSrtCd"] + "*") for r in real)
        cont = [r for r in rows if r["map_to"] == r["isuSrtCd"]]
        if market == "stock":
            assert cont == []
            continue
        product = Product(market)
        f = front(e, product)
        assert len(cont) == 1 and cont[0]["isuCd"] == ins.isin[f]
        assert cont[0]["isuSrtCd"] == {"kospi200": "K2FA001", "usd": "KUFA001"}.get(
            market, cont[0]["isuSrtCd"]
        )
    opts = fut(day, "/v2/market/options/kospi200/lists").json()["isuLists"]
    assert [r["isuSrtCd"] for r in opts] == [
        ins.code[i] for i in of_market(e, InstrumentKind.OPTION, "kospi200")
    ]
    assert all(r["map_to"] == r["isuSrtCd"] + "*006" for r in opts)


def test_markets_without_listings_answer_no_data_and_unknown_markets_404(day: DDay) -> None:
    for path in (
        "/v2/market/futures/yen/lists",
        "/v2/market/futures/vix/VIFA001/price",
        "/v2/market/options/usd/lists",
        "/v2/market/options/ktb3/market/investors",
    ):
        r = fut(day, path)
        assert r.status_code == 400 and r.json()["error"]["code"] == 10010, path
    for path in ("/v2/market/futures/nikkei/lists", "/v2/market/options/kospi/lists"):
        assert fut(day, path).status_code == 404


def test_bad_codes(day: DDay) -> None:
    cases = {
        "/v2/market/futures/kospi200/ZZZZ0000/price": 10040,  # well formed, not listed
        "/v2/market/futures/usd/A016C000/price": 10040,  # listed on another market
        "/v2/market/options/kospi200/K2FA001/price": 10040,  # options have no 연결선물 code
        "/v2/market/futures/kospi200/a016-c00/price": 20030,  # malformed
        "/v2/market/futures/kospi200/A016C00000/master": 20030,  # too long
    }
    for path, code in cases.items():
        r = fut(day, path)
        assert (r.status_code, r.json()["error"]["code"]) == (400, code), path


# -- price, orderbook ---------------------------------------------------------------------------------


def test_futures_price_from_engine_state(day: DDay) -> None:
    e = day.full
    st = e.state(Venue.KRX)
    for product in (Product.KOSPI200, Product.USD, Product.KTB10):
        i = front(e, product)
        code = e.instruments.code[i]
        res = fut(day, f"/v2/market/futures/{product.value}/{code}/price").json()["result"]
        assert st.count[i] > 0
        assert isinstance(res["trdPrc"], float)  # quote units with decimals
        assert res["trdPrc"] == units(int(st.last[i]), e, i)
        assert (res["opnprc"], res["hgprc"], res["lwprc"]) == tuple(
            units(int(x[i]), e, i) for x in (st.open, st.high, st.low)
        )
        assert res["accTrdvol"] == st.volume[i] and res["trdvol"] == st.last_qty[i]
        mult, scale = int(e.instruments.multiplier[i]), int(e.instruments.price_scale[i])
        assert res["accTrdval"] == int(st.value[i]) * mult // scale
        assert res["lstTrdTpCd"] == {1: 2, 2: 1}[int(st.last_side[i])]
        up1, lo1 = futures_limit_steps(int(e.base[i]), product)[0]
        assert lo1 / scale <= res["realtmLwlmtprc"] < res["trdPrc"] < res["realtmUplmtprc"] <= up1 / scale


def test_stock_futures_quote_in_won(day: DDay) -> None:
    e = day.full
    i = of_market(e, InstrumentKind.FUTURE, "stock")[0]
    res = fut(day, f"/v2/market/futures/stock/{e.instruments.code[i]}/price").json()["result"]
    assert isinstance(res["trdPrc"], int) and res["trdPrc"] == int(e.current_price(Venue.KRX)[i])


def test_continuous_code_resolves_to_the_front_month(day: DDay) -> None:
    e = day.full
    for market, cont, product in (
        ("kospi200", "K2FA001", Product.KOSPI200),
        ("ktb3", "KBFA001", Product.KTB3),
    ):
        f = e.instruments.code[front(e, product)]
        for what in ("price", "orderbook", "master"):
            a = fut(day, f"/v2/market/futures/{market}/{cont}/{what}").json()["result"]
            b = fut(day, f"/v2/market/futures/{market}/{f}/{what}").json()["result"]
            assert a == b and a["isuSrtCd"] == f


def test_options_price_carries_the_feed_suffix_and_isin(day: DDay) -> None:
    e = day.full
    i = busiest_option(e)
    code = e.instruments.code[i]
    res = fut(day, f"/v2/market/options/kospi200/{code}/price").json()["result"]
    assert res["isuSrtCd"] == code + "*006" and res["isuCd"] == e.instruments.isin[i]
    assert res["trdPrc"] == units(int(e.state(Venue.KRX).last[i]), e, i)


def test_untraded_contract_shows_its_base(day: DDay) -> None:
    e = day.pre
    i = front(e, Product.KOSPI200)
    res = fut(day, f"/v2/market/futures/kospi200/{e.instruments.code[i]}/price", e=e).json()["result"]
    base = units(int(e.base[i]), e, i)
    assert (res["trdPrc"], res["opnprc"], res["trdTm"], res["accTrdvol"], res["lstTrdTpCd"]) == (
        base,
        base,
        0,
        0,
        0,
    )


def test_orderbook_from_engine_book(day: DDay) -> None:
    e = day.at[T_A]
    i = front(e, Product.KOSPI200)
    b = e.books[Venue.KRX]
    res = fut(day, f"/v2/market/futures/kospi200/{e.instruments.code[i]}/orderbook", e=e).json()["result"]
    for n in range(5):
        assert res[f"askStep{n + 1}BstordPrc"] == units(int(b.ask_price[i, n]), e, i)
        assert res[f"bidStep{n + 1}BstordRqty"] == b.bid_qty[i, n]
        assert res[f"askStep{n + 1}BstordCnt"] == b.ask_count[i, n]
    assert res["askTotOrdRqty"] == b.ask_qty[i, :5].sum() > 0
    assert res["bidValidOrdCnt"] == b.bid_count[i, :5].sum() > 0
    s = (int(b.time[i]) // NS + 9 * 3600) % 86400
    assert res["ordAcptTm"] // 100 == (s // 3600) * 10000 + (s // 60 % 60) * 100 + s % 60
    assert res["deemTrdPrc"] == 0  # continuous trading: no call auction


# -- master ---------------------------------------------------------------------------------------------


def test_futures_master_from_engine_and_history(day: DDay) -> None:
    e = day.full
    i = front(e, Product.KOSPI200)
    code = e.instruments.code[i]
    m = fut(day, f"/v2/market/futures/kospi200/{code}/master").json()["result"]
    rows = day.store.get(FUTURES_TABLE, code, None, yyyymmdd(DAY) - 1)
    prev = rows[-1]
    assert m["basPrc"] == units(int(e.base[i]), e, i)
    assert (m["prevddClsprc"], m["prevddHgprc"]) == (
        units(int(prev["close"]), e, i),
        units(int(prev["high"]), e, i),
    )
    assert (m["prevddOpnintQty"], m["prevddAccTrdvol"], m["prevddAccTrdval"]) == (
        prev["open_interest"],
        prev["volume"],
        prev["value"],
    )
    assert m["inlistHgstprc"] == units(int(rows["high"].max()), e, i)
    assert m["inlistLwstprcDd"] == rows["date"][np.flatnonzero(rows["low"] == rows["low"].min())[-1]]
    steps = futures_limit_steps(int(e.base[i]), Product.KOSPI200)
    assert [(m[f"prcLmtStep{n}Uplmtprc"], m[f"prcLmtStep{n}Lwlmtprc"]) for n in (1, 2, 3)] == [
        (units(u, e, i), units(lo, e, i)) for u, lo in steps
    ]
    assert (m["setlmult"], m["lsttrdDd"], m["expDd"], m["ulyId"]) == (250_000, 20261210, 202612, "KOSPI200")
    assert m["remainDys"] == (date(2026, 12, 10) - DAY).days and m["opnintLmtQty"] is None
    assert m["cdInt"] == 2.75
    ktb = front(e, Product.KTB3)
    k = fut(day, f"/v2/market/futures/ktb3/{e.instruments.code[ktb]}/master").json()["result"]
    assert k["prcLmtStep1Uplmtprc"] is not None and k["prcLmtStep2Uplmtprc"] is None  # one stage


def test_options_master_strike_and_vol(day: DDay) -> None:
    e = day.full
    i = busiest_option(e)
    m = fut(day, f"/v2/market/options/kospi200/{e.instruments.code[i]}/master").json()["result"]
    assert m["exerPrc"] == units(int(e.instruments.strike[i]), e, i)
    assert 5.0 <= m["impVolt"] <= 60.0
    assert m["prevddClsprc"] is None  # options have no stored history


# -- closeprice -----------------------------------------------------------------------------------------


def test_closeprice_window(day: DDay) -> None:
    e = day.full
    i = front(e, Product.KOSPI200)
    path = f"/v2/market/futures/kospi200/{e.instruments.code[i]}/closeprice"
    r = fut(day, path, now=kst_ns(DAY, time(15, 49)))
    assert (r.status_code, r.json()) == (400, {"error": "당일 종가 제공 시간이 아닙니다."})
    today = fut(day, path, now=kst_ns(DAY, time(15, 50))).json()["result"]
    st = e.state(Venue.KRX)
    assert today["trdPrc"] == units(int(st.last[i]), e, i)
    assert today["cmpprevddPrc"] == units(int(st.last[i] - e.base[i]), e, i)
    before_open = fut(day, path, now=kst_ns(DAY, time(8, 0))).json()["result"]
    rows = day.store.get(FUTURES_TABLE, e.instruments.code[i], None, yyyymmdd(DAY) - 1)
    assert before_open["trdPrc"] == units(int(rows["close"][-1]), e, i)
    assert before_open["cmpprevddPrc"] == units(int(rows["close"][-1] - rows["settle"][-2]), e, i)
    opt = e.instruments.code[busiest_option(e)]
    r = fut(day, f"/v2/market/options/kospi200/{opt}/closeprice", now=kst_ns(DAY, time(8, 0)))
    assert r.json()["error"]["code"] == 10010  # no option history


# -- market/investors -------------------------------------------------------------------------------------


def expected_investors(e: Engine, rows: list[int], prefix: str) -> list[dict[str, Any]]:
    krx = e.state(Venue.KRX)
    out = []
    for col in KOSCOM_INVESTOR_CODES:
        leaves = list(col.leaves)
        row: dict[str, Any] = {"invstCd": col.code}
        for side, s in (("Ask", 1), ("Bid", 0)):
            row[f"{prefix}Acc{side}Trdvol"] = int(sum(krx.inv_qty[i, s, leaves].sum() for i in rows))
            val = sum(
                int(krx.inv_val[i, s, leaves].sum())
                * int(e.instruments.multiplier[i])
                // int(e.instruments.price_scale[i])
                for i in rows
            )
            row[f"{prefix}Acc{side}Trdval"] = val // 1_000_000
        out.append(row)
    return out


def test_investors_are_those_of_the_last_30_second_mark(day: DDay) -> None:
    path = "/v2/market/futures/kospi200/market/investors"
    a = fut(day, path, e=day.at[T_A]).json()["result"]
    b = fut(day, path, e=day.at[T_B]).json()["result"]
    assert a == b and a["Tm"] == "11000000"  # same window: same figures
    # They are the state at 11:00:00 exactly, recomputed from the engine copied then.
    e0 = day.at[T_0]
    assert a["invstLists"] == expected_investors(e0, of_market(e0, InstrumentKind.FUTURE, "kospi200"), "Mkt")
    live = expected_investors(day.at[T_B], of_market(e0, InstrumentKind.FUTURE, "kospi200"), "Mkt")
    c = fut(day, path, e=day.at[T_C]).json()["result"]
    assert c["Tm"] == "11003000"
    assert c["invstLists"] != a["invstLists"] or live == a["invstLists"]


def test_options_investors_split_calls_and_puts(day: DDay) -> None:
    e = day.full
    res = fut(day, "/v2/market/options/kospi200/market/investors", e=e).json()["result"]
    rows = of_market(e, InstrumentKind.OPTION, "kospi200")
    calls = [i for i in rows if e.instruments.code[i][0] in "2B"]
    puts = [i for i in rows if i not in calls]
    assert calls and puts
    # After the close no trade follows the last mark, so the live state is the mark's.
    exp_c = expected_investors(e, calls, "Call")
    exp_p = expected_investors(e, puts, "Put")
    assert res["invstLists"] == [c | {k: v for k, v in p.items()} for c, p in zip(exp_c, exp_p, strict=True)]
    total = next(r for r in res["invstLists"] if r["invstCd"] == "12")
    assert total["CallAccAskTrdvol"] == total["CallAccBidTrdvol"] > 0


# -- intraday, history -------------------------------------------------------------------------------------


def test_intraday_bars(day: DDay) -> None:
    e = day.full
    i = front(e, Product.KOSPI200)
    code = e.instruments.code[i]
    rows = fut(
        day, f"/v2/market/futures/kospi200/{code}/intraday", inddCycleTpCd="600", strtTm="0800", endTm="1600"
    ).json()["result"]["hisLists"]
    assert rows and len(rows) <= 100
    times = [int(r["inddTm"]) for r in rows]
    assert times == sorted(times, reverse=True) and all(t % 100000 == 0 for t in times)  # 10-min ends
    assert rows[0]["inddAccTrdvol"] == e.state(Venue.KRX).volume[i] == sum(r["inddTrdvol"] for r in rows)
    assert all(r["inddLwprc"] <= min(r["inddOpnprc"], r["inddClsprc"]) for r in rows)
    ten = fut(
        day, f"/v2/market/futures/kospi200/{code}/intraday", inddCycleTpCd="10", strtTm="0800", endTm="1600"
    ).json()["result"]["hisLists"]
    assert 0 < len(ten) <= 100 and all(int(r["inddTm"]) % 1000 == 0 for r in ten[1:])
    r = fut(
        day, f"/v2/market/futures/kospi200/{code}/intraday", inddCycleTpCd="30", strtTm="0900", endTm="1500"
    )
    assert r.json()["error"]["code"] == 20010


def test_history_continuous_series_and_cycles(day: DDay) -> None:
    e = day.full
    i = front(e, Product.KOSPI200)
    code = e.instruments.code[i]
    q = {"inqStrtDd": "20261001", "inqEndDd": "20261120"}
    res = fut(day, "/v2/market/futures/kospi200/K2FA001/history", trnsmCycleTpCd="D", reqCnt="5", **q).json()
    res = res["result"]
    assert res["isuSrtCd"] == code
    rows = res["hisLists"]
    assert [r["trdDd"] for r in rows][:1] == [20261120] and len(rows) == 5
    stored = day.store.get(FUTURES_TABLE, "K2FA001", None, yyyymmdd(DAY) - 1)
    for r, s, p in zip(rows[1:], stored[::-1], stored[::-1][1:], strict=False):
        assert (r["trdDd"], r["trdPrc"], r["opnintQty"]) == (
            s["date"],
            units(int(s["close"]), e, i),
            s["open_interest"],
        )
        assert r["cmpprevddPrc"] == units(int(s["close"] - p["close"]), e, i)
    st = e.state(Venue.KRX)
    assert (rows[0]["trdPrc"], rows[0]["accTrdvol"]) == (units(int(st.last[i]), e, i), st.volume[i])
    weeks = fut(day, "/v2/market/futures/kospi200/K2FA001/history", trnsmCycleTpCd="W", **q).json()["result"]
    w = weeks["hisLists"][1]  # the week ending 2026-11-13
    in_week = stored[(stored["date"] >= 20261109) & (stored["date"] <= 20261113)]
    assert w["trdDd"] == in_week["date"][-1] and w["accTrdvol"] == in_week["volume"].sum()
    assert w["hgprc"] == units(int(in_week["high"].max()), e, i)
    r = fut(day, "/v2/market/futures/kospi200/K2FA001/history", trnsmCycleTpCd="X", **q)
    assert r.json()["error"]["code"] == 20010


@pytest.mark.parametrize("cycle", ["D", "W", "M"])
def test_history_back_to_the_first_date_there_is_answers_as_from_1900(day: DDay, cycle: str) -> None:
    """The look-back before ``00010101`` overflowed into a 500 (found by bench/fuzz.py)."""
    option = day.full.instruments.code[busiest_option(day.full)]
    for path in ("futures/kospi200/K2FA001", f"options/kospi200/{option}"):
        for start, end in (("00010101", "00010101"), ("00010101", "20261120")):
            got = fut(day, f"/v2/market/{path}/history", trnsmCycleTpCd=cycle, inqStrtDd=start, inqEndDd=end)
            same = fut(
                day,
                f"/v2/market/{path}/history",
                trnsmCycleTpCd=cycle,
                inqStrtDd="19000101",
                inqEndDd=end.replace("0001", "1900", 1),
            )
            assert (got.status_code, got.json()) == (same.status_code, same.json())


def test_option_history_is_today_only(day: DDay) -> None:
    e = day.full
    i = busiest_option(e)
    rows = fut(
        day,
        f"/v2/market/options/kospi200/{e.instruments.code[i]}/history",
        trnsmCycleTpCd="D",
        inqStrtDd="20261001",
        inqEndDd="20261120",
    ).json()["result"]["hisLists"]
    assert len(rows) == 1 and rows[0]["trdDd"] == 20261120
    assert rows[0]["cmpprevddPrc"] == round(units(int(e.state(Venue.KRX).last[i] - e.base[i]), e, i), 4)


# -- v3 ---------------------------------------------------------------------------------------------------


def test_v3_twins_answer_identically(day: DDay) -> None:
    c = client(day.full, day)
    e = day.full
    f = e.instruments.code[front(e, Product.KOSPI200)]
    o = e.instruments.code[busiest_option(e)]
    hist = {"trnsmCycleTpCd": "D", "inqStrtDd": "20261101", "inqEndDd": "20261120"}
    intra = {"inddCycleTpCd": "60", "strtTm": "0900", "endTm": "1500"}
    n = 0
    for ep in ENDPOINTS:
        fam = "options" if "/options/" in ep.path else "futures"
        code = o if fam == "options" else f
        params = hist if ep.path.endswith("history") else intra if ep.path.endswith("intraday") else {}
        v2 = get(c, "/v2/market" + ep.path.format(market="kospi200", code=code), **params)
        for p in ep.v3:
            v3 = get(c, "/v3/market" + p.format(market="kospi200", code=code), **params)
            assert (v3.status_code, v3.content) == (v2.status_code, v2.content), p
            n += 1
    assert n >= 16
