"""Where each Kiwoom TR is served and what it answers, declared once (kiwoom.md §1.2, §2).

``request(api_id, body)`` finds the path here; ``all()`` concatenates the list key across pages
(the model's list field); the typed methods decode into the model. A TR not listed needs
``request(..., path=...)`` (a category such as ``"mrkcond"`` or a whole path).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sise.client import kiwoom_models as m

__all__ = ["KIWOOM_TRS", "REVOKE_PATH", "TOKEN_PATH", "KiwoomTr", "tr_path"]

TOKEN_PATH: Final = "/oauth2/token"  # au10001
REVOKE_PATH: Final = "/oauth2/revoke"  # au10002


@dataclass(frozen=True, slots=True)
class KiwoomTr:
    """A TR: api-id, Kiwoom's Korean name, the category under ``/api/dostk/`` and its model."""

    api_id: str
    name: str
    category: str
    model: type[m.KiwoomModel]

    @property
    def path(self) -> str:
        return f"/api/dostk/{self.category}"

    @property
    def list_key(self) -> str | None:
        return m.list_key(self.model)


KIWOOM_TRS: Final[dict[str, KiwoomTr]] = {
    t.api_id: t
    for t in (
        KiwoomTr("ka10010", "업종프로그램요청", "sect", m.SectorProgram),
        KiwoomTr("ka10051", "업종별투자자순매수요청", "sect", m.SectorInvestors),
        KiwoomTr("ka20001", "업종현재가요청", "sect", m.SectorPrice),
        KiwoomTr("ka20002", "업종별주가요청", "sect", m.SectorStocks),
        KiwoomTr("ka20003", "전업종지수요청", "sect", m.AllSectors),
        KiwoomTr("ka20009", "업종현재가일별요청", "sect", m.SectorDaily),
        KiwoomTr("ka10101", "업종코드 리스트", "stkinfo", m.SectorCodes),
        KiwoomTr("ka20004", "업종틱차트조회요청", "chart", m.TickChart),
        KiwoomTr("ka20005", "업종분봉조회요청", "chart", m.MinuteChart),
        KiwoomTr("ka20006", "업종일봉조회요청", "chart", m.DayChart),
        KiwoomTr("ka20007", "업종주봉조회요청", "chart", m.WeekChart),
        KiwoomTr("ka20008", "업종월봉조회요청", "chart", m.MonthChart),
        KiwoomTr("ka20019", "업종년봉조회요청", "chart", m.YearChart),
    )
}


def tr_path(api_id: str, path: str | None) -> str:
    """The URL path of a TR: ``path`` when given (``"/api/dostk/x"`` or just ``"x"``), else the
    declared one. An undeclared api-id without ``path`` is a ``ValueError``."""
    if path is not None:
        return path if path.startswith("/") else f"/api/dostk/{path}"
    tr = KIWOOM_TRS.get(api_id)
    if tr is None:
        raise ValueError(f"{api_id}: no path declared for this TR; pass path= (e.g. path='mrkcond')")
    return tr.path
