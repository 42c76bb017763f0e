"""State arrays declared once.

A state-holding class declares each of its arrays as a class annotation,
``name: Annotated[npt.NDArray[dtype], spec]``: the name, the dtype (from the array type) and how
the array is shaped and kept (the spec) are written in one place, and allocation, the daily reset,
growth when instruments are listed, combining venues and digests are derived from the declaration
(``declared``), so adding a field is one line and cannot be forgotten by any of them.

The arrays stay plain instance attributes: the hot path reads them as fast as ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar, get_args, get_origin, get_type_hints

import numpy as np
import numpy.typing as npt

__all__ = [
    "Combine",
    "Declared",
    "InstrumentField",
    "RowField",
    "declared",
    "grow_first_axis",
    "grow_last_axis",
]


@dataclass(frozen=True, slots=True)
class InstrumentField:
    """An engine array indexed by instrument on its last axis: shape ``(n,)``, or ``(2, n)`` with
    a row per venue (KRX, NXT)."""

    per_venue: bool = False
    #: Reset to ``fill`` when a day starts; otherwise carried over from day to day.
    daily: bool = False
    #: The value of a fresh cell: at allocation, after the daily reset, for a new listing.
    fill: float = 0

    def shape(self, n: int) -> tuple[int, ...]:
        return (2, n) if self.per_venue else (n,)


class Combine(Enum):
    """How the combined (통합) view of a row field is derived from its KRX and NXT values."""

    SUM = "sum"
    MAX = "max"
    MIN_TRADED = "min of the venues that traded"
    LATER = "the value of the venue that traded last"
    FIRST = "the value of the venue that traded first"


@dataclass(frozen=True, slots=True)
class RowField:
    """An array with a row per (instrument, venue), shape ``(rows, *trail)``.

    ``trail`` holds ints or the name of an int attribute of the owner (e.g. ``"n_members"``)."""

    trail: tuple[int | str, ...] = ()
    combine: Combine = Combine.SUM

    def shape(self, rows: int, owner: object) -> tuple[int, ...]:
        return (rows, *(d if isinstance(d, int) else int(getattr(owner, d)) for d in self.trail))


S = TypeVar("S", InstrumentField, RowField)


@dataclass(frozen=True, slots=True)
class Declared(Generic[S]):
    """One declared array: its attribute name, dtype and spec."""

    name: str
    dtype: np.dtype[Any]
    spec: S

    def new(self, shape: tuple[int, ...], fill: float = 0) -> npt.NDArray[Any]:
        return np.full(shape, fill, self.dtype)


def declared(cls: type, spec_type: type[S]) -> tuple[Declared[S], ...]:
    """The arrays ``cls`` declares with a ``spec_type`` spec, in declaration order."""
    out = [
        Declared(name, _dtype_of(get_args(hint)[0]), spec)
        for name, hint in get_type_hints(cls, include_extras=True).items()
        if get_origin(hint) is Annotated
        for spec in get_args(hint)[1:]
        if isinstance(spec, spec_type)
    ]
    if not out:
        raise TypeError(f"{cls.__name__} declares no {spec_type.__name__} arrays")
    return tuple(out)


def _dtype_of(array_type: Any) -> np.dtype[Any]:
    # npt.NDArray[X] is ndarray[shape, dtype[X]]: X is the scalar type.
    dtype_arg = get_args(array_type)[-1]
    (scalar,) = get_args(dtype_arg)
    dtype: np.dtype[Any] = np.dtype(scalar)
    return dtype


def grow_last_axis(arr: npt.NDArray[Any], n: int, fill: float) -> npt.NDArray[Any]:
    """``arr`` extended along its last axis to ``n`` with ``fill``."""
    extra = n - arr.shape[-1]
    if extra <= 0:
        return arr
    return np.concatenate([arr, np.full((*arr.shape[:-1], extra), fill, arr.dtype)], axis=-1)


def grow_first_axis(arr: npt.NDArray[Any], rows: int) -> npt.NDArray[Any]:
    """``arr`` extended along its first axis to ``rows`` with zeros."""
    extra = rows - arr.shape[0]
    if extra <= 0:
        return arr
    return np.concatenate([arr, np.zeros((extra, *arr.shape[1:]), arr.dtype)])
