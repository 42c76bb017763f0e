"""Engine invariants: exact indices, balanced flows, consistent bars, batching-independence,
all-or-nothing validation."""

from __future__ import annotations

import copy
from datetime import date, time, timedelta

import numpy as np
import pytest

from conftest import DAY, N_MEMBERS, small_indices, small_table
from sise.engine.batches import Batch, StatusKind, empty_statuses, empty_trades
from sise.engine.books import BookState
from sise.engine.engine import Engine
from sise.engine.errors import BatchError, EngineStateError
from sise.engine.state import InstrumentField, RowField, declared
from sise.engine.venue_state import VenueState
from sise.market.instruments import Instrument
from sise.market.ticks import TickTableId
from sise.market.timeutil import NS, kst_ns
from sise.market.types import FOREIGNERS, InstrumentKind, Investor, Market, Venue
from sise.sources.stream import StreamSpec, stream


def day_batches(engine: Engine, day: date, trades: int = 20_000, seed: int = 7) -> list[Batch]:
    spec = StreamSpec(day, trades=trades, seed=seed, batch_seconds=5)
    return list(stream(engine.instruments, engine.base, engine.upper, engine.lower, N_MEMBERS, spec))


def fresh_engine() -> Engine:
    table = small_table()
    e = Engine(table, small_indices(table), N_MEMBERS)
    e.start_day(DAY)
    return e


@pytest.fixture(scope="module")
def traded() -> tuple[Engine, list[Batch]]:
    e = fresh_engine()
    batches = day_batches(e, DAY)
    for b in batches:
        e.apply(b)
    return e, batches


# -- indices ------------------------------------------------------------------------------------


class NaiveIndex:
    """Index arithmetic done the slow, obvious way with Python ints, from the trades themselves."""

    def __init__(self, engine: Engine, start_levels: list[float]) -> None:
        self.table = engine.instruments
        self.member = [list(np.flatnonzero(row)) for row in small_indices(self.table).membership]
        self.float_adj = [s.float_adjusted for s in engine.index.specs]
        self.base_value = [s.base_value for s in engine.index.specs]
        self.price = {i: int(p) for i, p in enumerate(self.table.prev_close)}
        levels = zip(self.base_value, start_levels, strict=True)
        self.base = [self.cap(k) * bv / lv for k, (bv, lv) in enumerate(levels)]

    def shares(self, k: int, i: int) -> int:
        t = self.table
        return int(t.float_shares[i]) if self.float_adj[k] else int(t.listed_shares[i])

    def cap(self, k: int) -> int:
        return sum(self.price[i] * self.shares(k, i) for i in self.member[k])

    def level(self, k: int) -> float:
        return self.cap(k) / self.base[k] * self.base_value[k]

    def trade(self, batches: list[Batch]) -> None:
        for b in batches:
            for row in b.trades:
                if row["venue"] == Venue.KRX:
                    self.price[int(row["inst"])] = int(row["price"])

    def event(self, change: object) -> None:
        """Apply a membership/share change via ``change()`` keeping levels continuous."""
        before = [self.cap(k) for k in range(len(self.member))]
        change()  # type: ignore[operator]
        for k in range(len(self.member)):
            after = self.cap(k)
            if before[k]:
                self.base[k] *= after / before[k]


def test_index_levels_equal_an_independent_recomputation_through_listings_and_actions() -> None:
    e = fresh_engine()
    naive = NaiveIndex(e, [4000.0, 950.0, 1000.0, 25000.0])
    day1 = day_batches(e, DAY, seed=1)
    for b in day1:
        e.apply(b)
    naive.trade(day1)
    e.end_day()
    for k in range(4):
        assert round(naive.level(k), 2) == pytest.approx(round(float(e.index.levels()[k]), 2), abs=0.005)

    # Between days: a 1:5 split, a rights issue, a new KOSPI listing in the electronics index, a delisting.
    split, rights, gone = 0, 2, 4
    t = e.instruments

    def do_split() -> None:
        naive.price[split] = int(e.prev_close[split]) // 5 // 10 * 10
        e.corporate_action(split, int(t.listed_shares[split]) * 5, naive.price[split])

    def do_rights() -> None:
        new_shares = int(t.listed_shares[rights]) * 12 // 10
        naive.price[rights] = int(e.prev_close[rights]) * 95 // 100 // 10 * 10
        e.corporate_action(rights, new_shares, naive.price[rights])

    def do_listing() -> None:
        rec = Instrument(
            "999990",
            "",
            "신규상장",
            "New Listing",
            Market.KOSPI,
            InstrumentKind.STOCK,
            TickTableId.STOCK,
            industry="전기전자",
            listed_shares=30_000_000,
            float_ratio=0.4,
            prev_close=25_000,
            nxt=False,
        )
        i = e.list_instrument(rec, ["KOSPI", "KOSPI_ELEC"])
        naive.price[i] = 25_000
        naive.member[0].append(i)
        naive.member[3].append(i)

    def do_delist() -> None:
        e.delist(gone)
        for members in naive.member:
            if gone in members:
                members.remove(gone)

    for change in (do_split, do_rights, do_listing, do_delist):
        naive.event(change)
        for k in range(4):
            assert naive.level(k) == pytest.approx(float(e.index.levels()[k]), abs=0.005)

    day2 = DAY + timedelta(days=3)
    e.start_day(day2)
    batches = [b for b in day_batches(e, day2, seed=2)]
    for b in batches:
        e.apply(b)
    naive.trade(batches)
    for k, spec in enumerate(e.index.specs):
        assert round(naive.level(k), 2) == pytest.approx(round(float(e.index.levels()[k]), 2), abs=0.005)
        _, published, _, _ = e.index.series(spec.key)
        assert published[-1] == pytest.approx(round(naive.level(k), 2), abs=0.005)


def test_index_caps_are_exact_integers_of_prices_times_shares(traded: tuple[Engine, list[Batch]]) -> None:
    e, _ = traded
    member = small_indices(e.instruments).membership
    for k, spec in enumerate(e.index.specs):
        shares = e.instruments.float_shares if spec.float_adjusted else e.instruments.listed_shares
        assert int((shares * e.index_price)[member[k]].sum()) == int(e.index.cap[k])


def test_indices_publish_every_second_or_every_ten_seconds_from_090010(
    traded: tuple[Engine, list[Batch]],
) -> None:
    e, _ = traded
    fast_t, _, _, _ = e.index.series("TOP10")
    slow_t, _, _, _ = e.index.series("KOSPI")
    assert fast_t[0] == kst_ns(DAY, time(9, 0, 10))
    assert slow_t[0] == kst_ns(DAY, time(9, 0, 10))
    assert set(np.diff(fast_t)) == {NS}
    assert set(np.diff(slow_t)) == {10 * NS}
    # The stream ends at 15:30, the last publication of the day.
    assert fast_t[-1] == kst_ns(DAY, time(15, 30))


def test_index_volume_is_the_sum_of_constituent_krx_volume(traded: tuple[Engine, list[Batch]]) -> None:
    e, _ = traded
    vol, val = e.index_totals(Venue.KRX)
    np.testing.assert_array_equal(vol, e.index.volume)
    np.testing.assert_array_equal(val, e.index.value)
    _, _, series_vol, _ = e.index.series("KOSPI")
    assert series_vol[-1] == e.index.volume[0]
    assert np.all(np.diff(series_vol) >= 0)


# -- flows -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("venue", list(Venue))
def test_investor_net_flows_sum_to_zero_per_instrument_and_per_index(
    traded: tuple[Engine, list[Batch]], venue: Venue
) -> None:
    e, _ = traded
    st = e.state(venue)
    net_qty = st.inv_qty[:, 0, :] - st.inv_qty[:, 1, :]
    net_val = st.inv_val[:, 0, :] - st.inv_val[:, 1, :]
    assert np.all(net_qty.sum(axis=1) == 0)
    assert np.all(net_val.sum(axis=1) == 0)
    np.testing.assert_array_equal(st.inv_qty[:, 0, :].sum(axis=1), st.volume)
    np.testing.assert_array_equal(st.inv_val[:, 1, :].sum(axis=1), st.value)
    buy_q, sell_q, buy_v, sell_v = e.index_investor_flows(venue)
    assert np.all((buy_q - sell_q).sum(axis=1) == 0)
    assert np.all((buy_v - sell_v).sum(axis=1) == 0)


def test_program_trading_parts_add_up(traded: tuple[Engine, list[Batch]]) -> None:
    e, batches = traded
    st = e.state(Venue.ALL)
    trades = np.concatenate([b.trades for b in batches])
    for side, col in ((0, "buy_program"), (1, "sell_program")):
        flagged = trades[(trades[col] & 0b11) != 0]
        total = np.bincount(flagged["inst"], weights=flagged["qty"], minlength=e.n).astype(np.int64)
        # 차익 + 비차익 = 전체 and 위탁 + 자기 = 합계, per instrument.
        np.testing.assert_array_equal(st.prog_qty[:, side].sum(axis=(1, 2)), total)
        arb = flagged[(flagged[col] & 0b11) == 1]
        np.testing.assert_array_equal(
            st.prog_qty[:, side, 0].sum(axis=1),
            np.bincount(arb["inst"], weights=arb["qty"], minlength=e.n).astype(np.int64),
        )
        own = flagged[(flagged[col] & 0b100) != 0]
        np.testing.assert_array_equal(
            st.prog_qty[:, side, :, 1].sum(axis=1),
            np.bincount(own["inst"], weights=own["qty"], minlength=e.n).astype(np.int64),
        )
    assert np.all(st.short_qty <= st.volume)


def test_foreign_holdings_move_by_foreign_net_buying(traded: tuple[Engine, list[Batch]]) -> None:
    e, batches = traded
    trades = np.concatenate([b.trades for b in batches])
    f = np.isin(trades["buyer"], list(FOREIGNERS)).astype(np.int64) - np.isin(
        trades["seller"], list(FOREIGNERS)
    )
    net = np.bincount(trades["inst"], weights=trades["qty"] * f, minlength=e.n).astype(np.int64)
    np.testing.assert_array_equal(e.foreign_holdings() - e.foreign_start, net)
    assert Investor.FOREIGN in FOREIGNERS


def test_top_members_are_the_largest_by_volume(traded: tuple[Engine, list[Batch]]) -> None:
    e, batches = traded
    i = int(np.argmax(e.state(Venue.KRX).volume))
    _sell_m, sell_q, buy_m, buy_q = e.top_members(i, Venue.KRX)
    trades = np.concatenate([b.trades for b in batches])
    mine = trades[(trades["inst"] == i) & (trades["venue"] == Venue.KRX)]
    by_member = np.bincount(mine["buyer_member"], weights=mine["qty"], minlength=N_MEMBERS).astype(np.int64)
    assert list(buy_q) == sorted(by_member, reverse=True)[:5]
    assert list(by_member[buy_m]) == list(buy_q)
    assert np.all(np.diff(sell_q) <= 0)


def test_member_ranking_is_top_members_for_every_instrument(traded: tuple[Engine, list[Batch]]) -> None:
    e, _ = traded
    every = np.arange(e.n, dtype=np.intp)
    ranked = e.member_ranking(every, Venue.KRX, k=5)
    for i in every:
        q = e.state(Venue.KRX).mem_qty[i]
        for side, members, qty in ((1, ranked[0][i], ranked[1][i]), (0, ranked[2][i], ranked[3][i])):
            expected = np.lexsort((np.arange(N_MEMBERS), -q[side]))[:5]  # ties: lower number first
            assert list(members) == list(expected) and list(qty) == list(q[side][expected])
        assert [list(a) for a in e.top_members(int(i))] == [list(r[i]) for r in ranked]


def test_the_day_end_carries_the_close_nav_and_holdings_within_the_limit() -> None:
    e = fresh_engine()
    tracked, plain = 0, 1
    e.etp_index[tracked] = 0  # as if an ETF on KOSPI
    e.instruments.leverage[tracked] = 2
    nav_before = e.nav_prev.copy()
    spec = StreamSpec(DAY, trades=2_000, seed=7, batch_seconds=60)
    for b in stream(e.instruments, e.base, e.upper, e.lower, N_MEMBERS, spec):
        e.apply(b)
    e.foreign_start[:] = e.instruments.listed_shares // 20  # a 5 % stake
    net = e.foreign_holdings() - e.foreign_start
    over, under = int(np.argmax(net)), int(np.argmin(net))
    assert net[over] > 0 > net[under]
    e.instruments.foreign_limit_pct[over] = 10.0
    limit = int(np.floor(e.instruments.listed_shares[over] * 0.1))
    e.foreign_start[over] = limit  # at the limit before the day's buying
    e.foreign_start[under] = 0  # nothing to sell
    start = e.foreign_start.copy()
    e.end_day()
    move = round(float(e.index.levels()[0]), 2) / e.index.prev_close[0] - 1.0
    assert e.nav_prev[tracked] == pytest.approx(nav_before[tracked] * (1.0 + 2 * move))
    assert e.nav_prev[plain] == nav_before[plain]  # tracks nothing: keeps its NAV
    assert e.foreign_start[over] == limit and e.foreign_start[under] == 0
    others = np.setdiff1d(np.arange(e.n), [over, under])
    np.testing.assert_array_equal(e.foreign_start[others], (start + net)[others])


def test_a_corporate_action_scales_foreign_holdings_pro_rata(engine: Engine) -> None:
    engine.end_day()
    engine.foreign_start[5] = 1_000
    shares = int(engine.instruments.listed_shares[5])
    engine.corporate_action(5, shares * 5, int(engine.prev_close[5]) // 5 // 10 * 10)
    assert engine.foreign_start[5] == 5_000


# -- bars and state ------------------------------------------------------------------------------


@pytest.mark.parametrize("venue", list(Venue))
def test_ohlc_ordering_and_bars_aggregate_to_daily_totals(
    traded: tuple[Engine, list[Batch]], venue: Venue
) -> None:
    e, _ = traded
    st = e.state(venue)
    t = st.count > 0
    assert np.all(st.low[t] <= st.open[t]) and np.all(st.open[t] <= st.high[t])
    assert np.all(st.low[t] <= st.last[t]) and np.all(st.last[t] <= st.high[t])
    for period in (10, 60, 600):
        bars = e.bars(venue, period)
        assert np.all(bars["low"] <= np.minimum(bars["open"], bars["close"]))
        assert np.all(bars["high"] >= np.maximum(bars["open"], bars["close"]))
        assert np.all(bars["start"] % (period * NS) == 0)
        vol = np.bincount(bars["inst"], weights=bars["volume"], minlength=e.n).astype(np.int64)
        np.testing.assert_array_equal(vol, st.volume)
        cnt = np.bincount(bars["inst"], weights=bars["count"], minlength=e.n).astype(np.int64)
        np.testing.assert_array_equal(cnt, st.count)
        hi = np.zeros(e.n, np.int64)
        np.maximum.at(hi, bars["inst"], bars["high"])
        np.testing.assert_array_equal(hi, st.high)
        first = np.unique(bars["inst"], return_index=True)[1]
        np.testing.assert_array_equal(bars["open"][first], st.open[bars["inst"][first]])


def test_combined_view_is_krx_plus_nxt(traded: tuple[Engine, list[Batch]]) -> None:
    e, batches = traded
    krx, nxt, al = e.state(Venue.KRX), e.state(Venue.NXT), e.state(Venue.ALL)
    np.testing.assert_array_equal(al.volume, krx.volume + nxt.volume)
    np.testing.assert_array_equal(al.high, np.maximum(krx.high, nxt.high))
    trades = np.concatenate([b.trades for b in batches])
    last_rows = np.unique(trades["inst"][::-1], return_index=True)
    np.testing.assert_array_equal(al.last[last_rows[0]], trades["price"][::-1][last_rows[1]])
    assert nxt.volume.sum() > 0


def test_breadth_counts_sum_to_the_constituent_count(traded: tuple[Engine, list[Batch]]) -> None:
    e, _ = traded
    breadth = e.breadth(Venue.KRX)
    np.testing.assert_array_equal(breadth[:, 1:].sum(axis=1), e.index.member.sum(axis=1))
    assert np.all(breadth[:, 0] <= e.index.member.sum(axis=1))


def test_week52_covers_today(traded: tuple[Engine, list[Batch]]) -> None:
    e, _ = traded
    hi, lo = e.week52()
    krx = e.state(Venue.KRX)
    t = krx.count > 0
    assert np.all(hi[t] >= krx.high[t])
    assert np.all(lo[t] <= krx.low[t])


def test_one_batch_or_many_give_identical_state(traded: tuple[Engine, list[Batch]]) -> None:
    e, batches = traded
    whole = fresh_engine()
    whole.apply(Batch.concat(batches))
    assert whole.digest() == e.digest()
    cut = fresh_engine()
    for i in range(0, len(batches), 97):
        cut.apply(Batch.concat(batches[i : i + 97]))
    assert cut.digest() == e.digest()


def test_a_batch_applied_in_slices_gives_the_state_of_the_whole(traded: tuple[Engine, list[Batch]]) -> None:
    """What a live server does with a large batch (``Market.advance``'s ``slice_rows``)."""
    e, batches = traded
    whole = Batch.concat(batches)
    parts = whole.slices(997)
    assert len(parts) > 10 and sum(len(p) for p in parts) == len(whole)
    assert all(len(p) <= 997 * 2 for p in parts)  # about the size asked (an instant is never cut)
    cut = fresh_engine()
    for part in parts:
        cut.apply(part)
    assert cut.digest() == e.digest()
    assert whole.slices(len(whole))[0] is whole


def test_a_deep_copy_is_an_independent_engine_in_the_same_state(traded: tuple[Engine, list[Batch]]) -> None:
    e, batches = traded
    half = len(batches) // 2
    original = fresh_engine()
    at_open = copy.deepcopy(original)
    original.apply(Batch.concat(batches[:half]))
    midday = copy.deepcopy(original)
    assert midday.digest() == original.digest() and midday.instruments is not original.instruments
    # A few applies each (one batch or many give the same state, above): a copy whose views no
    # longer write through goes wrong from its second apply on.
    quarter = len(batches) // 4
    for part in (batches[half : half + quarter], batches[half + quarter :]):
        original.apply(Batch.concat(part))
        midday.apply(Batch.concat(part))
    assert midday.digest() == original.digest() == e.digest()
    for part in (batches[:half], batches[half:]):  # the copy at the opening was not moved
        at_open.apply(Batch.concat(part))
    assert at_open.digest() == e.digest()


# -- validation -------------------------------------------------------------------------------------


def one_trade(e: Engine, **overrides: int) -> Batch:
    tr = empty_trades(2)
    tr["inst"] = 0
    tr["time"] = kst_ns(DAY, time(9, 0, 1)) + np.arange(2)
    tr["price"] = e.base[0]
    tr["qty"] = 10
    tr["side"] = 1
    for k, v in overrides.items():
        tr[k][1] = v
    return Batch(trades=tr)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"inst": 10_000}, "unknown instrument"),
        ({"qty": 0}, "quantity must be positive"),
        ({"price": -5}, "price must be positive"),
        ({"side": 3}, "side must be"),
        ({"buyer": 12}, "unknown investor"),
        ({"seller_member": N_MEMBERS}, "unknown member"),
        ({"buy_program": 3}, "bad program kind"),
        ({"venue": 2}, "venue is not"),
        ({"time": 0}, "time goes backwards"),
    ],
)
def test_a_malformed_batch_names_the_bad_row_and_leaves_state_untouched(
    engine: Engine, overrides: dict[str, int], reason: str
) -> None:
    before = engine.digest()
    with pytest.raises(BatchError, match=reason) as err:
        engine.apply(one_trade(engine, **overrides))
    assert err.value.row == 1 and err.value.array == "trades"
    assert engine.digest() == before


def test_prices_off_tick_or_outside_the_limits_are_rejected(engine: Engine) -> None:
    i = int(np.argmax(engine.base))  # an expensive stock: coarse ticks
    for price, reason in (
        (int(engine.base[i]) + 1, "off its tick"),
        (int(engine.upper[i]) + 1000, "above the upper limit"),
        (int(engine.lower[i]) - 1000, "below the lower limit"),
    ):
        b = one_trade(engine)
        b.trades["inst"] = i
        b.trades["price"] = engine.base[i]
        b.trades["price"][1] = price
        before = engine.digest()
        with pytest.raises(BatchError, match=reason):
            engine.apply(b)
        assert engine.digest() == before
    ok = one_trade(engine)
    ok.trades["inst"] = i
    ok.trades["price"] = [engine.upper[i], engine.lower[i]]  # both limits are inclusive
    ok.trades["time"] = kst_ns(DAY, time(9, 0, 1)) + np.arange(2)
    engine.apply(ok)
    assert engine.state(Venue.KRX).count[i] == 2


def test_nxt_trades_only_for_nxt_eligible_instruments(engine: Engine) -> None:
    i = int(np.flatnonzero(~engine.instruments.nxt)[0])
    b = one_trade(engine, venue=1)
    b.trades["inst"] = i
    b.trades["price"] = engine.base[i]
    with pytest.raises(BatchError, match="does not trade on NXT"):
        engine.apply(b)


def test_time_may_not_go_back_across_batches(engine: Engine) -> None:
    engine.apply(one_trade(engine))
    with pytest.raises(BatchError, match="time goes backwards"):
        engine.apply(one_trade(engine))


def test_books_are_checked_and_the_latest_snapshot_kept(engine: Engine) -> None:
    from sise.engine.batches import empty_books

    bk = empty_books(2)
    bk["inst"] = 0
    bk["time"] = kst_ns(DAY, time(9, 0, 1)) + np.arange(2)
    p = int(engine.base[0])
    for r, offset in enumerate((0, 1)):
        ticks = [p + (k + 1 + offset) * 1000 for k in range(10)]
        bk["ask_price"][r] = [x - x % 1000 for x in ticks]
        bk["bid_price"][r] = 0
        bk["ask_qty"][r] = 5
    bad = bk.copy()
    bad["ask_price"][1, 3] = bad["ask_price"][1, 2]  # not ascending
    with pytest.raises(BatchError, match="ascending") as err:
        engine.apply(Batch(books=bad))
    assert err.value.row == 1
    engine.apply(Batch(books=bk))
    np.testing.assert_array_equal(engine.books[Venue.KRX].ask_price[0], bk["ask_price"][1])


def test_statuses_set_phase_vi_and_halt(engine: Engine) -> None:
    st = empty_statuses(4)
    st["inst"] = [1, 1, 2, 2]
    st["time"] = kst_ns(DAY, time(9, 0, 1)) + np.arange(4)
    st["kind"] = [StatusKind.VI_START, StatusKind.PHASE, StatusKind.HALT, StatusKind.INDICATIVE]
    st["value"] = [2, 3, 1, 0]
    st["price"] = [12345, 0, 0, 5000]
    st["qty"] = [0, 0, 0, 777]
    engine.apply(Batch(statuses=st))
    assert engine.vi[Venue.KRX, 1] == 2 and engine.vi_price[Venue.KRX, 1] == 12345
    assert engine.phase[Venue.KRX, 1] == 3
    assert engine.halted[Venue.KRX, 2]
    assert engine.indicative_qty[Venue.KRX, 2] == 777
    assert engine.indicative_time[Venue.KRX, 2] == st["time"][3]
    assert engine.vi_time[Venue.KRX, 1] == st["time"][0] and engine.vi_count[Venue.KRX, 1] == 1
    end = empty_statuses(1)
    end["inst"] = 1
    end["time"] = kst_ns(DAY, time(9, 2, 1))
    end["kind"] = StatusKind.VI_END
    engine.apply(Batch(statuses=end))
    assert engine.vi[Venue.KRX, 1] == 0
    assert engine.vi_time[Venue.KRX, 1] == end["time"][0] and engine.vi_count[Venue.KRX, 1] == 1
    again = empty_statuses(3)  # two VIs of one stock in one batch both count
    again["inst"] = 1
    again["time"] = kst_ns(DAY, time(9, 10)) + np.arange(3)
    again["kind"] = [StatusKind.VI_START, StatusKind.VI_END, StatusKind.VI_START]
    again["value"] = [1, 0, 2]
    engine.apply(Batch(statuses=again))
    assert engine.vi[Venue.KRX, 1] == 2 and engine.vi_count[Venue.KRX, 1] == 3


def test_applying_before_start_day_is_an_error() -> None:
    table = small_table()
    e = Engine(table, small_indices(table), N_MEMBERS)
    with pytest.raises(EngineStateError):
        e.apply(Batch())


def test_next_day_base_is_todays_close(traded: tuple[Engine, list[Batch]]) -> None:
    e = fresh_engine()
    for b in day_batches(e, DAY, trades=5_000):
        e.apply(b)
    krx_last = e.state(Venue.KRX).last.copy()
    daily = e.end_day()
    e.start_day(DAY + timedelta(days=3))
    traded_today = krx_last > 0
    np.testing.assert_array_equal(e.base[traded_today], krx_last[traded_today])
    krx_rows = daily[daily["venue"] == Venue.KRX]
    np.testing.assert_array_equal(krx_rows["close"], krx_last[krx_rows["inst"]])


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (DAY, time(9, 0, 10), time(15, 30, 30)),
        (date(2026, 1, 2), time(10, 0, 10), time(15, 30, 30)),  # first trading day: 10:00 open
        (date(2026, 11, 19), time(10, 0, 10), time(16, 30, 30)),  # CSAT day: an hour later
    ],
)
def test_indices_publish_within_the_days_index_window_by_default(day: date, first: time, last: time) -> None:
    table = small_table()
    e = Engine(table, small_indices(table), N_MEMBERS)
    e.start_day(day)
    e.advance_to(kst_ns(day, time(8, 0)))
    e.end_day()  # publishes the whole window
    t, _, _, _ = e.index.series("TOP10")
    assert t[0] == kst_ns(day, first)
    assert t[-1] == kst_ns(day, last)
    assert len(t) == (t[-1] - t[0]) // NS + 1


# -- the state declaration ------------------------------------------------------------------------


def _new_listing(code: str = "999991") -> Instrument:
    return Instrument(
        code,
        "",
        "신규상장",
        "New Listing",
        Market.KOSPI,
        InstrumentKind.STOCK,
        TickTableId.STOCK,
        listed_shares=1_000_000,
        prev_close=10_000,
        nxt=False,
    )


def test_every_declared_array_is_in_the_digest(traded: tuple[Engine, list[Batch]]) -> None:
    e, _ = traded
    names = [name for name, _ in e.state_arrays()]
    for f in declared(Engine, InstrumentField):
        assert f.name in names
    for f in declared(VenueState, RowField):
        assert f"rows.{f.name}" in names
    for f in declared(BookState, RowField):
        assert f"books.{f.name}" in names
    # A change of any declared array changes the digest.
    before = e.digest()
    arrays = [getattr(e, f.name) for f in declared(Engine, InstrumentField)]
    arrays += [*e.rows.arrays().values(), *e.book_rows.arrays().values()]
    for arr in arrays:
        flat = arr.reshape(-1)
        assert np.shares_memory(flat, arr)
        old = flat[0].copy()
        flat[0] = ~old if arr.dtype == np.bool_ else old + 1
        assert e.digest() != before
        flat[0] = old
    assert e.digest() == before


def test_declared_arrays_have_their_declared_dtype_and_shape(engine: Engine) -> None:
    for f in declared(Engine, InstrumentField):
        arr = getattr(engine, f.name)
        assert arr.dtype == f.dtype, f.name
        assert arr.shape == ((2, engine.n) if f.spec.per_venue else (engine.n,)), f.name
    assert engine.phase.dtype == np.int16 and engine.etp_index.dtype == np.intp


def test_a_listing_grows_every_array_with_its_fill_value(engine: Engine) -> None:
    n = engine.n
    i = engine.list_instrument(_new_listing(), ["KOSPI"])
    assert i == n
    for f in declared(Engine, InstrumentField):
        assert getattr(engine, f.name).shape[-1] == n + 1, f.name
    assert engine.etp_index[i] == -1  # tracks nothing
    assert np.isnan(engine.inav()[i])
    assert engine.base[i] == engine.prev_close[i] == engine.index_price[i] == 10_000
    for name, arr in engine.rows.arrays().items():
        assert arr.shape[0] == 2 * (n + 1), name
    for name, arr in engine.book_rows.arrays().items():
        assert arr.shape[0] == 2 * (n + 1), name


def test_a_new_day_resets_daily_arrays_and_carries_the_others(engine: Engine) -> None:
    st = empty_statuses(3)
    st["inst"] = [0, 1, 2]
    st["time"] = kst_ns(DAY, time(9, 30))
    st["kind"] = [StatusKind.HALT, StatusKind.OPEN_INTEREST, StatusKind.SETTLEMENT]
    st["qty"] = [0, 500, 0]
    st["price"] = [0, 0, 1234]
    engine.apply(Batch(statuses=st))
    engine.foreign_start[3] = 77
    assert engine.halted[0, 0] and engine.open_interest[1] == 500 and engine.settlement[2] == 1234
    engine.end_day()
    engine.start_day(DAY + timedelta(days=3))
    for f in declared(Engine, InstrumentField):
        if f.spec.daily:
            assert (getattr(engine, f.name) == f.spec.fill).all(), f.name
    assert engine.open_interest[1] == 500  # open interest carries over
    assert engine.foreign_start[3] != 0  # rolled from yesterday's holdings
