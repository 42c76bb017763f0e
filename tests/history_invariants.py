"""What every stored day must satisfy, however it was written: by the back-fill
(``tests/test_history.py``, ``tests/test_futures_history.py``) or by a day's roll-over
(``tests/test_rollover_history.py``).

``check_day`` reads one date of every table through the store interface and checks the rows
against each other: balanced investor flows, index rows that are sums over their constituents,
program cells within the volume, short sales within the volume, foreign holdings within the
limit, index definitions that reproduce the index close, futures bars in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sise.market.instruments import foreign_limit_qty
from sise.market.types import InstrumentKind
from sise.store import FUTURES_TABLE, HistoryStore, index_members

SIDES = ("buy_qty", "sell_qty", "buy_val", "sell_val")


def by_code(rows: np.ndarray) -> dict[str, np.void]:
    return {str(r["code"]): r for r in rows}


def aligned(rows: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """``rows`` reordered to ``codes``; every code must have a row."""
    at = {str(c): k for k, c in enumerate(rows["code"])}
    missing = [c for c in codes if c not in at]
    assert not missing, f"no rows for {missing[:5]}"
    return rows[[at[c] for c in codes]]


def constituents_of(store: HistoryStore, date: int) -> dict[str, list[str]]:
    """Each index's constituent codes on ``date`` from ``index_def_daily`` and ``universe_daily``."""
    universe = store.get_date("universe_daily", date)
    out = {}
    for d in store.get_date("index_def_daily", date):
        hit = index_members(universe["indices"], int(d["slot"]))
        out[str(d["code"])] = [str(c) for c in universe["code"][hit]]
    return out


def check_day(
    store: HistoryStore,
    date: int,
    *,
    members: Mapping[str, Sequence[str]] | None = None,
    foreign_limit_pct: Mapping[str, float] | None = None,
    prev_date: int | None = None,
) -> None:
    """Every table's rows of ``date``. ``members`` (index key → constituent codes) default to the
    day's ``index_def_daily``/``universe_daily``; ``foreign_limit_pct`` per stock checks
    ``limit_qty``; ``prev_date`` checks ``prev_close`` against that day's close."""
    stock = store.get_date("stock_daily", date)
    assert len(stock), f"no stock_daily rows on {date}"
    members = constituents_of(store, date) if members is None else members
    _stocks(stock)
    if prev_date is not None:
        prev = by_code(store.get_date("stock_daily", prev_date))
        for r in stock:
            if str(r["code"]) in prev:
                assert r["prev_close"] == prev[str(r["code"])]["close"], r["code"]
    _flows(store, date, stock, members)
    s = by_code(stock)
    _short(store, date, stock)
    _foreign(store, date, s, foreign_limit_pct)
    _nav(store, date, s)
    _members(store, date, s)
    _universe(store, date, s)
    if FUTURES_TABLE in store.tables() and len(store.get_date(FUTURES_TABLE, date)):
        check_futures(store, date)


def _stocks(rows: np.ndarray) -> None:
    o, h, lo, c = (rows[f] for f in ("open", "high", "low", "close"))
    assert ((lo <= o) & (o <= h) & (lo <= c) & (c <= h)).all()
    assert np.array_equal(rows["change"], c - rows["base"])
    vol, val = rows["volume"], rows["value"]
    assert ((vol >= 0) & (val >= vol * lo) & (val <= vol * h)).all()
    assert (rows["listed_shares"] > 0).all() and (rows["adj_factor"] > 0).all()


def _flows(store: HistoryStore, date: int, stock: np.ndarray, members: Mapping[str, Sequence[str]]) -> None:
    codes = [str(c) for c in stock["code"]]
    keys = list(members)
    inv_all = store.get_date("investor_daily", date)
    prog_all = store.get_date("program_daily", date)
    inv, prog = aligned(inv_all, codes), aligned(prog_all, codes)
    for side in SIDES:
        assert (inv[side] >= 0).all()
    assert np.array_equal(inv["buy_qty"].sum(axis=1), stock["volume"])
    assert np.array_equal(inv["sell_qty"].sum(axis=1), stock["volume"])
    assert np.array_equal(inv["buy_val"].sum(axis=1), stock["value"])
    assert np.array_equal(inv["sell_val"].sum(axis=1), stock["value"])
    assert (prog["qty"] >= 0).all() and (prog["val"] >= 0).all()
    for side in (0, 1):
        assert (prog["qty"][:, side].sum(axis=(1, 2)) <= stock["volume"]).all()
        assert (prog["val"][:, side].sum(axis=(1, 2)) <= stock["value"]).all()
    # An index row is the sum over its constituents, of flows and of program cells alike.
    at = {c: k for k, c in enumerate(codes)}
    member = np.zeros((len(keys), len(codes)), np.int64)
    for j, key in enumerate(keys):
        member[j, [at[c] for c in members[key]]] = 1
    inv_i, prog_i = aligned(inv_all, keys), aligned(prog_all, keys)
    for side in SIDES:
        assert np.array_equal(inv_i[side], member @ inv[side])
    assert np.array_equal(inv_i["buy_qty"].sum(axis=1), member @ stock["volume"])
    for cells in ("qty", "val"):
        assert np.array_equal(
            prog_i[cells].reshape(len(keys), -1), member @ prog[cells].reshape(len(codes), -1)
        )


def _short(store: HistoryStore, date: int, stock: np.ndarray) -> None:
    x = aligned(store.get_date("short_daily", date), [str(c) for c in stock["code"]])
    assert ((x["short_qty"] >= 0) & (x["short_qty"] <= stock["volume"])).all()
    assert ((x["short_val"] >= 0) & (x["short_val"] <= stock["value"])).all()
    assert ((x["balance_qty"] >= 0) & (x["balance_qty"] <= x["loan_qty"])).all()
    assert np.array_equal(x["balance_val"], x["balance_qty"] * stock["close"])


def _foreign(
    store: HistoryStore, date: int, s: Mapping[str, np.void], limit_pct: Mapping[str, float] | None
) -> None:
    rows = store.get_date("foreign_daily", date)
    assert len(rows)
    for x in rows:
        code = str(x["code"])
        listed = int(s[code]["listed_shares"])
        held = int(x["holdings"])
        assert 0 <= held <= x["limit_qty"] <= listed, code
        if limit_pct is not None:
            assert x["limit_qty"] == foreign_limit_qty(listed, limit_pct[code]), code
        assert x["ratio"] == np.round(held / listed * 100.0, 2), code
        assert x["exhaustion"] == np.round(held / max(int(x["limit_qty"]), 1) * 100.0, 2), code


def _nav(store: HistoryStore, date: int, s: Mapping[str, np.void]) -> None:
    for x in store.get_date("nav_daily", date):
        code = str(x["code"])
        assert x["nav"] > 0 and x["index_level"] > 0, code
        assert abs(x["nav"] / s[code]["close"] - 1) < 0.1, code


def _members(store: HistoryStore, date: int, s: Mapping[str, np.void]) -> None:
    for x in store.get_date("member_daily", date):
        code = str(x["code"])
        for side in ("sell", "buy"):
            qty, who = x[f"{side}_qty"], x[f"{side}_member"]
            assert (qty >= 0).all() and (np.diff(qty) <= 0).all(), code
            assert np.array_equal(who != "", qty > 0), code
            assert len(set(who[qty > 0])) == int((qty > 0).sum()), code
            assert qty.sum() <= s[code]["volume"], code


def _universe(store: HistoryStore, date: int, s: Mapping[str, np.void]) -> None:
    universe = store.get_date("universe_daily", date)
    defs = store.get_date("index_def_daily", date)
    if not len(universe) and not len(defs):
        return  # a back-filled day before the last: the universe is kept from the last one on
    u = by_code(universe)
    for code, r in s.items():
        assert u[code]["active"] and u[code]["base"] == r["base"], code
        assert u[code]["listed_shares"] == r["listed_shares"], code
    index = by_code(store.get_date("index_daily", date))
    assert {str(k) for k in defs["code"]} == set(index)
    for d in defs:
        key = str(d["code"])
        hit = index_members(universe["indices"], int(d["slot"]))
        assert hit.sum() == d["constituents"] == index[key]["constituents"], key
        weight = universe["float_shares" if d["float_adjusted"] else "listed_shares"][hit]
        close = np.array([s[str(c)]["close"] for c in universe["code"][hit]], np.int64)
        assert d["cap"] == int((weight * close).sum()), key
        assert round(d["cap"] / d["base_cap"] * d["base_value"], 2) == index[key]["close"], key
        assert universe["listed_shares"][hit].sum() == index[key]["listed_shares"], key
    assert (universe["kind"] <= InstrumentKind.ETN).all()


def check_futures(store: HistoryStore, date: int) -> None:
    rows = store.get_date(FUTURES_TABLE, date)
    assert len(rows)
    o, h, lo, c = (rows[f] for f in ("open", "high", "low", "close"))
    assert ((lo <= o) & (o <= h) & (lo <= c) & (c <= h) & (lo > 0)).all()
    assert ((rows["volume"] >= 0) & (rows["value"] >= 0) & (rows["open_interest"] >= 0)).all()
    assert (rows["settle"] > 0).all() and (rows["spot"] > 0).all()
    contracts = by_code(rows[rows["code"] == rows["contract"]])
    for r in rows[rows["code"] != rows["contract"]]:  # 연결선물: a copy of its front contract's row
        front = contracts[str(r["contract"])]
        assert all(r[f] == front[f] for f in rows.dtype.names or () if f != "code"), r["code"]
