"""End to end: ``sise serve`` keeps its history in ``<data-dir>/history.sqlite``, a restart on the
same directory reuses it and resumes the market where it stood, and one directory serves one
server at a time."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from served import SISE, Served, served

ARGS = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--speed", "120"]


def koscom_history(s: Served, code: str, start: str = "20250101", end: str = "20261119") -> bytes:
    r = s.koscom(f"stocks/kospi/{code}/history", trnsmCycleTpCd="D", inqStrtDd=start, inqEndDd=end)
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


def test_sise_serve_answers_imported_history_and_starts_from_its_last_closes(tmp_path: Path) -> None:
    sample = sorted((Path(__file__).parents[1] / "src/sise/market/data/sample").glob("*.csv"))
    imported = subprocess.run(
        [str(SISE), "import", "daily", "--data-dir", str(tmp_path), *map(str, sample)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    with served(tmp_path, ARGS) as s:
        assert "market time 2022-01-03" in s.output()  # the trading day after the import
        rows = json.loads(koscom_history(s, "005930", "20210901", "20211231"))["result"]["hisLists"]
        samsung = next(p for p in sample if p.name == "005930.csv")
        want = [line.split(",") for line in samsung.read_text().splitlines()[1:]]
        assert len(rows) == len(want) == 63
        assert [(r["trdDd"], r["trdPrc"]) for r in rows] == [(int(w[0]), int(w[4])) for w in reversed(want)]
        price = s.koscom("stocks/kospi/005930/price").json()["result"]
        assert price["trdPrc"] - price["cmpprevddPrc"] == int(want[-1][4])  # today's base: the last close


@contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    """A small tmpfs mounted on ``path`` for the test (skipped where mounting is not allowed)."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({options}) here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def serve_once(data: Path) -> subprocess.CompletedProcess[str]:
    command = [str(SISE), "serve", "--port", "0", "--data-dir", str(data), *ARGS]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_full_disk_at_start_is_one_clear_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "tiny", "size=2m") as tiny:
        full = serve_once(tiny)
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert last == f"sise: cannot write the history store {tiny / 'history.sqlite'}: database or disk is full"


def test_a_read_only_data_directory_is_one_clear_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "size=2m,ro") as ro:
        refused = serve_once(ro)
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"sise: cannot use the data directory {ro}: Read-only file system"


def test_the_journal_is_kept_unless_turned_off(tmp_path: Path) -> None:
    quick = ["--mock-port", "0", "--history-years", "0", "--scale", "0.02", "--date", "2026-11-20"]
    for flag, kept in (([], True), (["--no-journal"], False)):
        data = tmp_path / str(kept)
        data.mkdir()
        with served(data, [*quick, *flag]):
            pass
        assert (data / "journal").is_dir() == kept
