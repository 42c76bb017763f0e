"""Range-checked option values: a bad one is refused by the parser, before anything is built.

Each checker is an argparse ``type=``; its range is stated once, in its ``describe`` text, which
both the refusal and the option's help use. Refusals speak command-line: ``inf``, never
``math.inf``; ``nan`` and infinities are refused unless the option says otherwise.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

__all__ = ["Count", "Number", "port", "seconds"]


@dataclass(frozen=True, slots=True)
class Number:
    """A float in ``[low, high]`` (``low_open``: ``(low, high]``); ``inf`` only with ``allow_inf``."""

    low: float = 0.0
    high: float = math.inf
    low_open: bool = False
    allow_inf: bool = False

    def describe(self) -> str:
        low = f"> {self.low:g}" if self.low_open else f"≥ {self.low:g}"
        if self.high < math.inf:
            return f"a number {low} and ≤ {self.high:g}"
        return f"a number {low}" + (", or inf" if self.allow_inf else "")

    def __call__(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if value == math.inf and self.allow_inf:
            return value
        above = value > self.low if self.low_open else value >= self.low
        if not (math.isfinite(value) and above and value <= self.high):
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got {text!r}")
        return value


@dataclass(frozen=True, slots=True)
class Count:
    """An integer in ``[low, high]``."""

    low: int = 0
    high: int | None = None

    def describe(self) -> str:
        if self.high is not None:
            return f"a whole number from {self.low} to {self.high}"
        return f"a whole number ≥ {self.low}"

    def __call__(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got {text!r}") from None
        if value < self.low or (self.high is not None and value > self.high):
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got {text!r}")
        return value


def port(low: int = 1) -> Count:
    """A TCP port (``low=0``: 0 allowed, for an option where 0 means none)."""
    return Count(low, 65_535)


def seconds(low_open: bool = True) -> Number:
    """A finite number of seconds, > 0 (or ≥ 0 with ``low_open=False``)."""
    return Number(0.0, low_open=low_open)
