"""Exact integer arithmetic the vendor views share: index levels in hundredths, unit
conversions rounded half away from zero, change rates in hundredths of a percent, directions.

Numbers are carried as integers so the same figure always prints the same way in every TR and
endpoint, whichever vendor spells it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from sise.engine.indices import hundredths
from sise.market.types import Sign

I64 = npt.NDArray[np.int64]

#: Units of converted figures.
THOUSAND_SHARES: Final = 1_000  # 1000주 (천주)
THOUSAND_KRW: Final = 1_000  # 천원
MILLION_KRW: Final = 1_000_000  # 백만원
HUNDRED_MILLION_KRW: Final = 100_000_000  # 억원


def cents(level: float) -> int:
    """An index level (points, 2 dp) in hundredths of a point."""
    return round(level * 100)


def cents_array(levels: npt.NDArray[np.float64]) -> I64:
    return hundredths(levels)


def to_unit(x: int, unit: int) -> int:
    """``x`` in ``unit``s, rounded to the nearest, halves away from zero."""
    q = (abs(x) + unit // 2) // unit
    return q if x >= 0 else -q


def to_unit_array(a: npt.ArrayLike, unit: int) -> I64:
    v = np.asarray(a, np.int64)
    return np.asarray(np.sign(v) * ((np.abs(v) + unit // 2) // unit), np.int64)


def rate_bp(change: int, base: int) -> int:
    """``|change| / base`` in hundredths of a percent, rounded half up; 0 when ``base`` ≤ 0."""
    if base <= 0:
        return 0
    return (2 * abs(change) * 10_000 + base) // (2 * base)


def rate_bp_array(change: npt.ArrayLike, base: npt.ArrayLike) -> I64:
    c = np.asarray(change, np.int64)
    base_arr = np.asarray(base, np.int64)
    b = np.maximum(base_arr, 1)
    out = (2 * np.abs(c) * 10_000 + b) // (2 * b)
    return np.asarray(np.where(base_arr > 0, out, 0), np.int64)


def direction(x: int) -> int:
    return (x > 0) - (x < 0)


def directions(values: npt.ArrayLike, against: npt.ArrayLike) -> I64:
    """Direction of each value against its reference; 0 where the value is missing (0)."""
    v = np.asarray(values, np.int64)
    return np.asarray(np.where(v > 0, np.sign(v - np.asarray(against, np.int64)), 0), np.int64)


#: Index sign code (대비기호) by direction -1/0/1: indices have no price limits, so only
#: 2 (상승), 3 (보합) and 5 (하락) occur.
_INDEX_SIGN: Final = np.array([Sign.FLAT, Sign.UP, Sign.DOWN], np.int64)


def index_sign(direction: npt.ArrayLike) -> I64:
    """Sign codes of index moves by their direction (-1, 0, 1)."""
    return np.asarray(_INDEX_SIGN[np.asarray(direction, np.intp) % 3], np.int64)
