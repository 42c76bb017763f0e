"""The Koscom gateway behaviour (koscom.md §1): API keys, the daily quota, routing, envelopes.

Endpoint contents are tested per family (test_koscom_stocks.py …); this module drives the app
in-process through Starlette's test client, with the small simulated day of ``simday``.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from koscom_fields import KEY
from simday import Day, now_of, small_day
from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.api.koscom.quota import DEFAULT_DAILY_QUOTA, DailyQuota
from sise.api.koscom.routes import PathTable

JSON = "application/json; charset=utf-8"


class Wall:
    t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def day() -> Day:
    return small_day()


def client(day: Day, *, quota: int = DEFAULT_DAILY_QUOTA, wall: Wall | None = None) -> TestClient:
    now = now_of(day.full)

    def context() -> KoscomContext:
        return KoscomContext(day.full, day.universe, day.store, lambda: now)

    app = create_koscom_app(
        context, lambda k: k == KEY, endpoints=KOSCOM_ENDPOINTS, daily_quota=quota, wall=wall or Wall()
    )
    return TestClient(app)


def get(c: TestClient, path: str, key: str | None = KEY, *, query: bool = False, **params: Any) -> Any:
    headers = {} if key is None or query else {"apikey": key}
    if query and key is not None:
        params["apikey"] = key
    return c.get(path, headers=headers, params=params)


def test_the_key_comes_in_the_header_or_the_query(day: Day) -> None:
    c = client(day)
    for query in (False, True):
        r = get(c, "/v2/market/stocks/kospi/005930/price", query=query)
        assert r.status_code == 200 and r.headers["content-type"] == JSON
        assert r.json()["result"]["isuSrtCd"] == "005930"


def test_missing_and_unknown_keys_are_401_in_the_gateway_shape(day: Day) -> None:
    c = client(day)
    r = get(c, "/v2/market/stocks/kospi/005930/price", key=None)
    assert (r.status_code, r.json()) == (401, {"message": "No API key found in request"})
    r = get(c, "/v2/market/stocks/kospi/005930/price", key="l7xxnope")
    assert (r.status_code, r.json()) == (401, {"message": "Invalid authentication credentials"})
    assert "X-RateLimit-Remaining-Day" not in r.headers


def test_unknown_routes_are_404_and_other_methods_405(day: Day) -> None:
    c = client(day)
    for path in ("/v2/market/stocks/kospi/005930/nothing", "/v2/market/", "/v2/other", "/v3/market/x"):
        r = get(c, path)
        assert (r.status_code, r.json()) == (404, {"message": "no Route matched with those values"}), path
    r = get(c, "/v2/market/stocks/nasdaq/005930/price")  # a market the endpoint does not route
    assert r.status_code == 404
    r = c.post("/v2/market/stocks/kospi/005930/price", headers={"apikey": KEY})
    assert r.status_code == 405 and r.json() == {"message": "Method Not Allowed"}


def test_the_quota_counts_down_and_refuses_with_429(day: Day) -> None:
    wall = Wall()
    c = client(day, quota=3, wall=wall)
    seen = []
    for _ in range(3):
        r = get(c, "/v2/market/stocks/kospi/005930/price")
        assert r.status_code == 200 and r.headers["X-RateLimit-Limit-Day"] == "3"
        seen.append(int(r.headers["X-RateLimit-Remaining-Day"]))
    assert seen == [2, 1, 0]
    r = get(c, "/v2/market/stocks/kospi/005930/price")
    assert (r.status_code, r.json()) == (429, {"message": "API rate limit exceeded"})
    assert r.headers["X-RateLimit-Remaining-Day"] == "0"
    wall.t += 86_400  # the next UTC day
    r = get(c, "/v2/market/stocks/kospi/005930/price")
    assert r.status_code == 200 and r.headers["X-RateLimit-Remaining-Day"] == "2"


def test_errors_after_the_key_check_carry_the_quota_headers(day: Day) -> None:
    c = client(day)
    r = get(c, "/v2/market/stocks/kospi/999999/price")
    assert r.status_code == 400
    assert r.json() == {
        "jsonrpc": "2.0",
        "error": {"code": 10040, "message": "종목코드가 존재 하지 않습니다"},
    }
    assert r.headers["X-RateLimit-Remaining-Day"] == str(DEFAULT_DAILY_QUOTA - 1)
    r = get(c, "/v2/market/stocks/kospi/0059%2A3/price")  # malformed: 20030
    assert r.json()["error"]["code"] == 20030


def test_a_quota_of_zero_is_off() -> None:
    q = DailyQuota(0)
    assert all(q.take("k") is not None for _ in range(100))


def test_v3_paths_answer_like_their_v2_twins(day: Day) -> None:
    c = client(day)
    for ep in KOSCOM_ENDPOINTS:
        for v3 in ep.v3:
            v2_path = "/v2/market" + ep.path.format(market="kospi", code="005930")
            v3_path = "/v3/market" + v3.format(market="kospi", code="005930")
            a, b = get(c, v2_path), get(c, v3_path)
            assert (a.status_code, a.content) == (b.status_code, b.content), v3_path


def test_the_path_table_prefers_literal_segments() -> None:
    t: PathTable[str] = PathTable()
    t.add("/stocks/{market}/{code}/price", "price")
    t.add("/stocks/{market}/investors", "market investors")
    t.add("/stocks/{market}/{code}/investors", "issue investors")
    t.add("/futures/{market}/market/investors", "futures investors")
    t.add("/futures/{market}/{code}/price", "futures price")
    assert t.match("/stocks/kospi/005930/price") == ("price", {"market": "kospi", "code": "005930"})
    assert t.match("/stocks/kospi/investors") == ("market investors", {"market": "kospi"})
    assert t.match("/futures/kospi200/market/investors") == ("futures investors", {"market": "kospi200"})
    assert t.match("/futures/kospi200/market/price") == (
        "futures price",
        {"market": "kospi200", "code": "market"},
    )
    assert t.match("/stocks/kospi//price") is None and t.match("/stocks") is None
    with pytest.raises(ValueError):
        t.add("/stocks/{market}/{code}/price", "again")
    with pytest.raises(ValueError):
        t.add("/stocks/{nation}/holiday", "renamed placeholder")
