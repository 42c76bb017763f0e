"""The contract between the Koscom app and its endpoint views.

An endpoint is declared once (``Endpoint``): its v2 path under ``/v2/market``, its other spellings
(the seed's ``traderaking``, the swagger's index ``closeprice``) and v3 paths, its query
parameters, its response records, its envelope and, for close-type data, when that data is
served. A view is a pure function ``(KoscomContext, Path, Request) -> Result`` of engine state and
history; the app (``sise.api.koscom.app``) owns auth, the daily quota, routing, the envelope and
errors. The docs' field tables are generated from the same declarations.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Final, NamedTuple

from sise.api.koscom.errors import BAD_ISSUE_CODE, KoscomError
from sise.api.koscom.params import error_for
from sise.api.wire import Body, Record, Request
from sise.engine.engine import Engine
from sise.market.universe import Universe
from sise.store.base import HistoryStore

__all__ = ["Endpoint", "Envelope", "KoscomContext", "Path", "Result", "View", "check_code"]


class Envelope(enum.Enum):
    """The three top-level shapes of koscom.md §1.4 (A and A' differ only in their fields)."""

    LIST = "A"  # {"trdDd", "mktEndTm", "isuLists"}: lists of issues
    SNAPSHOT = "A'"  # {"trdDd", "trdTm", "isuLists"}: the multiquote market snapshots
    RPC = "B"  # {"jsonrpc": "2.0", "result": {...}}
    EXTRA = "C"  # the extra services' own shapes (pdf, holiday)


@dataclass(frozen=True, slots=True)
class KoscomContext:
    """What a view may read."""

    engine: Engine
    universe: Universe
    store: HistoryStore | None
    now_ns: Callable[[], int]  # market time (the clock), ns since the epoch


class Path(NamedTuple):
    """What the URL says besides the declared query: market code, issue (or nation) code, and
    the names of every query parameter in order (selectivemaster's bare field names)."""

    market: str
    code: str
    flags: tuple[str, ...] = ()


class Result(NamedTuple):
    """What a view computes: the top-level (or ``result``) fields and the list rows."""

    fields: dict[str, Any]
    rows: Sequence[dict[str, Any]] = ()


View = Callable[[KoscomContext, Path, Request], Result]


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of koscom.md §4, declared once.

    ``path`` is the v2 path after ``/v2/market`` with ``{market}`` and ``{code}`` placeholders;
    ``aliases`` are other v2 spellings routed to the same view, ``v3`` the v3 paths (after
    ``/v3/market``). ``fields`` is the record of the top-level (or ``result``) fields and ``row``
    that of each ``list_key`` item. ``close_after`` makes it a close-type endpoint: today's data
    from that KST time, the previous day's before the open, 400 in between (koscom.md §1.8)."""

    path: str
    name: str
    view: View
    fields: Record
    envelope: Envelope = Envelope.RPC
    query: Body = field(default_factory=lambda: Body(()))
    list_key: str | None = None
    row: Record | None = None
    aliases: tuple[str, ...] = ()
    v3: tuple[str, ...] = ()
    close_after: time | None = None
    markets: tuple[str, ...] = ()  # the {market} values routed; empty: any

    def __post_init__(self) -> None:
        if (self.list_key is None) != (self.row is None):
            raise ValueError(f"{self.path}: list_key and row go together")

    def read(self, query: Mapping[str, Any]) -> Request:
        """The query parameters, validated in declaration order (``params.ERRORS`` says which
        시세 error a bad one gets)."""
        return self.query.read(query, _missing, _bad)

    def body(self, result: Result) -> dict[str, Any]:
        """The JSON document of a view's result, in this endpoint's envelope."""
        out = dict(result.fields)
        if self.list_key is not None:
            out[self.list_key] = list(result.rows)
        return {"jsonrpc": "2.0", "result": out} if self.envelope is Envelope.RPC else out


# ---------------------------------------------------------------------------------------------------
# Query parameters and their errors
# ---------------------------------------------------------------------------------------------------


def _missing(name: str) -> KoscomError:
    return error_for(name)()


def _bad(name: str, reason: str) -> KoscomError:
    return error_for(name)()


_CODE_RE: Final = re.compile(r"[0-9A-Z]{1,9}")


def check_code(text: str) -> str:
    """An issue code as Koscom takes it in a path: up to 9 digits or capitals (``005930``,
    ``101S6000``, ``K2FA001``); 20030 for anything else."""
    if not _CODE_RE.fullmatch(text):
        raise BAD_ISSUE_CODE()
    return text
