"""End to end: `sise serve` in its own process, used the way Kiwoom's official samples are written
(plain ``requests.post`` with ``api-id``, ``authorization``, ``cont-yn`` and ``next-key`` headers),
with only the host changed."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from websockets.sync.client import connect

from served import Served, free_port, served


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, Any], Served]]:
    mock_port = free_port()
    args = ["--mock-port", str(mock_port), "--history-years", "0", "--scale", "0.05"]
    args += ["--date", "2026-11-20", "--ws-ping-interval", "0.5"]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
        yield f"http://127.0.0.1:{s.port}", f"http://127.0.0.1:{mock_port}", keys, s


# -- the client, written like the official REST samples ---------------------------------------------


def fn_au10001(host: str, appkey: str, secretkey: str) -> dict[str, Any]:
    url = host + "/oauth2/token"
    headers = {"Content-Type": "application/json;charset=UTF-8"}
    params = {"grant_type": "client_credentials", "appkey": appkey, "secretkey": secretkey}
    response = requests.post(url, headers=headers, json=params)
    return dict(response.json())


def fn_sect(
    host: str, token: str, api_id: str, data: dict[str, str], cont_yn: str = "N", next_key: str = ""
) -> requests.Response:
    url = host + "/api/dostk/sect"
    headers = {
        "Content-Type": "application/json;charset=UTF-8",
        "authorization": f"Bearer {token}",
        "cont-yn": cont_yn,
        "next-key": next_key,
        "api-id": api_id,
    }
    return requests.post(url, headers=headers, json=data)


def test_the_official_sample_client_works_with_only_the_host_changed(server: Any) -> None:
    base, _, keys, _ = server
    real = keys["real"][0]
    issued = fn_au10001(base, real["appkey"], real["secretkey"])
    assert issued["return_code"] == 0 and issued["token_type"].lower() == "bearer"
    token = issued["token"]
    r = fn_sect(base, token, "ka20001", {"mrkt_tp": "0", "inds_cd": "001"})
    assert r.status_code == 200 and r.headers["api-id"] == "ka20001"
    body = r.json()
    assert body["return_code"] == 0 and body["return_msg"] == "정상적으로 처리되었습니다"
    assert float(body["cur_prc"].lstrip("+-")) > 1000
    assert body["inds_cur_prc_tm"]
    # Paging: keep calling with the response's cont-yn/next-key until cont-yn is not Y.
    rows: list[dict[str, str]] = []
    cont, key = "N", ""
    for _ in range(50):
        r = fn_sect(base, token, "ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"}, cont, key)
        page = r.json()
        assert page["return_code"] == 0, page
        rows += page["inds_stkpc"]
        cont, key = r.headers.get("cont-yn", "N"), r.headers.get("next-key", "")
        if cont != "Y":
            break
        time.sleep(0.2)  # as the official samples do, within the 5/s limit
    codes = [row["stk_cd"] for row in rows]
    assert len(codes) == len(set(codes)) > 500  # every KOSPI stock once: no repeats, no skips
    bad = fn_sect(base, "not-a-token", "ka20001", {"mrkt_tp": "0", "inds_cd": "001"}).json()
    assert bad["return_code"] == 3 and "[8005:" in bad["return_msg"]


def test_repeated_slashes_in_a_path_are_one(server: Any) -> None:
    """A client that joins base URL and path with a slash each asks for ``//api/dostk/…``."""
    base, _, keys, _ = server
    real = keys["real"][0]
    token = fn_au10001(base, real["appkey"], real["secretkey"])["token"]
    headers = {"authorization": f"Bearer {token}", "api-id": "ka20001"}
    r = requests.post(base + "//api/dostk//sect", json={"mrkt_tp": "0", "inds_cd": "001"}, headers=headers)
    assert r.status_code == 200 and r.json()["return_code"] == 0 and r.json()["cur_prc"]
    apikey = keys["koscom"][0]["apikey"]
    r = requests.get(base + "//v2//market/stocks/kospi/005930/price", params={"apikey": apikey})
    assert r.status_code == 200 and r.json()["result"]["isuSrtCd"] == "005930"


def test_the_mock_personality_takes_its_own_keys(server: Any) -> None:
    _, mock, keys, _ = server
    wrong = fn_au10001(mock, keys["real"][0]["appkey"], keys["real"][0]["secretkey"])
    assert wrong == {
        "return_code": 2,
        "return_msg": "입력 값 오류입니다[8030:투자구분(실전/모의)이 달라서 Appkey를 사용할수가 없습니다]",
    }
    ok = fn_au10001(mock, keys["mock"][0]["appkey"], keys["mock"][0]["secretkey"])
    assert ok["return_code"] == 0
    r = fn_sect(mock, ok["token"], "ka20001", {"mrkt_tp": "0", "inds_cd": "001"})
    assert r.json()["return_code"] == 0
    health = requests.get(f"{mock}/healthz").json()
    assert health["personality"] == "mock" and health["trading_day"] == "2026-11-20"


def raw(base: str, request: bytes) -> bytes:
    """One request on a fresh connection; everything the server sends until it closes or pauses."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(request)
        out = b""
        while b"\r\n\r\n" not in out or len(out.split(b"\r\n\r\n", 1)[1]) < _length(out):
            data = s.recv(65536)  # a timeout here is a request left unanswered
            if not data:
                break
            out += data
        return out


def _length(response: bytes) -> int:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    return next(
        (int(line.split(":")[1]) for line in head.split("\r\n") if line.startswith("content-length:")), 0
    )


def test_sise_serve_answers_malformed_requests_in_kiwoom_json(server: Any) -> None:
    base = server[0]
    unreadable = raw(base, b"FOO /api/dostk/sect HTTP/1.1\r\nHost: x\r\n\r\n")
    assert unreadable.startswith(b"HTTP/1.1 400") and "[1512:" in unreadable.decode()
    koscom = raw(base, b"FOO /v2/market/stocks/kospi/lists HTTP/1.1\r\nHost: x\r\n\r\n")
    assert koscom.startswith(b"HTTP/1.1 400") and koscom.endswith(b'{"message":"Bad Request"}')  # its own
    upgrade = raw(
        base,
        b"POST /api/dostk/sect HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        b"Content-Length: 2\r\n\r\n{}",
    )
    assert upgrade.startswith(b"HTTP/1.1 200") and "[1501:" in upgrade.decode()
    wrong_method = requests.get(f"{base}/api/dostk/sect", timeout=5)
    assert wrong_method.status_code == 405 and wrong_method.json()["return_code"] == 2
    nowhere = requests.post(f"{base}/api/dostk/sect/", timeout=5, allow_redirects=False)
    assert nowhere.status_code == 200 and "[1504:" in nowhere.json()["return_msg"]


# -- Koscom on the same port -------------------------------------------------------------------------


def koscom_get(base: str, path: str, apikey: str) -> requests.Response:
    """As Koscom's own samples call it: GET with the key in the ``apikey`` header."""
    return requests.get(base + "/v2/market" + path, headers={"apikey": apikey, "Cache-Control": "no-cache"})


def kiwoom_number(text: str) -> int:
    """A Kiwoom integer field as a number: the prefix of a price is its direction, not a sign."""
    return int(text.lstrip("+-"))


def test_koscom_answers_on_the_real_port_with_its_own_key(server: Any) -> None:
    base, mock, keys, _ = server
    apikey = keys["koscom"][0]["apikey"]
    assert apikey.startswith("l7xx") and len(apikey) == 36
    r = koscom_get(base, "/stocks/kospi/005930/price", apikey)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
    assert int(r.headers["X-RateLimit-Limit-Day"]) == 50_000
    assert int(r.headers["X-RateLimit-Remaining-Day"]) < 50_000
    assert r.json()["result"]["isuSrtCd"] == "005930"
    r = requests.get(base + "/v2/market/stocks/kospi/005930/price", params={"apikey": apikey})
    assert r.status_code == 200
    assert koscom_get(base, "/stocks/kospi/005930/price", "l7xxwrong").json() == {
        "message": "Invalid authentication credentials"
    }
    assert requests.get(base + "/v2/market/nothing").json() == {
        "message": "no Route matched with those values"
    }
    # The 모의투자 port has no Koscom API: its paths are Kiwoom's there.
    assert requests.get(mock + "/v2/market/stocks/kospi/005930/price").json()["return_code"] == 1


def test_a_stock_is_one_number_in_both_apis(server: Any) -> None:
    """Koscom ``price`` and the Kiwoom ka20002 row (``stex_tp`` 1) of 005930, asked back to back;
    the live market may move between the two calls, so a mismatch is asked again (bounded)."""
    base, _, keys, _ = server
    apikey = keys["koscom"][0]["apikey"]
    real = keys["real"][0]
    token = fn_au10001(base, real["appkey"], real["secretkey"])["token"]
    pairs = {
        "trdPrc": "cur_prc",
        "cmpprevddPrc": "pred_pre",
        "opnprc": "open_pric",
        "hgprc": "high_pric",
        "lwprc": "low_pric",
        "accTrdvol": "now_trde_qty",
        "askordPrc_1": "sel_bid",
        "bidordPrc_1": "buy_bid",
    }
    for _ in range(20):
        k = koscom_get(base, "/stocks/kospi/005930/price", apikey).json()["result"]
        page = fn_sect(base, token, "ka20002", {"mrkt_tp": "0", "inds_cd": "013", "stex_tp": "1"}).json()
        row = next(r for r in page["inds_stkpc"] if r["stk_cd"] == "005930")
        kiwoom = {name: kiwoom_number(row[field]) for name, field in pairs.items()}
        kiwoom["cmpprevddPrc"] = int(row["pred_pre"])  # a change keeps its sign
        if {name: k[name] for name in pairs} == kiwoom and k["cmpprevddTpCd"] == row["pred_pre_sig"]:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"Koscom {k} and Kiwoom {row} never agreed")


def test_an_index_is_one_number_in_both_apis(server: Any) -> None:
    """Koscom ``index/kospi/K1/index`` and Kiwoom ka20001 ``001``, asked back to back (bounded
    retries: the live market may publish between the two calls)."""
    base, _, keys, _ = server
    apikey = keys["koscom"][0]["apikey"]
    real = keys["real"][0]
    token = fn_au10001(base, real["appkey"], real["secretkey"])["token"]
    for _ in range(20):
        k = koscom_get(base, "/index/kospi/K1/index", apikey).json()["result"]
        w = fn_sect(base, token, "ka20001", {"mrkt_tp": "0", "inds_cd": "001"}).json()
        same = (
            k["trdPrc"] == float(w["cur_prc"].lstrip("+-"))
            and k["cmpprevddPrc"] == float(w["pred_pre"])
            and k["cmpprevddTpCd"] == w["pred_pre_sig"]
            and k["accTrdvol"] == int(w["trde_qty"])
        )
        if same:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"Koscom {k} and Kiwoom {w} never agreed")


def test_the_official_websocket_sample_flow_works_with_only_the_host_changed(server: Any) -> None:
    """LOGIN, REG 0J 001, a REAL, the PING echoed — as Kiwoom's WebSocket sample does it."""
    base, _, keys, _ = server
    real = keys["real"][0]
    token = fn_au10001(base, real["appkey"], real["secretkey"])["token"]
    uri = base.replace("http://", "ws://") + "/api/dostk/websocket"
    with connect(uri, open_timeout=10, close_timeout=2) as ws:
        ws.send(json.dumps({"trnm": "LOGIN", "token": token}))
        login = json.loads(ws.recv(timeout=10))
        assert login["trnm"] == "LOGIN" and login["return_code"] == 0 and login["sor_yn"] == "Y"
        reg = {"trnm": "REG", "grp_no": "1", "refresh": "1", "data": [{"item": ["001"], "type": ["0J"]}]}
        ws.send(json.dumps(reg))
        seen: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 20
        while not ("REG" in seen and "REAL" in seen and "PING" in seen):
            left = deadline - time.monotonic()
            assert left > 0, f"saw only {sorted(seen)}"
            response = json.loads(ws.recv(timeout=left))
            trnm = response["trnm"]
            if trnm == "PING":  # the sample's rule: send the same frame back
                ws.send(json.dumps(response))
            seen.setdefault(trnm, response)
        assert seen["REG"] == {"trnm": "REG", "return_code": 0, "return_msg": ""}
        entry = seen["REAL"]["data"][0]
        assert (entry["type"], entry["name"], entry["item"]) == ("0J", "업종지수", "001")
        w = fn_sect(base, token, "ka20001", {"mrkt_tp": "0", "inds_cd": "001"}).json()
        assert entry["values"]["10"][:1] in "+-0123456789" and "." in entry["values"]["10"]
        assert set(entry["values"]) >= {"10", "11", "12", "13", "14", "25"}
        assert w["return_code"] == 0


def test_koscom_websocket_init_subscribe_ack_and_snapshot(server: Any) -> None:
    """Koscom's /ws on the real port: init with the API key, subscribe tick 005930, the ack and
    the snapshot (koscom.md §11.2–11.3)."""
    base, _, keys, _ = server
    apikey = keys["koscom"][0]["apikey"]
    with connect(base.replace("http://", "ws://") + "/ws", open_timeout=10, close_timeout=2) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "init", "params": {"key": apikey}}))
        assert json.loads(ws.recv(timeout=10)) == {"jsonrpc": "2.0", "id": 1, "result": {"message": "ok"}}
        sub = {"preset": "tick", "isuSrtCd": "005930"}
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "subscribe", "params": sub}))
        assert json.loads(ws.recv(timeout=10)) == {"jsonrpc": "2.0", "id": 2, "result": {"message": "ok"}}
        snapshot = json.loads(ws.recv(timeout=10))
        assert snapshot["id"] == 2 and snapshot["result"]["isuSrtCd"] == "005930"
        assert set(snapshot["result"]) == {"isuSrtCd", "trdPrc", "trdvol", "accTrdvol", "accTrdval", "trdTm"}
        assert isinstance(snapshot["result"]["trdPrc"], int) and snapshot["result"]["trdPrc"] > 0


def test_the_root_says_what_each_port_serves(server: Any) -> None:
    base, mock_base, _, _ = server
    real = requests.get(base + "/", timeout=10)
    assert real.status_code == 200 and real.headers["content-type"] == "application/json"
    index = real.json()
    assert index["service"] == "sise" and index["personality"] == "real"
    assert "ka20001" in index["kiwoom"]["rest"]["/api/dostk/sect"]
    assert index["kiwoom"]["websocket"] == "/api/dostk/websocket"
    assert "/v2/market/stocks/{market}/{code}/price" in index["koscom"]["rest"]
    assert index["docs"]["kiwoom"] == "docs/kiwoom.md"
    mock = requests.get(mock_base + "/", timeout=10).json()
    assert mock["personality"] == "mock" and "koscom" not in mock


def test_ctrl_c_stops_the_server_cleanly(server: Any) -> None:
    _, _, _, s = server
    s.proc.send_signal(signal.SIGINT)
    s.proc.wait(timeout=30)
    out = s.output()
    assert s.proc.returncode == 0
    assert "sise is ready" in out and "Traceback" not in out
