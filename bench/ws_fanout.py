"""WebSocket fan-out: sise's real-time path against a bare `websockets` server, same frames, same clients.

Two workloads, each with 100 and 1,000 clients:

- ``ksp``: every client on Koscom's ``/ws_ksp`` (``init``, then every KOSPI trade in arrays of
  ≤50 items);
- ``kiwoom``: every client on Kiwoom's ``/api/dostk/websocket``, ``LOGIN`` then ``REG`` 0B for the
  same 100 stocks (trade by trade).

For each, in one run:

1. **sise**: a server process built like ``sise serve`` (simulator from 09:00:00 KST at
   ``--speed``, one key per client in its data directory) that also logs, for every engine batch,
   the wall time of its publication. A client process (asyncio, the ``websockets`` client)
   connects the clients, subscribes, and counts for ``--seconds`` the items, bytes and frames
   every client receives; client 0 keeps the frames it got and when.
2. **baseline**: a bare ``websockets`` server process that answers the same handshake, then
   replays client 0's frames at their recorded times with ``websockets.broadcast`` to every
   client (one encode, shared); same client process, same counting.

Printed per run: item deliveries/s, bytes/s, frames/s, event-to-client latency p50/p99, server CPU
(% of one core) and RSS, and sise's ratio to the baseline. Latency: for the baseline, a frame's
send time to its arrival; for sise, the publication of the batch holding the frame's latest
trade to the frame's arrival (with Kiwoom's second-resolution times the earliest batch that can
hold it, so an upper bound). Both include the client process's own delay.

``--soak MIN``: one ``ksp`` run of 100 clients for MIN minutes, RSS sampled every 30 s.

    python bench/ws_fanout.py                       # both workloads, 100 and 1,000 clients
    python bench/ws_fanout.py --mode ksp --clients 100 --seconds 20
    python bench/ws_fanout.py --soak 10
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from loopback import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DAY = date(2026, 11, 20)
START = "09:00:00"
KST_OFFSET = timedelta(hours=9)
STOCKS = 100  # 0B items per Kiwoom client
CLIENT_PROCESSES = 2  # the clients' share of a 2-core machine: the server needs well under one


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


# ---------------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------------


def write_keys(data: Path, n: int) -> None:
    """``n`` Kiwoom app keys and ``n`` Koscom keys: one session per key, as both vendors allow."""
    data.mkdir(parents=True, exist_ok=True)
    keys = {
        "real": [{"appkey": f"bench-app-{i:05d}", "secretkey": f"bench-secret-{i:05d}"} for i in range(n)],
        "mock": [{"appkey": "bench-mock-app", "secretkey": "bench-mock-secret"}],
        "koscom": [{"apikey": f"bench-koscom-{i:05d}"} for i in range(n)],
    }
    path = data / "keys.json"
    path.write_text(json.dumps(keys))
    path.chmod(0o600)


def run_sise(port: int, data: Path, speed: float, scale: float, log: Path) -> None:
    """The ``sise serve`` composition plus a publication log (role ``sise``)."""
    from datetime import time as daytime

    from sise.api.kiwoom.auth import KeyStore
    from sise.api.kiwoom.ws import WsOptions
    from sise.cli.serve import ServeOptions, _loop_factory, _run, _server
    from sise.server.app import create_app, market_hub
    from sise.server.runtime import Market, Settings

    settings = Settings(
        day=DAY, start=daytime.fromisoformat(START), speed=speed, scale=scale, history_years=0, data_dir=data
    )
    market = Market(settings)
    market.catch_up()
    published: list[tuple[int, float]] = []
    market.listeners.append(lambda batch: published.append((batch.end_time or 0, time.time())))
    options = ServeOptions(port=port, mock_port=0, rate_limit=0, ws=WsOptions(ping_interval_s=3600))
    hub = market_hub(market, options.ws_max_backlog)
    market.listeners.reverse()  # the log first: a batch's time is taken before it is encoded
    app = create_app(market, KeyStore.load_or_create(data), rate_limit=0, hub=hub, ws=options.ws)
    server = _server(app, "127.0.0.1", port, options)

    def dump(*_: Any) -> None:
        log.write_bytes(pickle.dumps(published))
        server.should_exit = True

    signal.signal(signal.SIGTERM, dump)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_run(market, [server]))
    dump()


def run_bare(port: int, mode: str, frames_file: Path, n: int, log: Path) -> None:
    """A bare ``websockets`` server: the vendor's handshake, then client 0's frames replayed to all."""
    import websockets
    from websockets.asyncio.server import ServerConnection, serve

    recorded: list[tuple[float, bytes]] = pickle.loads(frames_file.read_bytes())
    clients: set[ServerConnection] = set()
    ready = asyncio.Event()
    sent: list[float] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # init / LOGIN
        if mode == "ksp":
            await ws.send('{"jsonrpc":"2.0","id":1,"result":{"message":"ok"}}')
        else:
            await ws.send('{"trnm":"LOGIN","return_code":0,"return_msg":"","sor_yn":"Y"}')
            await ws.recv()  # REG
            await ws.send('{"trnm":"REG","return_code":0,"return_msg":""}')
        clients.add(ws)
        if len(clients) == n:
            ready.set()
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:
                pass
        clients.discard(ws)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, compression=None, max_size=None, ping_interval=None):
            await ready.wait()
            await asyncio.sleep(1.0)  # the clients' go signal arrives after their last ack
            loop = asyncio.get_running_loop()
            t0, wall0 = loop.time(), time.time()
            for offset, frame in recorded:
                delay = t0 + offset - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                # A frame's time is when it was due (sise's publication), as sise's latency counts
                # from its publication: a broadcast that falls behind is part of the latency.
                sent.append(wall0 + offset)
                websockets.broadcast(clients, frame.decode())
            log.write_bytes(pickle.dumps(sent))
            await asyncio.sleep(3600)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


# ---------------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    items: int = 0
    octets: int = 0
    frames: int = 0
    samples: list[tuple[float, bytes]] = field(default_factory=list)  # (arrival, frame) of sampled clients


def run_clients(cfg: dict[str, Any], out: Path) -> None:
    """The client process (role ``clients``): connect, subscribe, count for ``seconds``."""
    from websockets.asyncio.client import connect

    mode, n, seconds, uri = cfg["mode"], cfg["n"], cfg["seconds"], cfg["uri"]
    first = cfg["first"]  # this process's clients are first … first + n - 1
    marker = b'"isuSrtCd"' if mode == "ksp" else b'"type":"0B"'
    tallies = [Tally() for _ in range(n)]
    recorded: list[tuple[float, bytes]] = []
    window = {"start": 0.0, "end": float("inf")}

    async def one(i: int, go: asyncio.Event, ready: asyncio.Semaphore) -> None:
        async with connect(uri, max_size=None, compression=None, open_timeout=60, ping_interval=None) as ws:
            if mode == "ksp":
                init = {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "init",
                    "params": {"key": cfg["keys"][first + i]},
                }
                await ws.send(json.dumps(init))
                await ws.recv()
            else:
                await ws.send(json.dumps({"trnm": "LOGIN", "token": cfg["keys"][first + i]}))
                await ws.recv()
                reg = {
                    "trnm": "REG",
                    "grp_no": "1",
                    "refresh": "1",
                    "data": [{"item": cfg["items"], "type": ["0B"]}],
                }
                await ws.send(json.dumps(reg))
                while json.loads(await ws.recv()).get("trnm") != "REG":
                    pass
            ready.release()
            await go.wait()
            t = tallies[i]
            sample = (first + i) % 10 == 0
            while True:
                frame = await ws.recv(decode=False)
                now = time.time()
                if frame.startswith(b'{"trnm":"PING'):
                    await ws.send(frame.decode())
                    continue
                if now < window["start"]:
                    continue
                if now >= window["end"]:
                    return
                t.items += frame.count(marker)
                t.octets += len(frame)
                t.frames += 1
                if sample:
                    t.samples.append((now, frame))
                if first + i == 0:
                    recorded.append((now - window["start"], frame))

    async def main() -> None:
        go = asyncio.Event()
        ready = asyncio.Semaphore(0)
        gate = asyncio.Semaphore(50)  # connections opened at once

        async def gated(i: int) -> None:
            async with gate:
                pass
            await one(i, go, ready)

        tasks = [asyncio.create_task(gated(i)) for i in range(n)]
        for _ in range(n):
            await ready.acquire()
        # Every client process is ready: the parent then opens the window for all of them.
        out.with_suffix(".ready").write_text("")
        go_file = Path(cfg["go"])
        while not go_file.exists():
            await asyncio.sleep(0.02)
        window["start"] = float(go_file.read_text())
        window["end"] = window["start"] + seconds
        go.set()
        # A client ends at its first frame past the window; one with nothing more coming (the
        # baseline's replay is over) is stopped shortly after.
        await asyncio.wait(tasks, timeout=window["end"] + 2.0 - time.time())
        for task in tasks:
            task.cancel()

    asyncio.run(main())
    out.write_bytes(pickle.dumps({"tallies": tallies, "recorded": recorded, "window": window}))


# ---------------------------------------------------------------------------------------------------
# One comparison
# ---------------------------------------------------------------------------------------------------


def market_ns(text_time: bytes, digits: int) -> int:
    """A KST time of day (``HHMMSS`` or ``HHMMSSmm``) on DAY as epoch ns."""
    v = int(text_time)
    if digits == 8:
        v, cs = divmod(v, 100)
    else:
        cs = 0
    h, rest = divmod(v, 10_000)
    m, s = divmod(rest, 100)
    utc = datetime(DAY.year, DAY.month, DAY.day, h, m, s) - KST_OFFSET
    return int((utc - datetime(1970, 1, 1)).total_seconds()) * 10**9 + cs * 10**7


def frame_time(mode: str, frame: bytes) -> int:
    """The market time of the latest trade in a frame."""
    if mode == "ksp":
        key, digits = b'"trdTm":"', 8
    else:
        key, digits = b'"20":"', 6
    best, at = 0, frame.find(key)
    while at >= 0:
        start = at + len(key)
        best = max(best, market_ns(frame[start : frame.index(b'"', start)], digits))
        at = frame.find(key, start)
    return best


@dataclass
class Result:
    items_s: float
    bytes_s: float
    frames_s: float
    p50_ms: float
    p99_ms: float
    cpu_pct: float
    rss_mb: float
    complete: float  # share of client 0's frames each client received (baseline: should be 1)


def measure(
    kind: str, mode: str, n: int, seconds: float, speed: float, scale: float, tmp: Path
) -> tuple[Result, Path]:
    port = free_port()
    log = tmp / f"{kind}-{mode}-{n}.log"
    data = tmp / f"data-{mode}-{n}"
    frames_file = tmp / f"frames-{mode}-{n}.pkl"
    if kind == "sise":
        write_keys(data, n)
        args = ["sise", str(port), str(data), str(speed), str(scale), str(log)]
    else:
        args = ["bare", str(port), mode, str(frames_file), str(n), str(log)]
    server = subprocess.Popen([PY, __file__, "--role", *args], stderr=subprocess.DEVNULL)
    try:
        if kind == "sise":
            wait_http(f"http://127.0.0.1:{port}/healthz")
            if mode == "ksp":
                keys = [f"bench-koscom-{i:05d}" for i in range(n)]
            else:
                keys = []
                with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
                    for i in range(n):
                        body = {
                            "grant_type": "client_credentials",
                            "appkey": f"bench-app-{i:05d}",
                            "secretkey": f"bench-secret-{i:05d}",
                        }
                        keys.append(http.post("/oauth2/token", json=body).json()["token"])
        else:
            time.sleep(1.0)
            keys = ["k"] * n
        path = "/ws_ksp" if mode == "ksp" else "/api/dostk/websocket"
        cfg = {"mode": mode, "n": n, "seconds": seconds, "uri": f"ws://127.0.0.1:{port}{path}", "keys": keys}
        cfg["items"] = busiest_items(port) if mode == "kiwoom" and kind == "sise" else []
        outs, procs = start_clients(cfg, tmp / f"clients-{kind}-{mode}-{n}")
        start = open_window(outs, procs)
        # CPU and RSS of the server over the measured window.
        time.sleep(max(0.0, start - time.time()))
        cpu0, t0 = proc_cpu_s(server.pid), time.time()
        time.sleep(seconds)
        cpu1, t1 = proc_cpu_s(server.pid), time.time()
        rss = proc_rss_mb(server.pid)
        for proc in procs:
            proc.wait(timeout=600)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    got = merged(outs)
    window = got["window"]
    tallies: list[Tally] = got["tallies"]
    span = window["end"] - window["start"]
    items = sum(t.items for t in tallies)
    latencies = latency_ms(kind, mode, tallies, log, frames_file)
    ref = max(tallies[0].frames, 1)
    complete = min(t.frames for t in tallies) / ref
    if kind == "sise":
        # The baseline sends each frame when sise published its batch: the same bursts.
        at = Publications(pickle.loads(log.read_bytes()), mode)
        replay = [(at(frame) - window["start"], frame) for _, frame in got["recorded"]]
        frames_file.write_bytes(pickle.dumps(replay))
    result = Result(
        items / span,
        sum(t.octets for t in tallies) / span,
        sum(t.frames for t in tallies) / span,
        pct(latencies, 0.5),
        pct(latencies, 0.99),
        100 * (cpu1 - cpu0) / max(t1 - t0, 1e-9),
        rss,
        complete,
    )
    return result, frames_file


def start_clients(cfg: dict[str, Any], stem: Path) -> tuple[list[Path], list[subprocess.Popen[bytes]]]:
    """One client process per core, each with its share of the clients."""
    n, procs_n = cfg["n"], min(CLIENT_PROCESSES, cfg["n"])
    outs, procs = [], []
    for p in range(procs_n):
        lo, hi = n * p // procs_n, n * (p + 1) // procs_n
        part = {**cfg, "first": lo, "n": hi - lo, "go": str(stem.with_suffix(".go"))}
        cfg_file, out = stem.with_suffix(f".{p}.json"), stem.with_suffix(f".{p}.pkl")
        cfg_file.write_text(json.dumps(part))
        outs.append(out)
        procs.append(subprocess.Popen([PY, __file__, "--role", "clients", str(cfg_file), str(out)]))
    return outs, procs


def open_window(outs: list[Path], procs: list[subprocess.Popen[bytes]]) -> float:
    """Wait until every client process has its clients subscribed; the window opens 1 s later."""
    while not all(o.with_suffix(".ready").exists() for o in outs):
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a client process failed")
        time.sleep(0.05)
    start = time.time() + 1.0
    go = outs[0].with_suffix("").with_suffix(".go")
    go.write_text(repr(start))
    return start


def merged(outs: list[Path]) -> dict[str, Any]:
    parts = [pickle.loads(o.read_bytes()) for o in outs]
    return {
        "tallies": [t for part in parts for t in part["tallies"]],
        "recorded": parts[0]["recorded"],
        "window": parts[0]["window"],
    }


def busiest_items(port: int) -> list[str]:
    """The 100 KOSPI stocks with the largest market cap: the codes of ka20002 for 001, by cap."""
    import numpy as np

    from sise.market.universe import build_universe

    ins = build_universe(seed=0).instruments
    caps = np.where((ins.kind == 0) & (ins.market == 1), ins.market_cap(), 0)
    return [ins.code[i] for i in np.argsort(-caps)[:STOCKS].tolist()]


def latency_ms(kind: str, mode: str, tallies: list[Tally], log: Path, frames_file: Path) -> list[float]:
    if not log.exists():
        return []
    if kind == "bare":
        sent: list[float] = pickle.loads(log.read_bytes())
        # A frame's broadcast time, found by its bytes (trades make every frame unique).
        recorded: list[tuple[float, bytes]] = pickle.loads(frames_file.read_bytes())
        index: dict[bytes, int] = {}
        for k, (_, data) in enumerate(recorded):
            index.setdefault(data, k)
        out: list[float] = []
        for t in tallies:
            for arrival, data in t.samples:
                k = index.get(data, -1)
                if 0 <= k < len(sent):
                    out.append((arrival - sent[k]) * 1000)
        return out
    at = Publications(pickle.loads(log.read_bytes()), mode)
    return [(arrival - at(frame)) * 1000 for t in tallies for arrival, frame in t.samples]


class Publications:
    """When sise published the batch holding a frame's latest trade: the first batch that can
    hold it (a trade is before its batch's end)."""

    def __init__(self, published: list[tuple[int, float]], mode: str) -> None:
        self.ends = [e for e, _ in published]
        self.walls = [w for _, w in published]
        self.mode = mode

    def __call__(self, frame: bytes) -> float:
        i = bisect.bisect_right(self.ends, frame_time(self.mode, frame))
        return self.walls[min(i, len(self.walls) - 1)]


# ---------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------


def line(label: str, r: Result) -> str:
    return (
        f"  {label:9s} {r.items_s:>12,.0f} items/s  {r.bytes_s / 1e6:7.1f} MB/s  {r.frames_s:>9,.0f} frames/s"
        f"  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  CPU {r.cpu_pct:5.0f} %  RSS {r.rss_mb:6.0f} MB"
        f"  frames/client {r.complete:.3f}"
    )


def compare(mode: str, n: int, seconds: float, speed: float, scale: float) -> None:
    with tempfile.TemporaryDirectory(prefix="sise-ws-") as d:
        tmp = Path(d)
        sise, _ = measure("sise", mode, n, seconds, speed, scale, tmp)
        bare, _ = measure("bare", mode, n, seconds, speed, scale, tmp)
    print(f"{mode} × {n} clients (speed ×{speed:g}, scale {scale:g}, {seconds:g} s)")
    print(line("sise", sise))
    print(line("baseline", bare))
    print(f"  ratio (items/s, sise / baseline): {sise.items_s / max(bare.items_s, 1e-9):.2f}", flush=True)


def soak(minutes: float, speed: float, scale: float) -> None:
    """RSS of sise serving 100 /ws_ksp clients for ``minutes``."""
    with tempfile.TemporaryDirectory(prefix="sise-ws-") as d:
        tmp = Path(d)
        port, n = free_port(), 100
        data = tmp / "data"
        write_keys(data, n)
        log = tmp / "soak.log"
        server = subprocess.Popen(
            [PY, __file__, "--role", "sise", str(port), str(data), str(speed), str(scale), str(log)],
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            cfg = {
                "mode": "ksp",
                "n": n,
                "seconds": minutes * 60,
                "uri": f"ws://127.0.0.1:{port}/ws_ksp",
                "keys": [f"bench-koscom-{i:05d}" for i in range(n)],
                "items": [],
            }
            outs, procs = start_clients(cfg, tmp / "soak-clients")
            open_window(outs, procs)
            started = time.time()
            print(f"soak: 100 /ws_ksp clients, speed ×{speed:g}, {minutes:g} min; RSS of sise every 30 s")
            while any(p.poll() is None for p in procs):
                print(f"  {time.time() - started:6.0f} s  RSS {proc_rss_mb(server.pid):6.0f} MB", flush=True)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    next(p for p in procs if p.poll() is None).wait(timeout=30)
            got = merged(outs)
            items = sum(t.items for t in got["tallies"])
            print(f"  delivered {items:,} items ({items / (minutes * 60):,.0f}/s)")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["ksp", "kiwoom", "both"], default="both")
    parser.add_argument("--clients", default="100,1000", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--scale", type=float, default=1.0, help="order flow (1.0 ≈ 10 M trades/day)")
    parser.add_argument(
        "--speed",
        default="100:10,1000:1",
        help="market speed per client count, N:SPEED,… (default: ×10 for 100, ×1 for 1,000)",
    )
    parser.add_argument("--soak", type=float, default=0.0, help="minutes of the RSS soak run (0: none)")
    args = parser.parse_args()
    if args.role:
        role, *rest = args.role
        if role == "sise":
            run_sise(int(rest[0]), Path(rest[1]), float(rest[2]), float(rest[3]), Path(rest[4]))
        elif role == "bare":
            run_bare(int(rest[0]), rest[1], Path(rest[2]), int(rest[3]), Path(rest[4]))
        else:
            run_clients(json.loads(Path(rest[0]).read_text()), Path(rest[1]))
        return
    if args.soak:
        soak(args.soak, 10.0, args.scale)
        return
    speeds = {int(k): float(v) for k, v in (p.split(":") for p in args.speed.split(","))}
    for mode in ("ksp", "kiwoom") if args.mode == "both" else (args.mode,):
        for n in (int(c) for c in args.clients.split(",")):
            compare(mode, n, args.seconds, speeds.get(n, 1.0), args.scale)


if __name__ == "__main__":
    main()
