"""``sise stream``: real-time messages as a live table, or NDJSON for scripts.

A spec names what to follow: ``TYPE:ITEM`` a Kiwoom real-time type and item (``0B:005930``
trades of a stock, ``0J:001`` a sector index), ``PRESET:CODE`` a Koscom ``/ws`` preset
(``tick:005930``, ``index:K1``), or ``ws_ksp`` / ``ws_kdq``: every trade of a Koscom market. One
vendor per command: Kiwoom's specs share one socket, Koscom's ``/ws`` specs another, and a
market's trades have one each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any, Final

from rich.live import Live
from rich.table import Table
from rich.text import Text

from sise.cli.connect import CommandError, Context, Exit
from sise.cli.tables import (
    clock,
    colored,
    console,
    decimal,
    hhmmss,
    level_style,
    rate,
    sign_style,
    signed,
    table,
    whole,
)
from sise.client import (
    AsyncKiwoomClient,
    Directed,
    KoscomPush,
    KoscomStream,
    KoscomTrade,
    Real,
    koscom_ws_url,
)

__all__ = ["KOSCOM_MARKETS", "Spec", "parse_specs", "stream"]


#: Koscom's every-trade sockets.
KOSCOM_MARKETS: Final = ("ws_ksp", "ws_kdq")
#: Koscom ``/ws`` presets a spec may name (``change`` needs its items: the SDK, not the command).
KOSCOM_PRESETS: Final = ("tick", "quote", "tick10", "quote10", "index")
#: A Kiwoom real-time type: a digit and a letter or digit (0A … 0w, 1h; kiwoom.md §5).
_KIWOOM_TYPE: Final = re.compile(r"[0-9][0-9A-Za-z]")
#: Trades a market's live view keeps on screen.
TRADES_SHOWN: Final = 20


@dataclass(frozen=True, slots=True)
class Spec:
    vendor: str  # "kiwoom", "koscom" (/ws) or a Koscom market socket
    kind: str  # Kiwoom type or Koscom preset; "" for a market socket
    code: str


def parse_specs(texts: Sequence[str]) -> list[Spec]:
    """The specs of the command line; ``argparse.ArgumentTypeError`` names a bad one."""
    specs = []
    for text in texts:
        if text in KOSCOM_MARKETS:
            specs.append(Spec(text, "", ""))
            continue
        kind, _, code = text.partition(":")
        if not code:
            raise argparse.ArgumentTypeError(f"{text!r}: give TYPE:ITEM, PRESET:CODE, ws_ksp or ws_kdq")
        if _KIWOOM_TYPE.fullmatch(kind):
            specs.append(Spec("kiwoom", kind, code))
        elif kind in KOSCOM_PRESETS:
            specs.append(Spec("koscom", kind, code))
        else:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {kind!r} is neither a Kiwoom type (0B, 0J, …) nor a Koscom preset "
                f"({', '.join(KOSCOM_PRESETS)})"
            )
    vendors = {s.vendor for s in specs}
    if len(vendors) > 1:
        raise argparse.ArgumentTypeError(
            "one socket per command: Kiwoom specs, Koscom /ws specs, or one market's trades"
        )
    return specs


Message = Real | KoscomPush | KoscomTrade


def as_json(message: Message) -> dict[str, Any]:
    if isinstance(message, Real):
        return {"type": message.type, "item": message.item, "name": message.name, "values": message.values}
    return asdict(message)


class View:
    """The live table: the latest message of each subscription, or a market's newest trades."""

    def __init__(self, market: bool) -> None:
        self.market = market  # a market's trades, else one row per subscription
        self.latest: dict[tuple[str, str], Message] = {}
        self.trades: deque[KoscomTrade] = deque(maxlen=TRADES_SHOWN)
        self.count = 0

    def add(self, message: Message) -> None:
        self.count += 1
        if isinstance(message, KoscomTrade):
            self.trades.appendleft(message)
        elif isinstance(message, Real):
            self.latest[message.type, message.item] = message
        else:
            self.latest[message.preset, message.code] = message

    def render(self) -> Table:
        if self.market:
            return table(
                f"{self.count:,} trades",
                ("time", "code", "price", "volume"),
                [[clock(int(t.time)), t.code, whole(t.price), whole(t.volume)] for t in self.trades],
            )
        rows = [self._row(m) for m in self.latest.values()]
        return table(
            f"{self.count:,} messages",
            ("type", "code", "name", "time", "price", "change", "%", "volume"),
            rows,
        )

    @staticmethod
    def _row(m: Real | KoscomTrade | KoscomPush) -> list[Text | str]:
        if isinstance(m, Real):
            price = m.price
            return [
                m.type,
                m.item,
                m.name,
                hhmmss(m.time),
                colored(level(price), level_style(price)),
                signed(m.change),
                signed(m.rate),
                whole(m.volume),
            ]
        v = m.values if isinstance(m, KoscomPush) else {}
        last = v.get("trdPrc")
        shown = whole(last) if isinstance(last, int) else decimal(last)
        return [
            m.preset if isinstance(m, KoscomPush) else "",
            m.code,
            "",
            clock(v.get("trdTm")),
            colored(shown, sign_style(v.get("cmpprevddTpCd"))),
            signed(v.get("cmpprevddPrc")),
            rate(last, v.get("cmpprevddPrc")),
            whole(v.get("accTrdvol")),
        ]


def level(price: Directed | None) -> str:
    """A stock's price whole, an index level with its decimals."""
    if price is None:
        return ""
    return whole(int(price.value)) if float(price.value).is_integer() else decimal(price)


@asynccontextmanager
async def _messages(ctx: Context, specs: Sequence[Spec]) -> AsyncIterator[AsyncIterator[Message]]:
    """The socket the specs name, subscribed to them."""
    base = ctx.conn.base_url
    first = specs[0]
    if first.vendor == "kiwoom":
        appkey, secretkey = ctx.conn.kiwoom_keys(ctx.environ)
        async with AsyncKiwoomClient(base, appkey, secretkey) as kiwoom, kiwoom.stream() as kiwoom_stream:
            for spec in specs:
                await kiwoom_stream.subscribe(spec.kind, spec.code)
            yield kiwoom_stream
        return
    endpoint = "ws" if first.vendor == "koscom" else first.vendor
    async with KoscomStream(koscom_ws_url(base, endpoint), ctx.conn.koscom_key(ctx.environ)) as koscom_stream:
        for spec in specs:
            if spec.kind:
                await koscom_stream.subscribe(spec.kind, spec.code)
        yield koscom_stream


async def _follow(ctx: Context, specs: Sequence[Spec]) -> None:
    count: int | None = ctx.args.count
    seen = 0
    async with _messages(ctx, specs) as messages:
        if ctx.args.json:
            async for message in messages:
                print(json.dumps(as_json(message), ensure_ascii=False), flush=True)
                seen += 1
                if seen == count:
                    return
            return
        view = View(market=specs[0].vendor in KOSCOM_MARKETS)
        out = console()
        try:
            with Live(view.render(), console=out, refresh_per_second=4) as live:
                async for message in messages:
                    view.add(message)
                    live.update(view.render())
                    if view.count == count:
                        return
        finally:
            if not out.is_terminal:
                out.line()  # a terminal's Live ends its line itself; a pipe's last table does not


def stream(ctx: Context) -> None:
    """``sise stream SPEC…``: until Ctrl-C, or ``--count`` messages."""
    try:
        specs = parse_specs(ctx.args.specs)
    except argparse.ArgumentTypeError as e:
        raise CommandError(Exit.USAGE, str(e)) from None
    asyncio.run(_follow(ctx, specs))
