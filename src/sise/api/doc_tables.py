"""Field tables of the docs, generated from the wire declarations.

``docs/kiwoom.md``, ``docs/koscom.md`` and ``docs/koscom-ws.md`` carry blocks like::

    <!-- fields: ka20001 summary -->
    | field | 한글명 | format | unit | what it is |
    …
    <!-- /fields -->

whose contents are rewritten from the declarations (``request``, ``summary`` or ``row`` of a TR).
``python -m sise.api.doc_tables`` rewrites them; a test fails when a page is out of date.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from sise.api.kiwoom.tr import Tr
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.koscom.endpoint import Endpoint
from sise.api.koscom.endpoints import KOSCOM_ENDPOINTS
from sise.api.koscom.ws_presets import doc_blocks as preset_blocks
from sise.api.koscom.ws_trades import TRADE_ITEM
from sise.api.wire import Body, Record

__all__ = [
    "body_table",
    "kiwoom_blocks",
    "koscom_blocks",
    "koscom_ws_blocks",
    "main",
    "record_table",
    "rewrite",
]

_BLOCK = re.compile(r"(<!-- fields: ([^>]+?) -->\n)(.*?)(<!-- /fields -->)", re.S)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def record_table(record: Record) -> str:
    lines = ["| field | 한글명 | format | unit | what it is |", "|---|---|---|---|---|"]
    for f in record:
        doc = f.doc + (f" **(inferred: {f.inferred})**" if f.inferred else "")
        if f.optional:
            doc += ' (`""` when there is none)'
        lines.append(f"| `{f.name}` | {f.label} | {_cell(f.fmt.doc)} | {f.unit} | {_cell(doc)} |")
    return "\n".join(lines) + "\n"


def body_table(body: Body) -> str:
    lines = ["| field | 한글명 | required | values |", "|---|---|---|---|"]
    lines += [f"| `{p.name}` | {p.label} | {'Y' if p.required else 'N'} | {_cell(p.values)} |" for p in body]
    return "\n".join(lines) + "\n"


def _tr_blocks(tr: Tr) -> dict[str, str]:
    out = {f"{tr.api_id} request": body_table(tr.request)}
    if tr.summary is not None:
        out[f"{tr.api_id} summary"] = record_table(tr.summary)
    if tr.row is not None:
        out[f"{tr.api_id} row"] = record_table(tr.row)
    return out


def kiwoom_blocks() -> dict[str, str]:
    return {k: v for tr in KIWOOM_TRS for k, v in _tr_blocks(tr).items()}


def _endpoint_blocks(ep: Endpoint) -> dict[str, str]:
    """Blocks named by the v2 path: ``<path> query``, ``<path> fields``, ``<path> row``."""
    out = {f"{ep.path} fields": record_table(ep.fields)}
    if ep.query.params:
        out[f"{ep.path} query"] = body_table(ep.query)
    if ep.row is not None:
        out[f"{ep.path} row"] = record_table(ep.row)
    return out


def koscom_blocks() -> dict[str, str]:
    return {k: v for ep in KOSCOM_ENDPOINTS for k, v in _endpoint_blocks(ep).items()}


def rewrite(text: str, blocks: Mapping[str, str]) -> str:
    """``text`` with every marked block replaced; ``KeyError`` for a block nothing declares."""

    def sub(m: re.Match[str]) -> str:
        return m.group(1) + blocks[m.group(2).strip()] + m.group(4)

    return _BLOCK.sub(sub, text)


def koscom_ws_blocks() -> dict[str, str]:
    """docs/koscom-ws.md: each ``/ws`` preset per kind, and the ``/ws_ksp`` / ``/ws_kdq`` item."""
    return {**preset_blocks(), "ws_ksp item": record_table(TRADE_ITEM)}


PAGES: dict[str, Callable[[], dict[str, str]]] = {
    "kiwoom.md": kiwoom_blocks,
    "koscom.md": koscom_blocks,
    "koscom-ws.md": koscom_ws_blocks,
}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks of the pages in ``docs/`` (default: ./docs)."""
    docs = Path((argv or sys.argv[1:] or ["docs"])[0])
    for name, blocks in PAGES.items():
        path = docs / name
        text = path.read_text(encoding="utf-8")
        new = rewrite(text, blocks())
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
