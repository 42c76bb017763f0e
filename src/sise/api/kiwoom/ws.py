"""Kiwoom's real-time WebSocket, ``/api/dostk/websocket`` (kiwoom.md §5; docs/kiwoom-ws.md).

A session: ``LOGIN`` with a token from ``/oauth2/token`` (nothing else is served before it; no
LOGIN in ``login_timeout_s`` → ``SYSTEM R10004`` and close), then ``REG``/``REMOVE`` of
(type, item) pairs per group, ``REAL`` frames from the stream hub (``sise.api.stream``), and
the keep-alive: sise sends ``PING`` every ``ping_interval_s`` and the client echoes it; after
``max_missed_pings`` unanswered ones ``SYSTEM R10002`` and close. A LOGIN with the app key of a
live session ends that session with ``SYSTEM R10001``.

A bad request never drops the socket: it gets an answer with ``return_code`` 1 and the session
goes on. The real types, their FIDs and encoders are ``sise.api.kiwoom.ws_real``.

Three tasks per session share one send lock: the reader (requests and their answers), the
writer (REAL frames, at most one per engine batch) and the pinger.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeGuard

import orjson
from starlette.websockets import WebSocket

from sise.api.kiwoom.auth import TokenStore
from sise.api.kiwoom.errors import KiwoomError
from sise.api.kiwoom.lookups import stock
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.ws_real import REAL_TYPES, Unserved, resolve, unknown_type
from sise.api.kiwoom.ws_trades import FEED as TRADE_FEED
from sise.api.kiwoom.ws_trades import Key as TradeKey
from sise.api.kiwoom.ws_trades import TradeFeed
from sise.api.kiwoom.ws_vi import FEED as VI_FEED
from sise.api.kiwoom.ws_vi import ITEM as MARKET_ITEM
from sise.api.kiwoom.ws_vi import MarketKey as ViKey
from sise.api.kiwoom.ws_vi import ViFeed
from sise.api.session import Job, Session, serve
from sise.api.stream import Encoder, StreamHub, Subscriber

__all__ = ["PATH", "KiwoomWs", "WsOptions"]

PATH: Final = "/api/dostk/websocket"

LOGIN_FAILED: Final = "토큰 인증에 실패했습니다 [CODE=8005, MESSAGE=Token이 유효하지 않습니다]"
R10001: Final = ("R10001", "동일한 App key로 접속이 되었습니다. 기존 세션은 종료가 됩니다")
R10002: Final = (
    "R10002",
    "사용자 프로그램으로부터 Heartbeat(연결유지) 메시지가 오지않아서 접속을 종료합니다",
)
R10004: Final = ("R10004", "접속허용요청이 들어오지 않았습니다")
TOO_MANY: Final = "등록 종목수 초과"
NOT_JSON: Final = "JSON 형식이 아닙니다"
PING: Final = {"trnm": "PING"}
_PING_BYTES: Final = orjson.dumps(PING)
GRP_NO_MAX: Final = 4  # characters (kiwoom.md §5.4)
MARKET_VI: Final = ("1h", MARKET_ITEM)  # every stock's VIs (a registration with item "")


@dataclass(frozen=True, slots=True)
class WsOptions:
    """Session timers and limits. Timers are protocol time (wall), never market data."""

    login_timeout_s: float = 10.0
    ping_interval_s: float = 20.0
    max_missed_pings: int = 5  # kiwoom.md §5.3: about five missed echoes and Kiwoom closes
    max_items: int = 100  # distinct items per session (undocumented at Kiwoom; clients keep ≤100)


class _Refused(Exception):
    """A request answered with ``return_code`` 1 and this message; the session goes on."""


# ---------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------


class KiwoomWs:
    """The WebSocket endpoint of one personality: its sessions by app key."""

    def __init__(
        self,
        context: Callable[[], KiwoomContext],
        tokens: TokenStore,
        hub: StreamHub,
        options: WsOptions,
        mock: bool,
    ) -> None:
        self.context = context
        self.tokens = tokens
        self.hub = hub
        self.options = options
        self.mock = mock
        self.sessions: dict[str, _Session] = {}
        self.trades = hub.ensure_feed(TRADE_FEED, lambda: TradeFeed(context))
        hub.ensure_feed(VI_FEED, lambda: ViFeed(context))
        self._frames: dict[tuple[bytes, ...], bytes] = {}  # REAL frames of this batch by entries
        self._frames_batch = -1

    def real_frame(self, entries: list[bytes]) -> bytes:
        """The REAL frame of ``entries``: built once per batch for every session with the same
        entries (the same shared objects: bytes cache their hash and compare by identity first),
        so a thousand sessions registered alike share one frame, in memory and in the transports."""
        if self._frames_batch != self.hub.batches:
            self._frames.clear()
            self._frames_batch = self.hub.batches
        key = tuple(entries)
        frame = self._frames.get(key)
        if frame is None:
            frame = self._frames[key] = b'{"trnm":"REAL","data":[' + b",".join(entries) + b"]}"
        return frame

    async def serve(self, websocket: WebSocket) -> None:
        await serve(websocket, _Session(self, websocket))


class _Session(Session["_Session"]):
    def __init__(self, endpoint: KiwoomWs, websocket: WebSocket) -> None:
        super().__init__(websocket, endpoint.sessions)
        self.ep = endpoint
        self.groups: dict[str, set[tuple[str, str]]] = {}
        self.sub: Subscriber = endpoint.hub.subscriber(lambda: self.wake_or_cut(self.sub))
        self.outstanding = 0  # PINGs sent and not echoed
        self.closing: tuple[str, str] | None = None  # a SYSTEM frame to send, then close

    # -- sending

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send(orjson.dumps(frame))

    async def answer(self, trnm: str, message: str = "", code: int = 1) -> None:
        await self.send_json({"trnm": trnm, "return_code": code, "return_msg": message})

    async def system_and_close(self, what: tuple[str, str]) -> None:
        code, message = what
        with contextlib.suppress(Exception):  # the peer may be gone already
            await self.send_json({"trnm": "SYSTEM", "code": code, "message": message})
            await self.ws.close()

    def kick(self, what: tuple[str, str]) -> None:
        """End this session from elsewhere (a newer LOGIN): the writer sends ``what`` and closes."""
        self.closing = what
        self.wake.set()

    # -- the session

    def jobs(self) -> list[Job]:
        return [self.reader, self.writer, self.pinger]

    def leave(self) -> None:
        self.sub.close()

    async def receive(self) -> dict[str, Any] | str | None:
        """The next request: a JSON object, an error text for anything else, None at disconnect."""
        raw = await self.receive_text()
        if raw is None:
            return None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):  # not JSON, or not an object: one answer (kiwoom-ws.md)
            return NOT_JSON
        return body

    async def handshake(self) -> bool:
        """``LOGIN`` (kiwoom.md §5.2): nothing else is served before it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ep.options.login_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    body = await self.receive()
            except TimeoutError:
                await self.system_and_close(R10004)
                return False
            if body is None:
                return False
            if isinstance(body, str):
                await self.answer("", body)
                continue
            trnm = body.get("trnm")
            if trnm == "PING":  # an echo is never answered
                continue
            if trnm != "LOGIN":
                await self.answer(str(trnm) if isinstance(trnm, str) else "", "로그인이 필요합니다")
                continue
            token = body.get("token")
            try:
                if not isinstance(token, str) or not token:
                    raise _Refused
                appkey = self.ep.tokens.authenticate(f"Bearer {token}").appkey
            except (KiwoomError, _Refused):
                await self.answer("LOGIN", LOGIN_FAILED)
                with contextlib.suppress(Exception):
                    await self.ws.close()
                return False
            old = self.claim(appkey)
            if old is not None:
                old.kick(R10001)
            await self.send_json(
                {"trnm": "LOGIN", "return_code": 0, "return_msg": "", "sor_yn": "N" if self.ep.mock else "Y"}
            )
            return True

    async def reader(self) -> None:
        while True:
            body = await self.receive()
            if body is None:
                return
            if isinstance(body, str):
                await self.answer("", body)
                continue
            trnm = body.get("trnm")
            if trnm == "PING":
                if body == PING:
                    self.outstanding = 0
                continue  # a PING is echoed, never answered
            name = trnm if isinstance(trnm, str) else ""
            try:
                if trnm == "REG":
                    self.register(body)
                elif trnm == "REMOVE":
                    self.remove(body)
                elif trnm == "LOGIN":
                    raise _Refused("이미 로그인되어 있습니다")
                else:
                    raise _Refused(f"지원하지 않는 서비스입니다({name})")
            except _Refused as e:
                await self.answer(name, str(e))
                continue
            await self.answer(name, "", 0)

    async def writer(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.closing is not None:
                await self.system_and_close(self.closing)
                return
            entries = self.sub.take() + self.sub.take_events()
            if entries:
                await self.send(self.ep.real_frame(entries))

    async def pinger(self) -> None:
        while True:
            await asyncio.sleep(self.ep.options.ping_interval_s)
            if self.outstanding >= self.ep.options.max_missed_pings:
                await self.system_and_close(R10002)
                return
            self.outstanding += 1
            await self.send(_PING_BYTES)

    # -- registrations

    def pairs(self, body: dict[str, Any]) -> list[tuple[str, str]]:
        grp = body.get("grp_no")
        if not isinstance(grp, str) or not 0 < len(grp) <= GRP_NO_MAX:
            raise _Refused("grp_no가 올바르지 않습니다")
        data = body.get("data")
        if not isinstance(data, list) or not data:
            raise _Refused("data가 올바르지 않습니다")
        out: list[tuple[str, str]] = []
        for d in data:
            items = d.get("item") if isinstance(d, dict) else None
            types = d.get("type") if isinstance(d, dict) else None
            if items == []:  # Kiwoom's samples register market-wide types (0s) so: item ""
                items = [""]
            if not _strings(items) or not _strings(types):
                raise _Refused("data의 item과 type은 문자열 배열이어야 합니다")
            out.extend((t, i) for t in types for i in items)
        return out

    def register(self, body: dict[str, Any]) -> None:
        pairs = self.pairs(body)
        refresh = body.get("refresh", "1")
        if refresh not in ("0", "1"):
            raise _Refused("refresh가 올바르지 않습니다")
        ctx = self.ep.context()  # the app's: its ``mock`` is the personality's
        try:
            encoders = {
                p: None if p == MARKET_VI else resolve(ctx, self.ep.context, *p) for p in dict.fromkeys(pairs)
            }
        except Unserved as e:
            raise _Refused(str(e)) from None
        grp = body["grp_no"]
        groups = dict(self.groups)
        groups[grp] = set(encoders) if refresh == "0" else groups.get(grp, set()) | set(encoders)
        if len({i for g in groups.values() for _, i in g}) > self.ep.options.max_items:
            raise _Refused(TOO_MANY)
        self.groups = groups
        self.sync(encoders)

    def remove(self, body: dict[str, Any]) -> None:
        pairs = self.pairs(body)
        for t, _ in pairs:
            if t not in REAL_TYPES:
                raise _Refused(str(unknown_type(t)))
        group = self.groups.get(body["grp_no"])
        if group is not None:
            group.difference_update(pairs)
        self.sync({})

    def sync(self, encoders: dict[tuple[str, str], Encoder | None]) -> None:
        """Follow exactly the union of the groups' pairs: 0B trade by trade on the trade feed
        (its current state first), market-wide 1h on the VI feed, every other type as a
        conflated snapshot topic."""
        pairs = {p for g in self.groups.values() for p in g}
        vi_key = ViKey(self.ep.mock)
        if MARKET_VI in pairs:
            self.sub.follow(VI_FEED, vi_key)  # nothing to send before the next VI
        elif (VI_FEED, vi_key) in self.sub.feeds:
            self.sub.unfollow(VI_FEED, vi_key)
        wanted: set[Hashable] = {("kiwoom", t, i) for t, i in pairs if t != "0B" and (t, i) != MARKET_VI}
        for key in self.sub.topics - wanted:
            self.sub.unsubscribe(key)
        trades = {i for t, i in pairs if t == "0B"}
        for feed, key in list(self.sub.feeds):
            if isinstance(key, TradeKey) and key.item not in trades:
                self.sub.unfollow(feed, key)
        for (t, i), encode in encoders.items():
            if encode is None:  # market-wide 1h, followed above
                continue
            if t != "0B":
                self.sub.subscribe(("kiwoom", t, i), encode)
                continue
            inst, venue = stock(self.ep.context(), i)
            key = TradeKey(i, inst, venue)
            if (TRADE_FEED, key) not in self.sub.feeds:
                self.ep.trades.track(key)
                self.sub.follow(TRADE_FEED, key, first=encode())


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
