"""Checks on the real-world fact files the built-in universe is made from.

The files live in ``sise/market/data`` (see its README.md): ``companies.csv`` (the largest real KOSPI
and KOSDAQ companies), ``etfs.csv`` (well-known ETFs and ETNs) and ``members.csv`` (KRX member firms).
These tests pin their shape, so a bad edit fails here rather than deep inside the simulator.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from importlib.resources import files

import pytest

COMPANY_COLUMNS = [
    "code",
    "name_ko",
    "name_en",
    "market",
    "industry",
    "listed_shares",
    "float_ratio",
    "foreign_limit_pct",
    "prev_close",
    "kospi200",
    "kosdaq150",
    "nxt",
    "group",
    "is_preferred",
]
ETF_COLUMNS = [
    "code",
    "name_ko",
    "name_en",
    "kind",
    "underlying",
    "leverage",
    "listed_units",
    "prev_close",
    "issuer",
    "nxt",
]
MEMBER_COLUMNS = ["code", "name_ko", "name_en", "foreign", "weight"]

# KRX sector-index (업종) names after the 2024-12 reform.
INDUSTRIES = {
    "음식료·담배",
    "섬유·의류",
    "종이·목재",
    "화학",
    "제약",
    "비금속",
    "금속",
    "기계·장비",
    "전기전자",
    "의료·정밀기기",
    "운송장비·부품",
    "유통",
    "전기·가스",
    "건설",
    "운송·창고",
    "통신",
    "금융",
    "증권",
    "보험",
    "일반서비스",
    "부동산",
    "IT 서비스",
    "오락·문화",
    "출판·매체복제",
    "기타제조",
}
KOSDAQ_ONLY_INDUSTRIES = {"출판·매체복제", "기타제조"}
KOSPI_ONLY_INDUSTRIES = {"부동산"}

UNDERLYINGS = {
    "KOSPI200",
    "KOSPI200_LEV2",
    "KOSPI200_INV1",
    "KOSPI200_INV2",
    "KOSDAQ150",
    "KOSDAQ150_LEV2",
    "KOSDAQ150_INV1",
    "KRX100",
    "KOSPI",
    "FOREIGN",
    "BOND",
    "COMMODITY",
    "FX",
    "MONEY",
} | {f"SECTOR:{name}" for name in INDUSTRIES}

MARKET_ORDER = {"KOSPI": 0, "KOSDAQ": 1}
GROUPS = {"ST", "RT", "IF", "DR"}
YN = {"Y", "N"}

# 6 characters of digits and capital letters; KRX never uses I, O or U.
CODE_RE = re.compile(r"^[0-9A-HJ-NP-TV-Z]{6}$")
MEMBER_CODE_RE = re.compile(r"^[0-9]{5}$")
RATIO_RE = re.compile(r"^[01]\.[0-9]{2}$")


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    text = (files("sise.market") / "data" / name).read_text(encoding="utf-8")
    assert not text.startswith("\ufeff"), f"{name} must be UTF-8 without a BOM"
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows = [dict(zip(header, values, strict=True)) for values in reader]
    return header, rows


def _stock_tick(price: int) -> int:
    if price < 2_000:
        return 1
    if price < 5_000:
        return 5
    if price < 20_000:
        return 10
    if price < 50_000:
        return 50
    if price < 200_000:
        return 100
    if price < 500_000:
        return 500
    return 1_000


def _etp_tick(price: int) -> int:
    return 1 if price < 2_000 else 5


@pytest.fixture(scope="module")
def companies() -> list[dict[str, str]]:
    header, rows = _read("companies.csv")
    assert header == COMPANY_COLUMNS
    return rows


@pytest.fixture(scope="module")
def etfs() -> list[dict[str, str]]:
    header, rows = _read("etfs.csv")
    assert header == ETF_COLUMNS
    return rows


@pytest.fixture(scope="module")
def members() -> list[dict[str, str]]:
    header, rows = _read("members.csv")
    assert header == MEMBER_COLUMNS
    return rows


# --- companies.csv ---------------------------------------------------------------------------


def test_company_codes_are_unique_krx_short_codes(companies: list[dict[str, str]]) -> None:
    codes = [r["code"] for r in companies]
    assert not [c for c, n in Counter(codes).items() if n > 1]
    bad = [c for c in codes if not CODE_RE.match(c)]
    assert not bad, f"malformed codes: {bad}"


def test_about_a_hundred_rows_per_market(companies: list[dict[str, str]]) -> None:
    per_market = Counter(r["market"] for r in companies)
    assert set(per_market) == {"KOSPI", "KOSDAQ"}
    for market, n in per_market.items():
        assert 90 <= n <= 130, (market, n)


def test_industries_are_current_krx_sector_names(companies: list[dict[str, str]]) -> None:
    for r in companies:
        assert r["industry"] in INDUSTRIES, r
        if r["market"] == "KOSPI":
            assert r["industry"] not in KOSDAQ_ONLY_INDUSTRIES, r
        else:
            assert r["industry"] not in KOSPI_ONLY_INDUSTRIES, r


def test_prices_are_positive_and_on_the_tick_grid(companies: list[dict[str, str]]) -> None:
    for r in companies:
        price = int(r["prev_close"])
        assert price > 0, r
        assert price % _stock_tick(price) == 0, r


def test_numeric_columns_are_in_range(companies: list[dict[str, str]]) -> None:
    for r in companies:
        assert int(r["listed_shares"]) > 0, r
        assert RATIO_RE.match(r["float_ratio"]), r
        assert 0.10 <= float(r["float_ratio"]) <= 1.00, r
        assert 0.0 < float(r["foreign_limit_pct"]) <= 100.0, r


def test_flags_and_groups_are_valid(companies: list[dict[str, str]]) -> None:
    for r in companies:
        for col in ("kospi200", "kosdaq150", "nxt", "is_preferred"):
            assert r[col] in YN, (col, r)
        assert r["group"] in GROUPS, r
        # Index membership only makes sense on the index's own market.
        if r["market"] == "KOSPI":
            assert r["kosdaq150"] == "N", r
        else:
            assert r["kospi200"] == "N", r
        # KOSPI200 holds common stocks only, never preferreds, funds or REITs.
        if r["is_preferred"] == "Y" or r["group"] != "ST":
            assert r["kospi200"] == "N", r
        # A preferred line never ends in 0 (old style 5/7/9, new style a letter).
        if r["is_preferred"] == "Y":
            assert r["code"][-1] != "0", r


def test_most_large_caps_are_index_members_and_on_nxt(companies: list[dict[str, str]]) -> None:
    kospi = [r for r in companies if r["market"] == "KOSPI"]
    kosdaq = [r for r in companies if r["market"] == "KOSDAQ"]
    assert sum(r["kospi200"] == "Y" for r in kospi) >= 0.8 * len(kospi)
    assert sum(r["kosdaq150"] == "Y" for r in kosdaq) >= 0.7 * len(kosdaq)
    assert sum(r["nxt"] == "Y" for r in companies) >= 0.8 * len(companies)


def test_rows_sorted_by_market_then_descending_market_cap(companies: list[dict[str, str]]) -> None:
    keys = [(MARKET_ORDER[r["market"]], -int(r["prev_close"]) * int(r["listed_shares"])) for r in companies]
    assert keys == sorted(keys)


def test_anchor_facts(companies: list[dict[str, str]]) -> None:
    by_code = {r["code"]: r for r in companies}
    assert by_code["005930"]["name_ko"] == "삼성전자"
    assert by_code["005930"]["industry"] == "전기전자"
    assert by_code["005935"]["is_preferred"] == "Y"
    assert by_code["005380"]["industry"] == "운송장비·부품"
    assert by_code["035420"]["industry"] == "IT 서비스"
    assert by_code["015760"]["foreign_limit_pct"] == "40"
    assert by_code["088980"]["group"] == "IF"
    assert by_code["196170"]["market"] == "KOSDAQ"
    assert companies[0]["code"] == "005930"
    # Delisted (셀트리온헬스케어, merged into 셀트리온 in 2023-12) must not be listed.
    assert "091990" not in by_code


# --- etfs.csv --------------------------------------------------------------------------------


def test_etf_rows_are_well_formed(etfs: list[dict[str, str]]) -> None:
    codes = [r["code"] for r in etfs]
    assert not [c for c, n in Counter(codes).items() if n > 1]
    for r in etfs:
        assert CODE_RE.match(r["code"]), r
        assert r["kind"] in {"ETF", "ETN"}, r
        assert r["underlying"] in UNDERLYINGS, r
        assert int(r["leverage"]) in {1, 2, -1, -2}, r
        assert int(r["listed_units"]) > 0, r
        price = int(r["prev_close"])
        assert price > 0, r
        assert price % _etp_tick(price) == 0, r
        assert r["issuer"], r
        assert r["nxt"] in YN, r


def test_etf_and_etn_counts_and_code_ranges(etfs: list[dict[str, str]]) -> None:
    kinds = Counter(r["kind"] for r in etfs)
    assert kinds["ETF"] >= 30
    assert kinds["ETN"] >= 8
    for r in etfs:
        # ETN short codes start with 5-7 (issuer blocks such as 5000xx, 5300xx, 5500xx, 5800xx);
        # stock and ETF codes start with 0-4.
        if r["kind"] == "ETN":
            assert r["code"][0] in "5678", r
        else:
            assert r["code"][0] in "01234", r


def test_leveraged_and_inverse_underlyings_agree_with_leverage(etfs: list[dict[str, str]]) -> None:
    expected = {
        "KOSPI200_LEV2": 2,
        "KOSPI200_INV1": -1,
        "KOSPI200_INV2": -2,
        "KOSDAQ150_LEV2": 2,
        "KOSDAQ150_INV1": -1,
    }
    for r in etfs:
        if r["underlying"] in expected:
            assert int(r["leverage"]) == expected[r["underlying"]], r
    by_code = {r["code"]: r for r in etfs}
    assert by_code["069500"]["underlying"] == "KOSPI200"
    assert by_code["252670"]["underlying"] == "KOSPI200_INV2"


def test_etf_codes_do_not_collide_with_company_codes(
    etfs: list[dict[str, str]], companies: list[dict[str, str]]
) -> None:
    assert not {r["code"] for r in etfs} & {r["code"] for r in companies}


# --- members.csv -----------------------------------------------------------------------------


def test_member_rows_are_well_formed(members: list[dict[str, str]]) -> None:
    codes = [r["code"] for r in members]
    assert not [c for c, n in Counter(codes).items() if n > 1]
    names = [r["name_ko"] for r in members]
    assert not [n for n, k in Counter(names).items() if k > 1]
    for r in members:
        assert MEMBER_CODE_RE.match(r["code"]), r
        assert r["name_ko"] and r["name_en"], r
        assert r["foreign"] in YN, r
        assert float(r["weight"]) > 0, r


def test_members_cover_domestic_and_foreign_brokers(members: list[dict[str, str]]) -> None:
    assert len(members) >= 40
    flags = Counter(r["foreign"] for r in members)
    assert flags["N"] >= 25
    assert flags["Y"] >= 10
    by_code = {r["code"]: r for r in members}
    # Codes confirmed by public sources (see the data README).
    assert by_code["00036"]["foreign"] == "Y"  # 모간스탠리
    assert by_code["00005"]["foreign"] == "N"  # 미래에셋증권
