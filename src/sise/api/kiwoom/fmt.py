"""Kiwoom wire values: parsing request fields and formatting response values.

Every Kiwoom value is a string. Conventions (kiwoom.md §2.0):

- price and level fields carry a *direction* prefix against the previous close: ``"+2394.49"``
  up, ``"-2394.49"`` down, unsigned when unchanged; the digits are the absolute value;
- change fields (``pred_pre``) and rates (``flu_rt``) carry the sign of the change: ``"+0.97"``,
  ``"-10.42"``, ``"0.00"``. A rate takes the direction of its change even when it rounds to zero
  (``"+0.00"``), so a row never reads "up" in one field and "flat" in the next;
- unit conversions (1000주, 백만원, 억원) round to the nearest unit, halves away from zero.

Numbers are carried as integers (index levels in hundredths, rates in hundredths of a percent) so
formatting is exact and the same number always prints the same way in every TR.

Row-heavy TRs render a whole table with one ``%`` operation over a flat argument tuple and one
``split`` (``render``): Python spends its time in C instead of in a call per value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import chain
from operator import itemgetter
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.api.kiwoom.errors import bad_field, missing_field

I64 = npt.NDArray[np.int64]

NS: Final = 1_000_000_000
KST_OFFSET_S: Final = 9 * 3600

#: Units of the converted figures.
THOUSAND_SHARES: Final = 1_000  # 1000주
MILLION_KRW: Final = 1_000_000  # 백만원
HUNDRED_MILLION_KRW: Final = 100_000_000  # 억원

#: Direction prefix by ``sign(x)`` taken modulo 3: 0 → "", 1 → "+", -1 → "-".
PREFIX: Final = ("", "+", "-")
_PREFIX_OBJ: Final = np.array(PREFIX, dtype=object)
#: Index sign code (대비기호) by ``sign(change)`` modulo 3. Indices have no price limits, so
#: only 2 (상승), 3 (보합) and 5 (하락) occur.
INDEX_SIGN: Final = ("3", "2", "5")

#: Field separator of ``render``; never part of a formatted value.
SEP: Final = "\x1f"
#: ``"00"`` … ``"99"``: two-digit fractions by lookup (``%02d`` costs twice a ``%s``).
FRAC: Final = tuple(f"{i:02d}" for i in range(100))
#: ``HHmmss`` of every 10-second mark of a day, by ``second_of_day // 10``.
HHMMSS10: Final = tuple(f"{s // 3600:02d}{s // 60 % 60:02d}{s % 60:02d}" for s in range(0, 86_400, 10))

# ---------------------------------------------------------------------------------------------------
# Request fields
# ---------------------------------------------------------------------------------------------------


def text_field(body: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    """A body field as text; 1511 when a required one is absent or empty, 1517 when it is not
    a string or number. Surrounding whitespace is ignored."""
    value = body.get(name)
    if isinstance(value, bool) or (value is not None and not isinstance(value, str | int)):
        raise bad_field(name, "문자열 값이어야 합니다")
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise missing_field(name)
        return None
    return text


def required(body: Mapping[str, Any], name: str) -> str:
    """A required text field (see ``text_field``)."""
    text = text_field(body, name)
    assert text is not None
    return text


def choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``, else 1517 listing the allowed values."""
    if value not in allowed:
        raise bad_field(name, f"허용되지 않는 값입니다({', '.join(allowed)})")
    return value


def parse_ymd(name: str, text: str) -> date:
    """A ``YYYYMMDD`` field as a date; 1517 for anything else."""
    if len(text) != 8 or not text.isdigit():
        raise bad_field(name, "YYYYMMDD 형식이 아닙니다")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise bad_field(name, "존재하지 않는 날짜입니다") from None


# ---------------------------------------------------------------------------------------------------
# Dates and times (KST)
# ---------------------------------------------------------------------------------------------------


def ymd(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def ymd_int(d: date) -> int:
    return d.year * 10_000 + d.month * 100 + d.day


def date_of_int(v: int) -> date:
    return date(v // 10_000, v // 100 % 100, v % 100)


def kst_date_of_ns(ns: int) -> date:
    """KST calendar date of ``ns`` (ns since the epoch)."""
    return date.fromordinal(date(1970, 1, 1).toordinal() + (ns // NS + KST_OFFSET_S) // 86_400)


def hhmmss(times: I64) -> I64:
    """KST wall time of each ns timestamp as the integer ``HHmmss``."""
    s = (times // NS + KST_OFFSET_S) % 86_400
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


def to_unit_array(a: I64, unit: int) -> I64:
    return np.asarray(np.sign(a) * ((np.abs(a) + unit // 2) // unit), np.int64)


def rate_bp(change: int, base: int) -> int:
    """``|change| / base`` in hundredths of a percent, rounded half up; 0 when ``base`` ≤ 0."""
    if base <= 0:
        return 0
    return (2 * abs(change) * 10_000 + base) // (2 * base)


def rate_bp_array(change: I64, base: I64 | int) -> I64:
    b = np.maximum(base, 1)
    out = (2 * np.abs(change) * 10_000 + b) // (2 * b)
    return np.asarray(np.where(np.asarray(base) > 0, out, 0), np.int64)


def direction(x: int) -> int:
    return (x > 0) - (x < 0)


def dec2(hundredths: int, sign: int) -> str:
    """``|hundredths|`` / 100 with 2 decimals and the prefix of ``sign`` (-1, 0, 1)."""
    a = abs(hundredths)
    return f"{PREFIX[sign % 3]}{a // 100}.{a % 100:02d}"


def signed2(hundredths: int) -> str:
    """A change with its own sign: ``"+278.47"``, ``"-278.47"``, ``"0.00"``."""
    return dec2(hundredths, direction(hundredths))


def int_dir(value: int, sign: int) -> str:
    """``|value|`` with the prefix of ``sign``: ``"+265381"``, ``"68100"``."""
    return f"{PREFIX[sign % 3]}{abs(value)}"


def signed_int(value: int) -> str:
    """An integer with its own sign: ``"+1234"``, ``"-567"``, ``"0"``."""
    return int_dir(value, direction(value))


def prefix_array(sign: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.object_]:
    """Direction prefixes ("", "+", "-") for an array of signs (-1, 0, 1)."""
    return np.asarray(_PREFIX_OBJ[np.asarray(sign) % 3], dtype=object)


def lookup(table: tuple[str, ...], idx: npt.NDArray[np.integer[Any]]) -> list[str]:
    """``[table[i] for i in idx]``, without a Python-level loop."""
    if len(idx) == 0:
        return []
    got = itemgetter(*idx.tolist())(table)
    return list(got) if len(idx) > 1 else [got]


# ---------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------


def interleave(columns: Sequence[Any]) -> tuple[Any, ...]:
    """Row-major flat tuple of equally long ``columns`` (numpy arrays or sequences): the
    argument tuple of a ``render`` row format repeated once per row."""
    cols = [c.tolist() if isinstance(c, np.ndarray) else c for c in columns]
    return tuple(chain.from_iterable(zip(*cols, strict=True)))


def render(fmt: str, args: tuple[Any, ...]) -> list[str]:
    """Format a whole table at once. ``fmt`` is the row formats concatenated, every value
    followed by ``SEP``; returns the values in order (plus a trailing empty string)."""
    return (fmt % args).split(SEP)
