"""Kiwoom value strings to numbers (kiwoom.md §2.0), the models' tolerance, and the error mapping."""

from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest

from sise.client import Directed, Direction, directed, direction, hundredths, integer, number
from sise.client.kiwoom_core import KiwoomCore
from sise.client.kiwoom_errors import (
    KiwoomAuthError,
    KiwoomNotFoundError,
    KiwoomRateLimitError,
    KiwoomRequestError,
    KiwoomServerError,
    KiwoomTokenError,
    KiwoomTransportError,
    detail_code,
    error_for,
)
from sise.client.kiwoom_models import (
    AllSectors,
    Int,
    KiwoomModel,
    SectorIndexRow,
    SectorInvestorRow,
    SectorInvestors,
    SectorPrice,
    SectorStockRow,
    SectorStocks,
    _careful,
    decode,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("+60700", 60700),
        ("-10.42", -10.42),
        ("0.00", 0.0),
        ("-0", 0),
        ("--1100", -1100),  # the doubled sign of Kiwoom's ka10044/ka10045 examples
        ("+0.00", 0.0),
        ("", None),
    ],
)
def test_number_reads_the_arithmetic_sign(text: str, value: float | None) -> None:
    assert number(text) == value


def test_integral_text_reads_as_int_and_decimals_as_float() -> None:
    assert type(number("+9030")) is int and type(number("2394.49")) is float
    assert integer("-622") == -622 and integer("") is None
    with pytest.raises(ValueError, match="integer"):
        integer("1.5")
    for bad in ("+", "abc", "1,000", "--"):
        with pytest.raises(ValueError, match="not a Kiwoom number"):
            number(bad)


def test_a_prefix_on_a_level_is_a_direction_not_a_sign() -> None:
    assert directed("-2394.49") == Directed(2394.49, Direction.DOWN)
    assert directed("+3001.91") == Directed(3001.91, Direction.UP)
    assert directed("6200") == Directed(6200, Direction.FLAT)
    assert directed("--44900") == Directed(44900, Direction.DOWN)
    assert directed("") is None
    assert direction("-0") is Direction.DOWN and direction("0") is Direction.FLAT


@pytest.mark.parametrize(
    "text",
    ["+60700", "-10.42", "0.00", "-0", "-0.00", "--1100", " +5", "5.", ".5", "+.5", "1_000", "7", "+1.250"],
)
def test_the_fast_paths_read_as_the_careful_one(text: str) -> None:
    """``number`` / ``directed`` / a model's decode read plain digits directly; what they give must
    be what the sign-splitting reading gives (value, type and direction)."""
    from sise.client.values import _magnitude, _split

    signed, negative, digits = _split(text)
    magnitude = _magnitude(digits, text)
    assert repr(number(text)) == repr(-magnitude if negative and magnitude else magnitude)
    d = Direction.FLAT if not signed else Direction.DOWN if negative else Direction.UP
    assert repr(directed(text)) == repr(Directed(magnitude, d))
    integral = isinstance(magnitude, int)
    wire = {"cur_prc": text, "flu_rt": text, **({"trde_qty": text} if integral else {})}
    row = decode(SectorIndexRow, wire)
    assert repr(row.cur_prc) == repr(Directed(magnitude, d))
    assert repr(row.flu_rt) == repr(number(text))
    assert row.trde_qty == ((-magnitude if negative else magnitude) if integral else None)
    # A list's rows are read a column at a time: the text alone, and among plain values.
    for column in ([text], [text, "+5", "-0.50", "0"], ["12", text]):
        rows = [{"cur_prc": t, "flu_rt": t, "trde_qty": t, "pre_sig": t} for t in column]
        assert_read_as_one_by_one(AllSectors, SectorIndexRow, rows)


def assert_read_as_one_by_one(model: type[KiwoomModel], row: type[KiwoomModel], rows: list[Any]) -> None:
    """``decode`` reads a list's rows as reading each row field by field does (value, type and
    direction), or fails with the same error."""
    (field,) = (f for f in model.__struct_fields__ if f != "inds_cd")
    wire = {"list_": "list"}.get(field, field)
    try:
        expected = repr([_careful(row, r) for r in rows])
    except ValueError as e:
        expected = f"{model.__name__}.{wire}: {e}"
    try:
        got = repr(getattr(decode(model, {wire: rows}), field))
    except ValueError as e:
        got = str(e)
    assert got == expected, rows


_PLAIN = ["+60700", "-10.42", "0.00", "-0", "-0.00", "+0", "388193", "-124", "+8007.28", "950", "0"]
_ODD = [
    "",
    "--1100",
    "+-5",
    "-+5",
    "++5",
    "5-",
    "1e5",
    "1E5",
    "1e-5",
    "-1e5",
    " 5",
    "+ 5",
    " -5",
    "5 ",
    "\t5",
    "5.",
    ".5",
    "+.5",
    "007",
    "-007",
    "1,5",
    "1_000",
    "nan",
    "inf",
    "\u0663",
    "+",
    "-",
    "1.0",
    "1.5",
    "-0.0",
    "-0e5",
    "-0E0",
    "-1e-400",
    "99999999999999999999",
    "999999999999999",
    "1000000000000000",
    "-1000000000000000",
    "1e400",
    "[1]",
    '"5"',
    "null",
    "true",
    "{}",
    5,
    5.5,
    True,
    None,
]


def _plain(rnd: random.Random, integral: bool) -> str:
    sign = rnd.choice(["", "+", "-"])
    digits = str(rnd.randint(0, 10 ** rnd.randint(0, 18)))
    return sign + (digits if integral or rnd.random() < 0.5 else f"{digits}.{rnd.randint(0, 99):02d}")


def _listed(rnd: random.Random, integral: bool) -> str:
    return rnd.choice([p for p in _PLAIN if "." not in p] if integral else _PLAIN)


def _odd(rnd: random.Random) -> Any:
    if rnd.random() < 0.8:
        return rnd.choice(_ODD)
    return "".join(rnd.choice("0123456789+-.,e ") for _ in range(rnd.randint(0, 5)))


@pytest.mark.parametrize(
    ("model", "row"), [(SectorInvestors, SectorInvestorRow), (SectorStocks, SectorStockRow)]
)
def test_a_list_is_read_as_its_rows_one_by_one(model: type[KiwoomModel], row: type[KiwoomModel]) -> None:
    """Columns of plain values (read in C), of plain values with one odd value among them, of
    values that are not strings, rows that lack a field: every kind of field of the models
    (``Int``, ``Num``, ``Level`` and the ×100 ``Num100`` / ``Level100``)."""
    rnd = random.Random(20261130)
    integral = {f.name: f.type == Int for f in msgspec.structs.fields(row)}
    fields = [f for f in integral if f not in ("stk_cd", "stk_nm", "inds_cd", "inds_nm")]

    def plain_row() -> dict[str, Any]:
        return {
            f: _plain(rnd, integral[f]) if rnd.random() < 0.7 else _listed(rnd, integral[f]) for f in fields
        }

    for odd in _ODD:  # each odd value in each field, among plain rows
        for field in fields:
            rows = [plain_row() for _ in range(3)]
            rows[1][field] = odd
            assert_read_as_one_by_one(model, row, rows)
    for _ in range(1000):
        rows = [plain_row() for _ in range(rnd.randint(1, 6))]
        if rnd.random() < 0.5:  # one odd value among plain ones
            rnd.choice(rows)[rnd.choice(fields)] = _odd(rnd)
        if rnd.random() < 0.05:
            del rnd.choice(rows)[rnd.choice(fields)]
        assert_read_as_one_by_one(model, row, rows)


def test_hundredths_undoes_the_x100_integers() -> None:
    assert hundredths(number("388193")) == 3881.93
    assert hundredths(number("-124")) == -1.24
    assert hundredths(None) is None


def test_models_tolerate_empty_strings_extra_and_missing_fields() -> None:
    row = decode(SectorIndexRow, {"stk_cd": "001", "wght": "", "cur_prc": "-2393.33", "new_field": "x"})
    assert row.wght is None and row.cur_prc == Directed(2393.33, Direction.DOWN) and row.flo_stk_num is None
    # Kiwoom's own ka20001 example: an undocumented stex_tp in the rows, 52wk_ keys.
    price = decode(
        SectorPrice,
        {
            "cur_prc": "-2394.49",
            "52wk_hgst_pric": "+3001.91",
            "52wk_hgst_pric_dt": "20241004",
            "inds_cur_prc_tm": [{"tm_n": "143000", "acc_trde_qty_n": "890", "stex_tp": ""}],
        },
    )
    assert price.wk52_hgst_pric == Directed(3001.91, Direction.UP) and price.wk52_hgst_pric_dt == "20241004"
    assert price.inds_cur_prc_tm[0].acc_trde_qty_n == 890
    # ka10051's ×100 integers (Kiwoom's example row) are divided back.
    inv = decode(
        SectorInvestors, {"inds_netprps": [{"cur_prc": "+265381", "pred_pre": "+9030", "flu_rt": "352"}]}
    )
    (r,) = inv.inds_netprps
    assert (r.cur_prc, r.pred_pre, r.flu_rt) == (Directed(2653.81, Direction.UP), 90.3, 3.52)
    with pytest.raises(ValueError, match=r"SectorIndexRow\.trde_qty"):
        decode(SectorIndexRow, {"trde_qty": "n/a"})


@pytest.mark.parametrize(
    ("return_code", "msg", "cls", "code"),
    [
        (3, "인증에 실패했습니다[8005:Token이 유효하지 않습니다]", KiwoomTokenError, 8005),
        (
            2,
            "입력 값 오류입니다[8030:투자구분(실전/모의)이 달라서 Appkey를 사용할수가 없습니다]",
            KiwoomAuthError,
            8030,
        ),
        (
            5,
            "허용된 요청 개수를 초과하였습니다[1700:허용된 요청 개수를 초과하였습니다. API ID=ka10081]",
            KiwoomRateLimitError,
            1700,
        ),
        (5, "허용된 요청 개수를 초과하였습니다[유량=5]", KiwoomRateLimitError, None),
        (
            5,
            "허용된 요청 개수를 초과하였습니다[1634:...]",
            KiwoomRequestError,
            1634,
        ),  # a size limit: no retry
        (1, "잘못된 요청입니다[1504:해당 URI에서는 지원하는 API ID가 아닙니다.]", KiwoomRequestError, 1504),
        (2, "입력 값 오류입니다[1902:종목정보가 존재하지 않습니다]", KiwoomNotFoundError, 1902),
        (7, "서비스를 처리하는 중에 오류가 발생했습니다[1903:...]", KiwoomNotFoundError, 1903),
        (
            7,
            "서비스를 처리하는 중에 오류가 발생했습니다[1999:예기치 못한 에러가 발생했습니다]",
            KiwoomServerError,
            1999,
        ),
        (3, "인증에 실패했습니다", KiwoomAuthError, None),
    ],
)
def test_errors_are_typed_by_detail_code_then_category(
    return_code: int, msg: str, cls: type[Exception], code: int | None
) -> None:
    err = error_for(return_code, msg, status=429 if code == 1700 else 200, api_id="ka20001")
    assert type(err) is cls
    assert (err.return_code, err.code, err.message, err.api_id) == (return_code, code, msg, "ka20001")
    assert detail_code(msg) == code
    assert msg in str(err)


def test_a_429_without_a_kiwoom_body_is_still_a_rate_limit() -> None:
    core = KiwoomCore(
        "http://127.0.0.1:1",
        "k",
        "s",
        mock=None,
        rate_limit=0,
        refresh_margin=600,
        max_retries=1,
        max_pages=1,
    )
    with pytest.raises(KiwoomRateLimitError):
        core.envelope(429, b"<html>Too Many Requests</html>", "ka20001")
    with pytest.raises(KiwoomTransportError):
        core.envelope(502, b"<html>Bad Gateway</html>", "ka20001")


def test_the_sdk_reads_the_key_variables_sise_serve_reads() -> None:
    """Declared on each side of the SDK's import boundary; they must name the same variables."""
    from sise.api.kiwoom import auth
    from sise.client import env

    assert (env.KIWOOM_ENV, env.KIWOOM_MOCK_ENV, env.KOSCOM_ENV) == (
        auth.ENV_REAL,
        auth.ENV_MOCK,
        auth.ENV_KOSCOM,
    )
