"""``KoscomStream``: Koscom's real-time WebSockets (koscom.md §11) as an async iterator.

    async with KoscomStream() as stream:  # SISE_BASE_URL's /ws and SISE_KOSCOM_APIKEY
        await stream.subscribe("tick", "005930")
        async for push in stream:
            print(push.preset, push.code, push.values["trdPrc"], push.snapshot)

Three endpoints speak the same JSON-RPC 2.0: ``/ws`` (per issue and preset: ``subscribe`` and
``unsubscribe``), and ``/ws_ksp`` / ``/ws_kdq`` (every trade of KOSPI / KOSDAQ, nothing to
subscribe). What the stream does:

- **init** with the API key; an unknown key raises ``KoscomAuthError``.
- **subscribe** / **unsubscribe** wait for the ack and raise ``KoscomRequestError`` with the
  시세 code of a refusal (10040 unknown issue, 20056 too many, …). The snapshot that follows
  the ack is a ``KoscomPush`` with ``snapshot`` true; pushes follow. A ``change`` push, which
  has no ``preset`` key on the wire, reads ``preset`` ``"change"``.
- A bare JSON array of ``/ws_ksp`` / ``/ws_kdq`` is expanded into one ``KoscomTrade`` per item,
  its string values read as numbers and ``trdTm`` zero-padded to ``HHMMSSmm``.
- **heartbeat** every ``heartbeat`` seconds; no answer within ``timeout`` counts as a dropped
  connection. The server's own heartbeats need no answer.
- A dropped connection is reopened after a doubling delay, then init and every live
  subscription again (Koscom clears them on disconnect).
- The older of two sessions of one key is closed by the server with an error (sise: -32000); the
  stream ends with ``KoscomSessionTakenError`` rather than take the session back.

Koscom's real hosts do not publish the socket's path (the reference elides it): pass the whole
``url`` there. ``koscom_ws_url`` builds it for a local sise.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.client import ClientConnection

from sise.client.env import BASE_URL_ENV, KOSCOM_ENV
from sise.client.koscom_core import (
    SISE_KOSCOM_URL,
    KoscomAuthError,
    KoscomConnectionError,
    KoscomError,
    KoscomRequestError,
)
from sise.client.stream import Dropped, Stream

__all__ = [
    "KOSCOM_SANDBOX_WS_URL",
    "KoscomMessage",
    "KoscomPush",
    "KoscomSessionTakenError",
    "KoscomStream",
    "KoscomTrade",
    "koscom_ws_url",
]

log: Final = logging.getLogger("sise.client.stream")

#: The 2018 sandbox socket of the reference (§11.1); later docs elide the path.
KOSCOM_SANDBOX_WS_URL: Final = "ws://sandbox-apigw.koscom.co.kr:9887/ws/"
ENDPOINTS: Final = ("ws", "ws_ksp", "ws_kdq")
#: ``init`` refused for the key (13001 at sise; the reference gives no code).
BAD_KEY: Final = 13001
#: The older session of a key, closed for a newer one (sise's code; koscom-ws.md).
SESSION_TAKEN: Final = -32000
#: ``trdTm`` is ``HHMMSSmm`` and loses its leading zero on the wire (koscom.md §12).
TIME_DIGITS: Final = 8


def koscom_ws_url(base_url: str | None = None, endpoint: str = "ws") -> str:
    """``ws://host:port/{endpoint}`` beside a REST base URL (default ``SISE_BASE_URL``, else
    ``SISE_KOSCOM_URL``); ``endpoint`` is ``ws``, ``ws_ksp`` or ``ws_kdq``."""
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint is one of {', '.join(ENDPOINTS)}, not {endpoint!r}")
    parts = urlsplit(base_url or os.environ.get(BASE_URL_ENV) or SISE_KOSCOM_URL)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}/{endpoint}"


class KoscomSessionTakenError(KoscomError):
    """Another connection opened a session with the same key and the server closed this one;
    the stream does not reconnect (the two would take the session from each other in turn)."""


@dataclass(frozen=True, slots=True)
class KoscomPush:
    """A ``/ws`` push, or the snapshot after a subscribe (``snapshot`` true): the ``preset``, the
    issue ``code`` as subscribed, and ``values``, the fields as sent (numbers are numbers)."""

    preset: str
    code: str
    values: dict[str, Any]
    snapshot: bool = False


@dataclass(frozen=True, slots=True)
class KoscomTrade:
    """One trade of ``/ws_ksp`` / ``/ws_kdq``: ``code``, ``price``, ``volume`` and ``time``
    (``HHMMSSmm``)."""

    code: str
    price: int
    volume: int
    time: str


KoscomMessage = KoscomPush | KoscomTrade


class _Trade(msgspec.Struct):
    isuSrtCd: str
    trdPrc: str
    trdVol: str
    trdTm: str


class _Error(msgspec.Struct):
    code: int | None = None
    message: str = ""


class _Frame(msgspec.Struct):
    jsonrpc: str = ""
    id: int | str | None = None
    method: str = ""
    params: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: _Error | None = None


_decoder: Final[msgspec.json.Decoder[_Frame | list[_Trade]]] = msgspec.json.Decoder(_Frame | list[_Trade])
_encoder: Final = msgspec.json.Encoder()
_OK: Final = {"message": "ok"}


@dataclass(frozen=True, slots=True)
class _Subscription:
    preset: str
    code: str
    items: tuple[str, ...] | None


class KoscomStream(Stream[KoscomMessage]):
    """A Koscom WebSocket: ``url`` (default ``koscom_ws_url()``, sise's ``/ws``), ``apikey``
    (default ``SISE_KOSCOM_APIKEY``), ``membername`` sent with ``init``. ``heartbeat``: seconds
    between heartbeats (0: none). The other options are ``KiwoomStream``'s. Use ``async with``
    and iterate: ``KoscomPush`` on ``/ws``, ``KoscomTrade`` on ``/ws_ksp`` and ``/ws_kdq``."""

    def __init__(
        self,
        url: str | None = None,
        apikey: str | None = None,
        *,
        membername: str | None = None,
        heartbeat: float = 30.0,
        timeout: float = 10.0,
        reconnect_delay: float = 1.0,
        max_reconnect_delay: float = 30.0,
        max_reconnects: int | None = 10,
        queue_size: int = 10_000,
    ) -> None:
        super().__init__(
            url or koscom_ws_url(),
            timeout=timeout,
            reconnect_delay=reconnect_delay,
            max_reconnect_delay=max_reconnect_delay,
            max_reconnects=max_reconnects,
            queue_size=queue_size,
        )
        key = apikey or os.environ.get(KOSCOM_ENV)
        if not key:
            raise ValueError(f"Koscom API key missing: pass apikey= or set {KOSCOM_ENV}")
        self.apikey = key
        self.membername = membername
        self.heartbeat_s = heartbeat
        #: The live subscriptions, in the order made.
        self.subscriptions: dict[tuple[str, str], _Subscription] = {}
        self._ids: dict[int, _Subscription] = {}  # request id → the subscription its snapshot is for
        self._next_id = 0

    # -- subscriptions -----------------------------------------------------------------------------

    async def subscribe(self, preset: str, code: str, items: Sequence[str] | None = None) -> None:
        """Subscribe ``code`` (an issue, a futures or option code, or an index code for
        ``index``) to ``preset`` (``tick``, ``quote``, ``tick10``, ``quote10``, ``index``,
        ``change`` with its ``items``). Again for the same pair replaces it."""
        sub = _Subscription(preset, code, tuple(items) if items is not None else None)
        await self.connected()
        before = self.subscriptions.get((preset, code))
        self.subscriptions[preset, code] = sub
        try:
            await self._send_subscribe(sub, caller=True)
        except KoscomError:
            if before is None:
                self.subscriptions.pop((preset, code), None)
            else:
                self.subscriptions[preset, code] = before
            raise

    async def unsubscribe(self, preset: str, code: str) -> None:
        """Cancel the pair; nothing of it is pushed after the ack."""
        await self.connected()
        before = self.subscriptions.pop((preset, code), None)
        try:
            await self.request(*self._rpc("unsubscribe", {"preset": preset, "isuSrtCd": code}))
        except KoscomError:
            if before is not None:
                self.subscriptions[preset, code] = before
            raise

    async def _send_subscribe(self, sub: _Subscription, *, caller: bool) -> None:
        params: dict[str, Any] = {"preset": sub.preset, "isuSrtCd": sub.code}
        if sub.items is not None:
            params["items"] = list(sub.items)
        key, frame = self._rpc("subscribe", params)
        assert isinstance(key, int)
        self._ids[key] = sub
        await (self.request(key, frame) if caller else self.call(key, frame))

    def _rpc(self, method: str, params: dict[str, Any] | None = None) -> tuple[object, str]:
        self._next_id += 1
        frame: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            frame["params"] = params
        return self._next_id, _encoder.encode(frame).decode()

    # -- the protocol ------------------------------------------------------------------------------

    async def handshake(self, ws: ClientConnection) -> None:
        params = {"key": self.apikey} | ({"membername": self.membername} if self.membername else {})
        key, frame = self._rpc("init", params)
        await ws.send(frame)
        while True:
            text = await ws.recv(decode=True)
            decoded = self._decode(text)
            if isinstance(decoded, _Frame) and decoded.id == key:
                if decoded.error is not None:
                    raise self._as_error(decoded.error, init=True)
                return
            if isinstance(decoded, _Frame) and decoded.error is not None:
                raise self._as_error(decoded.error, init=True)

    async def restore(self) -> None:
        self._ids.clear()
        for sub in list(self.subscriptions.values()):
            await self._send_subscribe(sub, caller=False)

    async def on_frame(self, ws: ClientConnection, text: str) -> None:
        frame = self._decode(text)
        if frame is None:
            return
        if isinstance(frame, list):
            for t in frame:
                trade = self._trade(t)
                if trade is not None:
                    await self.emit(trade)
        elif frame.method == "push" and frame.params is not None:
            await self._push(frame.params, text)
        elif frame.error is not None:
            error = self._as_error(frame.error)
            if isinstance(frame.id, int) and self.answer(frame.id, error=error):
                self._ids.pop(frame.id, None)
                return
            if isinstance(error, KoscomSessionTakenError):
                raise error
            log.info("%s: %s", self.url, error)
        elif frame.result is not None and isinstance(frame.id, int):
            if frame.result == _OK:
                self.answer(frame.id)
            else:
                await self._snapshot(frame.id, frame.result, text)
        elif frame.method != "heartbeat":  # the server's heartbeat needs no answer
            self.skip(text, "not a Koscom frame")

    async def _push(self, params: dict[str, Any], text: str) -> None:
        code = params.get("isuSrtCd")
        if not isinstance(code, str):
            self.skip(text, "a push without isuSrtCd")
            return
        preset = params.get("preset", "change")
        values = {k: v for k, v in params.items() if k != "preset"}
        await self.emit(KoscomPush(str(preset), code, values))

    async def _snapshot(self, request: int, result: dict[str, Any], text: str) -> None:
        sub = self._ids.pop(request, None)
        code = result.get("isuSrtCd")
        if sub is None or not isinstance(code, str):
            self.skip(text, "a result no subscription asked for")
            return
        await self.emit(KoscomPush(sub.preset, code, result, snapshot=True))

    def _trade(self, t: _Trade) -> KoscomTrade | None:
        try:
            return KoscomTrade(t.isuSrtCd, int(t.trdPrc), int(t.trdVol), t.trdTm.zfill(TIME_DIGITS))
        except ValueError:
            self.skip(repr(t), "a trade whose values are not numbers")
            return None

    def _decode(self, text: str) -> _Frame | list[_Trade] | None:
        try:
            return _decoder.decode(text)
        except msgspec.DecodeError as e:  # ValidationError included
            self.skip(text, str(e))
            return None

    def _as_error(self, error: _Error, *, init: bool = False) -> KoscomError:
        if error.code == SESSION_TAKEN:
            return KoscomSessionTakenError(0, error.code, error.message, path=self.url)
        cls = KoscomAuthError if init and error.code == BAD_KEY else KoscomRequestError
        return cls(0, error.code, error.message, path=self.url)

    def heartbeat(self) -> Callable[[ClientConnection], Any] | None:
        if self.heartbeat_s <= 0:
            return None

        async def beat(ws: ClientConnection) -> None:
            while True:
                await asyncio.sleep(self.heartbeat_s)
                try:
                    await self.call(*self._rpc("heartbeat"))
                except TimeoutError:
                    raise Dropped("no answer to a heartbeat") from None

        return beat

    def connection_error(self, message: str) -> Exception:
        return KoscomConnectionError(0, None, message, path=self.url)
