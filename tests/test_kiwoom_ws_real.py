"""The real types beyond 0J/0U/0B on Kiwoom's WebSocket: each one's REG → ack → current value,
equal to the REST figure (Kiwoom's, else Koscom's on the same port) at the same engine state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import cast

import orjson
import pytest

from sise.api.kiwoom.ws import PATH, KiwoomWs
from sise.api.kiwoom.ws_real import REAL_TYPES, resolve
from sise.engine.batches import Batch, StatusKind, empty_statuses
from sise.market.timeutil import KST, hhmmss
from sise.market.types import Side, Venue
from wsclient import (
    QUIET,
    QUIET_PINGS,
    Env,
    answer_of,
    entries,
    inject,
    make_env,
    nothing_within,
    recv,
    reg,
    send,
    snapshots,
)

STOCK = "005930"
OTHER = "000660"  # a stock no other test of this module gives a VI
ETF = "069500"
PRE_OPEN = datetime(2026, 11, 20, 8, 55, tzinfo=KST)  # the opening auction, indicative prices on


@pytest.fixture
def env() -> Iterator[Env]:
    yield from make_env(QUIET_PINGS)


@pytest.fixture
def pre_open() -> Iterator[Env]:
    yield from make_env(QUIET_PINGS, start=PRE_OPEN)


def ka20002_row(env: Env, code: str, stex_tp: str) -> dict[str, str]:
    rows = env.rest("ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": stex_tp})["inds_stkpc"]
    return next(r for r in rows if r["stk_cd"] == code)


def signed(v: int) -> str:
    return f"+{v}" if v > 0 else str(v)


def directed(v: int, base: int) -> str:
    """A price with its direction against the base price."""
    return ("+" if v > base else "-" if v < base else "") + str(v)


#: 0A/0C FIDs that are ka20002 fields.
KA20002: dict[str, str] = {
    "10": "cur_prc",
    "11": "pred_pre",
    "12": "flu_rt",
    "27": "sel_bid",
    "28": "buy_bid",
    "13": "now_trde_qty",
    "16": "open_pric",
    "17": "high_pric",
    "18": "low_pric",
    "25": "pred_pre_sig",
}


@pytest.mark.parametrize(("suffix", "stex_tp"), [("", "1"), ("_AL", "3")])
def test_0a_and_0c_are_ka20002s(env: Env, suffix: str, stex_tp: str) -> None:
    item = STOCK + suffix
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        got = snapshots(ws, [item], ["0A", "0C"])
        row = ka20002_row(env, item, stex_tp)
        a, c = got[("0A", item)], got[("0C", item)]
        assert {f: a[f] for f in KA20002} == {f: row[n] for f, n in KA20002.items()}
        assert c == {"27": row["sel_bid"], "28": row["buy_bid"]}
        e = env.market.engine
        i = e.instruments.number(STOCK)
        assert i is not None
        venue = Venue.KRX if not suffix else Venue.ALL
        listed, volume = int(e.instruments.listed_shares[i]), int(e.state(venue).volume[i])
        assert a["31"] == f"{volume * 10_000 // listed // 100}.{volume * 10_000 // listed % 100:02d}"
        assert a["311"] == str(round(int(e.current_price(venue)[i]) * listed / 1e8))


def test_0d_levels_are_the_venues_books(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        got = snapshots(ws, [STOCK, STOCK + "_AL"], ["0D"])
        e = env.market.engine
        i = e.instruments.number(STOCK)
        assert i is not None
        krx, both = got[("0D", STOCK)], got[("0D", STOCK + "_AL")]
        book = e.books[Venue.KRX]
        assert [krx[str(61 + k)] for k in range(10)] == [str(q) for q in book.ask_qty[i]]
        assert [krx[str(71 + k)] for k in range(10)] == [str(q) for q in book.bid_qty[i]]
        assert [krx[str(6044 + k)] for k in range(10)] == [krx[str(61 + k)] for k in range(10)]
        assert {krx[str(6066 + k)] for k in range(20)} == {"0"}  # nothing of a KRX item on NXT
        assert krx["121"] == str(book.ask_qty[i].sum()) == krx["6064"]
        assert krx["21"] == f"{hhmmss(int(book.time[i])):06d}"
        assert (krx["23"], krx["24"], krx["215"]) == ("", "", "3")  # no call: continuous trading
        for item, stex_tp in ((STOCK, "1"), (STOCK + "_AL", "3")):
            row = ka20002_row(env, item, stex_tp)
            values = got[("0D", item)]
            assert (values["41"], values["51"]) == (row["sel_bid"], row["buy_bid"])
            assert values["13"] == row["now_trde_qty"]
        # 통합: each level's quantity is its KRX part plus its NXT part, best prices first.
        asks = [int(both[str(41 + k)].lstrip("+-")) for k in range(10)]
        assert asks == sorted(asks)
        for k in range(20):
            assert int(both[str(61 + k)]) == int(both[str(6044 + k)]) + int(both[str(6066 + k)])
        assert int(both["121"]) == int(both["6064"]) + int(both["6086"])


def encoder(env: Env, type_: str, item: str) -> Callable[[], dict[str, str] | None]:
    """The (type, item) encoder the hub would call once per batch, called by the test instead."""
    ws: KiwoomWs = env.client.app.state.websocket  # type: ignore[attr-defined]
    encode = resolve(ws.context(), ws.context, type_, item)

    def values() -> dict[str, str] | None:
        payload = encode()
        return None if payload is None else cast(dict[str, str], orjson.loads(payload)["values"])

    return values


def test_0d_changes_are_against_the_previous_book(env: Env) -> None:
    values = encoder(env, "0D", STOCK)
    before = values()
    assert before is not None
    assert {before[str(81 + k)] for k in range(20)} | {before["122"], before["126"]} == {"0"}
    checked = 0
    for _ in range(30):  # the hub's cadence: one encode per batch
        env.step(1)
        now = values()
        assert now is not None
        for side, prices, qty, change, total in (("ask", 41, 61, 81, "121"), ("bid", 51, 71, 91, "125")):
            old = [(before[str(prices + k)], int(before[str(qty + k)])) for k in range(10)]
            new = [(now[str(prices + k)], int(now[str(qty + k)])) for k in range(10)]
            if new == old and now[total] == before[total]:
                continue
            expected = [signed(q - dict(old).get(p, 0)) if int(p) else "0" for p, q in new]
            assert [now[str(change + k)] for k in range(10)] == expected, side
            assert now["122" if side == "ask" else "126"] == signed(int(now[total]) - int(before[total]))
            checked += 1
        if [now[str(41 + k)] for k in range(40)] != [before[str(41 + k)] for k in range(40)]:
            before = now
    assert checked  # the book moved in 30 s


def test_0h_and_0d_during_the_opening_auction_then_nothing(pre_open: Env) -> None:
    env = pre_open
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        got = snapshots(ws, [STOCK], ["0H", "0D"])
        h, d = got[("0H", STOCK)], got[("0D", STOCK)]
        e = env.market.engine
        i = e.instruments.number(STOCK)
        assert i is not None
        price, base = int(e.indicative_price[Venue.KRX, i]), int(e.base[i])
        book = env.koscom(f"stocks/kospi/{STOCK}/orderbook")["result"]
        assert int(h["10"].lstrip("+-")) == price == book["deemTrdPrc"]
        assert int(h["15"]) == book["deemTrdvol"]
        assert h["11"] == signed(price - base)
        assert h["20"] == f"{hhmmss(int(e.indicative_time[Venue.KRX, i])):06d}"
        assert (d["23"], d["24"], d["215"]) == (h["10"], h["15"], "0")
        env.step(6 * 60)  # into continuous trading: a call no more
        while not nothing_within(ws, 0.1):
            pass
        env.step(1)
        # Whatever arrives now (a 0D of the continuous book, say) is no 0H.
        try:
            frame = recv(ws, QUIET)
        except TimeoutError:
            frame = None
        assert frame is None or ("0H", STOCK) not in entries(frame)
    with env.client.websocket_connect(PATH) as ws:  # a REG outside a call: an ack, no value
        env.login(ws)
        assert reg(ws, [STOCK], ["0H"])["return_code"] == 0
        assert nothing_within(ws)


def test_0s_counts_down_to_the_open_then_follows_the_phase(pre_open: Env) -> None:
    env = pre_open
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        send(ws, {"trnm": "REG", "grp_no": "1", "refresh": "1", "data": [{"item": [], "type": ["0s"]}]})
        seen: dict[tuple[str, str], dict[str, str]] = {}
        while not seen:
            frame = recv(ws)
            if frame["trnm"] == "REAL":
                seen |= entries(frame)
        assert seen[("0s", "")] == {"215": "0", "20": "085500", "214": "000500"}
        env.step(60)
        assert entries(recv(ws))[("0s", "")] == {"215": "0", "20": "085600", "214": "000400"}
        env.step(4 * 60)
        assert entries(recv(ws))[("0s", "")] == {"215": "3", "20": "090000", "214": "000000"}
        assert reg(ws, [STOCK], ["0s"])["return_code"] == 1  # market-wide only


def test_0w_is_the_stocks_program_trading(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        first = snapshots(ws, [STOCK], ["0w"])[("0w", STOCK)]
    e = env.market.engine
    i = e.instruments.number(STOCK)
    assert i is not None
    st = e.state(Venue.KRX)
    q, v = st.prog_qty[i], st.prog_val[i]
    assert first["202"] == str(q[Side.SELL].sum()) and first["206"] == str(q[Side.BUY].sum())
    assert first["204"] == str(round(v[Side.SELL].sum() / 1e6))
    assert first["208"] == str(round(v[Side.BUY].sum() / 1e6))
    assert first["210"] == signed(int(q[Side.BUY].sum() - q[Side.SELL].sum()))
    assert (first["211"], first["213"]) == ("0", "0")
    assert first["10"] == ka20002_row(env, STOCK, "1")["cur_prc"]
    values = encoder(env, "0w", STOCK)
    before = values()
    assert before is not None
    for _ in range(60):
        env.step(1)
        now = values()
        assert now is not None
        if (now["210"], now["212"]) != (before["210"], before["212"]):
            assert now["211"] == signed(int(now["210"]) - int(before["210"]))
            assert now["213"] == signed(int(now["212"]) - int(before["212"]))
            return
        assert (now["211"], now["213"]) == (before["211"], before["213"])
        before = now
    pytest.fail("no program trading in a minute")


def test_0g_nav_is_koscoms_and_etfs_only(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        g = snapshots(ws, [ETF], ["0G"])[("0G", ETF)]
        nav = env.koscom(f"stocks/kospi/{ETF}/nav")["result"]
        assert float(g["36"].lstrip("+-")) == nav["nav"]
        assert float(g["37"]) == round(nav["cmpprevddNav"], 2)
        e = env.market.engine
        i = e.instruments.number(ETF)
        assert i is not None
        assert g["10"].lstrip("+-") == str(e.current_price()[i])
        premium = (int(e.current_price()[i]) * 100 - round(nav["nav"] * 100)) / round(nav["nav"] * 100)
        assert float(g["266"]) == pytest.approx(premium * 100, abs=0.005)
        answer = reg(ws, [STOCK], ["0G"])
        assert answer["return_code"] == 1 and STOCK in answer["return_msg"]


def vi_rows(inst: int, kind: StatusKind, value: int = 0, price: int = 0) -> Batch:
    st = empty_statuses(1)
    st["inst"], st["venue"], st["kind"], st["value"], st["price"] = inst, Venue.KRX, kind, value, price
    return Batch(statuses=st)


def test_1h_shows_a_vi_and_its_release(env: Env) -> None:
    e = env.market.engine
    i = e.instruments.number(STOCK)
    assert i is not None
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        assert reg(ws, [STOCK], ["1h"])["return_code"] == 0
        assert nothing_within(ws)  # no VI: nothing to send
        last, base = int(e.state().last[i]), int(e.base[i])
        trigger = last + 10 * 500
        inject(env, vi_rows(i, StatusKind.VI_START, 2, trigger))
        start = entries(recv(ws))[("1h", STOCK)]
        at = f"{hhmmss(int(e.vi_time[Venue.KRX, i])):06d}"
        assert start["9068"] == "1" and start["1225"] == "동적" and start["1223"] == at
        assert start["1221"] == directed(trigger, base) and start["1237"] == directed(last, base)
        assert (
            start["9069"] == "1"
            and start["1239"] == f"+{(10 * 500 * 10_000 * 2 + last) // (2 * last) / 100:.2f}"
        )
        assert start["1224"] == "" and start["1490"] == "1" and start["9001"] == STOCK
        assert start["302"] == e.instruments.name_ko[i]
        env.step(2)  # trading goes on elsewhere; the event is unchanged, nothing is sent
        while not nothing_within(ws, 0.1):
            assert ("1h", STOCK) not in entries(recv(ws))
        inject(env, vi_rows(i, StatusKind.VI_END))
        end = entries(recv(ws))[("1h", STOCK)]
        assert end["9068"] == "2" and end["1224"] == f"{hhmmss(int(e.vi_time[Venue.KRX, i])):06d}"
        assert {k: v for k, v in end.items() if k not in ("9068", "1224", "13", "14")} == {
            k: v for k, v in start.items() if k not in ("9068", "1224", "13", "14")
        }
    with env.client.websocket_connect(PATH) as ws:  # a REG after the VI ended: nothing to send
        env.login(ws)
        assert reg(ws, [STOCK], ["1h"])["return_code"] == 0
        assert nothing_within(ws)


def test_market_wide_1h_carries_every_stocks_vi(env: Env) -> None:
    """``REG`` 1h with item ``""``: nothing at first, then each VI start and release of any stock."""
    e = env.market.engine
    i = e.instruments.number(OTHER)
    assert i is not None
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        assert reg(ws, [""], ["1h"])["return_code"] == 0
        assert nothing_within(ws)  # no VI: nothing to send
        inject(env, vi_rows(i, StatusKind.VI_START, 1, int(e.base[i]) * 11 // 10))
        start = entries(recv(ws))[("1h", OTHER)]
        assert start["9068"] == "1" and start["9001"] == OTHER and start["1225"] == "정적"
        assert start["302"] == e.instruments.name_ko[i]
        inject(env, vi_rows(i, StatusKind.VI_END))
        end = entries(recv(ws))[("1h", OTHER)]
        assert end["9068"] == "2" and end["1223"] == start["1223"]
        send(ws, {"trnm": "REMOVE", "grp_no": "1", "data": [{"item": [""], "type": ["1h"]}]})
        assert answer_of(ws)["return_code"] == 0
        inject(env, vi_rows(i, StatusKind.VI_START, 1, int(e.base[i]) * 11 // 10))
        assert nothing_within(ws)
        inject(env, vi_rows(i, StatusKind.VI_END))


def test_mock_refuses_nxt_and_combined_items() -> None:
    for env in make_env(QUIET_PINGS, mock=True):
        with env.client.websocket_connect(PATH) as ws:
            env.login(ws)
            for type_ in sorted(set(REAL_TYPES) - {"0J", "0U", "0s"}):
                code = ETF if type_ == "0G" else STOCK
                for item in (code + "_NX", code + "_AL"):
                    answer = reg(ws, [item], [type_])
                    assert answer["return_code"] == 1 and item in answer["return_msg"], type_
                assert reg(ws, [code], [type_])["return_code"] == 0


def test_every_stock_type_serves_every_venue(env: Env) -> None:
    types = sorted(set(REAL_TYPES) - {"0J", "0U", "0s", "0G", "0H", "1h"})
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        got = snapshots(ws, [STOCK, STOCK + "_NX", STOCK + "_AL"], types)
        assert all(values for values in got.values())
