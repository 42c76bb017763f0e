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

from sise.api.wire import Body, Record, Request
from sise.engine.engine import Engine
from sise.market.universe import Universe
from sise.store.base import HistoryStore

#: ``return_code`` categories and the text Kiwoom puts before the bracketed detail.
CATEGORY_TEXT: dict[int, str] = {
    0: "정상적으로 처리되었습니다",
    1: "잘못된 요청입니다",
    2: "입력 값 오류입니다",
    3: "인증에 실패했습니다",
    5: "허용된 요청 개수를 초과하였습니다",
    7: "서비스를 처리하는 중에 오류가 발생했습니다",
}
OK_MSG = CATEGORY_TEXT[0]


class KiwoomError(Exception):
    """A Kiwoom error: ``{"return_code": code, "return_msg": "<category>[<detail>:<text>]"}``."""

    def __init__(self, return_code: int, detail: int, text: str, http_status: int = 200) -> None:
        self.return_code = return_code
        self.detail = detail
        self.text = text
        self.http_status = http_status
        self.message = f"{CATEGORY_TEXT[return_code]}[{detail}:{text}]"
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"return_code": self.return_code, "return_msg": self.message}


def missing_field(name: str) -> KiwoomError:
    """1511: a required body field is absent or empty."""
    return KiwoomError(2, 1511, f"필수 입력 값에 값이 존재하지 않습니다. 필수입력 파라미터={name}")


def bad_field(name: str, reason: str) -> KiwoomError:
    """1517: a body field has the wrong format or an unknown value."""
    # The official table's text, spacing included.
    return KiwoomError(2, 1517, f"입력 값 형식이 올바르지 않습니다. 파라미터={name} 실패사유= {reason}")


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
