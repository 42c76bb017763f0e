"""``KiwoomClient`` / ``AsyncKiwoomClient`` against a real ``sise serve``: every typed TR, paging,
pacing and backoff on the 모의투자 port, and every error type.

The server starts after the close (16:00) so index levels hold still and the TRs can be checked
against each other: ka20001's summary, ka20003's composite row, ka20009's newest row, ka10051's
×100 row and the chart bars all carry the same level, each in its own format.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args

import httpx
import msgspec
import pytest

from served import free_port, served
from sise.client import (
    AsyncKiwoomClient,
    Directed,
    Direction,
    KiwoomAuthError,
    KiwoomClient,
    KiwoomConnectionError,
    KiwoomNotFoundError,
    KiwoomPageLimitError,
    KiwoomRateLimitError,
    KiwoomRequestError,
    KiwoomTokenError,
    KiwoomTransportError,
)
from sise.client import kiwoom_calls as calls
from sise.client.kiwoom_errors import error_for
from sise.client.kiwoom_models import _careful, decode, list_key

DAY = "20261120"


@dataclass
class Server:
    url: str
    mock_url: str
    real: dict[str, str]
    mock: dict[str, str]

    def client(self, **kw: Any) -> KiwoomClient:
        return KiwoomClient(self.url, self.real["appkey"], self.real["secretkey"], **kw)

    def mock_client(self, **kw: Any) -> KiwoomClient:
        return KiwoomClient(self.mock_url, self.mock["appkey"], self.mock["secretkey"], mock=True, **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    mock_port = free_port()
    args = ["--mock-port", str(mock_port), "--history-years", "0", "--scale", "0.02"]
    args += ["--date", "2026-11-20", "--start", "16:00"]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
        yield Server(
            f"http://127.0.0.1:{s.port}", f"http://127.0.0.1:{mock_port}", keys["real"][0], keys["mock"][0]
        )


@pytest.fixture(scope="module")
def kiwoom(server: Server) -> Iterator[KiwoomClient]:
    with server.client() as c:
        yield c


class Recorder:
    """Every response an ``httpx.Client`` receives: (path, status)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def __call__(self, r: httpx.Response) -> None:
        with self._lock:
            self.seen.append((r.request.url.path, r.status_code))

    def http(self) -> httpx.Client:
        return httpx.Client(event_hooks={"response": [self]})

    def count(self, path: str = "", status: int | None = None) -> int:
        return sum(1 for p, s in self.seen if p.startswith(path) and (status is None or s == status))


def bare(server: Server, token: str, api_id: str, body: dict[str, str], path: str = "sect") -> httpx.Response:
    """One TR the way Kiwoom's samples post it, without the SDK."""
    headers = {
        "api-id": api_id,
        "authorization": f"Bearer {token}",
        "Content-Type": "application/json;charset=UTF-8",
    }
    return httpx.post(f"{server.url}/api/dostk/{path}", json=body, headers=headers)


# -- typed TRs ----------------------------------------------------------------------------------------


def test_the_index_trs_agree_on_one_level_in_each_format(kiwoom: KiwoomClient) -> None:
    price = kiwoom.sector_price("001")
    level = price.cur_prc
    assert isinstance(level, Directed) and level.value > 0 and price.pred_pre is not None
    # The direction prefix agrees with the change's sign and the sign code.
    expected = (
        Direction.UP if price.pred_pre > 0 else Direction.DOWN if price.pred_pre < 0 else Direction.FLAT
    )
    assert level.direction is expected
    assert price.pred_pre_sig == {Direction.UP: 2, Direction.DOWN: 5, Direction.FLAT: 3}[expected]

    composite = kiwoom.all_sectors("001").all_inds_idex[0]
    assert composite.stk_cd == "001" and composite.cur_prc == level and composite.flu_rt == price.flu_rt
    assert composite.trde_qty == price.trde_qty and composite.wght is None  # Kiwoom sends "" for wght

    daily = kiwoom.sector_daily("001")
    assert daily.cur_prc == level and daily.inds_cur_prc_daly_rept[0].dt_n == DAY
    assert daily.inds_cur_prc_daly_rept[0].cur_prc_n == level

    investors = kiwoom.sector_investors("0", "0", "1").inds_netprps[0]  # ×100 on the wire
    assert investors.inds_cd == "001" and investors.cur_prc == level
    assert investors.pred_pre == price.pred_pre and investors.flu_rt == price.flu_rt

    day = kiwoom.day_chart("001", DAY).inds_dt_pole_qry[0]  # ×100, unsigned on the wire
    assert (day.dt, day.cur_prc, day.trde_qty) == (DAY, level.value, price.trde_qty)
    assert day.high_pric == price.high_pric.value if price.high_pric else False
    for chart in (
        kiwoom.week_chart("001", DAY).inds_stk_pole_qry,
        kiwoom.month_chart("001", DAY).inds_mth_pole_qry,
    ):
        assert chart[0].cur_prc == level.value and chart[0].open_pric == day.open_pric
    assert kiwoom.year_chart("001", DAY).inds_yr_pole_qry[0].cur_prc == level.value
    minute = kiwoom.minute_chart("001", "1").inds_min_pole_qry[0]
    assert minute.cur_prc == level and minute.cntr_tm.startswith(DAY)
    tick = kiwoom.tick_chart("001", "1")
    assert tick.inds_cd == "001" and tick.inds_tic_chart_qry[0].cur_prc == level.value


def test_a_typed_answer_is_the_raw_answer_parsed(server: Server, kiwoom: KiwoomClient) -> None:
    token = kiwoom.token().token
    raw = bare(server, token, "ka20003", {"inds_cd": "001"}).json()["all_inds_idex"]
    typed = kiwoom.all_sectors("001").all_inds_idex
    assert [r.stk_cd for r in typed] == [r["stk_cd"] for r in raw]
    for t, r in zip(typed, raw, strict=True):
        prefix = {"+": Direction.UP, "-": Direction.DOWN}.get(r["cur_prc"][0], Direction.FLAT)
        assert t.cur_prc == Directed(abs(float(r["cur_prc"])), prefix)
        assert t.pred_pre == float(r["pred_pre"]) and t.rising == int(r["rising"])
    # ka10101 lists the same sectors, in the same order.
    assert [c.code for c in kiwoom.sector_codes("0").list_] == [r["stk_cd"] for r in raw]


def test_every_typed_answer_reads_as_field_by_field(kiwoom: KiwoomClient) -> None:
    """``decode`` reads a list a column at a time and flat fields by ``int`` / ``float`` directly;
    on each TR's answer (a whole day of rows) that must give what reading every row field by field
    gives: the same values, of the same types, with the same directions."""
    for call in (
        calls.sector_price("001", None),
        calls.all_sectors("001"),
        calls.sector_stocks("001", "1", None),
        calls.sector_daily("001", None),
        calls.sector_investors("0", "0", "1", None),
        calls.sector_investors("1", "1", "1", None),
        calls.sector_program("005930"),
        calls.sector_codes("0"),
        calls.tick_chart("001", "1"),
        calls.minute_chart("001", "1", None),
        calls.day_chart("001", DAY),
        calls.week_chart("001", DAY),
        calls.month_chart("001", DAY),
        calls.year_chart("001", DAY),
    ):
        answer = kiwoom.all(call.api_id, call.body)
        key = list_key(call.model)
        expected = _careful(call.model, {k: v for k, v in answer.items() if k != key})
        if key is not None:
            (field,) = (f for f in msgspec.structs.fields(call.model) if f.encode_name == key)
            (row,) = get_args(field.type)
            assert answer[key], call.api_id
            by_row = [_careful(row, r) for r in answer[key]]
            expected = msgspec.structs.replace(expected, **{field.name: by_row})
        assert repr(decode(call.model, answer)) == repr(expected), call.api_id


def test_all_pages_of_the_sector_stocks_are_every_constituent_once(
    server: Server, kiwoom: KiwoomClient
) -> None:
    first = bare(server, kiwoom.token().token, "ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"})
    assert first.headers["cont-yn"] == "Y" and len(first.json()["inds_stkpc"]) == 100
    stocks = kiwoom.sector_stocks("001").inds_stkpc
    codes = [s.stk_cd for s in stocks]
    assert len(codes) == len(set(codes)) == kiwoom.all_sectors("001").all_inds_idex[0].flo_stk_num
    assert codes[:100] == [r["stk_cd"] for r in first.json()["inds_stkpc"]]
    samsung = next(s for s in stocks if s.stk_cd == "005930")
    assert samsung.stk_nm == "삼성전자" and isinstance(samsung.cur_prc, Directed)
    assert isinstance(samsung.cur_prc.value, int) and samsung.pred_pre is not None


def test_pages_follow_the_continuation_headers(kiwoom: KiwoomClient) -> None:
    pages = list(kiwoom.pages("ka20001", {"mrkt_tp": "0", "inds_cd": "001"}))
    assert len(pages) >= 2  # a day of 10-second rows, 900 a page
    assert [p.cont_yn for p in pages] == [True] * (len(pages) - 1) + [False]
    assert all(p.next_key for p in pages[:-1]) and pages[-1].next_key == ""
    times = [r["tm_n"] for p in pages for r in p.body["inds_cur_prc_tm"]]
    assert times == sorted(set(times), reverse=True)  # newest first, nothing twice
    whole = kiwoom.sector_price("001")
    assert [r.tm_n for r in whole.inds_cur_prc_tm] == times
    assert whole.inds_cur_prc_tm[0].acc_trde_qty_n == whole.trde_qty


def test_the_page_cap_raises_with_the_pages_read(kiwoom: KiwoomClient) -> None:
    with pytest.raises(KiwoomPageLimitError) as e:
        kiwoom.all("ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"}, max_pages=3)
    assert len(e.value.pages) == 3 and e.value.api_id == "ka20002"
    with pytest.raises(KiwoomPageLimitError):
        list(kiwoom.pages("ka20001", {"mrkt_tp": "0", "inds_cd": "001"}, max_pages=1))


def test_sector_program_adds_up(kiwoom: KiwoomClient) -> None:
    p = kiwoom.sector_program("005930")
    assert p.all_dfrt_trst_sell_qty == (p.dfrt_trst_sell_qty or 0) + (p.ndiffpro_trst_sell_qty or 0)
    assert p.dfrt_trst_netprps_qty == (p.dfrt_trst_buy_qty or 0) - (p.dfrt_trst_sell_qty or 0)


def test_the_async_client_answers_as_the_sync_one(server: Server, kiwoom: KiwoomClient) -> None:
    async def main() -> tuple[Any, ...]:
        async with AsyncKiwoomClient(server.url, server.real["appkey"], server.real["secretkey"]) as c:
            return await asyncio.gather(
                c.sector_price("001"),
                c.all_sectors("101"),
                c.sector_stocks("002"),
                c.sector_codes("1"),
                c.sector_program("005930"),
                c.sector_investors("1", "1", "1"),
                c.sector_daily("101"),
                c.tick_chart("101", "3"),
                c.minute_chart("101", "5"),
                c.day_chart("101", DAY),
                c.week_chart("101", DAY),
                c.month_chart("101", DAY),
                c.year_chart("101", DAY),
            )

    got = asyncio.run(main())
    want = (
        kiwoom.sector_price("001"),
        kiwoom.all_sectors("101"),
        kiwoom.sector_stocks("002"),
        kiwoom.sector_codes("1"),
        kiwoom.sector_program("005930"),
        kiwoom.sector_investors("1", "1", "1"),
        kiwoom.sector_daily("101"),
        kiwoom.tick_chart("101", "3"),
        kiwoom.minute_chart("101", "5"),
        kiwoom.day_chart("101", DAY),
        kiwoom.week_chart("101", DAY),
        kiwoom.month_chart("101", DAY),
        kiwoom.year_chart("101", DAY),
    )
    for g, w in zip(got, want, strict=True):
        if type(g).__name__ == "SectorProgram":
            continue  # program trading continues after the close (NXT), so it may have moved
        assert g == w


def test_credentials_come_from_the_environment(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SISE_BASE_URL", server.url)
    monkeypatch.setenv("SISE_KIWOOM_APPKEY", server.real["appkey"])
    monkeypatch.setenv("SISE_KIWOOM_SECRETKEY", server.real["secretkey"])
    with KiwoomClient() as c:
        assert c.all_sectors().all_inds_idex[0].stk_cd == "001"
    # 모의투자 reads its own variables first, as sise serve does.
    monkeypatch.setenv("SISE_KIWOOM_MOCK_APPKEY", server.mock["appkey"])
    monkeypatch.setenv("SISE_KIWOOM_MOCK_SECRETKEY", server.mock["secretkey"])
    with KiwoomClient(server.mock_url, mock=True) as c:
        assert c.sector_codes("0").list_[0].code == "001"
    monkeypatch.delenv("SISE_KIWOOM_APPKEY")
    with pytest.raises(ValueError, match="SISE_KIWOOM_APPKEY"):
        KiwoomClient(server.url)


# -- pacing and backoff (모의투자: 1 request/s per app key and api-id) -----------------------------------


def test_pacing_keeps_under_the_mock_limit(server: Server) -> None:
    rec = Recorder()
    with rec.http() as http, server.mock_client(http=http) as c:
        start = time.monotonic()
        for _ in range(3):
            c.request("ka20003", {"inds_cd": "001"})
        elapsed = time.monotonic() - start
    assert rec.count("/api/dostk", 429) == 0 and rec.count("/api/dostk", 200) == 3
    assert elapsed >= 2.0  # three requests of one api-id, a second apart


def test_a_429_backs_off_without_a_storm(server: Server) -> None:
    rec = Recorder()
    with (
        rec.http() as http,
        server.mock_client(rate_limit=0, http=http) as c,
    ):  # no pacing: the server's 429s must be handled

        def call() -> None:
            c.request("ka10101", {"mrkt_tp": "0"})

        threads = [threading.Thread(target=call) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    ok, refused = rec.count("/api/dostk", 200), rec.count("/api/dostk", 429)
    assert ok == 4
    # The three that came with the first are refused once each; after that they wait their turn
    # one by one (the hold spaces them), so none is refused twice.
    assert 1 <= refused <= 3


def test_out_of_retries_raises_the_rate_limit_error(server: Server) -> None:
    with server.mock_client(rate_limit=0, max_retries=0) as c:
        c.request("ka20009", {"mrkt_tp": "0", "inds_cd": "001"})
        with pytest.raises(KiwoomRateLimitError) as e:
            c.request("ka20009", {"mrkt_tp": "0", "inds_cd": "001"})
    assert (e.value.return_code, e.value.code, e.value.status) == (5, 1700, 429)
    assert "API ID=ka20009" in e.value.message


# -- errors --------------------------------------------------------------------------------------------


def test_input_errors_are_request_errors_with_the_detail_code(kiwoom: KiwoomClient) -> None:
    with pytest.raises(KiwoomRequestError) as e:
        kiwoom.request("ka20001", {"mrkt_tp": "0"})
    assert (e.value.return_code, e.value.code, e.value.status) == (2, 1511, 200)
    assert "필수입력 파라미터=inds_cd" in e.value.message
    with pytest.raises(KiwoomRequestError) as e:
        kiwoom.sector_price("999")
    assert e.value.code == 1517
    with pytest.raises(KiwoomRequestError) as e:
        kiwoom.request("ka20001", {"mrkt_tp": "0", "inds_cd": "001"}, path="chart")
    assert (e.value.return_code, e.value.code) == (1, 1504)
    with pytest.raises(KiwoomRequestError) as e:
        kiwoom.request("ka99999", {}, path="sect")
    assert e.value.code == 1505
    with pytest.raises(ValueError, match="path="):
        kiwoom.request("ka99999", {})


def test_an_unknown_stock_is_not_found(kiwoom: KiwoomClient) -> None:
    with pytest.raises(KiwoomNotFoundError) as e:
        kiwoom.sector_program("999999")
    assert e.value.code == 1902 and e.value.api_id == "ka10010"


def test_refused_credentials_are_auth_errors(server: Server) -> None:
    with KiwoomClient(server.url, "no-such-key", "x") as c, pytest.raises(KiwoomAuthError) as e:
        c.all_sectors()
    assert e.value.code == 8001 and e.value.api_id == "au10001"
    with KiwoomClient(server.url, server.real["appkey"], "wrong") as c, pytest.raises(KiwoomAuthError) as e:
        c.all_sectors()
    assert e.value.code == 8002
    # A real key on 모의투자.
    real_key_on_mock = KiwoomClient(server.mock_url, server.real["appkey"], server.real["secretkey"])
    with real_key_on_mock as c, pytest.raises(KiwoomAuthError) as e:
        c.all_sectors()
    assert (e.value.return_code, e.value.code) == (2, 8030)


def test_an_invalid_token_is_a_token_error(server: Server) -> None:
    r = bare(server, "not-a-token", "ka20003", {"inds_cd": "001"})
    body = r.json()
    err = error_for(body["return_code"], body["return_msg"], status=r.status_code)
    assert isinstance(err, KiwoomTokenError) and (err.return_code, err.code) == (3, 8005)


def test_a_revoked_token_is_reissued_and_the_call_retried(server: Server) -> None:
    rec = Recorder()
    with rec.http() as http, server.client(http=http) as c:
        first = c.token()
        # Someone else revokes it (a second process with the same key, a restart of the service).
        body = {"appkey": server.real["appkey"], "secretkey": server.real["secretkey"], "token": first.token}
        assert httpx.post(f"{server.url}/oauth2/revoke", json=body).json()["return_code"] == 0
        assert c.all_sectors().all_inds_idex[0].stk_cd == "001"
        assert c.token().token != first.token
    assert rec.count("/oauth2/token") == 2 and rec.count("/api/dostk") == 2  # refused once, retried once
    with server.client() as c:
        c.revoke()
        assert c.core.token is None
        assert c.all_sectors().all_inds_idex  # a new token is issued on demand


def test_what_is_not_a_kiwoom_answer_is_a_transport_error(server: Server) -> None:
    with server.client() as c, pytest.raises(KiwoomTransportError) as e:
        c.request("ka20001", {}, path="/v2/market/nowhere")  # Koscom's side of the same port
    assert e.value.return_code is None and e.value.status == 405 and "Method Not Allowed" in e.value.message
    with KiwoomClient(f"http://127.0.0.1:{free_port()}", "k", "s") as c, pytest.raises(KiwoomConnectionError):
        c.all_sectors()
