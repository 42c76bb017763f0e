"""``KiwoomStream``: Kiwoom's real-time WebSocket (kiwoom.md §5) as an async iterator of ``Real``.

    async with AsyncKiwoomClient() as kiwoom, kiwoom.stream() as stream:
        await stream.subscribe(["0J", "0U"], ["001", "101"])
        async for real in stream:
            print(real.type, real.item, real.time, real.price, real.rate)

What the stream does on the wire, and what hand-written clients get wrong (§6.2):

- **LOGIN** with the REST client's token (its single-flight issue and renewal); a LOGIN refused
  for the token (``[CODE=8005, …]``) renews it and logs in again, once.
- **PING** frames are echoed back unchanged; **SYSTEM** frames never are (Kiwoom closes on it).
- **Liveness** comes from those PINGs: like Kiwoom's own client the stream sends no WebSocket
  pings, so a connection that died silently (no FIN, a NAT that forgot it) would otherwise wait
  forever. No frame for ``missed_pings`` PING intervals (the cadence measured from the server's
  PINGs, ``ping_interval`` until two have come) counts as a drop, and the stream reconnects.
  Time the reading stands still for a caller that does not keep up does not count.
- **REG / REMOVE** (``subscribe`` / ``unsubscribe``) wait for their ack and raise the
  ``KiwoomError`` of a refusal; every live registration is kept per ``grp_no``.
- A dropped connection is reopened after a doubling delay (``reconnect_delay`` up to
  ``max_reconnect_delay``), then LOGIN and a REG of every live registration again.
- **R10001** (another connection logged in with the same app key) ends the stream with
  ``KiwoomSessionTakenError``: reconnecting would take the session back, and two clients would
  evict each other forever.
- Each entry of a ``REAL`` frame is one ``Real``; its values are Kiwoom's strings, read through
  ``sise.client.values`` (``number``, ``integer``, ``directed``) by FID.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.client import ClientConnection

from sise.client import values as v
from sise.client.kiwoom import KiwoomClient
from sise.client.kiwoom_core import KIWOOM_MOCK_URL, KIWOOM_REAL_URL, Token
from sise.client.kiwoom_errors import (
    KiwoomAuthError,
    KiwoomConnectionError,
    KiwoomError,
    KiwoomRateLimitError,
    KiwoomServerError,
    KiwoomSessionTakenError,
    KiwoomTokenError,
    error_for,
)
from sise.client.stream import Dropped, Reconnect, Stream

if TYPE_CHECKING:
    from sise.client.kiwoom_async import AsyncKiwoomClient

__all__ = ["KIWOOM_MOCK_WS_URL", "KIWOOM_WS_URL", "KiwoomStream", "Real", "kiwoom_ws_url"]

log: Final = logging.getLogger("sise.client.stream")

WS_PATH: Final = "/api/dostk/websocket"
#: Kiwoom serves the socket on its own port of the REST hosts (kiwoom.md §5.1).
WS_PORT: Final = 10000
SESSION_TAKEN: Final = "R10001"
#: The requests answered with a ``return_code`` after LOGIN; ``""`` answers a frame Kiwoom could
#: not read.
ACKED: Final = ("REG", "REMOVE", "")
#: PING intervals measured, of which the longest is the cadence: one PING late on the network
#: lengthens it for a while rather than a prompt one shortening it.
CADENCE_SAMPLES: Final = 5
#: A frame the reader waited less for had come already (read late, from a backlog): its PING is
#: not timed.
FRESH: Final = 0.001
#: The longest the watch sleeps, so a cadence measured meanwhile takes effect within it.
WATCH_TICK: Final = 1.0


def kiwoom_ws_url(base_url: str) -> str:
    """The WebSocket URL beside a REST base URL: Kiwoom's hosts on port 10000 (``wss``), any
    other host (a local sise) on its own port, ``ws`` for ``http``."""
    parts = urlsplit(base_url)
    kiwoom_hosts = {urlsplit(KIWOOM_REAL_URL).hostname, urlsplit(KIWOOM_MOCK_URL).hostname}
    if parts.hostname in kiwoom_hosts:
        return f"wss://{parts.hostname}:{WS_PORT}{WS_PATH}"
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{WS_PATH}"


KIWOOM_WS_URL: Final = kiwoom_ws_url(KIWOOM_REAL_URL)
KIWOOM_MOCK_WS_URL: Final = kiwoom_ws_url(KIWOOM_MOCK_URL)


class Real(msgspec.Struct, frozen=True):
    """One entry of a ``REAL`` frame: ``type`` (``0J``, ``0B``, …), its ``name``, the ``item``
    (sector or stock code, ``""`` for market-wide types) and ``values`` by FID, as sent.

    The methods read a FID through ``sise.client.values`` (``None`` for ``""`` or a FID not
    sent); the properties name the FIDs most types share (kiwoom.md §5.7)."""

    type: str
    item: str
    values: dict[str, str]
    name: str = ""

    def text(self, fid: str | int) -> str:
        return self.values.get(str(fid), "")

    def number(self, fid: str | int) -> float | None:
        """A signed value (changes, rates): ``"-189.51"`` → -189.51."""
        return v.number(self.text(fid))

    def integer(self, fid: str | int) -> int | None:
        """A signed whole value (volumes, counts)."""
        return v.integer(self.text(fid))

    def directed(self, fid: str | int) -> v.Directed | None:
        """A level or price whose prefix is its direction: ``"-1762.61"`` → 1762.61, down."""
        return v.directed(self.text(fid))

    @property
    def time(self) -> str:
        """FID 20, 체결시간 ``HHmmss``."""
        return self.text(20)

    @property
    def price(self) -> v.Directed | None:
        """FID 10, 현재가 with its direction."""
        return self.directed(10)

    @property
    def change(self) -> float | None:
        """FID 11, 전일대비."""
        return self.number(11)

    @property
    def rate(self) -> float | None:
        """FID 12, 등락율 (%)."""
        return self.number(12)

    @property
    def volume(self) -> int | None:
        """FID 13, 누적거래량."""
        return self.integer(13)


class _Frame(msgspec.Struct):
    """Any frame: the fields of every ``trnm`` Kiwoom sends, each optional."""

    trnm: str = ""
    return_code: int | None = None
    return_msg: str = ""
    code: str = ""
    message: str = ""
    data: list[Real] | None = None


_decoder: Final = msgspec.json.Decoder(_Frame)
_encoder: Final = msgspec.json.Encoder()


def _codes(codes: str | Sequence[str]) -> list[str]:
    return [codes] if isinstance(codes, str) else list(codes)


class KiwoomStream(Stream[Real]):
    """Kiwoom's real-time WebSocket for a ``client`` (``AsyncKiwoomClient``, or a ``KiwoomClient``
    whose token calls then run in a thread). ``url`` defaults to the socket beside the client's
    base URL (``kiwoom_ws_url``). Use ``async with`` (or ``await open()`` / ``aclose()``) and
    iterate.

    ``max_reconnects``: failed attempts in a row before the stream ends with
    ``KiwoomConnectionError`` (None: never). ``queue_size``: messages read ahead of the caller;
    when it is full, reading stops. ``timeout``: seconds for a connection, the LOGIN and an ack.
    ``ping_interval``: the server's PING cadence assumed until it is measured (generous: Kiwoom
    does not document its own, and a cadence assumed too short would cut healthy connections
    over and over before two PINGs could be timed; sise's is 20 s), ``missed_pings``: silent
    intervals before the connection counts as dead (None: never)."""

    def __init__(
        self,
        client: AsyncKiwoomClient | KiwoomClient,
        url: str | None = None,
        *,
        timeout: float = 10.0,
        reconnect_delay: float = 1.0,
        max_reconnect_delay: float = 30.0,
        max_reconnects: int | None = 10,
        queue_size: int = 10_000,
        ping_interval: float = 60.0,
        missed_pings: int | None = 3,
    ) -> None:
        super().__init__(
            url or kiwoom_ws_url(client.core.base_url),
            timeout=timeout,
            reconnect_delay=reconnect_delay,
            max_reconnect_delay=max_reconnect_delay,
            max_reconnects=max_reconnects,
            queue_size=queue_size,
        )
        self.client = client
        #: The live registrations: grp_no → (type, item) pairs, in the order registered.
        self.groups: dict[str, dict[tuple[str, str], None]] = {}
        self._refused: Token | None = None  # the token a LOGIN refused: renewed, once
        self._sent = 0
        self.ping_interval = ping_interval
        self.missed_pings = missed_pings
        self._intervals: deque[float] = deque(maxlen=CADENCE_SAMPLES)
        self._last_ping: float | None = None  # on this connection
        self._last_frame = 0.0

    @property
    def cadence(self) -> float:
        """The server's PING interval: the longest of the last few measured between PINGs read as
        they came (not from a backlog), else ``ping_interval``."""
        return max(self._intervals) if self._intervals else self.ping_interval

    # -- subscriptions -----------------------------------------------------------------------------

    async def subscribe(
        self,
        types: str | Sequence[str],
        items: str | Sequence[str],
        *,
        grp_no: str = "1",
        refresh: bool = True,
    ) -> None:
        """REG every type for every item in group ``grp_no`` (``items`` ``""`` for market-wide
        types such as ``0s``). ``refresh=False`` replaces the group's registrations (Kiwoom's
        ``"0"``) instead of adding to them. Raises the refusal's ``KiwoomError``."""
        types, items = _codes(types), _codes(items)
        await self.connected()
        group = self.groups.setdefault(grp_no, {})
        before = dict(group)
        if not refresh:
            group.clear()
        group.update(dict.fromkeys((t, i) for t in types for i in items))
        frame = {"trnm": "REG", "grp_no": grp_no, "refresh": "1" if refresh else "0"}
        await self._ask(frame | {"data": [{"item": items, "type": types}]}, grp_no, before)

    async def unsubscribe(
        self, types: str | Sequence[str], items: str | Sequence[str], *, grp_no: str = "1"
    ) -> None:
        """REMOVE those pairs from group ``grp_no``; nothing of them is sent after the ack."""
        types, items = _codes(types), _codes(items)
        await self.connected()
        group = self.groups.setdefault(grp_no, {})
        before = dict(group)
        for pair in [(t, i) for t in types for i in items]:
            group.pop(pair, None)
        await self._ask(
            {"trnm": "REMOVE", "grp_no": grp_no, "data": [{"item": items, "type": types}]}, grp_no, before
        )

    async def _ask(self, frame: dict[str, Any], grp_no: str, before: dict[tuple[str, str], None]) -> None:
        try:
            await self.request(self._key(frame["trnm"]), _encoder.encode(frame).decode())
        except KiwoomError:
            self.groups[grp_no] = before  # refused: nothing changed on the server either
            raise

    def _key(self, trnm: str) -> tuple[str, int]:
        self._sent += 1
        return trnm, self._sent

    # -- the protocol ------------------------------------------------------------------------------

    async def _token(self, stale: Token | None) -> Token:
        client = self.client
        if isinstance(client, KiwoomClient):
            return await asyncio.to_thread(client.token, stale=stale)
        return await client.token(stale=stale)

    async def handshake(self, ws: ClientConnection) -> None:
        token = await self._token(self._refused)
        await ws.send(_encoder.encode({"trnm": "LOGIN", "token": token.token}).decode())
        while True:
            text = await ws.recv(decode=True)
            frame = self._decode(text)
            if frame is None:
                continue
            if frame.trnm == "LOGIN" and frame.return_code is not None:
                if frame.return_code == 0:
                    self._refused = None
                    self._last_ping, self._last_frame = None, asyncio.get_running_loop().time()
                    return
                error = error_for(frame.return_code, frame.return_msg, api_id="LOGIN")
                token_error = isinstance(error, KiwoomTokenError) or (
                    isinstance(error, KiwoomAuthError) and error.code is None
                )
                if token_error and self._refused is None:
                    self._refused = token  # Kiwoom closes after a refusal: log in anew
                    raise Reconnect
                raise error
            await self._keepalive(ws, text, frame)  # prod sends SYSTEM frames around the ack

    async def restore(self) -> None:
        for grp_no, pairs in self.groups.items():
            by_type: dict[str, list[str]] = {}
            for t, i in pairs:
                by_type.setdefault(t, []).append(i)
            if by_type:
                data = [{"item": items, "type": [t]} for t, items in by_type.items()]
                frame = {"trnm": "REG", "grp_no": grp_no, "refresh": "1", "data": data}
                await self.call(self._key("REG"), _encoder.encode(frame).decode())

    async def on_frame(self, ws: ClientConnection, text: str) -> None:
        self._last_frame = asyncio.get_running_loop().time()
        frame = self._decode(text)
        if frame is None:
            return
        if frame.trnm == "REAL":
            for real in frame.data or ():
                await self.emit(real)
        elif frame.trnm in ACKED and frame.return_code is not None:
            self._acked(frame)
        else:
            await self._keepalive(ws, text, frame)

    async def _keepalive(self, ws: ClientConnection, text: str, frame: _Frame) -> None:
        if frame.trnm == "PING":
            await ws.send(text)  # the identical frame, extra fields and all
            if self.waited < FRESH:  # read from a backlog: when it came is unknown
                self._last_ping = None
                return
            now = asyncio.get_running_loop().time()
            if self._last_ping is not None:
                self._intervals.append(now - self._last_ping)
            self._last_ping = now
        elif frame.trnm == "SYSTEM":  # informational; never echoed
            message = frame.message or frame.return_msg
            if SESSION_TAKEN in (frame.code, message[: len(SESSION_TAKEN)]):
                raise KiwoomSessionTakenError(SESSION_TAKEN, message)
            log.info("%s: SYSTEM %s %s", self.url, frame.code, message)
        else:
            self.skip(text, f"unexpected trnm {frame.trnm!r}")

    def _acked(self, frame: _Frame) -> None:
        """An answer to a REG / REMOVE: Kiwoom answers in order, so the oldest of that trnm (of
        any, for the ``trnm: ""`` of a frame it could not read)."""
        waiting = [k for k in self.pending() if isinstance(k, tuple) and frame.trnm in ("", k[0])]
        if not waiting:
            log.info("%s: an answer nothing waits for: %s %s", self.url, frame.trnm, frame.return_msg)
            return
        error = None
        if frame.return_code:
            error = error_for(frame.return_code, frame.return_msg, api_id=frame.trnm or "websocket")
        self.answer(waiting[0], error=error)

    def _decode(self, text: str) -> _Frame | None:
        try:
            return _decoder.decode(text)
        except msgspec.DecodeError as e:  # ValidationError included
            self.skip(text, str(e))
            return None

    def heartbeat(self) -> Callable[[ClientConnection], Any] | None:
        return None if self.missed_pings is None else self._watch

    async def _watch(self, ws: ClientConnection) -> None:
        """Raise ``Dropped`` once no frame has come for ``missed_pings`` PING intervals."""
        assert self.missed_pings is not None
        loop = asyncio.get_running_loop()
        while True:
            if self.backed_up:  # the reader waits for the caller, not for the server
                self._last_frame = loop.time()
            limit = self.missed_pings * self.cadence
            idle = loop.time() - self._last_frame
            if idle >= limit:
                raise Dropped(f"no frame for {idle:.1f} s ({self.missed_pings} PING intervals)")
            await asyncio.sleep(min(limit - idle, self.cadence, WATCH_TICK))

    def connection_error(self, message: str) -> Exception:
        return KiwoomConnectionError(None, None, message, status=0, api_id="websocket")

    def retryable(self, error: Exception) -> bool:
        # The token call while reconnecting: the REST host may be down for the same reason.
        return isinstance(error, KiwoomConnectionError | KiwoomServerError | KiwoomRateLimitError)
