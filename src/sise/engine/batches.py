"""Event batch types: numpy structured arrays of trades, book snapshots and status changes.

A source emits one ``Batch`` per time step. Every row names its instrument by number (see
``sise.market.instruments``) and carries its market time as int64 nanoseconds since the Unix
epoch (UTC). Each array is sorted by time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

#: Levels per book side (KRX equities publish 10; derivatives use the first 5).
BOOK_LEVELS = 10

# Trade side flags of the program-trading columns: bits 0-1 ProgramKind, bit 2 Account.PROPRIETARY.
PROGRAM_KIND_MASK = 0b011
PROGRAM_PROPRIETARY = 0b100

TRADE_DTYPE = np.dtype(
    [
        ("inst", np.int32),
        ("time", np.int64),
        ("venue", np.uint8),  # Venue.KRX or Venue.NXT
        ("price", np.int64),  # price units (KRW for cash instruments)
        ("qty", np.int64),
        ("side", np.uint8),  # aggressor: 1 buy, 2 sell
        ("buyer", np.uint8),  # Investor
        ("seller", np.uint8),  # Investor
        ("buyer_member", np.uint16),  # member-firm number
        ("seller_member", np.uint16),
        ("buy_program", np.uint8),  # ProgramKind | PROGRAM_PROPRIETARY
        ("sell_program", np.uint8),
        ("short", np.bool_),  # the sell side is a short sale
    ]
)

BOOK_DTYPE = np.dtype(
    [
        ("inst", np.int32),
        ("time", np.int64),
        ("venue", np.uint8),
        ("ask_price", np.int64, (BOOK_LEVELS,)),  # ascending from the best ask; 0 = empty level
        ("ask_qty", np.int64, (BOOK_LEVELS,)),
        ("ask_count", np.int32, (BOOK_LEVELS,)),
        ("bid_price", np.int64, (BOOK_LEVELS,)),  # descending from the best bid; 0 = empty level
        ("bid_qty", np.int64, (BOOK_LEVELS,)),
        ("bid_count", np.int32, (BOOK_LEVELS,)),
    ]
)


class StatusKind(IntEnum):
    """What a status row reports."""

    PHASE = 0  # session phase change: ``value`` is a sessions.Phase
    INDICATIVE = 1  # auction indicative (예상체결) price and volume
    VI_START = 2  # ``value``: 1 static, 2 dynamic, 3 both; ``price``: VI trigger price
    VI_END = 3
    HALT = 4  # trading halt (CB, issuer news): ``value`` a reason code
    RESUME = 5
    OPEN_INTEREST = 6  # derivatives: ``qty`` is the open interest in contracts
    SETTLEMENT = 7  # derivatives: ``price`` is the daily settlement price


STATUS_DTYPE = np.dtype(
    [
        ("inst", np.int32),
        ("time", np.int64),
        ("venue", np.uint8),
        ("kind", np.uint8),  # StatusKind
        ("value", np.int32),
        ("price", np.int64),
        ("qty", np.int64),
    ]
)

TradeArray = npt.NDArray[np.void]
#: A batch array as contiguous per-field columns (what the engine's hot path works on).
Columns = dict[str, npt.NDArray[Any]]


def empty_trades(n: int = 0) -> TradeArray:
    return np.zeros(n, dtype=TRADE_DTYPE)


def empty_books(n: int = 0) -> TradeArray:
    return np.zeros(n, dtype=BOOK_DTYPE)


def empty_statuses(n: int = 0) -> TradeArray:
    return np.zeros(n, dtype=STATUS_DTYPE)


@dataclass(slots=True)
class Batch:
    """One time step of events. ``end_time``, when set, tells the engine that market time has
    reached it even if no event did (so indices publish through quiet periods)."""

    trades: TradeArray = field(default_factory=empty_trades)
    books: TradeArray = field(default_factory=empty_books)
    statuses: TradeArray = field(default_factory=empty_statuses)
    end_time: int | None = None

    def __len__(self) -> int:
        return len(self.trades) + len(self.books) + len(self.statuses)

    @property
    def last_time(self) -> int | None:
        """Latest time the batch speaks of, or None for an empty batch without ``end_time``."""
        times = [int(a["time"][-1]) for a in (self.trades, self.books, self.statuses) if len(a)]
        if self.end_time is not None:
            times.append(self.end_time)
        return max(times) if times else None

    @staticmethod
    def concat(batches: list[Batch]) -> Batch:
        """Merge batches into one, each array stably sorted by time."""

        def merge(arrays: list[TradeArray]) -> TradeArray:
            joined = np.concatenate(arrays)
            return joined[np.argsort(joined["time"], kind="stable")]

        ends = [b.end_time for b in batches if b.end_time is not None]
        return Batch(
            trades=merge([b.trades for b in batches] or [empty_trades()]),
            books=merge([b.books for b in batches] or [empty_books()]),
            statuses=merge([b.statuses for b in batches] or [empty_statuses()]),
            end_time=max(ends) if ends else None,
        )

    def slices(self, rows: int) -> list[Batch]:
        """The batch cut by time into parts of about ``rows`` rows each (rows of one instant stay
        together). Applied in order they leave an engine as the whole batch does: what lets a
        live server apply a large batch in steps, answering requests in between."""
        if len(self) <= rows:
            return [self]
        times = np.sort(np.concatenate([self.trades["time"], self.books["time"], self.statuses["time"]]))
        cuts = np.unique(times[rows::rows])
        return self.split(cuts[cuts > times[0]].tolist())

    def split(self, boundaries: list[int]) -> list[Batch]:
        """Cut the batch at the given times (rows with time < b go before b)."""
        out: list[Batch] = []
        cuts = sorted(boundaries)

        def cut(arr: TradeArray) -> list[TradeArray]:
            idx = np.searchsorted(arr["time"], cuts, side="left")
            return np.split(arr, idx)

        parts = zip(cut(self.trades), cut(self.books), cut(self.statuses), strict=True)
        for i, (t, b, s) in enumerate(parts):
            end = cuts[i] - 1 if i < len(cuts) else self.end_time
            out.append(Batch(t, b, s, end))
        return out


def last_rows(keys: npt.NDArray[np.integer], n_keys: int) -> npt.NDArray[np.intp]:
    """Row index of the last occurrence of each distinct key in ``range(n_keys)`` (rows in time
    order), in O(rows): a scatter-max, not a sort."""
    last = np.full(n_keys, -1, np.intp)
    np.maximum.at(last, keys.astype(np.intp), np.arange(len(keys), dtype=np.intp))
    return last[last >= 0]
