"""Index levels recomputed from constituents: (market cap / base market cap) × base value.

Market caps are kept exactly, in int64 KRW, and updated incrementally from price changes:
``cap += W[:, changed] @ Δprice[changed]``. The weight matrix ``W`` holds each constituent's share
count (float-adjusted where the index is), so the level is a pure function of prices, shares and
float ratios. Listings, delistings and corporate actions rescale the *base* market cap
(``B_new = B_old × M_after / M_before``) so the level stays continuous (krx_rules §4.2).

Levels are published on a 1-second grid of market time; an index with a 10-second cadence
publishes on the seconds divisible by 10 (KST wall clock). Each publication records the level and
the constituents' cumulative volume and value at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def hundredths(levels: F64) -> I64:
    """Published levels (points, 2 dp) as exact integers, hundredths of a point."""
    return np.rint(levels * 100).astype(np.int64)


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """What the engine needs to compute one index."""

    key: str
    base_value: float
    cadence_s: int
    float_adjusted: bool


class _Series:
    """Growable published series: times and one row of values per publication."""

    def __init__(self, width: int) -> None:
        self.n = 0
        self.time = np.zeros(256, dtype=np.int64)
        self.level = np.zeros((256, width), dtype=np.float64)
        self.volume = np.zeros((256, width), dtype=np.int64)
        self.value = np.zeros((256, width), dtype=np.int64)

    def extend(self, t: I64, level: F64, volume: I64, value: I64) -> None:
        k = len(t)
        if self.n + k > len(self.time):
            cap = max(2 * len(self.time), self.n + k)
            self.time = np.resize(self.time, cap)
            self.level = np.resize(self.level, (cap, self.level.shape[1]))
            self.volume = np.resize(self.volume, (cap, self.volume.shape[1]))
            self.value = np.resize(self.value, (cap, self.value.shape[1]))
        self.time[self.n : self.n + k] = t
        self.level[self.n : self.n + k] = level
        self.volume[self.n : self.n + k] = volume
        self.value[self.n : self.n + k] = value
        self.n += k


class IndexBook:
    """Every index of the market, computed from KRX prices."""

    def __init__(self, specs: list[IndexSpec], membership: npt.NDArray[np.bool_], weights: I64) -> None:
        """``membership`` and ``weights`` are (indices × instruments)."""
        self.specs = specs
        self.keys = [s.key for s in specs]
        self.position = {k: i for i, k in enumerate(self.keys)}
        self.member = membership.astype(np.bool_)
        self.member_i = self.member.astype(np.int64)
        self.weights = np.where(self.member, weights, 0).astype(np.int64)
        self.base_value = np.array([s.base_value for s in specs], dtype=np.float64)
        self.cadence = np.array([s.cadence_s for s in specs], dtype=np.int64)
        self.fast = np.flatnonzero(self.cadence == 1)
        self.slow = np.flatnonzero(self.cadence != 1)
        m = len(specs)
        self.cap = np.zeros(m, dtype=np.int64)
        self.base_cap = np.ones(m, dtype=np.float64)
        self.volume = np.zeros(m, dtype=np.int64)  # today's constituent volume, shares
        self.value = np.zeros(m, dtype=np.int64)  # today's constituent value, KRW
        self.open = np.full(m, np.nan)
        self.high = np.full(m, np.nan)
        self.low = np.full(m, np.nan)
        self.prev_close = np.zeros(m, dtype=np.float64)
        self.series_fast = _Series(len(self.fast))
        self.series_slow = _Series(len(self.slow))
        self._build_csr()

    def _build_csr(self) -> None:
        """Per-instrument list of (index, weight) memberships: most stocks are in a handful of
        the ~60 indices, so the hot path touches only those cells."""
        idx, inst = np.nonzero(self.member)
        order = np.lexsort((idx, inst))  # by instrument, then index
        idx, inst = idx[order], inst[order]
        self.csr_ptr = np.zeros(self.member.shape[1] + 1, np.int64)
        np.add.at(self.csr_ptr, inst + 1, 1)
        self.csr_ptr = np.cumsum(self.csr_ptr)
        self.csr_idx = idx.astype(np.intp)
        self.csr_w = self.weights[idx, inst]

    # -- set-up -------------------------------------------------------------------------------

    def grow(self, n: int) -> None:
        """Room for instruments up to ``n`` (new listings join no index until ``add_member``)."""
        extra = n - self.member.shape[1]
        if extra > 0:
            m = self.member.shape[0]
            self.member = np.concatenate([self.member, np.zeros((m, extra), np.bool_)], axis=1)
            self.member_i = self.member.astype(np.int64)
            self.weights = np.concatenate([self.weights, np.zeros((m, extra), np.int64)], axis=1)
            self._build_csr()

    def reset_caps(self, prices: I64) -> None:
        """Recompute every market cap from scratch at ``prices``."""
        self.cap = self.weights @ prices

    def set_levels(self, levels: F64) -> None:
        """Choose base caps so that today's caps give ``levels`` (used once, at start-up)."""
        self.base_cap = self.cap.astype(np.float64) * self.base_value / levels

    def levels(self) -> F64:
        """Current levels, unrounded."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.base_cap > 0, self.cap / self.base_cap * self.base_value, 0.0)

    def start_day(self) -> None:
        """Yesterday's close becomes the reference; reset today's aggregates and series."""
        self.prev_close = np.round(self.levels(), 2)
        self.volume[:] = 0
        self.value[:] = 0
        self.open[:] = np.nan
        self.high[:] = np.nan
        self.low[:] = np.nan
        self.series_fast = _Series(len(self.fast))
        self.series_slow = _Series(len(self.slow))

    # -- the hot path -------------------------------------------------------------------------

    def shift_prices(self, inst: npt.NDArray[np.intp], delta: I64) -> None:
        """Move caps by price changes ``delta`` (new − old) of ``inst`` without publishing."""
        if len(inst):
            self.cap += self.weights[:, inst] @ delta

    def fold(
        self,
        run_inst: npt.NDArray[np.intp],
        run_seg: npt.NDArray[np.intp],
        run_delta: I64,
        run_qty: I64,
        run_value: I64,
        boundaries: I64,
        kst_seconds: I64,
    ) -> None:
        """Fold runs of trades and publish at ``boundaries``.

        A run is the trades of one instrument between two publication boundaries: ``run_seg`` k
        means its trades come before ``boundaries[k]`` (k == len(boundaries): after the last one).
        ``run_delta`` is the run's last price minus the instrument's price before the run.
        """
        s = len(boundaries)
        m = len(self.keys)
        cnt = self.csr_ptr[run_inst + 1] - self.csr_ptr[run_inst]
        total = int(cnt.sum())
        if total:
            rep = np.repeat(np.arange(len(run_inst)), cnt)
            first = np.cumsum(cnt) - cnt
            e = np.arange(total) - np.repeat(first, cnt) + np.repeat(self.csr_ptr[run_inst], cnt)
            cell = run_seg[rep] * m + self.csr_idx[e]
            d_cap = np.zeros((s + 1) * m, np.int64)
            d_vol = np.zeros((s + 1) * m, np.int64)
            d_val = np.zeros((s + 1) * m, np.int64)
            np.add.at(d_cap, cell, self.csr_w[e] * run_delta[rep])
            np.add.at(d_vol, cell, run_qty[rep])
            np.add.at(d_val, cell, run_value[rep])
            cum_cap = np.cumsum(d_cap.reshape(s + 1, m), axis=0)
            cum_vol = np.cumsum(d_vol.reshape(s + 1, m), axis=0)
            cum_val = np.cumsum(d_val.reshape(s + 1, m), axis=0)
        else:
            cum_cap = cum_vol = cum_val = np.zeros((s + 1, m), np.int64)
        if s:
            caps = self.cap + cum_cap[:s]
            with np.errstate(divide="ignore", invalid="ignore"):
                raw = np.where(self.base_cap > 0, caps / self.base_cap * self.base_value, 0.0)
            lv: F64 = np.asarray(np.round(raw, 2), np.float64)
            vol = self.volume + cum_vol[:s]
            val = self.value + cum_val[:s]
            self._publish_block(boundaries, kst_seconds, lv, vol, val)
        self.cap += cum_cap[s]
        self.volume += cum_vol[s]
        self.value += cum_val[s]

    def _publish_block(self, times: I64, kst_seconds: I64, lv: F64, vol: I64, val: I64) -> None:
        self._track(lv, self.fast)
        self.series_fast.extend(times, lv[:, self.fast], vol[:, self.fast], val[:, self.fast])
        tens = kst_seconds % 10 == 0
        if tens.any():
            self._track(lv[tens], self.slow)
            self.series_slow.extend(
                times[tens], lv[tens][:, self.slow], vol[tens][:, self.slow], val[tens][:, self.slow]
            )

    def _track(self, lv: F64, cols: npt.NDArray[np.intp]) -> None:
        """Today's open/high/low of each index from its published levels (rows: publications)."""
        block = lv[:, cols]
        first = np.isnan(self.open[cols])
        self.open[cols[first]] = block[0, first]
        self.high[cols] = np.fmax(self.high[cols], block.max(axis=0))
        self.low[cols] = np.fmin(self.low[cols], block.min(axis=0))

    # -- membership and corporate actions ------------------------------------------------------

    def rescale(self, before: F64, after: F64) -> None:
        """Rescale base caps so levels are unchanged across a cap change ``before`` → ``after``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(before > 0, after / before, 1.0)
        self.base_cap = self.base_cap * factor

    def change_weights(self, inst: int, member: npt.NDArray[np.bool_], weight: I64, prices: I64) -> None:
        """Set instrument ``inst``'s membership and weight in every index, keeping levels continuous."""
        before = self.cap.astype(np.float64)
        self.member[:, inst] = member
        self.member_i[:, inst] = member
        self.weights[:, inst] = np.where(member, weight, 0)
        self.cap = self.weights @ prices
        self.rescale(before, self.cap.astype(np.float64))
        self._build_csr()

    # -- reading --------------------------------------------------------------------------------

    def series(self, key: str) -> tuple[I64, F64, I64, I64]:
        """(times, levels, volumes, values) published today for index ``key``."""
        i = self.position[key]
        if self.cadence[i] == 1:
            s, col = self.series_fast, int(np.searchsorted(self.fast, i))
        else:
            s, col = self.series_slow, int(np.searchsorted(self.slow, i))
        return s.time[: s.n], s.level[: s.n, col], s.volume[: s.n, col], s.value[: s.n, col]
