"""Kiwoom clients from PyPI, unmodified, against a real ``sise serve`` (docs/compatibility.md).

Each library runs in a venv of its own (``kiwoom_libs/venvs.py``: made once, cached, pinned
versions), driven by a script in ``kiwoom_libs/`` that prints what the library returned. The
answers are checked against sise's own, asked for with plain ``requests``: the REST server starts
after the close (16:00), so the levels hold still between the two; the streaming one trades at
×10 and its REAL frames are checked against ka20001's time rows, which carry the same points.
Where a library is wrong about Kiwoom, the test pins the error sise answers instead.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from kiwoom_libs.venvs import (
    HERE,
    KIWOOM_CLIENT,
    KIWOOM_REST_API,
    KIWOOMPY,
    LIBRARIES,
    PYHEROAPI,
    Library,
    NoIndex,
    NoInterpreter,
    venv_python,
)
from served import served
from sise.api.kiwoom.errors import OK_MSG, RATE_LIMITED, SECRET_MISMATCH, TOKEN_INVALID

DAY = "20261120"
PING_S = 0.3  # sise's PING interval on the streaming server: 5 unanswered ones close in 1.5 s
LISTEN_S = 2.5  # how long a library listens: several PINGs
QUIET_S = 1.0  # after REMOVE: the indices publish every second at ×10

#: The TRs every library is asked, as (category, body); the drivers turn the bodies into their
#: library's arguments.
CALLS: dict[str, tuple[str, dict[str, str]]] = {
    "ka10010": ("sect", {"stk_cd": "005930"}),
    # KRX's: NXT trades until 20:00, so 통합 (3) figures still move after KRX's close
    "ka10051": ("sect", {"mrkt_tp": "0", "amt_qty_tp": "0", "base_dt": "", "stex_tp": "1"}),
    "ka20001": ("sect", {"mrkt_tp": "0", "inds_cd": "001"}),
    "ka20002": ("sect", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"}),
    "ka20003": ("sect", {"inds_cd": "001"}),
    "ka20009": ("sect", {"mrkt_tp": "0", "inds_cd": "001"}),
    "ka10101": ("stkinfo", {"mrkt_tp": "0"}),
    "ka20004": ("chart", {"inds_cd": "001", "tic_scope": "1"}),
    "ka20005": ("chart", {"inds_cd": "001", "tic_scope": "1"}),
    "ka20006": ("chart", {"inds_cd": "001", "base_dt": DAY}),
    "ka20007": ("chart", {"inds_cd": "001", "base_dt": DAY}),
    "ka20008": ("chart", {"inds_cd": "001", "base_dt": DAY}),
    "ka20019": ("chart", {"inds_cd": "001", "base_dt": DAY}),
}
UNKNOWN = {"mrkt_tp": "0", "inds_cd": "999"}

#: An app key per caller, so that rate limits and revocations never cross: the plain reference
#: calls use the first, each library its own.
PLAIN, *LIB_KEYS = ({"appkey": f"compat-app-{i}", "secretkey": f"compat-secret-{i}"} for i in range(5))
KEY_OF = dict(zip((lib.name for lib in LIBRARIES), LIB_KEYS, strict=True))


@dataclass
class Server:
    url: str

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/api/dostk/websocket"

    def oauth(self, path: str, body: dict[str, str]) -> dict[str, Any]:
        r = requests.post(f"{self.url}/oauth2/{path}", json=body, timeout=10)
        return r.json()  # type: ignore[no-any-return]

    def post(
        self, api_id: str, body: dict[str, Any], *, token: str | None = None, next_key: str = ""
    ) -> requests.Response:
        """sise's own answer, as a plain client gets it (with the reference key's token)."""
        if token is None:
            token = self.oauth("token", {**PLAIN, "grant_type": "client_credentials"})["token"]
        headers = {
            "api-id": api_id,
            "authorization": f"Bearer {token}",
            "cont-yn": "Y" if next_key else "N",
            "next-key": next_key,
        }
        url = f"{self.url}/api/dostk/{CALLS[api_id][0]}"
        while True:
            r = requests.post(url, json=body, headers=headers, timeout=10)
            if r.status_code != 429:  # the reference key's limit: 5/s per api-id, as Kiwoom's
                return r
            time.sleep(0.2)

    def refuses(self, token: str) -> bool:
        """Whether sise refuses ``token`` (revoked) as Kiwoom does."""
        return self.post("ka10010", CALLS["ka10010"][1], token=token).json() == TOKEN_INVALID().body()

    def answer(self, api_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.post(api_id, CALLS[api_id][1] if body is None else body).json()  # type: ignore[no-any-return]

    def all_rows(self, api_id: str, list_key: str) -> list[dict[str, str]]:
        r = self.post(api_id, CALLS[api_id][1])
        rows = list(r.json()[list_key])
        while r.headers["cont-yn"] == "Y":
            r = self.post(api_id, CALLS[api_id][1], next_key=r.headers["next-key"])
            rows += r.json()[list_key]
        return rows

    def drive(self, lib: Library, python: Path, mode: str) -> dict[str, Any]:
        """Runs ``lib``'s driver against this server; what the library returned."""
        cfg = {
            "mode": mode,
            "url": self.url,
            "ws_url": self.ws_url,
            **KEY_OF[lib.name],
            "calls": CALLS,
            "day": DAY,
            "listen_s": LISTEN_S,
            "quiet_s": QUIET_S,
        }
        done = subprocess.run(
            [str(python), str(HERE / lib.driver), json.dumps(cfg)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{lib.driver} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _serve(tmp: Path, args: list[str]) -> Iterator[Server]:
    keys = {"real": [PLAIN, *LIB_KEYS]}
    common = ["--mock-port", "0", "--history-years", "0", "--scale", "0.02", "--date", "2026-11-20"]
    with served(tmp, [*common, *args], keys=keys) as s:
        yield Server(f"http://127.0.0.1:{s.port}")


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory.mktemp("closed"), ["--start", "16:00"])


@pytest.fixture(scope="module")
def trading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    args = ["--start", "09:30", "--speed", "10", "--ws-ping-interval", str(PING_S)]
    yield from _serve(tmp_path_factory.mktemp("trading"), args)


@pytest.fixture(scope="module")
def venvs() -> dict[str, Path | Exception]:
    """Every library's venv, made side by side (pip waits on the network more than the CPU)."""

    def make(lib: Library) -> Path | Exception:
        try:
            return venv_python(lib)
        except (NoInterpreter, NoIndex) as e:
            return e

    with ThreadPoolExecutor(len(LIBRARIES)) as pool:
        return dict(zip((lib.name for lib in LIBRARIES), pool.map(make, LIBRARIES), strict=True))


def python_for(venvs: dict[str, Path | Exception], lib: Library) -> Path:
    found = venvs[lib.name]
    if isinstance(found, NoInterpreter):
        pytest.skip(f"{lib.requirement} needs Python {'.'.join(map(str, lib.min_python))}+: {found}")
    if isinstance(found, NoIndex):
        pytest.skip(str(found))
    assert isinstance(found, Path), found
    return found


def with_headers(r: requests.Response, *names: str) -> dict[str, Any]:
    """sise's answer as a library that folds the named headers into it returns it; a next-key
    names a snapshot of its own for every first page, so only its presence is compared."""
    folded = {**r.json(), **{n: r.headers[n] for n in names}}
    if "next-key" in folded:
        folded["next-key"] = bool(folded["next-key"])
    return folded


def key_present(answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "next-key": bool(answer["next-key"])} if "next-key" in answer else answer


# ------------------------------------------------------------------------------ kiwoom-client


def test_kiwoom_client_rest(closed: Server, venvs: dict[str, Path | Exception]) -> None:
    out = closed.drive(KIWOOM_CLIENT, python_for(venvs, KIWOOM_CLIENT), "rest")
    assert out["login"]["return_code"] == 0 and len(out["login"]["token"]) == 86
    for api_id, (_, body) in CALLS.items():
        folded = with_headers(closed.post(api_id, body), "cont-yn", "next-key")
        assert key_present(out["trs"][api_id]) == folded, api_id
        assert key_present(out["async"][api_id]) == folded, api_id  # AsyncKiwoomAPI
    # request_all follows cont-yn / next-key over every page of the index's constituents.
    assert out["request_all"] == closed.all_rows("ka20002", "inds_stkpc")
    assert len(out["request_all"]) > 100  # more than one page
    unknown = closed.answer("ka20001", UNKNOWN)
    assert out["unknown_code"] == [unknown["return_code"], unknown["return_msg"]]
    assert out["bad_secret"] == f"토큰 발급 실패: {SECRET_MISMATCH().message}"
    # A token revoked elsewhere answers return_code 3; the library issues a new one and retries.
    assert out["reissued"]
    folded = with_headers(closed.post("ka20001", CALLS["ka20001"][1]), "cont-yn", "next-key")
    assert key_present(out["after_revoke"]) == folded
    # Kiwoom's 429 with return_code 5 surfaces without retries; with them, every call passes.
    assert set(out["statuses"]) == {200, 429}
    assert out["limited"] == RATE_LIMITED(api_id="ka10010").body()
    assert out["patient"] == [0] * 12
    assert out["logout"] == {"return_code": 0, "return_msg": OK_MSG}
    assert closed.refuses(out["logout_token"])


def test_kiwoom_client_stream(trading: Server, venvs: dict[str, Path | Exception]) -> None:
    out = trading.drive(KIWOOM_CLIENT, python_for(venvs, KIWOOM_CLIENT), "stream")
    assert [(a["trnm"], a["return_code"]) for a in out["acks"]] == [("REG", 0), ("REMOVE", 0)]
    assert out["system"] == []  # every PING echoed: no R10002, no reconnect
    assert out["real_after_remove"] == 0
    levels = {(f["item"], f["values"]["20"]): f["values"] for f in out["real"]["0J"]}
    assert {item for item, _ in levels} == {"001", "101"}
    # Every 0J point of 001 is a row of ka20001's time series, asked for through the library.
    rows = {r["tm_n"]: r for r in out["ka20001"]["inds_cur_prc_tm"]}
    fids = {"10": "cur_prc_n", "11": "pred_pre_n", "12": "flu_rt_n", "13": "acc_trde_qty_n"}
    points = [v for (item, _), v in levels.items() if item == "001"]
    assert points
    for v in points:
        assert {fid: v[fid] for fid in fids} == {fid: rows[v["20"]][name] for fid, name in fids.items()}
    # 0U carries the same level at the same second.
    for f in out["real"]["0U"]:
        assert f["values"]["10"] == levels[(f["item"], f["values"]["20"])]["10"]
    assert out["real"]["0U"]


# ---------------------------------------------------------------------------- kiwoom-rest-api


def test_kiwoom_rest_api(closed: Server, venvs: dict[str, Path | Exception]) -> None:
    out = closed.drive(KIWOOM_REST_API, python_for(venvs, KIWOOM_REST_API), "rest")
    assert len(out["token"]) == 86
    exposed = ("api-id", "cont-yn", "next-key")  # through Access-Control-Expose-Headers
    for api_id, (_, body) in CALLS.items():
        assert key_present(out["trs"][api_id]) == with_headers(closed.post(api_id, body), *exposed), api_id
    # Paging by hand with the cont-yn / next-key the library copied into each answer.
    assert len(out["pages"]) > 1
    paged = [row for page in out["pages"] for row in page["inds_stkpc"]]
    assert paged == closed.all_rows("ka20002", "inds_stkpc")
    # Errors are answers: the library raises only on HTTP errors, so 429 is its APIError.
    assert key_present(out["unknown_code"]) == with_headers(closed.post("ka20001", UNKNOWN), *exposed)
    assert out["bad_token"] == {**TOKEN_INVALID().body(), "api-id": "ka20001", "cont-yn": "N", "next-key": ""}
    assert set(out["statuses"]) == {0, 429}


# --------------------------------------------------------------------------------- pyheroapi

#: The bodies pyheroapi sends where it is wrong about Kiwoom (kiwoom.md §6.1): sise answers them
#: as Kiwoom does, 1511 for the field the library leaves out.
PYHEROAPI_BODIES = {
    "ka20001": {"sect_cd": "001"},
    "ka20002": {"sect_cd": "001"},
    "ka20003": {"mrkt_tp": "0"},
    "ka20009": {"sect_cd": "001", "period_tp": "1"},
    "ka10101": {},
    "ka20005": {"inds_cd": "001", "min_tp": "1"},
}


def test_pyheroapi_rest(closed: Server, venvs: dict[str, Path | Exception]) -> None:
    out = closed.drive(PYHEROAPI, python_for(venvs, PYHEROAPI), "rest")
    trs = out["trs"]
    assert trs["ka10010"] == closed.answer("ka10010")
    assert trs["ka10051"] == closed.answer("ka10051")["inds_netprps"]
    charts = {
        "ka20004": "inds_tic_chart_qry",
        "ka20006": "inds_dt_pole_qry",
        "ka20007": "inds_stk_pole_qry",
        "ka20008": "inds_mth_pole_qry",
        "ka20019": "inds_yr_pole_qry",
    }
    for api_id, key in charts.items():
        assert trs[api_id] == {"inds_cd": "001", key: closed.answer(api_id)[key]}, api_id
    for api_id, body in PYHEROAPI_BODIES.items():
        wrong = closed.answer(api_id, body)
        assert wrong["return_code"] == 2 and "[1511:" in wrong["return_msg"]
        assert trs[api_id] == ["KiwoomRequestError", f"API error 2: {wrong['return_msg']}"]
    no_date = closed.answer("ka20006", {"inds_cd": "001", "base_dt": ""})
    assert out["ka20006_no_date"] == ["KiwoomRequestError", f"API error 2: {no_date['return_msg']}"]
    assert out["bad_token"] == ["KiwoomRequestError", f"API error 3: {TOKEN_INVALID().message}"]
    assert out["bad_secret"] == f"Token issuance failed: {SECRET_MISMATCH().message}"
    assert out["burst"] == [closed.answer("ka10010")] * len(out["burst"])  # backs off on 429
    assert out["revoke"] == {"return_code": 0, "return_msg": OK_MSG}
    assert closed.refuses(out["token"])


def test_pyheroapi_stream(trading: Server, venvs: dict[str, Path | Exception]) -> None:
    out = trading.drive(PYHEROAPI, python_for(venvs, PYHEROAPI), "stream")
    assert out["connected"]  # PINGs echoed; RFC 6455 pings answered as well
    assert {(kind, item) for kind, item, _ in out["real"]} == {("0J", "001"), ("0U", "001")}
    assert "Subscription REMOVE successful" in out["logs"] and out["after_remove"] == 0


# ---------------------------------------------------------------------------------- kiwoompy

#: kiwoompy's names for fields whose wire names are not Python identifiers or are camelCase.
KIWOOMPY_NAMES = {"market_code": "marketCode"}


def wire_name(field: str) -> str:
    return "52wk_" + field[len("wk52_") :] if field.startswith("wk52_") else KIWOOMPY_NAMES.get(field, field)


def test_kiwoompy_rest(closed: Server, venvs: dict[str, Path | Exception]) -> None:
    out = closed.drive(KIWOOMPY, python_for(venvs, KIWOOMPY), "rest")
    for api_id, parsed in out["trs"].items():
        plain = closed.answer(api_id)
        rows = next((v for v in plain.values() if isinstance(v, list)), None)
        for field, value in parsed.items():
            if field == "items":
                assert rows, api_id
                assert [{wire_name(k): v for k, v in item.items()} for item in value] == [
                    {wire_name(k): row[wire_name(k)] for k in item}
                    for item, row in zip(value, rows, strict=True)
                ], api_id
            else:
                assert value == plain[wire_name(field)], (api_id, field)
    unknown = closed.answer("ka20001", UNKNOWN)
    assert out["unknown_code"] == ["KiwoomApiError", f"조회 실패 (return_code=2): {unknown['return_msg']}"]
    assert out["bad_secret"] == ["KiwoomAuthError", f"인증 실패 (return_code=2): {SECRET_MISMATCH().message}"]
    # The library takes any 4xx for an authentication failure, Kiwoom's 429 included.
    limited = json.dumps(RATE_LIMITED(api_id="ka10010").body(), ensure_ascii=False, separators=(",", ":"))
    assert out["limited"] and {tuple(e) for e in out["limited"]} == {
        ("KiwoomAuthError", 429, f"[HTTP 429] 인증 오류: {limited}")
    }
    assert closed.refuses(out["revoked"])


def test_kiwoompy_stream_never_logs_in(trading: Server, venvs: dict[str, Path | Exception]) -> None:
    """kiwoompy sends its token in an ``Authorization`` header of the upgrade and never LOGIN
    (kiwoom.md §5.2: LOGIN comes first); sise answers its REG as Kiwoom answers a request before
    LOGIN, and nothing streams."""
    out = trading.drive(KIWOOMPY, python_for(venvs, KIWOOMPY), "stream")
    assert out["real"] == []
    assert "실시간 등록/해지 오류 (return_code=1): 로그인이 필요합니다" in out["logs"]
