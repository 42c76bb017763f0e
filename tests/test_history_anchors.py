"""The back-filled past follows the real one: the main indices pass through their real month-end
closes (``data/index_month_end.csv``) in the back-fill and in a served answer; the seed changes only
the days between."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from served import served
from sise.market import calendar
from sise.market.index_history import anchors, month_end_closes
from sise.market.indices_table import INDEX_DEFINITIONS
from sise.market.universe import build_universe
from sise.sources.history import ANCHOR_TOLERANCE, backfill
from sise.store import MemoryStore

END = date(2026, 11, 27)  # the last trading day before 2026-11-30
TOLERANCE = ANCHOR_TOLERANCE


def closes(seed: int, n_kosdaq: int = 1700, **kw: object) -> dict[tuple[str, int], float]:
    # KOSDAQ at its full size (1,700 names), where KOSDAQ150 is 57 % of its cap. With far fewer
    # names the 150 are nearly all of KOSDAQ, and the two indices' real closes cannot both hold.
    store = MemoryStore()
    universe = build_universe(n_kospi=120, n_kosdaq=n_kosdaq, n_etf=20, n_etn=5)
    backfill(universe, store, end=END, years=2, seed=seed, **kw)  # type: ignore[arg-type]
    rows = store.get_range("index_daily", 20241101, 20261130)
    return {(str(r["code"]), int(r["date"])): float(r["close"]) for r in rows}


@pytest.fixture(scope="module")
def seeded() -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
    return closes(1), closes(2)


def test_every_row_is_sourced_and_on_a_trading_day() -> None:
    keys = {d.key for d in INDEX_DEFINITIONS}
    rows = month_end_closes()
    assert {"KOSPI", "KOSDAQ", "KOSPI200"} <= {r.index for r in rows}
    for r in rows:
        assert r.index in keys and r.close > 0 and r.source.strip()
        assert calendar.is_trading_day(r.day), r
        # A month's last trading day: the next trading day is in another month.
        assert calendar.next_trading_day(r.day).month != r.day.month, r


def test_backfill_passes_through_the_real_month_end_closes(seeded: tuple[dict, dict]) -> None:
    checked = 0
    for got in seeded:
        for key, points in anchors().items():
            for d, close in points:
                level = got[(key, int(d.strftime("%Y%m%d")))]
                assert abs(level / close - 1) < TOLERANCE, (key, d, close, level)
                checked += 1
    assert checked >= 2 * 60


def test_the_seed_changes_the_days_between_not_the_shape(seeded: tuple[dict, dict]) -> None:
    a, b = seeded
    between = [k for k in a if k[0] == "KOSPI" and 20250401 <= k[1] <= 20250531]
    diff = np.array([a[k] / b[k] - 1 for k in between])
    assert np.abs(diff).max() > 0.002  # the daily detail differs …
    assert np.abs(diff).max() < 0.25  # … around the same path


def test_anchoring_can_be_turned_off() -> None:
    got = closes(1, anchors={})
    # The unanchored past is a random walk back from today's level, nowhere near the real one.
    assert abs(got[("KOSPI", 20241230)] / 2399.49 - 1) > TOLERANCE


def test_the_main_indices_are_anchored_across_the_two_years() -> None:
    # Each main index has a real close at every quarter end from 2024-12 to 2026-06, not only in
    # 2026 (KOSPI200's and KOSDAQ150's sources end in early 2026-09, so their 2026-09 is bridged).
    quarter_ends = {date(y, m, 1) for y in (2024, 2025, 2026) for m in (3, 6, 9, 12)}
    quarter_ends = {q for q in quarter_ends if date(2024, 12, 1) <= q <= date(2026, 6, 1)}
    for key in ("KOSPI", "KOSDAQ", "KOSPI200", "KOSDAQ150"):
        months = {d.replace(day=1) for d, _ in anchors()[key]}
        assert quarter_ends <= months, (key, sorted(quarter_ends - months))


def test_an_anchor_of_kosdaq150_bends_it_away_from_the_composite() -> None:
    # A KOSDAQ150 close 5 % off the path it rides on KOSDAQ is met, and KOSDAQ still passes through
    # its own: the names outside the 150 take the difference (a level far from what KOSDAQ's
    # anchors leave possible for its largest members cannot be met by both).
    day = date(2025, 6, 30)
    key = ("KOSDAQ150", 20250630)
    others = {k: v for k, v in anchors().items() if k != "KOSDAQ150"}
    level = closes(1, n_kosdaq=300, anchors=others)[key] * 1.05
    got = closes(1, n_kosdaq=300, anchors={**others, "KOSDAQ150": [(day, level)]})
    assert abs(got[key] / level - 1) < TOLERANCE
    kosdaq = dict(anchors()["KOSDAQ"])[day]  # the nested composite still passes through its own
    assert abs(got[("KOSDAQ", 20250630)] / kosdaq - 1) < TOLERANCE


def test_a_served_index_history_passes_through_the_month_end_closes(tmp_path: Path) -> None:
    args = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--date", "2026-11-30"]
    with served(tmp_path, args) as s:
        inside = [(d, c) for d, c in anchors()["KOSPI"] if d > date(2025, 11, 30)]
        assert len(inside) >= 7
        for d, close in inside:
            day = d.strftime("%Y%m%d")
            r = s.koscom("index/kospi/K1/history", trnsmCycleTpCd="D", inqStrtDd=day, inqEndDd=day)
            assert r.status_code == 200, r.text
            (row,) = r.json()["result"]["hisLists"]
            assert str(row["trdDd"]) == day
            assert abs(row["trdPrc"] / close - 1) < TOLERANCE, (day, close, row["trdPrc"])


def test_anchors_the_back_fill_cannot_meet_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    """Three trading days cannot take KOSPI to ten times its level (the daily limit is 30 %): the
    back-fill is written, and says which index missed its close and by how much."""
    universe = build_universe(n_kospi=60, n_kosdaq=30, n_etf=5, n_etn=2)
    kospi = float(universe.levels[[d.key for d in universe.indices].index("KOSPI")])
    day = END
    for _ in range(3):
        day = calendar.previous_trading_day(day)
    with caplog.at_level("WARNING", logger="sise.history"):
        backfill(universe, MemoryStore(), end=END, days=20, seed=0, anchors={"KOSPI": [(day, 10 * kospi)]})
    [record] = [r for r in caplog.records if r.name == "sise.history"]
    assert "KOSPI misses 1 of its 1 real closes" in record.getMessage()
    assert day.isoformat() in record.getMessage()
    caplog.clear()
    with caplog.at_level("WARNING", logger="sise.history"):  # one it can meet: nothing said
        backfill(universe, MemoryStore(), end=END, days=20, seed=0, anchors={"KOSPI": [(day, kospi)]})
    assert not [r for r in caplog.records if r.name == "sise.history"]
