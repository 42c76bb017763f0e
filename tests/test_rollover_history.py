"""A finished day becomes history in every table (``sise.store.daily.record_day``).

A small market (295 cash instruments, a year of back-filled history, 1 % of the order flow) runs
through Friday 2026-11-20 into Monday. At 19:00 on Friday — KRX and the derivatives market closed,
NXT still trading — the vendor APIs answer from the engine; after the roll-over, at 08:00 on
Monday, the same requests answer from the store, and the answers must agree: the daily tables'
and the intraday bars' (``sise.store.intraday.record_bars``). The stored day must also keep every
invariant of a back-filled day (``history_invariants``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from history_invariants import aligned, check_day, constituents_of
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.koscom.app import create_koscom_app
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.engine.engine import Engine
from sise.market.derivatives import continuous_code, value_krw
from sise.market.instruments import foreign_limit_qty
from sise.market.short_selling import COVER_RATE, next_short_balance, shortable
from sise.market.timeutil import KST, kst_ns
from sise.market.types import FOREIGNERS, InstrumentKind, Venue
from sise.market.types import Market as Board
from sise.market.universe import Universe, build_universe, write_universe_csv
from sise.server import runtime
from sise.server.runtime import Market, Settings
from sise.sources.clock import Clock
from sise.store import FUTURES_TABLE, STANDARD_TABLES, HistoryStore, MemoryStore
from sise.store.base import BAR_PERIODS_S

DAY, NEXT = date(2026, 11, 20), date(2026, 11, 23)
FRI, THU = 20261120, 20261119
START = datetime(2026, 11, 20, 9, 5, tzinfo=KST)
EVENING = kst_ns(DAY, time(19, 0))  # KRX (after-hours until 18:00) and derivatives closed
MONDAY_EARLY = kst_ns(NEXT, time(8, 0))  # before the open: close-type answers are Friday's
KEY = "test-key"
FRONT = continuous_code("kospi200")


@dataclass
class AtRoll:
    """The engine as ``record_day`` saw it (after ``end_day``), and the store before the write."""

    foreign: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    foreign_net: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    nav: np.ndarray = field(default_factory=lambda: np.zeros(0))
    krx_short: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
    index_program: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
    members: dict[str, list[str]] = field(default_factory=dict)
    ranking: tuple[np.ndarray, ...] = ()
    previous: dict[str, np.ndarray] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    again_same: bool = False
    fresh: MemoryStore = field(default_factory=MemoryStore)  # the same day into an empty store
    engine_bars: dict[int, np.ndarray] = field(default_factory=dict)  # KRX bars per period
    bars_written: int = 0


@dataclass
class Rolled:
    market: Market
    live: dict[str, Any]  # the vendor answers on Friday evening
    live_bars: dict[str, Any]  # the intraday answers then
    at_roll: AtRoll
    stock: str  # the most traded KOSPI stock
    etf: str  # an ETF on an index the engine computes

    @property
    def store(self) -> HistoryStore:
        return self.market.store

    @property
    def universe(self) -> Universe:
        return self.market.universe


def koscom(m: Market, now: int) -> TestClient:
    def context() -> KoscomContext:
        return KoscomContext(m.engine, m.universe, m.store, lambda: now)

    return TestClient(create_koscom_app(context, lambda k: k == KEY, endpoints=KOSCOM_ENDPOINTS))


def ask(c: TestClient, path: str, **params: Any) -> Any:
    r = c.get("/v2/market/" + path, headers={"apikey": KEY}, params=params or None)
    assert r.status_code == 200, r.text
    body = r.json()
    return body["result"] if "jsonrpc" in body else body


def kiwoom(m: Market, now: int, api_id: str, body: dict[str, str]) -> list[dict[str, Any]]:
    ctx = KiwoomContext(m.engine, m.universe, m.store, lambda: now, False)
    tr = next(t for t in KIWOOM_TRS if t.api_id == api_id)
    return [dict(r) for r in tr(ctx, body).rows]


def payload(body: bytes) -> Any:
    answer = json.loads(body)
    return answer["result"] if "jsonrpc" in answer else answer


def ka10051(m: Market, now: int, base_dt: str | None = None) -> list[dict[str, Any]]:
    body = {"mrkt_tp": "0", "amt_qty_tp": "0", "stex_tp": "1", **({"base_dt": base_dt} if base_dt else {})}
    return kiwoom(m, now, "ka10051", body)


def answers(m: Market, now: int, stock: str, etf: str) -> dict[str, Any]:
    """The requests compared before and after the roll-over."""
    c = koscom(m, now)
    front = ask(c, f"futures/kospi200/{FRONT}/history", trnsmCycleTpCd="D", inqStrtDd=THU, inqEndDd=FRI)
    contract = front["isuSrtCd"]
    return {
        "investors": ask(c, f"stocks/kospi/{stock}/investors"),
        "etf investors": ask(c, f"stocks/kospi/{etf}/investors"),
        "market investors": ask(c, "stocks/kospi/investors")["invstLists"],
        "closenav": ask(c, f"stocks/kospi/{etf}/closenav"),
        "shortsell": ask(c, f"stocks/kospi/{stock}/shortsell", inqEndDd=FRI)["hisLists"][0],
        "front": front["hisLists"][0],
        "contract": ask(
            c, f"futures/kospi200/{contract}/history", trnsmCycleTpCd="D", inqStrtDd=THU, inqEndDd=FRI
        )["hisLists"][0],
        "ka10051": ka10051(m, now) if now == EVENING else ka10051(m, now, str(FRI)),
    }


#: Windows of the intraday requests per period: at most 100 bars are answered, the newest.
WINDOWS = {10: ("0900", "0920"), 60: ("0900", "1040"), 600: ("0800", "2000")}


def intraday(m: Market, now: int, stock: str) -> dict[str, Any]:
    """Friday's intraday answers (the bodies, byte for byte), asked by date: on Friday evening
    that is today's (the engine), on Monday a past day's (the store)."""
    c = koscom(m, now)
    out: dict[str, Any] = {}

    def body(path: str, **params: str) -> bytes:
        r = c.get("/v2/market/" + path, headers={"apikey": KEY}, params={"inqStrtDd": str(FRI), **params})
        assert r.status_code == 200, r.text
        return r.content

    for period, (lo, hi) in WINDOWS.items():
        q = {"inddCycleTpCd": str(period), "strtTm": lo, "endTm": hi}
        out[f"stock {period}"] = body(f"stocks/kospi/{stock}/intraday", **q)
        for code in ("K1", "K51"):  # KOSPI publishes every 10 s, KOSPI 200 every second
            out[f"index {code} {period}"] = body(f"index/kospi/{code}/intraday", **q)
        day = {**q, "strtTm": "0800", "endTm": "1600"}
        out[f"front {period}"] = body(f"futures/kospi200/{FRONT}/intraday", **day)
        contract = payload(out[f"front {period}"])["isuSrtCd"]
        out[f"contract {period}"] = body(f"futures/kospi200/{contract}/intraday", **day)
    for inds in ("001", "201"):
        for scope in ("1", "10", "60"):
            request = {"inds_cd": inds, "tic_scope": scope, "base_dt": str(FRI)}
            out[f"ka20005 {inds} {scope}"] = kiwoom(m, now, "ka20005", request)
    return out


def snapshot(store: HistoryStore, e: Engine, universe: Universe, day: date, seen: AtRoll) -> None:
    """What ``record_day`` reads, taken as it is called."""
    krx, every = e.state(Venue.KRX), e.state(Venue.ALL)
    f = list(FOREIGNERS)
    seen.foreign = e.foreign_start.copy()
    seen.foreign_net = every.inv_qty[:, 0, f].sum(axis=1) - every.inv_qty[:, 1, f].sum(axis=1)
    seen.nav = e.nav_prev.copy()
    seen.krx_short = (krx.short_qty.copy(), krx.short_val.copy())
    seen.index_program = e.index_program(Venue.KRX)
    t = e.instruments
    seen.members = {
        k: [t.code[i] for i in np.flatnonzero(row)]
        for k, row in zip(e.index.keys, e.index.member, strict=True)
    }
    seen.members = {k: v for k, v in seen.members.items() if v}
    seen.ranking = e.member_ranking(np.arange(e.n, dtype=np.intp), Venue.KRX)
    for table in ("foreign_daily", "short_daily", "stock_daily"):
        seen.previous[table] = store.get_date(table, THU)


@pytest.fixture(scope="module")
def rolled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rolled]:
    csv: Path = tmp_path_factory.mktemp("universe") / "small.csv"
    write_universe_csv(build_universe(n_kospi=120, n_kosdaq=150, n_etf=20, n_etn=5), csv)
    clock = Clock.fast(START)
    m = Market(Settings(day=DAY, history_years=1, scale=0.01, universe_csv=csv), clock=clock)
    seen = AtRoll()
    record = runtime.record_day
    record_bars = runtime.record_bars

    def spy(store: HistoryStore, e: Engine, universe: Universe, day: date) -> dict[str, int]:
        snapshot(store, e, universe, day, seen)
        seen.rows = record(store, e, universe, day)
        first = {t: store.get_date(t, FRI).tobytes() for t in seen.rows}
        record(store, e, universe, day)  # writing a day again replaces its rows
        seen.again_same = first == {t: store.get_date(t, FRI).tobytes() for t in seen.rows}
        record(seen.fresh, e, universe, day)
        return seen.rows

    def spy_bars(store: HistoryStore, e: Engine, day: date, *, keep_days: int) -> int:
        seen.engine_bars = {p: e.bars(Venue.KRX, p) for p in BAR_PERIODS_S}
        seen.bars_written = record_bars(store, e, day, keep_days=keep_days)
        return seen.bars_written

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(runtime, "record_day", spy)
            mp.setattr(runtime, "record_bars", spy_bars)
            m.catch_up()
            clock.advance_to(EVENING)
            m.advance(EVENING)
            e, t = m.engine, m.universe.instruments
            volume = np.where(
                (t.market == Board.KOSPI) & (t.kind == InstrumentKind.STOCK), e.state().volume, 0
            )
            stock = t.code[int(np.argmax(volume))]
            etf = next(
                t.code[i]
                for i in range(len(t))
                if t.kind[i] == InstrumentKind.ETF and t.market[i] == Board.KOSPI and e.etp_index[i] >= 0
            )
            live = answers(m, EVENING, stock, etf)
            live_bars = intraday(m, EVENING, stock)
            # Friday is served through the night, its rows recorded at the close; Monday's first
            # session (NXT's pre-market) rolls the day over.
            night = kst_ns(NEXT, time(7, 59, 59))
            clock.advance_to(night)
            m.advance(night)
            assert m.day == DAY and m.engine.day == DAY and seen.rows  # recorded at the close
            clock.advance_to(MONDAY_EARLY)
            m.advance(MONDAY_EARLY)
        assert m.day == NEXT and seen.rows
        yield Rolled(m, live, live_bars, seen, stock, etf)
    finally:
        m.close()


# ---------------------------------------------------------------------------------------------------
# Every table, every invariant
# ---------------------------------------------------------------------------------------------------


def test_every_table_gets_the_finished_days_rows(rolled: Rolled) -> None:
    s = rolled.store
    rows = rolled.at_roll.rows
    assert set(rows) == (set(STANDARD_TABLES) - {"corporate_actions"}) | {FUTURES_TABLE}
    for table, n in rows.items():
        assert n > 0 and len(s.get_date(table, FRI)) == n, table
        assert s.last_date(table) == FRI, table
    t = rolled.universe.instruments
    cash = [t.code[i] for i in range(len(t)) if t.kind[i] <= InstrumentKind.ETN]
    assert [str(c) for c in s.get_date("stock_daily", FRI)["code"]] == cash
    assert rolled.at_roll.again_same


def test_the_rolled_day_keeps_the_invariants_of_a_backfilled_day(rolled: Rolled) -> None:
    t = rolled.universe.instruments
    limits = dict(zip(t.code, t.foreign_limit_pct.tolist(), strict=True))
    check_day(rolled.store, FRI, foreign_limit_pct=limits, prev_date=THU)
    # The same checks hold on the last back-filled day, and its universe is Friday's.
    check_day(rolled.store, THU, foreign_limit_pct=limits)
    assert constituents_of(rolled.store, FRI) == rolled.at_roll.members == constituents_of(rolled.store, THU)


# ---------------------------------------------------------------------------------------------------
# The stored day is what the APIs showed that day
# ---------------------------------------------------------------------------------------------------


def test_the_stored_day_answers_as_the_live_day_did(rolled: Rolled) -> None:
    live = rolled.live
    stored = answers(rolled.market, MONDAY_EARLY, rolled.stock, rolled.etf)
    assert stored["investors"] == live["investors"] and stored["etf investors"] == live["etf investors"]
    assert stored["market investors"] == live["market investors"]
    assert stored["closenav"] == live["closenav"]
    for key in ("front", "contract"):
        assert stored[key] == live[key], key
    # Live, the day's short row carries the previous balances; the stored one its own.
    for f in ("trdDd", "srtsellTrdVol", "srtsellTrdAmt"):
        assert stored["shortsell"][f] == live["shortsell"][f], f
    # ka10051: the investors' net flows of every index agree. (Its trading volume does not: live
    # it is the constituents' whole KRX volume, stored the index's published volume, which ends
    # with the index window and so leaves out after-hours trades.) An index without constituents
    # has no history: live it is a row of zeros, past days leave it out.
    nets = [k for k in live["ka10051"][0] if k.endswith("_netprps")]
    past = {r["inds_cd"]: {k: r[k] for k in nets} for r in stored["ka10051"]}
    now = {r["inds_cd"]: {k: r[k] for k in nets} for r in live["ka10051"]}
    assert len(past) > 20 and {k: now[k] for k in past} == past
    assert all(set(now[k].values()) == {"0"} for k in set(now) - set(past))


def test_members_programs_shorts_foreigners_and_navs_are_the_engines_at_the_close(rolled: Rolled) -> None:
    s, seen = rolled.store, rolled.at_roll
    t = rolled.universe.instruments
    e = rolled.market.engine
    stock_rows = s.get_date("stock_daily", FRI)
    codes = [str(c) for c in stock_rows["code"]]
    inst = np.array([t.number(c) for c in codes], np.intp)
    member_codes = np.array([m.code for m in rolled.universe.members])

    ranked = aligned(s.get_date("member_daily", FRI), codes)
    sm, sq, bm, bq = (r[inst] for r in seen.ranking)
    assert np.array_equal(ranked["sell_qty"], sq) and np.array_equal(ranked["buy_qty"], bq)
    assert np.array_equal(ranked["sell_member"], np.where(sq > 0, member_codes[sm], ""))
    assert np.array_equal(ranked["buy_member"], np.where(bq > 0, member_codes[bm], ""))

    prog = aligned(s.get_date("program_daily", FRI), list(seen.members))
    pos = [e.index.position[k] for k in seen.members]
    assert np.array_equal(prog["qty"], seen.index_program[0][pos])
    assert np.array_equal(prog["val"], seen.index_program[1][pos])

    # Short sales are the KRX ones; the balance moves from Thursday's by the back-fill's step.
    short = aligned(s.get_date("short_daily", FRI), codes)
    assert np.array_equal(short["short_qty"], seen.krx_short[0][inst])
    assert np.array_equal(short["short_val"], seen.krx_short[1][inst])
    before = aligned(seen.previous["short_daily"], codes)
    same_shares = stock_rows["listed_shares"] == aligned(seen.previous["stock_daily"], codes)["listed_shares"]
    expected = next_short_balance(
        before["balance_qty"], short["short_qty"], shortable(t, DAY)[inst], sum(COVER_RATE) / 2
    )
    assert np.array_equal(short["balance_qty"][same_shares], expected[same_shares])
    assert (short["loan_qty"] - short["balance_qty"] >= 0).all()

    # Foreign holdings: the engine's at the close, Thursday's moved by the net buying of every
    # venue (NXT too: ownership does not depend on where shares were bought), within the limit.
    fo = s.get_date("foreign_daily", FRI)
    fi = np.array([t.number(str(c)) for c in fo["code"]], np.intp)
    assert np.array_equal(fo["holdings"], seen.foreign[fi])
    fcodes = [str(c) for c in fo["code"]]
    prev = aligned(seen.previous["foreign_daily"], fcodes)
    limit = foreign_limit_qty(t.listed_shares[fi], t.foreign_limit_pct[fi])
    unchanged = t.listed_shares[fi] == aligned(seen.previous["stock_daily"], fcodes)["listed_shares"]
    moved = np.clip(prev["holdings"] + seen.foreign_net[fi], 0, limit)
    assert np.array_equal(fo["holdings"][unchanged], moved[unchanged])

    nav = s.get_date("nav_daily", FRI)
    ni = np.array([t.number(str(c)) for c in nav["code"]], np.intp)
    assert np.array_equal(nav["nav"], np.round(seen.nav[ni], 2))
    assert set(t.kind[ni]) == {InstrumentKind.ETF, InstrumentKind.ETN}


def test_plain_etfs_show_their_index_and_others_continue_their_level(rolled: Rolled) -> None:
    s = rolled.store
    t = rolled.universe.instruments
    e = rolled.market.engine
    index = {str(r["code"]): (r["close"], r["close"] - r["change"]) for r in s.get_date("index_daily", FRI)}
    before = {str(r["code"]): r["index_level"] for r in s.get_date("nav_daily", THU)}
    bars = {str(r["code"]): r for r in s.get_date("stock_daily", FRI)}
    kinds = set()
    for r in s.get_date("nav_daily", FRI):
        code = str(r["code"])
        i = t.number(code)
        assert i is not None
        k = int(e.etp_index[i])
        key = e.index.keys[k] if k >= 0 else ""
        if k >= 0 and t.leverage[i] == 1 and t.underlying[i] == key:
            assert r["index_level"] == index[key][0], code
            kinds.add("plain")
            continue
        if k >= 0:  # leveraged or inverse, or a sector basket: the tracked index's move, levered
            close, prev = index[key]
            move = int(t.leverage[i]) * (close / prev - 1.0)
            kinds.add("levered")
        else:  # an underlying the engine computes no index for: the product's own move
            move = bars[code]["close"] / bars[code]["base"] - 1.0
            kinds.add("own")
        assert r["index_level"] == pytest.approx(round(before[code] * (1.0 + move), 2), abs=0.011), code
    assert kinds == {"plain", "levered", "own"}


def test_futures_rows_cover_every_listed_contract_and_the_front_month(rolled: Rolled) -> None:
    s = rolled.store
    t = rolled.universe.instruments
    rows = s.get_date(FUTURES_TABLE, FRI)
    futures = {
        t.code[i] for i in range(len(t)) if t.kind[i] == InstrumentKind.FUTURE and t.expiry[i] >= str(FRI)
    }
    contracts = rows[rows["code"] == rows["contract"]]
    assert {str(c) for c in contracts["code"]} == futures
    continuous = rows[rows["code"] != rows["contract"]]
    assert FRONT in {str(c) for c in continuous["code"]}
    k200 = continuous[continuous["code"] == FRONT][0]
    assert k200["spot"] == s.get("index_daily", "KOSPI200", FRI, FRI)["close"][0]
    traded = contracts[contracts["volume"] > 0]
    assert len(traded) and (traded["settle"] > 0).all() and (traded["open_interest"] > 0).any()


def test_a_day_without_history_starts_every_carried_figure_afresh(rolled: Rolled) -> None:
    """The first day of a market without a back-fill: nothing to continue from."""
    fresh, kept = rolled.at_roll.fresh, rolled.store
    t = rolled.universe.instruments
    check_day(fresh, FRI, foreign_limit_pct=dict(zip(t.code, t.foreign_limit_pct.tolist(), strict=True)))
    for table, n in rolled.at_roll.rows.items():
        assert len(fresh.get_date(table, FRI)) == n, table
    stock = fresh.get_date("stock_daily", FRI)
    assert np.array_equal(stock["prev_close"], stock["base"]) and (stock["adj_factor"] == 1.0).all()
    short = fresh.get_date("short_daily", FRI)
    allowed = shortable(t, DAY)[[t.number(str(c)) for c in short["code"]]]
    zero = np.zeros(len(short), np.int64)
    assert np.array_equal(
        short["balance_qty"], next_short_balance(zero, short["short_qty"], allowed, sum(COVER_RATE) / 2)
    )
    assert np.array_equal(short["loan_qty"], short["balance_qty"])
    # Flows, holdings and NAVs do not depend on earlier rows: the same as with history.
    for table in ("investor_daily", "program_daily", "foreign_daily", "member_daily", "universe_daily"):
        assert fresh.get_date(table, FRI).tobytes() == kept.get_date(table, FRI).tobytes(), table
    nav, navk = fresh.get_date("nav_daily", FRI), kept.get_date("nav_daily", FRI)
    assert np.array_equal(nav["nav"], navk["nav"])
    synthetic = nav["index_level"] != navk["index_level"]
    assert synthetic.any() and (np.abs(nav["index_level"][synthetic] / 1000.0 - 1) < 0.3).all()


# ---------------------------------------------------------------------------------------------------
# Intraday bars
# ---------------------------------------------------------------------------------------------------


def test_every_instruments_krx_bars_are_stored_at_every_period(rolled: Rolled) -> None:
    s, seen = rolled.store, rolled.at_roll
    t = rolled.market.engine.instruments  # Friday's instruments keep their numbers on Monday
    stored = 0
    for period, bars in seen.engine_bars.items():
        traded = np.unique(bars["inst"])
        assert len(traded) > 250, period
        for i in traded.tolist():
            want = bars[bars["inst"] == i]
            got = s.get_bars(period, t.code[i], FRI)
            for f in ("start", "open", "high", "low", "close", "volume", "count"):
                assert np.array_equal(got[f], want[f]), (period, t.code[i], f)
            value = value_krw(want["value"], t.multiplier[i], t.price_scale[i])  # KRW, as futures_daily
            assert np.array_equal(got["value"], value), (period, t.code[i])
            stored += len(got)
    assert any(t.kind[i] == InstrumentKind.FUTURE for i in np.unique(seen.engine_bars[10]["inst"]))
    indices = sum(len(s.get_bars(p, k, FRI)) for p in BAR_PERIODS_S for k in rolled.at_roll.members)
    assert seen.bars_written == stored + indices
    assert s.bar_dates(10) == s.bar_dates(60) == s.bar_dates(600) == [FRI]  # the back-fill has none


def test_a_past_day_answers_its_intraday_bars_as_they_were_live(rolled: Rolled) -> None:
    live = rolled.live_bars
    stored = intraday(rolled.market, MONDAY_EARLY, rolled.stock)
    assert stored.keys() == live.keys()
    for key, body in live.items():
        assert stored[key] == body, key
        rows = body if isinstance(body, list) else payload(body)["hisLists"]
        assert len(rows) > 5 if key.endswith(("10", "60")) or "ka20005" in key else len(rows) > 1, key


def test_a_past_day_without_stored_bars_has_no_intraday_data(rolled: Rolled) -> None:
    c = koscom(rolled.market, MONDAY_EARLY)
    q = {"inddCycleTpCd": "60", "inqStrtDd": str(THU), "strtTm": "0900", "endTm": "1530"}
    for path in (f"stocks/kospi/{rolled.stock}", "index/kospi/K1", f"futures/kospi200/{FRONT}"):
        r = c.get(f"/v2/market/{path}/intraday", headers={"apikey": KEY}, params=q)
        assert r.status_code == 400 and r.json()["error"]["code"] == 20020, path
    request = {"inds_cd": "001", "tic_scope": "1", "base_dt": str(THU)}
    assert kiwoom(rolled.market, MONDAY_EARLY, "ka20005", request) == []
