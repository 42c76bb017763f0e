"""The SDK's Koscom declarations (``sise.client.koscom_endpoints`` / ``koscom_models``) against the
server's (``sise.api.koscom``): declared on each side of the SDK's import boundary, they must name
the same endpoints, query parameters and fields. And the models' tolerance of Koscom's quirks."""

from __future__ import annotations

import inspect
from typing import Any, get_args, get_origin

import msgspec
import pytest

from sise.api.koscom.endpoint import Endpoint
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS as SERVED
from sise.api.wire import Record
from sise.client import AsyncKoscomClient, KoscomClient
from sise.client import koscom_models as m
from sise.client.koscom_endpoints import KOSCOM_ENDPOINTS, KoscomEndpoint

#: The Python type each server value format decodes to.
TYPES: dict[str, Any] = {
    "str": str,
    "code": str,
    "yn": str,
    "date_str": str,
    "time_str": str,
    "int": int | None,
    "date": int | None,
    "time": int | None,
    "num": float | None,
    "num2": float | None,
    "date_list": list[str],
}


def _fields(model: type[m.KoscomModel]) -> dict[str, Any]:
    return {f.encode_name: f.type for f in msgspec.structs.fields(model)}


def _expected(record: Record) -> dict[str, Any]:
    return {f.name: TYPES[f.fmt.name] for f in record}


def _pairs() -> list[tuple[KoscomEndpoint[m.KoscomModel], Endpoint]]:
    served = {e.path: e for e in SERVED}
    return [(c, served[c.path]) for c in KOSCOM_ENDPOINTS if c.path in served]


def test_the_client_declares_every_served_endpoint_once() -> None:
    assert [c.path for c in KOSCOM_ENDPOINTS] == [e.path for e in SERVED]
    assert len({c.method for c in KOSCOM_ENDPOINTS}) == len(KOSCOM_ENDPOINTS)


@pytest.mark.parametrize(("client", "served"), _pairs(), ids=lambda x: getattr(x, "method", None))
def test_query_and_fields_match_the_server(client: KoscomEndpoint[m.KoscomModel], served: Endpoint) -> None:
    assert client.query == tuple(p.name for p in served.query.params)
    fields = _fields(client.model)
    expected = _expected(served.fields)
    if served.list_key is not None:
        assert served.row is not None
        row = fields.pop(served.list_key)
        assert get_origin(row) is list
        (row_model,) = get_args(row)
        assert _fields(row_model) == _expected(served.row)
    assert fields == expected


@pytest.mark.parametrize("endpoint", KOSCOM_ENDPOINTS, ids=lambda e: e.method)
def test_each_endpoint_has_a_method_on_both_clients(endpoint: KoscomEndpoint[m.KoscomModel]) -> None:
    sync, async_ = getattr(KoscomClient, endpoint.method), getattr(AsyncKoscomClient, endpoint.method)
    assert inspect.iscoroutinefunction(async_) and not inspect.iscoroutinefunction(sync)
    for method in (sync, async_):
        signature = inspect.signature(method)
        assert signature.return_annotation == f"m.{endpoint.model.__name__}"
        keywords = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
        assert set(keywords) | {"isuCd"} >= set(endpoint.query)  # isuCd: the codes, positional
    assert inspect.signature(sync) == inspect.signature(async_)


def test_the_path_takes_the_placeholders_in_order() -> None:
    from sise.client import koscom_endpoints as ep

    assert ep.STOCK_HISTORY.url_path("kospi", "005930") == "stocks/kospi/005930/history"
    assert ep.FUTURES_INVESTORS.url_path("kospi200") == "futures/kospi200/market/investors"
    selective = ep.STOCK_SELECTIVE_MASTER.url_path("kospi", "005930", flags=["prevddClsprc", "wk52HgstPrc"])
    assert selective == "stocks/kospi/005930/selectivemaster?prevddClsprc&wk52HgstPrc"
    with pytest.raises(TypeError):
        ep.STOCK_PRICE.url_path("kospi")
    with pytest.raises(ValueError, match="at most 10"):
        ep.STOCK_SELECTIVE_MASTER.url_path("kospi", "005930", flags=["trdPrc"] * 11)


# -- the documented quirks (koscom.md §5.2, §12) ---------------------------------------------------------


def test_extra_fields_are_ignored_and_missing_ones_default() -> None:
    price = m.decode(m.StockPrice, {"isuSrtCd": "005930", "trdPrc": 60700, "newField": [1, 2]})
    assert (price.isuSrtCd, price.trdPrc, price.opnprc, price.cmpprevddTpCd) == ("005930", 60700, None, "")


def test_null_and_empty_values_read_as_none() -> None:
    master = m.decode(m.FuturesMaster, {"setlTheoPrc": None, "opnintLmtQty": "", "isuSrtCd": None})
    assert (master.setlTheoPrc, master.opnintLmtQty, master.isuSrtCd) == (None, None, "")


def test_numbers_as_text_and_text_as_numbers_are_read() -> None:
    row = {"trdDd": "20220503", "trdPrc": "68100", "cmpprevddTpCd": 2, "cmpprevddPrc": "-500"}
    history = m.decode(m.StockHistory, {"isuSrtCd": "005930", "hisLists": [row]})
    (r,) = history.hisLists
    assert (r.trdDd, r.trdPrc, r.cmpprevddTpCd, r.cmpprevddPrc) == (20220503, 68100, "2", -500)
    index = m.decode(m.IndexLevel, {"trdPrc": 2650, "cmpprevddPrc": "-12.5"})
    assert (index.trdPrc, index.cmpprevddPrc) == (2650.0, -12.5)
    assert isinstance(index.trdPrc, float)


def test_the_other_documented_spellings_are_read() -> None:
    # 2018 samples' BzDd for trdDd in hisLists; the spec's IsuEngNm for isuEngNm.
    history = m.decode(m.StockHistory, {"hisLists": [{"BzDd": 20181228, "trdPrc": 38700}]})
    assert history.hisLists[0].trdDd == 20181228
    master = m.decode(m.StockMaster, {"IsuEngNm": "Samsung Electronics", "trdDd": 20181228})
    assert master.isuEngNm == "Samsung Electronics"
    # Where both are sent, the field's own spelling wins; selectivemaster's own BzDd stays its own.
    both = m.decode(m.StockMaster, {"IsuEngNm": "old", "isuEngNm": "new"})
    assert both.isuEngNm == "new"
    selective = m.decode(m.StockSelectiveMaster, {"BzDd": 20261119, "trdDd": 20261120})
    assert (selective.BzDd, selective.trdDd) == (20261119, 20261120)


def test_a_value_that_is_no_number_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"StockHistory.*hisLists\[0\]\.trdPrc"):
        m.decode(m.StockHistory, {"hisLists": [{"trdPrc": "n/a"}]})
    with pytest.raises(ValueError, match="not a Koscom answer"):
        m.decode(m.StockPrice, ["005930"])
