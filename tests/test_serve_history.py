"""End to end: ``sise serve`` keeps its history in ``<data-dir>/history.sqlite``, a restart on the
same directory reuses it and resumes the market where it stood, and one directory serves one
server at a time."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import requests

from served import SISE, Served, served

ARGS = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--speed", "120"]


def koscom_history(s: Served, code: str) -> bytes:
    keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
    r = requests.get(
        f"http://127.0.0.1:{s.port}/v2/market/stocks/kospi/{code}/history",
        params={"trnsmCycleTpCd": "D", "inqStrtDd": "20250101", "inqEndDd": "20261119"},
        headers={"apikey": keys["koscom"][0]["apikey"]},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.content


def market_time(s: Served) -> datetime:
    found = re.findall(r"market time (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) KST", s.output())
    return datetime.strptime(found[-1], "%Y-%m-%d %H:%M:%S")


def test_a_restart_reuses_the_history_and_resumes_the_market(tmp_path: Path) -> None:
    with served(tmp_path, [*ARGS, "--date", "2026-11-20", "--start", "10:00"]) as s:
        before = koscom_history(s, "005930")
        assert len(json.loads(before)["result"]["hisLists"]) == 100  # reqCnt's default: 100 trading days
        # One directory, one server: a second one is refused at once, with the holder's pid.
        second = subprocess.run(
            [str(SISE), "serve", "--port", "0", "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"another sise serve (pid {s.proc.pid}) is using the data directory" in second.stderr
        first_time = market_time(s)
    assert s.proc.returncode == 0
    db = sqlite3.connect(tmp_path / "history.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stood = json.loads(db.execute("SELECT value FROM meta WHERE key = 'position'").fetchone()[0])
    db.close()
    assert stood["day"] == "2026-11-20"

    with served(tmp_path, ARGS) as s:
        assert "resuming the market" in s.output()
        assert "2026-11-20" in s.output()
        assert market_time(s) >= first_time  # where it stood, not 09:05 of today
        assert koscom_history(s, "005930") == before


def test_another_seed_on_the_same_directory_is_refused_with_the_way_out(tmp_path: Path) -> None:
    with served(tmp_path, [*ARGS, "--date", "2026-11-20"]):
        pass
    other = subprocess.run(
        [str(SISE), "serve", "--port", "0", "--data-dir", str(tmp_path), "--seed", "7", *ARGS],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode == 1
    assert "holds the history of another market (seed differs" in other.stderr
    assert "Traceback" not in other.stderr
