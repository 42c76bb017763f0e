"""``sise serve``: the market, the real personality on one port and the 모의투자 one on another."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import uvicorn

from sise.api.kiwoom.auth import DEFAULT_TOKEN_LIFETIME_S, KeyStore
from sise.api.kiwoom.ws import PATH as KIWOOM_WS_PATH
from sise.api.kiwoom.ws import WsOptions
from sise.api.koscom.quota import DEFAULT_DAILY_QUOTA
from sise.api.koscom.ws import PATH as KOSCOM_WS_PATH
from sise.api.koscom.ws import KoscomWsOptions
from sise.api.koscom.ws_market import PATHS as MARKET_WS_PATHS
from sise.api.stream import DEFAULT_MAX_PENDING_BYTES
from sise.market.timeutil import kst_datetime
from sise.server.admin import admin_app, load_or_create_admin_key
from sise.server.app import OnePort, create_app, market_hub
from sise.server.datadir import DataDirBusy, DataDirError, lock_data_dir
from sise.server.http import http_protocol
from sise.server.journal import Journal
from sise.server.memory import trim_periodically
from sise.server.ports import PortError, bind_port
from sise.server.recorder import MarketRecorder
from sise.server.replay import Replay
from sise.server.runtime import DaySource, Market, Settings, simulated
from sise.server.ws import SiseWebSocketProtocol
from sise.store.base import StoreError
from sise.store.sqlite import SqliteStore


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    mock_port: int = 8001  # 0: no mock personality
    token_lifetime_s: float = DEFAULT_TOKEN_LIFETIME_S
    rate_limit: float | None = None  # None: Kiwoom's defaults; 0: off
    koscom_quota: int = DEFAULT_DAILY_QUOTA  # Koscom calls per key per day; 0: no quota
    log_level: str = "warning"
    ws: WsOptions = field(default_factory=WsOptions)  # Kiwoom WebSocket timers and limits
    koscom_ws: KoscomWsOptions = field(default_factory=KoscomWsOptions)  # Koscom's /ws likewise
    ws_max_backlog: int = DEFAULT_MAX_PENDING_BYTES  # bytes queued for a subscriber before it is cut
    ws_deflate: bool = False  # permessage-deflate: compresses every frame once per subscriber
    record: Path | None = None  # write the market's batches to this new recording
    journal: bool = True  # keep the day in progress for an exact resume (with SQLite history)


def serve(settings: Settings, options: ServeOptions, replay: Replay | None = None) -> int:
    """Serve ``settings``' market, or the recording ``replay`` (whose ``settings()`` these are).

    Ctrl-C or SIGTERM stops it at any moment, during the build too, with one line."""
    recorder = MarketRecorder(options.record) if options.record else None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _serve(settings, options, replay, recorder)
    except KeyboardInterrupt:  # before serving: during the build
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if recorder is not None:
            recorder.close()
        if replay is not None:
            replay.close()
    # The build's worker threads (history writes, day preparation) would keep the interpreter
    # from exiting until they finish, for up to a minute. Nothing serves yet and everything on
    # disk is crash-safe (a history is marked complete only after its rows; journal and
    # recording are readable at any cut), so the process ends here.
    print("sise: stopped", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(0)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM outside the event loop: stop as Ctrl-C does (while serving, ``_run`` takes both)."""
    raise KeyboardInterrupt


def _serve(
    settings: Settings, options: ServeOptions, replay: Replay | None, recorder: MarketRecorder | None
) -> int:
    started = time.perf_counter()
    try:
        # Held until the process ends: the kernel drops it however the process ends.
        lock = lock_data_dir(settings.data_dir)
    except (DataDirBusy, DataDirError) as e:
        print(f"sise: {e}", file=sys.stderr)
        return 1
    try:
        # Everything that can be refused is, before the build: the keys (environment and file)
        # and the ports.
        keys = KeyStore.load_or_create(settings.data_dir)
        sockets = [bind_port(options.host, options.port, "--port")]
        if options.mock_port:
            sockets.append(bind_port(options.host, options.mock_port, "--mock-port"))
        # The ports taken (``--port 0``: the one the system chose), for the banner.
        bound = [int(sock.getsockname()[1]) for sock in sockets]
        options = dataclasses.replace(options, port=bound[0], mock_port=bound[1] if options.mock_port else 0)
    except (ValueError, PortError) as e:
        lock.close()
        print(f"sise: error: {e}", file=sys.stderr)
        return 2 if isinstance(e, ValueError) else 1
    print("sise: building the market (universe, history, engine) …", file=sys.stderr, flush=True)
    source: DaySource = replay if replay is not None else recorder if recorder is not None else simulated
    journal = None
    if options.journal and replay is None and settings.history != "memory":
        # What a restart on this data directory resumes the day in progress from.
        source = journal = Journal(settings.data_dir / "journal", source)
    try:
        market = Market(settings, source=source)
        if market.resumed is not None:
            at = f"{kst_datetime(market.resumed.time_ns):%Y-%m-%d %H:%M:%S} KST"
            print(f"sise: resuming the market of {settings.data_dir} at {at}", file=sys.stderr)
        market.catch_up()
    except StoreError as e:
        print(f"sise: {e}", file=sys.stderr)
        return 1
    # Universe, history and engine live for the whole process: keep the collector off them.
    gc.collect()
    gc.freeze()
    notes = [f"  recording to:       {options.record}"] if options.record else []
    admin = None
    if replay is not None:
        key, where = load_or_create_admin_key(settings.data_dir)
        admin = admin_app(replay, key)
        notes += _replay_lines(replay, options, key, where)
    # One hub for both personalities: a payload is encoded once per batch for all of them.
    hub = market_hub(market, options.ws_max_backlog)
    real = create_app(
        market,
        keys,
        token_lifetime_s=options.token_lifetime_s,
        rate_limit=options.rate_limit,
        koscom_quota=options.koscom_quota,
        hub=hub,
        ws=options.ws,
        koscom_ws=options.koscom_ws,
        admin=admin,
    )
    servers = [_server(real, options)]
    if options.mock_port:
        mock = create_app(
            market,
            keys,
            mock=True,
            token_lifetime_s=options.token_lifetime_s,
            rate_limit=options.rate_limit,
            hub=hub,
            ws=options.ws,
        )
        servers.append(_server(mock, options))

    def ready() -> None:
        _banner(market, keys, options, time.perf_counter() - started, notes)

    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_run(market, servers, sockets, ready))
        market.close()
        if journal is not None:
            journal.close()
    except StoreError as e:
        # The history can no longer be written (a full disk): stop rather than serve a market
        # whose history a restart would not find.
        print(f"sise: {e}", file=sys.stderr)
        return 1
    finally:
        lock.close()
    print("sise: stopped", file=sys.stderr)
    return 0


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when installed (``uvicorn[standard]`` brings it), as ``uvicorn.run``
    would pick: its socket and protocol paths are about twice as fast as asyncio's own."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        return None
    return uvloop.new_event_loop


class _Server(uvicorn.Server):
    """A uvicorn server that leaves the signals to ``_run`` (each server would otherwise take
    SIGINT and SIGTERM for itself, the last one started winning them) and calls ``on_started``
    the moment it listens, before the event loop can answer anyone on it."""

    on_started: Callable[[], None] | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit and self.on_started is not None:
            self.on_started()


def _server(app: OnePort, options: ServeOptions) -> _Server:
    config = uvicorn.Config(
        app,
        log_level=options.log_level,
        lifespan="off",
        access_log=False,
        http=http_protocol(app.shape_for),
        ws=SiseWebSocketProtocol,
        ws_per_message_deflate=options.ws_deflate,
    )
    return _Server(config)


async def _run(
    market: Market, servers: list[_Server], sockets: list[socket.socket], ready: Callable[[], None]
) -> None:
    loop = asyncio.get_running_loop()
    loop_task = asyncio.create_task(market.run())
    trim_task = asyncio.create_task(trim_periodically())

    def stop() -> None:
        for s in servers:
            s.should_exit = True

    def signalled() -> None:
        for s in servers:  # a second Ctrl-C does not wait for open connections
            s.force_exit = s.should_exit
        stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, signalled)

    def market_stopped(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            stop()

    loop_task.add_done_callback(market_stopped)
    try:
        # The real port last, "ready" printed as it listens: by the time its /healthz can
        # answer, every port listens and the banner is out.
        servers[0].on_started = ready
        tasks = []
        for server, sock in reversed(list(zip(servers, sockets, strict=True))):
            task = asyncio.create_task(server.serve(sockets=[sock]))
            task.add_done_callback(lambda _: stop())  # one server ending ends them all
            tasks.append(task)
            while not server.started and not task.done():
                await asyncio.sleep(0.005)
            if not server.started:  # it could not listen: the others stop, the error is raised
                break
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        signal.signal(signal.SIGTERM, _interrupt)  # the loop's removal left the default (death)
        for task in (trim_task, loop_task):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task  # the market's own error, if it stopped on one, is raised here


def _replay_lines(replay: Replay, options: ServeOptions, key: str, where: str) -> list[str]:
    h, extent = replay.header, replay.extent
    return [
        f"  replaying:          {replay.path} (sise {h.version}, {extent.describe()})",
        f"  replay admin:       http://{options.host}:{options.port}/admin/replay",
        f"      X-Sise-Admin-Key: {key}  (from {where})",
    ]


def _banner(market: Market, keys: KeyStore, options: ServeOptions, seconds: float, notes: list[str]) -> None:
    host = options.host
    # A keys file may hold no key of a kind (edited by hand): that kind then admits nobody.
    none = "      no keys: add them to keys.json or set the SISE_* key variables"
    real = [f"      appkey={k.appkey}  secretkey={k.secretkey}" for k in keys.real[:1]] or [none]
    mock = [f"      appkey={k.appkey}  secretkey={k.secretkey}" for k in keys.mock[:1]] or [none]
    lines = [
        f"sise is ready in {seconds:.1f} s — market time {market.clock.now_kst():%Y-%m-%d %H:%M:%S} KST"
        f" (speed ×{market.clock.speed:g})",
        f"  Kiwoom REST (실전):  http://{host}:{options.port}",
        f"  Kiwoom WebSocket:   ws://{host}:{options.port}{KIWOOM_WS_PATH}",
        *real,
    ]
    if options.mock_port:
        lines.append(f"  Kiwoom REST (모의):  http://{host}:{options.mock_port}")
        lines.extend(mock)
    if keys.koscom:
        lines.append(f"  Koscom REST:        http://{host}:{options.port}/v2/market")
        wide = ", ".join(MARKET_WS_PATHS)
        lines.append(f"  Koscom WebSocket:   ws://{host}:{options.port}{KOSCOM_WS_PATH} (and {wide})")
        lines.append(f"      apikey={keys.koscom[0]}")
    lines.append(f"  health:             http://{host}:{options.port}/healthz")
    lines.append(f"  keys:               {Path(market.settings.data_dir) / 'keys.json'}")
    if isinstance(market.store, SqliteStore):
        lines.append(f"  history:            {market.store.path} ({market.history_days} days)")
    lines.extend(notes)
    lines.append("  Ctrl-C to stop")
    print("\n".join(lines), flush=True)
