"""Koscom futures and options endpoints (koscom.md §9, §10) over a small simulated day that lists
derivatives, driven in-process through the app. Expected values are recomputed from engine
state and the ``futures_daily`` history rows, not from the views."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from typing import Any

import numpy as np
import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.api.koscom.views_derivatives import ENDPOINTS
from sise.engine.engine import Engine
from sise.market.codes import KOSCOM_INVESTOR_CODES
from sise.market.derivatives import PRODUCTS, Product, futures_limit_steps, product_of_code
from sise.market.timeutil import NS, kst_ns, yyyymmdd
from sise.market.types import InstrumentKind, Venue
from sise.market.universe import Universe, build_universe
from sise.sources.day import build_market
from sise.sources.futures_history import backfill_futures
from sise.sources.history import backfill
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.store.base import FUTURES_TABLE
from sise.store.memory import MemoryStore

DAY = date(2026, 11, 20)
KEY = "l7xx0123456789abcdef0123456789abcdef"
#: Market times the engines are copied at: two inside one 30-second window, then past its end.
T_A, T_B, T_C = (kst_ns(DAY, time(11, 0, s)) for s in (10, 20, 40))


@dataclass
class DDay:
    universe: Universe
    store: MemoryStore
    pre: Engine  # day opened, nothing traded
    at: dict[int, Engine]  # copies at T_A, T_B, T_C
    full: Engine  # after the derivatives close and settlement (day still open)


@cache
def deriv_day() -> DDay:
    base = build_universe(n_kospi=200, n_kosdaq=200, n_etf=10, n_etn=5)
    store = MemoryStore()
    backfill(base, store, end=DAY - timedelta(days=1), days=60)
    backfill_futures(base, store, end=DAY - timedelta(days=1), days=60)
    universe, full = build_market(base, DAY)
    pre = Engine.from_universe(universe)
    pre.start_day(DAY)
    sim = MarketSimulator(universe, pre.base, pre.upper, pre.lower, SimConfig(DAY, seed=5, scale=0.01, step_s=10))
    first, last = sim.index_window
    full.start_day(DAY, index_from=first, index_until=last)
    pre = copy.deepcopy(full)
    at: dict[int, Engine] = {}
    for b in sim.batches():
        full.apply(b)
        for t in (T_A, T_B, T_C):
            if t not in at and b.end_time is not None and b.end_time >= t:
                at[t] = copy.deepcopy(full)
    return DDay(universe, store, pre, at, full)


def now_of(e: Engine) -> int:
    return kst_ns(DAY, time(8, 0)) if e.last_time < 0 else int(e.last_time)


def client(e: Engine, d: DDay, now: int | None = None) -> TestClient:
    t = now_of(e) if now is None else now

    def context() -> KoscomContext:
        return KoscomContext(e, d.universe, d.store, lambda: t)

    app = create_koscom_app(context, lambda k: k == KEY, endpoints=KOSCOM_ENDPOINTS)
    return TestClient(app)


def get(c: TestClient, path: str, **params: Any) -> Any:
    return c.get(path, headers={"apikey": KEY}, params=params)


@pytest.fixture(scope="module")
def day() -> DDay:
    return deriv_day()
