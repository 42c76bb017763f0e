"""Koscom value formats (koscom.md §5.2) and the conversions the views compute with.

Koscom sends prices, volumes and amounts as JSON numbers (integers for stocks in KRW, decimals for
indices, derivatives and rates), codes and flags as strings, dates inside results as integers
``YYYYMMDD`` (strings in the list envelopes) and times as ``HHMMSSmm`` without the leading zero
(``9544500`` = 09:54:45.00) — integers for ``trdTm``/``ordAcptTm``, strings for ``inddTm``,
``deemTm`` and ``Tm``. These formats are the only place that is decided; records name one per field.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from sise.api.wire import Fmt
from sise.market.timeutil import NS, hhmmss, hhmmss_of_second

I64 = npt.NDArray[np.int64]

STR: Final = Fmt("str", "string", None)
INT: Final = Fmt("int", "number (integer)", None)
#: A number with decimals the view computed (derivative prices in their own units, rates).
NUM: Final = Fmt("num", "number", None)
#: An integer column in hundredths, sent as a number with up to 2 decimals (index levels).
NUM2: Final = Fmt("num2", "number, 2 dp", None, decimals=2)
DATE: Final = Fmt("date", "number `YYYYMMDD`", None)
DATE_STR: Final = Fmt("date_str", "string `YYYYMMDD`", None)
TIME: Final = Fmt("time", "number `HHMMSSmm`, no leading zero", None)
TIME_STR: Final = Fmt("time_str", "string `HHMMSSmm`, no leading zero", None)
CODE: Final = Fmt("code", "string code", None)
YN: Final = Fmt("yn", '`"Y"` / `"N"`', None)


def hhmmssmm(ns: I64 | int) -> I64:
    """KST wall time of market times as the integer ``HHMMSSmm`` (hundredths of a second)."""
    t = np.asarray(ns, np.int64)
    return np.asarray(hhmmss(t) * 100 + (t % NS) // 10_000_000, np.int64)


def hhmmssmm_of_seconds(s: I64 | int) -> I64:
    """Seconds of the KST day as the integer ``HHMMSSmm``."""
    return np.asarray(hhmmss_of_second(np.asarray(s, np.int64)) * 100, np.int64)
