"""Kiwoom's real-time WebSocket, ``/api/dostk/websocket`` (kiwoom.md §5; docs/kiwoom-ws.md).

A session: ``LOGIN`` with a token from ``/oauth2/token`` (nothing else is served before it; no
LOGIN in ``login_timeout_s`` → ``SYSTEM R10004`` and close), then ``REG``/``REMOVE`` of
(type, item) pairs per group, ``REAL`` frames from the stream hub (``sise.api.stream``), and
the keep-alive: sise sends ``PING`` every ``ping_interval_s`` and the client echoes it; after
``max_missed_pings`` unanswered ones ``SYSTEM R10002`` and close. A LOGIN with the app key of a
live session ends that session with ``SYSTEM R10001``.

A bad request never drops the socket: it gets an answer with ``return_code`` 1 and the session
goes on. Values in REAL frames are formatted by the same ``Fmt`` declarations as the REST TRs,
from the same readers, so a REAL ``10`` of ``0J 001`` equals ka20001's ``cur_prc``.

Three tasks per session share one send lock: the reader (requests and their answers), the
writer (REAL frames, at most one per engine batch) and the pinger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeGuard

import numpy as np
import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from sise.api.kiwoom.auth import TokenStore
from sise.api.kiwoom.errors import KiwoomError
from sise.api.kiwoom.fmt import (
    DIR_INT,
    INT,
    LEVEL,
    SIGN_CODE,
    SIGNED_DEC2,
    SIGNED_INT,
    TEXT,
    TIME,
    UNSIGNED_DEC2,
)
from sise.api.kiwoom.lookups import quote, sector, stock
from sise.api.kiwoom.tr import KiwoomContext
from sise.api.numbers import MILLION_KRW, THOUSAND_SHARES, direction, index_sign, rate_bp, to_unit
from sise.api.outlet import Outlet
from sise.api.readers import MEMBERS, TRADED, breadth, touch
from sise.api.stream import Encoder, StreamHub, Subscriber
from sise.api.wire import Directed, Field, Record
from sise.market.limits import sign_codes
from sise.market.timeutil import hhmmss
from sise.market.types import Sign, Venue

__all__ = ["PATH", "REAL_TYPES", "KiwoomWs", "WsOptions"]

log = logging.getLogger("sise.kiwoom.ws")

PATH: Final = "/api/dostk/websocket"

LOGIN_FAILED: Final = "토큰 인증에 실패했습니다 [CODE=8005, MESSAGE=Token이 유효하지 않습니다]"
R10001: Final = ("R10001", "동일한 App key로 접속이 되었습니다. 기존 세션은 종료가 됩니다")
R10002: Final = (
    "R10002",
    "사용자 프로그램으로부터 Heartbeat(연결유지) 메시지가 오지않아서 접속을 종료합니다",
)
R10004: Final = ("R10004", "접속허용요청이 들어오지 않았습니다")
TOO_MANY: Final = "등록 종목수 초과"
PING: Final = {"trnm": "PING"}
_PING_BYTES: Final = orjson.dumps(PING)
GRP_NO_MAX: Final = 4  # characters (kiwoom.md §5.4)


@dataclass(frozen=True, slots=True)
class WsOptions:
    """Session timers and limits. Timers are protocol time (wall), never market data."""

    login_timeout_s: float = 10.0
    ping_interval_s: float = 20.0
    max_missed_pings: int = 5  # kiwoom.md §5.3: about five missed echoes and Kiwoom closes
    max_items: int = 100  # distinct items per session (undocumented at Kiwoom; clients keep ≤100)


class _Refused(Exception):
    """A request answered with ``return_code`` 1 and this message; the session goes on."""


# ---------------------------------------------------------------------------------------------------
# Real types: FID records and encoders
# ---------------------------------------------------------------------------------------------------

#: 0J 업종지수: the formats of ka20001's summary (cur_prc, pred_pre, flu_rt, trde_qty, …).
REC_0J: Final = Record(
    (
        Field("20", "체결시간", TIME, "time of the index's latest publication", optional=True),
        Field("10", "현재가", LEVEL, "as ka20001 cur_prc"),
        Field("11", "전일대비", SIGNED_DEC2, "as ka20001 pred_pre"),
        Field("12", "등락율", SIGNED_DEC2, "as ka20001 flu_rt"),
        Field("15", "거래량", INT, "volume since the previous publication", "1000주"),
        Field("13", "누적거래량", INT, "as ka20001 trde_qty", "1000주"),
        Field("14", "누적거래대금", INT, "as ka20001 trde_prica", "백만원"),
        Field("16", "시가", LEVEL, "as ka20001 open_pric"),
        Field("17", "고가", LEVEL, "as ka20001 high_pric"),
        Field("18", "저가", LEVEL, "as ka20001 low_pric"),
        Field("25", "전일대비기호", SIGN_CODE, "as ka20001 pred_pre_sig"),
    )
)

#: 0U 업종등락: ka20001's breadth fields (rising, upl, …, trde_frmatn_stk_num) and levels.
REC_0U: Final = Record(
    (
        Field("20", "체결시간", TIME, "time of the index's latest publication", optional=True),
        Field("252", "상승종목수", INT, "as ka20001 rising"),
        Field("251", "상한종목수", INT, "as ka20001 upl"),
        Field("253", "보합종목수", INT, "as ka20001 stdns"),
        Field("255", "하락종목수", INT, "as ka20001 fall"),
        Field("254", "하한종목수", INT, "as ka20001 lst"),
        Field("13", "누적거래량", INT, "as ka20001 trde_qty", "1000주"),
        Field("14", "누적거래대금", INT, "as ka20001 trde_prica", "백만원"),
        Field("10", "현재가", LEVEL, "as ka20001 cur_prc"),
        Field("11", "전일대비", SIGNED_DEC2, "as ka20001 pred_pre"),
        Field("12", "등락율", SIGNED_DEC2, "as ka20001 flu_rt"),
        Field("256", "거래형성종목수", INT, "as ka20001 trde_frmatn_stk_num"),
        Field(
            "257",
            "거래형성비율",
            UNSIGNED_DEC2,
            "ka20001 trde_frmatn_rt's digits (unsigned, as Kiwoom's example)",
        ),
        Field("25", "전일대비기호", SIGN_CODE, "as ka20001 pred_pre_sig"),
    )
)

#: 0B 주식체결: the formats of ka20002's rows (cur_prc, pred_pre, flu_rt, sel_bid, …).
REC_0B: Final = Record(
    (
        Field("20", "체결시간", TIME, "time of the last trade on the venue", optional=True),
        Field("10", "현재가", DIR_INT, "as ka20002 cur_prc"),
        Field("11", "전일대비", SIGNED_INT, "as ka20002 pred_pre"),
        Field("12", "등락율", SIGNED_DEC2, "as ka20002 flu_rt"),
        Field("27", "(최우선)매도호가", DIR_INT, "as ka20002 sel_bid"),
        Field("28", "(최우선)매수호가", DIR_INT, "as ka20002 buy_bid"),
        Field("15", "거래량", SIGNED_INT, "last trade's quantity, + buyer- / - seller-initiated"),
        Field("13", "누적거래량", INT, "as ka20002 now_trde_qty"),
        Field("14", "누적거래대금", INT, "today's value", "백만원"),
        Field("16", "시가", DIR_INT, "as ka20002 open_pric"),
        Field("17", "고가", DIR_INT, "as ka20002 high_pric"),
        Field("18", "저가", DIR_INT, "as ka20002 low_pric"),
        Field("25", "전일대비기호", SIGN_CODE, "as ka20002 pred_pre_sig"),
        Field("9081", "거래소구분", TEXT, "1 KRX, 2 NXT, 3 통합 (stex_tp's values; inferred)"),
    )
)

STEX: Final = {Venue.KRX: "1", Venue.NXT: "2", Venue.ALL: "3"}


def _entry(type_: str, name: str, item: str, values: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": type_, "name": name, "item": item, "values": values})


def _encoder_0j(context: Callable[[], KiwoomContext], item: str) -> Encoder:
    def encode() -> bytes:
        ctx = context()
        s = sector(ctx, item)
        q = quote(ctx.engine, s)
        times, _, volumes, _ = ctx.engine.index.series(s.d.key)
        tick = 0
        if len(volumes):
            before = to_unit(int(volumes[-2]), THOUSAND_SHARES) if len(volumes) > 1 else 0
            tick = to_unit(int(volumes[-1]), THOUSAND_SHARES) - before
        values = REC_0J.render_one(
            {
                "20": int(hhmmss(int(times[-1]))) if len(times) else None,
                "10": Directed(q.level, q.sign),
                "11": q.change,
                "12": Directed(q.rate, q.sign),
                "15": tick,
                "13": to_unit(q.volume, THOUSAND_SHARES),
                "14": to_unit(q.value, MILLION_KRW),
                "16": Directed(q.open, direction(q.open - q.prev) if q.open else 0),
                "17": Directed(q.high, direction(q.high - q.prev) if q.high else 0),
                "18": Directed(q.low, direction(q.low - q.prev) if q.low else 0),
                "25": int(index_sign(q.sign)),
            }
        )
        return _entry("0J", "업종지수", item, values)

    return encode


def _encoder_0u(context: Callable[[], KiwoomContext], item: str) -> Encoder:
    def encode() -> bytes:
        ctx = context()
        s = sector(ctx, item)
        q = quote(ctx.engine, s)
        times = ctx.engine.index.series(s.d.key)[0]
        b = breadth(ctx.engine, [s.pos])[0]
        traded, members = int(b[TRADED]), int(b[MEMBERS])
        values = REC_0U.render_one(
            {
                "20": int(hhmmss(int(times[-1]))) if len(times) else None,
                "252": int(b[Sign.UP]),
                "251": int(b[Sign.LIMIT_UP]),
                "253": int(b[Sign.FLAT]),
                "255": int(b[Sign.DOWN]),
                "254": int(b[Sign.LIMIT_DOWN]),
                "13": to_unit(q.volume, THOUSAND_SHARES),
                "14": to_unit(q.value, MILLION_KRW),
                "10": Directed(q.level, q.sign),
                "11": q.change,
                "12": Directed(q.rate, q.sign),
                "256": traded,
                "257": rate_bp(traded, members),
                "25": int(index_sign(q.sign)),
            }
        )
        return _entry("0U", "업종등락", item, values)

    return encode


def _encoder_0b(context: Callable[[], KiwoomContext], item: str, inst: int, venue: Venue) -> Encoder:
    one = np.array([inst], np.intp)

    def encode() -> bytes:
        # One instrument's slice of each array: the engine's whole-market readers
        # (``current_price``, ``signs``) would cost O(market) per item per batch.
        eng = context().engine
        st = eng.state(venue)
        base = int(eng.base[inst])
        last = int(st.last[inst])
        cur = last if last > 0 else base
        ch = cur - base
        sign = int(sign_codes(np.array([cur], np.int64), eng.base[one], eng.upper[one], eng.lower[one])[0])
        ask, bid = (int(a[0]) for a in touch(eng, venue, one))

        def priced(v: int) -> Directed:
            return Directed(v, direction(v - base) if v > 0 else 0)

        traded = int(st.count[inst]) > 0
        side = int(st.last_side[inst])
        values = REC_0B.render_one(
            {
                "20": int(hhmmss(int(st.last_time[inst]))) if traded else None,
                "10": priced(cur),
                "11": ch,
                "12": Directed(rate_bp(ch, base), direction(ch)),
                "27": priced(ask),
                "28": priced(bid),
                "15": Directed(int(st.last_qty[inst]), 1 if side == 1 else -1 if side == 2 else 0),
                "13": int(st.volume[inst]),
                "14": to_unit(int(st.value[inst]), MILLION_KRW),
                "16": priced(int(st.open[inst])),
                "17": priced(int(st.high[inst])),
                "18": priced(int(st.low[inst])),
                "25": sign,
                "9081": STEX[venue],
            }
        )
        return _entry("0B", "주식체결", item, values)

    return encode


def _resolve(ctx: KiwoomContext, context: Callable[[], KiwoomContext], type_: str, item: str) -> Encoder:
    """The encoder of (type, item), or _Refused for an unknown type or item."""
    try:
        if type_ == "0J":
            sector(ctx, item)
            return _encoder_0j(context, item)
        if type_ == "0U":
            sector(ctx, item)
            return _encoder_0u(context, item)
        if type_ == "0B":
            inst, venue = stock(ctx, item)
            return _encoder_0b(context, item, inst, venue)
    except KiwoomError:
        raise _Refused(f"존재하지 않는 종목코드입니다({item})") from None
    raise _Refused(f"지원하지 않는 실시간 항목입니다({type_})")


#: The real types served.
REAL_TYPES: Final = {"0J": REC_0J, "0U": REC_0U, "0B": REC_0B}


# ---------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------


class KiwoomWs:
    """The WebSocket endpoint of one personality: its sessions by app key."""

    def __init__(
        self,
        context: Callable[[], KiwoomContext],
        tokens: TokenStore,
        hub: StreamHub,
        options: WsOptions,
        mock: bool,
    ) -> None:
        self.context = context
        self.tokens = tokens
        self.hub = hub
        self.options = options
        self.mock = mock
        self.sessions: dict[str, _Session] = {}

    async def serve(self, websocket: WebSocket) -> None:
        await websocket.accept()
        session = _Session(self, websocket)
        try:
            await session.run()
        except WebSocketDisconnect:
            pass
        finally:
            session.end()


class _Session:
    def __init__(self, endpoint: KiwoomWs, websocket: WebSocket) -> None:
        self.ep = endpoint
        self.ws = websocket
        self.lock = asyncio.Lock()
        self.appkey: str | None = None
        self.groups: dict[str, set[tuple[str, str]]] = {}
        self.wake = asyncio.Event()
        self.outlet = Outlet(websocket)
        self.sub: Subscriber = endpoint.hub.subscriber(self.on_pending)
        self.outstanding = 0  # PINGs sent and not echoed
        self.closing: tuple[str, str] | None = None  # a SYSTEM frame to send, then close
        self.tasks: list[asyncio.Task[None]] = []

    # -- sending

    async def send(self, frame: dict[str, Any] | bytes) -> None:
        data = frame if isinstance(frame, bytes) else orjson.dumps(frame)
        async with self.lock:
            await self.outlet.send(data)

    def on_pending(self) -> None:
        """The hub queued something: wake the writer, or cut a session that cannot keep up
        (its writer may be blocked on a full transport)."""
        if self.sub.overflowed:
            self.outlet.cut(f"slow consumer: more than {self.sub.max_pending_bytes} bytes queued")
            self.sub.close()
            return
        self.wake.set()

    async def answer(self, trnm: str, message: str = "", code: int = 1) -> None:
        await self.send({"trnm": trnm, "return_code": code, "return_msg": message})

    async def system_and_close(self, what: tuple[str, str]) -> None:
        code, message = what
        with contextlib.suppress(Exception):  # the peer may be gone already
            await self.send({"trnm": "SYSTEM", "code": code, "message": message})
            await self.ws.close()

    def kick(self, what: tuple[str, str]) -> None:
        """End this session from elsewhere (a newer LOGIN): the writer sends ``what`` and closes."""
        self.closing = what
        self.wake.set()

    # -- the session

    async def run(self) -> None:
        if not await self.login():
            return
        self.tasks = [asyncio.create_task(f()) for f in (self.reader, self.writer, self.pinger)]
        done, _ = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            error = None if t.cancelled() else t.exception()
            # A peer that vanished mid-send is a normal end; anything else is a bug to log.
            if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
                log.error("websocket session failed", exc_info=error)

    def end(self) -> None:
        """Leave the hub and the registry and stop the tasks. Synchronous on purpose: the server
        may be cancelling this very task, and an await here would take that cancellation again."""
        self.sub.close()
        if self.appkey is not None and self.ep.sessions.get(self.appkey) is self:
            del self.ep.sessions[self.appkey]
        for t in self.tasks:
            t.cancel()  # each ends at its next await; none holds anything to release

    async def receive(self) -> dict[str, Any] | str | None:
        """The next request: a JSON object, an error text for anything else, None at disconnect."""
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        raw = message.get("text")
        if raw is None:
            raw = (message.get("bytes") or b"").decode("utf-8", "replace")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return "JSON 형식이 아닙니다"
        if not isinstance(body, dict):
            return "JSON 객체가 아닙니다"
        return body

    async def login(self) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ep.options.login_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    body = await self.receive()
            except TimeoutError:
                await self.system_and_close(R10004)
                return False
            if body is None:
                return False
            if isinstance(body, str):
                await self.answer("", body)
                continue
            trnm = body.get("trnm")
            if trnm == "PING":  # an echo is never answered
                continue
            if trnm != "LOGIN":
                await self.answer(str(trnm) if isinstance(trnm, str) else "", "로그인이 필요합니다")
                continue
            token = body.get("token")
            try:
                if not isinstance(token, str) or not token:
                    raise _Refused
                appkey = self.ep.tokens.authenticate(f"Bearer {token}").appkey
            except (KiwoomError, _Refused):
                await self.answer("LOGIN", LOGIN_FAILED)
                with contextlib.suppress(Exception):
                    await self.ws.close()
                return False
            old = self.ep.sessions.get(appkey)
            if old is not None:
                old.kick(R10001)
            self.ep.sessions[appkey] = self
            self.appkey = appkey
            await self.send(
                {"trnm": "LOGIN", "return_code": 0, "return_msg": "", "sor_yn": "N" if self.ep.mock else "Y"}
            )
            return True

    async def reader(self) -> None:
        while True:
            body = await self.receive()
            if body is None:
                return
            if isinstance(body, str):
                await self.answer("", body)
                continue
            trnm = body.get("trnm")
            if trnm == "PING":
                if body == PING:
                    self.outstanding = 0
                continue  # a PING is echoed, never answered
            name = trnm if isinstance(trnm, str) else ""
            try:
                if trnm == "REG":
                    self.register(body)
                elif trnm == "REMOVE":
                    self.remove(body)
                elif trnm == "LOGIN":
                    raise _Refused("이미 로그인되어 있습니다")
                else:
                    raise _Refused(f"지원하지 않는 서비스입니다({name})")
            except _Refused as e:
                await self.answer(name, str(e))
                continue
            await self.answer(name, "", 0)

    async def writer(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.closing is not None:
                await self.system_and_close(self.closing)
                return
            entries = self.sub.take() + self.sub.take_events()
            if entries:
                await self.send(b'{"trnm":"REAL","data":[' + b",".join(entries) + b"]}")

    async def pinger(self) -> None:
        while True:
            await asyncio.sleep(self.ep.options.ping_interval_s)
            if self.outstanding >= self.ep.options.max_missed_pings:
                await self.system_and_close(R10002)
                return
            self.outstanding += 1
            await self.send(_PING_BYTES)

    # -- registrations

    def pairs(self, body: dict[str, Any]) -> list[tuple[str, str]]:
        grp = body.get("grp_no")
        if not isinstance(grp, str) or not 0 < len(grp) <= GRP_NO_MAX:
            raise _Refused("grp_no가 올바르지 않습니다")
        data = body.get("data")
        if not isinstance(data, list) or not data:
            raise _Refused("data가 올바르지 않습니다")
        out: list[tuple[str, str]] = []
        for d in data:
            items = d.get("item") if isinstance(d, dict) else None
            types = d.get("type") if isinstance(d, dict) else None
            if not _strings(items) or not _strings(types):
                raise _Refused("data의 item과 type은 문자열 배열이어야 합니다")
            out.extend((t, i) for t in types for i in items)
        return out

    def register(self, body: dict[str, Any]) -> None:
        pairs = self.pairs(body)
        refresh = body.get("refresh", "1")
        if refresh not in ("0", "1"):
            raise _Refused("refresh가 올바르지 않습니다")
        ctx = self.ep.context()  # the app's: its ``mock`` is the personality's
        encoders = {p: _resolve(ctx, self.ep.context, *p) for p in dict.fromkeys(pairs)}
        grp = body["grp_no"]
        groups = dict(self.groups)
        groups[grp] = set(encoders) if refresh == "0" else groups.get(grp, set()) | set(encoders)
        if len({i for g in groups.values() for _, i in g}) > self.ep.options.max_items:
            raise _Refused(TOO_MANY)
        self.groups = groups
        self.sync(encoders)

    def remove(self, body: dict[str, Any]) -> None:
        pairs = self.pairs(body)
        for t, _ in pairs:
            if t not in REAL_TYPES:
                raise _Refused(f"지원하지 않는 실시간 항목입니다({t})")
        group = self.groups.get(body["grp_no"])
        if group is not None:
            group.difference_update(pairs)
        self.sync({})

    def sync(self, encoders: dict[tuple[str, str], Encoder]) -> None:
        """Follow exactly the union of the groups' pairs."""
        wanted: set[Hashable] = {("kiwoom", t, i) for g in self.groups.values() for t, i in g}
        for key in self.sub.topics - wanted:
            self.sub.unsubscribe(key)
        for (t, i), encode in encoders.items():
            self.sub.subscribe(("kiwoom", t, i), encode)


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
