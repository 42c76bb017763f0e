"""``sise serve`` starts like a service: every refusal is one line and comes before the build,
the keys live in the per-user data directory with mode 0600, a signal stops it at any moment,
and ``GET /`` says what the server serves."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from served import SISE, free_port, served
from sise.cli.main import main
from sise.cli.options import Count, Number
from sise.server.datadir import default_data_dir

QUICK = ["--mock-port", "0", "--history-years", "0", "--scale", "0.02", "--date", "2026-11-20"]
BUILDING = "building the market"


def run_serve(
    tmp_path: Path, args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [str(SISE), "serve", "--data-dir", str(tmp_path / "data"), "--port", str(free_port()), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--token-lifetime", "0"], {}, "argument --token-lifetime: must be a number > 0, got '0'"),
        (["--rate-limit", "-1"], {}, "argument --rate-limit: must be a number ≥ 0, got '-1'"),
        (["--scale", "0"], {}, "argument --scale: must be a number > 0 and ≤ 10, got '0'"),
        (["--scale", "nan"], {}, "argument --scale: must be a number > 0 and ≤ 10, got 'nan'"),
        (["--history-years", "-1"], {}, "argument --history-years: must be a whole number from 0 to"),
        (["--speed", "0.01"], {}, "argument --speed: must be a number ≥ 0.1, or inf, got '0.01'"),
        (["--port", "70000"], {}, "argument --port: must be a whole number from 0 to 65535"),
        (["--mock-port", "-1"], {}, "argument --mock-port: must be a whole number from 0 to 65535"),
        (["--date", "2031-01-02"], {}, "outside the supported KRX calendar range"),
        ([], {"SISE_KIWOOM_APPKEY": "abc"}, "set both SISE_KIWOOM_APPKEY and SISE_KIWOOM_SECRETKEY"),
        (["--index-level", "NOPE=1"], {}, "argument --index-level: unknown index 'NOPE': give a key"),
        (["--index-level", "화학=900"], {}, "'화학' is ambiguous: KOSPI_IND_008 (1008) or KOSDAQ_IND_065"),
        (["--index-level", "KOSPI=x"], {}, "the level of KOSPI must be a positive number, got 'x'"),
        (["--index-level", "1001=-5"], {}, "the level of KOSPI must be a positive number, got '-5'"),
        (["--index-level", "KOSPI"], {}, "argument --index-level: expected NAME=LEVEL (KOSPI=2650)"),
        (["--index-level", "KOSPI=0.01"], {}, "KOSPI=0.01 would put 삼성전자 (005930) at 0.39 KRW, below 1"),
    ],
)
def test_a_bad_option_or_environment_is_one_line_before_the_build(
    tmp_path: Path, args: list[str], env: dict[str, str], says: str
) -> None:
    env = {"SISE_KIWOOM_APPKEY": "", "SISE_KIWOOM_SECRETKEY": "", **env}
    r = run_serve(tmp_path, [*QUICK, *args], env)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], r.stderr
    assert r.stdout == "" and BUILDING not in r.stderr and "Traceback" not in r.stderr
    assert "math." not in r.stderr


def test_the_same_port_twice_is_refused(tmp_path: Path) -> None:
    port = free_port()
    r = run_serve(tmp_path, [*QUICK, "--port", str(port), "--mock-port", str(port)])
    assert r.returncode == 2
    assert r.stderr == f"sise: error: --port and --mock-port are both {port}; give them different ports\n"


@pytest.mark.parametrize("option", ["--port", "--mock-port"])
def test_a_busy_port_is_one_line_and_a_failure_before_the_build(tmp_path: Path, option: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["--port", str(free_port()), "--mock-port", str(free_port()), option, str(port)]
        r = run_serve(tmp_path, [*QUICK, *args])
    assert r.returncode == 1
    assert r.stderr == (
        f"sise: error: port {port} on 127.0.0.1 is in use (another sise serve, or another server?);"
        f" give another {option}\n"
    )
    assert r.stdout == ""  # no ready banner


def test_sigterm_during_the_build_stops_with_one_line(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    args = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--date", "2026-11-20"]
    command = [str(SISE), "serve", "--data-dir", str(tmp_path / "data"), "--port", str(free_port()), *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while BUILDING not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # in the history back-fill
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log.read_text(encoding="utf-8")
    assert "ready" not in text and "Traceback" not in text
    assert text.strip().splitlines()[-1] == "sise: stopped"


def test_keys_live_in_the_per_user_data_directory_with_mode_0600(tmp_path: Path) -> None:
    home = tmp_path / "xdg"
    data = home / "sise"
    env = {"XDG_DATA_HOME": str(home), "SISE_DATA_DIR": ""}
    with served(data, [*QUICK, "--history", "memory"], env=env, data_dir_option=False) as s:
        keys = data / "keys.json"
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert f"keys:               {keys}" in s.output()
        issued = requests.post(
            f"http://127.0.0.1:{s.port}/oauth2/token",
            json={"grant_type": "client_credentials", **json.loads(keys.read_text())["real"][0]},
            timeout=10,
        ).json()
        assert issued["return_code"] == 0
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=30) == 0
    assert s.output().strip().splitlines()[-1] == "sise: stopped"


def test_the_default_data_directory() -> None:
    assert default_data_dir({"SISE_DATA_DIR": "/srv/sise"}) == Path("/srv/sise")
    assert default_data_dir({"XDG_DATA_HOME": "/x/share"}) == Path("/x/share/sise")
    home = Path.home() / ".local" / "share" / "sise"
    assert default_data_dir({"XDG_DATA_HOME": "relative"}) == home  # not absolute: ignored (XDG)
    assert default_data_dir({}) == home


def test_ranges() -> None:
    assert Number(0.0)("0") == 0.0 and Number(0.0, allow_inf=True)("inf") == float("inf")
    assert Count(1, 3)("3") == 3
    for bad in ("-1", "inf", "nan", "x"):
        with pytest.raises(argparse.ArgumentTypeError, match="must be a number ≥ 0"):
            Number(0.0)(bad)
    with pytest.raises(argparse.ArgumentTypeError, match=r"must be a whole number from 1 to 3, got '1\.5'"):
        Count(1, 3)("1.5")


def test_serve_help_gives_every_option_its_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    entries = re.split(r"\n  (?=-)", text[text.index("options:") :])[1:]  # one per option
    assert len(entries) > 20
    for entry in entries:
        assert "default" in entry or entry.startswith("-h, --help"), entry
