"""Drives kiwoom-rest-api (its own venv) against sise; prints what the library returned as JSON
on the last line (the library prints its URLs on stdout too).

The one setting a user changes: ``KIWOOM_DEFAULT_BASE_URL`` (read when the library is imported).
Its API classes are built without ``base_url=``, so they request ``//api/dostk/…``, which sise
takes as ``/api/dostk/…``. The library has no
WebSocket client.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

cfg = json.loads(sys.argv[1])
os.environ["KIWOOM_DEFAULT_BASE_URL"] = cfg["url"]
os.environ["KIWOOM_API_KEY"] = cfg["appkey"]
os.environ["KIWOOM_API_SECRET"] = cfg["secretkey"]

from kiwoom_rest_api.auth.token import TokenManager  # noqa: E402  (after the environment)
from kiwoom_rest_api.core.base import APIError  # noqa: E402
from kiwoom_rest_api.koreanstock.chart import Chart  # noqa: E402
from kiwoom_rest_api.koreanstock.sector import Sector  # noqa: E402
from kiwoom_rest_api.koreanstock.stockinfo import StockInfo  # noqa: E402

tokens = TokenManager()
sector = Sector(token_manager=tokens)
chart = Chart(token_manager=tokens)
info = StockInfo(token_manager=tokens)

# api-id -> the library's method; its parameters are named as the body's fields except where noted
METHODS = {
    "ka10010": lambda b, **kw: sector.industry_program_trading_request_ka10010(b["stk_cd"], **kw),
    "ka10051": lambda b, **kw: sector.industrywise_investor_net_buy_request_ka10051(**b, **kw),
    "ka20001": lambda b, **kw: sector.industry_current_price_request_ka20001(**b, **kw),
    "ka20002": lambda b, **kw: sector.industrywise_stock_price_request_ka20002(**b, **kw),
    "ka20003": lambda b, **kw: sector.all_industries_index_request_ka20003(**b, **kw),
    "ka20009": lambda b, **kw: sector.industry_daily_current_price_request_ka20009(**b, **kw),
    "ka10101": lambda b, **kw: info.industry_code_list_request_ka10101(b["mrkt_tp"], **kw),
    "ka20004": lambda b, **kw: chart.industry_tick_chart_request_ka20004(**b, **kw),
    "ka20005": lambda b, **kw: chart.industry_minute_chart_request_ka20005(**b, **kw),
    "ka20006": lambda b, **kw: chart.industry_daily_chart_request_ka20006(**b, **kw),
    "ka20007": lambda b, **kw: chart.industry_weekly_chart_request_ka20007(**b, **kw),
    "ka20008": lambda b, **kw: chart.industry_monthly_chart_request_ka20008(**b, **kw),
    "ka20019": lambda b, **kw: chart.industry_yearly_chart_request_ka20019(**b, **kw),
}

out: dict[str, Any] = {"token": tokens.get_token()}
out["trs"] = {api_id: METHODS[api_id](body) for api_id, (_, body) in cfg["calls"].items()}

# Continuation: the library copies the headers named in Access-Control-Expose-Headers into the
# answer; the caller passes cont-yn and next-key back.
time.sleep(1)  # ka20002's bucket: its first page was just asked for
pages = [METHODS["ka20002"](cfg["calls"]["ka20002"][1])]
while pages[-1].get("cont-yn") == "Y":
    time.sleep(0.25)  # Kiwoom's 5/s
    pages.append(METHODS["ka20002"](cfg["calls"]["ka20002"][1], cont_yn="Y", next_key=pages[-1]["next-key"]))
out["pages"] = pages

# Errors come back as answers (the library raises only on HTTP errors).
out["unknown_code"] = METHODS["ka20001"]({"mrkt_tp": "0", "inds_cd": "999"})
stale = TokenManager()
stale._access_token, stale._token_expiry = "x" * 86, tokens._token_expiry
out["bad_token"] = Sector(token_manager=stale).industry_current_price_request_ka20001(
    **cfg["calls"]["ka20001"][1]
)
statuses = []
for _ in range(12):
    try:
        statuses.append(METHODS["ka10010"](cfg["calls"]["ka10010"][1])["return_code"])
    except APIError as e:
        statuses.append(e.status_code)
out["statuses"] = statuses

print(json.dumps(out, ensure_ascii=False, default=str))
