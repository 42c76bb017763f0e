"""The client commands: ``sise quote``, ``sector``, ``sectors``, ``index`` and ``history``.

Each asks a sise (or the vendors: only the base URL and the keys change) through the SDK and
prints a table, or with ``--json`` the answer as one JSON document. Which API answers what:

- ``quote CODE``, ``history CODE``, ``index CODE``: Koscom (``stocks/…/price`` and ``master``,
  ``stocks/…/history`` daily, ``index/…/index``) — Kiwoom's stock TRs are not among those served;
- ``sector CODE``, ``sectors``: Kiwoom (ka20001, ka20003).

This module imports the SDK and rich only, never the market engine: ``entry`` dispatches here
before ``sise.cli.main`` is imported, so a query starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, NoReturn

import httpx
from rich.text import Text

from sise.cli.connect import EXIT_HELP, CommandError, Context, Exit, message_of, status_of
from sise.cli.stream import KOSCOM_MARKETS, KOSCOM_PRESETS, stream
from sise.cli.tables import (
    clock,
    colored,
    decimal,
    hhmmss,
    level_style,
    rate,
    sign_style,
    signed,
    table,
    whole,
    ymd,
)
from sise.client import (
    KiwoomError,
    KoscomClient,
    KoscomError,
    KoscomRequestError,
)
from sise.client import kiwoom_calls as calls
from sise.client.kiwoom_core import KST
from sise.client.kiwoom_models import AllSectors, SectorPrice, decode
from sise.market.indices_table import index_by_kiwoom, index_by_koscom, kiwoom_sector_list

__all__ = ["COMMANDS", "OneLineParser", "add_parsers", "main", "run"]

#: Koscom's stock markets, tried in this order when ``--market`` is not given.
STOCK_MARKETS: Final = ("kospi", "kosdaq", "konex")
#: Koscom's history lists hold at most 100 rows (koscom.md: ``reqCnt`` 1–100).
MAX_ROWS: Final = 100
#: 시세 codes of a period without data: before the first day history keeps (koscom.md §1.5).
NO_DATA: Final = frozenset({10010, 20020, 20110})
#: Intraday rows ``sise sector`` shows under the summary by default.
SECTOR_ROWS: Final = 10


class OneLineParser(argparse.ArgumentParser):
    """Refusals on one line (the usage is one ``--help`` away), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(Exit.USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"not a whole number ≥ 1: {text!r}")
    return n


# ----------------------------------------------------------------------------------- commands


def _stock_market(koscom: KoscomClient, code: str, given: str | None) -> tuple[str, dict[str, Any]]:
    """The stock's market and its price answer: ``given``, else the first market that knows it."""
    for market in (given,) if given else STOCK_MARKETS:
        try:
            return market, koscom.stocks(market, "price", code)
        except KoscomRequestError as e:
            if e.code != 10040 or given:  # 10040: not an issue of this market
                raise
    raise CommandError(Exit.NOT_FOUND, f"no stock {code} on {', '.join(STOCK_MARKETS)}")


def quote(ctx: Context) -> None:
    code = ctx.args.code
    with ctx.koscom() as koscom:
        market, price = _stock_market(koscom, code, ctx.args.market)
        master = koscom.stocks(market, "master", code)
    style = sign_style(price.get("cmpprevddTpCd"))
    last, change = price.get("trdPrc"), price.get("cmpprevddPrc")
    title = f"{code} {master.get('isuKorAbbrv', '')} · {market.upper()} · {clock(price.get('trdTm'))}"
    columns = ("price", "change", "%", "open", "high", "low", "volume", "value (원)", "bid", "ask")
    row: list[Text | str] = [
        colored(whole(last), style),
        colored(signed(change), style),
        colored(rate(last, change), style),
        *(whole(price.get(k)) for k in ("opnprc", "hgprc", "lwprc", "accTrdvol", "accTrdval")),
        whole(price.get("bidordPrc_1")),
        whole(price.get("askordPrc_1")),
    ]
    ctx.emit({"market": market, "price": price, "master": master}, table(title, columns, [row]))


def sector(ctx: Context) -> None:
    call = calls.sector_price(ctx.args.code, None)
    with ctx.kiwoom() as kiwoom:
        page = kiwoom.request(call.api_id, call.body)  # the first page holds the newest rows
    s = decode(SectorPrice, page.body)
    known = index_by_kiwoom(ctx.args.code)
    name = (known.kiwoom_name if known else None) or ""
    style = level_style(s.cur_prc)
    summary = table(
        f"{ctx.args.code} {name} · {call.api_id}",
        ("level", "change", "%", "open", "high", "low", "volume (천주)", "value (백만원)", "up/flat/down"),
        [
            [
                colored(decimal(s.cur_prc), style),
                colored(signed(s.pred_pre), style),
                colored(signed(s.flu_rt), style),
                decimal(s.open_pric),
                decimal(s.high_pric),
                decimal(s.low_pric),
                whole(s.trde_qty),
                whole(s.trde_prica),
                f"{whole(s.rising)}/{whole(s.stdns)}/{whole(s.fall)}",
            ]
        ],
    )
    recent = table(
        "newest publications",
        ("time", "level", "change", "%", "volume (천주)"),
        [
            [
                hhmmss(r.tm_n),
                colored(decimal(r.cur_prc_n), level_style(r.cur_prc_n)),
                signed(r.pred_pre_n),
                signed(r.flu_rt_n),
                whole(r.trde_qty_n),
            ]
            for r in s.inds_cur_prc_tm[: ctx.args.rows]
        ],
    )
    ctx.emit(page.body, summary, recent)


def sectors(ctx: Context) -> None:
    composite = kiwoom_sector_list(ctx.args.market)[0].kiwoom_code or ""
    call = calls.all_sectors(composite)
    with ctx.kiwoom() as kiwoom:
        answer = kiwoom.all(call.api_id, call.body)
    rows = decode(AllSectors, answer).all_inds_idex
    shown = table(
        f"{call.api_id} · mrkt_tp {ctx.args.market}",
        ("code", "name", "level", "change", "%", "volume (천주)", "value (백만원)", "up", "flat", "down"),
        [
            [
                r.stk_cd,
                r.stk_nm,
                colored(decimal(r.cur_prc), level_style(r.cur_prc)),
                signed(r.pred_pre),
                signed(r.flu_rt),
                whole(r.trde_qty),
                whole(r.trde_prica),
                whole(r.rising),
                whole(r.stdns),
                whole(r.fall),
            ]
            for r in rows
        ],
    )
    ctx.emit(answer, shown)


def index(ctx: Context) -> None:
    code = ctx.args.code
    known = index_by_koscom(code)
    if known is None or known.koscom_market is None:
        raise CommandError(Exit.NOT_FOUND, f"no index {code} (Koscom 업종 codes: K1, Q1, K51 …)")
    with ctx.koscom() as koscom:
        answer = koscom.index(known.koscom_market, code, "index")
    style = sign_style(answer.get("cmpprevddTpCd"))
    last, change = answer.get("trdPrc"), answer.get("cmpprevddPrc")
    shown = table(
        f"{code} {known.name_ko} · {clock(answer.get('trdTm'))}",
        ("level", "change", "%", "volume (천주)", "value (백만원)"),
        [
            [
                colored(decimal(last), style),
                colored(signed(change), style),
                colored(rate(last, change), style),
                whole(answer.get("accTrdvol")),
                whole(answer.get("accTrdval")),
            ]
        ],
    )
    ctx.emit(answer, shown)


def trading_day(base_url: str) -> date:
    """The day the market holds: a sise's ``/healthz`` says; elsewhere today's KST date."""
    try:
        r = httpx.get(f"{base_url}/healthz", timeout=5)
        if r.status_code == 200:
            return date.fromisoformat(r.json()["trading_day"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        pass
    return datetime.now(KST).date()


def daily_rows(koscom: KoscomClient, market: str, code: str, days: int, end: date) -> list[dict[str, Any]]:
    """The newest ``days`` daily rows up to ``end``, newest first (fewer when history has fewer),
    read ``MAX_ROWS`` at a time."""
    rows: list[dict[str, Any]] = []
    while len(rows) < days:
        want = min(MAX_ROWS, days - len(rows))
        start = end - timedelta(days=want * 2 + 14)  # more calendar days than `want` trading days
        try:
            got = koscom.stocks(
                market,
                "history",
                code,
                trnsmCycleTpCd="D",
                inqStrtDd=start.strftime("%Y%m%d"),
                inqEndDd=end.strftime("%Y%m%d"),
                reqCnt=want,
            )["hisLists"]
        except KoscomRequestError as e:
            if e.code in NO_DATA:
                break
            raise
        rows += got
        if len(got) < want:
            break
        end = datetime.strptime(str(got[-1]["trdDd"]), "%Y%m%d").date() - timedelta(days=1)
    return rows


def history(ctx: Context) -> None:
    code = ctx.args.code
    end = trading_day(ctx.conn.base_url)
    with ctx.koscom() as koscom:
        market, _ = _stock_market(koscom, code, ctx.args.market)
        rows = daily_rows(koscom, market, code, ctx.args.days, end)
    shown = table(
        f"{code} · {market.upper()} · {len(rows)} trading days",
        ("date", "close", "change", "%", "open", "high", "low", "volume", "value (원)"),
        [
            [
                ymd(r.get("trdDd")),
                colored(whole(r.get("trdPrc")), sign_style(r.get("cmpprevddTpCd"))),
                signed(r.get("cmpprevddPrc")),
                rate(r.get("trdPrc"), r.get("cmpprevddPrc")),
                *(whole(r.get(k)) for k in ("opnprc", "hgprc", "lwprc", "accTrdvol", "accTrdval")),
            ]
            for r in rows
        ],
    )
    ctx.emit({"isuSrtCd": code, "market": market, "hisLists": rows}, shown)


# ------------------------------------------------------------------------------------- parsers

COMMANDS: Final[dict[str, Callable[[Context], None]]] = {
    "quote": quote,
    "sector": sector,
    "sectors": sectors,
    "index": index,
    "history": history,
    "stream": stream,
}


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--base-url",
        default=None,
        help="the server (default $SISE_BASE_URL, else a local sise serve: http://127.0.0.1:8000)",
    )
    common.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the data directory of the sise serve whose keys.json holds the keys, when the SISE_* key "
        "variables are not set (default $SISE_DATA_DIR, else the per-user data directory)",
    )
    common.add_argument("--json", action="store_true", help="print the answer as one JSON document")
    return common


def add_parsers(sub: Any) -> None:
    """The client commands on ``sub`` (the ``add_subparsers`` of ``sise``)."""
    common = [_common()]

    def parser(name: str, help: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(
            name, help=help, description=help + ".", parents=common, epilog=EXIT_HELP
        )
        return p

    def market(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--market", choices=STOCK_MARKETS, default=None, help="the stock's market (default: found)"
        )

    q = parser("quote", "a stock's price now (Koscom stocks/…/price)")
    q.add_argument("code", help="short stock code, e.g. 005930")
    market(q)

    s = parser("sector", "a sector index now and its newest publications (Kiwoom ka20001)")
    s.add_argument("code", help="Kiwoom sector code (inds_cd), e.g. 001 KOSPI, 101 KOSDAQ, 201 KOSPI200")
    s.add_argument(
        "--rows", type=_positive, default=SECTOR_ROWS, help=f"publications shown (default {SECTOR_ROWS})"
    )

    ss = parser("sectors", "every sector index of a market (Kiwoom ka20003)")
    ss.add_argument(
        "--market", choices=("0", "1"), default="0", help="0 코스피, 1 코스닥, as ka20003 takes (default 0)"
    )

    i = parser("index", "an index now (Koscom index/…/index)")
    i.add_argument("code", help="Koscom 업종 code, e.g. K1 KOSPI, Q1 KOSDAQ, K51 KOSPI 200")

    h = parser("history", "a stock's daily bars, newest first (Koscom stocks/…/history)")
    h.add_argument("code", help="short stock code, e.g. 005930")
    h.add_argument("--days", type=_positive, default=20, help="trading days (default 20)")
    market(h)

    st = parser(
        "stream", "real-time messages as a live table, or NDJSON with --json (Kiwoom or Koscom WebSockets)"
    )
    st.add_argument(
        "specs",
        nargs="+",
        metavar="SPEC",
        help="TYPE:ITEM, a Kiwoom real-time type and item (0B:005930 a stock's trades, 0J:001 a sector "
        f"index); PRESET:CODE, a Koscom /ws preset ({', '.join(KOSCOM_PRESETS)}: tick:005930, index:K1);"
        f" or {' / '.join(KOSCOM_MARKETS)}, every trade of a Koscom market",
    )
    st.add_argument(
        "--count", type=_positive, default=None, help="stop after this many messages (default: until Ctrl-C)"
    )


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    """Run a parsed client command: 0, or an ``Exit`` status with one line on stderr."""
    env = os.environ if environ is None else environ
    base_url = ""
    try:
        ctx = Context(args, env)
        base_url = ctx.conn.base_url
        COMMANDS[args.command](ctx)
    except CommandError as e:
        print(f"sise: error: {e}", file=sys.stderr)
        return e.status
    except (KiwoomError, KoscomError) as e:
        print(f"sise: error: {message_of(e, base_url)}", file=sys.stderr)
        return status_of(e)
    except (ValueError, OSError) as e:
        print(f"sise: error: {e}", file=sys.stderr)
        return Exit.OTHER
    except Exception as e:  # one line, never a traceback, whatever went wrong
        print(f"sise: error: {type(e).__name__}: {e}", file=sys.stderr)
        return Exit.OTHER
    return Exit.OK


def main(argv: Sequence[str]) -> int:
    """``sise COMMAND …`` for the client commands alone (what ``sise.cli.entry`` runs for them)."""
    parser = OneLineParser(prog="sise")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))
