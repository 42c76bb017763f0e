"""The streams for synchronous code: ``SyncKiwoomStream`` and ``SyncKoscomStream``.

    with SyncKoscomStream() as stream:
        stream.subscribe("tick", "005930")
        for push in stream:
            print(push.code, push.values["trdPrc"])

A ``SyncStream`` runs its async stream (``KiwoomStream``, ``KoscomStream``) on an event loop in a
thread of its own, so everything the async stream does (keep-alive, reconnect, resubscribe) goes on
while the caller's code runs. Iterating blocks until a message comes; messages already read are
handed over in batches (one hand-over between the threads per batch, not per message). The
calls (``subscribe`` …) wait for their answer and raise what the async call raises; ``run`` runs
any coroutine of the stream the same way.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Coroutine, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from sise.client.kiwoom import KiwoomClient
from sise.client.kiwoom_stream import KiwoomStream, Real
from sise.client.koscom_stream import KoscomMessage, KoscomStream
from sise.client.stream import Stream

__all__ = ["SyncKiwoomStream", "SyncKoscomStream", "SyncStream"]

S = TypeVar("S", bound=Stream[Any])
M = TypeVar("M")
T = TypeVar("T")


class SyncStream(Generic[S, M]):
    """An async ``stream`` driven from synchronous code. ``with`` (or ``open()`` / ``close()``),
    then iterate, or ``get(timeout)``. ``batch``: the most messages handed over at once."""

    def __init__(self, stream: S, *, batch: int = 1000) -> None:
        self.stream = stream
        self.batch = batch
        self._buffer: deque[M] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def open(self) -> Self:
        """Start the stream's thread and connect; raises what the first connection met."""
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name=f"stream {self.stream.url}", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
            try:
                self.run(self.stream.open())
            except BaseException:
                self._stop()
                raise
        return self

    def close(self) -> None:
        """Close the stream and end its thread."""
        if self._loop is not None:
            try:
                self.run(self.stream.aclose())
            finally:
                self._stop()

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def run(self, call: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of the stream (``stream.subscribe(…)``) on its loop and wait for it."""
        loop = self._loop
        if loop is None:
            call.close()
            raise RuntimeError("the stream is not open: use it in a with block, or open() it")
        return asyncio.run_coroutine_threadsafe(call, loop).result()

    def get(self, timeout: float | None = None) -> M | None:
        """The next message; None once the stream has ended (its error, if any, is raised);
        ``TimeoutError`` when none comes within ``timeout`` seconds."""
        if not self._buffer:
            self._buffer.extend(self.run(self._take(timeout)))
        return self._buffer.popleft() if self._buffer else None

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> M:
        message = self.get()
        if message is None:
            raise StopIteration
        return message

    async def _take(self, timeout: float | None) -> list[M]:
        # The wait is cancelled on the loop itself, so no message is lost to a timeout.
        try:
            async with asyncio.timeout(timeout):
                first: M = await self.stream.__anext__()
        except StopAsyncIteration:
            return []
        return [first, *self.stream.ready(self.batch - 1)]

    def _stop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        try:
            loop.run_until_complete(loop.shutdown_default_executor())  # token calls' threads
        finally:
            loop.close()


class SyncKiwoomStream(SyncStream[KiwoomStream, Real]):
    """``KiwoomStream`` for synchronous code, logging in with a ``KiwoomClient``'s token. ``url``
    and ``options`` are ``KiwoomStream``'s."""

    def __init__(self, client: KiwoomClient, url: str | None = None, *, batch: int = 1000, **options: Any):
        super().__init__(KiwoomStream(client, url, **options), batch=batch)

    def subscribe(
        self,
        types: str | Sequence[str],
        items: str | Sequence[str],
        *,
        grp_no: str = "1",
        refresh: bool = True,
    ) -> None:
        """``KiwoomStream.subscribe``: REG every type for every item."""
        self.run(self.stream.subscribe(types, items, grp_no=grp_no, refresh=refresh))

    def unsubscribe(
        self, types: str | Sequence[str], items: str | Sequence[str], *, grp_no: str = "1"
    ) -> None:
        """``KiwoomStream.unsubscribe``: REMOVE those pairs."""
        self.run(self.stream.unsubscribe(types, items, grp_no=grp_no))


class SyncKoscomStream(SyncStream[KoscomStream, KoscomMessage]):
    """``KoscomStream`` for synchronous code; ``url``, ``apikey`` and ``options`` are its."""

    def __init__(
        self, url: str | None = None, apikey: str | None = None, *, batch: int = 1000, **options: Any
    ) -> None:
        super().__init__(KoscomStream(url, apikey, **options), batch=batch)

    def subscribe(self, preset: str, code: str, items: Sequence[str] | None = None) -> None:
        """``KoscomStream.subscribe``: ``code`` to ``preset`` (``items`` for ``change``)."""
        self.run(self.stream.subscribe(preset, code, items))

    def unsubscribe(self, preset: str, code: str) -> None:
        """``KoscomStream.unsubscribe``."""
        self.run(self.stream.unsubscribe(preset, code))
