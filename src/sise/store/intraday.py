"""A day's intraday bars as ``INTRADAY_BAR`` rows: what the store keeps of each finished day
(``record_bars``, at the roll-over), so that the intraday views render a past day from the store
exactly as they rendered it live.

* **Instruments** (stocks, ETFs, ETNs, futures, options): the engine's KRX bars of 10 s; the
  1-minute and 10-minute bars roll up from them (``rollup``: for one venue, what the engine's
  ``combine`` gives).
* **Indices** with constituents (those history keeps): bars of the published series
  (``index_bars``, which the index views also read today's bars through) on the same clock grid.

The units of both are ``INTRADAY_BAR``'s. ``record_bars`` keeps a window of recent trading days.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.engine.engine import BAR_BASE_S, Engine
from sise.engine.indices import hundredths
from sise.market.calendar import previous_trading_day
from sise.market.derivatives import value_krw
from sise.market.timeutil import KST_OFFSET_S, NS, yyyymmdd
from sise.market.types import Venue
from sise.store.base import BAR_PERIODS_S, CODE_DTYPE, INTRADAY_BAR, HistoryStore, Rows
from sise.store.chunks import runs
from sise.store.closing import with_constituents

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

__all__ = ["DEFAULT_BAR_DAYS", "first_kept", "index_bars", "record_bars", "rollup"]

#: Trading days of bars kept by default (``sise serve --bar-days``): a week.
DEFAULT_BAR_DAYS: Final = 5
#: The bar fields besides the key (code, date).
BAR_COLUMNS: Final = ("start", "open", "high", "low", "close", "volume", "value", "count")
_START, _OPEN, _HIGH, _LOW, _CLOSE, _VOLUME, _VALUE, _COUNT = range(len(BAR_COLUMNS))
_SUMS: Final = slice(_VOLUME, None)  # volume, value and count: summed when bars combine


def _block(dtype: np.dtype[np.void], names: tuple[str, ...]) -> np.dtype[np.void]:
    """``dtype`` seen as its fields ``names``, int64s that follow each other, as one field ``bar``
    (so a row's bar columns are written in one strided copy rather than one per field)."""
    fields = dtype.fields
    assert fields is not None and all(fields[f][0] == np.int64 for f in names)
    at = [fields[f][1] for f in names]
    assert at == list(range(at[0], at[0] + 8 * len(names), 8)), "the fields must be adjacent"
    block: np.dtype[np.void] = np.dtype(
        {
            "names": ["bar"],
            "formats": [(np.int64, (len(names),))],
            "offsets": [at[0]],
            "itemsize": dtype.itemsize,
        }
    )
    return block


_BLOCK: Final = _block(INTRADAY_BAR, BAR_COLUMNS)
#: Instruments whose rows are built and written together at the roll-over: a group's arrays stay
#: small (tens of MB at full scale), so the memory they take is reused from group to group.
GROUP: Final = 256

assert BAR_PERIODS_S[0] == BAR_BASE_S, "the stored periods roll up from the engine's bars"
assert all(b % a == 0 for a, b in pairwise(BAR_PERIODS_S)), "each period rolls up from the one before"


def record_bars(store: HistoryStore, engine: Engine, day: date, *, keep_days: int) -> int:
    """Write ``day``'s bars of every period in ``BAR_PERIODS_S`` (call after ``engine.end_day()``)
    and forget those of the days before the last ``keep_days`` trading days (``day`` the last of
    them; 0 keeps none, so writes none). Returns the rows written. Writing a day again replaces
    its bars."""
    ymd = yyyymmdd(day)
    written = 0
    if keep_days > 0:
        written += _put_instruments(store, engine, ymd)
        written += _put_indices(store, engine, ymd)
    store.drop_bars_before(yyyymmdd(first_kept(day, keep_days)))
    return written


def first_kept(day: date, keep_days: int) -> date:
    """The oldest day of the last ``keep_days`` trading days up to ``day`` (the day after ``day``
    when none are kept)."""
    if keep_days <= 0:
        return day + timedelta(days=1)
    first = day
    for _ in range(keep_days - 1):
        try:
            first = previous_trading_day(first)
        except ValueError:  # before the calendar: nothing older to forget
            break
    return first


def index_bars(series: tuple[I64, F64, I64, I64], period_s: int, code: str, ymd: int) -> Rows:
    """Bars of ``period_s`` of a published index series (``IndexBook.series``: times, levels,
    cumulative volumes and values): each the publications of [start, start + period)."""
    times, levels, volumes, values = series
    start = _grid(times, period_s * NS)
    s, e = _runs(start)
    lv = hundredths(levels)
    rows = np.empty(len(s), INTRADAY_BAR)
    rows["code"] = code
    rows["date"] = ymd
    rows["start"] = start[s]
    if len(s):
        rows["open"] = lv[s]
        rows["high"] = np.maximum.reduceat(lv, s)
        rows["low"] = np.minimum.reduceat(lv, s)
        rows["close"] = lv[e]
        # The cumulative figures at each bar's last publication, as changes: they add up again.
        rows["volume"] = np.diff(volumes[e], prepend=0)
        rows["value"] = np.diff(values[e], prepend=0)
        rows["count"] = e - s + 1
    return rows


def rollup(rows: Rows, period_s: int) -> Rows:
    """Bars of one code and day (``INTRADAY_BAR``, by start) combined into bars of ``period_s``, a
    multiple of theirs on the KST clock grid: the first open, highest high, lowest low, last close,
    summed volume, value and count."""
    rows = np.ascontiguousarray(rows, INTRADAY_BAR)
    bars, _ = _roll(rows.view(_BLOCK)["bar"], np.zeros(len(rows), np.int64), period_s * NS)
    out = np.empty(len(bars), INTRADAY_BAR)
    out["code"] = rows["code"][0] if len(rows) else ""
    out["date"] = rows["date"][0] if len(rows) else 0
    out.view(_BLOCK)["bar"] = bars
    return out


# ---------------------------------------------------------------------------------------------------
# The roll-over's writers
# ---------------------------------------------------------------------------------------------------


def _put_instruments(store: HistoryStore, engine: Engine, ymd: int) -> int:
    t = engine.instruments
    inst, bars = engine.closed_bars(Venue.KRX, BAR_COLUMNS)
    codes = np.asarray(t.code, CODE_DTYPE)
    by_code = np.argsort(codes, kind="stable")
    rank = np.empty(len(codes), np.int64)
    rank[by_code] = np.arange(len(codes))
    sorted_codes = codes[by_code]
    # The store takes bars by (code, start). Each instrument's bars come in time order, so a
    # stable sort by the code's rank does (a radix sort when the ranks fit 16 bits).
    key = rank[inst]
    small = len(codes) <= np.iinfo(np.int16).max
    order = np.argsort(key.astype(np.int16) if small else key, kind="stable")
    key = key[order]
    bounds = np.searchsorted(key, np.arange(0, len(codes) + GROUP, GROUP))
    written = 0
    for lo, hi in pairwise(bounds.tolist()):
        if lo == hi:
            continue
        take = order[lo:hi]
        part, g_key, g_inst = bars[take], key[lo:hi], inst[take]
        part[:, _VALUE] = value_krw(part[:, _VALUE], t.multiplier[g_inst], t.price_scale[g_inst])
        if ((g_key[1:] == g_key[:-1]) & (part[1:, _START] <= part[:-1, _START])).any():
            again = np.lexsort((part[:, _START], g_key))  # not in time order after all: sort
            part, g_key = part[again], g_key[again]
        written += _put_periods(store, sorted_codes, g_key, ymd, part)
    return written


def _put_periods(store: HistoryStore, codes: npt.NDArray[np.str_], key: I64, ymd: int, bars: I64) -> int:
    """Put bars of the base period (a matrix of ``BAR_COLUMNS`` in (``key``, start) order, ``key``
    the row of the bar's code in ``codes``) and their roll-ups at every longer period."""
    written = 0
    for period in BAR_PERIODS_S:
        if period != BAR_PERIODS_S[0]:
            bars, key = _roll(bars, key, period * NS)
        rows = np.empty(len(key), INTRADAY_BAR)
        code = rows["code"]
        s, e = _runs(key)
        for lo, hi, k in zip(s.tolist(), (e + 1).tolist(), key[s].tolist(), strict=True):
            code[lo:hi] = codes[k]  # a run's code broadcast: no array of millions of strings
        rows["date"] = ymd
        rows.view(_BLOCK)["bar"] = bars  # one strided copy rather than one per field
        store.put_bars(period, rows, copy=False)
        written += len(rows)
    return written


def _put_indices(store: HistoryStore, engine: Engine, ymd: int) -> int:
    ix = engine.index
    keys = sorted(ix.keys[k] for k in with_constituents(engine))
    written = 0
    for period in BAR_PERIODS_S:
        parts = [index_bars(ix.series(k), period, k, ymd) for k in keys]
        rows = np.concatenate(parts) if parts else np.zeros(0, INTRADAY_BAR)
        store.put_bars(period, rows, copy=False)
        written += len(rows)
    return written


# ---------------------------------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------------------------------


def _grid(times: I64, period_ns: int) -> I64:
    """The start of each time's period on the KST clock grid (periods divide a day)."""
    offset = KST_OFFSET_S * NS
    return (times + offset) // period_ns * period_ns - offset


def _runs(*keys: I64) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """First and last row of each run of equal consecutive ``keys`` tuples."""
    b = runs(*keys)
    return b[:-1], b[1:] - 1


def _roll(bars: I64, key: I64, period_ns: int) -> tuple[I64, I64]:
    """Bars (a matrix of ``BAR_COLUMNS``) in (key, start) order combined per key and period of
    ``period_ns``; returns them and their keys."""
    start = _grid(bars[:, _START], period_ns)
    s, e = _runs(key, start)
    out = np.empty((len(s), len(BAR_COLUMNS)), np.int64)
    if len(s):
        out[:, _START] = start[s]
        out[:, _OPEN] = bars[s, _OPEN]
        out[:, _HIGH] = np.maximum.reduceat(bars[:, _HIGH], s)
        out[:, _LOW] = np.minimum.reduceat(bars[:, _LOW], s)
        out[:, _CLOSE] = bars[e, _CLOSE]
        out[:, _SUMS] = np.add.reduceat(bars[:, _SUMS], s, axis=0)
    return out, key[s]
