"""Code tables: markets, venues and investor categories as KRX, Kiwoom and Koscom spell them."""

from __future__ import annotations

from collections import Counter

import pytest

from sise.market.codes import (
    AGGREGATES,
    ALL_INVESTORS,
    INVESTORS,
    KA10051_FIELDS,
    KA10059_FIELDS,
    KOSCOM_DERIVATIVE_MARKETS,
    KOSCOM_INDEX_MARKETS,
    KOSCOM_INVESTOR_CODES,
    KRX_MARKET_ID,
    KRX_PORTAL_CODES,
    InvestorColumn,
    KiwoomMrktTp,
    KiwoomStexTp,
    investor_column,
    investor_info,
    koscom_derivative_market,
    koscom_market_for_continuous,
    market_from_koscom,
    market_from_krx_id,
    split_venue_code,
    venue_code,
)
from sise.market.identifiers import UNDERLYINGS
from sise.market.types import INSTITUTIONS, Investor, Market, Venue

# --- markets ------------------------------------------------------------------------------------------


def test_krx_market_ids_round_trip() -> None:
    assert KRX_MARKET_ID == {Market.KOSPI: "STK", Market.KOSDAQ: "KSQ", Market.KONEX: "KNX"}
    for market, mkt_id in KRX_MARKET_ID.items():
        assert market_from_krx_id(mkt_id) is market
    assert market_from_krx_id("XXX") is None


def test_koscom_stock_marketcodes() -> None:
    assert market_from_koscom("kospi") is Market.KOSPI
    assert market_from_koscom("kosdaq") is Market.KOSDAQ
    assert market_from_koscom("konex") is Market.KONEX
    assert market_from_koscom("KOSPI") is None
    assert KOSCOM_INDEX_MARKETS == ("kospi", "kosdaq", "sector", "etc")


def test_koscom_derivative_markets_and_continuous_codes() -> None:
    codes = [m.code for m in KOSCOM_DERIVATIVE_MARKETS]
    assert codes == [
        "kospi200",
        "mini_kospi200",
        "kosdaq150",
        "sector",
        "vix",
        "stock",
        "usd",
        "yen",
        "euro",
        "ktb3",
        "ktb5",
        "ktb10",
        "lean_hogs",
        "cme_kospi200",
        "eurostoxx",
    ]
    expected = {
        "kospi200": "K2FA001",
        "mini_kospi200": "M2FA001",
        "kosdaq150": "KSFA001",
        "vix": "VIFA001",
        "usd": "KUFA001",
        "yen": "KYFA001",
        "euro": "KEFA001",
        "ktb3": "KBFA001",
        "ktb5": "K5FA001",
        "ktb10": "KXFA001",
        "lean_hogs": "KLFA001",
        "eurostoxx": "GIXFSSX5E",
    }
    for code, cont in expected.items():
        m = koscom_derivative_market(code)
        assert m is not None and m.continuous_code == cont
        assert koscom_market_for_continuous(cont) is m
    assert koscom_derivative_market("nope") is None
    assert koscom_market_for_continuous("ZZFA001") is None


def test_koscom_derivative_underlyings_exist_in_the_code_table() -> None:
    for m in KOSCOM_DERIVATIVE_MARKETS:
        if m.underlying is not None:
            assert m.underlying in UNDERLYINGS
    k200 = koscom_derivative_market("kospi200")
    assert k200 is not None and k200.underlying == "01" and k200.has_options


def test_kiwoom_sector_mrkt_tp_groups() -> None:
    assert [m.value for m in KiwoomMrktTp] == ["0", "1", "2", "4", "7"]
    assert KiwoomMrktTp("0").label == "코스피"
    assert KiwoomMrktTp("7").label == "KRX100"


# --- venues -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "base", "venue"),
    [
        ("005930", "005930", Venue.KRX),
        ("005930_NX", "005930", Venue.NXT),
        ("005930_AL", "005930", Venue.ALL),
        ("0030R0_AL", "0030R0", Venue.ALL),
        ("001_AL", "001", Venue.ALL),
    ],
)
def test_split_and_build_venue_codes(code: str, base: str, venue: Venue) -> None:
    assert split_venue_code(code) == (base, venue)
    assert venue_code(base, venue) == code


@pytest.mark.parametrize("bad", ["005930_XX", "005930_", "_AL", "005930_nx"])
def test_unknown_venue_suffix_is_an_error(bad: str) -> None:
    with pytest.raises(ValueError):
        split_venue_code(bad)


def test_venue_code_refuses_a_suffixed_code() -> None:
    with pytest.raises(ValueError):
        venue_code("005930_NX", Venue.ALL)


def test_stex_tp_mapping() -> None:
    assert KiwoomStexTp("1").venue is Venue.KRX
    assert KiwoomStexTp("2").venue is Venue.NXT
    assert KiwoomStexTp("3").venue is Venue.ALL
    for venue in Venue:
        assert KiwoomStexTp.of(venue).venue is venue
    with pytest.raises(ValueError):
        KiwoomStexTp("0")


# --- investors ----------------------------------------------------------------------------------------


def test_investor_rows_cover_every_leaf_in_enum_order() -> None:
    assert [row.investor for row in INVESTORS] == list(Investor)
    assert investor_info(Investor.PRIVATE_FUND).krx_code == "3100"


def test_krx_portal_codes() -> None:
    krx = {inv: investor_info(inv).krx_code for inv in Investor}
    assert krx == {
        Investor.FIN_INVEST: "1000",
        Investor.INSURANCE: "2000",
        Investor.TRUST: "3000",
        Investor.PRIVATE_FUND: "3100",
        Investor.BANK: "4000",
        Investor.OTHER_FIN: "5000",
        Investor.PENSION: "6000",
        Investor.NATION: "6000",  # folded into 연기금 등
        Investor.OTHER_CORP: "7100",
        Investor.INDIVIDUAL: "8000",
        Investor.FOREIGN: "9000",
        Investor.OTHER_FOREIGN: "9001",
    }
    pension = investor_column(KRX_PORTAL_CODES, "6000")
    assert pension is not None and set(pension.leaves) == {Investor.PENSION, Investor.NATION}
    total = investor_column(KRX_PORTAL_CODES, "9999")
    assert total is not None and total.leaves == ALL_INVESTORS
    inst = investor_column(KRX_PORTAL_CODES, "7050")
    assert inst is not None and inst.leaves == INSTITUTIONS


def _leaf_counts(table: tuple[InvestorColumn, ...]) -> Counter[Investor]:
    return Counter(leaf for col in table if not col.is_aggregate for leaf in col.leaves)


def test_every_leaf_appears_exactly_once_in_total() -> None:
    assert sorted(AGGREGATES["전체"]) == list(Investor)
    assert len(AGGREGATES["전체"]) == len(set(AGGREGATES["전체"])) == 12
    assert AGGREGATES["기관계"] == INSTITUTIONS
    assert set(AGGREGATES["외국인합계"]) == {Investor.FOREIGN, Investor.OTHER_FOREIGN}
    # 기관계 + 외국인합계 + 기타법인 + 개인 partitions the leaves.
    parts = [*AGGREGATES["기관계"], *AGGREGATES["외국인합계"], Investor.OTHER_CORP, Investor.INDIVIDUAL]
    assert Counter(parts) == Counter(Investor)


def test_koscom_invstcd_table() -> None:
    assert [c.code for c in KOSCOM_INVESTOR_CODES] == [f"{i:02d}" for i in range(1, 17)]
    by_code = {c.code: c for c in KOSCOM_INVESTOR_CODES}
    assert by_code["01"].name_ko == "금융투자" and by_code["01"].leaves == (Investor.FIN_INVEST,)
    assert by_code["07"].leaves == (Investor.NATION,)
    assert by_code["13"].leaves == (Investor.PRIVATE_FUND,)
    # 08 기관계 = the eight institutional leaves.
    assert set(by_code["08"].leaves) == set(INSTITUTIONS) and len(by_code["08"].leaves) == 8
    assert by_code["12"].leaves == ALL_INVESTORS
    # 종합계 = 기관계 + 외국인 + 기타합계, each leaf once.
    assert Counter(by_code["08"].leaves + by_code["11"].leaves + by_code["16"].leaves) == Counter(Investor)
    # Leaf codes map one-to-one onto the enum.
    assert _leaf_counts(KOSCOM_INVESTOR_CODES) == Counter(Investor)
    for row in INVESTORS:
        col = by_code[row.koscom_code]
        assert col.leaves == (row.investor,)


def test_kiwoom_ka10059_fields() -> None:
    assert [c.code for c in KA10059_FIELDS] == [
        "ind_invsr",
        "frgnr_invsr",
        "orgn",
        "fnnc_invt",
        "insrnc",
        "invtrt",
        "etc_fnnc",
        "bank",
        "penfnd_etc",
        "samo_fund",
        "natn",
        "etc_corp",
        "natfor",
    ]
    assert _leaf_counts(KA10059_FIELDS) == Counter(Investor)
    orgn = investor_column(KA10059_FIELDS, "orgn")
    assert orgn is not None and orgn.leaves == INSTITUTIONS
    natfor = investor_column(KA10059_FIELDS, "natfor")
    assert natfor is not None and natfor.leaves == (Investor.OTHER_FOREIGN,)
    for row in INVESTORS:
        col = investor_column(KA10059_FIELDS, row.ka10059)
        assert col is not None and col.leaves == (row.investor,)


def test_kiwoom_ka10051_fields() -> None:
    assert [c.code for c in KA10051_FIELDS] == [
        "sc_netprps",
        "insrnc_netprps",
        "invtrt_netprps",
        "bank_netprps",
        "jnsinkm_netprps",
        "endw_netprps",
        "etc_corp_netprps",
        "ind_netprps",
        "frgnr_netprps",
        "native_trmt_frgnr_netprps",
        "natn_netprps",
        "samo_fund_netprps",
        "orgn_netprps",
    ]
    assert _leaf_counts(KA10051_FIELDS) == Counter(Investor)
    by_code = {c.code: c for c in KA10051_FIELDS}
    assert by_code["jnsinkm_netprps"].leaves == (Investor.OTHER_FIN,)
    assert by_code["endw_netprps"].leaves == (Investor.PENSION,)
    assert by_code["sc_netprps"].leaves == (Investor.FIN_INVEST,)
    assert by_code["orgn_netprps"].leaves == INSTITUTIONS
    for row in INVESTORS:
        assert by_code[row.ka10051].leaves == (row.investor,)


def test_investor_names() -> None:
    assert investor_info(Investor.INDIVIDUAL).name_ko == "개인"
    assert investor_info(Investor.OTHER_FOREIGN).name_ko == "기타외국인"
    assert all(row.name_en for row in INVESTORS)
