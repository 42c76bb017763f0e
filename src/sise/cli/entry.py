"""The ``sise`` executable: :func:`sise.cli.main.main`, stoppable from its first instant.

Importing the command (numpy, the engine, the API) takes a second or two; a Ctrl-C or SIGTERM
then would end the process with a traceback, or silently. This module imports nothing heavy, so
it is in place first and turns either into the one line the command prints at any other time.
The client commands (``sise quote`` …) go to :mod:`sise.cli.query` without that import at all.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import NoReturn

#: The commands of sise.cli.query (tests/test_cli_query.py holds the two lists equal): named here
#: so that ``sise serve`` does not import the SDK to find it is not one of them.
CLIENT_COMMANDS = frozenset({"quote", "sector", "sectors", "index", "history", "stream"})


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run() -> NoReturn:
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        if sys.argv[1:2] and sys.argv[1] in CLIENT_COMMANDS:
            # A query starts fast: the SDK and rich only, never the market engine of main.
            from sise.cli.query import main as query

            code = query(sys.argv[1:])
        else:
            from sise.cli.main import main

            code = main()
    except KeyboardInterrupt:
        print("sise: stopped", file=sys.stderr)
        code = 0
    sys.exit(code)
