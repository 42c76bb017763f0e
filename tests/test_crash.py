"""``kill -9`` at random moments: the history file is never corrupt, nothing served from history is
lost or changed, and the market resumes no earlier than where the killed server had started."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

from served import Served, served

ARGS = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--speed", "300"]


def served_history(s: Served) -> list[bytes]:
    """History answers that must survive: a stock's and an index's daily rows, back-filled and live
    (11-20 is rolled over live)."""
    out = []
    for path in ("stocks/kospi/005930/history", "index/kospi/K1/history"):
        r = s.koscom(path, trnsmCycleTpCd="D", inqStrtDd="20260101", inqEndDd="20261120")
        assert r.status_code == 200, r.text
        out.append(r.content)
    return out


def started_at(s: Served) -> str:
    """Where the market started: the position it resumed at (the clock stands there until the
    market is ready), else the ``--start`` of the first round."""
    line = next((x for x in s.output().splitlines() if "resuming the market of" in x), None)
    return line.split(" at ")[-1][:19] if line is not None else "2026-11-20 19:59:00"


def test_kill_9_at_random_moments_never_corrupts_or_loses_history(tmp_path: Path) -> None:
    rng = random.Random(20261130)
    first = ["--date", "2026-11-20", "--start", "19:59"]
    before: list[bytes] | None = None
    resumed_from = ""
    for round_ in range(4):
        with served(tmp_path, [*ARGS, *first] if round_ == 0 else ARGS) as s:
            now = served_history(s)
            if before is not None:
                assert now == before, f"round {round_}: history changed across a kill -9"
                assert started_at(s) >= resumed_from, "the market went back in time"
            before, resumed_from = now, started_at(s)
            time.sleep(rng.uniform(0.0, 2.5))  # the market runs, rolls over, saves its position
            s.proc.kill()
            s.proc.wait()
            if round_:
                # Resumed from the day's journal, through the close and into the night.
                assert "from its journal" in s.output(), s.output()
        db = sqlite3.connect(tmp_path / "history.sqlite")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            db.close()
        (tmp_path / "serve.log").rename(tmp_path / f"serve-{round_}.log")
