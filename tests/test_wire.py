"""The declaration mechanism every wire record goes through (sise.api.wire)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sise.api.wire import Body, Directed, Field, Fmt, Param, ParamError, Record, choice_of, one_of
from sise.market.codes import KiwoomStexTp

TEXT = Fmt("text", "text")
INT = Fmt("int", "int", "%d")
DIR2 = Fmt("dir2", "2 dp, direction", "%s%d.%s", directed=True, decimals=2)
SIGNED = Fmt("signed", "signed", "%s%d", directed=True, own_sign=True)
EMPTY = Fmt("empty", "empty", constant="")
NUM = Fmt("num", "JSON number", None)
NUM2 = Fmt("num2", "JSON number, 2 dp", None, decimals=2)

ROW = Record(
    (
        Field("code", "코드", TEXT),
        Field("price", "가격", DIR2),
        Field("change", "대비", SIGNED),
        Field("blank", "빈칸", EMPTY),
        Field("qty", "수량", INT),
    )
)


def test_a_table_renders_in_declared_order_with_prefixes_and_decimals() -> None:
    rows = ROW.render(
        3,
        {
            "code": ["001", "002", "003"],
            "price": Directed(np.array([239449, 100, 5]), np.array([-1, 0, 1])),
            "change": np.array([-27847, 0, 12]),
            "qty": np.array([890, 0, 7]),
        },
    )
    assert rows == [
        {"code": "001", "price": "-2394.49", "change": "-27847", "blank": "", "qty": "890"},
        {"code": "002", "price": "1.00", "change": "0", "blank": "", "qty": "0"},
        {"code": "003", "price": "+0.05", "change": "+12", "blank": "", "qty": "7"},
    ]
    assert [list(r) for r in rows] == [list(ROW.names)] * 3


def test_a_signed_field_takes_a_direction_other_than_its_own_sign() -> None:
    """A net figure that rounds to zero keeps the exact figure's sign: "-0"."""
    row = ROW.render_one({"code": "x", "price": Directed(100, 0), "change": Directed(0, -1), "qty": 1})
    assert row["change"] == "-0"


def test_columns_must_match_the_record_exactly() -> None:
    good: dict[str, Any] = {"code": "a", "price": Directed(1, 0), "change": 0, "qty": 1}
    with pytest.raises(KeyError, match="missing"):
        ROW.render(1, {k: v for k, v in good.items() if k != "qty"})
    with pytest.raises(KeyError, match="extra"):
        ROW.render(1, {**good, "blank": ""})
    with pytest.raises(ValueError):
        ROW.render(2, {**good, "code": ["a", "b", "c"]})
    with pytest.raises(TypeError):
        ROW.render(1, {**good, "price": 100})  # a directed format needs its direction


def test_native_fields_stay_json_values_and_scale_decimals() -> None:
    record = Record(
        (
            Field("isuSrtCd", "단축코드", TEXT),
            Field("trdPrc", "지수", NUM2),
            Field("accTrdvol", "거래량", NUM),
        )
    )
    rows = record.render(2, {"isuSrtCd": ["K1", "Q1"], "trdPrc": [265769, 80012], "accTrdvol": [426879, 5]})
    assert rows == [
        {"isuSrtCd": "K1", "trdPrc": 2657.69, "accTrdvol": 426879},
        {"isuSrtCd": "Q1", "trdPrc": 800.12, "accTrdvol": 5},
    ]


def test_an_optional_field_without_a_value_is_empty_text_or_null() -> None:
    record = Record(
        (Field("a", "a", INT, optional=True), Field("b", "b", NUM, optional=True), Field("c", "c", INT))
    )
    assert record.render_one({"a": None, "b": None, "c": 3}) == {"a": "", "b": None, "c": "3"}
    assert record.render_one({"a": 1, "b": 2, "c": 3}) == {"a": "1", "b": 2, "c": "3"}


def test_duplicate_field_names_are_refused() -> None:
    with pytest.raises(ValueError):
        Record((Field("a", "a", INT), Field("a", "a", INT)))


def missing(name: str) -> Exception:
    return LookupError(f"missing {name}")


def bad(name: str, reason: str) -> Exception:
    return ValueError(f"{name}: {reason}")


BODY = Body(
    (
        Param("mrkt_tp", "시장", one_of(("0", "1"))),
        Param("stex_tp", "거래소", choice_of(KiwoomStexTp)),
        Param("base_dt", "기준일", str, required=False),
    )
)


def test_a_body_is_read_presence_first_then_values_in_table_order() -> None:
    req = BODY.read({"mrkt_tp": 1, "stex_tp": " 3 "}, missing, bad)
    assert req[BODY.params[0]] == "1" and req[BODY.params[1]] is KiwoomStexTp.ALL
    assert req.get(BODY.params[2]) is None
    with pytest.raises(LookupError, match="missing mrkt_tp"):
        BODY.read({"stex_tp": "9"}, missing, bad)  # absence is reported before bad values
    with pytest.raises(ValueError, match="mrkt_tp"):
        BODY.read({"mrkt_tp": "7", "stex_tp": "9"}, missing, bad)
    with pytest.raises(ValueError, match="stex_tp: 허용되지 않는 값입니다\\(1, 2, 3\\)"):
        BODY.read({"mrkt_tp": "0", "stex_tp": "9"}, missing, bad)
    with pytest.raises(ValueError, match="문자열"):
        BODY.read({"mrkt_tp": ["0"], "stex_tp": "1"}, missing, bad)
    with pytest.raises(LookupError, match="missing stex_tp"):
        BODY.read({"mrkt_tp": "0", "stex_tp": "  "}, missing, bad)


def test_a_parser_refuses_with_its_reason() -> None:
    def even(text: str) -> int:
        if int(text) % 2:
            raise ParamError("짝수여야 합니다")
        return int(text)

    body = Body((Param("n", "n", even),))
    assert body.read({"n": "4"}, missing, bad)[body.params[0]] == 4
    with pytest.raises(ValueError, match="n: 짝수여야 합니다"):
        body.read({"n": "3"}, missing, bad)
