"""Logging for the long-running commands: sise's own loggers (``sise.*``) to stderr.

Only the ``sise`` logger tree is configured, so libraries keep their own defaults; uvicorn, which
configures its loggers itself, gets the more severe of ``warning`` and the chosen level, and its
access log stays off (a line per request would drown the market's own lines).
"""

from __future__ import annotations

import logging
import sys
from typing import Final, TextIO

__all__ = ["LEVELS", "configure_logging", "uvicorn_level"]

LEVELS: Final = ("debug", "info", "warning", "error")
_FORMAT: Final = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _SiseHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so configuring again replaces it."""


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """Send records of the ``sise`` loggers at ``level`` and above to ``stream`` (stderr)."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
    logger = logging.getLogger("sise")
    for old in [h for h in logger.handlers if isinstance(h, _SiseHandler)]:
        logger.removeHandler(old)
    handler = _SiseHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False  # not twice if the root logger has a handler too


def uvicorn_level(level: str) -> str:
    """uvicorn's log level for sise's ``level``: warnings and errors only, or fewer."""
    return LEVELS[max(LEVELS.index(level), LEVELS.index("warning"))]
