"""Kiwoom value formats and the number helpers the TR views compute with.

Every Kiwoom value is a string. Conventions (kiwoom.md §2.0):

- price and level fields carry a *direction* prefix against the previous close: ``"+2394.49"``
  up, ``"-2394.49"`` down, unsigned when unchanged; the digits are the absolute value;
- change fields (``pred_pre``) and rates (``flu_rt``) carry the sign of the change: ``"+0.97"``,
  ``"-10.42"``, ``"0.00"``. A rate takes the direction of its change even when it rounds to zero
  (``"+0.00"``), so a row never reads "up" in one field and "flat" in the next;
- unit conversions (1000주, 백만원, 억원) round to the nearest unit, halves away from zero.

Numbers are carried as integers (``sise.api.numbers``: index levels in hundredths, rates in
hundredths of a percent) so formatting is exact. The formats below are the only place a Kiwoom
value's spelling is decided; records (``sise.api.wire.Record``) name one per field.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.api.wire import Fmt, ParamError, digits

I64 = npt.NDArray[np.int64]

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
#: A ratio, 2 decimals, never signed (WebSocket 0U ``257`` 거래형성비율: ``"43.20"``).
UNSIGNED_DEC2: Final = Fmt(
    "unsigned2", "2 dp, unsigned", "%s%d.%s", directed=True, own_sign=True, prefixes=("", "", ""), decimals=2
)
#: A price with its direction against the base price (``"+68100"``, ``"66000"``).
DIR_INT: Final = Fmt("dir_int", "integer, direction prefix", "%s%d", directed=True)
#: An integer with its own sign (``"+1234"``, ``"-567"``, ``"0"``).
SIGNED_INT: Final = Fmt("signed_int", "integer, signed", "%s%d", directed=True, own_sign=True)
#: ka10051's rate: ×100 integer, ``"-"`` when down and no ``"+"`` (``"352"``, ``"-124"``).
NEG_INT: Final = Fmt(
    "neg_int", "integer, `-` when down, no `+`", "%s%d", directed=True, prefixes=("", "", "-")
)

# ---------------------------------------------------------------------------------------------------
# Request values
# ---------------------------------------------------------------------------------------------------


def parse_ymd(text: str) -> date:
    """A ``YYYYMMDD`` request value as a date."""
    if len(text) != 8 or not digits(text):
        raise ParamError("YYYYMMDD 형식이 아닙니다")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ParamError("존재하지 않는 날짜입니다") from None


def as_text(text: str) -> str:
    return text
