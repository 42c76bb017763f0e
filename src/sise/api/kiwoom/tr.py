"""The contract between the Kiwoom dispatcher and the TR views.

A TR view is a pure function ``(KiwoomContext, body) -> TrResult``: it reads engine state and
history, validates the request body, and returns the response's fields in wire order, already
formatted as the strings Kiwoom sends. It raises ``KiwoomError`` for a bad request. The
dispatcher (``sise.api.kiwoom.app``) owns everything around it: auth, api-id routing, rate
limits, continuation (``cont-yn`` / ``next-key``) and the envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from sise.engine.engine import Engine
from sise.market.universe import Universe
from sise.store.base import HistoryStore


@dataclass(frozen=True, slots=True)
class KiwoomContext:
    """What a view may read. ``mock`` is the 모의투자 personality (KRX only)."""

    engine: Engine
    universe: Universe
    store: HistoryStore | None
    now_ns: Callable[[], int]  # market time (the clock), ns since the epoch
    mock: bool = False


class LazyRows(Sequence[dict[str, Any]]):
    """Rows formatted on demand: ``build(start, stop)`` returns rows ``[start, stop)``.

    A long list (a day of 10-second index rows) is then only formatted a page at a time, and a
    continuation snapshot holds the inputs rather than thousands of dicts. ``build`` must capture
    immutable inputs (the engine's published series only ever grow), so the rows never change."""

    __slots__ = ("_build", "_n")

    def __init__(self, n: int, build: Callable[[int, int], list[dict[str, Any]]]) -> None:
        self._n = n
        self._build = build

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._n)
            rows = self._build(start, stop) if start < stop else []
            return rows if step == 1 else rows[::step]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return self._build(i % self._n, i % self._n + 1)[0]


@dataclass(slots=True)
class TrResult:
    """A TR response before the envelope: summary fields (wire order) and at most one list."""

    fields: dict[str, Any] = field(default_factory=dict)
    list_key: str | None = None
    rows: Sequence[dict[str, Any]] = field(default_factory=list)  # a list, or LazyRows
    page_size: int = 0  # rows per page; 0 = everything in one response
    list_first: bool = False  # emit the list before the summary fields (as some TRs do)


TrHandler = Callable[[KiwoomContext, dict[str, Any]], TrResult]

#: api-id → (path category under /api/dostk/, handler). Views register with ``@tr(...)``.
REGISTRY: dict[str, tuple[str, TrHandler]] = {}


def tr(api_id: str, category: str) -> Callable[[TrHandler], TrHandler]:
    """Register a TR view for ``POST /api/dostk/<category>`` with header ``api-id: <api_id>``."""

    def register(fn: TrHandler) -> TrHandler:
        REGISTRY[api_id] = (category, fn)
        return fn

    return register
