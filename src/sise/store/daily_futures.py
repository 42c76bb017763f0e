"""A finished day's futures as ``futures_daily`` rows (``record_day`` in ``sise.store.daily``).

One row per futures contract listed that day (its last trading day on or after it) — stock
futures included, which the back-fill does not cover — then one per 연결선물 code copying its
front contract's row, as ``sise.sources.futures_history`` lays them out. The figures are today's
row of the live futures history (Koscom ``daily_rows``): KRX open, high, low, last, volume, value
in KRW, open interest. A contract that did not trade closes at its settlement price (else its
base) with open, high and low equal to the close.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sise.market.derivatives import TheoryParams, continuous_code, product_of_code, value_krw
from sise.market.timeutil import yyyymmdd_str
from sise.market.types import InstrumentKind
from sise.store.base import FUTURES_DAILY, Rows
from sise.store.closing import ClosedDay

F64 = npt.NDArray[np.float64]
Idx = npt.NDArray[np.intp]

__all__ = ["futures_rows"]


def futures_rows(c: ClosedDay) -> Rows:
    e, krx = c.engine, c.krx
    t = e.instruments
    day = yyyymmdd_str(c.day)
    fut = np.flatnonzero(
        (t.kind == InstrumentKind.FUTURE) & t.active & (np.array(t.expiry, dtype=object) >= day)
    )
    traded = krx.count[fut] > 0
    settlement = e.settlement[fut]  # 0 where the day's settlement was not published
    close = np.where(traded, krx.last[fut], np.where(settlement > 0, settlement, e.base[fut]))
    out: Rows = np.zeros(len(fut), FUTURES_DAILY)
    out["code"] = [t.code[i] for i in fut]
    out["contract"] = out["code"]
    out["date"] = c.ymd
    for f in ("open", "high", "low"):
        out[f] = np.where(traded, getattr(krx, f)[fut], close)
    out["close"] = close
    out["settle"] = np.where(settlement > 0, settlement, close)
    out["volume"] = krx.volume[fut]
    out["value"] = value_krw(krx.value[fut], t.multiplier[fut], t.price_scale[fut])
    out["open_interest"] = e.open_interest[fut]
    out["spot"] = np.round(_spots(c, fut), 4)
    return np.concatenate([out, _continuous(out, fut, c)])


def _spots(c: ClosedDay, fut: Idx) -> F64:
    """Each contract's underlying at the close: an index's close level, a stock's close; the USD
    rate and the KTB yields, which the engine keeps no level of, at the pricing defaults the live
    views price with."""
    e = c.engine
    t = e.instruments
    levels = np.round(e.index.levels(), 2)
    theory = TheoryParams()
    other = {"USD": theory.usd_spot, **theory.ktb_yield_pct}
    out = np.zeros(len(fut))
    for j, i in enumerate(fut):
        u = t.underlying[i]
        pos = e.index.position.get(u)
        stock = t.number(u)
        if pos is not None:
            out[j] = levels[pos]
        elif stock is not None:
            out[j] = c.close[stock]
        else:
            out[j] = other.get(u, 0.0)
    return out


def _continuous(rows: Rows, fut: Idx, c: ClosedDay) -> Rows:
    """One row per 연결선물 code: its product's nearest contract, the code in ``contract``."""
    t = c.engine.instruments
    front: dict[str, int] = {}  # continuous code → row of the front contract
    for j, i in enumerate(fut):
        try:
            code = continuous_code(product_of_code(t.code[i]))
        except ValueError:  # options and stock futures have no 연결선물 code
            continue
        k = front.get(code)
        if k is None or (t.expiry[i], i) < (t.expiry[fut[k]], fut[k]):
            front[code] = j
    out = rows[list(front.values())]
    out["code"] = list(front)
    return out
