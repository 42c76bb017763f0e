"""Kiwoom dispatch: api-id routing, body checks, the envelope, continuation and rate limits."""

from __future__ import annotations

import base64
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any, cast

import orjson
import pytest
import requests
import uvicorn
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # Starlette ≥ 1.x prefers httpx2; plain httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from sise.api.kiwoom.app import create_kiwoom_app
from sise.api.kiwoom.auth import KeyPair, KeyStore
from sise.api.kiwoom.known import KIWOOM_API_IDS
from sise.api.kiwoom.paging import NEXT_KEY_LENGTH, Paginator
from sise.api.kiwoom.tr import Answer, KiwoomContext, Tr, TrResult, TrView
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.ratelimit import RateLimiter
from sise.api.wire import Body, Param, Record, Request

REAL = KeyPair("real-appkey-1", "real-secret-1")
REAL2 = KeyPair("real-appkey-2", "real-secret-2")
MOCK = KeyPair("mock-appkey-1", "mock-secret-1")
OK = "정상적으로 처리되었습니다"
JSON = "application/json;charset=UTF-8"

PAGED, PAGED2, BOOM, PICKY, CAMEL, FLAT, OTHER = (f"ka9990{i}" for i in range(1, 8))


class FakeTime:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class Calls:
    """How often the paged stub ran; its rows change with every run, like a live market."""

    n = 0


def _rows(version: int, n: int) -> list[dict[str, Any]]:
    return [{"stk_cd": f"{i:06d}", "cur_prc": f"+{1000 + i + version}"} for i in range(n)]


INDS_CD = Param("inds_cd", "업종코드", str, required=False)
INDS_CD_REQUIRED = Param("inds_cd", "업종코드", str)


def stub(
    api_id: str,
    category: str,
    view: TrView,
    *params: Param[Any],
    list_key: str | None = None,
    page_size: int = 0,
    list_first: bool = False,
) -> Tr:
    """A TR whose view returns whatever it likes (an undeclared row record)."""
    row = Record(()) if list_key else None
    return Tr(api_id, "stub", category, Body(params), view, None, list_key, row, page_size, list_first)


def _paged(ctx: KiwoomContext, req: Request) -> Answer:
    Calls.n += 1
    return Answer({"inds_cd": req.get(INDS_CD) or "", "version": str(Calls.n)}, _rows(Calls.n, 250))


def _boom(ctx: KiwoomContext, req: Request) -> Answer:
    raise RuntimeError("a bug in a view")


STUB_TRS = (
    stub(PAGED, "sect", _paged, INDS_CD, list_key="inds_stkpc", page_size=100),
    stub(PAGED2, "sect", lambda ctx, req: Answer({}, _rows(0, 30)), list_key="rows", page_size=10),
    stub(BOOM, "sect", _boom),
    stub(PICKY, "sect", lambda ctx, req: Answer({"inds_cd": req[INDS_CD_REQUIRED]}), INDS_CD_REQUIRED),
    stub(CAMEL, "stkinfo", lambda ctx, req: Answer({}, [{"code": "001"}]), list_key="list", list_first=True),
    stub(FLAT, "sect", lambda ctx, req: Answer({"a": "1", "b": "-2"}, [{"x": "1"}]), list_key="lst"),
    stub(OTHER, "chart", lambda ctx, req: Answer({"mock": "Y" if ctx.mock else "N"})),
)


@pytest.fixture(autouse=True)
def reset_calls() -> None:
    Calls.n = 0


def context() -> KiwoomContext:
    return KiwoomContext(cast(Any, None), cast(Any, None), None, lambda: 0)


class Api:
    """A TestClient with a token, sending requests the way Kiwoom's samples do."""

    def __init__(self, *, mock: bool = False, rate_limit: float | None = 0, burst: float | None = None):
        self.clock = FakeTime()
        keys = KeyStore([REAL, REAL2], [MOCK])
        app = create_kiwoom_app(
            context, keys, trs=STUB_TRS, mock=mock, rate_limit=rate_limit, burst=burst, monotonic=self.clock
        )
        self.app = app
        self.client = TestClient(app)
        self.tokens: dict[str, str] = {}
        for pair in [MOCK] if mock else [REAL, REAL2]:
            body = {"grant_type": "client_credentials", "appkey": pair.appkey, "secretkey": pair.secretkey}
            self.tokens[pair.appkey] = self.client.post("/oauth2/token", json=body).json()["token"]
        self.token = next(iter(self.tokens.values()))

    def post(
        self,
        api_id: str | None,
        body: Any = None,
        *,
        category: str = "sect",
        cont_yn: str = "N",
        next_key: str = "",
        token: str | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        h = {
            "Content-Type": JSON,
            "authorization": f"Bearer {token or self.token}",
            "cont-yn": cont_yn,
            "next-key": next_key,
        }
        if api_id is not None:
            h["api-id"] = api_id
        h.update(headers or {})
        if content is None:
            content = b"{}" if body is None else orjson.dumps(body)
        return self.client.post(f"/api/dostk/{category}", content=content, headers=h)


@pytest.fixture
def api() -> Api:
    return Api()


def bad_body(reason: str) -> dict[str, Any]:
    return {
        "return_code": 2,
        "return_msg": "입력 값 오류입니다[1517:입력 값 형식이 올바르지 않습니다. "
        f"파라미터=body 실패사유= {reason}]",
    }


def bad_key(reason: str) -> dict[str, Any]:
    return {
        "return_code": 2,
        "return_msg": "입력 값 오류입니다[1517:입력 값 형식이 올바르지 않습니다. "
        f"파라미터=next-key 실패사유= {reason}]",
    }


# ---------------------------------------------------------------------------- dispatch errors


def test_missing_api_id_is_1501_before_anything_else(api: Api) -> None:
    expected = {"return_code": 2, "return_msg": "입력 값 오류입니다[1501:API ID가 Null이거나 값이 없습니다]"}
    r = api.post(None)
    assert r.status_code == 200 and r.json() == expected
    assert r.json() == api.post("", headers={"authorization": ""}).json() == expected
    assert api.post(None, category="nowhere", content=b"junk").json() == expected


def test_unknown_api_id_is_1505_after_auth(api: Api) -> None:
    r = api.post("ka00000")
    assert r.json() == {
        "return_code": 1,
        "return_msg": "잘못된 요청입니다[1505:해당 API ID는 존재하지 않습니다. API ID=ka00000]",
    }
    assert r.headers["api-id"] == "ka00000" and r.headers["cont-yn"] == "N" and r.headers["next-key"] == ""
    assert r.headers["access-control-expose-headers"] == "api-id,cont-yn,next-key"
    no_auth = api.post("ka00000", headers={"authorization": ""}).json()
    assert "[1513:" in no_auth["return_msg"]  # auth is checked before the api-id is looked up


def test_an_api_id_kiwoom_has_and_sise_does_not_serve_says_so(api: Api) -> None:
    for api_id, category in (("ka10081", "chart"), ("ka10001", "stkinfo"), ("kt10000", "ordr")):
        r = api.post(api_id, category=category)
        text = f"sise에서 제공하지 않는 키움 API ID입니다. API ID={api_id}"
        assert r.status_code == 200
        assert r.json() == {"return_code": 1, "return_msg": f"잘못된 요청입니다[1505:{text}]"}


def test_every_served_api_id_is_a_known_one_on_its_uri() -> None:
    for tr in KIWOOM_TRS:
        assert KIWOOM_API_IDS.get(tr.api_id) == tr.category, tr.api_id


def test_api_id_on_the_wrong_uri_is_1504(api: Api) -> None:
    r = api.post(OTHER, category="sect")
    assert r.status_code == 200
    assert r.json() == {
        "return_code": 1,
        "return_msg": "잘못된 요청입니다[1504:해당 URI에서는 지원하는 API ID가 아닙니다. "
        f"API ID={OTHER}, URI=/api/dostk/sect]",
    }
    unknown_path = api.post(PAGED, category="nosuch").json()
    assert unknown_path == {
        "return_code": 1,
        "return_msg": "잘못된 요청입니다[1504:해당 URI에서는 지원하는 API ID가 아닙니다. "
        f"API ID={PAGED}, URI=/api/dostk/nosuch]",
    }
    assert api.post(OTHER, category="chart").json() == {"mock": "N", "return_code": 0, "return_msg": OK}


# ------------------------------------------------------------------------------------- body


def test_body_errors(api: Api) -> None:
    assert api.post(PICKY, content=b"").json() == bad_body(
        "요청 본문이 비어 있습니다. JSON 객체를 보내십시오"
    )
    assert api.post(PICKY, content=b"{nope").json() == bad_body("JSON 형식이 아닙니다")
    assert api.post(PICKY, content=b'["inds_cd"]').json() == bad_body("JSON 객체({...})여야 합니다")
    form = api.post(
        PICKY, content=b"inds_cd=001", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert form.json() == bad_body(
        "Content-Type은 application/json;charset=UTF-8 이어야 합니다 "
        "(받은 값: application/x-www-form-urlencoded)"
    )
    euc = api.post(PICKY, {"inds_cd": "001"}, headers={"Content-Type": "application/json; charset=EUC-KR"})
    assert euc.json() == bad_body("charset은 UTF-8이어야 합니다 (받은 값: application/json; charset=EUC-KR)")
    assert api.post(PICKY, content=b"{" + b" " * (1 << 20) + b"}").json()["return_code"] == 2


@pytest.mark.parametrize(
    "content_type",
    ["application/json;charset=UTF-8", "application/json", "Application/JSON; charset=utf-8", None],
)
def test_json_content_types_are_accepted(api: Api, content_type: str | None) -> None:
    h = {"api-id": PICKY, "authorization": f"Bearer {api.token}"}
    if content_type is not None:
        h["Content-Type"] = content_type
    r = api.client.post("/api/dostk/sect", content=b'{"inds_cd": "001"}', headers=h)
    assert r.json() == {"inds_cd": "001", "return_code": 0, "return_msg": OK}


def test_view_errors_pass_through_and_bugs_become_1999(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    r = api.post(PICKY, {})
    assert r.status_code == 200 and r.json() == {
        "return_code": 2,
        "return_msg": "입력 값 오류입니다[1511:"
        "필수 입력 값에 값이 존재하지 않습니다. 필수입력 파라미터=inds_cd]",
    }
    with caplog.at_level("ERROR", logger="sise.kiwoom"):
        r = api.post(BOOM, {})
    assert r.status_code == 200
    assert r.json() == {
        "return_code": 7,
        "return_msg": "서비스를 처리하는 중에 오류가 발생했습니다[1999:예기치 못한 에러가 발생했습니다]",
    }
    assert r.headers["api-id"] == BOOM and r.headers["content-type"] == JSON
    assert "a bug in a view" in caplog.text  # the traceback is logged, not sent


def test_a_failing_context_is_1999_not_500() -> None:
    def broken() -> KiwoomContext:
        raise RuntimeError("engine not ready")

    keys = KeyStore([REAL])
    client = TestClient(create_kiwoom_app(broken, keys, trs=STUB_TRS, rate_limit=0))
    body = {"grant_type": "client_credentials", "appkey": REAL.appkey, "secretkey": REAL.secretkey}
    token = client.post("/oauth2/token", json=body).json()["token"]
    r = client.post("/api/dostk/sect", json={}, headers={"api-id": FLAT, "authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["return_code"] == 7


# --------------------------------------------------------------------------------- envelope


def test_envelope_order_and_headers(api: Api) -> None:
    r = api.post(FLAT, {})
    assert r.content.decode() == (
        '{"a":"1","b":"-2","lst":[{"x":"1"}],"return_code":0,"return_msg":"정상적으로 처리되었습니다"}'
    )
    assert r.headers["content-type"] == JSON
    assert (r.headers["api-id"], r.headers["cont-yn"], r.headers["next-key"]) == (FLAT, "N", "")
    # Named for clients (and browsers) that read the continuation only through this list.
    assert r.headers["access-control-expose-headers"] == "api-id,cont-yn,next-key"
    camel = api.post(CAMEL, {}, category="stkinfo")
    assert list(camel.json()) == ["return_msg", "list", "return_code"]


def test_the_mock_personality_is_passed_to_views() -> None:
    mock = Api(mock=True)
    assert mock.post(OTHER, category="chart").json()["mock"] == "Y"


# ----------------------------------------------------------------------------- continuation


def page_through(api: Api, api_id: str, body: dict[str, Any], limit: int = 10) -> list[Any]:
    pages, cont, key = [], "N", ""
    for _ in range(limit):
        r = api.post(api_id, body, cont_yn=cont, next_key=key)
        assert r.status_code == 200, r.text
        pages.append(r)
        cont, key = r.headers["cont-yn"], r.headers["next-key"]
        if cont != "Y":
            break
    return pages


def test_continuation_reads_the_first_snapshot(api: Api) -> None:
    body = {"inds_cd": "001"}
    pages = page_through(api, PAGED, body)
    assert len(pages) == 3
    assert [p.headers["cont-yn"] for p in pages] == ["Y", "Y", "N"]
    keys = [p.headers["next-key"] for p in pages]
    assert keys[2] == "" and keys[0] != keys[1]
    for key in keys[:2]:
        assert len(key) == NEXT_KEY_LENGTH <= 50 and re.fullmatch(r"[A-Za-z0-9_-]+", key)
    bodies = [p.json() for p in pages]
    assert [len(b["inds_stkpc"]) for b in bodies] == [100, 100, 50]
    for b in bodies:  # summary fields repeat on every page, in wire order
        assert list(b) == ["inds_cd", "version", "inds_stkpc", "return_code", "return_msg"]
        assert b["inds_cd"] == "001" and b["version"] == "1"
    rows = [row for b in bodies for row in b["inds_stkpc"]]
    assert rows == _rows(1, 250)  # no repeats, no skips, all from the first snapshot
    assert Calls.n == 1  # the view ran once although the "market" would have changed since

    # Any page can be fetched again (a client retry); cont-yn N or no headers start over.
    again = api.post(PAGED, body, cont_yn="Y", next_key=keys[0])
    assert again.json()["inds_stkpc"] == bodies[1]["inds_stkpc"]
    fresh = api.post(PAGED, body, cont_yn="N", next_key=keys[0])
    assert fresh.json()["version"] == "2" and fresh.json()["inds_stkpc"] == _rows(2, 250)[:100]
    bare = api.client.post(
        "/api/dostk/sect", json=body, headers={"api-id": PAGED, "authorization": f"Bearer {api.token}"}
    )
    assert bare.json()["version"] == "3" and bare.headers["cont-yn"] == "Y"


def test_bad_next_keys(api: Api) -> None:
    body = {"inds_cd": "001"}
    key = api.post(PAGED, body).headers["next-key"]

    def resume(k: str, b: dict[str, Any] = body, api_id: str = PAGED) -> Any:
        return api.post(api_id, b, cont_yn="Y", next_key=k).json()

    forged = "이 서버가 발급하지 않았거나 변조된 키입니다"
    assert resume("") == bad_key("cont-yn=Y 인데 next-key가 없습니다")
    assert resume("100") == bad_key(forged)
    assert resume(base64.urlsafe_b64encode(bytes(33)).decode()) == bad_key(forged)
    raw = bytearray(base64.urlsafe_b64decode(key))
    raw[7] ^= 1  # the offset
    assert resume(base64.urlsafe_b64encode(bytes(raw)).decode()) == bad_key(forged)
    assert resume(key[:-1] + ("A" if key[-1] != "A" else "B")) == bad_key(forged)
    assert resume(key, api_id=PAGED2) == bad_key("다른 API ID의 연속조회 키입니다")
    assert resume(key, {"inds_cd": "002"}) == bad_key("요청 본문이 첫 조회와 다릅니다")
    assert resume(key, {"inds_cd": "001"})["return_code"] == 0
    # Another process (another secret) did not issue it.
    assert Api().post(PAGED, body, cont_yn="Y", next_key=key).json() == bad_key(forged)
    # Idle for the TTL: gone.
    api.clock.t += 600
    assert resume(key) == bad_key("만료된 연속조회 키입니다. 처음부터 다시 조회하십시오")


def test_the_body_hash_ignores_key_order_and_whitespace(api: Api) -> None:
    key = api.post(PAGED, content=b'{"inds_cd": "001", "mrkt_tp": "0"}').headers["next-key"]
    r = api.post(PAGED, content=b'{"mrkt_tp":"0","inds_cd":"001"}', cont_yn="Y", next_key=key)
    assert r.json()["return_code"] == 0 and len(r.json()["inds_stkpc"]) == 100


def test_snapshots_are_bounded() -> None:
    clock = FakeTime()
    pages = Paginator(max_snapshots=3, max_rows=1000, ttl_s=10, clock=clock)
    result = TrResult({}, "rows", _rows(0, 250), page_size=100)
    keys = [pages.first("ka1", {"i": i}, result).next_key for i in range(5)]
    assert len(pages) == 3
    with pytest.raises(Exception, match="만료된"):
        pages.resume("ka1", {"i": 0}, keys[0])  # evicted (least recently used)
    assert pages.resume("ka1", {"i": 4}, keys[4]).rows == result.rows[100:200]
    big = TrResult({}, "rows", _rows(0, 900), page_size=100)
    pages.first("ka1", {"big": 1}, big)
    assert len(pages) == 1  # 900 + 250 rows would exceed max_rows
    clock.t += 10
    pages.first("ka1", {"i": 9}, result)
    assert len(pages) == 1  # the idle one aged out
    short = pages.first("ka1", {}, TrResult({}, "rows", _rows(0, 100), page_size=100))
    assert short.next_key == "" and short.cont_yn == "N" and len(pages) == 1  # one page: no snapshot


# ------------------------------------------------------------------------------- rate limits


def limited() -> dict[str, Any]:
    return {
        "return_code": 5,
        "return_msg": "허용된 요청 개수를 초과하였습니다"
        f"[1700:허용된 요청 개수를 초과하였습니다. API ID={FLAT}]",
    }


def test_rate_limit_per_appkey_and_api_id() -> None:
    api = Api(rate_limit=None)
    assert [api.post(FLAT).status_code for _ in range(5)] == [200] * 5
    r = api.post(FLAT)
    assert r.status_code == 429 and r.json() == limited()
    assert r.headers["retry-after"] == "1" and r.headers["api-id"] == FLAT
    assert api.post(PICKY, {"inds_cd": "1"}).status_code == 200  # another api-id: its own bucket
    assert api.post(FLAT, token=api.tokens[REAL2.appkey]).status_code == 200  # another app key
    api.clock.t += 0.2  # one token back at 5/s
    assert api.post(FLAT).status_code == 200
    assert api.post(FLAT).status_code == 429


def test_mock_is_one_per_second_and_limits_can_be_switched_off() -> None:
    mock = Api(mock=True, rate_limit=None)
    assert mock.post(FLAT).status_code == 200
    assert mock.post(FLAT).status_code == 429
    mock.clock.t += 1.0
    assert mock.post(FLAT).status_code == 200
    off = Api(rate_limit=0)
    assert {off.post(FLAT).status_code for _ in range(50)} == {200}
    bursty = Api(rate_limit=2.0, burst=4)
    assert [bursty.post(FLAT).status_code for _ in range(5)] == [200] * 4 + [429]


def test_rate_limiter_unit() -> None:
    clock = FakeTime(0.0)
    limiter = RateLimiter(2.0, clock=clock)
    assert [limiter.acquire("k") for _ in range(3)] == [True, True, False]
    assert limiter.retry_after("k") == pytest.approx(0.5)
    clock.t += 0.5
    assert limiter.acquire("k") and not limiter.acquire("k")
    for i in range(1000):
        limiter.acquire(i)
    assert len(limiter) == 1001
    clock.t += 1.0  # burst / rate: every bucket is full again, so none is kept
    limiter.acquire("new")
    assert len(limiter) == 1
    capped = RateLimiter(1.0, clock=clock, max_buckets=10)
    for i in range(100):
        capped.acquire(i)
    assert len(capped) == 10
    slow = RateLimiter(0.5, clock=clock)  # below 1/s: the default burst still admits one
    assert slow.acquire("k") and not slow.acquire("k")
    assert RateLimiter(0).acquire("k") and not RateLimiter(0).enabled
    with pytest.raises(ValueError):
        RateLimiter(-1.0)
    with pytest.raises(ValueError):
        RateLimiter(float("nan"))
    with pytest.raises(ValueError):
        RateLimiter(5.0, burst=0.5)


# ------------------------------------------------------------------- a real server, real client


@pytest.fixture
def server() -> Iterator[str]:
    keys = KeyStore([REAL], [MOCK])
    app = create_kiwoom_app(context, keys, trs=STUB_TRS, rate_limit=0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


def fn_au10001(host: str, data: dict[str, str]) -> requests.Response:
    headers = {"Content-Type": "application/json;charset=UTF-8"}
    return requests.post(host + "/oauth2/token", headers=headers, json=data, timeout=10)


def fn_ka99901(
    host: str, token: str, data: dict[str, str], cont_yn: str = "N", next_key: str = ""
) -> requests.Response:
    headers = {
        "Content-Type": "application/json;charset=UTF-8",
        "authorization": f"Bearer {token}",
        "cont-yn": cont_yn,
        "next-key": next_key,
        "api-id": PAGED,
    }
    return requests.post(host + "/api/dostk/sect", headers=headers, json=data, timeout=10)


def test_a_client_written_like_the_official_samples(server: str) -> None:
    issued = fn_au10001(
        server, {"grant_type": "client_credentials", "appkey": REAL.appkey, "secretkey": REAL.secretkey}
    )
    assert issued.status_code == 200 and issued.json()["return_code"] == 0
    token = issued.json()["token"]
    rows: list[dict[str, Any]] = []
    cont_yn, next_key, pages = "N", "", 0
    while True:
        r = fn_ka99901(server, token, {"inds_cd": "001"}, cont_yn, next_key)
        assert r.status_code == 200 and r.headers["api-id"] == PAGED
        assert r.headers["content-type"] == JSON
        data = r.json()
        assert data["return_code"] == 0, data
        rows += data["inds_stkpc"]
        pages += 1
        cont_yn, next_key = r.headers.get("cont-yn", ""), r.headers.get("next-key", "")
        if cont_yn != "Y":
            break
    assert pages == 3 and next_key == ""
    assert rows == _rows(1, 250)
    revoked = requests.post(
        server + "/oauth2/revoke",
        headers={"Content-Type": "application/json;charset=UTF-8"},
        json={"appkey": REAL.appkey, "secretkey": REAL.secretkey, "token": token},
        timeout=10,
    )
    assert revoked.json() == {"return_code": 0, "return_msg": OK}
    after = fn_ka99901(server, token, {"inds_cd": "001"}).json()
    assert after == {"return_code": 3, "return_msg": "인증에 실패했습니다[8005:Token이 유효하지 않습니다]"}


def test_lazy_rows_are_formatted_a_page_at_a_time() -> None:
    from sise.api.kiwoom.paging import Paginator
    from sise.api.kiwoom.tr import LazyRows, TrResult

    built: list[tuple[int, int]] = []

    def build(start: int, stop: int) -> list[dict[str, Any]]:
        built.append((start, stop))
        return [{"n": str(i)} for i in range(start, stop)]

    pages = Paginator(clock=lambda: 0.0)
    result = TrResult({"a": "1"}, "rows", LazyRows(250, build), page_size=100)
    first = pages.first("ka99901", {"x": "1"}, result)
    assert [r["n"] for r in first.rows] == [str(i) for i in range(100)]
    assert built == [(0, 100)]  # only the first page was formatted
    second = pages.resume("ka99901", {"x": "1"}, first.next_key)
    assert [r["n"] for r in second.rows] == [str(i) for i in range(100, 200)]
    assert built == [(0, 100), (100, 200)]


def test_first_pages_are_built_once_per_engine_state() -> None:
    """Identical requests against an unchanged engine share one answer; a change rebuilds it."""
    from types import SimpleNamespace

    engine = SimpleNamespace(version=1)
    built: list[int] = []

    q_param = Param("q", "q", str, required=False)

    def counted(ctx: KiwoomContext, req: Request) -> Answer:
        built.append(ctx.engine.version)
        return Answer({"v": str(ctx.engine.version), "q": req.get(q_param) or ""})

    keys = KeyStore([REAL], [MOCK])
    clock = FakeTime()
    app = create_kiwoom_app(
        lambda: KiwoomContext(cast(Any, engine), cast(Any, None), None, lambda: 0),
        keys,
        trs=[stub("ka99905", "sect", counted, q_param)],
        rate_limit=0,
        monotonic=clock,
    )
    client = TestClient(app)
    body = {"grant_type": "client_credentials", "appkey": REAL.appkey, "secretkey": REAL.secretkey}
    token = client.post("/oauth2/token", json=body).json()["token"]
    headers = {"authorization": f"Bearer {token}", "api-id": "ka99905"}

    def ask(q: str) -> dict[str, Any]:
        return dict(client.post("/api/dostk/sect", headers=headers, json={"q": q}).json())

    assert ask("a")["v"] == "1" and ask("a")["v"] == "1" and ask("a")["q"] == "a"
    assert built == [1]  # three identical requests, one build
    assert ask("b")["q"] == "b" and built == [1, 1]  # another body is another answer
    engine.version = 2
    assert ask("a")["v"] == "2" and built == [1, 1, 2]  # the market moved: rebuilt
    clock.t += 61  # and cached answers expire after a minute of wall time regardless
    assert ask("a")["v"] == "2" and built == [1, 1, 2, 2]
