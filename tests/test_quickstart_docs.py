"""docs/quickstart.md is true: every ```python example runs against a served sise, and every
``sise`` line of its shell blocks (but ``sise serve``) succeeds there, its keys found in the data
directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from itertools import takewhile
from pathlib import Path

import pytest

from served import SISE, served
from sise.cli.connect import Exit

DOC = Path(__file__).resolve().parents[1] / "docs" / "quickstart.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", TEXT, re.S)
COMMANDS = [
    line.split("#")[0].split()
    for block in re.findall(r"```sh\n(.*?)```", TEXT, re.S)
    for line in block.splitlines()
    if line.startswith("sise ") and not line.startswith("sise serve")
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    # The examples' dates: 2026-11-20, with a year of history behind it.
    args = ["--mock-port", "0", "--history-years", "1", "--history", "memory", "--scale", "0.02"]
    args += ["--date", "2026-11-20"]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        yield f"http://127.0.0.1:{s.port}", s.data


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 7 and len(COMMANDS) >= 6


@pytest.mark.parametrize("n", range(len(EXAMPLES)))
def test_each_example_runs(n: int, server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    keys = json.loads((server[1] / "keys.json").read_text(encoding="utf-8"))
    monkeypatch.setenv("SISE_BASE_URL", server[0])
    monkeypatch.setenv("SISE_KIWOOM_APPKEY", keys["real"][0]["appkey"])
    monkeypatch.setenv("SISE_KIWOOM_SECRETKEY", keys["real"][0]["secretkey"])
    monkeypatch.setenv("SISE_KOSCOM_APIKEY", keys["koscom"][0]["apikey"])
    exec(compile(EXAMPLES[n], f"{DOC}:example {n + 1}", "exec"), {"__name__": "__main__"})


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_each_command_runs(argv: list[str], server: tuple[str, Path]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SISE_")}
    env |= {"SISE_BASE_URL": server[0], "SISE_DATA_DIR": str(server[1])}  # keys from keys.json
    done = subprocess.run([str(SISE), *argv[1:]], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == Exit.OK, done.stderr
    assert done.stdout.strip() and not done.stderr


def test_the_exit_table_is_the_code() -> None:
    start = TEXT.index("| status | meaning |")
    rows = list(takewhile(lambda line: line.startswith("|"), TEXT[start:].splitlines()[2:]))
    assert [int(r.split("|")[1]) for r in rows] == [e.value for e in Exit]
