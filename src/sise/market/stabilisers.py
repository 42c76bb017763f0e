"""Market stabilisers: volatility interruption (VI), circuit breakers (CB) and the sidecar.

Pure functions and small frozen dataclasses. Nothing here reads a clock: times are seconds of
market time passed in by the caller (any origin, e.g. seconds since midnight KST), percentages are
signed changes in percent (``-8.3`` means the index is 8.3 % below the previous close).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from fractions import Fraction
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from sise.market.types import InstrumentKind, Market

# ---------------------------------------------------------------------------------------------------
# Volatility interruption
# ---------------------------------------------------------------------------------------------------

VIPhase = Literal["continuous", "closing_auction", "after_hours"]
"""Sessions in which dynamic VI runs: 09:00–15:20, 15:20–15:30, 16:00–18:00 single-price."""

#: Dynamic VI rates by (KOSPI200-like, phase). "KOSPI200-like" = KOSPI200 constituents and ETFs on
#: KOSPI200/100/50, KRX100, inverse and bond indices; everything else (other KOSPI stocks, all
#: KOSDAQ stocks, leveraged/sector/foreign/commodity ETFs) takes the wider row.
DYNAMIC_VI_RATES: Final[dict[bool, dict[VIPhase, float]]] = {
    True: {"continuous": 0.03, "closing_auction": 0.02, "after_hours": 0.03},
    False: {"continuous": 0.06, "closing_auction": 0.04, "after_hours": 0.06},
}
#: Closing-auction dynamic rate for index/stock-derivative underlyings on an equity expiry day.
EXPIRY_DAY_CLOSING_RATE: Final = 0.01
STATIC_VI_RATE: Final = 0.10
#: A VI is a 2-minute single-price auction ended by a random stop of up to 30 s.
VI_AUCTION_S: Final = 120
VI_RANDOM_END_MAX_S: Final = 30


class VIKind(IntEnum):
    """Which VI fired; values are KIS ``vi_kind_code`` (1 static, 2 dynamic, 3 both)."""

    NONE = 0
    STATIC = 1
    DYNAMIC = 2
    BOTH = 3


def vi_applies_to(kind: InstrumentKind) -> bool:
    """VI covers stocks, ETFs and ETNs; not ELWs or derivatives.

    (IPO day, liquidation trading and short-term-overheated issues are also exempt; the caller
    knows those flags.)
    """
    return kind in (InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN)


def dynamic_vi_rate(is_kospi200_like: bool, phase: VIPhase, *, expiry_underlying: bool = False) -> float:
    """Dynamic VI rate as a fraction (0.03 = 3 %).

    ``expiry_underlying``: the instrument underlies an equity derivative (KOSPI200, KOSDAQ150 or
    sector index constituent, single-stock future/option underlying) and today is an expiry day; in
    the closing auction the rate is then 1 %.
    """
    try:
        rate = DYNAMIC_VI_RATES[is_kospi200_like][phase]
    except KeyError:
        raise ValueError(f"no dynamic VI in phase {phase!r}") from None
    if expiry_underlying and phase == "closing_auction":
        return EXPIRY_DAY_CLOSING_RATE
    return rate


def static_vi_rate() -> float:
    """Static VI rate: 10 % from the last single-price auction price."""
    return STATIC_VI_RATE


def static_vi_applies(phase: VIPhase) -> bool:
    """Static VI runs in the regular session only, not in the 16:00–18:00 single-price session."""
    return phase != "after_hours"


def _exact_rate(rate: float) -> Fraction:
    # Rates are whole or half percents; going through a small-denominator fraction keeps
    # 10_000 × 0.03 = 300 exact instead of 300.00000000000006.
    return Fraction(rate).limit_denominator(10_000)


def vi_trigger_prices(reference_price: int, rate: float, tick_fn: Callable[[int], int]) -> tuple[int, int]:
    """(upper, lower) VI trigger prices: the nearest valid prices at or beyond reference × (1 ± rate).

    ``tick_fn(price)`` gives the tick size at a price. A trade at or above ``upper`` (at or below
    ``lower``) triggers.
    """
    if reference_price <= 0:
        raise ValueError(f"reference price must be positive: {reference_price}")
    r = _exact_rate(rate)
    hi = reference_price * (1 + r)
    lo = reference_price * (1 - r)
    tick_hi = tick_fn(math.ceil(hi))
    upper = math.ceil(hi / tick_hi) * tick_hi
    lo_floor = math.floor(lo)
    if lo_floor <= 0:
        return upper, 0
    tick_lo = tick_fn(lo_floor)
    lower = math.floor(lo / tick_lo) * tick_lo
    return upper, lower


def _breaches(price: int, reference: int, rate: float) -> bool:
    if reference <= 0:
        return False
    return abs(price - reference) >= reference * _exact_rate(rate)


def would_trigger_vi(
    price: int,
    last_price: int,
    static_ref: int,
    *,
    dynamic_rate: float | None,
    static_rate: float | None = STATIC_VI_RATE,
) -> VIKind:
    """Which VI a trade at ``price`` would trigger.

    ``last_price`` is the dynamic reference (the last trade), ``static_ref`` the static one (the
    last single-price auction price, or the base price before the open). Pass ``None`` for a rate
    to disable that kind (no dynamic VI in the opening auction; no static VI after hours). A
    reference of 0 (no trade yet) never triggers.
    """
    dyn = dynamic_rate is not None and _breaches(price, last_price, dynamic_rate)
    sta = static_rate is not None and _breaches(price, static_ref, static_rate)
    if dyn and sta:
        return VIKind.BOTH
    if sta:
        return VIKind.STATIC
    if dyn:
        return VIKind.DYNAMIC
    return VIKind.NONE


def dynamic_vi_rates_np(
    is_kospi200_like: npt.NDArray[np.bool_], phase: VIPhase, *, expiry_underlying: bool = False
) -> npt.NDArray[np.float64]:
    """Per-instrument dynamic rates for a whole universe."""
    wide = dynamic_vi_rate(False, phase, expiry_underlying=expiry_underlying)
    narrow = dynamic_vi_rate(True, phase, expiry_underlying=expiry_underlying)
    return np.where(is_kospi200_like, narrow, wide).astype(np.float64)


def would_trigger_vi_np(
    price: npt.NDArray[np.int64],
    last_price: npt.NDArray[np.int64],
    static_ref: npt.NDArray[np.int64],
    dynamic_rate: npt.NDArray[np.float64] | float | None,
    static_rate: float | None = STATIC_VI_RATE,
) -> npt.NDArray[np.int8]:
    """Vectorised ``would_trigger_vi``: an int8 array of ``VIKind`` values, element-wise.

    Exact, like the scalar rule: rates are whole basis points, so |price − ref| ≥ ref × rate is
    compared in integers as |price − ref| × 10 000 ≥ ref × basis points.
    """
    p = np.asarray(price, dtype=np.int64)
    kind = np.zeros(p.shape, dtype=np.int8)
    if dynamic_rate is not None:
        hit = _breaches_np(p, np.asarray(last_price, dtype=np.int64), _basis_points(dynamic_rate))
        kind |= hit.astype(np.int8) * np.int8(VIKind.DYNAMIC)
    if static_rate is not None:
        hit = _breaches_np(p, np.asarray(static_ref, dtype=np.int64), _basis_points(static_rate))
        kind |= hit.astype(np.int8) * np.int8(VIKind.STATIC)
    return kind


_BP: Final = 10_000


def _basis_points(rate: npt.NDArray[np.float64] | float) -> npt.NDArray[np.int64]:
    r = np.asarray(rate, dtype=np.float64)
    bp = np.rint(r * _BP)
    if not np.allclose(bp, r * _BP, rtol=0.0, atol=1e-6):
        raise ValueError("VI rates must be whole basis points")
    return bp.astype(np.int64)


def _breaches_np(
    price: npt.NDArray[np.int64], reference: npt.NDArray[np.int64], bp: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    # A reference of 0 (no trade yet) never triggers.
    return np.asarray((reference > 0) & (np.abs(price - reference) * _BP >= reference * bp), np.bool_)


# ---------------------------------------------------------------------------------------------------
# Circuit breakers
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CBStageRule:
    """One circuit-breaker stage, measured on the market index against the previous close."""

    stage: int
    decline_pct: float  # fires at index change <= -decline_pct
    halt_s: int  # full trading halt
    auction_s: int  # single-price auction that reopens the market
    ends_day: bool
    allowed_in_last_40_min: bool


CB_STAGES: Final[tuple[CBStageRule, ...]] = (
    CBStageRule(1, 8.0, 20 * 60, 10 * 60, False, False),
    CBStageRule(2, 15.0, 20 * 60, 10 * 60, False, False),
    CBStageRule(3, 20.0, 0, 0, True, True),
)
#: The condition must hold for a full minute.
CB_SUSTAIN_S: Final = 60
#: Stages 1 and 2 are not triggered in the last 40 minutes (from 14:50 on a 15:30 close).
CB_LAST_WINDOW_S: Final = 40 * 60
#: A later stage needs the index at least 1 percentage point below the previous stage's trigger.
CB_EXTRA_DECLINE_PCT: Final = 1.0


@dataclass(frozen=True, slots=True)
class CBTrigger:
    """A fired stage: the index change when it fired and when (market seconds)."""

    stage: int
    change_pct: float
    at_s: float = 0.0


def cb_stage(index_change_pct: float, seconds_to_close: float, fired: Sequence[CBTrigger] = ()) -> int | None:
    """The stage whose condition holds now, or ``None``.

    Stages fire in order, each at most once a day. A stage needs its decline and, after an earlier
    stage, a further 1-point fall below that stage's trigger level. Stages 1–2 are skipped in the
    last 40 minutes, when only stage 3 can fire. The 1-minute persistence is ``cb_step``'s job.
    """
    done = {t.stage for t in fired}
    last = max(fired, key=lambda t: t.stage, default=None)
    in_last_window = seconds_to_close <= CB_LAST_WINDOW_S
    for rule in CB_STAGES:
        if rule.stage in done:
            continue
        if in_last_window and not rule.allowed_in_last_40_min:
            continue
        if index_change_pct > -rule.decline_pct:
            return None
        if last is not None and index_change_pct > last.change_pct - CB_EXTRA_DECLINE_PCT:
            return None
        return rule.stage
    return None


@dataclass(frozen=True, slots=True)
class CBState:
    """Per-market CB state for one day."""

    fired: tuple[CBTrigger, ...] = ()
    pending_stage: int | None = None
    pending_since_s: float | None = None

    @property
    def day_ended(self) -> bool:
        return any(t.stage == 3 for t in self.fired)


def cb_step(
    state: CBState, index_change_pct: float, now_s: float, close_s: float
) -> tuple[CBState, CBTrigger | None]:
    """Advance the CB state with one index observation; returns the trigger if a stage fires now."""
    if state.day_ended:
        return state, None
    stage = cb_stage(index_change_pct, close_s - now_s, state.fired)
    if stage is None:
        return replace(state, pending_stage=None, pending_since_s=None), None
    if stage != state.pending_stage or state.pending_since_s is None:
        return replace(state, pending_stage=stage, pending_since_s=now_s), None
    if now_s - state.pending_since_s < CB_SUSTAIN_S:
        return state, None
    trigger = CBTrigger(stage, index_change_pct, now_s)
    return CBState(fired=(*state.fired, trigger)), trigger


def cb_halt_windows(trigger: CBTrigger) -> tuple[float, float] | None:
    """(halt end, reopening-auction end) for stages 1–2; ``None`` for stage 3, which ends the day."""
    rule = CB_STAGES[trigger.stage - 1]
    if rule.ends_day:
        return None
    halt_end = trigger.at_s + rule.halt_s
    return halt_end, halt_end + rule.auction_s


# ---------------------------------------------------------------------------------------------------
# Sidecar (프로그램매매호가 효력정지)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SidecarRule:
    """Sidecar thresholds of one market.

    KOSPI: the front KOSPI200 future (most traded the previous day) ±5 % from its base price.
    KOSDAQ: KOSDAQ150 futures ±6 % and the KOSDAQ150 index ±3 % together, in the same direction
    (same direction inferred).
    """

    market: Market
    futures_pct: float
    index_pct: float | None


SIDECAR_RULES: Final[dict[Market, SidecarRule]] = {
    Market.KOSPI: SidecarRule(Market.KOSPI, 5.0, None),
    Market.KOSDAQ: SidecarRule(Market.KOSDAQ, 6.0, 3.0),
}
SIDECAR_SUSTAIN_S: Final = 60
SIDECAR_SUSPEND_S: Final = 5 * 60
SIDECAR_QUIET_AFTER_OPEN_S: Final = 5 * 60
SIDECAR_QUIET_BEFORE_CLOSE_S: Final = 40 * 60


def sidecar_direction(
    market: Market, futures_change_pct: float, index_change_pct: float | None = None
) -> int:
    """+1 if program *buy* orders should be suspended (market up), −1 for sells, 0 if no condition."""
    rule = SIDECAR_RULES.get(market)
    if rule is None:
        return 0
    if futures_change_pct >= rule.futures_pct:
        direction = 1
    elif futures_change_pct <= -rule.futures_pct:
        direction = -1
    else:
        return 0
    if rule.index_pct is not None and (
        index_change_pct is None or direction * index_change_pct < rule.index_pct
    ):
        return 0
    return direction


def sidecar_window_open(seconds_since_open: float, seconds_to_close: float) -> bool:
    """Sidecar is not evaluated in the first 5 minutes or the last 40 minutes of the session."""
    return (
        seconds_since_open >= SIDECAR_QUIET_AFTER_OPEN_S and seconds_to_close > SIDECAR_QUIET_BEFORE_CLOSE_S
    )


@dataclass(frozen=True, slots=True)
class SidecarTrigger:
    direction: int  # +1 program buys suspended, -1 program sells suspended
    at_s: float
    resume_at_s: float


@dataclass(frozen=True, slots=True)
class SidecarState:
    """Per-market sidecar state for one day; it fires at most once."""

    fired: SidecarTrigger | None = None
    pending_direction: int = 0
    pending_since_s: float | None = None


def sidecar_step(
    state: SidecarState,
    market: Market,
    futures_change_pct: float,
    index_change_pct: float | None,
    now_s: float,
    open_s: float,
    close_s: float,
) -> tuple[SidecarState, SidecarTrigger | None]:
    """Advance the sidecar state with one observation; returns the trigger if it fires now."""
    if state.fired is not None:
        return state, None
    direction = 0
    if sidecar_window_open(now_s - open_s, close_s - now_s):
        direction = sidecar_direction(market, futures_change_pct, index_change_pct)
    if direction == 0:
        return SidecarState(), None
    if direction != state.pending_direction or state.pending_since_s is None:
        return SidecarState(pending_direction=direction, pending_since_s=now_s), None
    if now_s - state.pending_since_s < SIDECAR_SUSTAIN_S:
        return state, None
    trigger = SidecarTrigger(direction, now_s, now_s + SIDECAR_SUSPEND_S)
    return SidecarState(fired=trigger), trigger
