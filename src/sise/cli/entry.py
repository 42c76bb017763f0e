"""The ``sise`` executable: :func:`sise.cli.main.main`, stoppable from its first instant.

Importing the command (numpy, the engine, the API) takes a second or two; a Ctrl-C or SIGTERM
then would end the process with a traceback, or silently. This module imports nothing heavy, so
it is in place first and turns either into the one line the command prints at any other time.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import NoReturn


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run() -> NoReturn:
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        from sise.cli.main import main

        code = main()
    except KeyboardInterrupt:
        print("sise: stopped", file=sys.stderr)
        code = 0
    sys.exit(code)
