"""``sise serve`` in its own process for the end-to-end tests: output to a log file (never a pipe
nobody drains), ready once ``/healthz`` answers, stopped with Ctrl-C at the end."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

SISE = Path(sys.executable).parent / "sise"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    port: int
    data: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def koscom(self, path: str, **query: str) -> requests.Response:
        """``GET /v2/market/{path}`` with the Koscom key ``sise serve`` wrote."""
        keys = json.loads((self.data / "keys.json").read_text(encoding="utf-8"))
        return requests.get(
            f"http://127.0.0.1:{self.port}/v2/market/{path}",
            params=query,
            headers={"apikey": keys["koscom"][0]["apikey"]},
            timeout=10,
        )


@contextmanager
def served(
    data: Path,
    args: list[str],
    keys: dict[str, Any] | None = None,
    *,
    env: dict[str, str] | None = None,
    data_dir_option: bool = True,
) -> Iterator[Served]:
    """``sise serve --port P --data-dir DATA`` plus ``args`` (``keys`` written to the data
    directory first, mode 0600); the server is interrupted on exit if it still runs. ``env`` is
    added to the environment; without ``data_dir_option`` no ``--data-dir`` is given (``env``
    should then make ``data`` the default one)."""
    data.mkdir(parents=True, exist_ok=True)
    if keys is not None:
        path = data / "keys.json"
        path.write_text(json.dumps(keys), encoding="utf-8")
        path.chmod(0o600)
    port = free_port()
    log_path = data / "serve.log"
    with log_path.open("wb") as log:
        where = ["--data-dir", str(data)] if data_dir_option else []
        command = [str(SISE), "serve", "--port", str(port), *where, *args]
        environ = None if env is None else {**os.environ, **env}
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environ)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):  # not up yet, or busy a moment
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sise serve did not start: {log_path.read_text()}")
                time.sleep(0.1)
            yield Served(proc, port, data, log_path)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
