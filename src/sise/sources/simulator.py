"""The market simulator: a KRX (and NXT) trading day as event batches.

The simulator walks market time in fixed steps (default 10 s) from the NXT pre-market to the end
of the NXT after-market and, for each step, emits one ``Batch`` of trades, book snapshots and
status changes for the whole market. Everything is vectorised over instruments; the only Python
loop is over steps.

The model, in short:

- **Prices.** Each instrument has a latent log price driven by the factor model the back-filled
  history follows (``sise.sources.factors``: market, KOSDAQ and industry factors, Student-t
  idiosyncratic noise, Poisson jumps; ETPs through their underlying), so a name is as volatile
  live as in its history. The session carries each σ's open-to-close part with a U-shaped
  volatility profile (extra variance at the open) and a market-wide stochastic-volatility state
  (clustering); the rest is an overnight gap realised through the pre-open. Trades print at the
  touch around the latent price, on the tick grid and inside the day's limits; a latent price
  reaching a limit locks there behind a resting queue (trades at the limit only, few of them)
  until the queue is taken or the lock breaks.
- **Arrivals.** Trades arrive as a discretised Hawkes process per instrument: a baseline that
  follows the intraday U-profile plus self-excitation decaying with the step, so activity
  clusters. Each name's day trades its expected value (``sise.sources.turnover``, the
  declaration the back-filled history follows) times a day's own factor, in trades more
  numerous and larger in busier names; sizes are heavy-tailed in KRW. ``scale`` thins the
  number of trades, not their sizes.
- **Microstructure.** Opening call (indicative price and volume from 08:50, one print at the
  open), continuous trading, closing call (indicative prices, one print at a random end up to
  30 s after the close), post-close closing-price trades, single-price calls every 10 minutes to
  18:00 within ±10 % of the close; static and dynamic VI start 2-minute auctions with a random
  end; NXT pre-, main and after-market for NXT-eligible stocks with a smaller share of volume.
- **Who trades.** Each trade gets a buyer and a seller investor category from daily mixes by
  market (foreigners tilted to buy what rises), member firms conditional on the investor, program
  flags (arbitrage in KOSPI200 names following a basis process, non-arbitrage baskets; 자기 for
  securities firms), and short sales from institutional and foreign sellers (almost none during the
  bans of ``sise.market.short_selling``). Net flows balance by construction.

Determinism: every random draw comes from one ``numpy.random.SeedSequence(seed)``.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sise.engine.batches import (
    BOOK_LEVELS,
    PROGRAM_PROPRIETARY,
    Batch,
    StatusKind,
    empty_books,
    empty_statuses,
    empty_trades,
    last_rows,
)
from sise.market.sessions import CALL_RANDOM_END_MAX, Phase, index_window, schedule_for
from sise.market.short_selling import short_sale_ban
from sise.market.stabilisers import (
    VI_AUCTION_S,
    VI_RANDOM_END_MAX_S,
    CBState,
    VIKind,
    cb_halt_windows,
    cb_step,
    dynamic_vi_rates_np,
    would_trigger_vi_np,
)
from sise.market.ticks import tick_sizes
from sise.market.timeutil import NS, kst_ns
from sise.market.types import INSTITUTIONS, InstrumentKind, Investor, Market, ProgramKind, Venue
from sise.market.universe import Universe
from sise.sources.factors import ASSET_CLASSES, FactorModel, standard_t
from sise.sources.stream import u_profile
from sise.sources.turnover import Turnover

if TYPE_CHECKING:
    from sise.sources.derivatives_flow import DerivativesFlow

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

#: Bumped when ``MarketSimulator.snapshot``'s content changes (an older snapshot is refused).
SNAPSHOT_VERSION = 3
#: Trades in a whole-market day at scale 1.0 (KRX + NXT).
FULL_SCALE_TRADES = 10_000_000

# Value shares by investor leaf (order of ``Investor``), per market; each side is drawn from these.
_MIX = {
    Market.KOSPI: [6.0, 1.5, 2.5, 2.0, 0.5, 0.5, 8.0, 1.0, 3.0, 45.0, 29.0, 1.0],
    Market.KOSDAQ: [3.0, 0.5, 1.5, 1.5, 0.2, 0.3, 2.0, 0.2, 5.0, 68.0, 16.5, 0.8],
}
_FOREIGN = np.array([Investor.FOREIGN, Investor.OTHER_FOREIGN])

# Volatility clustering (inferred): the variance of every diffusive move of the regular session
# (market, industry, own) is multiplied by exp(2x), x an Ornstein-Uhlenbeck log-volatility with
# stationary σ ``s`` and time constant ``τ`` drawn once per day on a grid of slots, clipped at ±3 s
# (bounded) and normalised to a mean of 1 over the session: calm and stressed stretches last tens
# of minutes while the day's variance stays on target (day-to-day variation is the factor model's).
_SV_SIGMA = 0.7
_SV_TAU_S = 1200.0
_SV_CLIP = 3.0
_SV_SLOT_S = 10
# Extra variance at the open (inferred): 1 + A·exp(−t/τ) times the activity profile, so the
# composite's first 30 minutes move about twice as much per minute as midday (KRX: 1.5–3×).
_OPEN_EXTRA_VAR = 0.6
_OPEN_TAU_S = 900.0
# Per-trade noise of the trade price around the latent price (log), small next to a tick.
_TRADE_NOISE = 0.0003
# Limit locks (inferred): a stock whose latent price reaches a limit locks there behind a resting
# queue of this share of its expected full-size daily value (uniform), and breaks free at this
# hazard per hour of regular session, or when sellers (buyers) exhaust the queue; a broken lock
# falls back by a uniform 1–5 %.
_LOCK_QUEUE = (0.3, 1.5)
_LOCK_BREAK_PER_H = 0.05
_LOCK_FALLBACK = (0.01, 0.05)
_INST = np.array([int(i) for i in INSTITUTIONS])
_ASSET_CLASS_PARAMS = tuple(ASSET_CLASSES.values())
# A day's trading value around the declared one: lognormal σ (inferred). Trade counts go as
# value^0.7, so a busy name's trades are both more and larger.
_DAY_VALUE_SD = 0.3
_COUNT_EXPONENT = 0.7
# Share of a day's KRX value printed in calls (opening, closing, VI, after-hours), which add to
# the continuous session's: continuous trades are sized to leave them room.
_CALL_SHARE = 0.07
# Per-trade value around an instrument's mean (lognormal σ): heavy-tailed sizes.
_TRADE_SIZE_SD = 1.2


@dataclass(frozen=True, slots=True)
class SimConfig:
    """What to simulate."""

    day: date
    seed: int = 0
    scale: float = 1.0  # 1.0 ≈ 10 M trades in the day
    step_s: int = 10  # market seconds per batch
    book_ratio: float = 1.0  # book snapshots per trade
    nxt_share: float = 0.08  # NXT's share of an eligible stock's continuous-session trades
    branching: float = 0.6  # Hawkes branching ratio (clustering)
    decay_s: float = 20.0  # Hawkes excitation half-life, seconds
    #: A scenario: a market-wide log move (e.g. -0.12) hitting every stock at this KST time.
    shock: tuple[time, float] | None = None


@dataclass(slots=True)
class SimParams:
    """Per-instrument model parameters.

    Returns follow the factor model the back-filled history follows (``sise.sources.factors``:
    betas, loadings, σ, jumps, ETP underlyings), so a stock moves as much live as in its history;
    its open-to-close part goes to the session, the rest to the overnight gap.
    """

    model: FactorModel
    intraday: F64  # √(1 − overnight share of variance): a σ's open-to-close part
    overnight: F64  # √(overnight share of variance): its overnight-gap part
    value: F64  # the day's expected KRX value at full size, KRW (``sise.sources.turnover``)
    activity: F64  # share of the day's trades
    tradable: B  # stocks, ETFs, ETNs that are listed
    index_weights: F64  # (indices × instruments) cap weights of each index's constituents
    # Derived from ``model`` once, for the step: industry factor of each instrument (0 for none)
    # and its σ on it (0 for none); the ETPs, those on a domestic basket and those on an asset.
    industry_of: npt.NDArray[np.intp] = field(init=False)
    industry_sigma: F64 = field(init=False)
    etps: npt.NDArray[np.intp] = field(init=False)
    basket_etps: npt.NDArray[np.intp] = field(init=False)
    asset_etps: npt.NDArray[np.intp] = field(init=False)

    def __post_init__(self) -> None:
        fm = self.model
        self.industry_of = np.maximum(fm.industry, 0).astype(np.intp)
        sigma = fm.industry_vol[self.industry_of] if len(fm.industries) else np.zeros(len(fm.industry))
        self.industry_sigma = np.where(fm.industry >= 0, fm.industry_loading * sigma, 0.0)
        self.etps = np.flatnonzero(~fm.is_stock & (fm.tracking_vol > 0))
        self.basket_etps = self.etps[fm.etp_basket[self.etps] >= 0]
        self.asset_etps = np.flatnonzero(fm.asset_class >= 0)

    @classmethod
    def from_universe(
        cls,
        universe: Universe,
        rng: np.random.Generator,
        turnover: Turnover | None = None,
        model: FactorModel | None = None,
    ) -> SimParams:
        """Parameters for ``universe``; returns follow ``model`` (by default seed 0's), trading
        values follow ``turnover`` (by default the declaration of seed 0) with a day's own noise
        from ``rng``."""
        t = universe.instruments
        n = len(t)
        kind = t.kind
        fm = model or FactorModel.from_universe(universe)
        w = fm.overnight_share
        # The day's value: the declared one times a day's own busyness; trades are more numerous
        # and larger in busier names (counts concave in value).
        tradable = t.active & (kind <= InstrumentKind.ETN) & (t.prev_close > 0)
        declared = (turnover or Turnover.from_universe(universe)).value
        value = declared * np.exp(rng.normal(-0.5 * _DAY_VALUE_SD**2, _DAY_VALUE_SD, n))
        value = np.where(tradable, value, 0.0)
        act = value**_COUNT_EXPONENT
        shares = np.where(
            np.array([d.float_adjusted for d in universe.indices])[:, None], t.float_shares, t.listed_shares
        )
        iw = np.where(universe.membership, shares * t.prev_close, 0).astype(np.float64)
        iw /= np.maximum(iw.sum(axis=1, keepdims=True), 1.0)
        return cls(fm, np.sqrt(1.0 - w), np.sqrt(w), value, act / act.sum(), tradable, iw)


@dataclass(slots=True)
class _Latent:
    logp: F64  # latent log price
    gap: F64  # overnight gap still to realise before the open
    exc: F64  # Hawkes excitation, trades per second
    last: I64  # last trade price (KRX); 0 before the first trade
    static_ref: I64  # static-VI reference: the last auction price
    vi_until: I64  # ns; 0 when no VI auction runs
    close: I64  # today's closing price, once printed
    lock: npt.NDArray[np.int8]  # +1 locked at the upper limit, −1 at the lower, 0 free
    queue: I64  # shares resting at the locked limit


class MarketSimulator:
    """Generates one trading day for a universe, given today's base prices and limits."""

    def __init__(
        self,
        universe: Universe,
        base: I64,
        upper: I64,
        lower: I64,
        config: SimConfig,
        params: SimParams | None = None,
    ) -> None:
        self.u = universe
        self.t = universe.instruments
        self.cfg = config
        #: Called between the parts of a step. A live server's thread making batches waits there
        #: while requests are being answered, so that it does not share the GIL with them; what
        #: the simulator makes does not depend on it.
        self.checkpoint: Callable[[], object] = _nothing
        #: Asked before each batch: an iterator that makes the rest of the day elsewhere (a live
        #: server's worker process, ``sise.server.worker``), keeping this simulator's state in
        #: step with what it yields; ``None`` to make the next batch here.
        self.offload: Callable[[MarketSimulator], Iterator[Batch] | None] | None = None
        ss = np.random.SeedSequence([config.seed, config.day.toordinal()])
        streams = ss.spawn(8)
        self.rng_price = np.random.default_rng(streams[0])
        self.rng_flow = np.random.default_rng(streams[1])
        self.rng_book = np.random.default_rng(streams[2])
        self.rng_arrival = np.random.default_rng(streams[3])
        self.rng_auction = np.random.default_rng(streams[4])
        self.p = params or SimParams.from_universe(
            universe,
            np.random.default_rng(streams[5]),
            Turnover.from_universe(universe, config.seed),
            FactorModel.from_universe(universe, config.seed),
        )
        self.base, self.upper, self.lower = base, upper, lower
        n = len(self.t)
        self.n = n
        self.sched = schedule_for(config.day, Venue.KRX)
        self.nxt_sched = schedule_for(config.day, Venue.NXT)
        if not self.sched.windows or self.sched.open_time is None or self.sched.close_time is None:
            raise ValueError(f"{config.day} is not a KRX trading day")
        self.open_time: time = self.sched.open_time
        self.close_time: time = self.sched.close_time
        gap = self._follow_underlyings(self._diffusion(self.p.overnight), self.p.overnight)
        self.lat = _Latent(
            logp=np.log(np.maximum(base, 1)).astype(np.float64),
            gap=np.where(self.p.tradable, gap, 0.0),
            exc=np.zeros(n),
            last=np.zeros(n, np.int64),
            static_ref=base.copy(),
            vi_until=np.zeros(n, np.int64),
            close=np.zeros(n, np.int64),
            lock=np.zeros(n, np.int8),
            queue=np.zeros(n, np.int64),
        )
        self.tables = self.t.tick_table
        # The last free prices inside the limits: a latent price beyond them locks at the limit.
        self.up_edge = np.maximum(upper - tick_sizes(np.maximum(upper - 1, 1), self.tables), 1)
        self.lo_edge = lower + tick_sizes(np.maximum(lower, 1), self.tables)
        self.step_ns = config.step_s * NS  # batch length; may be changed between batches
        self.cursor_ns = 0  # start of the next batch once ``batches()`` runs
        # The simulated day: from the first pre-market to the end of the last after-market.
        starts = [self._ns(w.start) for s in (self.sched, self.nxt_sched) for w in s.windows]
        ends = [self._ns(w.end) for s in (self.sched, self.nxt_sched) for w in s.windows]
        self.span_ns = (min(starts), max(ends))
        self.kospi200 = self.t.kospi200
        # KOSPI200 constituents take the narrower dynamic-VI rate (krx_rules §1.6).
        self.dyn_rate = dynamic_vi_rates_np(self.t.kospi200, "continuous")
        self.nxt_ok = self.t.nxt & self.p.tradable
        self.total_trades = FULL_SCALE_TRADES * config.scale
        # The day's expected KRX value per instrument at this scale (calls are sized from it), and
        # the mean value of a continuous trade: independent of the scale, which thins the flow.
        self.day_value = self.p.value * config.scale
        krx_trades = FULL_SCALE_TRADES * self.p.activity * (1 - config.nxt_share * self.nxt_ok.mean())
        self.trade_value = self.p.value * (1 - _CALL_SHARE) / np.maximum(krx_trades, 1e-9)
        self.reg_s = self._seconds(self.open_time, self.close_time)
        self.profile = u_profile(self.reg_s)
        self.vol_state = _vol_state(np.random.default_rng(streams[6]), self.reg_s)
        # Variance follows activity (the U-shape), with extra variance while the open digests the
        # night's news (krx_rules §8.2); normalised so the day's variance stays on target.
        open_var = 1.0 + _OPEN_EXTRA_VAR * np.exp(-np.arange(self.reg_s) / _OPEN_TAU_S)
        var = self.profile * open_var
        self.vol_profile = np.sqrt(var / var.mean())
        self.mix = {m: np.asarray(v, np.float64) / sum(v) for m, v in _MIX.items()}
        self.members_foreign = np.array([m.foreign for m in universe.members], np.bool_)
        w = np.array([m.weight for m in universe.members], np.float64)
        self.mem_p_dom = (
            np.where(~self.members_foreign, w, 0.0) / np.where(~self.members_foreign, w, 0.0).sum()
        )
        self.mem_p_for = np.where(self.members_foreign, w, 0.0) / max(
            np.where(self.members_foreign, w, 0.0).sum(), 1
        )
        self.basis = 0.0
        self.in_ban = short_sale_ban(config.day) is not None
        self.t_open = self._ns(self.open_time)
        self.t_close = self._ns(self.close_time)
        random_end_s = CALL_RANDOM_END_MAX.total_seconds()
        self.close_print = self.t_close + (self.rng_auction.random(n) * random_end_s * NS).astype(np.int64)
        # Circuit breakers, per market, on the composite index.
        self.logp0 = self.lat.logp.copy()
        self.cb_markets = [
            (Market.KOSPI, universe.indices.index(next(d for d in universe.indices if d.key == "KOSPI"))),
            (Market.KOSDAQ, universe.indices.index(next(d for d in universe.indices if d.key == "KOSDAQ"))),
        ]
        self.cb_state = {m: CBState() for m, _ in self.cb_markets}
        self.halt_until = np.zeros(n, np.int64)  # CB: no continuous trading before this (ns)
        self.reopen_at = np.zeros(n, np.int64)  # CB: the reopening auction's print (ns)
        self.shock_at = self._ns(config.shock[0]) if config.shock else None
        # Futures and options, when the universe lists them (``market.derivatives.extend_universe``).
        self.derivatives: DerivativesFlow | None = None
        if np.any(self.t.kind >= InstrumentKind.FUTURE):
            from sise.sources.derivatives_flow import DerivativesFlow

            self.derivatives = DerivativesFlow(self)

    def __getstate__(self) -> dict[str, object]:
        # The hooks belong to the process that set them: a pickled simulator (a live server's
        # worker process, ``sise.server.worker``) runs without them.
        state = self.__dict__.copy()
        state["checkpoint"], state["offload"] = _nothing, None
        return state

    # -- time helpers -----------------------------------------------------------------------------

    def _ns(self, t: time) -> int:
        return kst_ns(self.cfg.day, t)

    @staticmethod
    def _seconds(a: time, b: time) -> int:
        d = date(2000, 1, 1)
        return int((datetime.combine(d, b) - datetime.combine(d, a)).total_seconds())

    def _window(self, phase: Phase, venue: Venue = Venue.KRX) -> tuple[int, int] | None:
        sched = self.sched if venue == Venue.KRX else self.nxt_sched
        w = sched.window(phase)
        if w is None:
            return None
        start = w.trades_from or w.start
        return self._ns(start), self._ns(w.end)

    # -- the day ----------------------------------------------------------------------------------

    @property
    def index_window(self) -> tuple[time, time]:
        """``index_window(day)`` of the simulated day."""
        return index_window(self.cfg.day)

    @property
    def progress(self) -> float:
        """Share of the day's span generated so far: 0 before the first batch, 1 after the last."""
        t0, t_end = self.span_ns
        return min(max((self.cursor_ns - t0) / (t_end - t0), 0.0), 1.0)

    def batches(self) -> Iterator[Batch]:
        """The day's batches, in time order, over ``span_ns``, from ``cursor_ns`` when it is inside
        the day (a simulator restored from a snapshot continues where the snapshot was taken)."""
        t0, t_end = self.span_ns
        phase_events = self._phase_events()
        t = max(t0, self.cursor_ns)
        while t < t_end:
            if self.offload is not None and (elsewhere := self.offload(self)) is not None:
                yield from elsewhere
                return
            # Read the step each time: a live server catches up in large steps, then goes small.
            t1 = min(t + self.step_ns, t_end)
            parts: list[Batch] = [ev for (at, ev) in phase_events if t <= at < t1]
            parts.extend(self._step(t, t1))
            batch = Batch.concat(parts) if parts else Batch()
            batch.end_time = t1
            self.cursor_ns = t1  # where the next batch will start
            yield batch
            t = t1

    # -- snapshots ------------------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The state ``_step`` changes, taken between two batches: restored into a simulator built
        with the same universe, prices and config, the batches after it are those this one makes
        (with the same step sizes). Everything else is a function of the construction."""
        state = {
            "rng": [g.bit_generator.state for g in self._rngs()],
            "lat": {f.name: getattr(self.lat, f.name) for f in fields(_Latent)},
            "cursor_ns": self.cursor_ns,
            "step_ns": self.step_ns,
            "basis": self.basis,
            "cb_state": self.cb_state,
            "halt_until": self.halt_until,
            "reopen_at": self.reopen_at,
            "derivatives": None if self.derivatives is None else self.derivatives.state(),
        }
        return pickle.dumps((SNAPSHOT_VERSION, self.cfg, self.n, state), protocol=5)

    def restore(self, data: bytes) -> None:
        """Continue from ``data`` (a ``snapshot()`` of a simulator of the same day and config);
        ``ValueError`` when it is not one."""
        try:
            version, cfg, n, state = pickle.loads(data)  # the data directory's own file
        except Exception as e:  # a cut or foreign file can raise anything from unpickling
            raise ValueError(f"not a simulator snapshot ({e})") from None
        if version != SNAPSHOT_VERSION or cfg != self.cfg or n != self.n:
            raise ValueError("a snapshot of another simulator (day, seed, scale or universe differ)")
        if (state["derivatives"] is None) != (self.derivatives is None):
            raise ValueError("a snapshot of another universe (derivatives differ)")
        for g, rng_state in zip(self._rngs(), state["rng"], strict=True):
            g.bit_generator.state = rng_state
        self.lat = _Latent(**state["lat"])
        self.cursor_ns, self.step_ns, self.basis = state["cursor_ns"], state["step_ns"], state["basis"]
        self.cb_state = state["cb_state"]
        self.halt_until, self.reopen_at = state["halt_until"], state["reopen_at"]
        if self.derivatives is not None:
            self.derivatives.set_state(state["derivatives"])

    def _rngs(self) -> list[np.random.Generator]:
        """Every generator ``_step`` draws from (the derivatives' pricer shares the flow's)."""
        rngs = [self.rng_price, self.rng_flow, self.rng_book, self.rng_arrival, self.rng_auction]
        return rngs + ([self.derivatives.rng] if self.derivatives is not None else [])

    def _phase_events(self) -> list[tuple[int, Batch]]:
        """PHASE status rows for every instrument at each session boundary of both venues."""
        out: list[tuple[int, Batch]] = []
        for venue, sched, who in (
            (Venue.KRX, self.sched, self.p.tradable),
            (Venue.NXT, self.nxt_sched, self.nxt_ok),
        ):
            if not sched.windows:
                continue  # NXT before it opened (2025-03-04)
            insts = np.flatnonzero(who)
            for w in sched.windows:
                if w.secondary:
                    continue
                at = self._ns(w.start)
                st = empty_statuses(len(insts))
                st["inst"] = insts
                st["time"] = at
                st["venue"] = venue
                st["kind"] = StatusKind.PHASE
                st["value"] = int(w.phase)
                out.append((at, Batch(statuses=st)))
            end = self._ns(max(w.end for w in sched.windows))
            st = empty_statuses(len(insts))
            st["inst"], st["time"], st["venue"], st["kind"] = insts, end, venue, StatusKind.PHASE
            st["value"] = int(Phase.CLOSED)
            out.append((end, Batch(statuses=st)))
        return out

    def _step(self, t: int, t1: int) -> list[Batch]:
        out: list[Batch] = []
        ko = self._window(Phase.OPENING_AUCTION)
        kc = self._window(Phase.CONTINUOUS)
        kca = self._window(Phase.CLOSING_AUCTION)
        kpc = self._window(Phase.POST_CLOSE_CLOSING_PRICE)
        kah = self._window(Phase.AFTER_HOURS_SINGLE_PRICE)
        assert ko and kc and kca
        # Latent prices move all day; the overnight gap is realised before the open.
        self._move(t, t1, kc)
        self.checkpoint()
        if kc[0] <= t < kc[1]:
            out += self._circuit_breakers(t1, kc)
        out += self._reopenings(t, t1)
        # KRX opening call: indicative prices from 08:50, the opening print at the open.
        if self.sched.indicative_from is not None:
            ind_from = self._ns(self.sched.indicative_from)
            out += self._indicative(t, t1, max(ind_from, ko[0]), ko[1])
        if t <= ko[1] < t1:
            out.append(self._auction_print(ko[1], np.flatnonzero(self.p.tradable), 0.015, static=True))
        # Continuous session; VI auctions end inside it or, at the latest, at the closing print.
        out += self._vi_ends(t, t1)
        if t < kc[1] and t1 > kc[0]:
            out.append(self._continuous(max(t, kc[0]), min(t1, kc[1]), Venue.KRX, kc))
        # Closing call: indicative prices, then the closing print at a random end per instrument.
        out += self._indicative(t, t1, kca[0], kca[1])
        due = np.flatnonzero(self.p.tradable & (self.close_print >= t) & (self.close_print < t1))
        if len(due):
            out.append(self._closing_prints(due))
        # Post-close closing-price trades at the close, then single-price calls every 10 minutes.
        if kpc and t < kpc[1] and t1 > kpc[0]:
            out.append(self._at_close_trades(max(t, kpc[0]), min(t1, kpc[1])))
        if kah:
            out += self._after_hours_calls(t, t1, kah)
        if self.derivatives is not None:
            self.checkpoint()
            out += self.derivatives.step(t, t1)
        # NXT: pre-market, main market, after-market.
        for phase in (Phase.PRE_MARKET, Phase.MAIN_MARKET, Phase.AFTER_MARKET):
            w = self._window(phase, Venue.NXT)
            if w and t < w[1] and t1 > w[0]:
                self.checkpoint()
                out.append(self._continuous(max(t, w[0]), min(t1, w[1]), Venue.NXT, kc))
        return [b for b in out if len(b)]

    # -- prices -----------------------------------------------------------------------------------

    def _move(self, t: int, t1: int, kc: tuple[int, int]) -> None:
        """Advance latent prices over [t, t1)."""
        dt = (t1 - t) / NS
        p, lat, rng = self.p, self.lat, self.rng_price
        n = self.n
        before_open = t < kc[0]
        if before_open:
            # Realise the overnight gap linearly over the hour before the open.
            frac = min(1.0, dt / max((kc[0] - t) / NS, dt))
            g = lat.gap * frac
            lat.logp += g
            lat.gap -= g
            return
        in_session = t < self.t_close
        if in_session:
            k = int(min(max((t - self.t_open) // NS, 0), self.reg_s - 1))
            vp = float(self.vol_profile[k])
            # The volatility state over the slots this step covers.
            k1 = max(int(min((t1 - self.t_open) // NS, self.reg_s)), k + 1)
            state = float(self.vol_state[k // _SV_SLOT_S : -(-k1 // _SV_SLOT_S)].mean())
        else:
            vp = 0.25  # quiet after-hours drift (NXT after-market, single-price calls)
            state = 1.0
        scale = np.sqrt(dt / self.reg_s) * vp
        factor_scale = scale * np.sqrt(state)
        fm = p.model
        ret = self._diffusion(p.intraday * factor_scale)
        if self.shock_at is not None and t <= self.shock_at < t1 and self.cfg.shock is not None:
            ret += self.cfg.shock[1] * fm.beta  # stocks; ETPs follow their underlying
        if in_session:
            jumps = np.flatnonzero(rng.random(n) < fm.jump_rate * dt / self.reg_s)
            if len(jumps):
                size = rng.uniform(fm.jump_min[jumps], fm.jump_max[jumps])
                ret[jumps] += size * rng.choice([-1.0, 1.0], len(jumps))
            # Rare news: a move large enough to reach the daily limit (mostly small caps, mostly up).
            news = rng.random(n) < fm.jump_rate * 0.08 * dt / self.reg_s
            if news.any():
                k = int(news.sum())
                ret[news] += rng.uniform(0.22, 0.40, k) * np.where(rng.random(k) < 0.7, 1.0, -1.0)
        ret = self._follow_underlyings(ret, p.intraday * scale)
        if in_session:
            self._break_locks(dt)
        # A locked stock stays pinned at its limit; a free one that reaches a limit locks there.
        free = p.tradable & (lat.lock == 0)
        logp = np.where(free, lat.logp + ret, lat.logp)
        price = np.exp(logp)
        self._lock(np.flatnonzero(free & (price >= self.up_edge)), 1)
        self._lock(np.flatnonzero(free & (price < self.lo_edge + 0.5)), -1)
        lat.logp = np.where(lat.lock == 0, logp, lat.logp)
        self.basis = 0.9 * self.basis + rng.normal(0.0, 0.05)

    def _lock(self, insts: npt.NDArray[np.intp], side: int) -> None:
        """Lock ``insts`` at their upper (``side`` 1) or lower (−1) limit behind a resting queue."""
        if not len(insts):
            return
        lat = self.lat
        limit = self.upper[insts] if side > 0 else self.lower[insts]
        lat.lock[insts] = side
        lat.logp[insts] = np.log(limit)
        share = self.rng_price.uniform(*_LOCK_QUEUE, len(insts))
        # Sized on the full-size day, like the book's other levels: a thinned flow takes it slower.
        value = self.p.value[insts] * share
        lat.queue[insts] = np.maximum(1, (value / limit).astype(np.int64))

    def _break_locks(self, dt: float) -> None:
        """Locks break at a constant hazard (a large order on the other side takes the queue)."""
        locked = np.flatnonzero(self.lat.lock != 0)
        if len(locked):
            hit = self.rng_price.random(len(locked)) < -np.expm1(-_LOCK_BREAK_PER_H * dt / 3600.0)
            self._unlock(locked[hit])

    def _unlock(self, insts: npt.NDArray[np.intp]) -> None:
        """Free ``insts`` from their lock: the price falls back inside the limits."""
        if not len(insts):
            return
        lat = self.lat
        back = self.rng_price.uniform(*_LOCK_FALLBACK, len(insts))
        lat.logp[insts] -= lat.lock[insts] * back
        lat.lock[insts] = 0
        lat.queue[insts] = 0

    def _diffusion(self, sigma: F64) -> F64:
        """One draw of every instrument's diffusive log-move, ``sigma`` (per instrument) times its
        daily σ, from the factor model: market, KOSDAQ and industry factors plus Student-t noise for
        stocks; the asset-class factor (partly the market's) for ETPs on a non-equity underlying,
        times their leverage. ETPs on a domestic basket are set by ``_follow_underlyings``."""
        p, rng = self.p, self.rng_price
        fm = p.model
        z_m, z_k = rng.standard_normal(2)
        systematic = fm.beta * fm.market_vol * z_m + fm.kosdaq_loading * fm.kosdaq_vol * z_k
        if len(fm.industries):
            systematic += p.industry_sigma * rng.standard_normal(len(fm.industries))[p.industry_of]
        move = np.where(fm.is_stock, systematic + fm.idio_vol * standard_t(rng, self.n), 0.0)
        asset = p.asset_etps
        if len(asset):
            common = np.empty(len(_ASSET_CLASS_PARAMS))
            for c, (sd, _, rho, _) in enumerate(_ASSET_CLASS_PARAMS):
                common[c] = sd * (rho * z_m + np.sqrt(1.0 - rho * rho) * rng.standard_normal())
            own = fm.asset_vol[asset] * rng.standard_normal(len(asset))
            move[asset] = fm.leverage[asset] * (common[fm.asset_class[asset]] + own)
        return np.asarray(move * sigma, np.float64)

    def _follow_underlyings(self, ret: F64, sigma: F64) -> F64:
        """ETPs on a domestic index or sector basket move with it (the cap-weighted move of its
        members, times their leverage); every ETP adds its tracking noise, ``sigma`` times its
        daily σ."""
        p = self.p
        fm, etp, on_basket = p.model, p.etps, p.basket_etps
        out = ret.copy()
        if len(on_basket):
            basket_ret = fm.basket @ np.where(fm.is_stock, ret, 0.0)
            out[on_basket] = fm.leverage[on_basket] * basket_ret[fm.etp_basket[on_basket]]
        out[etp] += fm.tracking_vol[etp] * sigma[etp] * self.rng_price.standard_normal(len(etp))
        return out

    def _circuit_breakers(self, t1: int, kc: tuple[int, int]) -> list[Batch]:
        """Check each market's composite against its previous close; halt the market when a stage
        fires (20 minutes, then a 10-minute reopening auction; stage 3 ends the day)."""
        out: list[Batch] = []
        rel = np.exp(self.lat.logp - self.logp0)
        for market, k in self.cb_markets:
            change = (float(self.p.index_weights[k] @ rel) - 1.0) * 100.0
            now_s = (t1 - kc[0]) / NS
            close_s = (self.t_close - kc[0]) / NS
            self.cb_state[market], trigger = cb_step(self.cb_state[market], change, now_s, close_s)
            if trigger is None:
                continue
            insts = np.flatnonzero(
                self.p.tradable & (self.t.market == market) & (self.t.kind == InstrumentKind.STOCK)
            )
            windows = cb_halt_windows(trigger)
            halt_end, auction_end = (
                (self.t_close, self.t_close)
                if windows is None
                else (kc[0] + int(windows[0] * NS), kc[0] + int(windows[1] * NS))
            )
            self.halt_until[insts] = auction_end
            self.reopen_at[insts] = auction_end if windows is not None else 0
            # A circuit breaker cancels running VIs.
            running = insts[self.lat.vi_until[insts] > 0]
            self.lat.vi_until[running] = 0
            st = empty_statuses(len(insts) + len(running))
            st["inst"] = np.concatenate([running, insts])
            st["time"] = t1 - 1
            st["venue"] = Venue.KRX
            st["kind"] = np.concatenate(
                [np.full(len(running), StatusKind.VI_END), np.full(len(insts), StatusKind.HALT)]
            )
            st["value"] = np.concatenate([np.zeros(len(running)), np.full(len(insts), trigger.stage)])
            out.append(Batch(statuses=st))
            del halt_end
        return out

    def _reopenings(self, t: int, t1: int) -> list[Batch]:
        """The single-price print that reopens a market after a circuit-breaker halt."""
        due = np.flatnonzero((self.reopen_at >= t) & (self.reopen_at < t1))
        if not len(due):
            return []
        at = self.reopen_at[due]
        b = self._auction_print_at(at, due, 0.01, static=True)
        self.reopen_at[due] = 0
        st = empty_statuses(len(due))
        st["inst"], st["time"], st["venue"], st["kind"] = due, at, Venue.KRX, StatusKind.RESUME
        return [b, Batch(statuses=st[np.argsort(at, kind="stable")])]

    def _touch_price(self, logp: F64, insts: npt.NDArray[np.intp], buy: B) -> I64:
        """Trade prices at the touch around the latent price: the ask for buys, the bid for sells;
        a locked instrument trades at its limit."""
        m = np.exp(logp)
        tab = self.tables[insts]
        raw = np.floor(m).astype(np.int64)
        bid = raw - raw % tick_sizes(raw, tab)
        ask = bid + tick_sizes(bid, tab)
        px = np.clip(np.where(buy, ask, bid), self.lower[insts], self.upper[insts])
        lock = self.lat.lock[insts]
        return np.where(lock > 0, self.upper[insts], np.where(lock < 0, self.lower[insts], px))

    # -- continuous trading ------------------------------------------------------------------------

    def _continuous(self, t: int, t1: int, venue: Venue, kc: tuple[int, int]) -> Batch:
        dt = (t1 - t) / NS
        if dt <= 0:
            return Batch()
        p, lat = self.p, self.lat
        rng = self.rng_arrival
        if venue == Venue.KRX:
            ok = p.tradable & (lat.vi_until == 0) & (self.halt_until <= t)
            k = int(min(max((t - self.t_open) // NS, 0), self.reg_s - 1))
            prof = float(self.profile[k]) * self.reg_s  # relative to a flat day
            rate = self.total_trades * (1 - self.cfg.nxt_share * self.nxt_ok.mean()) / self.reg_s * prof
        else:
            ok = self.nxt_ok & (lat.vi_until == 0)
            in_main = kc[0] <= t < kc[1]
            prof = float(self.profile[int(min(max((t - self.t_open) // NS, 0), self.reg_s - 1))]) * self.reg_s
            share = self.cfg.nxt_share if in_main else self.cfg.nxt_share * 0.08
            rate = self.total_trades * share / self.reg_s * (prof if in_main else 1.0)
        # KRX arrivals self-excite (the baseline is scaled down so the mean stays on target).
        base_rate = rate * p.activity * ((1 - self.cfg.branching) if venue == Venue.KRX else 1.0)
        mu = np.where(ok, base_rate, 0.0)
        # Nothing trades continuously while its VI auction runs, excitation or not.
        lam = np.where(ok, mu + (lat.exc if venue == Venue.KRX else 0.0), 0.0)
        # At a limit the book is locked: few trades, however busy the name was.
        lam = np.where(lat.lock != 0, lam * 0.05, lam)
        counts = rng.poisson(lam * dt)
        if venue == Venue.KRX:
            decay = 0.5 ** (dt / self.cfg.decay_s)
            # Each trade adds intensity whose integral over the future is the branching ratio.
            lat.exc = lat.exc * decay + self.cfg.branching * (1 - decay) * counts / dt
        k_tot = int(counts.sum())
        if k_tot == 0:
            return Batch()
        insts = np.repeat(np.arange(self.n), counts)
        times = t + np.sort(rng.integers(0, t1 - t, k_tot))
        # Shuffle trades' times across instruments, then order everything by time.
        order = rng.permutation(k_tot)
        insts = insts[order]
        order = np.argsort(times, kind="stable")
        times = times[order]
        # Price path within the step: small noise around the latent price, trades at the touch; a
        # free price stays off the limits (reaching one locks it, in ``_move``). A trade prints at
        # the tick nearer its price (a buy when it sits in the upper half of the spread): where
        # the tick is wide next to the noise, the last price follows the latent one instead of
        # bouncing between bid and ask at random.
        noise = rng.normal(0.0, _TRADE_NOISE, k_tot)
        logp = np.clip(
            lat.logp[insts] + noise, np.log(self.lo_edge[insts] + 0.5), np.log(self.up_edge[insts] - 0.5)
        )
        m = np.exp(logp)
        raw = np.floor(m).astype(np.int64)
        tab = self.tables[insts]
        bid = raw - raw % tick_sizes(raw, tab)
        buy = (m - bid) >= 0.5 * tick_sizes(bid, tab)
        # At a locked limit sellers hit the bid queue (limit-up) or buyers lift the offer (limit-down).
        lock = lat.lock[insts]
        buy = np.where(lock > 0, False, np.where(lock < 0, True, buy))
        px = self._touch_price(logp, insts, buy)
        tr = self._trades(insts, times, px, buy, venue)
        vi = empty_statuses()
        if venue == Venue.KRX:
            tr, vi = self._vi_check(tr)
            if len(tr):
                rows = last_rows(tr["inst"], self.n)
                lat.last[tr["inst"][rows]] = tr["price"][rows]
                self._take_queues(tr)
        self.checkpoint()
        return Batch(trades=tr, books=self._books(tr), statuses=vi)

    def _take_queues(self, tr: npt.NDArray[np.void]) -> None:
        """Trades at a locked limit take from its queue; an exhausted queue breaks the lock."""
        lat = self.lat
        at_lock = lat.lock[tr["inst"]] != 0
        if not at_lock.any():
            return
        taken = np.bincount(tr["inst"][at_lock], weights=tr["qty"][at_lock], minlength=self.n)
        lat.queue -= taken.astype(np.int64)
        self._unlock(np.flatnonzero((lat.lock != 0) & (lat.queue <= 0)))

    def _vi_check(self, tr: npt.NDArray[np.void]) -> tuple[npt.NDArray[np.void], npt.NDArray[np.void]]:
        """Start VI where a trade would trigger it (``sise.market.stabilisers``; a trade at a price
        limit does not): drop that instrument's trades from there on and return VI_START rows
        (the auction prints at its end)."""
        lat = self.lat
        inst = tr["inst"].astype(np.intp)
        price = tr["price"]
        # Each instrument's trades in time order; the dynamic reference is the trade before.
        order = np.argsort(inst, kind="stable")
        si, sp = inst[order], price[order]
        prev = np.empty_like(sp)
        prev[1:] = sp[:-1]
        first = np.ones(len(si), np.bool_)
        first[1:] = si[1:] != si[:-1]
        prev[first] = np.where(lat.last[si[first]] > 0, lat.last[si[first]], self.base[si[first]])
        kind = would_trigger_vi_np(sp, prev, lat.static_ref[si], self.dyn_rate[si])
        hit = np.flatnonzero((kind != VIKind.NONE) & ~((sp >= self.upper[si]) | (sp <= self.lower[si])))
        if not len(hit):
            return tr, empty_statuses()
        # The first triggering trade of each instrument starts its VI; its trades from then on drop.
        trigger = hit[np.concatenate([[True], si[hit[1:]] != si[hit[:-1]]])]
        started = si[trigger]
        t_start = tr["time"][order[trigger]]
        first_hit = np.full(self.n, np.iinfo(np.int64).max)
        first_hit[started] = t_start
        keep = tr["time"] < first_hit[inst]
        random_end = self.rng_auction.random(len(started)) * VI_RANDOM_END_MAX_S
        lat.vi_until[started] = t_start + (VI_AUCTION_S + random_end).astype(np.int64) * NS
        st = empty_statuses(len(started))
        st["inst"] = started
        st["time"] = t_start
        st["venue"] = Venue.KRX
        st["kind"] = StatusKind.VI_START
        st["value"] = kind[trigger]
        st["price"] = self._touch_price(lat.logp[started], started, np.ones(len(started), np.bool_))
        return tr[keep], st[np.argsort(t_start, kind="stable")]

    def _vi_ends(self, t: int, t1: int) -> list[Batch]:
        lat = self.lat
        # A VI still running at the end of continuous trading ends with the closing auction.
        lat.vi_until = np.where(lat.vi_until > self.t_close, self.t_close - NS, lat.vi_until)
        due = np.flatnonzero((lat.vi_until > 0) & (lat.vi_until < t1))
        out: list[Batch] = []
        if len(due):
            at = np.maximum(lat.vi_until[due], t)
            b = self._auction_print_at(at, due, 0.004, static=True)
            st = empty_statuses(len(due))
            st["inst"], st["time"], st["venue"], st["kind"] = due, at, Venue.KRX, StatusKind.VI_END
            lat.vi_until[due] = 0
            out.append(b)
            order = np.argsort(at, kind="stable")
            out.append(Batch(statuses=st[order]))
        return out

    # -- auctions --------------------------------------------------------------------------------

    def _auction_qty(self, insts: npt.NDArray[np.intp], share: float) -> I64:
        """A call auction's volume: ``share`` of the instrument's expected daily volume."""
        px = np.exp(self.lat.logp[insts])
        qty = self.day_value[insts] * share * np.exp(self.rng_auction.normal(0.0, 0.4, len(insts))) / px
        return np.maximum(1, qty.astype(np.int64))

    def _auction_print(self, at: int, insts: npt.NDArray[np.intp], share: float, static: bool) -> Batch:
        return self._auction_print_at(np.full(len(insts), at, np.int64), insts, share, static)

    def _auction_print_at(self, at: I64, insts: npt.NDArray[np.intp], share: float, static: bool) -> Batch:
        lat = self.lat
        buy = self.rng_auction.random(len(insts)) < 0.5
        px = self._touch_price(lat.logp[insts], insts, buy)
        order = np.argsort(at, kind="stable")
        insts, at, px, buy = insts[order], at[order], px[order], buy[order]
        tr = self._trades(insts, at, px, buy, Venue.KRX, qty=self._auction_qty(insts, share))
        lat.last[insts] = px
        if static:
            lat.static_ref[insts] = px
        return Batch(trades=tr, books=self._books(tr))

    def _indicative(self, t: int, t1: int, start: int, end: int) -> list[Batch]:
        """INDICATIVE rows every 10 s of a call auction: the price it would match at now."""
        out: list[Batch] = []
        first = max(start, t + (-(t - start) % (10 * NS)) if t > start else start)
        insts = np.flatnonzero(self.p.tradable & (self.lat.vi_until == 0))
        for at in range(first, min(t1, end), 10 * NS):
            buy = self.rng_auction.random(len(insts)) < 0.5
            st = empty_statuses(len(insts))
            st["inst"], st["time"], st["venue"], st["kind"] = insts, at, Venue.KRX, StatusKind.INDICATIVE
            st["price"] = self._touch_price(self.lat.logp[insts], insts, buy)
            grow = (at - start) / max(end - start, 1)
            st["qty"] = (self._auction_qty(insts, 0.02) * (0.3 + 0.7 * grow)).astype(np.int64)
            out.append(Batch(statuses=st))
        return out

    def _closing_prints(self, due: npt.NDArray[np.intp]) -> Batch:
        at = self.close_print[due]
        b = self._auction_print_at(at, due, 0.05, static=True)
        self.lat.close[due] = self.lat.last[due]
        return b

    def _at_close_trades(self, t: int, t1: int) -> Batch:
        """Post-close closing-price trades: few, at today's close."""
        close = self.lat.close
        ok = np.flatnonzero(self.p.tradable & (close > 0))
        lam = self.total_trades * 0.004 / (20 * 60) * self.p.activity[ok] * ((t1 - t) / NS)
        counts = self.rng_auction.poisson(lam)
        if counts.sum() == 0:
            return Batch()
        insts = np.repeat(ok, counts)
        times = np.sort(t + self.rng_auction.integers(0, t1 - t, len(insts)))
        insts = insts[self.rng_auction.permutation(len(insts))]
        buy = self.rng_auction.random(len(insts)) < 0.5
        return Batch(trades=self._trades(insts, times, close[insts], buy, Venue.KRX))

    def _after_hours_calls(self, t: int, t1: int, w: tuple[int, int]) -> list[Batch]:
        """Single-price calls every 10 minutes, within ±10 % of the close."""
        out: list[Batch] = []
        for at in range(w[0] + 10 * 60 * NS, w[1] + 1, 10 * 60 * NS):
            if not t <= at < t1:
                continue
            ok = np.flatnonzero(self.p.tradable & (self.lat.close > 0))
            traded = ok[self.rng_auction.random(len(ok)) < np.clip(self.p.activity[ok] * 3000, 0.02, 0.8)]
            if not len(traded):
                continue
            close = self.lat.close[traded]
            logp = np.clip(self.lat.logp[traded], np.log(close * 0.9), np.log(close * 1.1))
            buy = self.rng_auction.random(len(traded)) < 0.5
            px = self._touch_price(logp, traded, buy)
            floor_, cap_ = -(-close * 9 // 10), close * 11 // 10
            px = np.clip(px, floor_, cap_)
            tab = self.tables[traded]
            px = px - px % tick_sizes(px, tab)
            px = np.where(px < floor_, px + tick_sizes(px, tab), px)
            px = np.clip(px, self.lower[traded], self.upper[traded])
            qty = self._auction_qty(traded, 0.001)
            out.append(
                Batch(trades=self._trades(traded, np.full(len(traded), at), px, buy, Venue.KRX, qty=qty))
            )
        return out

    # -- trade rows and who trades ---------------------------------------------------------------------

    def _trades(
        self,
        insts: npt.NDArray[np.intp],
        times: I64,
        px: I64,
        buy: B,
        venue: Venue,
        qty: I64 | None = None,
    ) -> npt.NDArray[np.void]:
        k = len(insts)
        rng = self.rng_flow
        tr = empty_trades(k)
        tr["inst"] = insts
        tr["time"] = times
        tr["venue"] = venue
        tr["price"] = px
        if qty is None:
            mean = self.trade_value[insts]
            value = mean * np.exp(rng.normal(-0.5 * _TRADE_SIZE_SD**2, _TRADE_SIZE_SD, k))
            qty = np.maximum(1, (value / px).astype(np.int64))
        tr["qty"] = qty
        tr["side"] = np.where(buy, 1, 2)
        kosdaq = self.t.market[insts] == Market.KOSDAQ
        buyer = self._investors(insts, kosdaq, buy_side=True)
        seller = self._investors(insts, kosdaq, buy_side=False)
        tr["buyer"], tr["seller"] = buyer, seller
        tr["buyer_member"] = self._members(buyer)
        tr["seller_member"] = self._members(seller)
        tr["buy_program"] = self._program(insts, buyer, side=0)
        tr["sell_program"] = self._program(insts, seller, side=1)
        short_p = np.where(np.isin(seller, _FOREIGN) | np.isin(seller, _INST), 0.12, 0.002)
        if self.in_ban:
            short_p = np.where(seller == Investor.FIN_INVEST, 0.01, 0.0)
        tr["short"] = rng.random(k) < short_p
        return tr

    def _investors(self, insts: npt.NDArray[np.intp], kosdaq: B, buy_side: bool) -> npt.NDArray[np.uint8]:
        """Investor leaf per trade side; foreigners lean towards buying what rose today."""
        rng = self.rng_flow
        k = len(insts)
        move = np.log(np.exp(self.lat.logp[insts]) / np.maximum(self.base[insts], 1))
        tilt = np.tanh(move / 0.02) * 0.25 * (1 if buy_side else -1)
        u = rng.random(k)
        out = np.empty(k, np.uint8)
        for market, sel in ((Market.KOSPI, ~kosdaq), (Market.KOSDAQ, kosdaq)):
            if not sel.any():
                continue
            p = self.mix[market]
            cdf = np.cumsum(p)
            # Tilt: scale the foreign probability by (1 + tilt), taking it from individuals.
            f_share = p[_FOREIGN].sum()
            fu = u[sel]
            adj = f_share * tilt[sel]
            draw = np.searchsorted(cdf, fu * cdf[-1], side="right").clip(0, len(p) - 1)
            to_foreign = (draw == Investor.INDIVIDUAL) & (
                rng.random(int(sel.sum())) < np.maximum(adj, 0) / p[Investor.INDIVIDUAL]
            )
            to_indiv = np.isin(draw, _FOREIGN) & (rng.random(int(sel.sum())) < np.maximum(-adj, 0) / f_share)
            draw = np.where(to_foreign, Investor.FOREIGN, np.where(to_indiv, Investor.INDIVIDUAL, draw))
            out[sel] = draw
        return out

    def _members(self, investor: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
        rng = self.rng_flow
        k = len(investor)
        foreign = np.isin(investor, _FOREIGN) & (rng.random(k) < 0.75)
        dom = rng.choice(len(self.mem_p_dom), size=k, p=self.mem_p_dom)
        if self.members_foreign.any():
            fo = rng.choice(len(self.mem_p_for), size=k, p=self.mem_p_for)
            return np.where(foreign, fo, dom).astype(np.uint16)
        return dom.astype(np.uint16)

    def _program(
        self, insts: npt.NDArray[np.intp], investor: npt.NDArray[np.uint8], side: int
    ) -> npt.NDArray[np.uint8]:
        """Program flags of one side: arbitrage in KOSPI200 names with the basis, baskets elsewhere."""
        rng = self.rng_flow
        k = len(insts)
        pro = np.isin(investor, _INST) | np.isin(investor, _FOREIGN)
        k200 = self.kospi200[insts]
        u = rng.random(k)
        # Buy arbitrage (buy spot) when futures are rich (basis > 0); sell arbitrage when cheap.
        arb_bias = 0.03 * (1 + np.tanh(self.basis * (1 if side == 0 else -1) * 5))
        arb = pro & k200 & (u < arb_bias)
        basket = pro & ~arb & (u < np.where(k200, 0.30, 0.08))
        kind = np.where(arb, ProgramKind.ARBITRAGE, np.where(basket, ProgramKind.NON_ARBITRAGE, 0))
        own = np.where((investor == Investor.FIN_INVEST) & (kind > 0), PROGRAM_PROPRIETARY, 0)
        return (kind | own).astype(np.uint8)

    # -- books -------------------------------------------------------------------------------------------

    def _books(self, tr: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
        """A 10-level snapshot after each trade (``book_ratio`` of them), locked at a limit."""
        k = len(tr)
        if k == 0:
            return empty_books()
        nb = min(k, round(k * self.cfg.book_ratio))
        rows = tr if nb == k else tr[np.sort(self.rng_book.choice(k, nb, replace=False))]
        inst = rows["inst"].astype(np.intp)
        tab = self.tables[inst]
        up, lo = self.upper[inst], self.lower[inst]
        bk = empty_books(len(rows))
        bk["inst"], bk["time"], bk["venue"] = inst, rows["time"], rows["venue"]
        p = rows["price"]
        ask = np.where(rows["side"] == 1, p, p + tick_sizes(p, tab))
        bid = np.where(rows["side"] == 1, p - tick_sizes(np.maximum(p - 1, 1), tab), p)
        at_up, at_lo = p >= up, p <= lo
        ask = np.where(at_up, 0, ask)  # locked limit-up: no sellers
        bid = np.where(at_up, up, np.where(at_lo, 0, bid))
        ask = np.where(at_lo, lo, ask)
        scale = np.maximum(1, (3.0e6 / np.maximum(p, 1)).astype(np.int64))
        rng = self.rng_book
        for lvl in range(BOOK_LEVELS):
            ok_a = (ask > 0) & (ask <= up)
            ok_b = (bid > 0) & (bid >= lo)
            qa = (scale * rng.pareto(1.5, len(rows)) + scale // 3 + 1).astype(np.int64)
            qb = (scale * rng.pareto(1.5, len(rows)) + scale // 3 + 1).astype(np.int64)
            bk["ask_price"][:, lvl] = np.where(ok_a, ask, 0)
            bk["bid_price"][:, lvl] = np.where(ok_b, bid, 0)
            bk["ask_qty"][:, lvl] = np.where(ok_a, qa, 0)
            bk["bid_qty"][:, lvl] = np.where(ok_b, qb, 0)
            bk["ask_count"][:, lvl] = np.where(ok_a, 1 + qa // np.maximum(scale // 2, 1), 0)
            bk["bid_count"][:, lvl] = np.where(ok_b, 1 + qb // np.maximum(scale // 2, 1), 0)
            ask = np.where(ask > 0, ask + tick_sizes(ask, tab), 0)
            bid = np.where(bid > 1, bid - tick_sizes(np.maximum(bid - 1, 1), tab), 0)
        # A locked limit shows its queue: heavy resting size at the limit price.
        heavy = np.maximum(self.lat.queue[inst], scale)
        bk["bid_qty"][:, 0] = np.where(at_up, heavy, bk["bid_qty"][:, 0])
        bk["ask_qty"][:, 0] = np.where(at_lo, heavy, bk["ask_qty"][:, 0])
        orders = np.minimum(1 + heavy // np.maximum(scale // 2, 1), 99_999).astype(np.int32)
        bk["bid_count"][:, 0] = np.where(at_up, orders, bk["bid_count"][:, 0])
        bk["ask_count"][:, 0] = np.where(at_lo, orders, bk["ask_count"][:, 0])
        return bk


def _nothing() -> None:
    pass


def _vol_state(rng: np.random.Generator, seconds: int) -> F64:
    """The day's variance multiplier per ``_SV_SLOT_S`` slot of the regular session: exp(2x) of an
    Ornstein-Uhlenbeck x (exact steps), clipped, normalised to a mean of 1."""
    n = -(-seconds // _SV_SLOT_S)
    a = float(np.exp(-_SV_SLOT_S / _SV_TAU_S))
    z = rng.standard_normal(n) * _SV_SIGMA
    x = np.empty(n)
    x[0] = z[0]
    sd = np.sqrt(1.0 - a * a)
    for i in range(1, n):
        x[i] = a * x[i - 1] + sd * z[i]
    v = np.exp(2.0 * np.clip(x, -_SV_CLIP * _SV_SIGMA, _SV_CLIP * _SV_SIGMA))
    return np.asarray(v / v.mean(), np.float64)
