"""Corporate actions whose ex-date is the simulated day.

A few stocks a day go ex: a split (액면분할), a bonus issue (무상증자) or a rights issue
(유상증자). The theoretical ex-price becomes the day's base price and the share count changes;
the engine rescales index bases so levels stay continuous (krx_rules §1.3, §4.2). Cash dividends
do not move the base price and are not modelled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import numpy as np

from sise.engine.engine import Engine
from sise.market.ticks import TickTableId, round_down, round_up
from sise.market.timeutil import yyyymmdd
from sise.market.types import InstrumentKind
from sise.market.universe import Universe
from sise.store.base import ACTION_BONUS, ACTION_RIGHTS, ACTION_SPLIT, CORPORATE_ACTIONS, Rows


class ActionKind(IntEnum):
    """Kiwoom's adjusted-price type codes (``upd_stkpc_tp``)."""

    RIGHTS = ACTION_RIGHTS  # 유상증자
    BONUS = ACTION_BONUS  # 무상증자
    SPLIT = ACTION_SPLIT  # 액면분할


@dataclass(frozen=True, slots=True)
class CorporateAction:
    code: str
    inst: int
    kind: ActionKind
    ratio: float  # new shares per old share (split 1:5 → 4.0)
    issue_price: int  # rights issues: the subscription price; 0 otherwise
    shares_before: int
    shares_after: int
    price_before: int  # yesterday's close
    ex_price: int  # theoretical ex-price: today's base


def actions_on(universe: Universe, day: date, seed: int = 0, per_day: float = 1.5) -> list[CorporateAction]:
    """The day's ex-dates: on average ``per_day`` stocks, drawn deterministically from the seed."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, day.toordinal(), 0xAC7]))
    t = universe.instruments
    stocks = np.flatnonzero((t.kind == InstrumentKind.STOCK) & t.active & ~t.preferred & (t.prev_close > 0))
    k = min(int(rng.poisson(per_day)), len(stocks))
    out: list[CorporateAction] = []
    for i in np.sort(rng.choice(stocks, size=k, replace=False)):
        i = int(i)
        p, shares, table = int(t.prev_close[i]), int(t.listed_shares[i]), TickTableId(int(t.tick_table[i]))
        u = rng.random()
        if p >= 100_000 and u < 0.4:
            kind, ratio, issue = ActionKind.SPLIT, float(rng.choice([1.0, 4.0, 9.0])), 0
            after = shares * int(ratio + 1)
            ex = p / (ratio + 1)
        elif u < 0.7:
            kind, ratio, issue = ActionKind.BONUS, float(rng.choice([0.2, 0.5, 1.0])), 0
            after = shares + int(shares * ratio)
            ex = p * shares / after
        else:
            kind, ratio = ActionKind.RIGHTS, float(rng.choice([0.1, 0.2, 0.3]))
            issue = round_down(int(p * rng.uniform(0.7, 0.85)), table)
            after = shares + int(shares * ratio)
            ex = (p * shares + issue * (after - shares)) / after
        # The theoretical price rounds to the tick grid (up for splits' exact divisions is moot).
        ex_price = max(
            1, round_down(int(ex), table) if kind != ActionKind.SPLIT else round_up(int(ex), table)
        )
        out.append(CorporateAction(t.code[i], i, kind, ratio, issue, shares, after, p, ex_price))
    return out


def action_rows(actions: list[CorporateAction], day: date) -> Rows:
    """``corporate_actions`` rows of ``day``'s ex-dates, as the back-fill writes its own."""
    rows = np.zeros(len(actions), CORPORATE_ACTIONS)
    for j, a in enumerate(actions):
        rows[j] = (
            a.code,
            yyyymmdd(day),
            int(a.kind),
            a.shares_after / a.shares_before,  # the table's ratio: shares after / before
            a.ex_price,
            a.price_before,
            a.issue_price,
            a.shares_before,
            a.shares_after,
        )
    return rows


def apply_actions(engine: Engine, actions: list[CorporateAction]) -> None:
    """Put the ex-dates into the engine before ``start_day`` (share counts, base, index bases)."""
    for a in actions:
        engine.corporate_action(a.inst, a.shares_after, a.ex_price)
