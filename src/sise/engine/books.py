"""Latest order-book snapshot per (instrument, venue), as plain arrays.

Rows are interleaved like the venue state (``2 × instrument + venue``). Plain per-field arrays,
not a structured array: a batch's snapshots land with a handful of dense fancy assignments
instead of copying wide records one by one. The arrays are declared once (``sise.engine.state``)
and named like the book batch's fields.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import numpy.typing as npt

from sise.engine.batches import BOOK_LEVELS, Columns
from sise.engine.state import RowField, declared, grow_first_axis

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
_LEVELS = RowField((BOOK_LEVELS,))


class BookState:
    """Ten levels a side; price 0 marks an empty level."""

    time: Annotated[I64, RowField()]
    ask_price: Annotated[I64, _LEVELS]  # ascending from the best ask
    ask_qty: Annotated[I64, _LEVELS]
    ask_count: Annotated[I32, _LEVELS]
    bid_price: Annotated[I64, _LEVELS]  # descending from the best bid
    bid_qty: Annotated[I64, _LEVELS]
    bid_count: Annotated[I32, _LEVELS]

    def __init__(self, rows: int) -> None:
        for f in _FIELDS:
            setattr(self, f.name, f.new(f.spec.shape(rows, self)))

    def arrays(self) -> Columns:
        """Every array, by name, in declaration order."""
        return {f.name: getattr(self, f.name) for f in _FIELDS}

    def half(self, venue: int) -> BookState:
        """View of one venue's rows, indexed by instrument."""
        out = BookState.__new__(BookState)
        for name, arr in self.arrays().items():
            setattr(out, name, arr[venue::2])
        return out

    def grow(self, rows: int) -> None:
        for name, arr in self.arrays().items():
            setattr(self, name, grow_first_axis(arr, rows))

    def fold(self, bc: Columns, rows: npt.NDArray[np.intp], idx: npt.NDArray[np.intp]) -> None:
        """Set rows ``rows`` from the batch columns' rows ``idx`` (one per state row)."""
        for f in _FIELDS:
            getattr(self, f.name)[rows] = bc[f.name][idx]

    def total_qty(self) -> tuple[I64, I64]:
        """(total ask quantity, total bid quantity) over the ten levels."""
        return self.ask_qty.sum(axis=1), self.bid_qty.sum(axis=1)


_FIELDS = declared(BookState, RowField)
