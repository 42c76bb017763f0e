"""``sise serve --record`` / ``--replay`` and ``sise simulate --record`` as a user runs them: a
recorder killed with SIGKILL leaves a file that replays, driven through ``/admin/replay``; bad
files and flags are one line on stderr and exit code 2."""

from __future__ import annotations

import json
import re
import signal
import time
from datetime import time as dtime
from pathlib import Path

import pytest
import requests

from served import served
from sise.cli.main import main
from sise.cli.simulate import simulate_day
from sise.market.timeutil import kst_ns
from sise.market.universe import build_universe
from sise.server.replay import Replay
from sise.server.runtime import Market
from sise.sources.clock import Clock
from sise.sources.recording import Header, RecordingReader, RecordingWriter
from sise.sources.simulator import SimConfig
from wsclient import DAY

SMALL = ["--scale", "0.002", "--history-years", "0", "--mock-port", "0", "--date", "2026-11-20"]


def test_a_killed_recorder_leaves_a_recording_that_serve_replays_under_admin_control(tmp_path: Path) -> None:
    path = tmp_path / "day.sise"
    (tmp_path / "rec").mkdir()
    with served(tmp_path / "rec", ["--record", str(path), "--speed", "60", *SMALL]) as rec:
        assert f"recording to:       {path}" in rec.output()
        time.sleep(0.5)  # half a market minute
        rec.proc.send_signal(signal.SIGKILL)
        rec.proc.wait()
    extent = RecordingReader(path).scan()
    assert extent.batches > 60 and not extent.complete  # 08:00–09:05 in minutes, then seconds

    (tmp_path / "play").mkdir()
    with served(
        tmp_path / "play", ["--replay", str(path), "--start", "09:05:05", "--mock-port", "0"]
    ) as play:
        out = play.output()
        assert "no end-of-stream marker" in out and "replaying:" in out
        key = re.search(r"X-Sise-Admin-Key: (\S+)", out)
        assert key is not None and key.group(1) == (tmp_path / "play" / "admin-key").read_text().strip()
        url = f"http://127.0.0.1:{play.port}/admin/replay"
        headers = {"X-Sise-Admin-Key": key.group(1)}
        assert requests.get(url, timeout=5).status_code == 401
        status = requests.get(url, headers=headers, timeout=5).json()
        assert status["speed"] == 60 and status["trading_day"] == "2026-11-20"  # the recorded speed
        assert status["recording"]["complete"] is False
        assert (
            requests.post(url, headers=headers, json={"action": "pause"}, timeout=5).json()["state"]
            == "paused"
        )
        seek = {"action": "seek", "time": "09:05:20"}
        status = requests.post(url, headers=headers, json=seek, timeout=5).json()
        assert status["market_time"] == "2026-11-20T09:05:20+09:00" and status["state"] == "paused"
        health = requests.get(f"http://127.0.0.1:{play.port}/healthz", timeout=5).json()
        assert health["market_time"] == "2026-11-20T09:05:20+09:00"
        koscom = requests.get(
            f"http://127.0.0.1:{play.port}/v2/market/stocks/kospi/005930/price",
            headers={"apikey": _koscom_key(tmp_path / "play")},
            timeout=5,
        )
        assert koscom.status_code == 200 and koscom.json()["result"]["trdPrc"] > 0
        play.proc.send_signal(signal.SIGINT)
        play.proc.wait(timeout=15)
        assert play.proc.returncode == 0 and "Traceback" not in play.output()


def _koscom_key(data: Path) -> str:
    return str(json.loads((data / "keys.json").read_text())["koscom"][0]["apikey"])


def test_a_simulated_day_recording_replays_on_the_same_opening(tmp_path: Path) -> None:
    def record(path: Path) -> None:
        writer = RecordingWriter.create(path, Header("simulate", DAY, 0, 0.0005, history_years=0))
        # Ten-minute batches: the whole day in a few dozen, so the test stays quick.
        result = simulate_day(build_universe(), SimConfig(DAY, scale=0.0005, step_s=600), None, record=writer)
        writer.close()
        assert result.files == [] and result.trades > 0

    path, again = tmp_path / "sim.sise", tmp_path / "again.sise"
    record(path)
    record(again)
    assert path.read_bytes() == again.read_bytes()  # the same settings, the same file
    replay = Replay(path)
    assert replay.extent.complete and replay.extent.batches == 72
    end = kst_ns(DAY, dtime(20))
    m = Market(replay.settings(data_dir=tmp_path), clock=Clock.manual(end), source=replay)
    try:
        m.catch_up()  # raises if the rebuilt opening differed from the simulated one
        assert m.day == DAY and int(m.engine.state().count.sum()) > 0
        assert m.engine.last_time <= end and replay.status()["state"] == "ended"
    finally:
        m.close()
        replay.close()


def error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("sise: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_bad_recordings_and_flags_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a recording\n")
    assert "not an Arrow IPC stream" in error_of(["serve", "--replay", str(text)], capsys)
    assert "No such file" in error_of(["serve", "--replay", str(tmp_path / "nope.sise")], capsys)
    newer = tmp_path / "newer.sise"
    RecordingWriter.create(newer, Header("serve", DAY, 0, 1.0, 0, format_version=99)).close()
    assert "upgrade sise" in error_of(["serve", "--replay", str(newer)], capsys)
    empty = tmp_path / "empty.sise"
    RecordingWriter.create(empty, Header("serve", DAY, 0, 1.0, 0)).close()
    assert "holds no batches" in error_of(["serve", "--replay", str(empty)], capsys)
    assert "--seed, --scale" in error_of(
        ["serve", "--replay", str(empty), "--seed", "3", "--scale", "2"], capsys
    )
    assert "cannot be recorded" in error_of(["serve", "--replay", str(empty), "--record", "x.sise"], capsys)
    assert "exists" in error_of(["serve", "--record", str(empty), "--data-dir", str(tmp_path)], capsys)
    assert "--out" in error_of(["simulate", "--date", "2026-11-20"], capsys)
    assert "exists" in error_of(["simulate", "--date", "2026-11-20", "--record", str(empty)], capsys)
