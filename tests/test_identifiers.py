"""ISINs, stock codes and derivative short codes against real KRX examples."""

from __future__ import annotations

import pytest

from sise.market.identifiers import (
    DerivativeCode,
    code_from_isin,
    common_code_of,
    derivative_isin,
    future_code,
    is_preferred_code,
    is_stock_underlying,
    is_valid_isin,
    is_valid_stock_code,
    isin_check_digit,
    month_from_letter,
    month_letter,
    option_code,
    parse_derivative_code,
    spread_code,
    stock_isin,
    stock_underlying_id,
    strike_code,
    strike_from_code,
    year_cycle,
    year_from_letter,
    year_letter,
)

REAL_ISINS = [
    "KR7005930003",  # 삼성전자
    "KR7000660001",  # SK하이닉스
    "KR7005935002",  # 삼성전자우
    "KR4101S90005",  # KOSPI200 F Sep-2022
    "KR4A01660005",  # KOSPI200 F Jun-2026
    "KR4175TA0001",  # USD F Oct-2023
    "KR4A75610001",  # USD F Jan-2026
    "KR4B016A7520",  # KOSPI200 C Oct-2026 752.5
    "KR4C016A7452",  # KOSPI200 P Oct-2026 745.0
]


@pytest.mark.parametrize("isin", REAL_ISINS)
def test_isin_check_digit_matches_real_isins(isin: str) -> None:
    assert isin_check_digit(isin[:11]) == isin[11]
    assert is_valid_isin(isin)


def test_invalid_isins() -> None:
    assert not is_valid_isin("KR7005930004")
    assert not is_valid_isin("KR700593000")
    with pytest.raises(ValueError):
        isin_check_digit("kr700593000")


@pytest.mark.parametrize(
    ("code", "isin"),
    [("005930", "KR7005930003"), ("000660", "KR7000660001"), ("005935", "KR7005935002")],
)
def test_stock_isin(code: str, isin: str) -> None:
    assert stock_isin(code) == isin
    assert code_from_isin(isin) == code


@pytest.mark.parametrize(
    ("code", "isin"),
    [
        ("101S9000", "KR4101S90005"),
        ("A0166000", "KR4A01660005"),
        ("175TA000", "KR4175TA0001"),
        ("A7561000", "KR4A75610001"),
    ],
)
def test_derivative_isin(code: str, isin: str) -> None:
    assert derivative_isin(code) == isin
    assert code_from_isin(isin) == code


@pytest.mark.parametrize("code", ["005930", "0030R0", "0155E0", "03473K", "000660"])
def test_valid_stock_codes(code: str) -> None:
    assert is_valid_stock_code(code)


@pytest.mark.parametrize("code", ["00593", "0059300", "0030r0", "00I930", "00O930", "00U930", "005 30", ""])
def test_invalid_stock_codes(code: str) -> None:
    assert not is_valid_stock_code(code)
    with pytest.raises(ValueError):
        stock_isin(code)


def test_letters_are_never_stripped() -> None:
    isin = stock_isin("0155E0")
    assert code_from_isin(isin) == "0155E0"
    assert isin != stock_isin("001550")


@pytest.mark.parametrize(
    ("code", "preferred"),
    [
        ("005935", True),
        ("005937", True),
        ("005939", True),
        ("03473K", True),
        ("005930", False),
        ("0030R0", False),
        ("00088A", False),  # a letter before K is not a preferred marker
    ],
)
def test_preferred_codes(code: str, preferred: bool) -> None:
    assert is_preferred_code(code) is preferred


def test_common_code_of() -> None:
    assert common_code_of("005935") == "005930"
    assert common_code_of("005930") == "005930"


@pytest.mark.parametrize(
    ("year", "letter"),
    [(1996, "6"), (2022, "S"), (2023, "T"), (2024, "V"), (2025, "W"), (2026, "6"), (2027, "7")],
)
def test_year_letters(year: int, letter: str) -> None:
    assert year_letter(year) == letter
    assert year_from_letter(letter, year_cycle(year)) == year


def test_year_cycles() -> None:
    assert year_cycle(2025) == 0
    assert year_cycle(2026) == 1
    with pytest.raises(ValueError):
        year_letter(1995)


@pytest.mark.parametrize(("month", "letter"), [(1, "1"), (9, "9"), (10, "A"), (11, "B"), (12, "C")])
def test_month_letters(month: int, letter: str) -> None:
    assert month_letter(month) == letter
    assert month_from_letter(letter) == month


def test_month_out_of_range() -> None:
    with pytest.raises(ValueError):
        month_letter(13)
    with pytest.raises(ValueError):
        month_from_letter("D")


@pytest.mark.parametrize(
    ("underlying", "year", "month", "code"),
    [
        ("01", 2022, 9, "101S9000"),
        ("01", 2022, 12, "101SC000"),
        ("01", 2023, 3, "101T3000"),
        ("01", 2025, 3, "101W3000"),
        ("75", 2023, 10, "175TA000"),
        ("01", 2026, 6, "A0166000"),
        ("06", 2026, 6, "A0666000"),
        ("75", 2026, 1, "A7561000"),
        ("01", 2026, 9, "A0169000"),
    ],
)
def test_future_codes(underlying: str, year: int, month: int, code: str) -> None:
    assert future_code(underlying, year, month) == code
    parsed = parse_derivative_code(code)
    assert parsed == DerivativeCode("future", underlying, year, month)
    assert parsed.code == code


@pytest.mark.parametrize(
    ("call", "year", "month", "strike", "code"),
    [
        (True, 2026, 10, 752.5, "B016A752"),
        (True, 2026, 10, 745.0, "B016A745"),
        (False, 2026, 10, 745.0, "C016A745"),
        (True, 2026, 12, 610.0, "B016C610"),
        (True, 2018, 6, 220.0, "201N6220"),
        (True, 2015, 12, 175.0, "201KC175"),
        (False, 2022, 9, 307.5, "301S9307"),
    ],
)
def test_option_codes(call: bool, year: int, month: int, strike: float, code: str) -> None:
    assert option_code(call, "01", year, month, strike) == code
    parsed = parse_derivative_code(code)
    assert parsed.product == ("call" if call else "put")
    assert (parsed.underlying, parsed.year, parsed.month, parsed.strike) == ("01", year, month, strike)
    assert parsed.code == code


@pytest.mark.parametrize(
    ("strike", "sss"),
    [(307.5, "307"), (305.0, "305"), (302.5, "302"), (300.0, "300"), (1097.5, "A97"), (1120.0, "B20")],
)
def test_strike_field(strike: float, sss: str) -> None:
    assert strike_code(strike) == sss
    assert strike_from_code(sss) == strike


@pytest.mark.parametrize("strike", [301.0, 305.5, 300.25, -2.5, 5000.0])
def test_unencodable_strikes(strike: float) -> None:
    with pytest.raises(ValueError):
        strike_code(strike)


def test_spread_codes() -> None:
    assert spread_code("01", (2022, 9), (2022, 12)) == "401S9SCS"
    assert spread_code("01", (2026, 9), (2026, 12)) == "D01696CS"
    parsed = parse_derivative_code("401S9SCS")
    assert parsed == DerivativeCode("spread", "01", 2022, 9, far_year=2022, far_month=12)
    assert parsed.code == "401S9SCS"
    # Near leg in the old cycle, far leg in the new one.
    cross = parse_derivative_code(spread_code("01", (2025, 12), (2026, 3)))
    assert (cross.year, cross.month, cross.far_year, cross.far_month) == (2025, 12, 2026, 3)
    with pytest.raises(ValueError):
        spread_code("01", (2026, 12), (2026, 9))


@pytest.mark.parametrize(
    "bad",
    [
        "101S9001",  # futures must end in 000
        "X01S9000",  # unknown product
        "1ZZS9000",  # unknown underlying
        "B09FEA49",  # weekly option series
        "101SD000",  # bad month
        "101S900",  # too short
        "401S9SCX",  # spread without S
    ],
)
def test_malformed_derivative_codes(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_derivative_code(bad)


def test_stock_underlying_ids() -> None:
    first = stock_underlying_id(0)
    assert first == "11"
    ids = [stock_underlying_id(n) for n in range(300)]
    assert len(set(ids)) == 300
    assert all(is_stock_underlying(i) for i in ids)
    assert not any(i in {"01", "04", "05", "06", "09", "65", "66", "67", "70", "75"} for i in ids)
    code = future_code(first, 2026, 5)
    assert code == "A1165000"
    assert derivative_isin(code) == "KR4A11650004"
    parsed = parse_derivative_code(code)
    assert parsed.underlying == "11" and parsed.underlying_name is None
    assert parse_derivative_code("A0166000").underlying_name == "KOSPI200"
