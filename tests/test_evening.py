"""After the close, through a real ``sise serve``: the finished day is the market's day through the
evening and the night (every TR and endpoint answers with it), and ``--start`` starts the market
at the time asked for, however long the build took."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import requests

from served import Served, served

ARGS = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--date", "2026-11-20"]
DAY = "20261120"  # a Friday
BEFORE = "20261119"


def health(s: Served) -> dict[str, Any]:
    out: dict[str, Any] = requests.get(f"http://127.0.0.1:{s.port}/healthz", timeout=10).json()
    return out


def kiwoom(s: Served, path: str, api_id: str, body: dict[str, str]) -> dict[str, Any]:
    keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
    url = f"http://127.0.0.1:{s.port}"
    issued = requests.post(
        url + "/oauth2/token", json={"grant_type": "client_credentials", **keys["real"][0]}, timeout=10
    ).json()
    headers = {"api-id": api_id, "authorization": f"Bearer {issued['token']}"}
    r = requests.post(url + path, json=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert out["return_code"] == 0, out
    return out


def koscom(s: Served, path: str, **query: str) -> dict[str, Any]:
    r = s.koscom(path, **query)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def closed(s: Served) -> dict[str, Any]:
    """005930's closeprice, checked to be the finished day's (its close in the daily history)."""
    close: dict[str, Any] = koscom(s, "stocks/kospi/005930/closeprice")["result"]
    day = koscom(s, "stocks/kospi/005930/history", trnsmCycleTpCd="D", inqStrtDd=DAY, inqEndDd=DAY)
    assert [(r["trdDd"], r["trdPrc"]) for r in day["result"]["hisLists"]] == [(int(DAY), close["trdPrc"])]
    return close


def test_start_at_the_close_then_in_the_night(tmp_path: Any) -> None:
    # At ×30 a build of a few seconds was minutes of market time before the market was ready.
    with served(tmp_path, [*ARGS, "--start", "15:40", "--speed", "30"]) as s:
        line = next(x for x in s.output().splitlines() if "is ready in" in x)
        ready = datetime.fromisoformat(line.split("market time ")[1][:19])
        assert datetime(2026, 11, 20, 15, 40) <= ready < datetime(2026, 11, 20, 15, 41), line
        closed(s)
    # The same day in the night, on the history stored: the finished day is still the market's.
    (tmp_path / "serve.log").rename(tmp_path / "serve-close.log")
    with served(tmp_path, [*ARGS, "--start", "23:30"]) as s:
        first = night(s)
    # Restarted in the night, it resumes the finished day from its journal, none of it simulated
    # again, and answers as before.
    (tmp_path / "serve.log").rename(tmp_path / "serve-night.log")
    with served(tmp_path, ARGS[:-2]) as s:
        assert "from its journal" in s.output(), s.output()
        assert night(s) == first


def night(s: Served) -> list[Any]:
    """Checks the night's answers; returns those that do not move."""
    h = health(s)
    assert h["trading_day"] == "2026-11-20" and h["market_time"].startswith("2026-11-20T23:3"), h
    sector = {"mrkt_tp": "0", "inds_cd": "001"}
    now = kiwoom(s, "/api/dostk/sect", "ka20001", sector)
    rows = now["inds_cur_prc_tm"]
    # The day's 10-second rows, newest first: the last publication of the index window.
    assert len(rows) > 100 and rows[0]["tm_n"] >= "153000", rows[0]
    assert now["cur_prc"] == rows[0]["cur_prc_n"]
    daily = kiwoom(s, "/api/dostk/sect", "ka20009", sector)["inds_cur_prc_daly_rept"]
    assert [r["dt_n"] for r in daily[:2]] == [DAY, BEFORE] and daily[0]["cur_prc_n"] == now["cur_prc"]
    flows = {"mrkt_tp": "0", "amt_qty_tp": "0", "stex_tp": "1"}
    nets = kiwoom(s, "/api/dostk/sect", "ka10051", flows)["inds_netprps"]
    dated = kiwoom(s, "/api/dostk/sect", "ka10051", {**flows, "base_dt": DAY})["inds_netprps"]
    moved = [v for r in nets for k, v in r.items() if k.endswith("_netprps") and v.lstrip("+-0")]
    assert nets == dated and moved
    chart = kiwoom(s, "/api/dostk/chart", "ka20006", {"inds_cd": "001", "base_dt": DAY})
    bars = chart["inds_dt_pole_qry"]
    level = now["cur_prc"].lstrip("+-").replace(".", "")  # the charts print hundredths of a point
    assert [b["dt"] for b in bars[:2]] == [DAY, BEFORE] and bars[0]["cur_prc"] == level
    # Koscom: the day's close and its intraday bars.
    close = closed(s)
    bars = koscom(s, "stocks/kospi/005930/intraday", inddCycleTpCd="600", strtTm="0800", endTm="2000")
    assert len(bars["result"]["hisLists"]) > 30  # 10-minute bars of the day's KRX trading
    return [now, daily, nets, chart, close, bars]


def test_start_before_the_pre_market(tmp_path: Any) -> None:
    # Before 08:00 the market serves the trading day before, finished; at 08:00 the day opens.
    with served(tmp_path, [*ARGS, "--start", "07:59:30", "--speed", "10"]) as s:
        h = health(s)
        assert h["trading_day"] == "2026-11-19" and h["market_time"] < "2026-11-20T08:00", h
        sector = {"mrkt_tp": "0", "inds_cd": "001"}
        before = kiwoom(s, "/api/dostk/sect", "ka20001", sector)
        rows = before["inds_cur_prc_tm"]
        assert len(rows) > 100 and rows[0]["tm_n"] >= "153000", rows[0]
        daily = kiwoom(s, "/api/dostk/sect", "ka20009", sector)["inds_cur_prc_daly_rept"]
        assert daily[0]["dt_n"] == BEFORE and daily[0]["cur_prc_n"] == before["cur_prc"]
        deadline = time.monotonic() + 30
        while health(s)["trading_day"] != "2026-11-20":
            assert time.monotonic() < deadline, health(s)
            time.sleep(0.2)
        assert health(s)["market_time"] >= "2026-11-20T08:00", health(s)
        # The new day: no index publication before KRX opens, the finished close its base.
        after = kiwoom(s, "/api/dostk/sect", "ka20001", sector)
        assert not after["inds_cur_prc_tm"] and after["cur_prc"] == before["cur_prc"].lstrip("+-"), after
        daily = kiwoom(s, "/api/dostk/sect", "ka20009", sector)["inds_cur_prc_daly_rept"]
        assert daily[0]["dt_n"] == DAY and daily[1]["dt_n"] == BEFORE, daily[:2]
