"""Koscom's real-time WebSocket, ``/ws`` (koscom.md §11; docs/koscom-ws.md).

JSON-RPC 2.0 text frames. A session: ``init`` with a Koscom API key (nothing else is served before
it; a bad key is refused and the socket closed; no ``init`` within ``init_timeout_s`` → 13004 and
close), then ``subscribe``/``unsubscribe`` of (preset, issue) pairs and ``heartbeat``. A subscribe
is acknowledged (``{"result":{"message":"ok"}}``), then answered once more with the current values
under the same ``id`` (the snapshot), and from then on every change goes out as a ``push``
notification, one JSON object per frame. An ``init`` with the key of a live session ends that
session (a JSON-RPC error notification, then close): one session per key.

A bad request never drops the socket: it gets a JSON-RPC error object (47 for a frame that is not
JSON-RPC, 시세 codes otherwise) and the session goes on. Values come from the stream hub
(``sise.api.stream``), encoded by ``sise.api.koscom.ws_presets`` from the REST views' own results.

Each subscription is its own hub subscriber (a conflated queue of one topic), so the writer knows
which subscription a payload belongs to without parsing it, and a subscribe can take its snapshot
out of the queue before any push. Tasks per session share one send lock: the reader (requests and
their answers), the writer (pushes) and, when configured, the heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.errors import (
    BAD_ISSUE_CODE,
    CUSTOMER_MISMATCH,
    CUSTOMER_MISMATCH_13001,
    DATA_FID_UNKNOWN,
    DATA_KIND_UNKNOWN,
    INPUT_ERROR,
    ISSUE_CODE_MISSING,
    ISSUE_NOT_REGISTERED,
    NOT_JSON_RPC,
    QUERY_TYPE_UNKNOWN,
    RECONNECT_LATER,
    SERVER_ERROR,
    SESSION_REPLACED,
    TOO_MANY_ISSUES,
    ErrorDef,
    KoscomError,
)
from sise.api.koscom.ws_presets import CHANGE, NAMES, PRESETS, Preset, encoder, resolve
from sise.api.session import Job, Session, serve
from sise.api.stream import StreamHub, Subscriber

__all__ = ["PATH", "KoscomWs", "KoscomWsOptions", "RpcEndpoint", "RpcSession"]

log = logging.getLogger("sise.koscom.ws")

#: 종목별 실시간상세 (koscom.md §11.1); ``/ws_ksp`` and ``/ws_kdq`` are other endpoints.
PATH: Final = "/ws"

Id = int | str | None
_OK: Final = {"message": "ok"}
_HEARTBEAT: Final = orjson.dumps({"jsonrpc": "2.0", "method": "heartbeat"})
#: A comma before a closing bracket: Koscom's own heartbeat sample has one (koscom.md §11.2).
_TRAILING_COMMA: Final = re.compile(r",\s*([}\]])")


@dataclass(frozen=True, slots=True)
class KoscomWsOptions:
    """Session timers and limits. Timers are protocol time (wall), never market data."""

    init_timeout_s: float = 10.0
    #: Seconds between server heartbeats (``{"jsonrpc":"2.0","method":"heartbeat"}``); 0: none.
    heartbeat_interval_s: float = 0.0
    #: Subscriptions per session, each issue × preset one (koscom.md §11.1; the sandbox had 20).
    max_subscriptions: int = 200


class Malformed(Exception):
    """A frame that is not a JSON-RPC request: answered with 47 (and the ``id`` when it had one)."""

    def __init__(self, id_: Id = None) -> None:
        super().__init__()
        self.id = id_


@dataclass(frozen=True, slots=True)
class Request:
    id: Id
    method: str
    params: Any


def parse(raw: str) -> Request:
    """A JSON-RPC 2.0 request, leniently: a trailing comma is forgiven; ``id`` may be absent."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            body = orjson.loads(_TRAILING_COMMA.sub(r"\1", raw))
        except orjson.JSONDecodeError:
            raise Malformed from None
    if not isinstance(body, dict):
        raise Malformed
    id_ = body.get("id")
    if isinstance(id_, bool) or not isinstance(id_, int | str | None):
        raise Malformed
    method = body.get("method")
    if body.get("jsonrpc") != "2.0" or not isinstance(method, str) or not method:
        raise Malformed(id_)
    return Request(id_, method, body.get("params"))


def frame(id_: Id, member: str, value: Any) -> bytes:
    """A response: ``result`` or ``error`` and the request's ``id`` (omitted when it had none)."""
    out: dict[str, Any] = {"jsonrpc": "2.0"}
    if id_ is not None:
        out["id"] = id_
    out[member] = value
    return orjson.dumps(out)


def error_frame(id_: Id, e: ErrorDef | KoscomError) -> bytes:
    err = e() if isinstance(e, ErrorDef) else e
    return frame(id_, "error", orjson.loads(err.body)["error"])


# ---------------------------------------------------------------------------------------------------
# Subscriptions
# ---------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Subscription:
    """One issue × preset of a session: its hub subscriber and, for ``change``, the items asked
    for and what was last sent of them."""

    id: Id
    preset: Preset
    code: str
    sub: Subscriber
    items: tuple[str, ...] = ()
    sent: dict[str, Any] = field(default_factory=dict)

    def snapshot(self, payload: bytes) -> bytes:
        if self.preset.name != CHANGE:
            return frame(self.id, "result", orjson.Fragment(payload))
        values = orjson.loads(payload)
        self.sent = {k: values[k] for k in self.items}
        return frame(self.id, "result", {"isuCd": values["isuCd"], "isuSrtCd": self.code, **self.sent})

    def push(self, payload: bytes) -> bytes | None:
        """The push frame of a newer payload; ``None`` when none of a change's items moved."""
        if self.preset.name != CHANGE:
            # The payload is the preset's object; the frame puts ``preset`` first inside it.
            head = b'{"jsonrpc":"2.0","method":"push","params":{"preset":"%s",' % self.preset.name.encode()
            return head + payload[1:] + b"}"
        values = orjson.loads(payload)
        moved = {k: values[k] for k in self.items if values[k] != self.sent.get(k)}
        if not moved:
            return None
        self.sent |= moved
        params = {"isuCd": values["isuCd"], "isuSrtCd": self.code, **moved}
        return orjson.dumps({"jsonrpc": "2.0", "method": "push", "params": params})


# ---------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------


class RpcEndpoint:
    """A Koscom WebSocket endpoint: its sessions by API key (one per key; a newer ``init``
    ends the older session)."""

    def __init__(
        self,
        context: Callable[[], KoscomContext],
        accepts: Callable[[str], bool],
        hub: StreamHub,
        options: KoscomWsOptions,
    ) -> None:
        self.context = context
        self.accepts = accepts
        self.hub = hub
        self.options = options
        self.sessions: dict[str, RpcSession] = {}

    def session(self, websocket: WebSocket) -> RpcSession:
        raise NotImplementedError

    async def serve(self, websocket: WebSocket) -> None:
        await serve(websocket, self.session(websocket))


class RpcSession(Session["RpcSession"]):
    """What every Koscom WebSocket session does (on ``sise.api.session``): JSON-RPC frames,
    ``init`` first, ``heartbeat``. Subclasses add their tasks (:meth:`jobs`), their methods
    (:meth:`request`) and what they leave at the end (:meth:`leave`)."""

    def __init__(self, endpoint: RpcEndpoint, websocket: WebSocket) -> None:
        super().__init__(websocket, endpoint.sessions)
        self.ep = endpoint
        self.closing: ErrorDef | None = None  # an error notification to send, then close

    async def error_and_close(self, error: ErrorDef, id_: Id = None) -> None:
        with contextlib.suppress(Exception):  # the peer may be gone already
            await self.send(error_frame(id_, error))
            await self.ws.close()

    def kick(self, error: ErrorDef) -> None:
        """End this session from elsewhere (a newer ``init``): the writer sends ``error`` and closes."""
        self.closing = error
        self.wake.set()

    # -- the session

    def jobs(self) -> list[Job]:
        out = [self.reader, self.writer]
        if self.ep.options.heartbeat_interval_s > 0:
            out.append(self.heartbeat)
        return out

    async def receive(self) -> Request | Malformed | None:
        """The next request, a ``Malformed`` for a frame that is not one, None at disconnect."""
        raw = await self.receive_text()
        if raw is None:
            return None
        try:
            return parse(raw)
        except Malformed as e:
            return e

    async def handshake(self) -> bool:
        """``init`` (koscom.md §11.2): nothing else is served before it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ep.options.init_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    req = await self.receive()
            except TimeoutError:
                await self.error_and_close(RECONNECT_LATER)
                return False
            if req is None:
                return False
            if isinstance(req, Malformed):
                await self.send(error_frame(req.id, NOT_JSON_RPC))
                continue
            if req.method != "init":
                await self.send(error_frame(req.id, CUSTOMER_MISMATCH))
                continue
            params = req.params if isinstance(req.params, dict) else {}
            key = params.get("key")
            if not isinstance(key, str) or not key.strip() or not self.ep.accepts(key.strip()):
                await self.error_and_close(CUSTOMER_MISMATCH_13001, req.id)
                return False
            old = self.claim(key.strip())
            if old is not None:
                old.kick(SESSION_REPLACED)
            await self.send(frame(req.id, "result", _OK))
            self.started()
            return True

    def started(self) -> None:
        """After a successful ``init`` (the market-wide endpoints start their feed here)."""

    async def reader(self) -> None:
        while True:
            req = await self.receive()
            if req is None:
                return
            if isinstance(req, Malformed):
                await self.send(error_frame(req.id, NOT_JSON_RPC))
                continue
            try:
                if await self.request(req):
                    continue
            except KoscomError as e:
                await self.send(error_frame(req.id, e))
                continue
            except (WebSocketDisconnect, OSError):
                raise
            except Exception:  # a bug: logged, answered as Koscom's server error, the session goes on
                log.exception("koscom websocket %s failed", req.method)
                await self.send(error_frame(req.id, SERVER_ERROR))
                continue
            await self.send(frame(req.id, "result", _OK))

    async def request(self, req: Request) -> bool:
        """Serve one method: True when it answered itself, False to have it acknowledged
        (``ok``); a ``KoscomError`` is the answer. Subclasses add their methods."""
        if req.method == "init":
            raise INPUT_ERROR()
        if req.method != "heartbeat":  # ``query`` is listed by Koscom, never specified
            raise QUERY_TYPE_UNKNOWN()
        return False

    async def writer(self) -> None:
        raise NotImplementedError

    async def heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.ep.options.heartbeat_interval_s)
            await self.send(_HEARTBEAT)


class KoscomWs(RpcEndpoint):
    """The ``/ws`` endpoint."""

    def session(self, websocket: WebSocket) -> RpcSession:
        return _Session(self, websocket)


class _Session(RpcSession):
    def __init__(self, endpoint: RpcEndpoint, websocket: WebSocket) -> None:
        super().__init__(endpoint, websocket)
        self.subs: dict[tuple[str, str], _Subscription] = {}
        self.ready: dict[tuple[str, str], None] = {}  # subscriptions with a payload pending, in order

    def leave(self) -> None:
        for s in self.subs.values():
            s.sub.close()
        self.subs.clear()

    async def request(self, req: Request) -> bool:
        if req.method == "subscribe":
            await self.subscribe(req)
            return True
        if req.method == "unsubscribe":
            self.unsubscribe(req)
            return False
        return await super().request(req)

    async def writer(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.closing is not None:
                await self.error_and_close(self.closing)
                return
            async with self.lock:  # taken under the lock: an unsubscribe acked is never pushed after
                pushes: list[bytes] = []
                while self.ready:
                    key = next(iter(self.ready))
                    del self.ready[key]
                    s = self.subs.get(key)
                    if s is None:
                        continue
                    for payload in s.sub.take():  # one topic: at most one payload
                        push = s.push(payload)
                        if push is not None:
                            pushes.append(push)
                if pushes:  # one object a frame, all of a batch in one write
                    await self.outlet.send(*pushes)

    # -- subscriptions

    def mark(self, key: tuple[str, str]) -> Callable[[], None]:
        def wake() -> None:
            self.ready[key] = None
            self.wake.set()

        return wake

    async def subscribe(self, req: Request) -> None:
        params = _params(req.params)
        preset = _preset_name(params)
        code = _code(params)
        ctx = self.ep.context()
        target = resolve(ctx, preset, code)  # ``index`` takes index codes only, the others issues
        p = PRESETS[preset, target.kind]
        items: tuple[str, ...] = ()
        if preset == CHANGE:
            items = _items(params, p)
        key = (preset, code)
        if key not in self.subs and len(self.subs) >= self.ep.options.max_subscriptions:
            raise TOO_MANY_ISSUES()
        # A change topic carries every item change allows; the session picks its own.
        topic: Hashable = ("koscom", preset, code)
        async with self.lock:  # nothing of this subscription may go out before its ack and snapshot
            old = self.subs.pop(key, None)
            if old is not None:  # a repeated subscribe replaces the older one (and its id)
                old.sub.close()
            s = _Subscription(req.id, p, code, self.ep.hub.subscriber(self.mark(key)), items)
            s.sub.subscribe(topic, encoder(self.ep.context, p, code, target))
            first = s.sub.take()
            if not first:  # the encoder failed (logged by the hub)
                s.sub.close()
                await self.outlet.send(error_frame(req.id, SERVER_ERROR))
                return
            self.subs[key] = s
            await self.outlet.send(frame(req.id, "result", _OK))
            await self.outlet.send(s.snapshot(first[-1]))

    def unsubscribe(self, req: Request) -> None:
        params = {} if req.params is None else _params(req.params)
        if "preset" in params:
            keys = [(_preset_name(params), _code(params))]
            keys = [k for k in keys if k in self.subs]
        else:  # koscom.md §11.2: everything registered under this request's id
            keys = [k for k, s in self.subs.items() if s.id == req.id]
        if not keys:
            raise ISSUE_NOT_REGISTERED()
        for k in keys:
            self.subs.pop(k).sub.close()
            self.ready.pop(k, None)


def _params(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise INPUT_ERROR()
    return value


def _preset_name(params: dict[str, Any]) -> str:
    preset = params.get("preset")
    if not isinstance(preset, str) or preset not in NAMES:
        raise DATA_KIND_UNKNOWN()
    return preset


def _code(params: dict[str, Any]) -> str:
    """``isuSrtCd``, or ``isuSrtCode`` as the parameter tables spell it (koscom.md §11.2)."""
    code = params.get("isuSrtCd", params.get("isuSrtCode"))
    if isinstance(code, str):
        code = code.strip()
    if code is None or code == "":
        raise ISSUE_CODE_MISSING()
    if not isinstance(code, str):
        raise BAD_ISSUE_CODE()
    return code


def _items(params: dict[str, Any], p: Preset) -> tuple[str, ...]:
    items = params.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise INPUT_ERROR()
    allowed = set(p.record.names) - {"isuCd"}
    if not set(items) <= allowed:
        raise DATA_FID_UNKNOWN()
    return tuple(i for i in dict.fromkeys(items) if i != "isuSrtCd")  # isuSrtCd is always sent
