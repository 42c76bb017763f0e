"""What the sync and async Kiwoom clients share: hosts, credentials, the token, the per-api-id
pacing, and reading an answer. No I/O here: each client sends and sleeps its own way.

- **Token** (kiwoom.md §1.6): issued on first use; renewed ``refresh_margin`` seconds before
  ``expires_dt`` (at most a tenth of the token's lifetime, so a short-lived token is not renewed
  on every call). Kiwoom hands back the *same* token while it is valid, so a renewal that
  returns it is not repeated until the token's expiry. Whatever the clocks say, an 8005 (``return_code`` 3,
  the code only inside ``return_msg`` — §6.2) re-issues and retries the call once.
- **Pacing** (§1.9): Kiwoom limits each app key per api-id, 5/s on the real service and 1/s on
  모의투자. Requests of one api-id are spaced ``1/rate`` apart (plus a small margin for the
  network's jitter), so a well-behaved program never sees a 429.
- **Backoff**: a 429 / ``return_code`` 5 with 1700–1702 waits (``Retry-After`` when given,
  doubling per attempt) and holds back every other request of that api-id for the same time,
  so concurrent callers do not storm. Other errors (1634 included) are raised at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final
from urllib.parse import urlsplit

import msgspec

from sise.client.env import BASE_URL_ENV, KIWOOM_ENV, KIWOOM_MOCK_ENV
from sise.client.kiwoom_errors import (
    KiwoomAuthError,
    KiwoomConnectionError,
    KiwoomError,
    KiwoomRateLimitError,
    KiwoomTokenError,
    KiwoomTransportError,
    error_for,
)
from sise.client.kiwoom_trs import REVOKE_PATH, TOKEN_PATH

__all__ = [
    "KIWOOM_MOCK_URL",
    "KIWOOM_REAL_URL",
    "SISE_KIWOOM_MOCK_URL",
    "SISE_KIWOOM_URL",
    "KiwoomCore",
    "Page",
    "Token",
]

KIWOOM_REAL_URL: Final = "https://api.kiwoom.com"  # 운영
KIWOOM_MOCK_URL: Final = "https://mockapi.kiwoom.com"  # 모의투자
#: A local ``sise serve`` with its default ports: the real personality and 모의투자.
SISE_KIWOOM_URL: Final = "http://127.0.0.1:8000"
SISE_KIWOOM_MOCK_URL: Final = "http://127.0.0.1:8001"

#: Kiwoom's limits per app key and api-id (kiwoom.md §1.9): 조회 5/s, 모의투자 1/s.
REAL_RATE: Final = 5.0
MOCK_RATE: Final = 1.0
#: Spacing is widened by this much so that requests sent exactly 1/rate apart do not arrive
#: closer than that after network jitter.
PACING_SLACK: Final = 1.05
PACING_SLACK_S: Final = 0.01
#: A renewal that got the same token back is tried again no sooner than this.
RENEW_RETRY_S: Final = 1.0
#: ``expires_dt`` is KST (UTC+9 all year).
KST: Final = timezone(timedelta(hours=9), "KST")
JSON_TYPE: Final = "application/json;charset=UTF-8"
OK: Final = 0

_decoder: Final = msgspec.json.Decoder()


@dataclass(frozen=True, slots=True)
class Token:
    """An issued access token. ``expires_at`` and ``renew_at`` are epoch seconds."""

    token: str
    token_type: str
    expires_at: float
    renew_at: float

    @property
    def authorization(self) -> str:
        # Kiwoom's scheme is case-insensitive; "bearer" and "Bearer" are both seen (§1.6).
        return f"Bearer {self.token}"


@dataclass(frozen=True, slots=True)
class Page:
    """One answer of a TR: the decoded body and the continuation headers."""

    api_id: str
    body: dict[str, Any]
    cont_yn: bool
    next_key: str
    status: int = 200


@dataclass(frozen=True, slots=True)
class Retry:
    """The answer asks for the same request again: after ``delay`` seconds, and with a fresh
    token when ``refresh``."""

    delay: float = 0.0
    refresh: bool = False


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def is_mock_url(base_url: str) -> bool:
    """Kiwoom's 모의투자 host, or a local sise on its default 모의투자 port."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    return host.startswith("mockapi.") or (host in ("127.0.0.1", "localhost") and parts.port == 8001)


def expires_epoch(expires_dt: str) -> float:
    """``YYYYMMDDHHmmss`` KST to epoch seconds."""
    return datetime.strptime(expires_dt, "%Y%m%d%H%M%S").replace(tzinfo=KST).timestamp()


class Pacer:
    """Per-api-id spacing: ``reserve`` books the next free slot and says how long to wait for it.
    Booking is instantaneous, so one lock serves threads and event loops alike.

    After a 429, ``hold`` keeps the api-id back and spaces its requests at least ``seconds``
    apart for ``LEARN_S``: callers that were waiting then retry one by one instead of together
    (which would earn each of them another 429)."""

    LEARN_S: Final = 60.0

    def __init__(self, rate: float) -> None:
        self.interval = 0.0 if rate <= 0 else PACING_SLACK / rate + PACING_SLACK_S
        self._next: dict[str, float] = {}
        self._learned: dict[str, tuple[float, float]] = {}  # api-id → (interval, until)
        self._lock = threading.Lock()

    def reserve(self, api_id: str) -> float:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(api_id, now))
            interval = self.interval
            learned = self._learned.get(api_id)
            if learned is not None:
                if now < learned[1]:
                    interval = max(interval, learned[0])
                else:
                    del self._learned[api_id]
            self._next[api_id] = slot + interval
            return slot - now

    def hold(self, api_id: str, seconds: float) -> None:
        """Nobody sends ``api_id`` for ``seconds``, then one at a time ``seconds`` apart."""
        with self._lock:
            now = time.monotonic()
            self._next[api_id] = max(self._next.get(api_id, now), now + seconds)
            self._learned[api_id] = (seconds * PACING_SLACK + PACING_SLACK_S, now + self.LEARN_S)


class KiwoomCore:
    """Settings and state shared by ``KiwoomClient`` and ``AsyncKiwoomClient``."""

    def __init__(
        self,
        base_url: str | None,
        appkey: str | None,
        secretkey: str | None,
        *,
        mock: bool | None,
        rate_limit: float | None,
        refresh_margin: float,
        max_retries: int,
        max_pages: int,
    ) -> None:
        base_url = base_url or _env(BASE_URL_ENV) or SISE_KIWOOM_URL
        self.base_url = base_url.rstrip("/")
        self.mock = is_mock_url(base_url) if mock is None else mock
        # sise serve reads SISE_KIWOOM_MOCK_* for 모의투자 keys and SISE_KIWOOM_* for real ones.
        pairs = (KIWOOM_MOCK_ENV, KIWOOM_ENV) if self.mock else (KIWOOM_ENV,)
        names, secret_names = tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
        self.appkey = appkey or _env(*names)
        self.secretkey = secretkey or _env(*secret_names)
        if not self.appkey or not self.secretkey:
            raise ValueError(
                "Kiwoom credentials missing: pass appkey= and secretkey= "
                f"or set {names[0]} and {secret_names[0]}"
            )
        rate = (MOCK_RATE if self.mock else REAL_RATE) if rate_limit is None else rate_limit
        self.pacer = Pacer(rate)
        self.refresh_margin = refresh_margin
        self.max_retries = max_retries
        self.max_pages = max_pages
        self.token: Token | None = None
        self.token_issues = 0  # tokens asked for (au10001 calls), for monitoring

    # -- token ------------------------------------------------------------------------------------

    def token_request(self) -> tuple[str, dict[str, str]]:
        return TOKEN_PATH, {
            "grant_type": "client_credentials",
            "appkey": self.appkey or "",
            "secretkey": self.secretkey or "",
        }

    def revoke_request(self, token: Token) -> tuple[str, dict[str, str]]:
        return REVOKE_PATH, {
            "appkey": self.appkey or "",
            "secretkey": self.secretkey or "",
            "token": token.token,
        }

    def usable(self, token: Token | None) -> bool:
        return token is not None and time.time() < token.renew_at

    def accept_token(self, status: int, content: bytes, previous: Token | None) -> Token:
        """Read an au10001 answer into the current token (raises on failure)."""
        body = self.envelope(status, content, "au10001")
        try:
            token, token_type, expires_dt = (
                str(body["token"]),
                str(body["token_type"]),
                str(body["expires_dt"]),
            )
            expires_at = expires_epoch(expires_dt)
        except (KeyError, ValueError):
            raise KiwoomTransportError(
                None, None, f"unexpected au10001 answer: {body!r}", status=status
            ) from None
        now = time.time()
        if previous is not None and previous.token == token:
            # Kiwoom returned the token it already gave (it does while the token is valid):
            # use it to its expiry; an 8005 after that re-issues.
            renew_at = max(expires_at, now + RENEW_RETRY_S)
        else:
            renew_at = expires_at - min(self.refresh_margin, max(expires_at - now, 0.0) / 10)
        self.token = Token(token, token_type, expires_at, renew_at)
        self.token_issues += 1
        return self.token

    # -- requests ---------------------------------------------------------------------------------

    def headers(self, api_id: str, token: Token, next_key: str | None) -> dict[str, str]:
        h = {"Content-Type": JSON_TYPE, "api-id": api_id, "authorization": token.authorization}
        if next_key:
            h["cont-yn"] = "Y"
            h["next-key"] = next_key
        return h

    def envelope(self, status: int, content: bytes, api_id: str) -> dict[str, Any]:
        """The decoded body of a Kiwoom answer; raises the matching ``KiwoomError`` when
        ``return_code`` is not 0, ``KiwoomTransportError`` when it is no Kiwoom answer."""
        try:
            body = _decoder.decode(content)
        except msgspec.DecodeError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("return_code"), int):
            snippet = content[:200].decode("utf-8", "replace")
            if status == 429:  # a gateway's own 429 page: still a rate limit, worth the backoff
                raise KiwoomRateLimitError(None, None, f"HTTP 429: {snippet!r}", status=status, api_id=api_id)
            raise KiwoomTransportError(
                None, None, f"not a Kiwoom answer: {snippet!r}", status=status, api_id=api_id
            )
        if body["return_code"] != OK:
            raise error_for(
                body["return_code"], str(body.get("return_msg", "")), status=status, api_id=api_id
            )
        return body

    def read(
        self,
        api_id: str,
        status: int,
        headers: Mapping[str, str],
        content: bytes,
        attempt: int,
        refreshed: bool,
    ) -> Page | Retry:
        """Read a TR answer: a ``Page``, a ``Retry`` (backoff, token refresh), or raise."""
        try:
            body = self.envelope(status, content, api_id)
        except KiwoomRateLimitError:
            if attempt >= self.max_retries:
                raise
            delay = self._backoff(headers, attempt)
            self.pacer.hold(api_id, delay)
            return Retry(delay)
        except KiwoomAuthError as e:
            token_error = isinstance(e, KiwoomTokenError) or (e.return_code == 3 and e.code is None)
            if token_error and not refreshed:
                return Retry(refresh=True)
            raise
        cont = headers.get("cont-yn", "").upper() == "Y"
        return Page(api_id, body, cont, headers.get("next-key", "") if cont else "", status)

    def _backoff(self, headers: Mapping[str, str], attempt: int) -> float:
        try:
            after = float(headers.get("retry-after", ""))
        except ValueError:
            after = 0.0
        base = max(after, self.pacer.interval, 0.2)
        return float(min(base * 2**attempt, 30.0))


def transport_error(api_id: str, exc: Exception) -> KiwoomError:
    """A failed connection or timeout as a ``KiwoomConnectionError``."""
    return KiwoomConnectionError(None, None, f"{type(exc).__name__}: {exc}", status=0, api_id=api_id)


def merge(pages: list[dict[str, Any]], list_key: str | None) -> dict[str, Any]:
    """One answer from its pages: the first page's fields and every page's rows of the list key
    (of every list-valued key when the TR is not declared), in order."""
    merged = dict(pages[0])
    keys = [list_key] if list_key else [k for k, v in merged.items() if isinstance(v, list)]
    for key in keys:
        merged[key] = [row for page in pages for row in page.get(key) or ()]
    return merged
