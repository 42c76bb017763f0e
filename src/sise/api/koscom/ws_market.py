"""Koscom's market-wide real-time WebSockets, ``/ws_ksp`` (유가증권) and ``/ws_kdq`` (코스닥)
(koscom.md §11.1, §11.3; docs/koscom-ws.md).

After ``init`` (as on ``/ws``: JSON-RPC, the API key, one session per key on each endpoint) the
session receives every KRX trade of its market, as bare JSON arrays of at most 50 string-valued
items, with no subscription; ``heartbeat`` is answered. The frames come from the stream hub's
trade feed (``sise.api.koscom.ws_trades``): cut once per batch, the same bytes for every session.

A trade stream cannot be conflated: a session that does not keep up is disconnected (close code
1008 and the reason) once its backlog passes the hub's bound, and the others never wait for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from starlette.websockets import WebSocket

from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.ws import KoscomWsOptions, RpcEndpoint, RpcSession
from sise.api.koscom.ws_trades import FEED, MarketTrades
from sise.api.stream import StreamHub
from sise.market.types import Market

__all__ = ["PATHS", "MarketWs"]

#: The endpoints and the market each streams.
PATHS: Final = {"/ws_ksp": Market.KOSPI, "/ws_kdq": Market.KOSDAQ}


class MarketWs(RpcEndpoint):
    """``/ws_ksp`` or ``/ws_kdq``: every trade of ``market``."""

    def __init__(
        self,
        context: Callable[[], KoscomContext],
        accepts: Callable[[str], bool],
        hub: StreamHub,
        options: KoscomWsOptions,
        market: Market,
    ) -> None:
        super().__init__(context, accepts, hub, options)
        self.market = market
        hub.ensure_feed(FEED, lambda: MarketTrades(context))

    def session(self, websocket: WebSocket) -> RpcSession:
        return _MarketSession(self, websocket)


class _MarketSession(RpcSession):
    ep: MarketWs

    def __init__(self, endpoint: MarketWs, websocket: WebSocket) -> None:
        super().__init__(endpoint, websocket)
        self.sub = endpoint.hub.subscriber(lambda: self.wake_or_cut(self.sub))

    def started(self) -> None:
        self.sub.follow(FEED, self.ep.market)

    def leave(self) -> None:
        self.sub.close()

    async def writer(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.closing is not None:
                await self.error_and_close(self.closing)
                return
            await self.send(*self.sub.take_events())
