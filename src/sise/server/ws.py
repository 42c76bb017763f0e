"""uvicorn's WebSocket protocol with what sise's real-time sessions need of the transport
(``sise.api.outlet``): UTF-8 frames sent without a decode and encode per subscriber, the bytes
buffered for a peer, and a cut that does not wait behind them."""

from __future__ import annotations

import contextlib
import socket
from asyncio import BaseTransport
from typing import Any, Final

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.http11 import Request

from sise.api.outlet import EXTENSION, UTF8

__all__ = ["SiseWebSocketProtocol"]


#: The kernel's send buffer of a WebSocket connection (Linux doubles it). Left to autotuning it
#: grows to megabytes for a peer that stopped reading, all of it unseen by sise's own backlog
#: count; 256 KiB still carries tens of MB/s to a peer that reads.
SEND_BUFFER: Final = 128 * 1024


class SiseWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        extensions: dict[str, Any] = self.scope["extensions"]
        extensions[EXTENSION] = _Transport(self)

    async def send(self, message: Any) -> None:
        data = message.get(UTF8) if message.get("type") == "websocket.send" else None
        if data is None:
            await super().send(message)
            return
        await self.writable.wait()  # uvicorn's own flow control: wait while over high water
        if self.disconnected or self.close_sent:  # cut, or closing: the session is over
            raise ClientDisconnected()
        if not self.handshake_complete or self.initial_response is not None:
            await super().send({"type": "websocket.send", "text": data.decode()})  # its errors
            return
        try:
            self.conn.send_text(data)
        except InvalidState:  # the peer's close frame arrived first: as uvicorn's own send
            raise ClientDisconnected() from None
        self.transport.write(b"".join(self.conn.data_to_send()))


class _Transport:
    __slots__ = ("_p",)

    def __init__(self, protocol: SiseWebSocketProtocol) -> None:
        self._p = protocol

    def buffered(self) -> int:
        t = self._p.transport
        return 0 if t is None or t.is_closing() else t.get_write_buffer_size()

    def cut(self, code: int, reason: str, grace_s: float) -> None:
        p = self._p
        if p.disconnected or p.transport is None or p.transport.is_closing():
            return
        if not p.close_sent:
            p.close_sent = True
            p.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
            p.conn.send_close(code, reason)
            p.transport.write(b"".join(p.conn.data_to_send()))
        p.writable.set()  # a writer blocked on a paused transport wakes to find it closing
        p.loop.call_later(grace_s, _abort, p)


def _abort(p: SiseWebSocketProtocol) -> None:
    if not p.disconnected and p.transport is not None:
        p.transport.abort()
