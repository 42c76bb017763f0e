"""A WebSocket relay for the stream tests: between a client and ``sise serve``, it records every
frame both ways, can slip a frame of its own to the client, can cut every connection the way
a network failure does (no close frame), which sise itself never does to a healthy client, and
can make the live connections go silent (nothing reaches the client, not even a close: a peer
gone without a trace). With the waits those tests share, each bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

Connection = ServerConnection | ClientConnection
T = TypeVar("T")
WAIT = 10.0  # seconds any expected message may take

TO_SERVER = ">"
TO_CLIENT = "<"


class Relay:
    """``ws://127.0.0.1:{port}{path}`` → ``{upstream}{path}``; ``frames`` is (direction, text)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.frames: list[tuple[str, str]] = []
        self.connections = 0
        self._live: list[ServerConnection] = []
        self._muted: set[ServerConnection] = set()
        self._server: Server | None = None

    def url(self, path: str) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}{path}"

    async def __aenter__(self) -> Relay:
        self._server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None, max_size=None)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def sent(self, direction: str) -> list[str]:
        return [text for d, text in self.frames if d == direction]

    async def inject(self, text: str) -> None:
        """A frame to every connected client, as if the server had sent it."""
        for down in self._live:
            await down.send(text)

    def mute(self) -> None:
        """From now on the live connections pass nothing to the client and stay open after the
        server closes its side; the client's own close still ends them. New ones are not muted."""
        self._muted.update(self._live)

    def drop(self) -> None:
        """Cut every connection without a close frame."""
        for down in self._live:
            down.transport.abort()

    async def stop(self) -> None:
        """Cut every connection and take no more: the server looks gone."""
        assert self._server is not None
        self._server.close()
        self.drop()
        await self._server.wait_closed()

    async def _handle(self, down: ServerConnection) -> None:
        self.connections += 1
        path = down.request.path if down.request is not None else "/"
        async with connect(self.upstream + path, ping_interval=None, max_size=None) as up:
            self._live.append(down)

            async def pump(src: Connection, dst: Connection, direction: str) -> None:
                with contextlib.suppress(ConnectionClosed):
                    async for message in src:
                        if dst in self._muted:
                            continue
                        text = message if isinstance(message, str) else message.decode()
                        self.frames.append((direction, text))
                        await dst.send(text)

            tasks = [
                asyncio.create_task(pump(down, up, TO_SERVER)),
                asyncio.create_task(pump(up, down, TO_CLIENT)),
            ]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                if down in self._muted:
                    await down.wait_closed()
            finally:
                self._muted.discard(down)
                self._live.remove(down)
                for task in tasks:
                    task.cancel()


async def until(stream: AsyncIterator[T], ok: Callable[[T], bool]) -> T:
    """The first message ``ok`` accepts, within ``WAIT``."""
    async with asyncio.timeout(WAIT):
        async for message in stream:
            if ok(message):
                return message
    raise AssertionError("the stream ended")


async def eventually(check: Callable[[], T], seconds: float = WAIT) -> T:
    async with asyncio.timeout(seconds):
        while not (value := check()):
            await asyncio.sleep(0.02)
    return value


def decoded(relay: Relay, direction: str) -> list[Any]:
    """The JSON frames sent that way (the others left out)."""
    out = []
    for text in relay.sent(direction):
        with contextlib.suppress(ValueError):
            out.append(json.loads(text))
    return out
