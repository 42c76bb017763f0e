"""Kiwoom value strings to numbers (kiwoom.md §2.0).

Every Kiwoom value is a JSON string, ``""`` meaning "no value". Two kinds of sign live in them:

- a **direction prefix** on levels and prices: ``"-2394.49"`` is 2394.49, down against the
  previous close; ``"2394.49"`` is unchanged. ``directed()`` keeps the absolute value and the
  direction apart;
- an **arithmetic sign** on changes, rates and net figures: ``"-278.47"``, ``"+9030"``, ``"-0"``.
  ``number()`` / ``integer()`` read it.

Official examples also show a doubled sign (``"--1100"``, ka10044/ka10045): it reads as one
minus. Index levels on the chart TRs and the ka10051 columns are ×100 integers (``"388193"`` =
3881.93); ``hundredths()`` undoes that.
"""

from __future__ import annotations

from enum import IntEnum

import msgspec

__all__ = ["Directed", "Direction", "Sign", "directed", "direction", "hundredths", "integer", "number"]


class Direction(IntEnum):
    """Direction against the previous close, from a value's prefix."""

    DOWN = -1
    FLAT = 0
    UP = 1


class Sign(IntEnum):
    """Kiwoom's sign code (``pred_pre_sig``, ``pre_sig``, ``pre_smbol``; kiwoom.md §2.0)."""

    UPPER_LIMIT = 1
    UP = 2
    FLAT = 3
    LOWER_LIMIT = 4
    DOWN = 5


class Directed(msgspec.Struct, frozen=True, gc=False):
    """A level or price with its direction: ``"-2394.49"`` → ``Directed(2394.49, Direction.DOWN)``.

    ``value`` is an ``int`` when the wire text has no decimal point (prices in 원). (A frozen
    msgspec struct: an answer makes thousands, and it is built several times faster than a
    dataclass. It holds a number and an enum member, so it cannot be part of a reference cycle
    and the garbage collector need not track it, nor the rows that hold it.)"""

    value: float
    direction: Direction


def _split(text: str) -> tuple[bool, bool, str]:
    """(signed, negative, digits) of a value string; a doubled sign counts once."""
    body = text.strip()
    rest = body.lstrip("+-")
    prefix = body[: len(body) - len(rest)]
    if not rest:
        raise ValueError(f"not a Kiwoom number: {text!r}")
    return bool(prefix), "-" in prefix, rest


def _magnitude(digits: str, text: str) -> float:
    try:
        return int(digits) if digits.isdigit() else float(digits)
    except ValueError:
        raise ValueError(f"not a Kiwoom number: {text!r}") from None


def _fast(text: str) -> float:
    """``text`` read by ``int`` (no decimal point) or ``float``: what the careful reading gives for
    every value with at most one sign (the fast path of every value of an answer). ``ValueError``
    for the rest, which the careful reading takes (a doubled sign; an underscore, which ``int``
    would read and the careful reading reads as a float)."""
    if "_" in text:
        raise ValueError(text)
    return float(text) if "." in text else int(text)


def number(text: str) -> float | None:
    """A signed value: ``"+60700"`` → 60700, ``"-10.42"`` → -10.42, ``"--1100"`` → -1100,
    ``"-0"`` → 0, ``""`` → None. Integral text gives an ``int``."""
    if not text:
        return None
    try:
        value = _fast(text)
        return value if value else abs(value)  # "-0.00" is 0.0, not -0.0
    except ValueError:
        pass
    _, negative, digits = _split(text)
    value = _magnitude(digits, text)
    return -value if negative and value else value


def integer(text: str) -> int | None:
    """``number()`` for a field that is always integral (volumes, counts, net figures)."""
    value = number(text)
    if value is None or isinstance(value, int):
        return value
    if not value.is_integer():
        raise ValueError(f"not a Kiwoom integer: {text!r}")
    return int(value)


def direction(text: str) -> Direction:
    """The direction a value's prefix encodes (``"+…"`` up, ``"-…"`` down, unsigned flat)."""
    if not text:
        return Direction.FLAT
    signed, negative, _ = _split(text)
    if not signed:
        return Direction.FLAT
    return Direction.DOWN if negative else Direction.UP


def directed(text: str) -> Directed | None:
    """A direction-prefixed level or price: the absolute value and the direction; ``""`` → None."""
    if not text:
        return None
    first = text[0]
    if not first.isspace():
        try:
            value = _fast(text)
        except ValueError:
            pass
        else:
            if first == "-":
                return Directed(-value, Direction.DOWN)
            return Directed(value, Direction.UP if first == "+" else Direction.FLAT)
    signed, negative, digits = _split(text)
    d = Direction.FLAT if not signed else Direction.DOWN if negative else Direction.UP
    return Directed(_magnitude(digits, text), d)


def hundredths(value: float | None) -> float | None:
    """Undo Kiwoom's ×100 integers (``388193`` → 3881.93); None stays None."""
    return None if value is None else round(value / 100, 2)
