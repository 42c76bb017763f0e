"""The state a restart carries into the day it resumes (``sise.server.history`` carry)."""

from __future__ import annotations

from datetime import date

import numpy as np

from sise.market.universe import build_universe
from sise.server.history import carry_text, restore_carry
from sise.sources.actions import actions_on, apply_actions
from sise.sources.day import build_market

DAY = date(2026, 11, 20)
NEXT = date(2026, 11, 23)


def test_a_restored_carry_keeps_the_share_counts_corporate_actions_changed() -> None:
    universe, rolled = build_market(build_universe(seed=0), DAY)
    actions = actions_on(universe, DAY, 0)
    assert any(a.code == "000720" and a.shares_after != a.shares_before for a in actions)  # a split
    apply_actions(rolled, actions)
    rolled.start_day(DAY)
    rolled.end_day()
    _, fresh = build_market(build_universe(seed=0), NEXT)  # a restart: the universe as built
    assert not np.array_equal(fresh.instruments.listed_shares, rolled.instruments.listed_shares)
    assert restore_carry(carry_text(rolled, NEXT), fresh, NEXT)
    for name in ("listed_shares", "float_shares"):
        assert np.array_equal(getattr(fresh.instruments, name), getattr(rolled.instruments, name))
    assert np.array_equal(fresh.index.weights, rolled.index.weights)
    assert np.array_equal(fresh.index.cap, rolled.index.cap)
    assert np.array_equal(fresh.index.base_cap, rolled.index.base_cap)
