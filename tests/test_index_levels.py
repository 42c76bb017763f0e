"""Starting index levels a user sets (``sise.market.levels``): the names an index goes by, the
prices moved to the levels, the universe CSV's ``INDEX`` rows, and a real ``sise serve
--index-level`` whose sector TRs and Koscom index answers start from the levels asked for."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from served import Served, served
from sise.cli.main import main
from sise.client.kiwoom import KiwoomClient
from sise.engine.engine import Engine
from sise.market.indices_table import INDEX_DEFINITIONS
from sise.market.levels import index_named, parse_index_level
from sise.market.ticks import on_tick
from sise.market.types import InstrumentKind
from sise.market.universe import CSV_COLUMNS, Universe, build_universe, load_universe_csv, write_universe_csv
from sise.server.history import identity
from sise.sources.actions import actions_on


def small(levels: dict[str, float] | None = None) -> Universe:
    return build_universe(n_kospi=300, n_kosdaq=300, n_etf=60, n_etn=20, levels=levels)


@pytest.fixture(scope="module")
def start() -> Universe:
    return small()


def level(u: Universe, key: str) -> float:
    return float(u.levels[[d.key for d in u.indices].index(key)])


def weighted(u: Universe, key: str, prices: Any) -> float:
    """Σ shares × price over ``key``'s constituents (float-adjusted where the index is)."""
    d = index_named(key)
    shares = u.instruments.float_shares if d.float_adjusted else u.instruments.listed_shares
    m = u.index_members(key)
    return float(np.asarray(prices)[m] @ shares[m].astype(np.float64))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("KOSPI", "KOSPI"),
        ("kospi 200", "KOSPI200"),
        ("1028", "KOSPI200"),
        ("201", "KOSPI200"),
        ("K51", "KOSPI200"),
        ("코스닥 150", "KOSDAQ150"),
        ("Q203", "KOSDAQ150"),
        ("013", "KOSPI_IND_013"),
        ("2065", "KOSDAQ_IND_065"),
        ("kospi_ind_013", "KOSPI_IND_013"),
        ("코스피", "KOSPI"),
    ],
)
def test_every_form_of_an_index_name(name: str, key: str) -> None:
    assert index_named(name).key == key
    assert parse_index_level(f"{name}=1234.5") == (key, 1234.5)


def test_names_refused() -> None:
    with pytest.raises(ValueError, match=r"ambiguous: KOSPI_IND_008 \(1008\) or KOSDAQ_IND_065"):
        index_named("화학")
    with pytest.raises(ValueError, match="unknown index 'S&P500'"):
        index_named("S&P500")
    for bad in ("KOSPI=0", "KOSPI=-1", "KOSPI=nan", "KOSPI=inf", "KOSPI=", "=5", "KOSPI"):
        with pytest.raises(ValueError):
            parse_index_level(bad)


def test_a_level_moves_its_constituents_and_every_index_sharing_them(start: Universe) -> None:
    u = small({"KOSPI": 2650.0, "코스닥": 700.0})
    assert (level(u, "KOSPI"), level(u, "KOSDAQ")) == (2650.0, 700.0)
    old, new = start.instruments.prev_close, u.instruments.prev_close
    # Each index is still its constituents' cap over the base the start fixed.
    for d in INDEX_DEFINITIONS:
        if len(start.index_members(d.key)):
            ratio = weighted(u, d.key, new) / weighted(start, d.key, old)
            assert level(u, d.key) == pytest.approx(level(start, d.key) * ratio, rel=2e-4), d.key
    assert level(u, "KOSPI200") == pytest.approx(level(start, "KOSPI200") * 2650.0 / 7772.3, rel=0.02)
    stocks = u.instruments.kind == InstrumentKind.STOCK
    assert on_tick(new, u.instruments.tick_table).all() and (new > 0).all()
    assert (new[stocks] < old[stocks]).mean() > 0.95  # both markets were below their levels
    # A plain ETF follows its index; an inverse one rises as it falls.
    kodex200, inverse = u.by_code("069500"), u.by_code("114800")
    assert kodex200 is not None and inverse is not None
    assert new[kodex200] / old[kodex200] == pytest.approx(level(u, "KOSPI200") / 1244.14, rel=1e-3)
    assert new[inverse] > old[inverse]
    # The engine starts from exactly these levels.
    held = u.membership.any(axis=1)  # the small universe leaves some size indices empty
    np.testing.assert_allclose(Engine.from_universe(u).index.levels()[held], u.levels[held], rtol=1e-12)


def test_nested_levels_are_all_met_and_conflicting_ones_refused() -> None:
    u = small({"KOSPI": 2650.0, "KOSPI200": 400.0})
    assert (level(u, "KOSPI"), level(u, "KOSPI200")) == (2650.0, 400.0)
    with pytest.raises(ValueError, match="KOSPI=2650 cannot be met together with KOSPI200=10000"):
        small({"KOSPI": 2650.0, "KOSPI200": 10000.0})
    with pytest.raises(ValueError, match="KOSPI is given two levels"):
        small({"KOSPI": 2650.0, "1001": 2700.0})
    with pytest.raises(ValueError, match=r"KOSPI=0\.01 would put 삼성전자 \(005930\) at 0\.39 KRW, below 1"):
        small({"KOSPI": 0.01})


def test_csv_index_rows_give_the_levels_of_its_prices(start: Universe, tmp_path: Path) -> None:
    moved = small({"KOSDAQ150": 1500.0})
    path = tmp_path / "u.csv"
    write_universe_csv(moved, path)
    rows = [r for r in path.read_text(encoding="utf-8").splitlines() if ",INDEX," in r]
    assert len(rows) == len(INDEX_DEFINITIONS) and rows[0].startswith("1001,코스피,KOSPI,KOSPI,INDEX,")
    loaded = load_universe_csv(path)
    np.testing.assert_array_equal(loaded.levels, moved.levels)
    np.testing.assert_array_equal(loaded.instruments.prev_close, moved.instruments.prev_close)
    # An INDEX row labels the file's prices; ``levels`` still moves them.
    head = path.read_text(encoding="utf-8").splitlines()[0]
    lines = [head, *[r for r in path.read_text(encoding="utf-8").splitlines()[1:] if ",INDEX," not in r]]
    kospi = {"code": "KOSPI", "kind": "INDEX", "prev_close": "3000"}
    path.write_text(
        "\n".join([*lines, ",".join(kospi.get(c, "") for c in CSV_COLUMNS)]) + "\n", encoding="utf-8"
    )
    labelled = load_universe_csv(path)
    np.testing.assert_array_equal(labelled.instruments.prev_close, moved.instruments.prev_close)
    assert level(labelled, "KOSPI") == 3000.0 and level(labelled, "KOSPI200") == 1244.14
    again = load_universe_csv(path, levels={"KOSPI": 1500.0})
    assert level(again, "KOSPI") == 1500.0
    assert again.instruments.prev_close[0] < labelled.instruments.prev_close[0]


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("1001,,,,INDEX,,,0", "line 3, column 'prev_close': an index level must be a positive number"),
        ("NOPE,,,,INDEX,,,100", "line 3, column 'code': unknown index 'NOPE'"),
        ("1001,,,,INDEX,,,100\nKOSPI,,,,INDEX,,,200", "line 4, column 'code': duplicate code KOSPI"),
    ],
)
def test_csv_index_rows_refused(tmp_path: Path, row: str, says: str) -> None:
    path = tmp_path / "bad.csv"
    head = "code,name_ko,name_en,market,kind,industry,listed_shares,prev_close"
    path.write_text(f"{head}\n005930,삼성전자,,KOSPI,STOCK,,5846278608,300500\n{row}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"bad.csv: {says}"):
        load_universe_csv(path)


# --- through a real ``sise serve`` ------------------------------------------------------------------

DAY = date(2026, 11, 20)
ARGS = ["--mock-port", "0", "--history-years", "1", "--scale", "0.02", "--date", "2026-11-20"]
LEVELS = ["--index-level", "KOSPI=2650", "--index-level", "코스닥=700"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("levels"), [*ARGS, *LEVELS]) as s:
        yield s


@pytest.fixture(scope="module")
def kiwoom(server: Served) -> Iterator[KiwoomClient]:
    keys = json.loads((server.data / "keys.json").read_text(encoding="utf-8"))["real"][0]
    with KiwoomClient(f"http://127.0.0.1:{server.port}", keys["appkey"], keys["secretkey"]) as c:
        yield c


def signed(text: str | float) -> float:
    return float(text) if text != "" else 0.0


def prev_close(row: dict[str, Any], price: str = "cur_prc", change: str = "pred_pre") -> float:
    """The price less its change (Kiwoom signs a price with its direction: its size is the price)."""
    return round(abs(signed(row[price])) - signed(row[change]), 2)


def test_the_sector_trs_start_from_the_levels_asked_for(kiwoom: KiwoomClient, server: Served) -> None:
    for mrkt_tp, inds_cd, want in (("0", "001", 2650.0), ("1", "101", 700.0)):
        now = kiwoom.all("ka20001", {"mrkt_tp": mrkt_tp, "inds_cd": inds_cd})
        assert prev_close(now) == want, now
        daily = kiwoom.all("ka20009", {"mrkt_tp": mrkt_tp, "inds_cd": inds_cd})["inds_cur_prc_daly_rept"]
        # The back-fill ends at the level, bridged from the real month-end closes without a jump.
        assert (daily[0]["dt_n"], daily[1]["dt_n"]) == ("20261120", "20261119")
        assert abs(signed(daily[1]["cur_prc_n"])) == want
        assert all(abs(signed(r["flu_rt_n"])) < 8 for r in daily[1:60]), daily[1:60]
    for market, code, want in (("kospi", "K1", 2650.0), ("kosdaq", "Q1", 700.0)):
        r = server.koscom(f"index/{market}/{code}/index").json()["result"]
        assert prev_close(r, "trdPrc", "cmpprevddPrc") == want, r


def test_the_members_served_are_the_index_asked_for(kiwoom: KiwoomClient) -> None:
    """KOSPI200, moved with KOSPI, is its members' served previous closes over the base the
    built-in universe fixes."""
    start, moved = build_universe(), build_universe(levels={"KOSPI": 2650.0, "KOSDAQ": 700.0})
    kospi200 = prev_close(kiwoom.all("ka20001", {"mrkt_tp": "2", "inds_cd": "201"}))
    rows = kiwoom.all("ka20002", {"mrkt_tp": "2", "inds_cd": "201", "stex_tp": "1"})["inds_stkpc"]
    # A member with an ex-date today is served against its ex-price: its close is the universe's.
    ex = {a.code for a in actions_on(moved, DAY, seed=0)}
    served_prev = moved.instruments.prev_close.copy()
    for r in rows:
        i = start.by_code(r["stk_cd"])
        assert i is not None
        if r["stk_cd"] not in ex:
            assert prev_close(r) == served_prev[i], r
    assert sorted(start.instruments.code[i] for i in start.index_members("KOSPI200")) == sorted(
        r["stk_cd"] for r in rows
    )
    ratio = weighted(start, "KOSPI200", served_prev) / weighted(
        start, "KOSPI200", start.instruments.prev_close
    )
    assert kospi200 == pytest.approx(level(start, "KOSPI200") * ratio, abs=0.005)
    assert kospi200 < 500  # moved down with KOSPI, from 1,244.14


def test_a_level_is_part_of_the_markets_identity(tmp_path: Path) -> None:
    """A universe CSV whose INDEX rows alone differ is another market: its history differs."""
    u = small()
    path = tmp_path / "u.csv"
    write_universe_csv(u, path)
    assert identity(load_universe_csv(path), 0) == identity(u, 0)
    write_universe_csv(dataclasses.replace(u, levels=np.where(u.levels == 7772.3, 3000.0, u.levels)), path)
    labelled = load_universe_csv(path)
    assert level(labelled, "KOSPI") == 3000.0 and identity(labelled, 0) != identity(u, 0)


def test_sise_universe_exports_the_market_at_its_levels(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    assert (
        main(["universe", "--index-level", "KOSPI=2650", "--index-level", "Q1=700", "--out", str(path)]) == 0
    )
    u = load_universe_csv(path)
    assert (level(u, "KOSPI"), level(u, "KOSDAQ")) == (2650.0, 700.0)
    np.testing.assert_array_equal(u.levels, build_universe(levels={"KOSPI": 2650.0, "KOSDAQ": 700.0}).levels)
