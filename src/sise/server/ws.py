"""uvicorn's WebSocket protocol with what sise's real-time sessions need of the transport
(``sise.api.outlet``): UTF-8 frames sent without a decode and encode per subscriber, and a cut
that does not wait behind the unsent data. A text message that is not UTF-8 is the peer's error:
closed with 1007 as uvicorn does, but logged as one warning line, not an error with a traceback."""

from __future__ import annotations

import contextlib
import socket
from asyncio import BaseTransport
from typing import Any, Final

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

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

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                self.frames = []
                self.logger.warning("Invalid UTF-8 in a text frame: closed with 1007.")
                self.conn.send_close(1007)  # RFC 6455 §8.1
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()

    async def send(self, message: Any) -> None:
        frames = message.get(UTF8) if message.get("type") == "websocket.send" else None
        if frames is None:
            await super().send(message)
            return
        await self.writable.wait()  # uvicorn's own flow control: wait while over high water
        if self.disconnected or self.close_sent:  # cut, or closing: the session is over
            raise ClientDisconnected()
        if not self.handshake_complete or self.initial_response is not None:
            for data in frames:  # not a session: uvicorn's own answer (its errors)
                await super().send({"type": "websocket.send", "text": data.decode()})
            return
        if self.conn.state is not State.OPEN:  # the peer's close frame arrived: as uvicorn's send
            raise ClientDisconnected()
        if self.conn.extensions:  # permessage-deflate: each frame compressed by the connection
            for data in frames:
                self.conn.send_text(data)
            self.transport.write(b"".join(self.conn.data_to_send()))
            return
        # Unextended text frames are a header and the payload (RFC 6455 §5.2; a server does not
        # mask): the shared payloads go to the transport as they are, all frames in one write.
        self.transport.writelines([part for data in frames for part in (_header(len(data)), data)])


def _header(n: int) -> bytes:
    """The header of an unfragmented, unmasked text frame of ``n`` payload bytes."""
    if n < 126:
        return bytes((0x81, n))
    if n < 1 << 16:
        return b"\x81\x7e" + n.to_bytes(2, "big")
    return b"\x81\x7f" + n.to_bytes(8, "big")


class _Transport:
    __slots__ = ("_p",)

    def __init__(self, protocol: SiseWebSocketProtocol) -> None:
        self._p = protocol

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
