"""A client that stops reading is cut off; the fast ones receive every message, in order.

Through a real ``sise serve`` (a busy opening at ×10 and a small ``--ws-max-backlog``): a slow
``/ws_ksp`` client and a slow Kiwoom 0B client stop reading; two fast ``/ws_ksp`` clients read
everything. The slow ones are disconnected (1008 and the reason, or dropped after the grace),
while the fast ones see the same frames in the same order without a stall.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from served import served

BACKLOG = 1 << 20  # well above one batch of trades, far below what a stalled client piles up


KEYS = {
    "real": [{"appkey": "backlog-app-1", "secretkey": "backlog-secret-1"}],
    "mock": [{"appkey": "backlog-mock-1", "secretkey": "backlog-mock-secret-1"}],
    "koscom": [{"apikey": f"backlog-koscom-{i}"} for i in range(3)],
}
LIMIT = 60  # seconds the stalled clients may take to be cut (about 10 at this flow)


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    args = ["--mock-port", "0", "--history-years", "0", "--scale", "1", "--speed", "10"]
    args += ["--date", "2026-11-20", "--start", "09:00:20"]
    args += ["--ws-max-backlog", str(BACKLOG), "--ws-ping-interval", "3600"]
    with served(tmp_path_factory.mktemp("sise-busy"), args, KEYS) as server:
        yield server.port, server.log


def stalled(stack: ExitStack, uri: str) -> ClientConnection:
    """A client that will not read: a tiny receive buffer and a queue of one message."""
    host, port = uri.split("//")[1].split("/")[0].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    return stack.enter_context(connect(uri, sock=sock, max_queue=1, open_timeout=10))


def init(ws: ClientConnection, key: str) -> None:
    ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "init", "params": {"key": key}}))
    assert json.loads(ws.recv(timeout=10)) == {"jsonrpc": "2.0", "id": 1, "result": {"message": "ok"}}


def ending(ws: ClientConnection, seconds: float = 10.0) -> ConnectionClosed | None:
    """Drain a stalled client: how its connection ended, or None if it is still open after
    ``seconds`` (what the buffers held arrives first, then the end)."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            ws.recv(timeout=2)
    except ConnectionClosed as e:
        return e
    except TimeoutError:
        pass
    return None


def test_a_client_that_stops_reading_is_cut_and_the_fast_ones_get_everything(busy: tuple[int, Path]) -> None:
    with ExitStack() as stack:
        check(stack, *busy)


def check(stack: ExitStack, busy: int, log: Path) -> None:
    base = f"ws://127.0.0.1:{busy}"
    real = KEYS["real"][0]
    token = requests.post(
        f"http://127.0.0.1:{busy}/oauth2/token",
        json={"grant_type": "client_credentials", **real},
        timeout=10,
    ).json()["token"]
    slow_ksp = stalled(stack, base + "/ws_ksp")
    init(slow_ksp, "backlog-koscom-0")
    slow_0b = stalled(stack, base + "/api/dostk/websocket")
    slow_0b.send(json.dumps({"trnm": "LOGIN", "token": token}))
    lists = requests.get(
        f"http://127.0.0.1:{busy}/v2/market/stocks/kospi/lists",
        headers={"apikey": "backlog-koscom-0"},
        timeout=10,
    ).json()["isuLists"]
    codes = [row["isuSrtCd"] for row in lists[:100]]  # a full registration fills the buffers soon
    slow_0b.send(json.dumps({"trnm": "REG", "grp_no": "1", "data": [{"item": codes, "type": ["0B"]}]}))
    fast = [stack.enter_context(connect(base + "/ws_ksp", open_timeout=10, max_size=None)) for _ in range(2)]
    for ws, key in zip(fast, ("backlog-koscom-1", "backlog-koscom-2"), strict=True):
        init(ws, key)
    got: list[list[str]] = [[], []]
    gaps = [0.0, 0.0]

    def cuts() -> list[str]:
        return [line for line in log.read_text().splitlines() if "cut: slow consumer" in line]

    # The fast ones read until both stalled clients have been cut (sise logs each cut).
    deadline = time.monotonic() + LIMIT
    while len(cuts()) < 2 and time.monotonic() < deadline:
        for i, ws in enumerate(fast):  # both read as fast as frames come
            started = time.monotonic()
            data = ws.recv(timeout=10)
            gaps[i] = max(gaps[i], time.monotonic() - started)
            got[i].append(data if isinstance(data, str) else data.decode())
    cut = cuts()
    assert sorted(line.split()[5] for line in cut) == ["/api/dostk/websocket", "/ws_ksp"], cut
    # They were cut: a close frame 1008 with the reason, or dropped after the grace.
    for ws in (slow_ksp, slow_0b):
        e = ending(ws)
        assert isinstance(e, ConnectionClosed), "a client that stopped reading is still connected"
        assert e.rcvd is None or (e.rcvd.code == 1008 and "slow consumer" in e.rcvd.reason), e
    # The fast ones never waited for them and got the same trades, in order.
    assert max(gaps) < 3.0
    n = min(len(got[0]), len(got[1]))
    first = next(i for i in range(len(got[1])) if got[1][i] == got[0][0]) if got[0][0] in got[1] else 0
    assert got[0][: n - first] == got[1][first:n]
    items = [i for f in got[0] for i in json.loads(f)]
    times = [int(i["trdTm"]) for i in items]
    assert times == sorted(times) and len(items) > 1000
