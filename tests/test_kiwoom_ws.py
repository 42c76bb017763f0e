"""Kiwoom's real-time WebSocket and the stream hub behind it, in-process.

The market runs on a manual clock and is advanced from the test (on the app's event loop, as the
runtime does), so every REAL frame is caused by a step the test takes. Every receive is bounded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from sise.api.kiwoom.ws import PATH, WsOptions
from sise.api.stream import StreamHub
from sise.engine.batches import Batch
from wsclient import (
    QUIET_PINGS,
    REAL,
    Closed,
    Env,
    answer_of,
    entries,
    make_env,
    nothing_within,
    recv,
    reg,
    send,
)


@pytest.fixture
def env() -> Iterator[Env]:
    yield from make_env(QUIET_PINGS)


@pytest.fixture
def mock_env() -> Iterator[Env]:
    yield from make_env(QUIET_PINGS, mock=True)


# -- handshake --------------------------------------------------------------------------------------


def test_login_ack_carries_sor_yn(env: Env, mock_env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        assert env.login(ws) == {"trnm": "LOGIN", "return_code": 0, "return_msg": "", "sor_yn": "Y"}
    with mock_env.client.websocket_connect(PATH) as ws:
        assert mock_env.login(ws)["sor_yn"] == "N"  # 모의투자 is KRX only


@pytest.mark.parametrize("token", ["not-a-token", "", "revoked"])
def test_a_bad_or_revoked_token_fails_with_8005_then_close(env: Env, token: str) -> None:
    if token == "revoked":
        body = {"appkey": REAL.appkey, "secretkey": REAL.secretkey, "token": env.token}
        assert env.client.post("/oauth2/revoke", json=body).json()["return_code"] == 0
        token = env.token
    with env.client.websocket_connect(PATH) as ws:
        send(ws, {"trnm": "LOGIN", "token": token})
        answer = recv(ws)
        assert answer["trnm"] == "LOGIN" and answer["return_code"] != 0
        assert "CODE=8005" in answer["return_msg"]
        with pytest.raises(Closed):
            recv(ws)


def test_requests_before_login_are_refused_and_login_still_works(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        answer = reg(ws, ["001"], ["0J"])
        assert answer["trnm"] == "REG" and answer["return_code"] == 1
        send(ws, {"trnm": "PING"})  # not answered, not fatal
        assert env.login(ws)["return_code"] == 0


def test_no_login_in_time_gets_R10004_and_close() -> None:
    for e in make_env(WsOptions(login_timeout_s=0.05, ping_interval_s=3600)):
        with e.client.websocket_connect(PATH) as ws:
            frame = recv(ws)
            assert frame["trnm"] == "SYSTEM" and frame["code"] == "R10004"
            with pytest.raises(Closed):
                recv(ws)


def test_a_second_login_with_the_same_app_key_ends_the_first_with_R10001(env: Env) -> None:
    with env.client.websocket_connect(PATH) as first:
        assert env.login(first)["return_code"] == 0
        with env.client.websocket_connect(PATH) as second:
            assert env.login(second)["return_code"] == 0
            frame = recv(first)
            assert frame["trnm"] == "SYSTEM" and frame["code"] == "R10001"
            with pytest.raises(Closed):
                recv(first)
            assert reg(second, ["001"], ["0J"])["return_code"] == 0  # the new one lives on


# -- keep-alive -------------------------------------------------------------------------------------


def test_echoed_pings_keep_the_session() -> None:
    # Five missed in a row would close: the test thread would have to stall for 0.25 s.
    for e in make_env(WsOptions(ping_interval_s=0.05, max_missed_pings=5)):
        with e.client.websocket_connect(PATH) as ws:
            e.login(ws)
            for _ in range(5):
                ping = recv(ws)
                assert ping == {"trnm": "PING"}
                send(ws, ping)
            assert recv(ws) == {"trnm": "PING"}  # still alive after five rounds


def test_missed_pings_end_the_session_with_R10002() -> None:
    for e in make_env(WsOptions(ping_interval_s=0.02, max_missed_pings=2)):
        with e.client.websocket_connect(PATH) as ws:
            e.login(ws)
            assert recv(ws) == {"trnm": "PING"}
            assert recv(ws) == {"trnm": "PING"}
            frame = recv(ws)
            assert frame["trnm"] == "SYSTEM" and frame["code"] == "R10002"
            with pytest.raises(Closed):
                recv(ws)


# -- registrations ----------------------------------------------------------------------------------


def test_reg_acks_then_sends_the_current_value_formatted_like_ka20001(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        got: dict[tuple[str, str], dict[str, str]] = {}
        assert reg(ws, ["001"], ["0J"], seen=got) == {"trnm": "REG", "return_code": 0, "return_msg": ""}
        while not got:
            got |= entries(recv(ws))
        values = got[("0J", "001")]
        rest = env.rest("ka20001", {"mrkt_tp": "0", "inds_cd": "001"})
        assert values["10"] == rest["cur_prc"]
        assert values["11"] == rest["pred_pre"]
        assert values["12"] == rest["flu_rt"]
        assert values["13"] == rest["trde_qty"]
        assert values["14"] == rest["trde_prica"]
        assert (values["16"], values["17"], values["18"]) == (
            rest["open_pric"],
            rest["high_pric"],
            rest["low_pric"],
        )
        assert values["25"] == rest["pred_pre_sig"]
        assert values["20"] == "090500"  # the latest publication: the clock's second


def test_0u_breadth_is_ka20001s(env: Env) -> None:
    env.step(30)  # some trading, so the breadth is not all 보합
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        got: dict[tuple[str, str], dict[str, str]] = {}
        assert reg(ws, ["001", "101"], ["0U"], seen=got)["return_code"] == 0
        while len(got) < 2:
            got |= entries(recv(ws))
        for item in ("001", "101"):
            values = got[("0U", item)]
            rest = env.rest("ka20001", {"mrkt_tp": "0" if item < "100" else "1", "inds_cd": item})
            names = {"252": "rising", "251": "upl", "253": "stdns", "255": "fall", "254": "lst"}
            names |= {"13": "trde_qty", "14": "trde_prica", "10": "cur_prc", "11": "pred_pre"}
            names |= {"12": "flu_rt", "256": "trde_frmatn_stk_num", "25": "pred_pre_sig"}
            assert {fid: values[fid] for fid in names} == {fid: rest[name] for fid, name in names.items()}
            assert values["257"] == rest["trde_frmatn_rt"].lstrip("+-")  # unsigned on the socket
            assert int(values["252"]) > 0


def test_one_frame_per_batch_carries_every_changed_item(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        seen: dict[tuple[str, str], dict[str, str]] = {}
        assert reg(ws, ["001", "101"], ["0J"], seen=seen)["return_code"] == 0
        assert reg(ws, ["005930", "000660"], ["0B"], seen=seen)["return_code"] == 0
        while len(seen) < 4:  # the snapshots
            seen |= entries(recv(ws))
        # Ten 1-second batches applied in one turn of the loop (as a catch-up does): the 10-second
        # indices publish, the writer runs once, so one frame carries every changed item.
        env.step(10)
        frame = entries(recv(ws))
        assert {("0J", "001"), ("0J", "101")} <= frame.keys()
        assert frame[("0J", "001")] != seen[("0J", "001")]
        assert nothing_within(ws)  # and nothing else
        rest = env.rest("ka20001", {"mrkt_tp": "0", "inds_cd": "001"})
        assert frame[("0J", "001")]["10"] == rest["cur_prc"]


def test_stock_items_on_every_venue_and_values_like_ka20002(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        got: dict[tuple[str, str], dict[str, str]] = {}
        assert reg(ws, ["005930", "005930_NX", "005930_AL"], ["0B"], seen=got)["return_code"] == 0
        while len(got) < 3:
            got |= entries(recv(ws))
        assert [got[("0B", c)]["9081"] for c in ("005930", "005930_NX", "005930_AL")] == ["1", "2", "3"]
        rows = env.rest("ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"})["inds_stkpc"]
        row = next(r for r in rows if r["stk_cd"] == "005930")
        krx = got[("0B", "005930")]
        names = {
            "10": "cur_prc",
            "11": "pred_pre",
            "12": "flu_rt",
            "13": "now_trde_qty",
            "25": "pred_pre_sig",
        }
        names |= {"27": "sel_bid", "28": "buy_bid", "16": "open_pric", "17": "high_pric", "18": "low_pric"}
        assert {fid: krx[fid] for fid in names} == {fid: row[name] for fid, name in names.items()}


def test_0b_sends_every_trade_in_order_after_the_current_state(env: Env) -> None:
    """One entry per trade: the entries' quantities add up to the engine's volume, in order."""
    krx = env.market.engine.state()
    inst = env.market.engine.instruments.number("005930")
    assert inst is not None
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        first: dict[tuple[str, str], dict[str, str]] = {}
        assert reg(ws, ["005930"], ["0B"], seen=first)["return_code"] == 0
        while not first:
            first |= entries(recv(ws))
        start = int(krx.volume[inst])
        assert int(first[("0B", "005930")]["13"]) == start  # the current state comes first
        env.step(20)
        trades: list[dict[str, str]] = []
        while int(krx.volume[inst]) > (int(trades[-1]["13"]) if trades else start):
            trades += [e["values"] for e in recv(ws)["data"]]
        assert len(trades) > 1  # trade by trade, not one conflated entry
        volumes = [start] + [int(t["13"]) for t in trades]
        assert [b - a for a, b in itertools.pairwise(volumes)] == [abs(int(t["15"])) for t in trades]
        assert volumes[-1] == int(krx.volume[inst])


def test_mock_serves_krx_stocks_only(mock_env: Env) -> None:
    with mock_env.client.websocket_connect(PATH) as ws:
        mock_env.login(ws)
        assert reg(ws, ["005930_NX"], ["0B"])["return_code"] == 1
        assert reg(ws, ["005930"], ["0B"])["return_code"] == 0


def followed(session: Any) -> set[tuple[str, str]]:
    """(type, item) of a session's snapshot topics and its 0B trade feed."""
    return {k[1:] for k in session.sub.topics} | {("0B", key.item) for _, key in session.sub.feeds}


def test_refresh_0_replaces_the_group_and_remove_unregisters(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        session = env.client.app.state.websocket.sessions[REAL.appkey]  # type: ignore[attr-defined]
        assert reg(ws, ["001"], ["0J"])["return_code"] == 0
        assert reg(ws, ["101"], ["0J"], grp="2")["return_code"] == 0
        assert reg(ws, ["005930"], ["0B"], refresh="0")["return_code"] == 0  # group 1 now: 005930 only
        assert followed(session) == {("0J", "101"), ("0B", "005930")}
        assert reg(ws, ["001"], ["0J"], refresh="1")["return_code"] == 0  # kept, added
        assert followed(session) == {("0J", "101"), ("0B", "005930"), ("0J", "001")}
        send(
            ws, {"trnm": "REMOVE", "grp_no": "1", "data": [{"item": ["005930", "001"], "type": ["0B", "0J"]}]}
        )
        assert answer_of(ws) == {"trnm": "REMOVE", "return_code": 0, "return_msg": ""}
        assert followed(session) == {("0J", "101")}


def test_the_registration_cap_answers_too_many_items() -> None:
    for e in make_env(WsOptions(ping_interval_s=3600, max_items=2)):
        with e.client.websocket_connect(PATH) as ws:
            e.login(ws)
            data = [{"item": ["001", "101"], "type": ["0J"]}, {"item": ["005930"], "type": ["0B"]}]
            send(ws, {"trnm": "REG", "grp_no": "1", "refresh": "1", "data": data})
            answer = answer_of(ws)
            assert answer == {"trnm": "REG", "return_code": 1, "return_msg": "등록 종목수 초과"}
            assert reg(ws, ["001", "101"], ["0J"])["return_code"] == 0  # nothing of the refused one stayed


@pytest.mark.parametrize(
    ("frame", "trnm"),
    [
        ({"trnm": "REG", "grp_no": "1", "refresh": "1", "data": [{"item": ["001"], "type": ["0Z"]}]}, "REG"),
        ({"trnm": "REG", "grp_no": "1", "refresh": "1", "data": [{"item": ["999"], "type": ["0J"]}]}, "REG"),
        (
            {"trnm": "REG", "grp_no": "1", "refresh": "1", "data": [{"item": ["999999"], "type": ["0B"]}]},
            "REG",
        ),
        (
            {"trnm": "REG", "grp_no": "12345", "refresh": "1", "data": [{"item": ["001"], "type": ["0J"]}]},
            "REG",
        ),
        ({"trnm": "REG", "grp_no": "1", "refresh": "2", "data": [{"item": ["001"], "type": ["0J"]}]}, "REG"),
        ({"trnm": "REG", "grp_no": "1", "data": [{"item": "001", "type": ["0J"]}]}, "REG"),
        ({"trnm": "REMOVE", "grp_no": "1", "data": [{"item": ["001"], "type": ["0Z"]}]}, "REMOVE"),
        ({"trnm": "CNSRLST"}, "CNSRLST"),
        ({"trnm": "LOGIN", "token": "again"}, "LOGIN"),
    ],
)
def test_bad_requests_get_a_failure_answer_and_the_socket_stays(
    env: Env, frame: dict[str, Any], trnm: str
) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        send(ws, frame)
        answer = answer_of(ws)
        assert answer["trnm"] == trnm and answer["return_code"] == 1 and answer["return_msg"]
        assert reg(ws, ["001"], ["0J"])["return_code"] == 0


def test_malformed_json_is_answered_and_the_socket_stays(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        for raw in ("{not json", "[1, 2]"):
            ws.send_text(raw)
            assert answer_of(ws) == {"trnm": "", "return_code": 1, "return_msg": "JSON 형식이 아닙니다"}
        assert reg(ws, ["001"], ["0J"])["return_code"] == 0


def test_a_closed_session_leaves_the_hub(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        env.login(ws)
        reg(ws, ["001"], ["0J"])
        recv(ws)
    hub: StreamHub = env.client.app.state.websocket.hub  # type: ignore[attr-defined]
    for _ in range(50):  # the server side notices the close on its next turn
        if hub.topic_count == 0:
            break
        env.step(1)
    assert hub.topic_count == 0


# -- the hub ----------------------------------------------------------------------------------------


def test_hub_encodes_once_per_batch_shares_the_payload_and_conflates() -> None:
    hub = StreamHub()
    calls = {"a": 0, "b": 0}
    value = {"a": 1, "b": 1}

    def encoder(key: str) -> Any:
        def encode() -> bytes:
            calls[key] += 1
            return b'{"v":%d}' % value[key]

        return encode

    woken: list[str] = []
    one = hub.subscriber(lambda: woken.append("one"))
    two = hub.subscriber(lambda: woken.append("two"))
    one.subscribe("a", encoder("a"))
    two.subscribe("a", encoder("a"))
    one.subscribe("b", encoder("b"))
    assert one.take() == [b'{"v":1}', b'{"v":1}'] and two.take() == [b'{"v":1}']  # snapshots
    assert calls == {"a": 1, "b": 1}
    woken.clear()
    hub.publish(Batch())  # nothing changed: nothing queued, nobody woken
    assert (one.pending, two.pending, woken) == ({}, {}, [])
    value["a"] = 2
    hub.publish(Batch())
    assert calls == {"a": 3, "b": 3}  # once per topic per batch, whatever the subscribers
    assert one.pending["a"] is two.pending["a"]  # the same bytes for both
    assert sorted(woken) == ["one", "two"]
    for v in range(3, 10):  # a subscriber that does not read: conflated to the latest
        value["a"] = v
        hub.publish(Batch())
    assert one.take() == [b'{"v":9}'] and one.conflated == 7
    assert one.pending_bytes == 0
    two.close()
    one.close()
    assert hub.topic_count == 0


def test_hub_flags_a_subscriber_past_its_byte_bound() -> None:
    hub = StreamHub()
    sub = hub.subscriber(lambda: None, max_pending_bytes=10)
    sub.subscribe("x", lambda: b"0123456789abc")
    assert sub.overflowed and sub.pending_bytes == 13
