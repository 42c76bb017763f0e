"""What the Kiwoom and Koscom streams share: a WebSocket that stays up, as an async iterator.

A ``Stream`` connects, lets the vendor's side log in (``handshake``) and restore its
subscriptions (``restore``), then reads frames into a bounded queue the caller iterates. When the
connection drops it reconnects with a doubling delay and does both again; a vendor error that
says reconnecting would be wrong (the session was taken over) ends the stream with that error
instead. A full queue stops the reading, so a caller that does not keep up is cut by the server
(its slow-consumer rule) rather than filling memory, and the stream then reconnects.

A request that expects an answer (a subscription's ack) waits on a future under a key
(``expect``), resolved by the reader (``answer``); a drop fails it with ``Dropped``. A caller's
subscription is recorded before it is sent, so one interrupted by a drop is restored with the
rest and the call then returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Generic, Self, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

__all__ = ["Dropped", "Reconnect", "Stream"]

log: Final = logging.getLogger("sise.client.stream")

M = TypeVar("M")
#: Large REAL frames (a busy batch of 0B trades) exceed websockets' 1 MiB default.
MAX_FRAME: Final = 64 << 20


class Dropped(Exception):
    """The connection went away while a request waited for its answer."""


class Reconnect(Exception):
    """The handshake asks for a new connection at once (a refused token was just renewed)."""


@dataclass(frozen=True, slots=True)
class _End:
    error: BaseException | None


class Stream(Generic[M]):
    """The connection, the reconnect loop and the message queue; subclasses speak the vendor's
    protocol through ``handshake``, ``restore`` and ``on_frame``."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        reconnect_delay: float,
        max_reconnect_delay: float,
        max_reconnects: int | None,
        queue_size: int,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.reconnect_delay = reconnect_delay
        self.max_reconnect_delay = max_reconnect_delay
        self.max_reconnects = max_reconnects
        #: Connections made after the first one (for monitoring).
        self.reconnects = 0
        #: Frames that could not be read and were skipped.
        self.malformed = 0
        self._queue: asyncio.Queue[M | _End] = asyncio.Queue(queue_size)
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._up = asyncio.Event()  # connected, logged in and restored
        self._first: asyncio.Future[None] | None = None
        self._pending: dict[object, asyncio.Future[Any]] = {}
        self._error: BaseException | None = None
        self._closed = False
        self._was_up = False  # the current connection got as far as restored
        #: Seconds the reader waited for the frame ``on_frame`` has (about 0: it had come already,
        #: so the time it is read is not the time it came).
        self.waited = 0.0

    # -- what a vendor supplies --------------------------------------------------------------------

    async def handshake(self, ws: ClientConnection) -> None:
        """Log in on a new connection (read its frames directly; the reader is not running)."""
        raise NotImplementedError

    async def restore(self) -> None:
        """Send the live subscriptions again after a reconnect (``call`` waits for the acks)."""
        raise NotImplementedError

    async def on_frame(self, ws: ClientConnection, text: str) -> None:
        """One frame from the server: answer a ``Pending``, ``emit`` messages, echo keep-alives."""
        raise NotImplementedError

    def connection_error(self, message: str) -> Exception:
        """The vendor's exception for a connection that failed or could not be restored."""
        raise NotImplementedError

    def retryable(self, error: Exception) -> bool:
        """Whether a vendor error met while reconnecting (a token call that failed) is worth
        another attempt."""
        return False

    def heartbeat(self) -> Callable[[ClientConnection], Any] | None:
        """A coroutine function run beside the reader on each connection, or None."""
        return None

    # -- lifecycle ---------------------------------------------------------------------------------

    async def open(self) -> Self:
        """Connect and log in; raises what the first attempt met (no retry on a first failure)."""
        if self._task is None:
            self._first = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._run(), name=f"stream {self.url}")
            await self._first
        return self

    async def aclose(self) -> None:
        """Close the connection; iteration ends after the messages already read."""
        self._closed = True
        self._up.set()
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._end(None)

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> M:
        if self._queue.empty() and (self._error is not None or self._closed):
            if self._error is not None:
                raise self._error
            raise StopAsyncIteration
        item = await self._queue.get()
        if isinstance(item, _End):
            self._queue.put_nowait(item)  # every later call ends the same way
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        return item

    # -- for subclasses ----------------------------------------------------------------------------

    @property
    def backed_up(self) -> bool:
        """The queue is full: reading has stopped until the caller takes a message."""
        return self._queue.full()

    def ready(self, limit: int) -> list[M]:
        """Up to ``limit`` messages already read, taken without waiting (the end stays queued)."""
        out: list[M] = []
        while len(out) < limit and not self._queue.empty():
            item = self._queue.get_nowait()
            if isinstance(item, _End):
                self._queue.put_nowait(item)  # nothing follows the end: it stays last
                break
            out.append(item)
        return out

    async def emit(self, message: M) -> None:
        """Queue a message for the caller (waits while the queue is full: reading stops)."""
        await self._queue.put(message)

    def skip(self, text: str | bytes, why: str) -> None:
        self.malformed += 1
        log.warning("%s: skipped a frame (%s): %.200r", self.url, why, text)

    def expect(self, key: object) -> asyncio.Future[Any]:
        """A future ``answer(key, …)`` resolves, or a drop fails with ``Dropped``."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        return future

    def pending(self) -> list[object]:
        """The keys still waiting for an answer, oldest first."""
        return list(self._pending)

    def answer(self, key: object, result: Any = None, error: BaseException | None = None) -> bool:
        future = self._pending.pop(key, None)
        if future is None or future.done():
            return False
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
        return True

    async def call(self, key: object, frame: str) -> Any:
        """Send ``frame`` on the current connection and wait for the answer under ``key``."""
        ws = self._ws
        if ws is None:
            raise Dropped
        future = self.expect(key)
        try:
            await ws.send(frame)
        except ConnectionClosed:
            self._pending.pop(key, None)
            raise Dropped from None
        try:
            return await asyncio.wait_for(future, self.timeout)
        finally:
            self._pending.pop(key, None)

    async def request(self, key: object, frame: str) -> Any:
        """``call`` for a caller's request: waits for the connection, and when a drop interrupts
        it, for the reconnect, whose ``restore`` sends what the request recorded; None then."""
        await self.connected()
        try:
            return await self.call(key, frame)
        except Dropped:
            await self.connected()
            return None

    async def connected(self) -> None:
        """Wait until the stream is up; raise its error when it has ended."""
        while True:
            await self._up.wait()
            if self._error is not None:
                raise self._error
            if self._closed:
                raise self.connection_error("the stream is closed")
            if self._ws is not None:
                return

    # -- the loop ----------------------------------------------------------------------------------

    def _delay(self, failures: int) -> float:
        return float(min(self.reconnect_delay * 2 ** max(failures - 1, 0), self.max_reconnect_delay))

    async def _run(self) -> None:
        failures = 0
        first = self._first
        while not self._closed:
            self._was_up = False
            try:
                await self._session()
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed, Dropped) as e:
                reason = f"{type(e).__name__}: {e}"
                if first is not None and not first.done():
                    self._fail(self.connection_error(reason))
                    return
                failures = 1 if self._was_up else failures + 1  # a session that was up starts anew
                if self.max_reconnects is not None and failures > self.max_reconnects:
                    self._fail(self.connection_error(f"{failures - 1} reconnects failed, last: {reason}"))
                    return
                log.info("%s: connection lost (%s); reconnecting", self.url, reason)
            except Reconnect:
                continue
            except asyncio.CancelledError:
                raise
            except Exception as e:  # a vendor error: reconnecting would not help, mostly
                if not self.retryable(e) or (first is not None and not first.done()):
                    self._fail(e)
                    return
                failures = 1 if self._was_up else failures + 1
                if self.max_reconnects is not None and failures > self.max_reconnects:
                    self._fail(e)
                    return
                log.info("%s: %s; reconnecting", self.url, e)
            if self._closed:
                return
            await asyncio.sleep(self._delay(failures))
            self.reconnects += 1

    async def _session(self) -> None:
        """One connection, from connect to its end (raising what ended it)."""
        ws = await connect(self.url, ping_interval=None, open_timeout=self.timeout, max_size=MAX_FRAME)
        tasks: list[asyncio.Task[Any]] = []
        try:
            await asyncio.wait_for(self.handshake(ws), self.timeout)
            self._ws = ws
            tasks.append(asyncio.create_task(self._read(ws)))
            beat = self.heartbeat()
            if beat is not None:
                tasks.append(asyncio.create_task(beat(ws)))
            await self.restore()
            self._was_up = True
            self._up.set()
            if self._first is not None and not self._first.done():
                self._first.set_result(None)
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # raise what ended it
            raise Dropped(f"closed: {ws.close_code} {ws.close_reason}")
        finally:
            self._up.clear()
            self._ws = None
            for task in tasks:
                task.cancel()
            for key in list(self._pending):
                self.answer(key, error=Dropped())
            await ws.close()

    async def _read(self, ws: ClientConnection) -> None:
        clock = asyncio.get_running_loop().time
        since = clock()
        async for frame in ws:
            self.waited = clock() - since
            text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
            await self.on_frame(ws, text)
            since = clock()

    def _fail(self, error: BaseException) -> None:
        self._error = error
        if self._first is not None and not self._first.done():
            self._first.set_exception(error)
        for key in list(self._pending):
            self.answer(key, error=error)
        self._up.set()
        self._end(error)

    def _end(self, error: BaseException | None) -> None:
        # A full queue: __anext__ sees _error / _closed once it is drained.
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_End(error))
