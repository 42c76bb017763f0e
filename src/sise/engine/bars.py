"""Intraday bars, folded from time-sorted trades with numpy group reductions.

Only the finest period (10 s) is folded on the hot path; coarser bars (1 min, 10 min) roll up from
it on read (``rollup``), and the combined-venue bars merge the KRX and NXT bars on read
(``merge``). Every bar keeps the times of its first and last trade, which is what makes both
exact: the open of a merged bar is the open of the part that traded first.

Each instrument has at most one open bar; a trade in a later period closes it. Closed bars are
appended to a growing columnar store. ``bars()`` returns them in canonical order (instrument,
then start time), so the result does not depend on how the events were batched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

BAR_DTYPE = np.dtype(
    [
        ("inst", np.int32),
        ("start", np.int64),  # period start, ns since epoch
        ("open", np.int64),
        ("high", np.int64),
        ("low", np.int64),
        ("close", np.int64),
        ("volume", np.int64),
        ("value", np.int64),  # Σ price × qty (KRW for cash instruments)
        ("count", np.int64),
        ("first_time", np.int64),
        ("last_time", np.int64),
    ]
)
_FIELDS = BAR_DTYPE.names or ()


@dataclass(slots=True)
class GroupedTrades:
    """Trades sorted by (instrument, time), with the group boundaries of each instrument."""

    inst: npt.NDArray[np.int32]
    time: I64
    price: I64
    qty: I64
    value: I64
    starts: npt.NDArray[np.intp]  # first row of each instrument
    ends: npt.NDArray[np.intp]  # last row of each instrument
    order: npt.NDArray[np.intp]  # row i here is row order[i] of the input columns


def group_by_instrument(inst: npt.NDArray[np.int32], time: I64, price: I64, qty: I64) -> GroupedTrades:
    """Stable sort by instrument: within an instrument, trades stay in time order."""
    order = np.argsort(inst, kind="stable")
    si = inst[order]
    p = price[order]
    q = qty[order]
    brk = np.empty(len(si), np.bool_)
    if len(si):
        brk[1:] = si[1:] != si[:-1]
    starts, ends = _runs(brk)
    return GroupedTrades(si, time[order], p, q, p * q, starts, ends, order)


def _runs(brk: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and end rows of runs, given a break flag per row (row 0 always starts a run)."""
    n = len(brk)
    if n == 0:
        z = np.zeros(0, np.intp)
        return z, z
    brk[0] = True
    s = np.flatnonzero(brk)
    e = np.empty_like(s)
    e[:-1] = s[1:] - 1
    e[-1] = n - 1
    return s, e


class BarBuilder:
    """Bars of ``period_ns`` for ``n`` instruments."""

    def __init__(self, period_ns: int, n: int) -> None:
        self.period_ns = period_ns
        self.cur = {f: np.zeros(n, BAR_DTYPE[f]) for f in _FIELDS}
        self.cur["start"][:] = -1
        self.cur["inst"][:] = np.arange(n)
        self._done: list[dict[str, npt.NDArray[np.generic]]] = []

    def grow(self, n: int) -> None:
        """Make room for instruments up to ``n``."""
        old = len(self.cur["start"])
        if n > old:
            for f in _FIELDS:
                self.cur[f] = np.concatenate([self.cur[f], np.zeros(n - old, BAR_DTYPE[f])])
            self.cur["start"][old:] = -1
            self.cur["inst"][old:] = np.arange(old, n)

    def fold(self, g: GroupedTrades) -> None:
        """Fold trades grouped by instrument (see ``group_by_instrument``)."""
        n = len(g.inst)
        if n == 0:
            return
        start = g.time - g.time % self.period_ns
        brk = np.zeros(n, np.bool_)
        brk[g.starts] = True
        brk[1:] |= start[1:] != start[:-1]
        s, e = _runs(brk)
        gi = g.inst[s]
        grp = {
            "inst": gi,
            "start": start[s],
            "open": g.price[s],
            "close": g.price[e],
            "high": np.maximum.reduceat(g.price, s),
            "low": np.minimum.reduceat(g.price, s),
            "volume": np.add.reduceat(g.qty, s),
            "value": np.add.reduceat(g.value, s),
            "count": (e - s + 1).astype(np.int64),
            "first_time": g.time[s],
            "last_time": g.time[e],
        }
        m = len(s)
        first = np.zeros(m, np.bool_)
        first[0] = True
        first[1:] = gi[1:] != gi[:-1]
        last = np.zeros(m, np.bool_)
        last[-1] = True
        last[:-1] = first[1:]

        cur = self.cur
        cur_start = cur["start"][gi]
        merge = first & (cur_start == grp["start"])
        if merge.any():
            mi = gi[merge]
            grp["open"][merge] = cur["open"][mi]
            grp["first_time"][merge] = cur["first_time"][mi]
            grp["high"][merge] = np.maximum(grp["high"][merge], cur["high"][mi])
            grp["low"][merge] = np.minimum(grp["low"][merge], cur["low"][mi])
            for f in ("volume", "value", "count"):
                grp[f][merge] += cur[f][mi]
        closed_prev = gi[first & ~merge & (cur_start >= 0)]
        if len(closed_prev):
            self._done.append({f: cur[f][closed_prev] for f in _FIELDS})
        if not last.all():
            keep = ~last
            self._done.append({f: grp[f][keep] for f in _FIELDS})
        li = gi[last]
        for f in _FIELDS:
            if f != "inst":
                cur[f][li] = grp[f][last]
        if len(self._done) > 256:
            self.compact()

    def compact(self) -> None:
        """Merge the closed-bar chunks into one (cheap reads after a busy period)."""
        if len(self._done) > 1:
            self._done = [{f: np.concatenate([c[f] for c in self._done]) for f in _FIELDS}]

    def bars(self, include_open: bool = True, since: int | None = None) -> npt.NDArray[np.void]:
        """Every bar in canonical order (instrument, start); with ``since``, only the bars that
        start at or after it (filtered before the sort, so a late session's few bars are cheap)."""
        parts = list(self._done)
        if include_open:
            live = self.cur["start"] >= 0
            parts.append({f: self.cur[f][live] for f in _FIELDS})
        if since is not None:
            keep = [np.asarray(p["start"], np.int64) >= since for p in parts]
            parts = [{f: p[f][k] for f in _FIELDS} for p, k in zip(parts, keep, strict=True) if k.any()]
        return _canonical(parts)

    def closed(self, fields: Sequence[str], keep: Callable[[I64], npt.NDArray[np.bool_]]) -> I64:
        """``fields`` of the closed bars whose instrument number passes ``keep``, one row per bar
        (a matrix of int64), in the order the bars closed: each instrument's bars in time order (a
        fold closes an instrument's bars oldest first), the instruments interleaved. After
        ``flush``, the day's bars: cheaper than ``bars`` (no sort, one copy of the kept rows) for
        a reader that regroups them anyway."""
        masks = [keep(np.asarray(c["inst"], np.int64)) for c in self._done]
        out = np.empty((sum(int(m.sum()) for m in masks), len(fields)), np.int64)
        at = 0
        for c, m in zip(self._done, masks, strict=True):
            k = int(m.sum())
            for j, f in enumerate(fields):
                out[at : at + k, j] = c[f][m]
            at += k
        return out

    def flush(self) -> None:
        """Close every open bar (end of day)."""
        live = self.cur["start"] >= 0
        if live.any():
            self._done.append({f: self.cur[f][live].copy() for f in _FIELDS})
        for f in _FIELDS:
            if f != "inst":
                self.cur[f][:] = 0
        self.cur["start"][:] = -1


def _canonical(parts: list[dict[str, npt.NDArray[np.generic]]]) -> npt.NDArray[np.void]:
    n = sum(len(p["inst"]) for p in parts)
    out = np.zeros(n, BAR_DTYPE)
    if n:
        for f in _FIELDS:
            out[f] = np.concatenate([p[f] for p in parts])
        out = out[np.lexsort((out["start"], out["inst"]))]
    return out


def combine(bars: npt.NDArray[np.void], period_ns: int) -> npt.NDArray[np.void]:
    """Combine bars (canonical order not required) into bars of ``period_ns``.

    Used both to roll 10-second bars up to minutes and to merge two venues' bars: rows that share
    (instrument, period start) become one bar whose open/close come from the earliest/latest trade.
    """
    if not len(bars):
        return np.zeros(0, BAR_DTYPE)
    start = bars["start"] - bars["start"] % period_ns
    order = np.lexsort((bars["first_time"], start, bars["inst"]))
    b = bars[order]
    st = start[order]
    brk = np.zeros(len(b), np.bool_)
    brk[1:] = (b["inst"][1:] != b["inst"][:-1]) | (st[1:] != st[:-1])
    s, e = _runs(brk)
    out = np.zeros(len(s), BAR_DTYPE)
    out["inst"] = b["inst"][s]
    out["start"] = st[s]
    out["open"] = b["open"][s]
    out["first_time"] = b["first_time"][s]
    out["high"] = np.maximum.reduceat(b["high"], s)
    out["low"] = np.minimum.reduceat(b["low"], s)
    for f in ("volume", "value", "count"):
        out[f] = np.add.reduceat(b[f], s)
    # The close is the close of the row with the latest last trade in each group.
    lt = b["last_time"]
    idx = np.arange(len(b))
    key = np.lexsort((idx, lt, np.repeat(np.arange(len(s)), e - s + 1)))
    last_rows = key[e]
    out["close"] = b["close"][last_rows]
    out["last_time"] = lt[last_rows]
    return out
