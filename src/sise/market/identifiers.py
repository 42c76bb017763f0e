"""KRX identifiers: ISINs, stock short codes and the 8-character derivative short codes.

Derivative short code layout (KRX 단축코드)::

    [P][UU][Y][M][SSS]
     P    product: 1 future, 2 call, 3 put, 4 spread       (2026+ cycle: A, B, C, D)
     UU   underlying id: 01 KOSPI200, 05 mini KOSPI200, 06 KOSDAQ150, 65 KTB3, ...
     Y    year letter, cycle "6789012345ABCDEFGHJKLMNPQRSTVW" starting 1996
     M    month 1-9, A, B, C
     SSS  "000" for futures; strike for options; far-leg YM + "S" for spreads

The year alphabet repeats every 30 years, so the product character tells which cycle a code is in:
``101W3000`` is KOSPI200 Mar-2025 and ``A0166000`` KOSPI200 Jun-2026. ISIN = ``KR4`` + code + check.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Final, Literal

# ---------------------------------------------------------------------------------------------------
# ISIN
# ---------------------------------------------------------------------------------------------------

_ISIN_CHARS: Final = frozenset(string.digits + string.ascii_uppercase)


def isin_check_digit(body11: str) -> str:
    """ISO 6166 check digit of the first 11 ISIN characters.

    Letters become two digits (A=10 … Z=35), then the Luhn rule runs over the digit string with
    the rightmost digit doubled.
    """
    if len(body11) != 11 or not set(body11) <= _ISIN_CHARS:
        raise ValueError(f"ISIN body must be 11 characters of 0-9/A-Z: {body11!r}")
    digits = "".join(str(int(ch, 36)) for ch in body11)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_isin(isin: str) -> bool:
    """Twelve characters with a correct check digit."""
    if len(isin) != 12 or not set(isin) <= _ISIN_CHARS:
        return False
    return isin_check_digit(isin[:11]) == isin[11]


def stock_isin(code: str) -> str:
    """ISIN of a KRX stock/ETF/ETN code: ``"005930"`` -> ``"KR7005930003"``.

    The layout is ``KR7`` + 6-character code + ``00`` + check digit, as for 삼성전자
    (KR7005930003), SK하이닉스 (KR7000660001) and the preferred 삼성전자우 (KR7005935002). Codes with
    letters (issued since 2024) are assumed to follow the same layout (inferred).
    """
    if not is_valid_stock_code(code):
        raise ValueError(f"not a KRX stock code: {code!r}")
    body = "KR7" + code + "00"
    return body + isin_check_digit(body)


def derivative_isin(code: str) -> str:
    """ISIN of an 8-character derivative short code: ``"A0166000"`` -> ``"KR4A01660005"``."""
    if len(code) != 8 or not set(code) <= _ISIN_CHARS:
        raise ValueError(f"not a derivative short code: {code!r}")
    body = "KR4" + code
    return body + isin_check_digit(body)


def code_from_isin(isin: str) -> str:
    """Short code inside a KRX ISIN: characters 4–9 for ``KR7`` stocks, 4–11 for ``KR4`` derivatives."""
    if not is_valid_isin(isin):
        raise ValueError(f"invalid ISIN: {isin!r}")
    if isin.startswith("KR7"):
        return isin[3:9]
    if isin.startswith("KR4"):
        return isin[3:11]
    raise ValueError(f"not a KRX stock or derivative ISIN: {isin!r}")


# ---------------------------------------------------------------------------------------------------
# Stock short codes
# ---------------------------------------------------------------------------------------------------

#: Characters a stock short code may contain: digits and capitals except I, O and U.
STOCK_CODE_CHARS: Final[frozenset[str]] = frozenset(
    string.digits + "".join(c for c in string.ascii_uppercase if c not in "IOU")
)


def is_valid_stock_code(code: str) -> bool:
    """Six characters of ``STOCK_CODE_CHARS`` (``"005930"``, ``"0030R0"``).

    Letters are part of the code: dropping them turns ``0155E0`` into ``001550``, another company.
    """
    return len(code) == 6 and set(code) <= STOCK_CODE_CHARS


def is_preferred_code(code: str) -> bool:
    """Whether a stock code denotes a preferred share.

    Issues before 2013 end in 5, 7 or 9 (``005935``); later ones end in a letter from K on
    (``03473K``). Common shares end in 0 (``005930``, ``0030R0``).
    """
    if not is_valid_stock_code(code):
        return False
    last = code[5]
    return last in "579" or (last.isalpha() and last >= "K")


def common_code_of(code: str) -> str:
    """The common share a preferred code belongs to (``005935`` -> ``005930``); identity otherwise."""
    if not is_preferred_code(code):
        return code
    return code[:5] + "0"


# ---------------------------------------------------------------------------------------------------
# Derivative short codes
# ---------------------------------------------------------------------------------------------------

YEAR_CYCLE: Final = "6789012345ABCDEFGHJKLMNPQRSTVW"
YEAR_CYCLE_START: Final = 1996
MONTH_CODES: Final = "123456789ABC"

Product = Literal["future", "call", "put", "spread"]

#: Product character per code cycle: cycle 0 covers 1996–2025, cycle 1 2026–2055. The new-cycle
#: letters A (futures) and B/C (options) are seen in KRX masters (A0166000, B016A752, C016A745);
#: D for spreads appears in one broker master (D01696CS) and is (inferred).
PRODUCT_CHARS: Final[dict[Product, tuple[str, str]]] = {
    "future": ("1", "A"),
    "call": ("2", "B"),
    "put": ("3", "C"),
    "spread": ("4", "D"),
}
_CHAR_TO_PRODUCT: Final[dict[str, tuple[Product, int]]] = {
    ch: (product, cycle) for product, chars in PRODUCT_CHARS.items() for cycle, ch in enumerate(chars)
}

#: Index, rate and currency underlying ids. 04 (V-KOSPI200), 76 (JPY) and 77 (EUR) extend the
#: documented numbering and are (inferred).
UNDERLYINGS: Final[dict[str, str]] = {
    "01": "KOSPI200",
    "04": "V-KOSPI200",
    "05": "Mini KOSPI200",
    "06": "KOSDAQ150",
    "65": "KTB 3Y",
    "66": "KTB 5Y",
    "67": "KTB 10Y",
    "70": "KTB 30Y",
    "75": "USD",
    "76": "JPY",
    "77": "EUR",
}

#: KOSPI200 weekly options use "09" followed by a 2-character week serial instead of year and month;
#: sise does not list weeklies, so the parser rejects them.
WEEKLY_OPTION_UNDERLYING: Final = "09"

# Single-stock futures and options: every stock gets its own 2-character underlying id. KRX assigns
# them from its product master (a 2026 stock future is A1165000, id 11). sise numbers the stocks it
# lists from 11 upward over these alphabets, skipping the index/rate ids above (inferred scheme).
_STOCK_ID_FIRST: Final = "1234BCDEFGHJKLMNPQRSTVW"
_STOCK_ID_SECOND: Final = "0123456789ABCDEFGHJKLMNPQRSTVW"
_STOCK_IDS: Final[tuple[str, ...]] = tuple(
    a + b
    for a in _STOCK_ID_FIRST
    for b in _STOCK_ID_SECOND
    if a + b not in UNDERLYINGS and a + b not in (WEEKLY_OPTION_UNDERLYING, "10")
)
_STOCK_ID_SET: Final = frozenset(_STOCK_IDS)


def stock_underlying_id(n: int) -> str:
    """The 2-character underlying id of the ``n``-th (0-based) stock with listed stock derivatives."""
    if not 0 <= n < len(_STOCK_IDS):
        raise ValueError(f"stock underlying number out of range: {n}")
    return _STOCK_IDS[n]


def is_stock_underlying(uu: str) -> bool:
    """Whether ``uu`` is in the stock-underlying id space of ``stock_underlying_id``."""
    return len(uu) == 2 and uu in _STOCK_ID_SET


def year_letter(year: int) -> str:
    """Year character: 2022 = S, 2023 = T, 2024 = V, 2025 = W, 2026 = 6, 2027 = 7."""
    if year < YEAR_CYCLE_START:
        raise ValueError(f"year before {YEAR_CYCLE_START}: {year}")
    return YEAR_CYCLE[(year - YEAR_CYCLE_START) % len(YEAR_CYCLE)]


def year_cycle(year: int) -> int:
    """0 for 1996–2025, 1 for 2026–2055."""
    if year < YEAR_CYCLE_START:
        raise ValueError(f"year before {YEAR_CYCLE_START}: {year}")
    return (year - YEAR_CYCLE_START) // len(YEAR_CYCLE)


def year_from_letter(letter: str, cycle: int) -> int:
    """Inverse of ``year_letter`` within one cycle."""
    idx = YEAR_CYCLE.find(letter)
    if len(letter) != 1 or idx < 0:
        raise ValueError(f"not a year letter: {letter!r}")
    return YEAR_CYCLE_START + cycle * len(YEAR_CYCLE) + idx


def month_letter(month: int) -> str:
    """Month character: 1–9, then A, B, C for October–December."""
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    return MONTH_CODES[month - 1]


def month_from_letter(letter: str) -> int:
    """Inverse of ``month_letter``."""
    idx = MONTH_CODES.find(letter)
    if len(letter) != 1 or idx < 0:
        raise ValueError(f"not a month letter: {letter!r}")
    return idx + 1


def _product_char(product: Product, year: int) -> str:
    cycle = year_cycle(year)
    chars = PRODUCT_CHARS[product]
    if cycle >= len(chars):
        raise ValueError(f"no code cycle for year {year}")
    return chars[cycle]


def _check_underlying(underlying: str) -> None:
    if underlying == WEEKLY_OPTION_UNDERLYING:
        raise ValueError("weekly option series are not supported")
    if underlying not in UNDERLYINGS and not is_stock_underlying(underlying):
        raise ValueError(f"unknown underlying id: {underlying!r}")


def future_code(underlying: str, year: int, month: int) -> str:
    """``future_code("01", 2026, 6)`` -> ``"A0166000"``; ``("01", 2025, 3)`` -> ``"101W3000"``."""
    _check_underlying(underlying)
    return _product_char("future", year) + underlying + year_letter(year) + month_letter(month) + "000"


# Strikes from 1,000 on do not fit three digits. KRX lists them with serial codes from its master
# (observed: B016AA41 = 1,097.5, B016AA48 = 1,120.0, B016AA51 = 1,125.0), which cannot be derived
# from the strike. sise instead writes the hundreds as a letter, A = 10xx, B = 11xx, ... , keeping the
# last two digits and the half-point rule, so 1,097.5 -> "A97" and 1,120.0 -> "B20" (inferred).
_HUNDREDS_LETTERS: Final = "ABCDEFGHJKLMNPQRSTVW"
MAX_STRIKE: Final = (10 + len(_HUNDREDS_LETTERS)) * 100 - 0.5


def strike_code(strike: float) -> str:
    """Three-character strike field.

    The integer part is written; strikes step by 2.5, so a .5 strike has an integer part not
    divisible by 5 (307.5 -> ``"307"``, 305.0 -> ``"305"``). A strike the rule cannot express
    (e.g. 301.0 or 305.5) raises ``ValueError``.
    """
    twice = strike * 2
    if strike < 0 or strike > MAX_STRIKE or twice != int(twice):
        raise ValueError(f"strike not encodable: {strike}")
    whole = int(strike)
    half = strike != whole
    if half == (whole % 5 == 0):
        raise ValueError(f"strike not on the 2.5 grid encoding: {strike}")
    if whole < 1000:
        return f"{whole:03d}"
    hundreds, rest = divmod(whole, 100)
    return _HUNDREDS_LETTERS[hundreds - 10] + f"{rest:02d}"


def strike_from_code(sss: str) -> float:
    """Inverse of ``strike_code``."""
    if len(sss) != 3 or not sss[1:].isdigit():
        raise ValueError(f"not a strike field: {sss!r}")
    if sss[0].isdigit():
        whole = int(sss)
    else:
        idx = _HUNDREDS_LETTERS.find(sss[0])
        if idx < 0:
            raise ValueError(f"not a strike field: {sss!r}")
        whole = (10 + idx) * 100 + int(sss[1:])
    return whole + (0.5 if whole % 5 else 0.0)


def option_code(call: bool, underlying: str, year: int, month: int, strike: float) -> str:
    """``option_code(True, "01", 2026, 10, 752.5)`` -> ``"B016A752"``."""
    _check_underlying(underlying)
    product: Product = "call" if call else "put"
    return (
        _product_char(product, year)
        + underlying
        + year_letter(year)
        + month_letter(month)
        + strike_code(strike)
    )


def spread_code(underlying: str, near: tuple[int, int], far: tuple[int, int]) -> str:
    """Calendar spread: ``spread_code("01", (2022, 9), (2022, 12))`` -> ``"401S9SCS"``.

    The product character follows the near leg's cycle.
    """
    _check_underlying(underlying)
    if far <= near:
        raise ValueError(f"far leg {far} must follow near leg {near}")
    (y1, m1), (y2, m2) = near, far
    return (
        _product_char("spread", y1)
        + underlying
        + year_letter(y1)
        + month_letter(m1)
        + year_letter(y2)
        + month_letter(m2)
        + "S"
    )


@dataclass(frozen=True, slots=True)
class DerivativeCode:
    """A parsed derivative short code. ``strike`` is set for options, ``far_*`` for spreads."""

    product: Product
    underlying: str
    year: int
    month: int
    strike: float | None = None
    far_year: int | None = None
    far_month: int | None = None

    @property
    def underlying_name(self) -> str | None:
        """Index/rate/currency name, ``None`` for a stock underlying."""
        return UNDERLYINGS.get(self.underlying)

    @property
    def code(self) -> str:
        """Re-encode to the short code."""
        if self.product == "future":
            return future_code(self.underlying, self.year, self.month)
        if self.product == "spread":
            assert self.far_year is not None and self.far_month is not None
            return spread_code(self.underlying, (self.year, self.month), (self.far_year, self.far_month))
        assert self.strike is not None
        return option_code(self.product == "call", self.underlying, self.year, self.month, self.strike)


def parse_derivative_code(code: str) -> DerivativeCode:
    """Parse an 8-character short code; ``ValueError`` on anything malformed or unsupported."""
    if len(code) != 8 or not set(code) <= _ISIN_CHARS:
        raise ValueError(f"not a derivative short code: {code!r}")
    try:
        product, cycle = _CHAR_TO_PRODUCT[code[0]]
    except KeyError:
        raise ValueError(f"unknown product character in {code!r}") from None
    underlying = code[1:3]
    _check_underlying(underlying)
    year = year_from_letter(code[3], cycle)
    month = month_from_letter(code[4])
    tail = code[5:]
    if product == "future":
        if tail != "000":
            raise ValueError(f"futures code must end in 000: {code!r}")
        return DerivativeCode(product, underlying, year, month)
    if product == "spread":
        if tail[2] != "S":
            raise ValueError(f"spread code must end in S: {code!r}")
        # The far leg may sit in the next cycle (a Dec-2025/Mar-2026 spread): take the first year
        # on or after the near leg that has this letter.
        far_year = year_from_letter(tail[0], cycle)
        if far_year < year:
            far_year += len(YEAR_CYCLE)
        far_month = month_from_letter(tail[1])
        if (far_year, far_month) <= (year, month):
            raise ValueError(f"spread far leg does not follow near leg: {code!r}")
        return DerivativeCode(product, underlying, year, month, far_year=far_year, far_month=far_month)
    return DerivativeCode(product, underlying, year, month, strike=strike_from_code(tail))
