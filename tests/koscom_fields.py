"""Koscom field lists the endpoint tests share, copied from ``../shared/reference/koscom.md`` (in
the reference's order) — written independently of sise's declarations, which the tests check
against them — and the API key the tests' apps accept."""

from __future__ import annotations

KEY = "l7xx0123456789abcdef0123456789abcdef"

#: §6.4 closeprice (stocks, futures and options alike).
CLOSE = [
    "isuSrtCd",
    "trdPrc",
    "cmpprevddTpCd",
    "cmpprevddPrc",
    "opnprc",
    "hgprc",
    "lwprc",
    "accTrdvol",
    "accTrdval",
]
#: §6.5 price: the 14 preset fields.
PRICE = [
    *CLOSE[:-2],
    "accTrdvol",
    "accTrdval",
    "trdTm",
    "trdvol",
    "bidordPrc_1",
    "askordPrc_1",
    "lstAskbidTpCd",
]
#: §6.7 / §8 ``invstLists`` items.
INVESTOR_ROW = ["invstCd", "askTrdvol", "askTrdval", "bidTrdvol", "bidTrdval"]
#: §6.12 intraday ``hisLists`` items (with the v3.10 value fields).
INTRADAY_ROW = [
    "inddTm",
    "inddOpnprc",
    "inddHgprc",
    "inddLwprc",
    "inddClsprc",
    "inddTrdvol",
    "inddTrdval",
    "inddAccTrdvol",
    "inddAccTrdval",
]
#: §6.15 history ``hisLists`` items (futures and options add ``opnintQty``, §9.7).
HISTORY_ROW = ["trdDd", *CLOSE[1:]]
