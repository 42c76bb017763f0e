"""The market's history on disk: which store, whose history it is, and where the market stood.

A data directory holds one market: ``history.sqlite`` records, in its meta values, the market it
is the history of (``identity``: seed and universe) and the history's extent (``history``), and
the market time reached (``position``, written about once a second and at every roll-over) with
the engine's carried state at the last roll-over (``carry``). A later ``sise serve`` on the same
directory reuses the history instead of back-filling it and, unless told a date or a start time,
resumes at the position.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from sise.engine.engine import Engine
from sise.market.timeutil import date_of_yyyymmdd, yyyymmdd
from sise.market.universe import Universe
from sise.store.base import HistoryStore, StoreError
from sise.store.importer import imported_closes
from sise.store.memory import MemoryStore
from sise.store.sqlite import SqliteStore

#: Where ``--history sqlite`` keeps the store, in the data directory.
HISTORY_FILE: Final = "history.sqlite"
#: The history backends ``--history`` names.
BACKENDS: Final = ("sqlite", "memory")


def open_store(backend: str, data_dir: Path) -> HistoryStore:
    """The store ``--history`` names; ``StoreError`` when its file cannot be used."""
    if backend == "memory":
        return MemoryStore()
    if backend == "sqlite":
        return SqliteStore(data_dir / HISTORY_FILE)
    raise ValueError(f"unknown history backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def identity(universe: Universe, seed: int) -> str:
    """What makes two runs the same market: the seed, the instruments (codes, shares, prices) and
    the starting levels that differ from the indices' defaults (a universe CSV's ``INDEX`` rows)."""
    t = universe.instruments
    h = hashlib.sha256()
    for code, shares, price in zip(t.code, t.listed_shares.tolist(), t.prev_close.tolist(), strict=True):
        h.update(f"{code}:{shares}:{price};".encode())
    for d, level in zip(universe.indices, universe.levels.tolist(), strict=True):
        if level != d.default_level:
            h.update(f"{d.key}={level!r};".encode())
    return json.dumps({"seed": seed, "universe": h.hexdigest()[:16]}, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Position:
    """Where the market stood: the day and the market time (ns since the epoch)."""

    day: date
    time_ns: int

    def text(self) -> str:
        return json.dumps({"day": self.day.isoformat(), "time_ns": self.time_ns})

    @classmethod
    def parse(cls, text: str | None) -> Position | None:
        if not text:
            return None
        value = json.loads(text)
        return cls(date.fromisoformat(value["day"]), int(value["time_ns"]))


def check_identity(store: HistoryStore, ident: str, where: Path) -> bool:
    """True when the store already holds this market's history; False when it is empty;
    ``StoreError`` when it holds another market's."""
    stored = store.get_meta("identity")
    if stored is None:
        if store.last_date("stock_daily") is not None and store.get_meta("history") is not None:
            raise StoreError(f"{where} holds history of an unknown market; use another --data-dir")
        return False
    if stored != ident:
        was, now = json.loads(stored), json.loads(ident)
        what = "seed" if was.get("seed") != now.get("seed") else "universe"
        raise StoreError(
            f"{where} holds the history of another market ({what} differs: it was built with "
            f"{stored}, this run is {ident}); use another --data-dir, or delete "
            f"{where / HISTORY_FILE} to start afresh"
        )
    return store.get_meta("history") is not None


# -- the engine's carried state -------------------------------------------------------------------

#: Engine arrays that carry one day into the next (``Engine``'s ``_CARRIED`` fields).
CARRIED: Final = (
    "open_interest",
    "base",
    "prev_close",
    "upper",
    "lower",
    "index_price",
    "foreign_start",
    "high52",
    "low52",
    "nav_prev",
)


Week52 = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


def _pack(arrays: dict[str, npt.NDArray[np.generic]]) -> str:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return base64.b64encode(buf.getvalue()).decode("ascii")


def carry_text(engine: Engine, day: date) -> str:
    """The state the engine carries into ``day`` (after ``end_day``, before ``start_day``) with
    the index base caps and the share counts corporate actions changed, as a meta value."""
    arrays: dict[str, npt.NDArray[np.generic]] = {name: getattr(engine, name) for name in CARRIED}
    arrays["index.base_cap"] = engine.index.base_cap
    arrays["listed_shares"] = engine.instruments.listed_shares
    arrays["float_shares"] = engine.instruments.float_shares
    return json.dumps({"day": day.isoformat(), "state": _pack(arrays)})


def restore_carry(text: str | None, engine: Engine, day: date) -> bool:
    """Put a ``carry_text`` state for ``day`` back into a fresh engine of the same universe (cash
    instruments first, so a longer or shorter derivatives tail is cut or left as built); False
    when ``text`` is of another day."""
    value = json.loads(text) if text else None
    if value is None or value["day"] != day.isoformat():
        return False
    with np.load(io.BytesIO(base64.b64decode(value["state"]))) as saved:
        for name in CARRIED:
            mine = getattr(engine, name)
            theirs = saved[name]
            k = min(len(mine), len(theirs))
            mine[:k] = theirs[:k]
        if "listed_shares" in saved:  # not in a carry written before share counts were kept
            engine.restore_shares(saved["listed_shares"], saved["float_shares"])
        engine.index.base_cap[:] = saved["index.base_cap"]
    engine.index.reset_caps(engine.index_price)
    engine.index.prev_close = np.round(engine.index.levels(), 2)
    return True


def week52_text(day: date, week52: Week52) -> str:
    """``day``'s 52-week highs and lows (a year of the whole market's rows, read once) as a meta
    value, so that a restart on that day does not read them again."""
    return json.dumps({"day": day.isoformat(), "state": _pack({"high": week52[0], "low": week52[1]})})


def parse_week52(text: str | None, day: date) -> Week52 | None:
    """A ``week52_text`` value if it is ``day``'s."""
    value = json.loads(text) if text else None
    if value is None or value["day"] != day.isoformat():
        return None
    with np.load(io.BytesIO(base64.b64decode(value["state"]))) as saved:
        return saved["high"], saved["low"]


@dataclass(frozen=True, slots=True)
class Imported:
    """What ``sise import daily`` put in the store (its ``imported`` meta value)."""

    codes: tuple[str, ...]
    first: date
    last: date

    @classmethod
    def parse(cls, text: str | None) -> Imported | None:
        if not text:
            return None
        value = json.loads(text)
        return cls(tuple(value["codes"]), date_of_yyyymmdd(value["first"]), date_of_yyyymmdd(value["last"]))

    def start_universe(self, store: HistoryStore, universe: Universe) -> None:
        """Start the imported instruments and indices from their last imported closes (the
        closes on or before the import's last day, so later simulated days do not move them)."""
        closes = imported_closes(store, self.codes, before=yyyymmdd(self.last) + 1)
        where = {code: i for i, code in enumerate(universe.instruments.code)}
        index = {d.key: k for k, d in enumerate(universe.indices)}
        for code, (_, close) in closes.items():
            if code in where:
                universe.instruments.prev_close[where[code]] = int(close)
            elif code in index:
                universe.levels[index[code]] = close


def history_text(first: date, last: date) -> str:
    return json.dumps({"first": yyyymmdd(first), "last": yyyymmdd(last)})
