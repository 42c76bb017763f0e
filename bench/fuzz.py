"""A seeded black-box fuzzer of everything `sise serve` answers: Kiwoom REST (both personalities),
Koscom REST, and the four WebSockets. It looks for what a vendor never does: a 5xx, a traceback in
the server's log, an answer slower than 2 s, a body not in the vendor's error shape, and a server
that stops answering good requests correctly afterwards.

It starts its own `sise serve` (a small, fast universe; Kiwoom's rate limit and Koscom's quota off
so requests reach the checks behind them), speaks raw HTTP/1.1 and raw WebSocket frames over
asyncio sockets (so it can send what no client library would: broken request lines, pipelines,
fragmented or unmasked-length frames, a close mid-frame) and prints a summary. Everything it sends
follows from ``--seed``; the market's own timing is the only other input.

    python bench/fuzz.py --seed 1 --minutes 10 --surface all
    python bench/fuzz.py --surface kiwoom --minutes 10 --port 18200   # real 18200, mock 18201

Exit status 1 when anything was found. ``--attach`` fuzzes a server that already runs on
``--port`` / ``--port + 1`` (its data directory given with ``--data-dir``, for the keys and log).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.api.wire import ParamError

SISE = Path(sys.executable).parent / "sise"
SLOW_S = 2.0  # an answer slower than this is a finding
TIMEOUT_S = 8.0  # no answer at all within this: a hang
TOKEN_LIFETIME_S = 40  # the server's: tokens expire during a run and are then sent as bad ones
HOST = "127.0.0.1"
DAY = "2026-11-20"  # a regular trading day; the server starts mid-session
SURFACES = ("kiwoom", "koscom", "ws")


# ---------------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------------


@dataclass
class Report:
    requests: int = 0
    frames_sent: int = 0
    frames_received: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    findings: dict[str, list[str]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # answers by vendor error code

    def find(self, kind: str, what: str) -> None:
        self.counts[kind] += 1
        examples = self.findings.setdefault(kind, [])
        if len(examples) < 5:
            examples.append(what[:600])


def show(raw: bytes, n: int = 300) -> str:
    text = raw.decode("latin-1")
    return text if len(text) <= n else text[:n] + f"…(+{len(text) - n})"


# ---------------------------------------------------------------------------------------------------
# Raw HTTP/1.1
# ---------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


class Closed(Exception):
    """The server closed the connection before a whole answer."""


async def read_reply(reader: asyncio.StreamReader, head: bool = False) -> Reply:
    t0 = time.monotonic()
    while True:
        line = await reader.readline()
        if not line:
            raise Closed("closed before the status line")
        parts = line.decode("latin-1").split(" ", 2)
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            h = await reader.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            name, _, value = h.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if not 100 <= status < 200 or status == 101:  # an interim answer (100 Continue): the next
            break
    body = b""
    if head or status in (101, 204, 304):
        pass
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            body += await reader.readexactly(size)
            await reader.readline()
    else:
        body = await reader.read()
    return Reply(status, headers, body, time.monotonic() - t0)


def request(
    method: str,
    target: str,
    headers: list[tuple[str, str | bytes]] = (),  # type: ignore[assignment]
    body: bytes = b"",
    *,
    length: bool = True,
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1", "replace"), b"host: 127.0.0.1"]
    for name, value in headers:
        v = value if isinstance(value, bytes) else value.encode("utf-8")
        lines.append(name.encode("latin-1", "replace") + b": " + v)
    if length and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(f"content-length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def exchange(port: int, raw: bytes, n: int = 1, heads: tuple[bool, ...] = ()) -> list[Reply]:
    """Send ``raw`` (one or several pipelined requests) and read ``n`` answers."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT_S)
    try:
        writer.write(raw)
        await writer.drain()
        out = []
        t0 = time.monotonic()
        for i in range(n):
            head = heads[i] if i < len(heads) else False
            r = await asyncio.wait_for(read_reply(reader, head), TIMEOUT_S)
            r.seconds = time.monotonic() - t0
            out.append(r)
        return out
    finally:
        writer.close()
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(writer.wait_closed(), 2)


# ---------------------------------------------------------------------------------------------------
# Raw WebSocket (RFC 6455): masked client frames, any opcode, fragmentation
# ---------------------------------------------------------------------------------------------------


def frame(payload: bytes, opcode: int = 1, fin: bool = True, mask: bool = True) -> bytes:
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 1 << 16:
        head += bytes([m | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([m | 127]) + n.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Ws:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, report: Report) -> None:
        self.r, self.w, self.report = reader, writer, report
        self.close_code: int | None = None

    @classmethod
    async def connect(cls, port: int, path: str, report: Report) -> Ws:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT_S)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            request(
                "GET",
                path,
                [
                    ("upgrade", "websocket"),
                    ("connection", "Upgrade"),
                    ("sec-websocket-key", key),
                    ("sec-websocket-version", "13"),
                ],
            )
        )
        reply = await asyncio.wait_for(read_reply(reader), TIMEOUT_S)
        if reply.status != 101:
            writer.close()
            raise Closed(f"handshake {reply.status} {show(reply.body)}")
        return cls(reader, writer, report)

    async def send(self, data: bytes | str, opcode: int | None = None) -> None:
        raw = data.encode() if isinstance(data, str) else data
        self.w.write(frame(raw, opcode if opcode is not None else 1))
        self.report.frames_sent += 1
        await self.w.drain()

    async def raw(self, data: bytes) -> None:
        self.w.write(data)
        await self.w.drain()

    async def recv(self, timeout: float) -> tuple[int, bytes] | None:
        """The next data frame (opcode, payload); (8, code) at close; None on timeout."""
        try:
            while True:
                b0, b1 = await asyncio.wait_for(self.r.readexactly(2), timeout)
                n = b1 & 0x7F
                if n == 126:
                    n = int.from_bytes(await self.r.readexactly(2), "big")
                elif n == 127:
                    n = int.from_bytes(await self.r.readexactly(8), "big")
                payload = await asyncio.wait_for(self.r.readexactly(n), TIMEOUT_S)
                op = b0 & 0x0F
                if op == 9:  # RFC ping: pong
                    self.w.write(frame(payload, 10))
                    continue
                if op == 10:
                    continue
                if op == 8:
                    self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                    return 8, payload
                self.report.frames_received += 1
                return op, payload
        except TimeoutError:
            return None
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close_code = self.close_code or 1006
            return 8, b""

    def abort(self) -> None:
        transport = self.w.transport
        transport.abort()


# ---------------------------------------------------------------------------------------------------
# Value pools
# ---------------------------------------------------------------------------------------------------

WEIRD_STRINGS = [
    "",
    " ",
    "\t",
    "0",
    "-1",
    "00",
    "000",
    "0000000000",
    "999",
    "abc",
    "ABC",
    "null",
    "true",
    "1e3",
    "0x10",
    "１",  # full-width digit
    "٣",  # Arabic-Indic digit (str.isdigit)
    "²",  # superscript (isdigit, not int())
    "한글",
    "005930",
    "005930_NX",
    "005930_AL",
    "_AL",
    "_",
    "001",
    "101",
    "\u0000",
    "\ud7ff",
    "💥",
    "../",
    "%00",
    "\\",
    "'\"",
    "<script>",
    "A" * 21,
    "9" * 400,
    "x" * 70000,
    "20261120",
    "20260230",
    "19000101",
    "99991231",
    "00000000",
    "2026-11-20",
    "20261320",
    "2026112",
    "202611200",
]


#: Characters a mutation puts into a value: digits that are not 0-9, separators, controls.
ODD_CHARS = "0 9²٣１\u00a0\t\n\r\x00\x7f%+-_.,;:/\\'\"=&?#한💥Ａ"


def mutate_text(rng: random.Random, text: str) -> str:
    """``text`` with one to three edits: a character inserted, replaced or dropped, a run
    repeated, the case swapped, or the text cut."""
    out = text
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(6)
        at = rng.randint(0, len(out))
        if k == 0:
            out = out[:at] + rng.choice(ODD_CHARS) + out[at:]
        elif k == 1 and out:
            at = min(at, len(out) - 1)
            out = out[:at] + rng.choice(ODD_CHARS) + out[at + 1 :]
        elif k == 2 and out:
            at = min(at, len(out) - 1)
            out = out[:at] + out[at + 1 :]
        elif k == 3:
            out = out[:at] + out[at:] * rng.choice([2, 3, 50])
        elif k == 4:
            out = out.swapcase()
        else:
            out = out[:at]
    return out


def weird_json_values(rng: random.Random) -> list[Any]:
    return [
        None,
        True,
        False,
        0,
        1,
        -1,
        10**30,
        -(10**30),
        1.5,
        float("1e308"),
        [],
        ["0"],
        {},
        {"a": "b"},
        rng.choice(WEIRD_STRINGS),
    ]


def date_pool(day: str) -> list[str]:
    return [
        day,
        "20261119",
        "20261121",  # a Saturday
        "20261231",
        "20270101",
        "20300101",
        "20240101",
        "20200101",
        "19000101",
        "19991231",
        "00010101",
        "20260230",
        "20261131",
        "20261300",
        "20261100",
        "2026112",
        "202611200",
        "2026-11-20",
        "abcdefgh",
        "",
        "-2026112",
        "+2026112",
        " 20261120",
        "20261120 ",
        "２０２６１１２０",
        "99999999",
        "99991231",
        "00010101",
        "٢٠٢٦١١٢٠",
    ]


COUNT_POOL = ["0", "-1", "1", "100", "101", "99999999999999999999", "abc", "1.5", "1e2", " 5", "+5", "０", ""]


# ---------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    mock_port: int
    data: Path
    log: Path
    keys: dict[str, Any]
    proc: subprocess.Popen[bytes] | None = None
    log_pos: int = 0

    def new_log(self) -> str:
        with self.log.open("rb") as f:
            f.seek(self.log_pos)
            text = f.read().decode("utf-8", "replace")
            self.log_pos = f.tell()
        return text

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(port: int, data: Path, seed: int) -> Server:
    data.mkdir(parents=True, exist_ok=True)
    log = data / "serve.log"
    args = [str(SISE), "serve", "--port", str(port), "--mock-port", str(port + 1), "--data-dir", str(data)]
    args += ["--history-years", "1", "--history", "memory", "--scale", "0.02", "--seed", str(seed)]
    args += ["--date", DAY, "--start", "10:00", "--rate-limit", "0", "--koscom-quota", "0"]
    args += ["--token-lifetime", str(TOKEN_LIFETIME_S)]
    args += ["--ws-login-timeout", "3", "--ws-ping-interval", "5", "--ws-max-backlog", "262144"]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    server = Server(port, port + 1, data, log, {}, proc)
    deadline = time.monotonic() + 300
    while True:
        try:
            r = asyncio.run(exchange(port, request("GET", "/healthz")))[0]
            if r.status == 200:
                break
        except (OSError, Closed, TimeoutError, ValueError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"sise serve did not start:\n{log.read_text()}")
        time.sleep(0.3)
    server.keys = json.loads((data / "keys.json").read_text())
    return server


# ---------------------------------------------------------------------------------------------------
# Shape checks
# ---------------------------------------------------------------------------------------------------


def check_common(report: Report, surface: str, what: str, reply: Reply) -> None:
    report.requests += 1
    report.statuses[f"{surface} {reply.status}"] += 1
    if reply.status >= 500:
        report.find(f"{surface}: HTTP {reply.status}", f"{reply.status} {show(reply.body)} <- {what}")
    if reply.seconds > SLOW_S:
        report.find(f"{surface}: slower than {SLOW_S} s", f"{reply.seconds:.1f} s: {what}")


def check_kiwoom(report: Report, what: str, reply: Reply, head: bool = False) -> dict[str, Any] | None:
    check_common(report, "kiwoom", what, reply)
    if head and not reply.body:
        return None
    try:
        body = json.loads(reply.body)
    except ValueError:
        report.find("kiwoom: body not JSON", f"{reply.status} {show(reply.body)} <- {what}")
        return None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("return_code"), int)
        or not isinstance(body.get("return_msg"), str)
    ):
        report.find("kiwoom: body not Kiwoom's envelope", f"{reply.status} {show(reply.body)} <- {what}")
        return None
    m = re.search(r"\[(\d{4})", body["return_msg"])
    report.outcomes[f"kiwoom {m.group(1) if m else body['return_code']}"] += 1
    if "[1999:" in body["return_msg"]:
        report.find("kiwoom: 1999 unexpected error", f"{reply.status} {show(reply.body)} <- {what}")
    if not reply.headers.get("content-type", "").startswith("application/json"):
        report.find("kiwoom: not application/json", f"{reply.headers.get('content-type')} <- {what}")
    return body


def check_koscom(report: Report, what: str, reply: Reply, head: bool = False) -> Any:
    check_common(report, "koscom", what, reply)
    if head and not reply.body:
        return None
    try:
        body = json.loads(reply.body)
    except ValueError:
        report.find("koscom: body not JSON", f"{reply.status} {show(reply.body)} <- {what}")
        return None
    if reply.status == 200:
        report.outcomes["koscom ok"] += 1
        return body
    error = body.get("error") if isinstance(body, dict) else None
    report.outcomes[f"koscom {error.get('code') if isinstance(error, dict) else reply.status}"] += 1
    ok = isinstance(body, dict) and (
        (set(body) == {"message"} and isinstance(body["message"], str))
        or (set(body) == {"error"} and isinstance(body["error"], str))
        or (
            body.get("jsonrpc") == "2.0"
            and isinstance(body.get("error"), dict)
            and isinstance(body["error"].get("code"), int)
            and isinstance(body["error"].get("message"), str)
        )
    )
    if not ok:
        report.find("koscom: error not in Koscom's shape", f"{reply.status} {show(reply.body)} <- {what}")
    return body


def check_log(report: Report, server: Server) -> None:
    text = server.new_log()
    for m in re.finditer(r"(?m)^.*(Traceback|ERROR|Exception in|exception).*$", text):
        start = m.start()
        report.find("server log: error", text[start : start + 1500])


# ---------------------------------------------------------------------------------------------------
# Kiwoom REST
# ---------------------------------------------------------------------------------------------------

CANDIDATES = ["0", "1", "2", "3", "4", "7", "001", "002", "013", "101", "201", "005930", "000660", "10", "5"]


def good_values(param: Any, day: str, codes: list[str]) -> list[str]:
    """Every value from a pool that ``param`` parses (its form is right), the likeliest first;
    the views then decide which of them exist (a sector, a date with data, a stock)."""
    dates = [
        day,
        "20261119",
        "20261121",
        "20261231",
        "20251120",
        "20240102",
        "20200102",
        "20100104",
        "19000101",
        "00010101",  # the first date there is
        "99991231",  # the last
        "٢٠٢٦١١٢٠",  # Arabic-Indic digits (str.isdigit, int())
    ]
    sectors = [f"{i:03d}" for i in (*range(0, 31), *range(100, 161), *range(200, 231), 301, 501, 601, 999)]
    suffixed = [c + s for c in codes[:5] for s in ("_NX", "_AL", "_XX")]
    pool = [*dates, *codes, *suffixed, *CANDIDATES, *sectors, "15", "30", "45", "60", "99", "9"]
    out = []
    for v in dict.fromkeys(pool):
        try:
            param.parse(v)
        except (ParamError, ValueError):
            continue
        out.append(v)
    return out or ["0"]


class Kiwoom:
    def __init__(self, server: Server, report: Report, rng: random.Random, codes: list[str]) -> None:
        self.s, self.report, self.rng, self.codes = server, report, rng, codes
        self.day = DAY.replace("-", "")
        self.tokens: dict[int, str] = {}
        self.issued: dict[int, float] = {}
        self.revoked: dict[int, str] = {}
        self.expired: dict[int, str] = {}
        self.next_keys: list[tuple[str, str]] = []  # (api_id, key) seen in answers
        self.values: dict[Any, list[str]] = {}

    def key_of(self, port: int) -> dict[str, str]:
        k: dict[str, str] = self.s.keys["mock" if port == self.s.mock_port else "real"][0]
        return k

    async def post(self, port: int, what: str, raw: bytes, head: bool = False) -> dict[str, Any] | None:
        try:
            reply = (await exchange(port, raw, 1, (head,)))[0]
        except (TimeoutError, Closed, asyncio.IncompleteReadError, ConnectionError) as e:
            self.report.requests += 1
            self.report.find("kiwoom: no answer", f"{type(e).__name__} {e}: {what} {show(raw, 200)}")
            return None
        return check_kiwoom(self.report, what, reply, head)

    async def token(self, port: int) -> str:
        if port in self.tokens and time.monotonic() > self.issued[port] + TOKEN_LIFETIME_S + 1:
            self.expired[port] = self.tokens.pop(port)  # a bad token to send from now on
        if port not in self.tokens:
            k = self.key_of(port)
            body = json.dumps(
                {"grant_type": "client_credentials", "appkey": k["appkey"], "secretkey": k["secretkey"]}
            )
            got = await self.post(
                port,
                "token",
                request("POST", "/oauth2/token", [("content-type", "application/json")], body.encode()),
            )
            if not got or got.get("return_code") != 0:
                raise SystemExit(f"no token on {port}: {got}")
            self.tokens[port] = got["token"]
            self.issued[port] = time.monotonic()
        return self.tokens[port]

    def good_body(self, tr: Any, likeliest: bool = False) -> dict[str, Any]:
        """A body of the right form: the likeliest values, or (half the time) any of the form."""
        out = {}
        for p in tr.request:
            if p not in self.values:
                self.values[p] = good_values(p, self.day, self.codes)
            values = self.values[p]
            out[p.name] = values[0] if likeliest or self.rng.random() < 0.5 else self.rng.choice(values)
        return out

    def mutate_body(self, body: dict[str, Any], tr: Any) -> dict[str, Any]:
        rng = self.rng
        out = dict(body)
        for _ in range(rng.randint(1, 3)):
            names = [p.name for p in tr.request] or ["x"]
            name = rng.choice(names)
            op = rng.randrange(10)
            if op >= 8:
                out[name] = mutate_text(rng, str(out.get(name, "")))
            elif op == 0:
                out.pop(name, None)
            elif op == 1:
                out[name] = rng.choice(weird_json_values(rng))
            elif op in (2, 3):
                out[name] = rng.choice(WEIRD_STRINGS)
            elif op == 4:
                out[name] = rng.choice(date_pool(self.day))
            elif op == 5:
                out[rng.choice(["extra", "api-id", "cont-yn", "next_key", "", "\u0000"])] = rng.choice(
                    WEIRD_STRINGS
                )
            elif op == 6:
                out[name] = rng.choice(self.codes + [c + "_NX" for c in self.codes[:3]])
            else:
                out[name] = str(out.get(name, "")) + rng.choice([" ", "0", "_AL", "\n"])
        return out

    def encode_body(self, body: Any) -> bytes:
        rng = self.rng
        k = rng.randrange(20)
        if k == 0:
            return b""
        if k == 1:
            return b"{"
        if k == 2:
            return json.dumps(body).encode("utf-16")
        if k == 3:
            return b"\xff\xfe" + json.dumps(body).encode()
        if k == 4:
            return json.dumps([body]).encode()
        if k == 5:
            return b"[" * 5000 + b"]" * 5000
        if k == 6:
            return json.dumps(body, ensure_ascii=False).encode("euc-kr", "replace")
        if k == 7:
            return b'{"a":' * 40 + b"1" + b"}" * 40
        if k == 8:
            return json.dumps(body).encode() + b"garbage"
        if k == 9:
            return b"\xef\xbb\xbf" + json.dumps(body).encode()  # UTF-8 BOM
        if k == 10:
            return b'{"mrkt_tp": "0", "mrkt_tp": "1", "inds_cd": "001", "inds_cd": "\\ud800"}'
        if k == 11:
            return b"NaN"
        return json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()

    def headers(self, api_id: str, token: str, port: int) -> list[tuple[str, str | bytes]]:
        rng = self.rng
        h: list[tuple[str, str | bytes]] = []
        ct = rng.choice(
            [
                "application/json;charset=UTF-8",
                "application/json",
                None,
                "text/plain",
                "application/json; charset=euc-kr",
                "application/json;charset=",
                "application/x-www-form-urlencoded",
                'APPLICATION/JSON; CHARSET="utf-8"',
                "",
                ";;;",
                "application/json; charset=utf-8; charset=latin-1",
            ]
            if rng.random() < 0.4
            else ["application/json;charset=UTF-8"]
        )
        if ct is not None:
            h.append(("content-type", ct))
        if rng.random() < 0.3:
            api_id = rng.choice(
                [
                    "",
                    " ",
                    "ka9999",
                    "KA20001",
                    "ka20001 ",
                    "usa10099",
                    "kt10000",
                    "ka10001",
                    "a" * 11,
                    "ka2000１",
                    "ka-20001",
                    rng.choice([t.api_id for t in KIWOOM_TRS]),
                ]
            )
        if api_id is not None and rng.random() > 0.05:
            h.append(("api-id", api_id))
        if rng.random() < 0.3:
            auth = rng.choice(
                [
                    None,
                    "",
                    token,
                    "Bearer",
                    "Bearer ",
                    "bearer " + token,
                    "Bearer  " + token,
                    "Basic " + token,
                    "Bearer " + token[:-1],
                    "Bearer " + token + "x",
                    "Bearer "
                    + self.tokens.get(self.s.port if port == self.s.mock_port else self.s.mock_port, "x"),
                    "Bearer " + self.revoked.get(port, "y"),
                    "Bearer " + self.expired.get(port, "z"),
                    "Bearer " + "A" * 5000,
                    "Bearer 한글",
                ]
            )
        else:
            auth = "Bearer " + token
        if auth is not None:
            h.append(("authorization", auth))
        if rng.random() < 0.25:
            keys = [k for a, k in self.next_keys]
            h.append(("cont-yn", rng.choice(["Y", "y", "N", "", "YES", "Y "])))
            if rng.random() < 0.9:
                h.append(
                    (
                        "next-key",
                        rng.choice(
                            [
                                "",
                                "garbage",
                                "0",
                                "-1",
                                "A" * 51,
                                "=" * 4,
                                base64.b64encode(b"\x00" * 16).decode(),
                                base64.urlsafe_b64encode(os.urandom(rng.randrange(1, 40))).decode(),
                                *(keys[-5:] or ["x"]),
                                mutate_text(rng, keys[-1] if keys else "x")
                                .replace("\r", "")
                                .replace("\n", ""),
                            ]
                        ),
                    )
                )
        if rng.random() < 0.05:
            h.append(("x-long", "v" * rng.choice([1000, 8000, 70000])))
        if rng.random() < 0.05:
            h.append(("api-id", "ka20003"))  # a repeated api-id
        if rng.random() < 0.03:
            h.append(("authorization", b"Bearer \xff\xfe"))
        return h

    async def one_tr(self) -> None:
        rng = self.rng
        port = rng.choice([self.s.port, self.s.mock_port])
        token = await self.token(port)
        tr = rng.choice(KIWOOM_TRS)
        body: Any = self.good_body(tr)
        if rng.random() < 0.7:
            body = self.mutate_body(body, tr)
        path = f"/api/dostk/{tr.category}"
        if rng.random() < 0.15:
            path = rng.choice(
                [
                    "/api/dostk/sect",
                    "/api/dostk/chart",
                    "/api/dostk/stkinfo",
                    "/api/dostk/mrkcond",
                    "/api/dostk/",
                    "/api/dostk",
                    "/api/dostk/sect/",
                    "/api/dostk/SECT",
                    "/api/dostk/../dostk/sect",
                    "/api/dostk/%2e%2e/sect",
                    "/api//dostk/sect",
                    "/api/dostk/sect?x=1",
                    "/api/dostk/sect?api-id=ka20001&&&=",
                    "/api/dostk/sect#frag",
                    "/api/dostk/" + "a" * 5000,
                    "/api/dostk/%ff%fe",
                    "/api/dostk/섹트",
                    "/api/dostk/sect%00",
                    "/oauth2/token/../../api/dostk/sect",
                    "*",
                    "http://127.0.0.1/api/dostk/sect",
                ]
            )
        method = (
            "POST"
            if rng.random() < 0.9
            else rng.choice(["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO"])
        )
        raw_body = self.encode_body(body) if rng.random() < 0.3 else json.dumps(body).encode()
        raw = request(method, path, self.headers(tr.api_id, token, port), raw_body)
        got = await self.post(
            port, f"{method} {path} {tr.api_id} {show(raw_body, 200)}", raw, method == "HEAD"
        )
        if got is not None and got.get("return_code") == 0 and rng.random() < 0.5:
            await self.follow(port, token, tr, body)

    async def follow(self, port: int, token: str, tr: Any, body: dict[str, Any]) -> None:
        """Page through a good request; keep the keys for other requests to misuse."""
        for _ in range(3):
            raw = request(
                "POST",
                f"/api/dostk/{tr.category}",
                [
                    ("content-type", "application/json"),
                    ("api-id", tr.api_id),
                    ("authorization", "Bearer " + token),
                ],
                json.dumps(body).encode(),
            )
            try:
                reply = (await exchange(port, raw))[0]
            except (TimeoutError, Closed, ConnectionError) as e:
                self.report.find("kiwoom: no answer", f"paging {tr.api_id}: {e}")
                return
            check_kiwoom(self.report, f"page {tr.api_id}", reply)
            key = reply.headers.get("next-key", "")
            if reply.headers.get("cont-yn") != "Y" or not key:
                return
            self.next_keys.append((tr.api_id, key))
            self.next_keys = self.next_keys[-50:]
            raw = request(
                "POST",
                f"/api/dostk/{tr.category}",
                [
                    ("content-type", "application/json"),
                    ("api-id", tr.api_id),
                    ("authorization", "Bearer " + token),
                    ("cont-yn", "Y"),
                    ("next-key", key),
                ],
                json.dumps(body).encode(),
            )
            await self.post(port, f"next page {tr.api_id}", raw)

    async def one_oauth(self) -> None:
        rng = self.rng
        port = rng.choice([self.s.port, self.s.mock_port])
        k = self.key_of(port)
        other = self.key_of(self.s.port if port == self.s.mock_port else self.s.mock_port)
        revoke = rng.random() < 0.3
        body: dict[str, Any] = {
            "grant_type": "client_credentials",
            "appkey": k["appkey"],
            "secretkey": k["secretkey"],
        }
        if revoke:
            token = rng.choice([self.tokens.get(port, "x")] * 3 + [self.expired.get(port, "x")])
            body = {"appkey": k["appkey"], "secretkey": k["secretkey"], "token": token}
        for _ in range(rng.randint(0, 3)):
            name = rng.choice([*body, "extra"])
            op = rng.randrange(6)
            if op == 0:
                body.pop(name, None)
            elif op == 1:
                body[name] = rng.choice(weird_json_values(rng))
            elif op == 2:
                body[name] = rng.choice(
                    [*WEIRD_STRINGS[:30], other["appkey"], other["secretkey"], "password"]
                )
            elif op == 3:
                body["grant_type"] = rng.choice(
                    ["", "password", "CLIENT_CREDENTIALS", "client_credentials ", None, 1]
                )
            elif op == 4:
                body[name] = "x" * rng.choice([100, 10000, 2_000_000])
            else:
                body[name] = str(body.get(name, "")) + "한"
        ct = rng.choice(
            ["application/json;charset=UTF-8"] * 4
            + [None, "text/plain", "application/json;charset=euc-kr", "multipart/form-data"]
        )
        headers: list[tuple[str, str | bytes]] = [] if ct is None else [("content-type", ct)]
        if rng.random() < 0.2:
            headers.append(("api-id", rng.choice(["au10001", "ka20001", "", "x" * 100])))
        if rng.random() < 0.2:
            headers.append(("authorization", rng.choice(["Bearer x", "", "Basic abc"])))
        path = "/oauth2/revoke" if revoke else "/oauth2/token"
        if rng.random() < 0.1:
            path = rng.choice(
                [
                    "/oauth2/token/",
                    "/oauth2/TOKEN",
                    "/oauth2/",
                    "/oauth2",
                    "/oauth2/token?grant_type=client_credentials",
                    "/oauth2/revoke/",
                ]
            )
        method = "POST" if rng.random() < 0.9 else rng.choice(["GET", "PUT", "HEAD", "OPTIONS", "DELETE"])
        raw_body = self.encode_body(body) if rng.random() < 0.3 else json.dumps(body).encode()
        got = await self.post(
            port,
            f"{method} {path} {show(raw_body, 200)}",
            request(method, path, headers, raw_body),
            method == "HEAD",
        )
        if revoke and got is not None and got.get("return_code") == 0:
            token = self.tokens.pop(port, None)
            if token is not None:
                self.revoked[port] = token

    async def one_raw(self) -> None:
        """Requests only a raw socket sends: pipelines, broken framing, odd request lines."""
        rng = self.rng
        port = rng.choice([self.s.port, self.s.mock_port])
        token = await self.token(port)
        tr = rng.choice(KIWOOM_TRS)
        good = request(
            "POST",
            f"/api/dostk/{tr.category}",
            [
                ("content-type", "application/json"),
                ("api-id", tr.api_id),
                ("authorization", "Bearer " + token),
            ],
            json.dumps(self.good_body(tr)).encode(),
        )
        kind = rng.randrange(12)
        n, heads = 1, ()
        if kind == 0:
            raw, n = good * (m := rng.randint(2, 8)), m
        elif kind == 1:
            bad = request("POST", "/api/dostk/sect", [("api-id", "")], b"{")
            raw, n = good + bad + good, 3
        elif kind == 2:
            raw = rng.choice(
                [
                    b"GARBAGE\r\n\r\n",
                    b"POST\r\n\r\n",
                    b"POST / HTTP/9.9\r\n\r\n",
                    b"\x00\x01\x02\r\n\r\n",
                    b"POST /api/dostk/sect HTTP/1.1\r\nbad header\r\n\r\n",
                ]
            )
        elif kind == 3:  # chunked body
            body = json.dumps(self.good_body(tr)).encode()
            raw = request(
                "POST",
                f"/api/dostk/{tr.category}",
                [
                    ("api-id", tr.api_id),
                    ("authorization", "Bearer " + token),
                    ("transfer-encoding", "chunked"),
                    ("content-type", "application/json"),
                ],
                f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n",
                length=False,
            )
        elif kind == 4:  # an upgrade on a POST (served as plain HTTP)
            body = json.dumps(self.good_body(tr)).encode()
            raw = request(
                "POST",
                f"/api/dostk/{tr.category}",
                [
                    ("api-id", tr.api_id),
                    ("authorization", "Bearer " + token),
                    ("connection", "upgrade"),
                    ("upgrade", rng.choice(["websocket", "h2c"])),
                ],
                body,
            )
        elif kind == 5:  # WebSocket handshake on a REST path
            raw = request(
                "GET",
                rng.choice(["/api/dostk/sect", "/oauth2/token", "/nope", "/v2/market/stocks/kospi/lists"]),
                [
                    ("upgrade", "websocket"),
                    ("connection", "Upgrade"),
                    ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
                    ("sec-websocket-version", "13"),
                ],
            )
        elif kind == 6:  # Expect: 100-continue
            body = json.dumps(self.good_body(tr)).encode()
            raw = request(
                "POST",
                f"/api/dostk/{tr.category}",
                [("api-id", tr.api_id), ("authorization", "Bearer " + token), ("expect", "100-continue")],
                body,
            )
        elif kind == 7:  # headers past the parser's limits
            raw = request(
                "POST",
                "/api/dostk/sect",
                [(f"x-{i}", "v" * 100) for i in range(rng.choice([50, 500, 2000]))],
                b"{}",
            )
        elif kind == 8:  # HTTP/1.0, no host
            raw = b"POST /api/dostk/sect HTTP/1.0\r\napi-id: ka20003\r\ncontent-length: 2\r\n\r\n{}"
        elif kind == 9:  # a huge body
            big = json.dumps(
                {**self.good_body(tr), "pad": "x" * rng.choice([500_000, 1_100_000, 3_000_000])}
            ).encode()
            raw = request(
                "POST",
                f"/api/dostk/{tr.category}",
                [
                    ("api-id", tr.api_id),
                    ("authorization", "Bearer " + token),
                    ("content-type", "application/json"),
                ],
                big,
            )
        elif kind == 10:  # HEAD and OPTIONS pipelined with a good request
            raw = request("HEAD", "/api/dostk/sect") + request("OPTIONS", "/api/dostk/sect") + good
            n, heads = 3, (True, False, False)
        else:  # a content-length shorter than the body: the rest is the next 'request'
            body = json.dumps(self.good_body(tr)).encode()
            raw = request(
                "POST",
                f"/api/dostk/{tr.category}",
                [
                    ("api-id", tr.api_id),
                    ("authorization", "Bearer " + token),
                    ("content-length", str(max(0, len(body) - 3))),
                ],
                body,
                length=False,
            )
            n = 2
        what = f"raw kind {kind} {show(raw, 160)}"
        try:
            replies = await exchange(port, raw, n, heads)
        except (TimeoutError, Closed, asyncio.IncompleteReadError, ConnectionError) as e:
            self.report.requests += 1
            if kind in (11,) and isinstance(e, (Closed, asyncio.IncompleteReadError)):
                return  # the tail of an over-long body is garbage the server may close on
            self.report.find("kiwoom: no answer", f"{type(e).__name__} {e}: {what}")
            return
        for i, r in enumerate(replies):
            if kind == 5:  # refused with a bare 403 (sise.api.surface), never accepted
                if r.status != 403:
                    self.report.find(
                        "kiwoom: WebSocket handshake on a REST path not refused", f"{r.status}: {what}"
                    )
                self.report.requests += 1
                continue
            check_kiwoom(self.report, what, r, heads[i] if i < len(heads) else False)

    async def good(self) -> bool:
        """A good request on each personality answers correctly (with a new token if the one
        held has just expired)."""
        for port in (self.s.port, self.s.mock_port):
            for _ in range(2):
                token = await self.token(port)
                raw = request(
                    "POST",
                    "/api/dostk/sect",
                    [
                        ("content-type", "application/json;charset=UTF-8"),
                        ("api-id", "ka20001"),
                        ("authorization", "Bearer " + token),
                    ],
                    b'{"mrkt_tp":"0","inds_cd":"001"}',
                )
                got = await self.post(port, "liveness ka20001", raw)
                if got is None or "[8005:" not in got.get("return_msg", ""):
                    break
                self.expired[port] = self.tokens.pop(port, token)
            if not got or got.get("return_code") != 0 or "cur_prc" not in got:
                self.report.find("kiwoom: good request failed afterwards", f"{port}: {got}")
                return False
        return True


# ---------------------------------------------------------------------------------------------------
# Koscom REST
# ---------------------------------------------------------------------------------------------------


class Koscom:
    def __init__(
        self, server: Server, report: Report, rng: random.Random, codes: dict[str, list[str]]
    ) -> None:
        self.s, self.report, self.rng, self.codes = server, report, rng, codes
        self.key = server.keys["koscom"][0]["apikey"]
        self.day = DAY.replace("-", "")

    async def get(self, what: str, raw: bytes, head: bool = False, n: int = 1) -> Any:
        try:
            replies = await exchange(self.s.port, raw, n, (head,) * n)
        except (TimeoutError, Closed, asyncio.IncompleteReadError, ConnectionError) as e:
            self.report.requests += 1
            self.report.find("koscom: no answer", f"{type(e).__name__} {e}: {what}")
            return None
        out = None
        for r in replies:
            out = check_koscom(self.report, what, r, head)
        return out

    def query_value(self, name: str) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return mutate_text(rng, self.good_query(name) or rng.choice(WEIRD_STRINGS[:30]))
        if name.startswith("inq"):
            return rng.choice(date_pool(self.day))
        if name == "reqCnt":
            return rng.choice(COUNT_POOL)
        if name == "trnsmCycleTpCd":
            return rng.choice(["D", "W", "M", "d", "Y", "", "DD", "1"])
        if name == "inddCycleTpCd":
            return rng.choice(["10", "60", "600", "0", "1", "-10", "3600", "abc", ""])
        if name in ("strtTm", "endTm"):
            return rng.choice(
                [
                    "0900",
                    "1530",
                    "0000",
                    "2400",
                    "2359",
                    "0960",
                    "9999",
                    "900",
                    "09000",
                    "abcd",
                    "",
                    "1000",
                    "1001",
                ]
            )
        if name == "isuCd":
            pool = self.codes["kospi"] + self.codes["kosdaq"]
            n = rng.choice([0, 1, 2, 20, 21, 100])
            sep = rng.choice([",", ",,", ", ", ";", "%2C"])
            return sep.join(rng.choice(pool + WEIRD_STRINGS[:20]) for _ in range(n))
        return rng.choice(WEIRD_STRINGS[:30])

    def target(self) -> str:
        rng = self.rng
        ep = rng.choice(KOSCOM_ENDPOINTS)
        tmpl = rng.choice([ep.path, *ep.aliases]) if rng.random() < 0.8 or not ep.v3 else rng.choice(ep.v3)
        prefix = "/v2/market" if tmpl in (ep.path, *ep.aliases) else "/v3/market"
        markets = list(ep.markets) or ["kospi", "kosdaq", "KR"]
        market = (
            rng.choice(markets)
            if rng.random() < 0.8
            else rng.choice(
                [
                    "KOSPI",
                    "Kospi",
                    "",
                    "konex",
                    "kospi200",
                    "futures",
                    "%6Bospi",
                    "k%00",
                    "..",
                    ".",
                    "x" * 300,
                    "코스피",
                    "kospi%2F..",
                    "sector",
                ]
            )
        )
        codes = self.codes.get(market, []) or self.codes["kospi"]
        if rng.random() < 0.7 and codes:
            code = rng.choice(codes)
        else:
            code = rng.choice(
                [
                    "",
                    "0",
                    "005930",
                    "00593",
                    "0059300",
                    "KR7005930003",
                    "abc",
                    "ABCDEFGHIJ",
                    "K1",
                    "001",
                    "1001",
                    "%30%30%35%39%33%30",
                    "005930%00",
                    "005930%20",
                    "..",
                    "%2e%2e",
                    "%C0%AE",
                    "%ZZ",
                    "한글",
                    "9" * 500,
                ]
            )
        if rng.random() < 0.15:
            code = quote(mutate_text(rng, code), safe="")
        path = prefix + tmpl.replace("{market}", market).replace("{code}", code)
        if rng.random() < 0.1:
            path = rng.choice(
                [
                    path + "/",
                    path.upper(),
                    path.replace("/v2/", "/v2//"),
                    path + "/extra",
                    path.replace("/market/", "/Market/"),
                    path + "%2F",
                    path.rsplit("/", 1)[0],
                    "/v2/market",
                    "/v2/",
                    "/v3/market/",
                    "/v2/market/stocks/kospi/" + "a/" * 200,
                ]
            )
        query = [
            (p.name, self.query_value(p.name) if rng.random() < 0.6 else self.good_query(p.name))
            for p in ep.query
            if rng.random() < 0.85
        ]
        if "selectivemaster" in tmpl:
            query += [
                (rng.choice(["isuSrtCd", "isuKorNm", "trdPrc", "nope", "", "ISUSRTCD", "a" * 100]), "")
                for _ in range(rng.randint(0, 5))
            ]
        if rng.random() < 0.2:
            query.append(
                (
                    rng.choice(["foo", "reqCnt", "inqStrtDd", "", "&", "=", "%00"]),
                    rng.choice(WEIRD_STRINGS[:30]),
                )
            )
        key_mode = rng.randrange(10)
        self._key_header = None
        if key_mode < 6:
            self._key_header = self.key
        elif key_mode == 6:
            query.append(("apikey", self.key))
        elif key_mode == 7:
            self._key_header = rng.choice(
                ["", " ", "l7xx" + "0" * 32, self.key + "x", self.key.upper(), "한글"]
            )
        elif key_mode == 8:
            query.append(("apikey", rng.choice(["", "bad", self.key + "%00"])))
        if query:
            enc = "&".join(
                (quote(k, safe="%") if rng.random() < 0.9 else k)
                + ("=" + quote(v, safe="%") if v or rng.random() < 0.5 else "")
                for k, v in query
            )
            path += "?" + enc
        return path

    def good_query(self, name: str) -> str:
        return {
            "inqStrtDd": "20261001",
            "inqEndDd": self.day,
            "reqCnt": "10",
            "trnsmCycleTpCd": "D",
            "inddCycleTpCd": "60",
            "strtTm": "0900",
            "endTm": "1000",
            "isuCd": ",".join(self.codes["kospi"][:3]),
        }.get(name, "")

    async def one(self) -> None:
        rng = self.rng
        target = self.target()
        method = (
            "GET"
            if rng.random() < 0.92
            else rng.choice(["HEAD", "POST", "PUT", "OPTIONS", "DELETE", "PATCH"])
        )
        headers: list[tuple[str, str | bytes]] = []
        if self._key_header is not None:
            headers.append(("apikey", self._key_header))
        if rng.random() < 0.05:
            headers.append(("apikey", b"\xff\xfe"))
        if rng.random() < 0.1:
            headers.append(("content-type", "application/json"))
        body = b'{"a":1}' if method in ("POST", "PUT") and rng.random() < 0.5 else b""
        n = 1
        raw = request(method, target, headers, body)
        if rng.random() < 0.05:
            raw, n = raw * 4, 4
        await self.get(f"{method} {target}", raw, method == "HEAD", n)

    async def good(self) -> bool:
        code = self.codes["kospi"][0]
        got = await self.get(
            "liveness price", request("GET", f"/v2/market/stocks/kospi/{code}/price", [("apikey", self.key)])
        )
        if not isinstance(got, dict) or "result" not in got or "trdPrc" not in got["result"]:
            self.report.find("koscom: good request failed afterwards", str(got)[:300])
            return False
        return True


# ---------------------------------------------------------------------------------------------------
# WebSockets
# ---------------------------------------------------------------------------------------------------


def is_ping(frame: bytes | str) -> bool:
    """A Kiwoom PING echo, which is never answered."""
    try:
        return bool(json.loads(frame) == {"trnm": "PING"})
    except ValueError:
        return False


class Sockets:
    def __init__(
        self, server: Server, report: Report, rng: random.Random, kiwoom: Kiwoom, codes: dict[str, list[str]]
    ) -> None:
        self.s, self.report, self.rng, self.kiwoom, self.codes = server, report, rng, kiwoom, codes
        self.key = server.keys["koscom"][0]["apikey"]

    def check_frame(self, where: str, got: tuple[int, bytes] | None, sent: str) -> Any:
        if got is None:
            self.report.find(f"ws {where}: no answer within {SLOW_S} s", sent[:300])
            return None
        op, payload = got
        if op == 8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            if code is not None and code not in (1000, 1001, 1003, 1007, 1008, 1009, 1002):
                self.report.find(
                    f"ws {where}: close {code}",
                    f"{payload[2:].decode('utf-8', 'replace')} after {sent[:300]}",
                )
            return None
        if op != 1:
            self.report.find(f"ws {where}: non-text frame {op}", sent[:300])
            return None
        try:
            msg = json.loads(payload)
        except ValueError:
            self.report.find(f"ws {where}: frame not JSON", f"{show(payload)} after {sent[:300]}")
            return None
        if where == "kiwoom" and not (isinstance(msg, dict) and isinstance(msg.get("trnm"), str)):
            self.report.find("ws kiwoom: frame without trnm", f"{show(payload)} after {sent[:300]}")
        if where == "koscom" and not (isinstance(msg, dict) and msg.get("jsonrpc") == "2.0"):
            self.report.find("ws koscom: frame not JSON-RPC", f"{show(payload)} after {sent[:300]}")
        if "[1999" in payload.decode("utf-8", "replace") or '"code":10080' in payload.decode(
            "utf-8", "replace"
        ):
            self.report.find(f"ws {where}: server error answer", f"{show(payload)} after {sent[:300]}")
        return msg

    async def drain(self, ws: Ws, where: str) -> None:
        """Read what a slow reader left queued, up to a close (whose code is checked: a cut is
        the vendor's 1008) or a quiet second; the session may go on being served."""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            got = await ws.recv(1.0)
            if got is None:
                return
            if got[0] == 8:
                self.check_frame(where, got, "a slow reader")
                return

    async def answer(self, ws: Ws, where: str, sent: str, want: Callable[[Any], bool] | None = None) -> Any:
        """The first frame answering a request (pushes, REAL and PING frames skipped)."""
        end = time.monotonic() + SLOW_S
        while True:
            got = await ws.recv(max(0.01, end - time.monotonic()))
            if got is None or got[0] == 8:
                return self.check_frame(where, got, sent)
            msg = self.check_frame(where, got, sent)
            if msg is None:
                continue
            if where == "kiwoom" and isinstance(msg, dict):
                if msg.get("trnm") == "PING":
                    await ws.send(got[1])
                    continue
                if msg.get("trnm") in ("REAL", "SYSTEM") and "return_code" not in msg:  # a push
                    continue
            if where == "koscom" and isinstance(msg, dict) and (msg.get("method") in ("push", "heartbeat")):
                continue
            if where == "market" and isinstance(msg, list):
                continue
            if want is None or want(msg):
                return msg

    def kiwoom_junk(self) -> tuple[bytes | str, int]:
        rng = self.rng
        types = [
            "0J",
            "0U",
            "0B",
            "0D",
            "1h",
            "0A",
            "00",
            "04",
            "",
            "ZZ",
            "0j",
            "0g",
            "0H",
            "0I",
            "0E",
            "0F",
            "0s",
        ]
        items = [
            "001",
            "101",
            "",
            "005930",
            "005930_NX",
            "005930_AL",
            "999999",
            "abc",
            "한글",
            *self.codes["kospi"][:5],
        ]
        k = rng.randrange(18)
        if k == 0:
            return "not json", 1
        if k == 1:
            return b"\x00\x01\xff", 2
        if k == 2:
            return json.dumps({"grp_no": "1"}), 1
        if k == 3:
            return json.dumps([1, 2]), 1
        if k == 4:
            return json.dumps(
                {
                    "trnm": rng.choice(
                        [
                            "reg",
                            "FOO",
                            "",
                            None,
                            1,
                            ["REG"],
                            "LOGIN",
                            "PING",
                            "REAL",
                            "SYSTEM",
                            "CNSRLST",
                            "REMOVE",
                        ]
                    )
                }
            ), 1
        if k == 5:
            return "x" * rng.choice([70_000, 1_000_000]), 1
        if k == 6:
            return b"\xc3\x28", 1  # invalid UTF-8 in a text frame
        items += [mutate_text(rng, rng.choice(items)) for _ in range(3)]
        types += [mutate_text(rng, rng.choice(types)) for _ in range(2)]
        data = [
            {
                "item": rng.choice(
                    [[rng.choice(items) for _ in range(rng.randint(0, 5))], "001", None, [1, 2], [[]], {}]
                ),
                "type": rng.choice(
                    [[rng.choice(types) for _ in range(rng.randint(0, 3))], "0J", None, [None], 5]
                ),
            }
            for _ in range(rng.randint(0, 3))
        ]
        msg: dict[str, Any] = {
            "trnm": rng.choice(["REG", "REG", "REMOVE"]),
            "grp_no": rng.choice(["1", "0", "", "9999", "10000", 1, None, "-1", "한", ["1"]]),
            "refresh": rng.choice(["1", "0", "", "2", 1, None, True]),
            "data": rng.choice([data, data, None, "x", {}, [None], [1]]),
        }
        if rng.random() < 0.2:
            del msg[rng.choice(list(msg))]
        if rng.random() < 0.05:  # thousands of registrations
            msg["data"] = [
                {"item": [f"{i:06d}" for i in range(2000)] + self.codes["kospi"], "type": ["0B", "0D", "0J"]}
            ]
        return json.dumps(msg), 1

    async def kiwoom_session(self) -> None:
        rng = self.rng
        port = rng.choice([self.s.port, self.s.mock_port])
        token = await self.kiwoom.token(port)
        try:
            ws = await Ws.connect(port, "/api/dostk/websocket", self.report)
        except (Closed, TimeoutError, OSError) as e:
            self.report.find("ws kiwoom: connect failed", str(e))
            return
        try:
            if rng.random() < 0.2:  # requests before LOGIN
                junk, op = self.kiwoom_junk()
                await ws.send(junk, op)
                if not is_ping(junk):
                    await self.answer(ws, "kiwoom", f"before LOGIN: {str(junk)[:200]}")
                return
            login = rng.choice(
                [token] * 6 + ["", "bad", "Bearer " + token, None, 1, self.kiwoom.expired.get(port, "e")]
            )
            await ws.send(json.dumps({"trnm": "LOGIN", "token": login}))
            got = await self.answer(ws, "kiwoom", f"LOGIN {str(login)[:40]}")
            if not isinstance(got, dict) or got.get("return_code") != 0:
                return
            for _ in range(rng.randint(1, 12)):
                mode = rng.randrange(10)
                if mode == 0:  # fragmented REG
                    msg = json.dumps(
                        {
                            "trnm": "REG",
                            "grp_no": "1",
                            "refresh": "1",
                            "data": [{"item": ["001"], "type": ["0J"]}],
                        }
                    ).encode()
                    cut = rng.randint(1, len(msg) - 1)
                    await ws.raw(
                        frame(msg[:cut], 1, fin=False)
                        + (frame(b"", 9) if rng.random() < 0.5 else b"")
                        + frame(msg[cut:], 0)
                    )
                    await self.answer(ws, "kiwoom", "fragmented REG")
                elif mode == 1:  # abrupt close mid-frame
                    await ws.raw(frame(b'{"trnm":"REG","grp_no":"1","data":[]}' * 10)[: rng.randint(2, 40)])
                    ws.abort()
                    return
                elif mode == 2:  # slow reader: register everything, then stop reading
                    items = self.codes["kospi"] + self.codes["kosdaq"]
                    await ws.send(
                        json.dumps(
                            {
                                "trnm": "REG",
                                "grp_no": "2",
                                "refresh": "1",
                                "data": [{"item": items[:100], "type": ["0B", "0D"]}],
                            }
                        )
                    )
                    await asyncio.sleep(rng.choice([1, 4, 12]))
                    await self.drain(ws, "kiwoom")
                    return
                elif mode == 3:  # unmasked client frame (a protocol error)
                    await ws.raw(frame(b'{"trnm":"PING"}', mask=False))
                    await self.answer(ws, "kiwoom", "unmasked frame")
                    return
                else:
                    junk, op = self.kiwoom_junk()
                    await ws.send(junk, op)
                    if not is_ping(junk):
                        await self.answer(ws, "kiwoom", str(junk)[:300])
                if ws.close_code is not None:
                    return
        finally:
            ws.abort()

    def koscom_junk(self) -> tuple[bytes | str, int]:
        rng = self.rng
        k = rng.randrange(14)
        if k == 0:
            return "{not json", 1
        if k == 1:
            return b"\x00\xff", 2
        if k == 2:
            return json.dumps({"jsonrpc": "2.0", "id": 1}), 1
        if k == 3:
            return '{"jsonrpc":"2.0","id":1,"method":"heartbeat",}', 1
        if k == 4:
            return json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "heartbeat"}]), 1
        if k == 5:
            return "y" * rng.choice([70_000, 1_000_000]), 1
        codes = (
            self.codes["kospi"][:5]
            + self.codes["kosdaq"][:3]
            + ["", "0", "abc", "K1", "001", "005930" * 3, "한글", None, 5]
        )
        codes += [mutate_text(rng, self.codes["kospi"][0]) for _ in range(3)]
        params: Any = {
            "preset": rng.choice(
                ["tick", "quote", "tick10", "quote10", "index", "change", "", "TICK", None, 1, "nope"]
            ),
            "isuSrtCd": rng.choice(codes),
        }
        if rng.random() < 0.3:
            params["items"] = rng.choice(
                [["trdPrc", "trdTm"], [], ["nope"], "trdPrc", None, [1], ["trdPrc"] * 100]
            )
        if rng.random() < 0.1:
            params = rng.choice([None, [], "x", 5])
        msg = {
            "jsonrpc": rng.choice(["2.0"] * 8 + ["1.0", None, 2.0]),
            "id": rng.choice([1, "a", None, 2**70, -1, 1.5, [], {}]),
            "method": rng.choice(
                [
                    "subscribe",
                    "subscribe",
                    "unsubscribe",
                    "heartbeat",
                    "query",
                    "init",
                    "",
                    "SUBSCRIBE",
                    None,
                    7,
                ]
            ),
            "params": params,
        }
        if rng.random() < 0.2:
            del msg[rng.choice(list(msg))]
        if rng.random() < 0.04:
            return "\n".join(json.dumps({**msg, "id": i}) for i in range(3)), 1
        return json.dumps(msg), 1

    async def koscom_session(self) -> None:
        rng = self.rng
        path = rng.choice(["/ws", "/ws", "/ws", "/ws_ksp", "/ws_kdq"])
        where = "koscom" if path == "/ws" else "market"
        try:
            ws = await Ws.connect(self.s.port, path, self.report)
        except (Closed, TimeoutError, OSError) as e:
            self.report.find("ws koscom: connect failed", f"{path}: {e}")
            return
        try:
            if rng.random() < 0.2:
                junk, op = self.koscom_junk()
                await ws.send(junk, op)
                await self.answer(ws, where, f"{path} before init: {str(junk)[:200]}")
                return
            key = rng.choice([self.key] * 6 + ["", "bad", None, 5])
            params: Any = rng.choice(
                [{"key": key, "membername": "fuzz"}, {"key": key}, {"apikey": key}, None]
            )
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "init", "params": params}))
            got = await self.answer(
                ws, where, f"{path} init {str(params)[:60]}", lambda m: isinstance(m, dict)
            )
            if not isinstance(got, dict) or "result" not in got:
                return
            for _ in range(rng.randint(1, 12)):
                mode = rng.randrange(10)
                if mode == 0:
                    msg = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "heartbeat"}).encode()
                    cut = rng.randint(1, len(msg) - 1)
                    await ws.raw(frame(msg[:cut], 1, fin=False) + frame(msg[cut:], 0))
                    await self.answer(ws, where, "fragmented heartbeat", lambda m: isinstance(m, dict))
                elif mode == 1:
                    await ws.raw(
                        frame(b'{"jsonrpc":"2.0","id":3,"method":"heartbeat"}')[: rng.randint(2, 30)]
                    )
                    ws.abort()
                    return
                elif mode == 2 and path == "/ws":  # fill the subscription cap and beyond
                    for code in (self.codes["kospi"] + self.codes["kosdaq"])[:210]:
                        await ws.send(
                            json.dumps(
                                {
                                    "jsonrpc": "2.0",
                                    "id": 9,
                                    "method": "subscribe",
                                    "params": {"preset": "tick", "isuSrtCd": code},
                                }
                            )
                        )
                    await asyncio.sleep(rng.choice([1, 4, 12]))  # and do not read
                    await self.drain(ws, where)
                    return
                else:
                    junk, op = self.koscom_junk()
                    await ws.send(junk, op)
                    await self.answer(ws, where, f"{path} {str(junk)[:300]}", lambda m: isinstance(m, dict))
                if ws.close_code is not None:
                    return
        finally:
            ws.abort()

    async def good(self) -> bool:
        token = await self.kiwoom.token(self.s.port)
        try:
            ws = await Ws.connect(self.s.port, "/api/dostk/websocket", self.report)
            try:
                await ws.send(json.dumps({"trnm": "LOGIN", "token": token}))
                got = await self.answer(ws, "kiwoom", "liveness LOGIN")
                if not isinstance(got, dict) or got.get("return_code") != 0:
                    self.report.find("ws kiwoom: good LOGIN failed afterwards", str(got))
                    return False
            finally:
                ws.abort()
            ws = await Ws.connect(self.s.port, "/ws", self.report)
            try:
                await ws.send(
                    json.dumps({"jsonrpc": "2.0", "id": 1, "method": "init", "params": {"key": self.key}})
                )
                got = await self.answer(ws, "koscom", "liveness init")
                if not isinstance(got, dict) or "result" not in got:
                    self.report.find("ws koscom: good init failed afterwards", str(got))
                    return False
            finally:
                ws.abort()
        except (Closed, TimeoutError, OSError) as e:
            self.report.find("ws: good session failed afterwards", str(e))
            return False
        return True


# ---------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------


async def universe_codes(server: Server) -> dict[str, list[str]]:
    key = server.keys["koscom"][0]["apikey"]
    out: dict[str, list[str]] = {}
    for market in ("kospi", "kosdaq", "konex"):
        r = (
            await exchange(
                server.port, request("GET", f"/v2/market/stocks/{market}/lists", [("apikey", key)])
            )
        )[0]
        rows = json.loads(r.body).get("isuLists", []) if r.status == 200 else []
        out[market] = [row["isuSrtCd"] for row in rows][:300]
    for kind in ("futures", "options"):
        r = (
            await exchange(
                server.port, request("GET", f"/v2/market/{kind}/kospi200/lists", [("apikey", key)])
            )
        )[0]
        rows = json.loads(r.body).get("isuLists", []) if r.status == 200 else []
        out["kospi200"] = out.get("kospi200", []) + [row.get("isuSrtCd", "") for row in rows][:20]
    for market in ("sector", "etc"):
        out[market] = ["001", "002", "013", "101", "K1", "KS", "1001"]
    return out


async def run(server: Server, args: argparse.Namespace, report: Report) -> None:
    rng = random.Random(args.seed)
    codes = await universe_codes(server)
    kiwoom = Kiwoom(server, report, rng, codes["kospi"][:20] + codes["kosdaq"][:10])
    koscom = Koscom(server, report, rng, codes)
    sockets = Sockets(server, report, rng, kiwoom, codes)
    surfaces = SURFACES if args.surface == "all" else (args.surface,)
    jobs: dict[str, list[Callable[[], Awaitable[None]]]] = {
        "kiwoom": [kiwoom.one_tr] * 6 + [kiwoom.one_oauth] * 2 + [kiwoom.one_raw] * 2,
        "koscom": [koscom.one],
        "ws": [sockets.kiwoom_session, sockets.koscom_session],
    }
    pool = [j for s in surfaces for j in jobs[s]]
    end = time.monotonic() + args.minutes * 60
    batch = 0
    while time.monotonic() < end:
        batch += 1
        # A batch: `concurrency` jobs at once (drawn in order, so the run is seeded), then checks.
        chosen = [rng.choice(pool) for _ in range(args.concurrency)]
        results = await asyncio.gather(*(j() for j in chosen), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                report.find("fuzzer: exception", f"{type(r).__name__}: {r}")
        if server.proc is not None and server.proc.poll() is not None:
            report.find("server exited", f"status {server.proc.returncode}")
            break
        if batch % 10 == 0:
            live = True
            if "kiwoom" in surfaces or "ws" in surfaces:
                live = await kiwoom.good() and live
            if "koscom" in surfaces:
                live = await koscom.good() and live
            if "ws" in surfaces:
                live = await sockets.good() and live
            check_log(report, server)
            if args.verbose:
                print(
                    f"{batch} batches, {report.requests} requests, {report.frames_sent} frames,"
                    f" {sum(report.counts.values())} findings",
                    flush=True,
                )
    check_log(report, server)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--surface", choices=[*SURFACES, "all"], default="all")
    parser.add_argument("--port", type=int, default=18200, help="real personality; mock is port + 1")
    parser.add_argument("--concurrency", type=int, default=4, help="jobs in flight at once")
    parser.add_argument("--attach", action="store_true", help="fuzz an already running server")
    parser.add_argument("--data-dir", type=Path, help="its data directory (keys.json, serve.log)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    report = Report()
    tmp = None
    if args.attach:
        if args.data_dir is None:
            parser.error("--attach needs --data-dir")
        server = Server(
            args.port,
            args.port + 1,
            args.data_dir,
            args.data_dir / "serve.log",
            json.loads((args.data_dir / "keys.json").read_text()),
        )
        server.log_pos = server.log.stat().st_size if server.log.exists() else 0
    else:
        tmp = tempfile.mkdtemp(prefix="sise-fuzz-")
        server = start_server(args.port, Path(tmp), args.seed)
        server.new_log()  # the start-up output is not the fuzzer's
    t0 = time.monotonic()
    try:
        asyncio.run(run(server, args, report))
    finally:
        server.stop()
    took = time.monotonic() - t0
    print(
        f"seed {args.seed}, surface {args.surface}, {took / 60:.1f} min: {report.requests} HTTP requests,"
        f" {report.frames_sent} frames sent, {report.frames_received} received"
    )
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(report.statuses.items())))
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(report.outcomes.items())))
    if not report.findings:
        print("no findings")
        return 0
    print(f"{sum(report.counts.values())} findings of {len(report.findings)} kinds:")
    for kind, examples in report.findings.items():
        print(f"\n== {kind} ({report.counts[kind]})")
        for e in examples:
            print("  - " + e.replace("\n", "\n    "))
    if tmp is not None:
        print(f"\nserver log: {server.log}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
