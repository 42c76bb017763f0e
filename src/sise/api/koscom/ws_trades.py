"""Every trade of a market as Koscom's ``/ws_ksp`` and ``/ws_kdq`` push them (koscom.md §11.3).

A push is a bare JSON array (no JSON-RPC wrapper) of at most :data:`MAX_ITEMS` items whose values
are all strings: ``[{"isuSrtCd":"000210","trdPrc":"81000","trdVol":"5","trdTm":"14340400"}, …]``.
The feed (a ``sise.api.stream.FeedEncoder``) cuts each engine batch's KRX trades of a market into
such frames once; every session of that market then sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from typing import Final

import numpy as np
import orjson

from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.fmt import hhmmssmm
from sise.api.koscom.lookups import CASH_KINDS
from sise.api.wire import Field, Fmt, Record
from sise.engine.batches import Batch
from sise.market.types import Market, Venue

__all__ = ["FEED", "MAX_ITEMS", "TRADE_ITEM", "MarketTrades"]

#: The hub's name of this feed; its keys are ``Market.KOSPI`` and ``Market.KOSDAQ``.
FEED: Final = "koscom.trades"
#: Items per push (koscom.md §11.3: "up to 50").
MAX_ITEMS: Final = 50

_TEXT: Final = Fmt("text", "string", "%s")
_INT_TEXT: Final = Fmt("int_text", "string of an integer", "%s")
_TIME_TEXT: Final = Fmt("time_text", "string `HHMMSSmm`, no leading zero", "%s")

#: One trade of a ``/ws_ksp`` / ``/ws_kdq`` push; note the capital ``V`` of ``trdVol``.
TRADE_ITEM: Final = Record(
    (
        Field("isuSrtCd", "단축코드", _TEXT, "the issue's 6-character code"),
        Field("trdPrc", "체결가", _INT_TEXT, "the trade's price", "원"),
        Field("trdVol", "체결량", _INT_TEXT, "the trade's quantity", "주"),
        Field("trdTm", "체결시각", _TIME_TEXT, "the trade's time, KST"),
    )
)


class MarketTrades:
    """The feed's encoder: a batch's KRX trades of each followed market, in frames of ≤50."""

    def __init__(self, context: Callable[[], KoscomContext]) -> None:
        self.context = context
        self._codes: list[str] | None = None
        self._market: np.ndarray | None = None

    def __call__(self, batch: Batch, keys: Collection[Hashable]) -> Mapping[Hashable, Sequence[bytes]]:
        trades = batch.trades
        if not len(trades):
            return {}
        ins = self.context().engine.instruments
        if self._codes is None or len(self._codes) != len(ins.code):  # listings are fixed for a day
            cash = np.isin(ins.kind, [int(k) for k in CASH_KINDS])
            self._codes = list(ins.code)
            self._market = np.where(cash, ins.market, -1)
        assert self._market is not None
        trades = trades[trades["venue"] == Venue.KRX]  # Koscom carries KRX data
        market = self._market[trades["inst"]]
        out: dict[Hashable, list[bytes]] = {}
        for key in keys:
            if not isinstance(key, Market):
                continue
            t = trades[market == key]
            if not len(t):
                continue
            rows = TRADE_ITEM.render(
                len(t),
                {
                    "isuSrtCd": [self._codes[i] for i in t["inst"].tolist()],
                    "trdPrc": t["price"],
                    "trdVol": t["qty"],
                    "trdTm": hhmmssmm(t["time"]),
                },
            )
            out[key] = [orjson.dumps(rows[i : i + MAX_ITEMS]) for i in range(0, len(rows), MAX_ITEMS)]
        return out
