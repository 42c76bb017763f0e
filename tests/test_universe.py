"""The instrument universe: the built-in one (real rows + generated tail) and the CSV format."""

from __future__ import annotations

import csv
import io
import re
import time
from collections import Counter
from dataclasses import fields
from datetime import date
from importlib.resources import files
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from sise.market.identifiers import is_valid_stock_code, stock_isin
from sise.market.indices_table import FINANCE_INDUSTRIES, INDEX_DEFINITIONS
from sise.market.instruments import InstrumentTable
from sise.market.names import ETF_THEMES, PREFIXES, SUFFIXES
from sise.market.ticks import on_tick
from sise.market.types import InstrumentKind, Market
from sise.market.universe import (
    CSV_COLUMNS,
    Universe,
    build_universe,
    load_universe_csv,
    write_universe_csv,
)

Mask = npt.NDArray[np.bool_]
DOCS = Path(__file__).resolve().parents[1] / "docs" / "universe.md"
SMALL = {"n_kospi": 260, "n_kosdaq": 220, "n_etf": 60, "n_etn": 16}


def build_small(
    *, seed: int = 0, on_date: date = date(2026, 11, 20), levels: dict[str, float] | None = None
) -> Universe:
    return build_universe(seed=seed, on_date=on_date, levels=levels, **SMALL)


def _data(name: str) -> list[dict[str, str]]:
    text = (files("sise.market") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


REAL_COMPANIES = _data("companies.csv")
REAL_ETPS = _data("etfs.csv")
REAL_CODES = {r["code"] for r in REAL_COMPANIES} | {r["code"] for r in REAL_ETPS}
REAL_NAMES = {r["name_ko"] for r in REAL_COMPANIES} | {r["name_ko"] for r in REAL_ETPS}


@pytest.fixture(scope="module")
def full() -> Universe:
    return build_universe()


@pytest.fixture(scope="module")
def small() -> Universe:
    return build_small()


def _stocks(u: Universe, market: Market) -> Mask:
    t = u.instruments
    return np.asarray((t.kind == InstrumentKind.STOCK) & (t.market == market), np.bool_)


def _generated(u: Universe) -> Mask:
    return np.array([c not in REAL_CODES for c in u.instruments.code], np.bool_)


def _common(u: Universe) -> Mask:
    t = u.instruments
    return np.asarray((t.kind == InstrumentKind.STOCK) & ~t.preferred & (np.array(t.group) == "ST"), np.bool_)


def _row(u: Universe, key: str) -> Mask:
    return np.asarray(u.membership[[d.key for d in u.indices].index(key)], np.bool_)


def assert_same_table(a: InstrumentTable, b: InstrumentTable) -> None:
    for f in fields(InstrumentTable):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype, f.name
            np.testing.assert_array_equal(va, vb, err_msg=f.name)
        else:
            assert va == vb, f.name


def assert_same_universe(a: Universe, b: Universe) -> None:
    assert_same_table(a.instruments, b.instruments)
    assert [d.key for d in a.indices] == [d.key for d in b.indices]
    np.testing.assert_array_equal(a.membership, b.membership)
    np.testing.assert_array_equal(a.levels, b.levels)
    assert a.members == b.members


# --- shape of the built-in universe ----------------------------------------------------------


def test_counts_per_market_and_kind(full: Universe, small: Universe) -> None:
    for u, n in ((full, {"n_kospi": 950, "n_kosdaq": 1700, "n_etf": 300, "n_etn": 100}), (small, SMALL)):
        t = u.instruments
        got = Counter(zip(t.market.tolist(), t.kind.tolist(), strict=True))
        assert got == {
            (Market.KOSPI, InstrumentKind.STOCK): n["n_kospi"],
            (Market.KOSDAQ, InstrumentKind.STOCK): n["n_kosdaq"],
            (Market.KOSPI, InstrumentKind.ETF): n["n_etf"],
            (Market.KOSPI, InstrumentKind.ETN): n["n_etn"],
        }
        assert u.membership.shape == (len(INDEX_DEFINITIONS), len(t))
        assert len(u.levels) == len(u.indices) == len(INDEX_DEFINITIONS)


def test_counts_below_the_real_rows_keep_the_largest() -> None:
    u = build_universe(n_kospi=10, n_kosdaq=5, n_etf=3, n_etn=2)
    t = u.instruments
    assert t.code[:3] == ["005930", "000660", "402340"]
    assert len(t) == 20
    assert not _generated(u).any()


def test_codes_unique_and_valid(full: Universe) -> None:
    t = full.instruments
    assert len(set(t.code)) == len(t)
    assert all(is_valid_stock_code(c) for c in t.code)
    assert t.isin == [stock_isin(c) for c in t.code]
    gen = _generated(full)
    gen_codes = [c for c, g in zip(t.code, gen, strict=True) if g]
    kinds = t.kind[gen]
    for c, k in zip(gen_codes, kinds, strict=True):
        if k == InstrumentKind.ETN:
            assert c[:3] in {"500", "530", "550", "580"}, c
        else:
            assert c[0] in "01234" and c[5] == "0", c  # stock/ETF range, common-share style
    alnum = [c for c in gen_codes if not c.isdigit()]
    assert 0.003 * len(gen_codes) <= len(alnum) <= 0.03 * len(gen_codes)
    assert all(re.fullmatch(r"0\d{3}[A-Z]0", c) for c in alnum)


def test_real_companies_are_present_with_their_facts(full: Universe) -> None:
    t = full.instruments
    for r in REAL_COMPANIES:
        i = full.by_code(r["code"])
        assert i is not None, r["code"]
        assert t.name_ko[i] == r["name_ko"]
        assert t.market[i] == Market[r["market"]]
        assert t.industry[i] == r["industry"]
        assert t.listed_shares[i] == int(r["listed_shares"])
        assert t.prev_close[i] == int(r["prev_close"])
        assert t.nxt[i] == (r["nxt"] == "Y")
        assert t.preferred[i] == (r["is_preferred"] == "Y")
    for r in REAL_ETPS:
        i = full.by_code(r["code"])
        assert i is not None and t.kind[i] == InstrumentKind[r["kind"]]
        assert t.leverage[i] == int(r["leverage"]) and t.underlying[i] == r["underlying"]
    samsung, hynix, alteogen = (full.by_code(c) for c in ("005930", "000660", "196170"))
    assert samsung is not None and hynix is not None and alteogen is not None
    assert (t.name_ko[samsung], t.market[samsung]) == ("삼성전자", Market.KOSPI)
    assert (t.name_ko[hynix], t.market[hynix]) == ("SK하이닉스", Market.KOSPI)
    assert (t.name_ko[alteogen], t.market[alteogen]) == ("알테오젠", Market.KOSDAQ)
    assert full.by_code("999999") is None


def test_prices_on_the_tick_grid(full: Universe) -> None:
    t = full.instruments
    assert (t.prev_close > 0).all()
    assert on_tick(t.prev_close, t.tick_table).all()
    old = build_small(on_date=date(2022, 6, 1))  # pre-reform tables: real prices snap down
    assert on_tick(old.instruments.prev_close, old.instruments.tick_table).all()
    assert set(old.instruments.tick_table.tolist()) != set(t.tick_table.tolist())


def test_generated_prices_and_shares_are_plausible(full: Universe) -> None:
    t = full.instruments
    gen = _generated(full) & (t.kind == InstrumentKind.STOCK)
    p = t.prev_close[gen]
    assert p.min() >= 500 and p.max() <= 300_000
    assert np.quantile(p, 0.1) < 2_000 and np.quantile(p, 0.9) > 20_000  # spread over the bands
    assert t.listed_shares[gen].min() >= 1_000_000


def test_limit_rates(full: Universe) -> None:
    t = full.instruments
    lev = full.by_code("122630")  # KODEX 레버리지
    assert lev is not None and t.limit_rate_pct[lev] == 60
    assert (t.limit_rate_pct[t.kind == InstrumentKind.STOCK] == 30).all()


def test_caps_are_heavy_tailed(full: Universe) -> None:
    cap = full.instruments.market_cap()
    for market in (Market.KOSPI, Market.KOSDAQ):
        c = np.sort(cap[_stocks(full, market)])[::-1]
        assert c[: len(c) // 10].sum() > 0.6 * c.sum(), market


def test_generated_caps_below_the_smallest_real_cap(full: Universe) -> None:
    t = full.instruments
    cap = t.market_cap()
    gen = _generated(full)
    for market, (lo, hi) in ((Market.KOSPI, (15e9, 60e9)), (Market.KOSDAQ, (8e9, 35e9))):
        stocks = _stocks(full, market)
        assert cap[stocks & gen].max() < cap[stocks & ~gen].min()
        assert lo <= cap[stocks & gen].min() <= hi, market  # the small end decays to tens of billions


def test_names_unique_and_never_real(full: Universe) -> None:
    t = full.instruments
    assert len(set(t.name_ko)) == len(t)
    assert len(set(t.name_en)) == len(t)
    gen = _generated(full)
    assert not {n for n, g in zip(t.name_ko, gen, strict=True) if g} & REAL_NAMES


def test_name_tables_are_one_to_one() -> None:
    assert len({en for _, en in PREFIXES}) == len(PREFIXES)
    suffixes = [part for parts in SUFFIXES.values() for part in parts]
    assert len({ko for ko, _ in suffixes}) == len(suffixes)
    assert len({en for _, en in suffixes}) == len(suffixes)
    assert len({th.ko for th in ETF_THEMES}) == len(ETF_THEMES)


def test_industry_mix(full: Universe) -> None:
    t = full.instruments
    industry = np.array(t.industry)
    kospi, kosdaq = _stocks(full, Market.KOSPI), _stocks(full, Market.KOSDAQ)
    for only_kosdaq in ("출판·매체복제", "기타제조"):
        assert not (kospi & (industry == only_kosdaq)).any()
    assert not (kosdaq & (industry == "부동산")).any()
    reits = kospi & (industry == "부동산")
    assert set(np.array(t.group)[reits]) == {"RT"} and 3 <= reits.sum() <= 30
    top = Counter(industry[kosdaq].tolist()).most_common(6)
    assert {name for name, _ in top} <= {
        "전기전자",
        "제약",
        "기계·장비",
        "IT 서비스",
        "의료·정밀기기",
        "화학",
        "금융",
    }


def test_float_foreign_and_nxt(full: Universe) -> None:
    t = full.instruments
    gen = _generated(full) & (t.kind == InstrumentKind.STOCK)
    assert t.float_ratio[gen].min() >= 0.15 and t.float_ratio[gen].max() <= 0.95
    capped = (t.foreign_limit_pct[gen] < 100).mean()
    assert 0.005 <= capped <= 0.03
    stocks = t.kind == InstrumentKind.STOCK
    assert 700 <= t.nxt[stocks].sum() <= 850
    assert not t.nxt[t.kind != InstrumentKind.STOCK].any()
    assert not t.preferred[gen].any()


# --- index membership ------------------------------------------------------------------------


def test_selection_index_sizes_and_flags(full: Universe) -> None:
    t = full.instruments
    sizes = {"KOSPI200": 200, "KOSDAQ150": 150, "KOSPI100": 100, "KOSPI50": 50, "KRX100": 100}
    for key, n in sizes.items():
        row = _row(full, key)
        assert row.sum() == n, key
        assert (_common(full)[row]).all(), key
        np.testing.assert_array_equal(getattr(t, key.lower()), row)
    k200, k100, k50 = _row(full, "KOSPI200"), _row(full, "KOSPI100"), _row(full, "KOSPI50")
    assert not (k100 & ~k200).any() and not (k50 & ~k100).any()
    assert (t.market[k200] == Market.KOSPI).all()
    assert (t.market[_row(full, "KOSDAQ150")] == Market.KOSDAQ).all()
    # Real rows flagged Y stay in; real rows flagged N are not used to top up.
    for r in REAL_COMPANIES:
        i = full.by_code(r["code"])
        assert i is not None
        assert t.kospi200[i] == (r["kospi200"] == "Y"), r["code"]
        assert t.kosdaq150[i] == (r["kosdaq150"] == "Y"), r["code"]
    # KOSPI100 is by float-adjusted cap within KOSPI200.
    fcap = t.prev_close * t.float_shares
    assert fcap[k100].min() >= fcap[k200 & ~k100].max()


def test_size_indices_partition_the_common_stocks(full: Universe) -> None:
    cap = full.instruments.market_cap()
    for market, mid in ((Market.KOSPI, 200), (Market.KOSDAQ, 300)):
        eligible = _common(full) & _stocks(full, market)
        rows = [_row(full, f"{market.name}_{s}") for s in ("LARGE", "MID", "SMALL")]
        np.testing.assert_array_equal(np.sum(rows, axis=0), eligible.astype(int))
        assert rows[0].sum() == 100 and rows[1].sum() == mid
        assert cap[rows[0]].min() >= cap[rows[1]].max() and cap[rows[1]].min() >= cap[rows[2]].max()


def test_every_industry_index_has_three_members(full: Universe) -> None:
    for d, row in zip(full.indices, full.membership, strict=True):
        if d.rule in ("industry", "manufacturing"):
            assert row.sum() >= 3, (d.key, d.name_ko)


def test_finance_index_contains_securities_and_insurance(full: Universe) -> None:
    t = full.instruments
    industry = np.array(t.industry)
    for key, market in (("KOSPI_IND_021", Market.KOSPI), ("KOSDAQ_IND_031", Market.KOSDAQ)):
        expected = _stocks(full, market) & np.isin(industry, FINANCE_INDUSTRIES)
        np.testing.assert_array_equal(_row(full, key), expected)
    fin = _row(full, "KOSPI_IND_021")
    for sub in ("KOSPI_IND_024", "KOSPI_IND_025"):
        sub_row = _row(full, sub)
        assert sub_row.any() and not (sub_row & ~fin).any()


def test_composites_and_etps(full: Universe) -> None:
    t = full.instruments
    np.testing.assert_array_equal(_row(full, "KOSPI"), _stocks(full, Market.KOSPI))
    np.testing.assert_array_equal(_row(full, "KOSDAQ"), _stocks(full, Market.KOSDAQ))
    etp = t.kind != InstrumentKind.STOCK
    assert not full.membership[:, etp].any()
    pref = full.by_code("005935")
    assert pref is not None and _row(full, "KOSPI")[pref] and not _row(full, "KOSPI_LARGE")[pref]
    manuf = _row(full, "KOSPI_IND_027")
    assert manuf[pref] and not manuf[full.by_code("035420") or 0]  # NAVER is IT 서비스


def test_universe_accessors(small: Universe) -> None:
    specs = small.index_specs()
    assert specs[0] == ("KOSPI", 100.0, 10, False)
    assert ("KOSPI200", 100.0, 1, True) in specs
    members = small.index_members("KOSPI200")
    assert len(members) == 200 and (np.diff(members) > 0).all()
    with pytest.raises(KeyError, match="NOPE"):
        small.index_members("NOPE")


def test_levels_and_members() -> None:
    u = build_small(levels={"KOSPI": 2650.0, "KOSDAQ150": 1234.5})
    keys = [d.key for d in u.indices]
    assert u.levels[keys.index("KOSPI")] == 2650.0
    assert u.levels[keys.index("KOSDAQ150")] == 1234.5
    # KOSPI200's members moved with KOSPI (tests/test_index_levels.py has the rest).
    assert u.levels[keys.index("KOSPI200")] < INDEX_DEFINITIONS[keys.index("KOSPI200")].default_level / 2
    with pytest.raises(ValueError, match="unknown index 'NOPE'"):
        build_small(levels={"NOPE": 1.0, "BOGUS": 2.0})
    with pytest.raises(ValueError, match="positive"):
        build_small(levels={"KOSPI": 0.0})
    assert len(u.members) == 56
    assert [m.number for m in u.members] == list(range(56))
    assert (u.members[0].code, u.members[0].name_ko, u.members[0].foreign) == ("00005", "미래에셋증권", False)
    assert sum(m.foreign for m in u.members) >= 10


# --- determinism and speed -------------------------------------------------------------------


def test_same_seed_same_universe(small: Universe) -> None:
    assert_same_universe(small, build_small())


def test_different_seed_different_tail(small: Universe) -> None:
    other = build_small(seed=1)
    gen = _generated(small)
    assert [c for c, g in zip(small.instruments.code, gen, strict=True) if not g] == [
        c for c, g in zip(other.instruments.code, gen, strict=True) if not g
    ]
    assert [c for c, g in zip(small.instruments.code, gen, strict=True) if g] != [
        c for c, g in zip(other.instruments.code, gen, strict=True) if g
    ]
    assert not np.array_equal(small.instruments.market_cap()[gen], other.instruments.market_cap()[gen])


def test_full_size_builds_fast() -> None:
    build_universe()  # warm the package-data cache
    start = time.perf_counter()
    build_universe(seed=3)
    assert time.perf_counter() - start < 1.0


# --- CSV format ------------------------------------------------------------------------------


def test_csv_round_trip(small: Universe, tmp_path: Path) -> None:
    path = tmp_path / "universe.csv"
    write_universe_csv(small, path)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert_same_universe(small, load_universe_csv(path))


def test_csv_round_trip_keeps_levels_and_dates(tmp_path: Path) -> None:
    day = date(2022, 6, 1)
    u = build_small(on_date=day)
    path = tmp_path / "old.csv"
    write_universe_csv(u, path)
    assert_same_universe(u, load_universe_csv(path, on_date=day))
    loaded = load_universe_csv(path, on_date=day, levels={"KOSPI": 2500.0})
    assert loaded.levels[0] == 2500.0


def _doc_examples() -> list[str]:
    return re.findall(r"```csv\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_docs_examples_load(tmp_path: Path) -> None:
    full_example, minimal = _doc_examples()
    path = tmp_path / "example.csv"
    path.write_text(full_example, encoding="utf-8")
    u = load_universe_csv(path)
    t = u.instruments
    assert len(t) == 11

    def names(key: str) -> set[str]:
        return {t.name_ko[i] for i in u.index_members(key)}

    assert names("KOSPI_LARGE") == {"삼성전자", "SK하이닉스", "한국전력", "삼성에피스홀딩스"}
    assert names("KOSPI200") == names("KOSPI_LARGE")
    assert names("KOSPI") == names("KOSPI_LARGE") | {"삼성전자우", "SK리츠", "맥쿼리인프라"}
    assert names("KOSDAQ150") == names("KOSDAQ") == {"알테오젠"}
    assert names("KRX100") == names("KOSPI200") | {"알테오젠"}
    assert names("KOSPI_IND_021") == {"삼성에피스홀딩스", "맥쿼리인프라"}
    assert names("KOSPI_IND_045") == {"SK리츠"}
    kepco, lev = u.by_code("015760"), u.by_code("122630")
    assert kepco is not None and t.foreign_limit_pct[kepco] == 40.0
    assert lev is not None and t.limit_rate_pct[lev] == 60 and t.group[lev] == "EF"

    path.write_text(minimal, encoding="utf-8")
    u = load_universe_csv(path)
    t = u.instruments
    assert t.name_en == ["삼성전자", "KODEX 200"]
    assert t.group == ["ST", "EF"] and t.float_ratio.tolist() == [1.0, 1.0]
    assert t.kospi200.tolist() == [True, False]


def test_csv_accepts_a_bom_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text(
        "\ufeffcode,name_ko,market,kind,listed_shares,prev_close\n\n005930,삼성전자,KOSPI,STOCK,100,300500\n\n",
        encoding="utf-8",
    )
    assert load_universe_csv(path).instruments.code == ["005930"]


GOOD_ROWS = [
    "005930,삼성전자,KOSPI,STOCK,전기전자,5846278608,300500,,",
    "196170,알테오젠,KOSDAQ,STOCK,제약,53586343,343500,,",
    "069500,KODEX 200,KOSPI,ETF,,62000000,126500,,",
]
HEADER = "code,name_ko,market,kind,industry,listed_shares,prev_close,kospi200,leverage"


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        ("000660,SK하이닉스,NASDAQ,STOCK,전기전자,712702365,2258000,,", "market", "'NASDAQ' is not one of"),
        ("00066,SK하이닉스,KOSPI,STOCK,전기전자,712702365,2258000,,", "code", "6-character"),
        ("00066O,SK하이닉스,KOSPI,STOCK,전기전자,712702365,2258000,,", "code", "6-character"),
        (
            "000660,SK하이닉스,KOSPI,STOCK,전기전자,712702365,30560,,",
            "prev_close",
            "(tick 50 here); nearest valid prices: 30550, 30600",
        ),
        ("000660,SK하이닉스,KOSPI,STOCK,전기전자,712702365,1999.5,,", "prev_close", "not an integer"),
        ("000660,SK하이닉스,KOSPI,STOCK,전기전자,0,2258000,,", "listed_shares", "positive"),
        ("000660,SK하이닉스,KOSPI,STOCK,전기전자,-5,2258000,,", "listed_shares", "positive"),
        ("005930,삼성전자 again,KOSPI,STOCK,전기전자,100,300500,,", "code", "first on line 2"),
        ("000660,SK하이닉스,KOSPI,STOCK,반도체,712702365,2258000,,", "industry", "not a KRX industry"),
        ("000660,SK하이닉스,KOSPI,FUND,전기전자,712702365,2258000,,", "kind", "'FUND'"),
        ("000660,SK하이닉스,KOSPI,STOCK,전기전자,712702365,2258000,X,", "kospi200", "Y, N or empty"),
        ("000660,SK하이닉스,KOSDAQ,STOCK,전기전자,712702365,2258000,Y,", "kospi200", "KOSPI common"),
        ("000660,SK하이닉스,KOSPI,STOCK,전기전자,712702365,2258000,,2", "leverage", "not valid for STOCK"),
        ("114800,KODEX 인버스,KOSDAQ,ETF,,1000,1185,,-1", "market", "list on KOSPI"),
        ("114800,KODEX 인버스,KOSPI,ETF,,1000,2187,,-1", "prev_close", "2187 is not on the tick grid"),
        (",이름없음,KOSPI,STOCK,,1000,1000,,", "code", "6-character"),
    ],
)
def test_bad_rows_name_file_line_and_column(tmp_path: Path, bad_row: str, column: str, message: str) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("\n".join([HEADER, *GOOD_ROWS, bad_row]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_universe_csv(path)
    text = str(err.value)
    assert text.startswith(f"mine.csv: line {len(GOOD_ROWS) + 2}, column '{column}': "), text
    assert message in text, text


def test_off_tick_on_the_etf_grid_before_the_reform(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text(HEADER + "\n114800,KODEX 인버스,KOSPI,ETF,,1000,1187,,-1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="1185, 1190"):
        load_universe_csv(path, on_date=date(2023, 1, 2))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("code,name_ko,market,kind,listed_shares", "missing required column(s) prev_close"),
        ("code,name_ko,market,kind,listed_shares,prev_close,prev_closee", "unknown column(s) prev_closee"),
        ("code,name_ko,market,kind,listed_shares,prev_close,code", "duplicate column(s) code"),
    ],
)
def test_bad_headers(tmp_path: Path, header: str, message: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"h.csv: line 1: {message}")):
        load_universe_csv(path)


def test_short_row_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "\n005930,삼성전자,KOSPI\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("s.csv: line 2: expected 9 fields, got 3")):
        load_universe_csv(path)
    path.write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no instruments"):
        load_universe_csv(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: empty file"):
        load_universe_csv(path)
