"""Third-party Kiwoom clients from PyPI, each in a venv of its own: their pins (kiwoom-rest-api
wants httpx<0.29 and rich<14) must not touch the project's, and kiwoompy needs Python 3.12.

A venv is made once and reused: it lives under ``$SISE_TEST_CACHE`` (default
``$XDG_CACHE_HOME/sise-tests``, else ``~/.cache/sise-tests``), named by the requirement and the
interpreter, and counts as made only once ``pip install`` has finished (a ``ready`` file holds
the requirement). A half-made one, from an interrupted run, is made again.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Library:
    requirement: str  # what pip installs, pinned: a new release must not change the test
    driver: str  # the script in this directory that drives it
    min_python: tuple[int, int] = (3, 11)

    @property
    def name(self) -> str:
        return re.split(r"[\[=<>]", self.requirement, maxsplit=1)[0]


KIWOOM_CLIENT = Library("kiwoom-client==0.4.0", "drive_kiwoom_client.py")
KIWOOM_REST_API = Library("kiwoom-rest-api==0.1.12", "drive_kiwoom_rest_api.py")
PYHEROAPI = Library("pyheroapi[realtime]==0.4.3", "drive_pyheroapi.py")
KIWOOMPY = Library("kiwoompy==0.1.6", "drive_kiwoompy.py", min_python=(3, 12))
LIBRARIES = (KIWOOM_CLIENT, KIWOOM_REST_API, PYHEROAPI, KIWOOMPY)


class NoInterpreter(Exception):
    """No Python new enough for a library on this machine."""


class NoIndex(Exception):
    """pip could not reach a package index (an offline machine): the library cannot be had."""


#: What pip prints when it cannot reach an index at all, as opposed to a failing install.
_OFFLINE = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Name or service not known",
    "No matching distribution found",
)


def cache_dir() -> Path:
    if explicit := os.environ.get("SISE_TEST_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sise-tests"


def _is_at_least(exe: str | Path, version: tuple[int, int]) -> bool:
    check = f"import sys, venv; sys.exit(sys.version_info[:2] < {version!r})"
    try:
        return subprocess.run([str(exe), "-c", check], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def interpreter(version: tuple[int, int]) -> str:
    """A Python of at least ``version``: this one, else ``python3.N`` on PATH, else a pyenv
    version (whose shims run only the version pyenv selects, so its directories are looked in)."""
    if sys.version_info[:2] >= version:
        return sys.executable
    newer = [f"python{version[0]}.{minor}" for minor in range(version[1] + 8, version[1] - 1, -1)]
    for name in newer:
        found = shutil.which(name)
        if found and _is_at_least(found, version):
            return found
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30).stdout.strip()
        installed = sorted(
            Path(root, "versions").glob("3.*"),
            key=lambda p: tuple(int(x) if x.isdigit() else -1 for x in p.name.split(".")),
            reverse=True,
        )
        for v in installed:
            exe = v / "bin" / "python3"
            if _is_at_least(exe, version):
                return str(exe)
    raise NoInterpreter(f"no Python {version[0]}.{version[1]}+ on PATH or in pyenv")


def venv_python(lib: Library) -> Path:
    """The venv's interpreter with ``lib`` installed, made if needed (under a lock, so two runs
    never build the same venv at once)."""
    base = interpreter(lib.min_python)
    tag = subprocess.run(
        [base, "-c", "import sys; print(f'py{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.strip()
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    where = root / (re.sub(r"[^A-Za-z0-9.]+", "-", lib.requirement) + "-" + tag)
    python = where / "bin" / "python"
    ready = where / "ready"
    with (root / f"{where.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists() and ready.read_text() == lib.requirement and python.exists():
            return python
        shutil.rmtree(where, ignore_errors=True)
        subprocess.run([base, "-m", "venv", str(where)], check=True, capture_output=True, timeout=300)
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", lib.requirement]
        done = subprocess.run(pip, capture_output=True, text=True, timeout=600)
        if done.returncode != 0 and any(sign in done.stderr for sign in _OFFLINE):
            raise NoIndex(f"pip install {lib.requirement}: no package index reachable")
        if done.returncode != 0:
            raise RuntimeError(f"pip install {lib.requirement} failed:\n{done.stdout}\n{done.stderr}")
        ready.write_text(lib.requirement)
    return python
