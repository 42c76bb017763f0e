"""Stylized facts of a simulated day: does it look like KRX?

One reduced-scale day of the whole built-in universe is simulated once for the module and folded
through the engine; the tests read the tape, the bars, the statuses and the engine state.
Ranges come from ../shared/reference/krx_rules.md §8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from sise.cli.simulate import simulate_day
from sise.engine.batches import StatusKind
from sise.engine.engine import Engine
from sise.market.limits import price_limits_array
from sise.market.ticks import tick_sizes
from sise.market.timeutil import NS, kst_ns
from sise.market.types import FOREIGNERS, InstrumentKind, Investor, Market, Venue
from sise.market.universe import Universe, build_universe
from sise.sources.history import backfill
from sise.sources.simulator import MarketSimulator, SimConfig
from sise.store.memory import MemoryStore

DAY = date(2026, 11, 20)
SCALE = 0.04


@dataclass
class Day:
    universe: Universe
    engine: Engine
    trades: npt.NDArray[np.void]
    statuses: npt.NDArray[np.void]


@pytest.fixture(scope="module")
def day() -> Day:
    u = build_universe()
    e = Engine.from_universe(u)
    e.start_day(DAY)
    sim = MarketSimulator(u, e.base, e.upper, e.lower, SimConfig(DAY, seed=11, scale=SCALE, step_s=30))
    trades, statuses = [], []
    for b in sim.batches():
        e.apply(b)  # the engine rejects any off-tick, out-of-limit or out-of-order event
        trades.append(b.trades)
        statuses.append(b.statuses)
    return Day(u, e, np.concatenate(trades), np.concatenate(statuses))


def krx_regular(d: Day) -> tuple[npt.NDArray[np.void], int, int]:
    tr = d.trades[d.trades["venue"] == Venue.KRX]
    return tr, kst_ns(DAY, time(9, 0)), kst_ns(DAY, time(15, 30))


def test_every_price_is_on_tick_and_within_the_days_limits(day: Day) -> None:
    ins = day.universe.instruments
    tr = day.trades
    inst = tr["inst"]
    assert np.all(tr["price"] % tick_sizes(tr["price"], ins.tick_table[inst]) == 0)
    upper, lower = price_limits_array(ins.prev_close, ins.tick_table, ins.limit_rate_pct)
    assert np.all(tr["price"] <= upper[inst]) and np.all(tr["price"] >= lower[inst])
    assert len(tr) > 300_000


def test_opening_and_closing_prices_come_from_the_auctions(day: Day) -> None:
    tr, open_ns, close_ns = krx_regular(day)
    st = day.engine.state(Venue.KRX)
    traded = np.flatnonzero(st.count > 0)
    opening = tr[tr["time"] == open_ns]
    # One opening print per tradable instrument, at the open, and it is the day's open.
    assert len(np.unique(opening["inst"])) == len(opening) > 2500
    np.testing.assert_array_equal(st.open[opening["inst"]], opening["price"])
    closing = tr[(tr["time"] >= close_ns) & (tr["time"] < close_ns + 30 * NS)]
    assert len(np.unique(closing["inst"])) == len(closing) > 2500
    # The close is the closing-auction price; post-close closing-price trades print at it.
    regular_close = day.engine.index_price
    np.testing.assert_array_equal(closing["price"], regular_close[closing["inst"]])
    post = tr[(tr["time"] >= close_ns + 10 * 60 * NS) & (tr["time"] < close_ns + 30 * 60 * NS)]
    assert len(post) > 0
    np.testing.assert_array_equal(post["price"], regular_close[post["inst"]])
    assert set(closing["inst"]) <= set(traded)


def test_intraday_value_is_u_shaped(day: Day) -> None:
    tr, open_ns, close_ns = krx_regular(day)
    value = tr["price"] * tr["qty"]
    t = tr["time"]
    cont = (t > open_ns) & (t < close_ns)
    buckets = np.bincount((t[cont] - open_ns) // (1800 * NS), weights=value[cont])
    day_value = value[(t >= open_ns) & (t < close_ns + 30 * NS)].sum()
    first30 = buckets[0] / day_value
    assert 0.13 < first30 < 0.22  # ≈15–20 % in the first 30 minutes
    midday = buckets[5:7].mean()  # 11:30–12:30
    assert midday < 0.8 * buckets.mean()
    assert buckets[11] > 1.2 * midday  # the close rises again
    closing = value[(t >= close_ns) & (t < close_ns + 30 * NS)].sum() / day_value
    assert 0.03 < closing < 0.08
    opening = value[t == open_ns].sum() / day_value
    assert 0.005 < opening < 0.04


def _intraday_range(daily: tuple[float, float]) -> tuple[float, float]:
    """The open-to-close σ of a daily σ in ``daily`` whose overnight gap has σ 0.5–1× the
    intraday one (krx_rules §8.2): daily² = intraday² · (1 + ratio²)."""
    lo, hi = OVERNIGHT_RATIO
    return daily[0] / math.sqrt(1 + hi**2), daily[1] / math.sqrt(1 + lo**2)


#: Daily σ of KOSPI200 large caps and of small KOSDAQ names, and the overnight gap's σ as a
#: multiple of the intraday one (krx_rules §8.2).
LARGE_CAP_DAILY = (0.015, 0.025)
SMALL_KOSDAQ_DAILY = (0.03, 0.05)
OVERNIGHT_RATIO = (0.5, 1.0)


def test_volatility_by_size_bucket(day: Day) -> None:
    ins = day.universe.instruments
    bars = day.engine.bars(Venue.KRX, 600)
    lr = np.diff(np.log(bars["close"].astype(np.float64)))
    same = np.diff(bars["inst"]) == 0
    rv = np.sqrt(np.bincount(bars["inst"][1:][same], weights=lr[same] ** 2, minlength=len(ins)))
    cap = ins.prev_close * ins.listed_shares
    # One day's realised σ of a name scatters around its σ: the medians of a bucket are compared.
    for market, top_range, tail_range in (
        (Market.KOSPI, _intraday_range(LARGE_CAP_DAILY), None),
        (Market.KOSDAQ, None, _intraday_range(SMALL_KOSDAQ_DAILY)),
    ):
        sel = np.flatnonzero((ins.market == market) & (ins.kind == InstrumentKind.STOCK))
        ordered = sel[np.argsort(-cap[sel])]
        if top_range:
            assert top_range[0] < np.median(rv[ordered[:100]]) < top_range[1]
        if tail_range:
            assert tail_range[0] < np.median(rv[ordered[len(ordered) // 2 :]]) < tail_range[1]


def test_returns_correlate_more_within_an_industry(day: Day) -> None:
    ins = day.universe.instruments
    bars = day.engine.bars(Venue.KRX, 600)
    starts = np.unique(bars["start"])
    big = np.argsort(-(ins.prev_close * ins.listed_shares * (ins.kind == InstrumentKind.STOCK)))[:300]
    grid = np.full((len(big), len(starts)), np.nan)
    pos = {int(i): k for k, i in enumerate(big)}
    for row in bars[np.isin(bars["inst"], big)]:
        grid[pos[int(row["inst"])], np.searchsorted(starts, row["start"])] = row["close"]
    # Carry the last close through 10-minute buckets without a trade (the base before the first).
    grid[:, 0] = np.where(np.isnan(grid[:, 0]), day.engine.base[big], grid[:, 0])
    for j in range(1, grid.shape[1]):
        grid[:, j] = np.where(np.isnan(grid[:, j]), grid[:, j - 1], grid[:, j])
    corr = np.corrcoef(np.diff(np.log(grid), axis=1))
    ind = np.array([ins.industry[i] for i in big])
    same = ind[:, None] == ind[None, :]
    off = ~np.eye(len(big), dtype=bool)
    assert np.nanmean(corr[off]) > 0.02
    assert np.nanmean(corr[off & same]) > np.nanmean(corr[off & ~same])


def test_vi_and_limit_hits_happen_at_plausible_rates(day: Day) -> None:
    vi = day.statuses[day.statuses["kind"] == StatusKind.VI_START]
    ends = day.statuses[day.statuses["kind"] == StatusKind.VI_END]
    assert 20 <= len(vi) <= 600
    assert len(ends) >= len(vi) - 5  # VIs started late in the day may still run at the close
    assert set(np.unique(vi["value"])) <= {1, 2, 3}
    st = day.engine.state(Venue.KRX)
    at_limit = int(((st.high >= day.engine.upper) | (st.low <= day.engine.lower))[st.count > 0].sum())
    assert at_limit <= 60  # a handful of limit hits on a normal day, not hundreds


def test_a_stock_at_its_limit_locks_there(day: Day) -> None:
    e = day.engine
    st = e.state(Venue.KRX)
    traded = st.count > 0
    up, lo = traded & (st.high >= e.upper), traded & (st.low <= e.lower)
    touched = np.flatnonzero(up | lo)
    assert len(touched) >= 2
    # KRX: a large majority of the stocks that touch a limit close locked at it.
    closed = (up & (e.index_price >= e.upper)) | (lo & (e.index_price <= e.lower))
    assert closed[touched].mean() >= 0.6
    # The book shows the lock: the queue at the limit dwarfs the next level (limit-down: the offer).
    book = e.books[Venue.KRX]
    for i in np.flatnonzero(closed):
        price, qty = (book.bid_price, book.bid_qty) if up[i] else (book.ask_price, book.ask_qty)
        limit = e.upper[i] if up[i] else e.lower[i]
        assert price[i, 0] == limit and qty[i, 0] > 5 * max(qty[i, 1], 1)
    # Once locked, trades print at the limit only (sellers hitting the bid queue), and few of them.
    tr, open_ns, close_ns = krx_regular(day)
    tr = tr[(tr["time"] > open_ns) & (tr["time"] < close_ns - 10 * 60 * NS)]
    at_limit = before = after = 0
    minutes_before = minutes_after = 0.0
    for i in np.flatnonzero(closed):
        mine = tr[tr["inst"] == i]
        limit = e.upper[i] if up[i] else e.lower[i]
        if not np.any(mine["price"] == limit):
            continue  # locked in the last minutes or by the closing auction
        locked_at = int(mine["time"][mine["price"] == limit].min())
        later = mine[mine["time"] > locked_at]
        at_limit += int((later["price"] == limit).sum())
        after += len(later)
        before += int((mine["time"] < locked_at).sum())
        minutes_before += (locked_at - open_ns) / NS / 60
        minutes_after += (close_ns - 10 * 60 * NS - locked_at) / NS / 60
    assert after > 0 and at_limit >= 0.9 * after
    assert after / minutes_after < 0.5 * before / minutes_before


def test_investor_mix_and_balance(day: Day) -> None:
    tr = day.trades[day.trades["venue"] == Venue.KRX]
    ins = day.universe.instruments
    value = (tr["price"] * tr["qty"]).astype(np.float64)
    for market, who, lo, hi in (
        (Market.KOSDAQ, [Investor.INDIVIDUAL], 0.50, 0.70),
        (Market.KOSPI, list(FOREIGNERS), 0.25, 0.35),
    ):
        sel = (ins.market[tr["inst"]] == market) & (ins.kind[tr["inst"]] == InstrumentKind.STOCK)
        buy = np.bincount(tr["buyer"][sel], weights=value[sel], minlength=12)
        sell = np.bincount(tr["seller"][sel], weights=value[sel], minlength=12)
        share = (buy[who].sum() + sell[who].sum()) / 2 / value[sel].sum()
        assert lo < share < hi
    for venue in Venue:
        s = day.engine.state(venue)
        assert np.all((s.inv_qty[:, 0] - s.inv_qty[:, 1]).sum(axis=1) == 0)
        assert np.all((s.inv_val[:, 0] - s.inv_val[:, 1]).sum(axis=1) == 0)


def test_program_flow_sits_in_index_names_and_adds_up(day: Day) -> None:
    e = day.engine
    s = e.state(Venue.ALL)
    ins = day.universe.instruments
    arb = s.prog_qty[:, :, 0].sum(axis=(1, 2))
    assert arb[~ins.kospi200].sum() == 0  # arbitrage trades are KOSPI200 baskets
    assert arb[ins.kospi200].sum() > 0
    total = s.prog_qty.sum(axis=(1, 2, 3))
    assert np.all(total <= 2 * s.volume)  # each side at most the volume
    q, _ = e.index_program(Venue.ALL)
    np.testing.assert_array_equal(q[:, :, 0].sum(axis=2) + q[:, :, 1].sum(axis=2), q.sum(axis=(2, 3)))
    assert np.all(s.short_qty <= s.volume)


def test_index_levels_are_reproducible_from_constituents(day: Day) -> None:
    e = day.engine
    u = day.universe
    prices = e.index_price  # the regular-session close: after-hours prints do not move indices
    for k, spec in enumerate(e.index.specs):
        shares = u.instruments.float_shares if spec.float_adjusted else u.instruments.listed_shares
        cap = int((prices * shares)[u.membership[k]].sum())
        assert cap == int(e.index.cap[k])
        _, levels, _, _ = e.index.series(spec.key)
        assert levels[-1] == pytest.approx(round(cap / e.index.base_cap[k] * spec.base_value, 2), abs=0.006)


def test_nxt_trades_eligible_stocks_with_a_smaller_share(day: Day) -> None:
    tr = day.trades
    nxt = tr[tr["venue"] == Venue.NXT]
    assert len(nxt) > 0
    assert np.all(day.universe.instruments.nxt[nxt["inst"]])
    assert 0.02 < len(nxt) / len(tr) < 0.15
    t = nxt["time"]
    assert t.min() < kst_ns(DAY, time(8, 50))  # pre-market
    assert t.max() > kst_ns(DAY, time(15, 40))  # after-market


def run(tmp: Path, seed: int) -> dict[str, bytes]:
    cfg = SimConfig(DAY, seed=seed, scale=0.002, step_s=120)
    result = simulate_day(build_universe(seed=seed), cfg, tmp)
    return {f.name: f.read_bytes() for f in result.files}


def test_same_seed_same_bytes_other_seed_other_day(tmp_path: Path) -> None:
    a = run(tmp_path / "a", 1)
    b = run(tmp_path / "b", 1)
    c = run(tmp_path / "c", 2)
    assert set(a) == {"trades.parquet", "bars_1m.parquet", "daily.parquet", "indices.parquet"}
    assert a == b
    assert a["trades.parquet"] != c["trades.parquet"]


def test_etfs_track_their_index_and_trade_near_inav(day: Day) -> None:
    e = day.engine
    u = day.universe
    ins = u.instruments
    tracked = np.flatnonzero((e.etp_index >= 0) & (e.state(Venue.KRX).count > 0))
    assert len(tracked) > 100
    index_move = e.index.levels()[e.etp_index[tracked]] / e.index.prev_close[e.etp_index[tracked]] - 1
    etf_move = e.index_price[tracked] / e.base[tracked] - 1
    lev = ins.leverage[tracked].astype(np.float64)
    # Daily return ≈ leverage × index return: a small tracking error, against index moves of ~1–3 %.
    assert np.median(np.abs(etf_move - lev * index_move)) < 0.006
    inav = e.inav()[tracked]
    premium = e.index_price[tracked] / inav - 1
    assert np.median(np.abs(premium)) < 0.006
    assert np.all(np.isnan(e.inav()[ins.kind == InstrumentKind.STOCK]))


def test_etps_on_other_assets_move_like_their_asset_not_like_equities(day: Day) -> None:
    """Bond and money-market ETFs barely move (daily σ ≈ 0.2 % and 0.05 %); sector ETFs follow
    their sector's stocks."""
    e = day.engine
    ins = day.universe.instruments
    traded = e.state(Venue.KRX).count > 0
    move = e.index_price / np.maximum(e.base, 1) - 1
    und = np.array(ins.underlying)
    plain = (np.abs(ins.leverage) == 1) & traded
    for asset, bound in (("BOND", 0.01), ("MONEY", 0.003)):
        sel = plain & (und == asset)
        assert sel.sum() >= 5
        assert np.max(np.abs(move[sel])) < bound, asset
    stock = (ins.kind == InstrumentKind.STOCK) & traded
    industry = np.array(ins.industry)
    sector = np.flatnonzero(plain & np.char.startswith(und.astype(str), "SECTOR:"))
    assert len(sector) >= 5
    for i in sector:
        members = stock & (industry == und[i].removeprefix("SECTOR:"))
        cap = (e.base * ins.listed_shares)[members]
        sector_move = float(cap @ move[members] / cap.sum())
        assert abs(move[i] - sector_move) < 0.006, ins.code[i]


def test_a_crash_triggers_a_circuit_breaker_halt_and_a_reopening_auction() -> None:
    u = build_universe(n_kospi=300, n_kosdaq=300, n_etf=20, n_etn=5)
    e = Engine.from_universe(u)
    e.start_day(DAY)
    cfg = SimConfig(DAY, seed=3, scale=0.01, step_s=10, shock=(time(10, 0), -0.12))
    sim = MarketSimulator(u, e.base, e.upper, e.lower, cfg)
    trades, statuses = [], []
    for b in sim.batches():
        e.apply(b)
        trades.append(b.trades)
        statuses.append(b.statuses)
    tr, st = np.concatenate(trades), np.concatenate(statuses)
    ins = u.instruments
    halts = st[st["kind"] == StatusKind.HALT]
    kospi_stocks = (ins.market == Market.KOSPI) & (ins.kind == InstrumentKind.STOCK)
    stocks = ins.kind == InstrumentKind.STOCK
    # The shock takes both composites down ≥ 8 %: each market halts its own stocks (ETFs trade on).
    assert set(np.flatnonzero(kospi_stocks)) <= set(halts["inst"]) <= set(np.flatnonzero(stocks))
    halt_at = int(halts[kospi_stocks[halts["inst"]]]["time"].min())
    # The index fell 8 % or more for a minute before the halt: it fires between 10:01 and 10:03.
    assert kst_ns(DAY, time(10, 1)) <= halt_at <= kst_ns(DAY, time(10, 3))
    # No continuous KOSPI stock trades for 20 minutes of halt and 10 of auction; one reopening print.
    window = (tr["time"] > halt_at) & (tr["time"] < halt_at + 30 * 60 * NS - 10 * NS)
    assert not np.any(window & kospi_stocks[tr["inst"]] & (tr["venue"] == Venue.KRX))
    resumes = st[st["kind"] == StatusKind.RESUME]
    assert set(resumes["inst"]) == set(halts["inst"])
    reopen = tr[
        (tr["time"] >= halt_at + 30 * 60 * NS - 10 * NS) & (tr["time"] <= halt_at + 30 * 60 * NS + 10 * NS)
    ]
    assert len(np.unique(reopen["inst"][kospi_stocks[reopen["inst"]]])) > 250
    kospi = e.index.position["KOSPI"]
    assert e.index.low[kospi] < 0.92 * e.index.prev_close[kospi]


def test_ex_dates_move_the_base_price_and_keep_indices_continuous() -> None:
    from sise.sources.actions import actions_on, apply_actions

    u = build_universe(n_kospi=300, n_kosdaq=300, n_etf=10, n_etn=5)
    day = next(d for d in (date(2026, 11, k) for k in range(2, 28)) if actions_on(u, d))
    e = Engine.from_universe(u)
    levels = e.index.levels().copy()
    acts = actions_on(u, day)
    apply_actions(e, acts)
    e.start_day(day)
    np.testing.assert_allclose(e.index.levels(), levels, rtol=1e-12)
    for a in acts:
        assert e.base[a.inst] == a.ex_price < a.price_before
        assert u.instruments.listed_shares[a.inst] == a.shares_after
        # Market cap is about unchanged by a split or bonus issue; a rights issue adds the new money.
        before, after = a.price_before * a.shares_before, a.ex_price * a.shares_after
        assert after == pytest.approx(before + a.issue_price * (a.shares_after - a.shares_before), rel=0.02)


def test_futures_track_the_index_and_settle_with_open_interest() -> None:
    from sise.market.derivatives import extend_universe

    u = extend_universe(build_universe(n_kospi=300, n_kosdaq=300, n_etf=10, n_etn=5), DAY, {})
    e = Engine.from_universe(u)
    e.start_day(DAY)
    sim = MarketSimulator(u, e.base, e.upper, e.lower, SimConfig(DAY, seed=4, scale=0.02, step_s=30))
    for b in sim.batches():
        e.apply(b)
    ins = u.instruments
    front = ins.code.index("A016C000")  # KOSPI200 F Dec-2026, the front month on 2026-11-20
    k200 = e.index.position["KOSPI200"]
    future = e.state(Venue.KRX).last[front] / 100
    spot = e.index.levels()[k200]
    assert e.state(Venue.KRX).count[front] > 50
    assert abs(future - spot) < 0.01 * spot  # basis = carry (a few tenths) + noise
    deriv = ins.kind >= InstrumentKind.FUTURE
    assert np.all(e.open_interest[deriv] >= 0) and e.open_interest[front] > 100_000
    assert np.all(e.settlement[deriv] > 0)
    traded = deriv & (e.state(Venue.KRX).count > 0)
    np.testing.assert_array_equal(e.settlement[traded], e.state(Venue.KRX).last[traded])


# -- turnover: the live day on the history's scale, and its concentration ----------------------------

HISTORY_DAYS = 20


@pytest.fixture(scope="module")
def history_value(day: Day) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(value, volume) per instrument, the mean over the last 20 back-filled days (same seed)."""
    store = MemoryStore()
    backfill(day.universe, store, end=DAY - timedelta(days=1), days=HISTORY_DAYS, seed=11)
    rows = store.get_range("stock_daily", 0, 99_999_999)
    pos = {c: i for i, c in enumerate(day.universe.instruments.code)}
    inst = np.array([pos[c] for c in rows["code"]])
    n = len(day.universe.instruments)
    value = np.bincount(inst, weights=rows["value"].astype(np.float64), minlength=n) / HISTORY_DAYS
    volume = np.bincount(inst, weights=rows["volume"].astype(np.float64), minlength=n) / HISTORY_DAYS
    return value, volume


def live_value(d: Day) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(value, volume) per instrument of the simulated day's KRX trades, scaled up to full size."""
    tr = d.trades[d.trades["venue"] == Venue.KRX]
    n = len(d.universe.instruments)
    value = np.bincount(tr["inst"], weights=(tr["price"] * tr["qty"]).astype(np.float64), minlength=n)
    volume = np.bincount(tr["inst"], weights=tr["qty"].astype(np.float64), minlength=n)
    return value / SCALE, volume / SCALE


def test_live_day_trades_on_the_historys_scale(
    day: Day, history_value: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
) -> None:
    ins = day.universe.instruments
    live, hist = live_value(day), history_value
    for market, (lo, hi) in ((Market.KOSPI, (15e12, 45e12)), (Market.KOSDAQ, (5e12, 15e12))):
        sel = ins.market == market
        stocks = sel & (ins.kind == InstrumentKind.STOCK)
        # Stocks' daily value in KRW (KOSPI 12.4 trillion a day over 2025, 32.2 trillion in
        # February 2026 near this universe's levels; KOSDAQ 9.5–11.5 trillion late 2025).
        assert lo < hist[0][stocks].sum() < hi
        # A full-size live day trades what the stored days did: value and volume.
        for k in (0, 1):
            assert 0.7 < live[k][sel].sum() / hist[k][sel].sum() < 1.4


def test_largest_names_carry_their_real_share_of_turnover(
    day: Day, history_value: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
) -> None:
    ins = day.universe.instruments
    kospi = ins.market == Market.KOSPI
    samsung, hynix = (list(ins.code).index(c) for c in ("005930", "000660"))
    for value in (live_value(day)[0], history_value[0]):
        total = value[kospi].sum()
        # Samsung Electronics ≈ 10–20 % of KOSPI value; with SK hynix about a quarter or more
        # (the two and Samsung's preferred share: 28 % in October 2025, 33 % in February 2026).
        assert 0.10 < value[samsung] / total < 0.20
        assert 0.20 < (value[samsung] + value[hynix]) / total < 0.40
        # The ten busiest names: well over a quarter of the market, not all of it.
        assert 0.30 < np.sort(value[kospi])[-10:].sum() / total < 0.55
        # KOSDAQ's trading is spread wider than KOSPI's.
        kosdaq = value[ins.market == Market.KOSDAQ]
        assert np.sort(kosdaq)[-10:].sum() / kosdaq.sum() < 0.25
