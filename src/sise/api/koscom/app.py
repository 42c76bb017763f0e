"""The Koscom market-data REST surface: API keys, the daily quota, routing and the envelopes.

Every endpoint is a GET under ``/v2/market`` (and its v3 twin under ``/v3/market``), declared in
``sise.api.koscom.endpoints``. A request is checked in the gateway's order: route (404 ``no Route
matched``), API key in the ``apikey`` header or query (401), the key's daily quota (429), then
the endpoint's query parameters and view (JSON-RPC 시세 errors). Every answer after the key check
carries ``X-RateLimit-Limit-Day`` / ``X-RateLimit-Remaining-Day``; nothing is ever a bare 500.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Final
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from sise.api import surface
from sise.api.cache import VersionedCache
from sise.api.errors import Answer
from sise.api.koscom.endpoint import Endpoint, KoscomContext, Path
from sise.api.koscom.errors import (
    BAD_API_KEY,
    CONTENT_TYPE,
    NO_API_KEY,
    NO_ROUTE,
    RATE_LIMITED,
    SERVER_ERROR,
    KoscomError,
    KoscomShape,
)
from sise.api.koscom.quota import DEFAULT_DAILY_QUOTA, DailyQuota
from sise.api.koscom.routes import PathTable
from sise.api.koscom.ws import PATH as WS_PATH
from sise.api.koscom.ws import KoscomWs, KoscomWsOptions
from sise.api.koscom.ws_market import PATHS as MARKET_WS_PATHS
from sise.api.koscom.ws_market import MarketWs
from sise.api.stream import StreamHub

__all__ = ["V2", "V3", "create_koscom_app"]

log = logging.getLogger("sise.koscom")

V2: Final = "/v2/market"
V3: Final = "/v3/market"
CACHE_TTL_S: Final = 60.0


def create_koscom_app(
    context: Callable[[], KoscomContext],
    accepts: Callable[[str], bool],
    *,
    endpoints: Sequence[Endpoint],
    daily_quota: int = DEFAULT_DAILY_QUOTA,
    wall: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    hub: StreamHub | None = None,
    ws: KoscomWsOptions | None = None,
) -> Starlette:
    """The Koscom REST API. ``accepts(apikey)`` says whether a key is valid; ``daily_quota``
    calls per key per UTC day (0: no quota); ``wall`` drives the quota's day. With a ``hub``
    (fed by the market after every batch) the app also serves the real-time WebSockets: ``/ws``
    (``sise.api.koscom.ws``) and the market-wide ``/ws_ksp``, ``/ws_kdq``
    (``sise.api.koscom.ws_market``), their sessions timed and capped by ``ws``."""
    table: PathTable[Endpoint] = PathTable()
    for ep in endpoints:
        for path in (*(V2 + p for p in (ep.path, *ep.aliases)), *(V3 + p for p in ep.v3)):
            table.add(path, ep)
    api = _KoscomApi(context, accepts, table, DailyQuota(daily_quota, wall=wall), monotonic)
    # Two routes (GET, and HEAD with it): the path table inside does the matching.
    routes = [
        Route(prefix + "/{rest:path}", surface.AsgiEndpoint(api.handle), methods=["GET"])
        for prefix in (V2, V3)
    ]
    app = Starlette(routes=routes)
    surface.install(app, KoscomShape())
    app.state.quota = api.quota
    app.state.paths = table.paths
    if hub is not None:
        options = ws or KoscomWsOptions()
        endpoint = KoscomWs(context, accepts, hub, options)
        app.router.routes.append(WebSocketRoute(WS_PATH, endpoint.serve))
        app.state.websocket = endpoint
        app.state.market_websockets = {}
        for path, market in MARKET_WS_PATHS.items():
            wide = MarketWs(context, accepts, hub, options, market)
            app.router.routes.append(WebSocketRoute(path, wide.serve))
            app.state.market_websockets[path] = wide
    return app


class _KoscomApi:
    def __init__(
        self,
        context: Callable[[], KoscomContext],
        accepts: Callable[[str], bool],
        table: PathTable[Endpoint],
        quota: DailyQuota,
        monotonic: Callable[[], float],
    ) -> None:
        self.context = context
        self.accepts = accepts
        self.table = table
        self.quota = quota
        self._cache: VersionedCache[bytes] = VersionedCache(_size, ttl_s=CACHE_TTL_S, clock=monotonic)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every GET under ``/v2/market`` and ``/v3/market``, as a plain ASGI app (no Starlette
        Request or Response objects on the path every call takes)."""
        answer = self.answer(scope)
        raw_headers = [
            (b"content-type", answer.media_type.encode("latin-1")),
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else answer.body})

    def answer(self, scope: Scope) -> Answer:
        found = self.table.match(scope["path"])
        if found is None:  # the gateway routes before it authenticates
            return NO_ROUTE().answer()
        ep, params = found
        qs = scope.get("query_string", b"")
        query = parse_qsl(qs.decode("latin-1"), keep_blank_values=True) if qs else []
        key = ""
        for name, value in scope["headers"]:
            if name == b"apikey":
                key = value.decode("latin-1")
                break
        if not key:
            key = next((v for k, v in query if k == "apikey"), "")
        key = key.strip()
        if not key:
            return NO_API_KEY().answer()
        if not self.accepts(key):
            return BAD_API_KEY().answer()
        remaining = self.quota.take(key)
        if remaining is None:
            return RATE_LIMITED().answer(self.quota.headers(0))
        headers = self.quota.headers(remaining)
        try:
            path = Path(params.get("market", ""), params.get("code", ""))
            if ep.markets and path.market not in ep.markets:
                raise NO_ROUTE()
            body = self._answer(ep, path, [(k, v) for k, v in query if k != "apikey"])
            return Answer(200, body, CONTENT_TYPE, headers)
        except KoscomError as e:
            return e.answer(headers)
        except Exception:
            log.exception("%s failed", str(scope["path"])[:200])
            return SERVER_ERROR().answer(headers)

    def _answer(self, ep: Endpoint, path: Path, query: list[tuple[str, str]]) -> bytes:
        ctx = self.context()

        def build() -> bytes:
            values = dict(reversed(query))  # the first of repeated names wins
            flags = tuple(dict.fromkeys(k for k, _ in query))
            return orjson.dumps(ep.body(ep.view(ctx, path._replace(flags=flags), ep.read(values))))

        version = getattr(ctx.engine, "version", None)
        if version is None:
            return build()
        # Some answers depend on the clock as well as the state (close-type windows, shortsell's
        # 18:00 row, the running intraday bar): key every answer on the market minute too.
        minute = ctx.now_ns() // 60_000_000_000
        key: Hashable = (ep.path, path.market, path.code, tuple(query), minute)
        return self._cache.get_or_build(version, key, build)


def _size(key: Hashable, body: bytes) -> int:
    """Bytes held by an entry: the answer and the query it is keyed on (a client chooses the
    query's length, so it counts against the cache's byte bound too)."""
    query = key[3] if isinstance(key, tuple) else ()
    return 256 + len(body) + sum(len(k) + len(v) for k, v in query)
