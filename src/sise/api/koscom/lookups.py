"""Lookups the Koscom views share: issues from path codes, the trading day, close-type windows.

Koscom's data is KRX data: stock figures are the engine's KRX venue state. A code is checked in
two steps, as Koscom's error table separates them: a malformed code is 20030 종목코드를 잘못
입력하였습니다, a well-formed code sise does not list (or lists on another market) is 10040
종목코드가 존재 하지 않습니다 (inferred mapping).
"""

from __future__ import annotations

from datetime import date, time
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.api import readers
from sise.api.koscom.endpoint import KoscomContext, Path, check_code
from sise.api.koscom.errors import CLOSE_NOT_AVAILABLE, ISSUE_NOT_FOUND
from sise.market.calendar import is_trading_day, previous_trading_day
from sise.market.codes import KOSCOM_STOCK_MARKET, market_from_koscom
from sise.market.timeutil import kst_ns
from sise.market.types import InstrumentKind, Market

__all__ = [
    "CASH_KINDS",
    "STOCK_MARKETS",
    "close_day",
    "session_date",
    "stock",
    "stocks_of",
]

#: ``{marketcode}`` of the stock endpoints (``konex`` since spec v3.0).
STOCK_MARKETS: Final = tuple(KOSCOM_STOCK_MARKET.values())
#: What the stock endpoints list: the cash market (ELWs would be 9-character codes).
CASH_KINDS: Final = (InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW)
#: The regular session's opening time (KST): close-type data is the previous day's before it.
MARKET_OPEN: Final = time(9, 0)


def session_date(ctx: KoscomContext) -> date:
    """The trading day the engine's state is about (``readers.session_date``)."""
    return readers.session_date(ctx.engine, ctx.now_ns())


def market_of(path: Path) -> Market:
    """The stock market of the path's ``{marketcode}`` (routing already refused others)."""
    market = market_from_koscom(path.market)
    if market is None:  # pragma: no cover - the endpoint's markets exclude it
        raise ISSUE_NOT_FOUND()
    return market


def stock(ctx: KoscomContext, path: Path, code: str | None = None) -> int:
    """The instrument number of a cash issue listed on the path's market."""
    text = check_code(path.code if code is None else code)
    ins = ctx.engine.instruments
    i = ins.number(text)
    if (
        i is None
        or not ins.active[i]
        or int(ins.kind[i]) not in CASH_KINDS
        or int(ins.market[i]) != market_of(path)
    ):
        raise ISSUE_NOT_FOUND()
    return i


def stocks_of(ctx: KoscomContext, path: Path) -> npt.NDArray[np.intp]:
    """Every active cash issue of the path's market, in code order."""
    ins = ctx.engine.instruments
    ok = ins.active & (ins.market == int(market_of(path))) & np.isin(ins.kind, [int(k) for k in CASH_KINDS])
    rows = np.flatnonzero(ok)
    return rows[np.argsort(np.array(ins.code, dtype=object)[rows], kind="stable")]


def close_day(ctx: KoscomContext, after: time) -> date:
    """The day whose close-type data is served now (koscom.md §1.8, window inferred): today's
    once market time is past ``after``; the previous trading day's before the open (or on a
    day without trading); in between, 400 당일 종가 제공 시간이 아닙니다."""
    today = session_date(ctx)
    now = ctx.now_ns()
    if not is_trading_day(today) or now < kst_ns(today, MARKET_OPEN):
        return previous_trading_day(today)
    if now >= kst_ns(today, after):
        return today
    raise CLOSE_NOT_AVAILABLE()
