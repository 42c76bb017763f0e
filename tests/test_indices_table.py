"""The index definition table: codes, names, rules and lookups."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from sise.market.indices_table import (
    INDEX_DEFINITIONS,
    INDUSTRIES,
    MANUFACTURING_INDUSTRIES,
    IndexDef,
    index_by_key,
    index_by_kiwoom,
    index_by_koscom,
    index_by_krx,
    kiwoom_sector_list,
)

RULES = {"all", "size", "industry", "kospi200", "kospi100", "kospi50", "kosdaq150", "krx100", "manufacturing"}


def test_schema_is_exactly_the_agreed_fields() -> None:
    assert [f.name for f in fields(IndexDef)] == [
        "key",
        "name_ko",
        "name_en",
        "universe",
        "rule",
        "size_ranks",
        "industries",
        "float_adjusted",
        "cadence_s",
        "base_date",
        "base_value",
        "default_level",
        "krx_code",
        "kiwoom_code",
        "kiwoom_mrkt_tp",
        "kiwoom_name",
        "koscom_code",
        "koscom_market",
    ]


@pytest.mark.parametrize("attr", ["key", "krx_code", "kiwoom_code", "koscom_code"])
def test_keys_and_codes_are_unique(attr: str) -> None:
    values = [getattr(d, attr) for d in INDEX_DEFINITIONS if getattr(d, attr) is not None]
    assert len(values) == len(set(values))


def test_field_domains() -> None:
    for d in INDEX_DEFINITIONS:
        assert d.universe in {"KOSPI", "KOSDAQ", "KRX"}, d.key
        assert d.rule in RULES, d.key
        assert d.cadence_s in {1, 10}, d.key
        assert len(d.krx_code) == 4 and d.krx_code.isdigit(), d.key
        assert (d.size_ranks is not None) == (d.rule == "size"), d.key
        assert bool(d.industries) == (d.rule in {"industry", "manufacturing"}), d.key
        assert set(d.industries) <= set(INDUSTRIES), d.key
        assert d.default_level > 0 and d.base_value > 0, d.key
        if d.kiwoom_code is not None:
            assert len(d.kiwoom_code) == 3 and d.kiwoom_code.isdigit(), d.key
            assert d.kiwoom_mrkt_tp in {"0", "1", "2", "4", "7"}, d.key
            assert d.kiwoom_name, d.key
        if d.koscom_code is not None:
            assert d.koscom_market in {"kospi", "kosdaq", "sector", "etc"}, d.key


@pytest.mark.parametrize(
    ("kiwoom", "name", "key", "krx", "koscom"),
    [
        ("001", "종합(KOSPI)", "KOSPI", "1001", "K1"),
        ("002", "대형주", "KOSPI_LARGE", "1002", "K2"),
        ("003", "중형주", "KOSPI_MID", "1003", "K3"),
        ("004", "소형주", "KOSPI_SMALL", "1004", "K4"),
        ("101", "종합(KOSDAQ)", "KOSDAQ", "2001", "Q1"),
        ("201", "KOSPI200", "KOSPI200", "1028", "K51"),
        ("701", "KRX100", "KRX100", "5042", "S50"),
    ],
)
def test_documented_kiwoom_anchors(kiwoom: str, name: str, key: str, krx: str, koscom: str) -> None:
    d = index_by_kiwoom(kiwoom)
    assert d is not None
    assert d.kiwoom_name == name
    assert d.key == key
    assert d.krx_code == krx
    assert d.koscom_code == koscom
    assert index_by_krx(krx) is d
    assert index_by_koscom(koscom) is d
    assert index_by_key(key) is d


def test_one_current_name_per_sector_on_every_kiwoom_answer() -> None:
    """The 2024-12 KRX names (krx_rules §4.4), as Kiwoom spells them: "·" as "/"."""
    names = {code: index_by_kiwoom(code) for code in ("005", "013", "019", "026", "030", "103", "110", "144")}
    assert {c: d.kiwoom_name for c, d in names.items() if d is not None} == {
        "005": "음식료/담배",
        "013": "전기/전자",
        "019": "운송/창고",
        "026": "일반서비스",
        "030": "오락/문화",
        "103": "일반서비스",
        "110": "운송/창고",
        "144": "오락/문화",
    }
    for d in INDEX_DEFINITIONS:
        if d.rule in {"industry", "manufacturing"}:
            assert d.kiwoom_name == ("전기/전자" if d.name_ko == "전기전자" else d.name_ko.replace("·", "/"))


def test_kiwoom_and_krx_numbering_differ_for_new_kospi_sectors() -> None:
    real_estate = index_by_kiwoom("028")
    assert real_estate is not None and real_estate.name_ko == "부동산" and real_estate.krx_code == "1045"
    k200 = index_by_krx("1028")
    assert k200 is not None and k200.key == "KOSPI200"
    it = index_by_kiwoom("029")
    assert it is not None and it.krx_code == "1046"
    ent = index_by_kiwoom("030")
    assert ent is not None and ent.krx_code == "1047"


def test_bank_index_is_discontinued() -> None:
    assert index_by_kiwoom("022") is None
    assert index_by_krx("1022") is None


def test_kospi_industry_codes_cover_the_reference_list() -> None:
    krx = {d.krx_code for d in INDEX_DEFINITIONS if d.universe == "KOSPI" and d.rule != "all"}
    expected = {f"10{n:02d}" for n in range(5, 28) if n not in (22, 23)} | {"1045", "1046", "1047"}
    assert expected <= krx
    kiwoom = {d.kiwoom_code for d in kiwoom_sector_list("0")}
    assert {f"{n:03d}" for n in range(5, 31) if n not in (22, 23)} <= kiwoom


def test_koscom_kospi_sector_codes_follow_krx_subcodes() -> None:
    for n in (5, 13, 21, 27):
        d = index_by_koscom(f"K{n}")
        assert d is not None and d.krx_code == f"10{n:02d}"


def test_kosdaq_industry_codes() -> None:
    krx = {
        d.krx_code
        for d in INDEX_DEFINITIONS
        if d.universe == "KOSDAQ" and d.rule in {"industry", "manufacturing"}
    }
    assert krx == {
        "2012",
        "2024",
        "2026",
        "2027",
        "2029",
        "2031",
        "2037",
        "2056",
        "2058",
        "2062",
        "2063",
        "2065",
        "2066",
        "2067",
        "2068",
        "2070",
        "2072",
        "2074",
        "2075",
        "2077",
        "2114",
        "2118",
    }
    food = index_by_krx("2056")
    assert food is not None and food.kiwoom_code == "115" and food.koscom_code == "Q56"


def test_every_industry_has_an_index() -> None:
    covered: set[str] = set()
    for d in INDEX_DEFINITIONS:
        if d.rule == "industry":
            covered.update(d.industries)
    assert covered == set(INDUSTRIES)


def test_finance_includes_securities_and_insurance() -> None:
    fin = index_by_krx("1021")
    assert fin is not None and fin.industries == ("금융", "증권", "보험")


def test_manufacturing_index() -> None:
    mfg = index_by_krx("1027")
    assert mfg is not None and mfg.rule == "manufacturing"
    assert mfg.industries == MANUFACTURING_INDUSTRIES
    assert (
        "음식료·담배" in mfg.industries and "운송장비·부품" in mfg.industries and "기타제조" in mfg.industries
    )
    assert "금융" not in mfg.industries and "건설" not in mfg.industries


def test_size_indices() -> None:
    ranks = {d.key: d.size_ranks for d in INDEX_DEFINITIONS if d.rule == "size"}
    assert ranks["KOSPI_LARGE"] == (1, 100)
    assert ranks["KOSPI_MID"] == (101, 300)
    assert ranks["KOSPI_SMALL"] is not None and ranks["KOSPI_SMALL"][0] == 301
    assert ranks["KOSDAQ_LARGE"] == (1, 100)
    assert ranks["KOSDAQ_MID"] == (101, 400)
    assert ranks["KOSDAQ_SMALL"] is not None and ranks["KOSDAQ_SMALL"][0] == 401
    assert [index_by_koscom(q).key for q in ("Q2", "Q3", "Q4")] == [  # type: ignore[union-attr]
        "KOSDAQ_LARGE",
        "KOSDAQ_MID",
        "KOSDAQ_SMALL",
    ]


def test_cadence_and_float_adjustment() -> None:
    by_key = {d.key: d for d in INDEX_DEFINITIONS}
    assert by_key["KOSPI200"].cadence_s == 1
    assert by_key["KOSDAQ150"].cadence_s == 1
    assert by_key["KOSPI"].cadence_s == 10
    assert by_key["KOSDAQ"].cadence_s == 10
    assert by_key["KRX100"].cadence_s == 10
    for key in ("KOSPI200", "KOSPI100", "KOSPI50", "KOSDAQ150", "KRX100"):
        assert by_key[key].float_adjusted, key
    for d in INDEX_DEFINITIONS:
        if d.rule in {"all", "size", "industry", "manufacturing"}:
            assert not d.float_adjusted, d.key


def test_base_dates_and_values() -> None:
    def base(key: str) -> tuple[date, float]:
        d = index_by_key(key)
        assert d is not None
        return d.base_date, d.base_value

    assert base("KOSPI") == (date(1980, 1, 4), 100.0)
    assert base("KOSPI200") == (date(1990, 1, 3), 100.0)
    assert base("KOSPI100") == (date(2000, 1, 4), 1000.0)
    assert base("KOSPI50") == (date(2000, 1, 4), 1000.0)
    assert base("KOSDAQ") == (date(1996, 7, 1), 1000.0)
    assert base("KOSPI_LARGE") == (date(2000, 1, 4), 1000.0)
    assert base("KOSPI_IND_020") == (date(2000, 1, 4), 1000.0)  # 통신, created 2000-11


def test_default_levels_keep_plausible_ratios() -> None:
    def level(key: str) -> float:
        d = index_by_key(key)
        assert d is not None
        return d.default_level

    assert level("KOSPI") == 7772.3
    assert level("KOSPI200") == 1244.14
    assert level("KOSDAQ") < level("KOSDAQ150") < level("KOSPI")
    for d in INDEX_DEFINITIONS:
        if d.rule in {"industry", "manufacturing"}:
            assert 300 <= d.default_level <= 30_000, d.key


def test_kiwoom_sector_list_order_and_groups() -> None:
    kospi = kiwoom_sector_list("0")
    codes = [d.kiwoom_code or "" for d in kospi]
    assert codes[:5] == ["001", "002", "003", "004", "005"]
    assert codes == sorted(codes)
    assert codes[-1] == "030"
    assert [d.kiwoom_code for d in kiwoom_sector_list("2")] == ["201"]
    assert [d.kiwoom_code for d in kiwoom_sector_list("4")] == ["401", "402"]
    assert [d.kiwoom_code for d in kiwoom_sector_list("7")] == ["701"]
    kosdaq = kiwoom_sector_list("1")
    assert kosdaq[0].kiwoom_code == "101"
    assert all(d.universe == "KOSDAQ" for d in kosdaq)
    assert kiwoom_sector_list("9") == []


def test_lookups_are_total() -> None:
    assert index_by_key("NOPE") is None
    assert index_by_kiwoom("999") is None
    assert index_by_kiwoom("001_XX") is None
    assert index_by_koscom("K999") is None
    assert index_by_krx("9999") is None
    d = index_by_kiwoom("001_AL")
    assert d is not None and d.key == "KOSPI"
