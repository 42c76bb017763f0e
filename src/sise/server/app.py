"""The ASGI apps of one process: the real and the 모의투자 personalities, plus health.

The real personality serves Kiwoom and Koscom on one port, as a client of both would expect of
"the same host": Koscom's ``/v2/…`` and ``/v3/…`` paths and its WebSocket paths (``/ws``) go to
the Koscom app, every other path to the Kiwoom app, so each answers what it does not serve in its
own vendor's shape."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sise import __version__
from sise.api.kiwoom.app import create_kiwoom_app
from sise.api.kiwoom.auth import DEFAULT_TOKEN_LIFETIME_S, KeyStore
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.kiwoom.ws import PATH as KIWOOM_WS_PATH
from sise.api.kiwoom.ws import WsOptions
from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.api.koscom.quota import DEFAULT_DAILY_QUOTA
from sise.api.koscom.ws import PATH as KOSCOM_WS_PATH
from sise.api.koscom.ws import KoscomWsOptions
from sise.api.koscom.ws_market import PATHS as MARKET_WS_PATHS
from sise.api.stream import DEFAULT_MAX_PENDING_BYTES, StreamHub
from sise.api.surface import Shape
from sise.market.timeutil import kst_datetime
from sise.server.runtime import Market, Requests

#: Path prefixes of the Koscom API (``/v2/market``, ``/v3/market`` and anything else there).
KOSCOM_PREFIXES: Final = ("/v2/", "/v3/")
#: Exact paths of Koscom's WebSockets (koscom.md §11.1).
KOSCOM_WS_PATHS: Final = (KOSCOM_WS_PATH, *MARKET_WS_PATHS)
_SLASHES: Final = re.compile("/{2,}")
_RAW_SLASHES: Final = re.compile(b"/{2,}")
#: Path prefix of sise's own admin endpoints (``sise.server.admin``), on the real port.
ADMIN_PREFIX: Final = "/admin/"


class OnePort:
    """Kiwoom and Koscom on one port: ``/v2/…``, ``/v3/…`` and the Koscom WebSocket paths are
    Koscom's, ``/admin/…`` the admin app's when there is one, the rest Kiwoom's. ``state`` is the
    Kiwoom app's; :meth:`shape_for` says whose shape answers a request the HTTP parser cannot
    read."""

    def __init__(
        self,
        kiwoom: Starlette,
        koscom: Starlette | None,
        admin: ASGIApp | None = None,
        requests: Requests | None = None,
    ) -> None:
        self.kiwoom = kiwoom
        self.koscom = koscom
        self.admin = admin
        self.state = kiwoom.state
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.requests is not None and scope["type"] == "http":
            self.requests.begin()  # the market's thread gives way until it is answered
            try:
                await self._route(scope, receive, send)
            finally:
                self.requests.end()
        else:
            await self._route(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if "//" in path:
            # Repeated slashes are one, as in front of most web services (nginx's merge_slashes):
            # a client that joins its base URL and a path with a slash each (kiwoom-rest-api
            # without ``base_url=``) asks for ``//api/dostk/…``.
            path = _SLASHES.sub("/", path)
            raw = scope.get("raw_path")
            raw = _RAW_SLASHES.sub(b"/", raw) if isinstance(raw, bytes) else path.encode()
            scope = {**scope, "path": path, "raw_path": raw}
        await self.app_for(path)(scope, receive, send)

    def app_for(self, path: str) -> ASGIApp:
        """The app that serves ``path`` (its slashes already merged)."""
        if self.koscom is not None and (path.startswith(KOSCOM_PREFIXES) or path in KOSCOM_WS_PATHS):
            return self.koscom
        if self.admin is not None and path.startswith(ADMIN_PREFIX):
            return self.admin
        return self.kiwoom

    def shape_for(self, path: str) -> Shape:
        """Whose answers a request for ``path`` gets when the HTTP parser cannot read it: Koscom's
        on its paths, else Kiwoom's (the admin app has no vendor)."""
        app = self.app_for(_SLASHES.sub("/", path))
        shape: Shape = (self.koscom if app is self.koscom else self.kiwoom).state.shape
        return shape


def create_app(
    market: Market,
    keys: KeyStore,
    *,
    mock: bool = False,
    token_lifetime_s: float = DEFAULT_TOKEN_LIFETIME_S,
    rate_limit: float | None = None,
    koscom_quota: int = DEFAULT_DAILY_QUOTA,
    hub: StreamHub | None = None,
    ws: WsOptions | None = None,
    koscom_ws: KoscomWsOptions | None = None,
    admin: ASGIApp | None = None,
) -> OnePort:
    """One personality: ``GET /healthz``, the Kiwoom REST API and WebSocket and, on the real
    personality, the Koscom REST API and WebSocket.

    ``rate_limit``: ``None`` for Kiwoom's own limit, ``0`` for none (see ``create_kiwoom_app``);
    ``koscom_quota``: Koscom calls per key per day, ``0`` for no quota. ``hub`` feeds the
    real-time WebSockets; both personalities of a market should share one (:func:`market_hub`),
    so an item's payload is encoded once per batch for all of them. ``ws`` and ``koscom_ws``
    time and cap each vendor's WebSocket sessions. ``admin`` serves ``/admin/…`` on the real
    personality (``sise.server.admin``).
    """
    hub = hub if hub is not None else market_hub(market)

    def context() -> KiwoomContext:
        return KiwoomContext(market.engine, market.universe, market.store, market.clock.now_ns, mock)

    kiwoom = create_kiwoom_app(
        context,
        keys,
        trs=KIWOOM_TRS,
        mock=mock,
        token_lifetime_s=token_lifetime_s,
        rate_limit=rate_limit,
        hub=hub,
        ws=ws,
    )
    # One router for everything (no Mount): a routing layer less on every request; health last,
    # after the routes that take the traffic.
    kiwoom.router.routes.append(Route("/healthz", _healthz(market, mock)))
    kiwoom.router.routes.append(Route("/", _index(mock)))
    if mock:  # Koscom has no 모의투자
        return OnePort(kiwoom, None, requests=market.requests)

    def koscom_context() -> KoscomContext:
        return KoscomContext(market.engine, market.universe, market.store, market.clock.now_ns)

    koscom = create_koscom_app(
        koscom_context,
        keys.has_koscom_key,
        endpoints=KOSCOM_ENDPOINTS,
        daily_quota=koscom_quota,
        hub=hub,
        ws=koscom_ws,
    )
    return OnePort(kiwoom, koscom, admin, market.requests)


def market_hub(market: Market, max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES) -> StreamHub:
    """A stream hub fed by ``market`` after every applied batch; a subscriber whose backlog
    passes ``max_pending_bytes`` is cut (``sise.api.stream``)."""
    hub = StreamHub(max_pending_bytes)
    market.listeners.append(hub.publish)
    return hub


#: Where each part is documented, in sise's source tree.
DOCS: Final = {
    "readme": "README.md",
    "kiwoom": "docs/kiwoom.md",
    "kiwoom_auth": "docs/kiwoom-auth.md",
    "kiwoom_ws": "docs/kiwoom-ws.md",
    "koscom": "docs/koscom.md",
    "koscom_ws": "docs/koscom-ws.md",
}


def index(mock: bool) -> dict[str, Any]:
    """What ``GET /`` answers: what this personality serves, where, and where it is documented."""
    by_uri: dict[str, list[str]] = {}
    for tr in KIWOOM_TRS:
        by_uri.setdefault(f"/api/dostk/{tr.category}", []).append(tr.api_id)
    out: dict[str, Any] = {
        "service": "sise",
        "version": __version__,
        "personality": "mock" if mock else "real",
        "health": "/healthz",
        "kiwoom": {
            "oauth": ["/oauth2/token", "/oauth2/revoke"],
            "rest": by_uri,
            "websocket": KIWOOM_WS_PATH,
        },
    }
    if not mock:
        out["koscom"] = {
            "rest": [f"/v2/market{e.path}" for e in KOSCOM_ENDPOINTS],
            "websocket": list(KOSCOM_WS_PATHS),
        }
    out["docs"] = DOCS
    return out


def _index(mock: bool) -> Callable[[Request], Awaitable[Response]]:
    body = JSONResponse(index(mock)).body  # the same for the life of the process

    async def root(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return root


def _healthz(market: Market, mock: bool) -> Callable[[Request], Awaitable[Response]]:
    async def healthz(request: Request) -> Response:
        if not market.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        now = market.clock.now_ns()
        return JSONResponse(
            {
                "status": "ok",
                "personality": "mock" if mock else "real",
                "market_time": kst_datetime(now).isoformat(),
                "trading_day": market.day.isoformat(),
                "speed": market.clock.speed,
            }
        )

    return healthz
