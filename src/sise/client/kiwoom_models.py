"""Typed answers of the Kiwoom TRs sise serves (kiwoom.md §2, §2.7, §3.4; docs/kiwoom.md).

A model is a msgspec ``Struct`` whose field types say how the wire string is read:

- ``str`` fields are kept as sent (codes, names, dates, times);
- ``Int`` / ``Num``: an arithmetic value (``"-278.47"``, ``"+9030"``, ``"-0"``);
- ``Level``: a direction-prefixed level or price → ``Directed(value, direction)``;
- ``Num100`` / ``Level100``: the same for Kiwoom's ×100 integers, divided back
  (``"388193"`` → 3881.93: the chart TRs, ka10051's ``cur_prc`` / ``pred_pre`` / ``flu_rt``).

``""`` reads as None, fields the model does not know are ignored and fields the answer lacks take
their default, so the documented quirks (empty ``wght``, the undocumented ``stex_tp`` of ka20001
rows) never break a decode. Field names are the wire names; only the ``52wk_…`` keys, which are
not Python names, are ``wk52_…`` here. ``decode(Model, answer)`` builds a model from a decoded
answer (``KiwoomClient`` does it for its typed methods).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from itertools import repeat
from typing import Annotated, Any, Final, TypeVar, get_args, get_origin

import msgspec

from sise.client import columns
from sise.client.values import Directed, directed, hundredths, integer, number

__all__ = [
    "AllSectors",
    "DailyBar",
    "DayChart",
    "IndexSummary",
    "KiwoomModel",
    "MinuteBar",
    "MinuteChart",
    "MonthChart",
    "SectorCode",
    "SectorCodes",
    "SectorDaily",
    "SectorDayRow",
    "SectorIndexRow",
    "SectorInvestorRow",
    "SectorInvestors",
    "SectorPrice",
    "SectorProgram",
    "SectorStockRow",
    "SectorStocks",
    "SectorTimeRow",
    "TickBar",
    "TickChart",
    "WeekChart",
    "YearChart",
    "decode",
    "list_key",
]


@dataclass(frozen=True, slots=True)
class _Read:
    """How a field's wire string is read (the ``Annotated`` marker of the aliases below): one value,
    and a whole column of a list's rows at once (``sise.client.columns``)."""

    parse: Callable[[str], Any]
    column: Callable[[Sequence[Any]], Sequence[Any]]


def _level100(text: str) -> Directed | None:
    d = directed(text)
    return None if d is None else Directed(d.value / 100, d.direction)


def _number100(text: str) -> float | None:
    return hundredths(number(text))


Int = Annotated[int | None, _Read(integer, columns.integers)]
Num = Annotated[float | None, _Read(number, columns.numbers)]
Level = Annotated[Directed | None, _Read(directed, columns.levels)]
Num100 = Annotated[float | None, _Read(_number100, columns.numbers100)]
Level100 = Annotated[Directed | None, _Read(_level100, columns.levels100)]


class KiwoomModel(msgspec.Struct, kw_only=True):
    def to_frame(self) -> Any:
        """The list's rows (a flat TR: one row) as a pandas DataFrame; needs ``sise[pandas]``."""
        from sise.client.frames import to_frame

        return to_frame(self)


# -- ka20001 / ka20009 -------------------------------------------------------------------------------


class IndexSummary(KiwoomModel):
    """The 22 summary fields of ka20001 and ka20009 (kiwoom.md §2.3)."""

    cur_prc: Level = None
    pred_pre_sig: Int = None
    pred_pre: Num = None
    flu_rt: Num = None
    trde_qty: Int = None  # 1000주
    trde_prica: Int = None  # 백만원
    trde_frmatn_stk_num: Int = None
    trde_frmatn_rt: Num = None
    open_pric: Level = None
    high_pric: Level = None
    low_pric: Level = None
    upl: Int = None
    rising: Int = None
    stdns: Int = None
    fall: Int = None
    lst: Int = None
    wk52_hgst_pric: Level = msgspec.field(default=None, name="52wk_hgst_pric")
    wk52_hgst_pric_dt: str = msgspec.field(default="", name="52wk_hgst_pric_dt")
    wk52_hgst_pric_pre_rt: Num = msgspec.field(default=None, name="52wk_hgst_pric_pre_rt")
    wk52_lwst_pric: Level = msgspec.field(default=None, name="52wk_lwst_pric")
    wk52_lwst_pric_dt: str = msgspec.field(default="", name="52wk_lwst_pric_dt")
    wk52_lwst_pric_pre_rt: Num = msgspec.field(default=None, name="52wk_lwst_pric_pre_rt")


class SectorTimeRow(KiwoomModel):
    """A row of ka20001 ``inds_cur_prc_tm`` (newest first)."""

    tm_n: str = ""
    cur_prc_n: Level = None
    pred_pre_sig_n: Int = None
    pred_pre_n: Num = None
    flu_rt_n: Num = None
    trde_qty_n: Int = None
    acc_trde_qty_n: Int = None
    stex_tp: str = ""


class SectorPrice(IndexSummary):
    """ka20001 업종현재가요청: the summary and the intraday rows of every page."""

    inds_cur_prc_tm: list[SectorTimeRow] = msgspec.field(default_factory=list)


class SectorDayRow(KiwoomModel):
    """A row of ka20009 ``inds_cur_prc_daly_rept`` (newest first)."""

    dt_n: str = ""
    cur_prc_n: Level = None
    pred_pre_sig_n: Int = None
    pred_pre_n: Num = None
    flu_rt_n: Num = None
    acc_trde_qty_n: Int = None


class SectorDaily(IndexSummary):
    """ka20009 업종현재가일별요청: the summary and the daily rows of every page."""

    inds_cur_prc_daly_rept: list[SectorDayRow] = msgspec.field(default_factory=list)


# -- ka20002, ka20003, ka10051, ka10010, ka10101 -------------------------------------------------------


class SectorStockRow(KiwoomModel):
    """A row of ka20002 ``inds_stkpc``: prices in 원, direction-prefixed."""

    stk_cd: str = ""
    stk_nm: str = ""
    cur_prc: Level = None
    pred_pre_sig: Int = None
    pred_pre: Int = None
    flu_rt: Num = None
    now_trde_qty: Int = None
    sel_bid: Level = None
    buy_bid: Level = None
    open_pric: Level = None
    high_pric: Level = None
    low_pric: Level = None


class SectorStocks(KiwoomModel):
    """ka20002 업종별주가요청: the sector's stocks over every page."""

    inds_stkpc: list[SectorStockRow] = msgspec.field(default_factory=list)


class SectorIndexRow(KiwoomModel):
    """A row of ka20003 ``all_inds_idex`` (``stk_cd`` is the sector code)."""

    stk_cd: str = ""
    stk_nm: str = ""
    cur_prc: Level = None
    pre_sig: Int = None
    pred_pre: Num = None
    flu_rt: Num = None
    trde_qty: Int = None
    wght: Num = None
    trde_prica: Int = None
    upl: Int = None
    rising: Int = None
    stdns: Int = None
    fall: Int = None
    lst: Int = None
    flo_stk_num: Int = None


class AllSectors(KiwoomModel):
    """ka20003 전업종지수요청 (the list key is spelled ``idex``)."""

    all_inds_idex: list[SectorIndexRow] = msgspec.field(default_factory=list)


class SectorInvestorRow(KiwoomModel):
    """A row of ka10051 ``inds_netprps``: level, change and rate are ×100 on the wire and divided
    back here; the net columns are 억원 (``amt_qty_tp`` 0) or 1000주 (1)."""

    inds_cd: str = ""
    inds_nm: str = ""
    cur_prc: Level100 = None
    pre_smbol: Int = None
    pred_pre: Num100 = None
    flu_rt: Num100 = None
    trde_qty: Int = None
    sc_netprps: Int = None
    insrnc_netprps: Int = None
    invtrt_netprps: Int = None
    bank_netprps: Int = None
    jnsinkm_netprps: Int = None
    endw_netprps: Int = None
    etc_corp_netprps: Int = None
    ind_netprps: Int = None
    frgnr_netprps: Int = None
    native_trmt_frgnr_netprps: Int = None
    natn_netprps: Int = None
    samo_fund_netprps: Int = None
    orgn_netprps: Int = None


class SectorInvestors(KiwoomModel):
    """ka10051 업종별투자자순매수요청."""

    inds_netprps: list[SectorInvestorRow] = msgspec.field(default_factory=list)


class SectorProgram(KiwoomModel):
    """ka10010 업종프로그램요청: flat, 18 fields (차익 / 비차익 / 전체 위탁 × 매도 / 매수 / 순매수)."""

    dfrt_trst_sell_qty: Int = None
    dfrt_trst_sell_amt: Int = None
    dfrt_trst_buy_qty: Int = None
    dfrt_trst_buy_amt: Int = None
    dfrt_trst_netprps_qty: Int = None
    dfrt_trst_netprps_amt: Int = None
    ndiffpro_trst_sell_qty: Int = None
    ndiffpro_trst_sell_amt: Int = None
    ndiffpro_trst_buy_qty: Int = None
    ndiffpro_trst_buy_amt: Int = None
    ndiffpro_trst_netprps_qty: Int = None
    ndiffpro_trst_netprps_amt: Int = None
    all_dfrt_trst_sell_qty: Int = None
    all_dfrt_trst_sell_amt: Int = None
    all_dfrt_trst_buy_qty: Int = None
    all_dfrt_trst_buy_amt: Int = None
    all_dfrt_trst_netprps_qty: Int = None
    all_dfrt_trst_netprps_amt: Int = None


class SectorCode(KiwoomModel):
    """A row of ka10101 ``list`` (camelCase on the wire)."""

    market_code: str = msgspec.field(default="", name="marketCode")
    code: str = ""
    name: str = ""
    group: str = ""


class SectorCodes(KiwoomModel):
    """ka10101 업종코드 리스트."""

    list_: list[SectorCode] = msgspec.field(default_factory=list, name="list")


# -- index charts (ka20004–ka20008, ka20019): levels ×100 on the wire, divided back here -------------


class TickBar(KiwoomModel):
    """A row of ka20004 ``inds_tic_chart_qry``."""

    cur_prc: Num100 = None
    trde_qty: Int = None
    cntr_tm: str = ""
    open_pric: Num100 = None
    high_pric: Num100 = None
    low_pric: Num100 = None
    pred_pre: Num100 = None
    pred_pre_sig: Int = None


class MinuteBar(KiwoomModel):
    """A row of ka20005 ``inds_min_pole_qry``: prices carry the direction prefix."""

    cur_prc: Level100 = None
    trde_qty: Int = None
    cntr_tm: str = ""
    open_pric: Level100 = None
    high_pric: Level100 = None
    low_pric: Level100 = None
    acc_trde_qty: Int = None
    pred_pre: Num100 = None
    pred_pre_sig: Int = None


class DailyBar(KiwoomModel):
    """A row of the daily-family charts (ka20006 day, ka20007 week, ka20008 month, ka20019 year)."""

    cur_prc: Num100 = None
    trde_qty: Int = None
    dt: str = ""
    open_pric: Num100 = None
    high_pric: Num100 = None
    low_pric: Num100 = None
    trde_prica: Int = None


class TickChart(KiwoomModel):
    """ka20004 업종틱차트조회요청."""

    inds_cd: str = ""
    inds_tic_chart_qry: list[TickBar] = msgspec.field(default_factory=list)


class MinuteChart(KiwoomModel):
    """ka20005 업종분봉조회요청."""

    inds_cd: str = ""
    inds_min_pole_qry: list[MinuteBar] = msgspec.field(default_factory=list)


class DayChart(KiwoomModel):
    """ka20006 업종일봉조회요청."""

    inds_cd: str = ""
    inds_dt_pole_qry: list[DailyBar] = msgspec.field(default_factory=list)


class WeekChart(KiwoomModel):
    """ka20007 업종주봉조회요청."""

    inds_cd: str = ""
    inds_stk_pole_qry: list[DailyBar] = msgspec.field(default_factory=list)


class MonthChart(KiwoomModel):
    """ka20008 업종월봉조회요청."""

    inds_cd: str = ""
    inds_mth_pole_qry: list[DailyBar] = msgspec.field(default_factory=list)


class YearChart(KiwoomModel):
    """ka20019 업종년봉조회요청."""

    inds_cd: str = ""
    inds_yr_pole_qry: list[DailyBar] = msgspec.field(default_factory=list)


# -- decoding -----------------------------------------------------------------------------------------

M = TypeVar("M", bound=KiwoomModel)
_Reader = Callable[[Any], Any]
_ColumnReader = Callable[[Sequence[Any]], Sequence[Any]]


_int10: Final = partial(int, base=10)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _marker(tp: Any) -> _Read | None:
    if get_origin(tp) is Annotated:
        return next(m for m in tp.__metadata__ if isinstance(m, _Read))
    return None


def _reader(tp: Any) -> _Reader:
    """How to read one field's wire value, from its declared type."""
    read = _marker(tp)
    if read is not None:
        parse = read.parse
        return lambda v: parse(_text(v))
    if get_origin(tp) is list:
        (row,) = get_args(tp)
        return lambda v: _rows(row, v)
    return _text


def _direct(tp: Any) -> _Reader:
    """``_reader`` for wire values that are strings (or absent: every default is what ``None``
    reads as), with no wrapper around the parse function: the fast path of ``decode``."""
    read = _marker(tp)
    if read is not None:
        # ``int`` reads what ``integer`` reads (a sign, digits) in C; anything else it refuses
        # ("", "1.0", "--1"; with a base, any value that is not a string: ``int(5.7)`` would be
        # 5), and the careful path takes the answer.
        return _int10 if read.parse is integer else read.parse
    return _reader(tp)


def _column_reader(tp: Any) -> _ColumnReader:
    """A whole column of a field at once, or ``ValueError`` / ``TypeError`` when the column is
    not one ``sise.client.columns`` reads."""
    read = _marker(tp)
    if read is not None:
        return read.column
    if tp is str:
        return columns.texts
    value = _reader(tp)
    return lambda values: list(map(value, values))


@cache
def _plan(model: type[KiwoomModel]) -> tuple[tuple[str, str, _Reader], ...]:
    return tuple((f.name, f.encode_name, _reader(f.type)) for f in msgspec.structs.fields(model))


@cache
def _direct_plan(model: type[KiwoomModel]) -> tuple[tuple[str, str, _Reader], ...]:
    return tuple((f.name, f.encode_name, _direct(f.type)) for f in msgspec.structs.fields(model))


@cache
def _row_plan(model: type[KiwoomModel]) -> tuple[tuple[str, _ColumnReader, _Reader], ...]:
    """Per field of a list's row: its wire name, column reader and value reader."""
    return tuple(
        (f.encode_name, _column_reader(f.type), _reader(f.type)) for f in msgspec.structs.fields(model)
    )


def _rows(model: type[M], value: Any) -> list[M]:
    """A list's rows, read a column at a time (``sise.client.columns``: the values of a long
    answer in C). A column that is not all plain values is read value by value; a value that is
    not a Kiwoom number, or a row that is not a JSON object, sends the list row by row, so that
    the error names the first wrong field as ``decode`` would."""
    if not isinstance(value, list) or not value:
        return []
    try:
        cols = [
            _column(column, read, list(map(dict.get, value, repeat(wire))))
            for wire, column, read in _row_plan(model)
        ]
    except (ValueError, TypeError):
        return [decode(model, r) for r in value]
    # The rows' fields are all positional (``KiwoomModel``'s ``kw_only`` covers its own, none).
    return list(map(model, *cols))


def _column(read_column: _ColumnReader, read: _Reader, values: Sequence[Any]) -> Sequence[Any]:
    try:
        return read_column(values)
    except (ValueError, TypeError):
        return [read(v) for v in values]


def decode(model: type[M], answer: Mapping[str, Any]) -> M:
    """``model`` from a decoded Kiwoom answer (or row): unknown keys ignored, absent ones default.

    Raises ``ValueError`` naming the field when a value is not a Kiwoom number."""
    get = answer.get
    try:
        return model(**{name: read(get(wire)) for name, wire, read in _direct_plan(model)})
    except (ValueError, TypeError, AttributeError):
        pass  # a value that is not a string, or not a number: read field by field, to say which
    return _careful(model, answer)


def _careful(model: type[M], answer: Mapping[str, Any]) -> M:
    """``decode`` one field at a time (a list still a column at a time): for a row, the reading
    that the fast paths of ``decode`` and ``_rows`` must agree with."""
    kwargs: dict[str, Any] = {}
    for name, wire, read in _plan(model):
        if wire in answer:
            try:
                kwargs[name] = read(answer[wire])
            except ValueError as e:
                raise ValueError(f"{model.__name__}.{wire}: {e}") from None
    return model(**kwargs)


@cache  # ``msgspec.structs.fields`` evaluates every annotation again at each call
def list_key(model: type[KiwoomModel]) -> str | None:
    """The wire name of a model's list field (the TR's list key), or None for a flat TR."""
    return next((f.encode_name for f in msgspec.structs.fields(model) if get_origin(f.type) is list), None)
