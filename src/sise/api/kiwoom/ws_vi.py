"""1h VI발동/해제 market-wide: ``REG`` of type ``1h`` with item ``""`` (kiwoom.md §5.4: market-wide
types take an empty item) follows every stock's VI starts and releases.

An event feed of the stream hub (``sise.api.stream``): after each batch :class:`ViFeed` finds the
batch's VI status rows, renders each stock's 1h entry once (the same encoder as a 1h registration
of that stock, ``ws_real``), and hands the list to every market-wide follower; a 모의투자 follower
gets the KRX ones only. The item of an entry is the stock's code (``_NX`` for an NXT VI).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from typing import Final, NamedTuple

import numpy as np

from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.ws_real import resolve
from sise.api.stream import Encoder
from sise.engine.batches import Batch, StatusKind
from sise.market.types import Venue

__all__ = ["FEED", "ITEM", "MarketKey", "ViFeed"]

#: The hub's name of this feed.
FEED: Final = "kiwoom.1h"
#: The item of a market-wide registration.
ITEM: Final = ""
_VI: Final = (int(StatusKind.VI_START), int(StatusKind.VI_END))


class MarketKey(NamedTuple):
    """A market-wide 1h follower's key: which personality it is on (모의투자 is KRX only)."""

    mock: bool


class ViFeed:
    """The 1h feed's encoder (a ``sise.api.stream.FeedEncoder``)."""

    def __init__(self, context: Callable[[], KiwoomContext]) -> None:
        self.context = context
        self._encoders: dict[tuple[int, int], Encoder] = {}  # (instrument, venue) → its 1h encoder

    def __call__(self, batch: Batch, keys: Collection[Hashable]) -> Mapping[Hashable, Sequence[bytes]]:
        st = batch.statuses
        rows = st[np.isin(st["kind"], _VI)]
        if not len(rows):
            return {}
        krx: list[bytes] = []
        every: list[bytes] = []
        for inst, venue in dict.fromkeys(zip(rows["inst"].tolist(), rows["venue"].tolist(), strict=True)):
            entry = self._encoder(inst, venue)()
            if entry is not None:
                every.append(entry)
                if venue == Venue.KRX:
                    krx.append(entry)
        return {k: krx if k.mock else every for k in keys if isinstance(k, MarketKey)}

    def _encoder(self, inst: int, venue: int) -> Encoder:
        encode = self._encoders.get((inst, venue))
        if encode is None:
            ctx = self.context()
            code = ctx.engine.instruments.code[inst]
            item = code if venue == Venue.KRX else f"{code}_NX"
            encode = self._encoders[inst, venue] = resolve(ctx, self.context, "1h", item)
        return encode
