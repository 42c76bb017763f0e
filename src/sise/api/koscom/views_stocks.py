"""Koscom stock endpoints (``/v2/market/stocks/{marketcode}/…``, koscom.md §6).

Each endpoint's records are declared here once; ``docs/koscom.md``'s field tables are generated
from them. Figures are the engine's KRX state (the same numbers Kiwoom shows for ``stex_tp`` 1),
prices in KRW as JSON integers.
"""

from __future__ import annotations

import zlib
from datetime import date, time, timedelta
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

from sise.api import readers
from sise.api.koscom.endpoint import Endpoint, Envelope, KoscomContext, Path, Result
from sise.api.koscom.errors import (
    BAD_ISSUE_CODE,
    BAD_PERIOD,
    DATA_FID_UNKNOWN,
    FUTURE_DATE,
    INPUT_ERROR,
    NO_DATA,
    NO_DATA_ON_DATE,
    NON_BUSINESS_DAY,
)
from sise.api.koscom.fmt import CODE, DATE, DATE_STR, INT, NUM2, STR, TIME_STR, YN, hhmmssmm
from sise.api.koscom.lookups import STOCK_MARKETS, close_day, session_date, stock, stocks_of
from sise.api.koscom.params import (
    COUNT,
    CYCLE,
    CYCLE_OPTIONAL,
    END,
    END_TIME,
    INTRADAY_CYCLE,
    MAX_ROWS,
    START,
    START_OPTIONAL,
    START_TIME,
    days_before,
)
from sise.api.numbers import THOUSAND_KRW, index_sign, to_unit
from sise.api.periods import Period, koscom_label, period_keys, period_runs
from sise.api.wire import Body, Field, Fmt, Record, Request
from sise.engine.batches import BOOK_LEVELS
from sise.market import calendar
from sise.market.codes import KOSCOM_INVESTOR_CODES
from sise.market.limits import sign_codes
from sise.market.sessions import Phase
from sise.market.timeutil import NS, kst_ns, kst_second_of_day, yyyymmdd, yyyymmdd_str
from sise.market.types import InstrumentKind, Market, Venue
from sise.store.base import STANDARD_TABLES, Rows

I64 = npt.NDArray[np.int64]

#: KRX's regular market end time as the list envelopes print it (koscom.md §6.1).
STOCK_MARKET_END: Final = "1540"

#: Koscom ``lstAskbidTpCd`` by the engine's aggressor side (0 none, 1 buy, 2 sell): the side of
#: the last incoming order, ``1`` 매도 and ``2`` 매수 (koscom.md §5.3).
_LAST_SIDE: Final = np.array([0, 2, 1], np.int64)

# ---------------------------------------------------------------------------------------------------
# stocks/{m}/lists
# ---------------------------------------------------------------------------------------------------

LIST_ENVELOPE: Final = Record(
    (
        Field("trdDd", "거래일자", DATE_STR, "the trading day the list is for"),
        Field("mktEndTm", "시장종료시각", STR, "`1540` for stocks, `1550` for derivatives (`HHMM`)"),
    )
)

LIST_ROW: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("isuCd", "표준코드", STR, "ISIN"),
        Field("isuKorNm", "한글종목명", STR, "Korean name"),
        Field("isuKorAbbr", "한글종목약명", STR, "Korean short name (spelled as the payloads do)"),
        Field(
            "map_to",
            "매핑코드",
            STR,
            "feed key: the short code and `*001` (KOSPI) / `*003` (KOSDAQ)",
            inferred="suffix per market from the samples; KONEX `*005`",
        ),
    )
)

#: The feed-key suffix of ``map_to`` by market (koscom.md §2.2; KONEX inferred).
_FEED_SUFFIX: Final = {"kospi": "*001", "kosdaq": "*003", "konex": "*005"}


def lists(ctx: KoscomContext, path: Path, req: Request) -> Result:
    ins = ctx.engine.instruments
    rows = stocks_of(ctx, path).tolist()
    codes = [ins.code[i] for i in rows]
    names = [ins.name_ko[i] for i in rows]
    suffix = _FEED_SUFFIX[path.market]
    return Result(
        LIST_ENVELOPE.render_one({"trdDd": yyyymmdd_str(session_date(ctx)), "mktEndTm": STOCK_MARKET_END}),
        LIST_ROW.render(
            len(rows),
            {
                "isuSrtCd": codes,
                "isuCd": [ins.isin[i] for i in rows],
                "isuKorNm": names,
                "isuKorAbbr": names,
                "map_to": [c + suffix for c in codes],
            },
        ),
    )


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/price
# ---------------------------------------------------------------------------------------------------

PRICE: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("trdPrc", "현재가", INT, "last price (the base price before the first trade)", "원"),
        Field("cmpprevddTpCd", "전일대비구분", CODE, "sign code 1–5 against the base price"),
        Field("cmpprevddPrc", "전일대비", INT, "last − base price, signed", "원"),
        Field("opnprc", "시가", INT, "today's open; 0 before the first trade", "원"),
        Field("hgprc", "고가", INT, "today's high; 0 before the first trade", "원"),
        Field("lwprc", "저가", INT, "today's low; 0 before the first trade", "원"),
        Field("accTrdvol", "누적거래량", INT, "today's volume", "주"),
        Field("accTrdval", "누적거래대금", INT, "today's value", "원"),
        Field(
            "trdTm",
            "체결시각",
            INT,
            "time of the last trade, `HHMMSSmm` without the leading zero; 0 before the first trade",
        ),
        Field("trdvol", "체결수량", INT, "quantity of the last trade", "주"),
        Field("bidordPrc_1", "매수1호가", INT, "best bid; 0 when the side is empty", "원"),
        Field("askordPrc_1", "매도1호가", INT, "best ask; 0 when the side is empty", "원"),
        Field(
            "lstAskbidTpCd",
            "최종매도매수구분",
            INT,
            "side of the last incoming order: 1 매도, "
            "2 매수; 0 before the first trade (a number, as the payloads send it)",
        ),
    )
)


def price_columns(ctx: KoscomContext, inst: list[int]) -> dict[str, Any]:
    """The ``PRICE`` columns of ``inst`` (also the items of ``multiquote/…/price``)."""
    e = ctx.engine
    idx = np.asarray(inst, np.intp)
    st = e.state(Venue.KRX)
    book = e.books[Venue.KRX]
    base = e.base[idx]
    # ``Engine.current_price``/``signs`` on the rows asked for only: the real-time presets ask for
    # one issue per batch, and the whole-market arrays would cost O(market) each time.
    last = st.last[idx]
    cur = np.where(last > 0, last, base)
    traded = st.count[idx] > 0
    return {
        "isuSrtCd": [e.instruments.code[i] for i in inst],
        "trdPrc": cur,
        "cmpprevddTpCd": [str(s) for s in sign_codes(cur, base, e.upper[idx], e.lower[idx]).tolist()],
        "cmpprevddPrc": cur - base,
        "opnprc": st.open[idx],
        "hgprc": st.high[idx],
        "lwprc": st.low[idx],
        "accTrdvol": st.volume[idx],
        "accTrdval": st.value[idx],
        "trdTm": np.where(traded, hhmmssmm(st.last_time[idx]), 0),
        "trdvol": st.last_qty[idx],
        "bidordPrc_1": book.bid_price[idx, 0],
        "askordPrc_1": book.ask_price[idx, 0],
        "lstAskbidTpCd": _LAST_SIDE[st.last_side[idx]],
    }


def price_of(ctx: KoscomContext, i: int) -> dict[str, Any]:
    """The ``price`` result of instrument ``i`` (also the WebSocket's tick presets)."""
    return PRICE.render(1, price_columns(ctx, [i]))[0]


def price(ctx: KoscomContext, path: Path, req: Request) -> Result:
    return Result(price_of(ctx, stock(ctx, path)))


# ---------------------------------------------------------------------------------------------------
# Shared: facts of one issue, daily rows, periods
# ---------------------------------------------------------------------------------------------------

#: Koscom ``secugrpId`` by instrument kind (koscom.md §5.3).
_SECUGRP: Final = {
    InstrumentKind.STOCK: "ST",
    InstrumentKind.ETF: "EF",
    InstrumentKind.ETN: "EN",
    InstrumentKind.ELW: "EW",
}
#: Times of the close-type windows (koscom.md §1.8).
CLOSE_PRICE_AFTER: Final = time(15, 40)
INVESTORS_AFTER: Final = time(15, 30)
CLOSE_NAV_AFTER: Final = time(16, 0)
#: Today's shortsell row is published from 18:00 (koscom.md §1.8).
SHORTSELL_AFTER: Final = time(18, 0)


def _yn1(flag: bool) -> str:
    return "Y" if flag else "N"


def _today(ctx: KoscomContext) -> date:
    return session_date(ctx)


def _traded_today(ctx: KoscomContext, i: int) -> bool:
    """Whether the engine holds today's (open) session and ``i`` traded on KRX in it."""
    e = ctx.engine
    return e.day is not None and e.day == _today(ctx) and int(e.state(Venue.KRX).count[i]) > 0


def _rows(ctx: KoscomContext, table: str, code: str, start: date | None, end: date) -> Rows:
    rows = readers.history(ctx.store, table, code, start, end)
    if rows is None:
        return np.zeros(0, STANDARD_TABLES[table])
    return rows


def _check_range(ctx: KoscomContext, start: date | None, end: date) -> None:
    """20010 for a start after the end, 20100 for an end after today, 20110 for a range without
    a business day (koscom.md §1.5; which check comes first is inferred)."""
    today = _today(ctx)
    if start is not None and start > end:
        raise BAD_PERIOD()
    if end > today:
        raise FUTURE_DATE()
    if (
        start is not None
        and calendar.covers(start)
        and calendar.covers(end)
        and not calendar.trading_days(start, end)
    ):
        raise NON_BUSINESS_DAY()


def _newest(rows: list[dict[str, Any]], count: int | None) -> list[dict[str, Any]]:
    """Rows in date order → newest first, at most ``count`` (default ``MAX_ROWS``)."""
    return rows[::-1][: count or MAX_ROWS]


def _groups(dates: npt.NDArray[np.int64], cycle: str) -> list[npt.NDArray[np.intp]]:
    """Row positions of each period, in date order (``sise.api.periods``)."""
    starts, ends = period_runs(period_keys(dates, Period(cycle)))
    return [np.arange(i, j + 1) for i, j in zip(starts.tolist(), ends.tolist(), strict=True)]


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/master and selectivemaster
# ---------------------------------------------------------------------------------------------------

_INFERRED_FACT = "not modelled by the simulator: a deterministic value derived from the issue's code"


def _yn_field(name: str, label: str, doc: str, inferred: str = "") -> Field:
    return Field(name, label, YN, doc, inferred=inferred)


MASTER: Final = Record(
    (
        Field("trdDd", "거래일자", DATE, "the trading day the master is for"),
        Field("isuCd", "표준코드", STR, "ISIN"),
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("isuKorAbbrv", "한글종목약명", STR, "Korean short name"),
        Field(
            "isuEngNm",
            "영문종목명",
            STR,
            "English name",
            inferred="spec `IsuEngNm`; the 2022 payloads' `isuEngNm` (koscom.md §12)",
        ),
        Field("secugrpId", "증권그룹ID", CODE, "`ST` 주권, `EF` ETF, `EN` ETN, `EW` ELW"),
        Field("mktWarnTpCd", "시장경보구분코드", CODE, "`00`: the simulator designates no market warnings"),
        _yn_field("admisuYn", "관리종목여부", "`N`: no issue is designated"),
        _yn_field("haltYn", "거래정지여부", "whether KRX trading in the issue is halted now"),
        Field(
            "idxIndMidclssCd",
            "지수업종중분류코드",
            INT,
            "the KRX industry index the issue belongs to (its code's last digits, e.g. 13 전기전자); 0 none",
            inferred="a number, as the 2022 payload sends it",
        ),
        Field(
            "mktcapScaleCd",
            "시가총액규모코드",
            INT,
            "1 large, 2 mid, 3 small by the market's size indices; 0 none",
            inferred="a number, as the 2022 payload sends it; the §5.3 values 1–3",
        ),
        _yn_field("mfindYn", "제조업여부", "member of the market's 제조업 index"),
        _yn_field("smeYn", "중소기업여부", "`N`", inferred="company size is not modelled"),
        _yn_field("krx100IsuYn", "KRX100여부", "member of KRX100"),
        _yn_field(
            "kospiYn",
            "KOSPI여부",
            "KOSPI: member of KOSPI100; KOSDAQ: member of KOSDAQ150 (the 프리미어 successor)",
            inferred="KOSDAQ 프리미어 no longer exists; KOSDAQ150 stands in",
        ),
        _yn_field("kospi100Yn", "KOSPI100여부", "member of KOSPI100"),
        _yn_field("kospi50Yn", "KOSPI50여부", "member of KOSPI50"),
        Field("basPrc", "기준가", INT, "today's base price", "원"),
        Field("prevddClsprc", "전일종가", INT, "previous close", "원"),
        Field("prevddAccTrdvol", "전일누적거래량", INT, "previous day's volume (stored daily row)", "주"),
        Field("prevddAccTrdval", "전일누적거래대금", INT, "previous day's value (stored daily row)", "원"),
        Field("uplmtprc", "상한가", INT, "today's upper limit", "원"),
        Field("lwlmtprc", "하한가", INT, "today's lower limit", "원"),
        Field("sbPrc", "대용가", INT, "70 % of the base price, whole 10 원", "원", inferred=_INFERRED_FACT),
        Field("parval", "액면가", INT, "par value; 0 for ETPs", "원", inferred=_INFERRED_FACT),
        Field("isuPrc", "발행가", INT, "`null`, as Koscom sends it for listed stocks", optional=True),
        Field("listDd", "상장일", DATE, "listing date", inferred=_INFERRED_FACT),
        Field("listShrs", "상장주식수", INT, "listed shares", "주"),
        _yn_field("arrantrdYn", "정리매매여부", "`N`: no issue is being delisted"),
        _yn_field(
            "creditOrdPosblYn",
            "신용주문가능여부",
            "`Y` for KOSPI200 and KOSDAQ150 stocks",
            inferred="credit eligibility is not modelled",
        ),
        Field("regulssQtyUnit", "정규장매매수량단위", INT, "1 share", "주"),
        _yn_field("invstcautnRemndIsuYn", "투자주의환기종목여부", "`N`"),
        Field("srttrmOverheatIsuTpCd", "단기과열종목구분코드", CODE, "`0`: none designated"),
        Field("eps", "EPS", INT, "earnings per share; 0 for ETPs", "원", inferred=_INFERRED_FACT),
        Field("per", "PER", NUM2, "previous close / eps", inferred=_INFERRED_FACT),
        Field("bps", "BPS", INT, "book value per share; 0 for ETPs", "원", inferred=_INFERRED_FACT),
        Field("pbr", "PBR", NUM2, "previous close / bps", inferred=_INFERRED_FACT),
        Field("dps", "DPS", INT, "dividend per share; 0 for ETPs", "원", inferred=_INFERRED_FACT),
        Field("divYd", "배당수익률", NUM2, "dps / previous close, %", "%", inferred=_INFERRED_FACT),
        Field(
            "acntclsCd",
            "결산월구분",
            CODE,
            "`000000000001`: December fiscal year end",
            inferred="every issue closes its year in December",
        ),
        Field("acntclsMm", "결산월", CODE, "`12`", inferred="as `acntclsCd`"),
        _yn_field("adjStkprcCalcYn", "수정주가산출여부", "`Y` on the ex-date of a corporate action"),
        Field("prevddNav", "전일NAV", NUM2, "ETF: previous day's NAV (2 dp); 0 otherwise", "원"),
    )
)

#: Fields only ``selectivemaster`` serves (koscom.md §6.3), besides every master field.
_MA_DAYS: Final = (3, 5, 10, 20, 40, 60, 120, 250)
_DP_DAYS: Final = (5, 20, 60, 120)
SELECTIVE_EXTRA: Final = Record(
    (
        Field("srtsellTrdVol", "공매도거래량", INT, "previous day's short-sale volume", "주"),
        Field("srtsellTrdAmt", "공매도거래금액", INT, "previous day's short-sale value", "원"),
        Field("lendBalQty", "대차잔고수량", INT, "previous day's stock-loan balance", "주"),
        Field("lendBalAmt", "대차잔고금액", INT, "balance × previous close", "천원"),
        Field("srtsellOverheatDd", "공매도과열지정일", DATE, "`null`: none designated", optional=True),
        *(
            Field(f"dd{n}AvgPrc", f"{n}일평균가격", INT, f"mean adjusted close of the last {n} days", "원")
            for n in _MA_DAYS
        ),
        *(
            Field(f"dd{n}AvgTrdVol", f"{n}일평균거래량", INT, f"mean volume of the last {n} days", "주")
            for n in _MA_DAYS
        ),
        *(
            Field(f"dd{n}AvgTrdAmt", f"{n}일평균거래대금", INT, f"mean value of the last {n} days", "원")
            for n in _MA_DAYS
        ),
        *(
            Field(f"dd{n}AvgDp", f"{n}일이격도", NUM2, f"previous close / dd{n}AvgPrc × 100", "%")
            for n in _DP_DAYS
        ),
        Field("BzDd", "영업일자", DATE, "the trading day"),
        Field("wk52HgstPrc", "52주최고가", INT, "highest adjusted high of the stored 52 weeks", "원"),
        Field("wk52LwstPrc", "52주최저가", INT, "lowest adjusted low of the stored 52 weeks", "원"),
        Field("wk52HgstprcDd", "52주최고가일자", DATE, "its date (the latest if repeated)"),
        Field("wk52LwstprcDd", "52주최저가일자", DATE, "its date (the latest if repeated)"),
        Field("wk52HgstTrdvol", "52주최고거래량", INT, "highest daily volume of the 52 weeks", "주"),
        Field("wk52LwstTrdvol", "52주최저거래량", INT, "lowest daily volume of the 52 weeks", "주"),
        Field("liquShrs", "유동주식수", INT, "listed shares × the float ratio", "주"),
        Field("DebtRt", "부채비율", NUM2, "debt ratio, %", "%", inferred=_INFERRED_FACT),
        Field("CrdtGrd", "신용등급", STR, "credit grade", inferred=_INFERRED_FACT),
        Field(
            "Cap", "자본금", INT, "par value × listed shares", "원", inferred="from the inferred par value"
        ),
    )
)
#: At most this many fields per selectivemaster call (koscom.md §3).
MAX_SELECTIVE: Final = 10
SELECTIVE: Final = Record((MASTER.fields[2], *(f for f in MASTER if f.name != "isuSrtCd"), *SELECTIVE_EXTRA))
_CREDIT_GRADES: Final = ("AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+")
_PAR_VALUES: Final = (100, 200, 500, 1000, 2500, 5000)


class _Facts(NamedTuple):
    """An issue's facts the simulator does not model: fixed by its code, so they never change
    between calls or restarts, and plausible against its price."""

    parval: int
    list_dd: int
    eps: int
    bps: int
    dps: int
    debt_bp: int  # debt ratio in hundredths of a percent
    grade: str


def _facts(ctx: KoscomContext, i: int, prev_close: int, today: date) -> _Facts:
    ins = ctx.engine.instruments
    rng = np.random.default_rng(zlib.crc32(b"koscom-master:" + ins.code[i].encode()))
    list_dd = date(1976, 1, 5) + timedelta(days=int(rng.integers(0, max(1, (today - date(1977, 1, 1)).days))))
    if list_dd.weekday() >= 5:
        list_dd += timedelta(days=7 - list_dd.weekday())
    if calendar.covers(list_dd) and not calendar.is_trading_day(list_dd):
        list_dd = calendar.next_trading_day(list_dd)
    per, pbr, payout = rng.uniform(4.0, 40.0), rng.uniform(0.3, 3.0), rng.uniform(0.0, 0.5)
    debt = int(rng.integers(1_000, 25_000))
    grade = _CREDIT_GRADES[int(rng.integers(0, len(_CREDIT_GRADES)))]
    if int(ins.kind[i]) != InstrumentKind.STOCK:
        return _Facts(0, yyyymmdd(list_dd), 0, 0, 0, 0, "")
    pars = [p for p in _PAR_VALUES if p * 2 <= max(prev_close, 200)]
    parval = pars[int(rng.integers(0, len(pars)))]
    eps = max(1, round(prev_close / per))
    bps = max(1, round(prev_close / pbr))
    dps = round(eps * payout / 10) * 10
    return _Facts(parval, yyyymmdd(list_dd), eps, bps, dps, debt, grade)


def _ratio_bp(a: int, b: int) -> int:
    """``a / b`` in hundredths, rounded half up; 0 when ``b`` is 0."""
    return (200 * a + b) // (2 * b) if b > 0 else 0


def _index_flags(ctx: KoscomContext, i: int) -> tuple[int, int, bool]:
    """(industry code, size class 1–3 or 0, member of 제조업) from the universe's indices."""
    e = ctx.engine
    industry, size, manufacturing = 0, 0, False
    for d in ctx.universe.indices:
        pos = e.index.position.get(d.key)
        if pos is None or i >= e.index.member.shape[1] or not e.index.member[pos, i]:
            continue
        if d.rule == "industry" and not industry:
            industry = int(d.krx_code) % 1000
        elif d.rule == "size":
            size = {"LARGE": 1, "MID": 2, "SMALL": 3}.get(d.key.rsplit("_", 1)[-1], 0)
        elif d.rule == "manufacturing":
            manufacturing = True
    return industry, size, manufacturing


def master_values(ctx: KoscomContext, i: int) -> dict[str, Any]:
    """Every ``MASTER`` value of instrument ``i``."""
    e = ctx.engine
    ins = e.instruments
    today = _today(ctx)
    code = ins.code[i]
    base, prev_close = int(e.base[i]), int(e.prev_close[i])
    kind = InstrumentKind(int(ins.kind[i]))
    prev = _rows(ctx, "stock_daily", code, None, today - timedelta(days=1))[-1:]
    f = _facts(ctx, i, prev_close, today)
    industry, size, manufacturing = _index_flags(ctx, i)
    kosdaq = int(ins.market[i]) == Market.KOSDAQ
    actions = _rows(ctx, "corporate_actions", code, today, today)
    nav_prev = e.nav_prev[i] if kind == InstrumentKind.ETF else 0.0
    return {
        "trdDd": yyyymmdd(today),
        "isuCd": ins.isin[i],
        "isuSrtCd": code,
        "isuKorAbbrv": ins.name_ko[i],
        "isuEngNm": ins.name_en[i],
        "secugrpId": _SECUGRP.get(kind, "ST"),
        "mktWarnTpCd": "00",
        "admisuYn": "N",
        "haltYn": _yn1(bool(e.halted[Venue.KRX, i])),
        "idxIndMidclssCd": industry,
        "mktcapScaleCd": size,
        "mfindYn": _yn1(manufacturing),
        "smeYn": "N",
        "krx100IsuYn": _yn1(bool(ins.krx100[i])),
        "kospiYn": _yn1(bool(ins.kosdaq150[i] if kosdaq else ins.kospi100[i])),
        "kospi100Yn": _yn1(bool(ins.kospi100[i])),
        "kospi50Yn": _yn1(bool(ins.kospi50[i])),
        "basPrc": base,
        "prevddClsprc": prev_close,
        "prevddAccTrdvol": int(prev["volume"][0]) if len(prev) else 0,
        "prevddAccTrdval": int(prev["value"][0]) if len(prev) else 0,
        "uplmtprc": int(e.upper[i]),
        "lwlmtprc": int(e.lower[i]),
        "sbPrc": base * 7 // 100 * 10,
        "parval": f.parval,
        "isuPrc": None,
        "listDd": f.list_dd,
        "listShrs": int(ins.listed_shares[i]),
        "arrantrdYn": "N",
        "creditOrdPosblYn": _yn1(kind == InstrumentKind.STOCK and bool(ins.kospi200[i] or ins.kosdaq150[i])),
        "regulssQtyUnit": 1,
        "invstcautnRemndIsuYn": "N",
        "srttrmOverheatIsuTpCd": "0",
        "eps": f.eps,
        "per": _ratio_bp(prev_close, f.eps),
        "bps": f.bps,
        "pbr": _ratio_bp(prev_close, f.bps),
        "dps": f.dps,
        "divYd": _ratio_bp(100 * f.dps, prev_close),
        "acntclsCd": "000000000001",
        "acntclsMm": "12",
        "adjStkprcCalcYn": _yn1(len(actions) > 0),
        "prevddNav": round(float(nav_prev) * 100),
    }


def master(ctx: KoscomContext, path: Path, req: Request) -> Result:
    return Result(MASTER.render_one(master_values(ctx, stock(ctx, path))))


def _selective_extra(ctx: KoscomContext, i: int) -> dict[str, Any]:
    e = ctx.engine
    ins = e.instruments
    code = ins.code[i]
    today = _today(ctx)
    yesterday = today - timedelta(days=1)
    daily = _rows(ctx, "stock_daily", code, today - timedelta(days=364), yesterday)
    short = _rows(ctx, "short_daily", code, None, yesterday)[-1:]
    out: dict[str, Any] = {
        "srtsellTrdVol": int(short["short_qty"][0]) if len(short) else 0,
        "srtsellTrdAmt": int(short["short_val"][0]) if len(short) else 0,
        "lendBalQty": int(short["loan_qty"][0]) if len(short) else 0,
        "lendBalAmt": 0,
        "srtsellOverheatDd": None,
    }
    if len(short) and len(daily) and daily["date"][-1] == short["date"][0]:
        out["lendBalAmt"] = to_unit(int(short["loan_qty"][0]) * int(daily["close"][-1]), THOUSAND_KRW)
    scale = daily["adj_factor"][-1] / daily["adj_factor"] if len(daily) else np.ones(0)
    close = np.round(daily["close"] * scale).astype(np.int64)
    prev_close = int(e.prev_close[i])
    for n in _MA_DAYS:
        tail = slice(-n, None)
        out[f"dd{n}AvgPrc"] = _mean(close[tail])
        out[f"dd{n}AvgTrdVol"] = _mean(daily["volume"][tail])
        out[f"dd{n}AvgTrdAmt"] = _mean(daily["value"][tail])
    for n in _DP_DAYS:
        out[f"dd{n}AvgDp"] = _ratio_bp(100 * prev_close, out[f"dd{n}AvgPrc"])
    high = np.round(daily["high"] * scale).astype(np.int64)
    low = np.round(daily["low"] * scale).astype(np.int64)
    out["BzDd"] = yyyymmdd(today)
    if len(daily):
        jh = len(high) - 1 - int(np.argmax(high[::-1]))
        jl = len(low) - 1 - int(np.argmin(low[::-1]))
        out |= {
            "wk52HgstPrc": int(high[jh]),
            "wk52LwstPrc": int(low[jl]),
            "wk52HgstprcDd": int(daily["date"][jh]),
            "wk52LwstprcDd": int(daily["date"][jl]),
            "wk52HgstTrdvol": int(daily["volume"].max()),
            "wk52LwstTrdvol": int(daily["volume"].min()),
        }
    else:
        out |= dict.fromkeys(
            (
                "wk52HgstPrc",
                "wk52LwstPrc",
                "wk52HgstprcDd",
                "wk52LwstprcDd",
                "wk52HgstTrdvol",
                "wk52LwstTrdvol",
            ),
            0,
        )
    f = _facts(ctx, i, prev_close, today)
    out["liquShrs"] = int(ins.float_shares[i])
    out["DebtRt"] = f.debt_bp
    out["CrdtGrd"] = f.grade
    out["Cap"] = f.parval * int(ins.listed_shares[i])
    return out


def _mean(a: npt.NDArray[Any]) -> int:
    """Mean of the available days, rounded half up (0 without any): fewer stored days than the
    window average what there is (inferred)."""
    return (2 * int(a.sum()) + len(a)) // (2 * len(a)) if len(a) else 0


def selectivemaster(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """``isuSrtCd`` and the requested fields, in request order. An unknown name is 10050 데이터
    FID가 존재 하지 않습니다; none or more than ten is 20055 입력 에러 (both inferred)."""
    i = stock(ctx, path)
    names = [n for n in path.flags if n != "isuSrtCd"]
    unknown = [n for n in names if n not in SELECTIVE.names]
    if unknown:
        raise DATA_FID_UNKNOWN()
    if not names or len(names) > MAX_SELECTIVE:
        raise INPUT_ERROR()
    values = master_values(ctx, i) | _selective_extra(ctx, i)
    by_name = {f.name: f for f in SELECTIVE}
    picked = Record(tuple(by_name[n] for n in ("isuSrtCd", *names)))
    return Result(picked.render_one({n: values[n] for n in picked.names}))


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/closeprice
# ---------------------------------------------------------------------------------------------------

CLOSE_PRICE: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("trdPrc", "종가", INT, "the regular session's close", "원"),
        Field("cmpprevddTpCd", "전일대비구분", CODE, "sign code 1–5 against the base price and limits"),
        Field("cmpprevddPrc", "전일대비", INT, "close − base price, signed", "원"),
        Field("opnprc", "시가", INT, "open", "원"),
        Field("hgprc", "고가", INT, "high", "원"),
        Field("lwprc", "저가", INT, "low", "원"),
        Field("accTrdvol", "누적거래량", INT, "the day's KRX volume", "주"),
        Field("accTrdval", "누적거래대금", INT, "the day's KRX value", "원"),
    )
)


class _Day(NamedTuple):
    """One unadjusted daily bar: today's from the engine or a stored ``stock_daily`` row."""

    date: int
    base: int
    open: int
    high: int
    low: int
    close: int
    sign: int
    volume: int
    value: int


def _today_bar(ctx: KoscomContext, i: int) -> _Day:
    e = ctx.engine
    st = e.state(Venue.KRX)
    close = int(e.index_price[i])  # the regular session's close, not an after-hours print
    sign = int(sign_codes(np.array([close]), e.base[i : i + 1], e.upper[i : i + 1], e.lower[i : i + 1])[0])
    return _Day(
        yyyymmdd(_today(ctx)),
        int(e.base[i]),
        int(st.open[i]),
        int(st.high[i]),
        int(st.low[i]),
        close,
        sign,
        int(st.volume[i]),
        int(st.value[i]),
    )


def _stored_bar(r: np.void) -> _Day:
    return _Day(*(int(r[k]) for k in _Day._fields))


def closeprice(ctx: KoscomContext, path: Path, req: Request) -> Result:
    i = stock(ctx, path)
    day = close_day(ctx, CLOSE_PRICE_AFTER)
    if day == _today(ctx) and ctx.engine.day == day:
        bar = _today_bar(ctx, i)  # an issue that did not trade closes at its base price
    else:
        rows = _rows(ctx, "stock_daily", ctx.engine.instruments.code[i], day, day)
        if not len(rows):
            raise NO_DATA()
        bar = _stored_bar(rows[0])
    return Result(
        CLOSE_PRICE.render_one(
            {
                "isuSrtCd": ctx.engine.instruments.code[i],
                "trdPrc": bar.close,
                "cmpprevddTpCd": str(bar.sign),
                "cmpprevddPrc": bar.close - bar.base,
                "opnprc": bar.open,
                "hgprc": bar.high,
                "lwprc": bar.low,
                "accTrdvol": bar.volume,
                "accTrdval": bar.value,
            }
        )
    )


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/orderbook
# ---------------------------------------------------------------------------------------------------

_LEVELS: Final = range(1, BOOK_LEVELS + 1)
ORDERBOOK: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        *(
            f
            for n in _LEVELS
            for f in (
                Field(
                    f"askStep{n}BstordPrc", f"매도{n}단계우선호가가격", INT, f"ask level {n}; 0 empty", "원"
                ),
                Field(
                    f"askStep{n}BstordRqty",
                    f"매도{n}단계우선호가잔량",
                    INT,
                    f"ask quantity at level {n}",
                    "주",
                ),
                Field(
                    f"bidStep{n}BstordPrc", f"매수{n}단계우선호가가격", INT, f"bid level {n}; 0 empty", "원"
                ),
                Field(
                    f"bidStep{n}BstordRqty",
                    f"매수{n}단계우선호가잔량",
                    INT,
                    f"bid quantity at level {n}",
                    "주",
                ),
            )
        ),
        Field("askordTotRqty", "매도호가총잔량", INT, "Σ of the ten ask quantities", "주"),
        Field("bidordTotRqty", "매수호가총잔량", INT, "Σ of the ten bid quantities", "주"),
        Field(
            "pstoffhrAskTotOrdRqty",
            "장후시간외매도총잔량",
            INT,
            "the ask total while KRX's after-hours sessions (16:00–18:00) run; 0 otherwise",
            "주",
            inferred="sise's KRX book is the after-hours book during those sessions",
        ),
        Field("pstoffhrBidTotOrdRqty", "장후시간외매수총잔량", INT, "the bid total likewise", "주"),
        Field("accTrdvol", "누적거래량", INT, "today's KRX volume", "주"),
        Field("deemTrdPrc", "예상체결가", INT, "indicative price during a call auction; 0 otherwise", "원"),
        Field(
            "deemTrdvol", "예상체결수량", INT, "indicative quantity during a call auction; 0 otherwise", "주"
        ),
        Field(
            "deemAccTrdvol",
            "예상누적거래량",
            INT,
            "during a call auction, today's volume plus the indicative quantity; 0 otherwise",
            "주",
            inferred="the sample does not say what it accumulates",
        ),
    )
)

_AFTER_HOURS: Final = np.array([Phase.POST_CLOSE_CLOSING_PRICE, Phase.AFTER_HOURS_SINGLE_PRICE], np.int16)
_CALLS: Final = np.array([p for p in Phase if p.is_call_auction], np.int16)


def orderbook_columns(ctx: KoscomContext, inst: list[int]) -> dict[str, Any]:
    """The ``ORDERBOOK`` columns of ``inst`` (KRX book, ten levels a side); also the items of
    ``multiquote/…/orderbook``."""
    e = ctx.engine
    idx = np.asarray(inst, np.intp)
    book = e.books[Venue.KRX]
    st = e.state(Venue.KRX)
    phase = e.phase[Venue.KRX, idx]
    ask_tot, bid_tot = book.ask_qty[idx].sum(axis=1), book.bid_qty[idx].sum(axis=1)
    after = np.isin(phase, _AFTER_HOURS)
    calling = np.isin(phase, _CALLS) & (e.indicative_price[Venue.KRX, idx] > 0)
    deem_qty = np.where(calling, e.indicative_qty[Venue.KRX, idx], 0)
    cols: dict[str, Any] = {"isuSrtCd": [e.instruments.code[i] for i in inst]}
    for n in _LEVELS:
        cols[f"askStep{n}BstordPrc"] = book.ask_price[idx, n - 1]
        cols[f"askStep{n}BstordRqty"] = book.ask_qty[idx, n - 1]
        cols[f"bidStep{n}BstordPrc"] = book.bid_price[idx, n - 1]
        cols[f"bidStep{n}BstordRqty"] = book.bid_qty[idx, n - 1]
    return cols | {
        "askordTotRqty": ask_tot,
        "bidordTotRqty": bid_tot,
        "pstoffhrAskTotOrdRqty": np.where(after, ask_tot, 0),
        "pstoffhrBidTotOrdRqty": np.where(after, bid_tot, 0),
        "accTrdvol": st.volume[idx],
        "deemTrdPrc": np.where(calling, e.indicative_price[Venue.KRX, idx], 0),
        "deemTrdvol": deem_qty,
        "deemAccTrdvol": np.where(calling, st.volume[idx] + deem_qty, 0),
    }


def orderbook_of(ctx: KoscomContext, i: int) -> dict[str, Any]:
    """The ``orderbook`` result of instrument ``i`` (also the WebSocket's quote presets)."""
    return ORDERBOOK.render(1, orderbook_columns(ctx, [i]))[0]


def orderbook(ctx: KoscomContext, path: Path, req: Request) -> Result:
    return Result(orderbook_of(ctx, stock(ctx, path)))


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/investors
# ---------------------------------------------------------------------------------------------------

INVESTORS_TOP: Final = Record(
    (
        Field("isuCd", "표준코드", STR, "ISIN"),
        Field("isuSrtCd", "단축코드", STR, "short code"),
    )
)
INVESTOR_ROW: Final = Record(
    (
        Field("invstCd", "투자자구분코드", CODE, '`"01"`…`"16"` (koscom.md §2.3)'),
        Field("askTrdvol", "매도거래량", INT, "shares sold", "주"),
        Field("askTrdval", "매도거래대금", INT, "value sold", "천원", inferred="the samples' magnitudes"),
        Field("bidTrdvol", "매수거래량", INT, "shares bought", "주"),
        Field("bidTrdval", "매수거래대금", INT, "value bought", "천원", inferred="as `askTrdval`"),
    )
)


def investor_rows(buy_q: I64, sell_q: I64, buy_v: I64, sell_v: I64) -> list[dict[str, Any]]:
    """The sixteen ``invstCd`` rows from per-leaf flows (shares and KRW)."""
    leaves = [list(c.leaves) for c in KOSCOM_INVESTOR_CODES]
    return INVESTOR_ROW.render(
        len(leaves),
        {
            "invstCd": [c.code for c in KOSCOM_INVESTOR_CODES],
            "askTrdvol": [int(sell_q[lv].sum()) for lv in leaves],
            "askTrdval": [to_unit(int(sell_v[lv].sum()), THOUSAND_KRW) for lv in leaves],
            "bidTrdvol": [int(buy_q[lv].sum()) for lv in leaves],
            "bidTrdval": [to_unit(int(buy_v[lv].sum()), THOUSAND_KRW) for lv in leaves],
        },
    )


def investors(ctx: KoscomContext, path: Path, req: Request) -> Result:
    i = stock(ctx, path)
    e = ctx.engine
    code = e.instruments.code[i]
    day = close_day(ctx, INVESTORS_AFTER)
    if day == _today(ctx) and e.day == day:
        st = e.state(Venue.KRX)
        rows = investor_rows(st.inv_qty[i, 0], st.inv_qty[i, 1], st.inv_val[i, 0], st.inv_val[i, 1])
    else:
        stored = _rows(ctx, "investor_daily", code, day, day)
        if not len(stored):
            raise NO_DATA()
        r = stored[0]
        rows = investor_rows(r["buy_qty"], r["sell_qty"], r["buy_val"], r["sell_val"])
    return Result(INVESTORS_TOP.render_one({"isuCd": e.instruments.isin[i], "isuSrtCd": code}), rows)


# ---------------------------------------------------------------------------------------------------
# ETF: closenav, nav, navhistory, pdf
# ---------------------------------------------------------------------------------------------------

NAV: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("nav", "NAV", NUM2, "net asset value per unit, 2 dp", "원"),
        Field("cmpprevddNav", "전일대비NAV", NUM2, "nav − the previous day's NAV", "원"),
    )
)


def _etf(ctx: KoscomContext, path: Path) -> int:
    """An ETF of the path's market; 10010 데이터가 존재 하지 않습니다 for other issues (inferred)."""
    i = stock(ctx, path)
    if int(ctx.engine.instruments.kind[i]) != InstrumentKind.ETF:
        raise NO_DATA()
    return i


def _nav_result(code: str, nav: int, prev: int) -> Result:
    return Result(NAV.render_one({"isuSrtCd": code, "nav": nav, "cmpprevddNav": nav - prev}))


def nav(ctx: KoscomContext, path: Path, req: Request) -> Result:
    i = _etf(ctx, path)
    return _nav_result(ctx.engine.instruments.code[i], *readers.etf_nav(ctx.engine, i))


def closenav(ctx: KoscomContext, path: Path, req: Request) -> Result:
    i = _etf(ctx, path)
    code = ctx.engine.instruments.code[i]
    day = close_day(ctx, CLOSE_NAV_AFTER)
    if day == _today(ctx) and ctx.engine.day == day:
        return _nav_result(code, *readers.etf_nav(ctx.engine, i))
    stored = _rows(ctx, "nav_daily", code, None, day)[-2:]
    if not len(stored) or int(stored["date"][-1]) != yyyymmdd(day):
        raise NO_DATA()
    navs = [round(float(x) * 100) for x in stored["nav"]]
    return _nav_result(code, navs[-1], navs[0] if len(navs) == 2 else navs[-1])


NAV_HISTORY_ROW: Final = Record(
    (
        Field("trdDd", "거래일자", DATE, "the day (W/M: the period's last business day)"),
        Field("nav", "NAV", NUM2, "NAV at the close (W/M: the period's last)", "원"),
        Field("cmpprevddNav", "전일대비NAV", NUM2, "against the previous row's NAV", "원"),
        Field(
            "trdPrc",
            "종가",
            INT,
            "the ETF's close that day (0 without a stored bar)",
            "원",
            inferred="only in the 2022 sample",
        ),
    )
)
HIS_TOP: Final = Record((Field("isuSrtCd", "단축코드", STR, "short code"),))


def navhistory(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """Stored NAVs (the day's NAV is ``closenav`` until the store has it)."""
    i = _etf(ctx, path)
    code = ctx.engine.instruments.code[i]
    start, end, cycle = req.get(START_OPTIONAL), req[END], req[CYCLE]
    _check_range(ctx, start, end)
    every = _rows(ctx, "nav_daily", code, None, end)
    closes = _rows(ctx, "stock_daily", code, start, end)
    close_of = {int(d): int(c) for d, c in zip(closes["date"], closes["close"], strict=True)}
    nav_c = np.round(every["nav"] * 100).astype(np.int64)
    dates = every["date"].astype(np.int64)
    groups = _groups(dates, cycle)
    out: list[dict[str, Any]] = []
    prev: int | None = None
    today = _today(ctx)
    for g in groups:
        last = int(g[-1])
        d = int(dates[last])
        first_nav = int(nav_c[g[0] - 1]) if g[0] > 0 else int(nav_c[g[0]])
        ref = prev if prev is not None else first_nav
        prev = int(nav_c[last])
        if start is not None and d < yyyymmdd(start):
            continue
        out.append(
            {
                "trdDd": koscom_label(d, Period(cycle), today),
                "nav": prev,
                "cmpprevddNav": prev - ref,
                "trdPrc": close_of.get(d, 0),
            }
        )
    rows = _newest(out, req.get(COUNT))
    return Result(HIS_TOP.render_one({"isuSrtCd": code}), _render_rows(NAV_HISTORY_ROW, rows))


def _render_rows(record: Record, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return record.render(len(rows), {f.name: [r[f.name] for r in rows] for f in record})


PDF_TOP: Final = Record(
    (
        Field("Cnt", "건수", STR, "number of constituents, a string as the spec sample sends it"),
        Field("InqDd", "조회일자", DATE_STR, "the trading day"),
    )
)
PDF_ROW: Final = Record(
    (
        Field("isuCd", "표준코드", STR, "constituent ISIN"),
        Field(
            "Unit",
            "구성수량",
            INT,
            "shares per creation unit",
            "주",
            inferred=f"a creation unit of {10_000:,} ETF units at the previous NAV, split by "
            "the tracked index's weights at the base prices",
        ),
        Field("isuNm", "종목명", STR, "constituent name"),
        Field("SetAmt", "평가금액", INT, "Unit × the constituent's base price", "원"),
        Field("ratio", "비중", NUM2, "SetAmt / Σ SetAmt, %", "%", inferred="only in the 2022 sample"),
    )
)
#: ETF units per creation unit (the common KRX CU size; inferred).
CREATION_UNIT: Final = 10_000


def pdf(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """An ETF's basket from the tracked index's membership and weights. A leveraged (inverse)
    ETF lists the same basket scaled by |leverage| (real ones hold futures too; inferred); an
    ETF on an index the engine does not compute has an empty list."""
    i = _etf(ctx, path)
    e = ctx.engine
    ins = e.instruments
    k = int(e.etp_index[i])
    members = np.flatnonzero(e.index.member[k]) if k >= 0 else np.zeros(0, np.intp)
    prices = e.base[members]
    cap = e.index.weights[k, members] * prices if k >= 0 else np.zeros(0, np.int64)
    total = float(cap.sum())
    cu_value = float(e.nav_prev[i]) * CREATION_UNIT * max(1, abs(int(ins.leverage[i])))
    units = (
        np.floor(cu_value * cap / total / np.maximum(prices, 1)).astype(np.int64)
        if total > 0
        else np.zeros(0, np.int64)
    )
    keep = units > 0
    members, units, prices = members[keep], units[keep], prices[keep]
    amount = units * prices
    order = np.lexsort((np.array([ins.code[m] for m in members]), -amount))
    members, units, amount = members[order], units[order], amount[order]
    tot = int(amount.sum())
    rows = PDF_ROW.render(
        len(members),
        {
            "isuCd": [ins.isin[m] for m in members],
            "Unit": units,
            "isuNm": [ins.name_ko[m] for m in members],
            "SetAmt": amount,
            "ratio": [_ratio_bp(100 * int(a), tot) for a in amount],
        },
    )
    top = PDF_TOP.render_one({"Cnt": str(len(rows)), "InqDd": yyyymmdd_str(_today(ctx))})
    return Result(top, rows)


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/shortsell
# ---------------------------------------------------------------------------------------------------

SHORTSELL_ROW: Final = Record(
    (
        Field("trdDd", "거래일자", DATE, "the day (spec and 2022 samples; `BzDd` in 2018's)"),
        Field("srtsellTrdVol", "공매도거래량", INT, "shares sold short", "주"),
        Field("srtsellTrdAmt", "공매도거래금액", INT, "value sold short", "원"),
        Field("lendBalQty", "대차잔고수량", INT, "stock-loan balance at the day's end", "주"),
        Field("lendBalAmt", "대차잔고금액", INT, "stock-loan balance × the day's close", "천원"),
        Field("srtsellBal", "공매도잔고", INT, "short balance at the day's end (2022 samples)", "주"),
    )
)


def shortsell(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """Stored rows; today's only from 18:00, from the engine's short sales with the previous
    day's balances (the engine does not move balances intraday; inferred) until the store has
    the day."""
    i = stock(ctx, path)
    code = ctx.engine.instruments.code[i]
    start, end = req.get(START_OPTIONAL), req[END]
    _check_range(ctx, start, end)
    today = _today(ctx)
    shown_today = ctx.now_ns() >= kst_ns(today, SHORTSELL_AFTER)
    stored = _rows(ctx, "short_daily", code, None, end)
    closes = _rows(ctx, "stock_daily", code, start, end)
    close_of = {int(d): int(c) for d, c in zip(closes["date"], closes["close"], strict=True)}
    rows: list[dict[str, Any]] = []
    for r in stored:
        d = int(r["date"])
        if (start is not None and d < yyyymmdd(start)) or (d == yyyymmdd(today) and not shown_today):
            continue
        rows.append(_short_row(d, int(r["short_qty"]), int(r["short_val"]), r, close_of.get(d, 0)))
    last = stored[-1] if len(stored) else None
    if (
        shown_today
        and today <= end
        and _traded_today(ctx, i)
        and (last is None or int(last["date"]) < yyyymmdd(today))
    ):
        st = ctx.engine.state(Venue.KRX)
        close = int(ctx.engine.index_price[i])
        rows.append(_short_row(yyyymmdd(today), int(st.short_qty[i]), int(st.short_val[i]), last, close))
    return Result(HIS_TOP.render_one({"isuSrtCd": code}), _render_rows(SHORTSELL_ROW, _newest(rows, None)))


def _short_row(d: int, qty: int, val: int, balances: np.void | None, close: int) -> dict[str, Any]:
    loan = int(balances["loan_qty"]) if balances is not None else 0
    return {
        "trdDd": d,
        "srtsellTrdVol": qty,
        "srtsellTrdAmt": val,
        "lendBalQty": loan,
        "lendBalAmt": to_unit(loan * close, THOUSAND_KRW),
        "srtsellBal": int(balances["balance_qty"]) if balances is not None else 0,
    }


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/intraday
# ---------------------------------------------------------------------------------------------------

INTRADAY_ROW: Final = Record(
    (
        Field(
            "inddTm",
            "일중시각",
            TIME_STR,
            "the bar's end time; today's bar still running carries the current time",
        ),
        Field("inddOpnprc", "일중시가", INT, "bar open", "원"),
        Field("inddHgprc", "일중고가", INT, "bar high", "원"),
        Field("inddLwprc", "일중저가", INT, "bar low", "원"),
        Field("inddClsprc", "일중종가", INT, "bar close", "원"),
        Field("inddTrdvol", "일중거래량", INT, "bar volume", "주"),
        Field("inddTrdval", "일중거래대금", INT, "bar value", "원"),
        Field("inddAccTrdvol", "일중누적거래량", INT, "the day's KRX volume up to the bar's end", "주"),
        Field("inddAccTrdval", "일중누적거래대금", INT, "the day's KRX value up to the bar's end", "원"),
    )
)


def intraday(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """KRX bars of ``inddCycleTpCd`` seconds that start within [strtTm, endTm), newest first, at
    most 100 (the newest): today's from the engine, a past day's from the store while it keeps
    that day's bars; otherwise 20020 해당 년,월,일에 자료가 없습니다, a later day 20100 (inferred)."""
    i = stock(ctx, path)
    e = ctx.engine
    today = _today(ctx)
    day = req.get(START_OPTIONAL) or today
    if day > today:
        raise FUTURE_DATE()
    code = e.instruments.code[i]
    period = int(req[INTRADAY_CYCLE])
    past = readers.past_bars(ctx.store, period, code, day) if day < today else None
    if day < today and past is None:
        raise NO_DATA_ON_DATE()
    lo, hi = req[START_TIME], req[END_TIME]
    if lo > hi:
        raise BAD_PERIOD()
    if past is not None:
        bars, end = past, past["start"] + period * NS  # a finished day: every bar has ended
    else:
        bars = e.bars(Venue.KRX, period)
        bars = bars[bars["inst"] == i]
        end = np.minimum(bars["start"] + period * NS, ctx.now_ns())
    acc_vol, acc_val = np.cumsum(bars["volume"]), np.cumsum(bars["value"])
    start_s = kst_second_of_day(bars["start"])
    keep = np.flatnonzero((start_s >= lo) & (start_s < hi))[::-1][:MAX_ROWS]
    rows = INTRADAY_ROW.render(
        len(keep),
        {
            "inddTm": [str(t) for t in hhmmssmm(end[keep]).tolist()],
            "inddOpnprc": bars["open"][keep],
            "inddHgprc": bars["high"][keep],
            "inddLwprc": bars["low"][keep],
            "inddClsprc": bars["close"][keep],
            "inddTrdvol": bars["volume"][keep],
            "inddTrdval": bars["value"][keep],
            "inddAccTrdvol": acc_vol[keep],
            "inddAccTrdval": acc_val[keep],
        },
    )
    return Result(HIS_TOP.render_one({"isuSrtCd": code}), rows)


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/traderanking
# ---------------------------------------------------------------------------------------------------

_RANKS: Final = range(1, 6)
_SIDES: Final = (("ask", "매도"), ("bid", "매수"))
_VWAP_INFERRED: Final = "member prices are not kept: the day's KRX average price"
TRADE_RANKING: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code with the feed suffix (`005930*001`)"),
        *(
            f
            for side, ko in _SIDES
            for n in _RANKS
            for f in (
                Field(f"{side}TrdMbr{n}", f"{ko}거래원{n}", STR, f"{ko} rank {n} member name; empty if none"),
                Field(f"{side}TrdVolMbr{n}", f"{ko}거래량{n}", INT, "its volume today", "주"),
                Field(
                    f"{side}TrdAmtMbr{n}",
                    f"{ko}거래대금{n}",
                    INT,
                    "volume × average price",
                    "원",
                    inferred=_VWAP_INFERRED,
                ),
                Field(
                    f"{side}TrdPrcMbr{n}",
                    f"{ko}평균가{n}",
                    INT,
                    "average price",
                    "원",
                    inferred=_VWAP_INFERRED,
                ),
                Field(f"{side}TrdWtMbr{n}", f"{ko}비중{n}", NUM2, "its share of today's volume, %", "%"),
            )
        ),
    )
)


def traderanking(ctx: KoscomContext, path: Path, req: Request) -> Result:
    i = stock(ctx, path)
    e = ctx.engine
    st = e.state(Venue.KRX)
    volume, value = int(st.volume[i]), int(st.value[i])
    vwap = (2 * value + volume) // (2 * volume) if volume else 0
    sell_m, sell_q, buy_m, buy_q = e.top_members(i, Venue.KRX)
    cols: dict[str, Any] = {"isuSrtCd": e.instruments.code[i] + _FEED_SUFFIX[path.market]}
    for side, members, qty in (("ask", sell_m, sell_q), ("bid", buy_m, buy_q)):
        for n in _RANKS:
            q = int(qty[n - 1]) if n <= len(qty) else 0
            cols[f"{side}TrdMbr{n}"] = ctx.universe.members[int(members[n - 1])].name_ko if q > 0 else ""
            cols[f"{side}TrdVolMbr{n}"] = q
            cols[f"{side}TrdAmtMbr{n}"] = q * vwap
            cols[f"{side}TrdPrcMbr{n}"] = vwap if q > 0 else 0
            cols[f"{side}TrdWtMbr{n}"] = _ratio_bp(100 * q, volume)
    return Result(TRADE_RANKING.render_one(cols))


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/foreignhistory
# ---------------------------------------------------------------------------------------------------

FOREIGN_ROW: Final = Record(
    (
        Field("trdDd", "거래일자", DATE, "the day (W/M: the period's last business day)"),
        Field("FornHdVol", "외국인보유주식수", INT, "foreign holdings at the close", "주"),
        Field("cmpprevddFornHdVol", "전일대비외국인보유주식수", INT, "against the previous row", "주"),
        Field("FornHdVolRt", "외국인보유비율", NUM2, "holdings / listed shares, %", "%"),
    )
)


def foreignhistory(ctx: KoscomContext, path: Path, req: Request) -> Result:
    i = stock(ctx, path)
    code = ctx.engine.instruments.code[i]
    start, end = req[START], req[END]
    cycle = req.get(CYCLE_OPTIONAL) or "D"
    _check_range(ctx, start, end)
    every = _rows(ctx, "foreign_daily", code, None, end)
    dates = every["date"].astype(np.int64)
    out: list[dict[str, Any]] = []
    prev: int | None = None
    today = _today(ctx)
    for g in _groups(dates, cycle):
        last = int(g[-1])
        d, held = int(dates[last]), int(every["holdings"][last])
        ref = prev if prev is not None else held
        prev = held
        if d < yyyymmdd(start):
            continue
        out.append(
            {
                "trdDd": koscom_label(d, Period(cycle), today),
                "FornHdVol": held,
                "cmpprevddFornHdVol": held - ref,
                "FornHdVolRt": round(float(every["ratio"][last]) * 100),
            }
        )
    rows = _newest(out, req.get(COUNT))
    return Result(HIS_TOP.render_one({"isuSrtCd": code}), _render_rows(FOREIGN_ROW, rows))


# ---------------------------------------------------------------------------------------------------
# stocks/{m}/{code}/history
# ---------------------------------------------------------------------------------------------------

HISTORY_ROW: Final = Record(
    (
        Field(
            "trdDd",
            "거래일자",
            DATE,
            "the day; W/M: the period's last business day (its last row's while running)",
        ),
        Field("trdPrc", "종가", INT, "adjusted close", "원"),
        Field(
            "cmpprevddTpCd",
            "전일대비구분",
            CODE,
            "D: the day's sign code 1–5; W/M: 2 up, 3 flat, 5 down against the previous period",
        ),
        Field(
            "cmpprevddPrc",
            "전일대비",
            INT,
            "D: close − base price; W/M: against the previous period's close",
            "원",
        ),
        Field("opnprc", "시가", INT, "adjusted open", "원"),
        Field("hgprc", "고가", INT, "adjusted high", "원"),
        Field("lwprc", "저가", INT, "adjusted low", "원"),
        Field(
            "accTrdvol",
            "누적거래량",
            INT,
            "volume (not adjusted)",
            "주",
            inferred="the spec names prices only",
        ),
        Field("accTrdval", "누적거래대금", INT, "value", "원"),
    )
)


def daily_bars(ctx: KoscomContext, i: int, end: date, newest: int | None = None) -> Rows:
    """Unadjusted daily bars up to ``end``, by date, with their ``adj_factor``: stored
    ``stock_daily`` rows, and today's from the engine once ``i`` traded today (its factor the last
    stored one times a corporate action effective today); only the ``newest`` stored ones when
    given (an answer never shows more)."""
    code = ctx.engine.instruments.code[i]
    today = _today(ctx)
    last = min(end, today - timedelta(days=1))
    if newest is None:
        stored = _rows(ctx, "stock_daily", code, None, last)
    else:
        # Read back only as far as ``newest`` trading days can reach (KRX has at least 240 a
        # year); all of it when that falls short (a young listing, a long closure).
        stored = _rows(ctx, "stock_daily", code, days_before(last, newest * 366 // 240 + 10), last)
        if len(stored) < newest:
            stored = _rows(ctx, "stock_daily", code, None, last)
        stored = stored[-newest:]
    if not (today <= end and _traded_today(ctx, i)):
        return stored
    factor = float(stored["adj_factor"][-1]) if len(stored) else 1.0
    for a in _rows(ctx, "corporate_actions", code, today, today):
        factor *= int(a["price"]) / int(a["prev_close"])
    now = np.zeros(1, stored.dtype)
    now["code"] = code
    for name, value in zip(_Day._fields, _today_bar(ctx, i), strict=True):
        now[name] = value
    now["adj_factor"] = factor
    return np.concatenate([stored, now])


#: At most this many trading days in a period of each ``trnsmCycleTpCd``.
_TRADING_DAYS_PER: Final = {"D": 1, "W": 5, "M": 23}


def history(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """수정주가 bars: every price × (the latest bar's ``adj_factor`` / the bar's), rounded half to
    even, period by period, in columns."""
    i = stock(ctx, path)
    start, end, cycle = req[START], req[END], req[CYCLE]
    _check_range(ctx, start, end)
    # Enough trading days for one period more than the answer holds: the oldest, possibly cut,
    # period is then never among the rows sent, and the adjustment's reference is the newest bar.
    periods = (req.get(COUNT) or MAX_ROWS) + 1
    bars = daily_bars(ctx, i, end, newest=periods * _TRADING_DAYS_PER[cycle])
    bars = bars[bars["date"] >= yyyymmdd(start)]
    code = ctx.engine.instruments.code[i]
    top = HIS_TOP.render_one({"isuSrtCd": code})
    if not len(bars):
        return Result(top, [])
    factor = bars["adj_factor"]
    last = float(factor[-1])

    def adj(name: str) -> npt.NDArray[np.int64]:
        return np.asarray(np.rint(bars[name].astype(np.float64) * last / factor), np.int64)

    first, final = period_runs(period_keys(bars["date"], Period(cycle)))
    close = adj("close")[final]
    if cycle == "D":
        change, sign = close - adj("base")[final], bars["sign"][final].astype(np.int64)
    else:
        # Against the period before; the first against its first day's base price.
        ref = np.concatenate([adj("base")[first[:1]], close[:-1]])
        change = close - ref
        sign = index_sign(np.sign(change))
    today, period = _today(ctx), Period(cycle)
    labels = bars["date"][final]  # a day's label is its date
    if period is not Period.DAY:
        labels = np.array([koscom_label(d, period, today) for d in labels.tolist()], labels.dtype)
    cols = {
        "trdDd": labels,
        "trdPrc": close,
        "cmpprevddTpCd": sign.astype(str),
        "cmpprevddPrc": change,
        "opnprc": adj("open")[first],
        "hgprc": np.maximum.reduceat(adj("high"), first),
        "lwprc": np.minimum.reduceat(adj("low"), first),
        "accTrdvol": np.add.reduceat(bars["volume"].astype(np.int64), first),
        "accTrdval": np.add.reduceat(bars["value"].astype(np.int64), first),
    }
    # Newest first, at most ``reqCnt`` (``_newest``).
    keep = slice(None, -(req.get(COUNT) or MAX_ROWS) - 1, -1)
    newest = {name: np.asarray(col)[keep] for name, col in cols.items()}
    return Result(top, HISTORY_ROW.render(len(newest["trdPrc"]), newest))


# ---------------------------------------------------------------------------------------------------
# stocks/{nationcode}/holiday
# ---------------------------------------------------------------------------------------------------

#: Nation codes of the holiday API (koscom.md §2.5); sise knows Korea's calendar only.
NATION_CODES: Final = ("DE", "KR", "US", "VN", "GB", "IN", "JP", "CN", "TW", "SG", "AU", "EU")
#: A list of ``YYYYMMDD`` strings, sent as a JSON array.
DATE_LIST: Final = Fmt("date_list", "array of strings `YYYYMMDD`", None)
HOLIDAY: Final = Record(
    (
        Field("marketCd", "국가코드", STR, "the nation code asked for"),
        Field(
            "lists",
            "휴장일목록",
            DATE_LIST,
            "KRX closures on weekdays after today, through the calendar's last year",
            inferred="the 2022 payload's shape (`marketCd`, `lists`), future holidays only",
        ),
    )
)


def holiday(ctx: KoscomContext, path: Path, req: Request) -> Result:
    """KR from sise's KRX calendar; the other §2.5 nations are 10010 데이터가 존재 하지
    않습니다, anything else 20030 (inferred)."""
    nation = path.market.upper()
    if nation not in NATION_CODES:
        raise BAD_ISSUE_CODE()
    if nation != "KR":
        raise NO_DATA()
    today = _today(ctx)
    days = [
        yyyymmdd_str(d)
        for year in range(today.year, calendar.LAST_DATE.year + 1)
        for d, _ in calendar.holidays(year)
        if d > today
    ]
    return Result(HOLIDAY.render_one({"marketCd": nation, "lists": [days]}))


# ---------------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------------


def _closed(name: str) -> tuple[str, ...]:
    return (f"/closed/{{market}}/{{code}}/{name}",)


def _realtime(name: str) -> tuple[str, ...]:
    return (f"/realtime/{{market}}/stocks/{{code}}/{name}",)


def _extra(name: str) -> tuple[str, ...]:
    return (f"/extra/stocks/{{market}}/{{code}}/{name}",)


_ISSUE: Final = "/stocks/{market}/{code}/"
_HISTORY_QUERY: Final = Body((CYCLE, START, END, COUNT))

ENDPOINTS: Final = (
    Endpoint(
        "/stocks/{market}/lists",
        "종목 리스트",
        lists,
        LIST_ENVELOPE,
        Envelope.LIST,
        list_key="isuLists",
        row=LIST_ROW,
        v3=("/closed/{market}/lists",),
        markets=STOCK_MARKETS,
    ),
    Endpoint(_ISSUE + "master", "종목 마스터", master, MASTER, v3=_closed("master"), markets=STOCK_MARKETS),
    Endpoint(
        _ISSUE + "selectivemaster",
        "마스터 (요구형)",
        selectivemaster,
        SELECTIVE,
        v3=_closed("selectivemaster"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "closeprice",
        "종가",
        closeprice,
        CLOSE_PRICE,
        v3=_closed("closeprice"),
        close_after=CLOSE_PRICE_AFTER,
        markets=STOCK_MARKETS,
    ),
    Endpoint(_ISSUE + "price", "체결", price, PRICE, v3=_realtime("price"), markets=STOCK_MARKETS),
    Endpoint(
        _ISSUE + "orderbook",
        "호가잔량",
        orderbook,
        ORDERBOOK,
        v3=_realtime("orderbook"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "investors",
        "종목별 투자자별 종가",
        investors,
        INVESTORS_TOP,
        list_key="invstLists",
        row=INVESTOR_ROW,
        v3=("/investors/{market}/{code}/investors",),
        close_after=INVESTORS_AFTER,
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "closenav",
        "ETF 장마감후 NAV",
        closenav,
        NAV,
        v3=("/closed/etf/{market}/{code}/closenav",),
        close_after=CLOSE_NAV_AFTER,
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "shortsell",
        "공매도/대차 일별",
        shortsell,
        HIS_TOP,
        query=Body((START_OPTIONAL, END)),
        list_key="hisLists",
        row=SHORTSELL_ROW,
        v3=_closed("shortsell"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "intraday",
        "종목 일중",
        intraday,
        HIS_TOP,
        query=Body((INTRADAY_CYCLE, START_OPTIONAL, START_TIME, END_TIME)),
        list_key="hisLists",
        row=INTRADAY_ROW,
        v3=_realtime("intraday"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "traderanking",
        "거래상위 회원사",
        traderanking,
        TRADE_RANKING,
        aliases=(_ISSUE + "traderaking",),
        v3=_realtime("traderanking"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "foreignhistory",
        "외국인 보유율 히스토리",
        foreignhistory,
        HIS_TOP,
        query=Body((CYCLE_OPTIONAL, START, END, COUNT)),
        list_key="hisLists",
        row=FOREIGN_ROW,
        v3=_closed("foreignhistory"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "history",
        "종목 히스토리",
        history,
        HIS_TOP,
        query=_HISTORY_QUERY,
        list_key="hisLists",
        row=HISTORY_ROW,
        v3=_closed("history"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        _ISSUE + "pdf",
        "ETF 구성종목",
        pdf,
        PDF_TOP,
        Envelope.EXTRA,
        list_key="Lists",
        row=PDF_ROW,
        v3=_extra("pdf"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(_ISSUE + "nav", "ETF NAV 현재", nav, NAV, v3=_extra("nav"), markets=STOCK_MARKETS),
    Endpoint(
        _ISSUE + "navhistory",
        "ETF NAV 히스토리",
        navhistory,
        HIS_TOP,
        query=Body((CYCLE, START_OPTIONAL, END, COUNT)),
        list_key="hisLists",
        row=NAV_HISTORY_ROW,
        v3=_extra("navhistory"),
        markets=STOCK_MARKETS,
    ),
    Endpoint(
        "/stocks/{market}/holiday",
        "국가별 휴장일",
        holiday,
        HOLIDAY,
        Envelope.EXTRA,
        v3=("/extra/stocks/{market}/holiday",),
    ),
)

__all__ = [
    "ENDPOINTS",
    "LIST_ROW",
    "ORDERBOOK",
    "PRICE",
    "investor_rows",
    "master_values",
    "orderbook_of",
    "price_columns",
    "price_of",
]
