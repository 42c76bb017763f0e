"""The ASGI apps of one process: the real and the 모의투자 personalities, plus health."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sise.api.kiwoom.app import create_kiwoom_app
from sise.api.kiwoom.auth import DEFAULT_TOKEN_LIFETIME_S, KeyStore
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.market.timeutil import kst_datetime
from sise.server.runtime import Market


def create_app(
    market: Market,
    keys: KeyStore,
    *,
    mock: bool = False,
    token_lifetime_s: float = DEFAULT_TOKEN_LIFETIME_S,
    rate_limit: float | None = None,
) -> Starlette:
    """One personality: ``GET /healthz`` and the Kiwoom REST API.

    ``rate_limit``: ``None`` for Kiwoom's own limit, ``0`` for none (see ``create_kiwoom_app``).
    """

    def context() -> KiwoomContext:
        return KiwoomContext(market.engine, market.universe, market.store, market.clock.now_ns, mock)

    kiwoom = create_kiwoom_app(
        context, keys, trs=KIWOOM_TRS, mock=mock, token_lifetime_s=token_lifetime_s, rate_limit=rate_limit
    )
    # One router for everything (no Mount): a routing layer less on every request.
    kiwoom.router.routes.insert(0, Route("/healthz", _healthz(market, mock)))
    return kiwoom


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
