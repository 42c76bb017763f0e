"""The Kiwoom REST surface: OAuth, api-id dispatch, rate limits, continuation and the envelope.

One app is one personality (실전 or 모의투자); a server runs two on two ports. Every request
that reaches a route gets a Kiwoom-shaped JSON answer — business errors with HTTP 200 as Kiwoom
does, the rate limit with 429 — and never a bare 500: an unexpected exception becomes
``7 / [1999]`` and its traceback goes to the log.

TR requests are checked in this order, so a client sees the same error Kiwoom would show first:
api-id present → token → api-id known and on this URI → rate limit → body → view.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sise.api.kiwoom.auth import DEFAULT_TOKEN_LIFETIME_S, TOKEN_TYPE, KeyStore, TokenStore
from sise.api.kiwoom.paging import Page, Paginator
from sise.api.kiwoom.tr import OK_MSG, KiwoomContext, KiwoomError, Tr, bad_field
from sise.api.ratelimit import RateLimiter

__all__ = ["DEFAULT", "MAX_BODY_BYTES", "MOCK_RATE", "REAL_RATE", "create_kiwoom_app"]

log = logging.getLogger("sise.kiwoom")

CONTENT_TYPE = "application/json;charset=UTF-8"
REAL_RATE = 5.0  # 이용약관 제11조: 조회 5건/초
MOCK_RATE = 1.0  # 모의투자
MAX_BODY_BYTES = 1 << 20  # Kiwoom request bodies are a few fields; refuse anything absurd
CACHE_TTL_S = 60.0  # first pages cached per engine state, at most this long (wall time)
CACHE_MAX = 4096


class _Default(enum.Enum):
    DEFAULT = enum.auto()


#: ``rate_limit`` default: Kiwoom's own limit for the personality (5/s real, 1/s mock).
DEFAULT: Final = _Default.DEFAULT

_UNEXPECTED = KiwoomError(7, 1999, "예기치 못한 에러가 발생했습니다")


def create_kiwoom_app(
    context: Callable[[], KiwoomContext],
    keys: KeyStore,
    *,
    trs: Sequence[Tr],
    mock: bool = False,
    token_lifetime_s: float = DEFAULT_TOKEN_LIFETIME_S,
    rate_limit: float | _Default | None = DEFAULT,
    burst: float | None = None,
    now: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The Kiwoom REST API of one personality.

    ``context`` is called per TR request. ``rate_limit`` is requests per second per (app key,
    api-id), ``None`` for no limit; ``burst`` defaults to one second's worth. ``now`` (wall
    time) drives token expiry, ``monotonic`` the rate limits and continuation TTL. Both
    personalities should share one ``KeyStore`` so each can recognise the other's tokens (8031).
    ``trs`` are the TRs served (``sise.api.kiwoom.views.KIWOOM_TRS`` for all of them).
    """
    rate = (MOCK_RATE if mock else REAL_RATE) if isinstance(rate_limit, _Default) else rate_limit
    api = _KiwoomApi(
        context,
        trs,
        TokenStore(keys, mock=mock, lifetime_s=token_lifetime_s, now=now),
        RateLimiter(rate, burst, clock=monotonic),
        Paginator(clock=monotonic),
        mock,
        monotonic,
    )
    app = Starlette(
        routes=[
            Route("/oauth2/token", api.issue_token, methods=["POST"]),
            Route("/oauth2/revoke", api.revoke_token, methods=["POST"]),
            Route("/api/dostk/{category}", api.dispatch, methods=["POST"]),
        ]
    )
    # For the server's admin and for tests.
    app.state.tokens = api.tokens
    app.state.limiter = api.limiter
    app.state.pages = api.pages
    app.state.mock = mock
    return app


class _KiwoomApi:
    def __init__(
        self,
        context: Callable[[], KiwoomContext],
        trs: Sequence[Tr],
        tokens: TokenStore,
        limiter: RateLimiter,
        pages: Paginator,
        mock: bool,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.context = context
        self.trs: dict[str, Tr] = {}
        for t in trs:
            if t.api_id in self.trs:
                raise ValueError(f"{t.api_id} is listed twice")
            self.trs[t.api_id] = t
        self.tokens = tokens
        self.limiter = limiter
        self.pages = pages
        self.mock = mock
        self.monotonic = monotonic
        self._cache: dict[tuple[str, bytes], tuple[float, tuple[bytes, str, str]]] = {}
        self._cache_version = -1

    # ------------------------------------------------------------------------------- OAuth

    async def issue_token(self, request: Request) -> Response:
        try:
            token = self.tokens.issue(await _json_body(request))
            return _json(
                {
                    "expires_dt": token.expires_dt,
                    "token_type": TOKEN_TYPE,
                    "token": token.token,
                    "return_code": 0,
                    "return_msg": OK_MSG,
                }
            )
        except KiwoomError as e:
            return _json(e.body(), e.http_status)
        except Exception:
            log.exception("au10001 failed")
            return _json(_UNEXPECTED.body())

    async def revoke_token(self, request: Request) -> Response:
        try:
            self.tokens.revoke(await _json_body(request))
            return _json({"return_code": 0, "return_msg": OK_MSG})
        except KiwoomError as e:
            return _json(e.body(), e.http_status)
        except Exception:
            log.exception("au10002 failed")
            return _json(_UNEXPECTED.body())

    # --------------------------------------------------------------------------------- TRs

    async def dispatch(self, request: Request) -> Response:
        category = request.path_params["category"]
        headers = request.headers
        api_id = headers.get("api-id", "").strip()
        try:
            if not api_id:
                raise KiwoomError(2, 1501, "API ID가 Null이거나 값이 없습니다")
            token = self.tokens.authenticate(headers.get("authorization"))
            entry = self.trs.get(api_id)
            if entry is None:
                raise KiwoomError(1, 1505, f"해당 API ID는 존재하지 않습니다. API ID={api_id}")
            if entry.category != category:
                raise KiwoomError(
                    1,
                    1504,
                    f"해당 URI에서는 지원하는 API ID가 아닙니다. API ID={api_id}, URI=/api/dostk/{category}",
                )
            bucket = (token.appkey, api_id)
            if not self.limiter.acquire(bucket):
                retry = max(1, math.ceil(self.limiter.retry_after(bucket)))
                return self._error(_rate_limited(api_id), api_id, {"Retry-After": str(retry)})
            raw = await _raw_body(request)
            if headers.get("cont-yn", "").strip().upper() == "Y":
                body = _parse_body(raw)
                page = self.pages.resume(api_id, body, headers.get("next-key", "").strip())
                content = orjson.dumps(_envelope(page))
                cont, next_key = page.cont_yn, page.next_key
            else:
                content, cont, next_key = self._first_page(entry, raw)
            return Response(
                content,
                media_type=CONTENT_TYPE,
                headers={"api-id": api_id, "cont-yn": cont, "next-key": next_key},
            )
        except KiwoomError as e:
            return self._error(e, api_id)
        except Exception:
            log.exception("%s on /api/dostk/%s failed", api_id or "<no api-id>", category)
            return self._error(_UNEXPECTED, api_id)

    def _first_page(self, tr: Tr, raw: bytes) -> tuple[bytes, str, str]:
        """A first page, from the cache when the market has not changed since it was built.

        The same request against the same engine state has the same answer, and at 1× the state
        changes once a second while clients may ask hundreds of times: build it once per state.
        Entries also expire after CACHE_TTL_S of wall time, well inside the paginator's TTL, so a
        cached next-key always points at a live snapshot."""
        ctx = self._context()
        version = getattr(ctx.engine, "version", None)
        if version is None:  # no versioned engine behind this context: nothing to key on
            return self._build_first_page(tr, ctx, _parse_body(raw))
        if version != self._cache_version:
            self._cache.clear()
            self._cache_version = version
        # Keyed on the raw bytes: a hit skips parsing; a malformed body is never cached, so it
        # is always parsed and refused. Equal JSON spelled differently just misses.
        key = (tr.api_id, raw)
        now = self.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < CACHE_TTL_S:
            return hit[1]
        answer = self._build_first_page(tr, ctx, _parse_body(raw))
        if len(self._cache) >= CACHE_MAX:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (now, answer)
        return answer

    def _build_first_page(self, tr: Tr, ctx: KiwoomContext, body: dict[str, Any]) -> tuple[bytes, str, str]:
        result = tr(ctx, body)
        page = self.pages.first(tr.api_id, body, result)
        return orjson.dumps(_envelope(page)), page.cont_yn, page.next_key

    def _context(self) -> KiwoomContext:
        ctx = self.context()
        if ctx.mock != self.mock:  # the personality is the app's, whatever the factory says
            ctx = dataclasses.replace(ctx, mock=self.mock)
        return ctx

    @staticmethod
    def _error(e: KiwoomError, api_id: str, extra: dict[str, str] | None = None) -> Response:
        headers = {"api-id": api_id, "cont-yn": "N", "next-key": ""}
        if extra:
            headers.update(extra)
        return Response(orjson.dumps(e.body()), e.http_status, headers=headers, media_type=CONTENT_TYPE)


def _rate_limited(api_id: str) -> KiwoomError:
    return KiwoomError(5, 1700, f"허용된 요청 개수를 초과하였습니다. API ID={api_id}", http_status=429)


def _envelope(page: Page) -> dict[str, Any]:
    """Flat Kiwoom JSON. Sector TRs: fields, list, return_code, return_msg. ``list_first`` TRs
    (the camelCase ka10099–ka10102 family): return_msg, list, fields, return_code."""
    result = page.result
    out: dict[str, Any] = {}
    if result.list_first:
        out["return_msg"] = OK_MSG
        if result.list_key is not None:
            out[result.list_key] = page.rows
        out.update(result.fields)
        out["return_code"] = 0
    else:
        out.update(result.fields)
        if result.list_key is not None:
            out[result.list_key] = page.rows
        out["return_code"] = 0
        out["return_msg"] = OK_MSG
    return out


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type=CONTENT_TYPE)


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or 1517 ``파라미터=body`` saying what is wrong with it."""
    return _parse_body(await _raw_body(request))


async def _raw_body(request: Request) -> bytes:
    """The request body, after the Content-Type check.

    ``Content-Type`` must be ``application/json`` (any ``charset`` other than UTF-8 is refused);
    a missing Content-Type is accepted when the body parses, as lenient clients omit it.
    """
    content_type = request.headers.get("content-type")
    if content_type is not None:
        media, *params = (p.strip().lower() for p in content_type.split(";"))
        if media != "application/json":
            raise bad_field("body", f"Content-Type은 {CONTENT_TYPE} 이어야 합니다 (받은 값: {content_type})")
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
                raise bad_field("body", f"charset은 UTF-8이어야 합니다 (받은 값: {content_type})")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise bad_field("body", f"요청 본문이 너무 큽니다 (최대 {MAX_BODY_BYTES} 바이트)")
    return bytes(raw)


def _parse_body(raw: bytes) -> dict[str, Any]:
    """A JSON object from ``raw``, or 1517 ``파라미터=body`` saying what is wrong with it."""
    if not raw.strip():
        raise bad_field("body", "요청 본문이 비어 있습니다. JSON 객체를 보내십시오")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_field("body", "JSON 형식이 아닙니다") from None
    if not isinstance(body, dict):
        raise bad_field("body", "JSON 객체({...})여야 합니다")
    return body
