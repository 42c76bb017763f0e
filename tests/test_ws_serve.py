"""Every WebSocket protocol step of both vendors, through one real ``sise serve`` process.

Kiwoom's ``/api/dostk/websocket`` (docs/kiwoom-ws.md) on the real and the 모의투자 port, and
Koscom's ``/ws``, ``/ws_ksp`` and ``/ws_kdq`` (docs/koscom-ws.md), each step's happy and error
paths with the exact frames the docs give, the caps and the timers (LOGIN/init timeout, Kiwoom's
PING keep-alive). The server runs from 09:00:10 at ×2 with short timers, so the market trades
while the tests run and every wait is short; every receive has a timeout, so nothing can hang.
The server's log must hold no traceback when the module ends.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest
import requests
import uvicorn
from starlette.websockets import WebSocket, WebSocketDisconnect
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.server import ServerState
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from served import free_port, served
from sise.api.outlet import UTF8, Outlet
from sise.server.ws import SiseWebSocketProtocol

LOGIN_TIMEOUT: Final = 1.0  # --ws-login-timeout: Kiwoom's LOGIN and Koscom's init
PING_INTERVAL: Final = 0.3  # --ws-ping-interval; five unanswered PINGs end a session
MISSED_PINGS: Final = 5
KOSCOM_CAP: Final = 3  # --koscom-ws-max-subscriptions
KIWOOM_CAP: Final = 100  # the default item cap
TIMEOUT: Final = 5.0  # seconds any expected frame may take
QUIET: Final = 1.0  # seconds to wait for frames that must not come (005930 trades about 3/s)

KEYS: Final = {
    "real": [{"appkey": f"ws-serve-app-{i}", "secretkey": f"ws-serve-secret-{i}"} for i in range(40)],
    "mock": [{"appkey": "ws-serve-mock-0", "secretkey": "ws-serve-mock-secret-0"}],
    "koscom": [{"apikey": f"l7xx{i:032x}"} for i in range(40)],
}

PING: Final = {"trnm": "PING"}
LOGIN_FAILED: Final = {
    "trnm": "LOGIN",
    "return_code": 1,
    "return_msg": "토큰 인증에 실패했습니다 [CODE=8005, MESSAGE=Token이 유효하지 않습니다]",
}
OK: Final = {"message": "ok"}


@dataclass
class Serve:
    port: int
    mock_port: int
    log: Path
    _real: Iterator[dict[str, str]] = field(default_factory=lambda: iter(KEYS["real"]))
    _koscom: Iterator[dict[str, str]] = field(default_factory=lambda: iter(KEYS["koscom"]))

    def http(self, path: str, mock: bool = False) -> str:
        return f"http://127.0.0.1:{self.mock_port if mock else self.port}{path}"

    def ws(self, path: str, mock: bool = False) -> str:
        return f"ws://127.0.0.1:{self.mock_port if mock else self.port}{path}"

    def real_key(self) -> dict[str, str]:
        """An app key no other test uses (one session per app key)."""
        return next(self._real)

    def koscom_key(self) -> str:
        """A Koscom API key no other test uses (one session per key)."""
        return next(self._koscom)["apikey"]

    def token(self, key: dict[str, str], mock: bool = False) -> str:
        body = {"grant_type": "client_credentials", **key}
        issued = requests.post(self.http("/oauth2/token", mock), json=body, timeout=TIMEOUT).json()
        assert issued["return_code"] == 0, issued
        return str(issued["token"])

    def codes(self, market: str, apikey: str) -> list[str]:
        """The market's stock codes as Koscom's REST lists them."""
        r = requests.get(
            self.http(f"/v2/market/stocks/{market}/lists"), headers={"apikey": apikey}, timeout=10
        )
        assert r.status_code == 200, r.text
        return [row["isuSrtCd"] for row in r.json()["isuLists"]]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    mock_port = free_port()
    args = ["--mock-port", str(mock_port), "--history-years", "0", "--scale", "0.2", "--speed", "2"]
    args += ["--date", "2026-11-20", "--start", "09:00:10"]
    args += ["--ws-login-timeout", str(LOGIN_TIMEOUT), "--ws-ping-interval", str(PING_INTERVAL)]
    args += ["--koscom-ws-max-subscriptions", str(KOSCOM_CAP)]
    with served(tmp_path_factory.mktemp("sise-ws-serve"), args, KEYS) as server:
        yield Serve(server.port, mock_port, server.log)
        server.proc.send_signal(signal.SIGINT)
        server.proc.wait(timeout=15)
    text = server.output()
    assert "Traceback" not in text, text
    assert server.proc.returncode == 0, text


def client(url: str) -> ClientConnection:
    return connect(url, open_timeout=TIMEOUT, close_timeout=2, max_size=None)


def expect_close(ws: ClientConnection) -> None:
    """The server closes the socket next (a close frame, code 1000), sending nothing more."""
    with pytest.raises(ConnectionClosed) as e:
        ws.recv(timeout=TIMEOUT)
    assert e.value.rcvd is not None and e.value.rcvd.code == 1000, e.value


def parse(data: str | bytes) -> Any:
    return json.loads(data)


# -- Kiwoom -----------------------------------------------------------------------------------------


def kw_send(ws: ClientConnection, frame: dict[str, Any]) -> None:
    ws.send(json.dumps(frame, ensure_ascii=False))


def kw_recv(ws: ClientConnection, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The next frame that is not a PING; each PING is echoed, as a client must."""
    deadline = time.monotonic() + timeout
    while True:
        frame: dict[str, Any] = parse(ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        if frame == PING:
            kw_send(ws, frame)
            continue
        return frame


def kw_answer(ws: ClientConnection, real: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The next answer (not REAL); REAL entries before it go to ``real`` (a REG's snapshot may
    arrive before its ack), or fail the test when no list is given."""
    while True:
        frame = kw_recv(ws)
        if frame["trnm"] != "REAL":
            return frame
        assert real is not None, frame
        real += frame["data"]


def kw_quiet(ws: ClientConnection, seconds: float = QUIET) -> list[dict[str, Any]]:
    """Every frame but PINGs (echoed) within ``seconds``."""
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            out.append(kw_recv(ws, left))
        except TimeoutError:
            break
    return out


def login(ws: ClientConnection, token: str) -> dict[str, Any]:
    kw_send(ws, {"trnm": "LOGIN", "token": token})
    return kw_recv(ws)


def reg(
    ws: ClientConnection,
    data: list[dict[str, list[str]]],
    grp: str = "1",
    refresh: str = "1",
    real: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    kw_send(ws, {"trnm": "REG", "grp_no": grp, "refresh": refresh, "data": data})
    return kw_answer(ws, real)


def entries(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in frames:
        assert f["trnm"] == "REAL", f
        out += f["data"]
    return out


REG_OK: Final = {"trnm": "REG", "return_code": 0, "return_msg": ""}


def test_kiwoom_login_answers_sor_yn_y_on_the_real_port_and_n_on_the_mock(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key())) == {
            "trnm": "LOGIN",
            "return_code": 0,
            "return_msg": "",
            "sor_yn": "Y",
        }
    with client(serve.ws("/api/dostk/websocket", mock=True)) as ws:
        assert login(ws, serve.token(KEYS["mock"][0], mock=True)) == {
            "trnm": "LOGIN",
            "return_code": 0,
            "return_msg": "",
            "sor_yn": "N",
        }


def test_kiwoom_a_bad_token_fails_with_8005_then_close(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, "not-a-token") == LOGIN_FAILED
        expect_close(ws)
    # A real token is refused on the other personality's port the same way.
    with client(serve.ws("/api/dostk/websocket", mock=True)) as ws:
        assert login(ws, serve.token(serve.real_key())) == LOGIN_FAILED
        expect_close(ws)


def test_kiwoom_a_revoked_token_fails_with_8005_then_close(serve: Serve) -> None:
    key = serve.real_key()
    token = serve.token(key)
    revoked = requests.post(serve.http("/oauth2/revoke"), json={**key, "token": token}, timeout=TIMEOUT)
    assert revoked.json()["return_code"] == 0, revoked.text
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, token) == LOGIN_FAILED
        expect_close(ws)


def test_kiwoom_reg_before_login_is_refused_and_login_still_works(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        kw_send(
            ws, {"trnm": "REG", "grp_no": "1", "refresh": "1", "data": [{"item": ["001"], "type": ["0J"]}]}
        )
        assert kw_recv(ws) == {"trnm": "REG", "return_code": 1, "return_msg": "로그인이 필요합니다"}
        kw_send(ws, PING)  # ignored before LOGIN
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        assert reg(ws, [{"item": ["001"], "type": ["0J"]}], real=[]) == REG_OK


def test_kiwoom_no_login_in_time_gets_r10004_then_close(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        started = time.monotonic()
        assert parse(ws.recv(timeout=LOGIN_TIMEOUT + TIMEOUT)) == {
            "trnm": "SYSTEM",
            "code": "R10004",
            "message": "접속허용요청이 들어오지 않았습니다",
        }
        assert time.monotonic() - started >= LOGIN_TIMEOUT - 0.1
        expect_close(ws)


def test_kiwoom_echoed_pings_keep_the_session_past_several_intervals(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        for _ in range(MISSED_PINGS + 2):  # more PINGs than may go unanswered
            ping = parse(ws.recv(timeout=TIMEOUT))
            assert ping == PING
            kw_send(ws, ping)
        assert parse(ws.recv(timeout=TIMEOUT)) == PING  # still there
        kw_send(ws, PING)
        assert reg(ws, [{"item": ["001"], "type": ["0J"]}], real=[]) == REG_OK


def test_kiwoom_unanswered_pings_end_the_session_with_r10002(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        for _ in range(MISSED_PINGS):
            assert parse(ws.recv(timeout=TIMEOUT)) == PING
        assert parse(ws.recv(timeout=TIMEOUT)) == {
            "trnm": "SYSTEM",
            "code": "R10002",
            "message": "사용자 프로그램으로부터 Heartbeat(연결유지) 메시지가 오지않아서 접속을 종료합니다",
        }
        expect_close(ws)


def test_kiwoom_a_second_login_with_the_app_key_ends_the_first_with_r10001(serve: Serve) -> None:
    token = serve.token(serve.real_key())
    with client(serve.ws("/api/dostk/websocket")) as first:
        assert login(first, token)["return_code"] == 0
        with client(serve.ws("/api/dostk/websocket")) as second:
            assert login(second, token)["return_code"] == 0
            assert kw_recv(first) == {
                "trnm": "SYSTEM",
                "code": "R10001",
                "message": "동일한 App key로 접속이 되었습니다. 기존 세션은 종료가 됩니다",
            }
            expect_close(first)
            assert reg(second, [{"item": ["001"], "type": ["0J"]}], real=[]) == REG_OK  # goes on


def test_kiwoom_reg_sends_0j_and_0b_trade_by_trade(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        got: list[dict[str, Any]] = []
        data = [{"item": ["001"], "type": ["0J"]}, {"item": ["005930"], "type": ["0B"]}]
        assert reg(ws, data, real=got) == REG_OK
        trades: list[dict[str, str]] = []
        deadline = time.monotonic() + 15
        while len(trades) < 4 or not any(e["type"] == "0J" for e in got):
            assert time.monotonic() < deadline, got
            frame = kw_recv(ws)
            assert frame["trnm"] == "REAL" and frame["data"], frame
            got += frame["data"]
            trades = [e["values"] for e in got if e["type"] == "0B"]
        assert {(e["type"], e["name"], e["item"]) for e in got} == {
            ("0J", "업종지수", "001"),
            ("0B", "주식체결", "005930"),
        }
        assert all(isinstance(v, str) for e in got for v in e["values"].values())
        index = next(e["values"] for e in got if e["type"] == "0J")
        assert float(index["10"].lstrip("+-")) > 1000 and len(index["20"]) == 6
        # The first 0B entry is the current state, then one entry per trade, in order.
        assert all(t["9081"] == "1" and int(t["15"]) != 0 for t in trades)
        volumes = [int(t["13"]) for t in trades]
        assert [b - a for a, b in itertools.pairwise(volumes)] == [abs(int(t["15"])) for t in trades[1:]]
        times = [t["20"] for t in trades]
        assert times == sorted(times)


def test_kiwoom_remove_stops_the_entries(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        data = [{"item": ["005930", "000660"], "type": ["0B", "0D"]}]
        got: list[dict[str, Any]] = []
        assert reg(ws, data, real=got) == REG_OK
        while len(got) < 6:  # the four snapshots and some trading
            got += entries([kw_recv(ws)])
        kw_send(ws, {"trnm": "REMOVE", "grp_no": "1", "data": data})
        assert kw_answer(ws, real=[]) == {"trnm": "REMOVE", "return_code": 0, "return_msg": ""}
        assert kw_quiet(ws) == []


def test_kiwoom_refresh_0_replaces_the_group(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        got: list[dict[str, Any]] = []
        assert reg(ws, [{"item": ["005930"], "type": ["0D"]}], grp="1", real=got) == REG_OK
        assert reg(ws, [{"item": ["000660"], "type": ["0D"]}], grp="2", real=got) == REG_OK
        while sum(e["item"] == "005930" for e in got) < 2:  # its snapshot and an update
            got += entries([kw_recv(ws)])
        after: list[dict[str, Any]] = []
        assert reg(ws, [{"item": ["005380"], "type": ["0D"]}], grp="1", refresh="0", real=after) == REG_OK
        deadline = time.monotonic() + QUIET
        while time.monotonic() < deadline or {e["item"] for e in after} < {"005380", "000660"}:
            after += entries([kw_recv(ws)])
        items = {e["item"] for e in after}
        assert "005930" not in items  # group 1 was replaced
        assert items == {"005380", "000660"}  # the new registration and group 2


def test_kiwoom_the_item_cap_is_100_and_a_refused_reg_registers_nothing(serve: Serve) -> None:
    codes = serve.codes("kospi", serve.koscom_key())[: KIWOOM_CAP + 1]
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        too_many = {"trnm": "REG", "return_code": 1, "return_msg": "등록 종목수 초과"}
        assert reg(ws, [{"item": codes, "type": ["0C"]}]) == too_many
        assert kw_quiet(ws, 0.5) == []  # nothing registered: not even a snapshot
        got: list[dict[str, Any]] = []
        assert reg(ws, [{"item": codes[:KIWOOM_CAP], "type": ["0C"]}], real=got) == REG_OK
        assert reg(ws, [{"item": codes[KIWOOM_CAP:], "type": ["0C"]}], grp="2", real=got) == too_many
        while len({e["item"] for e in got}) < KIWOOM_CAP:  # every snapshot, nothing else
            got += entries([kw_recv(ws)])
        assert {e["item"] for e in got} == set(codes[:KIWOOM_CAP])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"item": ["001"], "type": ["0Z"]}], "지원하지 않는 실시간 항목입니다(0Z)"),
        ([{"item": ["999999"], "type": ["0B"]}], "존재하지 않는 종목코드입니다(999999)"),
        (
            [{"item": ["001"], "type": ["0J"]}, {"item": ["999"], "type": ["0J"]}],
            "존재하지 않는 종목코드입니다(999)",
        ),
    ],
)
def test_kiwoom_an_unknown_type_or_item_is_refused_and_the_socket_stays(
    serve: Serve, data: list[dict[str, list[str]]], message: str
) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        assert reg(ws, data) == {"trnm": "REG", "return_code": 1, "return_msg": message}
        assert kw_quiet(ws, 0.3) == []  # all or nothing: the good pair is not registered
        assert reg(ws, [{"item": ["001"], "type": ["0J"]}], real=[]) == REG_OK


def test_kiwoom_malformed_json_is_answered_and_the_socket_stays(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket")) as ws:
        assert login(ws, serve.token(serve.real_key()))["return_code"] == 0
        for raw in ("{not json", "[1, 2]", '"REG"'):
            ws.send(raw)
            assert kw_answer(ws) == {"trnm": "", "return_code": 1, "return_msg": "JSON 형식이 아닙니다"}
        assert reg(ws, [{"item": ["001"], "type": ["0J"]}], real=[]) == REG_OK


def test_kiwoom_the_mock_port_refuses_nxt_items(serve: Serve) -> None:
    with client(serve.ws("/api/dostk/websocket", mock=True)) as ws:
        assert login(ws, serve.token(KEYS["mock"][0], mock=True))["return_code"] == 0
        assert reg(ws, [{"item": ["005930_NX"], "type": ["0B"]}]) == {
            "trnm": "REG",
            "return_code": 1,
            "return_msg": "존재하지 않는 종목코드입니다(005930_NX)",
        }
        got: list[dict[str, Any]] = []
        assert reg(ws, [{"item": ["005930"], "type": ["0B"]}], real=got) == REG_OK
        while not got:
            got += entries([kw_recv(ws)])
        assert got[0]["item"] == "005930" and got[0]["values"]["9081"] == "1"


# -- Koscom /ws -------------------------------------------------------------------------------------


def call(
    ws: ClientConnection, method: str, params: dict[str, Any] | None = None, id_: int | None = 1
) -> None:
    frame: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if id_ is not None:
        frame["id"] = id_
    if params is not None:
        frame["params"] = params
    ws.send(json.dumps(frame))


def ok(id_: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_, "result": OK}


def error(code: int, message: str, id_: int | None = 1) -> dict[str, Any]:
    out: dict[str, Any] = {"jsonrpc": "2.0"}
    if id_ is not None:
        out["id"] = id_
    out["error"] = {"code": code, "message": message}
    return out


def rpc(ws: ClientConnection, pushes: list[Any] | None = None) -> dict[str, Any]:
    """The next JSON-RPC answer; pushes and market arrays before it go to ``pushes`` (or fail)."""
    while True:
        frame = parse(ws.recv(timeout=TIMEOUT))
        if isinstance(frame, dict) and "method" not in frame:
            return frame
        assert pushes is not None, frame
        pushes.append(frame)


def init(ws: ClientConnection, key: str, id_: int = 1) -> dict[str, Any]:
    call(ws, "init", {"key": key, "membername": "sise-tests"}, id_)
    return rpc(ws)


def quiet(ws: ClientConnection, seconds: float = QUIET) -> list[Any]:
    out: list[Any] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            out.append(parse(ws.recv(timeout=left)))
        except TimeoutError:
            break
    return out


TICK: Final = ["isuSrtCd", "trdPrc", "trdvol", "accTrdvol", "accTrdval", "trdTm"]
CUSTOMER: Final = "고객정보가 일치하지 않습니다"


def test_koscom_init_is_acked(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        assert init(ws, serve.koscom_key(), id_=7) == ok(7)
        call(ws, "heartbeat", id_=8)
        assert rpc(ws) == ok(8)


def test_koscom_a_bad_key_gets_13001_then_close(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        assert init(ws, "l7xx-not-a-key", id_=3) == error(13001, CUSTOMER, 3)
        expect_close(ws)


def test_koscom_a_request_before_init_gets_10070_and_init_still_works(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "005930"}, 4)
        assert rpc(ws) == error(10070, CUSTOMER, 4)
        call(ws, "heartbeat", id_=5)
        assert rpc(ws) == error(10070, CUSTOMER, 5)
        assert init(ws, serve.koscom_key()) == ok()


def test_koscom_no_init_in_time_gets_13004_then_close(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        started = time.monotonic()
        assert parse(ws.recv(timeout=LOGIN_TIMEOUT + TIMEOUT)) == error(
            13004, "잠시후 재접속을 하여주시기 바랍니다", None
        )
        assert time.monotonic() - started >= LOGIN_TIMEOUT - 0.1
        expect_close(ws)


def test_koscom_subscribe_tick_acks_snapshots_then_pushes(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        assert init(ws, serve.koscom_key()) == ok()
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "005930"}, 2)
        assert rpc(ws) == ok(2)
        snapshot = rpc(ws)
        assert list(snapshot) == ["jsonrpc", "id", "result"] and snapshot["id"] == 2
        assert list(snapshot["result"]) == TICK and snapshot["result"]["isuSrtCd"] == "005930"
        pushes: list[dict[str, Any]] = []
        while len(pushes) < 2:
            frame = parse(ws.recv(timeout=TIMEOUT))
            assert list(frame) == ["jsonrpc", "method", "params"] and frame["method"] == "push", frame
            pushes.append(frame["params"])
        volumes = [snapshot["result"]["accTrdvol"]]
        for p in pushes:
            assert list(p) == ["preset", *TICK] and p["preset"] == "tick" and p["isuSrtCd"] == "005930"
            assert all(isinstance(p[k], int) for k in TICK[1:])
            volumes.append(p["accTrdvol"])
        assert volumes == sorted(volumes) and volumes[-1] > volumes[0]


def test_koscom_change_pushes_only_the_items_asked_for(serve: Serve) -> None:
    items = ["trdPrc", "accTrdvol", "trdTm"]
    with client(serve.ws("/ws")) as ws:
        assert init(ws, serve.koscom_key()) == ok()
        call(ws, "subscribe", {"preset": "change", "isuSrtCd": "005930", "items": items}, 2)
        assert rpc(ws) == ok(2)
        snapshot = rpc(ws)
        assert snapshot["id"] == 2 and list(snapshot["result"]) == ["isuCd", "isuSrtCd", *items]
        assert snapshot["result"]["isuCd"] == "KR7005930003"
        state = dict(snapshot["result"])
        pushes: list[dict[str, Any]] = []
        while len(pushes) < 2:
            frame = parse(ws.recv(timeout=TIMEOUT))
            assert list(frame) == ["jsonrpc", "method", "params"] and frame["method"] == "push", frame
            pushes.append(frame["params"])
        for p in pushes:
            assert list(p)[:2] == ["isuCd", "isuSrtCd"] and "preset" not in p
            assert (p["isuCd"], p["isuSrtCd"]) == ("KR7005930003", "005930")
            moved = {k: v for k, v in p.items() if k not in ("isuCd", "isuSrtCd")}
            assert moved and set(moved) <= set(items)
            assert all(state[k] != v for k, v in moved.items())  # only what changed
            state |= moved


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"preset": "ticks", "isuSrtCd": "005930"}, (10030, "데이터구분자가 존재 하지 않습니다")),
        ({"preset": "tick", "isuSrtCd": "999999"}, (10040, "종목코드가 존재 하지 않습니다")),
        (
            {"preset": "change", "isuSrtCd": "005930", "items": ["trdPrc", "bidValidOrdCnt"]},
            (10050, "데이터 FID가 존재 하지 않습니다"),
        ),
        ({"preset": "tick"}, (20060, "종목코드를 입력하십시요")),
        ({"preset": "tick", "isuSrtCd": "00593!"}, (20030, "종목코드를 잘못 입력하였습니다")),
        (
            {"preset": "change", "isuSrtCd": "005930"},
            (20055, "입력 에러입니다.입력하신 데이터를 다시 확인하시기 바랍니다"),
        ),
    ],
)
def test_koscom_a_bad_subscribe_gets_its_error_and_the_socket_stays(
    serve: Serve, params: dict[str, Any], expected: tuple[int, str]
) -> None:
    with client(serve.ws("/ws")) as ws:
        assert init(ws, serve.koscom_key()) == ok()
        call(ws, "subscribe", params, 6)
        assert rpc(ws) == error(*expected, 6)
        assert quiet(ws, 0.3) == []  # nothing subscribed
        call(ws, "heartbeat", id_=7)
        assert rpc(ws) == ok(7)


def test_koscom_the_subscription_cap(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        assert init(ws, serve.koscom_key()) == ok()
        pushes: list[dict[str, Any]] = []
        pairs = [("tick", "005930"), ("quote", "005930"), ("tick", "000660")]
        assert len(pairs) == KOSCOM_CAP
        for n, (preset, code) in enumerate(pairs, start=2):
            call(ws, "subscribe", {"preset": preset, "isuSrtCd": code}, n)
            assert rpc(ws, pushes) == ok(n)
            assert rpc(ws, pushes)["id"] == n  # the snapshot
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "005930"}, 5)  # again: counts once
        assert rpc(ws, pushes) == ok(5)
        assert rpc(ws, pushes)["id"] == 5
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "035420"}, 6)
        assert rpc(ws, pushes) == error(20056, "생성 가능한 종목수를 초과하였습니다", 6)
        call(ws, "unsubscribe", {"preset": "quote", "isuSrtCd": "005930"}, 7)
        assert rpc(ws, pushes) == ok(7)
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "035420"}, 8)  # room again
        assert rpc(ws, pushes) == ok(8)
        assert rpc(ws, pushes)["result"]["isuSrtCd"] == "035420"


def test_koscom_unsubscribe_by_preset_and_code_and_by_request_id(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        assert init(ws, serve.koscom_key()) == ok()
        pushes: list[dict[str, Any]] = []
        for preset, code, id_ in (("tick", "005930", 7), ("quote", "005930", 7), ("tick", "000660", 8)):
            call(ws, "subscribe", {"preset": preset, "isuSrtCd": code}, id_)
            assert rpc(ws, pushes) == ok(id_)
            assert rpc(ws, pushes)["id"] == id_
        call(ws, "unsubscribe", {"preset": "tick", "isuSrtCd": "000660"}, 9)
        assert rpc(ws, pushes) == ok(9)
        call(ws, "unsubscribe", None, 7)  # everything subscribed under id 7
        assert rpc(ws, pushes) == ok(7)
        assert quiet(ws) == []  # nothing left to push
        not_registered = (20057, "등록하신 종목이 아닙니다")
        call(ws, "unsubscribe", {"preset": "tick", "isuSrtCd": "005930"}, 10)
        assert rpc(ws) == error(*not_registered, 10)
        call(ws, "unsubscribe", None, 8)
        assert rpc(ws) == error(*not_registered, 8)


def test_koscom_heartbeat_is_acked(serve: Serve) -> None:
    with client(serve.ws("/ws")) as ws:
        assert init(ws, serve.koscom_key()) == ok()
        call(ws, "heartbeat", id_=3)
        assert rpc(ws) == ok(3)
        ws.send('{"jsonrpc":"2.0","id":4,"method":"heartbeat",}')  # the reference's trailing comma
        assert rpc(ws) == ok(4)


def test_koscom_a_malformed_frame_gets_47_and_the_socket_stays(serve: Serve) -> None:
    not_json_rpc = (47, "정상적인 JSON-RPC 형식이 아닙니다")
    with client(serve.ws("/ws")) as ws:
        ws.send("{not json")  # before init too
        assert rpc(ws) == error(*not_json_rpc, None)
        assert init(ws, serve.koscom_key()) == ok()
        for raw, id_ in (
            ("{not json", None),
            ("[1, 2]", None),
            ('{"jsonrpc": "1.0", "id": 5, "method": "x"}', 5),
        ):
            ws.send(raw)
            assert rpc(ws) == error(*not_json_rpc, id_)
        call(ws, "heartbeat", id_=6)
        assert rpc(ws) == ok(6)


@pytest.mark.parametrize("path", ["/api/dostk/websocket", "/ws", "/ws_ksp", "/ws_kdq"])
def test_a_text_frame_that_is_not_utf8_is_closed_with_1007_without_a_traceback(
    serve: Serve, path: str
) -> None:
    """RFC 6455 §8.1; uvicorn logged each one as an error with a traceback (found by bench/fuzz.py;
    the module's server log must stay clean)."""
    peer = ClientProtocol(parse_uri(serve.ws(path)))
    with socket.create_connection(("127.0.0.1", serve.port), timeout=TIMEOUT) as sock:
        peer.send_request(peer.connect())
        sock.sendall(b"".join(peer.data_to_send()))
        while not peer.events_received():  # the handshake's answer
            peer.receive_data(sock.recv(65536))
        assert peer.handshake_exc is None
        peer.send_text(b"\xc3\x28")  # sent as is: the sans-I/O protocol does not check it
        sock.sendall(b"".join(peer.data_to_send()))
        while peer.close_rcvd is None:
            data = sock.recv(65536)
            assert data, "closed without a close frame"
            peer.receive_data(data)
    assert peer.close_rcvd.code == 1007


def test_koscom_a_second_init_with_the_key_ends_the_first_with_32000(serve: Serve) -> None:
    key = serve.koscom_key()
    with client(serve.ws("/ws")) as first:
        assert init(first, key) == ok()
        with client(serve.ws("/ws")) as second:
            assert init(second, key, id_=9) == ok(9)
            assert rpc(first) == error(-32000, "같은 API Key로 새 세션이 연결되어 이 세션을 종료합니다", None)
            expect_close(first)
            call(second, "subscribe", {"preset": "tick", "isuSrtCd": "005930"}, 10)
            assert rpc(second) == ok(10)  # the newer one goes on
            assert rpc(second)["result"]["isuSrtCd"] == "005930"


# -- Koscom /ws_ksp and /ws_kdq ---------------------------------------------------------------------


@pytest.mark.parametrize(("path", "market"), [("/ws_ksp", "kospi"), ("/ws_kdq", "kosdaq")])
def test_koscom_market_streams_every_trade_of_their_market_after_init(
    serve: Serve, path: str, market: str
) -> None:
    key = serve.koscom_key()
    codes = set(serve.codes(market, key))
    with client(serve.ws(path)) as ws:
        assert quiet(ws, 0.3) == []  # nothing before init
        call(ws, "heartbeat", id_=2)
        assert rpc(ws) == error(10070, CUSTOMER, 2)
        assert init(ws, key) == ok()
        items: list[dict[str, Any]] = []
        for _ in range(3):  # a frame per engine batch, or more
            frame = parse(ws.recv(timeout=TIMEOUT))
            assert isinstance(frame, list) and 0 < len(frame) <= 50, frame
            items += frame
        assert all(list(i) == ["isuSrtCd", "trdPrc", "trdVol", "trdTm"] for i in items)
        assert all(isinstance(v, str) for i in items for v in i.values())
        assert {i["isuSrtCd"] for i in items} <= codes
        times = [int(i["trdTm"]) for i in items]
        assert times == sorted(times)
        trades: list[Any] = []
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "005930"}, 3)
        assert rpc(ws, trades) == error(10000, "조회유형이 존재 하지 않습니다", 3)
        call(ws, "heartbeat", id_=4)
        assert rpc(ws, trades) == ok(4)
        assert all(isinstance(f, list) for f in trades)


# -- the transport ----------------------------------------------------------------------------------


class _StalledTransport(asyncio.Transport):
    """A transport whose peer stopped reading: ``close`` waits for a flush that does not come, so
    ``connection_lost`` is not called yet."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closing = False

    def write(self, data: Any) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def test_a_frame_sent_after_the_peers_close_frame_ends_the_session_quietly() -> None:
    """A session's writer or pinger that sends between the peer's close frame and the end of the
    connection gets the disconnect every session expects, not an error logged with a traceback
    (seen in this module's server log: a client leaving while REAL frames flowed)."""

    async def main() -> BaseException | None:
        accepted, go = asyncio.Event(), asyncio.Event()
        outcome: list[BaseException | None] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            assert (await receive())["type"] == "websocket.connect"
            await send({"type": "websocket.accept"})
            accepted.set()
            await go.wait()
            try:
                await send({"type": "websocket.send", UTF8: (b'{"trnm":"PING"}',)})
            except Exception as e:
                outcome.append(e)
                raise
            outcome.append(None)

        config = uvicorn.Config(app, ws=SiseWebSocketProtocol, log_level="critical")
        config.load()
        server = SiseWebSocketProtocol(config, ServerState(), {}, _loop=asyncio.get_running_loop())
        transport = _StalledTransport()
        server.connection_made(transport)
        peer = ClientProtocol(parse_uri("ws://127.0.0.1:8000/api/dostk/websocket"))
        peer.send_request(peer.connect())
        server.data_received(b"".join(peer.data_to_send()))
        await asyncio.wait_for(accepted.wait(), TIMEOUT)
        peer.receive_data(transport.written)
        peer.send_close(1000)
        server.data_received(b"".join(peer.data_to_send()))  # the close frame, before the send
        go.set()
        async with asyncio.timeout(TIMEOUT):
            while not outcome:
                await asyncio.sleep(0.01)
        return outcome[0]

    assert isinstance(asyncio.run(main()), ClientDisconnected)


def test_every_send_after_the_peer_went_is_a_disconnect() -> None:
    """A session's reader and writer both send: the first send to find the peer gone gets
    Starlette's ``WebSocketDisconnect``, and so must the other's, which Starlette makes a
    RuntimeError that the session logged as a failure (found by bench/fuzz.py: a client that
    subscribed to much, stopped reading, then vanished)."""

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        if message["type"] == "websocket.send":
            raise ClientDisconnected()  # an OSError, as uvicorn raises it for a vanished peer

    async def main() -> list[BaseException]:
        ws = WebSocket({"type": "websocket", "path": "/ws", "headers": []}, receive, send)
        await ws.accept()
        outlet = Outlet(ws)
        errors: list[BaseException] = []
        for _ in range(2):
            try:
                await outlet.send(b"{}")
            except BaseException as e:
                errors.append(e)
        return errors

    errors = asyncio.run(main())
    assert [type(e) for e in errors] == [WebSocketDisconnect, WebSocketDisconnect]
