"""Kiwoom value strings read a column at a time: the readers of ``sise.client.values`` over the
thousands of rows of a long answer (kiwoom.md §2.0).

A column's strings are joined into one JSON array and read by msgspec, in C; the directions come
from the values' first characters and the models' constructors are mapped over the columns, so
no Python code runs per value. A column is read this way only when every sign leads its value
and is its only sign: dropping the ``+`` (and, for a level, the ``-``) then leaves JSON numbers
where the values are numbers, and a JSON number reads as ``number`` reads the string (an
integer without a point, a float with one; msgspec and ``float`` both round correctly). Any
other column raises ``ValueError`` or ``TypeError`` here and the caller reads it value by value:
``""``, a non-string, a doubled sign (``"--1100"``, ``"+-5"``), a sign inside a value (``"1e-5"``),
leading zeros, whitespace (``number`` reads ``"+ 5"`` as a float; ``directed`` takes the sign
after leading blanks), a ``,`` inside a value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from operator import itemgetter, truediv
from typing import Any, Final

import msgspec

from sise.client.values import Directed, Direction

__all__ = ["integers", "levels", "levels100", "numbers", "numbers100", "texts"]

_numbers: Final = msgspec.json.Decoder(list[int | float])
_integers: Final = msgspec.json.Decoder(list[int])
#: The direction of a value by its first character (one that ``_array`` let through).
_DIRECTION: Final = {"-": Direction.DOWN, "+": Direction.UP, **dict.fromkeys("0123456789", Direction.FLAT)}
_first: Final = itemgetter(0)


def _array(values: Sequence[Any], signs: tuple[str, ...]) -> str:
    """``values`` as one JSON array without the ``signs`` that lead them; ``ValueError`` when a
    sign is not at the head of its value or not its only one, or there is whitespace
    (``TypeError`` when a value is not a string)."""
    text = ",".join(values)
    leading = text.count(",+") + text.count(",-") + text.startswith(("+", "-"))
    if text.count("+") + text.count("-") != leading:
        raise ValueError("a sign inside a value, or a doubled sign")
    if " " in text or "\t" in text or "\n" in text or "\r" in text:
        raise ValueError("whitespace")
    for sign in signs:
        text = text.replace(sign, "")
    return f"[{text}]"


def _read(decoder: msgspec.json.Decoder[list[Any]], values: Sequence[Any], array: str) -> list[Any]:
    try:
        out = decoder.decode(array)
    except msgspec.DecodeError as e:  # malformed, or not of the decoder's type
        raise ValueError(str(e)) from None
    if len(out) != len(values):  # a value "" or "1,5"
        raise ValueError("a value is not one number")
    return out


def _magnitudes(values: Sequence[Any]) -> list[float]:
    """Each value without its sign."""
    return _read(_numbers, values, _array(values, ("+", "-")))


def _directions(values: Sequence[Any]) -> Iterator[Direction]:
    return map(_DIRECTION.__getitem__, map(_first, values))


def texts(values: Sequence[Any]) -> Sequence[str]:
    if not set(map(type, values)) <= {str}:
        raise TypeError("not a column of strings")
    return values


def integers(values: Sequence[Any]) -> list[int]:
    """``values.integer`` of each (a column with a point in it is read value by value)."""
    return _read(_integers, values, _array(values, ("+",)))


def numbers(values: Sequence[Any]) -> list[float]:
    """``values.number`` of each."""
    array = _array(values, ("+",))
    out: list[float] = _read(_numbers, values, array)
    if "-0" in array and 0 in out:
        # "-0.00" and "-0e5" read as 0.0, not -0.0 (and ``x + 0.0`` is ``x`` for any other float)
        out = [v + 0.0 if type(v) is float else v for v in out]
    return out


def numbers100(values: Sequence[Any]) -> list[float]:
    """``values.hundredths`` of each number."""
    try:
        wire = integers(values)  # what the ×100 columns hold
    except ValueError:
        return list(map(round, map(truediv, numbers(values), repeat(100)), repeat(2)))
    # For an integer n, ``n / 100`` is ``round(n / 100, 2)`` already: rounding the double d nearest
    # n/100 to two decimals moves it by 0.005 at most, onto n/100 itself when the doubles there are
    # under 0.01 apart and onto a number whose nearest double is d when they are wider apart.
    # (``round`` formats and reparses each value: several times the cost of the division.)
    return list(map(truediv, wire, repeat(100)))


def levels(values: Sequence[Any]) -> list[Directed]:
    """The absolute value with the direction of its prefix, as ``values.directed`` reads it."""
    return list(map(Directed, _magnitudes(values), _directions(values)))


def levels100(values: Sequence[Any]) -> list[Directed]:
    """``levels`` divided by 100 (the ×100 integers of ka10051 and the minute chart)."""
    return list(map(Directed, map(truediv, _magnitudes(values), repeat(100)), _directions(values)))
