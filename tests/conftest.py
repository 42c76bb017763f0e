"""Shared fixtures: a small hand-made market for engine tests, and empty stores of each kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sise.engine.engine import Engine, IndexUniverse
from sise.engine.indices import IndexSpec
from sise.market.instruments import Instrument, InstrumentTable
from sise.market.ticks import TickTableId, round_down
from sise.market.types import InstrumentKind, Market
from sise.store import MemoryStore, SqliteStore, TableStore

DAY = date(2026, 11, 20)
N_MEMBERS = 12

NewStore = Callable[[], TableStore]


@pytest.fixture(params=["memory", "sqlite"])
def new(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewStore]:
    """Makes empty stores of one implementation (each SQLite store in a fresh file)."""
    opened: list[SqliteStore] = []

    def make() -> TableStore:
        if request.param == "memory":
            return MemoryStore()
        opened.append(SqliteStore(tmp_path / f"history{len(opened)}.sqlite"))
        return opened[-1]

    yield make
    for s in opened:
        s.close()


def small_table(n: int = 40, seed: int = 1) -> InstrumentTable:
    """``n`` stocks, half KOSPI and half KOSDAQ, with prices spread over every tick band."""
    rng = np.random.default_rng(seed)
    recs = []
    for i in range(n):
        market = Market.KOSPI if i % 2 == 0 else Market.KOSDAQ
        price = round_down(int(np.exp(rng.uniform(np.log(800), np.log(900_000)))), TickTableId.STOCK)
        recs.append(
            Instrument(
                code=f"{100000 + i * 10:06d}",
                isin="",
                name_ko=f"종목{i}",
                name_en=f"Stock {i}",
                market=market,
                kind=InstrumentKind.STOCK,
                tick_table=TickTableId.STOCK,
                industry="전기전자" if i % 3 == 0 else "화학",
                listed_shares=int(rng.integers(1_000_000, 500_000_000)),
                float_ratio=float(rng.uniform(0.2, 0.95)),
                prev_close=price,
                nxt=i % 4 != 3,
            )
        )
    return InstrumentTable.from_records(recs)


def small_indices(table: InstrumentTable) -> IndexUniverse:
    kospi = table.market == Market.KOSPI
    kosdaq = table.market == Market.KOSDAQ
    big = np.zeros(len(table), np.bool_)
    big[np.argsort(-table.market_cap())[:10]] = True
    elec = np.array([ind == "전기전자" for ind in table.industry])
    specs = [
        IndexSpec("KOSPI", 100.0, 10, False),
        IndexSpec("KOSDAQ", 1000.0, 10, False),
        IndexSpec("TOP10", 100.0, 1, True),
        IndexSpec("KOSPI_ELEC", 1000.0, 10, False),
    ]
    membership = np.vstack([kospi, kosdaq, big, kospi & elec])
    return IndexUniverse(specs, membership, np.array([4000.0, 950.0, 1000.0, 25000.0]))


@pytest.fixture
def table() -> InstrumentTable:
    return small_table()


@pytest.fixture
def engine(table: InstrumentTable) -> Engine:
    e = Engine(table, small_indices(table), N_MEMBERS)
    e.start_day(DAY)
    return e
