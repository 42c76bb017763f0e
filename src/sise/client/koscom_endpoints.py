"""Every Koscom endpoint sise serves, declared once on the client side (koscom.md §4).

An endpoint is its v2 path under ``/v2/market`` (``{market}`` and ``{code}`` in it), the query
parameters it takes and the model its answer decodes to; ``KoscomClient`` / ``AsyncKoscomClient``
have one method per endpoint, named by ``method``. ``sise.client`` may not import the server, so a
test (``tests/test_client_koscom_models.py``) holds this list equal to the server's routes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from sise.client import koscom_models as m

__all__ = ["KOSCOM_ENDPOINTS", "KoscomEndpoint"]

M = TypeVar("M", bound=m.KoscomModel, covariant=True)

_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")
#: selectivemaster takes at most 10 field names per call (koscom.md §3).
MAX_FIELDS: Final = 10


@dataclass(frozen=True, slots=True)
class KoscomEndpoint(Generic[M]):
    """One endpoint: the client's method name, the path, the answer's model, the query names."""

    method: str
    path: str
    model: type[M]
    query: tuple[str, ...] = ()

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.path))

    def url_path(self, *values: str, flags: Sequence[str] = ()) -> str:
        """The path under ``/v2/market/`` with ``values`` in the placeholders, in order, and
        ``flags`` as value-less query keys (selectivemaster's ``?prevddClsprc&wk52HgstPrc``)."""
        names = self.placeholders
        if len(values) != len(names):
            raise TypeError(f"{self.path} takes {len(names)} path values, got {len(values)}")
        if len(flags) > MAX_FIELDS:
            raise ValueError(f"{self.method} takes at most {MAX_FIELDS} fields, got {len(flags)}")
        it = iter(values)
        path = _PLACEHOLDER.sub(lambda _: next(it), self.path).lstrip("/")
        return f"{path}?{'&'.join(flags)}" if flags else path


STOCK_LIST: Final = KoscomEndpoint("stock_list", "/stocks/{market}/lists", m.IssueList)
STOCK_MASTER: Final = KoscomEndpoint("stock_master", "/stocks/{market}/{code}/master", m.StockMaster)
STOCK_SELECTIVE_MASTER: Final = KoscomEndpoint(
    "stock_selective_master", "/stocks/{market}/{code}/selectivemaster", m.StockSelectiveMaster
)
STOCK_CLOSE_PRICE: Final = KoscomEndpoint(
    "stock_close_price", "/stocks/{market}/{code}/closeprice", m.StockClosePrice
)
STOCK_PRICE: Final = KoscomEndpoint("stock_price", "/stocks/{market}/{code}/price", m.StockPrice)
STOCK_ORDERBOOK: Final = KoscomEndpoint(
    "stock_orderbook", "/stocks/{market}/{code}/orderbook", m.StockOrderbook
)
STOCK_INVESTORS: Final = KoscomEndpoint(
    "stock_investors", "/stocks/{market}/{code}/investors", m.StockInvestors
)
ETF_CLOSE_NAV: Final = KoscomEndpoint("etf_close_nav", "/stocks/{market}/{code}/closenav", m.EtfNav)
STOCK_SHORT_SELLING: Final = KoscomEndpoint(
    "stock_short_selling", "/stocks/{market}/{code}/shortsell", m.StockShortSelling, ("inqStrtDd", "inqEndDd")
)
STOCK_INTRADAY: Final = KoscomEndpoint(
    "stock_intraday",
    "/stocks/{market}/{code}/intraday",
    m.StockIntraday,
    ("inddCycleTpCd", "inqStrtDd", "strtTm", "endTm"),
)
STOCK_TRADE_RANKING: Final = KoscomEndpoint(
    "stock_trade_ranking", "/stocks/{market}/{code}/traderanking", m.StockTradeRanking
)
STOCK_FOREIGN_HISTORY: Final = KoscomEndpoint(
    "stock_foreign_history",
    "/stocks/{market}/{code}/foreignhistory",
    m.StockForeignHistory,
    ("trnsmCycleTpCd", "inqStrtDd", "inqEndDd", "reqCnt"),
)
STOCK_HISTORY: Final = KoscomEndpoint(
    "stock_history",
    "/stocks/{market}/{code}/history",
    m.StockHistory,
    ("trnsmCycleTpCd", "inqStrtDd", "inqEndDd", "reqCnt"),
)
ETF_PDF: Final = KoscomEndpoint("etf_pdf", "/stocks/{market}/{code}/pdf", m.EtfPdf)
ETF_NAV: Final = KoscomEndpoint("etf_nav", "/stocks/{market}/{code}/nav", m.EtfNav)
ETF_NAV_HISTORY: Final = KoscomEndpoint(
    "etf_nav_history",
    "/stocks/{market}/{code}/navhistory",
    m.EtfNavHistory,
    ("trnsmCycleTpCd", "inqStrtDd", "inqEndDd", "reqCnt"),
)
HOLIDAYS: Final = KoscomEndpoint("holidays", "/stocks/{market}/holiday", m.Holidays)
MARKET_PRICES: Final = KoscomEndpoint("market_prices", "/multiquote/stocks/{market}/lists", m.MarketPriceList)
MARKET_OHLC: Final = KoscomEndpoint("market_ohlc", "/multiquote/stocks/{market}/ohlclists", m.MarketOhlcList)
MARKET_AFTER_HOURS_OHLC: Final = KoscomEndpoint(
    "market_after_hours_ohlc", "/multiquote/stocks/{market}/ahtohlclists", m.MarketOhlcList
)
MARKET_QUOTES: Final = KoscomEndpoint(
    "market_quotes", "/multiquote/stocks/{market}/quotelists", m.MarketQuoteList
)
MULTI_PRICE: Final = KoscomEndpoint(
    "multi_price", "/multiquote/stocks/{market}/price", m.MultiPrice, ("isuCd",)
)
MULTI_ORDERBOOK: Final = KoscomEndpoint(
    "multi_orderbook", "/multiquote/stocks/{market}/orderbook", m.MultiOrderbook, ("isuCd",)
)
INDEX_CLOSE: Final = KoscomEndpoint("index_close", "/index/{market}/{code}/closeindex", m.IndexClose)
INDEX_LEVEL: Final = KoscomEndpoint("index_level", "/index/{market}/{code}/index", m.IndexLevel)
INDEX_EXPECTED: Final = KoscomEndpoint(
    "index_expected", "/index/{market}/{code}/prospectindex", m.IndexExpected
)
INDEX_MARKET_CAP: Final = KoscomEndpoint(
    "index_market_cap", "/index/{market}/{code}/marketcap", m.IndexMarketCap
)
INDEX_INVESTORS: Final = KoscomEndpoint(
    "index_investors", "/index/{market}/{code}/investors", m.MarketInvestors
)
INDEX_INTRADAY: Final = KoscomEndpoint(
    "index_intraday",
    "/index/{market}/{code}/intraday",
    m.DecimalIntraday,
    ("inddCycleTpCd", "inqStrtDd", "strtTm", "endTm"),
)
INDEX_HISTORY: Final = KoscomEndpoint(
    "index_history",
    "/index/{market}/{code}/history",
    m.IndexHistory,
    ("trnsmCycleTpCd", "inqStrtDd", "inqEndDd", "reqCnt"),
)
MARKET_INVESTORS: Final = KoscomEndpoint("market_investors", "/stocks/{market}/investors", m.MarketInvestors)
MARKET_INDEX: Final = KoscomEndpoint("market_index", "/stocks/{market}/index", m.IndexClose)
FUTURES_LIST: Final = KoscomEndpoint("futures_list", "/futures/{market}/lists", m.IssueList)
FUTURES_MASTER: Final = KoscomEndpoint("futures_master", "/futures/{market}/{code}/master", m.FuturesMaster)
FUTURES_CLOSE_PRICE: Final = KoscomEndpoint(
    "futures_close_price", "/futures/{market}/{code}/closeprice", m.DerivativeClosePrice
)
FUTURES_PRICE: Final = KoscomEndpoint("futures_price", "/futures/{market}/{code}/price", m.FuturesPrice)
FUTURES_ORDERBOOK: Final = KoscomEndpoint(
    "futures_orderbook", "/futures/{market}/{code}/orderbook", m.DerivativeOrderbook
)
FUTURES_INVESTORS: Final = KoscomEndpoint(
    "futures_investors", "/futures/{market}/market/investors", m.FuturesInvestors
)
FUTURES_INTRADAY: Final = KoscomEndpoint(
    "futures_intraday",
    "/futures/{market}/{code}/intraday",
    m.DecimalIntraday,
    ("inddCycleTpCd", "inqStrtDd", "strtTm", "endTm"),
)
FUTURES_HISTORY: Final = KoscomEndpoint(
    "futures_history",
    "/futures/{market}/{code}/history",
    m.DerivativeHistory,
    ("trnsmCycleTpCd", "inqStrtDd", "inqEndDd", "reqCnt"),
)
OPTION_LIST: Final = KoscomEndpoint("option_list", "/options/{market}/lists", m.IssueList)
OPTION_MASTER: Final = KoscomEndpoint("option_master", "/options/{market}/{code}/master", m.OptionMaster)
OPTION_CLOSE_PRICE: Final = KoscomEndpoint(
    "option_close_price", "/options/{market}/{code}/closeprice", m.DerivativeClosePrice
)
OPTION_PRICE: Final = KoscomEndpoint("option_price", "/options/{market}/{code}/price", m.OptionPrice)
OPTION_ORDERBOOK: Final = KoscomEndpoint(
    "option_orderbook", "/options/{market}/{code}/orderbook", m.DerivativeOrderbook
)
OPTION_INVESTORS: Final = KoscomEndpoint(
    "option_investors", "/options/{market}/market/investors", m.OptionInvestors
)
OPTION_INTRADAY: Final = KoscomEndpoint(
    "option_intraday",
    "/options/{market}/{code}/intraday",
    m.DecimalIntraday,
    ("inddCycleTpCd", "inqStrtDd", "strtTm", "endTm"),
)
OPTION_HISTORY: Final = KoscomEndpoint(
    "option_history",
    "/options/{market}/{code}/history",
    m.DerivativeHistory,
    ("trnsmCycleTpCd", "inqStrtDd", "inqEndDd", "reqCnt"),
)

KOSCOM_ENDPOINTS: Final[tuple[KoscomEndpoint[m.KoscomModel], ...]] = (
    STOCK_LIST,
    STOCK_MASTER,
    STOCK_SELECTIVE_MASTER,
    STOCK_CLOSE_PRICE,
    STOCK_PRICE,
    STOCK_ORDERBOOK,
    STOCK_INVESTORS,
    ETF_CLOSE_NAV,
    STOCK_SHORT_SELLING,
    STOCK_INTRADAY,
    STOCK_TRADE_RANKING,
    STOCK_FOREIGN_HISTORY,
    STOCK_HISTORY,
    ETF_PDF,
    ETF_NAV,
    ETF_NAV_HISTORY,
    HOLIDAYS,
    MARKET_PRICES,
    MARKET_OHLC,
    MARKET_AFTER_HOURS_OHLC,
    MARKET_QUOTES,
    MULTI_PRICE,
    MULTI_ORDERBOOK,
    INDEX_CLOSE,
    INDEX_LEVEL,
    INDEX_EXPECTED,
    INDEX_MARKET_CAP,
    INDEX_INVESTORS,
    INDEX_INTRADAY,
    INDEX_HISTORY,
    MARKET_INVESTORS,
    MARKET_INDEX,
    FUTURES_LIST,
    FUTURES_MASTER,
    FUTURES_CLOSE_PRICE,
    FUTURES_PRICE,
    FUTURES_ORDERBOOK,
    FUTURES_INVESTORS,
    FUTURES_INTRADAY,
    FUTURES_HISTORY,
    OPTION_LIST,
    OPTION_MASTER,
    OPTION_CLOSE_PRICE,
    OPTION_PRICE,
    OPTION_ORDERBOOK,
    OPTION_INVESTORS,
    OPTION_INTRADAY,
    OPTION_HISTORY,
)
