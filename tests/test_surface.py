"""Every request gets its vendor's answer, whatever the method, path or headers.

Regressions for what 20,000 generated malformed requests against ``sise serve`` found: plain-text
routing answers, a 1999 for a deeply nested body, echoed giant api-ids, upgrade requests that hang
or desynchronise the connection, unbounded continuation snapshots.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, cast

import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # Starlette ≥ 1.x prefers httpx2; plain httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from sise.api import surface
from sise.api.kiwoom import app as kiwoom_app
from sise.api.kiwoom.app import MAX_BODY_DEPTH, MOCK_RATE, REAL_RATE, create_kiwoom_app
from sise.api.kiwoom.auth import KeyPair, KeyStore
from sise.api.kiwoom.paging import Paginator, _body_hash, _estimate_bytes
from sise.api.kiwoom.tr import Answer, KiwoomContext, Tr, TrResult
from sise.api.koscom.errors import KoscomShape
from sise.api.wire import Body, Param, Record
from sise.api.wire import Request as TrRequest
from sise.server.app import OnePort, create_app
from sise.server.http import http_protocol

REAL = KeyPair("real-appkey-1", "real-secret-1")
MOCK = KeyPair("mock-appkey-1", "mock-secret-1")
JSON = "application/json;charset=UTF-8"
ECHO, PAGED = "ka99951", "ka99952"


SIZE = Param("size", "size", int, required=False)
PAD = Param("pad", "pad", int, required=False)


def _paged(ctx: KiwoomContext, req: TrRequest) -> Answer:
    size, pad = req.get(SIZE) or 250, req.get(PAD) or 1
    return Answer({}, [{"i": str(i), "pad": "x" * pad} for i in range(size)])


STUB_TRS = (
    Tr(ECHO, "echo", "sect", Body(()), lambda ctx, req: Answer({"served": "Y"})),
    Tr(PAGED, "paged", "sect", Body((SIZE, PAD)), _paged, None, "rows", Record(()), 100),
)


def context() -> KiwoomContext:
    return KiwoomContext(cast(Any, SimpleNamespace(version=1)), cast(Any, None), None, lambda: 0)


def make_app(**kwargs: Any) -> Starlette:
    kwargs.setdefault("rate_limit", 0)
    return create_kiwoom_app(context, KeyStore([REAL], [MOCK]), trs=STUB_TRS, **kwargs)


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


def token(client: TestClient) -> str:
    body = {"grant_type": "client_credentials", "appkey": REAL.appkey, "secretkey": REAL.secretkey}
    return str(client.post("/oauth2/token", json=body).json()["token"])


def kiwoom(rc: int, code: int, text: str) -> dict[str, Any]:
    category = {
        1: "잘못된 요청입니다",
        2: "입력 값 오류입니다",
        7: "서비스를 처리하는 중에 오류가 발생했습니다",
    }
    return {"return_code": rc, "return_msg": f"{category[rc]}[{code}:{text}]"}


def bad(name: str, reason: str) -> dict[str, Any]:
    return kiwoom(2, 1517, f"입력 값 형식이 올바르지 않습니다. 파라미터={name} 실패사유= {reason}")


# ----------------------------------------------------------------------------- routing answers


@pytest.mark.parametrize(
    "path",
    ["/", "/x", "/api/dostk/", "/api/dostk/sect/", "/api/dostk/sect/ka20001", "/oauth2/", "/oauth2/token/"],
)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "OPTIONS"])
def test_a_path_sise_does_not_serve_answers_1504(client: TestClient, path: str, method: str) -> None:
    r = client.request(method, path, headers={"api-id": "ka20001"}, follow_redirects=False)
    assert r.status_code == 200 and r.headers["content-type"] == JSON and "location" not in r.headers
    text = f"해당 URI에서는 지원하는 API ID가 아닙니다. API ID=ka20001, URI={path}"
    assert r.json() == kiwoom(1, 1504, text)
    assert r.headers["api-id"] == "ka20001" and r.headers["cont-yn"] == "N"


@pytest.mark.parametrize("path", ["/api/dostk/sect", "/api/dostk/chart", "/oauth2/token", "/oauth2/revoke"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_another_method_answers_1517_with_405(client: TestClient, path: str, method: str) -> None:
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == "POST" and r.headers["content-type"] == JSON
    assert r.json() == bad("method", f"POST 요청만 지원합니다 (받은 값: {method})")


def test_the_method_error_names_the_methods_of_the_path() -> None:
    app = make_app()

    async def health(request: Request) -> Response:
        return Response("ok")

    app.router.routes.insert(0, Route("/healthz", health))  # as sise.server.app does
    r = TestClient(app).post("/healthz")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    assert r.json() == bad("method", "GET, HEAD 요청만 지원합니다 (받은 값: POST)")


def test_head_gets_405_without_a_body(client: TestClient) -> None:
    r = client.head("/api/dostk/sect")
    assert r.status_code == 405 and r.content == b""


def test_a_long_or_odd_api_id_is_refused_and_never_echoed(client: TestClient) -> None:
    bearer = {"authorization": f"Bearer {token(client)}", "content-type": JSON}
    for api_id in ("k" * 300_000, "ka10001;x", "ka1000100001", "ka 10001"):
        r = client.post("/api/dostk/sect", content=b"{}", headers={**bearer, "api-id": api_id})
        assert r.json() == bad("api-id", "영문자와 숫자 10자 이내여야 합니다")
        assert r.headers["api-id"] == "" and len(r.content) < 300
    r = client.post("/api/dostk/sect", content=b"{}", headers={**bearer, "api-id": "abcdefghij"})
    assert r.json() == kiwoom(1, 1505, "해당 API ID는 존재하지 않습니다. API ID=abcdefghij")
    r = client.post("/nowhere", headers={"api-id": "k" * 5000})
    assert r.json() == kiwoom(1, 1504, "해당 URI에서는 지원하는 API ID가 아닙니다. API ID=, URI=/nowhere")


def test_an_echoed_path_is_clipped(client: TestClient) -> None:
    path = "/api/" + "p" * 50_000
    text = client.post(path).json()["return_msg"]
    assert len(text) < 300 and text.endswith(f"URI={path[:100]}…]")


def test_bugs_outside_the_dispatcher_answer_1999() -> None:
    app = make_app()

    async def broken(request: Request) -> Response:
        raise RuntimeError("a bug outside the dispatcher")

    app.router.routes.append(Route("/broken", broken))
    r = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert r.headers["content-type"] == JSON
    assert r.json() == kiwoom(7, 1999, "예기치 못한 에러가 발생했습니다")


@pytest.mark.parametrize("path", ["/api/dostk/websocket", "/api/dostk/sect", "/"])
def test_a_websocket_without_a_route_is_refused(client: TestClient, path: str) -> None:
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(path):
        pass  # pragma: no cover - never accepted
    assert info.value.code == 1008


def test_koscom_answers_in_its_gateway_shape() -> None:
    async def lists(request: Request) -> Response:
        raise RuntimeError("a bug")

    app = Starlette(routes=[Route("/v2/market/stocks/{market}/lists", lists, methods=["GET"])])
    surface.install(app, KoscomShape())
    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/v2/market/nope")
    assert r.status_code == 404 and r.content == b'{"message":"no Route matched with those values"}'
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    r = client.post("/v2/market/stocks/kospi/lists")
    assert r.status_code == 405 and r.content == b'{"message":"Method Not Allowed"}'
    assert r.headers["allow"] == "GET, HEAD"
    r = client.get("/v2/market/stocks/kospi/lists/")
    assert r.status_code == 404  # no redirect
    r = client.get("/v2/market/stocks/kospi/lists")
    assert r.status_code == 500
    assert orjson.loads(r.content) == {
        "jsonrpc": "2.0",
        "error": {"code": 10080, "message": "서버 시스템 에러 입니다"},
    }


# --------------------------------------------------------------------------------------- bodies


def nested(depth: int) -> bytes:
    return b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize("cont_yn", ["N", "Y"])
def test_a_deeply_nested_body_is_1517_not_1999(client: TestClient, cont_yn: str) -> None:
    headers = {
        "authorization": f"Bearer {token(client)}",
        "api-id": ECHO,
        "content-type": JSON,
        "cont-yn": cont_yn,
    }
    r = client.post("/api/dostk/sect", content=nested(1000), headers=headers)
    assert r.json() == bad("body", f"JSON 중첩이 너무 깊습니다 (최대 {MAX_BODY_DEPTH}단계)")
    r = client.post("/api/dostk/sect", content=nested(MAX_BODY_DEPTH + 1), headers=headers)
    assert r.json()["return_code"] == 2
    if cont_yn == "N":
        r = client.post("/api/dostk/sect", content=nested(MAX_BODY_DEPTH), headers=headers)
        assert r.json()["return_code"] == 0 and r.json()["served"] == "Y"


def test_the_body_hash_never_raises() -> None:
    deep: Any = "leaf"
    for _ in range(5000):  # past orjson's 255 levels and Python's recursion limit
        deep = {"k": [deep]}
    assert sys.getrecursionlimit() < 5000
    assert _body_hash(deep) == _body_hash(deep) and len(_body_hash(deep)) == 8
    a = {"x": deep, "y": "1"}
    assert _body_hash(a) == _body_hash({"y": "1", "x": deep})  # key order does not matter
    assert _body_hash(a) != _body_hash({"x": deep, "y": "2"})
    assert _body_hash({"n": 2**70}) != _body_hash({"n": 2**70 + 1})  # beyond orjson's integers


# -------------------------------------------------------------------------------- memory bounds


def test_the_snapshot_estimate_tracks_real_memory() -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        rows = [{f"f{k}": f"+{i * 7 + k:012d}" for k in range(12)} for i in range(2000)]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    estimate = _estimate_bytes(TrResult({}, "rows", rows, page_size=100))
    assert 0.5 < estimate / held < 2.0


def test_snapshots_are_bounded_by_estimated_bytes() -> None:
    rows = [{"v": "x" * 1000} for _ in range(300)]  # ~1,100 bytes a row, ~330 kB a snapshot
    result = TrResult({}, "rows", rows, page_size=100)
    pages = Paginator(max_bytes=1_000_000)
    keys = [pages.first("ka1", {"i": i}, result).next_key for i in range(10)]
    assert len(pages) == 2  # a third would pass 1 MB; the rows and count bounds are far away
    with pytest.raises(Exception, match="만료된"):
        pages.resume("ka1", {"i": 0}, keys[0])
    assert pages.resume("ka1", {"i": 9}, keys[9]).rows == rows[100:200]


def test_continuation_snapshots_of_one_client_stay_bounded() -> None:
    app = make_app()
    client = TestClient(app)
    headers = {"authorization": f"Bearer {token(client)}", "api-id": PAGED, "content-type": JSON}
    for i in range(40):  # each first page keeps a ~2 MB snapshot
        body = orjson.dumps({"size": "1000", "pad": "2000", "i": str(i)})
        assert client.post("/api/dostk/sect", content=body, headers=headers).headers["cont-yn"] == "Y"
    pages = app.state.pages
    assert pages._bytes <= pages.max_bytes and 25 <= len(pages) < 40


def test_the_first_page_cache_is_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kiwoom_app, "CACHE_MAX_BYTES", 200_000)
    app = make_app()
    client = TestClient(app)
    headers = {"authorization": f"Bearer {token(client)}", "api-id": ECHO, "content-type": JSON}
    for i in range(50):
        body = orjson.dumps({"pad": "x" * 10_000, "i": str(i)})  # cached under its 10 kB raw bytes
        assert client.post("/api/dostk/sect", content=body, headers=headers).json()["return_code"] == 0
    dispatch = next(
        r for r in app.router.routes if isinstance(r, Route) and r.path == "/api/dostk/{category}"
    )
    api = dispatch.endpoint.app.__self__  # type: ignore[attr-defined]
    cache = api._cache
    assert cache.bytes <= 200_000 and 10 <= len(cache) < 50
    assert cache.bytes == sum(len(k[1]) + len(v[1][0]) for k, v in cache._entries.items())


# ------------------------------------------------------------------------------------ rate_limit


def test_rate_limit_none_is_the_vendor_default_and_zero_is_off() -> None:
    keys = KeyStore([REAL], [MOCK])
    assert make_app(rate_limit=None).state.limiter.rate == REAL_RATE == 5.0
    assert make_app(rate_limit=None, mock=True).state.limiter.rate == MOCK_RATE == 1.0
    assert not make_app().state.limiter.enabled  # make_app passes 0
    market = cast(Any, SimpleNamespace(listeners=[], requests=None))  # create_app hooks a stream hub to it
    assert create_app(market, keys).state.limiter.rate == REAL_RATE
    assert create_app(market, keys, mock=True).state.limiter.rate == MOCK_RATE
    assert not create_app(market, keys, rate_limit=0).state.limiter.enabled
    assert create_app(market, keys, rate_limit=2.5).state.limiter.rate == 2.5


# ------------------------------------------------------------------- a real server, raw sockets


@pytest.fixture
def port() -> Iterator[int]:
    koscom = Starlette()  # Koscom's paths on the same port, for the shape of what cannot be parsed
    surface.install(koscom, KoscomShape())
    app = OnePort(make_app(), koscom)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_level="error", lifespan="off", access_log=False, http=http_protocol(app.shape_for)
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield int(sock.getsockname()[1])
    srv.should_exit = True
    thread.join(10)
    sock.close()


class Conn:
    """One raw keep-alive connection; reads whole responses (Content-Length framed)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=3)
        self.buf = b""

    def send(self, *parts: bytes, gap: float = 0.05) -> None:
        for part in parts:
            self.sock.sendall(part)
            time.sleep(gap)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            self._recv()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._recv()
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(lines[0].split()[1]), headers, body

    def closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False

    def _recv(self) -> None:
        data = self.sock.recv(65536)  # a socket timeout here is the hang being tested for
        assert data, f"connection closed; have {self.buf!r}"
        self.buf += data


@pytest.fixture
def connect(port: int) -> Iterator[Callable[[], Conn]]:
    opened: list[Conn] = []

    def open_one() -> Conn:
        opened.append(Conn(port))
        return opened[-1]

    yield open_one
    for conn in opened:
        conn.sock.close()


def token_request(body: bytes, *extra: bytes) -> bytes:
    head = b"POST /oauth2/token HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    return head + b"".join(h + b"\r\n" for h in extra) + b"Content-Length: %d\r\n\r\n" % len(body) + body


WS = (
    b"Connection: Upgrade",
    b"Upgrade: websocket",
    b"Sec-WebSocket-Version: 13",
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
)
H2C = (b"Connection: Upgrade, HTTP2-Settings", b"Upgrade: h2c", b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA")
GRANT_WRONG = kiwoom(2, 8012, "Access Token을 발급하는데 실패했습니다. grant_type의 값이 맞지 않습니다")
GRANT_MISSING = kiwoom(
    2, 8011, "Access Token을 발급하는데 실패했습니다. 입력값에 grant_type이 들어오지 않았습니다"
)


def test_an_unreadable_request_gets_kiwoom_json_and_a_close(connect: Callable[[], Conn]) -> None:
    conn = connect()
    conn.send(b"FOO /api/dostk/sect HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, body = conn.response()
    assert status == 400 and headers["content-type"] == JSON and headers["connection"] == "close"
    assert orjson.loads(body) == kiwoom(2, 1512, "Http header에 값이 설정되지 않았거나 읽을 수 없습니다")
    assert conn.closed()


@pytest.mark.parametrize(
    "request_line",
    [
        b"FOO /v2/market/stocks/kospi/lists HTTP/1.1",
        b"GET /v2/market/stocks/kospi/" + b"9" * 70_000 + b"/price HTTP/1.1",
    ],
    ids=["unknown-method", "long-target"],
)
def test_an_unreadable_request_for_a_koscom_path_gets_koscom_json(
    connect: Callable[[], Conn], request_line: bytes
) -> None:
    """The port's one protocol answered every unreadable request in Kiwoom's shape, Koscom's
    paths too (found by bench/fuzz.py: a 70 kB path)."""
    conn = connect()
    conn.send(request_line + b"\r\nHost: t\r\n\r\n")
    status, headers, body = conn.response()
    assert (status, headers["content-type"]) == (400, "application/json; charset=utf-8"), body
    assert body == b'{"message":"Bad Request"}'
    conn = connect()
    conn.send(b"FOO /api/dostk/sect HTTP/1.1\r\nHost: t\r\n\r\n")  # and Kiwoom's stay Kiwoom's
    assert orjson.loads(conn.response()[2])["return_msg"].startswith("입력 값 오류입니다[1512:")


@pytest.mark.parametrize("upgrade", [WS, H2C], ids=["websocket", "h2c"])
@pytest.mark.parametrize("split", [False, True], ids=["one-packet", "body-later"])
def test_an_upgrade_with_a_body_is_served_as_http(
    connect: Callable[[], Conn], upgrade: tuple[bytes, ...], split: bool
) -> None:
    conn = connect()
    request = token_request(b'{"grant_type": "password"}', *upgrade)
    head, body = request.split(b"\r\n\r\n")
    parts = (head + b"\r\n\r\n", body[:5], body[5:]) if split else (request,)
    conn.send(*parts, token_request(b"{}"))  # the next request on the same connection
    status, _, first = conn.response()
    assert status == 200 and orjson.loads(first) == GRANT_WRONG  # the body was read: 8012, not 8011
    status, _, second = conn.response()
    assert status == 200 and orjson.loads(second) == GRANT_MISSING
    conn.send(token_request(b'{"grant_type": "x"}'))
    assert orjson.loads(conn.response()[2]) == GRANT_WRONG  # and the connection stays usable


def test_an_upgrade_with_a_chunked_body_is_refused(connect: Callable[[], Conn]) -> None:
    conn = connect()
    conn.send(
        b"POST /oauth2/token HTTP/1.1\r\nHost: t\r\n"
        + b"".join(h + b"\r\n" for h in H2C)
        + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    status, _, body = conn.response()
    assert status == 400 and orjson.loads(body)["return_msg"].startswith("입력 값 오류입니다[1512:")
    assert conn.closed()


def test_a_websocket_handshake_without_a_route_is_refused_at_once(connect: Callable[[], Conn]) -> None:
    conn = connect()
    conn.send(
        b"GET /api/dostk/websocket HTTP/1.1\r\nHost: t\r\n" + b"".join(h + b"\r\n" for h in WS) + b"\r\n"
    )
    status, _, _ = conn.response()
    assert status == 403 and conn.closed()
