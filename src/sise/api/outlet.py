"""The sending half of a real-time session: frames as UTF-8 bytes, and a cut for slow consumers.

Two things ASGI does not give a WebSocket application, which sise's own WebSocket protocol
(``sise.server.ws``) adds under the scope extension :data:`EXTENSION`:

- **Sending UTF-8 as is, several frames at once.** A shared payload is JSON bytes; ASGI's
  ``text`` is a ``str`` that the server encodes again, once per subscriber, and each message is
  a write of its own. A ``websocket.send`` message carrying :data:`UTF8` (a list of bytes) is
  written as that many text frames in one write, the payloads themselves not copied or encoded.
- **Cutting a consumer that stopped reading.** A send blocks while the transport's buffer is
  over its high-water mark; a session whose queue has overflowed (``sise.api.stream``) must end
  even while its writer is blocked there, and a close frame queued behind megabytes would never
  be read. :meth:`Outlet.cut` writes the close frame (code and reason) and aborts the
  connection after a short grace.

Without the extension (another ASGI server, the test client) the outlet falls back to plain
ASGI: text frames and a normal close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final, Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

__all__ = ["EXTENSION", "SLOW_CONSUMER", "UTF8", "Outlet", "Transport"]

log = logging.getLogger("sise.stream")

#: The scope extension under which sise's WebSocket protocol offers a :class:`Transport`.
EXTENSION: Final = "sise.transport"
#: Key of a ``websocket.send`` message whose text frames are given as a list of UTF-8 bytes.
UTF8: Final = "sise.utf8"
#: The close code of a consumer cut for its backlog (RFC 6455 1008, policy violation).
SLOW_CONSUMER: Final = 1008


class Transport(Protocol):
    """What the server exposes of a connection."""

    def cut(self, code: int, reason: str, grace_s: float) -> None:
        """Send a close frame, then drop the connection if it is still open after ``grace_s``."""


class Outlet:
    """Sends frames on one WebSocket (see the module docstring)."""

    __slots__ = ("_transport", "cut_reason", "ws")

    def __init__(self, websocket: WebSocket) -> None:
        self.ws = websocket
        extensions = websocket.scope.get("extensions") or {}
        self._transport: Transport | None = extensions.get(EXTENSION)
        self.cut_reason: str | None = None

    async def send(self, *frames: bytes) -> None:
        """Text frames of UTF-8 ``frames``, in order. ``WebSocketDisconnect`` once the session
        is over: Starlette raises it only for the send that finds the peer gone or the close
        sent, and a RuntimeError for every later one (a session's reader and writer both send)."""
        if self.ws.application_state is WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(1006)
        if self._transport is not None:
            await self.ws.send({"type": "websocket.send", UTF8: frames})
        else:
            for data in frames:
                await self.ws.send_text(data.decode())

    def cut(self, reason: str, code: int = SLOW_CONSUMER, grace_s: float = 1.0) -> None:
        """End the session now, whatever its writer is waiting for. Synchronous: it is called
        from the hub's publication, which must not wait for one consumer."""
        if self.cut_reason is not None:
            return
        self.cut_reason = reason
        client = self.ws.scope.get("client") or ("?", 0)
        log.warning("%s:%s %s cut: %s", client[0], client[1], self.ws.scope.get("path", ""), reason)
        if self._transport is not None:
            self._transport.cut(code, reason, grace_s)
        else:  # plain ASGI: a close message, sent when the loop gets to it
            task = asyncio.get_running_loop().create_task(self._close(code, reason))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)
