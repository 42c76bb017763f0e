"""VI, circuit breaker and sidecar rules."""

from __future__ import annotations

import numpy as np
import pytest

from sise.market.stabilisers import (
    CB_STAGES,
    CBState,
    CBTrigger,
    SidecarState,
    VIKind,
    cb_halt_windows,
    cb_stage,
    cb_step,
    dynamic_vi_rate,
    dynamic_vi_rates_np,
    sidecar_direction,
    sidecar_step,
    sidecar_window_open,
    static_vi_applies,
    static_vi_rate,
    vi_applies_to,
    vi_trigger_prices,
    would_trigger_vi,
    would_trigger_vi_np,
)
from sise.market.types import InstrumentKind, Market


def stock_tick(price: int) -> int:
    """KRX stock tick table since 2023-01-25."""
    for bound, tick in ((2_000, 1), (5_000, 5), (20_000, 10), (50_000, 50), (200_000, 100), (500_000, 500)):
        if price < bound:
            return tick
    return 1_000


# --- VI -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k200", "phase", "rate"),
    [
        (True, "continuous", 0.03),
        (True, "closing_auction", 0.02),
        (True, "after_hours", 0.03),
        (False, "continuous", 0.06),
        (False, "closing_auction", 0.04),
        (False, "after_hours", 0.06),
    ],
)
def test_dynamic_vi_rates(k200: bool, phase: str, rate: float) -> None:
    assert dynamic_vi_rate(k200, phase) == rate  # type: ignore[arg-type]


def test_expiry_day_closing_auction_rate() -> None:
    assert dynamic_vi_rate(True, "closing_auction", expiry_underlying=True) == 0.01
    assert dynamic_vi_rate(False, "closing_auction", expiry_underlying=True) == 0.01
    assert dynamic_vi_rate(True, "continuous", expiry_underlying=True) == 0.03


def test_unknown_phase() -> None:
    with pytest.raises(ValueError):
        dynamic_vi_rate(True, "opening_auction")  # type: ignore[arg-type]


def test_static_vi() -> None:
    assert static_vi_rate() == 0.10
    assert static_vi_applies("continuous")
    assert not static_vi_applies("after_hours")


def test_vi_scope() -> None:
    assert vi_applies_to(InstrumentKind.STOCK)
    assert vi_applies_to(InstrumentKind.ETF)
    assert vi_applies_to(InstrumentKind.ETN)
    assert not vi_applies_to(InstrumentKind.ELW)
    assert not vi_applies_to(InstrumentKind.FUTURE)


@pytest.mark.parametrize(
    ("ref", "rate", "upper", "lower"),
    [
        (60_000, 0.10, 66_000, 54_000),  # exact on the grid
        (60_000, 0.03, 61_800, 58_200),
        (10_000, 0.03, 10_300, 9_700),  # 300.00000000000006 must not round up a tick
        (61_300, 0.03, 63_200, 59_400),  # 63,139 -> 63,200 ; 59,461 -> 59,400
        (1_900, 0.06, 2_015, 1_786),  # crosses into the 5-won band upward
        (2_100, 0.06, 2_230, 1_974),  # crosses into the 1-won band downward
        (3_000, 0.10, 3_300, 2_700),
    ],
)
def test_vi_trigger_prices(ref: int, rate: float, upper: int, lower: int) -> None:
    assert vi_trigger_prices(ref, rate, stock_tick) == (upper, lower)


def test_trigger_prices_are_on_the_grid_and_beyond_the_band() -> None:
    for ref in range(1_000, 600_000, 997):
        up, lo = vi_trigger_prices(ref, 0.06, stock_tick)
        assert up % stock_tick(up) == 0 and lo % stock_tick(lo) == 0
        assert up >= ref * 1.06 - 1e-6 and up - stock_tick(up) < ref * 1.06
        assert lo <= ref * 0.94 + 1e-6 and lo + stock_tick(lo) > ref * 0.94


def test_would_trigger_vi_kinds() -> None:
    # Static reference 60,000 (opening price), last trade 62,000, KOSPI200 stock (3 %).
    assert would_trigger_vi(62_500, 62_000, 60_000, dynamic_rate=0.03) is VIKind.NONE
    assert would_trigger_vi(63_900, 62_000, 60_000, dynamic_rate=0.03) is VIKind.DYNAMIC
    assert would_trigger_vi(66_000, 64_500, 60_000, dynamic_rate=0.03) is VIKind.STATIC
    assert would_trigger_vi(66_000, 62_000, 60_000, dynamic_rate=0.03) is VIKind.BOTH
    assert would_trigger_vi(54_000, 55_000, 60_000, dynamic_rate=0.03) is VIKind.STATIC
    # Exactly at the trigger price triggers; one tick inside does not.
    assert would_trigger_vi(61_800, 60_000, 60_000, dynamic_rate=0.03) is VIKind.DYNAMIC
    assert would_trigger_vi(61_700, 60_000, 60_000, dynamic_rate=0.03) is VIKind.NONE
    # Disabled kinds and missing references.
    assert would_trigger_vi(66_000, 62_000, 60_000, dynamic_rate=0.03, static_rate=None) is VIKind.DYNAMIC
    assert would_trigger_vi(66_000, 62_000, 60_000, dynamic_rate=None) is VIKind.STATIC
    assert would_trigger_vi(66_000, 0, 0, dynamic_rate=0.03) is VIKind.NONE


def test_would_trigger_vi_np_matches_scalar() -> None:
    rng = np.random.default_rng(7)
    n = 5_000
    static_ref = rng.integers(1_000, 500_000, n)
    last = (static_ref * rng.uniform(0.92, 1.08, n)).astype(np.int64)
    price = (last * rng.uniform(0.9, 1.1, n)).astype(np.int64)
    k200 = rng.random(n) < 0.3
    rates = dynamic_vi_rates_np(k200, "continuous")
    got = would_trigger_vi_np(price, last, static_ref, rates)
    want = [
        would_trigger_vi(int(p), int(lp), int(s), dynamic_rate=float(r))
        for p, lp, s, r in zip(price, last, static_ref, rates, strict=True)
    ]
    assert got.dtype == np.int8
    assert got.tolist() == [int(k) for k in want]
    assert {int(v) for v in got} == {0, 1, 2, 3}


def test_would_trigger_vi_np_exact_boundaries() -> None:
    price = np.array([10_300, 10_290, 9_700, 11_000, 0], dtype=np.int64)
    last = np.array([10_000, 10_000, 10_000, 11_000, 0], dtype=np.int64)
    static = np.array([10_000, 10_000, 10_000, 10_000, 0], dtype=np.int64)
    got = would_trigger_vi_np(price, last, static, 0.03)
    assert got.tolist() == [VIKind.DYNAMIC, VIKind.NONE, VIKind.DYNAMIC, VIKind.STATIC, VIKind.NONE]
    assert would_trigger_vi_np(price, last, static, None, None).tolist() == [0] * 5


def test_would_trigger_vi_np_wants_whole_basis_point_rates() -> None:
    one = np.array([10_000], dtype=np.int64)
    assert would_trigger_vi_np(one + 25, one, one, 0.0025).tolist() == [VIKind.DYNAMIC]
    with pytest.raises(ValueError, match="basis points"):
        would_trigger_vi_np(one, one, one, 0.00125)


# --- circuit breakers ---------------------------------------------------------------------------------

OPEN = 9 * 3600
CLOSE = 15 * 3600 + 30 * 60
NOON = 12 * 3600


def test_cb_stage_table() -> None:
    assert [(r.stage, r.decline_pct, r.halt_s, r.auction_s, r.ends_day) for r in CB_STAGES] == [
        (1, 8.0, 1200, 600, False),
        (2, 15.0, 1200, 600, False),
        (3, 20.0, 0, 0, True),
    ]


def test_cb_stage_conditions() -> None:
    to_close = CLOSE - NOON
    assert cb_stage(-7.99, to_close) is None
    assert cb_stage(-8.0, to_close) == 1
    assert cb_stage(-21.0, to_close) == 1  # stages fire in order
    s1 = CBTrigger(1, -8.2, NOON)
    assert cb_stage(-12.0, to_close, [s1]) is None
    assert cb_stage(-15.0, to_close, [s1]) == 2
    # +1 point rule: stage 1 fired deep at -14.5 %, so stage 2 needs -15.5 %.
    deep = CBTrigger(1, -14.5, NOON)
    assert cb_stage(-15.2, to_close, [deep]) is None
    assert cb_stage(-15.5, to_close, [deep]) == 2
    s2 = CBTrigger(2, -19.5, NOON)
    assert cb_stage(-20.2, to_close, [s1, s2]) is None
    assert cb_stage(-20.5, to_close, [s1, s2]) == 3
    s3 = CBTrigger(3, -20.5, NOON)
    assert cb_stage(-30.0, to_close, [s1, s2, s3]) is None


def test_cb_last_40_minutes() -> None:
    at_1450 = 40 * 60
    assert cb_stage(-9.0, at_1450) is None
    assert cb_stage(-16.0, at_1450 + 1) == 1
    assert cb_stage(-16.0, at_1450, [CBTrigger(1, -8.1)]) is None
    # Stage 3 can fire at any time, even with no earlier stage.
    assert cb_stage(-20.0, 600) == 3
    assert cb_stage(-20.0, 600, [CBTrigger(1, -8.1)]) == 3


def test_cb_step_requires_one_minute() -> None:
    st = CBState()
    st, fired = cb_step(st, -8.1, NOON, CLOSE)
    assert fired is None and st.pending_stage == 1
    st, fired = cb_step(st, -8.3, NOON + 59, CLOSE)
    assert fired is None
    st, fired = cb_step(st, -8.4, NOON + 60, CLOSE)
    assert fired == CBTrigger(1, -8.4, NOON + 60)
    assert cb_halt_windows(fired) == (NOON + 60 + 1200, NOON + 60 + 1800)
    # Once a day: another -8 % does not refire stage 1.
    st2, again = cb_step(st, -9.0, NOON + 4000, CLOSE)
    st2, again = cb_step(st2, -9.0, NOON + 4100, CLOSE)
    assert again is None


def test_cb_step_resets_when_condition_lapses() -> None:
    st, _ = cb_step(CBState(), -8.1, NOON, CLOSE)
    st, _ = cb_step(st, -7.5, NOON + 30, CLOSE)
    assert st.pending_stage is None
    st, _ = cb_step(st, -8.1, NOON + 40, CLOSE)
    st, fired = cb_step(st, -8.1, NOON + 90, CLOSE)
    assert fired is None
    st, fired = cb_step(st, -8.1, NOON + 100, CLOSE)
    assert fired is not None and fired.stage == 1


def test_cb_stage_three_ends_the_day() -> None:
    st = CBState(fired=(CBTrigger(1, -8.0, OPEN + 600), CBTrigger(2, -15.0, OPEN + 3600)))
    st, _ = cb_step(st, -20.0, NOON, CLOSE)
    st, fired = cb_step(st, -20.0, NOON + 60, CLOSE)
    assert fired is not None and fired.stage == 3
    assert cb_halt_windows(fired) is None
    assert st.day_ended
    assert cb_step(st, -25.0, NOON + 600, CLOSE) == (st, None)


# --- sidecar ------------------------------------------------------------------------------------------


def test_sidecar_kospi_direction() -> None:
    assert sidecar_direction(Market.KOSPI, 5.0) == 1
    assert sidecar_direction(Market.KOSPI, -5.2) == -1
    assert sidecar_direction(Market.KOSPI, 4.9) == 0


def test_sidecar_kosdaq_needs_futures_and_index() -> None:
    assert sidecar_direction(Market.KOSDAQ, 6.0, 3.0) == 1
    assert sidecar_direction(Market.KOSDAQ, -6.5, -3.1) == -1
    assert sidecar_direction(Market.KOSDAQ, 6.5, 2.9) == 0
    assert sidecar_direction(Market.KOSDAQ, 5.9, 4.0) == 0
    assert sidecar_direction(Market.KOSDAQ, 6.5, -3.5) == 0
    assert sidecar_direction(Market.KOSDAQ, 6.5) == 0
    assert sidecar_direction(Market.KONEX, 10.0) == 0


def test_sidecar_window() -> None:
    assert not sidecar_window_open(299, 10_000)
    assert sidecar_window_open(300, 10_000)
    assert not sidecar_window_open(10_000, 2400)
    assert sidecar_window_open(10_000, 2401)


def test_sidecar_step_fires_once_after_a_minute() -> None:
    st = SidecarState()
    st, trig = sidecar_step(st, Market.KOSPI, -5.1, None, OPEN + 100, OPEN, CLOSE)
    assert trig is None and st.pending_direction == 0  # first 5 minutes
    st, trig = sidecar_step(st, Market.KOSPI, -5.1, None, OPEN + 400, OPEN, CLOSE)
    assert trig is None and st.pending_direction == -1
    st, trig = sidecar_step(st, Market.KOSPI, -5.3, None, OPEN + 460, OPEN, CLOSE)
    assert trig is not None
    assert (trig.direction, trig.at_s, trig.resume_at_s) == (-1, OPEN + 460, OPEN + 760)
    st, again = sidecar_step(st, Market.KOSPI, 7.0, None, NOON, OPEN, CLOSE)
    st, again = sidecar_step(st, Market.KOSPI, 7.0, None, NOON + 120, OPEN, CLOSE)
    assert again is None
