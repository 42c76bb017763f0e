"""A finished day's flows as history rows: investors, program trading, short selling, foreign
ownership, NAV and member firms (``record_day`` in ``sise.store.daily``).

Each table reads the engine the way the live answers do — the KRX venue's ``inv_qty``/``inv_val``,
``prog_qty``/``prog_val``, ``short_qty``/``short_val``, ``Engine.index_investor_flows`` and
``index_program`` for indices, ``member_ranking`` for 거래원 — so the stored day is what the APIs
showed that day. What the engine does not keep (short and loan balances, a leveraged product's
tracked level) continues from the previous stored row by the back-fill's model.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from sise.market.instruments import foreign_limit_qty
from sise.market.short_selling import COVER_RATE, next_short_balance, shortable
from sise.market.types import InstrumentKind, Side, Venue
from sise.market.universe import Universe
from sise.store.base import (
    CODE_DTYPE,
    FOREIGN_DAILY,
    INVESTOR_DAILY,
    MEMBER_CODE_WIDTH,
    MEMBER_DAILY,
    NAV_DAILY,
    PROGRAM_DAILY,
    SHORT_DAILY,
    SYNTHETIC_INDEX_BASE,
    TOP_MEMBERS,
    HistoryStore,
    Rows,
)
from sise.store.closing import ClosedDay, previous_rows

__all__ = ["foreign_rows", "investor_rows", "member_rows", "nav_rows", "program_rows", "short_rows"]

#: No name's own covering rate is known on a roll-over: the middle of the back-fill's range.
_COVER_RATE: Final = sum(COVER_RATE) / 2


def _keyed(dtype: np.dtype[np.void], c: ClosedDay, with_indices: bool) -> Rows:
    """Rows of the day for the cash instruments, then (``with_indices``) the indices."""
    keys = np.array(c.index_keys if with_indices else [], CODE_DTYPE)
    rows = np.zeros(len(c.codes) + len(keys), dtype)
    rows["code"] = np.concatenate([c.codes, keys])
    rows["date"] = c.ymd
    return rows


def investor_rows(c: ClosedDay) -> Rows:
    """Per instrument and per index (the sums over its constituents); per row Σ buy = Σ sell."""
    n, k, krx = len(c.cash), c.indices, c.krx
    rows = _keyed(INVESTOR_DAILY, c, with_indices=True)
    bq, sq, bv, sv = c.engine.index_investor_flows(Venue.KRX)
    for name, flows, side, index in (
        ("buy_qty", krx.inv_qty, Side.BUY, bq),
        ("sell_qty", krx.inv_qty, Side.SELL, sq),
        ("buy_val", krx.inv_val, Side.BUY, bv),
        ("sell_val", krx.inv_val, Side.SELL, sv),
    ):
        rows[name][:n] = flows[c.cash, side]
        rows[name][n:] = index[k]
    return rows


def program_rows(c: ClosedDay) -> Rows:
    """Per instrument and per index: the engine's program cells [side, kind, account]."""
    n, k, krx = len(c.cash), c.indices, c.krx
    rows = _keyed(PROGRAM_DAILY, c, with_indices=True)
    qty, val = c.engine.index_program(Venue.KRX)
    rows["qty"][:n], rows["qty"][n:] = krx.prog_qty[c.cash], qty[k]
    rows["val"][:n], rows["val"][n:] = krx.prog_val[c.cash], val[k]
    return rows


def short_rows(store: HistoryStore, c: ClosedDay) -> Rows:
    """The day's short sales; balances carried from the previous stored row.

    The engine keeps no balances: the short balance moves by ``next_short_balance`` (the
    back-fill's step, at the middle of its covering range), and the stock-loan balance (대차잔고)
    by the change of the short balance — a share sold short is borrowed, a share covered is
    returned — the rest of the loan book carried unchanged, never below the short balance. A
    corporate action that day scales both with the share count."""
    prev, _ = previous_rows(store, "short_daily", c.codes, c.day)
    ratio = c.listed_ratio()
    balance0 = np.round(prev["balance_qty"] * ratio).astype(np.int64)
    loan0 = np.round(prev["loan_qty"] * ratio).astype(np.int64)
    qty = c.krx.short_qty[c.cash]
    allowed = shortable(c.engine.instruments, c.day)[c.cash]
    balance = next_short_balance(balance0, qty, allowed, _COVER_RATE)
    rows = _keyed(SHORT_DAILY, c, with_indices=False)
    rows["short_qty"] = qty
    rows["short_val"] = c.krx.short_val[c.cash]
    rows["balance_qty"] = balance
    rows["balance_val"] = balance * c.close[c.cash]
    rows["loan_qty"] = np.maximum(loan0 + balance - balance0, balance)
    return rows


def foreign_rows(c: ClosedDay) -> Rows:
    """Per stock: the holdings at the close (``end_day`` carried them into ``foreign_start``),
    the limit, the ratio to the listed shares and the limit's exhaustion, as the back-fill has them."""
    t = c.engine.instruments
    sel = t.kind[c.cash] == InstrumentKind.STOCK
    stocks = c.cash[sel]
    holdings = c.engine.foreign_start[stocks]
    listed = t.listed_shares[stocks]
    limit = foreign_limit_qty(listed, t.foreign_limit_pct[stocks])
    rows = np.zeros(len(stocks), FOREIGN_DAILY)
    rows["code"] = c.codes[sel]
    rows["date"] = c.ymd
    rows["holdings"] = holdings
    rows["limit_qty"] = limit
    rows["ratio"] = np.round(holdings / np.maximum(listed, 1) * 100.0, 2)
    rows["exhaustion"] = np.round(holdings / np.maximum(limit, 1) * 100.0, 2)
    return rows


def nav_rows(store: HistoryStore, c: ClosedDay) -> Rows:
    """Per ETF and ETN: the NAV at the close (``end_day`` carried ``Engine.navs()`` into
    ``nav_prev``) and the tracked index level.

    A plain product (leverage 1) on an index the engine computes shows that index's close; any
    other continues its previous level by the day's underlying return (the back-fill's compounded
    level): the leverage times the tracked index's move, or the product's own move where the
    engine computes no index for it."""
    e = c.engine
    t = e.instruments
    sel = t.kind[c.cash] != InstrumentKind.STOCK
    etp = c.cash[sel]
    codes = c.codes[sel]
    ix = e.index
    levels = np.round(ix.levels(), 2)
    k = e.etp_index[etp]
    tracked = k >= 0
    kk = np.where(tracked, k, 0)
    lev = t.leverage[etp].astype(np.float64)
    names_index = np.array([t.underlying[i] == ix.keys[j] for i, j in zip(etp, kk, strict=True)], np.bool_)
    plain = tracked & (lev == 1) & names_index
    with np.errstate(divide="ignore", invalid="ignore"):
        index_move = np.where(ix.prev_close[kk] > 0, levels[kk] / ix.prev_close[kk] - 1.0, 0.0)
        own_move = np.where(e.base[etp] > 0, c.close[etp] / e.base[etp] - 1.0, 0.0)
    move = np.where(tracked, lev * index_move, own_move)
    prev, has_prev = previous_rows(store, "nav_daily", codes, c.day)
    chained = np.where(has_prev, prev["index_level"], SYNTHETIC_INDEX_BASE) * (1.0 + move)
    rows = np.zeros(len(etp), NAV_DAILY)
    rows["code"] = codes
    rows["date"] = c.ymd
    rows["nav"] = np.round(e.nav_prev[etp], 2)
    rows["index_level"] = np.where(plain, levels[kk], np.round(chained, 2))
    return rows


def member_rows(c: ClosedDay, universe: Universe) -> Rows:
    """Per instrument: its top members of each side by shares, as 거래원 answers rank them."""
    sm, sq, bm, bq = c.engine.member_ranking(c.cash, Venue.KRX, TOP_MEMBERS)
    member_codes = np.array([m.code for m in universe.members], f"<U{MEMBER_CODE_WIDTH}")
    rows = _keyed(MEMBER_DAILY, c, with_indices=False)
    ranked = sq.shape[1]  # fewer than TOP_MEMBERS only in a market with fewer members
    for side, members, qty in (("sell", sm, sq), ("buy", bm, bq)):
        rows[f"{side}_member"][:, :ranked] = np.where(qty > 0, member_codes[members], "")
        rows[f"{side}_qty"][:, :ranked] = qty
    return rows
