"""Every Koscom market-data error, declared once, and the exact bytes each kind is sent as.

Koscom answers errors in three shapes (koscom.md §1.4, §1.5):

- the gateway's ``{"message": …}`` (401 no or bad API key, 404 unknown route, 429 quota) — its
  messages are Kong's;
- ``{"error": …}``, HTTP 400, for a close-price API asked outside its window;
- JSON-RPC ``{"jsonrpc": "2.0", "error": {"code": …, "message": …}}`` with the 시세 codes
  10000–20180, whose HTTP status Koscom does not document: 400 as koscom.md §15 recommends for
  input errors, 5xx for the server-side ones.

Raise by name: ``raise ISSUE_NOT_FOUND()``; a handler turns :class:`KoscomError` into
:meth:`KoscomError.answer`. Entries marked ``Source.REFERENCE`` match ``koscom.md`` (checked by
``tests/test_errors.py``); the others say why. Never imports ``sise.api.kiwoom``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

import orjson
from starlette.types import Scope

from sise.api.errors import Answer, ErrorSpec, Source

__all__ = ["CATALOGUE", "CONTENT_TYPE", "ErrorDef", "Kind", "KoscomError", "KoscomShape", "render"]

#: Koscom's media type for JSON answers, errors included (koscom.md §1.3).
CONTENT_TYPE: Final = "application/json; charset=utf-8"

REFERENCE, VENDOR, SISE = Source.REFERENCE, Source.VENDOR, Source.SISE


class Kind(enum.Enum):
    """The body shape of an error."""

    GATEWAY = "gateway"  # {"message": text}
    CLOSE_WINDOW = "close-window"  # {"error": text}
    RPC = "rpc"  # {"jsonrpc": "2.0", "error": {"code": code, "message": text}}


def render(kind: Kind, text: str, code: int | None = None) -> bytes:
    """The exact body bytes of an error: compact JSON, Korean as UTF-8."""
    if kind is Kind.GATEWAY:
        return orjson.dumps({"message": text})
    if kind is Kind.CLOSE_WINDOW:
        return orjson.dumps({"error": text})
    if code is None:
        raise ValueError("a JSON-RPC error needs a code")
    return orjson.dumps({"jsonrpc": "2.0", "error": {"code": code, "message": text}})


class KoscomError(Exception):
    """A Koscom error answer: HTTP ``status`` and the exact ``body`` bytes."""

    def __init__(self, status: int, body: bytes, code: int | None = None) -> None:
        self.status = status
        self.body = body
        self.code = code
        super().__init__(body.decode())

    def answer(self, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
        return Answer(self.status, self.body, CONTENT_TYPE, headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorDef(ErrorSpec):
    """A Koscom error: its body ``kind`` and, for JSON-RPC errors, the 시세 ``code``."""

    kind: Kind
    code: int | None = None

    def __post_init__(self) -> None:
        ErrorSpec.__post_init__(self)
        if (self.code is not None) != (self.kind is Kind.RPC):
            raise ValueError(f"{self.template!r}: a code belongs to JSON-RPC errors only")
        if self.status < 400:
            raise ValueError(f"{self.template!r}: an error's status is 4xx or 5xx")

    def __call__(self, **params: object) -> KoscomError:
        return KoscomError(self.status, render(self.kind, self.text(params), self.code), self.code)


# ------------------------------------------------------------------------------------ gateway

NO_API_KEY = ErrorDef(
    kind=Kind.GATEWAY,
    template="No API key found in request",
    status=401,
    source=REFERENCE,
    when="no `apikey` header or query parameter",
)
BAD_API_KEY = ErrorDef(
    kind=Kind.GATEWAY,
    template="Invalid authentication credentials",
    status=401,
    source=REFERENCE,
    when="an `apikey` sise does not know",
)
NO_ROUTE = ErrorDef(
    kind=Kind.GATEWAY,
    template="no Route matched with those values",
    status=404,
    source=REFERENCE,
    when="a path the API does not serve",
)
RATE_LIMITED = ErrorDef(
    kind=Kind.GATEWAY,
    template="API rate limit exceeded",
    status=429,
    source=REFERENCE,
    when="the key's daily quota is spent",
)
METHOD_NOT_ALLOWED = ErrorDef(
    kind=Kind.GATEWAY,
    template="Method Not Allowed",
    status=405,
    source=VENDOR,
    why="405 is one of Koscom's common errors (koscom.md §1.5) but no body is quoted; the status"
    " text of Koscom's common-error table in the gateway's message shape",
    when="a method other than GET on a served path",
)
BAD_REQUEST = ErrorDef(
    kind=Kind.GATEWAY,
    template="Bad Request",
    status=400,
    source=VENDOR,
    why="400 is one of Koscom's common errors (koscom.md §1.5) but no body is quoted; the status"
    " text of Koscom's common-error table in the gateway's message shape",
    when="a request the HTTP parser cannot read",
)

# ------------------------------------------------------------------------------- close window

CLOSE_NOT_AVAILABLE = ErrorDef(
    kind=Kind.CLOSE_WINDOW,
    template="당일 종가 제공 시간이 아닙니다.",
    status=400,
    source=REFERENCE,
    when="a close-type API (closeprice, closeindex, closenav, investors) outside its window",
)

# ------------------------------------------------------------------------- 시세 codes (JSON-RPC)

_RPC_STATUS = (
    "Koscom does not document the HTTP status of 시세 errors: 400 as koscom.md §15 recommends,"
    " 500/503 for server-side failures"
)


def _rpc(code: int, text: str, status: int = 400) -> ErrorDef:
    return ErrorDef(kind=Kind.RPC, code=code, template=text, status=status, source=REFERENCE, why=_RPC_STATUS)


QUERY_TYPE_UNKNOWN = _rpc(10000, "조회유형이 존재 하지 않습니다")
NO_DATA = _rpc(10010, "데이터가 존재 하지 않습니다")
KEY_FID_UNKNOWN = _rpc(10020, "키 FID존재 하지 않습니다")
DATA_KIND_UNKNOWN = _rpc(10030, "데이터구분자가 존재 하지 않습니다")
ISSUE_NOT_FOUND = _rpc(10040, "종목코드가 존재 하지 않습니다")
DATA_FID_UNKNOWN = _rpc(10050, "데이터 FID가 존재 하지 않습니다")
FILE_NOT_FOUND = _rpc(10060, "FILE이 존재 하지 않습니다")
CUSTOMER_MISMATCH = _rpc(10070, "고객정보가 일치하지 않습니다")
SERVER_ERROR = _rpc(10080, "서버 시스템 에러 입니다", status=500)
UNDER_MAINTENANCE = _rpc(10090, "데이터 점검중입니다.신속히 복구 하겠습니다.감사합니다", status=503)
CUSTOMER_MISMATCH_13001 = _rpc(13001, "고객정보가 일치하지 않습니다")
TERMINAL_CANCELLED = _rpc(13003, "해지 단말입니다.당사로 연락바랍니다 (1577-3600)")
RECONNECT_LATER = _rpc(13004, "잠시후 재접속을 하여주시기 바랍니다", status=503)
BAD_PERIOD = _rpc(20010, "기간입력이 잘못되었습니다")
NO_DATA_ON_DATE = _rpc(20020, "해당 년,월,일에 자료가 없습니다")
BAD_ISSUE_CODE = _rpc(20030, "종목코드를 잘못 입력하였습니다")
DATA_PREPARING = _rpc(20040, "자료 준비중 입니다")
NO_DATA_FOR_QUERY = _rpc(20050, "해당 조회 코드에 자료가 없습니다")
DATA_DELETED = _rpc(20051, "데이터가 삭제 되었습니다")
DELETED_OR_UNREGISTERED = _rpc(20052, "이미 삭제된 데이터이거나 등록되지 않은 종목입니다")
ISSUE_AFTER_MATURITY = _rpc(20053, "발행일이 만기일보다 큽니다")
SYSTEM_ERROR = _rpc(20054, "시스템 에러 입니다.담당자에게 문의하시기 바랍니다", status=500)
INPUT_ERROR = _rpc(20055, "입력 에러입니다.입력하신 데이터를 다시 확인하시기 바랍니다")
TOO_MANY_ISSUES = _rpc(20056, "생성 가능한 종목수를 초과하였습니다")
ISSUE_NOT_REGISTERED = _rpc(20057, "등록하신 종목이 아닙니다")
ISSUE_CODE_MISSING = _rpc(20060, "종목코드를 입력하십시요")
BAD_INSTITUTION_CODE = _rpc(20070, "기관코드를 잘못 입력하셨습니다")
NO_BOND_DATA = _rpc(20080, "해당 채권코드에 대한 자료가 존재하지 않습니다")
NO_RECORDS = _rpc(20090, "자료가 존재하지 않습니다")
FUTURE_DATE = _rpc(20100, "미래일 이어서 Data가 없습니다")
NON_BUSINESS_DAY = _rpc(20110, "비영업일 이어서 Data가 없습니다")
CHECK_INPUT = _rpc(20120, "입력사항 확인 후 재 조회 하십시오")
QUERY_COMPLETE = _rpc(20130, "조회가 완료되었습니다")
QUERY_ENDED = _rpc(20140, "조회가 끝났습니다")
TR_CODE_MISSING = _rpc(20150, "TR_CODE를 등록하세요")
BUFFER_EXCEEDED = _rpc(20160, "Data버퍼 초과로 연속조회로 변경바랍니다")
DB_TIMEOUT = _rpc(20170, "DB조회 시간을 초과 했습니다. 확인 하십시오", status=500)
TODAY_UNAVAILABLE = _rpc(20180, "당일 Data가 조회되지 않습니다")

# ----------------------------------------------------------------- WebSocket (JSON-RPC frames)

_WS_STATUS = "sent in a WebSocket frame, which has no HTTP status; 400 only because every entry declares one"

NOT_JSON_RPC = ErrorDef(
    kind=Kind.RPC,
    code=47,
    template="정상적인 JSON-RPC 형식이 아닙니다",
    status=400,
    source=REFERENCE,
    why=_WS_STATUS,
    when="a WebSocket frame that is not a JSON-RPC 2.0 request (not JSON, not an object, no `method`)",
)
SESSION_REPLACED = ErrorDef(
    kind=Kind.RPC,
    code=-32000,
    template="같은 API Key로 새 세션이 연결되어 이 세션을 종료합니다",
    status=400,
    source=SISE,
    why="Koscom allows one session per key (koscom.md §11.1) but documents nothing for a second one;"
    " sise ends the older (as Kiwoom's R10001 does) and says so with JSON-RPC's first"
    " implementation-defined server error code, which no 시세 code can be mistaken for. " + _WS_STATUS,
    when="the older WebSocket session of a key that just sent `init` on another socket; then closed",
)

#: Every entry by its Python name, in declaration order.
CATALOGUE: Final[dict[str, ErrorDef]] = {n: v for n, v in globals().items() if isinstance(v, ErrorDef)}


class KoscomShape:
    """Koscom's answers for what no route serves (see ``sise.api.surface``)."""

    def not_found(self, scope: Scope) -> Answer:
        return NO_ROUTE().answer()

    def method_not_allowed(self, scope: Scope, allow: str) -> Answer:
        return METHOD_NOT_ALLOWED().answer((("Allow", allow),))

    def malformed(self) -> Answer:
        return BAD_REQUEST().answer()

    def unexpected(self, scope: Scope) -> Answer:
        return SERVER_ERROR().answer()
