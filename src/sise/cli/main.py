"""The ``sise`` command."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from sise import __version__
from sise.api.kiwoom.app import MOCK_RATE, REAL_RATE
from sise.api.kiwoom.auth import DEFAULT_TOKEN_LIFETIME_S
from sise.api.kiwoom.ws import WsOptions
from sise.api.koscom.quota import DEFAULT_DAILY_QUOTA
from sise.api.koscom.ws import KoscomWsOptions
from sise.api.stream import DEFAULT_MAX_PENDING_BYTES
from sise.cli.connect import EXIT_HELP
from sise.cli.entry import CLIENT_COMMANDS
from sise.cli.imports import add_import_parser, run_import
from sise.cli.logs import LEVELS, configure_logging, uvicorn_level
from sise.cli.options import Count, Number, port, seconds
from sise.cli.progress import Progress
from sise.cli.query import OneLineParser, add_parsers
from sise.cli.query import run as run_query
from sise.engine.engine import Engine
from sise.market.calendar import FIRST_DATE, LAST_DATE, is_trading_day, previous_trading_day
from sise.market.codes import AGGREGATES
from sise.market.levels import NAME_FORMS, parse_index_level
from sise.market.types import Investor, Market, Venue
from sise.market.universe import Universe, build_universe, load_universe_csv, write_universe_csv
from sise.server.datadir import DATA_DIR_ENV, default_data_dir
from sise.server.history import BACKENDS, HISTORY_FILE
from sise.sources.clock import MIN_SPEED, kst_today
from sise.sources.simulator import FULL_SCALE_TRADES
from sise.store.intraday import DEFAULT_BAR_DAYS

WS_DEFAULTS = WsOptions()
KOSCOM_WS_DEFAULTS = KoscomWsOptions()
PORT = port(low=0)
MOCK_PORT = port(low=0)
SPEED = Number(MIN_SPEED, allow_inf=True)
SCALE = Number(0.0, 10.0, low_open=True)  # the simulator's calibrated range
HISTORY_YEARS = Count(0, LAST_DATE.year - FIRST_DATE.year)  # the KRX calendar's span


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _time(text: str) -> datetime.time:
    try:
        return datetime.time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time of day (HH:MM or HH:MM:SS): {text!r}") from None


def _index_level(text: str) -> tuple[str, float]:
    try:
        return parse_index_level(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _add_index_level(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index-level",
        type=_index_level,
        action="append",
        default=None,
        metavar="NAME=LEVEL",
        help=f"start index NAME at LEVEL (its previous close), its constituents' prices scaled to "
        f"match; repeatable. NAME is {NAME_FORMS} (default: the universe's levels)",
    )


def _levels(args: argparse.Namespace) -> dict[str, float]:
    return dict(args.index_level or ())


def _cash_universe(args: argparse.Namespace) -> Universe:
    """The universe of ``--csv`` or ``--seed``, at the ``--index-level`` levels."""
    if args.csv:
        return load_universe_csv(args.csv, levels=_levels(args))
    return build_universe(seed=args.seed, levels=_levels(args))


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(
        prog="sise", description="sise (시세): a local Korean market-data service.", epilog=EXIT_HELP
    )
    parser.add_argument("--version", action="version", version=f"sise {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    uni = sub.add_parser("universe", help="summarise the instrument universe, or export it as CSV")
    uni.add_argument("--seed", type=int, default=0, help="seed of the generated long tail (default 0)")
    uni.add_argument("--csv", type=Path, help="load this universe CSV instead of the built-in one")
    uni.add_argument("--out", type=Path, help="write the universe to this CSV file")
    _add_index_level(uni)

    demo = sub.add_parser("demo", help="simulate a trading day through the engine and summarise it")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument(
        "--date", type=_date, default=None, help="trading day (default: the last one up to today)"
    )
    demo.add_argument(
        "--trades", type=int, default=1_000_000, help="about this many trades (default 1,000,000)"
    )
    demo.add_argument("--csv", type=Path, help="universe CSV to use instead of the built-in one")
    _add_index_level(demo)

    sim = sub.add_parser(
        "simulate", help="simulate one trading day and write it to Parquet files, a recording or both"
    )
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--date", type=_date, required=True, help="trading day, YYYY-MM-DD")
    sim.add_argument("--out", type=Path, help="output directory for the Parquet files")
    sim.add_argument(
        "--scale", type=SCALE, default=1.0, help=f"1 ≈ 10 M trades: {SCALE.describe()} (default 1)"
    )
    sim.add_argument("--csv", type=Path, help="universe CSV to use instead of the built-in one")
    _add_index_level(sim)
    sim.add_argument(
        "--record", type=Path, help="also write the day's engine batches to this new recording file"
    )

    srv = sub.add_parser(
        "serve",
        help="run the market and serve the vendor APIs",
        description="Run the market and serve Kiwoom's and Koscom's APIs on it. Every option is "
        "checked before the market is built; the ports are taken before it too.",
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument(
        "--port",
        type=PORT,
        default=8000,
        help="real (실전) personality: Kiwoom and Koscom; 0 for any free port (default 8000)",
    )
    srv.add_argument(
        "--mock-port",
        type=MOCK_PORT,
        default=8001,
        help="Kiwoom 모의투자 personality; 0 to disable (default 8001)",
    )
    srv.add_argument(
        "--seed", type=int, default=0, help="seed of the simulated market and its universe (default 0)"
    )
    srv.add_argument(
        "--speed",
        type=SPEED,
        default=None,
        help=f"market-time speed, {SPEED.describe()} (inf: as fast as the engine goes; default 1, "
        "a replay: the recorded one)",
    )
    srv.add_argument("--date", type=_date, default=None, help="trading day to simulate (default: today's)")
    srv.add_argument(
        "--start",
        type=_time,
        default=None,
        help="KST market time to start at, HH:MM[:SS] (default: the regular open + 5 min, 09:05)",
    )
    srv.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"keys, history and journal (default ${DATA_DIR_ENV}, else the per-user data directory,"
        f" here {default_data_dir()})",
    )
    srv.add_argument(
        "--scale",
        type=SCALE,
        default=1.0,
        help=f"order flow, 1 ≈ 10 M trades/day: {SCALE.describe()} (default 1)",
    )
    srv.add_argument(
        "--history-years",
        type=HISTORY_YEARS,
        default=2,
        help=f"years of back-filled history, {HISTORY_YEARS.describe()} (default 2)",
    )
    srv.add_argument(
        "--history",
        choices=BACKENDS,
        default="sqlite",
        help=f"where history is kept: sqlite, in <data-dir>/{HISTORY_FILE}, reused and extended by "
        "later runs; memory, rebuilt at every start (default sqlite)",
    )
    srv.add_argument(
        "--bar-days",
        type=Count(0),
        default=DEFAULT_BAR_DAYS,
        help="trading days whose intraday bars (10 s, 1 min, 10 min) history keeps, for the "
        f"intraday answers of past days; 0 = none (default {DEFAULT_BAR_DAYS})",
    )
    srv.add_argument(
        "--token-lifetime",
        type=seconds(),
        default=None,
        help=f"access-token lifetime, seconds > 0 (default {DEFAULT_TOKEN_LIFETIME_S:g})",
    )
    srv.add_argument(
        "--rate-limit",
        type=Number(0.0),
        default=None,
        help=f"Kiwoom requests/s per app key and api-id on both ports; 0 = off (default Kiwoom's: "
        f"{REAL_RATE:g}/s real, {MOCK_RATE:g}/s 모의투자)",
    )
    srv.add_argument(
        "--koscom-quota",
        type=Count(0),
        default=DEFAULT_DAILY_QUOTA,
        help=f"Koscom calls per API key per day; 0 = no quota (default {DEFAULT_DAILY_QUOTA:,})",
    )
    srv.add_argument(
        "--ws-ping-interval",
        type=seconds(),
        default=WS_DEFAULTS.ping_interval_s,
        help=f"seconds between WebSocket PINGs (default {WS_DEFAULTS.ping_interval_s:g})",
    )
    srv.add_argument(
        "--ws-login-timeout",
        type=seconds(),
        default=WS_DEFAULTS.login_timeout_s,
        help="seconds a WebSocket may wait before Kiwoom's LOGIN or Koscom's init"
        f" (default {WS_DEFAULTS.login_timeout_s:g})",
    )
    srv.add_argument(
        "--koscom-ws-max-subscriptions",
        type=Count(1),
        default=KOSCOM_WS_DEFAULTS.max_subscriptions,
        help="Koscom /ws subscriptions (issue × preset) per session"
        f" (default {KOSCOM_WS_DEFAULTS.max_subscriptions})",
    )
    srv.add_argument(
        "--koscom-ws-heartbeat",
        type=seconds(low_open=False),
        default=KOSCOM_WS_DEFAULTS.heartbeat_interval_s,
        help="seconds between Koscom /ws server heartbeats; 0 = none"
        f" (default {KOSCOM_WS_DEFAULTS.heartbeat_interval_s:g})",
    )
    srv.add_argument(
        "--ws-max-backlog",
        type=Count(1),
        default=DEFAULT_MAX_PENDING_BYTES,
        help="bytes queued for a WebSocket client that does not keep up before it is disconnected"
        f" (default {DEFAULT_MAX_PENDING_BYTES:,})",
    )
    srv.add_argument(
        "--ws-deflate",
        action="store_true",
        help="offer permessage-deflate on WebSockets (default off: it compresses each frame once per client)",
    )
    srv.add_argument(
        "--csv", type=Path, help="universe CSV to use instead of the built-in one (default: the built-in one)"
    )
    _add_index_level(srv)
    srv.add_argument(
        "--record",
        type=Path,
        help="write the market's engine batches to this new recording file (default: no recording)",
    )
    srv.add_argument(
        "--journal",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep the day in progress in <data-dir>/journal/ so that a restart resumes it exactly "
        "(about 150 MB per market hour at --scale 1, deleted at the roll-over; default on)",
    )
    srv.add_argument(
        "--worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="make the simulated market's batches in a worker process, on another core than the "
        "one answering requests (default on; off: on a thread of the server)",
    )
    srv.add_argument(
        "--replay",
        type=Path,
        help="serve a recording instead of simulating (its settings are the recording's; default: simulate)",
    )
    srv.add_argument(
        "--log-level", choices=LEVELS, default="info", help="sise's log lines on stderr (default info)"
    )

    add_import_parser(sub)
    add_parsers(sub)

    args = parser.parse_args(argv)
    if args.command in CLIENT_COMMANDS:
        return run_query(args)
    try:
        if args.command == "import":
            return run_import(args)
        if args.command == "serve":
            return _serve(args, srv)
        if args.command == "universe":
            return _universe(args)
        if args.command == "simulate":
            return _simulate(args)
        return _demo(args)
    except (ValueError, OSError) as err:
        print(f"sise: error: {err}", file=sys.stderr)
        return 2


def _universe(args: argparse.Namespace) -> int:
    u = _cash_universe(args)
    t = u.instruments
    if args.out:
        write_universe_csv(u, args.out)
        print(f"wrote {len(t):,} instruments and {len(u.indices)} index levels to {args.out}")
        return 0
    for market in (Market.KOSPI, Market.KOSDAQ):
        m = t.market == market
        stocks = m & (t.kind == 0)
        cap = t.market_cap()[stocks].sum()
        print(f"{market.name:7s} {int(stocks.sum()):5,} stocks, market cap {cap / 1e12:,.0f} trillion KRW")
    print(f"ETF     {int((t.kind == 1).sum()):5,}    ETN {int((t.kind == 2).sum()):,}")
    print(f"indices {len(u.indices)}: " + ", ".join(d.key for d in u.indices[:8]) + ", …")
    main = [(d.key, float(v)) for d, v in zip(u.indices, u.levels, strict=True) if d.key in _MAIN_INDICES]
    print("levels  " + ", ".join(f"{key} {v:,.2f}" for key, v in main))
    print(f"member firms {len(u.members)}")
    return 0


#: The indices ``sise universe`` and ``sise demo`` summarise.
_MAIN_INDICES = ("KOSPI", "KOSPI200", "KOSPI_LARGE", "KOSDAQ", "KOSDAQ150", "KRX100")


#: What a recording fixes: ``sise serve --replay`` refuses these flags.
REPLAY_FIXED = ("seed", "date", "scale", "history_years", "history", "csv", "index_level")


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from sise.cli.serve import ServeOptions, serve
    from sise.server.replay import Replay
    from sise.server.runtime import Settings, base_universe

    if args.mock_port == args.port != 0:
        raise ValueError(f"--port and --mock-port are both {args.port}; give them different ports")
    if args.date is not None:
        is_trading_day(args.date)  # a date outside the KRX calendar is refused here, not after the build
    if args.data_dir is None:
        args.data_dir = default_data_dir()
    configure_logging(args.log_level)
    replay: Replay | None = None
    if args.replay is not None:
        fixed = [n for n in REPLAY_FIXED if getattr(args, n) != parser.get_default(n)]
        given = [f"--{n.replace('_', '-')}" for n in fixed]
        if given:
            raise ValueError(f"{', '.join(given)}: a replay takes the market's settings from the recording")
        if args.record is not None:
            raise ValueError("--record and --replay: a replay cannot be recorded again")
        replay = Replay(args.replay)
        for warning in replay.warnings():
            print(f"sise: warning: {warning}", file=sys.stderr)
    settings = Settings(
        seed=args.seed,
        speed=1.0 if args.speed is None else args.speed,
        day=args.date,
        start=args.start,
        scale=args.scale,
        history_years=args.history_years,
        universe_csv=args.csv,
        index_levels=tuple(_levels(args).items()),
        data_dir=args.data_dir,
        history=args.history,
        bar_days=args.bar_days,
        worker=args.worker,
    )
    options = ServeOptions(
        host=args.host,
        port=args.port,
        mock_port=args.mock_port,
        token_lifetime_s=DEFAULT_TOKEN_LIFETIME_S if args.token_lifetime is None else args.token_lifetime,
        rate_limit=args.rate_limit,
        koscom_quota=args.koscom_quota,
        log_level=uvicorn_level(args.log_level),
        ws=WsOptions(login_timeout_s=args.ws_login_timeout, ping_interval_s=args.ws_ping_interval),
        ws_max_backlog=args.ws_max_backlog,
        ws_deflate=args.ws_deflate,
        koscom_ws=KoscomWsOptions(
            init_timeout_s=args.ws_login_timeout,
            heartbeat_interval_s=args.koscom_ws_heartbeat,
            max_subscriptions=args.koscom_ws_max_subscriptions,
        ),
        record=args.record,
        journal=args.journal,
    )
    if replay is not None:
        settings = replay.settings(speed=args.speed, start=args.start, data_dir=args.data_dir)
    elif settings.index_levels:
        base_universe(settings)  # levels it cannot take are refused here, before the build
    return serve(settings, options, replay)


def _simulate(args: argparse.Namespace) -> int:
    from sise.cli.simulate import simulate_day
    from sise.sources.recording import Header, RecordingWriter
    from sise.sources.simulator import SimConfig

    if not is_trading_day(args.date):
        raise ValueError(
            f"{args.date} is not a KRX trading day (the previous one is {previous_trading_day(args.date)})"
        )
    if args.out is None and args.record is None:
        raise ValueError("give --out DIR (Parquet files), --record FILE (a recording) or both")
    u = _cash_universe(args)
    config = SimConfig(args.date, seed=args.seed, scale=args.scale)
    recorder = None
    if args.record is not None:
        csv = args.csv.read_text(encoding="utf-8-sig") if args.csv else None
        header = Header(
            "simulate",
            args.date,
            args.seed,
            args.scale,
            history_years=0,
            universe_csv=csv,
            index_levels=tuple(_levels(args).items()),
        )
        recorder = RecordingWriter.create(args.record, header)
    try:
        with Progress(args.date.isoformat()) as bar:
            result = simulate_day(
                u, config, args.out, progress=lambda f, n: bar.update(f, f"{n:,} trades"), record=recorder
            )
    finally:
        if recorder is not None:
            recorder.close()
    speed = 23_400 / result.seconds
    print(f"{result.trades:,} trades, {result.events:,} events in {result.seconds:.1f} s", end="")
    print(f" ({speed:,.0f}× real time)")
    for f in [*result.files, *([args.record] if args.record else [])]:
        print(f"  {f}  {f.stat().st_size / 1e6:,.1f} MB")
    for a in result.actions:
        print(
            f"  ex-date: {a.code} {a.kind.name.lower()} {a.ratio:g}, base {a.price_before:,} → {a.ex_price:,}"
        )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from sise.sources.day import build_market, open_day
    from sise.sources.simulator import SimConfig

    # The trading day is a KST date, whatever the host's time zone.
    day = args.date or kst_today()
    if not is_trading_day(day):
        day = previous_trading_day(day)
    base = _cash_universe(args)
    # The same market as ``sise serve`` (derivatives, ex-dates, index window), without history.
    universe, engine = build_market(base, day)
    # Minute steps, as a server catching up: a demo shows the day, not its seconds.
    cfg = SimConfig(day, seed=args.seed, scale=args.trades / FULL_SCALE_TRADES, step_s=60)
    sim = open_day(engine, universe, cfg).simulator
    events = 0
    started = time.perf_counter()
    with Progress(day.isoformat()) as bar:
        for batch in sim.batches():
            engine.apply(batch)
            events += len(batch)
            bar.update(sim.progress, f"{events:,} events")
    elapsed = time.perf_counter() - started
    print(f"{day.isoformat()}  simulated day: {events:,} events in {elapsed:.1f} s\n")
    _summary(engine, universe.indices)
    engine.end_day()
    return 0


def _summary(engine: Engine, indices: Sequence[object]) -> None:
    ix = engine.index
    levels = np.round(ix.levels(), 2)
    breadth = engine.breadth(Venue.KRX)
    vol, val = engine.index_totals(Venue.KRX)
    buy_v = engine.index_investor_flows(Venue.KRX)[2]
    sell_v = engine.index_investor_flows(Venue.KRX)[3]
    inst_leaves = [int(i) for i in AGGREGATES["기관계"]]
    print(
        f"{'index':14s} {'level':>10s} {'change':>8s} {'vol(천주)':>10s} {'value(백만원)':>12s}  "
        "상승/보합/하락   개인   외국인   기관 (억원)"
    )
    for key in _MAIN_INDICES:
        if key not in ix.position:
            continue
        k = ix.position[key]
        prev = ix.prev_close[k]
        chg = (levels[k] / prev - 1) * 100 if prev else 0.0
        up = breadth[k, 1] + breadth[k, 2]
        down = breadth[k, 4] + breadth[k, 5]
        net = (buy_v[k] - sell_v[k]) / 1e8
        print(
            f"{key:14s} {levels[k]:10,.2f} {chg:+7.2f}% {vol[k] // 1000:10,} {val[k] // 1_000_000:12,}  "
            f"{up:4d}/{breadth[k, 3]:4d}/{down:4d}  {net[Investor.INDIVIDUAL]:+6,.0f} "
            f"{net[Investor.FOREIGN] + net[Investor.OTHER_FOREIGN]:+8,.0f} {net[inst_leaves].sum():+6,.0f}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
