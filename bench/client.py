"""The SDK's own cost per call: `sise.client` against a bare `httpx` request of the same call, in
the same run, against one `sise serve`.

For each call the two are interleaved (SDK, bare, SDK, bare, …) so both meet the same market and
the same machine; the figure is the median wall time per call and the SDK's share on top of bare.
"Bare" is what a hand-written client does at the least: the POST or GET with its headers on a kept
`httpx.Client`, every page of a Kiwoom TR (following `cont-yn` / `next-key`), the JSON decoded.
The SDK adds its token handling, pacing, error and continuation checks ("raw": `all()` / `get`),
and the typed models with their value parsing ("typed"). ``--start 15:00`` makes ka20001's
intraday answer long (two thousand rows over three pages).

    python bench/client.py                # 400 calls of each
    python bench/client.py --calls 1000
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from loopback import free_port, wait_http
from sise.client import KiwoomClient, KoscomClient

SISE = Path(sys.executable).parent / "sise"
SERVE = ("--mock-port", "0", "--history", "memory", "--history-years", "1", "--rate-limit", "0")
SERVE += ("--koscom-quota", "0")


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def interleaved(calls: dict[str, Callable[[], object]], n: int) -> dict[str, float]:
    """Median seconds per call of each, the calls taking turns (after a warm-up of each)."""
    for fn in calls.values():
        timed(fn, 20)
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(n // 10):
        for name, fn in calls.items():
            samples[name] += timed(fn, 10)
    return {name: statistics.median(s) for name, s in samples.items()}


def report(title: str, medians: dict[str, float]) -> None:
    bare = medians["bare"]
    parts = [f"bare {bare * 1e3:6.3f} ms"]
    for name, v in medians.items():
        if name != "bare":
            parts.append(f"{name} {v * 1e3:6.3f} ms ({(v / bare - 1) * 100:+5.1f} %)")
    print(f"  {title:<32} " + "   ".join(parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=400, help="calls of each kind per figure (default 400)")
    ap.add_argument(
        "--start", default="09:05", help="market time of the server, HH:MM (later: longer intraday answers)"
    )
    args = ap.parse_args()
    n = args.calls
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "data"
        port = free_port()
        serve = [str(SISE), "serve", "--port", str(port), "--data-dir", str(data), "--start", args.start]
        serve += SERVE
        log = (Path(d) / "serve.log").open("wb")
        proc = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/healthz")
            keys = json.loads((data / "keys.json").read_text())
            run(base, keys, n)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
            log.close()


def run(base: str, keys: dict[str, Any], n: int) -> None:
    appkey, secret = keys["real"][0]["appkey"], keys["real"][0]["secretkey"]
    apikey = keys["koscom"][0]["apikey"]
    print(f"sise.client against bare httpx, median of {n} calls each, interleaved")
    with (
        KiwoomClient(base, appkey, secret, rate_limit=0) as kiwoom,
        KoscomClient(base, apikey) as koscom,
        httpx.Client(base_url=base) as bare,
    ):
        token = kiwoom.token().token
        head = {"authorization": f"Bearer {token}", "content-type": "application/json;charset=UTF-8"}

        def post(api_id: str, path: str, body: dict[str, str]) -> Callable[[], object]:
            headers = {**head, "api-id": api_id}

            def call() -> object:
                # Every page, as the typed methods read them: cont-yn / next-key in the headers.
                r = bare.post(path, json=body, headers=headers)
                r.raise_for_status()
                pages = [r.json()]
                while r.headers.get("cont-yn") == "Y":
                    more = {**headers, "cont-yn": "Y", "next-key": r.headers["next-key"]}
                    r = bare.post(path, json=body, headers=more)
                    r.raise_for_status()
                    pages.append(r.json())
                return pages

            return call

        def get(path: str, **query: str) -> Callable[[], object]:
            def call() -> object:
                r = bare.get(path, params=query, headers={"apikey": apikey})
                r.raise_for_status()
                return r.json()

            return call

        body = {"mrkt_tp": "0", "inds_cd": "001"}
        report(
            "Kiwoom ka20001 업종현재가",
            interleaved(
                {
                    "bare": post("ka20001", "/api/dostk/sect", body),
                    "raw": lambda: kiwoom.all("ka20001", body),
                    "typed": lambda: kiwoom.sector_price("001"),
                },
                n,
            ),
        )
        body = {"inds_cd": "001"}
        report(
            "Kiwoom ka20003 전업종지수",
            interleaved(
                {
                    "bare": post("ka20003", "/api/dostk/sect", body),
                    "raw": lambda: kiwoom.all("ka20003", body),
                    "typed": lambda: kiwoom.all_sectors("001"),
                },
                n,
            ),
        )
        path = "/v2/market/stocks/kospi/005930/price"
        report(
            "Koscom stocks price",
            interleaved(
                {
                    "bare": get(path),
                    "raw": lambda: koscom.stocks("kospi", "price", "005930"),
                    "typed": lambda: koscom.stock_price("kospi", "005930"),
                },
                n,
            ),
        )
        day = bare.get("/healthz").json()["trading_day"].replace("-", "")  # a later end is refused
        query = {"trnsmCycleTpCd": "D", "inqStrtDd": "20250101", "inqEndDd": day, "reqCnt": "100"}
        path = "/v2/market/stocks/kospi/005930/history"

        def history() -> object:
            return koscom.stocks("kospi", "history", "005930", **query)

        def typed_history() -> object:
            return koscom.stock_history(
                "kospi", "005930", trnsmCycleTpCd="D", inqStrtDd="20250101", inqEndDd=day, reqCnt=100
            )

        calls = {"bare": get(path, **query), "raw": history, "typed": typed_history}
        report("Koscom history (100 rows)", interleaved(calls, n))


if __name__ == "__main__":
    main()
