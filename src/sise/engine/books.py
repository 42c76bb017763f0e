"""Latest order-book snapshot per (instrument, venue), as plain arrays.

Rows are interleaved like the venue state (``2 × instrument + venue``). Plain per-field arrays,
not a structured array: a batch's snapshots land with a handful of dense fancy assignments
instead of copying wide records one by one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sise.engine.batches import BOOK_LEVELS, Columns

_FIELDS = ("ask_price", "ask_qty", "ask_count", "bid_price", "bid_qty", "bid_count")


class BookState:
    """Ten levels a side; price 0 marks an empty level."""

    def __init__(self, rows: int) -> None:
        self.time = np.zeros(rows, np.int64)
        self.ask_price = np.zeros((rows, BOOK_LEVELS), np.int64)
        self.ask_qty = np.zeros((rows, BOOK_LEVELS), np.int64)
        self.ask_count = np.zeros((rows, BOOK_LEVELS), np.int32)
        self.bid_price = np.zeros((rows, BOOK_LEVELS), np.int64)
        self.bid_qty = np.zeros((rows, BOOK_LEVELS), np.int64)
        self.bid_count = np.zeros((rows, BOOK_LEVELS), np.int32)

    def arrays(self) -> Columns:
        return {k: v for k, v in vars(self).items() if isinstance(v, np.ndarray)}

    def half(self, venue: int) -> BookState:
        """View of one venue's rows, indexed by instrument."""
        out = BookState.__new__(BookState)
        for name, arr in self.arrays().items():
            setattr(out, name, arr[venue::2])
        return out

    def grow(self, rows: int) -> None:
        for name, arr in self.arrays().items():
            extra = rows - arr.shape[0]
            if extra > 0:
                setattr(self, name, np.concatenate([arr, np.zeros((extra, *arr.shape[1:]), arr.dtype)]))

    def fold(self, bc: Columns, rows: npt.NDArray[np.intp], idx: npt.NDArray[np.intp]) -> None:
        """Set rows ``rows`` from the batch columns' rows ``idx`` (one per state row)."""
        self.time[rows] = bc["time"][idx]
        for name in _FIELDS:
            getattr(self, name)[rows] = bc[name][idx]

    def total_qty(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(total ask quantity, total bid quantity) over the ten levels."""
        return self.ask_qty.sum(axis=1), self.bid_qty.sum(axis=1)
