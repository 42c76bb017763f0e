"""Wire records and request bodies, declared once, as data.

A vendor's response record is a tuple of ``Field`` (wire name, Korean label, value format, what the
value is); a request body is a tuple of ``Param`` (name, label, required, parser). Everything else
is derived from these declarations: the vectorised renderer (``Record.render``), request
validation (``Body.read``), the field lists the tests compare with the reference, and the field
tables in ``docs/``. A view computes one column per field and never spells a field name twice, so a
field can neither be dropped nor shifted into its neighbour.

Rendering formats a whole table with one ``%`` operation over a flat argument tuple and one
``split``: Python then spends its time in C rather than in a call per value. Each ``Fmt`` says
which printf piece it contributes and how a column becomes that piece's arguments; formats whose
value is not a string (JSON numbers) contribute their column as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import chain
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "FRAC",
    "SEP",
    "Body",
    "Directed",
    "Field",
    "Fmt",
    "Param",
    "ParamError",
    "Record",
    "Request",
    "choice_of",
    "digits",
    "lookup",
    "one_of",
]

#: Field separator of the rendered table; never part of a formatted value.
SEP = "\x1f"
#: ``"00"`` … ``"99"``: two-digit fractions by lookup (``%02d`` costs twice a ``%s``).
FRAC = tuple(f"{i:02d}" for i in range(100))

Column = npt.NDArray[Any] | Sequence[Any]


def lookup(table: Sequence[str], idx: npt.NDArray[np.integer[Any]]) -> list[str]:
    """``[table[i] for i in idx]`` without a Python-level loop."""
    if len(idx) == 0:
        return []
    got = itemgetter(*idx.tolist())(table)
    return list(got) if len(idx) > 1 else [got]


class Directed(NamedTuple):
    """A column whose text carries a prefix chosen by ``direction`` (-1, 0, 1 per row): a level
    with its direction against the previous close, or a change with its own sign."""

    value: npt.ArrayLike
    direction: npt.ArrayLike


# ---------------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fmt:
    """How one value is written on the wire.

    ``piece`` is the printf piece of one value (``None`` for values that stay JSON numbers or
    other native values). A ``directed`` format takes a ``Directed`` column, or a plain one whose
    own sign is the direction when ``own_sign``; ``prefixes`` are by direction ``0, 1, -1``.
    ``decimals`` 2 means the column holds hundredths. ``doc`` describes the format for the docs.
    """

    name: str
    doc: str
    piece: str | None = "%s"
    directed: bool = False
    own_sign: bool = False
    prefixes: tuple[str, str, str] = ("", "+", "-")
    decimals: int = 0
    constant: str | None = None  # a literal every row carries (no column)

    def args(self, col: Column | Directed | None, n: int) -> list[list[Any]]:
        """The columns of printf arguments this field contributes for ``n`` rows."""
        if self.constant is not None:
            return []
        if col is None:
            raise ValueError(f"format {self.name} needs a column")
        if not self.directed:
            # An unsigned format ignores a direction: a declaration can switch a field between
            # signed and unsigned spelling without touching the view.
            return [_broadcast(col.value if isinstance(col, Directed) else col, n)]
        if isinstance(col, Directed):
            value, direction = np.asarray(col.value, np.int64), np.asarray(col.direction, np.int64)
        elif self.own_sign:
            value = np.asarray(col, np.int64)
            direction = np.sign(value)
        else:
            raise TypeError(f"format {self.name} needs a Directed column")
        value = np.broadcast_to(value, (n,)) if value.ndim == 0 else value
        direction = np.broadcast_to(direction, (n,)) if direction.ndim == 0 else direction
        prefix = lookup(self.prefixes, np.asarray(direction % 3, np.intp))
        a = np.abs(value)
        if self.decimals == 2:
            return [prefix, (a // 100).tolist(), lookup(FRAC, np.asarray(a % 100, np.intp))]
        return [prefix, a.tolist()]


def _broadcast(col: Column | npt.ArrayLike, n: int) -> list[Any]:
    if isinstance(col, np.ndarray) and col.ndim == 0:
        return [col.item()] * n
    if isinstance(col, str | int | float):
        return [col] * n
    out = col.tolist() if isinstance(col, np.ndarray) else list(col)  # type: ignore[arg-type]
    if len(out) != n:
        raise ValueError(f"column of {len(out)} values for {n} rows")
    return out


# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """One response field: wire name, Korean label, format, unit and what the value is."""

    name: str
    label: str
    fmt: Fmt
    doc: str = ""  # what the value is and where it comes from (engine state, history)
    unit: str = ""
    inferred: str = ""  # why, where the reference is silent or contradictory
    optional: bool = False  # the view may pass ``None``: the field is then ``""``


@dataclass(frozen=True)
class Record:
    """An ordered set of fields: a response's summary, or one row of its list."""

    fields: tuple[Field, ...]
    names: tuple[str, ...] = field(init=False)
    _row: str = field(init=False, repr=False)
    _native: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = tuple(f.name for f in self.fields)
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate field names in {names}")
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "_row", _row_format(self.fields))
        object.__setattr__(
            self, "_native", tuple(i for i, f in enumerate(self.fields) if f.fmt.piece is None)
        )

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def render(self, n: int, cols: Mapping[str, Column | Directed | None]) -> list[dict[str, Any]]:
        """``n`` rows from one column per field (constant fields take none; a scalar is
        broadcast). Raises ``KeyError``/``ValueError`` when the columns do not match the fields,
        so a view cannot drop, add or misname one."""
        expected = {f.name for f in self.fields if f.fmt.constant is None}
        if cols.keys() != expected:
            missing, extra = sorted(expected - cols.keys()), sorted(cols.keys() - expected)
            raise KeyError(f"columns do not match the record: missing {missing}, extra {extra}")
        if n == 0:
            return []
        text_cols: list[list[Any]] = []
        native: dict[int, list[Any]] = {}
        row = self._row
        blanks = [f for f in self.fields if f.optional and cols.get(f.name, "") is None]
        if blanks:
            row = _row_format(self.fields, {f.name for f in blanks})
        for i, f in enumerate(self.fields):
            col = cols.get(f.name)
            if f.fmt.piece is None:
                native[i] = _native(f, col, n)
            elif not (f.optional and col is None and f.fmt.constant is None):
                text_cols += f.fmt.args(col, n)
        names = self.names
        k = len(names)
        if not native:
            it = iter((row * n % tuple(chain.from_iterable(zip(*text_cols, strict=True)))).split(SEP))
            return [dict(zip(names, vals, strict=True)) for vals in zip(*[it] * k, strict=False)]
        columns: list[Sequence[Any]] = []
        n_text = k - len(native)
        if n_text:
            flat = tuple(chain.from_iterable(zip(*text_cols, strict=True)))
            texts = (row * n % flat).split(SEP) if flat else [""] * (n * n_text + 1)
            texts.pop()  # the trailing separator's empty string
        j = 0
        for i in range(k):
            if i in native:
                columns.append(native[i])
            else:
                columns.append(texts[j::n_text])
                j += 1
        return [dict(zip(names, vals, strict=True)) for vals in zip(*columns, strict=True)]

    def render_one(self, cols: Mapping[str, Column | Directed | str | int | None]) -> dict[str, Any]:
        """A single record (a response's summary fields) from scalar values; ``None`` for an
        optional field that has no value."""
        wrapped: dict[str, Column | Directed | None] = {}
        for name, v in cols.items():
            if isinstance(v, Directed):
                wrapped[name] = Directed(np.atleast_1d(v.value), np.atleast_1d(v.direction))
            elif isinstance(v, str | int):
                wrapped[name] = [v]
            else:
                wrapped[name] = v
        return self.render(1, wrapped)[0]


def _native(f: Field, col: Column | Directed | None, n: int) -> list[Any]:
    """A native (JSON number or string) column; ``decimals`` scales integers in hundredths
    (or thousandths …) to floats, which JSON then prints in their shortest exact form."""
    if col is None:
        if not f.optional:
            raise TypeError(f"field {f.name} needs a column")
        return [None] * n
    if isinstance(col, Directed):
        raise TypeError(f"field {f.name} takes a plain column")
    if f.fmt.decimals:
        scaled = np.asarray(col, np.int64) / 10**f.fmt.decimals
        return _broadcast(scaled, n)
    return _broadcast(col, n)


def _row_format(fields: Sequence[Field], blank: frozenset[str] | set[str] = frozenset()) -> str:
    """The printf format of one row: a piece per text field, each followed by ``SEP``;
    constant fields and ``blank`` ones are literals."""
    parts: list[str] = []
    for f in fields:
        if f.fmt.piece is None:
            continue
        if f.name in blank:
            parts.append("")
        elif f.fmt.constant is not None:
            parts.append(f.fmt.constant.replace("%", "%%"))
        else:
            parts.append(f.fmt.piece)
    return "".join(p + SEP for p in parts)


# ---------------------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------------------

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


class ParamError(ValueError):
    """A request value that is present but not acceptable; ``str()`` is the reason shown."""


def digits(text: str) -> bool:
    """Whether ``text`` is ASCII digits only: ``str.isdigit`` also takes ``²``, which ``int``
    refuses, and ``٢``, which it reads, where the vendors take 0–9 alone."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True, slots=True)
class Param(Generic[T]):
    """One request field. ``parse`` turns the (stripped, non-empty) text into the view's value
    or raises ``ParamError`` with the reason; ``values`` documents what is accepted."""

    name: str
    label: str
    parse: Callable[[str], T]
    required: bool = True
    values: str = ""
    length: int | None = None


def one_of(values: Sequence[str]) -> Callable[[str], str]:
    """A parser accepting exactly ``values``."""
    allowed = tuple(values)
    listing = ", ".join(allowed)

    def parse(text: str) -> str:
        if text not in allowed:
            raise ParamError(f"허용되지 않는 값입니다({listing})")
        return text

    return parse


def choice_of(enum: type[E], allowed: Sequence[E] | None = None) -> Callable[[str], E]:
    """A parser accepting the wire values of ``enum`` (or of ``allowed`` members only)."""
    members = tuple(allowed) if allowed is not None else tuple(enum)
    by_value = {str(m.value): m for m in members}
    listing = ", ".join(by_value)

    def parse(text: str) -> E:
        m = by_value.get(text)
        if m is None:
            raise ParamError(f"허용되지 않는 값입니다({listing})")
        return m

    return parse


class Request:
    """The parsed values of a body, read by declaration: ``req[MRKT_TP]``."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, p: Param[T]) -> T:
        v: T = self._values[p.name]
        return v

    def get(self, p: Param[T]) -> T | None:
        v: T | None = self._values.get(p.name)
        return v


@dataclass(frozen=True)
class Body:
    """A request body: its params in the vendor's table order.

    ``read`` checks presence and type of every param first, then values, each pass in table
    order, so the first missing field named is the first in the table whatever else is wrong.
    ``missing(name)`` and ``bad(name, reason)`` build the vendor's errors."""

    params: tuple[Param[Any], ...]

    def __iter__(self) -> Iterator[Param[Any]]:
        return iter(self.params)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def read(
        self,
        body: Mapping[str, Any],
        missing: Callable[[str], Exception],
        bad: Callable[[str, str], Exception],
    ) -> Request:
        texts: dict[str, str] = {}
        for p in self.params:
            value = body.get(p.name)
            if isinstance(value, bool) or (value is not None and not isinstance(value, str | int)):
                raise bad(p.name, "문자열 값이어야 합니다")
            text = "" if value is None else str(value).strip()
            if text:
                texts[p.name] = text
            elif p.required:
                raise missing(p.name)
        values: dict[str, Any] = {}
        for p in self.params:
            if p.name in texts:
                try:
                    values[p.name] = p.parse(texts[p.name])
                except ParamError as e:
                    raise bad(p.name, str(e)) from None
        return Request(values)
