"""docs/sdk.md is true: every ```python example runs against a served sise, and its tables of
typed TRs and exceptions match the code."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import get_origin

import msgspec
import pytest

import sise.client
from served import free_port, served
from sise.client import AsyncKiwoomClient, KiwoomClient
from sise.client import kiwoom_calls as calls
from sise.client.kiwoom_errors import error_for
from sise.client.kiwoom_trs import KIWOOM_TRS
from sise.client.koscom_endpoints import KOSCOM_ENDPOINTS

DOC = Path(__file__).resolve().parents[1] / "docs" / "sdk.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", TEXT, re.S)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    mock_port = free_port()
    args = ["--mock-port", str(mock_port), "--history-years", "0", "--scale", "0.02", "--date", "2026-11-20"]
    with served(tmp_path_factory.mktemp("sise"), args) as s:
        keys = json.loads((s.data / "keys.json").read_text(encoding="utf-8"))
        yield {
            "SISE_BASE_URL": f"http://127.0.0.1:{s.port}",
            "SISE_KIWOOM_APPKEY": keys["real"][0]["appkey"],
            "SISE_KIWOOM_SECRETKEY": keys["real"][0]["secretkey"],
            "SISE_KIWOOM_MOCK_APPKEY": keys["mock"][0]["appkey"],
            "SISE_KIWOOM_MOCK_SECRETKEY": keys["mock"][0]["secretkey"],
            "SISE_KOSCOM_APIKEY": keys["koscom"][0]["apikey"],
            "mock_url": f"http://127.0.0.1:{mock_port}",
        }


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("n", range(len(EXAMPLES)))
def test_each_example_runs(n: int, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        if name.startswith("SISE_"):
            monkeypatch.setenv(name, value)
    # The examples name sise's default 모의투자 port; this server has its own.
    monkeypatch.setattr(sise.client, "SISE_KIWOOM_MOCK_URL", env["mock_url"])
    exec(compile(EXAMPLES[n], f"{DOC}:example {n + 1}", "exec"), {"__name__": "__main__"})


def _shown(fn: object) -> str:
    """``name(a, b="0", c=None)``: a signature as the docs write it."""
    params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]  # type: ignore[arg-type]
    keyword_only = next((i for i, p in enumerate(params) if p.kind is p.KEYWORD_ONLY), None)
    shown = [
        f"**{p.name}"
        if p.kind is p.VAR_KEYWORD
        else p.name
        if p.default is p.empty
        else f"{p.name}={json.dumps(p.default)}"
        for p in params
    ]
    if keyword_only is not None:
        shown.insert(keyword_only, "*")
    return f"{fn.__name__}({', '.join(shown)})".replace("=null", "=None")  # type: ignore[attr-defined]


def _rows(header: str) -> list[list[str]]:
    """The cells of the markdown table whose header row starts with ``header``."""
    start = TEXT.index(header)
    rows = []
    for line in TEXT[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip().strip("`") for c in line.strip("|").split("|")])
    return rows


def test_the_typed_tr_table_is_the_code() -> None:
    rows = _rows("| api-id | method |")
    assert [r[0] for r in rows] == list(KIWOOM_TRS)
    for api_id, signature, model, list_key in rows:
        name = signature.split("(")[0]
        fn = getattr(calls, name)
        required = [p for p in inspect.signature(fn).parameters.values()]
        call = fn(*["001"] * len(required))
        assert call.api_id == api_id and call.model.__name__ == model
        assert KIWOOM_TRS[api_id].list_key == (None if list_key == "(flat)" else list_key)
        for cls in (KiwoomClient, AsyncKiwoomClient):
            assert _shown(getattr(cls, name)) == signature


def test_the_typed_koscom_table_is_the_code() -> None:
    rows = _rows("| typed method | path | model | list |")
    assert [r[1] for r in rows] == [e.path.lstrip("/") for e in KOSCOM_ENDPOINTS]
    for (signature, _, model, list_key), endpoint in zip(rows, KOSCOM_ENDPOINTS, strict=True):
        assert signature.split("(")[0] == endpoint.method and model == endpoint.model.__name__
        lists = [f.encode_name for f in msgspec.structs.fields(endpoint.model) if get_origin(f.type) is list]
        assert lists == ([] if list_key == "(flat)" else [list_key])
        for cls in (sise.client.KoscomClient, sise.client.AsyncKoscomClient):
            assert _shown(getattr(cls, endpoint.method)) == signature


def test_the_koscom_tables_are_the_code() -> None:
    for signature, _ in _rows("| method | path |"):
        assert _shown(getattr(sise.client.KoscomClient, signature.split("(")[0])) == signature
    for name, _ in _rows("| exception (all `KoscomError`"):
        for each in name.split(", "):
            assert issubclass(getattr(sise.client, each.strip("`")), sise.client.KoscomError)


def test_the_exception_table_is_the_code() -> None:
    for name, _, codes in _rows("| exception | when | codes |"):
        cls = getattr(sise.client, name.split(" ")[0].strip("`"))
        for a, b in re.findall(r"\b(\d{4})(?:–(\d{4}))?\b", codes):
            for code in range(int(a), int(b or a) + 1):
                assert type(error_for(2, f"x[{code}:y]")) is cls, code
