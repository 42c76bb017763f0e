"""One progress report for the long-running commands (``sise simulate``, ``sise demo``).

On a terminal it is a bar redrawn in place with a carriage return, at most ``max_rate`` times a
second (redrawing per batch would cost more than some batches). Anywhere else — a log file, a
pipe, CI — carriage returns only make noise, so it prints a plain line at every ``every`` of
progress instead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

_BAR = 30


class Progress:
    """``update(fraction, detail)`` as work goes on; ``close()`` (or leaving a ``with``) at the end."""

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        max_rate: float = 10.0,
        every: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = _is_terminal(self.stream)
        self.min_interval = 1.0 / max_rate
        self.every = every
        self.clock = clock
        self._last_draw: float | None = None
        self._next_line = every
        self._fraction = 0.0
        self._detail = ""
        self._closed = False
        self._last_line = ""

    def update(self, fraction: float, detail: str = "") -> None:
        self._fraction = min(max(fraction, 0.0), 1.0)
        self._detail = detail
        if self.interactive:
            now = self.clock()
            if self._last_draw is not None and now - self._last_draw < self.min_interval:
                return
            self._last_draw = now
            self._draw()
        elif self._fraction >= self._next_line and self._fraction < 1.0:
            self._line()
            while self._next_line <= self._fraction:
                self._next_line += self.every

    def close(self, detail: str | None = None) -> None:
        """Finish: the bar at its final state on its own line (a terminal) or a last line."""
        if self._closed:
            return
        self._closed = True
        if detail is not None:
            self._detail = detail
        if self.interactive:
            self._draw()
            self.stream.write("\n")
        else:
            self._line()
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _text(self) -> str:
        tail = f"  {self._detail}" if self._detail else ""
        return f"{self.label} {self._fraction:4.0%}{tail}"

    def _draw(self) -> None:
        bar = "#" * int(self._fraction * _BAR)
        tail = f"  {self._detail}" if self._detail else ""
        self.stream.write(f"\r{self.label} [{bar:{_BAR}s}] {self._fraction:4.0%}{tail}")
        self.stream.flush()

    def _line(self) -> None:
        text = self._text()
        if text != self._last_line:  # the last line may already say it
            self._last_line = text
            self.stream.write(text + "\n")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
