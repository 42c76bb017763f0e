"""Short-selling regimes by date (krx_rules §6.2)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sise.market.short_selling import short_sale_ban, shortable
from sise.market.universe import build_universe

U = build_universe(n_kospi=60, n_kosdaq=60, n_etf=5, n_etn=2)


@pytest.mark.parametrize(
    ("day", "ban"),
    [
        (date(2020, 3, 13), None),
        (date(2020, 3, 16), (date(2020, 3, 16), date(2021, 5, 2))),
        (date(2021, 5, 2), (date(2020, 3, 16), date(2021, 5, 2))),
        (date(2021, 5, 3), None),
        (date(2023, 11, 6), (date(2023, 11, 6), date(2025, 3, 30))),
        (date(2025, 3, 30), (date(2023, 11, 6), date(2025, 3, 30))),
        (date(2025, 3, 31), None),
    ],
)
def test_the_ban_in_force_on_a_date(day: date, ban: tuple[date, date] | None) -> None:
    assert short_sale_ban(day) == ban


def test_who_may_short_follows_the_regime() -> None:
    ins = U.instruments
    stock = ins.kind == 0
    index_name = ins.kospi200 | ins.kosdaq150
    assert stock.any() and (~stock).any() and (stock & index_name).any() and (stock & ~index_name).any()
    assert shortable(ins, date(2019, 6, 3)).all()
    assert np.array_equal(shortable(ins, date(2020, 6, 1)), ~stock)
    assert np.array_equal(shortable(ins, date(2022, 6, 2)), index_name | ~stock)
    assert np.array_equal(shortable(ins, date(2024, 6, 3)), ~stock)
    assert shortable(ins, date(2025, 3, 31)).all()
