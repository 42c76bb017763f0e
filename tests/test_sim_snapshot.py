"""A simulator restored from a snapshot makes the very batches the original makes after it."""

from __future__ import annotations

import pickle
from datetime import date, time

import numpy as np
import pytest

from sise.engine.batches import Batch
from sise.market.timeutil import NS, kst_ns
from sise.market.universe import build_universe
from sise.sources.day import build_market
from sise.sources.simulator import MarketSimulator, SimConfig

DAY = date(2026, 11, 20)


def _simulator(seed: int = 3) -> MarketSimulator:
    universe, engine = build_market(build_universe(n_kospi=60, n_kosdaq=60, n_etf=6, n_etn=2), DAY)
    engine.start_day(DAY)
    cfg = SimConfig(DAY, seed=seed, scale=0.01, step_s=60)
    return MarketSimulator(universe, engine.base, engine.upper, engine.lower, cfg)


def _same(a: Batch, b: Batch) -> bool:
    return a.end_time == b.end_time and all(
        getattr(a, k).tobytes() == getattr(b, k).tobytes() for k in ("trades", "books", "statuses")
    )


@pytest.mark.parametrize("at", [time(8, 40), time(15, 29, 50)])
def test_restored_simulator_continues_identically(at: time) -> None:
    sim = _simulator()
    assert sim.derivatives is not None  # the snapshot covers the derivatives' state too
    batches = sim.batches()
    until = kst_ns(DAY, at)
    while sim.cursor_ns < until:
        sim.step_ns = min(60 * NS, until - sim.cursor_ns) if sim.cursor_ns else 60 * NS
        next(batches)
    sim.step_ns = 7 * NS
    snap = sim.snapshot()
    restored = _simulator()
    restored.restore(snap)
    assert restored.cursor_ns == until and restored.step_ns == 7 * NS
    again = restored.batches()
    # Across the opening call, the derivatives' open and the close, with different step sizes.
    for k in range(150):
        if k == 75:
            sim.step_ns = restored.step_ns = 13 * NS
        a, b = next(batches, None), next(again, None)
        if a is None or b is None:
            assert a is b is None
            break
        assert _same(a, b), f"batch {k} after the snapshot differs"
    assert _state(restored) == _state(sim)


def _state(sim: MarketSimulator) -> object:
    """The snapshot's content, comparable with ``==`` (arrays as their bytes)."""

    def plain(x: object) -> object:
        if isinstance(x, np.ndarray):
            return (x.dtype.str, x.shape, x.tobytes())
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [plain(v) for v in x]
        return x

    return plain(pickle.loads(sim.snapshot()))


def test_restore_refuses_another_simulator() -> None:
    snap = _simulator(seed=3).snapshot()
    with pytest.raises(ValueError, match="another simulator"):
        _simulator(seed=4).restore(snap)
    with pytest.raises(ValueError, match="not a simulator snapshot"):
        _simulator().restore(snap[:50])


def test_snapshot_is_a_copy() -> None:
    sim = _simulator()
    snap = sim.snapshot()
    logp = sim.lat.logp.copy()
    batches = sim.batches()
    for _ in range(90):
        next(batches)
    assert not np.array_equal(sim.lat.logp, logp)
    sim.restore(snap)
    assert np.array_equal(sim.lat.logp, logp)
