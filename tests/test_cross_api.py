"""One market, two vendors: the same figure read through Kiwoom and Koscom at the same market
time, in-process on the shared simulated day (``tests/test_serve.py`` checks the same through a
running server)."""

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
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS

TRS = {t.api_id: t for t in KIWOOM_TRS}


@pytest.fixture(scope="module")
def day() -> Day:
    return small_day()


def koscom(d: Day, path: str, **params: Any) -> Any:
    now = now_of(d.full)
    app = create_koscom_app(
        lambda: KoscomContext(d.full, d.universe, d.store, lambda: now),
        lambda k: k == KEY,
        endpoints=KOSCOM_ENDPOINTS,
    )
    r = TestClient(app).get("/v2/market" + path, headers={"apikey": KEY}, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def kiwoom(d: Day, api_id: str, body: dict[str, str]) -> Any:
    now = now_of(d.full)
    return TRS[api_id](KiwoomContext(d.full, d.universe, d.store, lambda: now), body)


def test_koscom_daily_index_history_equals_the_kiwoom_day_chart(day: Day) -> None:
    """``index/kospi/K1/history`` (D) against ka20006 ``001``: ×100 levels, 1000주, 백만원."""
    rows = koscom(
        day,
        "/index/kospi/K1/history",
        trnsmCycleTpCd="D",
        inqStrtDd="20200101",
        inqEndDd="20261120",
        reqCnt="30",
    )["result"]["hisLists"]
    chart = {r["dt"]: r for r in kiwoom(day, "ka20006", {"inds_cd": "001", "base_dt": "20261120"}).rows}
    assert len(rows) == 30
    for r in rows:
        c = chart[str(r["trdDd"])]
        assert round(r["trdPrc"] * 100) == int(c["cur_prc"])
        assert [round(r[f] * 100) for f in ("opnprc", "hgprc", "lwprc")] == [
            int(c[f]) for f in ("open_pric", "high_pric", "low_pric")
        ]
        assert r["accTrdvol"] == int(c["trde_qty"]) and r["accTrdval"] == int(c["trde_prica"])


def test_koscom_multiquote_rows_equal_the_kiwoom_sector_stock_rows(day: Day) -> None:
    """Every KOSPI stock's ``multiquote`` price row against its ka20002 ``001`` row (KRX)."""
    snapshot = koscom(day, "/multiquote/stocks/kospi/lists")["isuLists"]
    rows = {
        r["stk_cd"]: r
        for r in kiwoom(day, "ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"}).rows
    }
    matched = 0
    for item in snapshot:
        row = rows.get(item["isuSrtCd"])
        if row is None:  # ETFs and ETNs are listed on KOSPI but are in no KOSPI index
            continue
        assert item["trdPrc"] == int(row["cur_prc"].lstrip("+-"))
        assert item["accTrdvol"] == int(row["now_trde_qty"])
        matched += 1
    assert matched == len(rows) > 100


@pytest.mark.parametrize(("koscom_code", "kiwoom_code"), [("K1", "001"), ("K51", "201")])
def test_koscom_index_minute_bars_equal_the_kiwoom_minute_chart(
    day: Day, koscom_code: str, kiwoom_code: str
) -> None:
    """``index/kospi/{code}/intraday`` (60 s) against ka20005 (1 minute): the same bars under the
    same end label, for KOSPI (a publication every 10 s) and KOSPI 200 (every second)."""
    bars = koscom(
        day, f"/index/kospi/{koscom_code}/intraday", inddCycleTpCd="60", strtTm="1300", endTm="1440"
    )["result"]["hisLists"]
    chart = {
        r["cntr_tm"][8:]: r for r in kiwoom(day, "ka20005", {"inds_cd": kiwoom_code, "tic_scope": "1"}).rows
    }
    assert len(bars) == 100
    for b in bars:
        c = chart[f"{int(b['inddTm']) // 100:06d}"]
        assert [round(b[f] * 100) for f in ("inddOpnprc", "inddHgprc", "inddLwprc", "inddClsprc")] == [
            int(c[f].lstrip("+-")) for f in ("open_pric", "high_pric", "low_pric", "cur_prc")
        ]
        assert (b["inddTrdvol"], b["inddAccTrdvol"]) == (int(c["trde_qty"]), int(c["acc_trde_qty"]))
