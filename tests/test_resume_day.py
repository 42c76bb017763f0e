"""``kill -9`` and restart: the day in progress resumes from its journal, its bars intact."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from served import Served, served

ARGS = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--speed", "30"]
FIRST = ["--date", "2026-11-20", "--start", "10:00"]


def _get(s: Served, path: str, **query: str) -> dict[str, Any]:
    r = s.koscom(path, **query)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _bars(s: Served) -> list[dict[str, Any]]:
    """005930's 1-minute bars from 09:59 up to now (at most 96, within a page, however long the
    first build took), the running one left out."""
    rows = _get(s, "stocks/kospi/005930/intraday", inddCycleTpCd="60", strtTm="0959", endTm="1130")
    bars: list[dict[str, Any]] = rows["result"]["hisLists"]
    return sorted(bars, key=lambda b: int(b["inddTm"]))[:-1]


def _volume(s: Served) -> int:
    return int(_get(s, "stocks/kospi/005930/price")["result"]["accTrdvol"])


def test_kill_9_and_restart_resume_the_day_with_its_bars(tmp_path: Path) -> None:
    bars: list[dict[str, Any]] = []
    volume = 0
    for round_ in range(3):
        # The last round runs at another speed: the journal's batches are made with the steps
        # they had, so the bars served before the kill are the same.
        args = [*ARGS[:-2], "--speed", "60"] if round_ == 2 else ARGS
        with served(tmp_path, [*args, *FIRST] if round_ == 0 else args) as s:
            now = _bars(s)
            if round_:
                assert "from its journal" in s.output(), s.output()
                assert now[: len(bars)] == bars, f"round {round_}: bars served before the kill changed"
                assert _volume(s) >= volume
            time.sleep(2.5)  # the market runs on (a minute or more); snapshots are taken
            bars, volume = _bars(s), _volume(s)
            assert len(bars) > len(now)
            time.sleep(1.1)  # the position passes the bars fetched
            s.proc.kill()
            s.proc.wait()
        (tmp_path / "serve.log").rename(tmp_path / f"serve-{round_}.log")


def test_a_server_killed_as_soon_as_it_is_ready_resumes_from_its_journal(tmp_path: Path) -> None:
    """The catch-up's end has a snapshot: a restart does not simulate the day again. (A market
    this slow, on history already stored, has not reached its first live snapshot, two market
    seconds in, when it is killed.)"""
    args = [*ARGS[:-2], "--speed", "0.1"]
    with served(tmp_path, [*args, *FIRST]):
        pass  # the history, stored
    for round_ in range(2):
        (tmp_path / "serve.log").rename(tmp_path / f"serve-{round_}.log")
        with served(tmp_path, [*args, *FIRST] if round_ == 0 else args) as s:
            if round_ == 0:
                volume = _volume(s)
                s.proc.kill()
                s.proc.wait()
            else:
                assert "from its journal" in s.output(), s.output()
                assert _volume(s) >= volume
                s.proc.kill()
                s.proc.wait()
    # Snapshots that cannot be read: the day is simulated again from its start, with a warning.
    for snap in (tmp_path / "journal").glob("*.snapshot*"):
        snap.write_bytes(b"not a snapshot")
    (tmp_path / "serve.log").rename(tmp_path / "serve-2.log")
    with served(tmp_path, args) as s:
        assert "journal is not usable" in s.output() and "re-simulating" in s.output(), s.output()
        assert _volume(s) > 0
