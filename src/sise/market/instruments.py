"""The instrument table: static facts of every listed instrument, as numpy columns.

Instruments are numbered 0..n-1 in listing order; that number is the row index everywhere in the
engine. The table only grows (a delisted instrument keeps its row, flagged inactive), so numbers
stay valid for the life of a process.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from sise.market.types import InstrumentKind, Market

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
U8 = npt.NDArray[np.uint8]
I16 = npt.NDArray[np.int16]
B = npt.NDArray[np.bool_]


@dataclass(slots=True)
class Instrument:
    """One instrument as a record; the table stores these column-wise."""

    code: str
    isin: str
    name_ko: str
    name_en: str
    market: Market
    kind: InstrumentKind
    tick_table: int
    industry: str = ""
    group: str = "ST"
    listed_shares: int = 0
    float_ratio: float = 1.0
    foreign_limit_pct: float = 100.0
    prev_close: int = 0
    limit_rate_pct: int = 30
    kospi200: bool = False
    kospi100: bool = False
    kospi50: bool = False
    kosdaq150: bool = False
    krx100: bool = False
    nxt: bool = False
    preferred: bool = False
    leverage: int = 1
    underlying: str = ""
    # Derivatives: contract multiplier in KRW per price unit, and 1/price-unit scale (100 = 0.01 pt).
    multiplier: int = 1
    price_scale: int = 1
    expiry: str = ""  # YYYYMMDD, derivatives only
    strike: int = 0  # price units, options only
    active: bool = True

    @property
    def float_shares(self) -> int:
        """Float-adjusted share count used by float-adjusted indices."""
        return round(self.listed_shares * self.float_ratio)


@dataclass(slots=True)
class InstrumentTable:
    """Column-wise instrument facts. String columns are Python lists; numbers are numpy arrays."""

    code: list[str] = field(default_factory=list)
    isin: list[str] = field(default_factory=list)
    name_ko: list[str] = field(default_factory=list)
    name_en: list[str] = field(default_factory=list)
    industry: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    underlying: list[str] = field(default_factory=list)
    expiry: list[str] = field(default_factory=list)
    market: I8 = field(default_factory=lambda: np.zeros(0, np.int8))
    kind: I8 = field(default_factory=lambda: np.zeros(0, np.int8))
    tick_table: U8 = field(default_factory=lambda: np.zeros(0, np.uint8))
    listed_shares: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    float_ratio: F64 = field(default_factory=lambda: np.zeros(0, np.float64))
    float_shares: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    foreign_limit_pct: F64 = field(default_factory=lambda: np.zeros(0, np.float64))
    prev_close: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    limit_rate_pct: I16 = field(default_factory=lambda: np.zeros(0, np.int16))
    kospi200: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    kospi100: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    kospi50: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    kosdaq150: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    krx100: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    nxt: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    preferred: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    leverage: I8 = field(default_factory=lambda: np.zeros(0, np.int8))
    multiplier: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    price_scale: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    strike: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    active: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    _by_code: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.code)

    @classmethod
    def from_records(cls, records: list[Instrument]) -> InstrumentTable:
        table = cls()
        table.extend(records)
        return table

    def extend(self, records: list[Instrument]) -> list[int]:
        """Append instruments; returns their numbers. Codes must be new."""
        start = len(self)
        for offset, rec in enumerate(records):
            if rec.code in self._by_code:
                raise ValueError(f"duplicate instrument code {rec.code!r}")
            self._by_code[rec.code] = start + offset
        for name in _LIST_COLUMNS:
            getattr(self, name).extend(getattr(r, name) for r in records)
        for name, dtype in _ARRAY_COLUMNS.items():
            if name == "float_shares":
                new: npt.NDArray[Any] = np.array([r.float_shares for r in records], dtype=dtype)
            else:
                new = np.array([getattr(r, name) for r in records], dtype=dtype)
            setattr(self, name, np.concatenate([getattr(self, name), new]))
        return list(range(start, len(self)))

    def number(self, code: str) -> int | None:
        """Instrument number of ``code``, or None if unknown."""
        return self._by_code.get(code)

    def record(self, i: int) -> Instrument:
        """Row ``i`` as a record."""
        values: dict[str, Any] = {}
        for f in fields(Instrument):
            col = getattr(self, f.name)
            v = col[i]
            values[f.name] = v.item() if isinstance(v, np.generic) else v
        values["market"] = Market(values["market"])
        values["kind"] = InstrumentKind(values["kind"])
        return Instrument(**values)

    def market_cap(self, prices: I64 | None = None) -> I64:
        """Listed-share market cap in KRW at ``prices`` (default: previous close)."""
        p = self.prev_close if prices is None else prices
        return p * self.listed_shares


def foreign_limit_qty(listed_shares: npt.ArrayLike, limit_pct: npt.ArrayLike) -> I64:
    """한도수량: the shares foreigners may hold in all, ``floor(listed × limit % / 100)``."""
    listed = np.asarray(listed_shares)
    return np.asarray(np.floor(listed * (np.asarray(limit_pct, np.float64) / 100.0)), np.int64)


_LIST_COLUMNS = ("code", "isin", "name_ko", "name_en", "industry", "group", "underlying", "expiry")
_ARRAY_COLUMNS: dict[str, type] = {
    "market": np.int8,
    "kind": np.int8,
    "tick_table": np.uint8,
    "listed_shares": np.int64,
    "float_ratio": np.float64,
    "float_shares": np.int64,
    "foreign_limit_pct": np.float64,
    "prev_close": np.int64,
    "limit_rate_pct": np.int16,
    "kospi200": np.bool_,
    "kospi100": np.bool_,
    "kospi50": np.bool_,
    "kosdaq150": np.bool_,
    "krx100": np.bool_,
    "nxt": np.bool_,
    "preferred": np.bool_,
    "leverage": np.int8,
    "multiplier": np.int64,
    "price_scale": np.int64,
    "strike": np.int64,
    "active": np.bool_,
}
