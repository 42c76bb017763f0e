"""What every real-time WebSocket session shares, whatever the vendor's protocol.

A session: accepted, a handshake (Kiwoom's ``LOGIN``, Koscom's ``init``) that claims a key in its
endpoint's registry (one session per key: the older one is handed back to be ended), then tasks
(a reader, a writer woken by the stream hub, a keep-alive) until the first of them ends, and an
end that leaves the hub and the registry. Frames go out through one outlet (``sise.api.outlet``)
under one lock, so answers, keep-alives and pushes never interleave.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect

from sise.api.outlet import Outlet
from sise.api.stream import Subscriber

__all__ = ["Job", "Session", "serve"]

log = logging.getLogger("sise.session")

Job = Callable[[], Coroutine[Any, Any, None]]
S = TypeVar("S", bound="Session[Any]")


class Session(ABC, Generic[S]):
    """One WebSocket session (see the module docstring). ``S`` is the endpoint's session type."""

    def __init__(self, websocket: WebSocket, registry: dict[str, S]) -> None:
        self.ws = websocket
        self.outlet = Outlet(websocket)
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()  # the writer's: something to send, or to end
        self.key: str | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self._registry = registry

    # -- the vendor's part

    @abstractmethod
    async def handshake(self) -> bool:
        """Until the session may start (True) or must end (False, its answer sent)."""

    @abstractmethod
    def jobs(self) -> list[Job]:
        """The tasks of a started session; the first to end ends it."""

    def leave(self) -> None:
        """Leave the hub (at the end of the session)."""

    # -- shared

    async def send(self, *frames: bytes) -> None:
        if frames:
            async with self.lock:
                await self.outlet.send(*frames)

    async def receive_text(self) -> str | None:
        """The next frame's text (a binary frame decoded as UTF-8), None at disconnect."""
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is None:
            text = (message.get("bytes") or b"").decode("utf-8", "replace")
        return str(text)

    def claim(self, key: str) -> S | None:
        """Register this session under ``key``; the older session of the key, to be ended."""
        old = self._registry.get(key)
        self._registry[key] = self  # type: ignore[assignment]  # S is this session's own class
        self.key = key
        return old if old is not self else None

    def wake_or_cut(self, sub: Subscriber) -> None:
        """The hub's call: wake the writer, or cut a session that cannot keep up (its writer may
        be blocked on a full transport, so the cut cannot wait for it)."""
        if sub.overflowed:
            self.outlet.cut(f"slow consumer: more than {sub.max_pending_bytes} bytes queued")
            sub.close()
            return
        self.wake.set()

    async def run(self) -> None:
        if not await self.handshake():
            return
        self.tasks = [asyncio.create_task(job()) for job in self.jobs()]
        done, _ = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            error = None if t.cancelled() else t.exception()
            # A peer that vanished mid-send is a normal end; anything else is a bug to log.
            if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
                log.error("websocket session failed", exc_info=error)

    def end(self) -> None:
        """Leave the hub and the registry and stop the tasks. Synchronous on purpose: the server
        may be cancelling this very task, and an await here would take that cancellation again."""
        self.leave()
        if self.key is not None and self._registry.get(self.key) is self:
            del self._registry[self.key]
        for t in self.tasks:
            t.cancel()  # each ends at its next await; none holds anything to release


async def serve(websocket: WebSocket, session: Session[Any]) -> None:
    """Accept ``websocket`` and run ``session`` on it to its end."""
    await websocket.accept()
    try:
        await session.run()
    except WebSocketDisconnect:
        pass
    finally:
        session.end()
