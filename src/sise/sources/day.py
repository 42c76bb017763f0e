"""Building a simulated market and opening its trading days: the one place every front end
(``sise serve``'s runtime, ``sise simulate``, ``sise demo``, the benchmarks) does it, so they all
simulate the same market.

``build_market`` lists the day's derivatives on top of the cash universe and builds the engine;
``open_day`` starts a trading day on it: the day's corporate actions (ex-dates move bases and
share counts), 52-week highs and lows from history when there is one, ``Engine.start_day`` (whose
index window follows the date) and a fresh simulator over the day's bases and limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from sise.engine.engine import Engine
from sise.market.derivatives import extend_universe
from sise.market.sessions import schedule_for
from sise.market.timeutil import kst_ns
from sise.market.types import Venue
from sise.market.universe import Universe
from sise.sources.actions import CorporateAction, action_rows, actions_on, apply_actions
from sise.sources.history import week52
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.store.base import HistoryStore

__all__ = ["OpenedDay", "build_market", "first_session_ns", "open_day", "week52_before"]


def build_market(base: Universe, day: date, *, derivatives: bool = True) -> tuple[Universe, Engine]:
    """The universe a market trades from ``day`` on, and an engine over it.

    With ``derivatives`` the futures and options listed on ``day`` are appended to the cash
    universe, so cash instrument numbers (and their history) are the same either way.
    """
    universe = extend_universe(base, day, {}) if derivatives else base
    return universe, Engine.from_universe(universe)


def first_session_ns(day: date) -> int:
    """Market ns at which ``day``'s first session begins (NXT's pre-market, else KRX's): where its
    simulated day starts, and until when a market serves the trading day before it."""
    return min(kst_ns(day, w.start) for v in (Venue.KRX, Venue.NXT) for w in schedule_for(day, v).windows)


@dataclass(frozen=True, slots=True)
class OpenedDay:
    """A trading day started on an engine: its ex-dates and the simulator that generates it."""

    day: date
    actions: list[CorporateAction]
    simulator: MarketSimulator


def open_day(
    engine: Engine,
    universe: Universe,
    config: SimConfig,
    *,
    store: HistoryStore | None = None,
    week52: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
) -> OpenedDay:
    """Open ``config.day`` on ``engine`` (which must have ended its previous day, if any).

    ``store`` is the market's history: the 52-week high and low come from it (``week52_before``)
    unless ``week52`` gives them, read earlier, and the day's ex-dates are written to its
    ``corporate_actions`` (known from the open, as the views expect); without either the engine
    keeps its own running values of the days it has seen.
    """
    day = config.day
    actions = actions_on(universe, day, config.seed)
    apply_actions(engine, actions)  # ex-dates: theoretical ex-prices become today's bases
    if store is not None and actions:
        store.put("corporate_actions", action_rows(actions, day))
    high52, low52 = week52 if week52 is not None else (None, None)
    if week52 is None and store is not None:
        high52, low52 = week52_before(store, universe, day, engine.n)
    engine.start_day(day, high52=high52, low52=low52)
    simulator = MarketSimulator(universe, engine.base, engine.upper, engine.lower, config)
    return OpenedDay(day, actions, simulator)


def week52_before(
    store: HistoryStore, universe: Universe, day: date, n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """52-week high and low before ``day`` for all ``n`` engine instruments (0 without history)."""
    hi_h, lo_h, _, _ = week52(store, universe, day)
    hi = np.zeros(n, np.int64)
    lo = np.zeros(n, np.int64)
    hi[: len(hi_h)] = hi_h
    lo[: len(lo_h)] = lo_h
    return hi, lo
