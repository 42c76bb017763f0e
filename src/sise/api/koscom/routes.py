"""Koscom's path table: every declared path (v2, its other spellings, v3) in one segment trie.

Starlette matches routes one regular expression after another; with a hundred Koscom paths that
costs tens of microseconds per request. Here a path is split on ``/`` once and walked through a
trie, literal segments before the ``{market}`` / ``{code}`` placeholders, so a match costs a few
dictionary lookups whatever the number of endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["PathTable"]

T = TypeVar("T")


@dataclass(slots=True)
class _Node(Generic[T]):
    literal: dict[str, _Node[T]] = field(default_factory=dict)
    param: tuple[str, _Node[T]] | None = None  # (name, child)
    value: T | None = None


class PathTable(Generic[T]):
    """``add("/stocks/{market}/{code}/price", x)``; ``match(path) -> (x, params) | None``."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self.paths: list[str] = []

    def add(self, template: str, value: T) -> None:
        node = self._root
        for seg in _segments(template):
            if seg.startswith("{") and seg.endswith("}"):
                name = seg[1:-1]
                if node.param is None:
                    node.param = (name, _Node())
                elif node.param[0] != name:
                    raise ValueError(f"{template}: {{{name}}} where another path has {{{node.param[0]}}}")
                node = node.param[1]
            else:
                node = node.literal.setdefault(seg, _Node())
        if node.value is not None:
            raise ValueError(f"{template} is declared twice")
        node.value = value
        self.paths.append(template)

    def match(self, path: str) -> tuple[T, dict[str, str]] | None:
        segs = _segments(path)
        params: dict[str, str] = {}
        value = _walk(self._root, segs, 0, params)
        return None if value is None else (value, params)


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/") if path.strip("/") else []


def _walk(node: _Node[T], segs: list[str], i: int, params: dict[str, str]) -> T | None:
    if i == len(segs):
        return node.value
    seg = segs[i]
    child = node.literal.get(seg)
    if child is not None:
        found = _walk(child, segs, i + 1, params)
        if found is not None:
            return found
    if node.param is not None and seg:
        name, child = node.param
        found = _walk(child, segs, i + 1, params)
        if found is not None:
            params[name] = seg
            return found
    return None
