"""0B 주식체결 trade by trade: one REAL entry per trade, as Kiwoom sends them (kiwoom.md §5.7).

A 0B registration is an event feed of the stream hub (``sise.api.stream``), not a snapshot: a
client must see every trade, so a client that cannot keep up is cut instead of conflated. After
each engine batch :class:`TradeFeed` renders the batch's trades of every followed item at once
(one vectorised ``REC_0B.render`` over all of them), each entry carrying the figures as they
stood just after that trade:

- ``13`` / ``14`` cumulative volume and value: the engine's totals after the batch, less the
  trades of the batch that came later;
- ``17`` / ``18`` high and low: the running extreme of the batch's trades against the extreme
  before the batch (remembered from the previous batch for every followed item);
- ``16`` open, ``27`` / ``28`` best ask and bid: as after the batch (the engine keeps no book per
  trade; inferred, a batch lasts a quarter of a second of wall time).

So the last entry of a batch for an item equals the snapshot 0B of that item after the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import orjson

from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.ws_real import REAL_TYPES, REC_0B, STEX
from sise.api.numbers import MILLION_KRW, rate_bp_array, to_unit_array
from sise.api.readers import touch
from sise.api.wire import Directed
from sise.engine.batches import Batch
from sise.engine.engine import Engine
from sise.market.limits import sign_codes
from sise.market.timeutil import hhmmss
from sise.market.types import Venue

__all__ = ["FEED", "Key", "TradeFeed"]

#: The hub's name of this feed.
FEED: Final = "kiwoom.0B"

I64 = npt.NDArray[np.int64]
_NONE_LOW: Final = np.iinfo(np.int64).max  # "no low yet" in the running minimum
_OFFSET: Final = np.int64(1) << 40  # above any price: separates the groups of a running extreme


class Key(NamedTuple):
    """A followed 0B item: its code as registered, instrument number and venue."""

    item: str
    inst: int
    venue: Venue


class TradeFeed:
    """The 0B feed's encoder (a ``sise.api.stream.FeedEncoder``)."""

    def __init__(self, context: Callable[[], KiwoomContext]) -> None:
        self.context = context
        self._extremes: dict[Key, tuple[int, int]] = {}  # high, low after the previous batch

    def track(self, key: Key) -> None:
        """Remember the item's high and low now: its first batch's running extremes start there."""
        st = self.context().engine.state(key.venue)
        self._extremes[key] = (int(st.high[key.inst]), int(st.low[key.inst]))

    def __call__(self, batch: Batch, keys: Collection[Hashable]) -> Mapping[Hashable, Sequence[bytes]]:
        eng = self.context().engine
        out: dict[Hashable, list[bytes]] = {}
        followed = [k for k in keys if isinstance(k, Key)]
        for venue in (Venue.KRX, Venue.NXT, Venue.ALL):
            group = [k for k in followed if k.venue == venue]
            if group and len(batch.trades):
                out.update(self._entries(eng, batch, venue, group))
        # Extremes as of this batch's end, for the next one (and forget items no longer followed).
        extremes: dict[Key, tuple[int, int]] = {}
        for k in followed:
            st = eng.state(k.venue)
            extremes[k] = (int(st.high[k.inst]), int(st.low[k.inst]))
        self._extremes = extremes
        return out

    def _entries(
        self, eng: Engine, batch: Batch, venue: Venue, keys: list[Key]
    ) -> dict[Hashable, list[bytes]]:
        trades = batch.trades
        if venue != Venue.ALL:
            trades = trades[trades["venue"] == venue]
        by_inst = {k.inst: k for k in keys}  # one item per (instrument, venue) in this group
        trades = trades[np.isin(trades["inst"], np.fromiter(by_inst, np.int64, len(by_inst)))]
        n = len(trades)
        if n == 0:
            return {}
        trades = trades[np.argsort(trades["inst"], kind="stable")]  # by item, in time order within
        inst = trades["inst"].astype(np.intp)
        price, qty = trades["price"], trades["qty"]
        starts = np.flatnonzero(np.r_[True, inst[1:] != inst[:-1]])
        group = np.cumsum(np.r_[False, inst[1:] != inst[:-1]])
        st = eng.state(venue)
        # Totals after the batch, less what came later in it.
        later_qty = _suffix_after(qty, starts)
        later_val = _suffix_after(price * qty, starts)
        volume = st.volume[inst] - later_qty
        value = st.value[inst] - later_val
        # Running extremes within each item's trades, against the extremes before the batch.
        before = np.array([self._extremes.get(by_inst[int(i)], (0, 0)) for i in inst[starts]], np.int64)
        offset = group.astype(np.int64) * _OFFSET
        high = np.maximum(np.maximum.accumulate(price + offset) - offset, before[group, 0])
        low_before = np.where(before[group, 1] > 0, before[group, 1], _NONE_LOW)
        low = np.minimum(-np.maximum.accumulate(-price - offset) + offset, low_before)
        base = eng.base[inst]
        change = price - base
        ask, bid = touch(eng, venue, inst)
        side = trades["side"].astype(np.int64)
        rows = REC_0B.render(
            n,
            {
                "20": hhmmss(trades["time"]),
                "10": _priced(price, base),
                "11": change,
                "12": Directed(rate_bp_array(change, base), np.sign(change)),
                "27": _priced(ask, base),
                "28": _priced(bid, base),
                "15": Directed(qty, np.where(side == 1, 1, np.where(side == 2, -1, 0))),
                "13": volume,
                "14": to_unit_array(value, MILLION_KRW),
                "16": _priced(st.open[inst], base),
                "17": _priced(high, base),
                "18": _priced(low, base),
                "25": sign_codes(price, base, eng.upper[inst], eng.lower[inst]),
                "9081": STEX[venue],
            },
        )
        out: dict[Hashable, list[bytes]] = {}
        for (start, end), i in zip(_bounds(starts, n), inst[starts].tolist(), strict=True):
            key = by_inst[i]
            head = {"type": "0B", "name": REAL_TYPES["0B"].name, "item": key.item}
            out[key] = [orjson.dumps({**head, "values": rows[r]}) for r in range(start, end)]
        return out


def _priced(v: npt.ArrayLike, base: I64) -> Directed:
    a = np.asarray(v, np.int64)
    return Directed(a, np.where(a > 0, np.sign(a - base), 0))


def _suffix_after(x: I64, starts: npt.NDArray[np.intp]) -> I64:
    """Per row, the sum of the rows after it within its group (groups begin at ``starts``)."""
    total = np.cumsum(x)
    ends = np.r_[starts[1:], len(x)] - 1
    group_total = np.repeat(total[ends], np.diff(np.r_[starts, len(x)]))
    return np.asarray(group_total - total, np.int64)


def _bounds(starts: npt.NDArray[np.intp], n: int) -> list[tuple[int, int]]:
    ends = [*starts[1:].tolist(), n]
    return list(zip(starts.tolist(), ends, strict=True))
