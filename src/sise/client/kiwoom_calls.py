"""The typed calls of the Kiwoom clients: request body and answer model of each TR, written once
for ``KiwoomClient`` and ``AsyncKiwoomClient`` (request fields: kiwoom.md §2, §2.7, §3.4).

Values go on the wire as Kiwoom's strings; a ``date`` becomes ``YYYYMMDD``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from sise.client import kiwoom_models as m
from sise.client.kiwoom_trs import KIWOOM_TRS

__all__ = ["Call", "market_of"]

M = TypeVar("M", bound=m.KiwoomModel)

#: ``mrkt_tp`` groups of ka10101 by the first digit of a sector code (§3.3: 0 코스피, 1 코스닥,
#: 2 KOSPI200, 4 KOSPI100/50, 7 KRX100); any other first digit is the KOSPI group (inferred).
_GROUP_OF_DIGIT = {"1": "1", "2": "2", "4": "4", "7": "7"}


@dataclass(frozen=True, slots=True)
class Call(Generic[M]):
    """One typed TR call: api-id, request body, and the model its (all-page) answer decodes to."""

    api_id: str
    body: dict[str, str]
    model: type[M]


def _call(api_id: str, model: type[M], **fields: str | date | None) -> Call[M]:
    if KIWOOM_TRS[api_id].model is not model:
        raise TypeError(f"{api_id} answers {KIWOOM_TRS[api_id].model.__name__}")
    body = {k: v.strftime("%Y%m%d") if isinstance(v, date) else v for k, v in fields.items() if v is not None}
    return Call(api_id, body, model)


def market_of(inds_cd: str) -> str:
    """The ``mrkt_tp`` a sector code belongs to: ``001`` → ``0``, ``101`` → ``1``, ``201`` → ``2``."""
    return _GROUP_OF_DIGIT.get(inds_cd[:1], "0")


def sector_program(stk_cd: str) -> Call[m.SectorProgram]:
    return _call("ka10010", m.SectorProgram, stk_cd=stk_cd)


def sector_investors(
    mrkt_tp: str, amt_qty_tp: str, stex_tp: str, base_dt: str | date | None
) -> Call[m.SectorInvestors]:
    return _call(
        "ka10051", m.SectorInvestors, mrkt_tp=mrkt_tp, amt_qty_tp=amt_qty_tp, base_dt=base_dt, stex_tp=stex_tp
    )


def sector_price(inds_cd: str, mrkt_tp: str | None) -> Call[m.SectorPrice]:
    return _call("ka20001", m.SectorPrice, mrkt_tp=mrkt_tp or market_of(inds_cd), inds_cd=inds_cd)


def sector_stocks(inds_cd: str, stex_tp: str, mrkt_tp: str | None) -> Call[m.SectorStocks]:
    return _call(
        "ka20002", m.SectorStocks, mrkt_tp=mrkt_tp or market_of(inds_cd), inds_cd=inds_cd, stex_tp=stex_tp
    )


def all_sectors(inds_cd: str) -> Call[m.AllSectors]:
    return _call("ka20003", m.AllSectors, inds_cd=inds_cd)


def sector_daily(inds_cd: str, mrkt_tp: str | None) -> Call[m.SectorDaily]:
    return _call("ka20009", m.SectorDaily, mrkt_tp=mrkt_tp or market_of(inds_cd), inds_cd=inds_cd)


def sector_codes(mrkt_tp: str) -> Call[m.SectorCodes]:
    return _call("ka10101", m.SectorCodes, mrkt_tp=mrkt_tp)


def tick_chart(inds_cd: str, tic_scope: str) -> Call[m.TickChart]:
    return _call("ka20004", m.TickChart, inds_cd=inds_cd, tic_scope=tic_scope)


def minute_chart(inds_cd: str, tic_scope: str, base_dt: str | date | None) -> Call[m.MinuteChart]:
    return _call("ka20005", m.MinuteChart, inds_cd=inds_cd, tic_scope=tic_scope, base_dt=base_dt)


def day_chart(inds_cd: str, base_dt: str | date) -> Call[m.DayChart]:
    return _call("ka20006", m.DayChart, inds_cd=inds_cd, base_dt=base_dt)


def week_chart(inds_cd: str, base_dt: str | date) -> Call[m.WeekChart]:
    return _call("ka20007", m.WeekChart, inds_cd=inds_cd, base_dt=base_dt)


def month_chart(inds_cd: str, base_dt: str | date) -> Call[m.MonthChart]:
    return _call("ka20008", m.MonthChart, inds_cd=inds_cd, base_dt=base_dt)


def year_chart(inds_cd: str, base_dt: str | date) -> Call[m.YearChart]:
    return _call("ka20019", m.YearChart, inds_cd=inds_cd, base_dt=base_dt)
