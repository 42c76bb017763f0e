"""A finished engine day as the table writers of the roll-over read it (``sise.store.daily``).

``ClosedDay`` gathers, once, what every table's rows are computed from: the engine after
``end_day`` (whose carried fields hold the day's close: ``prev_close``, ``nav_prev``,
``foreign_start``), the KRX venue's aggregates (history is KRX), the cash instruments listed that
day, the indices with constituents, and each instrument's previous ``stock_daily`` row.
``previous_rows`` reads a table's latest rows before the day with one ``get_date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from sise.engine.engine import Engine
from sise.engine.venue_state import VenueState
from sise.market.calendar import previous_trading_day
from sise.market.limits import sign_codes
from sise.market.timeutil import yyyymmdd
from sise.market.types import InstrumentKind, Venue
from sise.store.base import CODE_DTYPE, HistoryStore, Rows

I64 = npt.NDArray[np.int64]
Idx = npt.NDArray[np.intp]
B = npt.NDArray[np.bool_]

__all__ = ["ClosedDay", "previous_rows", "with_constituents"]


@dataclass(frozen=True, slots=True)
class ClosedDay:
    """One finished day of ``engine`` (call after ``engine.end_day()``)."""

    engine: Engine
    day: date
    ymd: int  # the day as YYYYMMDD, the tables' date key
    krx: VenueState  # the day's KRX aggregates, per instrument
    cash: Idx  # stocks, ETFs and ETNs listed that day
    codes: npt.NDArray[np.str_]  # their codes
    close: I64  # per instrument: the regular-session close (the base where nothing traded)
    sign: npt.NDArray[np.int8]  # per instrument: sign code 1–5 at the close, against base and limits
    indices: Idx  # positions of the indices with constituents
    prev: Rows  # per cash instrument: its previous stock_daily row (zeros where none)
    has_prev: B

    @classmethod
    def of(cls, store: HistoryStore, engine: Engine, day: date) -> ClosedDay:
        t = engine.instruments
        cash = np.flatnonzero((t.kind <= InstrumentKind.ETN) & t.active)
        codes = np.array([t.code[i] for i in cash], CODE_DTYPE)
        prev, has_prev = previous_rows(store, "stock_daily", codes, day)
        return cls(
            engine=engine,
            day=day,
            ymd=yyyymmdd(day),
            krx=engine.state(Venue.KRX),
            cash=cash,
            codes=codes,
            close=engine.prev_close,  # end_day rolled the regular close into prev_close
            sign=sign_codes(engine.prev_close, engine.base, engine.upper, engine.lower),
            indices=with_constituents(engine),
            prev=prev,
            has_prev=has_prev,
        )

    @property
    def index_keys(self) -> list[str]:
        keys = self.engine.index.keys
        return [keys[k] for k in self.indices]

    def listed_ratio(self) -> npt.NDArray[np.float64]:
        """Per cash instrument, listed shares now over its previous row's (1 without one): what
        a corporate action effective that day did to holdings and balances counted in shares."""
        now = self.engine.instruments.listed_shares[self.cash]
        before = self.prev["listed_shares"]
        ok = self.has_prev & (before > 0)
        return np.where(ok, now / np.where(ok, before, 1), 1.0)


def with_constituents(engine: Engine) -> Idx:
    """Positions of the indices with constituents: those history keeps (the back-fill's too)."""
    return np.flatnonzero(engine.index.member.any(axis=1))


def previous_rows(store: HistoryStore, table: str, codes: npt.NDArray[np.str_], day: date) -> tuple[Rows, B]:
    """Per code, its latest ``table`` row before ``day`` (zeros where it has none) and whether it
    has one. The rows of the latest earlier date come from one ``get_date``; a code missing there
    (a gap in its history) is read on its own."""
    out = np.zeros(len(codes), store.dtype(table))
    found = np.zeros(len(codes), np.bool_)
    d = yyyymmdd(day)
    last = store.last_date(table)
    if last is None or not len(codes):
        return out, found
    on = last if last < d else yyyymmdd(previous_trading_day(day))
    rows = store.get_date(table, on)
    if len(rows):
        order = np.argsort(rows["code"])
        at = np.minimum(np.searchsorted(rows["code"], codes, sorter=order), len(rows) - 1)
        hit = rows["code"][order[at]] == codes
        out[hit] = rows[order[at[hit]]]
        found[hit] = True
    for k in np.flatnonzero(~found):
        older = store.get(table, str(codes[k]), None, d - 1)
        if len(older):
            out[k], found[k] = older[-1], True
    return out, found
