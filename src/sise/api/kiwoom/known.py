"""Kiwoom's api-ids that sise knows of, served or not: the reference's (kiwoom.md §1.2, §1.8, §2.7, §5.8).

An api-id here that sise does not serve is answered "sise does not serve it" (``API_ID_NOT_SERVED``)
rather than Kiwoom's "no such api-id" (1505), which is kept for ids Kiwoom does not have either.
The value is the api-id's category, the last segment of its URI (``/api/dostk/<category>``), or
``websocket`` for the condition-search ids of the real-time socket; ``None`` where the reference
names the id without its URI.
"""

from __future__ import annotations

from typing import Final

__all__ = ["KIWOOM_API_IDS"]

KIWOOM_API_IDS: Final[dict[str, str | None]] = {
    # 계좌 (§1.2)
    "ka00001": "acnt",
    "kt00001": "acnt",
    "kt00018": "acnt",
    # 종목정보 (§1.2)
    "ka00198": "stkinfo",
    "ka10001": "stkinfo",
    "ka10099": "stkinfo",
    "ka10100": "stkinfo",
    "ka10101": "stkinfo",
    "ka10102": "stkinfo",
    # 시세 (§1.2)
    "ka10011": "mrkcond",
    "ka10044": "mrkcond",
    "ka10045": "mrkcond",
    # 업종 (§2)
    "ka10010": "sect",
    "ka10051": "sect",
    "ka20001": "sect",
    "ka20002": "sect",
    "ka20003": "sect",
    "ka20009": "sect",
    # 업종 차트 (§2.7)
    "ka20004": "chart",
    "ka20005": "chart",
    "ka20006": "chart",
    "ka20007": "chart",
    "ka20008": "chart",
    "ka20019": "chart",
    # 순위정보, 기관/외국인 (§1.2)
    "ka10053": "rkinfo",
    "ka10098": "rkinfo",
    "ka10131": "frgnistt",
    # 주문 (§1.2)
    "kt10000": "ordr",
    "kt10001": "ordr",
    "kt10002": "ordr",
    "kt10003": "ordr",
    # 조건검색, on the WebSocket (§5.8)
    "ka10171": "websocket",
    "ka10172": "websocket",
    "ka10173": "websocket",
    "ka10174": "websocket",
    # Named in the reference's examples without their URI (§1.8, §2.0, §4, §7).
    "ka10013": None,
    "ka10029": None,
    "ka10054": None,
    "ka10075": None,
    "ka10081": None,
    "ka10095": None,
}
