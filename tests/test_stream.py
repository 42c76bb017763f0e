"""The stream hub's event feeds and the two trade feeds on it (Kiwoom 0B, Koscom /ws_ksp)."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterator
from datetime import date
from functools import cache
from typing import Any

import numpy as np
import orjson

from sise.api.kiwoom.tr import KiwoomContext
from sise.api.kiwoom.ws_real import resolve
from sise.api.kiwoom.ws_trades import Key, TradeFeed
from sise.api.koscom.endpoint import KoscomContext
from sise.api.koscom.ws_trades import MAX_ITEMS, TRADE_ITEM, MarketTrades
from sise.api.stream import StreamHub
from sise.engine.batches import Batch
from sise.engine.engine import Engine
from sise.market.types import Market, Venue
from sise.market.universe import Universe, build_universe
from sise.sources.simulator import MarketSimulator, SimConfig

DAY = date(2026, 11, 20)


def test_a_feed_is_encoded_once_per_batch_and_appended_in_order() -> None:
    hub = StreamHub()
    calls: list[set[Hashable]] = []

    def encode(batch: Batch, keys: Collection[Hashable]) -> dict[Hashable, list[bytes]]:
        calls.append(set(keys))
        return {k: [f"{k}{hub.batches}a".encode(), f"{k}{hub.batches}b".encode()] for k in keys}

    hub.add_feed("f", encode)
    woken: list[str] = []
    one = hub.subscriber(lambda: woken.append("one"))
    two = hub.subscriber(lambda: woken.append("two"))
    hub.publish(Batch())
    assert calls == []  # nobody follows: the feed is not even called
    one.follow("f", "x")
    two.follow("f", "x")
    two.follow("f", "y")
    hub.publish(Batch())
    hub.publish(Batch())
    assert calls == [{"x", "y"}, {"x", "y"}]
    assert one.take_events() == [b"x2a", b"x2b", b"x3a", b"x3b"]  # nothing conflated, in order
    assert two.take_events() == [b"x2a", b"x2b", b"y2a", b"y2b", b"x3a", b"x3b", b"y3a", b"y3b"]
    assert one.pending_bytes == two.pending_bytes == 0
    assert sorted(set(woken)) == ["one", "two"]
    two.close()
    hub.publish(Batch())
    assert calls[-1] == {"x"} and one.take_events() == [b"x4a", b"x4b"]


def test_unfollowing_drops_the_keys_events_not_yet_taken() -> None:
    """A batch published just before a Kiwoom REMOVE: nothing of the removed item goes out after
    the REMOVE's ack, though its events were queued before it."""
    hub = StreamHub()
    hub.add_feed("f", lambda batch, keys: {k: [f"{k}{hub.batches}".encode()] for k in keys})
    sub = hub.subscriber(lambda: None)
    sub.follow("f", "x", first=b"x0")
    sub.follow("f", "y")
    hub.publish(Batch())
    sub.unfollow("f", "x")
    assert sub.pending_bytes == 2
    assert sub.take_events() == [b"y1"]
    assert sub.pending_bytes == 0


def test_a_feed_subscriber_past_its_bound_overflows() -> None:
    hub = StreamHub(max_pending_bytes=10)
    hub.add_feed("f", lambda batch, keys: {k: [b"123456"] for k in keys})
    sub = hub.subscriber(lambda: None)
    sub.follow("f", "x")
    hub.publish(Batch())
    assert not sub.overflowed and sub.pending_bytes == 6
    hub.publish(Batch())
    assert sub.overflowed and sub.pending_bytes == 12


# -- the trade feeds on a simulated morning ---------------------------------------------------------


@cache
def _universe() -> Universe:
    return build_universe(n_kospi=60, n_kosdaq=60, n_etf=4, n_etn=2)


def _morning() -> Iterator[tuple[Engine, Batch]]:
    """An engine stepped through the first hour, batch by batch (10 s each)."""
    u = _universe()
    eng = Engine.from_universe(u)
    eng.start_day(DAY)
    sim = MarketSimulator(u, eng.base, eng.upper, eng.lower, SimConfig(DAY, seed=3, scale=0.05, step_s=10))
    first, last = sim.index_window
    eng.start_day(DAY, index_from=first, index_until=last)
    for batch in sim.batches():
        eng.apply(batch)
        yield eng, batch
        if batch.end_time is not None and (batch.end_time // 10**9 + 9 * 3600) % 86400 > 10 * 3600:
            return  # 10:00 KST


def test_0b_sends_every_trade_and_its_last_entry_is_the_snapshot() -> None:
    u = _universe()
    engine: list[Engine] = []

    def context() -> KiwoomContext:
        return KiwoomContext(engine[0], u, None, lambda: 0, False)

    feed = TradeFeed(context)
    keys: list[Key] = []
    seen = {"trades": 0, "entries": 0}
    for eng, batch in _morning():
        if not engine:
            engine.append(eng)
            caps = np.where(u.instruments.nxt, u.instruments.market_cap(), 0)
            busy = np.argsort(-caps)[:3].tolist()  # three large names that trade on NXT too
            code = u.instruments.code
            keys = [Key(code[busy[0]], busy[0], Venue.KRX), Key(code[busy[1]] + "_NX", busy[1], Venue.NXT)]
            keys.append(Key(code[busy[2]] + "_AL", busy[2], Venue.ALL))
            for k in keys:
                feed.track(k)
        out = feed(batch, keys)
        for k in keys:
            t = batch.trades[batch.trades["inst"] == k.inst]
            if k.venue != Venue.ALL:
                t = t[t["venue"] == k.venue]
            entries = [orjson.loads(e) for e in out.get(k, [])]
            assert len(entries) == len(t)  # every trade, none more
            seen["trades"] += len(t)
            if not entries:
                continue
            seen["entries"] += len(entries)
            assert {(e["type"], e["name"], e["item"]) for e in entries} == {("0B", "주식체결", k.item)}
            volumes = [int(e["values"]["13"]) for e in entries]
            assert np.diff(volumes).tolist() == t["qty"][1:].tolist()  # cumulative, trade by trade
            assert [abs(int(e["values"]["15"])) for e in entries] == t["qty"].tolist()
            assert [int(e["values"]["10"].lstrip("+-")) for e in entries] == t["price"].tolist()
            highs = [int(e["values"]["17"].lstrip("+-")) for e in entries]
            assert highs == sorted(highs)  # a running high never falls
            encode = resolve(context(), context, "0B", k.item)
            snapshot = orjson.loads(encode() or b"null")
            assert entries[-1] == snapshot  # after the batch, the last trade's entry is the state
    assert seen["entries"] > 50 and seen["entries"] == seen["trades"]


def test_ws_ksp_frames_carry_every_krx_trade_of_the_market_as_strings() -> None:
    u = _universe()
    engine: list[Engine] = []

    def context() -> KoscomContext:
        return KoscomContext(engine[0], u, None, lambda: 0)

    feed = MarketTrades(context)
    ins = u.instruments
    totals = {Market.KOSPI: 0, Market.KOSDAQ: 0}
    big_batches = 0
    for eng, batch in _morning():
        engine[:] = [eng]
        out = feed(batch, [Market.KOSPI, Market.KOSDAQ])
        krx = batch.trades[batch.trades["venue"] == Venue.KRX]
        for m in totals:
            t = krx[ins.market[krx["inst"]] == m]
            frames: list[Any] = [orjson.loads(f) for f in out.get(m, [])]
            assert all(isinstance(f, list) and 0 < len(f) <= MAX_ITEMS for f in frames)
            items = [i for f in frames for i in f]
            big_batches += len(frames) > 1
            assert len(items) == len(t)
            assert all(list(i) == list(TRADE_ITEM.names) for i in items)
            assert all(isinstance(v, str) for i in items for v in i.values())
            assert [i["isuSrtCd"] for i in items] == [ins.code[j] for j in t["inst"].tolist()]
            assert sum(int(i["trdVol"]) for i in items) == int(t["qty"].sum())
            totals[m] += int(t["qty"].sum())
    eng = engine[0]
    for m, total in totals.items():
        assert total == int(eng.state(Venue.KRX).volume[ins.market == m].sum()) > 0
    assert big_batches > 0  # frames were cut at 50 items
