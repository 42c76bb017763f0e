"""A day's intraday bars in history (``sise.store.intraday``): the roll-over writes the engine's KRX
bars and the published index series at every stored period, in both stores, and keeps a window of
trading days; ``index_bars`` and ``rollup`` group bars as the intraday views do."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import numpy as np
import pytest

from conftest import DAY, N_MEMBERS, NewStore, small_indices, small_table
from sise.cli import serve as serve_module
from sise.cli.main import main
from sise.engine.engine import Engine
from sise.market.calendar import previous_trading_day
from sise.market.timeutil import NS, kst_ns, yyyymmdd
from sise.market.types import Venue
from sise.sources.stream import StreamSpec, stream
from sise.store.base import BAR_PERIODS_S, INTRADAY_BAR
from sise.store.intraday import DEFAULT_BAR_DAYS, first_kept, index_bars, record_bars, rollup

YMD = yyyymmdd(DAY)


@pytest.fixture(scope="module")
def closed() -> Engine:
    """A small market's finished day: 40 stocks (30 on NXT too), four indices."""
    table = small_table()
    e = Engine(table, small_indices(table), N_MEMBERS)
    e.start_day(DAY)
    spec = StreamSpec(DAY, trades=5_000, seed=3, batch_seconds=60, book_ratio=0.0)
    for b in stream(e.instruments, e.base, e.upper, e.lower, N_MEMBERS, spec):
        e.apply(b)
    e.end_day()
    return e


def test_the_roll_over_stores_every_period_of_the_krx_bars_and_the_index_series(
    new: NewStore, closed: Engine
) -> None:
    s = new()
    written = record_bars(s, closed, DAY, keep_days=5)
    s.flush()
    codes = closed.instruments.code
    count = 0
    for period in BAR_PERIODS_S:
        krx = closed.bars(Venue.KRX, period)  # the engine's own roll-up (``combine``)
        assert (closed.bars(Venue.NXT, period)["volume"].sum()) > 0  # NXT traded, and is not stored
        for i, code in enumerate(codes):
            want = krx[krx["inst"] == i]
            got = s.get_bars(period, code, YMD)
            assert len(got) == len(want) > 0, (period, code)
            for f in ("start", "open", "high", "low", "close", "volume", "value", "count"):
                assert np.array_equal(got[f], want[f]), (period, code, f)
            count += len(got)
        for key in closed.index.keys:
            got = s.get_bars(period, key, YMD)
            assert got.tobytes() == index_bars(closed.index.series(key), period, key, YMD).tobytes()
            count += len(got)
    assert written == count
    assert s.bar_dates(10) == s.bar_dates(60) == s.bar_dates(600) == [YMD]


def test_a_window_of_recent_trading_days_is_kept(new: NewStore, closed: Engine) -> None:
    s = new()
    days = [DAY]
    for _ in range(5):
        days.insert(0, previous_trading_day(days[0]))
    for d in days:  # the same engine day stands for each
        record_bars(s, closed, d, keep_days=3)
    kept = [yyyymmdd(d) for d in days[-3:]]
    assert s.bar_dates(10) == s.bar_dates(600) == kept
    s.flush()
    assert s.bar_dates(60) == kept and len(s.get_bars(60, "KOSPI", kept[0])) > 0
    assert len(s.get_bars(60, "KOSPI", yyyymmdd(days[0]))) == 0
    record_bars(s, closed, DAY, keep_days=0)  # none kept, none written
    s.flush()
    assert s.bar_dates(10) == []


def test_sise_serve_bar_days_is_the_markets_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(
        serve_module, "serve", lambda settings, options, replay=None: seen.append(settings) or 0
    )
    assert main(["serve"]) == 0 and main(["serve", "--bar-days", "0"]) == 0
    assert [s.bar_days for s in seen] == [DEFAULT_BAR_DAYS, 0]


def test_the_first_kept_day_counts_trading_days() -> None:
    assert first_kept(DAY, 1) == DAY  # Friday 2026-11-20
    assert first_kept(DAY, 5) == date(2026, 11, 16)
    assert first_kept(DAY, 6) == date(2026, 11, 13)  # over the weekend
    assert first_kept(DAY, 0) == date(2026, 11, 21)  # nothing kept: the finished day goes too
    assert first_kept(date(2015, 1, 5), 100) == date(2015, 1, 2)  # the calendar's first day


def test_index_bars_group_publications_by_the_period_they_fall_in() -> None:
    t0 = kst_ns(DAY, time(9, 0, 10))
    times = t0 + np.array([0, 10, 20, 50, 60, 70, 30 * 60], np.int64) * NS  # 09:00:10 … 09:30:10
    levels = np.array([2500.01, 2500.5, 2499.99, 2501.0, 2502.25, 2502.0, 2490.1])
    volumes = np.array([1_000, 1_500, 1_500, 4_000, 4_100, 5_000, 9_999], np.int64)
    values = volumes * 7
    bars = index_bars((times, levels, volumes, values), 60, "KOSPI", YMD)
    assert bars.dtype == INTRADAY_BAR and list(bars["code"]) == ["KOSPI"] * 3
    assert list(bars["start"]) == [kst_ns(DAY, time(9, m)) for m in (0, 1, 30)]
    assert list(bars["open"]) == [250001, 250100, 249010]
    assert list(bars["high"]) == [250050, 250225, 249010]
    assert list(bars["low"]) == [249999, 250100, 249010]
    assert list(bars["close"]) == [249999, 250200, 249010]
    assert list(bars["count"]) == [3, 3, 1]
    # Changes of the cumulative figures at each bar's last publication: they add up again.
    assert list(np.cumsum(bars["volume"])) == [1_500, 5_000, 9_999]
    assert list(np.cumsum(bars["value"])) == [10_500, 35_000, 69_993]
    # Finer bars roll up to the same bars; a day without publications has none.
    tens = index_bars((times, levels, volumes, values), 10, "KOSPI", YMD)
    assert rollup(tens, 60).tobytes() == bars.tobytes()
    assert rollup(tens, 600)["start"].tolist() == [kst_ns(DAY, time(9, 0)), kst_ns(DAY, time(9, 30))]
    none = index_bars((times[:0], levels[:0], volumes[:0], values[:0]), 10, "KOSPI", YMD)
    assert len(none) == 0 and len(rollup(none, 60)) == 0


def test_bars_code_by_code_are_taken_as_they_are(new: NewStore) -> None:
    """A day's bars come code by code, by (date, start) within a code: no sort, and with
    ``copy=False`` the store may keep them; otherwise they are sorted, the last of repeated keys
    winning."""
    s = new()
    bars = np.zeros(6, INTRADAY_BAR)
    bars["code"] = ["000660", "000660", "005930", "005930", "005930", "005930"]
    bars["date"] = [YMD, YMD, YMD - 1, YMD, YMD, YMD]
    bars["start"] = [10, 20, 30, 10, 20, 30]
    bars["close"] = [1, 2, 3, 4, 5, 6]
    s.put_bars(10, bars, copy=False)
    assert list(s.get_bars(10, "005930", YMD)["close"]) == [4, 5, 6]
    shuffled = bars[[5, 0, 3, 4, 1, 2, 5]].copy()
    shuffled["close"] += 10
    shuffled["close"][-1] = 99  # the last of a repeated key
    s.put_bars(10, shuffled)
    s.flush()
    assert list(s.get_bars(10, "005930", YMD)["close"]) == [14, 15, 99]
    assert list(s.get_bars(10, "005930", YMD - 1)["close"]) == [13]
