"""``KiwoomStream`` against a real ``sise serve`` with the market open: LOGIN, REG / REMOVE, REAL
parsing, PING echo; through a relay (``wsrelay``) that records the frames, slips in frames sise
never sends (SYSTEM notices, malformed frames) and cuts the connection: reconnect with re-LOGIN
and re-REG, and no reconnect after R10001."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest

from served import free_port, served
from sise.client import (
    AsyncKiwoomClient,
    Direction,
    KiwoomClient,
    KiwoomConnectionError,
    KiwoomRequestError,
    KiwoomSessionTakenError,
    KiwoomStream,
    KiwoomTokenError,
    Real,
    SyncKiwoomStream,
    directed,
    kiwoom_ws_url,
)
from wsrelay import TO_CLIENT, TO_SERVER, WAIT, Relay, decoded, eventually, until

PING_S = 0.3  # sise's PING interval here: five unanswered ones would close within 1.5 s


@dataclass
class Server:
    url: str
    mock_url: str
    real: dict[str, str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    mock_port = free_port()
    args = ["--mock-port", str(mock_port), "--history-years", "0", "--scale", "0.02", "--speed", "10"]
    # ×10, so that the indices publish every second rather than every ten.
    args += ["--date", "2026-11-20", "--start", "09:30", "--ws-ping-interval", str(PING_S)]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
        yield Server(f"http://127.0.0.1:{s.port}", f"http://127.0.0.1:{mock_port}", keys["real"][0])


def run(server: Server, body: Callable[[AsyncKiwoomClient, Relay], Awaitable[None]]) -> None:
    """``body`` with a client of the real personality and a relay in front of sise."""

    async def main() -> None:
        async with (
            AsyncKiwoomClient(server.url, server.real["appkey"], server.real["secretkey"]) as kiwoom,
            Relay(server.url.replace("http", "ws")) as relay,
        ):
            await body(kiwoom, relay)

    asyncio.run(main())


@asynccontextmanager
async def relayed(kiwoom: AsyncKiwoomClient, relay: Relay, **options: Any) -> AsyncIterator[KiwoomStream]:
    async with kiwoom.stream(relay.url("/api/dostk/websocket"), reconnect_delay=0.05, **options) as s:
        yield s


def frames(relay: Relay, direction: str, trnm: str) -> list[dict[str, Any]]:
    return [f for f in decoded(relay, direction) if isinstance(f, dict) and f.get("trnm") == trnm]


def test_the_url_is_beside_the_rest_host() -> None:
    assert kiwoom_ws_url("https://api.kiwoom.com") == "wss://api.kiwoom.com:10000/api/dostk/websocket"
    assert (
        kiwoom_ws_url("https://mockapi.kiwoom.com/") == "wss://mockapi.kiwoom.com:10000/api/dostk/websocket"
    )
    assert kiwoom_ws_url("http://127.0.0.1:8001") == "ws://127.0.0.1:8001/api/dostk/websocket"


def test_reals_are_parsed_and_pings_echoed(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        async with relayed(kiwoom, relay) as stream:
            await stream.subscribe(["0J", "0U"], ["001", "101"])
            await stream.subscribe("0B", "005930", grp_no="2")
            seen: dict[tuple[str, str], Real] = {}
            async with asyncio.timeout(WAIT):
                async for real in stream:
                    seen[real.type, real.item] = real
                    if len(seen) == 5:
                        break
            kospi = seen["0J", "001"]
            assert kospi.name == "업종지수" and kospi.price == directed(kospi.values["10"])
            assert kospi.price is not None and 1000 < kospi.price.value < 10000
            assert isinstance(kospi.rate, float) and isinstance(kospi.volume, int)
            expected = Direction.UP if (kospi.change or 0) > 0 else Direction.DOWN
            assert kospi.price.direction == (Direction.FLAT if kospi.change == 0 else expected)
            assert isinstance(seen["0U", "101"].integer(252), int)  # 상승종목수
            trade = seen["0B", "005930"]
            assert trade.price is not None and isinstance(trade.price.value, int)
            # Against the REST answer of the same moment's sector: the same level, near enough.
            rest = (await kiwoom.sector_price("001")).cur_prc
            assert rest is not None and abs(rest.value - kospi.price.value) < 0.05 * rest.value
            # sise closes a session after five unanswered PINGs: it lived through many more.
            await asyncio.sleep(10 * PING_S)
            assert stream.reconnects == 0
            pings = frames(relay, TO_CLIENT, "PING")
            assert len(pings) >= 5
            echoed = [t for t in relay.sent(TO_SERVER) if json.loads(t).get("trnm") == "PING"]
            assert echoed and echoed[0] == next(t for d, t in relay.frames if d == TO_CLIENT and "PING" in t)

    run(server, body)


def test_unsubscribe_stops_the_pairs(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        async with relayed(kiwoom, relay) as stream:
            await stream.subscribe("0J", ["001", "101"])
            await until(stream, lambda r: r.item == "101")
            await stream.unsubscribe("0J", "101")
            assert list(stream.groups["1"]) == [("0J", "001")]
            acked = len(relay.frames)
            # 001 goes on; nothing of 101 comes after the REMOVE's ack.
            for _ in range(2):
                await until(stream, lambda r: r.item == "001" and r.time != "")
            later = [json.loads(t) for d, t in relay.frames[acked:] if d == TO_CLIENT]
            items = [e["item"] for f in later if f.get("trnm") == "REAL" for e in f["data"]]
            assert "001" in items and "101" not in items

    run(server, body)


def test_a_refused_registration_raises_and_changes_nothing(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        async with relayed(kiwoom, relay) as stream:
            await stream.subscribe("0J", "001")
            with pytest.raises(KiwoomRequestError, match="0Z"):
                await stream.subscribe("0Z", "001")
            with pytest.raises(KiwoomRequestError):
                await stream.subscribe("0J", "999", refresh=False)
            assert list(stream.groups["1"]) == [("0J", "001")]
            await until(stream, lambda r: r.item == "001")

    run(server, body)


def test_system_frames_are_not_echoed_and_bad_frames_skipped(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        async with relayed(kiwoom, relay) as stream:
            await stream.subscribe("0J", "001")
            await until(stream, lambda r: True)
            await relay.inject('{"trnm":"SYSTEM","code":"R10002","message":"notice"}')
            for bad in ("not json", "[1, 2]", '{"trnm":"REAL","data":[{"type":"0J"}]}'):
                await relay.inject(bad)
            await relay.inject(
                '{"trnm":"REAL","data":[{"type":"0J","name":"업종지수","item":"XYZ","values":{"10":"-1.5"}}]}'
            )
            slipped = await until(stream, lambda r: r.item == "XYZ")
            assert slipped.price is not None and slipped.price.direction is Direction.DOWN
            assert stream.malformed == 3
            await until(stream, lambda r: r.item == "001")  # still reading sise
            assert frames(relay, TO_SERVER, "SYSTEM") == []

    run(server, body)


def test_a_dropped_connection_logs_in_and_registers_again(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        async with relayed(kiwoom, relay) as stream:
            await stream.subscribe(["0J", "0U"], "001")
            await stream.subscribe("0J", "101", grp_no="7")
            await until(stream, lambda r: r.item == "101")
            # The next LOGIN meets a token sise does not know: the stream renews it, once.
            assert kiwoom.core.token is not None
            issued = kiwoom.core.token_issues
            kiwoom.core.token = replace(kiwoom.core.token, token="not-a-token")
            relay.drop()
            await eventually(lambda: stream.reconnects >= 1 and relay.connections == 3)
            await until(stream, lambda r: r.item == "101")
            await until(stream, lambda r: r.type == "0U")
            assert kiwoom.core.token_issues == issued + 1
            logins = frames(relay, TO_SERVER, "LOGIN")
            assert [f["token"] == "not-a-token" for f in logins] == [False, True, False]
            regs = frames(relay, TO_SERVER, "REG")[2:]
            assert {
                (f["grp_no"], t, i) for f in regs for d in f["data"] for t in d["type"] for i in d["item"]
            } == {
                ("1", "0J", "001"),
                ("1", "0U", "001"),
                ("7", "0J", "101"),
            }

    run(server, body)


def test_a_connection_gone_silent_is_noticed_from_the_ping_cadence(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        # Without the watch, a connection that goes silent is never noticed: no WebSocket pings.
        async with relayed(kiwoom, relay, missed_pings=None) as blind:
            await blind.subscribe("0J", "001")
            await until(blind, lambda r: r.item == "001")
            relay.mute()
            await asyncio.sleep(10 * PING_S)
            assert blind.reconnects == 0 and relay.connections == 1
        async with relayed(kiwoom, relay) as stream:
            await stream.subscribe("0J", "001")
            await until(stream, lambda r: r.item == "001")
            # The cadence is measured from sise's PINGs, not the 20 s assumed before.
            await eventually(lambda: stream.cadence < 1)
            assert stream.cadence == pytest.approx(PING_S, abs=0.15)
            relay.mute()
            muted_at = asyncio.get_running_loop().time()
            await eventually(lambda: stream.reconnects == 1)
            noticed = asyncio.get_running_loop().time() - muted_at
            assert 3 * PING_S * 0.8 <= noticed <= 3 * PING_S + 2  # three silent PING intervals
            await until(stream, lambda r: r.item == "001")  # logged in and registered again
            assert relay.connections == 3 and len(frames(relay, TO_SERVER, "LOGIN")) == 3

    run(server, body)


def test_pings_read_in_a_burst_do_not_shorten_the_cadence() -> None:
    class Socket:
        async def send(self, text: str) -> None:
            pass

    async def main() -> None:
        with KiwoomClient("http://127.0.0.1:9", "appkey", "secretkey") as kiwoom:
            stream = KiwoomStream(kiwoom, "ws://127.0.0.1:9/api/dostk/websocket", ping_interval=20)
            ws: Any = Socket()
            assert stream.cadence == 20  # assumed until two PINGs have come
            stream.waited = PING_S  # the reader waited for each: read as they came
            for _ in range(2):
                await stream.on_frame(ws, '{"trnm": "PING"}')
                await asyncio.sleep(PING_S)
            assert stream.cadence == pytest.approx(PING_S, abs=0.1)
            stream.waited = 0.0  # a loop busy elsewhere reads a backlog of PINGs at once
            for _ in range(8):
                await stream.on_frame(ws, '{"trnm": "PING"}')
            stream.waited = 0.05
            await stream.on_frame(ws, '{"trnm": "PING"}')  # the next, timed from itself on
            assert stream.cadence == pytest.approx(PING_S, abs=0.1)

    asyncio.run(main())


def test_a_stalled_reader_is_cut_by_sise_and_comes_back(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        # A queue of one and a loop that does not read: the stream stops reading the socket, so
        # sise's PINGs go unanswered and sise itself closes the session (R10002).
        async with relayed(kiwoom, relay, queue_size=1) as stream:
            await stream.subscribe("0J", ["001", "101"])
            await eventually(lambda: frames(relay, TO_CLIENT, "SYSTEM"))
            assert frames(relay, TO_CLIENT, "SYSTEM")[0]["code"] == "R10002"
            await until(stream, lambda r: stream.reconnects == 1 and r.item == "101")
            assert len(frames(relay, TO_SERVER, "LOGIN")) == 2
            assert [f["data"] for f in frames(relay, TO_SERVER, "REG")][1] == [
                {"item": ["001", "101"], "type": ["0J"]}
            ]

    run(server, body)


def test_a_server_gone_for_good_ends_the_stream(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        async with relayed(kiwoom, relay, max_reconnects=3) as stream:
            await stream.subscribe("0J", "001")
            await until(stream, lambda r: True)
            await relay.stop()
            with pytest.raises(KiwoomConnectionError, match="3 reconnects failed"):
                async with asyncio.timeout(WAIT):
                    async for _ in stream:
                        pass
            assert stream.reconnects == 3 and relay.connections == 1

    run(server, body)


def test_a_session_taken_over_is_not_taken_back(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        async with relayed(kiwoom, relay) as first:
            await first.subscribe("0J", "001")
            await until(first, lambda r: True)
            async with kiwoom.stream() as second:  # the same app key, straight to sise
                with pytest.raises(KiwoomSessionTakenError) as e:
                    async with asyncio.timeout(WAIT):
                        async for _ in first:
                            pass
                assert e.value.system_code == "R10001"
                await asyncio.sleep(0.5)  # ten reconnect delays
                assert first.reconnects == 0 and relay.connections == 1
                with pytest.raises(KiwoomSessionTakenError):
                    await first.subscribe("0J", "101")
                await second.subscribe("0J", "001")
                await until(second, lambda r: r.item == "001")

    run(server, body)


def test_login_and_connection_failures_raise(server: Server) -> None:
    async def body(kiwoom: AsyncKiwoomClient, relay: Relay) -> None:
        # A real token on 모의투자's socket: refused even after a renewal.
        with pytest.raises(KiwoomTokenError):
            await kiwoom.stream(kiwoom_ws_url(server.mock_url)).open()
        with pytest.raises(KiwoomConnectionError):
            await kiwoom.stream(f"ws://127.0.0.1:{free_port()}/api/dostk/websocket", timeout=2).open()

    run(server, body)


def test_a_sync_client_lends_its_token(server: Server) -> None:
    async def main() -> None:
        with KiwoomClient(server.url, server.real["appkey"], server.real["secretkey"]) as kiwoom:
            async with KiwoomStream(kiwoom) as stream:
                await stream.subscribe("0s", "")
                status = await until(stream, lambda r: r.type == "0s")
                assert status.text(215) == "3"  # 장시작: continuous trading

    asyncio.run(main())


def test_a_sync_stream_for_sync_code(server: Server) -> None:
    with KiwoomClient(server.url, server.real["appkey"], server.real["secretkey"]) as kiwoom:
        with SyncKiwoomStream(kiwoom, max_reconnects=0) as stream:
            with pytest.raises(TimeoutError):
                stream.get(timeout=0.3)  # nothing subscribed yet
            stream.subscribe(["0J", "0U"], "001")
            first = stream.get(timeout=WAIT)
            assert first is not None and first.item == "001"
            types = set()
            for real in stream:
                types.add(real.type)
                if types == {"0J", "0U"}:
                    break
            stream.unsubscribe(["0J", "0U"], "001")
            assert stream.stream.groups == {"1": {}}
            with pytest.raises(KiwoomRequestError):
                stream.subscribe("zz", "001")  # refused: raised in the caller's thread
        assert not any(t.name.startswith("stream ") for t in threading.enumerate())
        with pytest.raises(RuntimeError, match="not open"):
            stream.subscribe("0J", "001")
        nowhere = SyncKiwoomStream(kiwoom, f"ws://127.0.0.1:{free_port()}/api/dostk/websocket", timeout=2)
        with pytest.raises(KiwoomConnectionError):
            nowhere.open()
        assert not any(t.name.startswith("stream ") for t in threading.enumerate())
