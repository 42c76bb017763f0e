"""``KoscomClient``: the Koscom 시세 REST API (``GET /v2/market/…``), synchronously (httpx).

A typed method per endpoint (``stock_price``, ``index_history``, …; declared in
``sise.client.koscom_endpoints``) decodes the answer into its model (``sise.client.koscom_models``).
The family methods (``stocks``, ``multiquote``, ``index``, ``futures``, ``options``) and ``get``
return the answer unwrapped as plain JSON (``sise.client.koscom_core``): JSON-RPC's ``result``, or
the plain-list and extra-service bodies as they are. Failures are ``KoscomError``s; ``quota`` is
the key's daily quota as the last answer reported it. ``AsyncKoscomClient``
(``sise.client.koscom_async``) is the same client for asyncio.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import TracebackType
from typing import Any, TypeVar

import httpx

from sise.client import koscom_endpoints as ep
from sise.client import koscom_models as m
from sise.client.koscom_async import AsyncKoscomClient
from sise.client.koscom_core import (
    KoscomConnectionError,
    KoscomCore,
    Query,
    Quota,
    codes_param,
    family_path,
    query_of,
)

__all__ = ["AsyncKoscomClient", "KoscomClient"]

M = TypeVar("M", bound=m.KoscomModel)


class KoscomClient:
    """A Koscom market-data client.

    ``base_url``: ``KOSCOM_URL``, ``KOSCOM_SANDBOX_URL``, ``SISE_KOSCOM_URL`` or any host; by
    default ``SISE_BASE_URL``, else ``SISE_KOSCOM_URL``. ``apikey`` defaults to
    ``SISE_KOSCOM_APIKEY``; it is sent in the ``apikey`` header. ``http``: an ``httpx.Client`` of
    your own; it is not closed here."""

    def __init__(
        self,
        base_url: str | None = None,
        apikey: str | None = None,
        *,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.core = KoscomCore(base_url, apikey)
        self._own_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    @property
    def quota(self) -> Quota | None:
        return self.core.quota

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> KoscomClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def get(self, path: str, **query: Query) -> Any:
        """Any endpoint: ``path`` under ``/v2/market/`` (or a whole path), its query parameters."""
        try:
            r = self._http.get(self.core.url(path), params=query_of(query) or None, headers=self.core.headers)
        except httpx.HTTPError as e:
            raise KoscomConnectionError(0, None, f"{type(e).__name__}: {e}", path=path) from e
        return self.core.read(path, r.status_code, r.headers, r.content)

    def stocks(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        """``stocks/{marketcode}[/{issuecode}]/{kind}``: ``stocks("kospi", "price", "005930")``,
        ``stocks("kospi", "lists")``, ``stocks("kospi", "history", "005930", trnsmCycleTpCd="D")``."""
        return self.get(family_path("stocks", marketcode, kind, issuecode), **query)

    def multiquote(
        self, marketcode: str, kind: str, isu_cd: Sequence[str] | str | None = None, **query: Query
    ) -> Any:
        """``multiquote/stocks/{marketcode}/{kind}``; ``isu_cd`` (at most 20 codes) for ``price``
        and ``orderbook``."""
        return self.get(f"multiquote/stocks/{marketcode}/{kind}", isuCd=codes_param(isu_cd), **query)

    def index(self, marketcode: str, issuecode: str, kind: str, **query: Query) -> Any:
        """``index/{marketcode}/{issuecode}/{kind}``: ``index("kospi", "K1", "index")``."""
        return self.get(family_path("index", marketcode, kind, issuecode), **query)

    def futures(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        """``futures/{marketcode}[/{issuecode}]/{kind}``."""
        return self.get(family_path("futures", marketcode, kind, issuecode), **query)

    def options(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        """``options/{marketcode}[/{issuecode}]/{kind}``."""
        return self.get(family_path("options", marketcode, kind, issuecode), **query)

    # -- one typed method per endpoint ---------------------------------------------------------------

    def _call(
        self, endpoint: ep.KoscomEndpoint[M], *path: str, flags: Sequence[str] = (), **query: Query
    ) -> M:
        return m.decode(endpoint.model, self.get(endpoint.url_path(*path, flags=flags), **query))

    def stock_list(self, market: str) -> m.IssueList:
        """종목 리스트: ``stocks/{market}/lists``."""
        return self._call(ep.STOCK_LIST, market)

    def stock_master(self, market: str, code: str) -> m.StockMaster:
        """종목 마스터: ``stocks/{market}/{code}/master``."""
        return self._call(ep.STOCK_MASTER, market, code)

    def stock_selective_master(self, market: str, code: str, fields: Sequence[str]) -> m.StockSelectiveMaster:
        """마스터 (요구형): ``stocks/{market}/{code}/selectivemaster``."""
        return self._call(ep.STOCK_SELECTIVE_MASTER, market, code, flags=fields)

    def stock_close_price(self, market: str, code: str) -> m.StockClosePrice:
        """종가: ``stocks/{market}/{code}/closeprice``."""
        return self._call(ep.STOCK_CLOSE_PRICE, market, code)

    def stock_price(self, market: str, code: str) -> m.StockPrice:
        """체결: ``stocks/{market}/{code}/price``."""
        return self._call(ep.STOCK_PRICE, market, code)

    def stock_orderbook(self, market: str, code: str) -> m.StockOrderbook:
        """호가잔량: ``stocks/{market}/{code}/orderbook``."""
        return self._call(ep.STOCK_ORDERBOOK, market, code)

    def stock_investors(self, market: str, code: str) -> m.StockInvestors:
        """종목별 투자자별 종가: ``stocks/{market}/{code}/investors``."""
        return self._call(ep.STOCK_INVESTORS, market, code)

    def etf_close_nav(self, market: str, code: str) -> m.EtfNav:
        """ETF 장마감후 NAV: ``stocks/{market}/{code}/closenav``."""
        return self._call(ep.ETF_CLOSE_NAV, market, code)

    def stock_short_selling(
        self, market: str, code: str, *, inqStrtDd: str | date | None = None, inqEndDd: str | date
    ) -> m.StockShortSelling:
        """공매도/대차 일별: ``stocks/{market}/{code}/shortsell``."""
        return self._call(ep.STOCK_SHORT_SELLING, market, code, inqStrtDd=inqStrtDd, inqEndDd=inqEndDd)

    def stock_intraday(
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
        return self._call(
            ep.STOCK_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    def stock_trade_ranking(self, market: str, code: str) -> m.StockTradeRanking:
        """거래상위 회원사: ``stocks/{market}/{code}/traderanking``."""
        return self._call(ep.STOCK_TRADE_RANKING, market, code)

    def stock_foreign_history(
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
        return self._call(
            ep.STOCK_FOREIGN_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    def stock_history(
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
        return self._call(
            ep.STOCK_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    def etf_pdf(self, market: str, code: str) -> m.EtfPdf:
        """ETF 구성종목: ``stocks/{market}/{code}/pdf``."""
        return self._call(ep.ETF_PDF, market, code)

    def etf_nav(self, market: str, code: str) -> m.EtfNav:
        """ETF NAV 현재: ``stocks/{market}/{code}/nav``."""
        return self._call(ep.ETF_NAV, market, code)

    def etf_nav_history(
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
        return self._call(
            ep.ETF_NAV_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    def holidays(self, nation: str = "KR") -> m.Holidays:
        """국가별 휴장일: ``stocks/{market}/holiday``."""
        return self._call(ep.HOLIDAYS, nation)

    def market_prices(self, market: str) -> m.MarketPriceList:
        """시장별 현재가 리스트: ``multiquote/stocks/{market}/lists``."""
        return self._call(ep.MARKET_PRICES, market)

    def market_ohlc(self, market: str) -> m.MarketOhlcList:
        """시장별 시고저종 리스트: ``multiquote/stocks/{market}/ohlclists``."""
        return self._call(ep.MARKET_OHLC, market)

    def market_after_hours_ohlc(self, market: str) -> m.MarketOhlcList:
        """시간외단일가 시고저종 리스트: ``multiquote/stocks/{market}/ahtohlclists``."""
        return self._call(ep.MARKET_AFTER_HOURS_OHLC, market)

    def market_quotes(self, market: str) -> m.MarketQuoteList:
        """호가/잔량 리스트: ``multiquote/stocks/{market}/quotelists``."""
        return self._call(ep.MARKET_QUOTES, market)

    def multi_price(self, market: str, isuCd: Sequence[str] | str) -> m.MultiPrice:
        """복수종목 현재가: ``multiquote/stocks/{market}/price``."""
        return self._call(ep.MULTI_PRICE, market, isuCd=codes_param(isuCd))

    def multi_orderbook(self, market: str, isuCd: Sequence[str] | str) -> m.MultiOrderbook:
        """복수종목 호가잔량: ``multiquote/stocks/{market}/orderbook``."""
        return self._call(ep.MULTI_ORDERBOOK, market, isuCd=codes_param(isuCd))

    def index_close(self, market: str, code: str) -> m.IndexClose:
        """업종 종가: ``index/{market}/{code}/closeindex``."""
        return self._call(ep.INDEX_CLOSE, market, code)

    def index_level(self, market: str, code: str) -> m.IndexLevel:
        """업종 지수: ``index/{market}/{code}/index``."""
        return self._call(ep.INDEX_LEVEL, market, code)

    def index_expected(self, market: str, code: str) -> m.IndexExpected:
        """업종 예상지수: ``index/{market}/{code}/prospectindex``."""
        return self._call(ep.INDEX_EXPECTED, market, code)

    def index_market_cap(self, market: str, code: str) -> m.IndexMarketCap:
        """업종 시가총액: ``index/{market}/{code}/marketcap``."""
        return self._call(ep.INDEX_MARKET_CAP, market, code)

    def index_investors(self, market: str, code: str) -> m.MarketInvestors:
        """업종 투자자별: ``index/{market}/{code}/investors``."""
        return self._call(ep.INDEX_INVESTORS, market, code)

    def index_intraday(
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
        return self._call(
            ep.INDEX_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    def index_history(
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
        return self._call(
            ep.INDEX_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    def market_investors(self, market: str) -> m.MarketInvestors:
        """KOSPI/KOSDAQ 지수 투자자 마감: ``stocks/{market}/investors``."""
        return self._call(ep.MARKET_INVESTORS, market)

    def market_index(self, market: str) -> m.IndexClose:
        """KOSPI/KOSDAQ 지수: ``stocks/{market}/index``."""
        return self._call(ep.MARKET_INDEX, market)

    def futures_list(self, market: str) -> m.IssueList:
        """선물 종목 리스트: ``futures/{market}/lists``."""
        return self._call(ep.FUTURES_LIST, market)

    def futures_master(self, market: str, code: str) -> m.FuturesMaster:
        """선물 마스터: ``futures/{market}/{code}/master``."""
        return self._call(ep.FUTURES_MASTER, market, code)

    def futures_close_price(self, market: str, code: str) -> m.DerivativeClosePrice:
        """선물 종가: ``futures/{market}/{code}/closeprice``."""
        return self._call(ep.FUTURES_CLOSE_PRICE, market, code)

    def futures_price(self, market: str, code: str) -> m.FuturesPrice:
        """선물 체결: ``futures/{market}/{code}/price``."""
        return self._call(ep.FUTURES_PRICE, market, code)

    def futures_orderbook(self, market: str, code: str) -> m.DerivativeOrderbook:
        """선물 우선호가: ``futures/{market}/{code}/orderbook``."""
        return self._call(ep.FUTURES_ORDERBOOK, market, code)

    def futures_investors(self, market: str) -> m.FuturesInvestors:
        """선물 시장 투자자별: ``futures/{market}/market/investors``."""
        return self._call(ep.FUTURES_INVESTORS, market)

    def futures_intraday(
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
        return self._call(
            ep.FUTURES_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    def futures_history(
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
        return self._call(
            ep.FUTURES_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )

    def option_list(self, market: str) -> m.IssueList:
        """옵션 종목 리스트: ``options/{market}/lists``."""
        return self._call(ep.OPTION_LIST, market)

    def option_master(self, market: str, code: str) -> m.OptionMaster:
        """옵션 마스터: ``options/{market}/{code}/master``."""
        return self._call(ep.OPTION_MASTER, market, code)

    def option_close_price(self, market: str, code: str) -> m.DerivativeClosePrice:
        """옵션 종가: ``options/{market}/{code}/closeprice``."""
        return self._call(ep.OPTION_CLOSE_PRICE, market, code)

    def option_price(self, market: str, code: str) -> m.OptionPrice:
        """옵션 체결: ``options/{market}/{code}/price``."""
        return self._call(ep.OPTION_PRICE, market, code)

    def option_orderbook(self, market: str, code: str) -> m.DerivativeOrderbook:
        """옵션 우선호가: ``options/{market}/{code}/orderbook``."""
        return self._call(ep.OPTION_ORDERBOOK, market, code)

    def option_investors(self, market: str) -> m.OptionInvestors:
        """옵션 시장 투자자별: ``options/{market}/market/investors``."""
        return self._call(ep.OPTION_INVESTORS, market)

    def option_intraday(
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
        return self._call(
            ep.OPTION_INTRADAY,
            market,
            code,
            inddCycleTpCd=inddCycleTpCd,
            inqStrtDd=inqStrtDd,
            strtTm=strtTm,
            endTm=endTm,
        )

    def option_history(
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
        return self._call(
            ep.OPTION_HISTORY,
            market,
            code,
            trnsmCycleTpCd=trnsmCycleTpCd,
            inqStrtDd=inqStrtDd,
            inqEndDd=inqEndDd,
            reqCnt=reqCnt,
        )
