"""Every Kiwoom TR sise serves, in one explicit list: the app, the docs and the tests read it."""

from __future__ import annotations

from typing import Final

from sise.api.kiwoom import views_chart, views_sect, views_stkinfo
from sise.api.kiwoom.tr import Tr

KIWOOM_TRS: Final[tuple[Tr, ...]] = (*views_sect.TRS, *views_chart.TRS, *views_stkinfo.TRS)

__all__ = ["KIWOOM_TRS"]
