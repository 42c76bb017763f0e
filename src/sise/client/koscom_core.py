"""What the sync and async Koscom clients share: hosts, the key, reading an answer (koscom.md §1).

Koscom answers in three envelopes (§1.4): **A** plain lists (``{"trdDd", "mktEndTm"/"trdTm",
"isuLists"}``), **B** JSON-RPC (``{"jsonrpc": "2.0", "result": {…}}``) and **C** the extra
services (``{"Cnt", "InqDd", "Lists"}``). ``unwrap`` returns B's ``result`` and A and C as they
are. Failures come as gateway bodies (``{"message": …}`` with 401 / 404 / 429), the close-time
body (400 ``{"error": …}``) or a JSON-RPC ``error`` with a 시세 code (§1.5); each is an
exception here. Every answer past the key check carries the daily quota (§1.6), kept in
``Quota``. A spent quota is not retried: it resets at 00:00 UTC.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import msgspec

from sise.client.env import BASE_URL_ENV, KOSCOM_ENV

__all__ = [
    "KOSCOM_SANDBOX_URL",
    "KOSCOM_URL",
    "SISE_KOSCOM_URL",
    "KoscomAuthError",
    "KoscomClosedError",
    "KoscomConnectionError",
    "KoscomError",
    "KoscomNotFoundError",
    "KoscomQuotaError",
    "KoscomRequestError",
    "KoscomTransportError",
    "Query",
    "Quota",
]

KOSCOM_URL: Final = "https://apigw.koscom.co.kr"
KOSCOM_SANDBOX_URL: Final = "https://sandbox-apigw.koscom.co.kr"
#: A local ``sise serve``: Koscom's paths are on the real personality's port.
SISE_KOSCOM_URL: Final = "http://127.0.0.1:8000"
MARKET_PATH: Final = "/v2/market/"
#: ``multiquote/…/price`` and ``…/orderbook`` take at most 20 codes (§1.7).
MAX_CODES: Final = 20

#: A query parameter's value: a ``date`` goes as ``YYYYMMDD``; None is left out.
Query = str | int | date | None

_decoder: Final = msgspec.json.Decoder()


class KoscomError(Exception):
    """A Koscom failure: ``status`` (HTTP), ``code`` (the JSON-RPC 시세 code, else None) and
    ``message`` (the body's text)."""

    def __init__(self, status: int, code: int | None, message: str, *, path: str = "") -> None:
        self.status = status
        self.code = code
        self.message = message
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{message} (HTTP {status}{f', code {code}' if code is not None else ''})")


class KoscomRequestError(KoscomError):
    """A JSON-RPC error with a 시세 code: a bad issue code (10040, 20030), period (20010), no data
    (10010, 20020), … (koscom.md §1.5)."""


class KoscomClosedError(KoscomError):
    """A close-type endpoint asked outside its window: 400 ``{"error": "당일 종가 제공 시간이
    아닙니다."}``."""


class KoscomAuthError(KoscomError):
    """401: no API key, or one the gateway does not know."""


class KoscomNotFoundError(KoscomError):
    """404: no route matches the path."""


class KoscomQuotaError(KoscomError):
    """429: the key's daily quota is spent (``quota`` says so); it resets at 00:00 UTC."""


class KoscomTransportError(KoscomError):
    """No Koscom answer: a body that is none of Koscom's shapes, or another failure status."""


class KoscomConnectionError(KoscomTransportError):
    """The HTTP connection failed or timed out (``status`` 0)."""


@dataclass(frozen=True, slots=True)
class Quota:
    """The daily quota from the last answer's ``X-RateLimit-Limit-Day`` / ``-Remaining-Day``."""

    limit: int
    remaining: int


_BY_STATUS: Final[dict[int, type[KoscomError]]] = {
    401: KoscomAuthError,
    404: KoscomNotFoundError,
    429: KoscomQuotaError,
}


class KoscomCore:
    """Settings and state shared by ``KoscomClient`` and ``AsyncKoscomClient``."""

    def __init__(self, base_url: str | None, apikey: str | None) -> None:
        base_url = base_url or os.environ.get(BASE_URL_ENV) or SISE_KOSCOM_URL
        self.base_url = base_url.rstrip("/")
        key = apikey or os.environ.get(KOSCOM_ENV)
        if not key:
            raise ValueError(f"Koscom API key missing: pass apikey= or set {KOSCOM_ENV}")
        self.headers: Final = {"apikey": key}
        self.quota: Quota | None = None

    def url(self, path: str) -> str:
        """``stocks/kospi/005930/price`` → ``<base>/v2/market/stocks/kospi/005930/price``; a path
        starting with ``/`` is taken as it is (``/v3/market/…``)."""
        return self.base_url + (path if path.startswith("/") else MARKET_PATH + path)

    def read(self, path: str, status: int, headers: Mapping[str, str], content: bytes) -> Any:
        """The answer's data (B's ``result``; A and C whole), or the matching ``KoscomError``."""
        limit, remaining = headers.get("x-ratelimit-limit-day"), headers.get("x-ratelimit-remaining-day")
        if limit is not None and remaining is not None:
            with contextlib.suppress(ValueError):
                self.quota = Quota(int(limit), int(remaining))
        try:
            body = _decoder.decode(content)
        except msgspec.DecodeError:
            body = None
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):  # JSON-RPC error
                code = error.get("code")
                raise KoscomRequestError(
                    status, code if isinstance(code, int) else None, str(error.get("message", "")), path=path
                )
            if isinstance(error, str) and status == 400:
                raise KoscomClosedError(status, None, error, path=path)
            if status == 200:
                return body["result"] if "jsonrpc" in body and "result" in body else body
            if isinstance(body.get("message"), str):
                cls = _BY_STATUS.get(status, KoscomTransportError)
                raise cls(status, None, body["message"], path=path)
        snippet = content[:200].decode("utf-8", "replace")
        raise KoscomTransportError(status, None, f"not a Koscom answer: {snippet!r}", path=path)


def query_of(query: Mapping[str, Query]) -> dict[str, str]:
    """Query parameters as strings (a ``date`` as ``YYYYMMDD``; None left out)."""
    return {
        k: v.strftime("%Y%m%d") if isinstance(v, date) else str(v) for k, v in query.items() if v is not None
    }


def family_path(family: str, marketcode: str, kind: str, issuecode: str | None) -> str:
    """``{family}/{marketcode}[/{issuecode}]/{kind}``."""
    middle = f"/{issuecode}" if issuecode else ""
    return f"{family}/{marketcode}{middle}/{kind}"


def codes_param(isu_cd: Sequence[str] | str | None) -> str | None:
    """``isuCd`` of the multi-symbol endpoints: comma-joined, at most ``MAX_CODES``."""
    if isu_cd is None or isinstance(isu_cd, str):
        return isu_cd
    if len(isu_cd) > MAX_CODES:
        raise ValueError(f"isuCd takes at most {MAX_CODES} codes, got {len(isu_cd)}")
    return ",".join(isu_cd)
