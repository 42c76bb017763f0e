"""Rendering of the client commands' answers: numbers as Korean screens show them (up red,
down blue), rich tables as wide as the terminal, or wide enough for every column when piped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sise.client import Directed, Direction, Sign

#: Sign codes 1–5 (Kiwoom's ``pred_pre_sig``, Koscom's ``cmpprevddTpCd``): up, down.
UP_CODES: Final = frozenset(str(s.value) for s in (Sign.UPPER_LIMIT, Sign.UP))
DOWN_CODES: Final = frozenset(str(s.value) for s in (Sign.LOWER_LIMIT, Sign.DOWN))
#: Columns of text, left-aligned (numbers are right-aligned).
LEFT: Final = frozenset({"type", "code", "name", "date", "time"})


def style_of(up: bool, down: bool) -> str:
    return "red" if up else "blue" if down else ""


def sign_style(sign: object) -> str:
    return style_of(str(sign) in UP_CODES, str(sign) in DOWN_CODES)


def level_style(value: Directed | None) -> str:
    d = Direction.FLAT if value is None else value.direction
    return style_of(d is Direction.UP, d is Direction.DOWN)


def whole(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "" if value is None else str(value)


def decimal(value: object, plus: bool = False) -> str:
    if isinstance(value, Directed):
        value = value.value
    if isinstance(value, int | float):
        return f"{value:+,.2f}" if plus else f"{value:,.2f}"
    return ""


def signed(value: object) -> str:
    if isinstance(value, int):
        return f"{value:+,}"
    return decimal(value, plus=True)


def rate(last: object, change: object) -> str:
    """Change in % of the previous close (``last - change``), as Koscom's answers leave it out."""
    if not isinstance(last, int | float) or not isinstance(change, int | float) or last == change:
        return ""
    return f"{change / (last - change) * 100:+.2f}"


def clock(hhmmssmm: object) -> str:
    """Koscom's ``HHMMSSmm`` number (no leading zero) as ``HH:MM:SS``; empty before the first."""
    if not isinstance(hhmmssmm, int) or hhmmssmm <= 0:
        return ""
    t = f"{hhmmssmm:08d}"
    return f"{t[0:2]}:{t[2:4]}:{t[4:6]}"


def hhmmss(text: str) -> str:
    return f"{text[0:2]}:{text[2:4]}:{text[4:6]}" if len(text) == 6 else text


def ymd(value: object) -> str:
    t = str(value)
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}" if len(t) == 8 else t


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Text | str]]) -> Table:
    out = Table(title=title, title_justify="left")
    for name in columns:
        out.add_column(name, justify="left" if name in LEFT else "right", no_wrap=True)
    for row in rows:
        out.add_row(*row)
    return out


def colored(text: str, style: str) -> Text:
    return Text(text, style=style)


def console() -> Console:
    """Terminal width on a terminal; wide enough for every table when piped (no folded numbers)."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=200)
    return out
