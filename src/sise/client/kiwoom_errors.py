"""Kiwoom errors as exceptions (kiwoom.md §1.8).

Kiwoom answers a failure with a small category in ``return_code`` and the 4-digit detail code
inside ``return_msg``: ``{"return_code": 3, "return_msg": "인증에 실패했습니다[8005:Token이 유효하지
않습니다]"}``, nearly always with HTTP 200 (429 for 1700). A client that looks only at
``return_code`` misses the 8005 it must refresh on; ``error_for()`` reads both and picks the
exception class from the detail code first, then from the category.

The class says what a caller can do: ``KiwoomRateLimitError`` is the only one worth retrying
(the client backs off on it by itself); 1634, a batch-size limit under the same category 5, is
a ``KiwoomRequestError`` and is never retried.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "KiwoomAuthError",
    "KiwoomConnectionError",
    "KiwoomError",
    "KiwoomNotFoundError",
    "KiwoomPageLimitError",
    "KiwoomRateLimitError",
    "KiwoomRequestError",
    "KiwoomServerError",
    "KiwoomSessionTakenError",
    "KiwoomTokenError",
    "KiwoomTransportError",
    "detail_code",
    "error_for",
]


class KiwoomError(Exception):
    """A Kiwoom answer with a non-zero ``return_code``.

    ``return_code`` is the category (1, 2, 3, 5, 7), ``code`` the ``[NNNN:…]`` detail code
    parsed from ``return_msg`` (None when the message carries none), ``message`` the whole
    ``return_msg``, ``status`` the HTTP status and ``api_id`` the TR asked for."""

    def __init__(
        self, return_code: int | None, code: int | None, message: str, *, status: int = 200, api_id: str = ""
    ) -> None:
        self.return_code = return_code
        self.code = code
        self.message = message
        self.status = status
        self.api_id = api_id
        where = f"{api_id}: " if api_id else ""
        super().__init__(f"{where}{message} (return_code={return_code}, HTTP {status})")


class KiwoomRequestError(KiwoomError):
    """The request is wrong: a missing or malformed field (1511, 1517), an api-id not served on
    that path (1504, 1505), headers (1501, 1512–1516), a size limit (1634). Not retryable."""


class KiwoomNotFoundError(KiwoomRequestError):
    """No such stock or market code (1901, 1902, 1903)."""


class KiwoomAuthError(KiwoomError):
    """Credentials refused: unknown app key or secret (8001, 8002, 8011, 8012), a real key on
    모의투자 or the reverse (8030, 8031), IP or device checks (8010, 8040, 8050, 8103)."""


class KiwoomTokenError(KiwoomAuthError):
    """The access token is not (or no longer) valid (8003, 8005, 8006, 8009, 8015, 8016). The
    client re-issues and retries once by itself; this is raised when that did not help."""


class KiwoomRateLimitError(KiwoomError):
    """Over a request limit (1700 per api-id, 1701 total, 1702 group). The client backs off and
    retries by itself; this is raised when its retries ran out."""


class KiwoomServerError(KiwoomError):
    """The service failed (category 7, 1999)."""


class KiwoomTransportError(KiwoomError):
    """No Kiwoom answer at all: a body that is not Kiwoom's JSON envelope (a gateway page, another
    service), or the connection failed. ``return_code`` and ``code`` are None."""


class KiwoomConnectionError(KiwoomTransportError):
    """The HTTP connection failed or timed out."""


class KiwoomPageLimitError(KiwoomError):
    """``all()`` reached its page cap while the service still said ``cont-yn: Y``. ``pages`` holds
    the pages read so far, so nothing is silently dropped."""

    def __init__(self, api_id: str, max_pages: int, pages: list[dict[str, object]]) -> None:
        super().__init__(None, None, f"more than {max_pages} pages (max_pages)", api_id=api_id)
        self.pages = pages


class KiwoomSessionTakenError(KiwoomError):
    """The WebSocket session was taken over: Kiwoom's ``SYSTEM`` ``R10001`` ("동일한 App key로 접속이
    되었습니다"), sent when another connection logs in with the same app key (kiwoom.md §5.1).
    The stream ends with this error instead of reconnecting, which would take the session back
    from the other client, and so on in turn. ``code`` is None; ``system_code`` is ``"R10001"``."""

    def __init__(self, system_code: str, message: str) -> None:
        super().__init__(None, None, f"{system_code} {message}", api_id="websocket")
        self.system_code = system_code


#: Detail codes whose class is not their category's (the official helper's groups, §1.8).
_BY_CODE: Final[dict[int, type[KiwoomError]]] = {
    **dict.fromkeys((1501, 1504, 1505, 1511, 1512, 1513, 1514, 1515, 1516, 1517), KiwoomRequestError),
    **dict.fromkeys((1634, 1687, 8020, 8104, 8200), KiwoomRequestError),
    **dict.fromkeys((1901, 1902, 1903), KiwoomNotFoundError),
    **dict.fromkeys((1700, 1701, 1702), KiwoomRateLimitError),
    **dict.fromkeys((8001, 8002, 8011, 8012, 8030, 8031, 8010, 8040, 8050, 8103), KiwoomAuthError),
    **dict.fromkeys((8003, 8005, 8006, 8009, 8015, 8016), KiwoomTokenError),
    1999: KiwoomServerError,
}
#: Categories (``return_code``) and the class of a detail code not listed above.
_BY_CATEGORY: Final[dict[int, type[KiwoomError]]] = {
    1: KiwoomRequestError,
    2: KiwoomRequestError,
    3: KiwoomAuthError,
    5: KiwoomRateLimitError,
    7: KiwoomServerError,
}

# ``…[8005:Token이 …]``; also the order-family shape ``[2000](RC9000:…)`` and the WebSocket
# LOGIN's ``[CODE=8005, MESSAGE=…]`` (kiwoom.md §5.2).
_DETAIL = re.compile(r"\[(\d{4})[:\]]|\[CODE=(\d{4})\b")


def detail_code(return_msg: str) -> int | None:
    """The ``[NNNN:…]`` (or ``[CODE=NNNN, …]``) detail code inside a ``return_msg``, or None
    (``[유량=5]`` has none)."""
    m = _DETAIL.search(return_msg)
    return int(m.group(1) or m.group(2)) if m else None


def error_for(return_code: int, return_msg: str, *, status: int = 200, api_id: str = "") -> KiwoomError:
    """The exception for a failed answer, by detail code first, then by category."""
    code = detail_code(return_msg)
    cls = _BY_CODE.get(code) if code is not None else None
    if cls is None:
        cls = _BY_CATEGORY.get(return_code, KiwoomError)
    return cls(return_code, code, return_msg, status=status, api_id=api_id)
