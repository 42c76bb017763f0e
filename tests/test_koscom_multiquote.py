"""Koscom 시세표 (multiquote) endpoints (koscom.md §7), through the app, on the small simulated day.

The market lists must agree row by row with ``stocks/{m}/{code}/price``; other figures are
recomputed from the engine's KRX state and books.
"""

from __future__ import annotations

import warnings
from datetime import time
from typing import Any

import numpy as np
import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from koscom_fields import KEY, PRICE
from simday import DAY, Day, now_of, small_day
from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.engine.batches import Batch, StatusKind, empty_statuses
from sise.engine.engine import Engine
from sise.market.sessions import Phase, schedule_for
from sise.market.timeutil import kst_ns, kst_second_of_day
from sise.market.types import InstrumentKind, Market, Venue

LISTS = ["isuSrtCd", "trdPrc", "accTrdvol", "accTrdval", "mktcap"]
OHLC = ["isuSrtCd", "opnprc", "hgprc", "lwprc", "trdPrc"]
QUOTE = [
    "isuSrtCd",
    "trdPrc",
    "askStep1BstordPrc",
    "askStep1BstordRqty",
    "bidStep1BstordPrc",
    "bidStep1BstordRqty",
]
#: koscom.md §6.6's order (for n: ask price, ask quantity, bid price, bid quantity), with
#: ``isuSrtCd`` last as §7 says the multi-issue items place it.
ORDERBOOK = [
    *(f"{side}Step{n}Bstord{x}" for n in range(1, 11) for side in ("ask", "bid") for x in ("Prc", "Rqty")),
    "askordTotRqty",
    "bidordTotRqty",
    "pstoffhrAskTotOrdRqty",
    "pstoffhrBidTotOrdRqty",
    "accTrdvol",
    "deemTrdPrc",
    "deemTrdvol",
    "deemAccTrdvol",
    "isuSrtCd",
]
CASH = {int(k) for k in (InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW)}


@pytest.fixture(scope="module")
def day() -> Day:
    return small_day()


def client(d: Day, e: Engine | None = None) -> TestClient:
    eng = e if e is not None else d.full
    t = now_of(eng)

    def context() -> KoscomContext:
        return KoscomContext(eng, d.universe, d.store, lambda: t)

    return TestClient(create_koscom_app(context, lambda k: k == KEY, endpoints=KOSCOM_ENDPOINTS))


def get(c: TestClient, path: str, **params: Any) -> Any:
    return c.get("/v2/market" + path, headers={"apikey": KEY}, params=params)


def body(c: TestClient, path: str, **params: Any) -> Any:
    r = get(c, path, **params)
    assert r.status_code == 200, r.text
    return r.json()


def market_codes(e: Engine, market: Market) -> list[str]:
    ins = e.instruments
    return sorted(
        ins.code[i]
        for i in range(len(ins))
        if ins.active[i] and ins.market[i] == market and int(ins.kind[i]) in CASH
    )


def hhmmss(ns: int) -> str:
    s = int(kst_second_of_day(ns))
    return f"{s // 3600:02d}{s // 60 % 60:02d}{s % 60:02d}"


# ---------------------------------------------------------------------------------------------------
# The market snapshots
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("market", "m"), [("kospi", Market.KOSPI), ("kosdaq", Market.KOSDAQ)])
def test_lists_rows_equal_each_issues_price(day: Day, market: str, m: Market) -> None:
    e = day.mid
    c = client(day, e)
    b = body(c, f"/multiquote/stocks/{market}/lists")
    assert list(b) == ["trdDd", "trdTm", "isuLists"]  # envelope A', no JSON-RPC wrapper
    assert b["trdDd"] == "20261120" and b["trdTm"] == hhmmss(int(e.last_time)) == "110000"
    rows = b["isuLists"]
    assert [x["isuSrtCd"] for x in rows] == market_codes(e, m)
    assert all(list(x) == LISTS for x in rows)
    for x in rows[:: max(1, len(rows) // 25)]:
        p = body(c, f"/stocks/{market}/{x['isuSrtCd']}/price")["result"]
        assert {n: x[n] for n in ("trdPrc", "accTrdvol", "accTrdval")} == {
            n: p[n] for n in ("trdPrc", "accTrdvol", "accTrdval")
        }
        i = e.instruments.number(x["isuSrtCd"])
        assert i is not None and x["mktcap"] == p["trdPrc"] * int(e.instruments.listed_shares[i])
    assert all(isinstance(x[n], int) for x in rows for n in LISTS[1:])


def test_ohlclists_and_quotelists_read_the_krx_state_and_book(day: Day) -> None:
    e = day.mid
    c = client(day, e)
    ohlc = body(c, "/multiquote/stocks/kosdaq/ohlclists")["isuLists"]
    quote = body(c, "/multiquote/stocks/kosdaq/quotelists")["isuLists"]
    assert [x["isuSrtCd"] for x in ohlc] == [x["isuSrtCd"] for x in quote] == market_codes(e, Market.KOSDAQ)
    st, book = e.state(Venue.KRX), e.books[Venue.KRX]
    for o, q in zip(ohlc, quote, strict=True):
        i = e.instruments.number(o["isuSrtCd"])
        assert i is not None
        last = int(st.last[i]) or int(e.base[i])
        assert o == dict(
            zip(OHLC, [o["isuSrtCd"], int(st.open[i]), int(st.high[i]), int(st.low[i]), last], strict=True)
        )
        ask, bid = (
            (int(book.ask_price[i, 0]), int(book.ask_qty[i, 0])),
            (int(book.bid_price[i, 0]), int(book.bid_qty[i, 0])),
        )
        assert q == dict(zip(QUOTE, [q["isuSrtCd"], last, *ask, *bid], strict=True))
    assert any(x["opnprc"] > 0 for x in ohlc) and any(x["askStep1BstordRqty"] > 0 for x in quote)


def test_ahtohlclists_is_zero_before_the_after_hours_session_and_its_prints_after(day: Day) -> None:
    before = body(client(day, day.mid), "/multiquote/stocks/kospi/ahtohlclists")["isuLists"]
    assert before and all(list(x) == OHLC for x in before)
    assert all(x[n] == 0 for x in before for n in OHLC[1:])
    e = day.full
    after = body(client(day, e), "/multiquote/stocks/kospi/ahtohlclists")["isuLists"]
    w = schedule_for(DAY, Venue.KRX).window(Phase.AFTER_HOURS_SINGLE_PRICE)
    assert w is not None
    # Independently: one-minute bars (the session's calls fall on whole ten minutes).
    bars = e.bars(Venue.KRX, 60)
    bars = bars[bars["start"] >= kst_ns(DAY, w.start)]
    printed = 0
    for x in after:
        i = e.instruments.number(x["isuSrtCd"])
        mine = bars[bars["inst"] == i]
        if not len(mine):
            assert (x["opnprc"], x["hgprc"], x["lwprc"], x["trdPrc"]) == (0, 0, 0, 0)
            continue
        printed += 1
        expect = (
            int(mine["open"][0]),
            int(mine["high"].max()),
            int(mine["low"].min()),
            int(mine["close"][-1]),
        )
        assert (x["opnprc"], x["hgprc"], x["lwprc"], x["trdPrc"]) == expect
        assert int(e.state(Venue.KRX).last[i]) == x["trdPrc"]  # the day's last KRX print
    assert printed > 0


def test_only_kospi_and_kosdaq_are_routed(day: Day) -> None:
    c = client(day)
    for path in ("/multiquote/stocks/konex/lists", "/multiquote/stocks/kospi200/quotelists"):
        assert get(c, path).status_code == 404


# ---------------------------------------------------------------------------------------------------
# price and orderbook of several issues
# ---------------------------------------------------------------------------------------------------


def test_price_items_equal_the_single_issue_price_and_unknown_codes_are_left_out(day: Day) -> None:
    c = client(day)
    codes = market_codes(day.full, Market.KOSPI)[:3]
    r = body(c, "/multiquote/stocks/kospi/price", isuCd=",".join([codes[2], "999999", codes[0], codes[2]]))
    assert list(r) == ["jsonrpc", "result"] and list(r["result"]) == ["isulist"]
    items = r["result"]["isulist"]
    assert [x["isuSrtCd"] for x in items] == [codes[2], codes[0]]  # asked order, once each
    for x in items:
        assert list(x) == PRICE
        assert x == body(c, f"/stocks/kospi/{x['isuSrtCd']}/price")["result"]
    kosdaq = market_codes(day.full, Market.KOSDAQ)[0]
    only = body(c, "/multiquote/stocks/kospi/price", isuCd=f"{codes[1]},{kosdaq}")["result"]["isulist"]
    assert [x["isuSrtCd"] for x in only] == [codes[1]]  # another market's issue is not listed here


def test_price_and_orderbook_errors(day: Day) -> None:
    c = client(day)
    codes = market_codes(day.full, Market.KOSPI)
    for name in ("price", "orderbook"):
        path = f"/multiquote/stocks/kospi/{name}"

        def code(**q: Any) -> int:
            r = get(c, path, **q)  # noqa: B023 - called within the iteration
            assert r.status_code == 400, r.text
            return int(r.json()["error"]["code"])

        assert code(isuCd=",".join(codes[:21])) == 20056
        assert len(body(c, path, isuCd=",".join(codes[:20]))["result"]["isulist"]) == 20
        assert code(isuCd="999999,999998") == 10040
        assert code(isuCd=f"{codes[0]},00-593") == 20030
        assert code(isuCd=f"{codes[0]},,{codes[1]}") == 20030
        assert code() == 20030


def test_orderbook_items_are_the_ten_level_krx_book(day: Day) -> None:
    e = day.mid
    c = client(day, e)
    codes = market_codes(e, Market.KOSDAQ)[:5]
    items = body(c, "/multiquote/stocks/kosdaq/orderbook", isuCd=",".join(codes))["result"]["isulist"]
    book, st = e.books[Venue.KRX], e.state(Venue.KRX)
    assert [x["isuSrtCd"] for x in items] == codes
    for x in items:
        assert list(x) == ORDERBOOK
        i = e.instruments.number(x["isuSrtCd"])
        assert i is not None
        for n in range(10):
            assert x[f"askStep{n + 1}BstordPrc"] == int(book.ask_price[i, n])
            assert x[f"askStep{n + 1}BstordRqty"] == int(book.ask_qty[i, n])
            assert x[f"bidStep{n + 1}BstordPrc"] == int(book.bid_price[i, n])
            assert x[f"bidStep{n + 1}BstordRqty"] == int(book.bid_qty[i, n])
        assert x["askordTotRqty"] == int(np.sum(book.ask_qty[i])) and x["bidordTotRqty"] == int(
            np.sum(book.bid_qty[i])
        )
        assert x["accTrdvol"] == int(st.volume[i])
        # 11:00 is continuous trading: no after-hours totals, no expected match.
        zeros = (
            "pstoffhrAskTotOrdRqty",
            "pstoffhrBidTotOrdRqty",
            "deemTrdPrc",
            "deemTrdvol",
            "deemAccTrdvol",
        )
        assert [x[n] for n in zeros] == [0] * 5


def test_v3_paths_answer_like_their_v2_twins(day: Day) -> None:
    c = client(day, day.mid)
    codes = ",".join(market_codes(day.mid, Market.KOSPI)[:4])
    seen = 0
    for ep in KOSCOM_ENDPOINTS:
        if not ep.path.startswith("/multiquote/"):
            continue
        q = {"isuCd": codes} if ep.query.params else {}
        for v3 in ep.v3:
            a = c.get("/v2/market" + ep.path.format(market="kospi"), headers={"apikey": KEY}, params=q)
            b = c.get("/v3/market" + v3.format(market="kospi"), headers={"apikey": KEY}, params=q)
            assert a.status_code == 200 and (a.status_code, a.content) == (b.status_code, b.content), v3
            seen += 1
    assert seen == 6


def test_orderbook_shows_the_expected_match_during_a_call(day: Day) -> None:
    e = Engine.from_universe(day.universe)
    e.start_day(DAY)
    codes = market_codes(e, Market.KOSPI)[:2]
    inst = np.array([e.instruments.number(x) for x in codes], np.intp)
    at = kst_ns(DAY, time(8, 55))
    st = empty_statuses(3)
    st["inst"] = [inst[0], inst[0], inst[1]]
    st["time"], st["venue"] = at, Venue.KRX
    st["kind"] = [StatusKind.PHASE, StatusKind.INDICATIVE, StatusKind.INDICATIVE]
    st["value"][0] = int(Phase.OPENING_AUCTION)
    st["price"][1:] = e.base[inst]
    st["qty"][1:] = [700, 900]
    e.apply(Batch(statuses=st, end_time=at))
    items = body(client(day, e), "/multiquote/stocks/kospi/orderbook", isuCd=",".join(codes))["result"][
        "isulist"
    ]
    got = [(x["deemTrdPrc"], x["deemTrdvol"], x["deemAccTrdvol"]) for x in items]
    # The second issue has an indicative price but is not in a call phase: nothing expected.
    assert got == [(int(e.base[inst[0]]), 700, 700), (0, 0, 0)]


def test_bars_since_keeps_only_later_bars_in_canonical_order(day: Day) -> None:
    e = day.full
    since = kst_ns(DAY, time(16, 0))
    every = e.bars(Venue.KRX, 10)
    assert np.array_equal(e.bars(Venue.KRX, 10, since=since), every[every["start"] >= since])
