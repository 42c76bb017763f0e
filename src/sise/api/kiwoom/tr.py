"""The contract between the Kiwoom dispatcher and the TR views.

A TR is declared once (``Tr``): api-id, path, request body, response records and its view. A
view is a pure function ``(KiwoomContext, Request) -> TrResult``: it reads engine state and
history and renders the declared records. It raises ``KiwoomError`` for a request the body
declaration cannot refuse by itself (an unknown sector, a future date). The dispatcher
(``sise.api.kiwoom.app``) owns everything around it: auth, api-id routing, rate limits,
continuation (``cont-yn`` / ``next-key``) and the envelope; the app serves an explicit list of
``Tr``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload

from sise.api.kiwoom.errors import bad_field, missing_field
from sise.api.wire import Body, Record, Request
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


class Answer(NamedTuple):
    """What a view computes: the rendered summary fields and list rows (empty when the TR has
    none); the ``Tr`` declaration adds the list key, paging and envelope order."""

    fields: dict[str, Any]
    rows: Sequence[dict[str, Any]] = ()


TrView = Callable[[KiwoomContext, Request], Answer]


@dataclass(frozen=True)
class Tr:
    """A TR, declared once: where it is served, its request body, its response records and the
    view that computes them. The dispatcher, the docs and the tests all read this declaration.

    ``summary`` are the flat fields, ``row`` the fields of each ``list_key`` row; ``page_size``
    rows per page (0: everything in one response); ``list_first`` puts the list before the
    fields in the envelope (the camelCase ka10099–ka10102 family)."""

    api_id: str
    name: str  # Kiwoom's Korean name
    category: str  # path under /api/dostk/
    request: Body
    view: TrView
    summary: Record | None = None
    list_key: str | None = None
    row: Record | None = None
    page_size: int = 0
    list_first: bool = False

    def __post_init__(self) -> None:
        if (self.list_key is None) != (self.row is None):
            raise ValueError(f"{self.api_id}: list_key and row go together")

    def __call__(self, ctx: KiwoomContext, body: Mapping[str, Any]) -> TrResult:
        """Validate ``body`` against the request declaration and run the view."""
        answer = self.view(ctx, self.request.read(body, missing_field, bad_field))
        rows = answer.rows if self.list_key is not None else []
        return TrResult(answer.fields, self.list_key, rows, self.page_size, self.list_first)
