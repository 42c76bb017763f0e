"""Intraday stylized facts of the simulated composite and of limit locks.

Six reduced days (300 stocks, a thin order flow, 1-minute steps) are simulated once for the
module and folded through the engine; the tests read the published KOSPI series at 1-minute
marks. Ranges are KRX's (krx_rules §8.2, §8.5).
"""

from __future__ import annotations

from datetime import date, time

import numpy as np
import numpy.typing as npt
import pytest

from sise.engine.engine import Engine
from sise.market.timeutil import NS, kst_ns
from sise.market.universe import build_universe
from sise.sources.simulator import MarketSimulator, SimConfig

DAY = date(2026, 11, 20)
SEEDS = range(1, 7)
MINUTES = 380  # 09:00–15:20, continuous trading


def minute_returns(e: Engine) -> npt.NDArray[np.float64]:
    """The published KOSPI level's 1-minute log-returns over continuous trading."""
    t, level, _, _ = e.index.series("KOSPI")
    grid = kst_ns(DAY, time(9, 0)) + np.arange(MINUTES + 1) * 60 * NS
    at = level[np.maximum(np.searchsorted(t, grid, side="right") - 1, 0)]
    return np.asarray(np.diff(np.log(at)), np.float64)


@pytest.fixture(scope="module")
def days() -> list[npt.NDArray[np.float64]]:
    u = build_universe(n_kospi=200, n_kosdaq=100, n_etf=5, n_etn=2)
    out = []
    for seed in SEEDS:
        e = Engine.from_universe(u)
        e.start_day(DAY)
        cfg = SimConfig(DAY, seed=seed, scale=0.005, step_s=60)
        for b in MarketSimulator(u, e.base, e.upper, e.lower, cfg).batches():
            e.apply(b)
        out.append(minute_returns(e))
    return out


def test_volatility_is_highest_at_the_open(days: list[npt.NDArray[np.float64]]) -> None:
    # KRX: 1-minute moves of the composite in 09:00–09:30 are about 1.5–3× those of 11:30–13:30,
    # rising again into the close. Per day, then the median day (a stressed midday is possible).
    first = [np.abs(r[:30]).mean() / np.abs(r[150:270]).mean() for r in days]
    last = [np.abs(r[-30:]).mean() / np.abs(r[150:270]).mean() for r in days]
    assert 1.5 <= float(np.median(first)) <= 3.0
    assert 1.0 < float(np.median(last)) < float(np.median(first))


def test_volatility_clusters(days: list[npt.NDArray[np.float64]]) -> None:
    # KRX: the autocorrelation of 1-minute |returns| is about 0.1–0.4 at lag 1 and decays slowly.
    def acf(r: npt.NDArray[np.float64]) -> list[float]:
        x = np.abs(r) - np.abs(r).mean()
        return [float((x[:-k] * x[k:]).sum() / (x * x).sum()) for k in range(1, 6)]

    mean = np.mean([acf(r) for r in days], axis=0)
    assert 0.1 <= mean[0] <= 0.4
    assert np.all(mean > 0.05)
    assert mean[4] <= mean[0]
