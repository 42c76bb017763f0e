"""Errors the engine raises. A rejected batch leaves the engine untouched."""

from __future__ import annotations


class BatchError(ValueError):
    """A malformed batch; ``array`` and ``row`` name the first bad row."""

    def __init__(self, array: str, row: int, reason: str) -> None:
        super().__init__(f"{array} row {row}: {reason}")
        self.array = array
        self.row = row
        self.reason = reason


class EngineStateError(RuntimeError):
    """An operation out of order, e.g. applying events before ``start_day``."""
