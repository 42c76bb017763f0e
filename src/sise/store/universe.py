"""The row form of ``universe_daily`` and ``index_def_daily``: the cash universe and the index
definitions as of one day.

Both writers use it: the back-fill for its last day, the roll-over (``sise.store.daily``) for every
finished day. An index's constituents that day are the instruments whose ``universe_daily.indices``
bit ``slot`` is set (``sise.store.base.index_members``); its slot is its position in the
universe's index list, stored with it so a reader needs no other convention.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sise.market.instruments import InstrumentTable
from sise.market.types import InstrumentKind
from sise.store.base import INDEX_DEF_DAILY, UNIVERSE_DAILY, Rows, index_bits

Idx = npt.NDArray[np.intp]

__all__ = ["cash_instruments", "index_def_rows", "universe_rows"]


def cash_instruments(ins: InstrumentTable) -> Idx:
    """Stocks, ETFs and ETNs, listed or not: the instruments ``universe_daily`` holds."""
    return np.flatnonzero(ins.kind <= InstrumentKind.ETN)


def universe_rows(
    ins: InstrumentTable, member: npt.NDArray[np.bool_], base: npt.NDArray[np.int64], date: int
) -> Rows:
    """``universe_daily`` rows of ``date``: every cash instrument of ``ins`` with its facts now,
    ``base`` (per instrument, the day's base price) and the (indices, instruments) ``member``ship."""
    cash = cash_instruments(ins)
    rows = np.zeros(len(cash), UNIVERSE_DAILY)
    rows["code"] = [ins.code[i] for i in cash]
    rows["date"] = date
    rows["market"] = ins.market[cash]
    rows["kind"] = ins.kind[cash]
    rows["industry"] = [ins.industry[i] for i in cash]
    rows["active"] = ins.active[cash]
    rows["nxt"] = ins.nxt[cash]
    rows["listed_shares"] = ins.listed_shares[cash]
    rows["float_shares"] = ins.float_shares[cash]
    rows["base"] = base[cash]
    rows["indices"] = index_bits(member[:, cash])
    return rows


def index_def_rows(
    keys: Sequence[str],
    member: npt.NDArray[np.bool_],
    float_adjusted: npt.NDArray[np.bool_],
    base_value: npt.NDArray[np.float64],
    base_cap: npt.NDArray[np.float64],
    cap: npt.NDArray[np.int64],
    date: int,
) -> Rows:
    """``index_def_daily`` rows of ``date``, one per index of ``keys`` (the universe's index list,
    every argument in its order) that has constituents; ``base_cap`` and ``cap`` at the close."""
    count = member.sum(axis=1)
    kept = np.flatnonzero(count > 0)
    rows = np.zeros(len(kept), INDEX_DEF_DAILY)
    rows["code"] = [keys[int(k)] for k in kept]
    rows["date"] = date
    rows["slot"] = kept
    rows["constituents"] = count[kept]
    rows["float_adjusted"] = float_adjusted[kept]
    rows["base_value"] = base_value[kept]
    rows["base_cap"] = base_cap[kept]
    rows["cap"] = cap[kept]
    return rows
