"""REST throughput of both vendor APIs: `sise serve` against a bare Starlette/uvicorn app, side by side.

For Kiwoom ka20001 (업종현재가) and ka20002 (업종별주가), and for Koscom
``stocks/kospi/005930/price``, the whole-market ``multiquote/stocks/kospi/lists`` and a 100-row
daily ``history`` (each where sise serves it), over loopback:

1. peak: `wrk` (one thread, 16 connections, 10 s) against sise, then against a bare Starlette app
   on the same uvicorn settings that answers the same path with a constant JSON body of the same
   size as sise's response; requests/s and p50/p99 latency for both, and their ratio;
2. latency at half of sise's peak rate: an open-loop client paced at that rate for 10 s, p50/p99.

The servers run in their own processes (one core each on a 2-core machine; wrk shares).

    python bench/api.py
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from loopback import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BODIES = {
    "ka20001": {"mrkt_tp": "0", "inds_cd": "001"},
    "ka20002": {"mrkt_tp": "0", "inds_cd": "013", "stex_tp": "1"},
}
KOSCOM_PATHS = {
    "price": "/v2/market/stocks/kospi/005930/price",
    "multiquote lists": "/v2/market/multiquote/stocks/kospi/lists",
    # {day}: the server's trading day (a later end date is a future date, 20100).
    "history (100 rows)": "/v2/market/stocks/kospi/005930/history?trnsmCycleTpCd=D&inqStrtDd=20200101"
    "&inqEndDd={day}&reqCnt=100",
}


BARE_APP = textwrap.dedent(
    """
    import os, sys
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route
    BODY = open(sys.argv[1], "rb").read()
    async def handler(request):
        await request.body()
        return Response(BODY, media_type="application/json;charset=UTF-8")
    app = Starlette(routes=[Route("/{path:path}", handler, methods=["GET", "POST"])])
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False,
                lifespan="off")
    """
)


def wrk(url: str, headers: dict[str, str], body: str | None, seconds: int = 10) -> tuple[float, float, float]:
    hdr = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if body is None:
            script.write(f'wrk.method = "GET"\n{hdr}\n')
        else:
            script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n{hdr}\n')
    out = subprocess.run(
        ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        assert m, out
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
        return float(m.group(1)) * scale

    if "Non-2xx" in out:
        raise RuntimeError(f"errors under load:\n{out}")
    return rps, pct("50"), pct("99")


async def paced(
    url: str, headers: dict[str, str], body: str | None, rate: float, seconds: float
) -> tuple[float, float, int]:
    """Open loop at ``rate`` requests/s over keep-alive connections; latency from each request's
    *scheduled* start, so a slow server cannot hide its queueing (no coordinated omission).

    A raw HTTP/1.1 client on uvloop: httpx cannot generate a thousand requests/s on one core."""
    import uvloop

    host, port_path = url.split("//", 1)[1].split(":", 1)
    port, path = port_path.split("/", 1)
    payload = b"" if body is None else body.encode()
    method = "GET" if body is None else "POST"
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (
        f"{method} /{path} HTTP/1.1\r\nHost: {host}\r\n{head}Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    n = int(rate * seconds)
    lat: list[float] = []
    next_i = 0

    async def connection(start: float) -> None:
        nonlocal next_i
        reader, writer = await asyncio.open_connection(host, int(port))
        while next_i < n:
            i = next_i
            next_i += 1
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(request)
            header = await reader.readuntil(b"\r\n\r\n")
            if not header.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(header.decode(errors="replace"))
            length = int(re.search(rb"content-length: (\d+)", header.lower()).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            lat.append((time.perf_counter() - due) * 1e3)
        writer.close()

    async def run() -> None:
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(connection(start) for _ in range(32)))

    uvloop.install()
    await run()
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)], len(lat)


def _no_koscom_quota() -> list[str]:
    """``--koscom-quota 0`` (a load test spends a day's quota in seconds), where the build has it."""
    usage = subprocess.run(
        [str(Path(PY).parent / "sise"), "serve", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return ["--koscom-quota", "0"] if "--koscom-quota" in usage else []


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("bench/api.py needs wrk (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="sise-bench-"))
    port, bare_port = free_port(), free_port()
    sise = subprocess.Popen(
        [
            str(Path(PY).parent / "sise"),
            "serve",
            "--port",
            str(port),
            "--mock-port",
            "0",
            "--rate-limit",
            "0",
            *_no_koscom_quota(),
            "--history-years",
            "1",
            "--data-dir",
            str(work),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs = [sise]
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        keys = json.loads((work / "keys.json").read_text())["real"][0]
        token = httpx.post(
            f"http://127.0.0.1:{port}/oauth2/token",
            json={
                "grant_type": "client_credentials",
                "appkey": keys["appkey"],
                "secretkey": keys["secretkey"],
            },
        ).json()["token"]
        cases: list[tuple[str, str, dict[str, str], str | None]] = []
        for api_id, req in BODIES.items():
            headers = {
                "Content-Type": "application/json;charset=UTF-8",
                "authorization": f"Bearer {token}",
                "api-id": api_id,
            }
            cases.append((f"Kiwoom {api_id}", "/api/dostk/sect", headers, json.dumps(req)))
        apikey = json.loads((work / "keys.json").read_text())["koscom"][0]["apikey"]
        day = httpx.get(f"http://127.0.0.1:{port}/healthz").json()["trading_day"].replace("-", "")
        for name, path in KOSCOM_PATHS.items():
            cases.append((f"Koscom {name}", path.format(day=day), {"apikey": apikey}, None))
        for name, path, headers, body in cases:
            url = f"http://127.0.0.1:{port}{path}"
            sample = httpx.request("GET" if body is None else "POST", url, headers=headers, content=body)
            if sample.status_code != 200:
                print(f"\n{name}: not served ({sample.status_code} {sample.text[:80]})")
                continue
            body_file = work / "response.json"
            body_file.write_bytes(sample.content)
            bare = subprocess.Popen(
                [PY, "-c", BARE_APP, str(body_file), str(bare_port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(bare)
            bare_url = f"http://127.0.0.1:{bare_port}{path}"
            for _ in range(100):
                try:
                    httpx.get(bare_url)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            s_rps, s50, s99 = wrk(url, headers, body)
            b_rps, b50, b99 = wrk(bare_url, headers, body)
            half = s_rps / 2
            p50, p99, n = asyncio.run(paced(url, headers, body, half, 10.0))
            print(f"\n{name}  response {len(sample.content):,} bytes")
            print(f"  sise          {s_rps:9,.0f} req/s   p50 {s50:6.2f} ms   p99 {s99:6.2f} ms")
            print(f"  bare starlette{b_rps:9,.0f} req/s   p50 {b50:6.2f} ms   p99 {b99:6.2f} ms")
            print(f"  ratio         {s_rps / b_rps:9.2f}")
            print(f"  sise at half peak ({half:,.0f} req/s, {n:,} requests):", end="")
            print(f" p50 {p50:.2f} ms   p99 {p99:.2f} ms")
            bare.terminate()
            bare.wait()
            procs.remove(bare)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
