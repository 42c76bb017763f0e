"""Drives kiwoompy (its own venv, Python 3.12+) against sise; prints what the library returned as
JSON.

Settings a user changes: the module dictionaries ``kiwoompy.api._BASE_URLS`` and
``kiwoompy.realtime._WS_URLS`` (the library takes only ``env="real"`` or ``"demo"``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sys
from typing import Any

import kiwoompy.api
import kiwoompy.realtime
from kiwoompy import KiwoomClient, KiwoomError
from kiwoompy.realtime import KiwoomRealtime

cfg = json.loads(sys.argv[1])
kiwoompy.api._BASE_URLS["real"] = cfg["url"]
kiwoompy.realtime._WS_URLS["real"] = cfg["ws_url"]

MARKET = {"0": "kospi", "1": "kosdaq", "2": "kospi200"}
EXCHANGE = {"1": "krx", "2": "nxt", "3": "all"}
AMOUNT = {"0": "amount", "1": "qty"}


def parsed(value: Any) -> Any:
    return dataclasses.asdict(value)


def rest() -> dict[str, Any]:
    client = KiwoomClient(env="real", appkey=cfg["appkey"], secretkey=cfg["secretkey"], rps=100)
    q = client.query
    b = {api_id: body for api_id, (_, body) in cfg["calls"].items()}
    out: dict[str, Any] = {"token": client.api._token}
    out["trs"] = {
        "ka10010": q.get_sector_program(b["ka10010"]["stk_cd"]),
        "ka10051": q.get_sector_investor_net_buy(
            MARKET[b["ka10051"]["mrkt_tp"]],
            AMOUNT[b["ka10051"]["amt_qty_tp"]],
            b["ka10051"]["base_dt"],
            EXCHANGE[b["ka10051"]["stex_tp"]],
        ),
        "ka20001": q.get_sector_price(MARKET[b["ka20001"]["mrkt_tp"]], b["ka20001"]["inds_cd"]),
        "ka20002": q.get_sector_stock_prices(
            MARKET[b["ka20002"]["mrkt_tp"]], b["ka20002"]["inds_cd"], EXCHANGE[b["ka20002"]["stex_tp"]]
        ),
        "ka20003": q.get_all_sector_index(b["ka20003"]["inds_cd"]),
        "ka20009": q.get_sector_daily_price(MARKET[b["ka20009"]["mrkt_tp"]], b["ka20009"]["inds_cd"]),
        "ka10101": q.get_sector_list(MARKET[b["ka10101"]["mrkt_tp"]]),
        "ka20004": q.get_sector_tick_chart(b["ka20004"]["inds_cd"], b["ka20004"]["tic_scope"]),
        "ka20005": q.get_sector_min_chart(b["ka20005"]["inds_cd"], b["ka20005"]["tic_scope"]),
        "ka20006": q.get_sector_day_chart(b["ka20006"]["inds_cd"], b["ka20006"]["base_dt"]),
        "ka20007": q.get_sector_week_chart(b["ka20007"]["inds_cd"], b["ka20007"]["base_dt"]),
        "ka20008": q.get_sector_month_chart(b["ka20008"]["inds_cd"], b["ka20008"]["base_dt"]),
        "ka20019": q.get_sector_year_chart(b["ka20019"]["inds_cd"], b["ka20019"]["base_dt"]),
    }
    out["trs"] = {api_id: parsed(v) for api_id, v in out["trs"].items()}
    try:
        q.get_sector_price("kospi", "999")
    except KiwoomError as e:
        out["unknown_code"] = [type(e).__name__, str(e)]
    try:
        KiwoomClient(env="real", appkey=cfg["appkey"], secretkey=cfg["secretkey"] + "x")
    except KiwoomError as e:
        out["bad_secret"] = [type(e).__name__, str(e)]
    # The library's own pacing is off here (rps): Kiwoom's 429 surfaces, as an "auth" error.
    fast = KiwoomClient(env="real", appkey=cfg["appkey"], secretkey=cfg["secretkey"], rps=1000)
    errors = []
    for _ in range(12):
        try:
            fast.query.get_sector_program(b["ka10010"]["stk_cd"])
        except KiwoomError as e:
            errors.append([type(e).__name__, e.status_code, str(e)])
    out["limited"] = errors
    client.auth.revoke_token(cfg["appkey"], cfg["secretkey"])
    out["revoked"] = out["token"]
    return out


async def stream() -> dict[str, Any]:
    logs: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logs.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("kiwoompy.realtime").addHandler(handler)
    logging.getLogger("kiwoompy.realtime").setLevel(logging.INFO)
    client = KiwoomClient(env="real", appkey=cfg["appkey"], secretkey=cfg["secretkey"])
    got: list[Any] = []

    async def collect(event: Any) -> None:
        got.append(parsed(event))

    rt = KiwoomRealtime(client.api, env="real", reconnect=False)
    await rt.connect()  # no LOGIN frame: the library puts the token in an Authorization header
    await rt.subscribe("0J", ["001"], collect)
    await asyncio.sleep(cfg["listen_s"])
    await rt.close()
    return {"real": got, "logs": logs}


result = asyncio.run(stream()) if cfg["mode"] == "stream" else rest()
print(json.dumps(result, ensure_ascii=False))
