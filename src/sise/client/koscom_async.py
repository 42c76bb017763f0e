"""``AsyncKoscomClient``: ``KoscomClient`` (``sise.client.koscom``) for asyncio, with the same
arguments and methods as coroutines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import TracebackType
from typing import Any, TypeVar

import httpx

from sise.client import koscom_endpoints as ep
from sise.client import koscom_models as m
from sise.client.koscom_core import (
    KoscomConnectionError,
    KoscomCore,
    Query,
    Quota,
    codes_param,
    family_path,
    query_of,
)

__all__ = ["AsyncKoscomClient"]

M = TypeVar("M", bound=m.KoscomModel)


class AsyncKoscomClient:
    """``KoscomClient`` for asyncio, with the same arguments and methods as coroutines."""

    def __init__(
        self,
        base_url: str | None = None,
        apikey: str | None = None,
        *,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.core = KoscomCore(base_url, apikey)
        self._own_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    @property
    def quota(self) -> Quota | None:
        return self.core.quota

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncKoscomClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def get(self, path: str, **query: Query) -> Any:
        try:
            r = await self._http.get(
                self.core.url(path), params=query_of(query) or None, headers=self.core.headers
            )
        except httpx.HTTPError as e:
            raise KoscomConnectionError(0, None, f"{type(e).__name__}: {e}", path=path) from e
        return self.core.read(path, r.status_code, r.headers, r.content)

    async def stocks(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        return await self.get(family_path("stocks", marketcode, kind, issuecode), **query)

    async def multiquote(
        self, marketcode: str, kind: str, isu_cd: Sequence[str] | str | None = None, **query: Query
    ) -> Any:
        return await self.get(f"multiquote/stocks/{marketcode}/{kind}", isuCd=codes_param(isu_cd), **query)

    async def index(self, marketcode: str, issuecode: str, kind: str, **query: Query) -> Any:
        return await self.get(family_path("index", marketcode, kind, issuecode), **query)

    async def futures(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        return await self.get(family_path("futures", marketcode, kind, issuecode), **query)

    async def options(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        return await self.get(family_path("options", marketcode, kind, issuecode), **query)

    # -- one typed method per endpoint ---------------------------------------------------------------

    async def _call(
        self, endpoint: ep.KoscomEndpoint[M], *path: str, flags: Sequence[str] = (), **query: Query
    ) -> M:
        return m.decode(endpoint.model, await self.get(endpoint.url_path(*path, flags=flags), **query))

    async def stock_list(self, market: str) -> m.IssueList:
        """종목 리스트: ``stocks/{market}/lists``."""
        return await self._call(ep.STOCK_LIST, market)

    async def stock_master(self, market: str, code: str) -> m.StockMaster:
        """종목 마스터: ``stocks/{market}/{code}/master``."""
        return await self._call(ep.STOCK_MASTER, market, code)

    async def stock_selective_master(
        self, market: str, code: str, fields: Sequence[str]
    ) -> m.StockSelectiveMaster:
        """마스터 (요구형): ``stocks/{market}/{code}/selectivemaster``."""
        return await self._call(ep.STOCK_SELECTIVE_MASTER, market, code, flags=fields)

    async def stock_close_price(self, market: str, code: str) -> m.StockClosePrice:
        """종가: ``stocks/{market}/{code}/closeprice``."""
        return await self._call(ep.STOCK_CLOSE_PRICE, market, code)

    async def stock_price(self, market: str, code: str) -> m.StockPrice:
        """체결: ``stocks/{market}/{code}/price``."""
        return await self._call(ep.STOCK_PRICE, market, code)

    async def stock_orderbook(self, market: str, code: str) -> m.StockOrderbook:
        """호가잔량: ``stocks/{market}/{code}/orderbook``."""
        return await self._call(ep.STOCK_ORDERBOOK, market, code)

    async def stock_investors(self, market: str, code: str) -> m.StockInvestors:
        """종목별 투자자별 종가: ``stocks/{market}/{code}/investors``."""
        return await self._call(ep.STOCK_INVESTORS, market, code)

    async def etf_close_nav(self, market: str, code: str) -> m.EtfNav:
        """ETF 장마감후 NAV: ``stocks/{market}/{code}/closenav``."""
        return await self._call(ep.ETF_CLOSE_NAV, market, code)

    async def stock_short_selling(
        self, market: str, code: str, *, inqStrtDd: str | date | None = None, inqEndDd: str | date
    ) -> m.StockShortSelling:
        """공매도/대차 일별: ``stocks/{market}/{code}/shortsell``."""
        return await self._call(ep.STOCK_SHORT_SELLING, market, code, inqStrtDd=inqStrtDd, inqEndDd=inqEndDd)

    async def stock_intraday(
        self,
        market: str,
        code: str,
        *,
        inddCycleTpCd: str,
        inqStrtDd: str | date | None = None,
        strtTm: str,
        endTm: str,
    ) -> m.StockIntraday:
        """종목 일중: ``stocks/{market}/{code}/intraday``."""
        return await self._call(
            ep.STOCK_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    async def stock_trade_ranking(self, market: str, code: str) -> m.StockTradeRanking:
        """거래상위 회원사: ``stocks/{market}/{code}/traderanking``."""
        return await self._call(ep.STOCK_TRADE_RANKING, market, code)

    async def stock_foreign_history(
        self,
        market: str,
        code: str,
        *,
        trnsmCycleTpCd: str | None = None,
        inqStrtDd: str | date,
        inqEndDd: str | date,
        reqCnt: int | None = None,
    ) -> m.StockForeignHistory:
        """외국인 보유율 히스토리: ``stocks/{market}/{code}/foreignhistory``."""
        return await self._call(
            ep.STOCK_FOREIGN_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    async def stock_history(
        self,
        market: str,
        code: str,
        *,
        trnsmCycleTpCd: str,
        inqStrtDd: str | date,
        inqEndDd: str | date,
        reqCnt: int | None = None,
    ) -> m.StockHistory:
        """종목 히스토리: ``stocks/{market}/{code}/history``."""
        return await self._call(
            ep.STOCK_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    async def etf_pdf(self, market: str, code: str) -> m.EtfPdf:
        """ETF 구성종목: ``stocks/{market}/{code}/pdf``."""
        return await self._call(ep.ETF_PDF, market, code)

    async def etf_nav(self, market: str, code: str) -> m.EtfNav:
        """ETF NAV 현재: ``stocks/{market}/{code}/nav``."""
        return await self._call(ep.ETF_NAV, market, code)

    async def etf_nav_history(
        self,
        market: str,
        code: str,
        *,
        trnsmCycleTpCd: str,
        inqStrtDd: str | date | None = None,
        inqEndDd: str | date,
        reqCnt: int | None = None,
    ) -> m.EtfNavHistory:
        """ETF NAV 히스토리: ``stocks/{market}/{code}/navhistory``."""
        return await self._call(
            ep.ETF_NAV_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    async def holidays(self, nation: str = "KR") -> m.Holidays:
        """국가별 휴장일: ``stocks/{market}/holiday``."""
        return await self._call(ep.HOLIDAYS, nation)

    async def market_prices(self, market: str) -> m.MarketPriceList:
        """시장별 현재가 리스트: ``multiquote/stocks/{market}/lists``."""
        return await self._call(ep.MARKET_PRICES, market)

    async def market_ohlc(self, market: str) -> m.MarketOhlcList:
        """시장별 시고저종 리스트: ``multiquote/stocks/{market}/ohlclists``."""
        return await self._call(ep.MARKET_OHLC, market)

    async def market_after_hours_ohlc(self, market: str) -> m.MarketOhlcList:
        """시간외단일가 시고저종 리스트: ``multiquote/stocks/{market}/ahtohlclists``."""
        return await self._call(ep.MARKET_AFTER_HOURS_OHLC, market)

    async def market_quotes(self, market: str) -> m.MarketQuoteList:
        """호가/잔량 리스트: ``multiquote/stocks/{market}/quotelists``."""
        return await self._call(ep.MARKET_QUOTES, market)

    async def multi_price(self, market: str, isuCd: Sequence[str] | str) -> m.MultiPrice:
        """복수종목 현재가: ``multiquote/stocks/{market}/price``."""
        return await self._call(ep.MULTI_PRICE, market, isuCd=codes_param(isuCd))

    async def multi_orderbook(self, market: str, isuCd: Sequence[str] | str) -> m.MultiOrderbook:
        """복수종목 호가잔량: ``multiquote/stocks/{market}/orderbook``."""
        return await self._call(ep.MULTI_ORDERBOOK, market, isuCd=codes_param(isuCd))

    async def index_close(self, market: str, code: str) -> m.IndexClose:
        """업종 종가: ``index/{market}/{code}/closeindex``."""
        return await self._call(ep.INDEX_CLOSE, market, code)

    async def index_level(self, market: str, code: str) -> m.IndexLevel:
        """업종 지수: ``index/{market}/{code}/index``."""
        return await self._call(ep.INDEX_LEVEL, market, code)

    async def index_expected(self, market: str, code: str) -> m.IndexExpected:
        """업종 예상지수: ``index/{market}/{code}/prospectindex``."""
        return await self._call(ep.INDEX_EXPECTED, market, code)

    async def index_market_cap(self, market: str, code: str) -> m.IndexMarketCap:
        """업종 시가총액: ``index/{market}/{code}/marketcap``."""
        return await self._call(ep.INDEX_MARKET_CAP, market, code)

    async def index_investors(self, market: str, code: str) -> m.MarketInvestors:
        """업종 투자자별: ``index/{market}/{code}/investors``."""
        return await self._call(ep.INDEX_INVESTORS, market, code)

    async def index_intraday(
        self,
        market: str,
        code: str,
        *,
        inddCycleTpCd: str,
        inqStrtDd: str | date | None = None,
        strtTm: str,
        endTm: str,
    ) -> m.DecimalIntraday:
        """업종 일중: ``index/{market}/{code}/intraday``."""
        return await self._call(
            ep.INDEX_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    async def index_history(
        self,
        market: str,
        code: str,
        *,
        trnsmCycleTpCd: str,
        inqStrtDd: str | date,
        inqEndDd: str | date,
        reqCnt: int | None = None,
    ) -> m.IndexHistory:
        """업종 히스토리: ``index/{market}/{code}/history``."""
        return await self._call(
            ep.INDEX_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    async def market_investors(self, market: str) -> m.MarketInvestors:
        """KOSPI/KOSDAQ 지수 투자자 마감: ``stocks/{market}/investors``."""
        return await self._call(ep.MARKET_INVESTORS, market)

    async def market_index(self, market: str) -> m.IndexClose:
        """KOSPI/KOSDAQ 지수: ``stocks/{market}/index``."""
        return await self._call(ep.MARKET_INDEX, market)

    async def futures_list(self, market: str) -> m.IssueList:
        """선물 종목 리스트: ``futures/{market}/lists``."""
        return await self._call(ep.FUTURES_LIST, market)

    async def futures_master(self, market: str, code: str) -> m.FuturesMaster:
        """선물 마스터: ``futures/{market}/{code}/master``."""
        return await self._call(ep.FUTURES_MASTER, market, code)

    async def futures_close_price(self, market: str, code: str) -> m.DerivativeClosePrice:
        """선물 종가: ``futures/{market}/{code}/closeprice``."""
        return await self._call(ep.FUTURES_CLOSE_PRICE, market, code)

    async def futures_price(self, market: str, code: str) -> m.FuturesPrice:
        """선물 체결: ``futures/{market}/{code}/price``."""
        return await self._call(ep.FUTURES_PRICE, market, code)

    async def futures_orderbook(self, market: str, code: str) -> m.DerivativeOrderbook:
        """선물 우선호가: ``futures/{market}/{code}/orderbook``."""
        return await self._call(ep.FUTURES_ORDERBOOK, market, code)

    async def futures_investors(self, market: str) -> m.FuturesInvestors:
        """선물 시장 투자자별: ``futures/{market}/market/investors``."""
        return await self._call(ep.FUTURES_INVESTORS, market)

    async def futures_intraday(
        self,
        market: str,
        code: str,
        *,
        inddCycleTpCd: str,
        inqStrtDd: str | date | None = None,
        strtTm: str,
        endTm: str,
    ) -> m.DecimalIntraday:
        """선물 일중: ``futures/{market}/{code}/intraday``."""
        return await self._call(
            ep.FUTURES_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    async def futures_history(
        self,
        market: str,
        code: str,
        *,
        trnsmCycleTpCd: str,
        inqStrtDd: str | date,
        inqEndDd: str | date,
        reqCnt: int | None = None,
    ) -> m.DerivativeHistory:
        """선물 히스토리: ``futures/{market}/{code}/history``."""
        return await self._call(
            ep.FUTURES_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    async def option_list(self, market: str) -> m.IssueList:
        """옵션 종목 리스트: ``options/{market}/lists``."""
        return await self._call(ep.OPTION_LIST, market)

    async def option_master(self, market: str, code: str) -> m.OptionMaster:
        """옵션 마스터: ``options/{market}/{code}/master``."""
        return await self._call(ep.OPTION_MASTER, market, code)

    async def option_close_price(self, market: str, code: str) -> m.DerivativeClosePrice:
        """옵션 종가: ``options/{market}/{code}/closeprice``."""
        return await self._call(ep.OPTION_CLOSE_PRICE, market, code)

    async def option_price(self, market: str, code: str) -> m.OptionPrice:
        """옵션 체결: ``options/{market}/{code}/price``."""
        return await self._call(ep.OPTION_PRICE, market, code)

    async def option_orderbook(self, market: str, code: str) -> m.DerivativeOrderbook:
        """옵션 우선호가: ``options/{market}/{code}/orderbook``."""
        return await self._call(ep.OPTION_ORDERBOOK, market, code)

    async def option_investors(self, market: str) -> m.OptionInvestors:
        """옵션 시장 투자자별: ``options/{market}/market/investors``."""
        return await self._call(ep.OPTION_INVESTORS, market)

    async def option_intraday(
        self,
        market: str,
        code: str,
        *,
        inddCycleTpCd: str,
        inqStrtDd: str | date | None = None,
        strtTm: str,
        endTm: str,
    ) -> m.DecimalIntraday:
        """옵션 일중: ``options/{market}/{code}/intraday``."""
        return await self._call(
            ep.OPTION_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    async def option_history(
        self,
        market: str,
        code: str,
        *,
        trnsmCycleTpCd: str,
        inqStrtDd: str | date,
        inqEndDd: str | date,
        reqCnt: int | None = None,
    ) -> m.DerivativeHistory:
        """옵션 히스토리: ``options/{market}/{code}/history``."""
        return await self._call(
            ep.OPTION_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )
