"""The sise SDK: Python clients for the Kiwoom REST and Koscom market-data APIs, against the
vendors or a local sise.

    from sise.client import KiwoomClient, SISE_KIWOOM_URL

    with KiwoomClient(SISE_KIWOOM_URL, appkey, secretkey) as kiwoom:
        kospi = kiwoom.sector_price("001")

Real-time data comes from ``KiwoomStream`` (``sise.client.kiwoom_stream``) and ``KoscomStream``
(``sise.client.koscom_stream``), async iterators of parsed messages that reconnect by themselves;
``SyncKiwoomStream`` / ``SyncKoscomStream`` (``sise.client.stream_sync``) iterate them from
synchronous code.

It imports nothing of the server side (an import-linter contract in pyproject.toml holds it to
that), so it can ship as a light install: httpx, msgspec and websockets. See docs/sdk.md.
"""

from __future__ import annotations

from sise.client.frames import to_frame
from sise.client.kiwoom import KiwoomClient
from sise.client.kiwoom_async import AsyncKiwoomClient
from sise.client.kiwoom_core import (
    KIWOOM_MOCK_URL,
    KIWOOM_REAL_URL,
    SISE_KIWOOM_MOCK_URL,
    SISE_KIWOOM_URL,
    Page,
    Token,
)
from sise.client.kiwoom_errors import (
    KiwoomAuthError,
    KiwoomConnectionError,
    KiwoomError,
    KiwoomNotFoundError,
    KiwoomPageLimitError,
    KiwoomRateLimitError,
    KiwoomRequestError,
    KiwoomServerError,
    KiwoomSessionTakenError,
    KiwoomTokenError,
    KiwoomTransportError,
)
from sise.client.kiwoom_stream import KIWOOM_MOCK_WS_URL, KIWOOM_WS_URL, KiwoomStream, Real, kiwoom_ws_url
from sise.client.koscom import AsyncKoscomClient, KoscomClient
from sise.client.koscom_core import (
    KOSCOM_SANDBOX_URL,
    KOSCOM_URL,
    SISE_KOSCOM_URL,
    KoscomAuthError,
    KoscomClosedError,
    KoscomConnectionError,
    KoscomError,
    KoscomNotFoundError,
    KoscomQuotaError,
    KoscomRequestError,
    KoscomTransportError,
    Quota,
)
from sise.client.koscom_stream import (
    KOSCOM_SANDBOX_WS_URL,
    KoscomMessage,
    KoscomPush,
    KoscomSessionTakenError,
    KoscomStream,
    KoscomTrade,
    koscom_ws_url,
)
from sise.client.stream_sync import SyncKiwoomStream, SyncKoscomStream, SyncStream
from sise.client.values import Directed, Direction, Sign, directed, direction, hundredths, integer, number

__all__ = [
    "KIWOOM_MOCK_URL",
    "KIWOOM_MOCK_WS_URL",
    "KIWOOM_REAL_URL",
    "KIWOOM_WS_URL",
    "KOSCOM_SANDBOX_URL",
    "KOSCOM_SANDBOX_WS_URL",
    "KOSCOM_URL",
    "SISE_KIWOOM_MOCK_URL",
    "SISE_KIWOOM_URL",
    "SISE_KOSCOM_URL",
    "AsyncKiwoomClient",
    "AsyncKoscomClient",
    "Directed",
    "Direction",
    "KiwoomAuthError",
    "KiwoomClient",
    "KiwoomConnectionError",
    "KiwoomError",
    "KiwoomNotFoundError",
    "KiwoomPageLimitError",
    "KiwoomRateLimitError",
    "KiwoomRequestError",
    "KiwoomServerError",
    "KiwoomSessionTakenError",
    "KiwoomStream",
    "KiwoomTokenError",
    "KiwoomTransportError",
    "KoscomAuthError",
    "KoscomClient",
    "KoscomClosedError",
    "KoscomConnectionError",
    "KoscomError",
    "KoscomMessage",
    "KoscomNotFoundError",
    "KoscomPush",
    "KoscomQuotaError",
    "KoscomRequestError",
    "KoscomSessionTakenError",
    "KoscomStream",
    "KoscomTrade",
    "KoscomTransportError",
    "Page",
    "Quota",
    "Real",
    "Sign",
    "SyncKiwoomStream",
    "SyncKoscomStream",
    "SyncStream",
    "Token",
    "directed",
    "direction",
    "hundredths",
    "integer",
    "kiwoom_ws_url",
    "koscom_ws_url",
    "number",
    "to_frame",
]
