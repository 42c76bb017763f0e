"""Kiwoom continuation (``cont-yn`` / ``next-key``) over snapshots.

A client pages by re-sending the same body with the response's ``cont-yn: Y`` and ``next-key``.
The market moves between those calls, so re-running the view and slicing would repeat or skip
rows. Instead the first page stores the whole result (summary fields and every row) as a
snapshot, and continuations read that snapshot: pages never overlap or leave gaps, and every page
repeats the first page's summary fields.

A next-key is 44 URL-safe characters (Kiwoom allows 50): snapshot id, row offset, a hash of the
api-id, a hash of the request body, and an HMAC over them with a per-process secret. It cannot be
forged or edited, and it is refused for another TR or another body. Snapshots live in a bounded
LRU (count, total rows and estimated bytes) with an idle TTL; a key whose snapshot is gone is
refused with a reason that tells the client to start again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from sise.api.kiwoom.errors import (
    NEXT_KEY_EXPIRED,
    NEXT_KEY_FORGED,
    NEXT_KEY_MISSING,
    NEXT_KEY_OTHER_API,
    NEXT_KEY_OTHER_BODY,
)
from sise.api.kiwoom.tr import LazyRows, TrResult

__all__ = ["NEXT_KEY_LENGTH", "Page", "Paginator"]

# snapshot id (6) | offset (4) | api-id hash (3) | body hash (8) | MAC (12) = 33 bytes = 44 chars.
_PAYLOAD = struct.Struct(">6sI3s8s")
_MAC_BYTES = 12
NEXT_KEY_LENGTH = (_PAYLOAD.size + _MAC_BYTES) * 4 // 3
_KEY_RE = re.compile(rf"[A-Za-z0-9_-]{{{NEXT_KEY_LENGTH}}}")

#: Estimated bytes per ``LazyRows`` row: a snapshot holds its inputs (a few numpy columns).
LAZY_ROW_BYTES = 64


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a result: ``result.rows[start:stop]`` plus the continuation headers."""

    result: TrResult
    start: int
    stop: int
    next_key: str  # "" on the last page

    @property
    def cont_yn(self) -> str:
        return "Y" if self.next_key else "N"

    @property
    def rows(self) -> list[dict[str, Any]]:
        rows = self.result.rows
        if isinstance(rows, list) and self.start == 0 and self.stop >= len(rows):
            return rows
        return list(rows[self.start : self.stop])


@dataclass(slots=True)
class _Snapshot:
    result: TrResult
    api_id: str
    body_hash: bytes
    used: float  # clock reading of the last access (the TTL is an idle timeout)
    nbytes: int  # estimated resident size, for the max_bytes bound


class Paginator:
    """Cuts ``TrResult`` rows into pages and serves continuations from stored snapshots."""

    def __init__(
        self,
        *,
        max_snapshots: int = 1024,
        max_rows: int = 1_000_000,
        max_bytes: int = 64 << 20,
        ttl_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        secret: bytes | None = None,
    ) -> None:
        if max_snapshots < 1 or max_rows < 1 or max_bytes < 1 or not ttl_s > 0:
            raise ValueError("max_snapshots, max_rows, max_bytes and ttl_s must be positive")
        self.max_snapshots = max_snapshots
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._clock = clock
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._snapshots: OrderedDict[bytes, _Snapshot] = OrderedDict()
        self._rows = 0  # total rows held, for the max_rows bound
        self._bytes = 0  # total estimated bytes held, for the max_bytes bound

    def __len__(self) -> int:
        return len(self._snapshots)

    def first(self, api_id: str, body: dict[str, Any], result: TrResult) -> Page:
        """Page 1 of a fresh result; stores a snapshot only when there is more than one page."""
        size = result.page_size
        if result.list_key is None or size <= 0 or len(result.rows) <= size:
            return Page(result, 0, len(result.rows), "")
        # Copy the containers so a view that reuses its lists cannot change a stored snapshot
        # (LazyRows are immutable by contract and hold their inputs, not formatted rows).
        rows = result.rows if isinstance(result.rows, LazyRows) else list(result.rows)
        frozen = TrResult(dict(result.fields), result.list_key, rows, size, result.list_first)
        body_hash = _body_hash(body)
        sid = self._store(_Snapshot(frozen, api_id, body_hash, self._clock(), _estimate_bytes(frozen)))
        return Page(frozen, 0, size, self._key(sid, size, api_id, body_hash))

    def resume(self, api_id: str, body: dict[str, Any], next_key: str) -> Page:
        """The page a ``next-key`` points at, or a 1517 error saying why it cannot be served."""
        if not next_key:
            raise NEXT_KEY_MISSING()
        if not _KEY_RE.fullmatch(next_key):
            raise NEXT_KEY_FORGED()
        raw = base64.urlsafe_b64decode(next_key)
        payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise NEXT_KEY_FORGED()
        sid, offset, api_hash, body_hash = _PAYLOAD.unpack(payload)
        if api_hash != _api_hash(api_id):
            raise NEXT_KEY_OTHER_API()
        if body_hash != _body_hash(body):
            raise NEXT_KEY_OTHER_BODY()
        now = self._clock()
        snap = self._snapshots.get(sid)
        if snap is None or now - snap.used >= self.ttl_s:
            self._discard(sid)
            raise NEXT_KEY_EXPIRED()
        if snap.api_id != api_id:  # a 24-bit api-id hash collision; the snapshot knows for sure
            raise NEXT_KEY_OTHER_API()
        snap.used = now
        self._snapshots.move_to_end(sid)
        rows, size = len(snap.result.rows), snap.result.page_size
        if offset >= rows:
            raise NEXT_KEY_FORGED()
        stop = min(offset + size, rows)
        key = self._key(sid, stop, api_id, body_hash) if stop < rows else ""
        # The snapshot stays until it ages out, so a client may retry any page it lost.
        return Page(snap.result, offset, stop, key)

    # ---------------------------------------------------------------------------- internals

    def _store(self, snap: _Snapshot) -> bytes:
        self._expire(snap.used)
        sid = secrets.token_bytes(6)
        while sid in self._snapshots:  # pragma: no cover - 48 random bits
            sid = secrets.token_bytes(6)
        self._snapshots[sid] = snap
        self._rows += len(snap.result.rows)
        self._bytes += snap.nbytes
        # The newest snapshot always stays, even if it alone exceeds max_rows or max_bytes.
        while len(self._snapshots) > 1 and (
            len(self._snapshots) > self.max_snapshots
            or self._rows > self.max_rows
            or self._bytes > self.max_bytes
        ):
            self._discard(next(iter(self._snapshots)))
        return sid

    def _expire(self, now: float) -> None:
        while self._snapshots:
            sid, oldest = next(iter(self._snapshots.items()))
            if now - oldest.used < self.ttl_s:
                break
            self._discard(sid)

    def _discard(self, sid: bytes) -> None:
        snap = self._snapshots.pop(sid, None)
        if snap is not None:
            self._rows -= len(snap.result.rows)
            self._bytes -= snap.nbytes

    def _key(self, sid: bytes, offset: int, api_id: str, body_hash: bytes) -> str:
        payload = _PAYLOAD.pack(sid, offset, _api_hash(api_id), body_hash)
        return base64.urlsafe_b64encode(payload + self._mac(payload)).decode("ascii")

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _api_hash(api_id: str) -> bytes:
    return hashlib.sha256(api_id.encode()).digest()[:3]


def _body_hash(body: dict[str, Any]) -> bytes:
    """8 bytes identifying a request body; never raises, whatever the body holds.

    Canonical JSON, so key order and whitespace differences between pages do not matter. The
    dispatcher refuses deep bodies first; anything orjson still refuses (nesting past 255 levels)
    is hashed from a canonical form built without recursion."""
    try:
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        canonical = b"~" + _canonical(body)
    return hashlib.sha256(canonical).digest()[:8]


class _Close(bytes):
    """A closing delimiter on the ``_canonical`` stack (never confused with a value)."""


def _canonical(value: object) -> bytes:
    """Key-order-independent bytes of ``value`` at any depth, with an explicit stack."""
    out: list[bytes] = []
    todo: list[object] = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, _Close):
            out.append(item)
        elif isinstance(item, dict):
            out.append(b"{")
            todo.append(_Close(b"},"))
            for key in sorted(item, key=repr, reverse=True):
                todo += [item[key], _Close(repr(key).encode() + b":")]
        elif isinstance(item, list | tuple):
            out.append(b"[")
            todo.append(_Close(b"],"))
            todo.extend(reversed(item))
        else:
            out.append(repr(item).encode() + b",")
    return b"".join(out)


def _estimate_bytes(result: TrResult) -> int:
    """Roughly what a snapshot keeps resident: the row dicts and their values, sampled.

    Keys are not counted (views build rows from shared literals); ``LazyRows`` hold their inputs
    rather than dicts (``LAZY_ROW_BYTES`` per row)."""
    rows = result.rows
    n = len(rows)
    if isinstance(rows, LazyRows):
        per_row = LAZY_ROW_BYTES
    elif n:
        per_row = max(_dict_bytes(rows[i]) for i in {0, n // 2, n - 1})
    else:
        per_row = 0
    return _dict_bytes(result.fields) + n * (per_row + 8)  # + the list's pointer per row


def _dict_bytes(d: dict[str, Any]) -> int:
    return sys.getsizeof(d) + sum(sys.getsizeof(v) for v in d.values())
