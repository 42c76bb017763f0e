"""Where the client commands (``sise quote`` …) connect, with which keys, and their exit codes.

The server is ``--base-url``, else ``SISE_BASE_URL``, else a local ``sise serve`` on its default
port. Keys come from the variables ``sise serve`` itself reads, else from the ``keys.json`` that
``sise serve`` wrote in its data directory (``--data-dir``, ``SISE_DATA_DIR``, the per-user
default). The file is read with a few lines here rather than the server's key store, so that a
client command imports nothing of the server side and starts in a fraction of a second.
``Context`` hands a command its connection, its clients and its output.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Final

from rich.table import Table

from sise.cli.tables import console
from sise.client import (
    SISE_KIWOOM_URL,
    KiwoomAuthError,
    KiwoomClient,
    KiwoomConnectionError,
    KiwoomError,
    KiwoomNotFoundError,
    KiwoomRateLimitError,
    KiwoomRequestError,
    KoscomAuthError,
    KoscomClient,
    KoscomConnectionError,
    KoscomError,
    KoscomNotFoundError,
    KoscomQuotaError,
    KoscomRequestError,
)
from sise.client.env import BASE_URL_ENV, KIWOOM_ENV, KOSCOM_ENV
from sise.server.datadir import default_data_dir

#: The file ``sise serve`` keeps its keys in (sise.api.kiwoom.auth writes it).
KEYS_FILE: Final = "keys.json"

#: Kiwoom's codes for "no such stock or sector": 1901–1903, and 1517, which refuses an unknown
#: sector code (the client commands check every other value they send).
NOT_FOUND_KIWOOM: Final = frozenset({1517})
#: Koscom's 시세 codes for an unknown or malformed issue code (koscom.md §1.5).
NOT_FOUND_KOSCOM: Final = frozenset({10040, 20030})


class Exit(IntEnum):
    """The exit status of a client command: which kind of failure, for scripts to tell apart."""

    OK = 0
    OTHER = 1  # any other failure: the server failed, an answer that is not the vendor's
    USAGE = 2  # a bad command line
    UNREACHABLE = 3  # no connection to the server
    AUTH = 4  # no keys, or keys the server refuses
    NOT_FOUND = 5  # no such stock, sector or index code
    RATE_LIMIT = 6  # over Kiwoom's rate limit, or the Koscom key's daily quota is spent


EXIT_HELP: Final = "exit status of the client commands: " + ", ".join(
    f"{e.value} {e.name.lower().replace('_', ' ')}" for e in Exit
)


class CommandError(Exception):
    """A failure the command reports on one line and exits with ``status``."""

    def __init__(self, status: Exit, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Connection:
    base_url: str
    data_dir: Path

    @property
    def keys_file(self) -> Path:
        return self.data_dir / KEYS_FILE

    def _file(self) -> Mapping[str, object]:
        path = self.keys_file
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise CommandError(Exit.AUTH, f"cannot read the keys file {path}: {e}") from None
        if not isinstance(data, dict):
            raise CommandError(Exit.AUTH, f"{path}: not a sise keys file")
        return data

    def _first(self, section: str, *names: str) -> tuple[str, ...] | None:
        entries = self._file().get(section)
        if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
            return None
        values = [v.strip() for v in (entries[0].get(n) for n in names) if isinstance(v, str) and v.strip()]
        return tuple(values) if len(values) == len(names) else None

    def kiwoom_keys(self, environ: Mapping[str, str]) -> tuple[str, str]:
        """App key and secret key: the environment's, else the keys file's first 실전 pair."""
        appkey, secretkey = (environ.get(n, "").strip() for n in KIWOOM_ENV)
        if appkey and secretkey:
            return appkey, secretkey
        pair = self._first("real", "appkey", "secretkey")
        if pair is None:
            raise CommandError(Exit.AUTH, f"no Kiwoom keys: set {' and '.join(KIWOOM_ENV)}{self._hint()}")
        return pair[0], pair[1]

    def koscom_key(self, environ: Mapping[str, str]) -> str:
        """The API key: the environment's, else the keys file's first Koscom key."""
        key = environ.get(KOSCOM_ENV, "").strip()
        if key:
            return key
        found = self._first("koscom", "apikey")
        if found is None:
            raise CommandError(Exit.AUTH, f"no Koscom API key: set {KOSCOM_ENV}{self._hint()}")
        return found[0]

    def _hint(self) -> str:
        return f", or run sise serve, which writes {self.keys_file}, or point --data-dir at its directory"


def connection(
    base_url: str | None, data_dir: Path | None, environ: Mapping[str, str] | None = None
) -> Connection:
    env = os.environ if environ is None else environ
    url = base_url or env.get(BASE_URL_ENV, "").strip() or SISE_KIWOOM_URL
    return Connection(url.rstrip("/"), data_dir if data_dir is not None else default_data_dir(env))


def status_of(error: Exception) -> Exit:
    """The exit status of an SDK error."""
    if isinstance(error, KiwoomConnectionError | KoscomConnectionError):
        return Exit.UNREACHABLE
    if isinstance(error, KiwoomAuthError | KoscomAuthError):
        return Exit.AUTH
    if isinstance(error, KiwoomRateLimitError | KoscomQuotaError):
        return Exit.RATE_LIMIT
    if isinstance(error, KiwoomNotFoundError | KoscomNotFoundError):
        return Exit.NOT_FOUND
    if isinstance(error, KiwoomRequestError) and error.code in NOT_FOUND_KIWOOM:
        return Exit.NOT_FOUND
    if isinstance(error, KoscomRequestError) and error.code in NOT_FOUND_KOSCOM:
        return Exit.NOT_FOUND
    return Exit.OTHER


def message_of(error: KiwoomError | KoscomError, base_url: str) -> str:
    """One line for an SDK error; an unreachable server says which, and how to choose another."""
    if isinstance(error, KiwoomConnectionError | KoscomConnectionError):
        where = f"--base-url or {BASE_URL_ENV} choose the server"
        return f"cannot reach {base_url} ({error.message}): is sise serve running there? ({where})"
    return " ".join(str(error).split())


class Context:
    """What a command needs: the connection, the environment, its output."""

    def __init__(self, args: argparse.Namespace, environ: Mapping[str, str]) -> None:
        self.args = args
        self.environ = environ
        self.conn: Connection = connection(args.base_url, args.data_dir, environ)

    @contextmanager
    def kiwoom(self) -> Iterator[KiwoomClient]:
        appkey, secretkey = self.conn.kiwoom_keys(self.environ)
        with KiwoomClient(self.conn.base_url, appkey, secretkey) as client:
            yield client

    @contextmanager
    def koscom(self) -> Iterator[KoscomClient]:
        with KoscomClient(self.conn.base_url, self.conn.koscom_key(self.environ)) as client:
            yield client

    def emit(self, document: object, *tables: Table) -> None:
        if self.args.json:
            print(json.dumps(document, ensure_ascii=False))
            return
        out = console()
        for t in tables:
            out.print(t)
