"""Every Kiwoom error sise can send, declared once: category, detail code, text, HTTP status.

Kiwoom answers ``{"return_code": <category>, "return_msg": "<category text>[<code>:<text>]"}``,
with HTTP 200 for nearly everything (kiwoom.md §1.8). An entry is raised by name with the
template's fields::

    raise STOCK_NOT_FOUND(code=text)
    raise bad_field("inds_cd", "존재하지 않는 업종코드입니다(999)")   # 1517, the common case

Entries marked ``Source.REFERENCE`` match what ``../shared/reference/kiwoom.md`` quotes (checked by
``tests/test_errors.py``); the others say why. Texts not quoted there are, unless ``why`` says
otherwise, those of Kiwoom's official error table (the spec file the reference calls S1), which
the reference only summarises. The docs' error tables are checked against this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sise.api.errors import ErrorSpec, Source

__all__ = [
    "CATALOGUE",
    "CATEGORY_TEXT",
    "CONTENT_TYPE",
    "OK_MSG",
    "ErrorDef",
    "KiwoomError",
    "bad_field",
    "missing_field",
]

#: The media type of every Kiwoom answer, errors included.
CONTENT_TYPE: Final = "application/json;charset=UTF-8"

#: ``return_code`` categories and the text Kiwoom puts before the bracketed detail.
CATEGORY_TEXT: Final[dict[int, str]] = {
    0: "정상적으로 처리되었습니다",
    1: "잘못된 요청입니다",
    2: "입력 값 오류입니다",
    3: "인증에 실패했습니다",
    5: "허용된 요청 개수를 초과하였습니다",
    7: "서비스를 처리하는 중에 오류가 발생했습니다",
}
OK_MSG: Final = CATEGORY_TEXT[0]

REFERENCE, VENDOR, SISE = Source.REFERENCE, Source.VENDOR, Source.SISE


class KiwoomError(Exception):
    """A Kiwoom error: ``{"return_code": code, "return_msg": "<category>[<detail>:<text>]"}``.

    Built by calling a catalogue entry, never directly (``tests/test_errors.py`` checks)."""

    def __init__(self, return_code: int, detail: int, text: str, http_status: int = 200) -> None:
        self.return_code = return_code
        self.detail = detail
        self.text = text
        self.http_status = http_status
        self.message = f"{CATEGORY_TEXT[return_code]}[{detail}:{text}]"
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"return_code": self.return_code, "return_msg": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorDef(ErrorSpec):
    """A Kiwoom error: ``return_code`` category and 4-digit detail ``code`` around the template."""

    return_code: int
    code: int

    def __post_init__(self) -> None:
        ErrorSpec.__post_init__(self)
        if self.return_code not in CATEGORY_TEXT or self.return_code == 0:
            raise ValueError(f"{self.code}: unknown return_code {self.return_code}")

    def __call__(self, **params: object) -> KiwoomError:
        return KiwoomError(self.return_code, self.code, self.text(params), self.status)


# Shared reasons for the choices below.
_OFFICIAL = "text of Kiwoom's official error table, which the reference only summarises"
_CAT_INPUT = "category 2 as for every input error observed (1511, 8020, 8030)"
_CAT_TOKEN = "category 3 as 8005, the token error observed on TR calls"

# ------------------------------------------------------------------------------- routing (1xxx)

API_ID_MISSING = ErrorDef(
    return_code=2,
    code=1501,
    template="API ID가 Null이거나 값이 없습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; category 2 is a choice (a missing header, like 1513)",
    when="no or empty `api-id` header",
)
API_ID_WRONG_URI = ErrorDef(
    return_code=1,
    code=1504,
    template="해당 URI에서는 지원하는 API ID가 아닙니다. API ID={api_id}, URI={uri}",
    source=REFERENCE,
    when="api-id served on another path, or a path sise does not serve (any method)",
)
API_ID_UNKNOWN = ErrorDef(
    return_code=1,
    code=1505,
    template="해당 API ID는 존재하지 않습니다. API ID={api_id}",
    source=VENDOR,
    why=f"{_OFFICIAL}; category 1 as 1504, observed under 1",
    when="api-id Kiwoom does not have either (as far as the reference knows)",
)
API_ID_NOT_SERVED = ErrorDef(
    return_code=1,
    code=1505,
    template="sise에서 제공하지 않는 키움 API ID입니다. API ID={api_id}",
    source=SISE,
    why="sise's wording: Kiwoom has this api-id and sise does not serve it, which Kiwoom's own"
    " 1505 text (does not exist) would deny; code and category of 1505, the answer Kiwoom's"
    " clients already handle for an api-id the server does not take",
    when="an api-id of Kiwoom's (`sise.api.kiwoom.known`) that sise does not serve",
)
MISSING_FIELD = ErrorDef(
    return_code=2,
    code=1511,
    template="필수 입력 값에 값이 존재하지 않습니다. 필수입력 파라미터={name}",
    source=REFERENCE,
    when="a required body field is absent, empty or blank; with several, the first in request-table order",
)
MALFORMED_REQUEST = ErrorDef(
    return_code=2,
    code=1512,
    template="Http header에 값이 설정되지 않았거나 읽을 수 없습니다",
    status=400,
    source=VENDOR,
    why=f"{_OFFICIAL}; category 2 and HTTP 400 are choices: the HTTP parser could not read the request,"
    " so sise answers and closes the connection",
    when="a request the HTTP parser cannot read (unknown method, bad request line or header)",
)
BAD_FIELD = ErrorDef(
    return_code=2,
    code=1517,
    template="입력 값 형식이 올바르지 않습니다. 파라미터={name} 실패사유= {reason}",
    source=VENDOR,
    why=f"{_OFFICIAL}, spacing included; {_CAT_INPUT}",
    when="a value not allowed, an unknown sector code, a bad date, a value of the wrong type",
)
RATE_LIMITED = ErrorDef(
    return_code=5,
    code=1700,
    template="허용된 요청 개수를 초과하였습니다. API ID={api_id}",
    status=429,
    source=REFERENCE,
    when="over the rate limit of the app key and api-id (with `Retry-After`)",
)
STOCK_NOT_FOUND = ErrorDef(
    return_code=2,
    code=1902,
    template="종목정보가 존재하지 않습니다. 종목코드={code}",
    source=SISE,
    why="sise's wording (the official table says 종목 정보가 없습니다. 입력한 종목코드 값을 확인바랍니다);"
    f" {_CAT_INPUT}",
    when="unknown stock code",
)
STOCK_NOT_ON_VENUE = ErrorDef(
    return_code=2,
    code=1903,
    template="종목정보가 존재하지 않습니다. 거래소구분={venue}, 종목코드={code}",
    source=SISE,
    why="sise's wording, as 1902; category 2 although one test fixture shows 1903 under 7"
    " (an input error, not a service failure)",
    when="`_NX` code of a stock that does not trade on NXT",
)
UNEXPECTED = ErrorDef(
    return_code=7,
    code=1999,
    template="예기치 못한 에러가 발생했습니다",
    source=VENDOR,
    why=f"{_OFFICIAL} without its 실패사유, so no internals leak; category 7 is the service-error one",
    when="any unexpected exception; the traceback goes to the `sise.kiwoom` log",
)

# --------------------------------------------------------------------------- 1517 reasons (sise's)

_REASON = f"the 실패사유 is sise's; {_CAT_INPUT}"
BODY_MEDIA_TYPE = BAD_FIELD.bind(
    name="body",
    reason=f"Content-Type은 {CONTENT_TYPE} 이어야 합니다 (받은 값: {{content_type}})",
    source=SISE,
    why=_REASON,
    when="a media type other than `application/json`",
)
BODY_CHARSET = BAD_FIELD.bind(
    name="body",
    reason="charset은 UTF-8이어야 합니다 (받은 값: {content_type})",
    source=SISE,
    why=_REASON,
    when="a charset other than UTF-8",
)
BODY_TOO_LARGE = BAD_FIELD.bind(
    name="body",
    reason="요청 본문이 너무 큽니다 (최대 {max_bytes} 바이트)",
    source=SISE,
    why=_REASON,
    when="a body over 1 MiB",
)
BODY_EMPTY = BAD_FIELD.bind(
    name="body",
    reason="요청 본문이 비어 있습니다. JSON 객체를 보내십시오",
    source=SISE,
    why=_REASON,
    when="an empty body",
)
BODY_NOT_JSON = BAD_FIELD.bind(
    name="body", reason="JSON 형식이 아닙니다", source=SISE, why=_REASON, when="a body that is not JSON"
)
BODY_NOT_OBJECT = BAD_FIELD.bind(
    name="body",
    reason="JSON 객체({{...}})여야 합니다",
    source=SISE,
    why=_REASON,
    when="JSON that is not an object",
)
BODY_TOO_DEEP = BAD_FIELD.bind(
    name="body",
    reason="JSON 중첩이 너무 깊습니다 (최대 {max_depth}단계)",
    source=SISE,
    why=_REASON,
    when="JSON nested deeper than Kiwoom's flat bodies could need",
)
NEXT_KEY_MISSING = BAD_FIELD.bind(
    name="next-key",
    reason="cont-yn=Y 인데 next-key가 없습니다",
    source=SISE,
    why=_REASON,
    when="`cont-yn: Y` without a `next-key`",
)
NEXT_KEY_FORGED = BAD_FIELD.bind(
    name="next-key",
    reason="이 서버가 발급하지 않았거나 변조된 키입니다",
    source=SISE,
    why=_REASON,
    when="a next-key this process did not issue, or an edited one",
)
NEXT_KEY_OTHER_API = BAD_FIELD.bind(
    name="next-key",
    reason="다른 API ID의 연속조회 키입니다",
    source=SISE,
    why=_REASON,
    when="a next-key of another api-id",
)
NEXT_KEY_OTHER_BODY = BAD_FIELD.bind(
    name="next-key",
    reason="요청 본문이 첫 조회와 다릅니다",
    source=SISE,
    why=_REASON,
    when="a continuation whose body differs from the first page's",
)
NEXT_KEY_EXPIRED = BAD_FIELD.bind(
    name="next-key",
    reason="만료된 연속조회 키입니다. 처음부터 다시 조회하십시오",
    source=SISE,
    why=_REASON,
    when="a next-key whose snapshot aged out or was evicted",
)
NOT_A_STRING = BAD_FIELD.bind(
    reason="문자열이어야 합니다",
    source=SISE,
    why=_REASON,
    when="`appkey`, `secretkey` or `token` of au10001/au10002 that is not a string",
)
API_ID_MALFORMED = BAD_FIELD.bind(
    name="api-id",
    reason="영문자와 숫자 10자 이내여야 합니다",
    source=SISE,
    why=f"{_REASON}; Kiwoom's api-id header is at most 10 characters, so a longer or odd one is"
    " refused before it is echoed anywhere",
    when="an `api-id` header longer than 10 characters or not letters and digits",
)
METHOD_NOT_ALLOWED = BAD_FIELD.bind(
    name="method",
    reason="{allow} 요청만 지원합니다 (받은 값: {method})",
    status=405,
    source=SISE,
    why=f"{_REASON}; Kiwoom documents nothing for a wrong method (every call is a POST); HTTP 405"
    " with `Allow` as HTTP requires",
    when="another method than the path's (POST on Kiwoom's paths, GET on `/healthz`)",
)

# ----------------------------------------------------------------------------- authorization (15xx)

AUTH_MISSING = ErrorDef(
    return_code=2,
    code=1513,
    template="Http Header에 authorization 필드가 설정되어 있어야 합니다",
    source=VENDOR,
    why=_OFFICIAL,
    when="no or empty `authorization`",
)
AUTH_MALFORMED = ErrorDef(
    return_code=2,
    code=1514,
    template="입력으로 들어온 Http Header의 authorization 필드 형식이 맞지 않습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="a bare token without `Bearer`, extra words, a malformed scheme",
)
AUTH_SCHEME = ErrorDef(
    return_code=2,
    code=1515,
    template="Http Header의 authorization 필드 내 Grant Type이 미리 정의된 형식이 아닙니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="another scheme, e.g. `Basic …`",
)
AUTH_NO_TOKEN = ErrorDef(
    return_code=2,
    code=1516,
    template="Http Header의 authorization 필드 내 Token이 정의되어 있지 않습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="`Bearer` with no token",
)

# ---------------------------------------------------------------------------- keys, tokens (80xx)

KEYS_UNKNOWN = ErrorDef(
    return_code=2,
    code=8001,
    template="App Key와 Secret Key 검증에 실패했습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="unknown app key",
)
SECRET_MISMATCH = ErrorDef(
    return_code=2,
    code=8002,
    template="App Key와 Secret Key 검증에 실패했습니다. 실패사유=secretkey가 일치하지 않습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}, whose 실패사유 is sise's; {_CAT_INPUT}",
    when="wrong secret key",
)
TOKEN_INVALID = ErrorDef(
    return_code=3,
    code=8005,
    template="Token이 유효하지 않습니다",
    source=REFERENCE,
    when="unknown, revoked or expired token",
)
GRANT_TYPE_MISSING = ErrorDef(
    return_code=2,
    code=8011,
    template="Access Token을 발급하는데 실패했습니다. 입력값에 grant_type이 들어오지 않았습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="no `grant_type`",
)
GRANT_TYPE_WRONG = ErrorDef(
    return_code=2,
    code=8012,
    template="Access Token을 발급하는데 실패했습니다. grant_type의 값이 맞지 않습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="`grant_type` ≠ `client_credentials`",
)
_REVOKE_FAILED = ErrorDef(  # only raised through the reasons below
    return_code=2,
    code=8015,
    template="Access Token을 폐기하는데 실패했습니다. 실패사유={reason}",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="revoke refused",
)
REVOKE_TOKEN_UNKNOWN = _REVOKE_FAILED.bind(
    reason="유효하지 않은 Token입니다",
    source=SISE,
    why=_REASON,
    when="revoke: unknown or already revoked token, or another key's",
)
REVOKE_TOKEN_EXPIRED = _REVOKE_FAILED.bind(
    reason="만료된 Token입니다",
    source=SISE,
    why=_REASON,
    when="revoke: expired token",
)
REVOKE_TOKEN_MISSING = ErrorDef(
    return_code=2,
    code=8016,
    template="Access Token을 폐기하는데 실패했습니다. 입력값에 Token이 들어오지 않았습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_INPUT}",
    when="revoke without `token`",
)
KEYS_MISSING = ErrorDef(
    return_code=2,
    code=8020,
    # The wire text; Kiwoom's own table says 들어오지 where the server sends 전달되지.
    template="입력파라미터로 appkey 또는 secretkey가 전달되지 않았습니다.",
    source=REFERENCE,
    when="issue or revoke without `appkey` or `secretkey`",
)
KEY_OTHER_PERSONALITY = ErrorDef(
    return_code=2,
    code=8030,
    template="투자구분(실전/모의)이 달라서 Appkey를 사용할수가 없습니다",
    source=REFERENCE,
    when="a real app key on mock, or the reverse",
)
TOKEN_OTHER_PERSONALITY = ErrorDef(
    return_code=3,
    code=8031,
    template="투자구분(실전/모의)이 달라서 Token를 사용할수가 없습니다",
    source=VENDOR,
    why=f"{_OFFICIAL}; {_CAT_TOKEN}",
    when="a real token on mock, or the reverse",
)
MOCK_UNSUPPORTED = ErrorDef(
    return_code=2,
    code=8104,
    template="모의투자에서는 지원하지 않는 API입니다. 거래소구분={venue}",
    source=SISE,
    why="sise's wording naming the venue (the official table says 모의투자에서 지원하지 않는 API 입니다.);"
    " which code Kiwoom's mock sends for NXT/SOR requests is unverified",
    when="모의투자: a `_NX` / `_AL` code, or `stex_tp` 2 or 3",
)

#: Every entry sise raises, by its Python name, in declaration order.
CATALOGUE: Final[dict[str, ErrorDef]] = {
    n: v for n, v in globals().items() if isinstance(v, ErrorDef) and not n.startswith("_")
}


def missing_field(name: str) -> KiwoomError:
    """1511: a required body field is absent or empty."""
    return MISSING_FIELD(name=name)


def bad_field(name: str, reason: str) -> KiwoomError:
    """1517: a body field has the wrong format or an unknown value; ``reason`` is the 실패사유."""
    return BAD_FIELD(name=name, reason=reason)
