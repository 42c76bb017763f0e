"""Code tables: how KRX, Kiwoom and Koscom name markets, venues and investor categories.

Everything here is static data plus small total lookups. The wire layers translate through these
tables so that one engine value (a market, a venue, an investor leaf) has exactly one spelling per
vendor. Points the references mark as unverified carry an "(inferred)" comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sise.market.types import FOREIGNERS, INSTITUTIONS, Investor, Market, Venue

# ---------------------------------------------------------------------------------------------------
# Markets
# ---------------------------------------------------------------------------------------------------

#: KRX data-service market ids (data.krx.co.kr ``mktId``).
KRX_MARKET_ID: Final[dict[Market, str]] = {
    Market.KOSPI: "STK",
    Market.KOSDAQ: "KSQ",
    Market.KONEX: "KNX",
}

#: Koscom ``{marketcode}`` for the stock endpoints (``/v2/market/stocks/{marketcode}/...``).
KOSCOM_STOCK_MARKET: Final[dict[Market, str]] = {
    Market.KOSPI: "kospi",
    Market.KOSDAQ: "kosdaq",
    Market.KONEX: "konex",
}

#: Koscom ``{marketcode}`` values for the index (업종) endpoints.
KOSCOM_INDEX_MARKETS: Final[tuple[str, ...]] = ("kospi", "kosdaq", "sector", "etc")


def market_from_krx_id(mkt_id: str) -> Market | None:
    """``"STK"`` -> ``Market.KOSPI``; ``None`` for an unknown id."""
    for market, code in KRX_MARKET_ID.items():
        if code == mkt_id:
            return market
    return None


def market_from_koscom(marketcode: str) -> Market | None:
    """Koscom stock ``marketcode`` -> ``Market``; ``None`` for an unknown code."""
    for market, code in KOSCOM_STOCK_MARKET.items():
        if code == marketcode:
            return market
    return None


@dataclass(frozen=True, slots=True)
class KoscomDerivativeMarket:
    """One Koscom derivatives ``{marketcode}``.

    ``continuous_code`` is the 연결선물 code that stands for the front-month future in the
    futures price/history endpoints; ``underlying`` is the 2-character underlying id used inside
    KRX derivative short codes (see ``sise.market.identifiers``), ``None`` when sise has none.
    """

    code: str
    name_ko: str
    continuous_code: str | None
    has_options: bool
    underlying: str | None


#: Koscom derivatives market codes in the order of the Koscom code table.
KOSCOM_DERIVATIVE_MARKETS: Final[tuple[KoscomDerivativeMarket, ...]] = (
    KoscomDerivativeMarket("kospi200", "KOSPI200 선물/옵션", "K2FA001", True, "01"),
    KoscomDerivativeMarket("mini_kospi200", "미니 KOSPI200", "M2FA001", True, "05"),
    KoscomDerivativeMarket("kosdaq150", "KOSDAQ150 선물", "KSFA001", True, "06"),
    KoscomDerivativeMarket("sector", "섹터선물", None, False, None),
    KoscomDerivativeMarket("vix", "변동성선물", "VIFA001", False, "04"),
    # Stock futures/options have one underlying id per stock, so no single id here.
    KoscomDerivativeMarket("stock", "개별주식선물", None, True, None),
    KoscomDerivativeMarket("usd", "달러선물", "KUFA001", True, "75"),
    KoscomDerivativeMarket("yen", "엔선물", "KYFA001", False, "76"),
    KoscomDerivativeMarket("euro", "유로선물", "KEFA001", False, "77"),
    KoscomDerivativeMarket("ktb3", "국채3년선물", "KBFA001", False, "65"),
    KoscomDerivativeMarket("ktb5", "국채5년선물", "K5FA001", False, "66"),
    KoscomDerivativeMarket("ktb10", "국채10년선물", "KXFA001", False, "67"),
    KoscomDerivativeMarket("lean_hogs", "돈육선물", "KLFA001", False, None),
    # The spec table says CKFA020, the GitBook leaves it blank; the spec is the primary source.
    KoscomDerivativeMarket("cme_kospi200", "KOSPI200 선물 (CME 야간)", "CKFA020", False, None),
    KoscomDerivativeMarket("eurostoxx", "유로스탁스50 선물", "GIXFSSX5E", False, None),
)
# Which markets also list options is (inferred): KRX lists options on KOSPI200, mini KOSPI200,
# KOSDAQ150, single stocks and USD. The underlying ids 04 (V-KOSPI200), 76 (JPY) and 77 (EUR) follow
# the documented 75 = USD numbering and are (inferred).


def koscom_derivative_market(code: str) -> KoscomDerivativeMarket | None:
    """Look up a Koscom derivatives ``marketcode``; ``None`` if unknown."""
    for m in KOSCOM_DERIVATIVE_MARKETS:
        if m.code == code:
            return m
    return None


def koscom_market_for_continuous(continuous_code: str) -> KoscomDerivativeMarket | None:
    """``"K2FA001"`` -> the ``kospi200`` market; ``None`` if no market uses that code."""
    for m in KOSCOM_DERIVATIVE_MARKETS:
        if m.continuous_code is not None and m.continuous_code == continuous_code:
            return m
    return None


class KiwoomMrktTp(StrEnum):
    """Kiwoom ``mrkt_tp`` groups of the sector (업종) TRs and ka10101."""

    KOSPI = "0"
    KOSDAQ = "1"
    KOSPI200 = "2"
    KOSPI100 = "4"  # KOSPI100 and KOSPI50
    KRX100 = "7"

    @property
    def label(self) -> str:
        return _MRKT_TP_LABEL[self]


_MRKT_TP_LABEL: Final[dict[KiwoomMrktTp, str]] = {
    KiwoomMrktTp.KOSPI: "코스피",
    KiwoomMrktTp.KOSDAQ: "코스닥",
    KiwoomMrktTp.KOSPI200: "KOSPI200",
    KiwoomMrktTp.KOSPI100: "KOSPI100",
    KiwoomMrktTp.KRX100: "KRX100",
}


class KiwoomAmtQtyTp(StrEnum):
    """Kiwoom ``amt_qty_tp``: figures as amounts or as quantities."""

    AMOUNT = "0"  # 금액
    QUANTITY = "1"  # 수량


# ---------------------------------------------------------------------------------------------------
# Venues
# ---------------------------------------------------------------------------------------------------

#: Kiwoom code suffix per venue: ``005930`` (KRX), ``005930_NX`` (NXT), ``005930_AL`` (통합/SOR).
KIWOOM_VENUE_SUFFIX: Final[dict[Venue, str]] = {
    Venue.KRX: "",
    Venue.NXT: "_NX",
    Venue.ALL: "_AL",
}


class KiwoomStexTp(StrEnum):
    """Kiwoom ``stex_tp`` request values. ``3`` ↔ ``_AL`` is supported by ka10051 answering
    ``001_AL`` for ``stex_tp`` 3; the other two follow by analogy (inferred)."""

    KRX = "1"
    NXT = "2"
    ALL = "3"  # 통합

    @property
    def venue(self) -> Venue:
        return Venue[self.name]

    @classmethod
    def of(cls, venue: Venue) -> KiwoomStexTp:
        return cls[venue.name]


#: Kiwoom order-side ``dmst_stex_tp`` text values.
KIWOOM_DMST_STEX_TP: Final[dict[Venue, str]] = {
    Venue.KRX: "KRX",
    Venue.NXT: "NXT",
    Venue.ALL: "SOR",
}

_SUFFIX_TO_VENUE: Final[dict[str, Venue]] = {"NX": Venue.NXT, "AL": Venue.ALL}


def split_venue_code(code: str) -> tuple[str, Venue]:
    """Split a Kiwoom venue-qualified code: ``"005930_NX"`` -> ``("005930", Venue.NXT)``.

    Works for stock and sector codes alike (``"001_AL"``). A code without a suffix is KRX. An
    unknown suffix raises ``ValueError`` rather than being silently dropped: stripping the wrong
    thing is how one stock gets confused with another.
    """
    base, sep, suffix = code.rpartition("_")
    if not sep:
        return code, Venue.KRX
    venue = _SUFFIX_TO_VENUE.get(suffix)
    if venue is None or not base:
        raise ValueError(f"unknown venue suffix in {code!r}")
    return base, venue


def venue_code(code: str, venue: Venue) -> str:
    """``venue_code("005930", Venue.ALL)`` -> ``"005930_AL"``."""
    if "_" in code:
        raise ValueError(f"code {code!r} already carries a venue suffix")
    return code + KIWOOM_VENUE_SUFFIX[venue]


# ---------------------------------------------------------------------------------------------------
# Investors
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvestorInfo:
    """How one leaf investor category is spelled by each source.

    ``krx_code`` is the KRX data-portal ``invstTpCd`` whose figure *contains* this leaf. Every leaf
    has its own portal code except NATION: the portal has no 국가·지자체 column and reports it
    inside 6000 "연기금 등", so NATION maps to ``"6000"`` (inferred from the portal's label; see
    ``KRX_PORTAL_CODES`` for what each portal code sums).
    """

    investor: Investor
    name_ko: str
    name_en: str
    krx_code: str
    koscom_code: str  # Koscom ``invstCd``
    ka10059: str  # Kiwoom ka10059/ka10060 field stem
    ka10051: str  # Kiwoom ka10051 field (…_netprps)


#: One row per ``Investor`` leaf, in enum order.
INVESTORS: Final[tuple[InvestorInfo, ...]] = (
    InvestorInfo(
        Investor.FIN_INVEST, "금융투자", "Financial investment", "1000", "01", "fnnc_invt", "sc_netprps"
    ),
    InvestorInfo(Investor.INSURANCE, "보험", "Insurance", "2000", "02", "insrnc", "insrnc_netprps"),
    InvestorInfo(Investor.TRUST, "투신", "Investment trusts", "3000", "03", "invtrt", "invtrt_netprps"),
    InvestorInfo(
        Investor.PRIVATE_FUND, "사모", "Private equity funds", "3100", "13", "samo_fund", "samo_fund_netprps"
    ),
    InvestorInfo(Investor.BANK, "은행", "Banks", "4000", "04", "bank", "bank_netprps"),
    # ka10051 has no 기타금융 column. Its 종신금 (종금 merchant banks + 신금 savings banks, the members
    # of 기타금융) is the home for OTHER_FIN (inferred).
    InvestorInfo(
        Investor.OTHER_FIN,
        "기타금융",
        "Other financial institutions",
        "5000",
        "05",
        "etc_fnnc",
        "jnsinkm_netprps",
    ),
    # ka10051 기금 (endw) = 연기금.
    InvestorInfo(Investor.PENSION, "연기금", "Pension funds", "6000", "06", "penfnd_etc", "endw_netprps"),
    InvestorInfo(Investor.NATION, "국가·지자체", "Government", "6000", "07", "natn", "natn_netprps"),
    InvestorInfo(
        Investor.OTHER_CORP, "기타법인", "Other corporations", "7100", "09", "etc_corp", "etc_corp_netprps"
    ),
    InvestorInfo(Investor.INDIVIDUAL, "개인", "Individuals", "8000", "10", "ind_invsr", "ind_netprps"),
    # Koscom 14 외인-등록 / 15 외인-기타 are the two leaves; 11 외국인 is their sum (inferred).
    InvestorInfo(Investor.FOREIGN, "외국인", "Foreigners", "9000", "14", "frgnr_invsr", "frgnr_netprps"),
    InvestorInfo(
        Investor.OTHER_FOREIGN,
        "기타외국인",
        "Other foreigners",
        "9001",
        "15",
        "natfor",
        "native_trmt_frgnr_netprps",
    ),
)


def investor_info(investor: Investor) -> InvestorInfo:
    """The code row of one leaf."""
    return INVESTORS[investor]


#: 전체: every leaf, each exactly once.
ALL_INVESTORS: Final[tuple[Investor, ...]] = tuple(Investor)

#: Named aggregates. 기관계 = the eight institutional leaves (국가 included, as Kiwoom's ``orgn`` sums
#: ``natn``); 외국인합계 = registered + other foreigners; 전체 = all twelve.
AGGREGATES: Final[dict[str, tuple[Investor, ...]]] = {
    "기관계": INSTITUTIONS,
    "외국인합계": FOREIGNERS,
    "전체": ALL_INVESTORS,
}


@dataclass(frozen=True, slots=True)
class InvestorColumn:
    """A vendor column/code and the leaves whose figures it sums."""

    code: str
    name_ko: str
    leaves: tuple[Investor, ...]

    @property
    def is_aggregate(self) -> bool:
        return len(self.leaves) != 1


def _leaf(code: str, inv: Investor) -> InvestorColumn:
    return InvestorColumn(code, INVESTORS[inv].name_ko, (inv,))


#: KRX data-portal ``invstTpCd`` codes. 6000 "연기금 등" holds NATION too (the portal has no
#: government column); 7050 기관합계 therefore equals the eight institutional leaves.
KRX_PORTAL_CODES: Final[tuple[InvestorColumn, ...]] = (
    _leaf("1000", Investor.FIN_INVEST),
    _leaf("2000", Investor.INSURANCE),
    _leaf("3000", Investor.TRUST),
    _leaf("3100", Investor.PRIVATE_FUND),
    _leaf("4000", Investor.BANK),
    _leaf("5000", Investor.OTHER_FIN),
    InvestorColumn("6000", "연기금 등", (Investor.PENSION, Investor.NATION)),
    InvestorColumn("7050", "기관합계", INSTITUTIONS),
    _leaf("7100", Investor.OTHER_CORP),
    _leaf("8000", Investor.INDIVIDUAL),
    _leaf("9000", Investor.FOREIGN),
    _leaf("9001", Investor.OTHER_FOREIGN),
    InvestorColumn("9999", "전체", ALL_INVESTORS),
)

#: Koscom ``invstCd`` "01".."16" (KRX code 6502), in code order.
#: Aggregates: 08 기관계 = the eight institutional leaves (01–07 and 13 사모펀드); 11 외국인 =
#: 14 + 15; 12 종합계 = every leaf; 16 기타합계 = what is neither 기관 nor 외국인, i.e. 09 기타법인
#: + 10 개인, so that 12 = 08 + 11 + 16 (the 11 and 16 definitions are inferred).
KOSCOM_INVESTOR_CODES: Final[tuple[InvestorColumn, ...]] = (
    _leaf("01", Investor.FIN_INVEST),
    _leaf("02", Investor.INSURANCE),
    _leaf("03", Investor.TRUST),
    _leaf("04", Investor.BANK),
    _leaf("05", Investor.OTHER_FIN),
    _leaf("06", Investor.PENSION),
    InvestorColumn("07", "국가", (Investor.NATION,)),
    InvestorColumn("08", "기관계", INSTITUTIONS),
    _leaf("09", Investor.OTHER_CORP),
    _leaf("10", Investor.INDIVIDUAL),
    InvestorColumn("11", "외국인", FOREIGNERS),
    InvestorColumn("12", "종합계", ALL_INVESTORS),
    InvestorColumn("13", "사모펀드", (Investor.PRIVATE_FUND,)),
    InvestorColumn("14", "외인-등록", (Investor.FOREIGN,)),
    InvestorColumn("15", "외인-기타", (Investor.OTHER_FOREIGN,)),
    InvestorColumn("16", "기타합계", (Investor.OTHER_CORP, Investor.INDIVIDUAL)),
)

#: Kiwoom ka10059/ka10060 field stems in response order. ``frgnr_invsr`` is registered foreigners
#: only: the documented balance is 개인 + 외국인 + 기관계 + 기타법인 + ``natfor`` ≈ 0.
KA10059_FIELDS: Final[tuple[InvestorColumn, ...]] = (
    InvestorColumn("ind_invsr", "개인투자자", (Investor.INDIVIDUAL,)),
    InvestorColumn("frgnr_invsr", "외국인투자자", (Investor.FOREIGN,)),
    InvestorColumn("orgn", "기관계", INSTITUTIONS),
    InvestorColumn("fnnc_invt", "금융투자", (Investor.FIN_INVEST,)),
    InvestorColumn("insrnc", "보험", (Investor.INSURANCE,)),
    InvestorColumn("invtrt", "투신", (Investor.TRUST,)),
    InvestorColumn("etc_fnnc", "기타금융", (Investor.OTHER_FIN,)),
    InvestorColumn("bank", "은행", (Investor.BANK,)),
    InvestorColumn("penfnd_etc", "연기금등", (Investor.PENSION,)),
    InvestorColumn("samo_fund", "사모펀드", (Investor.PRIVATE_FUND,)),
    InvestorColumn("natn", "국가", (Investor.NATION,)),
    InvestorColumn("etc_corp", "기타법인", (Investor.OTHER_CORP,)),
    InvestorColumn("natfor", "내외국인", (Investor.OTHER_FOREIGN,)),
)

#: Kiwoom ka10051 columns in response order. 종신금 carries OTHER_FIN (inferred, no 기타금융 column).
KA10051_FIELDS: Final[tuple[InvestorColumn, ...]] = (
    InvestorColumn("sc_netprps", "증권순매수", (Investor.FIN_INVEST,)),
    InvestorColumn("insrnc_netprps", "보험순매수", (Investor.INSURANCE,)),
    InvestorColumn("invtrt_netprps", "투신순매수", (Investor.TRUST,)),
    InvestorColumn("bank_netprps", "은행순매수", (Investor.BANK,)),
    InvestorColumn("jnsinkm_netprps", "종신금순매수", (Investor.OTHER_FIN,)),
    InvestorColumn("endw_netprps", "기금순매수", (Investor.PENSION,)),
    InvestorColumn("etc_corp_netprps", "기타법인순매수", (Investor.OTHER_CORP,)),
    InvestorColumn("ind_netprps", "개인순매수", (Investor.INDIVIDUAL,)),
    InvestorColumn("frgnr_netprps", "외국인순매수", (Investor.FOREIGN,)),
    InvestorColumn("native_trmt_frgnr_netprps", "내국인대우외국인순매수", (Investor.OTHER_FOREIGN,)),
    InvestorColumn("natn_netprps", "국가순매수", (Investor.NATION,)),
    InvestorColumn("samo_fund_netprps", "사모펀드순매수", (Investor.PRIVATE_FUND,)),
    InvestorColumn("orgn_netprps", "기관계순매수", INSTITUTIONS),
)


def investor_column(table: tuple[InvestorColumn, ...], code: str) -> InvestorColumn | None:
    """Find a column of one of the tables above by its code; ``None`` if absent."""
    for col in table:
        if col.code == code:
            return col
    return None
