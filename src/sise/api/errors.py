"""What the vendor error catalogues share: an error declared as data, and where its facts come from.

Each vendor package declares every error it can send once, in its own ``errors`` module
(``sise.api.kiwoom.errors``, ``sise.api.koscom.errors``), as a named instance of an
:class:`ErrorSpec` subclass, and code raises it by name with parameters. The vendor module decides
the wire shape; this one knows templates, HTTP statuses and provenance only.

Provenance is part of the declaration because a wire-compatible server keeps guessing apart from
knowing: tests check every entry marked :attr:`Source.REFERENCE` against the vendor reference in
``../shared/reference/``, and every other entry must say why it is what it is.
"""

from __future__ import annotations

import dataclasses
import enum
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

__all__ = ["Answer", "ErrorSpec", "Source"]

_FORMATTER = string.Formatter()


class Source(enum.Enum):
    """Where an entry's text (and status) comes from."""

    #: Code, text and, where the reference gives them, status and category as the reference quotes.
    REFERENCE = "reference"
    #: The vendor's code, but the reference does not quote this text (or sise chose the status).
    VENDOR = "vendor"
    #: sise's own: wording or a choice for a case the vendor does not document.
    SISE = "sise"


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorSpec:
    """One error: a ``str.format`` template with named fields, the HTTP status, and provenance.

    ``why`` is required unless ``source`` is :attr:`Source.REFERENCE`: it says where the text
    comes from or what was chosen. ``when`` is the case sise sends it in (for the docs).
    """

    template: str
    status: int = 200
    source: Source
    why: str = ""
    when: str = ""

    def __post_init__(self) -> None:
        if self.source is not Source.REFERENCE and not self.why.strip():
            raise ValueError(f"{self.template!r}: an entry not quoted from the reference must say why")
        for _, field, spec, conversion in _FORMATTER.parse(self.template):
            if field is not None and (not field.isidentifier() or spec or conversion):
                raise ValueError(f"{self.template!r}: fields must be plain names, got {{{field}}}")

    @property
    def params(self) -> frozenset[str]:
        """The template's field names: exactly what a raise site must pass."""
        return frozenset(f for _, f, _, _ in _FORMATTER.parse(self.template) if f is not None)

    def text(self, params: Mapping[str, object]) -> str:
        """The template filled with ``params`` (each ``str()``-ed); a missing or extra name is a bug."""
        if params.keys() != self.params:
            raise TypeError(f"{self.template!r} takes {sorted(self.params)}, got {sorted(params)}")
        return self.template.format_map({k: str(v) for k, v in params.items()})

    def bind(
        self,
        *,
        status: int | None = None,
        source: Source | None = None,
        why: str | None = None,
        when: str | None = None,
        **fixed: str,
    ) -> Self:
        """This entry with some fields fixed: a narrower entry that keeps the code and the text.

        Fixed values are template text, so a bound reason may bring fields of its own
        (``"최대 {max_bytes} 바이트"``); write a literal brace as ``{{`` or ``}}``.
        """
        unknown = fixed.keys() - self.params
        if unknown:
            raise TypeError(f"{self.template!r} has no field(s) {sorted(unknown)}")
        parts: list[str] = []
        for literal, field, _, _ in _FORMATTER.parse(self.template):
            parts.append(literal.replace("{", "{{").replace("}", "}}"))
            if field is not None:
                parts.append(fixed.get(field, "{" + field + "}"))
        given = {"status": status, "source": source, "why": why, "when": when}
        changes = {name: value for name, value in given.items() if value is not None}
        return dataclasses.replace(self, template="".join(parts), **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Answer:
    """A complete HTTP answer in a vendor's shape: status, body bytes and extra headers."""

    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()
