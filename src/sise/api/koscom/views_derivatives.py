"""Koscom futures and options endpoints (``/v2/market/{futures|options}/{marketcode}/…``,
koscom.md §9, §10).

Every Koscom derivatives ``{marketcode}`` routes; the ones whose products sise lists on the day
answer from the engine (today) and the ``futures_daily`` history (earlier days), the others answer
10010 데이터가 존재 하지 않습니다. Prices are JSON numbers in the contract's quote units (price units
divided by ``price_scale``: points for index and KTB futures and options, KRW for USD and stock
futures), values in KRW (price × multiplier), investor values in 백만원. A 연결선물 code
(``K2FA001`` …) stands for the market's front-month future; answers then carry the real code.
Options have no stored history: their history holds today's row only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from sise.api import readers
from sise.api.koscom import params as P
from sise.api.koscom.endpoint import Endpoint, Envelope, KoscomContext, Path, Result, check_code
from sise.api.koscom.errors import ISSUE_NOT_FOUND, NO_DATA, NO_DATA_ON_DATE
from sise.api.koscom.fmt import CODE, DATE, DATE_STR, INT, NUM, STR, TIME, TIME_STR, hhmmssmm
from sise.api.koscom.lookups import close_day, session_date
from sise.api.periods import Period, koscom_label, period_keys, period_runs
from sise.api.wire import Body, Field, Record, Request
from sise.engine.bars import BAR_DTYPE
from sise.market.calendar import previous_trading_day
from sise.market.codes import KOSCOM_DERIVATIVE_MARKETS, KOSCOM_INVESTOR_CODES, koscom_derivative_market
from sise.market.derivatives import (
    PRODUCTS,
    Product,
    TheoryParams,
    contract_terms,
    fair_values,
    forward_price,
    futures_limit_steps,
    listing_date,
    option_limit_steps,
    product_of_code,
    value_krw,
)
from sise.market.instruments import Instrument
from sise.market.ticks import TickTableId, round_down, tick_size
from sise.market.timeutil import NS, date_of_yyyymmdd, kst_ns, yyyymmdd, yyyymmdd_str
from sise.market.types import InstrumentKind, Market, Venue
from sise.store.base import FUTURES_DAILY, FUTURES_TABLE

I64 = npt.NDArray[np.int64]

#: The derivatives market's end time as the list envelopes print it (koscom.md §9.1).
DERIVATIVES_MARKET_END: Final = "1550"
#: Close-type derivatives data from 15:50 (koscom.md §1.8).
CLOSE_AFTER: Final = time(15, 50)
#: Every derivatives ``{marketcode}`` of koscom.md §2.1: unknown strings are 404.
MARKETS: Final = tuple(m.code for m in KOSCOM_DERIVATIVE_MARKETS)
#: Feed-key suffix of ``map_to`` (koscom.md §2.2): KOSPI200 futures ``*005``, mini ``*103``,
#: options ``*006``; the other futures markets share the KOSPI200 futures feed (inferred).
FUTURES_FEED: Final = {"mini_kospi200": "*103"}
FUTURES_FEED_DEFAULT: Final = "*005"
OPTIONS_FEED: Final = "*006"
#: Real-time price band of futures: the last price (the base before a trade) ± 1 %, the amount
#: truncated to the tick (fits koscom.md §9.4: 352 → 355.5 / 348.5; inferred).
REALTIME_BAND_BP: Final = 100
#: Koscom ``lstTrdTpCd`` by the engine's aggressor side (0 none, 1 buy, 2 sell): 1 매도, 2 매수.
_LAST_SIDE: Final = np.array([0, 2, 1], np.int64)
#: Calendar days of history read before a window's start, for the first row's change.
_LOOKBACK_DAYS: Final = 40


@dataclass(frozen=True, slots=True)
class Family:
    """Futures or options: the path word and the instrument kind listed under it."""

    word: str
    kind: InstrumentKind

    @property
    def options(self) -> bool:
        return self.kind == InstrumentKind.OPTION


FUTURES: Final = Family("futures", InstrumentKind.FUTURE)
OPTIONS: Final = Family("options", InstrumentKind.OPTION)


# ---------------------------------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------------------------------


def _market_of(code: str) -> str:
    """The Koscom ``{marketcode}`` of a listed contract's short code."""
    return PRODUCTS[product_of_code(code)].koscom_market


def contracts_of(ctx: KoscomContext, fam: Family, market: str) -> list[int]:
    """The family's active contracts on ``market``, in listing order (product, then month)."""
    ins = ctx.engine.instruments
    kind = int(fam.kind)
    return [
        i
        for i in range(len(ins))
        if ins.active[i]
        and int(ins.market[i]) == Market.DERIVATIVES
        and int(ins.kind[i]) == kind
        and _market_of(ins.code[i]) == market
    ]


def listed(ctx: KoscomContext, fam: Family, market: str) -> list[int]:
    """``contracts_of``, or 10010 for a market sise lists nothing on."""
    rows = contracts_of(ctx, fam, market)
    if not rows:
        raise NO_DATA()
    return rows


def front_of(ctx: KoscomContext, rows: Sequence[int]) -> int:
    """The nearest contract among ``rows`` (what the market's 연결선물 code stands for)."""
    ins = ctx.engine.instruments
    return min(rows, key=lambda i: (ins.expiry[i], i))


def contract(ctx: KoscomContext, fam: Family, path: Path) -> tuple[int, bool]:
    """The instrument number of the path's code and whether it came as a 연결선물 code.

    20030 for a malformed code, 10010 for a market without listings, 10040 for a code the market
    does not list (a 연결선물 code only for futures markets that have one)."""
    text = check_code(path.code)
    rows = listed(ctx, fam, path.market)
    market = koscom_derivative_market(path.market)
    if not fam.options and market is not None and text == market.continuous_code:
        return front_of(ctx, rows), True
    i = ctx.engine.instruments.number(text)
    if i is None or i not in set(rows):
        raise ISSUE_NOT_FOUND()
    return i, False


def scale_of(ctx: KoscomContext, i: int) -> int:
    return int(ctx.engine.instruments.price_scale[i])


def quote(values: npt.ArrayLike, scale: int) -> list[Any]:
    """Price units as JSON numbers in quote units: floats with decimals for a scale above 1."""
    a = np.asarray(values, np.int64)
    if scale == 1:
        return [int(v) for v in a.tolist()]
    return [round(v, 4) for v in (a / scale).tolist()]


def quote1(value: int, scale: int) -> float | int:
    return value if scale == 1 else round(value / scale, 4)


def krw(ctx: KoscomContext, i: int, value: npt.ArrayLike) -> I64:
    """Σ price × qty (price units) as KRW: × multiplier / price_scale (exact for every product)."""
    ins = ctx.engine.instruments
    return value_krw(value, ins.multiplier[i], ins.price_scale[i])


def record(ctx: KoscomContext, i: int) -> Instrument:
    return ctx.engine.instruments.record(i)


def futures_rows(ctx: KoscomContext, key: str, start: date | None, end: date) -> npt.NDArray[np.void]:
    """``futures_daily`` rows of ``key`` (a contract or 연결선물 code), empty without any."""
    if ctx.store is None or FUTURES_TABLE not in ctx.store.tables():
        return np.zeros(0, _FUT_DTYPE)
    rows = readers.history(ctx.store, FUTURES_TABLE, key, start, end)
    return np.zeros(0, _FUT_DTYPE) if rows is None else np.asarray(rows)


_FUT_DTYPE: Final = FUTURES_DAILY


def sign_of(change: npt.ArrayLike) -> list[str]:
    """Koscom's 2 상승 / 3 보합 / 5 하락 of a change (limit codes need the day's limits)."""
    c = np.sign(np.atleast_1d(np.asarray(change, np.int64)))
    return [("3", "2", "5")[int(s)] for s in c.tolist()]


# ---------------------------------------------------------------------------------------------------
# lists
# ---------------------------------------------------------------------------------------------------

LIST_ENVELOPE: Final = Record(
    (
        Field("trdDd", "거래일자", DATE_STR, "the trading day the list is for"),
        Field("mktEndTm", "시장종료시각", STR, "`1550` for derivatives (`HHMM`)"),
    )
)
LIST_ROW: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "8-character short code; the 연결선물 row carries that code"),
        Field("isuCd", "표준코드", STR, "ISIN (the 연결선물 row: its front contract's)"),
        Field("isuKorNm", "한글종목명", STR, "Korean name"),
        Field("isuKorAbbr", "한글종목약명", STR, "Korean short name (sise's names are short already)"),
        Field(
            "map_to",
            "매핑코드",
            STR,
            "feed key: the short code and `*005` (futures) / `*103` (mini) / `*006` (options); the "
            "연결선물 row: the 연결선물 code itself",
            inferred="`*005` for the futures markets the samples do not show",
        ),
    )
)


def _feed(fam: Family, market: str) -> str:
    return OPTIONS_FEED if fam.options else FUTURES_FEED.get(market, FUTURES_FEED_DEFAULT)


def _lists(fam: Family) -> Any:
    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        ins = ctx.engine.instruments
        rows = listed(ctx, fam, path.market)
        codes = [ins.code[i] for i in rows]
        suffix = _feed(fam, path.market)
        cols: dict[str, list[str]] = {
            "isuSrtCd": codes,
            "isuCd": [ins.isin[i] for i in rows],
            "isuKorNm": [ins.name_ko[i] for i in rows],
            "isuKorAbbr": [ins.name_ko[i] for i in rows],
            "map_to": [c + suffix for c in codes],
        }
        market = koscom_derivative_market(path.market)
        if not fam.options and market is not None and market.continuous_code is not None:
            front = front_of(ctx, rows)
            at = rows.index(front) + 1  # right after its front contract, as the sample shows
            values = (market.continuous_code, ins.isin[front], ins.name_ko[front], ins.name_ko[front])
            for name, v in zip(("isuSrtCd", "isuCd", "isuKorNm", "isuKorAbbr"), values, strict=True):
                cols[name].insert(at, v)
            cols["map_to"].insert(at, market.continuous_code)
        head = {"trdDd": yyyymmdd_str(session_date(ctx)), "mktEndTm": DERIVATIVES_MARKET_END}
        return Result(LIST_ENVELOPE.render_one(head), LIST_ROW.render(len(cols["isuSrtCd"]), cols))

    return view


# ---------------------------------------------------------------------------------------------------
# master
# ---------------------------------------------------------------------------------------------------

_STAGES: Final = (1, 2, 3)


def _master_fields(fam: Family) -> Record:
    px = "quote units"
    head = [
        Field("trdDd", "거래일자", DATE, "the trading day"),
        Field("isuCd", "표준코드", STR, "ISIN"),
        Field("isuSrtCd", "단축코드", STR, "short code (the front contract's for a 연결선물 code)"),
        Field("isuKorNm", "한글종목명", STR, "Korean name"),
        Field("isuKorAbbrv", "한글종목약명", STR, "Korean short name"),
        Field("listDd", "상장일", DATE, "first trading day (`listing_date`)"),
    ]
    limits = [
        Field(
            f"prcLmtStep{n}{side}",
            f"{n}단계{label}",
            NUM,
            f"stage-{n} {word} price limit from today's base price",
            px,
            inferred="null for stages a product does not have (USD and KTB futures have one)",
            optional=True,
        )
        for side, label, word in (("Uplmtprc", "상한가", "upper"), ("Lwlmtprc", "하한가", "lower"))
        for n in _STAGES
    ]
    body = [
        Field("basPrc", "기준가", NUM, "today's base price (yesterday's settlement)", px),
        Field(
            "ulyId",
            "기초자산ID",
            STR,
            "underlying: `KOSPI200`, `KOSDAQ150`, `USD`, `KTB3`, `KTB10`, a stock code",
        ),
        Field("lsttrdDd", "최종거래일", DATE, "last trading day"),
        Field("expDd", "만기년월", INT, "contract month `YYYYMM`"),
        Field("setlmult", "거래승수", INT, "multiplier, KRW per 1.0 of the price"),
        Field(
            "remainDys",
            "잔존일수",
            INT,
            "calendar days from today to the last trading day",
            inferred="calendar days",
        ),
        Field(
            "setlTheoPrc",
            "정산이론가",
            NUM,
            "theoretical price at the underlying's current level",
            px,
            inferred="USD and the KTB yields at the pricing defaults (their walks are not engine state)",
        ),
        Field("basTheoPrc", "기준이론가", NUM, "theoretical price at the underlying's previous close", px),
        Field(
            "prevddClsprc",
            "전일종가",
            NUM,
            "previous trading day's close (history); null without",
            px,
            optional=True,
        ),
        Field("prevddOpnprc", "전일시가", NUM, "previous day's open (history)", px, optional=True),
        Field("prevddHgprc", "전일고가", NUM, "previous day's high (history)", px, optional=True),
        Field("prevddLwprc", "전일저가", NUM, "previous day's low (history)", px, optional=True),
        Field(
            "setlPrcTheoPrcDivrgRt",
            "괴리율",
            NUM,
            "(base price − 기준이론가) / 기준이론가 × 100, 2 dp",
            "%",
            inferred="the base (yesterday's settlement) against the base theoretical price",
        ),
        Field(
            "prevddOpnintQty",
            "전일미결제약정수량",
            INT,
            "previous day's open interest (history)",
            "계약",
            optional=True,
        ),
        Field(
            "inlistHgstprc",
            "상장중최고가",
            NUM,
            "highest high since listing, before today (history)",
            px,
            optional=True,
        ),
        Field(
            "inlistLwstprc",
            "상장중최저가",
            NUM,
            "lowest low since listing, before today (history)",
            px,
            optional=True,
        ),
        Field(
            "midyyHgstprc",
            "연중최고가",
            NUM,
            "highest high of the year, before today (history)",
            px,
            optional=True,
        ),
        Field(
            "midyyLwstprc",
            "연중최저가",
            NUM,
            "lowest low of the year, before today (history)",
            px,
            optional=True,
        ),
        Field("inlistHgstprcDd", "상장중최고가일자", DATE, "its date", optional=True),
        Field("inlistLwstprcDd", "상장중최저가일자", DATE, "its date", optional=True),
        Field("midyyHgstprcDd", "연중최고가일자", DATE, "its date", optional=True),
        Field("midyyLwstprcDd", "연중최저가일자", DATE, "its date", optional=True),
        Field(
            "prevddAccTrdvol", "전일누적거래량", INT, "previous day's volume (history)", "계약", optional=True
        ),
        Field(
            "prevddAccTrdval", "전일누적거래대금", INT, "previous day's value (history)", "원", optional=True
        ),
        Field("cdInt", "CD금리", NUM, "the CD (91-day) rate of the pricing model", "%"),
    ]
    if fam.options:
        tail = [
            Field("exerPrc", "행사가격", NUM, "strike", px),
            Field(
                "impVolt",
                "내재변동성",
                NUM,
                "the volatility surface's σ at the strike and the forward of the previous close, 2 dp",
                "%",
            ),
        ]
    else:
        tail = [
            Field(
                "opnintLmtQty",
                "미결제약정한도수량",
                INT,
                "open-interest limit: null (sise sets none)",
                "계약",
                optional=True,
            )
        ]
    return Record((*head, *limits, *body, *tail))


MASTER: Final = {fam.word: _master_fields(fam) for fam in (FUTURES, OPTIONS)}


def spot_levels(ctx: KoscomContext, now: bool) -> dict[str, float]:
    """Every underlying's level for the theoretical prices: indices and stocks from the engine
    (previous close, or now), USD and the KTB yields at the pricing defaults."""
    e = ctx.engine
    p = TheoryParams()
    out: dict[str, float] = {"USD": p.usd_spot, **p.ktb_yield_pct}
    levels = np.round(e.index.levels(), 2) if now else e.index.prev_close
    out.update({k: float(v) for k, v in zip(e.index.keys, levels, strict=True)})
    return out


def theoretical(ctx: KoscomContext, i: int, day: date, now: bool) -> int:
    rec = record(ctx, i)
    spots = spot_levels(ctx, now)
    if rec.underlying not in spots:  # a stock: its base, or its price now
        s = ctx.engine.instruments.number(rec.underlying)
        assert s is not None
        price = ctx.engine.current_price(Venue.KRX)[s] if now else ctx.engine.base[s]
        spots[rec.underlying] = float(price)
    terms = contract_terms([rec], day)
    return int(fair_values(terms, [spots[u] for u in terms.underlyings])[0])


def implied_vol_pct(ctx: KoscomContext, i: int, day: date) -> float:
    rec = record(ctx, i)
    p = TheoryParams()
    terms = contract_terms([rec], day)
    spot = spot_levels(ctx, now=False)[rec.underlying]
    fwd = forward_price(spot, terms.years, terms.carry)
    vol = p.surface.vol(np.log(terms.strike / fwd), terms.years)
    return round(float(vol[0]) * 100, 2)


def limit_stages(ctx: KoscomContext, i: int) -> list[tuple[int, int]]:
    e = ctx.engine
    rec = record(ctx, i)
    product = product_of_code(rec.code)
    base = int(e.base[i])
    if rec.kind == InstrumentKind.OPTION:
        k = e.index.position[rec.underlying]
        return option_limit_steps(base, float(e.index.prev_close[k]), product)
    table = int(rec.tick_table) if product == Product.STOCK else None
    return futures_limit_steps(base, product, table)


def _extreme(rows: npt.NDArray[np.void], col: str, high: bool) -> tuple[int | None, int | None]:
    """The highest high (lowest low) of ``rows`` and its latest date; (None, None) without rows."""
    if not len(rows):
        return None, None
    v = rows[col]
    best = v.max() if high else v.min()
    at = np.flatnonzero(v == best)[-1]
    return int(best), int(rows["date"][at])


def _master(fam: Family) -> Any:
    rec_fields = MASTER[fam.word]

    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        i, _ = contract(ctx, fam, path)
        e = ctx.engine
        ins = e.instruments
        rec = record(ctx, i)
        day = session_date(ctx)
        scale = scale_of(ctx, i)
        product = product_of_code(rec.code)
        expiry = date_of_yyyymmdd(int(rec.expiry))
        hist = futures_rows(ctx, rec.code, None, previous_trading_day(day))
        hist = hist[hist["date"] < yyyymmdd(day)]
        prev = hist[-1] if len(hist) else None
        year = hist[hist["date"] >= yyyymmdd(date(day.year, 1, 1))]
        stages = limit_stages(ctx, i)
        bas_theo = theoretical(ctx, i, day, now=False)
        base = int(e.base[i])

        def q(v: int | None) -> float | int | None:
            return None if v is None else quote1(v, scale)

        def prev_of(col: str) -> int | None:
            return None if prev is None else int(prev[col])

        cols: dict[str, Any] = {
            "trdDd": yyyymmdd(day),
            "isuCd": ins.isin[i],
            "isuSrtCd": rec.code,
            "isuKorNm": rec.name_ko,
            "isuKorAbbrv": rec.name_ko,
            "listDd": yyyymmdd(_listing(product, rec)),
            "basPrc": quote1(base, scale),
            "ulyId": rec.underlying,
            "lsttrdDd": yyyymmdd(expiry),
            "expDd": int(rec.expiry[:6]),
            "setlmult": int(rec.multiplier),
            "remainDys": (expiry - day).days,
            "setlTheoPrc": quote1(theoretical(ctx, i, day, now=True), scale),
            "basTheoPrc": quote1(bas_theo, scale),
            "prevddClsprc": q(prev_of("close")),
            "prevddOpnprc": q(prev_of("open")),
            "prevddHgprc": q(prev_of("high")),
            "prevddLwprc": q(prev_of("low")),
            "setlPrcTheoPrcDivrgRt": round((base - bas_theo) / bas_theo * 100, 2),
            "prevddOpnintQty": prev_of("open_interest"),
            "prevddAccTrdvol": prev_of("volume"),
            "prevddAccTrdval": prev_of("value"),
            "cdInt": round(TheoryParams().rate * 100, 4),
        }
        for name, rows in (("inlist", hist), ("midyy", year)):
            for word, col, high in (("Hgst", "high", True), ("Lwst", "low", False)):
                v, d = _extreme(rows, col, high)
                cols[f"{name}{word}prc"] = q(v)
                cols[f"{name}{word}prcDd"] = d
        for n in _STAGES:
            up, lo = stages[n - 1] if n <= len(stages) else (None, None)
            cols[f"prcLmtStep{n}Uplmtprc"] = q(up)
            cols[f"prcLmtStep{n}Lwlmtprc"] = q(lo)
        if fam.options:
            cols["exerPrc"] = quote1(int(rec.strike), scale)
            cols["impVolt"] = implied_vol_pct(ctx, i, day)
        else:
            cols["opnintLmtQty"] = None
        return Result(rec_fields.render_one(cols))

    return view


def _listing(product: Product, rec: Instrument) -> date:
    return listing_date(product, int(rec.expiry[:4]), int(rec.expiry[4:6]))


# ---------------------------------------------------------------------------------------------------
# closeprice
# ---------------------------------------------------------------------------------------------------

CLOSE: Final = Record(
    (
        Field("isuSrtCd", "단축코드", STR, "short code"),
        Field("trdPrc", "종가", NUM, "the day's close (last trade; the base without one)", "quote units"),
        Field("cmpprevddTpCd", "전일대비구분", CODE, "sign code 1–5 against the base price"),
        Field("cmpprevddPrc", "전일대비", NUM, "close − base price, signed", "quote units"),
        Field("opnprc", "시가", NUM, "open; 0 without a trade", "quote units"),
        Field("hgprc", "고가", NUM, "high; 0 without a trade", "quote units"),
        Field("lwprc", "저가", NUM, "low; 0 without a trade", "quote units"),
        Field("accTrdvol", "누적거래량", INT, "volume", "계약"),
        Field("accTrdval", "누적거래대금", INT, "value (price × multiplier)", "원"),
    )
)


def _closeprice(fam: Family) -> Any:
    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        i, _ = contract(ctx, fam, path)
        day = close_day(ctx, CLOSE_AFTER)
        e = ctx.engine
        code = e.instruments.code[i]
        scale = scale_of(ctx, i)
        if day == session_date(ctx):
            st = e.state(Venue.KRX)
            close = int(e.current_price(Venue.KRX)[i])
            base = int(e.base[i])
            sign = str(int(e.signs(Venue.KRX)[i]))
            o, h, lo, vol, val = (int(x[i]) for x in (st.open, st.high, st.low, st.volume, st.value))
            val = int(krw(ctx, i, val))
        else:  # the previous trading day's close, from history (options have none)
            rows = futures_rows(ctx, code, day - timedelta(days=_LOOKBACK_DAYS), day)
            if not len(rows) or int(rows["date"][-1]) != yyyymmdd(day):
                raise NO_DATA()
            r = rows[-1]
            close = int(r["close"])
            base = int(rows["settle"][-2]) if len(rows) > 1 else close
            sign = sign_of(close - base)[0]
            o, h, lo, vol, val = (int(r[c]) for c in ("open", "high", "low", "volume", "value"))
        cols: dict[str, Any] = {
            "isuSrtCd": code,
            "trdPrc": quote1(close, scale),
            "cmpprevddTpCd": sign,
            "cmpprevddPrc": quote1(close - base, scale),
            "opnprc": quote1(o, scale),
            "hgprc": quote1(h, scale),
            "lwprc": quote1(lo, scale),
            "accTrdvol": vol,
            "accTrdval": val,
        }
        return Result(CLOSE.render_one(cols))

    return view


# ---------------------------------------------------------------------------------------------------
# price
# ---------------------------------------------------------------------------------------------------

_PX = "quote units"


def _price_fields(fam: Family) -> Record:
    lead = (
        [
            Field("isuSrtCd", "단축코드", STR, "short code with the `*006` feed suffix, as the sample"),
            Field("isuCd", "표준코드", STR, "ISIN"),
        ]
        if fam.options
        else [Field("isuSrtCd", "단축코드", STR, "short code (the front contract's for a 연결선물 code)")]
    )
    trade = [
        Field("trdPrc", "현재가", NUM, "last price (the base price before the first trade)", _PX),
        Field("trdvol", "체결수량", INT, "quantity of the last trade", "계약"),
        Field("trdTm", "체결시각", TIME, "time of the last trade; 0 before the first trade"),
    ]
    spread = [
        Field(
            "fstmmAgndaContrtPrc",
            "최근월물의제약정가",
            NUM,
            "the last trade price (sise lists no spreads)",
            _PX,
            inferred="the sample's outright contract carries its own price here",
        ),
        Field("futrmmAgndaContrtPrc", "원월물의제약정가", NUM, "0 (sise lists no spreads)", _PX),
    ]
    rest = [
        Field(
            "opnprc",
            "시가",
            NUM,
            "today's open; the base price before the first trade",
            _PX,
            inferred="the options sample",
        ),
        Field("hgprc", "고가", NUM, "today's high; the base price before the first trade", _PX),
        Field("lwprc", "저가", NUM, "today's low; the base price before the first trade", _PX),
        Field("accTrdvol", "누적거래량", INT, "today's volume", "계약"),
        Field("accTrdval", "누적거래대금", INT, "today's value (price × multiplier)", "원"),
        Field(
            "negoBlkAccTrdvol",
            "협의대량누적체결수량",
            INT,
            "0: sise simulates no negotiated block trades",
            "계약",
        ),
        Field(
            "lstTrdTpCd",
            "최종매도매수구분",
            INT,
            "side of the last incoming order: 1 매도, 2 매수; 0 before a trade",
        ),
        Field(
            "realtmUplmtprc",
            "실시간상한가",
            NUM,
            "options: the stage-1 upper limit; futures: last price + 1 % (truncated to the tick), "
            "within the stage-1 limits",
            _PX,
            inferred="the ±1 % band fits the futures sample",
        ),
        Field("realtmLwlmtprc", "실시간하한가", NUM, "the matching lower bound", _PX),
    ]
    return Record((*lead, *trade, *([] if fam.options else spread), *rest))


PRICE: Final = {fam.word: _price_fields(fam) for fam in (FUTURES, OPTIONS)}


def realtime_band(ctx: KoscomContext, i: int, price: int) -> tuple[int, int]:
    up1, lo1 = limit_stages(ctx, i)[0]
    if int(ctx.engine.instruments.kind[i]) == InstrumentKind.OPTION:
        return up1, lo1
    table = TickTableId(int(ctx.engine.instruments.tick_table[i]))
    t = tick_size(price, table)
    amount = price * REALTIME_BAND_BP // 10_000 // t * t
    return min(round_down(price + amount, table), up1), max(price - amount, lo1)


def price_of(ctx: KoscomContext, fam: Family, i: int) -> dict[str, Any]:
    """The ``price`` result of contract ``i`` (also the WebSocket's tick presets)."""
    e = ctx.engine
    st = e.state(Venue.KRX)
    scale = scale_of(ctx, i)
    code = e.instruments.code[i]
    traded = int(st.count[i]) > 0
    base = int(e.base[i])
    cur = int(st.last[i]) or base  # ``Engine.current_price`` of one contract, not the market's
    up, lo = realtime_band(ctx, i, cur)
    cols: dict[str, Any] = {
        "isuSrtCd": code + OPTIONS_FEED if fam.options else code,
        "trdPrc": quote1(cur, scale),
        "trdvol": int(st.last_qty[i]),
        "trdTm": int(hhmmssmm(int(st.last_time[i]))) if traded else 0,
        "opnprc": quote1(int(st.open[i]) if traded else base, scale),
        "hgprc": quote1(int(st.high[i]) if traded else base, scale),
        "lwprc": quote1(int(st.low[i]) if traded else base, scale),
        "accTrdvol": int(st.volume[i]),
        "accTrdval": int(krw(ctx, i, int(st.value[i]))),
        "negoBlkAccTrdvol": 0,
        "lstTrdTpCd": int(_LAST_SIDE[int(st.last_side[i])]),
        "realtmUplmtprc": quote1(up, scale),
        "realtmLwlmtprc": quote1(lo, scale),
    }
    if fam.options:
        cols["isuCd"] = e.instruments.isin[i]
    else:
        cols["fstmmAgndaContrtPrc"] = quote1(int(st.last[i]), scale)
        cols["futrmmAgndaContrtPrc"] = 0
    return PRICE[fam.word].render_one(cols)


def _price(fam: Family) -> Any:
    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        return Result(price_of(ctx, fam, contract(ctx, fam, path)[0]))

    return view


# ---------------------------------------------------------------------------------------------------
# orderbook
# ---------------------------------------------------------------------------------------------------

#: Derivatives books show five levels (koscom.md §9.5).
LEVELS: Final = 5


def _book_fields() -> Record:
    levels = [
        f
        for n in range(1, LEVELS + 1)
        for f in (
            Field(
                f"askStep{n}BstordPrc", f"매도{n}단계우선호가가격", NUM, f"ask level {n}; 0 when empty", _PX
            ),
            Field(
                f"askStep{n}BstordRqty", f"매도{n}단계우선호가잔량", INT, f"ask level {n} quantity", "계약"
            ),
            Field(
                f"bidStep{n}BstordPrc", f"매수{n}단계우선호가가격", NUM, f"bid level {n}; 0 when empty", _PX
            ),
            Field(
                f"bidStep{n}BstordRqty", f"매수{n}단계우선호가잔량", INT, f"bid level {n} quantity", "계약"
            ),
            Field(f"askStep{n}BstordCnt", f"매도{n}단계우선호가건수", INT, f"ask level {n} order count"),
            Field(f"bidStep{n}BstordCnt", f"매수{n}단계우선호가건수", INT, f"bid level {n} order count"),
        )
    ]
    totals = [
        Field("isuSrtCd", "단축코드", STR, "short code"),
        *levels,
        Field("askTotOrdRqty", "매도호가총잔량", INT, "Σ ask quantity of the five levels", "계약"),
        Field("bidTotOrdRqty", "매수호가총잔량", INT, "Σ bid quantity of the five levels", "계약"),
        Field("askValidOrdCnt", "매도유효호가건수", INT, "Σ ask order counts of the five levels"),
        Field("bidValidOrdCnt", "매수유효호가건수", INT, "Σ bid order counts of the five levels"),
        Field("ordAcptTm", "호가접수시각", TIME, "time of the book snapshot; 0 before the first"),
        Field("deemTrdPrc", "예상체결가", NUM, "indicative price of a call auction; 0 outside one", _PX),
    ]
    return Record(tuple(totals))


BOOK: Final = _book_fields()


def book_of(ctx: KoscomContext, i: int) -> dict[str, Any]:
    """The ``orderbook`` result of contract ``i`` (also the WebSocket's quote presets)."""
    e = ctx.engine
    b = e.books[Venue.KRX]
    scale = scale_of(ctx, i)
    cols: dict[str, Any] = {"isuSrtCd": e.instruments.code[i]}
    for n in range(LEVELS):
        for side in ("ask", "bid"):
            cols[f"{side}Step{n + 1}BstordPrc"] = quote1(int(getattr(b, f"{side}_price")[i, n]), scale)
            cols[f"{side}Step{n + 1}BstordRqty"] = int(getattr(b, f"{side}_qty")[i, n])
            cols[f"{side}Step{n + 1}BstordCnt"] = int(getattr(b, f"{side}_count")[i, n])
    for side, word in (("ask", "ask"), ("bid", "bid")):
        cols[f"{word}TotOrdRqty"] = int(getattr(b, f"{side}_qty")[i, :LEVELS].sum())
        cols[f"{word}ValidOrdCnt"] = int(getattr(b, f"{side}_count")[i, :LEVELS].sum())
    t = int(b.time[i])
    cols["ordAcptTm"] = int(hhmmssmm(t)) if t > 0 else 0
    cols["deemTrdPrc"] = quote1(int(e.indicative_price[Venue.KRX, i]), scale)
    return BOOK.render_one(cols)


def _orderbook(fam: Family) -> Any:
    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        return Result(book_of(ctx, contract(ctx, fam, path)[0]))

    return view


# ---------------------------------------------------------------------------------------------------
# market/investors
# ---------------------------------------------------------------------------------------------------

INVESTORS_HEAD: Final = Record(
    (
        Field(
            "Tm",
            "시각",
            TIME_STR,
            "the 30-second mark the figures are as of (`HHMMSSmm`); `0` before the first mark",
        ),
    )
)


_LEG_KO: Final = {"Call": "콜", "Put": "풋", "Mkt": ""}
_LEG_EN: Final = {"Call": "calls", "Put": "puts", "Mkt": "the market"}


def _investor_row(fam: Family) -> Record:
    legs = ("Call", "Put") if fam.options else ("Mkt",)
    cells = [
        Field(
            f"{leg}Acc{side}Trd{what}",
            _LEG_KO[leg]
            + f"누적{'매도' if side == 'Ask' else '매수'}{'거래량' if what == 'vol' else '거래대금'}",
            INT,
            f"{_LEG_EN[leg]}: the investor's {'sell' if side == 'Ask' else 'buy'} "
            f"{'volume' if what == 'vol' else 'value'} today",
            "계약" if what == "vol" else "백만원",
        )
        for leg in legs
        for side in ("Ask", "Bid")
        for what in ("vol", "val")
    ]
    return Record((Field("invstCd", "투자자코드", CODE, "`01`…`16` (koscom.md §2.3)"), *cells))


INVESTOR_ROW: Final = {fam.word: _investor_row(fam) for fam in (FUTURES, OPTIONS)}
_MILLION: Final = 1_000_000


def investor_cells(ctx: KoscomContext, rows: Sequence[int]) -> tuple[I64, I64]:
    """(contracts, KRW) by side and investor leaf over ``rows``, as of the last 30-s mark."""
    e = ctx.engine
    idx = np.asarray(rows, np.intp)
    ins = e.instruments
    qty = e.flow_qty[idx].sum(axis=0)
    per = (ins.multiplier[idx] // ins.price_scale[idx]).astype(np.int64)
    val = (e.flow_val[idx] * per[:, None, None]).sum(axis=0)
    return np.asarray(qty, np.int64), np.asarray(val, np.int64)


def _investors(fam: Family) -> Any:
    row_rec = INVESTOR_ROW[fam.word]

    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        rows = listed(ctx, fam, path.market)
        e = ctx.engine
        legs: list[tuple[str, list[int]]]
        if fam.options:
            ins = e.instruments
            calls = [i for i in rows if ins.code[i][0] in "2B"]
            legs = [("Call", calls), ("Put", [i for i in rows if i not in set(calls)])]
        else:
            legs = [("Mkt", rows)]
        cols: dict[str, Any] = {"invstCd": [c.code for c in KOSCOM_INVESTOR_CODES]}
        for leg, members in legs:
            qty, val = investor_cells(ctx, members)
            for side, s in (("Ask", 1), ("Bid", 0)):  # ask = sell side (axis 1), bid = buy (axis 0)
                cols[f"{leg}Acc{side}Trdvol"] = [
                    int(qty[s, list(c.leaves)].sum()) for c in KOSCOM_INVESTOR_CODES
                ]
                cols[f"{leg}Acc{side}Trdval"] = [
                    int(val[s, list(c.leaves)].sum()) // _MILLION for c in KOSCOM_INVESTOR_CODES
                ]
        mark = e.flow_mark
        head: dict[str, Any] = {"Tm": str(int(hhmmssmm(mark))) if mark > 0 else "0"}
        return Result(INVESTORS_HEAD.render_one(head), row_rec.render(len(KOSCOM_INVESTOR_CODES), cols))

    return view


# ---------------------------------------------------------------------------------------------------
# intraday
# ---------------------------------------------------------------------------------------------------

INTRADAY_HEAD: Final = Record((Field("isuSrtCd", "단축코드", STR, "short code"),))
INTRADAY_ROW: Final = Record(
    (
        Field(
            "inddTm", "일중시각", TIME_STR, "bar end time (today's bar in progress: its last trade's time)"
        ),
        Field("inddOpnprc", "시가", NUM, "bar open", _PX),
        Field("inddHgprc", "고가", NUM, "bar high", _PX),
        Field("inddLwprc", "저가", NUM, "bar low", _PX),
        Field("inddClsprc", "종가", NUM, "bar close", _PX),
        Field("inddTrdvol", "거래량", INT, "bar volume", "계약"),
        Field("inddTrdval", "거래대금", INT, "bar value (price × multiplier)", "원"),
        Field("inddAccTrdvol", "누적거래량", INT, "volume through the bar's end", "계약"),
        Field("inddAccTrdval", "누적거래대금", INT, "value through the bar's end", "원"),
    )
)
INTRADAY_QUERY: Final = Body((P.INTRADAY_CYCLE, P.START_OPTIONAL, P.START_TIME, P.END_TIME))


def _intraday(fam: Family) -> Any:
    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        i, continuous = contract(ctx, fam, path)
        today = session_date(ctx)
        day = req.get(P.START_OPTIONAL) or today
        e = ctx.engine
        code = e.instruments.code[i]
        period = int(req[P.INTRADAY_CYCLE])
        period_ns = period * NS
        if day < today:
            # A past day's bars from the store; a 연결선물 code stands for that day's front contract.
            if continuous:
                front = futures_rows(ctx, path.code, day, day)
                code = str(front["contract"][0]) if len(front) else ""
            past = readers.past_bars(ctx.store, period, code, day) if code else None
            if past is None:
                raise NO_DATA_ON_DATE()
            bars, value, label = past, past["value"], past["start"] + period_ns
        elif day == today:
            bars = e.bars(Venue.KRX, period)
            bars = bars[bars["inst"] == i]
            value = krw(ctx, i, bars["value"])
            # An open bar (not yet past its end) is labelled with its last trade's time.
            end = bars["start"] + period_ns
            label = np.where(end > e.last_time, bars["last_time"], end)
        else:
            raise NO_DATA_ON_DATE()
        scale = scale_of(ctx, i)
        acc_vol = np.cumsum(bars["volume"])
        acc_val = np.cumsum(value)
        lo_s = kst_ns(day, time()) + req[P.START_TIME] * NS
        hi_s = kst_ns(day, time()) + req[P.END_TIME] * NS
        keep = np.flatnonzero((label >= lo_s) & (label <= hi_s))[::-1][: P.MAX_ROWS]
        cols: dict[str, Any] = {
            "inddTm": [str(v) for v in hhmmssmm(label[keep]).tolist()],
            "inddOpnprc": quote(bars["open"][keep], scale),
            "inddHgprc": quote(bars["high"][keep], scale),
            "inddLwprc": quote(bars["low"][keep], scale),
            "inddClsprc": quote(bars["close"][keep], scale),
            "inddTrdvol": bars["volume"][keep],
            "inddTrdval": value[keep],
            "inddAccTrdvol": acc_vol[keep],
            "inddAccTrdval": acc_val[keep],
        }
        return Result({"isuSrtCd": code}, INTRADAY_ROW.render(len(keep), cols))

    return view


assert "last_time" in (BAR_DTYPE.names or ())


# ---------------------------------------------------------------------------------------------------
# history
# ---------------------------------------------------------------------------------------------------

HISTORY_HEAD: Final = Record(
    (Field("isuSrtCd", "단축코드", STR, "short code (the front contract's for a 연결선물 code)"),)
)
HISTORY_ROW: Final = Record(
    (
        Field("trdDd", "거래일자", DATE, "the day (W, M: the period's last trading day with data)"),
        Field("trdPrc", "종가", NUM, "close", _PX),
        Field(
            "cmpprevddTpCd", "전일대비구분", CODE, "2 up / 3 flat / 5 down against the previous row's close"
        ),
        Field("cmpprevddPrc", "전일대비", NUM, "close − the previous period's close, signed", _PX),
        Field("opnprc", "시가", NUM, "open", _PX),
        Field("hgprc", "고가", NUM, "high", _PX),
        Field("lwprc", "저가", NUM, "low", _PX),
        Field("accTrdvol", "누적거래량", INT, "volume", "계약"),
        Field("accTrdval", "누적거래대금", INT, "value", "원"),
        Field("opnintQty", "미결제약정수량", INT, "open interest at the period's end", "계약"),
    )
)
HISTORY_QUERY: Final = Body((P.CYCLE, P.START, P.END, P.COUNT))
_DAY_COLS: Final = ("date", "open", "high", "low", "close", "volume", "value", "open_interest")
_DAY_DTYPE: Final = np.dtype([(c, np.int64) for c in _DAY_COLS])


def daily_rows(ctx: KoscomContext, i: int, key: str, start: date, end: date) -> npt.NDArray[np.void]:
    """Daily rows of ``key`` (contract or 연결선물 series) from history, then today's from the
    engine when the day is in range and the contract traded."""
    hist = futures_rows(ctx, key, start, end)
    day = session_date(ctx)
    out = np.zeros(len(hist), _DAY_DTYPE)
    for c in _DAY_COLS:
        out[c] = hist[c]
    out = out[out["date"] < yyyymmdd(day)]
    st = ctx.engine.state(Venue.KRX)
    if start <= day <= end and int(st.count[i]) > 0:
        e = ctx.engine
        today = np.zeros(1, _DAY_DTYPE)
        today["date"] = yyyymmdd(day)
        for c in ("open", "high", "low", "volume"):
            today[c] = getattr(st, c)[i]
        today["close"] = st.last[i]
        today["value"] = krw(ctx, i, int(st.value[i]))
        today["open_interest"] = e.open_interest[i]
        out = np.concatenate([out, today])
    return out


def periods(rows: npt.NDArray[np.void], cycle: str, today: date) -> npt.NDArray[np.void]:
    """Daily rows rolled up by week (``W``) or month (``M``) (``sise.api.periods``), each labelled
    as Koscom labels a period row."""
    if cycle == "D" or not len(rows):
        return rows
    period = Period(cycle)
    starts, ends = period_runs(period_keys(rows["date"], period))
    out = np.zeros(len(starts), _DAY_DTYPE)
    for c in ("date", "close", "open_interest"):
        out[c] = rows[c][ends]
    out["date"] = [koscom_label(int(d), period, today) for d in out["date"].tolist()]
    out["open"] = rows["open"][starts]
    out["high"] = np.maximum.reduceat(rows["high"], starts)
    out["low"] = np.minimum.reduceat(rows["low"], starts)
    out["volume"] = np.add.reduceat(rows["volume"], starts)
    out["value"] = np.add.reduceat(rows["value"], starts)
    return out


def _history(fam: Family) -> Any:
    def view(ctx: KoscomContext, path: Path, req: Request) -> Result:
        i, continuous = contract(ctx, fam, path)
        start, end = req[P.START], req[P.END]
        if start > end:
            raise P.error_for(P.START.name)()
        cycle = req[P.CYCLE]
        e = ctx.engine
        key = path.code if continuous else e.instruments.code[i]
        # A period before the window's start gives the first row its change.
        lead = {"D": _LOOKBACK_DAYS, "W": 3 * _LOOKBACK_DAYS, "M": 12 * _LOOKBACK_DAYS}[cycle]
        rows = periods(daily_rows(ctx, i, key, P.days_before(start, lead), end), cycle, session_date(ctx))
        # The first row's reference: today's base (yesterday's settlement) when it is today's row
        # (options and stock futures have no stored days), else itself (no earlier row read).
        today = len(rows) > 0 and int(rows["date"][0]) == yyyymmdd(session_date(ctx)) and cycle == "D"
        ref = int(e.base[i]) if today else rows["close"][:1]
        prev_close = np.r_[ref, rows["close"][:-1]] if len(rows) else rows["close"]
        first = rows["date"] >= yyyymmdd(start)
        change = rows["close"] - prev_close
        keep = np.flatnonzero(first)[::-1][: req.get(P.COUNT) or P.MAX_ROWS]
        scale = scale_of(ctx, i)
        r = rows[keep]
        cols: dict[str, Any] = {
            "trdDd": r["date"],
            "trdPrc": quote(r["close"], scale),
            "cmpprevddTpCd": sign_of(change[keep]),
            "cmpprevddPrc": quote(change[keep], scale),
            "opnprc": quote(r["open"], scale),
            "hgprc": quote(r["high"], scale),
            "lwprc": quote(r["low"], scale),
            "accTrdvol": r["volume"],
            "accTrdval": r["value"],
            "opnintQty": r["open_interest"],
        }
        return Result({"isuSrtCd": e.instruments.code[i]}, HISTORY_ROW.render(len(keep), cols))

    return view


# ---------------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------------


def _endpoints(fam: Family) -> tuple[Endpoint, ...]:
    w = fam.word
    closed, realtime = f"/closed/derivative/{w}/{{market}}", f"/realtime/derivative/{w}/{{market}}"
    v2 = f"/{w}/{{market}}"
    label = "옵션" if fam.options else "선물"
    common: dict[str, Any] = {"markets": MARKETS}
    return (
        Endpoint(
            f"{v2}/lists",
            f"{label} 종목 리스트",
            _lists(fam),
            LIST_ENVELOPE,
            Envelope.LIST,
            list_key="isuLists",
            row=LIST_ROW,
            v3=(f"{closed}/lists",),
            **common,
        ),
        Endpoint(
            f"{v2}/{{code}}/master",
            f"{label} 마스터",
            _master(fam),
            MASTER[w],
            v3=(f"{closed}/{{code}}/master",),
            **common,
        ),
        Endpoint(
            f"{v2}/{{code}}/closeprice",
            f"{label} 종가",
            _closeprice(fam),
            CLOSE,
            v3=(f"{closed}/{{code}}/closeprice",),
            close_after=CLOSE_AFTER,
            **common,
        ),
        Endpoint(
            f"{v2}/{{code}}/price",
            f"{label} 체결",
            _price(fam),
            PRICE[w],
            v3=(f"{realtime}/{{code}}/price",),
            **common,
        ),
        Endpoint(
            f"{v2}/{{code}}/orderbook",
            f"{label} 우선호가",
            _orderbook(fam),
            BOOK,
            v3=(
                f"{realtime}/{{code}}/orderbook",
                *((f"{realtime}/{{code}}/oederbook",) if fam.options else ()),
            ),
            **common,
        ),
        Endpoint(
            f"{v2}/market/investors",
            f"{label} 시장 투자자별",
            _investors(fam),
            INVESTORS_HEAD,
            list_key="invstLists",
            row=INVESTOR_ROW[w],
            v3=(f"{realtime}/market/investors",),
            **common,
        ),
        Endpoint(
            f"{v2}/{{code}}/intraday",
            f"{label} 일중",
            _intraday(fam),
            INTRADAY_HEAD,
            query=INTRADAY_QUERY,
            list_key="hisLists",
            row=INTRADAY_ROW,
            v3=(f"{realtime}/{{code}}/intraday",),
            **common,
        ),
        Endpoint(
            f"{v2}/{{code}}/history",
            f"{label} 히스토리",
            _history(fam),
            HISTORY_HEAD,
            query=HISTORY_QUERY,
            list_key="hisLists",
            row=HISTORY_ROW,
            v3=(f"{closed}/{{code}}/history",),
            **common,
        ),
    )


ENDPOINTS: Final = (*_endpoints(FUTURES), *_endpoints(OPTIONS))

__all__ = [
    "BOOK",
    "ENDPOINTS",
    "FUTURES",
    "MARKETS",
    "OPTIONS",
    "PRICE",
    "Family",
    "book_of",
    "contracts_of",
    "front_of",
    "price_of",
]
