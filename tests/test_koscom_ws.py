"""Koscom's real-time WebSocket ``/ws`` (koscom.md §11), in-process.

The market runs on a manual clock and is advanced from the test (on the app's event loop, as the
runtime does), so every push is caused by a step the test takes. Every receive is bounded. Values
are compared with the REST endpoints of the same app at the same engine state.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from koscom_fields import KEY
from sise.api.doc_tables import koscom_ws_blocks, rewrite
from sise.api.kiwoom.auth import KeyStore
from sise.api.koscom.ws import PATH, KoscomWs, KoscomWsOptions
from sise.api.koscom.ws_presets import PRESETS, Kind, doc_blocks
from sise.api.stream import StreamHub
from sise.server.app import create_app
from sise.server.runtime import Market, Settings
from sise.sources.clock import Clock
from wsclient import DAY, MOCK, QUIET, REAL, START, TIMEOUT, Closed, nothing_within, recv, step

DOCS = Path(__file__).resolve().parents[1] / "docs"


def call(ws: Any, method: str, params: dict[str, Any] | None = None, id_: int | None = 1) -> None:
    frame: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if id_ is not None:
        frame["id"] = id_
    if params is not None:
        frame["params"] = params
    ws.send_text(orjson.dumps(frame).decode())


OK = {"message": "ok"}


def ok(id_: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_, "result": OK}


@dataclass
class Env:
    market: Market
    client: TestClient

    def step(self, seconds: int = 1) -> None:
        step(self.market, self.client, seconds)

    def rest(self, path: str) -> dict[str, Any]:
        r = self.client.get("/v2/market" + path, headers={"apikey": KEY})
        assert r.status_code == 200, r.text
        return cast(dict[str, Any], r.json()["result"])

    def codes(self, family: str) -> list[str]:
        r = self.client.get(f"/v2/market/{family}/kospi200/lists", headers={"apikey": KEY})
        return [row["isuSrtCd"] for row in r.json()["isuLists"]]

    @property
    def endpoint(self) -> KoscomWs:
        return cast(KoscomWs, self.client.app.koscom.state.websocket)  # type: ignore[attr-defined]


def make_env(options: KoscomWsOptions) -> Iterator[Env]:
    m = Market(Settings(day=DAY, history_years=0, scale=0.02), clock=Clock.manual(START))
    m.catch_up()
    try:
        app = create_app(m, KeyStore([REAL], [MOCK], [KEY]), koscom_ws=options, rate_limit=0)
        with TestClient(app) as client:
            yield Env(m, client)
    finally:
        m.close()


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    yield from make_env(KoscomWsOptions(init_timeout_s=TIMEOUT))


def init(ws: Any, key: str = KEY, id_: int = 1) -> dict[str, Any]:
    call(ws, "init", {"key": key, "membername": "XXX Company"}, id_)
    return recv(ws)


def subscribe(ws: Any, preset: str, code: str, id_: int = 1, **extra: Any) -> dict[str, Any]:
    """Subscribe, expect the ack; returns the snapshot's ``result``."""
    call(ws, "subscribe", {"preset": preset, "isuSrtCd": code, **extra}, id_)
    assert recv(ws) == ok(id_)
    snap = recv(ws)
    assert snap["id"] == id_ and set(snap) == {"jsonrpc", "id", "result"}, snap
    return cast(dict[str, Any], snap["result"])


def err(frame: dict[str, Any]) -> int:
    assert set(frame) <= {"jsonrpc", "id", "error"} and frame["jsonrpc"] == "2.0", frame
    assert set(frame["error"]) == {"code", "message"} and frame["error"]["message"]
    return cast(int, frame["error"]["code"])


def pushes(env: Env, ws: Any, want: int, seconds: int = 1, limit: int = 120) -> list[dict[str, Any]]:
    """Step the market until ``want`` pushes arrived (bounded), then drain; the push ``params``."""
    got: list[dict[str, Any]] = []
    for _ in range(limit):
        env.step(seconds)
        while True:
            try:
                frame = recv(ws, QUIET / 4)
            except TimeoutError:
                break
            assert frame["method"] == "push" and "id" not in frame, frame
            got.append(frame["params"])
        if len(got) >= want:
            return got
    pytest.fail(f"only {len(got)} pushes")


# -- init -------------------------------------------------------------------------------------------


def test_init_is_acked_and_bad_keys_are_refused_then_closed(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        assert init(ws) == ok()
    for params in ({"key": "l7xxwrong"}, {}, {"key": 5}):
        with env.client.websocket_connect(PATH) as ws:
            call(ws, "init", params, 3)
            frame = recv(ws)
            assert err(frame) == 13001 and frame["id"] == 3
            assert frame["error"]["message"] == "고객정보가 일치하지 않습니다"
            with pytest.raises(Closed):
                recv(ws)


def test_anything_before_init_is_refused_and_init_still_works(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "005930"}, 4)
        frame = recv(ws)
        assert err(frame) == 10070 and frame["id"] == 4
        call(ws, "heartbeat", id_=5)
        assert err(recv(ws)) == 10070
        ws.send_text("not json")
        assert err(recv(ws)) == 47
        assert init(ws) == ok()
        assert subscribe(ws, "tick", "005930")["isuSrtCd"] == "005930"


def test_no_init_in_time_gets_13004_and_close() -> None:
    for e in make_env(KoscomWsOptions(init_timeout_s=0.05)):
        with e.client.websocket_connect(PATH) as ws:
            assert err(recv(ws)) == 13004
            with pytest.raises(Closed):
                recv(ws)


def test_a_second_init_with_the_same_key_ends_the_older_session(env: Env) -> None:
    with env.client.websocket_connect(PATH) as first:
        assert init(first) == ok()
        subscribe(first, "tick", "005930")
        older = env.endpoint.sessions[KEY]
        with env.client.websocket_connect(PATH) as second:
            assert init(second, id_=9) == ok(9)
            frame = recv(first)
            assert err(frame) == -32000 and "id" not in frame
            assert "세션" in frame["error"]["message"]
            with pytest.raises(Closed):
                recv(first)
            assert env.endpoint.sessions[KEY] is not older
            assert subscribe(second, "tick", "005930")["isuSrtCd"] == "005930"  # the new one lives on


def test_an_optional_server_heartbeat() -> None:
    for e in make_env(KoscomWsOptions(heartbeat_interval_s=0.02)):
        with e.client.websocket_connect(PATH) as ws:
            assert nothing_within(ws, 0.1)  # none before init
            assert init(ws) == ok()
            assert recv(ws) == {"jsonrpc": "2.0", "method": "heartbeat"}
            assert recv(ws) == {"jsonrpc": "2.0", "method": "heartbeat"}


# -- frames -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "id_"),
    [
        ("{not json", 47, None),
        ("[1, 2]", 47, None),
        ('"init"', 47, None),
        ('{"id": 7, "method": "heartbeat"}', 47, 7),
        ('{"jsonrpc": "1.0", "id": 7, "method": "heartbeat"}', 47, 7),
        ('{"jsonrpc": "2.0", "id": 7}', 47, 7),
        ('{"jsonrpc": "2.0", "id": 7, "method": 3}', 47, 7),
        ('{"jsonrpc": "2.0", "id": {"a": 1}, "method": "heartbeat"}', 47, None),
        ('{"jsonrpc": "2.0", "id": 7, "method": "query", "params": {}}', 10000, 7),
        ('{"jsonrpc": "2.0", "id": 7, "method": "fly"}', 10000, 7),
        ('{"jsonrpc": "2.0", "id": 7, "method": "init", "params": {"key": "' + KEY + '"}}', 20055, 7),
        ('{"jsonrpc": "2.0", "id": 7, "method": "subscribe", "params": [1]}', 20055, 7),
        ('{"jsonrpc": "2.0", "id": 7, "method": "subscribe", "params": {"isuSrtCd": "005930"}}', 10030, 7),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"ticks","isuSrtCd":"005930"}}',
            10030,
            7,
        ),
        ('{"jsonrpc": "2.0", "id": 7, "method": "subscribe", "params": {"preset": "tick"}}', 20060, 7),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"tick","isuSrtCd":"00593!"}}',
            20030,
            7,
        ),
        ('{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"tick","isuSrtCd":12}}', 20030, 7),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"tick","isuSrtCd":"999999"}}',
            10040,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"tick","isuSrtCd":"K1"}}',
            10040,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"index","isuSrtCd":"005930"}}',
            10040,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"change","isuSrtCd":"K1","items":["trdPrc"]}}',
            10040,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"change","isuSrtCd":"005930"}}',
            20055,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"change","isuSrtCd":"005930","items":[]}}',
            20055,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"change","isuSrtCd":"005930","items":["x"]}}',
            10050,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"subscribe","params":{"preset":"change","isuSrtCd":"005930","items":["isuCd"]}}',
            10050,
            7,
        ),
        (
            '{"jsonrpc":"2.0","id":7,"method":"unsubscribe","params":{"preset":"tick","isuSrtCd":"005930"}}',
            20057,
            7,
        ),
        ('{"jsonrpc":"2.0","id":7,"method":"unsubscribe"}', 20057, 7),
        (
            '{"jsonrpc":"2.0","id":7,"method":"unsubscribe","params":{"preset":"nope","isuSrtCd":"005930"}}',
            10030,
            7,
        ),
    ],
)
def test_bad_requests_get_an_error_object_and_the_socket_stays(
    env: Env, raw: str, code: int, id_: int | None
) -> None:
    with env.client.websocket_connect(PATH) as ws:
        assert init(ws) == ok()
        ws.send_text(raw)
        frame = recv(ws)
        assert err(frame) == code
        assert frame.get("id") == id_
        assert nothing_within(ws, 0.02)  # nothing registered
        assert subscribe(ws, "tick", "005930")["isuSrtCd"] == "005930"


def test_the_error_messages_are_the_catalogues(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        ws.send_text("{")
        assert recv(ws) == {
            "jsonrpc": "2.0",
            "error": {"code": 47, "message": "정상적인 JSON-RPC 형식이 아닙니다"},
        }
        init(ws)
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "999999"}, 2)
        assert recv(ws) == {
            "jsonrpc": "2.0",
            "id": 2,
            "error": {"code": 10040, "message": "종목코드가 존재 하지 않습니다"},
        }


def test_heartbeat_is_acked_even_with_the_samples_trailing_comma(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        ws.send_text('{"jsonrpc":"2.0","id":1,"method":"heartbeat",}')  # as koscom.md §11.2 prints it
        assert recv(ws) == ok(1)
        call(ws, "heartbeat", id_="h-2")  # type: ignore[arg-type]
        assert recv(ws) == {"jsonrpc": "2.0", "id": "h-2", "result": OK}
        call(ws, "heartbeat", id_=None)  # no id: the answer has none either
        assert recv(ws) == {"jsonrpc": "2.0", "result": OK}


# -- subscriptions ----------------------------------------------------------------------------------


def test_preset_fields_are_the_references(env: Env) -> None:
    """koscom.md §11.4: tick/quote as the FID table and samples, tick10/quote10 the REST records."""
    tick = ["isuSrtCd", "trdPrc", "trdvol", "accTrdvol", "accTrdval", "trdTm"]
    quote = ["isuSrtCd", "askStep1BstordPrc", "askStep1BstordRqty", "bidStep1BstordPrc", "bidStep1BstordRqty"]
    index = ["isuSrtCd", "trdTm", "trdPrc", "cmpprevddTpCd", "cmpprevddPrc", "accTrdvol", "accTrdval"]
    for kind in (Kind.STOCK, Kind.FUTURES, Kind.OPTIONS):
        assert list(PRESETS["tick", kind].record.names) == tick
        assert list(PRESETS["quote", kind].record.names) == [*quote, "accTrdvol"]
    assert list(PRESETS["index", Kind.INDEX].record.names) == index
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        assert list(subscribe(ws, "tick", "005930")) == tick
        assert list(subscribe(ws, "quote", "005930")) == [*quote, "accTrdvol"]
        assert list(subscribe(ws, "index", "K1")) == index


def test_subscribe_acks_then_snapshots_then_pushes_what_changed(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        snap = subscribe(ws, "tick", "005930", id_=11)
        rest = env.rest("/stocks/kospi/005930/price")
        assert snap == {k: rest[k] for k in snap}
        assert nothing_within(ws)  # the market has not moved: no push
        params = pushes(env, ws, 1)[-1]
        assert list(params)[:2] == ["preset", "isuSrtCd"]
        assert params["preset"] == "tick" and params["isuSrtCd"] == "005930"
        rest = env.rest("/stocks/kospi/005930/price")
        assert {k: v for k, v in params.items() if k != "preset"} == {k: rest[k] for k in snap}


def follow(env: Env, ws: Any, subs: dict[tuple[str, str], dict[str, Any]], steps: int = 15) -> set[Any]:
    """Step the market, folding every push into ``subs`` (preset, code) → values; the pairs pushed."""
    pushed = set()
    for _ in range(steps):
        env.step(1)
        while True:
            try:
                frame = recv(ws, QUIET / 4)
            except TimeoutError:
                break
            p = dict(frame["params"])
            key = (p.pop("preset"), p["isuSrtCd"])
            assert p != subs[key], "a push repeats what the client has"
            subs[key] = p
            pushed.add(key)
    return pushed


def test_tick10_and_quote10_are_the_rest_price_and_orderbook(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        subs = {(p, c): subscribe(ws, p, c) for p in ("tick10", "quote10") for c in ("005930", "000660")}
        assert follow(env, ws, subs) == set(subs)  # every one moved, and was pushed
        for code in ("005930", "000660"):
            assert subs["tick10", code] == env.rest(f"/stocks/kospi/{code}/price")
            assert subs["quote10", code] == env.rest(f"/stocks/kospi/{code}/orderbook")
        assert subs["tick10", "005930"]["accTrdvol"] > 0


def test_kosdaq_stocks_are_served_too(env: Env) -> None:
    code = env.client.get("/v2/market/stocks/kosdaq/lists", headers={"apikey": KEY}).json()["isuLists"][0]
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        snap = subscribe(ws, "tick10", code["isuSrtCd"])
        assert snap == env.rest(f"/stocks/kosdaq/{code['isuSrtCd']}/price")


def test_futures_and_options_mirror_their_rest_price_and_orderbook(env: Env) -> None:
    future, option = env.codes("futures")[0], env.codes("options")[0]
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        subs = {
            (p, c): subscribe(ws, p, c) for p in ("tick10", "quote10") for c in (future, option, "K2FA001")
        }
        follow(env, ws, subs, steps=5)
        for code, family in ((future, "futures"), (option, "options"), ("K2FA001", "futures")):
            price = env.rest(f"/{family}/kospi200/{code}/price")
            book = env.rest(f"/{family}/kospi200/{code}/orderbook")
            # isuSrtCd is the code as subscribed: REST adds the options feed suffix and answers a
            # 연결선물 code with the front contract's.
            assert subs["tick10", code] == price | {"isuSrtCd": code}
            assert subs["quote10", code] == book | {"isuSrtCd": code}
        assert env.rest(f"/options/kospi200/{option}/price")["isuSrtCd"] == option + "*006"
        assert len([k for k in subs["quote10", future] if k.endswith("BstordCnt")]) == 10  # 5 levels
        assert subs["tick10", "K2FA001"] == subs["tick10", future] | {"isuSrtCd": "K2FA001"}


def test_the_index_preset_is_the_rest_index(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        subs = {("index", c): subscribe(ws, "index", c) for c in ("K1", "Q1", "K51")}
        assert follow(env, ws, subs, steps=12) == set(subs)  # indices publish every 10 s at most
        assert subs["index", "K1"] == env.rest("/index/kospi/K1/index")
        assert subs["index", "Q1"] == env.rest("/index/kosdaq/Q1/index")
        assert subs["index", "K51"] == env.rest("/index/kospi/K51/index")


def test_change_pushes_only_the_changed_items_asked_for(env: Env) -> None:
    items = ["trdPrc", "trdTm", "accTrdvol", "askStep1BstordPrc"]
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        snap = subscribe(ws, "change", "005930", items=[*items, "trdPrc"])
        assert list(snap) == ["isuCd", "isuSrtCd", *items]
        assert snap["isuCd"] == "KR7005930003" and snap["isuSrtCd"] == "005930"
        state = dict(snap)
        got = pushes(env, ws, 3)
        for params in got:
            assert "preset" not in params
            assert list(params)[:2] == ["isuCd", "isuSrtCd"] and len(params) > 2
            moved = {k: v for k, v in params.items() if k not in ("isuCd", "isuSrtCd")}
            assert set(moved) <= set(items)
            assert all(state[k] != v for k, v in moved.items())  # only what changed
            state |= moved
        price = env.rest("/stocks/kospi/005930/price")
        book = env.rest("/stocks/kospi/005930/orderbook")
        assert state == {"isuCd": "KR7005930003", "isuSrtCd": "005930"} | {
            k: (price | book)[k] for k in items
        }


def test_change_items_follow_the_market_of_the_issue(env: Env) -> None:
    future, option = env.codes("futures")[0], env.codes("options")[0]
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        legs = ["fstmmAgndaContrtPrc", "bidValidOrdCnt", "ordAcptTm", "realtmUplmtprc"]
        snap = subscribe(ws, "change", future, items=legs)
        price, book = (
            env.rest(f"/futures/kospi200/{future}/price"),
            env.rest(f"/futures/kospi200/{future}/orderbook"),
        )
        assert snap == {"isuCd": snap["isuCd"], "isuSrtCd": future} | {k: (price | book)[k] for k in legs}
        assert snap["isuCd"].startswith("KR4")
        call(ws, "subscribe", {"preset": "change", "isuSrtCd": option, "items": legs}, 2)
        assert err(recv(ws)) == 10050  # options have no spread legs (koscom.md §11.5)
        call(ws, "subscribe", {"preset": "change", "isuSrtCd": "005930", "items": ["bidValidOrdCnt"]}, 3)
        assert err(recv(ws)) == 10050  # a derivatives item on a stock


def test_issrtcode_is_accepted_and_isusrtcd_emitted(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        call(ws, "subscribe", {"preset": "tick", "isuSrtCode": "005930"})
        assert recv(ws) == ok()
        assert recv(ws)["result"]["isuSrtCd"] == "005930"


def test_a_repeated_subscribe_replaces_and_counts_once() -> None:
    for e in make_env(KoscomWsOptions(max_subscriptions=2)):
        with e.client.websocket_connect(PATH) as ws:
            init(ws)
            subscribe(ws, "tick", "005930")
            subscribe(ws, "quote", "005930")
            subscribe(ws, "tick", "005930", id_=2)  # again: same pair, no new slot
            call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "000660"}, 3)
            frame = recv(ws)
            assert err(frame) == 20056 and frame["error"]["message"] == "생성 가능한 종목수를 초과하였습니다"
            call(ws, "unsubscribe", {"preset": "quote", "isuSrtCd": "005930"}, 4)
            assert recv(ws) == ok(4)
            subscribe(ws, "tick", "000660", id_=5)  # room again
            session = e.endpoint.sessions[KEY]
            assert {s.id for s in session.subs.values()} == {2, 5}


def test_the_default_cap_is_200_per_session(env: Env) -> None:
    assert KoscomWsOptions().max_subscriptions == 200
    codes = [
        r["isuSrtCd"]
        for r in env.client.get("/v2/market/stocks/kospi/lists", headers={"apikey": KEY}).json()["isuLists"]
    ]
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        for n, code in enumerate(codes[:100]):
            for preset in ("tick", "quote"):
                call(ws, "subscribe", {"preset": preset, "isuSrtCd": code}, n)
                assert recv(ws) == ok(n)
                recv(ws)
        call(ws, "subscribe", {"preset": "tick10", "isuSrtCd": codes[0]}, 999)
        assert err(recv(ws)) == 20056


def test_unsubscribe_by_id_cancels_everything_under_it(env: Env) -> None:
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        subscribe(ws, "tick", "005930", id_=7)
        subscribe(ws, "quote10", "005930", id_=7)
        subscribe(ws, "tick10", "000660", id_=8)
        session = env.endpoint.sessions[KEY]
        call(ws, "unsubscribe", None, 7)
        assert recv(ws) == ok(7)
        assert set(session.subs) == {("tick10", "000660")}
        assert [set(s.sub.topics) for s in session.subs.values()] == [{("koscom", "tick10", "000660")}]
        got = pushes(env, ws, 1)
        assert {(p["preset"], p["isuSrtCd"]) for p in got} == {("tick10", "000660")}
        call(ws, "unsubscribe", {"preset": "tick10", "isuSrtCd": "000660"}, 1)
        assert recv(ws) == ok(1)
        env.step(5)
        assert nothing_within(ws)


def test_a_closed_session_leaves_the_hub(env: Env) -> None:
    hub: StreamHub = env.endpoint.hub
    before = hub.topic_count
    with env.client.websocket_connect(PATH) as ws:
        init(ws)
        subscribe(ws, "tick", "035720")
        assert hub.topic_count == before + 1
    for _ in range(50):  # the server side notices the close on its next turn
        if hub.topic_count == before:
            break
        env.step(1)
    assert hub.topic_count == before


# -- wiring -----------------------------------------------------------------------------------------


def test_ws_is_koscoms_on_the_real_port_only(env: Env) -> None:
    r = env.client.get(PATH)  # a plain GET of the path: Koscom's gateway answer
    assert r.status_code == 404 and r.json() == {"message": "no Route matched with those values"}
    m = env.market
    mock = create_app(m, KeyStore([REAL], [MOCK], [KEY]), mock=True, rate_limit=0, hub=env.endpoint.hub)
    with (
        TestClient(mock) as client,
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(PATH) as ws,
    ):
        init(ws)
    assert refused.value.code == 1008  # Kiwoom's app: no WebSocket route there


def test_the_docs_preset_tables_are_the_declarations() -> None:
    page = DOCS / "koscom-ws.md"
    text = page.read_text(encoding="utf-8")
    marked = set(re.findall(r"<!-- fields: (ws [^>]+?) -->", text))
    assert marked == set(doc_blocks()), "every preset of every kind has a table"
    assert rewrite(text, koscom_ws_blocks()) == text, "run: python -m sise.api.doc_tables docs"
