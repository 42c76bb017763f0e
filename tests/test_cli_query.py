"""``sise quote`` / ``sector`` / ``sectors`` / ``index`` / ``history`` against a real ``sise serve``:
each table and ``--json`` document is the data the SDK fetches, each exit status, where the keys
come from, and that a query starts without the market engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from msgspec.structs import replace

from served import free_port, served
from sise.cli import entry, query
from sise.cli.connect import Exit, status_of
from sise.cli.main import main as sise_main
from sise.client import (
    KiwoomClient,
    KoscomClient,
    KoscomQuotaError,
    KoscomTransportError,
)
from sise.client.kiwoom_models import AllSectors, SectorPrice, decode
from sise.market.indices_table import kiwoom_sector_list

APPKEY, SECRETKEY = "cli-appkey-" + "a" * 32, "cli-secret-" + "b" * 32
KEY = "l7xx" + "00112233445566778899aabbccddeeff"
SPENT = "l7xx" + "ffeeddccbbaa99887766554433221100"  # the key whose quota a test spends
QUOTA = 200
DAY = date(2026, 11, 20)
KEYS = {
    "real": [{"appkey": APPKEY, "secretkey": SECRETKEY}],
    "koscom": [{"apikey": KEY}, {"apikey": SPENT}],
}
ENV_NAMES = (
    "SISE_BASE_URL",
    "SISE_DATA_DIR",
    "SISE_KIWOOM_APPKEY",
    "SISE_KIWOOM_SECRETKEY",
    "SISE_KOSCOM_APIKEY",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    # 20:30, after every session of the day: the market holds still, so the command and the SDK
    # see the same numbers. A year of history for the paged daily bars.
    args = ["--mock-port", "0", "--history-years", "1", "--history", "memory", "--scale", "0.02"]
    args += ["--date", DAY.isoformat(), "--start", "20:30", "--koscom-quota", str(QUOTA)]
    with served(tmp_path_factory.mktemp("sise"), args, keys=KEYS) as s:
        yield f"http://127.0.0.1:{s.port}", s.data


@pytest.fixture
def url(server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's URL in ``SISE_BASE_URL`` and its data directory in ``SISE_DATA_DIR``: the keys
    come from its keys.json (no key variable is set)."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SISE_BASE_URL", server[0])
    monkeypatch.setenv("SISE_DATA_DIR", str(server[1]))
    return server[0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = query.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    assert len(out.splitlines()) == 1  # one document, one line
    return json.loads(out)


def test_quote(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with KoscomClient(url, KEY) as koscom:
        price = koscom.stocks("kospi", "price", "005930")
        master = koscom.stocks("kospi", "master", "005930")
        kosdaq = koscom.stocks("kosdaq", "lists")["isuLists"][0]["isuSrtCd"]
        kosdaq_price = koscom.stocks("kosdaq", "price", kosdaq)
    assert as_json(capsys, "quote", "005930") == {"market": "kospi", "price": price, "master": master}
    code, out, _ = run(capsys, "quote", "005930")
    assert code == 0
    assert f"005930 {master['isuKorAbbrv']} · KOSPI" in out
    last, change = price["trdPrc"], price["cmpprevddPrc"]
    row = next(line for line in out.splitlines() if f"{last:,}" in line)
    for value in (f"{change:+,}", f"{change / (last - change) * 100:+.2f}", f"{price['accTrdval']:,}"):
        assert value in row
    # A KOSDAQ stock is found on its market without --market.
    found = as_json(capsys, "quote", kosdaq)
    assert isinstance(found, dict) and found["market"] == "kosdaq" and found["price"] == kosdaq_price


def test_sector_and_sectors(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with KiwoomClient(url, APPKEY, SECRETKEY) as kiwoom:
        kospi = kiwoom.sector_price("001")
        kosdaq_rows = kiwoom.all_sectors("101").all_inds_idex
    doc = as_json(capsys, "sector", "001")
    assert isinstance(doc, dict)
    first = decode(SectorPrice, doc)  # the first page: the summary and the newest rows
    assert replace(first, inds_cur_prc_tm=[]) == replace(kospi, inds_cur_prc_tm=[])
    assert 0 < len(first.inds_cur_prc_tm) < len(kospi.inds_cur_prc_tm)
    assert first.inds_cur_prc_tm == kospi.inds_cur_prc_tm[: len(first.inds_cur_prc_tm)]
    code, out, _ = run(capsys, "sector", "001", "--rows", "3")
    assert code == 0
    assert f"{kospi.cur_prc.value:,.2f}" in out and f"{kospi.flu_rt:+.2f}" in out  # type: ignore[union-attr]
    assert f"{kospi.rising:,}/{kospi.stdns:,}/{kospi.fall:,}" in out
    shown = out.split("newest publications")[1]
    assert len([line for line in shown.splitlines() if line.startswith("│")]) == 3
    for r in kospi.inds_cur_prc_tm[:3]:
        assert f"{r.tm_n[:2]}:{r.tm_n[2:4]}:{r.tm_n[4:]}" in shown

    doc = as_json(capsys, "sectors", "--market", "1")
    assert isinstance(doc, dict)
    assert decode(AllSectors, doc).all_inds_idex == kosdaq_rows
    assert doc["all_inds_idex"][0]["stk_cd"] == kiwoom_sector_list("1")[0].kiwoom_code == "101"
    code, out, _ = run(capsys, "sectors", "--market", "1")
    assert code == 0
    for row in kosdaq_rows:
        line = next(line for line in out.splitlines() if f" {row.stk_cd} " in line and row.stk_nm in line)
        assert f"{row.cur_prc.value:,.2f}" in line and f"{row.fall:,}" in line  # type: ignore[union-attr]


def test_index(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with KoscomClient(url, KEY) as koscom:
        k1 = koscom.index("kospi", "K1", "index")
        q1 = koscom.index("kosdaq", "Q1", "index")
    assert as_json(capsys, "index", "K1") == k1
    assert as_json(capsys, "index", "Q1") == q1  # the market comes from the code
    code, out, _ = run(capsys, "index", "Q1")
    assert code == 0 and "Q1 코스닥" in out
    assert f"{q1['trdPrc']:,.2f}" in out and f"{q1['cmpprevddPrc']:+,.2f}" in out


def test_history_pages_past_a_hundred_days(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with KoscomClient(url, KEY) as koscom:
        newest = koscom.stocks(
            "kospi", "history", "005930", trnsmCycleTpCd="D", inqStrtDd="20250101", inqEndDd="20261120"
        )["hisLists"]
    assert len(newest) == 100
    doc = as_json(capsys, "history", "005930", "--days", "130")
    assert isinstance(doc, dict)
    rows = doc["hisLists"]
    assert len(rows) == 130 and rows[:100] == newest
    days = [r["trdDd"] for r in rows]
    assert days == sorted(set(days), reverse=True) and days[0] == 20261120
    code, out, _ = run(capsys, "history", "005930", "--days", "3")
    assert code == 0
    for r in newest[:3]:
        d = str(r["trdDd"])
        line = next(line for line in out.splitlines() if f"{d[:4]}-{d[4:6]}-{d[6:]}" in line)
        assert f"{r['trdPrc']:,}" in line and f"{r['accTrdvol']:,}" in line
    assert len([line for line in out.splitlines() if line.startswith("│ 20")]) == 3


def test_exit_status_of_each_failure(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as usage:
        query.main(["history", "005930", "--days", "0"])
    assert usage.value.code == Exit.USAGE
    assert "error: argument --days" in capsys.readouterr().err
    unreachable = f"http://127.0.0.1:{free_port()}"
    for argv in (["quote", "005930"], ["sector", "001"]):
        code, out, err = run(capsys, *argv, "--base-url", unreachable)
        assert (code, out) == (Exit.UNREACHABLE, "")
        assert err.startswith(f"sise: error: cannot reach {unreachable}") and len(err.splitlines()) == 1
    for argv in (["quote", "999999"], ["index", "Z9"], ["sector", "999"], ["history", "999999"]):
        code, _, err = run(capsys, *argv)
        assert code == Exit.NOT_FOUND, (argv, err)
        assert err.startswith("sise: error:") and len(err.splitlines()) == 1 and "Traceback" not in err
    # Spend the second key's daily quota; the command then says so.
    with KoscomClient(url, SPENT) as koscom, pytest.raises(KoscomQuotaError):
        for _ in range(QUOTA + 1):
            koscom.index("kospi", "K1", "index")
    monkeypatch.setenv("SISE_KOSCOM_APIKEY", SPENT)
    code, _, err = run(capsys, "index", "K1")
    assert code == Exit.RATE_LIMIT and "HTTP 429" in err
    assert status_of(KoscomTransportError(502, None, "not a Koscom answer")) == Exit.OTHER


def test_keys_come_from_the_environment_first(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SISE_KOSCOM_APIKEY", "l7xx" + "0" * 32)  # not the server's: refused
    code, _, err = run(capsys, "index", "K1")
    assert code == Exit.AUTH and "HTTP 401" in err
    monkeypatch.setenv("SISE_KIWOOM_APPKEY", "nobody")
    monkeypatch.setenv("SISE_KIWOOM_SECRETKEY", "nothing")
    code, _, err = run(capsys, "sector", "001")
    assert code == Exit.AUTH and err.startswith("sise: error:")


def test_keys_file_of_the_data_directory(
    url: str,
    server: tuple[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --data-dir over SISE_DATA_DIR: an empty directory has no keys.
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "quote", "005930", "--data-dir", str(empty))
    assert code == Exit.AUTH and "SISE_KOSCOM_APIKEY" in err and str(empty / "keys.json") in err
    monkeypatch.setenv("SISE_DATA_DIR", str(empty))
    assert run(capsys, "quote", "005930", "--data-dir", str(server[1]))[0] == Exit.OK
    # The per-user default: $XDG_DATA_HOME/sise.
    monkeypatch.delenv("SISE_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if sys.platform != "darwin":
        (tmp_path / "sise").mkdir()
        shutil.copy(server[1] / "keys.json", tmp_path / "sise" / "keys.json")
        assert run(capsys, "sectors")[0] == Exit.OK
        assert run(capsys, "index", "K1")[0] == Exit.OK
    # A keys file that is not one: a credentials failure, on one line.
    (empty / "keys.json").write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "index", "K1", "--data-dir", str(empty))
    assert code == Exit.AUTH and "cannot read the keys file" in err


def test_sise_lists_the_client_commands_and_runs_them(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert set(query.COMMANDS) == entry.CLIENT_COMMANDS
    with pytest.raises(SystemExit):
        sise_main(["--help"])
    out = capsys.readouterr().out
    assert all(f"    {name} " in out for name in query.COMMANDS)
    assert "5 not found" in " ".join(out.split())  # the exit statuses
    assert sise_main(["index", "K1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["isuSrtCd"] == "K1"


def test_a_query_starts_without_the_engine(url: str) -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['sise', 'quote', '005930', '--json']\n"
        "from sise.cli import entry\n"
        "try:\n    entry.run()\n"
        "except SystemExit as e:\n    code = e.code\n"
        "heavy = ('numpy', 'pyarrow', 'starlette', 'sise.engine', 'sise.api')\n"
        "heavy = sorted(m for m in heavy if m in sys.modules)\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
    assert json.loads(done.stdout)["price"]["isuSrtCd"] == "005930"
