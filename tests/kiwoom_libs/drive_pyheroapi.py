"""Drives pyheroapi (its own venv) against sise; prints what the library returned as JSON.

Settings a user changes: the class attributes ``KiwoomClient.PRODUCTION_URL`` and
``KiwoomRealtimeClient.PRODUCTION_WS_URL`` (the library takes no base URL; token issuance and
revocation are static methods that read the class attribute).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any

from pyheroapi.client import KiwoomClient
from pyheroapi.exceptions import KiwoomAPIError, KiwoomAuthError
from pyheroapi.realtime import KiwoomRealtimeClient

cfg = json.loads(sys.argv[1])
KiwoomClient.PRODUCTION_URL = cfg["url"]
KiwoomRealtimeClient.PRODUCTION_WS_URL = cfg["ws_url"]


def attempt(f: Any) -> Any:
    """The library's answer, or its exception as [class, message]."""
    try:
        return f()
    except KiwoomAPIError as e:
        return [type(e).__name__, str(e)]


async def stream(client: KiwoomClient) -> dict[str, Any]:
    logs: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logs.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("KiwoomRealtimeClient").addHandler(handler)
    logging.getLogger("KiwoomRealtimeClient").setLevel(logging.INFO)
    rt = client.realtime
    got: list[Any] = []
    for kind in ("0J", "0U"):
        rt.add_callback(kind, lambda d: got.append([d.data_type, d.symbol, d.values]))
    await rt.connect()
    await rt.subscribe_sector_index("001")
    await asyncio.sleep(cfg["listen_s"])  # several PINGs: the library echoes them
    connected = rt.is_connected and rt.websocket is not None
    await rt.unsubscribe_all()
    await asyncio.sleep(cfg["quiet_s"])
    before = len(got)
    await asyncio.sleep(cfg["quiet_s"])
    await rt.disconnect()
    return {"real": got, "connected": connected, "after_remove": len(got) - before, "logs": logs}


def rest(client: KiwoomClient) -> dict[str, Any]:
    day, b51 = cfg["day"], cfg["calls"]["ka10051"][1]  # amounts (0), the latest day (""), as CALLS
    net_buying = client.get_sector_investor_net_buying
    out: dict[str, Any] = {"token": client.access_token}
    out["trs"] = {
        "ka10010": attempt(lambda: client.get_sector_program_trading("005930")),
        "ka10051": attempt(lambda: net_buying(b51["mrkt_tp"], "0", "", b51["stex_tp"])),
        "ka20001": attempt(lambda: client.get_sector_current_price("001")),
        "ka20002": attempt(lambda: client.get_sector_stock_prices("001")),
        "ka20003": attempt(lambda: client.get_all_sector_indices("0")),
        "ka20009": attempt(lambda: client.get_sector_daily_current_price("001")),
        "ka10101": attempt(client.get_sector_code_list),
        "ka20004": attempt(lambda: client.get_sector_tick_chart("001", "1")),
        "ka20005": attempt(lambda: client.get_sector_minute_chart("001", "1")),
        "ka20006": attempt(lambda: client.get_sector_daily_chart("001", day)),
        "ka20007": attempt(lambda: client.get_sector_weekly_chart("001", day)),
        "ka20008": attempt(lambda: client.get_sector_monthly_chart("001", day)),
        "ka20019": attempt(lambda: client.get_sector_yearly_chart("001", day)),
    }
    out["ka20006_no_date"] = attempt(lambda: client.get_sector_daily_chart("001"))
    out["bad_token"] = attempt(lambda: KiwoomClient("x" * 86).get_sector_program_trading("005930"))
    try:
        KiwoomClient.issue_token(cfg["appkey"], cfg["secretkey"] + "x")
    except KiwoomAuthError as e:
        out["bad_secret"] = str(e)
    # A burst on one api-id: the library backs off on 429 and tries again.
    out["burst"] = [attempt(lambda: client.get_sector_program_trading("005930")) for _ in range(8)]
    out["revoke"] = client.revoke_current_token(cfg["appkey"], cfg["secretkey"]).model_dump()
    return out


client = KiwoomClient.create_with_credentials(cfg["appkey"], cfg["secretkey"], is_production=True)
result = asyncio.run(stream(client)) if cfg["mode"] == "stream" else rest(client)
print(json.dumps(result, ensure_ascii=False))
