"""Rows as compressed columnar chunks: how ``SqliteStore`` lays a table out on disk.

A chunk holds the rows of one code over one period (a calendar month of daily rows, one day of
intraday bars), without the code (the chunk's key says it). Its bytes are the rows' packed bytes
transposed: byte 0 of every row, then byte 1 of every row, and so on, so each field's bytes — and
within a field each byte plane of its integers — lie together. Daily figures change little from
row to row and their high bytes are mostly equal, which is what a compressor finds; zstd then
packs two years of the whole market's daily tables into a few hundred MB (``bench/store.py``).
Encoding a chunk is one transpose and one compress call, so a back-fill of half a million chunks
costs seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sise.store.base import Rows

U8 = npt.NDArray[np.uint8]

#: The codec and level of every chunk. Level 3 is zstd's default: level 1 is barely faster on
#: chunks this small and 10 % larger.
CODEC: Final = pa.Codec("zstd", compression_level=3)


class Packing:
    """A table's row dtype without its ``code`` field, and chunk encoding for it."""

    def __init__(self, dtype: np.dtype[np.void]) -> None:
        assert dtype.names is not None and dtype.fields is not None
        self.dtype = dtype
        self.names = [n for n in dtype.names if n != "code"]
        self.packed: np.dtype[np.void] = np.dtype([(n, dtype.fields[n][0]) for n in self.names])
        self.width = self.packed.itemsize
        # Tables put the code first (``base._KEY``): a row's packed bytes are then its bytes
        # after the code, and a batch needs no copy to be chunked.
        code_size = dtype.fields["code"][0].itemsize
        offsets_follow = all(
            dtype.fields[n][1] == code_size + self.packed.fields[n][1]  # type: ignore[index]
            for n in self.names
        )
        first = dtype.fields["code"][1] == 0 and dtype.itemsize == code_size + self.width
        self.tail: int | None = code_size if first and offsets_follow else None

    def pack(self, rows: Rows) -> Rows:
        """``rows`` (the table's dtype) without the code column, contiguous."""
        out = np.empty(len(rows), self.packed)
        for n in self.names:
            out[n] = rows[n]
        return out

    def unpack(self, packed: Rows, code: str) -> Rows:
        """Packed rows with ``code`` put back."""
        return self.unpack_runs(packed, [code], [len(packed)])

    def matrix(self, rows: Rows) -> U8:
        """The packed bytes of ``rows`` as an (n, width) byte matrix: a view where it can be."""
        if self.tail is not None and rows.dtype == self.dtype and rows.flags.c_contiguous:
            return rows.view(np.uint8).reshape(len(rows), self.dtype.itemsize)[:, self.tail :]
        return self.pack(rows).view(np.uint8).reshape(len(rows), self.width)

    def packed_rows(self, matrix: U8) -> Rows:
        """Packed rows from (a slice of) ``matrix``."""
        return np.ascontiguousarray(matrix).view(self.packed).reshape(len(matrix))

    def encode(self, packed: Rows | U8) -> bytes:
        """One chunk's bytes: the rows' byte planes, compressed. Takes packed rows or a slice of
        ``matrix``."""
        m = packed if packed.dtype == np.uint8 else packed.view(np.uint8).reshape(len(packed), self.width)
        out: bytes = CODEC.compress(m.T.tobytes(), asbytes=True)
        return out

    def decode(self, blob: bytes, n: int) -> Rows:
        """The ``n`` packed rows of a chunk."""
        return self.decode_many([(n, blob)])

    def decode_many(self, chunks: Sequence[tuple[int, bytes]]) -> Rows:
        """The packed rows of several chunks ``(n, blob)``, one after the other, decoded into
        one array (no per-chunk arrays to concatenate: a year of the whole market is 40,000)."""
        total = sum(n for n, _ in chunks)
        out = np.empty((total, self.width), np.uint8)
        pos = 0
        for n, blob in chunks:
            planes = CODEC.decompress(blob, decompressed_size=n * self.width, asbytes=True)
            out[pos : pos + n] = np.frombuffer(planes, np.uint8).reshape(self.width, n).T
            pos += n
        return out.view(self.packed).reshape(total)

    def unpack_runs(self, packed: Rows, codes: Sequence[str], lengths: Sequence[int]) -> Rows:
        """Packed rows with their codes put back, ``codes[i]`` for the next ``lengths[i]`` rows."""
        out = np.empty(len(packed), self.dtype)
        for n in self.names:
            out[n] = packed[n]
        out["code"] = np.repeat(np.asarray(codes, out["code"].dtype), lengths)
        return out


def runs(*keys: npt.NDArray[np.generic]) -> npt.NDArray[np.intp]:
    """Boundaries of the runs of equal consecutive ``keys`` tuples: ``b[i]:b[i+1]`` is run i."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(1, np.intp)
    change = np.zeros(n - 1, np.bool_)
    for k in keys:
        change |= k[1:] != k[:-1]
    return np.concatenate(([0], np.flatnonzero(change) + 1, [n])).astype(np.intp)


def upsert_sorted(old: Rows, new: Rows, key: str) -> Rows:
    """``old`` and ``new`` (each sorted by ``key``, unique) merged, ``new`` winning on equal keys."""
    if len(old) == 0:
        return new
    if len(new) == 0 or old[key][-1] < new[key][0]:
        return np.concatenate([old, new])
    keep = ~np.isin(old[key], new[key])
    both = np.concatenate([old[keep], new])
    return both[np.argsort(both[key], kind="stable")]
