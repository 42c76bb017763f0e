"""sise serve's logging: sise's own loggers on stderr at --log-level (sise.cli.logs)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from sise.cli import serve as serve_module
from sise.cli.logs import configure_logging, uvicorn_level
from sise.cli.main import main


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state: put the sise logger back afterwards."""
    logger = logging.getLogger("sise")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


def test_sise_loggers_print_at_the_chosen_level_and_above() -> None:
    out = io.StringIO()
    configure_logging("info", out)
    logging.getLogger("sise.market").info("closed %s", "2026-11-20")
    logging.getLogger("sise.kiwoom").debug("not shown at info")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].endswith("INFO    sise.market: closed 2026-11-20")
    configure_logging("debug", out)  # again: replaces its handler, does not add a second
    logging.getLogger("sise.kiwoom").debug("shown")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].endswith("DEBUG   sise.kiwoom: shown")
    with pytest.raises(ValueError, match="log level"):
        configure_logging("loud")


def test_uvicorn_logs_warnings_and_up_whatever_sise_logs() -> None:
    assert [uvicorn_level(x) for x in ("debug", "info", "warning", "error")] == [
        "warning",
        "warning",
        "warning",
        "error",
    ]


def test_serve_configures_logging_from_its_option(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_serve(settings: Any, options: serve_module.ServeOptions, replay: Any = None) -> int:
        seen["options"] = options
        return 0

    monkeypatch.setattr(serve_module, "serve", fake_serve)
    assert main(["serve"]) == 0
    assert logging.getLogger("sise").level == logging.INFO  # the default
    assert seen["options"].log_level == "warning"
    assert main(["serve", "--log-level", "error"]) == 0
    assert logging.getLogger("sise").level == logging.ERROR
    assert seen["options"].log_level == "error"
