"""The instrument universe sise runs on: instruments, index membership, starting levels, members.

``build_universe`` starts from the real companies, ETFs and ETNs in ``sise/market/data`` and
generates a deterministic long tail up to full market size (about 950 KOSPI and 1,700 KOSDAQ
stocks, 300 ETFs, 100 ETNs). ``load_universe_csv`` reads a user's own universe instead, and
``write_universe_csv`` writes the same format, so the built-in universe can be exported, edited
and loaded back. Index membership is derived from the instruments by one set of rules either way
(krx_rules §4.3); see ``docs/universe.md``.

Instruments are numbered in listing order: KOSPI stocks (real rows, then generated ones by
descending market cap), KOSDAQ stocks likewise, then ETFs and ETNs (real rows first).

This module sits in ``market`` and must not import ``engine``: ``Universe.index_specs`` hands the
engine plain tuples and the engine builds its own index objects from them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

from sise.market.identifiers import STOCK_CODE_CHARS, common_code_of, is_valid_stock_code, stock_isin
from sise.market.indices_table import (
    INDEX_DEFINITIONS,
    INDUSTRIES,
    MANUFACTURING_INDUSTRIES,
    IndexDef,
)
from sise.market.instruments import Instrument, InstrumentTable
from sise.market.levels import at_levels, index_named
from sise.market.limits import limit_rate_pct
from sise.market.names import ETN_ISSUERS, etf_products, etn_products, stock_names
from sise.market.ticks import TickTableId, round_down, round_up, tick_size, tick_sizes, tick_table_for
from sise.market.types import InstrumentKind, Market

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

DEFAULT_DATE: Final = date(2026, 11, 20)

#: Index sizes of the selection rules (krx_rules §4.3).
KOSPI200_SIZE: Final = 200
KOSPI100_SIZE: Final = 100
KOSPI50_SIZE: Final = 50
KOSDAQ150_SIZE: Final = 150
KRX100_SIZE: Final = 100
#: Generated stocks get NXT eligibility while they rank among this many stocks by market cap.
NXT_STOCKS: Final = 800

_UNSET, _NO, _YES = -1, 0, 1  # tri-state index flag of an input row


# ---------------------------------------------------------------------------------------------------
# Public records
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """A KRX member firm (broker), from ``data/members.csv``."""

    number: int  # 0..n-1, the engine's member-firm number
    code: str  # 5-character member code
    name_ko: str
    name_en: str
    foreign: bool
    weight: float  # relative activity weight for the simulator


@dataclass(slots=True)
class Universe:
    """Everything the engine is started from."""

    instruments: InstrumentTable
    indices: list[IndexDef]  # the indices computed, in INDEX_DEFINITIONS order
    membership: B  # (len(indices), len(instruments))
    members: list[Member]
    levels: F64  # starting level per index
    _position: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._position = {d.key: i for i, d in enumerate(self.indices)}

    def index_specs(self) -> list[tuple[str, float, int, bool]]:
        """(key, base_value, cadence_s, float_adjusted) per index: the engine's ``IndexSpec`` fields."""
        return [(d.key, d.base_value, d.cadence_s, d.float_adjusted) for d in self.indices]

    def index_members(self, key: str) -> npt.NDArray[np.intp]:
        """Instrument numbers of an index's constituents; ``KeyError`` for an unknown key."""
        try:
            row = self._position[key]
        except KeyError:
            raise KeyError(f"unknown index key {key!r}") from None
        return np.flatnonzero(self.membership[row])

    def etp_index(self) -> npt.NDArray[np.intp]:
        """Per instrument, the position in ``indices`` of the domestic index an ETF/ETN tracks,
        or -1 (stocks, and ETPs on foreign, bond, commodity, FX or money-market underlyings)."""
        pos = {d.key: k for k, d in enumerate(self.indices)}
        by_industry: dict[str, int] = {}
        for k, d in enumerate(self.indices):
            if d.rule == "industry" and len(d.industries) == 1:
                by_industry.setdefault(d.industries[0], k)  # KOSPI's index first, as listed
        out = np.full(len(self.instruments), -1, np.intp)
        for i, und in enumerate(self.instruments.underlying):
            if not und:
                continue
            head = und.split("_")[0]
            if und.startswith("SECTOR:"):
                out[i] = by_industry.get(und.split(":", 1)[1], -1)
            elif head in pos:
                out[i] = pos[head]
        return out

    def by_code(self, code: str) -> int | None:
        """Instrument number of ``code``, or None."""
        return self.instruments.number(code)


# ---------------------------------------------------------------------------------------------------
# Row staging: columns as Python lists until the universe is finished
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Rows:
    code: list[str] = field(default_factory=list)
    name_ko: list[str] = field(default_factory=list)
    name_en: list[str] = field(default_factory=list)
    market: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    industry: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    listed_shares: list[int] = field(default_factory=list)
    prev_close: list[int] = field(default_factory=list)
    float_ratio: list[float] = field(default_factory=list)
    foreign_limit_pct: list[float] = field(default_factory=list)
    nxt: list[bool] = field(default_factory=list)
    preferred: list[bool] = field(default_factory=list)
    leverage: list[int] = field(default_factory=list)
    underlying: list[str] = field(default_factory=list)
    k200: list[int] = field(default_factory=list)  # _UNSET / _NO / _YES
    k150: list[int] = field(default_factory=list)

    def add(
        self,
        *,
        code: str,
        name_ko: str,
        name_en: str,
        market: Market,
        kind: InstrumentKind,
        listed_shares: int,
        prev_close: int,
        industry: str = "",
        group: str = "ST",
        float_ratio: float = 1.0,
        foreign_limit_pct: float = 100.0,
        nxt: bool = False,
        preferred: bool = False,
        leverage: int = 1,
        underlying: str = "",
        k200: int = _UNSET,
        k150: int = _UNSET,
    ) -> None:
        self.code.append(code)
        self.name_ko.append(name_ko)
        self.name_en.append(name_en)
        self.market.append(int(market))
        self.kind.append(int(kind))
        self.industry.append(industry)
        self.group.append(group)
        self.listed_shares.append(listed_shares)
        self.prev_close.append(prev_close)
        self.float_ratio.append(float_ratio)
        self.foreign_limit_pct.append(foreign_limit_pct)
        self.nxt.append(nxt)
        self.preferred.append(preferred)
        self.leverage.append(leverage)
        self.underlying.append(underlying)
        self.k200.append(k200)
        self.k150.append(k150)


# ---------------------------------------------------------------------------------------------------
# Package data
# ---------------------------------------------------------------------------------------------------


def _read_package_csv(name: str) -> tuple[dict[str, str], ...]:
    text = (files("sise.market") / "data" / name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text, newline="")))


@cache
def _companies() -> tuple[dict[str, str], ...]:
    return _read_package_csv("companies.csv")


@cache
def _etps() -> tuple[dict[str, str], ...]:
    return _read_package_csv("etfs.csv")


@cache
def load_members() -> tuple[Member, ...]:
    """The KRX member firms of ``data/members.csv``, numbered in file order."""
    return tuple(
        Member(i, r["code"], r["name_ko"], r["name_en"], r["foreign"] == "Y", float(r["weight"]))
        for i, r in enumerate(_read_package_csv("members.csv"))
    )


def _yn(text: str) -> bool:
    return text == "Y"


def _add_company(rows: _Rows, r: Mapping[str, str]) -> None:
    rows.add(
        code=r["code"],
        name_ko=r["name_ko"],
        name_en=r["name_en"],
        market=Market[r["market"]],
        kind=InstrumentKind.STOCK,
        industry=r["industry"],
        group=r["group"],
        listed_shares=int(r["listed_shares"]),
        prev_close=int(r["prev_close"]),
        float_ratio=float(r["float_ratio"]),
        foreign_limit_pct=float(r["foreign_limit_pct"]),
        nxt=_yn(r["nxt"]),
        preferred=_yn(r["is_preferred"]),
        k200=_YES if _yn(r["kospi200"]) else _NO,
        k150=_YES if _yn(r["kosdaq150"]) else _NO,
    )


def _add_etp(rows: _Rows, r: Mapping[str, str]) -> None:
    kind = InstrumentKind[r["kind"]]
    rows.add(
        code=r["code"],
        name_ko=r["name_ko"],
        name_en=r["name_en"],
        market=Market.KOSPI,
        kind=kind,
        group=_DEFAULT_GROUP[kind],
        listed_shares=int(r["listed_units"]),
        prev_close=int(r["prev_close"]),
        nxt=_yn(r["nxt"]),
        leverage=int(r["leverage"]),
        underlying=r["underlying"],
    )


# ---------------------------------------------------------------------------------------------------
# The generated tail
# ---------------------------------------------------------------------------------------------------

#: Independent random streams, one per generated field. Append new names at the end: spawned
#: streams are indexed by position, so existing fields keep their draws when one is added.
_STREAMS: Final[tuple[str, ...]] = (
    "KOSPI.cap",
    "KOSPI.price",
    "KOSPI.industry",
    "KOSPI.name",
    "KOSPI.float",
    "KOSPI.foreign",
    "KOSDAQ.cap",
    "KOSDAQ.price",
    "KOSDAQ.industry",
    "KOSDAQ.name",
    "KOSDAQ.float",
    "KOSDAQ.foreign",
    "code",
    "code.alnum",
    "etf",
    "etf.size",
    "etn",
    "etn.code",
    "etn.size",
)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(_STREAMS, children, strict=True)}


@dataclass(frozen=True, slots=True)
class _TailModel:
    """Size and industry mix of one market's generated stocks.

    log10(market cap) is normal, truncated to [log_cap_min, just below the smallest real cap]; the
    real rows are the head of the distribution, so the market as a whole is heavy-tailed.
    """

    log_cap_mean: float
    log_cap_sd: float
    log_cap_min: float
    industry_weights: Mapping[str, float]


_TAIL: Final[dict[Market, _TailModel]] = {
    # KOSPI: median ~200bn KRW, smallest ~20bn; more 화학, 운송장비·부품, 금융, 유통 than KOSDAQ.
    Market.KOSPI: _TailModel(
        11.3,
        0.5,
        math.log10(20e9),
        {
            "음식료·담배": 5.0,
            "섬유·의류": 3.5,
            "종이·목재": 2.5,
            "화학": 11.0,
            "제약": 6.0,
            "비금속": 2.5,
            "금속": 6.0,
            "기계·장비": 6.5,
            "전기전자": 9.0,
            "의료·정밀기기": 1.5,
            "운송장비·부품": 10.0,
            "유통": 8.0,
            "전기·가스": 1.5,
            "건설": 4.0,
            "운송·창고": 3.0,
            "통신": 0.8,
            "금융": 9.0,
            "증권": 2.2,
            "보험": 1.5,
            "일반서비스": 4.0,
            "부동산": 1.0,
            "IT 서비스": 3.0,
            "오락·문화": 1.5,
        },
    ),
    # KOSDAQ: median ~100bn KRW, smallest ~10bn; heavy in tech, bio and equipment makers.
    Market.KOSDAQ: _TailModel(
        11.0,
        0.42,
        math.log10(10e9),
        {
            "음식료·담배": 2.5,
            "섬유·의류": 1.2,
            "종이·목재": 0.8,
            "출판·매체복제": 0.8,
            "화학": 6.0,
            "제약": 13.0,
            "비금속": 1.5,
            "금속": 4.0,
            "기계·장비": 12.0,
            "전기전자": 18.0,
            "의료·정밀기기": 6.0,
            "운송장비·부품": 4.0,
            "기타제조": 1.5,
            "유통": 4.0,
            "전기·가스": 0.4,
            "건설": 2.0,
            "운송·창고": 1.0,
            "통신": 1.5,
            "금융": 3.0,
            "증권": 0.2,
            "보험": 0.1,
            "일반서비스": 5.0,
            "IT 서비스": 11.0,
            "오락·문화": 3.0,
        },
    ),
}

#: Price model: log10(price) = mean + slope·(log10(cap) − model mean) + N(0, sd), kept in
#: [500, 300,000] KRW and so that the share count stays in [3 million, 1 billion].
_PRICE_LOG_MEAN: Final = 3.85
_PRICE_CAP_SLOPE: Final = 0.5
_PRICE_LOG_SD: Final = 0.42
_PRICE_MIN: Final = 500
_PRICE_MAX: Final = 300_000
_MIN_SHARES: Final = 3_000_000
_MAX_SHARES: Final = 1_000_000_000

#: Statutory foreign-ownership caps by industry (telecom carriers 49 %, KEPCO-style utilities 40 %,
#: airlines under 50 %), given to a fraction of the generated firms in those industries.
_FOREIGN_CAPS: Final[dict[str, float]] = {"통신": 49.0, "전기·가스": 40.0, "운송·창고": 49.99}
_FOREIGN_CAP_SHARE: Final = 0.35

_MIN_INDUSTRY_MEMBERS: Final = 3
_ALNUM_SHARE: Final = 0.01  # share of generated codes in the post-2024 letter format
_ALNUM_LETTERS: Final = "".join(sorted(c for c in STOCK_CODE_CHARS if c.isalpha()))


@dataclass(slots=True)
class _Tail:
    """One market's generated stocks, columnwise, sorted by descending market cap."""

    market: Market
    cap: I64
    price: I64
    shares: I64
    industry: list[str]
    float_ratio: F64
    foreign_limit: F64


def _truncated_normal(rng: np.random.Generator, n: int, mean: float, sd: float, lo: float, hi: float) -> F64:
    if hi <= lo:
        raise ValueError(f"empty market-cap range for the generated stocks: 10^{lo:.2f}..10^{hi:.2f}")
    out = np.empty(0)
    while len(out) < n:
        x = rng.normal(mean, sd, size=2 * (n - len(out)) + 16)
        out = np.concatenate([out, x[(x >= lo) & (x < hi)]])
    return out[:n]


def _tail_industries(
    rng: np.random.Generator, market: Market, n: int, real_industries: list[str]
) -> list[str]:
    """Industries of ``n`` generated stocks: first whatever each industry index of the market lacks
    to reach ``_MIN_INDUSTRY_MEMBERS`` with the real rows, then draws from the market's mix."""
    forced: list[str] = []
    for d in INDEX_DEFINITIONS:
        if d.universe == market.name and d.rule == "industry":
            have = sum(ind in d.industries for ind in real_industries)
            forced += [d.industries[0]] * max(0, _MIN_INDUSTRY_MEMBERS - have)
    forced = forced[:n]
    weights = _TAIL[market].industry_weights
    names = list(weights)
    p = np.array([weights[k] for k in names])
    drawn = rng.choice(len(names), size=n - len(forced), p=p / p.sum())
    all_ind = forced + [names[i] for i in drawn]
    return [all_ind[i] for i in rng.permutation(n)]


def _generate_tail(
    streams: Mapping[str, np.random.Generator], market: Market, n: int, real: _Rows, on_date: date
) -> _Tail:
    model = _TAIL[market]
    prefix = market.name + "."
    idx = [i for i, m in enumerate(real.market) if m == market]
    real_caps = [real.prev_close[i] * real.listed_shares[i] for i in idx]
    # Strictly below the smallest real company of the market, with room for price rounding.
    hi = math.log10(min(real_caps)) - 0.01 if real_caps else 12.5
    log_cap = np.sort(
        _truncated_normal(
            streams[prefix + "cap"], n, model.log_cap_mean, model.log_cap_sd, model.log_cap_min, hi
        )
    )[::-1]
    target = 10.0**log_cap

    rng = streams[prefix + "price"]
    log_p = (
        _PRICE_LOG_MEAN + _PRICE_CAP_SLOPE * (log_cap - model.log_cap_mean) + rng.normal(0, _PRICE_LOG_SD, n)
    )
    raw = np.clip(10.0**log_p, _PRICE_MIN, _PRICE_MAX)
    # A spread-out floor on the share count, so small caps do not pile up at exactly the minimum.
    floor_shares = _MIN_SHARES * (1.0 + 2.0 * rng.random(n))
    raw = np.clip(raw, target / _MAX_SHARES, target / floor_shares).astype(np.int64)
    table = int(tick_table_for(InstrumentKind.STOCK, market, on_date))
    price = np.maximum(raw - raw % tick_sizes(raw, table), 1)  # vectorised ticks.round_down
    shares = (target // price).astype(np.int64)

    industry = _tail_industries(streams[prefix + "industry"], market, n, [real.industry[i] for i in idx])

    rng = streams[prefix + "float"]
    float_ratio = np.clip(np.round(0.15 + 0.8 * rng.beta(2.0, 1.6, n), 2), 0.15, 0.95)

    rng = streams[prefix + "foreign"]
    capped = rng.random(n) < _FOREIGN_CAP_SHARE
    foreign = np.array(
        [
            _FOREIGN_CAPS[ind] if c and ind in _FOREIGN_CAPS else 100.0
            for ind, c in zip(industry, capped, strict=True)
        ]
    )
    return _Tail(market, price * shares, price, shares, industry, float_ratio, foreign)


def _new_codes(streams: Mapping[str, np.random.Generator], n: int, taken: set[str]) -> list[str]:
    """``n`` fresh 6-character codes: mostly ``ddddd0`` with a first digit 0–4 (stock/ETF range),
    about 1 % in the post-2024 ``0ddd?0`` letter format (``0030R0``)."""
    rng = streams["code"]
    alnum = streams["code.alnum"].random(n) < _ALNUM_SHARE
    n_alnum = int(alnum.sum())
    draws = rng.choice(np.arange(1, 50_000), size=min(49_999, n + len(taken) + 16), replace=False)
    digits = [c for c in (f"{v * 10:06d}" for v in draws) if c not in taken][: n - n_alnum]
    letter_pool = [f"0{d:03d}{ch}0" for d in range(200) for ch in _ALNUM_LETTERS]
    rng2 = streams["code.alnum"]
    letters = [
        c for c in (letter_pool[int(i)] for i in rng2.permutation(len(letter_pool))) if c not in taken
    ][:n_alnum]
    if len(digits) + len(letters) < n:
        raise ValueError(f"cannot allocate {n} new instrument codes")
    it_d, it_l = iter(digits), iter(letters)
    out = [next(it_l) if a else next(it_d) for a in alnum]
    taken.update(out)
    return out


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> F64:
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n))


def _etf_price_band(underlying: str, leverage: int) -> tuple[float, float]:
    if leverage < 0:
        return 300.0, 5_000.0
    if underlying == "MONEY":
        return 50_000.0, 110_000.0
    if underlying == "BOND":
        return 50_000.0, 120_000.0
    if leverage > 1:
        return 8_000.0, 40_000.0
    return 5_000.0, 60_000.0


def _snap_etp(raw: F64, on_date: date) -> I64:
    """Round down to the ETF/ETN grid of ``on_date`` (vectorised ``ticks.round_down``)."""
    p = raw.astype(np.int64)
    table = int(tick_table_for(InstrumentKind.ETF, Market.KOSPI, on_date))
    t = tick_sizes(p, table)
    return np.maximum(p - p % t, t)


# ---------------------------------------------------------------------------------------------------
# build_universe
# ---------------------------------------------------------------------------------------------------


def build_universe(
    *,
    seed: int = 0,
    n_kospi: int = 950,
    n_kosdaq: int = 1700,
    n_etf: int = 300,
    n_etn: int = 100,
    on_date: date = DEFAULT_DATE,
    levels: Mapping[str, float] | None = None,
) -> Universe:
    """The built-in universe: the real companies and ETPs plus a generated tail up to the counts.

    Counts include the real rows; a count below the number of real rows keeps the largest ones.
    Same arguments give the identical universe. ``levels`` (index names to levels) moves the
    market to those levels (``sise.market.levels.at_levels``).
    """
    for name, value in (("n_kospi", n_kospi), ("n_kosdaq", n_kosdaq), ("n_etf", n_etf), ("n_etn", n_etn)):
        if value < 0:
            raise ValueError(f"{name} must not be negative: {value}")
    streams = _streams(seed)

    real = _Rows()
    for market, n in ((Market.KOSPI, n_kospi), (Market.KOSDAQ, n_kosdaq)):
        for r in [r for r in _companies() if r["market"] == market.name][:n]:
            _add_company(real, r)
    etps = {
        kind: [r for r in _etps() if r["kind"] == kind.name]
        for kind in (InstrumentKind.ETF, InstrumentKind.ETN)
    }

    taken_codes = {r["code"] for r in _companies()} | {r["code"] for r in _etps()}
    taken_codes |= {common_code_of(c) for c in taken_codes}
    taken_ko = {r["name_ko"] for r in (*_companies(), *_etps())}
    taken_en = {r["name_en"] for r in (*_companies(), *_etps())}

    tails = [
        _generate_tail(streams, market, max(0, n - real.market.count(market)), real, on_date)
        for market, n in ((Market.KOSPI, n_kospi), (Market.KOSDAQ, n_kosdaq))
    ]
    n_gen_etf = max(0, n_etf - len(etps[InstrumentKind.ETF]))
    n_gen_stock = sum(len(t.cap) for t in tails)
    codes = iter(_new_codes(streams, n_gen_stock + n_gen_etf, taken_codes))

    # NXT: generated stocks that rank among the largest NXT_STOCKS of both markets.
    all_caps = np.concatenate(
        [
            np.array(real.prev_close, np.int64) * np.array(real.listed_shares, np.int64),
            *(t.cap for t in tails),
        ]
    )
    nxt_floor = int(np.sort(all_caps)[::-1][NXT_STOCKS - 1]) if len(all_caps) >= NXT_STOCKS else 0

    rows = _Rows()
    for tail in tails:
        for i, m in enumerate(real.market):
            if m == tail.market:
                _copy_row(rows, real, i)
        _add_tail(rows, tail, streams[tail.market.name + ".name"], codes, nxt_floor, taken_ko, taken_en)
    for r in etps[InstrumentKind.ETF][:n_etf]:
        _add_etp(rows, r)
    _add_generated_etfs(rows, streams, n_gen_etf, codes, on_date, taken_ko)
    for r in etps[InstrumentKind.ETN][:n_etn]:
        _add_etp(rows, r)
    n_gen_etn = max(0, n_etn - len(etps[InstrumentKind.ETN]))
    _add_generated_etns(rows, streams, n_gen_etn, on_date, taken_ko, taken_codes)
    return at_levels(_finish(rows, on_date, _default_levels(), snap=True), levels or {})


def _add_tail(
    rows: _Rows,
    tail: _Tail,
    name_rng: np.random.Generator,
    codes: Iterator[str],
    nxt_floor: int,
    taken_ko: set[str],
    taken_en: set[str],
) -> None:
    names_ko, names_en = stock_names(name_rng, tail.industry, taken_ko, taken_en)
    for j, ind in enumerate(tail.industry):
        reit = ind == "부동산"  # generated real-estate firms are REITs
        rows.add(
            code=next(codes),
            name_ko=names_ko[j],
            name_en=names_en[j],
            market=tail.market,
            kind=InstrumentKind.STOCK,
            industry=ind,
            group="RT" if reit else "ST",
            listed_shares=int(tail.shares[j]),
            prev_close=int(tail.price[j]),
            float_ratio=float(tail.float_ratio[j]),
            foreign_limit_pct=float(tail.foreign_limit[j]),
            nxt=bool(tail.cap[j] >= nxt_floor) and not reit,
        )


def _add_generated_etfs(
    rows: _Rows,
    streams: Mapping[str, np.random.Generator],
    n: int,
    codes: Iterator[str],
    on_date: date,
    taken_ko: set[str],
) -> None:
    products = etf_products(streams["etf"], n, taken_ko)
    rng = streams["etf.size"]
    bands = np.array([_etf_price_band(t.underlying, t.leverage) for _, _, t in products]).reshape(-1, 2)
    price = _snap_etp(np.exp(rng.uniform(np.log(bands[:, 0]), np.log(bands[:, 1]))), on_date)
    aum = 10.0 ** rng.normal(11.0, 0.6, n)  # median ~100bn KRW of net assets
    units = np.maximum(aum // price, 100_000).astype(np.int64)
    for j, (ko, en, theme) in enumerate(products):
        rows.add(
            code=next(codes),
            name_ko=ko,
            name_en=en,
            market=Market.KOSPI,
            kind=InstrumentKind.ETF,
            group="EF",
            listed_shares=int(units[j]),
            prev_close=int(price[j]),
            leverage=theme.leverage,
            underlying=theme.underlying,
        )


def _add_generated_etns(
    rows: _Rows,
    streams: Mapping[str, np.random.Generator],
    n: int,
    on_date: date,
    taken_ko: set[str],
    taken_codes: set[str],
) -> None:
    etns = etn_products(streams["etn"], n, taken_ko)
    codes = _etn_codes(streams["etn.code"], [e[0].block for e in etns], taken_codes)
    rng = streams["etn.size"]
    inverse = np.array([e[4] < 0 for e in etns], np.bool_)
    lo = np.where(inverse, 100.0, 2_000.0)  # inverse-leveraged notes decay to a few hundred KRW
    hi = np.where(inverse, 5_000.0, 30_000.0)
    price = _snap_etp(np.exp(rng.uniform(np.log(lo), np.log(hi))), on_date)
    units = _log_uniform(rng, 5e6, 4e8, n).astype(np.int64)
    for j, (_, ko, en, underlying, leverage) in enumerate(etns):
        rows.add(
            code=codes[j],
            name_ko=ko,
            name_en=en,
            market=Market.KOSPI,
            kind=InstrumentKind.ETN,
            group="EN",
            listed_shares=int(units[j]),
            prev_close=int(price[j]),
            leverage=leverage,
            underlying=underlying,
        )


def _copy_row(dst: _Rows, src: _Rows, i: int) -> None:
    for name in _Rows.__dataclass_fields__:
        getattr(dst, name).append(getattr(src, name)[i])


def _etn_codes(rng: np.random.Generator, blocks: list[str], taken: set[str]) -> list[str]:
    """ETN codes in each issuer's block (``530xxx`` for 삼성, as the real rows), serials 001–399."""
    out = [""] * len(blocks)
    for issuer in ETN_ISSUERS:
        rows = [i for i, b in enumerate(blocks) if b == issuer.block]
        free = [c for c in (f"{issuer.block}{s:03d}" for s in range(1, 400)) if c not in taken]
        if len(rows) > len(free):
            raise ValueError(f"too many generated ETNs for issuer block {issuer.block}xxx")
        for i, pick in zip(rows, rng.choice(len(free), size=len(rows), replace=False), strict=True):
            out[i] = free[int(pick)]
    taken.update(out)
    return out


def _default_levels(given: Mapping[str, float] | None = None) -> F64:
    """Each index's ``default_level``, or its level in ``given`` (by key)."""
    given = given or {}
    return np.array([given.get(d.key, d.default_level) for d in INDEX_DEFINITIONS], np.float64)


# ---------------------------------------------------------------------------------------------------
# Finishing: tick tables, limits, ISINs, index membership, the InstrumentTable
# ---------------------------------------------------------------------------------------------------


def _finish(rows: _Rows, on_date: date, levels: F64, *, snap: bool) -> Universe:
    n = len(rows.code)
    market = np.array(rows.market, np.int8)
    kind = np.array(rows.kind, np.int8)
    leverage = np.array(rows.leverage, np.int64)
    tick = np.zeros(n, np.uint8)
    limit = np.zeros(n, np.int16)
    for k, m, lev in {(int(k), int(m), int(v)) for k, m, v in zip(kind, market, leverage, strict=True)}:
        sel = (kind == k) & (market == m) & (leverage == lev)
        tick[sel] = tick_table_for(InstrumentKind(k), Market(m), on_date)
        limit[sel] = limit_rate_pct(Market(m), on_date, InstrumentKind(k), lev) or 0
    price = np.array(rows.prev_close, np.int64)
    if snap:  # real prices are on today's grid; an earlier on_date may use a coarser table
        t = tick_sizes(price, tick)
        price = np.maximum(price - price % t, t)
    shares = np.array(rows.listed_shares, np.int64)
    float_ratio = np.array(rows.float_ratio, np.float64)
    float_shares = np.round(shares * float_ratio).astype(np.int64)
    preferred = np.array(rows.preferred, np.bool_)

    membership, flags = _membership(
        market=market,
        kind=kind,
        group=np.array(rows.group),
        preferred=preferred,
        industry=np.array(rows.industry),
        cap=price * shares,
        float_cap=price * float_shares,
        k200=np.array(rows.k200, np.int8),
        k150=np.array(rows.k150, np.int8),
    )
    records = [
        Instrument(
            code=rows.code[i],
            isin=stock_isin(rows.code[i]),
            name_ko=rows.name_ko[i],
            name_en=rows.name_en[i],
            market=Market(rows.market[i]),
            kind=InstrumentKind(rows.kind[i]),
            tick_table=int(tick[i]),
            industry=rows.industry[i],
            group=rows.group[i],
            listed_shares=rows.listed_shares[i],
            float_ratio=rows.float_ratio[i],
            foreign_limit_pct=rows.foreign_limit_pct[i],
            prev_close=int(price[i]),
            limit_rate_pct=int(limit[i]),
            kospi200=bool(flags["kospi200"][i]),
            kospi100=bool(flags["kospi100"][i]),
            kospi50=bool(flags["kospi50"][i]),
            kosdaq150=bool(flags["kosdaq150"][i]),
            krx100=bool(flags["krx100"][i]),
            nxt=rows.nxt[i],
            preferred=rows.preferred[i],
            leverage=rows.leverage[i],
            underlying=rows.underlying[i],
        )
        for i in range(n)
    ]
    return Universe(
        instruments=InstrumentTable.from_records(records),
        indices=list(INDEX_DEFINITIONS),
        membership=membership,
        members=list(load_members()),
        levels=levels.copy(),
    )


def _top(mask: B, order: npt.NDArray[np.intp], n: int) -> B:
    """The first ``n`` of ``mask`` in ``order``."""
    out = np.zeros(len(mask), np.bool_)
    out[order[mask[order]][:n]] = True
    return out


def _select(eligible: B, flags: npt.NDArray[np.int8], order: npt.NDArray[np.intp], n: int) -> B:
    """Exactly ``n`` (or all eligible, if fewer) constituents: rows flagged Y, trimmed to the
    largest; topped up with the largest unflagged rows, then with rows flagged N."""
    chosen = _top(eligible & (flags == _YES), order, n)
    for fill in (_UNSET, _NO):
        missing = n - int(chosen.sum())
        if missing <= 0:
            break
        chosen |= _top(eligible & (flags == fill), order, missing)
    return chosen


def _membership(
    *,
    market: npt.NDArray[np.int8],
    kind: npt.NDArray[np.int8],
    group: npt.NDArray[np.str_],
    preferred: B,
    industry: npt.NDArray[np.str_],
    cap: I64,
    float_cap: I64,
    k200: npt.NDArray[np.int8],
    k150: npt.NDArray[np.int8],
) -> tuple[B, dict[str, B]]:
    """(indices × instruments) membership per ``IndexDef.rule``, and the per-instrument flags.

    Candidates are stocks (not ETFs/ETNs) of the index's universe. Size and selection indices take
    common shares only: group ``ST`` and not preferred, so REITs, infrastructure and other funds
    are out (krx_rules §4.3). Ranks are by cap, ties by instrument number.
    """
    n = len(market)
    number = np.arange(n)
    by_cap = np.lexsort((number, -cap))
    by_float_cap = np.lexsort((number, -float_cap))
    stock = kind == InstrumentKind.STOCK
    common = stock & ~preferred & (group == "ST")
    universe = {
        "KOSPI": stock & (market == Market.KOSPI),
        "KOSDAQ": stock & (market == Market.KOSDAQ),
        "KRX": stock & ((market == Market.KOSPI) | (market == Market.KOSDAQ)),
    }
    kospi200 = _select(common & universe["KOSPI"], k200, by_cap, KOSPI200_SIZE)
    flags = {
        "kospi200": kospi200,
        "kospi100": _top(kospi200, by_float_cap, KOSPI100_SIZE),
        "kospi50": _top(kospi200, by_float_cap, KOSPI50_SIZE),
        "kosdaq150": _select(common & universe["KOSDAQ"], k150, by_cap, KOSDAQ150_SIZE),
        "krx100": _top(common & universe["KRX"], by_float_cap, KRX100_SIZE),
    }
    out = np.zeros((len(INDEX_DEFINITIONS), n), np.bool_)
    for row, d in enumerate(INDEX_DEFINITIONS):
        cand = universe[d.universe]
        if d.rule == "all":
            out[row] = cand
        elif d.rule == "size":
            assert d.size_ranks is not None
            eligible = common & cand
            rank = np.zeros(n, np.int64)
            ranked = by_cap[eligible[by_cap]]
            rank[ranked] = np.arange(1, len(ranked) + 1)
            lo, hi = d.size_ranks
            out[row] = eligible & (rank >= lo) & (rank <= hi)
        elif d.rule in ("industry", "manufacturing"):
            inds = d.industries or (MANUFACTURING_INDUSTRIES if d.rule == "manufacturing" else ())
            out[row] = cand & np.isin(industry, list(inds))
        elif d.rule in flags:
            out[row] = flags[d.rule]
        else:
            raise ValueError(f"index {d.key}: unknown membership rule {d.rule!r}")
    return out, flags


# ---------------------------------------------------------------------------------------------------
# CSV format
# ---------------------------------------------------------------------------------------------------

#: Columns of the universe CSV, in the order ``write_universe_csv`` writes them.
CSV_COLUMNS: Final[tuple[str, ...]] = (
    "code",
    "name_ko",
    "name_en",
    "market",
    "kind",
    "industry",
    "listed_shares",
    "prev_close",
    "float_ratio",
    "foreign_limit_pct",
    "group",
    "kospi200",
    "kosdaq150",
    "nxt",
    "preferred",
    "leverage",
    "underlying",
)
REQUIRED_COLUMNS: Final[frozenset[str]] = frozenset(
    ("code", "name_ko", "market", "kind", "listed_shares", "prev_close")
)

_CSV_MARKETS: Final = (Market.KOSPI, Market.KOSDAQ, Market.KONEX)
_CSV_KINDS: Final = (InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW)
_DEFAULT_GROUP: Final[dict[InstrumentKind, str]] = {
    InstrumentKind.STOCK: "ST",
    InstrumentKind.ETF: "EF",
    InstrumentKind.ETN: "EN",
    InstrumentKind.ELW: "EW",
}
#: KIS security-group codes allowed per kind (krx_rules §1.9).
_GROUPS: Final[dict[InstrumentKind, tuple[str, ...]]] = {
    InstrumentKind.STOCK: ("ST", "RT", "IF", "DR", "MF", "SC"),
    InstrumentKind.ETF: ("EF", "FE"),
    InstrumentKind.ETN: ("EN",),
    InstrumentKind.ELW: ("EW",),
}
_LEVERAGES: Final = (1, 2, -1, -2)
#: ``kind`` of a row that gives an index's level rather than an instrument.
INDEX_KIND: Final = "INDEX"


class _CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def load_universe_csv(
    path: str | Path,
    *,
    on_date: date = DEFAULT_DATE,
    levels: Mapping[str, float] | None = None,
    encoding: str = "utf-8-sig",
) -> Universe:
    """A universe from a CSV file in the format of ``docs/universe.md``.

    Every row is validated; the first bad cell raises ``ValueError`` naming the file, line and
    column. Index membership is derived by the same rules as ``build_universe``. ``INDEX`` rows
    give the levels the file's prices stand for; ``levels`` then moves the market to other
    levels, as ``build_universe``'s does.
    """
    path = Path(path)
    file_levels: dict[str, float] = {}
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        _check_header(path.name, header)
        rows = _Rows()
        first_line: dict[str, int] = {}
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            line = reader.line_num
            if len(cells) != len(header):
                raise ValueError(f"{path.name}: line {line}: expected {len(header)} fields, got {len(cells)}")
            record = {h: c.strip() for h, c in zip(header, cells, strict=True)}
            try:
                if record["kind"] == INDEX_KIND:
                    code = _parse_index_row(file_levels, record)
                else:
                    _parse_row(rows, record, on_date)
                    code = rows.code[-1]
                if code in first_line:
                    raise _CellError("code", f"duplicate code {code} (first on line {first_line[code]})")
                first_line[code] = line
            except _CellError as e:
                raise ValueError(f"{path.name}: line {line}, column {e.column!r}: {e}") from None
    if not rows.code:
        raise ValueError(f"{path.name}: no instruments")
    return at_levels(_finish(rows, on_date, _default_levels(file_levels), snap=False), levels or {})


def _parse_index_row(levels: dict[str, float], r: Mapping[str, str]) -> str:
    """An ``INDEX`` row: ``code`` names the index, ``prev_close`` is its level; returns its key."""
    try:
        key = index_named(r["code"]).key
    except ValueError as e:
        raise _CellError("code", str(e)) from None
    try:
        level = float(r["prev_close"])
    except ValueError:
        level = math.nan
    if not (math.isfinite(level) and level > 0):
        raise _CellError("prev_close", f"an index level must be a positive number, got {r['prev_close']!r}")
    levels[key] = level
    return key


def _check_header(name: str, header: list[str]) -> None:
    if not header:
        raise ValueError(f"{name}: line 1: empty file, expected a header row")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ValueError(
            f"{name}: line 1: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(CSV_COLUMNS)}"
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ValueError(f"{name}: line 1: duplicate column(s) {', '.join(dupes)}")
    missing = [c for c in CSV_COLUMNS if c in REQUIRED_COLUMNS and c not in header]
    if missing:
        raise ValueError(f"{name}: line 1: missing required column(s) {', '.join(missing)}")


_E = TypeVar("_E", Market, InstrumentKind)


def _enum_cell(r: Mapping[str, str], col: str, allowed: tuple[_E, ...]) -> _E:
    text = r[col]
    for member in allowed:
        if member.name == text:
            return member
    raise _CellError(col, f"{text!r} is not one of {', '.join(m.name for m in allowed)}")


def _int_cell(r: Mapping[str, str], col: str, default: int | None = None) -> int:
    text = r.get(col, "")
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        raise _CellError(col, f"{text!r} is not an integer") from None


def _float_cell(r: Mapping[str, str], col: str, default: float, lo: float, hi: float) -> float:
    text = r.get(col, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise _CellError(col, f"{text!r} is not a number") from None
    if not (lo < value <= hi):
        raise _CellError(col, f"{text} is outside ({lo:g}, {hi:g}]")
    return value


def _flag_cell(r: Mapping[str, str], col: str) -> int:
    text = r.get(col, "")
    if text in ("Y", "N", ""):
        return {"Y": _YES, "N": _NO, "": _UNSET}[text]
    raise _CellError(col, f"{text!r} is not Y, N or empty")


def _parse_row(rows: _Rows, r: Mapping[str, str], on_date: date) -> None:
    code = r["code"]
    if not is_valid_stock_code(code):
        raise _CellError("code", f"{code!r} is not a 6-character KRX code (digits and A-Z except I, O, U)")
    name_ko = r["name_ko"]
    if not name_ko:
        raise _CellError("name_ko", "empty name")
    market = _enum_cell(r, "market", _CSV_MARKETS)
    kind = _enum_cell(r, "kind", _CSV_KINDS)
    if kind != InstrumentKind.STOCK and market != Market.KOSPI:
        raise _CellError("market", f"{kind.name} products list on KOSPI, not {market.name}")
    industry = r.get("industry", "")
    if industry and industry not in INDUSTRIES:
        raise _CellError("industry", f"{industry!r} is not a KRX industry name ({', '.join(INDUSTRIES)})")
    shares = _int_cell(r, "listed_shares")
    if shares <= 0:
        raise _CellError("listed_shares", f"must be positive, got {shares}")
    price = _int_cell(r, "prev_close")
    if price <= 0:
        raise _CellError("prev_close", f"must be positive, got {price}")
    table = tick_table_for(kind, market, on_date)
    _check_tick(price, table)
    group = r.get("group", "") or _DEFAULT_GROUP[kind]
    if group not in _GROUPS[kind]:
        raise _CellError(
            "group", f"{group!r} is not valid for {kind.name} (allowed: {', '.join(_GROUPS[kind])})"
        )
    preferred = _flag_cell(r, "preferred") == _YES
    if preferred and kind != InstrumentKind.STOCK:
        raise _CellError("preferred", f"only stocks can be preferred shares, not {kind.name}")
    k200, k150 = _flag_cell(r, "kospi200"), _flag_cell(r, "kosdaq150")
    common = kind == InstrumentKind.STOCK and not preferred and group == "ST"
    if k200 == _YES and not (common and market == Market.KOSPI):
        raise _CellError(
            "kospi200", "only KOSPI common stocks (group ST, not preferred) can be KOSPI200 members"
        )
    if k150 == _YES and not (common and market == Market.KOSDAQ):
        raise _CellError(
            "kosdaq150", "only KOSDAQ common stocks (group ST, not preferred) can be KOSDAQ150 members"
        )
    leverage = _int_cell(r, "leverage", 1)
    if leverage not in _LEVERAGES or (leverage != 1 and kind not in (InstrumentKind.ETF, InstrumentKind.ETN)):
        raise _CellError(
            "leverage", f"{leverage} is not valid for {kind.name} (ETF/ETN: 1, 2, -1, -2; others: 1)"
        )
    rows.add(
        code=code,
        name_ko=name_ko,
        name_en=r.get("name_en", "") or name_ko,
        market=market,
        kind=kind,
        industry=industry,
        group=group,
        listed_shares=shares,
        prev_close=price,
        float_ratio=_float_cell(r, "float_ratio", 1.0, 0.0, 1.0),
        foreign_limit_pct=_float_cell(r, "foreign_limit_pct", 100.0, 0.0, 100.0),
        nxt=_flag_cell(r, "nxt") == _YES,
        preferred=preferred,
        leverage=leverage,
        underlying=r.get("underlying", ""),
        k200=k200,
        k150=k150,
    )


def _check_tick(price: int, table: TickTableId) -> None:
    t = tick_size(price, table)
    if price % t:
        lo, hi = round_down(price, table), round_up(price, table)
        raise _CellError(
            "prev_close", f"{price} is not on the tick grid (tick {t} here); nearest valid prices: {lo}, {hi}"
        )


def write_universe_csv(universe: Universe, path: str | Path) -> None:
    """Write ``universe`` in the ``load_universe_csv`` format (UTF-8, no BOM, header row)."""
    table = universe.instruments
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(_csv_rows(table))
        writer.writerows(_index_rows(universe))


def _index_rows(u: Universe) -> Iterable[list[str]]:
    """One ``INDEX`` row per index: its KRX code, names and level (the rest empty)."""
    for d, level in zip(u.indices, u.levels.tolist(), strict=True):
        row = dict.fromkeys(CSV_COLUMNS, "")
        row.update(code=d.krx_code, name_ko=d.name_ko, name_en=d.name_en, market=d.universe)
        row.update(kind=INDEX_KIND, prev_close=_fmt(level))
        yield list(row.values())


def _csv_rows(t: InstrumentTable) -> Iterable[list[str]]:
    for i in range(len(t)):
        kind = InstrumentKind(int(t.kind[i]))
        if kind not in _CSV_KINDS:
            raise ValueError(f"{t.code[i]}: {kind.name} instruments have no place in the universe CSV")
        yield [
            t.code[i],
            t.name_ko[i],
            t.name_en[i],
            Market(int(t.market[i])).name,
            kind.name,
            t.industry[i],
            str(int(t.listed_shares[i])),
            str(int(t.prev_close[i])),
            _fmt(float(t.float_ratio[i])),
            _fmt(float(t.foreign_limit_pct[i])),
            t.group[i],
            _yn_text(t.kospi200[i]),
            _yn_text(t.kosdaq150[i]),
            _yn_text(t.nxt[i]),
            _yn_text(t.preferred[i]),
            str(int(t.leverage[i])),
            t.underlying[i],
        ]


def _yn_text(flag: object) -> str:
    return "Y" if flag else "N"


def _fmt(x: float) -> str:
    """Shortest text that reads back to the same float (100 rather than 100.0)."""
    return str(int(x)) if x.is_integer() else repr(x)
