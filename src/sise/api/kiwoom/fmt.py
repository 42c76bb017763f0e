"""Kiwoom value formats and the number helpers the TR views compute with.

Every Kiwoom value is a string. Conventions (kiwoom.md §2.0):

- price and level fields carry a *direction* prefix against the previous close: ``"+2394.49"``
  up, ``"-2394.49"`` down, unsigned when unchanged; the digits are the absolute value;
- change fields (``pred_pre``) and rates (``flu_rt``) carry the sign of the change: ``"+0.97"``,
  ``"-10.42"``, ``"0.00"``. A rate takes the direction of its change even when it rounds to zero
  (``"+0.00"``), so a row never reads "up" in one field and "flat" in the next;
- unit conversions (1000주, 백만원, 억원) round to the nearest unit, halves away from zero.

Numbers are carried as integers (index levels in hundredths, rates in hundredths of a percent) so
formatting is exact and the same number always prints the same way in every TR. The formats below
are the only place a Kiwoom value's spelling is decided; records (``sise.api.wire.Record``) name one
per field.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.api.wire import Fmt, ParamError
from sise.market.timeutil import KST_OFFSET_S, NS
from sise.market.types import Sign

I64 = npt.NDArray[np.int64]

#: Units of the converted figures.
THOUSAND_SHARES: Final = 1_000  # 1000주
MILLION_KRW: Final = 1_000_000  # 백만원
HUNDRED_MILLION_KRW: Final = 100_000_000  # 억원

# ---------------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------------

TEXT: Final = Fmt("text", "text")
INT: Final = Fmt("int", "integer, unsigned", "%d")
DATE: Final = Fmt("date", "`YYYYMMDD`", "%d")
TIME: Final = Fmt("time", "`HHmmss`", "%06d")
DATETIME: Final = Fmt("datetime", "`YYYYMMDDHHmmss`", "%d")
SIGN_CODE: Final = Fmt("sign", "sign code 1–5 (`Sign`)", "%d")
EMPTY: Final = Fmt("empty", 'always `""`', constant="")
#: Index level, 2 decimals, with its direction against the previous close (``"-2394.49"``).
LEVEL: Final = Fmt("level", "points, 2 dp, direction prefix", "%s%d.%s", directed=True, decimals=2)
#: A change or rate with its own sign, 2 decimals (``"+25.56"``, ``"0.00"``).
SIGNED_DEC2: Final = Fmt("signed2", "2 dp, signed", "%s%d.%s", directed=True, own_sign=True, decimals=2)
#: A price with its direction against the base price (``"+68100"``, ``"66000"``).
DIR_INT: Final = Fmt("dir_int", "integer, direction prefix", "%s%d", directed=True)
#: An integer with its own sign (``"+1234"``, ``"-567"``, ``"0"``).
SIGNED_INT: Final = Fmt("signed_int", "integer, signed", "%s%d", directed=True, own_sign=True)
#: ka10051's rate: ×100 integer, ``"-"`` when down and no ``"+"`` (``"352"``, ``"-124"``).
NEG_INT: Final = Fmt(
    "neg_int", "integer, `-` when down, no `+`", "%s%d", directed=True, prefixes=("", "", "-")
)

#: Index sign code (대비기호) by direction -1/0/1: indices have no price limits, so only
#: 2 (상승), 3 (보합) and 5 (하락) occur.
_INDEX_SIGN: Final = np.array([Sign.FLAT, Sign.UP, Sign.DOWN], np.int64)


def index_sign(direction: npt.ArrayLike) -> I64:
    """Sign codes of index moves by their direction (-1, 0, 1)."""
    return np.asarray(_INDEX_SIGN[np.asarray(direction, np.intp) % 3], np.int64)


# ---------------------------------------------------------------------------------------------------
# Request values
# ---------------------------------------------------------------------------------------------------


def parse_ymd(text: str) -> date:
    """A ``YYYYMMDD`` request value as a date."""
    if len(text) != 8 or not text.isdigit():
        raise ParamError("YYYYMMDD 형식이 아닙니다")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ParamError("존재하지 않는 날짜입니다") from None


def as_text(text: str) -> str:
    return text


# ---------------------------------------------------------------------------------------------------
# Dates and times (KST)
# ---------------------------------------------------------------------------------------------------


def ymd(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def ymd_int(d: date) -> int:
    return d.year * 10_000 + d.month * 100 + d.day


def kst_date_of_ns(ns: int) -> date:
    """KST calendar date of ``ns`` (ns since the epoch)."""
    return date.fromordinal(date(1970, 1, 1).toordinal() + (ns // NS + KST_OFFSET_S) // 86_400)


def hhmmss(times: I64) -> I64:
    """KST wall time of each ns timestamp as the integer ``HHmmss``."""
    return hhmmss_of_seconds((times // NS + KST_OFFSET_S) % 86_400)


def hhmmss_of_seconds(s: I64) -> I64:
    """Seconds of the day as the integer ``HHmmss``."""
    return np.asarray((s // 3600) * 10_000 + (s // 60 % 60) * 100 + s % 60, np.int64)


# ---------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------


def cents(level: float) -> int:
    """An index level (points, 2 dp) in hundredths of a point."""
    return round(level * 100)


def cents_array(levels: npt.NDArray[np.float64]) -> I64:
    return np.rint(levels * 100).astype(np.int64)


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


def as_i64(values: Any) -> I64:
    return np.asarray(values, np.int64)
