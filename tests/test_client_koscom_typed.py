"""Every typed Koscom method, sync and async, against a real ``sise serve`` after the close (16:10,
when the close-type endpoints answer): the model holds what the server sent, field for field."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from served import served
from sise.client import AsyncKoscomClient, KoscomClient
from sise.client.koscom_endpoints import KOSCOM_ENDPOINTS
from sise.client.koscom_models import KoscomModel

KEY = "l7xx" + "0123456789abcdef" * 2
DAY = "20261120"
STOCK, ETF, INDEX, DERIVATIVES = ("kospi", "005930"), ("kospi", "069500"), ("kospi", "K1"), "kospi200"
HISTORY = {"trnsmCycleTpCd": "D", "inqStrtDd": DAY, "inqEndDd": DAY}
INTRADAY = {"inddCycleTpCd": "60", "inqStrtDd": DAY, "strtTm": "0900", "endTm": "1000"}

#: method -> (path arguments, keyword arguments, whether its list has rows on this day). The futures
#: and option codes are the day's first listed, filled in by ``cases``.
CASES: dict[str, tuple[tuple[Any, ...], dict[str, Any], bool]] = {
    "stock_list": (("kospi",), {}, True),
    "stock_master": (STOCK, {}, False),
    "stock_selective_master": ((*STOCK, ["prevddClsprc", "wk52HgstPrc", "BzDd"]), {}, False),
    "stock_close_price": (STOCK, {}, False),
    "stock_price": (STOCK, {}, False),
    "stock_orderbook": (STOCK, {}, False),
    "stock_investors": (STOCK, {}, True),
    "etf_close_nav": (ETF, {}, False),
    "stock_short_selling": (STOCK, {"inqStrtDd": DAY, "inqEndDd": DAY}, False),
    "stock_intraday": (STOCK, INTRADAY, True),
    "stock_trade_ranking": (STOCK, {}, False),
    "stock_foreign_history": (STOCK, HISTORY, False),
    "stock_history": (STOCK, HISTORY, True),
    "etf_pdf": (ETF, {}, True),
    "etf_nav": (ETF, {}, False),
    "etf_nav_history": (ETF, HISTORY, False),
    "holidays": ((), {}, True),
    "market_prices": (("kospi",), {}, True),
    "market_ohlc": (("kospi",), {}, True),
    "market_after_hours_ohlc": (("kospi",), {}, True),
    "market_quotes": (("kospi",), {}, True),
    "multi_price": (("kospi", ["005930", "000660"]), {}, True),
    "multi_orderbook": (("kospi", "005930,000660"), {}, True),
    "index_close": (INDEX, {}, False),
    "index_level": (INDEX, {}, False),
    "index_expected": (INDEX, {}, False),
    "index_market_cap": (INDEX, {}, False),
    "index_investors": (INDEX, {}, True),
    "index_intraday": (INDEX, INTRADAY, True),
    "index_history": (INDEX, HISTORY, True),
    "market_investors": (("kospi",), {}, True),
    "market_index": (("kospi",), {}, False),
}
for _family in ("futures", "option"):
    CASES |= {
        f"{_family}_list": ((DERIVATIVES,), {}, True),
        f"{_family}_master": ((DERIVATIVES, _family), {}, False),
        f"{_family}_close_price": ((DERIVATIVES, _family), {}, False),
        f"{_family}_price": ((DERIVATIVES, _family), {}, False),
        f"{_family}_orderbook": ((DERIVATIVES, _family), {}, False),
        f"{_family}_investors": ((DERIVATIVES,), {}, True),
        f"{_family}_intraday": ((DERIVATIVES, _family), INTRADAY, _family == "futures"),
        f"{_family}_history": ((DERIVATIVES, _family), HISTORY, _family == "futures"),
    }


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    args = ["--mock-port", "0", "--history-years", "0", "--scale", "0.02", "--date", "2026-11-20"]
    args += ["--start", "16:10"]
    with served(tmp_path_factory.mktemp("sise"), args, keys={"koscom": [{"apikey": KEY}]}) as s:
        yield f"http://127.0.0.1:{s.port}"


@pytest.fixture(scope="module")
def cases(url: str) -> dict[str, tuple[tuple[Any, ...], dict[str, Any], bool]]:
    """``CASES`` with the futures and option codes of the day."""
    with KoscomClient(url, KEY) as c:
        codes = {f: getattr(c, f"{f}_list")(DERIVATIVES).isuLists[0].isuSrtCd for f in ("futures", "option")}
    return {
        name: (tuple(codes.get(a, a) if isinstance(a, str) else a for a in args), kw, rows)
        for name, (args, kw, rows) in CASES.items()
    }


def _unwrapped(r: httpx.Response) -> Any:
    body = r.json()
    return body["result"] if "jsonrpc" in body else body


def _projected(built: Any, raw: Any) -> Any:
    """``built`` (the model as builtins) cut down to the keys ``raw`` (the wire answer) has."""
    if isinstance(raw, dict) and isinstance(built, dict):
        return {k: _projected(built[k], v) if k in built else ("missing", k) for k, v in raw.items()}
    if isinstance(raw, list) and isinstance(built, list) and len(raw) == len(built):
        return [_projected(b, r) for b, r in zip(built, raw, strict=True)]
    return built


def _check(name: str, answer: KoscomModel, raw: Any, args: tuple[Any, ...], rows: bool) -> None:
    endpoint = next(e for e in KOSCOM_ENDPOINTS if e.method == name)
    assert type(answer) is endpoint.model
    assert _projected(msgspec.to_builtins(answer), raw) == raw  # every field, as sent
    lists = [v for v in msgspec.structs.asdict(answer).values() if isinstance(v, list)]
    if rows:
        assert lists and lists[0], f"{name}: no rows"
    code = getattr(answer, "isuSrtCd", "")
    if len(args) > 1 and isinstance(args[1], str) and code:
        assert code.startswith(args[1])  # derivatives' price answers "CODE*006"


def test_the_cases_cover_every_endpoint() -> None:
    assert set(CASES) == {e.method for e in KOSCOM_ENDPOINTS}


@pytest.mark.parametrize("name", list(CASES))
def test_each_typed_method(
    url: str, cases: dict[str, tuple[tuple[Any, ...], dict[str, Any], bool]], name: str
) -> None:
    args, kw, rows = cases[name]
    seen: list[httpx.Response] = []

    def keep(r: httpx.Response) -> None:
        r.read()
        seen.append(r)

    with httpx.Client(event_hooks={"response": [keep]}) as http, KoscomClient(url, KEY, http=http) as c:
        answer = getattr(c, name)(*args, **kw)
    (response,) = seen
    assert response.status_code == 200
    _check(name, answer, _unwrapped(response), args, rows)


def test_each_typed_method_async(
    url: str, cases: dict[str, tuple[tuple[Any, ...], dict[str, Any], bool]]
) -> None:
    async def run() -> list[tuple[str, KoscomModel, httpx.Response]]:
        seen: list[httpx.Response] = []

        async def keep(r: httpx.Response) -> None:
            await r.aread()
            seen.append(r)

        out = []
        async with (
            httpx.AsyncClient(event_hooks={"response": [keep]}) as http,
            AsyncKoscomClient(url, KEY, http=http) as c,
        ):
            for name, (args, kw, _) in cases.items():
                answer = await getattr(c, name)(*args, **kw)
                out.append((name, answer, seen[-1]))
        return out

    for name, answer, response in asyncio.run(run()):
        args, _, rows = cases[name]
        _check(name, answer, _unwrapped(response), args, rows)


def test_selectivemaster_sends_bare_field_names(url: str) -> None:
    seen: list[httpx.URL] = []
    with (
        httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url)]}) as http,
        KoscomClient(url, KEY, http=http) as c,
    ):
        answer = c.stock_selective_master("kospi", "005930", ["prevddClsprc", "uplmtprc"])
    assert seen[0].query == b"prevddClsprc&uplmtprc"
    assert answer.prevddClsprc is not None and answer.prevddClsprc > 0
    assert answer.uplmtprc is not None and answer.uplmtprc > answer.prevddClsprc
    assert answer.lwlmtprc is None  # not asked for


def test_typed_answers_make_frames(url: str) -> None:
    pytest.importorskip("pandas")
    with KoscomClient(url, KEY) as c:
        history = c.stock_history("kospi", "005930", trnsmCycleTpCd="D", inqStrtDd=DAY, inqEndDd=DAY)
        frame = history.to_frame()
        assert list(frame["trdDd"]) == [r.trdDd for r in history.hisLists]
        assert list(frame["trdPrc"]) == [r.trdPrc for r in history.hisLists]
        holidays = c.holidays()
        assert list(holidays.to_frame()["lists"]) == holidays.lists
        price = c.stock_price("kospi", "005930")
        assert price.to_frame()["trdPrc"].tolist() == [price.trdPrc]
