"""Determinism as a lint: the rooms that make market data (market, engine, sources) read no wall
clock and draw from no unseeded or global random generator (DESIGN.md, Determinism).

Wall-clock and global-random APIs are banned by ruff (TID251, configured in pyproject.toml);
ruff cannot tell ``default_rng()`` from ``default_rng(seed)``, so unseeded generators are found
here from the syntax tree.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_ROOMS = [ROOT / "src" / "sise" / room for room in ("market", "engine", "sources")]
#: numpy constructors that seed themselves from the operating system when given no seed.
_SEEDED_BY_ARGUMENT = {"default_rng", "SeedSequence", "PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937"}
_SEED_KEYWORDS = {"seed", "entropy"}


def unseeded_calls(source: str) -> list[int]:
    """Lines calling a numpy generator or seed sequence without a seed (or with ``None``)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name not in _SEEDED_BY_ARGUMENT:
            continue
        seeds = [*node.args[:1], *(k.value for k in node.keywords if k.arg in _SEED_KEYWORDS)]
        if not seeds or all(isinstance(s, ast.Constant) and s.value is None for s in seeds):
            lines.append(node.lineno)
    return lines


def test_the_checker_finds_unseeded_generators() -> None:
    bad = """
import numpy as np
from numpy.random import default_rng, SeedSequence
a = np.random.default_rng()
b = default_rng(None)
c = np.random.SeedSequence()
d = np.random.PCG64(seed=None)
"""
    good = """
import numpy as np
a = np.random.default_rng(0)
b = np.random.default_rng(np.random.SeedSequence([1, 2]))
c = np.random.SeedSequence(7, spawn_key=(3,))
d = np.random.PCG64(seed=ss)
e = np.random.SeedSequence(entropy=7)
"""
    assert unseeded_calls(bad) == [4, 5, 6, 7]
    assert unseeded_calls(good) == []


@pytest.mark.parametrize("room", DATA_ROOMS, ids=lambda p: p.name)
def test_no_unseeded_generator_in_the_data_rooms(room: Path) -> None:
    files = sorted(room.rglob("*.py"))
    assert files
    found = {str(f.relative_to(ROOT)): unseeded_calls(f.read_text(encoding="utf-8")) for f in files}
    assert {f: lines for f, lines in found.items() if lines} == {}


def _ruff(path: str, source: str) -> subprocess.CompletedProcess[str]:
    ruff = Path(sys.executable).with_name("ruff")
    return subprocess.run(
        [str(ruff), "check", "--no-cache", "--select", "TID251", "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize(
    "source",
    [
        "import time\nt = time.time_ns()\n",
        "from datetime import date\nd = date.today()\n",
        "from datetime import datetime\nd = datetime.now()\n",
        "import random\n",
        "import numpy as np\nnp.random.seed(1)\n",
    ],
)
def test_ruff_bans_wall_clocks_and_global_randomness_only_in_the_data_rooms(source: str) -> None:
    for room in ("market", "engine", "sources"):
        banned = _ruff(f"src/sise/{room}/example.py", source)
        assert banned.returncode == 1 and "TID251" in banned.stdout, (room, banned.stdout, banned.stderr)
    for room in ("cli", "server", "api"):
        allowed = _ruff(f"src/sise/{room}/example.py", source)
        assert allowed.returncode == 0, (room, allowed.stdout, allowed.stderr)
