"""The Koscom query parameters (koscom.md §3), declared once, and the error each gets.

Every market-data endpoint is a GET; its query is a ``Body`` of these. Koscom documents its 시세
error codes but not which parameter raises which: sise answers a missing or malformed period
(``trnsmCycleTpCd``, dates, times, ``reqCnt``, ``inddCycleTpCd``) with 20010 기간입력이 잘못되었습니다
and a malformed ``isuCd`` list with 20030 (inferred).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from sise.api.koscom.errors import BAD_ISSUE_CODE, BAD_PERIOD, INPUT_ERROR, ErrorDef
from sise.api.wire import Param, ParamError, digits, one_of

#: At most this many rows of history or intraday bars per call (koscom.md §1.7).
MAX_ROWS: Final = 100
#: At most this many codes in one multiquote price/orderbook call (koscom.md §1.7).
MAX_CODES: Final = 20


def parse_date(text: str) -> date:
    if len(text) != 8 or not digits(text):
        raise ParamError("YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ParamError("YYYYMMDD") from None


def days_before(d: date, days: int) -> date:
    """``days`` before ``d``, or the first date there is: a query may name ``00010101``, and the
    look-back before it must not overflow."""
    return date.fromordinal(max(1, d.toordinal() - days))


def parse_hhmm(text: str) -> int:
    """``HHMM`` (or ``HHMMSS``, which the derivatives docs name) as seconds of the day."""
    if len(text) not in (4, 6) or not digits(text):
        raise ParamError("HHMM")
    h, m, s = int(text[:2]), int(text[2:4]), int(text[4:6] or 0)
    if h > 24 or m > 59 or s > 59:
        raise ParamError("HHMM")
    return h * 3600 + m * 60 + s


def parse_count(text: str) -> int:
    if not digits(text) or not 0 < int(text) <= MAX_ROWS:
        raise ParamError(f"1..{MAX_ROWS}")
    return int(text)


def parse_codes(text: str) -> tuple[str, ...]:
    codes = tuple(c.strip() for c in text.split(","))
    if not codes or any(not c for c in codes):
        raise ParamError("isuCd")
    return codes


CYCLE: Final = Param(
    "trnsmCycleTpCd", "전송주기구분코드", one_of(("D", "W", "M")), values="`D` daily, `W` weekly, `M` monthly"
)
START: Final = Param("inqStrtDd", "조회시작일자", parse_date, values="`YYYYMMDD`")
START_OPTIONAL: Final = Param("inqStrtDd", "조회시작일자", parse_date, required=False, values="`YYYYMMDD`")
END: Final = Param("inqEndDd", "조회종료일자", parse_date, values="`YYYYMMDD`")
COUNT: Final = Param(
    "reqCnt", "요청건수", parse_count, required=False, values=f"1–{MAX_ROWS} (default {MAX_ROWS})"
)
INTRADAY_CYCLE: Final = Param(
    "inddCycleTpCd",
    "일중주기구분코드",
    one_of(("10", "60", "600")),
    values="`10` 10 s, `60` 1 min, `600` 10 min",
)
START_TIME: Final = Param("strtTm", "시작시각", parse_hhmm, values="`HHMM`")
END_TIME: Final = Param("endTm", "종료시각", parse_hhmm, values="`HHMM`")
CODES: Final = Param("isuCd", "종목코드", parse_codes, values=f"up to {MAX_CODES} short codes, `,`-separated")

#: The error a missing or malformed parameter is answered with; others get 20055 입력 에러.
ERRORS: Final[dict[str, ErrorDef]] = {
    CYCLE.name: BAD_PERIOD,
    START.name: BAD_PERIOD,
    END.name: BAD_PERIOD,
    COUNT.name: BAD_PERIOD,
    INTRADAY_CYCLE.name: BAD_PERIOD,
    START_TIME.name: BAD_PERIOD,
    END_TIME.name: BAD_PERIOD,
    CODES.name: BAD_ISSUE_CODE,
}


def error_for(name: str) -> ErrorDef:
    return ERRORS.get(name, INPUT_ERROR)


# ---------------------------------------------------------------------------------------------------
# Stock endpoints (views_stocks)
# ---------------------------------------------------------------------------------------------------

#: foreignhistory's cycle: the sample call omits it, so it defaults to daily (inferred).
CYCLE_OPTIONAL: Final = Param(
    "trnsmCycleTpCd",
    "전송주기구분코드",
    one_of(("D", "W", "M")),
    required=False,
    values="`D` daily (default), `W` weekly, `M` monthly",
)
