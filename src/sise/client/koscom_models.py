"""Typed answers of the Koscom endpoints sise serves (koscom.md §6–§10; docs/koscom.md).

A model is a msgspec ``Struct`` per answer shape, field names as Koscom spells them (its
inconsistent capitals included: ``accTrdvol``, ``srtsellTrdVol``, ``BzDd``). Koscom sends numbers
as JSON numbers already (koscom.md §5.2); the types say which: ``int`` for prices in 원, volumes,
amounts and ``YYYYMMDD`` / ``HHMMSSmm`` integers, ``float`` for index levels, derivative prices
and rates, ``str`` for codes, flags and the dates and times Koscom sends as strings. A missing
value (``null``, ``""``) reads as None (``""`` for text); fields a model does not know are ignored;
the documented other spellings (§12: ``BzDd`` for ``trdDd``, ``IsuEngNm`` for ``isuEngNm``) and
numbers sent as strings (or text sent as numbers) are read too. The fields match the server's
declarations (``tests/test_client_koscom_models.py`` holds them equal).

``decode(Model, answer)`` builds a model from an unwrapped answer (``KoscomClient`` does it for its
typed methods); a shape shared by several endpoints is one model (``IssueList`` for the stock,
futures and option lists).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Final, TypeVar, get_args, get_origin

import msgspec

__all__ = [
    "ALIASES",
    "DecimalIntraday",
    "DecimalIntradayRow",
    "DerivativeClosePrice",
    "DerivativeHistory",
    "DerivativeHistoryRow",
    "DerivativeOrderbook",
    "EtfNav",
    "EtfNavHistory",
    "EtfNavHistoryRow",
    "EtfPdf",
    "EtfPdfRow",
    "FuturesInvestors",
    "FuturesInvestorsRow",
    "FuturesMaster",
    "FuturesPrice",
    "HistoryRow",
    "Holidays",
    "IndexClose",
    "IndexExpected",
    "IndexHistory",
    "IndexHistoryRow",
    "IndexLevel",
    "IndexMarketCap",
    "IntradayRow",
    "InvestorRow",
    "IssueList",
    "IssueListRow",
    "KoscomModel",
    "MarketInvestors",
    "MarketOhlcList",
    "MarketPriceList",
    "MarketPriceRow",
    "MarketQuoteList",
    "MultiOrderbook",
    "MultiOrderbookRow",
    "MultiPrice",
    "OhlcRow",
    "OptionInvestors",
    "OptionInvestorsRow",
    "OptionMaster",
    "OptionPrice",
    "QuoteRow",
    "StockClosePrice",
    "StockForeignHistory",
    "StockForeignHistoryRow",
    "StockHistory",
    "StockIntraday",
    "StockInvestors",
    "StockMaster",
    "StockOrderbook",
    "StockPrice",
    "StockSelectiveMaster",
    "StockShortSelling",
    "StockShortSellingRow",
    "StockTradeRanking",
    "decode",
]


class KoscomModel(msgspec.Struct, kw_only=True):
    def to_frame(self) -> Any:
        """The list's rows (a flat answer: one row) as a pandas DataFrame; needs ``sise[pandas]``."""
        from sise.client.frames import to_frame

        return to_frame(self)


class IssueListRow(KoscomModel):
    """A row of ``isuLists`` (``IssueList``)."""

    isuSrtCd: str = ""
    isuCd: str = ""
    isuKorNm: str = ""
    isuKorAbbr: str = ""
    map_to: str = ""


class IssueList(KoscomModel):
    """종목 리스트 ``stocks/{market}/lists``;
    선물 종목 리스트 ``futures/{market}/lists``;
    옵션 종목 리스트 ``options/{market}/lists``.
    """

    trdDd: str = ""
    mktEndTm: str = ""
    isuLists: list[IssueListRow] = msgspec.field(default_factory=list)


class StockMaster(KoscomModel):
    """종목 마스터 ``stocks/{market}/{code}/master``."""

    trdDd: int | None = None
    isuCd: str = ""
    isuSrtCd: str = ""
    isuKorAbbrv: str = ""
    isuEngNm: str = ""
    secugrpId: str = ""
    mktWarnTpCd: str = ""
    admisuYn: str = ""
    haltYn: str = ""
    idxIndMidclssCd: int | None = None
    mktcapScaleCd: int | None = None
    mfindYn: str = ""
    smeYn: str = ""
    krx100IsuYn: str = ""
    kospiYn: str = ""
    kospi100Yn: str = ""
    kospi50Yn: str = ""
    basPrc: int | None = None
    prevddClsprc: int | None = None
    prevddAccTrdvol: int | None = None
    prevddAccTrdval: int | None = None
    uplmtprc: int | None = None
    lwlmtprc: int | None = None
    sbPrc: int | None = None
    parval: int | None = None
    isuPrc: int | None = None
    listDd: int | None = None
    listShrs: int | None = None
    arrantrdYn: str = ""
    creditOrdPosblYn: str = ""
    regulssQtyUnit: int | None = None
    invstcautnRemndIsuYn: str = ""
    srttrmOverheatIsuTpCd: str = ""
    eps: int | None = None
    per: float | None = None
    bps: int | None = None
    pbr: float | None = None
    dps: int | None = None
    divYd: float | None = None
    acntclsCd: str = ""
    acntclsMm: str = ""
    adjStkprcCalcYn: str = ""
    prevddNav: float | None = None


class StockSelectiveMaster(KoscomModel):
    """마스터 (요구형) ``stocks/{market}/{code}/selectivemaster``."""

    isuSrtCd: str = ""
    trdDd: int | None = None
    isuCd: str = ""
    isuKorAbbrv: str = ""
    isuEngNm: str = ""
    secugrpId: str = ""
    mktWarnTpCd: str = ""
    admisuYn: str = ""
    haltYn: str = ""
    idxIndMidclssCd: int | None = None
    mktcapScaleCd: int | None = None
    mfindYn: str = ""
    smeYn: str = ""
    krx100IsuYn: str = ""
    kospiYn: str = ""
    kospi100Yn: str = ""
    kospi50Yn: str = ""
    basPrc: int | None = None
    prevddClsprc: int | None = None
    prevddAccTrdvol: int | None = None
    prevddAccTrdval: int | None = None
    uplmtprc: int | None = None
    lwlmtprc: int | None = None
    sbPrc: int | None = None
    parval: int | None = None
    isuPrc: int | None = None
    listDd: int | None = None
    listShrs: int | None = None
    arrantrdYn: str = ""
    creditOrdPosblYn: str = ""
    regulssQtyUnit: int | None = None
    invstcautnRemndIsuYn: str = ""
    srttrmOverheatIsuTpCd: str = ""
    eps: int | None = None
    per: float | None = None
    bps: int | None = None
    pbr: float | None = None
    dps: int | None = None
    divYd: float | None = None
    acntclsCd: str = ""
    acntclsMm: str = ""
    adjStkprcCalcYn: str = ""
    prevddNav: float | None = None
    srtsellTrdVol: int | None = None
    srtsellTrdAmt: int | None = None
    lendBalQty: int | None = None
    lendBalAmt: int | None = None
    srtsellOverheatDd: int | None = None
    dd3AvgPrc: int | None = None
    dd5AvgPrc: int | None = None
    dd10AvgPrc: int | None = None
    dd20AvgPrc: int | None = None
    dd40AvgPrc: int | None = None
    dd60AvgPrc: int | None = None
    dd120AvgPrc: int | None = None
    dd250AvgPrc: int | None = None
    dd3AvgTrdVol: int | None = None
    dd5AvgTrdVol: int | None = None
    dd10AvgTrdVol: int | None = None
    dd20AvgTrdVol: int | None = None
    dd40AvgTrdVol: int | None = None
    dd60AvgTrdVol: int | None = None
    dd120AvgTrdVol: int | None = None
    dd250AvgTrdVol: int | None = None
    dd3AvgTrdAmt: int | None = None
    dd5AvgTrdAmt: int | None = None
    dd10AvgTrdAmt: int | None = None
    dd20AvgTrdAmt: int | None = None
    dd40AvgTrdAmt: int | None = None
    dd60AvgTrdAmt: int | None = None
    dd120AvgTrdAmt: int | None = None
    dd250AvgTrdAmt: int | None = None
    dd5AvgDp: float | None = None
    dd20AvgDp: float | None = None
    dd60AvgDp: float | None = None
    dd120AvgDp: float | None = None
    BzDd: int | None = None
    wk52HgstPrc: int | None = None
    wk52LwstPrc: int | None = None
    wk52HgstprcDd: int | None = None
    wk52LwstprcDd: int | None = None
    wk52HgstTrdvol: int | None = None
    wk52LwstTrdvol: int | None = None
    liquShrs: int | None = None
    DebtRt: float | None = None
    CrdtGrd: str = ""
    Cap: int | None = None


class StockClosePrice(KoscomModel):
    """종가 ``stocks/{market}/{code}/closeprice``."""

    isuSrtCd: str = ""
    trdPrc: int | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: int | None = None
    opnprc: int | None = None
    hgprc: int | None = None
    lwprc: int | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None


class StockPrice(KoscomModel):
    """체결 ``stocks/{market}/{code}/price``."""

    isuSrtCd: str = ""
    trdPrc: int | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: int | None = None
    opnprc: int | None = None
    hgprc: int | None = None
    lwprc: int | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None
    trdTm: int | None = None
    trdvol: int | None = None
    bidordPrc_1: int | None = None
    askordPrc_1: int | None = None
    lstAskbidTpCd: int | None = None


class StockOrderbook(KoscomModel):
    """호가잔량 ``stocks/{market}/{code}/orderbook``."""

    isuSrtCd: str = ""
    askStep1BstordPrc: int | None = None
    askStep1BstordRqty: int | None = None
    bidStep1BstordPrc: int | None = None
    bidStep1BstordRqty: int | None = None
    askStep2BstordPrc: int | None = None
    askStep2BstordRqty: int | None = None
    bidStep2BstordPrc: int | None = None
    bidStep2BstordRqty: int | None = None
    askStep3BstordPrc: int | None = None
    askStep3BstordRqty: int | None = None
    bidStep3BstordPrc: int | None = None
    bidStep3BstordRqty: int | None = None
    askStep4BstordPrc: int | None = None
    askStep4BstordRqty: int | None = None
    bidStep4BstordPrc: int | None = None
    bidStep4BstordRqty: int | None = None
    askStep5BstordPrc: int | None = None
    askStep5BstordRqty: int | None = None
    bidStep5BstordPrc: int | None = None
    bidStep5BstordRqty: int | None = None
    askStep6BstordPrc: int | None = None
    askStep6BstordRqty: int | None = None
    bidStep6BstordPrc: int | None = None
    bidStep6BstordRqty: int | None = None
    askStep7BstordPrc: int | None = None
    askStep7BstordRqty: int | None = None
    bidStep7BstordPrc: int | None = None
    bidStep7BstordRqty: int | None = None
    askStep8BstordPrc: int | None = None
    askStep8BstordRqty: int | None = None
    bidStep8BstordPrc: int | None = None
    bidStep8BstordRqty: int | None = None
    askStep9BstordPrc: int | None = None
    askStep9BstordRqty: int | None = None
    bidStep9BstordPrc: int | None = None
    bidStep9BstordRqty: int | None = None
    askStep10BstordPrc: int | None = None
    askStep10BstordRqty: int | None = None
    bidStep10BstordPrc: int | None = None
    bidStep10BstordRqty: int | None = None
    askordTotRqty: int | None = None
    bidordTotRqty: int | None = None
    pstoffhrAskTotOrdRqty: int | None = None
    pstoffhrBidTotOrdRqty: int | None = None
    accTrdvol: int | None = None
    deemTrdPrc: int | None = None
    deemTrdvol: int | None = None
    deemAccTrdvol: int | None = None


class InvestorRow(KoscomModel):
    """A row of ``invstLists`` (``MarketInvestors``, ``StockInvestors``)."""

    invstCd: str = ""
    askTrdvol: int | None = None
    askTrdval: int | None = None
    bidTrdvol: int | None = None
    bidTrdval: int | None = None


class StockInvestors(KoscomModel):
    """종목별 투자자별 종가 ``stocks/{market}/{code}/investors``."""

    isuCd: str = ""
    isuSrtCd: str = ""
    invstLists: list[InvestorRow] = msgspec.field(default_factory=list)


class EtfNav(KoscomModel):
    """ETF 장마감후 NAV ``stocks/{market}/{code}/closenav``;
    ETF NAV 현재 ``stocks/{market}/{code}/nav``.
    """

    isuSrtCd: str = ""
    nav: float | None = None
    cmpprevddNav: float | None = None


class StockShortSellingRow(KoscomModel):
    """A row of ``hisLists`` (``StockShortSelling``)."""

    trdDd: int | None = None
    srtsellTrdVol: int | None = None
    srtsellTrdAmt: int | None = None
    lendBalQty: int | None = None
    lendBalAmt: int | None = None
    srtsellBal: int | None = None


class StockShortSelling(KoscomModel):
    """공매도/대차 일별 ``stocks/{market}/{code}/shortsell``."""

    isuSrtCd: str = ""
    hisLists: list[StockShortSellingRow] = msgspec.field(default_factory=list)


class IntradayRow(KoscomModel):
    """A row of ``hisLists`` (``StockIntraday``)."""

    inddTm: str = ""
    inddOpnprc: int | None = None
    inddHgprc: int | None = None
    inddLwprc: int | None = None
    inddClsprc: int | None = None
    inddTrdvol: int | None = None
    inddTrdval: int | None = None
    inddAccTrdvol: int | None = None
    inddAccTrdval: int | None = None


class StockIntraday(KoscomModel):
    """종목 일중 ``stocks/{market}/{code}/intraday``."""

    isuSrtCd: str = ""
    hisLists: list[IntradayRow] = msgspec.field(default_factory=list)


class StockTradeRanking(KoscomModel):
    """거래상위 회원사 ``stocks/{market}/{code}/traderanking``."""

    isuSrtCd: str = ""
    askTrdMbr1: str = ""
    askTrdVolMbr1: int | None = None
    askTrdAmtMbr1: int | None = None
    askTrdPrcMbr1: int | None = None
    askTrdWtMbr1: float | None = None
    askTrdMbr2: str = ""
    askTrdVolMbr2: int | None = None
    askTrdAmtMbr2: int | None = None
    askTrdPrcMbr2: int | None = None
    askTrdWtMbr2: float | None = None
    askTrdMbr3: str = ""
    askTrdVolMbr3: int | None = None
    askTrdAmtMbr3: int | None = None
    askTrdPrcMbr3: int | None = None
    askTrdWtMbr3: float | None = None
    askTrdMbr4: str = ""
    askTrdVolMbr4: int | None = None
    askTrdAmtMbr4: int | None = None
    askTrdPrcMbr4: int | None = None
    askTrdWtMbr4: float | None = None
    askTrdMbr5: str = ""
    askTrdVolMbr5: int | None = None
    askTrdAmtMbr5: int | None = None
    askTrdPrcMbr5: int | None = None
    askTrdWtMbr5: float | None = None
    bidTrdMbr1: str = ""
    bidTrdVolMbr1: int | None = None
    bidTrdAmtMbr1: int | None = None
    bidTrdPrcMbr1: int | None = None
    bidTrdWtMbr1: float | None = None
    bidTrdMbr2: str = ""
    bidTrdVolMbr2: int | None = None
    bidTrdAmtMbr2: int | None = None
    bidTrdPrcMbr2: int | None = None
    bidTrdWtMbr2: float | None = None
    bidTrdMbr3: str = ""
    bidTrdVolMbr3: int | None = None
    bidTrdAmtMbr3: int | None = None
    bidTrdPrcMbr3: int | None = None
    bidTrdWtMbr3: float | None = None
    bidTrdMbr4: str = ""
    bidTrdVolMbr4: int | None = None
    bidTrdAmtMbr4: int | None = None
    bidTrdPrcMbr4: int | None = None
    bidTrdWtMbr4: float | None = None
    bidTrdMbr5: str = ""
    bidTrdVolMbr5: int | None = None
    bidTrdAmtMbr5: int | None = None
    bidTrdPrcMbr5: int | None = None
    bidTrdWtMbr5: float | None = None


class StockForeignHistoryRow(KoscomModel):
    """A row of ``hisLists`` (``StockForeignHistory``)."""

    trdDd: int | None = None
    FornHdVol: int | None = None
    cmpprevddFornHdVol: int | None = None
    FornHdVolRt: float | None = None


class StockForeignHistory(KoscomModel):
    """외국인 보유율 히스토리 ``stocks/{market}/{code}/foreignhistory``."""

    isuSrtCd: str = ""
    hisLists: list[StockForeignHistoryRow] = msgspec.field(default_factory=list)


class HistoryRow(KoscomModel):
    """A row of ``hisLists`` (``StockHistory``)."""

    trdDd: int | None = None
    trdPrc: int | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: int | None = None
    opnprc: int | None = None
    hgprc: int | None = None
    lwprc: int | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None


class StockHistory(KoscomModel):
    """종목 히스토리 ``stocks/{market}/{code}/history``."""

    isuSrtCd: str = ""
    hisLists: list[HistoryRow] = msgspec.field(default_factory=list)


class EtfPdfRow(KoscomModel):
    """A row of ``Lists`` (``EtfPdf``)."""

    isuCd: str = ""
    Unit: int | None = None
    isuNm: str = ""
    SetAmt: int | None = None
    ratio: float | None = None


class EtfPdf(KoscomModel):
    """ETF 구성종목 ``stocks/{market}/{code}/pdf``."""

    Cnt: str = ""
    InqDd: str = ""
    Lists: list[EtfPdfRow] = msgspec.field(default_factory=list)


class EtfNavHistoryRow(KoscomModel):
    """A row of ``hisLists`` (``EtfNavHistory``)."""

    trdDd: int | None = None
    nav: float | None = None
    cmpprevddNav: float | None = None
    trdPrc: int | None = None


class EtfNavHistory(KoscomModel):
    """ETF NAV 히스토리 ``stocks/{market}/{code}/navhistory``."""

    isuSrtCd: str = ""
    hisLists: list[EtfNavHistoryRow] = msgspec.field(default_factory=list)


class Holidays(KoscomModel):
    """국가별 휴장일 ``stocks/{market}/holiday``."""

    marketCd: str = ""
    lists: list[str] = msgspec.field(default_factory=list)


class MarketPriceRow(KoscomModel):
    """A row of ``isuLists`` (``MarketPriceList``)."""

    isuSrtCd: str = ""
    trdPrc: int | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None
    mktcap: int | None = None


class MarketPriceList(KoscomModel):
    """시장별 현재가 리스트 ``multiquote/stocks/{market}/lists``."""

    trdDd: str = ""
    trdTm: str = ""
    isuLists: list[MarketPriceRow] = msgspec.field(default_factory=list)


class OhlcRow(KoscomModel):
    """A row of ``isuLists`` (``MarketOhlcList``)."""

    isuSrtCd: str = ""
    opnprc: int | None = None
    hgprc: int | None = None
    lwprc: int | None = None
    trdPrc: int | None = None


class MarketOhlcList(KoscomModel):
    """시장별 시고저종 리스트 ``multiquote/stocks/{market}/ohlclists``;
    시간외단일가 시고저종 리스트 ``multiquote/stocks/{market}/ahtohlclists``.
    """

    trdDd: str = ""
    trdTm: str = ""
    isuLists: list[OhlcRow] = msgspec.field(default_factory=list)


class QuoteRow(KoscomModel):
    """A row of ``isuLists`` (``MarketQuoteList``)."""

    isuSrtCd: str = ""
    trdPrc: int | None = None
    askStep1BstordPrc: int | None = None
    askStep1BstordRqty: int | None = None
    bidStep1BstordPrc: int | None = None
    bidStep1BstordRqty: int | None = None


class MarketQuoteList(KoscomModel):
    """호가/잔량 리스트 ``multiquote/stocks/{market}/quotelists``."""

    trdDd: str = ""
    trdTm: str = ""
    isuLists: list[QuoteRow] = msgspec.field(default_factory=list)


class MultiPrice(KoscomModel):
    """복수종목 현재가 ``multiquote/stocks/{market}/price``."""

    isulist: list[StockPrice] = msgspec.field(default_factory=list)


class MultiOrderbookRow(KoscomModel):
    """A row of ``isulist`` (``MultiOrderbook``)."""

    askStep1BstordPrc: int | None = None
    askStep1BstordRqty: int | None = None
    bidStep1BstordPrc: int | None = None
    bidStep1BstordRqty: int | None = None
    askStep2BstordPrc: int | None = None
    askStep2BstordRqty: int | None = None
    bidStep2BstordPrc: int | None = None
    bidStep2BstordRqty: int | None = None
    askStep3BstordPrc: int | None = None
    askStep3BstordRqty: int | None = None
    bidStep3BstordPrc: int | None = None
    bidStep3BstordRqty: int | None = None
    askStep4BstordPrc: int | None = None
    askStep4BstordRqty: int | None = None
    bidStep4BstordPrc: int | None = None
    bidStep4BstordRqty: int | None = None
    askStep5BstordPrc: int | None = None
    askStep5BstordRqty: int | None = None
    bidStep5BstordPrc: int | None = None
    bidStep5BstordRqty: int | None = None
    askStep6BstordPrc: int | None = None
    askStep6BstordRqty: int | None = None
    bidStep6BstordPrc: int | None = None
    bidStep6BstordRqty: int | None = None
    askStep7BstordPrc: int | None = None
    askStep7BstordRqty: int | None = None
    bidStep7BstordPrc: int | None = None
    bidStep7BstordRqty: int | None = None
    askStep8BstordPrc: int | None = None
    askStep8BstordRqty: int | None = None
    bidStep8BstordPrc: int | None = None
    bidStep8BstordRqty: int | None = None
    askStep9BstordPrc: int | None = None
    askStep9BstordRqty: int | None = None
    bidStep9BstordPrc: int | None = None
    bidStep9BstordRqty: int | None = None
    askStep10BstordPrc: int | None = None
    askStep10BstordRqty: int | None = None
    bidStep10BstordPrc: int | None = None
    bidStep10BstordRqty: int | None = None
    askordTotRqty: int | None = None
    bidordTotRqty: int | None = None
    pstoffhrAskTotOrdRqty: int | None = None
    pstoffhrBidTotOrdRqty: int | None = None
    accTrdvol: int | None = None
    deemTrdPrc: int | None = None
    deemTrdvol: int | None = None
    deemAccTrdvol: int | None = None
    isuSrtCd: str = ""


class MultiOrderbook(KoscomModel):
    """복수종목 호가잔량 ``multiquote/stocks/{market}/orderbook``."""

    isulist: list[MultiOrderbookRow] = msgspec.field(default_factory=list)


class IndexClose(KoscomModel):
    """업종 종가 ``index/{market}/{code}/closeindex``;
    KOSPI/KOSDAQ 지수 ``stocks/{market}/index``.
    """

    isuSrtCd: str = ""
    isuCnt: int | None = None
    trdPrc: float | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: float | None = None
    opnprc: float | None = None
    hgprc: float | None = None
    lwprc: float | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None
    mktcap: int | None = None
    listShrs: int | None = None


class IndexLevel(KoscomModel):
    """업종 지수 ``index/{market}/{code}/index``."""

    isuSrtCd: str = ""
    trdTm: int | None = None
    trdPrc: float | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: float | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None


class IndexExpected(KoscomModel):
    """업종 예상지수 ``index/{market}/{code}/prospectindex``."""

    isuSrtCd: str = ""
    deemTm: str = ""
    deemTrdPrc: float | None = None
    deemcmpprevddTpCd: str = ""
    deemcmpprevddPrc: float | None = None
    deemAccTrdvol: int | None = None
    deemAccTrdval: int | None = None


class IndexMarketCap(KoscomModel):
    """업종 시가총액 ``index/{market}/{code}/marketcap``."""

    isuSrtCd: str = ""
    isuCnt: int | None = None
    listShrs: int | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None
    mktcap: int | None = None


class MarketInvestors(KoscomModel):
    """업종 투자자별 ``index/{market}/{code}/investors``;
    KOSPI/KOSDAQ 지수 투자자 마감 ``stocks/{market}/investors``.
    """

    Tm: str = ""
    isuSrtCd: str = ""
    invstLists: list[InvestorRow] = msgspec.field(default_factory=list)


class DecimalIntradayRow(KoscomModel):
    """A row of ``hisLists`` (``DecimalIntraday``)."""

    inddTm: str = ""
    inddOpnprc: float | None = None
    inddHgprc: float | None = None
    inddLwprc: float | None = None
    inddClsprc: float | None = None
    inddTrdvol: int | None = None
    inddTrdval: int | None = None
    inddAccTrdvol: int | None = None
    inddAccTrdval: int | None = None


class DecimalIntraday(KoscomModel):
    """업종 일중 ``index/{market}/{code}/intraday``;
    선물 일중 ``futures/{market}/{code}/intraday``;
    옵션 일중 ``options/{market}/{code}/intraday``.
    """

    isuSrtCd: str = ""
    hisLists: list[DecimalIntradayRow] = msgspec.field(default_factory=list)


class IndexHistoryRow(KoscomModel):
    """A row of ``hisLists`` (``IndexHistory``)."""

    trdDd: int | None = None
    trdPrc: float | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: float | None = None
    opnprc: float | None = None
    hgprc: float | None = None
    lwprc: float | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None


class IndexHistory(KoscomModel):
    """업종 히스토리 ``index/{market}/{code}/history``."""

    isuSrtCd: str = ""
    hisLists: list[IndexHistoryRow] = msgspec.field(default_factory=list)


class FuturesMaster(KoscomModel):
    """선물 마스터 ``futures/{market}/{code}/master``."""

    trdDd: int | None = None
    isuCd: str = ""
    isuSrtCd: str = ""
    isuKorNm: str = ""
    isuKorAbbrv: str = ""
    listDd: int | None = None
    prcLmtStep1Uplmtprc: float | None = None
    prcLmtStep2Uplmtprc: float | None = None
    prcLmtStep3Uplmtprc: float | None = None
    prcLmtStep1Lwlmtprc: float | None = None
    prcLmtStep2Lwlmtprc: float | None = None
    prcLmtStep3Lwlmtprc: float | None = None
    basPrc: float | None = None
    ulyId: str = ""
    lsttrdDd: int | None = None
    expDd: int | None = None
    setlmult: int | None = None
    remainDys: int | None = None
    setlTheoPrc: float | None = None
    basTheoPrc: float | None = None
    prevddClsprc: float | None = None
    prevddOpnprc: float | None = None
    prevddHgprc: float | None = None
    prevddLwprc: float | None = None
    setlPrcTheoPrcDivrgRt: float | None = None
    prevddOpnintQty: int | None = None
    inlistHgstprc: float | None = None
    inlistLwstprc: float | None = None
    midyyHgstprc: float | None = None
    midyyLwstprc: float | None = None
    inlistHgstprcDd: int | None = None
    inlistLwstprcDd: int | None = None
    midyyHgstprcDd: int | None = None
    midyyLwstprcDd: int | None = None
    prevddAccTrdvol: int | None = None
    prevddAccTrdval: int | None = None
    cdInt: float | None = None
    opnintLmtQty: int | None = None


class DerivativeClosePrice(KoscomModel):
    """선물 종가 ``futures/{market}/{code}/closeprice``;
    옵션 종가 ``options/{market}/{code}/closeprice``.
    """

    isuSrtCd: str = ""
    trdPrc: float | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: float | None = None
    opnprc: float | None = None
    hgprc: float | None = None
    lwprc: float | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None


class FuturesPrice(KoscomModel):
    """선물 체결 ``futures/{market}/{code}/price``."""

    isuSrtCd: str = ""
    trdPrc: float | None = None
    trdvol: int | None = None
    trdTm: int | None = None
    fstmmAgndaContrtPrc: float | None = None
    futrmmAgndaContrtPrc: float | None = None
    opnprc: float | None = None
    hgprc: float | None = None
    lwprc: float | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None
    negoBlkAccTrdvol: int | None = None
    lstTrdTpCd: int | None = None
    realtmUplmtprc: float | None = None
    realtmLwlmtprc: float | None = None


class DerivativeOrderbook(KoscomModel):
    """선물 우선호가 ``futures/{market}/{code}/orderbook``;
    옵션 우선호가 ``options/{market}/{code}/orderbook``.
    """

    isuSrtCd: str = ""
    askStep1BstordPrc: float | None = None
    askStep1BstordRqty: int | None = None
    bidStep1BstordPrc: float | None = None
    bidStep1BstordRqty: int | None = None
    askStep1BstordCnt: int | None = None
    bidStep1BstordCnt: int | None = None
    askStep2BstordPrc: float | None = None
    askStep2BstordRqty: int | None = None
    bidStep2BstordPrc: float | None = None
    bidStep2BstordRqty: int | None = None
    askStep2BstordCnt: int | None = None
    bidStep2BstordCnt: int | None = None
    askStep3BstordPrc: float | None = None
    askStep3BstordRqty: int | None = None
    bidStep3BstordPrc: float | None = None
    bidStep3BstordRqty: int | None = None
    askStep3BstordCnt: int | None = None
    bidStep3BstordCnt: int | None = None
    askStep4BstordPrc: float | None = None
    askStep4BstordRqty: int | None = None
    bidStep4BstordPrc: float | None = None
    bidStep4BstordRqty: int | None = None
    askStep4BstordCnt: int | None = None
    bidStep4BstordCnt: int | None = None
    askStep5BstordPrc: float | None = None
    askStep5BstordRqty: int | None = None
    bidStep5BstordPrc: float | None = None
    bidStep5BstordRqty: int | None = None
    askStep5BstordCnt: int | None = None
    bidStep5BstordCnt: int | None = None
    askTotOrdRqty: int | None = None
    bidTotOrdRqty: int | None = None
    askValidOrdCnt: int | None = None
    bidValidOrdCnt: int | None = None
    ordAcptTm: int | None = None
    deemTrdPrc: float | None = None


class FuturesInvestorsRow(KoscomModel):
    """A row of ``invstLists`` (``FuturesInvestors``)."""

    invstCd: str = ""
    MktAccAskTrdvol: int | None = None
    MktAccAskTrdval: int | None = None
    MktAccBidTrdvol: int | None = None
    MktAccBidTrdval: int | None = None


class FuturesInvestors(KoscomModel):
    """선물 시장 투자자별 ``futures/{market}/market/investors``."""

    Tm: str = ""
    invstLists: list[FuturesInvestorsRow] = msgspec.field(default_factory=list)


class DerivativeHistoryRow(KoscomModel):
    """A row of ``hisLists`` (``DerivativeHistory``)."""

    trdDd: int | None = None
    trdPrc: float | None = None
    cmpprevddTpCd: str = ""
    cmpprevddPrc: float | None = None
    opnprc: float | None = None
    hgprc: float | None = None
    lwprc: float | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None
    opnintQty: int | None = None


class DerivativeHistory(KoscomModel):
    """선물 히스토리 ``futures/{market}/{code}/history``;
    옵션 히스토리 ``options/{market}/{code}/history``.
    """

    isuSrtCd: str = ""
    hisLists: list[DerivativeHistoryRow] = msgspec.field(default_factory=list)


class OptionMaster(KoscomModel):
    """옵션 마스터 ``options/{market}/{code}/master``."""

    trdDd: int | None = None
    isuCd: str = ""
    isuSrtCd: str = ""
    isuKorNm: str = ""
    isuKorAbbrv: str = ""
    listDd: int | None = None
    prcLmtStep1Uplmtprc: float | None = None
    prcLmtStep2Uplmtprc: float | None = None
    prcLmtStep3Uplmtprc: float | None = None
    prcLmtStep1Lwlmtprc: float | None = None
    prcLmtStep2Lwlmtprc: float | None = None
    prcLmtStep3Lwlmtprc: float | None = None
    basPrc: float | None = None
    ulyId: str = ""
    lsttrdDd: int | None = None
    expDd: int | None = None
    setlmult: int | None = None
    remainDys: int | None = None
    setlTheoPrc: float | None = None
    basTheoPrc: float | None = None
    prevddClsprc: float | None = None
    prevddOpnprc: float | None = None
    prevddHgprc: float | None = None
    prevddLwprc: float | None = None
    setlPrcTheoPrcDivrgRt: float | None = None
    prevddOpnintQty: int | None = None
    inlistHgstprc: float | None = None
    inlistLwstprc: float | None = None
    midyyHgstprc: float | None = None
    midyyLwstprc: float | None = None
    inlistHgstprcDd: int | None = None
    inlistLwstprcDd: int | None = None
    midyyHgstprcDd: int | None = None
    midyyLwstprcDd: int | None = None
    prevddAccTrdvol: int | None = None
    prevddAccTrdval: int | None = None
    cdInt: float | None = None
    exerPrc: float | None = None
    impVolt: float | None = None


class OptionPrice(KoscomModel):
    """옵션 체결 ``options/{market}/{code}/price``."""

    isuSrtCd: str = ""
    isuCd: str = ""
    trdPrc: float | None = None
    trdvol: int | None = None
    trdTm: int | None = None
    opnprc: float | None = None
    hgprc: float | None = None
    lwprc: float | None = None
    accTrdvol: int | None = None
    accTrdval: int | None = None
    negoBlkAccTrdvol: int | None = None
    lstTrdTpCd: int | None = None
    realtmUplmtprc: float | None = None
    realtmLwlmtprc: float | None = None


class OptionInvestorsRow(KoscomModel):
    """A row of ``invstLists`` (``OptionInvestors``)."""

    invstCd: str = ""
    CallAccAskTrdvol: int | None = None
    CallAccAskTrdval: int | None = None
    CallAccBidTrdvol: int | None = None
    CallAccBidTrdval: int | None = None
    PutAccAskTrdvol: int | None = None
    PutAccAskTrdval: int | None = None
    PutAccBidTrdvol: int | None = None
    PutAccBidTrdval: int | None = None


class OptionInvestors(KoscomModel):
    """옵션 시장 투자자별 ``options/{market}/market/investors``."""

    Tm: str = ""
    invstLists: list[OptionInvestorsRow] = msgspec.field(default_factory=list)


# -- decoding -----------------------------------------------------------------------------------------

M = TypeVar("M", bound=KoscomModel)

#: Other spellings of a field the reference documents (koscom.md §12), read as the field.
ALIASES: Final = {"BzDd": "trdDd", "IsuEngNm": "isuEngNm"}

_TEXT, _VALUE, _ROWS, _TEXTS = range(4)


@cache
def _plan(model: type[KoscomModel]) -> dict[str, tuple[int, Any]]:
    """Each wire field's kind (text, number, rows of a model, list of text) and row model."""
    plan: dict[str, tuple[int, Any]] = {}
    for f in msgspec.structs.fields(model):
        if get_origin(f.type) is list:
            (item,) = get_args(f.type)
            plan[f.encode_name] = (_TEXTS, None) if item is str else (_ROWS, item)
        else:
            plan[f.encode_name] = (_TEXT, None) if f.type is str else (_VALUE, None)
    return plan


def _aliased(plan: Mapping[str, tuple[int, Any]], answer: Mapping[str, Any]) -> bool:
    return any(a in answer and a not in plan and t in plan and t not in answer for a, t in ALIASES.items())


def _clean(model: type[KoscomModel], answer: Mapping[str, Any]) -> dict[str, Any]:
    """``answer`` with what a strict conversion refuses read: aliases, ``""`` numbers, numeric
    text, unknown keys dropped."""
    plan = _plan(model)
    out: dict[str, Any] = {}
    for key, value in answer.items():
        name = ALIASES.get(key, key) if key not in plan else key
        if name not in plan or (name != key and name in answer):
            continue
        kind, row = plan[name]
        if kind == _TEXT:
            out[name] = "" if value is None else value if isinstance(value, str) else str(value)
        elif kind == _VALUE:
            out[name] = None if value == "" else value
        elif kind == _ROWS:
            out[name] = (
                [_clean(row, r) for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []
            )
        else:
            out[name] = [str(v) for v in value] if isinstance(value, list) else []
    return out


def _needs_cleaning(model: type[KoscomModel], answer: Mapping[str, Any]) -> bool:
    """Whether an alias appears at the top or in a list's first row (a strict conversion would
    otherwise pass over it silently)."""
    plan = _plan(model)
    if _aliased(plan, answer):
        return True
    for key, (kind, row) in plan.items():
        rows = answer.get(key) if kind == _ROWS else None
        if isinstance(rows, list) and rows and isinstance(rows[0], Mapping) and _aliased(_plan(row), rows[0]):
            return True
    return False


def decode(model: type[M], answer: Any) -> M:
    """``model`` from an unwrapped Koscom answer. Raises ``ValueError`` naming the field when a
    value cannot be read as its type."""
    if not isinstance(answer, Mapping):
        raise ValueError(f"{model.__name__}: not a Koscom answer object: {type(answer).__name__}")
    if not _needs_cleaning(model, answer):
        try:
            return msgspec.convert(answer, model, strict=False)
        except msgspec.ValidationError:
            pass  # an empty string for a number, a number for text: read field by field
    try:
        return msgspec.convert(_clean(model, answer), model, strict=False)
    except msgspec.ValidationError as e:
        raise ValueError(f"{model.__name__}: {e}") from None
