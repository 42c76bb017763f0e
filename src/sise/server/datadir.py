"""The data directory: where it is by default, and its lock (one ``sise serve`` per directory).

An advisory ``flock`` on ``<data-dir>/lock``, held for the life of the process: the kernel
releases it when the process ends, however it ends (``kill -9`` included), so there is nothing to
clean up and no stale lock; a second server on the directory fails at once with the first one's
pid, instead of racing it for the history file.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final, TextIO

LOCK_FILE: Final = "lock"


class DataDirBusy(Exception):
    """Another process holds the data directory."""


class DataDirError(Exception):
    """The data directory cannot be created or written."""


def lock_data_dir(data_dir: Path) -> TextIO:
    """Take the directory's lock (creating the directory); keep the returned file open while the
    directory is in use. ``DataDirBusy`` if another process has it, ``DataDirError`` if the
    directory cannot be used."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(data_dir / LOCK_FILE, "a+", encoding="ascii")  # noqa: SIM115 - held open
    except OSError as e:
        raise DataDirError(f"cannot use the data directory {data_dir}: {e.strerror or e}") from e
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise DataDirBusy(
            f"another sise serve (pid {holder}) is using the data directory {data_dir}; "
            "stop it, or give this one another --data-dir"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


#: Overrides the per-user default data directory (``--data-dir`` overrides both).
DATA_DIR_ENV: Final = "SISE_DATA_DIR"


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$SISE_DATA_DIR``, else the platform's per-user data directory for sise: on Linux and
    other Unixes ``$XDG_DATA_HOME/sise``, ``~/.local/share/sise`` when that is unset or not
    absolute (the XDG Base Directory rule); on macOS ``~/Library/Application Support/sise``."""
    env = os.environ if environ is None else environ
    given = env.get(DATA_DIR_ENV, "").strip()
    if given:
        return Path(given).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "sise"
    xdg = env.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "sise"
