"""``sise stream`` against a served sise whose market trades: NDJSON of Kiwoom's and Koscom's
sockets, the live table, and its refusals."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

from served import SISE, free_port, served
from sise.cli.connect import Exit


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    args = ["--mock-port", "0", "--history-years", "0", "--scale", "0.05", "--speed", "10"]
    args += ["--date", "2026-11-20", "--start", "09:30"]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SISE_")}
        yield environ | {"SISE_BASE_URL": f"http://127.0.0.1:{s.port}", "SISE_DATA_DIR": str(s.data)}


def sise(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SISE), *argv], capture_output=True, text=True, env=env, timeout=60)


def test_kiwoom_types_as_ndjson(env: dict[str, str]) -> None:
    done = sise(env, "stream", "0B:005930", "0J:001", "--json", "--count", "6")
    assert done.returncode == Exit.OK, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 6
    assert {(m["type"], m["item"]) for m in lines} <= {("0B", "005930"), ("0J", "001")}
    assert all(m["values"]["10"] and m["values"]["20"] for m in lines)
    done = sise(env, "stream", "0B:005930", "0J:001", "--count", "6")
    assert done.returncode == Exit.OK, done.stderr
    rows = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if line.startswith("│")}
    assert set(rows) <= {"0B", "0J"} and rows and "6 messages" in done.stdout
    assert all(code in rows[t] for t, code in (("0B", "005930"), ("0J", "001")) if t in rows)


def test_a_koscom_market_as_ndjson_and_as_a_table(env: dict[str, str]) -> None:
    done = sise(env, "stream", "ws_ksp", "--json", "--count", "5")
    assert done.returncode == Exit.OK, done.stderr
    trades = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(trades) == 5 and all(
        t["price"] > 0 and t["volume"] > 0 and len(t["code"]) == 6 for t in trades
    )
    done = sise(env, "stream", "ws_ksp", "--count", "5")
    assert done.returncode == Exit.OK, done.stderr
    assert "5 trades" in done.stdout


def test_a_koscom_preset_as_a_table(env: dict[str, str]) -> None:
    done = sise(env, "stream", "tick:005930", "--count", "2")
    assert done.returncode == Exit.OK, done.stderr
    assert "005930" in done.stdout and "tick" in done.stdout


def test_refusals(env: dict[str, str]) -> None:
    for argv in (
        ["stream", "nonsense"],
        ["stream", "0B:005930", "ws_ksp"],
        ["stream", "0B:005930", "--count", "0"],
    ):
        done = sise(env, *argv)
        assert done.returncode == Exit.USAGE and done.stderr.count("\n") == 1, done.stderr
    unreachable = {**env, "SISE_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    done = sise(unreachable, "stream", "ws_ksp", "--count", "1")
    assert done.returncode == Exit.UNREACHABLE, done.stderr
