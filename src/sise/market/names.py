"""Plausible names for the generated part of the universe.

Stock names combine a Korean place/house-style prefix with an industry-flavoured suffix
(대한 + 전자 = 대한전자 / Daehan Electronics), so a name hints at the company's industry the way real
KRX names do. ETF names are brand + theme (``KODEX 바이오``); ETN names follow the issuers'
``<issuer> <leverage> <underlying> 선물 ETN`` pattern. The part tables map Korean to English
one-to-one, and both spellings are kept unique and clear of the real rows' names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

Part = tuple[str, str]  # (Korean, English)

#: Prefixes: old house and place names common in KRX listings.
PREFIXES: Final[tuple[Part, ...]] = (
    ("대한", "Daehan"),
    ("한국", "Hanguk"),
    ("동양", "Dongyang"),
    ("삼화", "Samhwa"),
    ("세종", "Sejong"),
    ("한빛", "Hanbit"),
    ("우진", "Woojin"),
    ("대성", "Daesung"),
    ("태평", "Taepyeong"),
    ("신화", "Shinhwa"),
    ("금강", "Geumgang"),
    ("한양", "Hanyang"),
    ("대림", "Daelim"),
    ("일진", "Iljin"),
    ("동아", "Donga"),
    ("서울", "Seoul"),
    ("부산", "Busan"),
    ("인천", "Incheon"),
    ("광주", "Gwangju"),
    ("대구", "Daegu"),
    ("한성", "Hanseong"),
    ("고려", "Goryeo"),
    ("신라", "Silla"),
    ("백제", "Baekje"),
    ("가야", "Gaya"),
    ("화신", "Hwashin"),
    ("영진", "Youngjin"),
    ("성진", "Sungjin"),
    ("진양", "Jinyang"),
    ("삼영", "Samyoung"),
    ("대원", "Daewon"),
    ("동일", "Dongil"),
    ("천일", "Cheonil"),
    ("한신", "Hanshin"),
    ("태양", "Taeyang"),
    ("새한", "Saehan"),
    ("한솔", "Hansol"),
    ("유성", "Yuseong"),
    ("청호", "Cheongho"),
    ("서한", "Seohan"),
    ("보성", "Boseong"),
    ("세원", "Sewon"),
    ("극동", "Geukdong"),
    ("남양", "Namyang"),
    ("동방", "Dongbang"),
    ("해성", "Haesung"),
    ("광명", "Gwangmyeong"),
    ("우성", "Woosung"),
    ("제일", "Jeil"),
    ("신흥", "Shinheung"),
    ("오성", "Ohsung"),
    ("대영", "Daeyoung"),
    ("한일", "Hanil"),
    ("현진", "Hyunjin"),
    ("아진", "Ajin"),
    ("상신", "Sangshin"),
    ("경동", "Kyungdong"),
    ("동서", "Dongseo"),
    ("삼진", "Samjin"),
    ("청송", "Cheongsong"),
    ("한라", "Halla"),
    ("백두", "Baekdu"),
    ("설악", "Seorak"),
    ("지리", "Jiri"),
    ("태백", "Taebaek"),
    ("소백", "Sobaek"),
    ("금성", "Geumseong"),
    ("은하", "Eunha"),
    ("미성", "Miseong"),
    ("정우", "Jungwoo"),
)

#: Second prefixes, used only when the plain prefix × suffix combinations run out.
MIDDLES: Final[tuple[Part, ...]] = (
    ("글로벌", "Global"),
    ("뉴", "New"),
    ("신", "Shin"),
    ("하이", "Hi"),
    ("에코", "Eco"),
    ("스마트", "Smart"),
)

#: Industry-flavoured suffixes; the English side is unique across the whole table.
SUFFIXES: Final[dict[str, tuple[Part, ...]]] = {
    "음식료·담배": (
        ("식품", "Foods"),
        ("푸드", "Food"),
        ("제과", "Confectionery"),
        ("유업", "Dairy"),
        ("제당", "Sugar"),
        ("주조", "Brewery"),
        ("음료", "Beverage"),
        ("수산", "Fisheries"),
    ),
    "섬유·의류": (
        ("방직", "Spinning"),
        ("섬유", "Textile"),
        ("어패럴", "Apparel"),
        ("패션", "Fashion"),
        ("모직", "Woolen"),
        ("화섬", "Synthetic Fiber"),
        ("텍스타일", "Textiles"),
    ),
    "종이·목재": (
        ("제지", "Paper"),
        ("펄프", "Pulp"),
        ("목재", "Timber"),
        ("판지", "Paperboard"),
        ("합판", "Plywood"),
        ("포장", "Packaging"),
    ),
    "화학": (
        ("화학", "Chemical"),
        ("케미칼", "Chemicals"),
        ("유화", "Petrochemical"),
        ("소재", "Materials"),
        ("폴리머", "Polymer"),
        ("코스메틱", "Cosmetics"),
        ("페인트", "Paint"),
        ("플라스틱", "Plastics"),
        ("정밀화학", "Fine Chemical"),
    ),
    "제약": (
        ("제약", "Pharmaceutical"),
        ("약품", "Pharm"),
        ("바이오", "Bio"),
        ("바이오텍", "Biotech"),
        ("바이오로직스", "Biologics"),
        ("팜", "Pharma"),
        ("테라퓨틱스", "Therapeutics"),
        ("생명과학", "Life Sciences"),
        ("헬스케어", "Healthcare"),
    ),
    "비금속": (
        ("시멘트", "Cement"),
        ("유리", "Glass"),
        ("세라믹", "Ceramics"),
        ("요업", "Ceramic Works"),
        ("레미콘", "Ready-Mix"),
        ("석재", "Stone"),
    ),
    "금속": (
        ("철강", "Steel"),
        ("금속", "Metal"),
        ("제강", "Steelmaking"),
        ("특수강", "Specialty Steel"),
        ("비철", "Nonferrous"),
        ("메탈", "Metals"),
        ("합금", "Alloy"),
        ("강관", "Steel Pipe"),
    ),
    "기계·장비": (
        ("기계", "Machinery"),
        ("중공업", "Heavy Industries"),
        ("엔지니어링", "Engineering"),
        ("로보틱스", "Robotics"),
        ("기공", "Machine Works"),
        ("공작기계", "Machine Tools"),
        ("에프에이", "FA"),
        ("시스템", "Systems"),
        ("이엔지", "ENG"),
    ),
    "전기전자": (
        ("전자", "Electronics"),
        ("전기", "Electric"),
        ("반도체", "Semiconductor"),
        ("디스플레이", "Display"),
        ("전선", "Cable"),
        ("마이크로", "Micro"),
        ("테크", "Tech"),
        ("옵틱스", "Optics"),
        ("이노텍", "Innotek"),
        ("전지", "Battery"),
        ("회로", "Circuits"),
        ("솔라", "Solar"),
    ),
    "의료·정밀기기": (
        ("메디칼", "Medical"),
        ("정밀", "Precision"),
        ("메디텍", "Meditech"),
        ("의료기", "Medical Devices"),
        ("덴탈", "Dental"),
        ("광학", "Optical"),
        ("계측", "Instruments"),
        ("메디슨", "Medison"),
    ),
    "운송장비·부품": (
        ("모터스", "Motors"),
        ("오토", "Auto"),
        ("정공", "Precision Works"),
        ("오토텍", "Autotech"),
        ("에어로", "Aero"),
        ("타이어", "Tire"),
        ("차체", "Auto Body"),
        ("공업", "Industrial"),
        ("조선", "Shipbuilding"),
    ),
    "유통": (
        ("상사", "Trading"),
        ("물산", "Corporation"),
        ("유통", "Distribution"),
        ("리테일", "Retail"),
        ("백화점", "Department Store"),
        ("마트", "Mart"),
        ("쇼핑", "Shopping"),
        ("무역", "International"),
    ),
    "전기·가스": (
        ("가스", "Gas"),
        ("에너지", "Energy"),
        ("도시가스", "City Gas"),
        ("파워", "Power"),
        ("발전", "Power Generation"),
        ("지역난방", "District Heating"),
    ),
    "건설": (
        ("건설", "Construction"),
        ("건업", "Builders"),
        ("종합건설", "General Construction"),
        ("개발", "Development"),
        ("토건", "Civil Works"),
        ("주택", "Housing"),
        ("산업개발", "Industrial Development"),
    ),
    "운송·창고": (
        ("해운", "Shipping"),
        ("로지스틱스", "Logistics"),
        ("통운", "Express"),
        ("항공", "Air"),
        ("상선", "Merchant Marine"),
        ("택배", "Parcel"),
        ("고속", "Highway Lines"),
    ),
    "통신": (
        ("텔레콤", "Telecom"),
        ("통신", "Communications"),
        ("네트웍스", "Networks"),
        ("모바일", "Mobile"),
        ("브로드밴드", "Broadband"),
        ("텔레콤서비스", "Telecom Services"),
    ),
    "금융": (
        ("금융지주", "Financial Group"),
        ("홀딩스", "Holdings"),
        ("캐피탈", "Capital"),
        ("지주", "Holdings Corp"),
        ("인베스트먼트", "Investment"),
        ("창업투자", "Venture Capital"),
        ("파이낸셜", "Financial"),
        ("저축은행", "Savings Bank"),
    ),
    "증권": (
        ("증권", "Securities"),
        ("투자증권", "Investment & Securities"),
        ("금융투자", "Financial Investment"),
    ),
    "보험": (
        ("생명", "Life"),
        ("화재", "Fire & Marine"),
        ("손해보험", "Insurance"),
        ("재보험", "Reinsurance"),
    ),
    "일반서비스": (
        ("서비스", "Services"),
        ("렌탈", "Rental"),
        ("교육", "Education"),
        ("호텔", "Hotels"),
        ("레저", "Leisure"),
        ("컨설팅", "Consulting"),
        ("에듀", "Edu"),
        ("환경", "Environment"),
    ),
    "부동산": (
        ("리츠", "REIT"),
        ("오피스리츠", "Office REIT"),
        ("리테일리츠", "Retail REIT"),
        ("물류리츠", "Logistics REIT"),
        ("글로벌리츠", "Global REIT"),
    ),
    "IT 서비스": (
        ("소프트", "Soft"),
        ("정보통신", "Information & Communication"),
        ("아이티", "IT"),
        ("데이타", "Data"),
        ("게임즈", "Games"),
        ("인터랙티브", "Interactive"),
        ("소프트웨어", "Software"),
        ("클라우드", "Cloud"),
        ("솔루션", "Solutions"),
        ("넷", "Net"),
    ),
    "오락·문화": (
        ("엔터테인먼트", "Entertainment"),
        ("미디어", "Media"),
        ("스튜디오", "Studios"),
        ("픽쳐스", "Pictures"),
        ("뮤직", "Music"),
        ("콘텐츠", "Contents"),
        ("리조트", "Resort"),
    ),
    "출판·매체복제": (
        ("출판", "Publishing"),
        ("북스", "Books"),
        ("인쇄", "Printing"),
        ("문고", "Library"),
        ("에디션", "Editions"),
    ),
    "기타제조": (
        ("산업", "Industries"),
        ("완구", "Toys"),
        ("가구", "Furniture"),
        ("스포츠", "Sports"),
        ("악기", "Musical Instruments"),
        ("주얼리", "Jewelry"),
    ),
}


def stock_names(
    rng: np.random.Generator, industries: Sequence[str], taken_ko: set[str], taken_en: set[str]
) -> tuple[list[str], list[str]]:
    """One unique (Korean, English) name per entry of ``industries``, avoiding the taken names.

    ``taken_ko``/``taken_en`` are updated in place. Industries are handled in sorted order so the
    result does not depend on dict or set iteration order.
    """
    out_ko = [""] * len(industries)
    out_en = [""] * len(industries)
    rows: dict[str, list[int]] = {}
    for i, ind in enumerate(industries):
        rows.setdefault(ind, []).append(i)
    for ind in sorted(rows):
        idx = rows[ind]
        suffixes = SUFFIXES[ind]
        pool = _free(_combos(PREFIXES, suffixes), taken_ko, taken_en)
        if len(pool) < len(idx):
            pool += _free(_combos3(suffixes), taken_ko, taken_en)
        if len(pool) < len(idx):
            raise ValueError(f"cannot name {len(idx)} generated {ind} companies: too many for the name table")
        for row, pick in zip(idx, rng.choice(len(pool), size=len(idx), replace=False), strict=True):
            ko, en = pool[int(pick)]
            out_ko[row], out_en[row] = ko, en
            taken_ko.add(ko)
            taken_en.add(en)
    return out_ko, out_en


def _combos(prefixes: Sequence[Part], suffixes: Sequence[Part]) -> list[Part]:
    return [(p + s, f"{pe} {se}") for p, pe in prefixes for s, se in suffixes]


def _combos3(suffixes: Sequence[Part]) -> list[Part]:
    return [(p + m + s, f"{pe} {me} {se}") for p, pe in PREFIXES for m, me in MIDDLES for s, se in suffixes]


def _free(pool: list[Part], taken_ko: set[str], taken_en: set[str]) -> list[Part]:
    """The pool without taken names, and without repeats (two part pairs can spell one name)."""
    seen_ko, seen_en = set(taken_ko), set(taken_en)
    out: list[Part] = []
    for ko, en in pool:
        if ko not in seen_ko and en not in seen_en:
            out.append((ko, en))
            seen_ko.add(ko)
            seen_en.add(en)
    return out


# ---------------------------------------------------------------------------------------------------
# ETFs and ETNs
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EtpTheme:
    """What a generated ETF/ETN tracks, and how its name reads."""

    ko: str
    en: str
    underlying: str  # the data README's underlying vocabulary (KOSPI200, SECTOR:<industry>, FOREIGN, ...)
    leverage: int = 1
    variants: bool = False  # whether TOP10/액티브/플러스 spin-offs exist


#: ETF brands (asset managers' current brand names).
ETF_BRANDS: Final[tuple[str, ...]] = (
    "KODEX",
    "TIGER",
    "RISE",
    "ACE",
    "SOL",
    "PLUS",
    "HANARO",
    "KIWOOM",
    "1Q",
    "WON",
)

ETF_VARIANTS: Final[tuple[Part, ...]] = (("TOP10", " TOP10"), ("액티브", " Active"), ("플러스", " Plus"))


def _sector(ko: str, en: str, industry: str) -> EtpTheme:
    return EtpTheme(ko, en, f"SECTOR:{industry}", 1, True)


def _foreign(ko: str, en: str) -> EtpTheme:
    return EtpTheme(ko, en, "FOREIGN", 1, True)


ETF_THEMES: Final[tuple[EtpTheme, ...]] = (
    EtpTheme("200", "200", "KOSPI200"),
    EtpTheme("200TR", "200 TR", "KOSPI200"),
    EtpTheme("레버리지", "Leverage", "KOSPI200_LEV2", 2),
    EtpTheme("인버스", "Inverse", "KOSPI200_INV1", -1),
    EtpTheme("200선물인버스2X", "200 Futures Inverse 2X", "KOSPI200_INV2", -2),
    EtpTheme("코스피", "KOSPI", "KOSPI"),
    EtpTheme("코스닥150", "KOSDAQ150", "KOSDAQ150"),
    EtpTheme("코스닥150레버리지", "KOSDAQ150 Leverage", "KOSDAQ150_LEV2", 2),
    EtpTheme("코스닥150선물인버스", "KOSDAQ150 Futures Inverse", "KOSDAQ150_INV1", -1),
    EtpTheme("KRX100", "KRX100", "KRX100"),
    _sector("반도체", "Semiconductor", "전기전자"),
    _sector("2차전지산업", "Secondary Battery Industry", "전기전자"),
    _sector("바이오", "Bio", "제약"),
    _sector("헬스케어", "Healthcare", "제약"),
    _sector("의료기기", "Medical Devices", "의료·정밀기기"),
    _sector("은행", "Banks", "금융"),
    _sector("금융", "Financials", "금융"),
    _sector("증권", "Securities", "증권"),
    _sector("보험", "Insurance", "보험"),
    _sector("자동차", "Automobile", "운송장비·부품"),
    _sector("조선", "Shipbuilding", "운송장비·부품"),
    _sector("건설", "Construction", "건설"),
    _sector("철강", "Steel", "금속"),
    _sector("화학", "Chemicals", "화학"),
    _sector("에너지화학", "Energy & Chemicals", "화학"),
    _sector("화장품", "Cosmetics", "화학"),
    _sector("운송", "Transportation", "운송·창고"),
    _sector("미디어&엔터테인먼트", "Media & Entertainment", "오락·문화"),
    _sector("게임산업", "Game Industry", "IT 서비스"),
    _sector("소프트웨어", "Software", "IT 서비스"),
    _sector("인터넷", "Internet", "IT 서비스"),
    _sector("필수소비재", "Consumer Staples", "음식료·담배"),
    _sector("통신", "Telecom", "통신"),
    _sector("방산", "Defense", "기계·장비"),
    _sector("기계장비", "Machinery", "기계·장비"),
    _sector("유틸리티", "Utilities", "전기·가스"),
    _sector("리츠부동산인프라", "REITs & Infrastructure", "부동산"),
    _foreign("미국S&P500", "US S&P500"),
    _foreign("미국나스닥100", "US NASDAQ100"),
    _foreign("미국배당다우존스", "US Dividend Dow Jones"),
    _foreign("미국테크TOP10", "US Tech TOP10"),
    _foreign("미국필라델피아반도체", "US Philadelphia Semiconductor"),
    _foreign("차이나CSI300", "China CSI300"),
    _foreign("일본니케이225", "Japan Nikkei225"),
    _foreign("인도니프티50", "India Nifty50"),
    _foreign("유로스탁스50(H)", "Euro Stoxx50 (H)"),
    _foreign("베트남VN30", "Vietnam VN30"),
    _foreign("글로벌AI", "Global AI"),
    EtpTheme("국고채3년", "KTB 3Y", "BOND"),
    EtpTheme("국고채10년", "KTB 10Y", "BOND"),
    EtpTheme("국고채30년액티브", "KTB 30Y Active", "BOND"),
    EtpTheme("단기채권", "Short-term Bond", "BOND"),
    EtpTheme("종합채권(AA-이상)액티브", "Aggregate Bond (AA- or higher) Active", "BOND"),
    EtpTheme("미국30년국채(H)", "US Treasury 30Y (H)", "BOND"),
    EtpTheme("회사채액티브", "Corporate Bond Active", "BOND"),
    EtpTheme("CD금리액티브(합성)", "CD Rate Active (Synthetic)", "MONEY"),
    EtpTheme("KOFR금리액티브(합성)", "KOFR Rate Active (Synthetic)", "MONEY"),
    EtpTheme("머니마켓액티브", "Money Market Active", "MONEY"),
    EtpTheme("미국달러선물", "USD Futures", "FX"),
    EtpTheme("미국달러선물인버스", "USD Futures Inverse", "FX", -1),
    EtpTheme("미국달러선물레버리지", "USD Futures Leverage", "FX", 2),
    EtpTheme("골드선물(H)", "Gold Futures (H)", "COMMODITY"),
    EtpTheme("KRX금현물", "KRX Gold Spot", "COMMODITY"),
    EtpTheme("WTI원유선물(H)", "WTI Crude Oil Futures (H)", "COMMODITY"),
    EtpTheme("은선물(H)", "Silver Futures (H)", "COMMODITY"),
    EtpTheme("구리선물(H)", "Copper Futures (H)", "COMMODITY"),
    EtpTheme("농산물선물(H)", "Agricultural Futures (H)", "COMMODITY"),
)


def etf_products(rng: np.random.Generator, n: int, taken_ko: set[str]) -> list[tuple[str, str, EtpTheme]]:
    """``n`` distinct ETFs as (Korean name, English name, theme), none in ``taken_ko``."""
    pool: list[tuple[str, str, EtpTheme]] = []
    for brand in ETF_BRANDS:
        for theme in ETF_THEMES:
            pool.append((f"{brand} {theme.ko}", f"{brand} {theme.en}", theme))
            if theme.variants:
                pool += [
                    (f"{brand} {theme.ko}{vk}", f"{brand} {theme.en}{ve}", theme) for vk, ve in ETF_VARIANTS
                ]
    pool = [p for p in pool if p[0] not in taken_ko]
    if n > len(pool):
        raise ValueError(f"at most {len(pool)} generated ETFs are available, {n} requested")
    picks = rng.choice(len(pool), size=n, replace=False)
    out = [pool[int(i)] for i in picks]
    taken_ko.update(ko for ko, _, _ in out)
    return out


@dataclass(frozen=True, slots=True)
class EtnIssuer:
    block: str  # first three code digits: the issuer's ETN code block, as in the real rows
    ko: str
    en: str


ETN_ISSUERS: Final[tuple[EtnIssuer, ...]] = (
    EtnIssuer("500", "신한", "Shinhan"),
    EtnIssuer("530", "삼성", "Samsung"),
    EtnIssuer("550", "N2", "N2"),
    EtnIssuer("580", "KB", "KB"),
)

#: (Korean prefix, English prefix, leverage).
ETN_LEVERAGE: Final[tuple[tuple[str, str, int], ...]] = (
    ("", "", 1),
    ("레버리지 ", "Leverage ", 2),
    ("인버스 ", "Inverse ", -1),
    ("인버스 2X ", "Inverse 2X ", -2),
)

ETN_THEMES: Final[tuple[EtpTheme, ...]] = (
    EtpTheme("WTI원유 선물", "WTI Crude Oil Futures", "COMMODITY"),
    EtpTheme("블룸버그 WTI원유 선물", "Bloomberg WTI Crude Oil Futures", "COMMODITY"),
    EtpTheme("천연가스 선물", "Natural Gas Futures", "COMMODITY"),
    EtpTheme("금 선물", "Gold Futures", "COMMODITY"),
    EtpTheme("은 선물", "Silver Futures", "COMMODITY"),
    EtpTheme("구리 선물", "Copper Futures", "COMMODITY"),
    EtpTheme("옥수수 선물", "Corn Futures", "COMMODITY"),
    EtpTheme("대두 선물", "Soybean Futures", "COMMODITY"),
    EtpTheme("밀 선물", "Wheat Futures", "COMMODITY"),
    EtpTheme("미국달러 선물", "USD Futures", "FX"),
    EtpTheme("유로 선물", "EUR Futures", "FX"),
    EtpTheme("엔 선물", "JPY Futures", "FX"),
    EtpTheme("S&P500", "S&P500", "FOREIGN"),
    EtpTheme("나스닥100", "NASDAQ100", "FOREIGN"),
    EtpTheme("항셍테크", "Hang Seng TECH", "FOREIGN"),
    EtpTheme("미국 국채 10년 선물", "US 10Y Treasury Futures", "BOND"),
)

#: Series suffixes (issuers relist the same exposure as "ETN B", "ETN C", hedged "(H)").
ETN_SUFFIXES: Final[tuple[Part, ...]] = (
    ("ETN", "ETN"),
    ("ETN(H)", "ETN (H)"),
    ("ETN B", "ETN B"),
    ("ETN C", "ETN C"),
)


def etn_products(
    rng: np.random.Generator, n: int, taken_ko: set[str]
) -> list[tuple[EtnIssuer, str, str, str, int]]:
    """``n`` distinct ETNs as (issuer, Korean name, English name, underlying, leverage)."""
    pool: list[tuple[EtnIssuer, str, str, str, int]] = [
        (
            issuer,
            f"{issuer.ko} {lk}{theme.ko} {sk}",
            f"{issuer.en} {le}{theme.en} {se}",
            theme.underlying,
            lev,
        )
        for issuer in ETN_ISSUERS
        for lk, le, lev in ETN_LEVERAGE
        for theme in ETN_THEMES
        for sk, se in ETN_SUFFIXES
    ]
    pool = [p for p in pool if p[1] not in taken_ko]
    if n > len(pool):
        raise ValueError(f"at most {len(pool)} generated ETNs are available, {n} requested")
    picks = rng.choice(len(pool), size=n, replace=False)
    out = [pool[int(i)] for i in picks]
    taken_ko.update(p[1] for p in out)
    return out
