"""Token renewal against a real ``sise serve`` whose tokens live two seconds (``--token-lifetime``),
and paging while the market moves."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from served import served
from sise.client import AsyncKiwoomClient, KiwoomClient, Token

LIFETIME_S = 2.0


class Recorder:
    """Paths of every response an httpx client receives."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, r: httpx.Response) -> None:
        self.paths.append(r.request.url.path)

    async def async_hook(self, r: httpx.Response) -> None:
        self(r)

    def count(self, prefix: str) -> int:
        return sum(p.startswith(prefix) for p in self.paths)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    args = ["--mock-port", "0", "--history-years", "0", "--scale", "0.02", "--date", "2026-11-20"]
    args += ["--token-lifetime", str(LIFETIME_S)]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
        yield f"http://127.0.0.1:{s.port}", keys["real"][0]


def client(server: tuple[str, dict[str, str]], http: httpx.Client) -> KiwoomClient:
    url, key = server
    return KiwoomClient(url, key["appkey"], key["secretkey"], http=http)


def wait_past(token: Token) -> None:
    """Until the service has certainly expired ``token`` (``expires_dt`` is cut to the second)."""
    time.sleep(max(0.0, token.expires_at + 1.2 - time.time()))


def test_an_expired_token_is_renewed_before_the_call(server: Any) -> None:
    rec = Recorder()
    with httpx.Client(event_hooks={"response": [rec]}) as http, client(server, http) as c:
        assert c.sector_codes("0").list_
        first = c.token()
        assert first.expires_at - time.time() <= LIFETIME_S
        wait_past(first)
        assert c.sector_codes("0").list_
        assert c.token().token != first.token
    # Renewed before the call, so the call was not refused first.
    assert rec.count("/oauth2/token") == 2 and rec.count("/api/dostk") == 2


def test_a_token_the_service_expired_early_is_replaced_on_8005(server: Any) -> None:
    rec = Recorder()
    with httpx.Client(event_hooks={"response": [rec]}) as http, client(server, http) as c:
        c.sector_codes("0")
        first = c.token()
        # The local clock believes the token good for another hour (skew, an early expiry).
        c.core.token = dataclasses.replace(first, renew_at=time.time() + 3600)
        wait_past(first)
        assert c.all_sectors("001").all_inds_idex
        assert c.token().token != first.token
    assert rec.count("/oauth2/token") == 2 and rec.count("/api/dostk") == 3  # one 8005, one retry


def test_concurrent_callers_share_one_renewal(server: Any) -> None:
    rec = Recorder()
    with httpx.Client(event_hooks={"response": [rec]}) as http, client(server, http) as c:
        wait_past(c.token())
        errors: list[BaseException] = []

        def call() -> None:
            try:
                c.all_sectors("101")
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
    assert rec.count("/oauth2/token") == 2 and rec.count("/api/dostk") == 8


def test_concurrent_tasks_share_one_renewal(server: Any) -> None:
    url, key = server
    rec = Recorder()

    async def main() -> None:
        async with (
            httpx.AsyncClient(event_hooks={"response": [rec.async_hook]}) as http,
            AsyncKiwoomClient(url, key["appkey"], key["secretkey"], http=http) as c,
        ):
            first = await c.token()
            await asyncio.sleep(max(0.0, first.expires_at + 1.2 - time.time()))
            answers = await asyncio.gather(*(c.sector_daily("001") for _ in range(6)))
            assert all(a.cur_prc is not None for a in answers)
            assert (await c.token()).token != first.token

    asyncio.run(main())
    assert rec.count("/oauth2/token") == 2 and rec.count("/api/dostk") == 6


def test_a_bot_keeps_running_across_expiries(server: Any) -> None:
    rec = Recorder()
    with httpx.Client(event_hooks={"response": [rec]}) as http, client(server, http) as c:
        deadline = time.monotonic() + 3 * LIFETIME_S
        calls = 0
        while time.monotonic() < deadline:
            assert c.sector_price("201").cur_prc is not None
            calls += 1
            time.sleep(0.3)
    assert rec.count("/api/dostk") >= calls  # a refused call is retried, never lost
    assert rec.count("/oauth2/token") <= 3 * 2 + 1


def test_pages_hold_together_while_the_market_moves(server: Any) -> None:
    with httpx.Client() as http, client(server, http) as c:
        before = c.sector_stocks("001").inds_stkpc
        after = c.sector_stocks("001").inds_stkpc
    for stocks in (before, after):
        codes = [s.stk_cd for s in stocks]
        assert len(codes) > 100 and len(codes) == len(set(codes)) and codes == sorted(codes)
    assert [s.stk_cd for s in before] == [s.stk_cd for s in after]
