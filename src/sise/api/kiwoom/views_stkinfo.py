"""ka10101 업종코드 리스트 on ``POST /api/dostk/stkinfo`` (kiwoom.md §3.4).

The list is the static code table of ``sise.market.indices_table``: every index with a Kiwoom
code in the requested ``mrkt_tp`` group, in code order.
"""

from __future__ import annotations

from typing import Final

from sise.api.kiwoom.fmt import TEXT
from sise.api.kiwoom.params import MRKT_TP
from sise.api.kiwoom.tr import Answer, KiwoomContext, Tr
from sise.api.wire import Body, Field, Record, Request
from sise.market.indices_table import kiwoom_sector_list

SECTOR_CODE_ROW: Final = Record(
    (
        Field("marketCode", "시장구분코드", TEXT, "the requested `mrkt_tp`"),
        Field("code", "코드", TEXT, "sector code"),
        Field("name", "업종명", TEXT, "the 2024-12 KRX sector name as Kiwoom spells it (`·` as `/`)"),
        Field(
            "group",
            "그룹",
            TEXT,
            "the code without leading zeros (`001` → `1`, as in Kiwoom's example)",
            inferred="for codes past 009",
        ),
    )
)


def ka10101(ctx: KiwoomContext, req: Request) -> Answer:
    """업종코드 리스트: ``{marketCode, code, name, group}`` per sector of the group."""
    mrkt = req[MRKT_TP]
    sectors = [d for d in kiwoom_sector_list(mrkt) if d.kiwoom_code is not None]
    codes = [d.kiwoom_code or "" for d in sectors]
    return Answer(
        {},
        SECTOR_CODE_ROW.render(
            len(sectors),
            {
                "marketCode": mrkt.value,
                "code": codes,
                "name": [d.kiwoom_name or "" for d in sectors],
                "group": [str(int(c)) for c in codes],
            },
        ),
    )


#: camelCase family: the envelope puts return_msg first and return_code last.
TRS: Final = (
    Tr(
        "ka10101",
        "업종코드 리스트",
        "stkinfo",
        Body((MRKT_TP,)),
        ka10101,
        list_key="list",
        row=SECTOR_CODE_ROW,
        list_first=True,
    ),
)
