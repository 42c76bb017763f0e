"""The import table of docs/architecture.md is enforced by import-linter contracts (pyproject.toml,
run by scripts/test as ``lint-imports``); here they are shown to catch the imports they forbid."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONTRACTS = {
    c["id"]: c["name"]
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}
# (file to append to, an import that breaks one rule, the contract that must catch it)
VIOLATIONS = [
    ("market/ticks.py", "import sise.engine.batches", "rooms"),
    ("sources/actions.py", "import sise.store.memory", "sources-store"),
    ("bus/__init__.py", "import sise.store.base", "bus"),
    ("client/__init__.py", "import sise.engine.engine", "client"),
    ("client/values.py", "import sise.market.timeutil", "client-light"),  # numpy, through sise.market
    ("api/koscom/__init__.py", "import sise.api.kiwoom.fmt", "vendors"),
    ("engine/books.py", "import pyarrow", "pure-domain"),
]


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache", "--no-logo"], cwd=tree, env=env, capture_output=True, text=True, check=False
    )


def test_each_contract_catches_the_import_it_forbids(tmp_path: Path) -> None:
    pkg = tmp_path / "sise"
    shutil.copytree(ROOT / "src" / "sise", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "api" / "koscom").mkdir(exist_ok=True)
    (pkg / "api" / "koscom" / "__init__.py").touch()
    clean = _lint(tmp_path)
    assert clean.returncode == 0, clean.stdout
    for path, line, _ in VIOLATIONS:
        with (pkg / path).open("a", encoding="utf-8") as f:
            f.write(f"\n{line}  # injected\n")
    broken = _lint(tmp_path)
    assert broken.returncode == 1
    report = " ".join(broken.stdout.split())  # contract names wrap in the report
    assert {c for _, _, c in VIOLATIONS} == set(CONTRACTS)
    for contract in CONTRACTS.values():
        assert f"{contract} BROKEN" in report
