"""The daily futures table (Koscom futures ``/history``, KRX [15001] columns).

One row per contract and trading day, keyed by the 8-character short code, plus one row per day
for each 연결선물 (continuous front-month) code such as ``K2FA001``, whose ``contract`` names the
front contract it stood for that day. Prices are raw price units as the contracts quote them:
0.01 pt for index and KTB futures, 0.01 KRW for USD futures, KRW for stock futures.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from sise.store.base import CODE_DTYPE, DATE_DTYPE, HistoryStore

#: Table name under which ``register_futures_table`` registers ``FUTURES_DAILY``.
FUTURES_TABLE: Final = "futures_daily"

#: Daily bar of every futures contract and continuous code.
FUTURES_DAILY: Final = np.dtype(
    [
        ("code", CODE_DTYPE),  # 8-character contract code, or a continuous code (K2FA001)
        ("date", DATE_DTYPE),  # YYYYMMDD
        ("open", np.int64),  # price units
        ("high", np.int64),
        ("low", np.int64),
        ("close", np.int64),
        ("settle", np.int64),  # daily settlement price (정산가), price units
        ("volume", np.int64),  # contracts
        ("value", np.int64),  # KRW
        ("open_interest", np.int64),  # contracts at the end of the day
        ("spot", np.float64),  # underlying close: index points, KRW per USD, KTB yield in %, KRW
        ("contract", "<U8"),  # continuous rows: the front contract that day; else the code itself
    ]
)

__all__ = ["FUTURES_DAILY", "FUTURES_TABLE", "register_futures_table"]


def register_futures_table(store: HistoryStore) -> None:
    """Register ``FUTURES_DAILY`` as ``futures_daily`` in ``store`` (a no-op if already there)."""
    store.register_table(FUTURES_TABLE, FUTURES_DAILY)
