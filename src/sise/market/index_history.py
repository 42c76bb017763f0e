"""Real month-end closes of the main indices: the anchors the back-filled history passes through.

The rows live in ``data/index_month_end.csv`` (``index``, ``date``, ``close``, ``source``), one
closing level per index and month end, each with the public source it was taken from (see
docs/history.md). Only sourced months are listed; a month that could not be sourced is absent and
the back-fill bridges across it, so nothing here is an estimate. ``index`` is an ``IndexDef.key``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from sise.market.indices_table import INDEX_DEFINITIONS


@dataclass(frozen=True, slots=True)
class MonthEndClose:
    index: str  # IndexDef.key
    day: date
    close: float
    source: str


@cache
def month_end_closes() -> tuple[MonthEndClose, ...]:
    """Every row of ``data/index_month_end.csv``, by index then date."""
    text = resources.files("sise.market").joinpath("data/index_month_end.csv").read_text(encoding="utf-8")
    keys = {d.key for d in INDEX_DEFINITIONS}
    rows: list[MonthEndClose] = []
    seen: set[tuple[str, date]] = set()
    for row in csv.DictReader(io.StringIO(text)):
        key, day, close = row["index"], date.fromisoformat(row["date"]), float(row["close"])
        if key not in keys:
            raise ValueError(f"index_month_end.csv: unknown index {key!r}")
        if (key, day) in seen:
            raise ValueError(f"index_month_end.csv: {key} {day} twice")
        if not close > 0 or not row["source"].strip():
            raise ValueError(f"index_month_end.csv: {key} {day} needs a positive close and a source")
        seen.add((key, day))
        rows.append(MonthEndClose(key, day, close, row["source"]))
    return tuple(sorted(rows, key=lambda r: (r.index, r.day)))


def anchors() -> dict[str, list[tuple[date, float]]]:
    """The month-end closes as {index key: [(date, close), …] ascending}."""
    out: dict[str, list[tuple[date, float]]] = {}
    for r in month_end_closes():
        out.setdefault(r.index, []).append((r.day, r.close))
    return out
