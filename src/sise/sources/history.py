"""Back-fill of daily history that ends exactly where the simulated market starts.

``backfill`` writes every daily table of ``sise.store`` for every KRX trading day of a window
ending at ``end`` (the last trading day before the simulated one):

* **Prices** are generated *backwards* from the universe's ``prev_close``: the last stored close
  of every instrument is its ``prev_close``, and each earlier close is the later one undone by a
  draw of the factor model (``sise.sources.factors``), put on the tick grid of its own date and
  nudged so the later close stays inside that day's price limits (a move the limits cannot hold
  becomes a limit day). Opens come from the model's overnight gap, highs and lows from the maximum
  and minimum of a Brownian bridge between open and close.
* **Indices** are not a random series of their own: each level is (Σ constituent close × shares)
  / base cap × base value, exactly as the engine computes it, with the base cap chosen so the last
  day's level is the universe's starting level and rescaled across corporate actions.
* **Corporate actions**: each day's ex-dates are those a simulated day on that date has
  (``sise.sources.actions.actions_on``, same seed): splits, bonus and rights issues. The
  universe's share counts are the state after them; before the ex-date there were fewer
  shares. The ex-date's base price is the theoretical ex-price, ``adj_factor`` accumulates the
  price factor, and index base caps are rescaled so levels stay continuous.
* **Flows** balance exactly: per row Σ investor buys = Σ sells = volume (and value), program cells
  never exceed volume, short volume ≤ volume, foreign holdings move by the foreign net buy and never
  exceed the foreign limit.

Everything is vectorised over instruments; only the price recursion, carried balances and a few
per-action fix-ups loop over days. Same seed, same tables, byte for byte.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.market import calendar, index_history
from sise.market.instruments import foreign_limit_qty
from sise.market.limits import LIMIT_30_DATE, limit_rate_pct, price_limits, price_limits_array, sign_codes
from sise.market.short_selling import COVER_RATE, next_short_balance, short_sale_ban, shortable
from sise.market.ticks import (
    ETF_REFORM_DATE,
    STOCK_REFORM_DATE,
    TICK_TABLES,
    TickTableId,
    tick_size,
    tick_sizes,
    tick_table_for,
)
from sise.market.timeutil import yyyymmdd, yyyymmdd_array
from sise.market.types import FOREIGNERS, INSTITUTIONS, N_INVESTORS, InstrumentKind, Investor, Market, Sign
from sise.market.universe import Universe
from sise.sources.actions import ActionKind, actions_on
from sise.sources.factors import FactorModel
from sise.sources.turnover import Turnover
from sise.store.base import (
    ACTION_BONUS,
    ACTION_RIGHTS,
    ACTION_SPLIT,
    CORPORATE_ACTIONS,
    FOREIGN_DAILY,
    INDEX_DAILY,
    INVESTOR_DAILY,
    NAV_DAILY,
    PROGRAM_DAILY,
    SHORT_DAILY,
    STOCK_DAILY,
    SYNTHETIC_INDEX_BASE,
    HistoryStore,
    Rows,
)
from sise.store.universe import index_def_rows, universe_rows

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]
Idx = npt.NDArray[np.intp]
Num = npt.NDArray[np.number[Any]]

log = logging.getLogger("sise.history")

#: How far a back-filled index may end from one of its real closes (``index_history``) before the
#: back-fill says so: the tick grid and the limits leave it within a few tenths of a per cent.
ANCHOR_TOLERANCE: Final = 0.01

#: Independent random streams, by position in one SeedSequence's children. Append, never reorder.
_STREAMS: Final = ("returns", "actions", "ohlc", "volume", "investors", "program", "short", "foreign", "nav")

# Smallest valid price of each tick table.
_MIN_PRICE: Final = np.array(
    [TICK_TABLES[TickTableId(i)].ticks[0] for i in range(len(TICK_TABLES))], np.int64
)

_F = int(Investor.FOREIGN)
_OF = int(Investor.OTHER_FOREIGN)
_IND = int(Investor.INDIVIDUAL)
_OCORP = int(Investor.OTHER_CORP)
_INST = [int(i) for i in INSTITUTIONS]
_FOREIGN = [int(i) for i in FOREIGNERS]
#: How institutions split their share of a stock's trading, in INSTITUTIONS order.
_INST_SPLIT: Final = np.array([0.38, 0.04, 0.12, 0.09, 0.02, 0.02, 0.30, 0.03])
#: For ETFs and ETNs the liquidity providers (금융투자) dominate the institutional side.
_INST_SPLIT_ETP: Final = np.array([0.85, 0.02, 0.04, 0.03, 0.01, 0.01, 0.03, 0.01])
_CHUNK: Final = 32  # days per vectorised block of the flow generators
# Daily volume noise around the declared turnover (inferred): a persistent AR(1) part (busy and
# quiet weeks), a daily part, and more trading on days that move (|return| / σ, mean ≈ 0.8).
_VOL_PERSIST_AR: Final = 0.9
_VOL_PERSIST_SD: Final = (0.35, 0.15)  # the smallest names', the largest's
_VOL_DAILY_SD: Final = 0.3
_VOL_MOVE: Final = 0.5
_MEAN_ABS_Z: Final = 0.8


@dataclass(frozen=True, slots=True)
class BackfillResult:
    """What ``backfill`` wrote, and the end state the engine continues from."""

    dates: list[date]  # trading days covered, ascending
    rows: dict[str, int]  # rows written per table
    actions: Rows  # the corporate_actions rows (CORPORATE_ACTIONS dtype)
    model: FactorModel
    foreign_holdings: I64  # per instrument after the last day (0 for ETPs): the engine's foreign_start
    short_balance: I64  # per instrument after the last day
    nav: F64  # per instrument, the last day's NAV (ETPs) or close: Engine.start_day(nav=…)


@dataclass(frozen=True, slots=True)
class _Action:
    inst: int
    day: int  # ex-date index into dates
    kind: int  # ACTION_SPLIT or ACTION_RIGHTS
    shares_before: int
    shares_after: int
    discount: float  # rights: issue price discount to the previous close


def backfill(
    universe: Universe,
    store: HistoryStore,
    *,
    end: date,
    years: int = 2,
    seed: int = 0,
    model: FactorModel | None = None,
    progress: Callable[[float], None] | None = None,
    days: int | None = None,
    splits: int | None = None,
    rights: int | None = None,
    keep: Collection[str] = (),
    anchors: Mapping[str, Sequence[tuple[date, float]]] | None = None,
) -> BackfillResult:
    """Write daily history for the trading days of [end − years, end] (or the last ``days``
    trading days up to ``end``) into ``store``.

    ``keep`` names instruments and indices whose daily rows the store already holds (imported
    real history): their ``stock_daily`` and ``index_daily`` rows are not written, so the
    imported ones stand alone rather than joined to a simulated past.

    ``end`` is the last trading day before the simulated day; history ends on the last trading
    day on or before it. Corporate actions are by default the ex-dates a simulated day on
    each date has (``sise.sources.actions.actions_on`` with the same seed), so ``simulate``,
    ``demo`` and ``serve`` never tell different stories about a day; ``splits`` / ``rights``
    instead draw that many splits and rights issues at random (at most one per stock).
    ``progress`` receives the fraction done, 0 … 1.

    ``anchors`` maps index keys to (date, close) levels the history passes through (default: the
    real month-end closes of ``sise.market.index_history``); anchors outside the window, on
    non-trading days or for indices the universe lacks are ignored. ``{}`` turns anchoring off.
    """
    report = progress or (lambda _f: None)
    dates = history_window(end, years, days)
    n_days = len(dates)
    ins = universe.instruments
    n = len(ins)
    if model is None:
        model = FactorModel.from_universe(universe, seed)
    if model.n != n:
        raise ValueError(f"factor model has {model.n} instruments, universe {n}")
    streams = dict(
        zip(
            _STREAMS,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS))),
            strict=True,
        )
    )
    report(0.0)

    draw = model.draw(n_days, streams["returns"])
    tables, rates = _regimes(universe, [_day_before(dates[0]), *dates])
    if splits is None and rights is None:
        actions = _scheduled_actions(universe, dates, seed)
    else:
        actions = _choose_actions(universe, n_days, streams["actions"], splits, rights)
    shares = np.broadcast_to(ins.listed_shares, (n_days, n)).copy()
    for a in reversed(actions):  # latest first: a stock's earlier action sets its earlier days
        shares[: a.day, a.inst] = a.shares_before
    float_shares = np.round(shares * ins.float_ratio).astype(np.int64)
    report(0.1)

    def prices(returns: F64) -> _Prices:
        return _prices(
            universe,
            model,
            returns,
            draw.underlying,
            draw.tracking,
            tables,
            rates,
            shares,
            float_shares,
            actions,
        )

    targets = _anchors_in(universe, dates, index_history.anchors() if anchors is None else anchors)
    returns = draw.returns
    if targets:
        # The tick grid and the limits drift the path by up to ~1 % over two years; one second
        # pass aims the bridge past the anchors by the drift the first pass showed.
        returns = draw.returns.copy()
        _anchor_returns(universe, returns, targets)
        px = prices(returns)
        got = _index_levels(universe, px, shares, float_shares, targets)
        aimed = {k: [(t, c * c / got[k][t]) for t, c in v] for k, v in targets.items()}
        returns = draw.returns.copy()
        _anchor_returns(universe, returns, aimed)
    px = prices(returns)
    if targets:
        _report_missed(dates, _index_levels(universe, px, shares, float_shares, targets), targets)
    report(0.3)
    bars = _bars(model, px, tables, rates, streams["ohlc"])
    turnover = Turnover.from_universe(universe, seed)
    volume, value = _volume(universe, model, px, bars, shares, draw.market_scale, turnover, streams["volume"])
    report(0.4)

    stock = ins.kind == InstrumentKind.STOCK
    codes = list(ins.code)
    date_ints = yyyymmdd_array(dates)
    keys, members, index_rows, levels, last_caps = _index_history(
        universe, px, bars, volume, value, shares, float_shares, date_ints
    )

    daily = _stock_rows(codes, date_ints, px, bars, volume, value, shares)
    # The arrays are built for the store and handed over, so skip the defensive copy.
    kept = sorted(keep)
    store.put("stock_daily", daily[~np.isin(daily["code"], kept)] if kept else daily, copy=False)
    store.put(
        "index_daily", index_rows[~np.isin(index_rows["code"], kept)] if kept else index_rows, copy=False
    )
    action_rows = _action_rows(codes, date_ints, px, actions)
    store.put("corporate_actions", action_rows)
    # The universe and index definitions of the last day (the universe's own state, which earlier
    # days differ from only by the share counts of corporate actions, kept in stock_daily).
    last_day = int(date_ints[-1])
    universe_day = universe_rows(ins, universe.membership, px.base[-1], last_day)
    store.put("universe_daily", universe_day)
    index_defs = _index_defs(universe, keys, last_caps, last_day)
    store.put("index_def_daily", index_defs)
    report(0.55)

    flows = _flows(universe, model, px, bars, volume, value, shares, dates, keys, members, date_ints, streams)
    store.put("investor_daily", flows.investor, copy=False)
    store.put("program_daily", flows.program, copy=False)
    store.put("short_daily", flows.short, copy=False)
    store.put("foreign_daily", flows.foreign, copy=False)
    report(0.9)

    nav = _nav_rows(universe, model, px, levels, date_ints, streams["nav"])
    store.put("nav_daily", nav, copy=False)
    report(1.0)

    rows = {
        "stock_daily": len(daily),
        "index_daily": len(index_rows),
        "investor_daily": len(flows.investor),
        "program_daily": len(flows.program),
        "short_daily": len(flows.short),
        "foreign_daily": len(flows.foreign),
        "nav_daily": len(nav),
        "corporate_actions": len(action_rows),
        "universe_daily": len(universe_day),
        "index_def_daily": len(index_defs),
    }
    holdings = np.zeros(n, np.int64)
    holdings[stock] = flows.last_holdings
    last_nav = ins.prev_close.astype(np.float64)
    last_nav[~model.is_stock] = nav["nav"].reshape(-1, n_days)[:, -1]
    return BackfillResult(dates, rows, action_rows, model, holdings, flows.last_balance, last_nav)


# ---------------------------------------------------------------------------------------------------
# Calendar and rule regimes
# ---------------------------------------------------------------------------------------------------


def history_window(end: date, years: int = 2, days: int | None = None) -> list[date]:
    """Trading days of [end − years, end], or the last ``days`` trading days up to ``end``: the
    window every back-fill (``backfill``, ``futures_history.backfill_futures``) covers."""
    if days is not None:
        if days < 2:
            raise ValueError(f"days must be at least 2, got {days}")
        span = days * 2 + 30
        while True:
            start = max(end - timedelta(days=span), calendar.FIRST_DATE)
            out = calendar.trading_days(start, end)
            if len(out) >= days or start == calendar.FIRST_DATE:
                break
            span *= 2
        out = out[-days:]
    else:
        if years < 1:
            raise ValueError(f"years must be at least 1, got {years}")
        try:
            start = end.replace(year=end.year - years)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - years, day=28)
        out = calendar.trading_days(max(start, calendar.FIRST_DATE), end)
    if len(out) < 2:
        raise ValueError(f"need at least 2 trading days of history up to {end.isoformat()}, got {len(out)}")
    return out


def _day_before(d: date) -> date:
    """The trading day before ``d`` (its close is the first day's base); a weekday guess outside
    the calendar's range only decides tick tables."""
    try:
        return calendar.previous_trading_day(d)
    except ValueError:
        return d - timedelta(days=1)


def _regimes(universe: Universe, days: list[date]) -> tuple[U8, I64]:
    """Tick table per (day, instrument) and limit rate per (day, instrument); rules change on
    fixed dates, so compute once per distinct rule set."""
    ins = universe.instruments
    n = len(ins)
    combos = sorted(
        {(int(k), int(m), int(v)) for k, m, v in zip(ins.kind, ins.market, ins.leverage, strict=True)}
    )
    cache: dict[tuple[bool, bool, bool], tuple[U8, I64]] = {}
    tab = np.empty((len(days), n), np.uint8)
    rate = np.empty((len(days), n), np.int64)
    for row, d in enumerate(days):
        key = (d >= LIMIT_30_DATE, d >= STOCK_REFORM_DATE, d >= ETF_REFORM_DATE)
        if key not in cache:
            t = np.zeros(n, np.uint8)
            r = np.zeros(n, np.int64)
            for k, m, v in combos:
                sel = (ins.kind == k) & (ins.market == m) & (ins.leverage == v)
                kind, market = InstrumentKind(k), Market(m)
                t[sel] = tick_table_for(kind, market, d)
                r[sel] = limit_rate_pct(market, d, kind, v) or 0
            cache[key] = (t, r)
        tab[row], rate[row] = cache[key]
    return tab, rate


# ---------------------------------------------------------------------------------------------------
# Corporate actions
# ---------------------------------------------------------------------------------------------------


def _choose_actions(
    universe: Universe, n_days: int, rng: np.random.Generator, splits: int | None, rights: int | None
) -> list[_Action]:
    """A few splits on high-priced names and rights issues, at most one per stock, ex-dates after
    the first day (so the pre-action close is in the history)."""
    ins = universe.instruments
    stock = (ins.kind == InstrumentKind.STOCK) & ~ins.preferred
    years = n_days / 245.0
    n_stock = int(stock.sum())
    want_splits = splits if splits is not None else max(1, round(n_stock * years * 0.0015))
    want_rights = rights if rights is not None else max(1, round(n_stock * years * 0.003))
    days = rng.integers(1, n_days, want_splits + want_rights) if n_days > 1 else np.zeros(0, np.int64)
    taken: set[int] = set()
    out: list[_Action] = []
    for j in range(want_splits):
        ratio = int(rng.choice([2, 5, 10], p=[0.2, 0.5, 0.3]))
        # High-priced today means very high-priced before the split: pick from the dearer half.
        ok = stock & (ins.listed_shares % ratio == 0) & (ins.prev_close >= 10_000)
        cand = np.array([i for i in np.flatnonzero(ok) if int(i) not in taken], np.int64)
        if len(cand) == 0:
            continue
        w = np.log(ins.prev_close[cand].astype(np.float64))
        i = int(rng.choice(cand, p=w / w.sum()))
        taken.add(i)
        after = int(ins.listed_shares[i])
        out.append(_Action(i, int(days[j]), ACTION_SPLIT, after // ratio, after, 0.0))
    for j in range(want_rights):
        ok = stock & (ins.listed_shares >= 1_000_000)
        cand = np.array([i for i in np.flatnonzero(ok) if int(i) not in taken], np.int64)
        if len(cand) == 0:
            continue
        i = int(rng.choice(cand))
        taken.add(i)
        after = int(ins.listed_shares[i])
        before = round(after / (1.0 + rng.uniform(0.10, 0.30)))
        discount = float(rng.uniform(0.15, 0.30))
        out.append(_Action(i, int(days[want_splits + j]), ACTION_RIGHTS, before, after, discount))
    return sorted(out, key=lambda a: (a.day, a.inst))


def _scheduled_actions(universe: Universe, dates: list[date], seed: int) -> list[_Action]:
    """Every day's ex-dates as a simulated day on that date has them (``actions_on``): the same
    stocks, kinds and ratios. Share counts are walked back from the universe's (the state after
    every action): each action's "after" is the later action's "before"."""
    listed = universe.instruments.listed_shares
    found = [(t, a) for t in range(1, len(dates)) for a in actions_on(universe, dates[t], seed)]
    after: dict[int, int] = {}
    out: list[_Action] = []
    for t, a in sorted(found, key=lambda x: (-x[0], x[1].inst)):
        shares_after = after.get(a.inst, int(listed[a.inst]))
        shares_before = round(shares_after / (1.0 + a.ratio))
        if not 0 < shares_before < shares_after:
            continue
        kind = {ActionKind.SPLIT: ACTION_SPLIT, ActionKind.BONUS: ACTION_BONUS}.get(a.kind, ACTION_RIGHTS)
        discount = 1.0 - a.issue_price / a.price_before if kind == ACTION_RIGHTS else 0.0
        out.append(_Action(a.inst, t, kind, shares_before, shares_after, discount))
        after[a.inst] = shares_before
    return sorted(out, key=lambda a: (a.day, a.inst))


# ---------------------------------------------------------------------------------------------------
# Anchors: the real month-end closes
# ---------------------------------------------------------------------------------------------------

_ANCHOR_SWEEPS: Final = 200
_ANCHOR_TOL: Final = 1e-6  # log level


def _anchors_in(
    universe: Universe, dates: list[date], anchors: Mapping[str, Sequence[tuple[date, float]]]
) -> dict[str, list[tuple[int, float]]]:
    """The anchors that apply: indices of the universe, trading days of the window before its
    last day (which is the universe's own level), as {key: [(day index, close), …]}."""
    day_pos = {d: i for i, d in enumerate(dates)}
    last = len(dates) - 1
    keys = {d.key for d in universe.indices}
    out: dict[str, list[tuple[int, float]]] = {}
    for key in sorted(anchors):
        points = sorted((day_pos[d], c) for d, c in anchors[key] if c > 0 and day_pos.get(d, last) < last)
        if key in keys and points and len(universe.index_members(key)):
            out[key] = points
    return out


def _anchor_returns(
    universe: Universe, returns: F64, anchors: Mapping[str, Sequence[tuple[int, float]]]
) -> None:
    """Bend the stocks' drawn returns (in place) so every anchored index passes through its
    (day index, close) anchors, keeping the last day at the universe's level.

    An index is its members' cap over a base, so adding x to every member's log price on a day
    adds x to the index's log level. Per index, the log error at each anchor day is spread linearly
    over the days up to the next anchor (and held before the first), and its day-to-day
    differences are added to the members' returns: the model's own path, bridged between the
    anchors (a Brownian bridge when the path is a random walk). The seed changes the days between
    anchors, never the anchors. Nested indices (KOSPI ⊃ KOSPI200) share members, so the
    corrections are solved together by Gauss-Seidel sweeps evaluated on the anchor days only.
    """
    last = returns.shape[0] - 1
    ins = universe.instruments
    defs = {d.key: (d, float(v)) for d, v in zip(universe.indices, universe.levels, strict=True)}
    targets: list[tuple[Idx, F64, Idx, F64]] = []  # members, cap weights, anchor days, log targets
    for key, points in anchors.items():
        definition, level0 = defs[key]
        members = universe.index_members(key)
        shares = ins.float_shares if definition.float_adjusted else ins.listed_shares
        days = np.array([p for p, _ in points], np.intp)
        logs = np.log(np.array([c for _, c in points]) / level0)
        targets.append((members, shares[members].astype(np.float64), days, logs))
    if not targets:
        return

    rows = np.unique(np.concatenate([t[2] for t in targets] + [np.array([last], np.intp)]))
    # Log close on each anchor row: the last close undone by the returns after that row.
    after = np.cumsum(returns[::-1], axis=0)[::-1] - returns  # after[t] = Σ_{s > t} r[s]
    logp = np.log(np.maximum(ins.prev_close, 1).astype(np.float64))[None, :] - after[rows]
    knots = [np.append(t[2], last) for t in targets]
    at = [np.searchsorted(rows, t[2]) for t in targets]
    total = [np.zeros(len(t[2])) for t in targets]
    for _ in range(_ANCHOR_SWEEPS):
        worst = 0.0
        for k, (members, weights, _days, target) in enumerate(targets):
            sub = logp[:, members]
            top = sub.max()
            level = np.log(np.exp(sub - top) @ weights)
            err = target - (level[at[k]] - level[-1])
            worst = max(worst, float(np.abs(err).max()))
            total[k] += err
            logp[:, members] += np.interp(rows, knots[k], np.append(err, 0.0))[:, None]
        if worst < _ANCHOR_TOL:
            break
    span = np.arange(last + 1)
    for k, (members, _w, _d, _t) in enumerate(targets):
        shift = np.interp(span, knots[k], np.append(total[k], 0.0))
        returns[1:, members] += np.diff(shift)[:, None]


def _report_missed(
    dates: Sequence[date],
    got: Mapping[str, Mapping[int, float]],
    targets: Mapping[str, Sequence[tuple[int, float]]],
) -> None:
    """Say which anchors the back-fill could not meet within ``ANCHOR_TOLERANCE``: starting levels
    that contradict them (``--index-level``, a universe CSV), or anchors of indices sharing most
    of their members that contradict each other. The history is written all the same."""
    for key, points in targets.items():
        misses = [
            (t, c, got[key][t] / c - 1) for t, c in points if abs(got[key][t] / c - 1) > ANCHOR_TOLERANCE
        ]
        if misses:
            t, c, worst = max(misses, key=lambda m: abs(m[2]))
            log.warning(
                "the back-filled %s misses %d of its %d real closes by more than %.0f %%, by up to"
                " %+.1f %% (%s: %.2f against %.2f): its starting level, or another index's,"
                " contradicts them",
                key,
                len(misses),
                len(points),
                ANCHOR_TOLERANCE * 100,
                worst * 100,
                dates[t].isoformat(),
                got[key][t],
                c,
            )


def _index_levels(
    universe: Universe,
    px: _Prices,
    shares: I64,
    float_shares: I64,
    anchors: Mapping[str, Sequence[tuple[int, float]]],
) -> dict[str, dict[int, float]]:
    """Close levels of the anchored indices on their anchor days, computed from ``px`` as
    ``_index_history`` does (the last day at the universe's level, bases rescaled across
    corporate actions)."""
    defs = {d.key: (d, float(v)) for d, v in zip(universe.indices, universe.levels, strict=True)}
    out: dict[str, dict[int, float]] = {}
    for key, points in anchors.items():
        definition, level0 = defs[key]
        m = universe.index_members(key)
        sh = (float_shares if definition.float_adjusted else shares)[:, m].astype(np.float64)
        cap = (sh * px.close[1:, m]).sum(axis=1)
        after = (sh * px.base[:, m]).sum(axis=1)
        before = after.copy()
        before[1:] = (sh[:-1] * px.close[1:-1, m]).sum(axis=1)
        rescale = np.log(after / before)
        later = np.cumsum(rescale[::-1])[::-1] - rescale  # Σ over the days after each day
        rel = np.log(cap / cap[-1]) + later
        out[key] = {t: level0 * math.exp(float(rel[t])) for t, _c in points}
    return out


# ---------------------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------------------


def _round_nearest(x: Num, tab: U8) -> I64:
    """Nearest valid price to ``x`` in each table (at least the smallest valid price)."""
    p = np.maximum(np.floor(x), 1.0).astype(np.int64)
    t = tick_sizes(p, tab)
    q = np.floor(x / t + 0.5).astype(np.int64) * t
    t2 = tick_sizes(q, tab)  # rounding up can reach the next band's bound, valid there
    q = q // t2 * t2
    return np.asarray(np.maximum(q, _MIN_PRICE[tab]), np.int64)


def _round_up(x: Num, tab: U8) -> I64:
    p = np.maximum(np.ceil(x), 1.0).astype(np.int64)
    t = tick_sizes(p, tab)
    return np.asarray(np.maximum(-(-p // t) * t, _MIN_PRICE[tab]), np.int64)


def _round_down(x: Num, tab: U8) -> I64:
    p = np.maximum(np.floor(x), 1.0).astype(np.int64)
    t = tick_sizes(p, tab)
    return np.asarray(np.maximum(p // t * t, _MIN_PRICE[tab]), np.int64)


def _step_back(close: I64, log_ret: F64, tab_prev: U8, tab_day: U8, rate: I64) -> I64:
    """Previous closes such that ``close`` = previous × e^log_ret as nearly as the tick grid and
    the day's limits (base = previous close) allow."""
    prev = _round_nearest(close * np.exp(-log_ret), tab_prev)
    limited = rate > 0
    up, lo = price_limits_array(prev, tab_day, rate)
    over = np.flatnonzero(limited & (close > up))
    if len(over):  # too big a rise for one day: start near close / (1 + rate), step up
        r = rate[over]
        guess = _round_down(close[over] * 100.0 / (100.0 + r), tab_prev[over])
        prev[over] = np.maximum(prev[over], guess)
        for _ in range(10_000):
            up_o, _lo = price_limits_array(prev[over], tab_day[over], r)
            bad = close[over] > up_o
            if not bad.any():
                break
            sel = over[bad]
            prev[sel] += tick_sizes(prev[sel], tab_prev[sel])
    under = np.flatnonzero(limited & (close < lo))
    if len(under):  # too big a fall: start near close / (1 − rate), step down
        r = rate[under]
        guess = _round_up(close[under] * 100.0 / np.maximum(100.0 - r, 1.0), tab_prev[under])
        prev[under] = np.minimum(prev[under], guess)
        for _ in range(10_000):
            _up, lo_u = price_limits_array(prev[under], tab_day[under], r)
            bad = close[under] < lo_u
            if not bad.any():
                break
            sel = under[bad]
            prev[sel] -= tick_sizes(prev[sel] - 1, tab_prev[sel])
    return prev


@dataclass(slots=True)
class _Prices:
    close: I64  # (days + 1, n): row 0 the close before the first day, row t + 1 day t
    base: I64  # (days, n)
    action_prev: dict[int, tuple[int, int]]  # action index → (previous close, issue price)
    basket: F64  # (days, baskets) realised simple return of each ETP basket


def _prices(
    universe: Universe,
    model: FactorModel,
    returns: F64,
    underlying: F64,
    tracking: F64,
    tables: U8,
    rates: I64,
    shares: I64,
    float_shares: I64,
    actions: list[_Action],
) -> _Prices:
    ins = universe.instruments
    n_days, n = returns.shape
    close = np.empty((n_days + 1, n), np.int64)
    close[n_days] = ins.prev_close
    base = np.empty((n_days, n), np.int64)
    stock = np.flatnonzero(model.is_stock)
    etp = np.flatnonzero(~model.is_stock)
    nb = len(model.basket_names)
    basket_mask = model.basket[:, stock] > 0
    basket_ret = np.zeros((n_days, nb))
    etp_b = model.etp_basket[etp]
    has_b = etp_b >= 0
    by_day: dict[int, list[int]] = {}
    for j, a in enumerate(actions):
        by_day.setdefault(a.day, []).append(j)
    action_prev: dict[int, tuple[int, int]] = {}

    for t in range(n_days - 1, -1, -1):
        c_t = close[t + 1]
        tp, td, rt = tables[t], tables[t + 1], rates[t + 1]
        prev = np.empty(n, np.int64)
        prev[stock] = _step_back(c_t[stock], returns[t, stock], tp[stock], td[stock], rt[stock])
        b_t = prev.copy()
        for j in by_day.get(t, ()):
            a = actions[j]
            c, b, issue = _action_step(
                a, int(c_t[a.inst]), float(returns[t, a.inst]), tp[a.inst], td[a.inst], int(rt[a.inst])
            )
            prev[a.inst], b_t[a.inst] = c, b
            action_prev[j] = (c, issue)
        if nb:
            # Elementwise products and sums rather than a BLAS call: this runs once per day on a
            # small matrix, where a threaded BLAS spends more time spinning than working.
            w = np.where(model.basket_float[:, None], float_shares[t, stock], shares[t, stock]) * basket_mask
            num = (w * c_t[stock]).sum(axis=1, dtype=np.float64)
            den = (w * b_t[stock]).sum(axis=1, dtype=np.float64)
            basket_ret[t] = num / np.where(den > 0, den, 1.0) - 1.0
        if len(etp):
            u = underlying[t, etp].copy()
            u[has_b] = basket_ret[t, etp_b[has_b]]
            r_etp = model.etp_log_returns(u, tracking[t, etp], etp)
            prev[etp] = _step_back(c_t[etp], r_etp, tp[etp], td[etp], rt[etp])
            b_t[etp] = prev[etp]
        close[t] = prev
        base[t] = b_t
    return _Prices(close, base, action_prev, basket_ret)


def _action_step(a: _Action, close: int, log_ret: float, tp: int, td: int, rate: int) -> tuple[int, int, int]:
    """(previous close, ex-date base, issue price) around an ex-date, going backwards.

    The theoretical ex-price (krx_rules §1.3) is rounded to the day's grid: split ``prev / k``;
    rights issue ``(prev × N_old + issue × N_new) / (N_old + N_new)`` with the issue price at a
    discount to the previous close.
    """
    t_prev, t_day = TickTableId(tp), TickTableId(td)
    target = close * math.exp(-max(min(log_ret, 0.1), -0.1))
    n_old, n_new = a.shares_before, a.shares_after - a.shares_before

    def nearest(x: float, table: TickTableId) -> int:
        t = tick_size(max(int(x), 1), table)
        q = math.floor(x / t + 0.5) * t
        q -= q % tick_size(q, table)
        return max(q, TICK_TABLES[table].ticks[0])

    def ex_price(prev: int) -> tuple[int, int]:
        if a.kind != ACTION_RIGHTS:  # a split or bonus issue: the same cap over more shares
            return nearest(prev * n_old / a.shares_after, t_day), 0
        issue = nearest(prev * (1.0 - a.discount), t_prev)
        return nearest((prev * n_old + issue * n_new) / a.shares_after, t_day), issue

    if a.kind != ACTION_RIGHTS:
        prev = nearest(target * a.shares_after / n_old, t_prev)
    else:
        prev = nearest(target * a.shares_after / (n_old + (1.0 - a.discount) * n_new), t_prev)
    for _ in range(10_000):
        b, issue = ex_price(prev)
        up, lo = price_limits(b, t_day, rate) if rate > 0 else (close, close)
        if close > up:
            prev += tick_size(prev, t_prev)
        elif close < lo:
            prev -= tick_size(prev - 1, t_prev)
        else:
            return prev, b, issue
    raise RuntimeError("no previous close keeps an ex-date close within its limits")  # pragma: no cover


@dataclass(slots=True)
class _Bars:
    open: I64  # (days, n)
    high: I64
    low: I64
    upper: I64
    lower: I64
    sign: npt.NDArray[np.int8]
    log_ret: F64  # realised close / base


def _bars(model: FactorModel, px: _Prices, tables: U8, rates: I64, rng: np.random.Generator) -> _Bars:
    """Open from the overnight gap, high and low from a Brownian bridge open → close, all on the
    day's grid and inside its limits."""
    close = px.close[1:]
    base = px.base
    tab = tables[1:]
    upper, lower = price_limits_array(base.ravel(), tab.ravel(), rates[1:].ravel())
    upper = upper.reshape(base.shape)
    lower = lower.reshape(base.shape)
    r = np.log(close / base)
    gap, _ = model.split_overnight(r, rng)
    opened = np.clip(_round_nearest(base * np.exp(gap), tab), lower, upper)
    x = np.log(close / opened)
    s = model.intraday_vol
    u1 = rng.random(x.shape)
    u2 = rng.random(x.shape)
    m_hi = 0.5 * (x + np.sqrt(x * x - 2.0 * s * s * np.log1p(-u1)))
    m_lo = 0.5 * (x - np.sqrt(x * x - 2.0 * s * s * np.log1p(-u2)))
    hi = np.minimum(_round_up(opened * np.exp(m_hi), tab), upper)
    lo = np.maximum(_round_down(opened * np.exp(m_lo), tab), lower)
    hi = np.maximum(hi, np.maximum(opened, close))
    lo = np.minimum(lo, np.minimum(opened, close))
    sign = sign_codes(close, base, upper, lower)
    return _Bars(opened, hi, lo, upper, lower, sign, r)


def _volume(
    universe: Universe,
    model: FactorModel,
    px: _Prices,
    bars: _Bars,
    shares: I64,
    market_scale: F64,
    turnover: Turnover,
    rng: np.random.Generator,
) -> tuple[I64, I64]:
    """Daily volume = the instrument's turnover rate (``sise.sources.turnover``: expected value
    over cap at the starting prices) × listed shares × persistent and daily noise of mean 1,
    higher on big moves and in volatile markets; value = volume × a VWAP inside [low, high], so
    the last days' value is the declared one at the day's prices."""
    ins = universe.instruments
    n_days, n = bars.open.shape
    cap = ins.prev_close.astype(np.float64) * np.maximum(ins.listed_shares, 1)
    rate = turnover.value / np.maximum(cap, 1.0)
    # Large caps' busy and quiet weeks swing less (their value is spread over many traders).
    sd = _VOL_PERSIST_SD[0] + (_VOL_PERSIST_SD[1] - _VOL_PERSIST_SD[0]) * model.size
    persistent = np.empty((n_days, n))
    a = rng.normal(0.0, 1.0, n) * sd
    shocks = rng.normal(0.0, math.sqrt(1 - _VOL_PERSIST_AR**2), (n_days, n)) * sd
    for t in range(n_days):
        a = _VOL_PERSIST_AR * a + shocks[t]
        persistent[t] = a
    daily = rng.normal(-0.5 * _VOL_DAILY_SD**2, _VOL_DAILY_SD, (n_days, n))
    z = np.minimum(np.abs(bars.log_ret) / np.maximum(model.vol, 1e-4), 8.0)
    move = (1.0 + _VOL_MOVE * z) / (1.0 + _VOL_MOVE * _MEAN_ABS_Z)
    noise = np.exp(persistent - 0.5 * sd**2 + daily)
    mult = noise * move * np.sqrt(market_scale)[:, None]
    volume = np.maximum(np.round(rate * shares * mult), 10).astype(np.int64)
    close = px.close[1:]
    typical = (bars.open + bars.high + bars.low + 2 * close) / 5.0
    vwap = np.clip(typical * np.exp(rng.normal(0.0, 0.002, (n_days, n))), bars.low, bars.high)
    value = np.round(volume * vwap).astype(np.int64)
    return volume, value


# ---------------------------------------------------------------------------------------------------
# Indices
# ---------------------------------------------------------------------------------------------------


def _member_sums(members: list[Idx], x: I64) -> I64:
    """(indices, days) exact int64 sums of ``x`` (days, n) over each index's members."""
    out = np.zeros((len(members), x.shape[0]), np.int64)
    for k, m in enumerate(members):
        if len(m):
            out[k] = x[:, m].sum(axis=1)
    return out


def _index_history(
    universe: Universe,
    px: _Prices,
    bars: _Bars,
    volume: I64,
    value: I64,
    shares: I64,
    float_shares: I64,
    date_ints: npt.NDArray[np.int32],
) -> tuple[list[str], list[Idx], Rows, dict[str, F64], tuple[F64, I64]]:
    """Index rows computed from the constituents as the engine does; also returns the keys and
    members of the non-empty indices, their close levels by key, and their base caps and caps
    at the last close."""
    n_days = len(date_ints)
    defs = [(d, universe.index_members(d.key)) for d in universe.indices]
    level0 = {d.key: float(v) for d, v in zip(universe.indices, universe.levels, strict=True)}
    defs = [(d, m) for d, m in defs if len(m)]
    keys = [d.key for d, _ in defs]
    members = [m for _, m in defs]
    close = px.close[1:]
    prev_close = px.close[:-1]
    fa = np.array([d.float_adjusted for d, _ in defs], np.bool_)

    listed_members = [m if not f else m[:0] for m, f in zip(members, fa, strict=True)]
    float_members = [m if f else m[:0] for m, f in zip(members, fa, strict=True)]

    def weighted(price: I64, shift: bool = False) -> I64:
        """Σ weight × price per index and day (float-adjusted shares where the index is);
        ``shift`` takes the previous day's share counts."""
        sh = np.vstack([shares[:1], shares[:-1]]) if shift else shares
        fs = np.vstack([float_shares[:1], float_shares[:-1]]) if shift else float_shares
        return _member_sums(listed_members, sh * price) + _member_sums(float_members, fs * price)

    cap = weighted(close)
    cap_open = weighted(bars.open)
    after = weighted(px.base)  # caps at the day's base prices and share counts
    before = weighted(prev_close, shift=True)  # caps at the previous closes and share counts
    up_extra = weighted(bars.high - np.maximum(bars.open, close))
    down_extra = weighted(np.minimum(bars.open, close) - bars.low)

    base_value = np.array([d.base_value for d, _ in defs])
    last = np.array([level0[k] for k in keys])
    base_cap = np.empty((len(keys), n_days))
    base_cap[:, -1] = cap[:, -1].astype(np.float64) * base_value / last  # Engine.set_levels
    for t in range(n_days - 1, 0, -1):
        b = base_cap[:, t].copy()
        moved = after[:, t] != before[:, t]  # a corporate action changed a constituent's cap
        if moved.any():
            factor = after[moved, t] / before[moved, t]  # IndexBook.rescale, undone
            b[moved] = b[moved] / factor
        base_cap[:, t - 1] = b

    def level(c: I64 | F64) -> F64:
        return np.asarray(np.round(c / base_cap * base_value[:, None], 2), np.float64)

    lv_close = level(cap)
    lv_open = level(cap_open)
    # An index's intraday range is narrower than its members' average range: they do not all
    # peak together. Take a share of the cap-weighted excursions beyond open/close.
    lv_high = np.maximum(np.round(np.maximum(lv_open, lv_close) + level(up_extra) * 0.45, 2), 0.0)
    lv_low = np.round(np.minimum(lv_open, lv_close) - level(down_extra) * 0.45, 2)
    lv_high = np.maximum(lv_high, np.maximum(lv_open, lv_close))
    lv_low = np.minimum(lv_low, np.minimum(lv_open, lv_close))
    prev_level = np.empty_like(lv_close)
    prev_level[:, 1:] = lv_close[:, :-1]
    prev_level[:, 0] = np.round(before[:, 0] / base_cap[:, 0] * base_value, 2)
    change = np.round(lv_close - prev_level, 2)

    m = len(keys)
    rows = np.zeros(m * n_days, INDEX_DAILY).reshape(m, n_days)
    rows["code"] = np.array(keys, dtype=INDEX_DAILY["code"])[:, None]
    rows["date"] = date_ints[None, :]
    rows["open"] = lv_open
    rows["high"] = lv_high
    rows["low"] = lv_low
    rows["close"] = lv_close
    rows["change"] = change
    rows["sign"] = np.where(change > 0, Sign.UP, np.where(change < 0, Sign.DOWN, Sign.FLAT))
    rows["volume"] = _member_sums(members, volume)
    rows["value"] = _member_sums(members, value)
    rows["mktcap"] = _member_sums(members, shares * close)
    rows["listed_shares"] = _member_sums(members, shares)
    rows["constituents"] = np.array([len(mm) for mm in members], np.int32)[:, None]
    for code in range(1, 6):
        rows["signs"][:, :, code - 1] = _member_sums(members, (bars.sign == code).astype(np.int64))
    levels = {k: lv_close[i] for i, k in enumerate(keys)}
    return keys, members, rows.ravel(), levels, (base_cap[:, -1].copy(), cap[:, -1].copy())


def _index_defs(universe: Universe, keys: list[str], last_caps: tuple[F64, I64], date: int) -> Rows:
    """``index_def_daily`` rows of the last day; ``keys`` are the non-empty indices, ``last_caps``
    their base caps and caps at the last close."""
    at = {d.key: k for k, d in enumerate(universe.indices)}
    pos = np.array([at[k] for k in keys], np.intp)
    m = len(universe.indices)
    base_cap, cap = np.zeros(m), np.zeros(m, np.int64)
    base_cap[pos], cap[pos] = last_caps
    return index_def_rows(
        [d.key for d in universe.indices],
        universe.membership,
        np.array([d.float_adjusted for d in universe.indices], np.bool_),
        np.array([d.base_value for d in universe.indices], np.float64),
        base_cap,
        cap,
        date,
    )


# ---------------------------------------------------------------------------------------------------
# Row assembly
# ---------------------------------------------------------------------------------------------------


def _code_major(dtype: np.dtype[np.void], codes: list[str], date_ints: npt.NDArray[np.int32]) -> Rows:
    """(codes, days) rows with keys filled; ``.ravel()`` gives code-major order, the layout the
    store indexes without sorting."""
    rows = np.zeros((len(codes), len(date_ints)), dtype)
    rows["code"] = np.array(codes, dtype=dtype["code"])[:, None]
    rows["date"] = date_ints[None, :]
    return rows


def _stock_rows(
    codes: list[str],
    date_ints: npt.NDArray[np.int32],
    px: _Prices,
    bars: _Bars,
    volume: I64,
    value: I64,
    shares: I64,
) -> Rows:
    rows = _code_major(STOCK_DAILY, codes, date_ints)
    close = px.close[1:]
    factor = px.base / px.close[:-1]  # 1 except on ex-dates
    factor = np.where(px.base == px.close[:-1], 1.0, factor)
    adj = np.cumprod(factor, axis=0)
    for name, col in (
        ("base", px.base),
        ("prev_close", px.close[:-1]),
        ("open", bars.open),
        ("high", bars.high),
        ("low", bars.low),
        ("close", close),
        ("change", close - px.base),
        ("sign", bars.sign),
        ("volume", volume),
        ("value", value),
        ("listed_shares", shares),
        ("adj_factor", adj),
    ):
        rows[name] = col.T
    return rows.ravel()


def _action_rows(
    codes: list[str], date_ints: npt.NDArray[np.int32], px: _Prices, actions: list[_Action]
) -> Rows:
    rows = np.zeros(len(actions), CORPORATE_ACTIONS)
    for j, a in enumerate(actions):
        prev, issue = px.action_prev[j]
        rows[j] = (
            codes[a.inst],
            date_ints[a.day],
            a.kind,
            a.shares_after / a.shares_before,
            px.base[a.day, a.inst],
            prev,
            issue,
            a.shares_before,
            a.shares_after,
        )
    return rows


# ---------------------------------------------------------------------------------------------------
# Flows: investors, program trading, short selling, foreign ownership
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Flows:
    investor: Rows
    program: Rows
    short: Rows
    foreign: Rows
    last_holdings: I64  # per stock
    last_balance: I64  # per instrument


def _split(total: I64, cum: npt.NDArray[np.floating]) -> I64:
    """Split integer ``total`` (…) into non-negative integers over the last axis of ``cum``
    (cumulative shares ending at exactly 1) that add up to ``total`` exactly: differences of the
    floored cumulative amounts."""
    edges = total[..., None] * cum
    np.floor(edges, out=edges)
    out = np.empty(edges.shape, np.int64)
    out[..., 0] = edges[..., 0]
    np.subtract(edges[..., 1:], edges[..., :-1], out=out[..., 1:], casting="unsafe")  # exact integers
    return out


def _cumulative(weights: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Cumulative shares of non-negative ``weights`` along the last axis, the last exactly 1
    (x / x is exactly 1 in IEEE arithmetic), so ``_split`` hands out exactly the total."""
    cum = np.cumsum(weights, axis=-1)
    cum /= cum[..., -1:]
    return cum


def _investor_mix(universe: Universe, model: FactorModel, rng: np.random.Generator) -> F64:
    """(n, 12) each instrument's share of trading by investor leaf, by market and size."""
    ins = universe.instruments
    n = len(ins)
    s = model.size[:, None]
    # columns: individual, foreign, other foreign, other corporations, institutions
    kospi = (1 - s) * np.array([0.74, 0.12, 0.005, 0.05, 0.085]) + s * np.array(
        [0.40, 0.33, 0.01, 0.03, 0.23]
    )
    kosdaq = (1 - s) * np.array([0.76, 0.10, 0.005, 0.05, 0.085]) + s * np.array(
        [0.56, 0.20, 0.01, 0.04, 0.19]
    )
    etp = np.array([0.45, 0.10, 0.005, 0.03, 0.415])
    groups = np.where((ins.market == Market.KOSDAQ)[:, None], kosdaq, kospi)
    is_etp = (ins.kind != InstrumentKind.STOCK)[:, None]
    groups = np.where(is_etp, etp, groups) * np.exp(rng.normal(0.0, 0.15, (n, 5)))
    mix = np.zeros((n, N_INVESTORS))
    mix[:, _IND] = groups[:, 0]
    mix[:, _F] = groups[:, 1]
    mix[:, _OF] = groups[:, 2]
    mix[:, _OCORP] = groups[:, 3]
    split = np.where(is_etp, _INST_SPLIT_ETP, _INST_SPLIT) * np.exp(rng.normal(0.0, 0.2, (n, len(_INST))))
    split /= split.sum(axis=1, keepdims=True)
    mix[:, _INST] = groups[:, 4:5] * split
    return np.asarray(mix / mix.sum(axis=1, keepdims=True), np.float64)


def _short_rate(universe: Universe, dates: list[date], rng: np.random.Generator) -> tuple[F64, B, F64]:
    """(days, n) short share of volume by regime — a few % where shorting is open, market-maker
    noise (≈ 0) where it is banned — the (days, n) open mask, and each name's open-regime share."""
    ins = universe.instruments
    n = len(ins)
    stock = ins.kind == InstrumentKind.STOCK
    level = np.where(ins.kospi200 | ins.kosdaq150, 0.045, 0.02) * np.exp(rng.normal(0.0, 0.3, n))
    level = np.where(stock, level, 0.01)
    noise = np.exp(rng.normal(-0.5 * 0.5**2, 0.5, (len(dates), n)))
    mm = np.where(rng.random((len(dates), n)) < 0.3, 0.0003, 0.0)
    allowed = np.stack([shortable(ins, d) for d in dates])
    out = np.where(allowed, level * noise, mm)
    return np.minimum(out, 0.3), allowed, level


class _Atoms:
    """Index sums over constituents. Instruments with the same index memberships form an *atom*
    (about 200 for 3,000 instruments and 60 indices). Flows are generated with instruments in
    atom order (``order``), so one ``reduceat`` sums each atom, and each index adds up its atoms —
    exact int64 throughout."""

    def __init__(self, members: list[Idx], n: int) -> None:
        member = np.zeros((len(members), n), np.bool_)
        for k, mm in enumerate(members):
            member[k, mm] = True
        signature, inverse = np.unique(member.T, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        self.order = np.argsort(inverse, kind="stable")  # position in atom order → instrument
        self.rank = np.empty(n, np.intp)  # instrument → position in atom order
        self.rank[self.order] = np.arange(n)
        sorted_atoms = inverse[self.order]
        self.starts = np.flatnonzero(np.concatenate(([True], sorted_atoms[1:] != sorted_atoms[:-1])))
        self.index_atoms = [np.flatnonzero(signature[:, k]) for k in range(len(members))]

    def sums(self, sorted_inst: I64) -> I64:
        """(indices, …) sums over each index's constituents of ``sorted_inst`` (n, …) laid out in
        atom order."""
        atoms = np.add.reduceat(sorted_inst, self.starts, axis=0)
        out = np.empty((len(self.index_atoms), *sorted_inst.shape[1:]), np.int64)
        for k, a in enumerate(self.index_atoms):
            out[k] = atoms[a].sum(axis=0)
        return out


def _flows(
    universe: Universe,
    model: FactorModel,
    px: _Prices,
    bars: _Bars,
    volume: I64,
    value: I64,
    shares: I64,
    dates: list[date],
    keys: list[str],
    members: list[Idx],
    date_ints: npt.NDArray[np.int32],
    streams: dict[str, np.random.Generator],
) -> _Flows:
    """Investor, program, short and foreign tables. Per-instrument arrays inside the day blocks
    are in atom order (``P``); they go back to instrument order when written to the tables."""
    ins = universe.instruments
    n_days, n = int(volume.shape[0]), int(volume.shape[1])
    codes = list(ins.code)
    atoms = _Atoms(members, n)
    P = atoms.order
    stock = ins.kind == InstrumentKind.STOCK
    stock_idx = np.flatnonzero(stock)
    sp = atoms.rank[stock_idx]  # stocks' positions in atom order

    inv = _code_major(INVESTOR_DAILY, codes + keys, date_ints)
    prog = _code_major(PROGRAM_DAILY, codes + keys, date_ints)
    inv_fields = {name: inv[name] for name in ("buy_qty", "sell_qty", "buy_val", "sell_val")}
    prog_fields = {name: prog[name] for name in ("qty", "val")}

    rng_i = streams["investors"]
    rng_p = streams["program"]
    mix = _investor_mix(universe, model, rng_i)[P].astype(np.float32)
    z = np.clip(bars.log_ret / np.maximum(model.vol, 1e-4), -4.0, 4.0)[:, P].astype(np.float32)
    inst_bias = rng_i.normal(0.0, 0.08, (n, len(_INST))).astype(np.float32)  # each institution's lean
    # (z, mix and inst_bias are per instrument in atom order.)

    # Foreign ownership: start from a plausible stake under the limit, carry net buys.
    rng_f = streams["foreign"]
    limit_pct = ins.foreign_limit_pct[stock_idx]
    size = model.size[stock_idx]
    kosdaq = ins.market[stock_idx] == Market.KOSDAQ
    uncapped = np.where(
        kosdaq,
        0.02 + 0.20 * size**1.5 * rng_f.uniform(0.5, 1.5, len(stock_idx)),
        0.04 + 0.45 * size**1.5 * rng_f.uniform(0.6, 1.3, len(stock_idx)),
    )
    target = np.where(
        limit_pct < 100.0, limit_pct / 100.0 * rng_f.uniform(0.6, 0.97, len(stock_idx)), uncapped
    )
    target = np.minimum(target, limit_pct / 100.0 * 0.95)
    holdings = np.round(target * shares[0, stock_idx]).astype(np.int64)
    holding_rows = np.zeros((n_days, len(stock_idx)), np.int64)
    limit_rows = foreign_limit_qty(shares[:, stock_idx], limit_pct)
    target_p = np.zeros(n, np.float32)
    target_p[sp] = target

    # Persistent flow tilts (AR(1), in atom order): foreigners and institutions keep buying
    # (selling) a name for weeks.
    ar_f = rng_i.normal(0.0, 0.1, n).astype(np.float32)
    ar_i = rng_i.normal(0.0, 0.1, n).astype(np.float32)
    shock_sd = 0.1 * math.sqrt(1 - 0.85**2)
    shock_f = rng_i.normal(0.0, shock_sd, (n_days, n)).astype(np.float32)
    shock_i = rng_i.normal(0.0, shock_sd, (n_days, n)).astype(np.float32)

    # Program trading: share of volume and its arbitrage (차익) part, KOSPI200 names only.
    k200 = ins.kospi200
    prog_share = np.where(k200, 0.18 + 0.17 * model.size, np.where(ins.kosdaq150, 0.10, 0.05))
    prog_share = (np.where(stock, prog_share, 0.06) * np.exp(rng_p.normal(0.0, 0.2, n)))[P]
    arb_share = np.where(k200, rng_p.uniform(0.04, 0.12, n), 0.0)[P]
    # cells in (kind, account) order: 차익 위탁, 차익 자기, 비차익 위탁, 비차익 자기
    cell_cum = _cumulative(
        np.stack([arb_share * 0.3, arb_share * 0.7, (1 - arb_share) * 0.75, (1 - arb_share) * 0.25], axis=-1)
    )

    # Day blocks are laid out (instrument in atom order, day, …): the table rows of one code and
    # consecutive days are adjacent, so writing a block back reads and writes contiguous runs.
    z_p = np.ascontiguousarray(z.T)
    vol_p = np.ascontiguousarray(volume[:, P].T)
    val_p = np.ascontiguousarray(value[:, P].T)
    mix_b = mix[:, None, :]
    bias_b = inst_bias[:, None, :]
    for c0 in range(0, n_days, _CHUNK):
        c1 = min(c0 + _CHUNK, n_days)
        days = c1 - c0
        tilt_f = np.empty((n, days), np.float32)
        tilt_i = np.empty((n, days), np.float32)
        for j in range(days):
            ar_f = 0.85 * ar_f + shock_f[c0 + j]
            ar_i = 0.85 * ar_i + shock_i[c0 + j]
            tilt_f[:, j], tilt_i[:, j] = ar_f, ar_i
        zc = z_p[:, c0:c1]
        # Foreigners buy strength and drift back toward their usual stake; individuals lean
        # against the day's move; institutions follow their own persistent tilt.
        stake = np.zeros(n, np.float32)
        stake[sp] = holdings / np.maximum(shares[c0, stock_idx], 1) - target_p[sp]
        tau = np.empty((n, days, N_INVESTORS), np.float32)
        tau_f = np.clip(0.12 * zc + tilt_f - 2.0 * stake[:, None], -0.6, 0.6)
        tau[:, :, _F] = tau_f
        tau[:, :, _OF] = tau_f
        tau[:, :, _IND] = -0.06 * zc
        tau[:, :, _OCORP] = 0.05 * rng_i.standard_normal((n, days), np.float32)
        tau[:, :, _INST] = (0.05 * zc + tilt_i)[:, :, None] + bias_b
        tau[:, :, _INST] += 0.05 * rng_i.standard_normal((n, days, len(_INST)), np.float32)
        np.clip(tau, -0.8, 0.8, out=tau)
        buy_cum = _cumulative(mix_b * (1.0 + tau))
        sell_cum = _cumulative(mix_b * (1.0 - tau))
        vol_c, val_c = vol_p[:, c0:c1], val_p[:, c0:c1]
        flows = {
            "buy_qty": _split(vol_c, buy_cum),
            "sell_qty": _split(vol_c, sell_cum),
            "buy_val": _split(val_c, buy_cum),
            "sell_val": _split(val_c, sell_cum),
        }
        bq, sq, bv, sv = flows.values()

        # Carry foreign holdings; where a day's net buy would break the limit (or go below zero),
        # individuals take the excess instead.
        for j in range(days):
            t = c0 + j
            if t > 0:
                grown = shares[t, stock_idx] != shares[t - 1, stock_idx]
                if grown.any():
                    ratio = shares[t, stock_idx[grown]] / shares[t - 1, stock_idx[grown]]
                    holdings[grown] = np.round(holdings[grown] * ratio).astype(np.int64)
            bqs, sqs = bq[sp, j], sq[sp, j]
            new = holdings + (bqs[:, _F] + bqs[:, _OF]) - (sqs[:, _F] + sqs[:, _OF])
            over = new > limit_rows[t]
            if over.any():
                _shift_flow(bq[:, j], bv[:, j], sp[over], new[over] - limit_rows[t, over])
                new[over] = limit_rows[t, over]
            neg = new < 0
            if neg.any():
                _shift_flow(sq[:, j], sv[:, j], sp[neg], -new[neg])
                new[neg] = 0
            holdings = new
            holding_rows[t] = holdings

        for name, arr in flows.items():
            inv_fields[name][P, c0:c1] = arr
            inv_fields[name][n:, c0:c1] = atoms.sums(arr)

        # Program trading leans with the foreign flow.
        tau_p = np.clip(0.7 * tau_f + 0.08 * rng_p.standard_normal((n, days), np.float32), -0.6, 0.6)
        cells = {"qty": np.empty((n, days, 2, 4), np.int64), "val": np.empty((n, days, 2, 4), np.int64)}
        for side, sgn in ((0, 1.0), (1, -1.0)):
            p = np.minimum(prog_share[:, None] * (1.0 + sgn * tau_p), 0.9)
            cells["qty"][:, :, side] = _split(np.floor(vol_c * p).astype(np.int64), cell_cum[:, None, :])
            cells["val"][:, :, side] = _split(np.floor(val_c * p).astype(np.int64), cell_cum[:, None, :])
        for name, arr in cells.items():
            shaped = arr.reshape(n, days, 2, 2, 2)
            prog_fields[name][P, c0:c1] = shaped
            prog_fields[name][n:, c0:c1] = atoms.sums(shaped)

    short, balance = _short_rows(
        universe, model, px, volume, value, shares, dates, date_ints, streams["short"]
    )
    fo = _code_major(FOREIGN_DAILY, [codes[i] for i in stock_idx], date_ints)
    fo["holdings"] = holding_rows.T
    fo["limit_qty"] = limit_rows.T
    fo["ratio"] = np.round(holding_rows / shares[:, stock_idx] * 100.0, 2).T
    fo["exhaustion"] = np.round(holding_rows / np.maximum(limit_rows, 1) * 100.0, 2).T
    return _Flows(inv.ravel(), prog.ravel(), short, fo.ravel(), holdings, balance)


def _short_rows(
    universe: Universe,
    model: FactorModel,
    px: _Prices,
    volume: I64,
    value: I64,
    shares: I64,
    dates: list[date],
    date_ints: npt.NDArray[np.int32],
    rng: np.random.Generator,
) -> tuple[Rows, I64]:
    """Short volume as a share of volume by regime; the balance moves by ``next_short_balance``
    (short sales in, a few % a day and a share of the day's own shorts covered)."""
    ins = universe.instruments
    n_days, n = volume.shape
    rate, allowed, level = _short_rate(universe, dates, rng)
    cover_rate = rng.uniform(*COVER_RATE, n)
    short_qty = np.floor(volume * rate).astype(np.int64)
    short_val = np.round(short_qty * (value / volume)).astype(np.int64)
    # Opening balance: about 15 days of shorting at the name's open-regime rate, for names that
    # could be shorted on the first day or just before a ban began (positions outlive the ban).
    first = dates[0]
    ban = short_sale_ban(first)
    held = allowed[0] if ban is None else shortable(ins, ban[0] - timedelta(days=1))
    avg_volume = volume[: min(20, n_days)].mean(axis=0)
    balance = np.round(np.where(held, level, 0.0) * avg_volume * 15).astype(np.int64)
    balance_rows = np.empty((n_days, n), np.int64)
    for t in range(n_days):
        if t > 0:
            grown = shares[t] != shares[t - 1]
            if grown.any():
                balance[grown] = np.round(balance[grown] * shares[t, grown] / shares[t - 1, grown]).astype(
                    np.int64
                )
        balance = next_short_balance(balance, short_qty[t], allowed[t], cover_rate)
        balance_rows[t] = balance
    rows = _code_major(SHORT_DAILY, list(ins.code), date_ints)
    rows["short_qty"] = short_qty.T
    rows["short_val"] = short_val.T
    rows["balance_qty"] = balance_rows.T
    rows["balance_val"] = (balance_rows * px.close[1:]).T
    loan = balance_rows * (2.0 + 1.5 * model.size) + shares * (0.002 * model.size)
    rows["loan_qty"] = np.round(loan).astype(np.int64).T
    return rows.ravel(), balance


def _shift_flow(qty: I64, val: I64, rows: Idx, amount: I64) -> None:
    """Move ``amount`` shares of one side from the foreign leaves to individuals in ``rows``
    (with the matching value at the foreigners' average price), keeping the side's totals."""
    for leaf in _FOREIGN:
        have = qty[rows, leaf]
        take = np.minimum(amount, have)
        moved_val = np.where(
            take == have,
            val[rows, leaf],
            np.round(take * (val[rows, leaf] / np.maximum(have, 1))).astype(np.int64),
        )
        qty[rows, leaf] -= take
        val[rows, leaf] -= moved_val
        qty[rows, _IND] += take
        val[rows, _IND] += moved_val
        amount = amount - take


# ---------------------------------------------------------------------------------------------------
# ETF NAV
# ---------------------------------------------------------------------------------------------------


def _nav_rows(
    universe: Universe,
    model: FactorModel,
    px: _Prices,
    levels: dict[str, F64],
    date_ints: npt.NDArray[np.int32],
    rng: np.random.Generator,
) -> Rows:
    """NAV = close × (1 + a small premium/discount); the tracked index is the universe index for a
    plain product, else a level compounded from the underlying's realised returns (from
    ``SYNTHETIC_INDEX_BASE``)."""
    ins = universe.instruments
    etp = np.flatnonzero(~model.is_stock)
    n_days = len(date_ints)
    rows = _code_major(NAV_DAILY, [ins.code[i] for i in etp], date_ints)
    if len(etp) == 0:
        return rows.ravel()
    close = px.close[1:, etp]
    sigma = np.where(model.asset_class[etp] >= 0, 0.004, 0.001)
    premium = rng.normal(0.0, 1.0, (n_days, len(etp))) * sigma
    rows["nav"] = np.round(close * (1.0 + premium), 2).T
    # Realised underlying returns: baskets from the price history, others implied by the price.
    lev = model.leverage[etp]
    b = model.etp_basket[etp]
    own = px.close[1:, etp] / px.base[:, etp] - 1.0
    u = np.where(b >= 0, px.basket[:, np.maximum(b, 0)] * lev, own) if px.basket.shape[1] else own
    synthetic = np.round(SYNTHETIC_INDEX_BASE * np.cumprod(1.0 + u, axis=0), 2)
    for j in range(len(etp)):
        key = model.basket_names[b[j]] if b[j] >= 0 else ""
        rows["index_level"][j] = levels[key] if key in levels and lev[j] == 1 else synthetic[:, j]
    return rows.ravel()


# ---------------------------------------------------------------------------------------------------
# 52-week high and low
# ---------------------------------------------------------------------------------------------------


def week52(
    store: HistoryStore, universe: Universe, day: date
) -> tuple[I64, I64, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """(high, low, high date, low date) per instrument over the 52 weeks before ``day``.

    From ``stock_daily`` daily highs and lows, adjusted for corporate actions to the latest row's
    share basis (so a split does not leave a stale pre-split high) and rounded to KRW. Ties take
    the latest date. Instruments without history get zeros. Pass high/low to
    ``Engine.start_day(high52=…, low52=…)``.
    """
    ins = universe.instruments
    n = len(ins)
    end = day - timedelta(days=1)
    start = day - timedelta(weeks=52)
    high = np.zeros(n, np.int64)
    low = np.zeros(n, np.int64)
    high_d = np.zeros(n, np.int32)
    low_d = np.zeros(n, np.int32)
    rows = store.get_range("stock_daily", yyyymmdd(start), yyyymmdd(end))
    if len(rows) == 0:
        return high, low, high_d, low_d
    position = {code: i for i, code in enumerate(ins.code)}
    codes = rows["code"]
    heads = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    tails = np.append(heads[1:], len(rows))
    adj = rows["adj_factor"]
    for lo, hi, code in zip(heads.tolist(), tails.tolist(), codes[heads].tolist(), strict=True):
        i = position.get(code)
        if i is None:
            continue
        scale = adj[hi - 1] / adj[lo:hi]
        h = np.round(rows["high"][lo:hi] * scale).astype(np.int64)
        lo_ = np.round(rows["low"][lo:hi] * scale).astype(np.int64)
        jh = len(h) - 1 - int(np.argmax(h[::-1]))
        jl = len(lo_) - 1 - int(np.argmin(lo_[::-1]))
        high[i], high_d[i] = h[jh], rows["date"][lo + jh]
        low[i], low_d[i] = lo_[jl], rows["date"][lo + jl]
    return high, low, high_d, low_d
