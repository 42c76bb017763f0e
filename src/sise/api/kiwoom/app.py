"""The Kiwoom REST surface: OAuth, api-id dispatch, rate limits, continuation and the envelope.

One app is one personality (실전 or 모의투자); a server runs two on two ports. Every request
gets a Kiwoom-shaped JSON answer — business errors with HTTP 200 as Kiwoom does, the rate limit
with 429 — and never a bare 500: an unexpected exception becomes ``7 / [1999]`` and its traceback
goes to the log. Requests that reach no route (an unknown path: 1504; another method: 1517 with
HTTP 405) are answered by :class:`KiwoomShape` through ``sise.api.surface``.

TR requests are checked in this order, so a client sees the same error Kiwoom would show first:
api-id present (and of Kiwoom's form) → token → api-id known and on this URI → rate limit → body
→ view.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from sise.api import surface
from sise.api.cache import VersionedCache
from sise.api.errors import Answer
from sise.api.kiwoom.auth import DEFAULT_TOKEN_LIFETIME_S, TOKEN_TYPE, KeyStore, TokenStore
from sise.api.kiwoom.errors import (
    API_ID_MALFORMED,
    API_ID_MISSING,
    API_ID_NOT_SERVED,
    API_ID_UNKNOWN,
    API_ID_WRONG_URI,
    BODY_CHARSET,
    BODY_EMPTY,
    BODY_MEDIA_TYPE,
    BODY_NOT_JSON,
    BODY_NOT_OBJECT,
    BODY_TOO_DEEP,
    BODY_TOO_LARGE,
    CONTENT_TYPE,
    MALFORMED_REQUEST,
    METHOD_NOT_ALLOWED,
    OK_MSG,
    RATE_LIMITED,
    UNEXPECTED,
    ErrorDef,
    KiwoomError,
)
from sise.api.kiwoom.known import KIWOOM_API_IDS
from sise.api.kiwoom.paging import Page, Paginator
from sise.api.kiwoom.tr import KiwoomContext, Tr
from sise.api.kiwoom.ws import PATH as WS_PATH
from sise.api.kiwoom.ws import KiwoomWs, WsOptions
from sise.api.ratelimit import RateLimiter
from sise.api.stream import StreamHub

__all__ = [
    "MAX_BODY_BYTES",
    "MOCK_RATE",
    "REAL_RATE",
    "KiwoomShape",
    "create_kiwoom_app",
    "default_rate_limit",
]

log = logging.getLogger("sise.kiwoom")

REAL_RATE = 5.0  # 이용약관 제11조: 조회 5건/초
MOCK_RATE = 1.0  # 모의투자
MAX_BODY_BYTES = 1 << 20  # Kiwoom request bodies are a few fields; refuse anything absurd
MAX_BODY_DEPTH = 16  # Kiwoom bodies are flat objects; orjson cannot re-serialise past 255 levels
CACHE_TTL_S = 60.0  # first pages cached per engine state, at most this long (wall time)
CACHE_MAX = 4096
CACHE_MAX_BYTES = 64 << 20  # keys (raw bodies, up to 1 MiB each) and pages
#: Kiwoom's api-id header is at most 10 characters (kiwoom.md §1.3): ``ka10001``, ``usa10099``.
API_ID_RE = re.compile(r"[A-Za-z0-9]{1,10}")
URI_ECHO_MAX = 100  # characters of a request path echoed into 1504


def default_rate_limit(mock: bool) -> float:
    """Kiwoom's own limit per (app key, api-id): 5/s on the real personality, 1/s on mock."""
    return MOCK_RATE if mock else REAL_RATE


def create_kiwoom_app(
    context: Callable[[], KiwoomContext],
    keys: KeyStore,
    *,
    trs: Sequence[Tr],
    mock: bool = False,
    token_lifetime_s: float = DEFAULT_TOKEN_LIFETIME_S,
    rate_limit: float | None = None,
    burst: float | None = None,
    now: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    hub: StreamHub | None = None,
    ws: WsOptions | None = None,
) -> Starlette:
    """The Kiwoom REST API of one personality.

    ``context`` is called per TR request. ``rate_limit`` is requests per second per (app key,
    api-id): ``None`` for Kiwoom's own (:func:`default_rate_limit`), ``0`` for no limit;
    ``burst`` defaults to one second's worth. ``now`` (wall
    time) drives token expiry, ``monotonic`` the rate limits and continuation TTL. Both
    personalities should share one ``KeyStore`` so each can recognise the other's tokens (8031).
    ``trs`` are the TRs served (``sise.api.kiwoom.views.KIWOOM_TRS`` for all of them).
    With a ``hub`` (fed by the market after every batch) the app also serves the real-time
    WebSocket at ``/api/dostk/websocket`` (``sise.api.kiwoom.ws``), timed by ``ws``.
    """
    rate = default_rate_limit(mock) if rate_limit is None else rate_limit
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
            # The TR route first: Starlette tries routes in order and it takes nearly all requests.
            Route("/api/dostk/{category}", surface.AsgiEndpoint(api.dispatch), methods=["POST"]),
            Route("/oauth2/token", api.issue_token, methods=["POST"]),
            Route("/oauth2/revoke", api.revoke_token, methods=["POST"]),
        ]
    )
    if hub is not None:
        endpoint = KiwoomWs(api._context, api.tokens, hub, ws or WsOptions(), mock)
        app.router.routes.append(WebSocketRoute(WS_PATH, endpoint.serve))
        app.state.websocket = endpoint
    surface.install(app, KiwoomShape())
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
        self._cache: VersionedCache[tuple[bytes, str, str]] = VersionedCache(
            _cache_size, ttl_s=CACHE_TTL_S, max_entries=CACHE_MAX, max_bytes=CACHE_MAX_BYTES, clock=monotonic
        )

    # ------------------------------------------------------------------------------- OAuth

    async def issue_token(self, request: Request) -> Response:
        async def issue() -> dict[str, Any]:
            token = self.tokens.issue(await _json_body(request))
            return {"expires_dt": token.expires_dt, "token_type": TOKEN_TYPE, "token": token.token}

        return await _oauth("au10001", issue)

    async def revoke_token(self, request: Request) -> Response:
        async def revoke() -> dict[str, Any]:
            self.tokens.revoke(await _json_body(request))
            return {}

        return await _oauth("au10002", revoke)

    # --------------------------------------------------------------------------------- TRs

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /api/dostk/{category}`` as a plain ASGI app: the route that takes nearly every
        request skips Starlette's Request and Response objects (headers are read once, from the
        scope's list, whose names ASGI guarantees lower-case)."""
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)  # the first of repeated headers, as Starlette reads them
        answer = await self._tr(scope, headers, receive)
        raw_headers = [
            (b"content-type", answer.media_type.encode("latin-1")),
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _tr(self, scope: Scope, headers: dict[bytes, bytes], receive: Receive) -> Answer:
        def header(name: bytes) -> str:
            return headers.get(name, b"").decode("latin-1").strip()

        category = scope["path_params"]["category"]
        given = header(b"api-id")
        api_id = given if API_ID_RE.fullmatch(given) else ""  # only a well-formed one is ever echoed
        try:
            if not given:
                raise API_ID_MISSING()
            if not api_id:
                raise API_ID_MALFORMED()
            authorization = headers.get(b"authorization")
            token = self.tokens.authenticate(
                None if authorization is None else authorization.decode("latin-1")
            )
            entry = self.trs.get(api_id)
            if entry is None:
                if api_id in KIWOOM_API_IDS:
                    raise API_ID_NOT_SERVED(api_id=api_id)
                raise API_ID_UNKNOWN(api_id=api_id)
            if entry.category != category:
                raise API_ID_WRONG_URI(api_id=api_id, uri=_echo_uri(scope["path"]))
            bucket = (token.appkey, api_id)
            if not self.limiter.acquire(bucket):
                retry = max(1, math.ceil(self.limiter.retry_after(bucket)))
                return _answer(RATE_LIMITED(api_id=api_id), api_id, (("Retry-After", str(retry)),))
            content_type = headers.get(b"content-type")
            raw = await _raw_body(None if content_type is None else content_type.decode("latin-1"), receive)
            if header(b"cont-yn").upper() == "Y":
                body = _parse_body(raw)
                page = self.pages.resume(api_id, body, header(b"next-key"))
                content = orjson.dumps(_envelope(page))
                cont, next_key = page.cont_yn, page.next_key
            else:
                content, cont, next_key = self._first_page(entry, raw)
            return Answer(200, content, CONTENT_TYPE, _tr_headers(api_id, cont, next_key))
        except KiwoomError as e:
            return _answer(e, api_id)
        except Exception:
            log.exception("%s on %s failed", api_id or "<no api-id>", _echo_uri(scope["path"]))
            return _answer(UNEXPECTED(), api_id)

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
        # Keyed on the raw bytes: a hit skips parsing; a malformed body is never cached, so it
        # is always parsed and refused. Equal JSON spelled differently just misses.
        key = (tr.api_id, raw)
        hit = self._cache.get(version, key)
        if hit is not None:
            return hit
        return self._cache.put(key, self._build_first_page(tr, ctx, _parse_body(raw)))

    def _build_first_page(self, tr: Tr, ctx: KiwoomContext, body: dict[str, Any]) -> tuple[bytes, str, str]:
        result = tr(ctx, body)
        page = self.pages.first(tr.api_id, body, result)
        return orjson.dumps(_envelope(page)), page.cont_yn, page.next_key

    def _context(self) -> KiwoomContext:
        ctx = self.context()
        if ctx.mock != self.mock:  # the personality is the app's, whatever the factory says
            ctx = dataclasses.replace(ctx, mock=self.mock)
        return ctx


class KiwoomShape:
    """Kiwoom's answers for what no route serves (see ``sise.api.surface``)."""

    def not_found(self, scope: Scope) -> Answer:
        api_id = _api_id(Headers(scope=scope))
        return _answer(API_ID_WRONG_URI(api_id=api_id, uri=_echo_uri(scope["path"])), api_id)

    def method_not_allowed(self, scope: Scope, allow: str) -> Answer:
        api_id = _api_id(Headers(scope=scope))
        error = METHOD_NOT_ALLOWED(allow=allow, method=scope["method"])
        return _answer(error, api_id, (("Allow", allow),))

    def malformed(self) -> Answer:
        return _answer(MALFORMED_REQUEST(), "")

    def unexpected(self, scope: Scope) -> Answer:
        return _answer(UNEXPECTED(), _api_id(Headers(scope=scope)))


def _tr_headers(api_id: str, cont_yn: str, next_key: str) -> tuple[tuple[str, str], ...]:
    """The headers every ``/api/dostk`` answer carries. Kiwoom also lists them in
    ``Access-Control-Expose-Headers`` (a logged api.kiwoom.com answer has ``api-id,cont-yn,next-key,
    resp-cnt,user-data``), and some clients find the continuation only through that list."""
    tr = (("api-id", api_id), ("cont-yn", cont_yn), ("next-key", next_key))
    return (*tr, ("Access-Control-Expose-Headers", ",".join(name for name, _ in tr)))


def _answer(e: KiwoomError, api_id: str, extra: tuple[tuple[str, str], ...] = ()) -> Answer:
    """An error as Kiwoom sends it, with the TR headers every ``/api/dostk`` answer carries."""
    headers = (*_tr_headers(api_id, "N", ""), *extra)
    return Answer(e.http_status, orjson.dumps(e.body()), CONTENT_TYPE, headers)


def _api_id(headers: Headers) -> str:
    """The request's api-id if it has Kiwoom's form, else "": nothing else is ever echoed."""
    value = headers.get("api-id", "").strip()
    return value if API_ID_RE.fullmatch(value) else ""


def _echo_uri(path: str) -> str:
    return path if len(path) <= URI_ECHO_MAX else path[:URI_ECHO_MAX] + "…"


def _cache_size(key: Hashable, answer: tuple[bytes, str, str]) -> int:
    raw = key[1] if isinstance(key, tuple) else b""
    return len(raw) + len(answer[0])


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


async def _oauth(api_id: str, action: Callable[[], Awaitable[dict[str, Any]]]) -> Response:
    """An OAuth answer: the action's fields then Kiwoom's success envelope, or its error."""
    try:
        return _json({**(await action()), "return_code": 0, "return_msg": OK_MSG})
    except KiwoomError as e:
        return _json(e.body(), e.http_status)
    except Exception:
        log.exception("%s failed", api_id)
        return _json(UNEXPECTED().body())


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type=CONTENT_TYPE)


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or 1517 ``파라미터=body`` saying what is wrong with it."""
    return _parse_body(await _raw_body(request.headers.get("content-type"), request.receive))


async def _raw_body(content_type: str | None, receive: Receive) -> bytes:
    """The request body, after the Content-Type check.

    ``Content-Type`` must be ``application/json`` (any ``charset`` other than UTF-8 is refused);
    a missing Content-Type is accepted when the body parses, as lenient clients omit it.
    """
    if content_type is not None:
        refused = _media_refusal(content_type)
        if refused is not None:
            raise refused(content_type=content_type)
    raw = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        raw += message.get("body", b"")
        if len(raw) > MAX_BODY_BYTES:
            raise BODY_TOO_LARGE(max_bytes=MAX_BODY_BYTES)
        if not message.get("more_body", False):
            break
    return bytes(raw)


@functools.lru_cache(maxsize=256)
def _media_refusal(content_type: str) -> ErrorDef | None:
    """The error a Content-Type gets, or None: clients send the same one on every request."""
    media, *params = (p.strip().lower() for p in content_type.split(";"))
    if media != "application/json":
        return BODY_MEDIA_TYPE
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            return BODY_CHARSET
    return None


def _parse_body(raw: bytes) -> dict[str, Any]:
    """A JSON object from ``raw``, or 1517 ``파라미터=body`` saying what is wrong with it."""
    if not raw.strip():
        raise BODY_EMPTY()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BODY_NOT_JSON() from None
    if not isinstance(body, dict):
        raise BODY_NOT_OBJECT()
    if _deeper_than(body, MAX_BODY_DEPTH):
        raise BODY_TOO_DEEP(max_depth=MAX_BODY_DEPTH)
    return body


def _deeper_than(value: object, limit: int) -> bool:
    """Whether JSON ``value`` nests objects/arrays more than ``limit`` levels (no recursion)."""
    todo: list[tuple[object, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        todo.extend((child, depth + 1) for child in children)
    return False
