"""``to_frame()``: Kiwoom models and Koscom answers as pandas DataFrames, pandas imported only then."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sise.client import to_frame
from sise.client.kiwoom_models import DayChart, SectorPrice, SectorProgram, decode

CHART = {
    "inds_cd": "001",
    "inds_dt_pole_qry": [
        {"cur_prc": "388193", "trde_qty": "12426", "dt": "20261120", "open_pric": "390000",
         "high_pric": "391000", "low_pric": "387000", "trde_prica": "149404"},
        {"cur_prc": "390100", "trde_qty": "391788", "dt": "20261119", "open_pric": "389000",
         "high_pric": "392000", "low_pric": "388000", "trde_prica": "31959887"},
    ],
}  # fmt: skip
HISTORY = {
    "isuSrtCd": "005930",
    "hisLists": [
        {"trdDd": 20261120, "trdPrc": 293500, "cmpprevddTpCd": "5", "cmpprevddPrc": -7000},
        {"trdDd": 20261119, "trdPrc": 300500, "cmpprevddTpCd": "5", "cmpprevddPrc": -4000},
    ],
}


def test_a_kiwoom_list_is_one_row_per_item() -> None:
    chart = decode(DayChart, CHART)
    frame = chart.to_frame()
    assert list(frame.columns) == [
        "cur_prc",
        "trde_qty",
        "dt",
        "open_pric",
        "high_pric",
        "low_pric",
        "trde_prica",
    ]
    assert frame["cur_prc"].tolist() == [3881.93, 3901.0]  # ×100 on the wire, points here
    assert frame["dt"].tolist() == ["20261120", "20261119"] and frame["trde_qty"].tolist() == [12426, 391788]
    assert to_frame(chart.inds_dt_pole_qry).equals(frame)  # the rows alone make the same frame


def test_levels_give_their_value_and_a_flat_tr_one_row() -> None:
    price = decode(SectorPrice, {"cur_prc": "-2394.49", "flu_rt": "-1.5", "inds_cur_prc_tm": [
        {"tm_n": "153030", "cur_prc_n": "-2394.49", "pred_pre_n": "-36.5"}]})  # fmt: skip
    rows = price.to_frame()
    assert rows["cur_prc_n"].tolist() == [2394.49] and rows["pred_pre_n"].tolist() == [-36.5]
    program = decode(SectorProgram, {"dfrt_trst_sell_qty": "5066", "all_dfrt_trst_netprps_amt": "-821"})
    one = program.to_frame()
    assert len(one) == 1 and one.loc[0, "all_dfrt_trst_netprps_amt"] == -821


def test_a_koscom_answer_gives_its_list() -> None:
    frame = to_frame(HISTORY)
    assert frame["trdPrc"].tolist() == [293500, 300500] and "isuSrtCd" not in frame.columns
    assert to_frame({"isuSrtCd": "K1", "trdPrc": 7603.31}).loc[0, "trdPrc"] == 7603.31  # a flat answer
    with pytest.raises(ValueError, match="2 lists"):
        to_frame({"a": [], "b": []})
    with pytest.raises(TypeError):
        to_frame(42)


def test_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'sise\[pandas\]'"):
        to_frame(HISTORY)


def test_the_sdk_does_not_import_pandas() -> None:
    probe = "import sys, sise.client; print('pandas' in sys.modules, 'numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
