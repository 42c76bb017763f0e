"""The commands the README shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from sise.cli.main import main


def test_universe_summary_counts_the_built_in_market(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["universe"]) == 0
    out = capsys.readouterr().out
    assert "KOSPI     950 stocks" in out
    assert "KOSDAQ  1,700 stocks" in out
    assert "ETF       300    ETN 100" in out


def test_universe_export_then_demo_on_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "universe.csv"
    assert main(["universe", "--out", str(csv)]) == 0
    assert csv.read_text(encoding="utf-8").splitlines()[0].startswith("code,")
    assert "wrote 3,050 instruments" in capsys.readouterr().out
    assert main(["demo", "--csv", str(csv), "--trades", "20000", "--date", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026-11-20  simulated day:")
    kospi = next(line for line in out.splitlines() if line.startswith("KOSPI "))
    level = float(kospi.split()[1].replace(",", ""))
    assert 5000 < level < 9000  # starts at 7,772.3 and moves a few percent at most


def test_demo_on_a_holiday_uses_the_previous_trading_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--trades", "5000", "--date", "2026-11-22"]) == 0  # a Sunday
    assert capsys.readouterr().out.startswith("2026-11-20")


def test_bad_input_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.csv"
    assert main(["demo", "--csv", str(missing)]) == 2
    assert "sise: error:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "--date", "2026-13-45"])
