"""Request fields of the Kiwoom TRs, declared once (kiwoom.md §2, §2.7, §3.4).

A TR's request body is a ``Body`` of these in the reference's table order; the dispatcher
validates a body against it before the view runs (1511 for the first missing required field,
1517 naming a malformed one), and the docs list them from here.
"""

from __future__ import annotations

from typing import Final

from sise.api.kiwoom.fmt import as_text, parse_ymd
from sise.api.wire import Param, choice_of, one_of
from sise.market.codes import KiwoomAmtQtyTp, KiwoomMrktTp, KiwoomStexTp

#: ``mrkt_tp`` of the index TRs: 0 코스피, 1 코스닥, 2 코스피200 as documented, plus the ka10101
#: groups 4 (KOSPI100/50) and 7 (KRX100) so every listed code can be asked for. The sector code
#: decides which index is served (inferred; the references show no mismatch error).
MRKT_TP: Final = Param(
    "mrkt_tp",
    "시장구분",
    choice_of(KiwoomMrktTp),
    values="`0` 코스피, `1` 코스닥, `2` 코스피200, `4`, `7`",
    length=1,
)
#: ka10051 ``mrkt_tp``: 0 코스피, 1 코스닥.
MRKT_TP_MARKET: Final = Param(
    "mrkt_tp",
    "시장구분",
    choice_of(KiwoomMrktTp, (KiwoomMrktTp.KOSPI, KiwoomMrktTp.KOSDAQ)),
    values="`0` 코스피, `1` 코스닥",
    length=1,
)
INDS_CD: Final = Param("inds_cd", "업종코드", as_text, values="3 digits (ka10101)", length=3)
#: ka20003: the composite selects the market.
INDS_CD_MARKET: Final = Param(
    "inds_cd", "업종코드", one_of(("001", "101")), values="`001` 코스피, `101` 코스닥", length=3
)
STEX_TP: Final = Param(
    "stex_tp", "거래소구분", choice_of(KiwoomStexTp), values="`1` KRX, `2` NXT, `3` 통합", length=1
)
AMT_QTY_TP: Final = Param(
    "amt_qty_tp", "금액수량구분", choice_of(KiwoomAmtQtyTp), values="`0` 금액, `1` 수량", length=1
)
BASE_DT: Final = Param("base_dt", "기준일자", parse_ymd, values="`YYYYMMDD`", length=8)
BASE_DT_OPTIONAL: Final = Param(
    "base_dt", "기준일자", parse_ymd, required=False, values="`YYYYMMDD`", length=8
)
STK_CD: Final = Param("stk_cd", "종목코드", as_text, values="`005930`, `005930_NX`, `005930_AL`", length=20)
#: Publications per row of the tick chart.
TIC_SCOPE_TICKS: Final = Param(
    "tic_scope", "틱범위", one_of(("1", "3", "5", "10", "30")), values="`1` `3` `5` `10` `30`", length=2
)
#: Minutes per bar of the minute chart.
TIC_SCOPE_MINUTES: Final = Param(
    "tic_scope",
    "틱범위",
    one_of(("1", "3", "5", "10", "15", "30", "45", "60")),
    values="`1` `3` `5` `10` `15` `30` `45` `60`",
    length=2,
)
