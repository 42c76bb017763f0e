"""Core enumerations shared by every room: markets, venues, instrument kinds, signs, investors.

The integer values are the positions used in the engine's columnar arrays, so they are stable:
append new members, never renumber.
"""

from __future__ import annotations

from enum import IntEnum


class Market(IntEnum):
    """KRX market an instrument is listed on."""

    KOSPI = 0  # 유가증권시장 (KRX id STK)
    KOSDAQ = 1  # 코스닥 (KSQ)
    KONEX = 2  # 코넥스 (KNX)
    DERIVATIVES = 3  # 파생상품시장


class Venue(IntEnum):
    """Where a trade happened. ``ALL`` is the combined (통합) view of KRX and NXT."""

    KRX = 0
    NXT = 1
    ALL = 2


class InstrumentKind(IntEnum):
    """Instrument kind; decides the tick table, the price-limit rule and the VI rule."""

    STOCK = 0
    ETF = 1
    ETN = 2
    ELW = 3
    FUTURE = 4
    OPTION = 5


class Sign(IntEnum):
    """Price-change sign code (대비기호) as Kiwoom, KIS and LS publish it."""

    LIMIT_UP = 1  # 상한
    UP = 2  # 상승
    FLAT = 3  # 보합
    LIMIT_DOWN = 4  # 하한
    DOWN = 5  # 하락


class Investor(IntEnum):
    """The twelve leaf investor categories every trade side is tagged with.

    Aggregates (기관계, 외국인합계, 전체) are sums of these and are never stored.
    """

    FIN_INVEST = 0  # 금융투자
    INSURANCE = 1  # 보험
    TRUST = 2  # 투신
    PRIVATE_FUND = 3  # 사모
    BANK = 4  # 은행
    OTHER_FIN = 5  # 기타금융
    PENSION = 6  # 연기금
    NATION = 7  # 국가·지자체
    OTHER_CORP = 8  # 기타법인
    INDIVIDUAL = 9  # 개인
    FOREIGN = 10  # 외국인 (registered)
    OTHER_FOREIGN = 11  # 기타외국인 (Kiwoom 내국인대우외국인)


N_INVESTORS = len(Investor)

#: 기관계: the institutional leaves.
INSTITUTIONS: tuple[Investor, ...] = (
    Investor.FIN_INVEST,
    Investor.INSURANCE,
    Investor.TRUST,
    Investor.PRIVATE_FUND,
    Investor.BANK,
    Investor.OTHER_FIN,
    Investor.PENSION,
    Investor.NATION,
)
#: 외국인합계.
FOREIGNERS: tuple[Investor, ...] = (Investor.FOREIGN, Investor.OTHER_FOREIGN)


class Side(IntEnum):
    """The side of a trade a flow figure belongs to (the side axis of the engine's flow arrays)."""

    BUY = 0
    SELL = 1


class ProgramKind(IntEnum):
    """Program-trading classification of one side of a trade."""

    NONE = 0
    ARBITRAGE = 1  # 차익
    NON_ARBITRAGE = 2  # 비차익


class Account(IntEnum):
    """Whose book an order side is for."""

    AGENCY = 0  # 위탁
    PROPRIETARY = 1  # 자기
