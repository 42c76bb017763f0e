"""``KoscomStream`` against a real ``sise serve`` with the market open: init, subscribe (ack,
snapshot, pushes), unsubscribe, heartbeats both ways, ``/ws_ksp`` arrays expanded; through a relay
(``wsrelay``): reconnect with init and every subscription again, no reconnect when the session is
taken over, frames sise never sends skipped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from served import free_port, served
from sise.client import (
    KoscomAuthError,
    KoscomConnectionError,
    KoscomMessage,
    KoscomPush,
    KoscomRequestError,
    KoscomSessionTakenError,
    KoscomStream,
    KoscomTrade,
    SyncKoscomStream,
    koscom_ws_url,
)
from wsrelay import TO_CLIENT, TO_SERVER, WAIT, Relay, decoded, eventually, until

SERVER_BEAT_S = 0.3


@dataclass
class Server:
    url: str
    apikey: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    args = ["--mock-port", str(free_port()), "--history-years", "0", "--scale", "0.02", "--speed", "10"]
    # ×10, so that the indices publish every second rather than every ten.
    args += ["--date", "2026-11-20", "--start", "09:30", "--koscom-ws-heartbeat", str(SERVER_BEAT_S)]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
        yield Server(f"http://127.0.0.1:{s.port}", keys["koscom"][0]["apikey"])


def run(server: Server, body: Callable[[Relay], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Relay(server.url.replace("http", "ws")) as relay:
            await body(relay)

    asyncio.run(main())


@asynccontextmanager
async def relayed(
    server: Server, relay: Relay, path: str = "/ws", **options: Any
) -> AsyncIterator[KoscomStream]:
    async with KoscomStream(relay.url(path), server.apikey, reconnect_delay=0.05, **options) as s:
        yield s


def pushes(relay: Relay) -> list[dict[str, Any]]:
    return [
        f["params"] for f in decoded(relay, TO_CLIENT) if isinstance(f, dict) and f.get("method") == "push"
    ]


async def push(stream: KoscomStream, preset: str, code: str, *, snapshot: bool) -> KoscomPush:
    """The next push (or snapshot) of the pair."""

    def ok(m: KoscomMessage) -> bool:
        return isinstance(m, KoscomPush) and (m.preset, m.code, m.snapshot) == (preset, code, snapshot)

    found = await until(stream, ok)
    assert isinstance(found, KoscomPush)
    return found


def test_the_url_is_beside_the_rest_host() -> None:
    assert koscom_ws_url("http://127.0.0.1:8000", "ws_ksp") == "ws://127.0.0.1:8000/ws_ksp"
    assert koscom_ws_url("https://example.com/") == "wss://example.com/ws"
    with pytest.raises(ValueError):
        koscom_ws_url("http://127.0.0.1:8000", "ws_krx")


def test_snapshots_then_pushes(server: Server) -> None:
    async def body(relay: Relay) -> None:
        async with relayed(server, relay) as stream:
            await stream.subscribe("tick", "005930")
            await stream.subscribe("index", "K1")
            await stream.subscribe("change", "000660", ["trdPrc", "trdTm"])
            tick = await push(stream, "tick", "005930", snapshot=True)
            assert isinstance(tick.values["trdPrc"], int) and isinstance(tick.values["accTrdvol"], int)
            change = await push(stream, "change", "000660", snapshot=True)
            assert set(change.values) == {"isuCd", "isuSrtCd", "trdPrc", "trdTm"}
            index = await push(stream, "index", "K1", snapshot=False)
            assert isinstance(index.values["trdPrc"], float)
            # The same figure as the REST endpoint's, near enough for a market moving ×10.
            async with httpx.AsyncClient() as http:
                r = await http.get(
                    f"{server.url}/v2/market/index/kospi/K1/index", headers={"apikey": server.apikey}
                )
            rest = r.json()["result"]["trdPrc"]
            assert abs(rest - index.values["trdPrc"]) < 0.05 * rest
            moved = await push(stream, "change", "000660", snapshot=False)
            assert set(moved.values) - {"isuCd", "isuSrtCd"} <= {"trdPrc", "trdTm"}
            assert stream.reconnects == 0 and stream.malformed == 0  # server heartbeats included
            beats = [
                f for f in decoded(relay, TO_CLIENT) if isinstance(f, dict) and f.get("method") == "heartbeat"
            ]
            assert beats

    run(server, body)


def test_unsubscribe_stops_the_pair(server: Server) -> None:
    async def body(relay: Relay) -> None:
        async with relayed(server, relay) as stream:
            await stream.subscribe("index", "K1")
            await stream.subscribe("index", "Q1")
            await push(stream, "index", "Q1", snapshot=False)
            await stream.unsubscribe("index", "Q1")
            assert list(stream.subscriptions) == [("index", "K1")]
            acked = len(pushes(relay))
            for _ in range(2):
                await push(stream, "index", "K1", snapshot=False)
            later = [p["isuSrtCd"] for p in pushes(relay)[acked:]]
            assert "K1" in later and "Q1" not in later
            with pytest.raises(KoscomRequestError) as e:
                await stream.unsubscribe("index", "Q1")
            assert e.value.code == 20057

    run(server, body)


def test_a_refused_subscription_raises_and_changes_nothing(server: Server) -> None:
    async def body(relay: Relay) -> None:
        async with relayed(server, relay) as stream:
            await stream.subscribe("tick", "005930")
            with pytest.raises(KoscomRequestError) as e:
                await stream.subscribe("tick", "999999")
            assert e.value.code == 10040
            with pytest.raises(KoscomRequestError):
                await stream.subscribe("change", "005930", ["noSuchField"])
            assert list(stream.subscriptions) == [("tick", "005930")]

    run(server, body)


def test_heartbeats_and_bad_frames(server: Server) -> None:
    async def body(relay: Relay) -> None:
        async with relayed(server, relay, heartbeat=0.1) as stream:
            await stream.subscribe("index", "K1")
            await until(stream, lambda m: True)
            for bad in ("not json", '{"jsonrpc":"2.0","method":"push","params":{"trdPrc":1}}', "[{}]"):
                await relay.inject(bad)
            await relay.inject(
                '{"jsonrpc":"2.0","method":"push","params":{"preset":"tick","isuSrtCd":"XYZ"}}'
            )
            slipped = await until(stream, lambda m: isinstance(m, KoscomPush) and m.code == "XYZ")
            assert slipped == KoscomPush("tick", "XYZ", {"isuSrtCd": "XYZ"})
            assert stream.malformed == 3
            await eventually(
                lambda: len([f for f in decoded(relay, TO_SERVER) if f.get("method") == "heartbeat"]) >= 3
            )
            await push(stream, "index", "K1", snapshot=False)
            assert stream.reconnects == 0

    run(server, body)


def test_ws_ksp_arrays_become_trades(server: Server) -> None:
    async def body(relay: Relay) -> None:
        async with relayed(server, relay, "/ws_ksp") as stream:
            first = await until(stream, lambda m: True)
            arrays = [f for f in decoded(relay, TO_CLIENT) if isinstance(f, list)]
            trades = [first] + [await until(stream, lambda m: True) for _ in range(len(arrays[0]) - 1)]
            assert all(isinstance(t, KoscomTrade) for t in trades)
            assert [(t.code, str(t.price), str(t.volume), t.time.lstrip("0")) for t in trades] == [  # type: ignore[union-attr]
                (a["isuSrtCd"], a["trdPrc"], a["trdVol"], a["trdTm"]) for a in arrays[0]
            ]
            assert all(len(t.time) == 8 for t in trades)  # type: ignore[union-attr]
            with pytest.raises(KoscomRequestError):  # nothing to subscribe there
                await stream.subscribe("tick", "005930")

    run(server, body)


def test_a_dropped_connection_inits_and_subscribes_again(server: Server) -> None:
    async def body(relay: Relay) -> None:
        async with relayed(server, relay) as stream:
            await stream.subscribe("tick", "005930")
            await stream.subscribe("change", "000660", ["trdPrc"])
            await push(stream, "change", "000660", snapshot=True)
            relay.drop()
            await eventually(lambda: stream.reconnects == 1)
            await push(stream, "tick", "005930", snapshot=True)
            await push(stream, "change", "000660", snapshot=True)
            sent = [f for f in decoded(relay, TO_SERVER) if isinstance(f, dict)]
            assert [f["method"] for f in sent if f["method"] != "heartbeat"] == [
                "init",
                "subscribe",
                "subscribe",
            ] * 2
            assert sent[-1]["params"] == {"preset": "change", "isuSrtCd": "000660", "items": ["trdPrc"]}

    run(server, body)


def test_a_session_taken_over_is_not_taken_back(server: Server) -> None:
    async def body(relay: Relay) -> None:
        async with relayed(server, relay) as first:
            await first.subscribe("index", "K1")
            await until(first, lambda m: True)
            async with KoscomStream(koscom_ws_url(server.url), server.apikey) as second:
                with pytest.raises(KoscomSessionTakenError):
                    async with asyncio.timeout(WAIT):
                        async for _ in first:
                            pass
                await asyncio.sleep(0.5)  # ten reconnect delays
                assert first.reconnects == 0 and relay.connections == 1
                await second.subscribe("index", "K1")
                await push(second, "index", "K1", snapshot=True)

    run(server, body)


def test_key_and_connection_failures_raise(server: Server) -> None:
    async def body(relay: Relay) -> None:
        with pytest.raises(KoscomAuthError):
            await KoscomStream(koscom_ws_url(server.url), "l7xx-not-a-key").open()
        with pytest.raises(KoscomConnectionError):
            await KoscomStream(f"ws://127.0.0.1:{free_port()}/ws", server.apikey, timeout=2).open()

    run(server, body)


def test_a_sync_stream_for_sync_code(server: Server) -> None:
    with SyncKoscomStream(koscom_ws_url(server.url), server.apikey) as stream:
        stream.subscribe("tick", "005930")
        seen = []
        for message in stream:
            assert isinstance(message, KoscomPush) and message.code == "005930"
            seen.append(message.snapshot)
            if len(seen) == 3:
                break
        assert seen[0] and not seen[-1]  # the snapshot, then pushes
        with pytest.raises(KoscomRequestError) as e:
            stream.subscribe("tick", "999999")
        assert e.value.code == 10040
    with SyncKoscomStream(koscom_ws_url(server.url, "ws_ksp"), server.apikey) as trades:
        trade = trades.get(timeout=WAIT)
        assert isinstance(trade, KoscomTrade) and trade.price > 0
