"""The Kiwoom TR declarations against the reference (``../shared/reference/kiwoom.md``).

The declarations in ``sise.api.kiwoom.views_*`` are the one place a field is named; this module
reads the reference's own tables and checks every declared request and response record against
them: names, order where the reference gives one, required flags, list keys and paths. Where the
reference gives no order (the chart rows), the test says what it does check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sise.api.kiwoom.tr import Tr
from sise.api.kiwoom.views import KIWOOM_TRS
from sise.api.wire import Record

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "kiwoom.md"
TRS = {t.api_id: t for t in KIWOOM_TRS}

pytestmark = pytest.mark.skipif(not REFERENCE.exists(), reason=f"reference not found at {REFERENCE}")


def section(title_start: str) -> str:
    """The text of the ``###`` section whose title starts with ``title_start``."""
    text = REFERENCE.read_text(encoding="utf-8")
    m = re.search(rf"^### {re.escape(title_start)}.*?$(.*?)(?=^##)", text, re.M | re.S)
    assert m is not None, title_start
    return m.group(1)


def tables(text: str) -> list[list[list[str]]]:
    """Markdown tables of ``text``: rows of cells, header and rule rows dropped."""
    out: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            current.append(cells)
        elif current:
            out.append(current[2:])  # header, rule
            current = []
    return out


def names_in(cell: str) -> list[str]:
    return re.findall(r"`([A-Za-z0-9_]+)`", cell)


def first_column(table: list[list[str]]) -> list[str]:
    return [n for row in table for n in names_in(row[0])]


def request_fields(tr: Tr) -> list[tuple[str, bool]]:
    return [(p.name, p.required) for p in tr.request]


def row(tr: Tr) -> Record:
    assert tr.row is not None
    return tr.row


# ---------------------------------------------------------------------------------------------------


def test_the_sector_trs_are_served_on_sect_with_their_reference_bodies() -> None:
    """§2.0's summary of real request bodies: names, order, ``?`` = optional."""
    table = tables(section("2.0"))[0]
    assert {r[0] for r in table} == {t.api_id for t in KIWOOM_TRS if t.category == "sect"}
    for api_id, name, body in table:
        tr = TRS[api_id]
        assert tr.name == name
        expected = [(n, not re.search(rf'"{n}"\?', body)) for n in re.findall(r'"([a-z_]+)"', body)]
        assert request_fields(tr) == expected, api_id


@pytest.mark.parametrize(
    ("title", "api_id", "list_key"),
    [
        ("2.2", "ka10051", "inds_netprps"),
        ("2.3", "ka20001", "inds_cur_prc_tm"),
        ("2.4", "ka20002", "inds_stkpc"),
        ("2.5", "ka20003", "all_inds_idex"),
        ("2.6", "ka20009", "inds_cur_prc_daly_rept"),
    ],
)
def test_list_rows_match_the_reference_table(title: str, api_id: str, list_key: str) -> None:
    text = section(title)
    tr = TRS[api_id]
    assert tr.list_key == list_key and f"**`{list_key}`**" in text
    response = tables(text)[-1]  # the row table is the section's last
    assert list(row(tr).names) == first_column(response)
    labels = {n: r[1] for r in response for n in names_in(r[0])}
    for f in row(tr):
        if labels[f.name].startswith("("):
            continue  # the reference's table does not label it (stex_tp)
        assert f.label in labels[f.name], (api_id, f.name)


def test_ka20001_and_ka20009_share_the_22_summary_fields_of_the_reference() -> None:
    summary = tables(section("2.3"))[1]
    names = first_column(summary)
    assert len(names) == 22
    assert TRS["ka20001"].summary is TRS["ka20009"].summary
    s = TRS["ka20001"].summary
    assert s is not None and list(s.names) == names


def test_ka10010_has_the_18_flat_fields_of_the_reference() -> None:
    table = tables(section("2.1"))[-1]
    names = {n for r in table for cell in r[1:] for n in names_in(cell)}
    s = TRS["ka10010"].summary
    assert len(names) == 18 and s is not None and set(s.names) == names
    assert TRS["ka10010"].list_key is None
    # The order is the reference example's: sell qty, sell amt, … per group.
    example = re.findall(r'"([a-z_]+_(?:qty|amt))"', section("2.1"))
    assert [n for n in s.names if n in example] == example


def test_ka10101_record_and_envelope() -> None:
    text = section("3.4")
    tr = TRS["ka10101"]
    assert tr.category == "stkinfo" and tr.list_key == "list" and tr.list_first
    listed = re.search(r"of `\{([A-Za-z, ]+)\}`", text)
    assert listed is not None and list(row(tr).names) == listed.group(1).split(", ")
    assert request_fields(tr) == [("mrkt_tp", True)]


def test_chart_trs_match_the_reference_notes() -> None:
    """§2.7 lists ka20004's row fields in order and says what the others add; their exact order
    is not given (sise follows ka20004's and appends)."""
    table = {r[0].split()[0]: r for r in tables(section("2.7"))[0]}
    tick = re.findall(r"`([a-z_]+)`", table["ka20004"][3].split(";")[0])
    assert list(row(TRS["ka20004"]).names) == tick
    assert set(row(TRS["ka20005"]).names) == {*tick, "acc_trde_qty"}
    assert {"dt", "trde_prica"} <= set(row(TRS["ka20006"]).names)
    for api_id, key in (("ka20004", "inds_tic_chart_qry"), ("ka20005", "inds_min_pole_qry")):
        assert TRS[api_id].list_key == key and key in table[api_id][2]
    assert TRS["ka20006"].list_key == "inds_dt_pole_qry"
    assert TRS["ka20019"].list_key == "inds_yr_pole_qry"
    for api_id in ("ka20004", "ka20005", "ka20006", "ka20007", "ka20008", "ka20019"):
        tr = TRS[api_id]
        assert tr.category == "chart"
        assert tr.summary is not None and tr.summary.names == ("inds_cd",)
        request = [n for n in re.findall(r"`([a-z_]+)`", table.get(api_id, ["", ""])[1])]
        if request:  # ka20007/08 are "same pattern" in the reference
            assert [n for n, _ in request_fields(tr)] == request, api_id
        required = {n for n, req in request_fields(tr) if req}
        assert required == (
            {"inds_cd", "tic_scope"} if api_id in ("ka20004", "ka20005") else {"inds_cd", "base_dt"}
        )


def test_every_record_field_has_a_label_a_format_and_a_meaning() -> None:
    for tr in KIWOOM_TRS:
        for record in (tr.summary, tr.row):
            for f in record or ():
                assert f.label and f.doc, (tr.api_id, f.name)
