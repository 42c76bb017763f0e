"""ka10101 업종코드 리스트 on ``POST /api/dostk/stkinfo`` (kiwoom.md §3.4).

The list is the static code table of ``sise.market.indices_table``: every index with a Kiwoom
code in the requested ``mrkt_tp`` group, in code order. ``group`` is the code without leading
zeros, as in Kiwoom's example (``"001"`` → ``"1"``, ``"005"`` → ``"5"``) (inferred for codes
outside that example).
"""

from __future__ import annotations

from typing import Any

from sise.api.kiwoom.fmt import choice, required
from sise.api.kiwoom.tr import KiwoomContext, TrResult, tr
from sise.market.codes import KIWOOM_SECTOR_MRKT_TP
from sise.market.indices_table import kiwoom_sector_list


@tr("ka10101", "stkinfo")
def ka10101(ctx: KiwoomContext, body: dict[str, Any]) -> TrResult:
    """업종코드 리스트: ``{marketCode, code, name, group}`` per sector of the group."""
    mrkt = choice("mrkt_tp", required(body, "mrkt_tp"), tuple(KIWOOM_SECTOR_MRKT_TP))
    rows: list[dict[str, Any]] = [
        {"marketCode": mrkt, "code": d.kiwoom_code, "name": d.kiwoom_name, "group": str(int(d.kiwoom_code))}
        for d in kiwoom_sector_list(mrkt)
        if d.kiwoom_code is not None
    ]
    # camelCase family: return_msg, list, return_code (the dispatcher orders the envelope).
    return TrResult({}, "list", rows, list_first=True)
