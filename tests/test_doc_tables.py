"""The field tables in docs/ are the declarations' (``python -m sise.api.doc_tables docs``)."""

from __future__ import annotations

import re
from pathlib import Path

from sise.api.doc_tables import PAGES, rewrite
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_generated_field_tables_are_up_to_date() -> None:
    for name, blocks in PAGES.items():
        text = (DOCS / name).read_text(encoding="utf-8")
        assert rewrite(text, blocks()) == text, f"run: python -m sise.api.doc_tables docs ({name})"


def test_every_kiwoom_record_is_documented() -> None:
    text = (DOCS / "kiwoom.md").read_text(encoding="utf-8")
    marked = set(re.findall(r"<!-- fields: ([^>]+?) -->", text))
    for tr in KIWOOM_TRS:
        for part, record in (("summary", tr.summary), ("row", tr.row)):
            if record is None:
                continue
            shared = any(
                f"{other.api_id} {part}" in marked
                for other in KIWOOM_TRS
                if (other.summary if part == "summary" else other.row) is record
            )
            assert shared, f"{tr.api_id} {part} is in no generated table of docs/kiwoom.md"


def test_rewrite_replaces_only_marked_blocks() -> None:
    text = "a\n<!-- fields: x -->\nold\n<!-- /fields -->\nb\n"
    assert rewrite(text, {"x": "new\n"}) == "a\n<!-- fields: x -->\nnew\n<!-- /fields -->\nb\n"


def test_every_koscom_endpoint_is_documented() -> None:
    """Each record in a generated table; a record several endpoints share (the 시세표 envelope)
    once."""
    text = (DOCS / "koscom.md").read_text(encoding="utf-8")
    marked = set(re.findall(r"<!-- fields: ([^>]+?) -->", text))
    for ep in KOSCOM_ENDPOINTS:
        for part in ("fields", "row"):
            record = getattr(ep, part)
            if record is None or not len(record):  # nothing but the list
                continue
            owners = [o.path for o in KOSCOM_ENDPOINTS if getattr(o, part) is record]
            assert any(f"{o} {part}" in marked for o in owners), (
                f"{ep.path} {part}: no table in docs/koscom.md"
            )
