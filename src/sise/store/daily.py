"""Writing a finished engine day into history, so a long-running server's history keeps up.

``record_day`` turns the engine's KRX state at the end of a day into ``stock_daily`` and
``index_daily`` rows in the same form the back-fill writes: the regular-session close (after-hours
prints excluded), the base price, sign codes, volume and value, and the cumulative adjustment
factor continued from the instrument's previous row.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from sise.engine.engine import Engine
from sise.market.limits import sign_codes
from sise.market.timeutil import yyyymmdd
from sise.market.types import InstrumentKind, Venue
from sise.market.universe import Universe
from sise.store.base import INDEX_DAILY, STOCK_DAILY, HistoryStore


def record_day(store: HistoryStore, engine: Engine, universe: Universe, day: date) -> tuple[int, int]:
    """Write ``day`` (call after ``engine.end_day()``); returns (stock rows, index rows)."""
    d = yyyymmdd(day)
    t = universe.instruments
    cash = np.flatnonzero((t.kind <= InstrumentKind.ETN) & t.active)
    krx = engine.state(Venue.KRX)
    close = engine.prev_close  # end_day rolled the regular close into prev_close
    base = engine.base
    traded = krx.count > 0

    rows = np.zeros(len(cash), STOCK_DAILY)
    rows["code"] = [t.code[i] for i in cash]
    rows["date"] = d
    rows["base"] = base[cash]
    rows["close"] = close[cash]
    for f in ("open", "high", "low"):
        rows[f] = np.where(traded[cash], getattr(krx, f)[cash], close[cash])
    rows["change"] = rows["close"] - rows["base"]
    sign = sign_codes(close, base, engine.upper, engine.lower)  # at the regular close
    rows["sign"] = sign[cash]
    rows["volume"] = krx.volume[cash]
    rows["value"] = krx.value[cash]
    rows["listed_shares"] = t.listed_shares[cash]
    prev_close, adj = _previous(store, rows["code"], d)
    rows["prev_close"] = np.where(prev_close > 0, prev_close, base[cash])
    # A base that differs from yesterday's close is an ex-date: continue the adjustment factor.
    ratio = np.where(prev_close > 0, base[cash] / np.maximum(prev_close, 1), 1.0)
    rows["adj_factor"] = adj * ratio
    store.put("stock_daily", rows)

    ix = engine.index
    levels = np.round(ix.levels(), 2)
    vol, val = ix.volume, ix.value
    member = ix.member
    irows = np.zeros(len(ix.keys), INDEX_DAILY)
    irows["code"] = ix.keys
    irows["date"] = d
    irows["close"] = levels
    for f in ("open", "high", "low"):
        irows[f] = np.where(np.isnan(getattr(ix, f)), levels, getattr(ix, f))
    irows["change"] = np.round(levels - ix.prev_close, 2)
    irows["sign"] = np.where(irows["change"] > 0, 2, np.where(irows["change"] < 0, 5, 3))
    irows["volume"] = vol
    irows["value"] = val
    irows["mktcap"] = member.astype(np.int64) @ (close * t.listed_shares)
    irows["listed_shares"] = member.astype(np.int64) @ t.listed_shares
    irows["constituents"] = member.sum(axis=1)
    # Constituents by sign code 1..5 (상한, 상승, 보합, 하한, 하락) at the regular close.
    onehot = (sign[:, None] == np.arange(1, 6)[None, :]).astype(np.int64)
    irows["signs"] = member.astype(np.int64) @ onehot
    store.put("index_daily", irows)
    return len(rows), len(irows)


def _previous(store: HistoryStore, codes: np.ndarray, before: int) -> tuple[np.ndarray, np.ndarray]:
    """Per code, the last stored close and adjustment factor before ``before`` (0 and 1.0 if none)."""
    close = np.zeros(len(codes), np.int64)
    adj = np.ones(len(codes), np.float64)
    for k, code in enumerate(codes):
        last = store.get("stock_daily", str(code), None, before - 1)
        if len(last):
            close[k] = int(last["close"][-1])
            adj[k] = float(last["adj_factor"][-1])
    return close, adj
