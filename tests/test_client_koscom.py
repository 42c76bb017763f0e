"""``KoscomClient`` / ``AsyncKoscomClient`` against a real ``sise serve``: each endpoint family, the
three envelopes, every error type and the daily quota."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from served import free_port, served
from sise.client import (
    AsyncKoscomClient,
    KoscomAuthError,
    KoscomClient,
    KoscomClosedError,
    KoscomConnectionError,
    KoscomNotFoundError,
    KoscomQuotaError,
    KoscomRequestError,
    KoscomTransportError,
    Quota,
)

KEY = "l7xx" + "0123456789abcdef" * 2
SPENT = "l7xx" + "fedcba9876543210" * 2  # the key whose quota the quota test spends
QUOTA = 60


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Market open (09:05): close-type endpoints are outside their window.
    args = ["--mock-port", "0", "--history-years", "0", "--scale", "0.02", "--date", "2026-11-20"]
    args += ["--koscom-quota", str(QUOTA)]
    # Koscom keys only: Kiwoom's ports then admit nobody, and the banner says so.
    keys: dict[str, list[dict[str, str]]] = {"koscom": [{"apikey": KEY}, {"apikey": SPENT}]}
    with served(tmp_path_factory.mktemp("sise"), args, keys=keys) as s:
        yield f"http://127.0.0.1:{s.port}"


@pytest.fixture(scope="module")
def koscom(url: str) -> Iterator[KoscomClient]:
    with KoscomClient(url, KEY) as c:
        yield c


def test_each_family_and_envelope(url: str, koscom: KoscomClient) -> None:
    # B (JSON-RPC): the result, unwrapped.
    price = koscom.stocks("kospi", "price", "005930")
    assert price["isuSrtCd"] == "005930" and price["trdPrc"] > 0
    raw = httpx.get(f"{url}/v2/market/stocks/kospi/005930/price", headers={"apikey": KEY}).json()
    assert raw["jsonrpc"] == "2.0" and raw["result"]["isuSrtCd"] == "005930"
    # A (plain list): as it is.
    listed = koscom.stocks("kospi", "lists")
    assert listed["trdDd"] == "20261120" and any(i["isuSrtCd"] == "005930" for i in listed["isuLists"])
    # A' (multiquote snapshot) and the multi-symbol result's lower-case isulist.
    assert koscom.multiquote("kospi", "lists")["isuLists"]
    both = koscom.multiquote("kospi", "price", ["005930", "000660"])["isulist"]
    assert [r["isuSrtCd"] for r in both] == ["005930", "000660"]
    # C (extra services): as it is.
    pdf = koscom.stocks("kospi", "pdf", "069500")
    assert int(pdf["Cnt"]) == len(pdf["Lists"]) > 0
    # Index, futures, options.
    k1 = koscom.index("kospi", "K1", "index")
    assert k1["isuSrtCd"] == "K1" and k1["trdPrc"] > 0
    futures = koscom.futures("kospi200", "lists")["isuLists"]
    front = futures[0]["isuSrtCd"]
    assert koscom.futures("kospi200", "price", front)["isuSrtCd"] == front
    assert koscom.futures("kospi200", "investors", "market")
    option = koscom.options("kospi200", "lists")["isuLists"][0]["isuSrtCd"]
    assert koscom.options("kospi200", "price", option)["isuSrtCd"].startswith(option)
    history = koscom.stocks(
        "kospi", "history", "005930", trnsmCycleTpCd="D", inqStrtDd="20261120", inqEndDd="20261120"
    )
    assert history["hisLists"]


def test_the_quota_follows_the_headers(koscom: KoscomClient) -> None:
    koscom.stocks("kospi", "price", "005930")
    before = koscom.quota
    assert before is not None and before.limit == QUOTA
    koscom.index("kospi", "K1", "index")
    assert koscom.quota == Quota(QUOTA, before.remaining - 1)


def test_a_spent_quota_is_a_quota_error_not_retried(url: str) -> None:
    seen: list[int] = []
    with (
        httpx.Client(event_hooks={"response": [lambda r: seen.append(r.status_code)]}) as http,
        KoscomClient(url, SPENT, http=http) as c,
    ):
        for _ in range(QUOTA):
            c.index("kospi", "K1", "index")
        assert c.quota == Quota(QUOTA, 0)
        with pytest.raises(KoscomQuotaError) as e:
            c.index("kospi", "K1", "index")
    assert (e.value.status, e.value.message) == (429, "API rate limit exceeded")
    assert seen.count(429) == 1  # a daily quota is not worth a retry


def test_errors_are_typed(url: str, koscom: KoscomClient) -> None:
    with pytest.raises(KoscomRequestError) as e:
        koscom.stocks("kospi", "price", "999999")
    assert (e.value.status, e.value.code) == (400, 10040) and "종목코드" in e.value.message
    with pytest.raises(KoscomClosedError) as closed:
        koscom.stocks("kospi", "closeprice", "005930")
    assert closed.value.status == 400 and closed.value.message == "당일 종가 제공 시간이 아닙니다."
    with pytest.raises(KoscomNotFoundError) as nf:
        koscom.stocks("kospi", "nothing", "005930")
    assert nf.value.message == "no Route matched with those values"
    with KoscomClient(url, "l7xx" + "0" * 32) as c, pytest.raises(KoscomAuthError) as auth:
        c.stocks("kospi", "price", "005930")
    assert (auth.value.status, auth.value.message) == (401, "Invalid authentication credentials")
    with pytest.raises(KoscomTransportError):
        koscom.get("/oauth2/token")  # Kiwoom's side of the same port
    with KoscomClient(f"http://127.0.0.1:{free_port()}", KEY) as c, pytest.raises(KoscomConnectionError):
        c.stocks("kospi", "lists")
    with pytest.raises(ValueError, match="at most 20"):
        koscom.multiquote("kospi", "price", ["005930"] * 21)


def test_the_key_comes_from_the_environment(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SISE_BASE_URL", url)
    monkeypatch.setenv("SISE_KOSCOM_APIKEY", KEY)
    with KoscomClient() as c:
        assert c.stocks("kospi", "price", "005930")["isuSrtCd"] == "005930"
    monkeypatch.delenv("SISE_KOSCOM_APIKEY")
    with pytest.raises(ValueError, match="SISE_KOSCOM_APIKEY"):
        KoscomClient()


def test_the_async_client(url: str) -> None:
    async def main() -> None:
        async with AsyncKoscomClient(url, KEY) as c:
            price, k1, lists, fut = await asyncio.gather(
                c.stocks("kospi", "price", "005930"),
                c.index("kospi", "K1", "index"),
                c.multiquote("kosdaq", "lists"),
                c.futures("kospi200", "lists"),
            )
            assert price["isuSrtCd"] == "005930" and k1["isuSrtCd"] == "K1"
            assert lists["isuLists"] and fut["isuLists"]
            front = fut["isuLists"][0]["isuSrtCd"]
            assert (await c.futures("kospi200", "price", front))["isuSrtCd"] == front
            assert (await c.options("kospi200", "lists"))["isuLists"]
            assert (await c.multiquote("kospi", "price", "005930"))["isulist"]
            assert c.quota is not None and c.quota.limit == QUOTA
            with pytest.raises(KoscomRequestError):
                await c.stocks("kospi", "price", "999999")

    asyncio.run(main())
