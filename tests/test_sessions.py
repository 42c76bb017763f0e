"""Session schedules: normal days, special days, NXT halts, derivatives, eras and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from sise.market.calendar import TradingCalendar
from sise.market.sessions import (
    KST,
    DayKind,
    Phase,
    ScheduleRegistry,
    SessionWindow,
    derivatives_schedule_for,
    index_window,
    krx_extended_hours_rule,
    phase_at,
    schedule_at,
    schedule_for,
)
from sise.market.types import Venue

NORMAL = date(2025, 6, 10)  # a Tuesday, after the NXT launch and the night-market start


def t(text: str) -> time:
    return time.fromisoformat(text)


@pytest.mark.parametrize(
    ("at", "phase"),
    [
        ("08:00", Phase.CLOSED),
        ("08:29:59", Phase.CLOSED),
        ("08:30", Phase.OPENING_AUCTION),  # the closing-price window is secondary
        ("08:45", Phase.OPENING_AUCTION),
        ("09:00", Phase.CONTINUOUS),
        ("12:00", Phase.CONTINUOUS),
        ("15:19:59", Phase.CONTINUOUS),
        ("15:20", Phase.CLOSING_AUCTION),
        ("15:30", Phase.POST_CLOSE_CLOSING_PRICE),  # order entry; trades from 15:40
        ("15:50", Phase.POST_CLOSE_CLOSING_PRICE),
        ("16:00", Phase.AFTER_HOURS_SINGLE_PRICE),
        ("17:59:59", Phase.AFTER_HOURS_SINGLE_PRICE),
        ("18:00", Phase.CLOSED),
    ],
)
def test_krx_phase_on_a_normal_day(at: str, phase: Phase) -> None:
    assert schedule_for(NORMAL, Venue.KRX).phase_at(t(at)) == phase


@pytest.mark.parametrize(
    ("at", "phase"),
    [
        ("07:59", Phase.CLOSED),
        ("08:00", Phase.PRE_MARKET),
        ("08:50", Phase.NXT_OPENING_HALT),
        ("09:00:15", Phase.NXT_OPENING_HALT),
        ("09:00:30", Phase.MAIN_MARKET),
        ("15:20", Phase.NXT_CLOSING_HALT),
        ("15:29:59", Phase.NXT_CLOSING_HALT),
        ("15:30", Phase.AFTER_MARKET),
        ("19:59:59", Phase.AFTER_MARKET),
        ("20:00", Phase.CLOSED),
    ],
)
def test_nxt_phase_on_a_normal_day(at: str, phase: Phase) -> None:
    assert schedule_for(NORMAL, Venue.NXT).phase_at(t(at)) == phase


def test_nxt_halts_exactly_while_krx_runs_its_auctions() -> None:
    krx = schedule_for(NORMAL, Venue.KRX)
    nxt = schedule_for(NORMAL, Venue.NXT)
    for at in ("08:50", "08:55", "08:59:59", "15:20", "15:25", "15:29:59"):
        assert krx.phase_at(t(at)).is_call_auction
        assert nxt.phase_at(t(at)).is_halt
        assert not nxt.is_open_at(t(at))
    assert nxt.is_open_at(t("08:49:59"))
    assert nxt.is_open_at(t("15:19:59"))


def test_overlapping_krx_windows_are_all_reported() -> None:
    krx = schedule_for(NORMAL, Venue.KRX)
    assert [w.phase for w in krx.active_windows(t("08:35"))] == [
        Phase.PRE_OPEN_CLOSING_PRICE,
        Phase.OPENING_AUCTION,
    ]
    assert [w.phase for w in krx.active_windows(t("08:45"))] == [Phase.OPENING_AUCTION]


def test_normal_day_times() -> None:
    krx = schedule_for(NORMAL, Venue.KRX)
    assert (krx.open_time, krx.close_time) == (t("09:00"), t("15:30"))
    assert krx.regular_session_seconds == 6 * 3600 + 1800
    assert krx.indicative_from == t("08:50")
    assert krx.kind == DayKind.NORMAL
    nxt = schedule_for(NORMAL, Venue.NXT)
    assert (nxt.open_time, nxt.close_time) == (t("09:00:30"), t("15:20"))


def test_post_close_closing_price_takes_orders_before_it_trades() -> None:
    w = schedule_for(NORMAL, Venue.KRX).window(Phase.POST_CLOSE_CLOSING_PRICE)
    assert w is not None
    assert (w.start, w.trading_start, w.end) == (t("15:30"), t("15:40"), t("16:00"))
    assert not w.trades_at(t("15:35"))
    assert w.trades_at(t("15:40"))


def test_off_hours_single_price_calls_every_ten_minutes() -> None:
    w = schedule_for(NORMAL, Venue.KRX).window(Phase.AFTER_HOURS_SINGLE_PRICE)
    assert w is not None
    calls = w.call_times()
    assert len(calls) == 12
    assert (calls[0], calls[-1]) == (t("16:10"), t("18:00"))


def test_csat_day_runs_one_hour_late_but_post_close_still_ends_at_18() -> None:
    krx = schedule_for(date(2025, 11, 13), Venue.KRX)
    assert krx.kind == DayKind.CSAT
    assert (krx.open_time, krx.close_time) == (t("10:00"), t("16:30"))
    assert krx.phase_at(t("09:35")) == Phase.OPENING_AUCTION
    assert krx.phase_at(t("16:25")) == Phase.CLOSING_AUCTION
    post = krx.window(Phase.POST_CLOSE_CLOSING_PRICE)
    single = krx.window(Phase.AFTER_HOURS_SINGLE_PRICE)
    assert post is not None and single is not None
    assert (post.trading_start, post.end) == (t("16:40"), t("17:00"))
    assert (single.start, single.end) == (t("17:00"), t("18:00"))
    assert krx.indicative_from == t("09:50")


def test_csat_day_on_nxt_has_no_pre_market() -> None:
    nxt = schedule_for(date(2025, 11, 13), Venue.NXT)
    assert [w.phase for w in nxt.windows] == [Phase.MAIN_MARKET, Phase.NXT_CLOSING_HALT, Phase.AFTER_MARKET]
    assert nxt.phase_at(t("08:30")) == Phase.CLOSED
    assert (nxt.open_time, nxt.close_time) == (t("10:00:30"), t("16:20"))
    after = nxt.window(Phase.AFTER_MARKET)
    assert after is not None and (after.start, after.end) == (t("16:30"), t("20:00"))


@pytest.mark.parametrize("d", [date(2025, 1, 2), date(2026, 1, 2)])
def test_first_trading_day_opens_at_ten_and_closes_as_usual(d: date) -> None:
    krx = schedule_for(d, Venue.KRX)
    assert krx.kind == DayKind.FIRST_TRADING_DAY
    assert (krx.open_time, krx.close_time) == (t("10:00"), t("15:30"))
    pre = krx.window(Phase.PRE_OPEN_CLOSING_PRICE)
    auction = krx.window(Phase.OPENING_AUCTION)
    assert pre is not None and auction is not None
    assert (pre.start, pre.end) == (t("09:30"), t("09:40"))
    assert (auction.start, auction.end) == (t("09:30"), t("10:00"))
    assert krx.phase_at(t("09:00")) == Phase.CLOSED


def test_first_trading_day_2026_on_nxt_skips_the_pre_market() -> None:
    nxt = schedule_for(date(2026, 1, 2), Venue.NXT)
    assert nxt.phase_at(t("08:10")) == Phase.CLOSED
    assert nxt.open_time == t("10:00:30")
    assert nxt.close_time == t("15:20")


def test_nxt_did_not_trade_before_its_launch() -> None:
    assert not schedule_for(date(2025, 2, 28), Venue.NXT).is_trading_day
    assert schedule_for(date(2025, 3, 4), Venue.NXT).is_trading_day


@pytest.mark.parametrize("d", [date(2025, 6, 3), date(2025, 6, 7), date(2025, 12, 31)])
def test_non_trading_days_have_an_empty_schedule(d: date) -> None:
    for venue in (Venue.KRX, Venue.NXT, Venue.ALL):
        s = schedule_for(d, venue)
        assert s.kind == DayKind.CLOSED
        assert s.windows == ()
        assert s.phase_at(t("10:00")) == Phase.CLOSED
        assert s.open_time is None and s.regular_session_seconds == 0
    assert derivatives_schedule_for(d).windows == ()


def test_combined_view_prefers_krx_and_falls_back_to_nxt() -> None:
    both = schedule_for(NORMAL, Venue.ALL)
    assert both.phase_at(t("08:10")) == Phase.PRE_MARKET
    assert both.phase_at(t("08:55")) == Phase.OPENING_AUCTION
    assert both.phase_at(t("10:00")) == Phase.CONTINUOUS
    assert both.phase_at(t("18:30")) == Phase.AFTER_MARKET
    assert (both.open_time, both.close_time) == (t("09:00"), t("15:30"))


def test_schedules_before_the_2016_extension_close_at_15() -> None:
    krx = schedule_for(date(2016, 7, 29), Venue.KRX)
    assert (krx.open_time, krx.close_time) == (t("09:00"), t("15:00"))
    assert krx.phase_at(t("14:55")) == Phase.CLOSING_AUCTION
    assert schedule_for(date(2016, 8, 1), Venue.KRX).close_time == t("15:30")


def test_opening_auction_started_at_eight_before_2019_04_29() -> None:
    before = schedule_for(date(2019, 4, 26), Venue.KRX)
    after = schedule_for(date(2019, 4, 29), Venue.KRX)
    assert before.phase_at(t("08:10")) == Phase.OPENING_AUCTION
    assert before.phase_at(t("07:45")) == Phase.PRE_OPEN_CLOSING_PRICE
    assert before.indicative_from == t("08:10")
    assert after.phase_at(t("08:10")) == Phase.CLOSED
    assert after.indicative_from == t("08:40")


def test_csat_before_2016_ran_ten_to_sixteen() -> None:
    krx = schedule_for(date(2015, 11, 12), Venue.KRX)
    assert (krx.open_time, krx.close_time) == (t("10:00"), t("16:00"))


def test_derivatives_regular_day() -> None:
    s = derivatives_schedule_for(NORMAL)
    assert (s.open_time, s.close_time) == (t("08:45"), t("15:45"))
    assert s.phase_at(t("08:30")) == Phase.OPENING_AUCTION
    assert s.phase_at(t("08:45")) == Phase.CONTINUOUS
    assert s.phase_at(t("15:35")) == Phase.CLOSING_AUCTION
    assert s.phase_at(t("16:00")) == Phase.CLOSED
    assert s.phase_at(t("18:00")) == Phase.NIGHT


def test_derivatives_opened_at_nine_before_2023_07_31() -> None:
    assert derivatives_schedule_for(date(2023, 7, 28)).open_time == t("09:00")
    assert derivatives_schedule_for(date(2023, 7, 31)).open_time == t("08:45")


def test_derivatives_last_trading_day_closes_at_1520() -> None:
    s = derivatives_schedule_for(date(2025, 6, 12), expiry=True)
    assert (s.open_time, s.close_time) == (t("08:45"), t("15:20"))
    assert s.phase_at(t("15:25")) == Phase.CLOSED
    assert s.phase_at(t("18:30")) == Phase.CLOSED  # an expired contract has no night session


def test_derivatives_on_csat_and_first_trading_day() -> None:
    csat = derivatives_schedule_for(date(2025, 11, 13))
    assert (csat.open_time, csat.close_time) == (t("09:45"), t("16:45"))
    night = csat.window(Phase.NIGHT)
    assert night is not None and (night.start, night.end) == (t("19:00"), t("06:00"))
    first = derivatives_schedule_for(date(2026, 1, 2))
    assert (first.open_time, first.close_time) == (t("09:45"), t("15:45"))


def test_night_market_starts_2025_06_09() -> None:
    assert derivatives_schedule_for(date(2025, 6, 5)).window(Phase.NIGHT) is None
    assert derivatives_schedule_for(date(2025, 6, 9)).window(Phase.NIGHT) is not None


def test_night_market_after_midnight_belongs_to_the_previous_day() -> None:
    friday_night = datetime(2025, 6, 14, 3, 0, tzinfo=KST)  # Saturday 03:00
    sched, phase = schedule_at(friday_night, Venue.KRX, derivatives=True)
    assert phase == Phase.NIGHT and sched.day == date(2025, 6, 13)
    assert phase_at(datetime(2025, 6, 14, 6, 0, tzinfo=KST), Venue.KRX, derivatives=True) == Phase.CLOSED
    assert phase_at(datetime(2025, 6, 16, 3, 0, tzinfo=KST), Venue.KRX, derivatives=True) == Phase.CLOSED


def test_phase_at_converts_to_kst() -> None:
    utc_midday = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)  # 10:00 KST
    assert phase_at(utc_midday, Venue.KRX) == Phase.CONTINUOUS
    assert phase_at(datetime(2025, 6, 10, 10, 0), Venue.KRX) == Phase.CONTINUOUS  # naive = KST
    assert KST.utcoffset(None) == timedelta(hours=9)


def test_extended_hours_variant_is_off_by_default_and_can_be_enabled() -> None:
    d = date(2026, 7, 1)
    assert schedule_for(d, Venue.KRX).phase_at(t("07:30")) == Phase.CLOSED
    reg = ScheduleRegistry()
    reg.add(krx_extended_hours_rule())
    s = reg.schedule_for(d, Venue.KRX)
    assert s.phase_at(t("07:30")) == Phase.PRE_MARKET
    assert s.phase_at(t("08:35")) == Phase.OPENING_AUCTION
    assert s.phase_at(t("17:00")) == Phase.AFTER_MARKET
    assert s.window(Phase.AFTER_HOURS_SINGLE_PRICE) is None
    assert (s.open_time, s.close_time) == (t("09:00"), t("15:30"))
    # Before the rule's start date the old schedule stays.
    assert reg.schedule_for(date(2026, 6, 26), Venue.KRX).phase_at(t("07:30")) == Phase.CLOSED


def test_a_single_day_can_be_pinned() -> None:
    reg = ScheduleRegistry()
    late = [
        SessionWindow(Phase.OPENING_AUCTION, t("10:30"), t("11:00")),
        SessionWindow(Phase.CONTINUOUS, t("11:00"), t("15:20")),
        SessionWindow(Phase.CLOSING_AUCTION, t("15:20"), t("15:30")),
    ]
    reg.override_day(NORMAL, Venue.KRX, late)
    assert reg.schedule_for(NORMAL, Venue.KRX).open_time == t("11:00")
    assert schedule_for(NORMAL, Venue.KRX).open_time == t("09:00")


def test_registry_uses_its_calendar() -> None:
    reg = ScheduleRegistry(calendar=TradingCalendar(extra_holidays=[NORMAL]))
    assert not reg.schedule_for(NORMAL, Venue.KRX).is_trading_day


def test_overlapping_primary_windows_are_rejected() -> None:
    reg = ScheduleRegistry()
    with pytest.raises(ValueError, match="overlap"):
        reg.override_day(
            NORMAL,
            Venue.KRX,
            [
                SessionWindow(Phase.CONTINUOUS, t("09:00"), t("15:20")),
                SessionWindow(Phase.CLOSING_AUCTION, t("15:10"), t("15:30")),
            ],
        )


def test_out_of_range_dates_raise() -> None:
    with pytest.raises(ValueError, match=r"2015-01-01\.\.2027-12-31"):
        schedule_for(date(2028, 1, 3), Venue.KRX)


def test_index_window_follows_the_days_open_and_close() -> None:
    assert index_window(date(2026, 11, 20)) == (time(9, 0, 10), time(15, 30, 30))
    assert index_window(date(2026, 1, 2)) == (time(10, 0, 10), time(15, 30, 30))
    assert index_window(date(2026, 11, 19)) == (time(10, 0, 10), time(16, 30, 30))
    with pytest.raises(ValueError, match="not a KRX trading day"):
        index_window(date(2026, 11, 21))
