"""Koscom's market-wide WebSockets ``/ws_ksp`` and ``/ws_kdq`` (koscom.md §11), in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from sise.api.koscom.lookups import CASH_KINDS
from sise.api.koscom.ws import KoscomWsOptions
from sise.api.koscom.ws_trades import MAX_ITEMS, TRADE_ITEM
from sise.market.types import Market, Venue
from test_koscom_ws import Closed, Env, call, init, make_env, nothing_within, ok, recv


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    yield from make_env(KoscomWsOptions(init_timeout_s=5.0))


def market_volume(env: Env, market: Market) -> int:
    eng = env.market.engine
    ins = eng.instruments
    cash = np.isin(ins.kind, [int(k) for k in CASH_KINDS])
    return int(eng.state(Venue.KRX).volume[(ins.market == market) & cash].sum())


@pytest.mark.parametrize(("path", "market"), [("/ws_ksp", Market.KOSPI), ("/ws_kdq", Market.KOSDAQ)])
def test_every_trade_of_the_market_in_arrays_of_at_most_50_strings(
    env: Env, path: str, market: Market
) -> None:
    codes = {
        c
        for c, m in zip(env.market.engine.instruments.code, env.market.engine.instruments.market, strict=True)
        if m == market
    }
    with env.client.websocket_connect(path) as ws:
        assert init(ws) == ok()
        assert nothing_within(ws)  # no trade without a batch
        before = market_volume(env, market)
        env.step(10)
        after = market_volume(env, market)
        items: list[dict[str, Any]] = []
        while sum(int(i["trdVol"]) for i in items) < after - before:
            frame: Any = recv(ws)
            assert isinstance(frame, list) and 0 < len(frame) <= MAX_ITEMS  # a bare array, no JSON-RPC
            items += frame
        assert sum(int(i["trdVol"]) for i in items) == after - before  # every trade, none twice
        assert nothing_within(ws)
        assert all(
            list(i) == list(TRADE_ITEM.names) and all(isinstance(v, str) for v in i.values()) for i in items
        )
        assert {i["isuSrtCd"] for i in items} <= codes
        times = [int(i["trdTm"]) for i in items]
        assert times == sorted(times) and all(9_050_000 <= t < 9_060_000 for t in times)


def test_init_first_heartbeat_answered_and_no_subscriptions(env: Env) -> None:
    with env.client.websocket_connect("/ws_ksp") as ws:
        call(ws, "heartbeat", id_=3)
        assert recv(ws)["error"]["code"] == 10070  # nothing before init
        env.step(5)
        assert nothing_within(ws)
        assert init(ws) == ok()
        call(ws, "heartbeat", id_=4)
        frame = recv(ws)
        while isinstance(frame, list):  # trades of a batch may come first
            frame = recv(ws)
        assert frame == ok(4)
        call(ws, "subscribe", {"preset": "tick", "isuSrtCd": "005930"}, id_=5)
        frame = recv(ws)
        while isinstance(frame, list):
            frame = recv(ws)
        assert frame["id"] == 5 and frame["error"]["code"] == 10000
        ws.send_text("{not json")
        frame = recv(ws)
        while isinstance(frame, list):
            frame = recv(ws)
        assert frame["error"]["code"] == 47


def test_a_bad_key_is_refused_and_closed(env: Env) -> None:
    with env.client.websocket_connect("/ws_kdq") as ws:
        assert init(ws, "not-a-key")["error"]["code"] == 13001
        with pytest.raises(Closed):
            recv(ws)


def test_a_second_session_with_the_key_ends_the_first(env: Env) -> None:
    with env.client.websocket_connect("/ws_ksp") as first, env.client.websocket_connect("/ws_ksp") as second:
        assert init(first) == ok()
        assert init(second) == ok()
        frame = recv(first)
        assert frame["error"]["code"] == -32000
        with pytest.raises(Closed):
            recv(first)
        env.step(5)
        assert isinstance(recv(second), list)  # the newer session streams on
