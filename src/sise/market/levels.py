"""Starting index levels a user sets: the names an index goes by, and a universe moved to them.

An index is its constituents' market cap over a base cap (krx_rules §4.2). A universe's prices and
levels describe one moment, which fixes every base cap; so a level asked for moves the prices, not
the base: the constituents' prices scale until the index's cap gives the level, and every other
index sharing those constituents moves with them on its own base (KOSPI200 follows a lower KOSPI).
ETFs and ETNs on a domestic index move as their index did, to the power of their leverage
(KODEX 200 stays near 100 × KOSPI200; an inverse product rises as its index falls).

Several levels are met one after another, the index with the fewest constituents first: each scales
only the constituents no earlier one has set, so nested levels (KOSPI200 inside KOSPI) are all met,
and levels that leave an index nothing to scale, or need a negative price, are refused.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from sise.market.indices_table import INDEX_DEFINITIONS, IndexDef
from sise.market.ticks import tick_sizes
from sise.market.types import InstrumentKind

if TYPE_CHECKING:
    from sise.market.universe import Universe

__all__ = ["NAME_FORMS", "at_levels", "index_named", "parse_index_level"]

F64 = npt.NDArray[np.float64]

#: The forms ``index_named`` accepts, for help texts and refusals.
NAME_FORMS: Final = (
    "a key (KOSPI, KOSDAQ, KOSPI200, KOSDAQ150, KOSPI_IND_013), a KRX code (1001), a Kiwoom inds_cd "
    "(001), a Koscom code (K1) or a name that names one index (코스피, 코스닥 150)"
)
#: Market caps are KRW in the engine's 64-bit integers.
_MAX_CAP: Final = float(2**63 - 1)


def _norm(text: str) -> str:
    return "".join(text.split()).upper()


def _lookups() -> tuple[dict[str, IndexDef], dict[str, list[IndexDef]]]:
    ids: dict[str, IndexDef] = {}
    names: dict[str, list[IndexDef]] = {}
    for d in INDEX_DEFINITIONS:
        for code in (d.key, d.krx_code, d.kiwoom_code, d.koscom_code):
            if code:
                ids[_norm(code)] = d
        for name in {_norm(d.name_ko), _norm(d.name_en)}:
            names.setdefault(name, []).append(d)
    return ids, names


_IDS, _NAMES = _lookups()


def index_named(name: str) -> IndexDef:
    """The index ``name`` stands for, in any of ``NAME_FORMS`` (spaces and case do not matter);
    ``ValueError`` for an unknown name or one several indices share (화학: KOSPI's and KOSDAQ's)."""
    key = _norm(name)
    if key in _IDS:
        return _IDS[key]
    found = _NAMES.get(key, [])
    if len(found) == 1:
        return found[0]
    if found:
        which = " or ".join(f"{d.key} ({d.krx_code})" for d in found)
        raise ValueError(f"index name {name!r} is ambiguous: {which}")
    raise ValueError(f"unknown index {name!r}: give {NAME_FORMS}")


def parse_index_level(text: str) -> tuple[str, float]:
    """``NAME=LEVEL`` as (index key, level); ``ValueError`` naming what is wrong."""
    name, sep, value = text.rpartition("=")
    if not sep or not name.strip():
        raise ValueError(f"expected NAME=LEVEL (KOSPI=2650), got {text!r}")
    definition = index_named(name.strip())
    try:
        level = float(value)
    except ValueError:
        level = math.nan
    if not (math.isfinite(level) and level > 0):
        raise ValueError(f"the level of {definition.key} must be a positive number, got {value.strip()!r}")
    return definition.key, level


def at_levels(universe: Universe, levels: Mapping[str, float]) -> Universe:
    """``universe`` with each index of ``levels`` (names in any of ``NAME_FORMS``) at its level and
    the prices moved to match (the module docstring says how); ``ValueError`` for an unknown index,
    a level that is not a positive number, levels that cannot all be met, or a price they would put
    below 1 KRW or beyond a market cap the engine can hold."""
    if not levels:
        return universe
    targets = _targets(universe, levels)
    ins = universe.instruments
    old = ins.prev_close.astype(np.float64)
    price = old.copy()
    weights = [_weights(universe, k) for k in range(len(universe.indices))]
    base = np.array([float(w @ old) for w in weights])
    fixed = np.zeros(len(old), np.bool_)
    met: list[str] = []
    for k in sorted(targets, key=lambda k: (int(universe.membership[k].sum()), k)):
        key, member, w = universe.indices[k].key, universe.membership[k], weights[k]
        if base[k] <= 0:
            raise ValueError(f"{key} has no constituents in this universe, so it has no level to set")
        goal = base[k] * targets[k] / float(universe.levels[k])
        free = member & ~fixed
        held = float(w[member & fixed] @ price[member & fixed])
        movable = float(w[free] @ price[free])
        if movable <= 0 or goal <= held:
            why = "they set all its constituents" if movable <= 0 else "the constituents they set weigh more"
            raise ValueError(f"{key}={targets[k]:g} cannot be met together with {', '.join(met)}: {why}")
        price[free] *= (goal - held) / movable
        fixed |= free
        met.append(f"{key}={targets[k]:g}")
    moved = np.where(base > 0, np.array([float(w @ price) for w in weights]) / np.maximum(base, 1.0), 1.0)
    tracked = universe.etp_index()
    etp = (tracked >= 0) & np.isin(ins.kind, (InstrumentKind.ETF, InstrumentKind.ETN))
    price[etp] = old[etp] * moved[tracked[etp]] ** ins.leverage[etp].astype(np.float64)
    change = price != old
    _check_range(universe, price, change, met)
    new = ins.prev_close.copy()
    new[change] = _nearest_on_grid(price[change], ins.tick_table[change])
    start = np.array([float(w @ new) for w in weights])
    out = np.where(base > 0, universe.levels * start / np.maximum(base, 1.0), universe.levels)
    for k, level in targets.items():
        out[k] = level  # the base absorbs the prices' rounding to the tick grid
    return dataclasses.replace(
        universe,
        instruments=dataclasses.replace(ins, prev_close=new),
        levels=out,
    )


def _targets(universe: Universe, levels: Mapping[str, float]) -> dict[int, float]:
    position = {d.key: k for k, d in enumerate(universe.indices)}
    out: dict[int, float] = {}
    for name, level in levels.items():
        key = index_named(name).key
        if not (math.isfinite(level) and level > 0):
            raise ValueError(f"the level of {key} must be a positive number, got {level!r}")
        if position[key] in out:
            raise ValueError(f"{key} is given two levels")
        out[position[key]] = float(level)
    return out


def _weights(universe: Universe, k: int) -> F64:
    """Per instrument, the shares index ``k`` counts (float-adjusted where it is), 0 off it."""
    ins = universe.instruments
    shares = ins.float_shares if universe.indices[k].float_adjusted else ins.listed_shares
    return np.where(universe.membership[k], shares, 0).astype(np.float64)


def _check_range(universe: Universe, price: F64, change: npt.NDArray[np.bool_], met: list[str]) -> None:
    """Prices are whole KRW, at least 1, and a market cap must fit the engine's 64-bit KRW."""
    ins = universe.instruments
    low = change & (price < 1.0)
    high = change & (price * ins.listed_shares > _MAX_CAP)
    for bad, why in ((low, "below 1 KRW, the smallest price"), (high, "a market cap beyond 2^63 KRW")):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{', '.join(met)} would put {ins.name_ko[i]} ({ins.code[i]}) at {price[i]:,.2f} KRW, {why}"
            )


def _nearest_on_grid(x: F64, tables: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """The valid price nearest each ``x`` (≥ 1) on its tick table; every band starts on its own
    grid, so rounding across a band's edge lands on a valid price too."""
    tick = tick_sizes(np.floor(x), tables)
    return np.maximum(np.rint(x / tick), 1).astype(np.int64) * tick
