"""The presets of Koscom's real-time WebSocket (koscom.md §11.4–11.5): which REST fields each carries.

A preset is a selection of fields of the REST records whose values it mirrors ("tick10, quote10 은
주식/선물/옵션시장별 체결, 호가조회 데이타와 동일"): ``tick10`` is the ``price`` endpoint's record,
``quote10`` the ``orderbook``'s (ten levels for stocks, five with counts for derivatives),
``index`` the index ``index`` endpoint's, ``tick``/``quote`` a few of those fields, ``change`` any of
the fields §11.5 allows. Nothing here declares a format: every ``Field`` is the REST record's own,
and every value is computed by the REST view's own function (``price_of``, ``orderbook_of``, …),
so a push equals the REST answer at the same engine state.

The one difference is ``isuSrtCd``: a push carries the code as subscribed, since it names the
subscription (the options ``price`` endpoint adds the feed suffix ``*006``, a 연결선물 code answers
with the front contract's code there) **(inferred)**.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import orjson

from sise.api.koscom import views_derivatives as vd
from sise.api.koscom import views_index as vi
from sise.api.koscom import views_stocks as vs
from sise.api.koscom.endpoint import KoscomContext, check_code
from sise.api.koscom.errors import ISSUE_NOT_FOUND
from sise.api.koscom.lookups import CASH_KINDS
from sise.api.stream import Encoder
from sise.api.wire import Field, Record
from sise.market.codes import koscom_market_for_continuous
from sise.market.indices_table import IndexDef, index_by_koscom
from sise.market.types import InstrumentKind, Market

__all__ = [
    "CHANGE",
    "NAMES",
    "PRESETS",
    "Kind",
    "Preset",
    "Target",
    "doc_blocks",
    "encoder",
    "resolve",
]


class Kind(enum.Enum):
    """What a subscribed code is: the REST family whose records its presets take."""

    STOCK = "stocks"
    FUTURES = "futures"
    OPTIONS = "options"
    INDEX = "index"


#: The stock markets ``/ws`` serves (유가+코스닥, koscom.md §11.1).
STOCK_MARKETS: Final = (int(Market.KOSPI), int(Market.KOSDAQ))

# ---------------------------------------------------------------------------------------------------
# Sources: the REST records a preset picks from, and the functions that compute them
# ---------------------------------------------------------------------------------------------------

#: ISIN of the change preset's ``isuCd``: the field as the lists endpoints declare it.
_ISIN: Final = next(f for f in vs.LIST_ROW if f.name == "isuCd")
_IDS: Final = Record((_ISIN,))

#: Per kind, the source records by name, and which REST answer each is (for the docs).
SOURCES: Final[dict[Kind, dict[str, Record]]] = {
    Kind.STOCK: {"price": vs.PRICE, "orderbook": vs.ORDERBOOK, "lists": _IDS},
    Kind.FUTURES: {"price": vd.PRICE["futures"], "orderbook": vd.BOOK, "lists": _IDS},
    Kind.OPTIONS: {"price": vd.PRICE["options"], "orderbook": vd.BOOK, "lists": _IDS},
    Kind.INDEX: {"index": vi.INDEX},
}


@dataclass(frozen=True, slots=True)
class Target:
    """A subscribed code resolved: the instrument (stocks, derivatives) or the index."""

    kind: Kind
    inst: int = -1
    index: IndexDef | None = None


def _values(ctx: KoscomContext, t: Target, source: str) -> dict[str, Any]:
    """One source's values for ``t``: the REST view's own result."""
    if t.index is not None:
        return vi.index_values(ctx, t.index)
    if source == "lists":
        return {"isuCd": ctx.engine.instruments.isin[t.inst]}
    if t.kind is Kind.STOCK:
        return vs.price_of(ctx, t.inst) if source == "price" else vs.orderbook_of(ctx, t.inst)
    if source == "price":
        return vd.price_of(ctx, vd.OPTIONS if t.kind is Kind.OPTIONS else vd.FUTURES, t.inst)
    return vd.book_of(ctx, t.inst)


# ---------------------------------------------------------------------------------------------------
# Presets
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """One preset of one kind: its fields (the REST records' own) and the source of each."""

    name: str
    kind: Kind
    record: Record
    sources: tuple[str, ...]  # per field, the SOURCES name it is taken from

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.sources))


def _preset(name: str, kind: Kind, names: tuple[str, ...], first: str) -> Preset:
    """The fields ``names``, each from the source ``first`` when it declares it, else from the
    first other source record of ``kind`` that does (the fewer sources, the less to compute)."""
    fields: list[Field] = []
    sources: list[str] = []
    records = SOURCES[kind]
    order = [first, *(s for s in records if s != first)]
    for n in names:
        source, f = next((s, f) for s in order for f in records[s] if f.name == n)
        fields.append(f)
        sources.append(source)
    return Preset(name, kind, Record(tuple(fields)), tuple(sources))


#: ``tick`` and ``quote`` (koscom.md §11.4: the FID table plus the sample's ``accTrdvol``/``accTrdval``),
#: in the samples' order.
_TICK: Final = ("isuSrtCd", "trdPrc", "trdvol", "accTrdvol", "accTrdval", "trdTm")
_QUOTE: Final = (
    "isuSrtCd",
    "askStep1BstordPrc",
    "askStep1BstordRqty",
    "bidStep1BstordPrc",
    "bidStep1BstordRqty",
    "accTrdvol",
)
#: What ``change`` may ask for (koscom.md §11.5): stocks every quote10 field and these of tick10.
_STOCK_CHANGE: Final = (
    *vs.ORDERBOOK.names,
    "cmpprevddTpCd",
    "cmpprevddPrc",
    "trdPrc",
    "trdvol",
    "opnprc",
    "hgprc",
    "lwprc",
    "accTrdval",
    "lstAskbidTpCd",
    "trdTm",
)
_FUTURES_CHANGE: Final = (
    "isuSrtCd",
    "bidTotOrdRqty",
    "askTotOrdRqty",
    "bidValidOrdCnt",
    "askValidOrdCnt",
    "ordAcptTm",
    "deemTrdPrc",
    "trdPrc",
    "trdvol",
    "trdTm",
    "fstmmAgndaContrtPrc",
    "futrmmAgndaContrtPrc",
    "opnprc",
    "hgprc",
    "lwprc",
    "accTrdvol",
    "accTrdval",
    "negoBlkAccTrdvol",
    "lstTrdTpCd",
    "realtmUplmtprc",
    "realtmLwlmtprc",
)
_SPREAD_LEGS: Final = ("fstmmAgndaContrtPrc", "futrmmAgndaContrtPrc")
_OPTIONS_CHANGE: Final = tuple(n for n in _FUTURES_CHANGE if n not in _SPREAD_LEGS)

#: The change preset: a push carries ``isuCd``, ``isuSrtCd`` and the changed items asked for.
CHANGE: Final = "change"

_TRADED: Final = (Kind.STOCK, Kind.FUTURES, Kind.OPTIONS)
_CHANGE_ITEMS: Final = {
    Kind.STOCK: _STOCK_CHANGE,
    Kind.FUTURES: _FUTURES_CHANGE,
    Kind.OPTIONS: _OPTIONS_CHANGE,
}

#: Every (preset, kind) served.
PRESETS: Final[dict[tuple[str, Kind], Preset]] = {
    **{("tick", k): _preset("tick", k, _TICK, "price") for k in _TRADED},
    **{("quote", k): _preset("quote", k, _QUOTE, "orderbook") for k in _TRADED},
    **{("tick10", k): _preset("tick10", k, SOURCES[k]["price"].names, "price") for k in _TRADED},
    **{("quote10", k): _preset("quote10", k, SOURCES[k]["orderbook"].names, "orderbook") for k in _TRADED},
    ("index", Kind.INDEX): _preset("index", Kind.INDEX, vi.INDEX.names, "index"),
    **{(CHANGE, k): _preset(CHANGE, k, ("isuCd", *_CHANGE_ITEMS[k]), "orderbook") for k in _TRADED},
}

#: The preset names of koscom.md §11.2, in its order.
NAMES: Final = ("tick", "quote", "tick10", "quote10", "index", CHANGE)


def resolve(ctx: KoscomContext, preset: str, code: str) -> Target:
    """What ``code`` names for ``preset``: an index for ``index``, else a KOSPI/KOSDAQ cash issue,
    a futures contract (or a 연결선물 code: the front contract now) or an option. 20030 for a
    malformed code, 10040 for one the preset does not cover (as the REST lookups)."""
    check_code(code)
    if preset == "index":
        d = index_by_koscom(code)
        if d is None or d.key not in ctx.engine.index.position:
            raise ISSUE_NOT_FOUND()
        return Target(Kind.INDEX, index=d)
    market = koscom_market_for_continuous(code)
    if market is not None:
        rows = vd.contracts_of(ctx, vd.FUTURES, market.code)
        if not rows:
            raise ISSUE_NOT_FOUND()
        return Target(Kind.FUTURES, vd.front_of(ctx, rows))
    ins = ctx.engine.instruments
    i = ins.number(code)
    if i is None or not ins.active[i]:
        raise ISSUE_NOT_FOUND()
    kind, listed_on = int(ins.kind[i]), int(ins.market[i])
    if kind in CASH_KINDS and listed_on in STOCK_MARKETS:
        return Target(Kind.STOCK, i)
    if listed_on == Market.DERIVATIVES and kind == InstrumentKind.FUTURE:
        return Target(Kind.FUTURES, i)
    if listed_on == Market.DERIVATIVES and kind == InstrumentKind.OPTION:
        return Target(Kind.OPTIONS, i)
    raise ISSUE_NOT_FOUND()


def encoder(context: Callable[[], KoscomContext], p: Preset, code: str, t: Target) -> Encoder:
    """The hub encoder of a subscription: the preset's values as one JSON object, ``isuSrtCd``
    first (the code as subscribed). Shared by every session that subscribes the same preset and
    code; a change subscription's topic carries every item ``change`` allows (sessions pick)."""
    names, sources, needs = p.record.names, p.sources, p.needs

    def encode() -> bytes:
        ctx = context()
        got = {s: _values(ctx, t, s) for s in needs}
        out = {"isuSrtCd": code}
        for n, s in zip(names, sources, strict=True):
            if n != "isuSrtCd":
                out[n] = got[s][n]
        return orjson.dumps(out)

    return encode


# ---------------------------------------------------------------------------------------------------
# Docs: the preset tables of docs/koscom-ws.md
# ---------------------------------------------------------------------------------------------------

_REST: Final = {
    "price": "`…/{code}/price`",
    "orderbook": "`…/{code}/orderbook`",
    "lists": "`…/lists` rows",
    "index": "`index/{m}/{code}/index`",
}


def _table(p: Preset) -> str:
    lines = ["| field | 한글명 | format | as REST |", "|---|---|---|---|"]
    for f, s in zip(p.record, p.sources, strict=True):
        rest = "the code as subscribed" if f.name == "isuSrtCd" else f"{_REST[s]} `{f.name}`"
        lines.append(f"| `{f.name}` | {f.label} | {f.fmt.doc} | {rest} |")
    return "\n".join(lines) + "\n"


def doc_blocks() -> dict[str, str]:
    """The ``<!-- fields: ws <preset> <kind> -->`` blocks of docs/koscom-ws.md, for
    ``sise.api.doc_tables.rewrite`` (not imported here: it knows both vendors)."""
    return {f"ws {name} {kind.value}": _table(p) for (name, kind), p in PRESETS.items()}
