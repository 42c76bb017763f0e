"""A Kiwoom WebSocket client for tests, in-process: a market on a manual clock advanced from the
test (on the app's event loop, as the runtime does), so every REAL frame is caused by a step the
test takes. Every receive is bounded."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import anyio
import orjson
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from koscom_fields import KEY
from sise.api.kiwoom.auth import KeyPair, KeyStore
from sise.api.kiwoom.ws import WsOptions
from sise.engine.batches import Batch
from sise.market.timeutil import KST, NS
from sise.server.app import create_app
from sise.server.runtime import Market, Settings
from sise.sources.clock import Clock

DAY = date(2026, 11, 20)
START = datetime(2026, 11, 20, 9, 5, tzinfo=KST)
REAL = KeyPair("real-appkey-1", "real-secret-1")
MOCK = KeyPair("mock-appkey-1", "mock-secret-1")
TIMEOUT = 5.0  # seconds any expected frame may take; failures end here, never hang
QUIET = 0.2  # seconds to wait for a frame that must not come


class Closed(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def recv(ws: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The next frame as JSON, within ``timeout`` (TestClient's own receive has no timeout)."""

    async def get() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(get)
    if message["type"] == "websocket.close":
        raise Closed(message.get("code", 1000))
    return cast(dict[str, Any], orjson.loads(message["text"]))


def nothing_within(ws: Any, seconds: float = QUIET) -> bool:
    try:
        recv(ws, seconds)
    except TimeoutError:
        return True
    return False


def send(ws: Any, frame: dict[str, Any]) -> None:
    ws.send_text(orjson.dumps(frame).decode())


def step(market: Market, client: TestClient, seconds: int = 1) -> None:
    """Advance ``market`` (on a manual clock) by ``seconds`` on the app's event loop, as
    ``Market.run`` does."""

    def follow() -> None:
        target = market.clock.now_ns() + seconds * NS
        market.clock.advance_to(target)
        market.advance(target)

    assert client.portal is not None
    client.portal.call(follow)


@dataclass
class Env:
    market: Market
    client: TestClient
    token: str

    def step(self, seconds: int = 1) -> None:
        step(self.market, self.client, seconds)

    def login(self, ws: Any, token: str | None = None) -> dict[str, Any]:
        send(ws, {"trnm": "LOGIN", "token": token or self.token})
        return recv(ws)

    def rest(self, api_id: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"api-id": api_id, "authorization": f"Bearer {self.token}"}
        return cast(dict[str, Any], self.client.post("/api/dostk/sect", json=body, headers=headers).json())

    def koscom(self, path: str) -> dict[str, Any]:
        """A Koscom answer on the same port (real personality), e.g. ``stocks/kospi/069500/nav``."""
        answer = self.client.get("/v2/market/" + path, headers={"apikey": KEY})
        return cast(dict[str, Any], answer.json())


def make_env(options: WsOptions, mock: bool = False, start: datetime = START) -> Iterator[Env]:
    clock = Clock.manual(start)
    m = Market(Settings(day=DAY, history_years=0, scale=0.02), clock=clock)
    m.catch_up()
    try:
        app = create_app(m, KeyStore([REAL], [MOCK], [KEY]), mock=mock, ws=options, rate_limit=0)
        with TestClient(app) as client:
            pair = MOCK if mock else REAL
            body = {"grant_type": "client_credentials", "appkey": pair.appkey, "secretkey": pair.secretkey}
            token = client.post("/oauth2/token", json=body).json()["token"]
            yield Env(m, client, token)
    finally:
        m.close()


QUIET_PINGS = WsOptions(login_timeout_s=TIMEOUT, ping_interval_s=3600)


def answer_of(ws: Any, seen: dict[tuple[str, str], dict[str, str]] | None = None) -> dict[str, Any]:
    """The next frame that is not REAL (a REG snapshot may overtake its ack); REAL entries
    read on the way go into ``seen``."""
    while (frame := recv(ws))["trnm"] == "REAL":
        if seen is not None:
            seen |= entries(frame)
    return frame


def reg(
    ws: Any,
    items: list[str],
    types: list[str],
    grp: str = "1",
    refresh: str = "1",
    seen: dict[tuple[str, str], dict[str, str]] | None = None,
) -> dict[str, Any]:
    send(ws, {"trnm": "REG", "grp_no": grp, "refresh": refresh, "data": [{"item": items, "type": types}]})
    return answer_of(ws, seen)


def entries(frame: dict[str, Any]) -> dict[tuple[str, str], dict[str, str]]:
    assert frame["trnm"] == "REAL"
    return {(e["type"], e["item"]): e["values"] for e in frame["data"]}


def snapshots(ws: Any, items: list[str], types: list[str]) -> dict[tuple[str, str], dict[str, str]]:
    """REG every (type, item) and wait for each one's first value (the REG's snapshot)."""
    got: dict[tuple[str, str], dict[str, str]] = {}
    answer = reg(ws, items, types, seen=got)
    assert answer == {"trnm": "REG", "return_code": 0, "return_msg": ""}, answer
    while len(got) < len(items) * len(types):
        got |= entries(recv(ws))
    return got


def inject(env: Env, batch: Batch) -> None:
    """Apply ``batch`` (its rows at the engine's time) on the app's event loop and publish, as if
    the market had produced it: for states the simulated day may not reach."""

    def apply() -> None:
        e = env.market.engine
        for rows in (batch.trades, batch.books, batch.statuses):
            rows["time"] = e.last_time
        e.apply(batch)
        for listener in env.market.listeners:
            listener(batch)

    assert env.client.portal is not None
    env.client.portal.call(apply)
