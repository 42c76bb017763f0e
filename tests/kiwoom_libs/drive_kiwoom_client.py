"""Drives kiwoom-client (its own venv) against sise; prints what the library returned as JSON.

Settings a user changes: ``base_url=`` of ``KiwoomAPI`` and ``ws_url=`` of ``KiwoomWebSocket``
(``KiwoomAPI.create_websocket()`` always connects to api.kiwoom.com).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import httpx
from kiwoom_client import AsyncKiwoomAPI, KiwoomAPI, KiwoomAPIError, KiwoomAuthError, KiwoomWebSocket
from kiwoom_client.auth import KiwoomAuth

# api-id -> (module, method) of the library
METHODS = {
    "ka10010": ("sector", "industry_program_trading"),
    "ka10051": ("sector", "industry_investor_net_buy"),
    "ka20001": ("sector", "industry_current_price"),
    "ka20002": ("sector", "industry_stock_price"),
    "ka20003": ("sector", "all_industry_index"),
    "ka20009": ("sector", "industry_daily_price"),
    "ka10101": ("stock_info", "industry_code_list"),
    "ka20004": ("chart", "industry_tick_chart"),
    "ka20005": ("chart", "industry_minute_chart"),
    "ka20006": ("chart", "industry_daily_chart"),
    "ka20007": ("chart", "industry_weekly_chart"),
    "ka20008": ("chart", "industry_monthly_chart"),
    "ka20019": ("chart", "industry_yearly_chart"),
}


def call(api: Any, api_id: str, body: dict[str, str]) -> Any:
    """``api``'s method for ``api_id`` (an awaitable of the answer from the asyncio client)."""
    module, method = METHODS[api_id]
    return getattr(getattr(api, module), method)(**body)


def rest(cfg: dict[str, Any]) -> dict[str, Any]:
    url, key, secret = cfg["url"], cfg["appkey"], cfg["secretkey"]
    out: dict[str, Any] = {}
    api = KiwoomAPI(key, secret, base_url=url, rate_limit=None)
    out["login"] = api.login()
    out["trs"] = {api_id: call(api, api_id, body) for api_id, (_, body) in cfg["calls"].items()}
    sect = cfg["calls"]["ka20002"][1]
    # Paging as the library's README does it.
    out["request_all"] = api._client.request_all("/api/dostk/sect", "ka20002", sect, "inds_stkpc")
    out["async"] = asyncio.run(concurrently(cfg))
    try:
        call(api, "ka20001", {"mrkt_tp": "0", "inds_cd": "999"})
    except KiwoomAPIError as e:
        out["unknown_code"] = [e.code, e.message]
    try:
        KiwoomAPI(key, secret + "x", base_url=url).login()
    except KiwoomAuthError as e:
        out["bad_secret"] = str(e)
    # The token revoked elsewhere: the next call meets return_code 3, issues a new one, retries.
    old = api._auth.token
    KiwoomAuth(key, secret, url).revoke_token(old)
    out["after_revoke"] = call(api, "ka20001", cfg["calls"]["ka20001"][1])
    out["reissued"] = api._auth.token != old
    # Kiwoom's 429: without retries it surfaces, with them every call gets through.
    bare = KiwoomAPI(key, secret, base_url=url, rate_limit=None, max_retries=0)
    statuses = []
    for _ in range(12):
        try:
            call(bare, "ka10010", cfg["calls"]["ka10010"][1])
            statuses.append(200)
        except httpx.HTTPStatusError as e:
            statuses.append(e.response.status_code)
            out["limited"] = e.response.json()
    out["statuses"] = statuses
    patient = KiwoomAPI(key, secret, base_url=url, rate_limit=None, retry_backoff=0.3)
    out["patient"] = [call(patient, "ka10010", cfg["calls"]["ka10010"][1])["return_code"] for _ in range(12)]
    out["logout_token"] = api._auth.token
    out["logout"] = api.logout()
    return out


async def concurrently(cfg: dict[str, Any]) -> dict[str, Any]:
    """The asyncio client: every TR at once (the limit is per api-id, so they do not wait)."""
    async with AsyncKiwoomAPI(cfg["appkey"], cfg["secretkey"], base_url=cfg["url"]) as api:
        calls = [call(api, api_id, body) for api_id, (_, body) in cfg["calls"].items()]
        return dict(zip(cfg["calls"], await asyncio.gather(*calls), strict=True))


async def stream(cfg: dict[str, Any]) -> dict[str, Any]:
    api = KiwoomAPI(cfg["appkey"], cfg["secretkey"], base_url=cfg["url"], rate_limit=None)
    ws = KiwoomWebSocket(api._auth.get_valid_token(), ws_url=cfg["ws_url"])
    await ws.connect()  # LOGIN: the library insists the first frame back is its answer
    frames: list[dict[str, Any]] = []
    real: dict[str, list[dict[str, Any]]] = {"0J": [], "0U": []}
    ws.on_message(frames.append)
    for kind, items in real.items():
        ws.on(kind, items.append)
    await ws.subscribe(["0J", "0U"], ["001", "101"])
    listening = asyncio.create_task(ws.listen())
    await asyncio.sleep(cfg["listen_s"])  # several of sise's PINGs: echoed, or sise would close
    await ws.unsubscribe(["0J", "0U"], ["001", "101"])
    await asyncio.sleep(cfg["quiet_s"])
    await ws.disconnect()
    listening.cancel()
    removed = next(i for i, f in enumerate(frames) if f.get("trnm") == "REMOVE")
    return {
        "real": real,
        "acks": [f for f in frames if f.get("trnm") in ("REG", "REMOVE")],
        "system": [f for f in frames if f.get("trnm") == "SYSTEM"],
        "real_after_remove": sum(f.get("trnm") == "REAL" for f in frames[removed + 1 :]),
        "ka20001": api.sector.industry_current_price(mrkt_tp="0", inds_cd="001"),
    }


if __name__ == "__main__":
    cfg = json.loads(sys.argv[1])
    result = asyncio.run(stream(cfg)) if cfg["mode"] == "stream" else rest(cfg)
    print(json.dumps(result, ensure_ascii=False))
