"""The vendor error catalogues against the vendor references, the code and the docs.

Every entry marked ``Source.REFERENCE`` must match what ``../shared/reference/`` quotes (code,
text, category, HTTP status); every other entry must say why, and say it about what it chose.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from sise.api.errors import ErrorSpec, Source
from sise.api.kiwoom import errors as kiwoom
from sise.api.koscom import errors as koscom

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
SRC = ROOT / "src" / "sise" / "api"


def reference(name: str) -> str:
    path = REFERENCE / name
    assert path.is_file(), f"{path} is missing: the checks need ../shared beside the repository"
    return path.read_text(encoding="utf-8")


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def pattern(spec: ErrorSpec) -> re.Pattern[str]:
    """The template as a regex: literal text exact, each field any non-empty text."""
    parts = re.split(r"\{(\w+)\}", spec.template.replace("{{", "\0").replace("}}", "\1"))
    literal = [re.escape(p.replace("\0", "{").replace("\1", "}")) for p in parts[::2]]
    return re.compile("(.+?)".join(literal))


# ------------------------------------------------------------------------------------ Kiwoom


@dataclass
class KiwoomReference:
    """What kiwoom.md says about errors: §1.8's tables and every quoted ``[code:text]``."""

    category_text: dict[int, str] = field(default_factory=dict)
    category_codes: dict[int, set[int]] = field(default_factory=dict)
    status: dict[tuple[int, int | None], int] = field(default_factory=dict)  # (category, code|None)
    official: set[int] = field(default_factory=set)
    quotes: dict[int, list[str]] = field(default_factory=dict)


def kiwoom_reference() -> KiwoomReference:
    md = reference("kiwoom.md")
    errors = section(md, "### 1.8 Response envelope and errors", "### 1.9")
    ref = KiwoomReference()
    for rc, text, codes, http in re.findall(r"^\| (\d) \| `([^`]+)` \| (.*?) \| (.*?) \|", errors, re.M):
        ref.category_text[int(rc)] = text
        ref.category_codes[int(rc)] = {int(c) for c in re.findall(r"(?<!\w)(\d{4})(?!\w)", codes)}
        per_code = re.findall(r"(\d{3})\**\s+for\s+(\d{4})", http)
        for status, code in per_code:
            ref.status[int(rc), int(code)] = int(status)
        if not per_code:
            ref.status[int(rc), None] = int(re.findall(r"\d{3}", http)[0])
    table = errors[errors.index("**Official detail-code table**") :]
    for codes in re.findall(r"^\| (\d{4}(?: / \d{4})*) \|", table, re.M):
        ref.official |= {int(c) for c in codes.split(" / ")}
    for code, text in re.findall(r"\[(\d{4}):([^\[\]]+)\]", md):
        ref.quotes.setdefault(int(code), []).append(text)
    assert f"`{kiwoom.OK_MSG}`" in errors
    return ref


def test_the_kiwoom_reference_parses() -> None:
    ref = kiwoom_reference()
    # The checks below are only as good as this parse: pin what §1.8 holds.
    assert set(ref.category_text) == {1, 2, 3, 5, 7}
    assert ref.category_codes[2] == {1511, 1513, 8020, 8030, 8104}
    assert ref.status[5, 1700] == 429 and ref.status[2, None] == 200
    assert len(ref.official) == 37 and {1501, 1517, 8002, 8200} <= ref.official
    assert "Token이 유효하지 않습니다" in ref.quotes[8005]


def test_the_kiwoom_catalogue_matches_the_reference() -> None:
    ref = kiwoom_reference()
    for rc, text in ref.category_text.items():
        assert kiwoom.CATEGORY_TEXT[rc] == text
    problems: list[str] = []
    for name, e in kiwoom.CATALOGUE.items():
        quoted = [q for q in ref.quotes.get(e.code, []) if pattern(e).fullmatch(q)]
        listed = {rc for rc, codes in ref.category_codes.items() if e.code in codes}
        expected = ref.status.get((e.return_code, e.code), ref.status.get((e.return_code, None)))
        if e.code not in ref.official and e.source is not Source.SISE:
            problems.append(f"{name}: {e.code} is not one of Kiwoom's codes, yet not marked as sise's")
        if e.source is Source.REFERENCE:
            if not quoted:
                problems.append(f"{name}: no quote of [{e.code}:…] in kiwoom.md matches {e.template!r}")
            if e.return_code not in listed:
                problems.append(f"{name}: kiwoom.md lists {e.code} under {sorted(listed)}")
            if e.status != expected:
                problems.append(f"{name}: kiwoom.md gives HTTP {expected}")
        else:
            if quoted:
                problems.append(f"{name}: kiwoom.md quotes this text ({quoted[0]!r}); mark it REFERENCE")
            if e.return_code not in listed and "category" not in e.why:
                problems.append(f"{name}: category {e.return_code} is a choice; `why` must explain it")
            if e.status != expected and "HTTP" not in e.why:
                problems.append(f"{name}: HTTP {e.status} (reference: {expected}); `why` must explain it")
    assert not problems, "\n".join(problems)


def test_kiwoom_errors_are_raised_by_name_with_their_fields() -> None:
    e = kiwoom.STOCK_NOT_FOUND(code="999999")
    assert e.body() == {
        "return_code": 2,
        "return_msg": "입력 값 오류입니다[1902:종목정보가 존재하지 않습니다. 종목코드=999999]",
    }
    limited = kiwoom.RATE_LIMITED(api_id="ka20001")
    assert limited.http_status == 429 and limited.return_code == 5
    assert kiwoom.bad_field("inds_cd", "없음").message == (
        "입력 값 오류입니다[1517:입력 값 형식이 올바르지 않습니다. 파라미터=inds_cd 실패사유= 없음]"
    )
    assert kiwoom.BODY_NOT_OBJECT().text.endswith("실패사유= JSON 객체({...})여야 합니다")
    assert kiwoom.BODY_TOO_LARGE.params == {"max_bytes"} and kiwoom.NOT_A_STRING.params == {"name"}
    with pytest.raises(TypeError, match="takes"):
        kiwoom.STOCK_NOT_FOUND()
    with pytest.raises(TypeError, match="takes"):
        kiwoom.STOCK_NOT_FOUND(code="1", venue="NXT")


def test_an_entry_must_say_why_unless_quoted() -> None:
    with pytest.raises(ValueError, match="why"):
        kiwoom.ErrorDef(return_code=2, code=1517, template="x", source=Source.VENDOR)
    with pytest.raises(ValueError, match="plain names"):
        kiwoom.ErrorDef(return_code=2, code=1517, template="{a.b}", source=Source.REFERENCE)
    with pytest.raises(TypeError, match="no field"):
        kiwoom.BAD_FIELD.bind(nmae="body")
    bound = kiwoom.BAD_FIELD.bind(name="x", reason="{{literal}} {n}", status=405)
    assert bound.params == {"n"} and bound.status == 405 and bound.code == 1517
    assert bound(n=3).text == "입력 값 형식이 올바르지 않습니다. 파라미터=x 실패사유= {literal} 3"


def _calls(path: Path, names: set[str]) -> Iterable[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if called in names:
                yield node.lineno, called


def test_kiwoom_errors_are_only_built_in_the_catalogue() -> None:
    modules = sorted((SRC / "kiwoom").glob("*.py"))
    assert len(modules) > 5
    found = [
        f"{p.name}:{line} {name}(…)"
        for p in modules
        if p.name != "errors.py"
        for line, name in _calls(p, {"KiwoomError", "ErrorDef"})
    ]
    assert found == [], "raise a catalogue entry by name instead"


def _imports(package: Path) -> set[str]:
    out: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module)
    return out


def test_the_vendor_packages_never_import_each_other() -> None:
    assert not any(m.startswith("sise.api.koscom") for m in _imports(SRC / "kiwoom"))
    assert not any(m.startswith("sise.api.kiwoom") for m in _imports(SRC / "koscom"))


# ------------------------------------------------------------------------------------ Koscom


def koscom_reference() -> tuple[list[tuple[int, dict[str, str]]], dict[int, str], set[int]]:
    """koscom.md §1.5: the gateway bodies (status, JSON), the 시세 codes, the common statuses."""
    errors = section(reference("koscom.md"), "### 1.5 Errors", "### 1.6")
    bodies = [
        (int(status), json.loads(body))
        for status, body in re.findall(r"^\| (\d{3}) [A-Za-z ]+ \| `(\{.*?\})` \|", errors, re.M)
    ]
    codes = {int(c): m for c, m in re.findall(r"^\| (\d{5}) \| (.+?) \|$", errors, re.M)}
    # The WebSocket's own code, quoted once after the table.
    codes |= {int(c): m for m, c in re.findall(r'"error":\{"message":"([^"]+)","code":(\d+)\}', errors)}
    common = re.search(r"error code = status: ([\d,\s]+)", errors)
    assert common is not None
    assert '`{"jsonrpc":"2.0","error":{"code":…,"message":…}}`' in errors
    return bodies, codes, {int(s) for s in re.findall(r"\d{3}", common.group(1))}


def test_the_koscom_reference_parses() -> None:
    bodies, codes, common = koscom_reference()
    assert (404, {"message": "no Route matched with those values"}) in bodies and len(bodies) == 5
    assert len(codes) == 39 and codes[20110] == "비영업일 이어서 Data가 없습니다"
    assert codes[47] == "정상적인 JSON-RPC 형식이 아닙니다"
    assert {400, 404, 405, 505} <= common


def test_the_koscom_catalogue_matches_the_reference() -> None:
    bodies, codes, common = koscom_reference()
    problems: list[str] = []
    seen_bodies: list[tuple[int, dict[str, str]]] = []
    seen_codes: set[int] = set()
    for name, e in koscom.CATALOGUE.items():
        err = e()
        body = orjson.loads(err.body)
        assert err.status == e.status
        if e.kind is koscom.Kind.RPC:
            assert e.code is not None
            assert list(body) == ["jsonrpc", "error"] and list(body["error"]) == ["code", "message"]
            seen_codes.add(e.code)
            if e.source is not Source.REFERENCE:  # sise's own: a code Koscom does not use
                if e.code in codes:
                    problems.append(f"{name}: koscom.md has {e.code}; quote it and mark it REFERENCE")
            elif codes.get(e.code) != body["error"]["message"] or body["error"]["code"] != e.code:
                problems.append(f"{name}: koscom.md says {e.code} is {codes.get(e.code)!r}")
            if e.status < 400 or "HTTP status" not in e.why:  # undocumented: the choice must be explained
                problems.append(f"{name}: HTTP {e.status} for a 시세 error needs a 4xx/5xx and a reason")
            continue
        quoted = (e.status, body) in bodies
        seen_bodies.append((e.status, body))
        if e.source is Source.REFERENCE and not quoted:
            problems.append(f"{name}: koscom.md has no {e.status} {body}")
        if e.source is not Source.REFERENCE:
            if quoted:
                problems.append(f"{name}: koscom.md quotes {e.status} {body}; mark it REFERENCE")
            if e.status not in common:
                problems.append(f"{name}: HTTP {e.status} is not one of Koscom's common errors")
    missing = [b for b in bodies if b not in seen_bodies] + sorted(set(codes) - seen_codes)
    assert not missing, f"koscom.md errors without a catalogue entry: {missing}"
    assert not problems, "\n".join(problems)


def test_koscom_bodies_are_exact_bytes() -> None:
    assert koscom.ISSUE_NOT_FOUND().body == (
        '{"jsonrpc":"2.0","error":{"code":10040,"message":"종목코드가 존재 하지 않습니다"}}'.encode()
    )
    assert koscom.NO_API_KEY().body == b'{"message":"No API key found in request"}'
    assert koscom.CLOSE_NOT_AVAILABLE().body == '{"error":"당일 종가 제공 시간이 아닙니다."}'.encode()
    assert koscom.RATE_LIMITED().answer().media_type == "application/json; charset=utf-8"
    assert koscom.render(koscom.Kind.GATEWAY, "x") == b'{"message":"x"}'
    with pytest.raises(ValueError):
        koscom.render(koscom.Kind.RPC, "x")


# -------------------------------------------------------------------------------------- docs

BEGIN = "<!-- generated from sise.api.kiwoom.errors: begin -->"
END = "<!-- generated from sise.api.kiwoom.errors: end -->"
HEADER = "| return_code | code | HTTP | text after `<code>:` | when | source |\n|---|---|---|---|---|---|\n"


def doc_table(entries: Iterable[kiwoom.ErrorDef]) -> str:
    """The docs' error table for ``entries``: fields shown as ``<name>``."""
    rows = []
    for e in entries:
        text = re.sub(r"\{(\w+)\}", r"<\1>", e.template).replace("{{", "{").replace("}}", "}")
        cells = [str(e.return_code), str(e.code), str(e.status), f"`{text}`", e.when, e.source.value]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n")
    return HEADER + "".join(rows)


VIEW_ERRORS = ("MISSING_FIELD", "BAD_FIELD", "STOCK_NOT_FOUND", "STOCK_NOT_ON_VENUE", "MOCK_UNSUPPORTED")


@pytest.mark.parametrize(
    ("doc", "names"),
    [("kiwoom-auth.md", tuple(kiwoom.CATALOGUE)), ("kiwoom.md", VIEW_ERRORS)],
)
def test_the_docs_error_tables_are_the_catalogue(doc: str, names: tuple[str, ...]) -> None:
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, f"docs/{doc} lacks the generated-table markers"
    block = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip("\n") + "\n"
    expected = doc_table(kiwoom.CATALOGUE[n] for n in names)
    assert block == expected, f"docs/{doc}: replace the table between the markers with:\n{expected}"
