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

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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
) -> Starlette:
    """The Koscom REST API. ``accepts(apikey)`` says whether a key is valid; ``daily_quota``
    calls per key per UTC day (0: no quota); ``wall`` drives the quota's day."""
    table: PathTable[Endpoint] = PathTable()
    for ep in endpoints:
        for path in (*(V2 + p for p in (ep.path, *ep.aliases)), *(V3 + p for p in ep.v3)):
            table.add(path, ep)
    api = _KoscomApi(context, accepts, table, DailyQuota(daily_quota, wall=wall), monotonic)
    # Two routes (GET, and HEAD with it): the path table inside does the matching.
    routes = [Route(prefix + "/{rest:path}", api.handle, methods=["GET"]) for prefix in (V2, V3)]
    app = Starlette(routes=routes)
    surface.install(app, KoscomShape())
    app.state.quota = api.quota
    app.state.paths = table.paths
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

    async def handle(self, request: Request) -> Response:
        found = self.table.match(request.url.path)
        if found is None:  # the gateway routes before it authenticates
            return _respond(NO_ROUTE().answer())
        ep, params = found
        key = request.headers.get("apikey") or request.query_params.get("apikey") or ""
        key = key.strip()
        if not key:
            return _respond(NO_API_KEY().answer())
        if not self.accepts(key):
            return _respond(BAD_API_KEY().answer())
        remaining = self.quota.take(key)
        if remaining is None:
            return _respond(RATE_LIMITED().answer(self.quota.headers(0)))
        headers = self.quota.headers(remaining)
        try:
            path = Path(params.get("market", ""), params.get("code", ""))
            if ep.markets and path.market not in ep.markets:
                raise NO_ROUTE()
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "apikey"]
            body = self._answer(ep, path, query)
            return Response(body, 200, dict(headers), media_type=CONTENT_TYPE)
        except KoscomError as e:
            return _respond(e.answer(headers))
        except Exception:
            log.exception("%s failed", request.url.path[:200])
            return _respond(SERVER_ERROR().answer(headers))

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
    return 256 + len(body)


def _respond(answer: Answer) -> Response:
    return surface.response(answer)
