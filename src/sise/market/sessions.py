"""Session schedules of KRX equities, NXT and KRX index derivatives, by date and venue.

A day's schedule is a list of :class:`SessionWindow` (phase, start, end) in KST wall time. KRX
windows overlap: the pre-open closing-price trade (08:30-08:40) runs inside the opening auction
(08:30-09:00). Such windows are marked ``secondary``; :meth:`DaySchedule.phase_at` returns the
*primary* phase (here the opening auction) and :meth:`DaySchedule.active_windows` returns all of
them. A window's ``start`` is when it accepts orders; ``trades_from`` is set when trading starts
later (the post-close closing-price trade takes orders from 15:30 and trades 15:40-16:00).

Normal days come from a :class:`SessionTemplate` chosen by date (:class:`ScheduleRule`); the
special days are derived from it:

- First trading day of the year (opening ceremony): everything up to the open moves one hour later
  (KRX pre-open closing-price 09:30-09:40, opening auction 09:30-10:00, continuous from 10:00),
  the close stays. NXT skips its pre-market and opens its main market at 10:00:30. Derivatives
  open at 09:45 and close as usual.
- CSAT day: everything moves one hour later (KRX 10:00-16:30, derivatives 09:45-16:45), except that
  sessions never run past the venue's usual end of day: the KRX off-hours single-price session ends
  at 18:00 (17:00-18:00) and NXT's after-market at 20:00 (16:30-20:00). NXT skips its pre-market.
  The derivatives night market opens at 19:00 and ends at 06:00 as usual.
- Non-trading days: no windows.

Schedules changed over the covered years; the default rules reproduce them:

- 2016-08-01: regular session extended from 15:00 to 15:30 (KRX) and from 15:15 to 15:45
  (derivatives); the post-close sessions shortened from 15:10-18:00 to 15:40-18:00.
- 2019-04-29: opening auction shortened from 08:00-09:00 to 08:30-09:00; the pre-open closing-price
  trade moved from 07:30-08:30 to 08:30-08:40; indicative prices from 08:40 instead of 08:10.
- 2023-07-31: index derivatives open at 08:45 (opening auction 08:30-08:45).
- 2025-03-04: NXT launches; KRX publishes the indicative opening price only from 08:50.
- 2025-06-09: KRX derivatives night market, 18:00-06:00 the next morning.

The announced KRX pre-market (07:00-08:00) and after-market (16:00-20:00) are provided as
:data:`KRX_EXTENDED_HOURS_2026` but not enabled; add :func:`krx_extended_hours_rule` to a
:class:`ScheduleRegistry` once the launch date is known.

Random ends of call auctions (up to :data:`CALL_RANDOM_END_MAX`) and VI or circuit-breaker states
are the engine's business, not the schedule's; :func:`index_window` gives the span in which index
levels are published. Block and basket trading windows are not modelled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from itertools import pairwise

from sise.market.calendar import TradingCalendar, default_calendar
from sise.market.timeutil import KST
from sise.market.types import Venue

__all__ = [
    "CALL_RANDOM_END_MAX",
    "DERIVATIVES_2015",
    "DERIVATIVES_2016",
    "DERIVATIVES_2019",
    "DERIVATIVES_2023",
    "DERIVATIVES_2025",
    "INDEX_FIRST_RELEASE_DELAY",
    "KRX_2015",
    "KRX_2016",
    "KRX_2019",
    "KRX_2025",
    "KRX_EXTENDED_HOURS_2026",
    "KRX_EXTENDED_HOURS_TARGET_START",
    "KST",
    "NXT_2025",
    "NXT_LAUNCH",
    "DayKind",
    "DaySchedule",
    "Phase",
    "ScheduleRegistry",
    "ScheduleRule",
    "SessionTemplate",
    "SessionWindow",
    "default_registry",
    "default_rules",
    "derivatives_schedule_for",
    "index_window",
    "krx_extended_hours_rule",
    "phase_at",
    "schedule_at",
    "schedule_for",
    "to_kst",
]

NXT_LAUNCH = date(2025, 3, 4)
#: Target launch of the KRX pre/after-market; announced, not confirmed.
KRX_EXTENDED_HOURS_TARGET_START = date(2026, 6, 29)

#: A call auction (the closing one included) ends at a random moment up to this long after its
#: scheduled end (임의종료).
CALL_RANDOM_END_MAX = timedelta(seconds=30)
#: KRX's first index release of the day comes this long after the regular open (09:00:10).
INDEX_FIRST_RELEASE_DELAY = timedelta(seconds=10)

_ONE_HOUR = timedelta(hours=1)
_TEN_MINUTES = timedelta(minutes=10)


class Phase(IntEnum):
    """Trading phase. Values are stable: append, never renumber."""

    CLOSED = 0
    PRE_OPEN_CLOSING_PRICE = 1  # 장개시전 시간외종가: fills at the previous close
    OPENING_AUCTION = 2  # 시가 단일가
    CONTINUOUS = 3  # 접속매매
    CLOSING_AUCTION = 4  # 종가 단일가
    POST_CLOSE_CLOSING_PRICE = 5  # 장종료후 시간외종가: fills at the day's close
    AFTER_HOURS_SINGLE_PRICE = 6  # 시간외 단일가: a call every 10 minutes
    PRE_MARKET = 7  # NXT 프리마켓 (and the planned KRX one)
    NXT_OPENING_HALT = 8  # NXT stops while the KRX opening auction sets the open
    MAIN_MARKET = 9  # NXT 메인마켓
    NXT_CLOSING_HALT = 10  # NXT stops during the KRX closing auction
    AFTER_MARKET = 11  # NXT 애프터마켓 (and the planned KRX one)
    NIGHT = 12  # derivatives night market

    @property
    def is_halt(self) -> bool:
        return self in (Phase.NXT_OPENING_HALT, Phase.NXT_CLOSING_HALT)

    @property
    def is_call_auction(self) -> bool:
        return self in (Phase.OPENING_AUCTION, Phase.CLOSING_AUCTION, Phase.AFTER_HOURS_SINGLE_PRICE)


class DayKind(IntEnum):
    CLOSED = 0
    NORMAL = 1
    FIRST_TRADING_DAY = 2
    CSAT = 3


def _t(text: str) -> time:
    return time.fromisoformat(text)


def _add(t: time, delta: timedelta) -> time:
    moved = datetime.combine(date(2000, 1, 1), t) + delta
    if moved.date() != date(2000, 1, 1):
        raise ValueError(f"shifting {t} by {delta} leaves the day")
    return moved.time()


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True, slots=True)
class SessionWindow:
    """One session of one venue, ``start`` (orders accepted) inclusive to ``end`` exclusive.

    A window whose ``end`` is not after its ``start`` runs past midnight (the night market); on its
    own day's schedule it covers ``start``..24:00, and :func:`schedule_at` finds the tail after
    midnight.
    """

    phase: Phase
    start: time
    end: time
    venue: Venue = Venue.KRX
    trades_from: time | None = None  # trading starts later than order entry
    call_interval: timedelta | None = None  # periodic call auctions (off-hours single price)
    secondary: bool = False  # overlaps a primary window and yields to it in phase_at

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    @property
    def trading_start(self) -> time:
        return self.trades_from if self.trades_from is not None else self.start

    def contains(self, t: time) -> bool:
        """Whether ``t`` falls in the window's part on its own calendar day."""
        if self.overnight:
            return t >= self.start
        return self.start <= t < self.end

    def trades_at(self, t: time) -> bool:
        """Whether trades can happen at ``t`` (not just order entry)."""
        return self.contains(t) and t >= self.trading_start

    def call_times(self) -> list[time]:
        """Match times of a periodic call session: every interval after the start, up to the end."""
        if self.call_interval is None or self.overnight:
            return []
        out: list[time] = []
        t = self.trading_start
        end_s = _seconds(self.end)
        step = int(self.call_interval.total_seconds())
        s = _seconds(t) + step
        while s <= end_s:
            out.append(_add(time(0), timedelta(seconds=s)))
            s += step
        return out

    def _map(self, fn: Callable[[time], time]) -> SessionWindow:
        return dataclasses.replace(
            self,
            start=fn(self.start),
            end=fn(self.end),
            trades_from=None if self.trades_from is None else fn(self.trades_from),
        )


_OPEN_PHASES = (Phase.CONTINUOUS, Phase.MAIN_MARKET)


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """The sessions of one venue on one date."""

    day: date
    venue: Venue
    kind: DayKind
    windows: tuple[SessionWindow, ...] = ()
    indicative_from: time | None = None  # opening-auction indicative price published from
    derivatives: bool = False
    expiry: bool = False  # schedule of a contract on its last trading day

    def __post_init__(self) -> None:
        primary = sorted(
            (w for w in self.windows if not w.secondary),
            key=lambda w: _seconds(w.start),
        )
        for a, b in pairwise(primary):
            if a.overnight or _seconds(b.start) < _seconds(a.end):
                raise ValueError(f"{self.day} {self.venue.name}: primary windows overlap: {a} / {b}")

    @property
    def is_trading_day(self) -> bool:
        return bool(self.windows)

    def active_windows(self, t: time) -> tuple[SessionWindow, ...]:
        return tuple(w for w in self.windows if w.contains(t))

    def phase_at(self, t: time) -> Phase:
        """The primary phase at ``t``; a secondary window's phase only when no primary is active."""
        active = self.active_windows(t)
        for w in active:
            if not w.secondary:
                return w.phase
        return active[0].phase if active else Phase.CLOSED

    def is_open_at(self, t: time) -> bool:
        """Whether any session (order entry included, halts excluded) is running at ``t``."""
        return any(not w.phase.is_halt for w in self.active_windows(t))

    def window(self, phase: Phase) -> SessionWindow | None:
        """The first primary window of ``phase``, else the first secondary one."""
        found = [w for w in self.windows if w.phase == phase]
        found.sort(key=lambda w: w.secondary)
        return found[0] if found else None

    @property
    def open_time(self) -> time | None:
        """Start of continuous trading (NXT: of the main market)."""
        for w in self.windows:
            if w.phase in _OPEN_PHASES and not w.secondary:
                return w.trading_start
        return None

    @property
    def close_time(self) -> time | None:
        """Regular close: end of the closing auction, or of continuous trading when there is none."""
        closing = [w for w in self.windows if not w.secondary and w.phase == Phase.CLOSING_AUCTION]
        if closing:
            return closing[-1].end
        cont = [w for w in self.windows if not w.secondary and w.phase in _OPEN_PHASES]
        return cont[-1].end if cont else None

    @property
    def regular_session_seconds(self) -> int:
        if self.open_time is None or self.close_time is None:
            return 0
        return _seconds(self.close_time) - _seconds(self.open_time)


@dataclass(frozen=True, slots=True)
class SessionTemplate:
    """Normal-day windows of one venue and the knobs that derive its special days."""

    name: str
    windows: tuple[SessionWindow, ...]
    indicative_from: time | None = None
    # Phases dropped on the first trading day and on CSAT day (NXT's pre-market).
    skip_on_special_days: frozenset[Phase] = frozenset()
    # On CSAT day nothing is pushed past this time (KRX 18:00, NXT 20:00); None = shift everything.
    csat_day_end: time | None = None
    # Derivatives: close of a contract on its last trading day (continuous trading ends with a
    # ten-minute closing auction before it).
    expiry_close: time | None = None

    @property
    def open_time(self) -> time:
        for w in self.windows:
            if w.phase in _OPEN_PHASES and not w.secondary:
                return w.trading_start
        raise ValueError(f"template {self.name} has no continuous session")


@dataclass(frozen=True, slots=True)
class ScheduleRule:
    """Use ``template`` for ``venue`` from ``start`` to ``end`` (inclusive; None = open-ended)."""

    template: SessionTemplate
    venue: Venue
    start: date
    end: date | None = None
    derivatives: bool = False

    def applies(self, d: date, venue: Venue, derivatives: bool) -> bool:
        return (
            self.venue == venue
            and self.derivatives == derivatives
            and self.start <= d
            and (self.end is None or d <= self.end)
        )


# -- templates ---------------------------------------------------------------------------------


def _krx_template(
    name: str,
    *,
    pre_open: tuple[str, str],
    auction_start: str,
    close: str,
    post_close: tuple[str, str, str],
    indicative_from: str,
) -> SessionTemplate:
    close_t = _t(close)
    auction_close_start = _add(close_t, -_TEN_MINUTES)
    po_orders, po_trades, po_end = post_close
    return SessionTemplate(
        name=name,
        windows=(
            SessionWindow(Phase.PRE_OPEN_CLOSING_PRICE, _t(pre_open[0]), _t(pre_open[1]), secondary=True),
            SessionWindow(Phase.OPENING_AUCTION, _t(auction_start), _t("09:00")),
            SessionWindow(Phase.CONTINUOUS, _t("09:00"), auction_close_start),
            SessionWindow(Phase.CLOSING_AUCTION, auction_close_start, close_t),
            SessionWindow(
                Phase.POST_CLOSE_CLOSING_PRICE, _t(po_orders), _t(po_end), trades_from=_t(po_trades)
            ),
            SessionWindow(
                Phase.AFTER_HOURS_SINGLE_PRICE, _t(po_end), _t("18:00"), call_interval=_TEN_MINUTES
            ),
        ),
        indicative_from=_t(indicative_from),
        csat_day_end=_t("18:00"),
    )


#: Until 2016-07-29: close 15:00, post-close sessions 15:10-18:00. The closing-price window
#: 15:10-15:30 and the 10-minute call interval are inferred from the 2016 schedule shifted back.
KRX_2015 = _krx_template(
    "KRX 2015",
    pre_open=("07:30", "08:30"),
    auction_start="08:00",
    close="15:00",
    post_close=("15:00", "15:10", "15:30"),
    indicative_from="08:10",
)
KRX_2016 = _krx_template(
    "KRX 2016-08",
    pre_open=("07:30", "08:30"),
    auction_start="08:00",
    close="15:30",
    post_close=("15:30", "15:40", "16:00"),
    indicative_from="08:10",
)
KRX_2019 = _krx_template(
    "KRX 2019-04",
    pre_open=("08:30", "08:40"),
    auction_start="08:30",
    close="15:30",
    post_close=("15:30", "15:40", "16:00"),
    indicative_from="08:40",
)
KRX_2025 = dataclasses.replace(KRX_2019, name="KRX 2025-03", indicative_from=_t("08:50"))

#: Announced in 2026 for KOSPI and KOSDAQ; not enabled by default. The off-hours single-price
#: session is replaced by the after-market. Special days skip the pre-market, as NXT does (inferred).
KRX_EXTENDED_HOURS_2026 = SessionTemplate(
    name="KRX extended hours (announced 2026)",
    windows=(
        SessionWindow(Phase.PRE_MARKET, _t("07:00"), _t("08:00")),
        SessionWindow(Phase.PRE_OPEN_CLOSING_PRICE, _t("08:30"), _t("08:40"), secondary=True),
        SessionWindow(Phase.OPENING_AUCTION, _t("08:30"), _t("09:00")),
        SessionWindow(Phase.CONTINUOUS, _t("09:00"), _t("15:20")),
        SessionWindow(Phase.CLOSING_AUCTION, _t("15:20"), _t("15:30")),
        SessionWindow(Phase.POST_CLOSE_CLOSING_PRICE, _t("15:30"), _t("16:00"), trades_from=_t("15:40")),
        SessionWindow(Phase.AFTER_MARKET, _t("16:00"), _t("20:00")),
    ),
    indicative_from=_t("08:50"),
    skip_on_special_days=frozenset({Phase.PRE_MARKET}),
    csat_day_end=_t("20:00"),
)

#: NXT main market opens 30 s after the KRX open. The after-market takes orders from 15:30 and
#: trades from 15:40 (single-price open, then continuous; from a broker guide).
NXT_2025 = SessionTemplate(
    name="NXT 2025-03",
    windows=(
        SessionWindow(Phase.PRE_MARKET, _t("08:00"), _t("08:50"), Venue.NXT),
        SessionWindow(Phase.NXT_OPENING_HALT, _t("08:50"), _t("09:00:30"), Venue.NXT),
        SessionWindow(Phase.MAIN_MARKET, _t("09:00:30"), _t("15:20"), Venue.NXT),
        SessionWindow(Phase.NXT_CLOSING_HALT, _t("15:20"), _t("15:30"), Venue.NXT),
        SessionWindow(Phase.AFTER_MARKET, _t("15:30"), _t("20:00"), Venue.NXT, trades_from=_t("15:40")),
    ),
    skip_on_special_days=frozenset({Phase.PRE_MARKET, Phase.NXT_OPENING_HALT}),
    csat_day_end=_t("20:00"),
)


def _derivatives_template(
    name: str,
    *,
    auction_start: str,
    open_: str,
    close: str,
    expiry_close: str,
    indicative_from: str | None,
    night: bool = False,
) -> SessionTemplate:
    close_t = _t(close)
    closing_start = _add(close_t, -_TEN_MINUTES)
    windows = [
        SessionWindow(Phase.OPENING_AUCTION, _t(auction_start), _t(open_)),
        SessionWindow(Phase.CONTINUOUS, _t(open_), closing_start),
        SessionWindow(Phase.CLOSING_AUCTION, closing_start, close_t),
    ]
    if night:
        windows.append(SessionWindow(Phase.NIGHT, _t("18:00"), _t("06:00")))
    return SessionTemplate(
        name=name,
        windows=tuple(windows),
        indicative_from=None if indicative_from is None else _t(indicative_from),
        expiry_close=_t(expiry_close),
    )


# KOSPI200-family index futures and options. The 14:50 last-day close before 2016-08 is inferred
# (ten minutes before the equity close, as 15:20 is after 2016-08); so is the indicative-price
# time before 2019-04, left unset.
DERIVATIVES_2015 = _derivatives_template(
    "derivatives 2015",
    auction_start="08:00",
    open_="09:00",
    close="15:15",
    expiry_close="14:50",
    indicative_from=None,
)
DERIVATIVES_2016 = _derivatives_template(
    "derivatives 2016-08",
    auction_start="08:00",
    open_="09:00",
    close="15:45",
    expiry_close="15:20",
    indicative_from=None,
)
DERIVATIVES_2019 = _derivatives_template(
    "derivatives 2019-04",
    auction_start="08:30",
    open_="09:00",
    close="15:45",
    expiry_close="15:20",
    indicative_from="08:40",
)
DERIVATIVES_2023 = _derivatives_template(
    "derivatives 2023-07",
    auction_start="08:30",
    open_="08:45",
    close="15:45",
    expiry_close="15:20",
    indicative_from="08:40",
)
DERIVATIVES_2025 = _derivatives_template(
    "derivatives 2025-06",
    auction_start="08:30",
    open_="08:45",
    close="15:45",
    expiry_close="15:20",
    indicative_from="08:40",
    night=True,
)


def default_rules() -> list[ScheduleRule]:
    """The historical schedules, oldest first."""
    krx, nxt = Venue.KRX, Venue.NXT
    return [
        ScheduleRule(KRX_2015, krx, date(2015, 1, 1), date(2016, 7, 31)),
        ScheduleRule(KRX_2016, krx, date(2016, 8, 1), date(2019, 4, 28)),
        ScheduleRule(KRX_2019, krx, date(2019, 4, 29), date(2025, 3, 3)),
        ScheduleRule(KRX_2025, krx, NXT_LAUNCH),
        ScheduleRule(NXT_2025, nxt, NXT_LAUNCH),
        ScheduleRule(DERIVATIVES_2015, krx, date(2015, 1, 1), date(2016, 7, 31), derivatives=True),
        ScheduleRule(DERIVATIVES_2016, krx, date(2016, 8, 1), date(2019, 4, 28), derivatives=True),
        ScheduleRule(DERIVATIVES_2019, krx, date(2019, 4, 29), date(2023, 7, 30), derivatives=True),
        ScheduleRule(DERIVATIVES_2023, krx, date(2023, 7, 31), date(2025, 6, 8), derivatives=True),
        ScheduleRule(DERIVATIVES_2025, krx, date(2025, 6, 9), derivatives=True),
    ]


def krx_extended_hours_rule(start: date = KRX_EXTENDED_HOURS_TARGET_START) -> ScheduleRule:
    """A rule switching KRX equities to the announced extended hours from ``start``."""
    return ScheduleRule(KRX_EXTENDED_HOURS_2026, Venue.KRX, start)


# -- special-day derivation --------------------------------------------------------------------


def _first_day_shift(open_time: time) -> Callable[[time], time]:
    """Times up to the open move one hour later; the rest stay."""

    def fn(t: time) -> time:
        return _add(t, _ONE_HOUR) if t <= open_time else t

    return fn


def _csat_shift(day_end: time | None) -> Callable[[time], time]:
    """Times move one hour later, but never past ``day_end`` (times at or after it stay)."""

    def fn(t: time) -> time:
        if day_end is None:
            return _add(t, _ONE_HOUR)
        if t >= day_end:
            return t
        moved = _add(t, _ONE_HOUR)
        return moved if moved <= day_end else day_end

    return fn


def _apply_expiry(windows: Iterable[SessionWindow], close: time) -> list[SessionWindow]:
    """A contract's last trading day: continuous until ten minutes before ``close``, then the
    closing auction (inferred); no night session."""
    auction_start = _add(close, -_TEN_MINUTES)
    out: list[SessionWindow] = []
    for w in windows:
        if w.phase == Phase.NIGHT:
            continue
        if w.phase == Phase.CONTINUOUS:
            w = dataclasses.replace(w, end=auction_start)
        elif w.phase == Phase.CLOSING_AUCTION:
            w = dataclasses.replace(w, start=auction_start, end=close)
        out.append(w)
    return out


def _build(
    template: SessionTemplate,
    d: date,
    venue: Venue,
    kind: DayKind,
    *,
    derivatives: bool,
    expiry: bool,
) -> DaySchedule:
    windows: list[SessionWindow] = list(template.windows)
    if expiry:
        if template.expiry_close is None:
            raise ValueError(f"template {template.name} has no last-trading-day schedule")
        windows = _apply_expiry(windows, template.expiry_close)
    indicative = template.indicative_from
    if kind in (DayKind.FIRST_TRADING_DAY, DayKind.CSAT):
        windows = [w for w in windows if w.phase not in template.skip_on_special_days]
        fn = (
            _first_day_shift(template.open_time)
            if kind == DayKind.FIRST_TRADING_DAY
            else _csat_shift(template.csat_day_end)
        )
        shifted: list[SessionWindow] = []
        for w in windows:
            if w.overnight:
                # The night market: only its start moves, and only on CSAT day.
                if kind == DayKind.CSAT:
                    w = dataclasses.replace(w, start=_add(w.start, _ONE_HOUR))
                shifted.append(w)
            else:
                shifted.append(w._map(fn))
        windows = shifted
        indicative = None if indicative is None else fn(indicative)
    return DaySchedule(
        day=d,
        venue=venue,
        kind=kind,
        windows=tuple(windows),
        indicative_from=indicative,
        derivatives=derivatives,
        expiry=expiry,
    )


# -- registry ----------------------------------------------------------------------------------


@dataclass
class ScheduleRegistry:
    """Chooses the template for a date. Rules added later win over earlier ones.

    ``overrides`` pins a whole day (e.g. an ad-hoc delayed open) for one venue; it wins over every
    rule. The calendar decides trading days, the first trading day and CSAT days.
    """

    rules: list[ScheduleRule] = field(default_factory=default_rules)
    calendar: TradingCalendar = field(default_factory=lambda: default_calendar)
    overrides: dict[tuple[date, Venue, bool], DaySchedule] = field(default_factory=dict)

    def add(self, rule: ScheduleRule) -> None:
        self.rules.append(rule)

    def override_day(
        self,
        d: date,
        venue: Venue,
        windows: Sequence[SessionWindow],
        *,
        derivatives: bool = False,
        indicative_from: time | None = None,
    ) -> DaySchedule:
        """Pin the schedule of one day; an empty ``windows`` closes the venue that day."""
        kind = self._kind(d) if windows else DayKind.CLOSED
        if windows and kind == DayKind.CLOSED:
            kind = DayKind.NORMAL
        sched = DaySchedule(
            day=d,
            venue=venue,
            kind=kind,
            windows=tuple(windows),
            indicative_from=indicative_from,
            derivatives=derivatives,
        )
        self.overrides[(d, venue, derivatives)] = sched
        return sched

    def template_for(self, d: date, venue: Venue, *, derivatives: bool = False) -> SessionTemplate | None:
        for rule in reversed(self.rules):
            if rule.applies(d, venue, derivatives):
                return rule.template
        return None

    def _kind(self, d: date) -> DayKind:
        if not self.calendar.is_trading_day(d):
            return DayKind.CLOSED
        if self.calendar.is_first_trading_day_of_year(d):
            return DayKind.FIRST_TRADING_DAY
        if self.calendar.is_csat_day(d):
            return DayKind.CSAT
        return DayKind.NORMAL

    def _single(self, d: date, venue: Venue, *, derivatives: bool, expiry: bool) -> DaySchedule:
        kind = self._kind(d)  # validates the date range
        pinned = self.overrides.get((d, venue, derivatives))
        if pinned is not None and not expiry:
            return pinned
        template = self.template_for(d, venue, derivatives=derivatives)
        if kind == DayKind.CLOSED or template is None:
            return DaySchedule(day=d, venue=venue, kind=DayKind.CLOSED, derivatives=derivatives)
        return _build(template, d, venue, kind, derivatives=derivatives, expiry=expiry)

    def schedule_for(self, d: date, venue: Venue) -> DaySchedule:
        """Equity schedule of ``venue`` on ``d``.

        ``Venue.ALL`` merges KRX and NXT: the NXT windows become secondary, so the KRX phase wins
        whenever KRX has a session and the NXT phase shows otherwise (e.g. 18:30 -> AFTER_MARKET).
        Open and close times are KRX's.
        """
        if venue != Venue.ALL:
            return self._single(d, venue, derivatives=False, expiry=False)
        krx = self._single(d, Venue.KRX, derivatives=False, expiry=False)
        nxt = self._single(d, Venue.NXT, derivatives=False, expiry=False)
        merged = krx.windows + tuple(dataclasses.replace(w, secondary=True) for w in nxt.windows)
        return dataclasses.replace(krx, venue=Venue.ALL, windows=merged)

    def derivatives_schedule_for(self, d: date, *, expiry: bool = False) -> DaySchedule:
        """KRX index-derivatives schedule on ``d``; ``expiry=True`` for a contract's last trading day."""
        return self._single(d, Venue.KRX, derivatives=True, expiry=expiry)


default_registry = ScheduleRegistry()


def schedule_for(d: date, venue: Venue, *, registry: ScheduleRegistry | None = None) -> DaySchedule:
    return (registry or default_registry).schedule_for(d, venue)


def index_window(d: date, *, registry: ScheduleRegistry | None = None) -> tuple[time, time]:
    """(first, last) KST times at which indices are published on trading day ``d``.

    From the first release, :data:`INDEX_FIRST_RELEASE_DELAY` after the KRX regular open, to the
    latest possible end of the closing auction, :data:`CALL_RANDOM_END_MAX` after the close. The
    open and close move with the date: 10:00 on the first trading day of a year, an hour later on
    CSAT day. (Before 2020-12-07 KRX first published at 09:01; that older cadence is not modelled.)
    """
    sched = schedule_for(d, Venue.KRX, registry=registry)
    if sched.open_time is None or sched.close_time is None:
        raise ValueError(f"{d} is not a KRX trading day")
    return _add(sched.open_time, INDEX_FIRST_RELEASE_DELAY), _add(sched.close_time, CALL_RANDOM_END_MAX)


def derivatives_schedule_for(
    d: date, *, expiry: bool = False, registry: ScheduleRegistry | None = None
) -> DaySchedule:
    return (registry or default_registry).derivatives_schedule_for(d, expiry=expiry)


def to_kst(when: datetime) -> datetime:
    """``when`` in KST; naive datetimes are taken to be KST already."""
    if when.tzinfo is None:
        return when.replace(tzinfo=KST)
    return when.astimezone(KST)


def schedule_at(
    when: datetime,
    venue: Venue,
    *,
    derivatives: bool = False,
    registry: ScheduleRegistry | None = None,
) -> tuple[DaySchedule, Phase]:
    """The schedule in force at ``when`` and its phase.

    After midnight this is the previous day's schedule while its night market runs (its trades
    belong to that session), otherwise the calendar day's.
    """
    reg = registry or default_registry
    local = to_kst(when)
    t = local.time().replace(tzinfo=None)

    def lookup(d: date) -> DaySchedule:
        if derivatives:
            return reg.derivatives_schedule_for(d)
        return reg.schedule_for(d, venue)

    today = lookup(local.date())
    phase = today.phase_at(t)
    if phase == Phase.CLOSED:
        prev = local.date() - timedelta(days=1)
        if reg.calendar.supports(prev):
            yesterday = lookup(prev)
            for w in yesterday.windows:
                if w.overnight and t < w.end:
                    return yesterday, w.phase
    return today, phase


def phase_at(
    when: datetime,
    venue: Venue,
    *,
    derivatives: bool = False,
    registry: ScheduleRegistry | None = None,
) -> Phase:
    """Primary phase at an instant, night market after midnight included."""
    return schedule_at(when, venue, derivatives=derivatives, registry=registry)[1]
