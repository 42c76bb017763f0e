"""The edges of a vendor app: whatever the method, path or scope, the answer is the vendor's.

Starlette answers requests that reach no route in its own words: ``404 Not Found`` and
``405 Method Not Allowed`` as plain text, an empty ``307`` to add or drop a trailing slash, a bare
``403`` for a WebSocket handshake on a path without a WebSocket route, ``500 Internal Server
Error`` for a bug. A client of a vendor API parses every answer as that vendor's JSON, so
:func:`install` routes all of these through a :class:`Shape`, one per vendor.

A WebSocket route added later (``WebSocketRoute`` in the app's router) is matched before any of
this; a WebSocket scope that matches nothing is refused at once (HTTP 403 from the server).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sise.api.errors import Answer

__all__ = ["AsgiEndpoint", "Shape", "install", "response"]

_Handler = Callable[[Request, Exception], Awaitable[Response]]


class Shape(Protocol):
    """How one vendor answers what its routes do not."""

    def not_found(self, scope: Scope) -> Answer:
        """A path the app does not serve (any method)."""
        ...

    def method_not_allowed(self, scope: Scope, allow: str) -> Answer:
        """A served path asked with another method; ``allow`` is the ``Allow`` header's value."""
        ...

    def malformed(self) -> Answer:
        """A request the HTTP parser cannot read (answered by the server, not the app)."""
        ...

    def unexpected(self, scope: Scope) -> Answer:
        """An exception no handler caught (the traceback goes to the server's log)."""
        ...


def install(app: Starlette, shape: Shape) -> None:
    """Make ``app`` answer unrouted requests, wrong methods and escaped bugs in ``shape``.

    Kept on ``app.state.shape`` for the server's HTTP protocol (``sise.server.http``)."""
    app.router.redirect_slashes = False  # a trailing slash is another path, not a 307
    app.router.default = _Unrouted(shape)
    app.add_exception_handler(HTTPException, _http_exception(shape))
    app.add_exception_handler(Exception, _unexpected(shape))
    app.state.shape = shape


class AsgiEndpoint:
    """A coroutine ``(scope, receive, send)`` as a Starlette route endpoint that is called as a
    plain ASGI app: a function or method would be wrapped in Request/Response handling, which the
    vendors' hot routes skip."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def response(answer: Answer) -> Response:
    return Response(answer.body, answer.status, headers=dict(answer.headers), media_type=answer.media_type)


class _Unrouted:
    """The router's fallback: the vendor's not-found, or a prompt WebSocket refusal."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await response(self.shape.not_found(scope))(scope, receive, send)
        elif scope["type"] == "websocket":
            # Closing before accepting makes the server refuse the handshake with HTTP 403. (The
            # denial-response extension could carry the vendor's body, but uvicorn's sans-I/O
            # WebSocket protocol logs every such denial as an error.)
            await send({"type": "websocket.close", "code": 1008})


def _http_exception(shape: Shape) -> _Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            # Starlette builds Allow from a set: sort it so answers do not vary with the hash seed.
            allow = ", ".join(sorted(m.strip() for m in (exc.headers or {}).get("Allow", "").split(",")))
            return response(shape.method_not_allowed(request.scope, allow))
        if exc.status_code == 404:
            return response(shape.not_found(request.scope))
        return response(shape.malformed())

    return handle


def _unexpected(shape: Shape) -> _Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        return response(shape.unexpected(request.scope))

    return handle
