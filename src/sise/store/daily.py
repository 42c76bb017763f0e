"""Writing a finished engine day into history, so a long-running server's history keeps up.

``record_day`` turns the engine's state at the end of a day into a row of every daily table for
that day, in the form and units the back-fill (``sise.sources.history``, ``futures_history``)
writes, read through the same engine readers the live answers use, so the stored day is what the
APIs showed that day:

* ``stock_daily`` and ``index_daily`` (here): the regular-session close (after-hours prints
  excluded), the base price, sign codes, volume and value, the adjustment factor continued from
  the instrument's previous row;
* ``investor_daily``, ``program_daily``, ``short_daily``, ``foreign_daily``, ``nav_daily`` and
  ``member_daily`` (``sise.store.daily_flows``);
* ``futures_daily`` (``sise.store.daily_futures``);
* ``universe_daily`` and ``index_def_daily`` (``sise.store.universe``): the universe and the index
  definitions as of the day.

History is the KRX venue; indices without constituents get no rows, as in the back-fill.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from sise.engine.engine import Engine
from sise.market.universe import Universe
from sise.store import daily_flows, daily_futures
from sise.store.base import (
    FUTURES_TABLE,
    INDEX_DAILY,
    STOCK_DAILY,
    HistoryStore,
    Rows,
    register_futures_table,
)
from sise.store.closing import ClosedDay
from sise.store.universe import index_def_rows, universe_rows

__all__ = ["record_day"]


def record_day(store: HistoryStore, engine: Engine, universe: Universe, day: date) -> dict[str, int]:
    """Write ``day`` into every table (call after ``engine.end_day()``); returns the rows
    written per table. Writing a day again replaces its rows."""
    c = ClosedDay.of(store, engine, day)
    ix = engine.index
    tables: dict[str, Rows] = {
        "stock_daily": _stock_rows(c),
        "index_daily": _index_rows(c),
        "investor_daily": daily_flows.investor_rows(c),
        "program_daily": daily_flows.program_rows(c),
        "short_daily": daily_flows.short_rows(store, c),
        "foreign_daily": daily_flows.foreign_rows(c),
        "nav_daily": daily_flows.nav_rows(store, c),
        "member_daily": daily_flows.member_rows(c, universe),
        "universe_daily": universe_rows(engine.instruments, ix.member, engine.base, c.ymd),
        "index_def_daily": index_def_rows(
            ix.keys,
            ix.member,
            np.array([s.float_adjusted for s in ix.specs], np.bool_),
            ix.base_value,
            ix.base_cap,
            ix.cap,
            c.ymd,
        ),
        FUTURES_TABLE: daily_futures.futures_rows(c),
    }
    register_futures_table(store)
    for name, rows in tables.items():
        store.put(name, rows, copy=False)
    return {name: len(rows) for name, rows in tables.items()}


def _stock_rows(c: ClosedDay) -> Rows:
    e, cash = c.engine, c.cash
    krx = c.krx
    close = c.close[cash]
    base = e.base[cash]
    traded = krx.count[cash] > 0
    rows = np.zeros(len(cash), STOCK_DAILY)
    rows["code"] = c.codes
    rows["date"] = c.ymd
    rows["base"] = base
    rows["close"] = close
    for f in ("open", "high", "low"):
        rows[f] = np.where(traded, getattr(krx, f)[cash], close)
    rows["change"] = close - base
    rows["sign"] = c.sign[cash]
    rows["volume"] = krx.volume[cash]
    rows["value"] = krx.value[cash]
    rows["listed_shares"] = e.instruments.listed_shares[cash]
    prev_close = np.where(c.has_prev, c.prev["close"], 0)
    rows["prev_close"] = np.where(prev_close > 0, prev_close, base)
    # A base that differs from yesterday's close is an ex-date: continue the adjustment factor.
    ratio = np.where(prev_close > 0, base / np.maximum(prev_close, 1), 1.0)
    rows["adj_factor"] = np.where(c.has_prev, c.prev["adj_factor"], 1.0) * ratio
    return rows


def _index_rows(c: ClosedDay) -> Rows:
    e = c.engine
    ix = e.index
    k = c.indices
    t = e.instruments
    levels = np.round(ix.levels(), 2)[k]
    member = ix.member_i[k]
    rows = np.zeros(len(k), INDEX_DAILY)
    rows["code"] = c.index_keys
    rows["date"] = c.ymd
    rows["close"] = levels
    for f in ("open", "high", "low"):
        v = getattr(ix, f)[k]
        rows[f] = np.where(np.isnan(v), levels, v)
    rows["change"] = np.round(levels - ix.prev_close[k], 2)
    rows["sign"] = np.where(rows["change"] > 0, 2, np.where(rows["change"] < 0, 5, 3))
    # The published figures: constituents' KRX trades up to the end of the index window.
    rows["volume"] = ix.volume[k]
    rows["value"] = ix.value[k]
    rows["mktcap"] = member @ (c.close * t.listed_shares)
    rows["listed_shares"] = member @ t.listed_shares
    rows["constituents"] = member.sum(axis=1)
    # Constituents by sign code 1..5 (상한, 상승, 보합, 하한, 하락) at the regular close.
    onehot = (c.sign[:, None] == np.arange(1, 6)[None, :]).astype(np.int64)
    rows["signs"] = member @ onehot
    return rows
