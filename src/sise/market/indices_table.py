"""Definition table of every index sise computes, with each vendor's code and name for it.

Codes: KRX 4-digit index codes (finder ``1001``…), Kiwoom 3-digit ``inds_cd`` (ka10101/ka20001),
Koscom 업종 issue codes (``K1``, ``Q1``, ``S50``). The three numbering schemes are independent:
Kiwoom 028 is 부동산 while KRX 1028 is KOSPI200, so every code is listed explicitly.

Choices where the references are silent or unverified (all "(inferred)"):

- Koscom KOSPI sector codes are ``K`` + the KRX sub-code (K5 = 1005 … K27 = 1027); the documented
  K150–K168 = 1150–1168 follows the same rule, so the 2024 additions are K45–K47. KOSDAQ likewise
  uses ``Q`` + the KRX sub-code (Q12 = 2012 … Q184 = 2184, Q203 = 2203).
- Kiwoom KOSDAQ codes follow the NH table's "100 + old KOSDAQ industry number" rule (103 기타서비스,
  115 음식료·담배 …, 138/139/140 for the size indices); the 2024 additions 통신 and IT 서비스 take the
  codes of the discontinued sub-indices they succeed (128 통신서비스, 113 IT S/W & SVC).
- Kiwoom codes 401 (KOSPI100) and 402 (KOSPI50) in the mrkt_tp 4 group; KOSDAQ150 has no Kiwoom
  code in any source, so it has none here.
- KOSPI and KOSDAQ composites, size and industry indices are full-cap (``float_adjusted=False``);
  KOSPI200/100/50, KOSDAQ150 and KRX100 are float-adjusted.
- Base dates: KOSPI-era industry indices share KOSPI's 1980-01-04 = 100; the 2000-11 additions
  (의료·정밀기기, 전기·가스, 통신, 일반서비스), size indices and the 2024 additions use 2000-01-04 =
  1000; KOSDAQ industry indices share KOSDAQ's 1996-07-01 = 1000; KOSDAQ150 2010-01-04 = 1000;
  KRX100 2001-01-02 = 1000.
- ``default_level`` is only the level a fresh simulation starts from; users override it at run time.
  KOSPI200 1,244.14 and KOSDAQ 848.26 are the levels of the 2026-07-07 snapshot the universe's
  prices come from (``data/README.md``), so levels and prices describe the same moment. KOSPI
  7,772.3 is inferred: KOSPI200 × that day's closing KOSPI / KOSPI200 ratio (7,656.31 / 1,225.57,
  ``data/index_month_end.csv``'s source). KOSDAQ150 1,494.2 is inferred the same way: KOSDAQ ×
  that day's closing KOSDAQ150 / KOSDAQ ratio (1,464.22 / 831.23; the KOSDAQ150 close from the
  series ``data/index_month_end.csv`` cites). KOSPI100, KOSPI50 and KRX100 keep their earlier
  plausible ratios to KOSPI200; size and industry levels are plausible values
  (each index's level is independent of the others: its base cap is set from it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from sise.market.codes import split_venue_code


@dataclass(frozen=True, slots=True)
class IndexDef:
    key: str  # stable internal id, e.g. "KOSPI", "KOSPI_LARGE", "KOSPI_IND_005", "KOSPI200"
    name_ko: str  # current official Korean name (2024-12 names)
    name_en: str
    universe: str  # "KOSPI" | "KOSDAQ" | "KRX" (which stocks are candidates)
    # "all" | "size" | "industry" | "kospi200" | "kospi100" | "kospi50" | "kosdaq150" | "krx100"
    # | "manufacturing"
    rule: str
    size_ranks: tuple[int, int] | None  # inclusive market-cap rank range for rule == "size"
    industries: tuple[str, ...]  # industry names for rule "industry"/"manufacturing"; empty otherwise
    float_adjusted: bool
    cadence_s: int  # publication cadence: 1 or 10
    base_date: date
    base_value: float
    default_level: float  # starting level (configurable by the user at runtime)
    krx_code: str
    kiwoom_code: str | None  # 3-digit inds_cd; None if Kiwoom has no code for it
    kiwoom_mrkt_tp: str | None  # ka10101 mrkt_tp group: "0","1","2","4","7"
    kiwoom_name: str | None  # name in ka10101, ka20001/ka20003 and ka10051 (one name per index)
    koscom_code: str | None
    koscom_market: str | None  # "kospi" | "kosdaq" | "sector" | "etc"


#: Industry names a stock can carry (KRX 2024-12 names). The universe uses these exact strings.
INDUSTRIES: Final[tuple[str, ...]] = (
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
)

#: What the 제조 indices sum: every manufacturing industry. 출판·매체복제 sits in KOSDAQ's 제조 group
#: (its old sub-codes 15–27 run from 음식료·담배 to 기타제조); KOSPI has no such stocks in practice.
MANUFACTURING_INDUSTRIES: Final[tuple[str, ...]] = (
    "음식료·담배",
    "섬유·의류",
    "종이·목재",
    "출판·매체복제",
    "화학",
    "제약",
    "비금속",
    "금속",
    "기계·장비",
    "전기전자",
    "의료·정밀기기",
    "운송장비·부품",
    "기타제조",
)

#: The 금융 indices include 증권 and 보험 firms.
FINANCE_INDUSTRIES: Final[tuple[str, ...]] = ("금융", "증권", "보험")

_KOSPI_BASE: Final = date(1980, 1, 4)
_Y2000_BASE: Final = date(2000, 1, 4)
_KOSDAQ_BASE: Final = date(1996, 7, 1)

_MAX_RANK: Final = 10**9


def _kospi_industry(
    sub: int,
    kiwoom: str,
    name_ko: str,
    name_en: str,
    level: float,
    *,
    industries: tuple[str, ...] | None = None,
    rule: str = "industry",
    y2000: bool = False,
) -> IndexDef:
    return IndexDef(
        key=f"KOSPI_IND_{sub:03d}",
        name_ko=name_ko,
        name_en=name_en,
        universe="KOSPI",
        rule=rule,
        size_ranks=None,
        industries=industries if industries is not None else (name_ko,),
        float_adjusted=False,
        cadence_s=10,
        base_date=_Y2000_BASE if y2000 else _KOSPI_BASE,
        base_value=1000.0 if y2000 else 100.0,
        default_level=level,
        krx_code=f"1{sub:03d}",
        kiwoom_code=kiwoom,
        kiwoom_mrkt_tp="0",
        kiwoom_name=_kiwoom_name(name_ko),
        koscom_code=f"K{sub}",  # (inferred) K<n> = KRX 10<nn>
        koscom_market="kospi",
    )


def _kiwoom_name(name_ko: str) -> str:
    """Kiwoom spells the 2024-12 sector names with "/" for "·", and 전기전자 as 전기/전자 (ka10051;
    ka10101 030 오락/문화 in a 2026 probe)."""
    return "전기/전자" if name_ko == "전기전자" else name_ko.replace("·", "/")


def _kosdaq_industry(
    sub: int,
    kiwoom: str,
    name_ko: str,
    name_en: str,
    level: float,
    *,
    industries: tuple[str, ...] | None = None,
    rule: str = "industry",
    new_2024: bool = False,
) -> IndexDef:
    return IndexDef(
        key=f"KOSDAQ_IND_{sub:03d}",
        name_ko=name_ko,
        name_en=name_en,
        universe="KOSDAQ",
        rule=rule,
        size_ranks=None,
        industries=industries if industries is not None else (name_ko,),
        float_adjusted=False,
        cadence_s=10,
        base_date=_Y2000_BASE if new_2024 else _KOSDAQ_BASE,
        base_value=1000.0,
        default_level=level,
        krx_code=f"2{sub:03d}",
        kiwoom_code=kiwoom,  # (inferred) NH "100 +" rule
        kiwoom_mrkt_tp="1",
        kiwoom_name=_kiwoom_name(name_ko),
        koscom_code=f"Q{sub}",  # (inferred) Q<n> = KRX 2<nnn>
        koscom_market="kosdaq",
    )


def _size(
    key: str,
    krx: str,
    name_ko: str,
    name_en: str,
    universe: str,
    ranks: tuple[int, int],
    kiwoom: str,
    mrkt_tp: str,
    kiwoom_name: str,
    koscom: str,
    level: float,
) -> IndexDef:
    return IndexDef(
        key=key,
        name_ko=name_ko,
        name_en=name_en,
        universe=universe,
        rule="size",
        size_ranks=ranks,
        industries=(),
        float_adjusted=False,
        cadence_s=10,
        base_date=_Y2000_BASE,
        base_value=1000.0,
        default_level=level,
        krx_code=krx,
        kiwoom_code=kiwoom,
        kiwoom_mrkt_tp=mrkt_tp,
        kiwoom_name=kiwoom_name,
        koscom_code=koscom,
        koscom_market=universe.lower(),
    )


INDEX_DEFINITIONS: Final[tuple[IndexDef, ...]] = (
    # --- KOSPI composite and size indices ------------------------------------------------------------
    IndexDef(
        key="KOSPI",
        name_ko="코스피",
        name_en="KOSPI",
        universe="KOSPI",
        rule="all",
        size_ranks=None,
        industries=(),
        float_adjusted=False,  # (inferred) full listed shares
        cadence_s=10,
        base_date=_KOSPI_BASE,
        base_value=100.0,
        default_level=7772.3,
        krx_code="1001",
        kiwoom_code="001",
        kiwoom_mrkt_tp="0",
        kiwoom_name="종합(KOSPI)",
        koscom_code="K1",
        koscom_market="kospi",
    ),
    _size(
        "KOSPI_LARGE",
        "1002",
        "대형주",
        "KOSPI Large Cap",
        "KOSPI",
        (1, 100),
        "002",
        "0",
        "대형주",
        "K2",
        7050.0,
    ),
    _size(
        "KOSPI_MID",
        "1003",
        "중형주",
        "KOSPI Mid Cap",
        "KOSPI",
        (101, 300),
        "003",
        "0",
        "중형주",
        "K3",
        5650.0,
    ),
    _size(
        "KOSPI_SMALL",
        "1004",
        "소형주",
        "KOSPI Small Cap",
        "KOSPI",
        (301, _MAX_RANK),
        "004",
        "0",
        "소형주",
        "K4",
        3150.0,
    ),
    # --- KOSPI industry indices (Kiwoom 005–030; 022 은행 was discontinued in 2024-12) ---------------
    _kospi_industry(5, "005", "음식료·담배", "Food & Beverage, Tobacco", 4900.0),
    _kospi_industry(6, "006", "섬유·의류", "Textiles & Apparel", 480.0),
    _kospi_industry(7, "007", "종이·목재", "Paper & Wood", 430.0),
    _kospi_industry(8, "008", "화학", "Chemicals", 8900.0),
    _kospi_industry(9, "009", "제약", "Pharmaceuticals", 27500.0),
    _kospi_industry(10, "010", "비금속", "Non-metallic Minerals", 2900.0),
    _kospi_industry(11, "011", "금속", "Metals", 11800.0),
    _kospi_industry(12, "012", "기계·장비", "Machinery & Equipment", 3600.0),
    _kospi_industry(13, "013", "전기전자", "Electrical & Electronics", 29800.0),
    _kospi_industry(
        14,
        "014",
        "의료·정밀기기",
        "Medical & Precision Instruments",
        5900.0,
        y2000=True,
    ),
    _kospi_industry(15, "015", "운송장비·부품", "Transport Equipment & Parts", 6200.0),
    _kospi_industry(16, "016", "유통", "Distribution", 720.0),
    _kospi_industry(17, "017", "전기·가스", "Electricity & Gas", 2400.0, y2000=True),
    _kospi_industry(18, "018", "건설", "Construction", 310.0),
    _kospi_industry(19, "019", "운송·창고", "Transportation & Storage", 3100.0),
    _kospi_industry(20, "020", "통신", "Telecommunication", 1050.0, y2000=True),
    _kospi_industry(21, "021", "금융", "Finance", 1450.0, industries=FINANCE_INDUSTRIES),
    _kospi_industry(24, "024", "증권", "Securities", 5200.0),
    _kospi_industry(25, "025", "보험", "Insurance", 24000.0),
    _kospi_industry(26, "026", "일반서비스", "General Services", 3300.0, y2000=True),
    _kospi_industry(
        27,
        "027",
        "제조",
        "Manufacturing",
        12500.0,
        industries=MANUFACTURING_INDUSTRIES,
        rule="manufacturing",
    ),
    # 2024-12 additions: KRX 1045–1047, Kiwoom 028–030 (names from a 2026 ka10101 probe).
    _kospi_industry(45, "028", "부동산", "Real Estate", 1050.0, y2000=True),
    _kospi_industry(46, "029", "IT 서비스", "IT Services", 1850.0, y2000=True),
    _kospi_industry(47, "030", "오락·문화", "Entertainment & Culture", 1400.0, y2000=True),
    # --- KOSPI large-cap indices -----------------------------------------------------------------------
    IndexDef(
        key="KOSPI200",
        name_ko="코스피 200",
        name_en="KOSPI 200",
        universe="KOSPI",
        rule="kospi200",
        size_ranks=None,
        industries=(),
        float_adjusted=True,
        cadence_s=1,
        base_date=date(1990, 1, 3),
        base_value=100.0,
        default_level=1244.14,
        krx_code="1028",
        kiwoom_code="201",
        kiwoom_mrkt_tp="2",
        kiwoom_name="KOSPI200",
        koscom_code="K51",
        koscom_market="kospi",
    ),
    IndexDef(
        key="KOSPI100",
        name_ko="코스피 100",
        name_en="KOSPI 100",
        universe="KOSPI",
        rule="kospi100",
        size_ranks=None,
        industries=(),
        float_adjusted=True,
        cadence_s=10,
        base_date=_Y2000_BASE,
        base_value=1000.0,
        default_level=9390.0,
        krx_code="1034",
        kiwoom_code="401",  # (inferred)
        kiwoom_mrkt_tp="4",
        kiwoom_name="KOSPI100",
        koscom_code="K61",
        koscom_market="kospi",
    ),
    IndexDef(
        key="KOSPI50",
        name_ko="코스피 50",
        name_en="KOSPI 50",
        universe="KOSPI",
        rule="kospi50",
        size_ranks=None,
        industries=(),
        float_adjusted=True,
        cadence_s=10,
        base_date=_Y2000_BASE,
        base_value=1000.0,
        default_level=9970.0,
        krx_code="1035",
        kiwoom_code="402",  # (inferred)
        kiwoom_mrkt_tp="4",
        kiwoom_name="KOSPI50",
        koscom_code="K62",
        koscom_market="kospi",
    ),
    # --- KOSDAQ composite and size indices -------------------------------------------------------------
    IndexDef(
        key="KOSDAQ",
        name_ko="코스닥",
        name_en="KOSDAQ",
        universe="KOSDAQ",
        rule="all",
        size_ranks=None,
        industries=(),
        float_adjusted=False,
        cadence_s=10,
        base_date=_KOSDAQ_BASE,
        base_value=1000.0,
        default_level=848.26,
        krx_code="2001",
        kiwoom_code="101",
        kiwoom_mrkt_tp="1",
        kiwoom_name="종합(KOSDAQ)",
        koscom_code="Q1",
        koscom_market="kosdaq",
    ),
    _size(
        "KOSDAQ_LARGE",
        "2002",
        "대형주",
        "KOSDAQ 100",
        "KOSDAQ",
        (1, 100),
        "138",
        "1",
        "KOSDAQ 100",
        "Q2",
        1950.0,
    ),
    _size(
        "KOSDAQ_MID",
        "2003",
        "중형주",
        "KOSDAQ MID 300",
        "KOSDAQ",
        (101, 400),
        "139",
        "1",
        "KOSDAQ MID 300",
        "Q3",
        980.0,
    ),
    _size(
        "KOSDAQ_SMALL",
        "2004",
        "소형주",
        "KOSDAQ SMALL",
        "KOSDAQ",
        (401, _MAX_RANK),
        "140",
        "1",
        "KOSDAQ SMALL",
        "Q4",
        2400.0,
    ),
    # --- KOSDAQ industry indices (Kiwoom codes inferred, see the module docstring) ----------------------
    _kosdaq_industry(12, "103", "일반서비스", "General Services", 2150.0),
    _kosdaq_industry(
        24,
        "106",
        "제조",
        "Manufacturing",
        2600.0,
        industries=MANUFACTURING_INDUSTRIES,
        rule="manufacturing",
    ),
    _kosdaq_industry(26, "107", "건설", "Construction", 380.0),
    _kosdaq_industry(27, "108", "유통", "Distribution", 850.0),
    _kosdaq_industry(29, "110", "운송·창고", "Transportation & Storage", 1350.0),
    _kosdaq_industry(31, "111", "금융", "Finance", 6300.0, industries=FINANCE_INDUSTRIES),
    _kosdaq_industry(37, "144", "오락·문화", "Entertainment & Culture", 940.0),
    _kosdaq_industry(56, "115", "음식료·담배", "Food & Beverage, Tobacco", 8400.0),
    _kosdaq_industry(58, "116", "섬유·의류", "Textiles & Apparel", 320.0),
    _kosdaq_industry(62, "117", "종이·목재", "Paper & Wood", 1650.0),
    _kosdaq_industry(63, "118", "출판·매체복제", "Publishing & Media Reproduction", 5200.0),
    _kosdaq_industry(65, "119", "화학", "Chemicals", 3900.0),
    _kosdaq_industry(66, "120", "제약", "Pharmaceuticals", 12600.0),
    _kosdaq_industry(67, "121", "비금속", "Non-metallic Minerals", 1900.0),
    _kosdaq_industry(68, "122", "금속", "Metals", 4300.0),
    _kosdaq_industry(70, "123", "기계·장비", "Machinery & Equipment", 1150.0),
    _kosdaq_industry(72, "124", "전기전자", "Electrical & Electronics", 2800.0),
    _kosdaq_industry(74, "125", "의료·정밀기기", "Medical & Precision Instruments", 2300.0),
    _kosdaq_industry(75, "126", "운송장비·부품", "Transport Equipment & Parts", 1750.0),
    _kosdaq_industry(77, "127", "기타제조", "Other Manufacturing", 2050.0),
    _kosdaq_industry(114, "128", "통신", "Telecommunication", 1150.0, new_2024=True),
    _kosdaq_industry(118, "113", "IT 서비스", "IT Services", 1300.0, new_2024=True),
    # --- KOSDAQ150 ----------------------------------------------------------------------------------
    IndexDef(
        key="KOSDAQ150",
        name_ko="코스닥 150",
        name_en="KOSDAQ 150",
        universe="KOSDAQ",
        rule="kosdaq150",
        size_ranks=None,
        industries=(),
        float_adjusted=True,
        cadence_s=1,
        base_date=date(2010, 1, 4),
        base_value=1000.0,
        default_level=1494.2,
        krx_code="2203",
        kiwoom_code=None,
        kiwoom_mrkt_tp=None,
        kiwoom_name=None,
        koscom_code="Q203",
        koscom_market="kosdaq",
    ),
    # --- KRX-wide ----------------------------------------------------------------------------------------
    IndexDef(
        key="KRX100",
        name_ko="KRX 100",
        name_en="KRX 100",
        universe="KRX",
        rule="krx100",
        size_ranks=None,
        industries=(),
        float_adjusted=True,
        cadence_s=10,
        base_date=date(2001, 1, 2),
        base_value=1000.0,
        default_level=17870.0,
        krx_code="5042",
        kiwoom_code="701",
        kiwoom_mrkt_tp="7",
        kiwoom_name="KRX100",
        koscom_code="S50",
        koscom_market="sector",
    ),
)

_BY_KEY: Final[dict[str, IndexDef]] = {d.key: d for d in INDEX_DEFINITIONS}
_BY_KRX: Final[dict[str, IndexDef]] = {d.krx_code: d for d in INDEX_DEFINITIONS}
_BY_KIWOOM: Final[dict[str, IndexDef]] = {d.kiwoom_code: d for d in INDEX_DEFINITIONS if d.kiwoom_code}
_BY_KOSCOM: Final[dict[str, IndexDef]] = {d.koscom_code: d for d in INDEX_DEFINITIONS if d.koscom_code}


def index_by_key(key: str) -> IndexDef | None:
    return _BY_KEY.get(key)


def index_by_krx(code: str) -> IndexDef | None:
    return _BY_KRX.get(code)


def index_by_kiwoom(code: str) -> IndexDef | None:
    """Kiwoom ``inds_cd``; a venue suffix (``001_AL``) is accepted and ignored."""
    try:
        base, _ = split_venue_code(code)
    except ValueError:
        return None
    return _BY_KIWOOM.get(base)


def index_by_koscom(code: str) -> IndexDef | None:
    return _BY_KOSCOM.get(code)


def kiwoom_sector_list(mrkt_tp: str) -> list[IndexDef]:
    """The indices ka10101 lists for one ``mrkt_tp``, in Kiwoom's (code) order; empty if unknown."""
    rows = [d for d in INDEX_DEFINITIONS if d.kiwoom_mrkt_tp == mrkt_tp and d.kiwoom_code is not None]
    return sorted(rows, key=lambda d: d.kiwoom_code or "")
