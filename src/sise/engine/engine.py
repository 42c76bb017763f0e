"""The market engine: folds event batches into market state, bars, indices and flows.

One engine holds one trading day at a time (``start_day`` … ``end_day``). ``apply`` validates a
whole batch first and only then mutates, so a rejected batch leaves the state untouched.

State is kept for KRX and for NXT (interleaved rows, one fold for both); the combined (통합)
view is derived from them on read. Indices are computed from KRX prices of the regular session
only, as KRX does. ``version`` changes with every change of state.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt

from sise.engine.bars import BAR_DTYPE, BarBuilder, GroupedTrades, combine, group_by_instrument
from sise.engine.batches import (
    PROGRAM_KIND_MASK,
    PROGRAM_PROPRIETARY,
    Batch,
    Columns,
    StatusKind,
    last_rows,
)
from sise.engine.books import BookState
from sise.engine.errors import BatchError, EngineStateError
from sise.engine.indices import IndexBook, IndexSpec
from sise.engine.state import InstrumentField, declared, grow_first_axis, grow_last_axis
from sise.engine.venue_state import VenueState, add_investor_flows, combined
from sise.market.instruments import Instrument, InstrumentTable, foreign_limit_qty
from sise.market.limits import price_limits_array, sign_codes
from sise.market.sessions import index_window
from sise.market.ticks import tick_sizes
from sise.market.timeutil import NS, kst_ns, kst_second_of_day, yyyymmdd
from sise.market.types import FOREIGNERS, N_INVESTORS, Venue
from sise.market.universe import Universe

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Bars folded on the hot path are 10 s; 1 min, 10 min (any multiple) roll up from them on read.
BAR_BASE_S = 10
#: Investor flows are also kept as of the last mark of this period (KRX publishes the derivatives
#: market's investor figures every 30 s; koscom.md §1.8).
FLOW_MARK_S = 30
_KRX, _NXT = int(Venue.KRX), int(Venue.NXT)
_MAX_STATUS = max(StatusKind)
_NOT_PROGRAM_BITS = np.uint8(0xFF ^ (PROGRAM_KIND_MASK | PROGRAM_PROPRIETARY))

DAILY_DTYPE = np.dtype(
    [
        ("inst", np.int32),
        ("venue", np.uint8),
        ("date", np.int32),  # YYYYMMDD
        ("base", np.int64),
        ("open", np.int64),
        ("high", np.int64),
        ("low", np.int64),
        ("close", np.int64),
        ("volume", np.int64),
        ("value", np.int64),
        ("count", np.int64),
    ]
)


@dataclass(frozen=True, slots=True)
class IndexUniverse:
    """Index definitions in engine form: specs plus (indices × instruments) membership."""

    specs: list[IndexSpec]
    membership: npt.NDArray[np.bool_]
    levels: F64  # starting levels


_DAILY_PER_VENUE = InstrumentField(per_venue=True, daily=True)
_CARRIED = InstrumentField()


class Engine:
    """Market state for one trading day at a time."""

    # Per-instrument state, declared once (``sise.engine.state``): allocation, the daily reset,
    # growth on listing and the digest derive from these declarations. Today's aggregates per
    # venue live in ``rows`` (``VenueState``), books in ``book_rows``, indices in ``index``.
    phase: Annotated[npt.NDArray[np.int16], _DAILY_PER_VENUE]  # sessions.Phase
    indicative_price: Annotated[I64, _DAILY_PER_VENUE]
    indicative_qty: Annotated[I64, _DAILY_PER_VENUE]
    indicative_time: Annotated[I64, _DAILY_PER_VENUE]  # of the latest INDICATIVE row (0 none)
    vi: Annotated[npt.NDArray[np.int8], _DAILY_PER_VENUE]  # 0 none, 1 static, 2 dynamic, 3 both
    vi_price: Annotated[I64, _DAILY_PER_VENUE]
    vi_time: Annotated[I64, _DAILY_PER_VENUE]  # the running VI's start, else the latest VI's end
    vi_count: Annotated[npt.NDArray[np.int32], _DAILY_PER_VENUE]  # VIs started today
    halted: Annotated[npt.NDArray[np.bool_], _DAILY_PER_VENUE]
    settlement: Annotated[I64, InstrumentField(daily=True)]  # derivatives: today's (0 until set)
    open_interest: Annotated[I64, _CARRIED]  # derivatives, contracts
    base: Annotated[I64, _CARRIED]  # today's base price (기준가)
    prev_close: Annotated[I64, _CARRIED]  # the last regular-session close: the next day's base
    upper: Annotated[I64, _CARRIED]  # today's price limits
    lower: Annotated[I64, _CARRIED]
    index_price: Annotated[I64, _CARRIED]  # KRX last, else base: what indices are computed from
    foreign_start: Annotated[I64, _CARRIED]  # foreign holdings at the start of the day
    high52: Annotated[I64, _CARRIED]  # 52-week high/low before today (daily closes' H/L)
    low52: Annotated[I64, _CARRIED]
    # ETF/ETN iNAV: the index each tracks (position, -1 none) and the previous day's NAV.
    etp_index: Annotated[npt.NDArray[np.intp], InstrumentField(fill=-1)]
    nav_prev: Annotated[F64, _CARRIED]

    def __init__(self, instruments: InstrumentTable, indices: IndexUniverse, n_members: int) -> None:
        self.instruments = instruments
        n = len(instruments)
        self.n = n
        self.n_members = n_members
        for f in _FIELDS:
            setattr(self, f.name, f.new(f.spec.shape(n), f.spec.fill))
        self.prev_close[:] = instruments.prev_close
        self.base[:] = instruments.prev_close
        self.index_price[:] = instruments.prev_close
        self.nav_prev[:] = instruments.prev_close
        self._new_day_state()
        self._combined: VenueState | None = None

        weights = np.where(
            np.array([s.float_adjusted for s in indices.specs])[:, None],
            instruments.float_shares[None, :],
            instruments.listed_shares[None, :],
        )
        self.index = IndexBook(indices.specs, indices.membership, weights)
        self.index.reset_caps(self.index_price)
        self.index.set_levels(indices.levels)
        self.index.prev_close = np.round(self.index.levels(), 2)

        self.day: date | None = None
        self.last_time = np.iinfo(np.int64).min
        #: Bumped by every change of state: readers (response caches) key on it.
        self.version = 0
        self._next_pub = 0
        self._pub_until = -1
        self._compute_limits()

    @classmethod
    def from_universe(cls, universe: Universe) -> Engine:
        """An engine over a built or loaded universe (``sise.market.universe``)."""
        specs = [IndexSpec(*spec) for spec in universe.index_specs()]
        indices = IndexUniverse(specs, universe.membership, universe.levels)
        engine = cls(universe.instruments, indices, len(universe.members))
        engine.etp_index = universe.etp_index()
        return engine

    # -- day life cycle ---------------------------------------------------------------------

    def start_day(
        self,
        day: date,
        *,
        index_from: time | None = None,
        index_until: time | None = None,
        base: I64 | None = None,
        high52: I64 | None = None,
        low52: I64 | None = None,
        nav: F64 | None = None,
    ) -> None:
        """Open ``day``: today's base price is yesterday's close unless ``base`` is given.

        Indices publish on the 1-second grid from ``index_from`` through ``index_until`` (KST),
        by default the day's ``sise.market.sessions.index_window`` (later on the first trading
        day of a year and on CSAT day).
        ``high52``/``low52`` are the 52-week high and low before today, from history; without
        them the engine keeps a running high and low of the days it has seen.
        """
        self.day = day
        self.version += 1
        if base is not None:
            self.base = np.asarray(base, np.int64).copy()
        else:
            self.base = self.prev_close.copy()
        if nav is not None:
            self.nav_prev = np.asarray(nav, np.float64).copy()
        if high52 is not None and low52 is not None:
            self.high52 = np.asarray(high52, np.int64).copy()
            self.low52 = np.asarray(low52, np.int64).copy()
        self._compute_limits()
        self._new_day_state()
        self._combined = None
        for f in _DAILY:
            getattr(self, f.name)[...] = f.spec.fill
        # Index caps move to the new base (corporate actions already rescaled their bases).
        delta = self.base - self.index_price
        changed = np.flatnonzero(delta)
        self.index.shift_prices(changed, delta[changed])
        self.index_price = self.base.copy()
        self.index.start_day()
        if index_from is None or index_until is None:
            first, last = index_window(day)
            index_from = first if index_from is None else index_from
            index_until = last if index_until is None else index_until
        self._next_pub = kst_ns(day, index_from)
        self._pub_until = kst_ns(day, index_until)

    def end_day(self) -> npt.NDArray[np.void]:
        """Close the day: flush bars, roll closes; returns the day's daily bars per venue."""
        day = self._require_day()
        self.version += 1
        if self._pub_until >= self._next_pub:
            self._advance_indices(None, self._pub_until)
        self.bar_builder.flush()
        out = self.daily_bars(day)
        # The closing values carry over: the regular-session close (closing auction), not an
        # after-hours print, is the next base; the close's NAV is the next day's previous NAV.
        self.prev_close = self.index_price.copy()
        self.nav_prev = self.navs()
        # KRX refuses foreign buying beyond the limit and nobody holds less than nothing; the
        # simulator's flows know neither, so the holdings carried over are kept within them.
        limit = foreign_limit_qty(self.instruments.listed_shares, self.instruments.foreign_limit_pct)
        self.foreign_start = np.clip(self.foreign_holdings(), 0, limit)
        self.high52, self.low52 = self.week52()
        self.day = None
        return out

    def daily_bars(self, day: date) -> npt.NDArray[np.void]:
        """Today's daily bar for every instrument that traded, per venue."""
        parts = []
        for venue in Venue:
            v = self.state(venue)
            traded = np.flatnonzero(v.count > 0)
            rows = np.zeros(len(traded), DAILY_DTYPE)
            rows["inst"] = traded
            rows["venue"] = venue
            rows["date"] = yyyymmdd(day)
            rows["base"] = self.base[traded]
            for f in ("open", "high", "low", "volume", "value", "count"):
                rows[f] = getattr(v, f)[traded]
            # KRX's close is the regular session's (the closing auction), not an after-hours print.
            close = self.index_price if venue == Venue.KRX else v.last
            rows["close"] = close[traded]
            parts.append(rows)
        return np.concatenate(parts)

    # -- applying events ----------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        """Validate and fold one batch. Raises ``BatchError`` (state untouched) on a bad row."""
        self._require_day()
        tc = _columns(batch.trades)
        bc = _columns(batch.books)
        self._validate(batch, tc, bc)
        self.version += 1
        until = batch.last_time
        if until is not None:
            self._mark_flows(tc, until)  # before the fold: the snapshot is of the state before
        g = self._fold_trades(tc) if len(batch.trades) else None
        if len(batch.books):
            self._fold_books(bc)
        if len(batch.statuses):
            self._fold_statuses(batch.statuses)
        if until is not None:
            self._advance_indices(g, until)
            self.last_time = max(self.last_time, until)
        self._combined = None

    def advance_to(self, t_ns: int) -> None:
        """Tell the engine market time has reached ``t_ns`` (publishes indices in quiet times)."""
        self.apply(Batch(end_time=t_ns))

    def _new_day_state(self) -> None:
        """Today's aggregates, bars and books, empty (row 2 × instrument + venue)."""
        self.rows = VenueState(2 * self.n, self.n_members)
        self.bar_builder = BarBuilder(BAR_BASE_S * NS, 2 * self.n)
        self.book_rows = BookState(2 * self.n)
        self._venue_views()
        # KRX investor flows as of the last FLOW_MARK_S mark (trades strictly before it).
        self.flow_mark = 0
        self.flow_qty = np.zeros((self.n, 2, N_INVESTORS), np.int64)
        self.flow_val = np.zeros((self.n, 2, N_INVESTORS), np.int64)

    def _mark_flows(self, tc: Columns, until: int) -> None:
        """Snapshot the KRX investor flows at the last mark ≤ ``until`` when it is a new one:
        the state before this batch plus the batch's trades before the mark, so the snapshot
        does not depend on how batches are cut."""
        period = FLOW_MARK_S * NS
        mark = until // period * period
        if mark <= self.flow_mark:
            return
        krx = self.venues[_KRX]
        qty, val = krx.inv_qty.copy(), krx.inv_val.copy()
        if len(tc["inst"]):
            m = np.flatnonzero((tc["time"] < mark) & (tc["venue"] == _KRX))
            if len(m):
                q = tc["qty"][m]
                inst = tc["inst"][m].astype(np.intp)
                add_investor_flows(qty, val, inst, tc["buyer"][m], tc["seller"][m], q, tc["price"][m] * q)
        self.flow_mark, self.flow_qty, self.flow_val = mark, qty, val

    def _fold_trades(self, tc: Columns) -> GroupedTrades:
        """Fold trades into both venues at once (row = 2 × instrument + venue)."""
        tc["row"] = tc["inst"].astype(np.intp) * 2 + tc["venue"]
        g = group_by_instrument(tc["row"], tc["time"], tc["price"], tc["qty"])
        self.rows.fold(tc, g)
        self.bar_builder.fold(g)
        return g

    def _fold_books(self, bc: Columns) -> None:
        """Keep the latest snapshot per (instrument, venue)."""
        row = bc["inst"].astype(np.intp) * 2 + bc["venue"]
        idx = last_rows(row, 2 * self.n)
        self.book_rows.fold(bc, row[idx], idx)

    def _fold_statuses(self, st: npt.NDArray[np.void]) -> None:
        key = st["venue"].astype(np.intp) * self.n + st["inst"]
        kind = st["kind"]
        groups = (
            (StatusKind.PHASE,),
            (StatusKind.INDICATIVE,),
            (StatusKind.VI_START, StatusKind.VI_END),
            (StatusKind.HALT, StatusKind.RESUME),
            (StatusKind.OPEN_INTEREST,),
            (StatusKind.SETTLEMENT,),
        )
        for kinds in groups:
            m = np.isin(kind, kinds)
            if not m.any():
                continue
            rows = st[m]
            idx = last_rows(key[m], 2 * self.n)
            r = rows[idx]
            v, i = r["venue"].astype(np.intp), r["inst"].astype(np.intp)
            k0 = kinds[0]
            if k0 == StatusKind.PHASE:
                self.phase[v, i] = r["value"]
            elif k0 == StatusKind.INDICATIVE:
                self.indicative_price[v, i] = r["price"]
                self.indicative_qty[v, i] = r["qty"]
                self.indicative_time[v, i] = r["time"]
            elif k0 == StatusKind.VI_START:
                start = r["kind"] == StatusKind.VI_START
                self.vi[v, i] = np.where(start, r["value"], 0)
                self.vi_price[v, i] = np.where(start, r["price"], 0)
                self.vi_time[v, i] = r["time"]
                # Every start counts, not only each key's last row of the batch.
                s = rows[rows["kind"] == StatusKind.VI_START]
                np.add.at(self.vi_count, (s["venue"].astype(np.intp), s["inst"].astype(np.intp)), 1)
            elif k0 == StatusKind.HALT:
                self.halted[v, i] = r["kind"] == StatusKind.HALT
            elif k0 == StatusKind.OPEN_INTEREST:
                self.open_interest[i] = r["qty"]
            else:
                self.settlement[i] = r["price"]

    def _advance_indices(self, g: GroupedTrades | None, until: int) -> None:
        """Fold KRX trades into index prices, publishing at each 1-second boundary ≤ ``until``."""
        last_b = min(until, self._pub_until)
        if last_b >= self._next_pub:
            boundaries = np.arange(self._next_pub, last_b + 1, NS, dtype=np.int64)
            self._next_pub = int(boundaries[-1]) + NS
        else:
            boundaries = np.zeros(0, np.int64)
        # Index prices (and so the regular close) count KRX trades up to the end of the index
        # window only: after-hours single-price prints move neither the index nor the next base.
        if g is not None:
            krx = np.flatnonzero(((g.inst & 1) == 0) & (g.time <= self._pub_until))
        else:
            krx = np.zeros(0, np.intp)
        if g is not None and len(krx):
            # Runs: an instrument's KRX trades between two boundaries (g is sorted by row, time).
            inst = g.inst[krx] >> 1
            price = g.price[krx]
            n = len(inst)
            seg = np.searchsorted(boundaries, g.time[krx], side="right")
            brk = np.empty(n, np.bool_)
            brk[0] = True
            brk[1:] = (inst[1:] != inst[:-1]) | (seg[1:] != seg[:-1])
            s = np.flatnonzero(brk)
            e = np.empty_like(s)
            e[:-1] = s[1:] - 1
            e[-1] = n - 1
            r_inst = inst[s].astype(np.intp)
            r_last = price[e]
            new_inst = np.zeros(len(s), np.bool_)
            new_inst[0] = True
            new_inst[1:] = r_inst[1:] != r_inst[:-1]
            prev = np.empty_like(r_last)
            prev[1:] = r_last[:-1]
            prev[new_inst] = self.index_price[r_inst[new_inst]]
            last_run = np.empty(len(s), np.bool_)
            last_run[-1] = True
            last_run[:-1] = new_inst[1:]
            self.index_price[r_inst[last_run]] = r_last[last_run]
            r_qty = np.add.reduceat(g.qty[krx], s)
            r_val = np.add.reduceat(g.value[krx], s)
            runs = (r_inst, seg[s], r_last - prev, r_qty, r_val)
        elif len(boundaries):
            z = np.zeros(0, np.int64)
            runs = (z.astype(np.intp), z.astype(np.intp), z, z, z)
        else:
            return
        self.index.fold(*runs, boundaries, kst_second_of_day(boundaries))

    # -- validation -----------------------------------------------------------------------------

    def _validate(self, batch: Batch, tc: Columns, bc: Columns) -> None:
        sc = _columns(batch.statuses)
        for name, cols in (("trades", tc), ("books", bc), ("statuses", sc)):
            if len(cols["inst"]):
                self._validate_common(name, cols)
        if batch.end_time is not None and batch.end_time < self.last_time:
            raise BatchError("batch", 0, f"end_time {batch.end_time} is before the engine's time")
        if len(tc["inst"]):
            self._validate_trades(tc)
        if len(bc["inst"]):
            self._validate_books(bc)
        if len(sc["inst"]):
            bad = sc["kind"] > _MAX_STATUS
            if bad.any():
                r = int(np.argmax(bad))
                raise BatchError("statuses", r, f"unknown status kind {int(sc['kind'][r])}")

    def _validate_common(self, name: str, cols: Columns) -> None:
        """Checks every event array shares: time order, instrument and venue."""
        t = cols["time"]
        inst = cols["inst"]
        venue = cols["venue"]
        known = (inst >= 0) & (inst < self.n)
        safe = np.where(known, inst, 0)
        checks: tuple[tuple[Any, str], ...] = (
            (t < np.maximum.accumulate(np.concatenate([[self.last_time], t[:-1]])), "time goes backwards"),
            (~known, "unknown instrument number"),
            (~self.instruments.active[safe], "instrument is not listed"),
            (venue > _NXT, "venue is not KRX (0) or NXT (1)"),
            ((venue == _NXT) & ~self.instruments.nxt[safe], "instrument does not trade on NXT"),
        )
        _raise_first(name, checks, lambda r: f"instrument {int(inst[r])}, time {int(t[r])}")

    def _validate_trades(self, tc: Columns) -> None:
        inst = tc["inst"]
        price = tc["price"]
        qty = tc["qty"]
        f_buy, f_sell = tc["buy_program"], tc["sell_program"]
        checks: tuple[tuple[Any, str], ...] = (
            (qty <= 0, "quantity must be positive"),
            (price <= 0, "price must be positive"),
            (_off_tick(price, self.instruments.tick_table[inst]), "price is off its tick grid"),
            (price > self.upper[inst], "price is above the upper limit"),
            (price < self.lower[inst], "price is below the lower limit"),
            ((tc["side"] < 1) | (tc["side"] > 2), "side must be 1 (buy) or 2 (sell)"),
            ((tc["buyer"] >= N_INVESTORS) | (tc["seller"] >= N_INVESTORS), "unknown investor category"),
            (
                (tc["buyer_member"] >= self.n_members) | (tc["seller_member"] >= self.n_members),
                "unknown member firm",
            ),
            (((f_buy | f_sell) & _NOT_PROGRAM_BITS) != 0, "bad program flags"),
            (((f_buy & PROGRAM_KIND_MASK) == 3) | ((f_sell & PROGRAM_KIND_MASK) == 3), "bad program kind"),
        )

        def where(r: int) -> str:
            code = self.instruments.code[int(inst[r])]
            lo, up = int(self.lower[inst[r]]), int(self.upper[inst[r]])
            return f"{code}, price {int(price[r])}, qty {int(qty[r])}, limits {lo}..{up}"

        _raise_first("trades", checks, where)

    def _validate_books(self, bc: Columns) -> None:
        inst = bc["inst"]
        ask, bid = bc["ask_price"], bc["bid_price"]
        a1, a0 = ask[:, 1:], ask[:, :-1]
        b1, b0 = bid[:, 1:], bid[:, :-1]
        px = np.concatenate([ask, bid], axis=1)
        tables = self.instruments.tick_table[inst][:, None]
        # A negative value anywhere makes the OR negative: one pass instead of four.
        negative = (px.min(axis=1) < 0) | (np.minimum(bc["ask_qty"], bc["bid_qty"]).min(axis=1) < 0)
        checks: tuple[tuple[Any, str], ...] = (
            (negative, "negative price or quantity"),
            ((ask[:, 0] > 0) & (bid[:, 0] >= ask[:, 0]), "best bid is not below best ask"),
            # Non-empty levels run strictly outward from the touch, with no gaps.
            (((a1 > 0) & (a1 <= a0)).any(axis=1), "ask levels are not ascending"),
            (((b1 > 0) & ((b1 >= b0) | (b0 == 0))).any(axis=1), "bid levels are not descending"),
            ((px % tick_sizes(px, tables) != 0).any(axis=1), "a price is off its tick grid"),
        )
        _raise_first("books", checks, lambda r: self.instruments.code[int(inst[r])])

    # -- listings and corporate actions ------------------------------------------------------

    def list_instrument(self, rec: Instrument, index_keys: list[str]) -> int:
        """List a new instrument (between or during days); it joins ``index_keys``."""
        self.version += 1
        (i,) = self.instruments.extend([rec])
        self._grow(len(self.instruments))
        self.base[i] = self.prev_close[i] = self.index_price[i] = rec.prev_close
        up, lo = self._limits_of(np.array([i]))
        self.upper[i], self.lower[i] = up[0], lo[0]
        self._combined = None
        member = np.array([k in index_keys for k in self.index.keys], np.bool_)
        self.index.change_weights(i, member, self._weight_column(i), self.index_price)
        return i

    def delist(self, i: int) -> None:
        """Remove instrument ``i`` from trading and from every index."""
        self.version += 1
        self.instruments.active[i] = False
        none = np.zeros(len(self.index.keys), np.bool_)
        self.index.change_weights(i, none, self._weight_column(i), self.index_price)

    def corporate_action(self, i: int, listed_shares: int, base_price: int) -> None:
        """Apply a share-count / theoretical-price change (split, rights or bonus issue) to ``i``.

        Takes effect for the index at once; ``base_price`` becomes the next day's base.
        """
        self.version += 1
        ins = self.instruments
        # Holdings are shares: a split or an issue gives every holder, foreigners too, pro rata.
        before = int(ins.listed_shares[i])
        if before > 0:
            self.foreign_start[i] = round(int(self.foreign_start[i]) * listed_shares / before)
        ins.listed_shares[i] = listed_shares
        ins.float_shares[i] = round(listed_shares * float(ins.float_ratio[i]))
        self.prev_close[i] = base_price
        self.index_price[i] = base_price
        self.index.change_weights(i, self.index.member[:, i].copy(), self._weight_column(i), self.index_price)

    def restore_shares(self, listed: I64, floating: I64) -> None:
        """Put back listed and float share counts an earlier run reached (its corporate actions),
        for the first ``len(listed)`` instruments, with their index weights. Index base caps are
        the caller's to restore with them."""
        ins = self.instruments
        k = min(len(listed), self.n)
        changed = np.flatnonzero(
            (ins.listed_shares[:k] != listed[:k]) | (ins.float_shares[:k] != floating[:k])
        ).tolist()
        ins.listed_shares[:k] = listed[:k]
        ins.float_shares[:k] = floating[:k]
        for i in changed:
            self.version += 1
            member = self.index.member[:, i].copy()
            self.index.change_weights(i, member, self._weight_column(i), self.index_price)

    def _weight_column(self, i: int) -> I64:
        ins = self.instruments
        fa = np.array([s.float_adjusted for s in self.index.specs])
        return np.asarray(np.where(fa, ins.float_shares[i], ins.listed_shares[i]), np.int64)

    def _grow(self, n: int) -> None:
        if n <= self.n:
            return
        self.rows.grow(2 * n)
        self.bar_builder.grow(2 * n)
        self.book_rows.grow(2 * n)
        self._venue_views()
        self.flow_qty = grow_first_axis(self.flow_qty, n)
        self.flow_val = grow_first_axis(self.flow_val, n)
        for f in _FIELDS:
            setattr(self, f.name, grow_last_axis(getattr(self, f.name), n, f.spec.fill))
        self.index.grow(n)
        self.n = n

    def _venue_views(self) -> None:
        """Each venue's rows of the interleaved state, as views (writes go through)."""
        self.venues = [self.rows.half(_KRX), self.rows.half(_NXT)]
        self.books = [self.book_rows.half(_KRX), self.book_rows.half(_NXT)]

    def __deepcopy__(self, memo: dict[int, Any]) -> Engine:
        """An independent engine in the same state (a replay keeps a day's opening so). The
        venue views are made again: the deep copy of a view is an array of its own."""
        new = Engine.__new__(Engine)
        memo[id(self)] = new
        for name, value in self.__dict__.items():
            if name not in ("venues", "books", "_combined"):
                setattr(new, name, copy.deepcopy(value, memo))
        new._venue_views()
        new._combined = None
        return new

    def _compute_limits(self) -> None:
        self.upper, self.lower = self._limits_of(np.arange(self.n))

    def _limits_of(self, idx: npt.NDArray[np.intp]) -> tuple[I64, I64]:
        ins = self.instruments
        base = np.maximum(self.base[idx], 1)
        return price_limits_array(base, ins.tick_table[idx], ins.limit_rate_pct[idx])

    # -- reading ------------------------------------------------------------------------------------

    def state(self, venue: Venue = Venue.KRX) -> VenueState:
        """Today's aggregates on ``venue``; the combined view is derived and cached until the next batch."""
        if venue == Venue.ALL:
            if self._combined is None:
                self._combined = combined(self.venues[_KRX], self.venues[_NXT])
            return self._combined
        return self.venues[venue]

    def bars(
        self,
        venue: Venue = Venue.KRX,
        period_s: int = 60,
        include_open: bool = True,
        since: int | None = None,
    ) -> npt.NDArray[np.void]:
        """Today's intraday bars of ``period_s`` (a multiple of 10) in (instrument, start) order;
        with ``since`` (ns, on the period grid), only those starting at or after it."""
        if period_s % BAR_BASE_S:
            raise ValueError(f"bar period must be a multiple of {BAR_BASE_S} s, got {period_s}")
        base = self.bar_builder.bars(include_open, since)
        if venue != Venue.ALL:
            base = base[(base["inst"] & 1) == venue]
        base["inst"] >>= 1
        if period_s == BAR_BASE_S and venue != Venue.ALL:
            return base
        return combine(base, period_s * NS)

    def closed_bars(self, venue: Venue, fields: Sequence[str]) -> tuple[I64, I64]:
        """The closed 10-second bars of ``venue`` (KRX or NXT): their instrument numbers and a
        matrix of their ``fields``, one row per bar, each instrument's bars in time order and the
        instruments interleaved; after ``end_day``, the whole day's. For readers of every bar at
        once (the roll-over into history): no sort and one copy, unlike ``bars``."""
        m = self.bar_builder.closed(("inst", *fields), lambda row: (row & 1) == venue)
        return m[:, 0] >> 1, m[:, 1:]

    def signs(self, venue: Venue = Venue.KRX) -> npt.NDArray[np.int8]:
        """Sign code (1–5) of every instrument's current price against its base."""
        last = self.state(venue).last
        price = np.where(last > 0, last, self.base)
        return sign_codes(price, self.base, self.upper, self.lower)

    def current_price(self, venue: Venue = Venue.KRX) -> I64:
        """Last trade price, or the base price before the first trade."""
        last = self.state(venue).last
        return np.where(last > 0, last, self.base)

    def foreign_holdings(self) -> I64:
        """Foreign holdings now: start of day plus today's foreign net buying on every venue."""
        v = self.state(Venue.ALL)
        f = list(FOREIGNERS)
        net = v.inv_qty[:, 0, f].sum(axis=1) - v.inv_qty[:, 1, f].sum(axis=1)
        return np.asarray(self.foreign_start + net, np.int64)

    def inav(self, inst: npt.NDArray[np.intp] | None = None) -> F64:
        """Intraday indicative NAV of each ETF/ETN on a domestic index (of ``inst`` only, when
        given): yesterday's NAV moved by the leverage times the index's move since its previous
        close; NaN for anything else."""
        rows = slice(None) if inst is None else inst
        k = self.etp_index[rows]
        tracked = k >= 0
        prev = self.index.prev_close[np.where(tracked, k, 0)]
        level = np.round(self.index.levels(), 2)[np.where(tracked, k, 0)]
        with np.errstate(divide="ignore", invalid="ignore"):
            move = np.where(prev > 0, level / prev - 1.0, 0.0)
        lev = self.instruments.leverage[rows].astype(np.float64)
        nav = self.nav_prev[rows] * (1.0 + lev * move)
        return np.asarray(np.where(tracked, nav, np.nan), np.float64)

    def navs(self, inst: npt.NDArray[np.intp] | None = None) -> F64:
        """Every instrument's NAV now (of ``inst`` only, when given): the iNAV where the engine
        computes one, else the previous NAV (an ETF on a foreign, bond… underlying; stocks keep
        what they have)."""
        now = self.inav(inst)
        prev = self.nav_prev if inst is None else self.nav_prev[inst]
        return np.asarray(np.where(np.isnan(now), prev, now), np.float64)

    def week52(self) -> tuple[I64, I64]:
        """52-week high and low including today (KRX)."""
        krx = self.venues[_KRX]
        hi = np.maximum(self.high52, krx.high)
        lo_today = np.where(krx.low > 0, krx.low, np.iinfo(np.int64).max)
        lo_hist = np.where(self.low52 > 0, self.low52, np.iinfo(np.int64).max)
        lo = np.minimum(lo_hist, lo_today)
        return hi, np.where(lo == np.iinfo(np.int64).max, 0, lo)

    def breadth(self, venue: Venue = Venue.KRX) -> npt.NDArray[np.int64]:
        """Per index: counts of constituents by sign code (columns 1–5; column 0 traded count)."""
        sg = self.signs(venue)
        onehot = np.zeros((self.n, 6), np.int64)
        onehot[np.arange(self.n), sg] = 1
        onehot[:, 0] = self.state(venue).count > 0
        return self.index.member_i @ onehot

    def index_investor_flows(self, venue: Venue = Venue.KRX) -> tuple[I64, I64, I64, I64]:
        """Per index and investor: (buy qty, sell qty, buy value, sell value)."""
        v = self.state(venue)
        m = self.index.member_i
        return m @ v.inv_qty[:, 0], m @ v.inv_qty[:, 1], m @ v.inv_val[:, 0], m @ v.inv_val[:, 1]

    def index_program(self, venue: Venue = Venue.KRX) -> tuple[I64, I64]:
        """Per index: program-trading (qty, value) cells shaped (indices, side, kind, account)."""
        v = self.state(venue)
        m = self.index.member_i
        q = m @ v.prog_qty.reshape(self.n, -1)
        val = m @ v.prog_val.reshape(self.n, -1)
        return q.reshape(-1, 2, 2, 2), val.reshape(-1, 2, 2, 2)

    def index_totals(self, venue: Venue = Venue.KRX) -> tuple[I64, I64]:
        """Per index: today's constituent volume (shares) and value (KRW) on ``venue``."""
        v = self.state(venue)
        return self.index.member_i @ v.volume, self.index.member_i @ v.value

    def top_members(self, i: int, venue: Venue = Venue.KRX, k: int = 5) -> tuple[I64, I64, I64, I64]:
        """Top-``k`` members of instrument ``i``: (sell members, sell qty, buy members, buy qty)."""
        sm, sq, bm, bq = self.member_ranking(np.array([i], np.intp), venue, k)
        return sm[0], sq[0], bm[0], bq[0]

    def member_ranking(
        self, inst: npt.NDArray[np.intp], venue: Venue = Venue.KRX, k: int = 5
    ) -> tuple[I64, I64, I64, I64]:
        """Top-``k`` members of each of ``inst`` by shares, ties to the lower member number:
        (sell members, sell qty, buy members, buy qty), each shaped (len(inst), k)."""
        q = self.state(venue).mem_qty[inst]  # (inst, side, member)
        # A stable sort of the negated quantities keeps tied members in number order.
        order = np.argsort(-q, axis=2, kind="stable")[:, :, :k]
        top = np.take_along_axis(q, order, axis=2)
        return order[:, 1], top[:, 1], order[:, 0], top[:, 0]

    def state_arrays(self) -> Iterator[tuple[str, npt.NDArray[np.generic]]]:
        """Every array of state, by name, in a fixed order (for digests and equality tests)."""
        for name, arr in self.rows.arrays().items():
            yield f"rows.{name}", arr
        yield "bars", self.bar_builder.bars()
        for name, arr in self.book_rows.arrays().items():
            yield f"books.{name}", arr
        yield "flows.mark", np.array([self.flow_mark], np.int64)
        yield "flows.qty", self.flow_qty
        yield "flows.val", self.flow_val
        for f in _FIELDS:
            yield f.name, getattr(self, f.name)
        ix = self.index
        for name in ("cap", "base_cap", "volume", "value", "open", "high", "low", "prev_close", "weights"):
            yield f"index.{name}", getattr(ix, name)
        day = yyyymmdd(self.day) if self.day is not None else 0
        yield "clock", np.array([day, self.last_time, self._next_pub, self._pub_until], np.int64)
        for s in (ix.series_fast, ix.series_slow):
            yield "series.time", s.time[: s.n]
            yield "series.level", s.level[: s.n]
            yield "series.volume", s.volume[: s.n]
            yield "series.value", s.value[: s.n]

    def digest(self, without: Collection[str] = ()) -> str:
        """SHA-256 over every state array (but those named in ``without``): equal digests mean
        identical state."""
        h = hashlib.sha256()
        for name, arr in self.state_arrays():
            if name in without:
                continue
            h.update(name.encode())
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()

    # -- helpers -------------------------------------------------------------------------------------

    def _require_day(self) -> date:
        if self.day is None:
            raise EngineStateError("no trading day is open: call start_day first")
        return self.day


def _raise_first(array: str, checks: tuple[tuple[Any, str], ...], where: Callable[[int], str]) -> None:
    """Raise for the first row failing any check, naming the first check it fails.

    The common case is a clean batch, so the masks are OR-ed and tested once."""
    bad = checks[0][0].copy()
    for mask, _ in checks[1:]:
        bad |= mask
    if not bad.any():
        return
    r = int(np.argmax(bad))
    why = next(reason for mask, reason in checks if mask[r])
    raise BatchError(array, r, f"{why} ({where(r)})")


def _off_tick(prices: I64, tables: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """True where a price is off its tick grid (0, an empty book level, is on every grid)."""
    return np.asarray(prices % tick_sizes(prices, tables) != 0, np.bool_)


def _columns(arr: npt.NDArray[np.void]) -> Columns:
    """Contiguous copies of a structured array's fields: one strided pass per field, after
    which every vectorised operation reads dense memory."""
    names = arr.dtype.names or ()
    return {name: np.ascontiguousarray(arr[name]) for name in names}


_FIELDS = declared(Engine, InstrumentField)
_DAILY = tuple(f for f in _FIELDS if f.spec.daily)

__all__ = ["BAR_DTYPE", "DAILY_DTYPE", "Engine", "IndexUniverse"]
