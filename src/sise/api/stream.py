"""Real-time fan-out, vendor-neutral: engine batches in, one frame per subscriber out.

A vendor registers *topics* (a hashable key and an encoder that renders the topic's current
value as the bytes of one wire entry, e.g. one element of Kiwoom's REAL ``data`` list). After
every applied engine batch the runtime calls :meth:`StreamHub.publish` on the event loop, which

1. encodes every topic that has at least one subscriber, once, and keeps the bytes only when
   they differ from the topic's previous payload (the topic changed);
2. hands each changed payload, the same ``bytes`` object, to every subscriber of the topic
   (a dict store per subscriber), then wakes each subscriber that got something.

A subscriber's writer then takes everything pending and sends it as *one* frame (the vendor
joins the entries), so a subscriber gets at most one frame per batch, whatever it subscribed.

Two kinds of topic, two delivery policies:

- **Snapshot topics** (a level, a book, cumulative volume, the last trade: every Kiwoom type but
  trade-by-trade 0B, every Koscom ``/ws`` preset). The outgoing queue of a subscriber is a map
  ``topic → latest payload``: a newer payload replaces an unsent older one (conflation, counted
  in ``conflated``), so the queue is bounded by the subscriber's topic count. A slow client sees
  fewer, fresher frames; sise never buffers history on its behalf.
- **Event feeds** (every trade: Koscom ``/ws_ksp`` / ``/ws_kdq``, Kiwoom trade-by-trade 0B).
  A feed encodes a batch's events once for all the keys followed (:data:`FeedEncoder`); each
  subscriber's events are appended in order to its queue, whose bytes are counted
  (``pending_bytes``). Events cannot be conflated without losing trades, so a subscriber whose
  backlog passes ``max_pending_bytes`` is marked ``overflowed`` and its vendor disconnects it
  with a close code and reason (``sise.api.outlet``); it never slows the others.

Nothing here reads the clock: payloads come from engine state only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from itertools import chain
from typing import Final, TypeVar, cast

from sise.engine.batches import Batch

__all__ = ["DEFAULT_MAX_PENDING_BYTES", "Encoder", "FeedEncoder", "StreamHub", "Subscriber"]

log = logging.getLogger("sise.stream")

#: Per subscriber: far above 100 conflated items of a few hundred bytes each, and several
#: seconds of a busy market's trades.
DEFAULT_MAX_PENDING_BYTES: Final = 4 << 20

#: The current value of a topic as wire bytes; ``None`` when it has none to send now.
Encoder = Callable[[], bytes | None]
#: A feed's events of one batch for the keys followed: ``key → payloads`` in event order (keys
#: with no event may be left out). Called once per batch, whatever the number of subscribers.
FeedEncoder = Callable[[Batch, Collection[Hashable]], Mapping[Hashable, Sequence[bytes]]]
F = TypeVar("F", bound=FeedEncoder)


class Subscriber:
    """One consumer's subscriptions and its outgoing queue (conflated snapshots, ordered events)."""

    __slots__ = (
        "_hub",
        "_wake",
        "conflated",
        "events",
        "feeds",
        "max_pending_bytes",
        "overflowed",
        "pending",
        "pending_bytes",
        "topics",
    )

    def __init__(self, hub: StreamHub, wake: Callable[[], None], max_pending_bytes: int) -> None:
        self._hub = hub
        self._wake = wake
        self.topics: set[Hashable] = set()
        self.feeds: set[tuple[str, Hashable]] = set()
        self.pending: dict[Hashable, bytes] = {}
        # ((feed, key), payloads, their bytes): one chunk per key and batch, the payload list
        # shared by every follower, so queueing costs a follower one append, not one per event.
        self.events: list[tuple[tuple[str, Hashable], Sequence[bytes], int]] = []
        self.pending_bytes = 0  # snapshots and events queued, not yet taken
        self.conflated = 0  # snapshot payloads replaced before they were sent
        self.max_pending_bytes = max_pending_bytes
        self.overflowed = False

    def subscribe(self, key: Hashable, encode: Encoder) -> None:
        """Follow the snapshot topic ``key``; its current value is queued at once (a first snapshot)."""
        self._hub._subscribe(self, key, encode)

    def unsubscribe(self, key: Hashable) -> None:
        self._hub._unsubscribe(self, key)
        old = self.pending.pop(key, None)
        if old is not None:
            self.pending_bytes -= len(old)

    def follow(self, feed: str, key: Hashable, first: bytes | None = None) -> None:
        """Receive every event of ``key`` in the feed ``feed`` from the next batch on, after
        ``first`` (the key's current state, queued at once) when given."""
        self._hub._follow(self, feed, key)
        if first is not None:
            self._append((feed, key), (first,), len(first))
            self._wake()

    def unfollow(self, feed: str, key: Hashable) -> None:
        """Stop following ``key``; its events not yet taken are dropped with it."""
        self._hub._unfollow(self, feed, key)
        dropped = sum(n for k, _, n in self.events if k == (feed, key))
        if dropped:
            self.events = [e for e in self.events if e[0] != (feed, key)]
            self.pending_bytes -= dropped

    def close(self) -> None:
        """Leave every topic and feed (a session that ended)."""
        self.events = []
        for key in list(self.topics):
            self.unsubscribe(key)
        for feed, key in list(self.feeds):
            self.unfollow(feed, key)
        self.pending_bytes = 0

    def take(self) -> list[bytes]:
        """The pending snapshots, in order of first arrival, and an empty snapshot queue."""
        out = list(self.pending.values())
        self.pending_bytes -= sum(map(len, out))
        self.pending = {}
        return out

    def take_events(self) -> list[bytes]:
        """The pending events, in order, and an empty event queue."""
        chunks, self.events = self.events, []
        self.pending_bytes -= sum(n for _, _, n in chunks)
        return list(chain.from_iterable(payloads for _, payloads, _ in chunks))

    def _offer(self, key: Hashable, payload: bytes) -> None:
        old = self.pending.get(key)
        if old is not None:
            self.conflated += 1
            self.pending_bytes -= len(old)
        self.pending[key] = payload
        self.pending_bytes += len(payload)
        if self.pending_bytes > self.max_pending_bytes:
            self.overflowed = True

    def _append(self, source: tuple[str, Hashable], payloads: Sequence[bytes], nbytes: int) -> None:
        self.events.append((source, payloads, nbytes))
        self.pending_bytes += nbytes
        if self.pending_bytes > self.max_pending_bytes:
            self.overflowed = True


class _Topic:
    __slots__ = ("encode", "last", "subscribers")

    def __init__(self, encode: Encoder) -> None:
        self.encode = encode
        self.last: bytes | None = None
        self.subscribers: set[Subscriber] = set()


class _Feed:
    __slots__ = ("encode", "followers")

    def __init__(self, encode: FeedEncoder) -> None:
        self.encode = encode
        self.followers: dict[Hashable, set[Subscriber]] = {}


class StreamHub:
    """Snapshot topics, event feeds and their subscribers (see the module docstring)."""

    def __init__(self, max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES) -> None:
        self.max_pending_bytes = max_pending_bytes  # each subscriber's backlog bound
        self._topics: dict[Hashable, _Topic] = {}
        self._feeds: dict[str, _Feed] = {}
        self.batches = 0  # publications, for tests and the admin

    def subscriber(self, wake: Callable[[], None], max_pending_bytes: int | None = None) -> Subscriber:
        """A new subscriber; ``wake`` is called (on the event loop) when it has something pending,
        or when it overflowed (its vendor then cuts it)."""
        bound = self.max_pending_bytes if max_pending_bytes is None else max_pending_bytes
        return Subscriber(self, wake, bound)

    def add_feed(self, name: str, encode: FeedEncoder) -> None:
        """Declare the event feed ``name`` (once per hub; a second declaration is a bug)."""
        if name in self._feeds:
            raise ValueError(f"feed {name!r} is already declared")
        self._feeds[name] = _Feed(encode)

    def ensure_feed(self, name: str, make: Callable[[], F]) -> F:
        """The feed ``name``'s encoder, declared with ``make()`` by its first user: the
        personalities of one market share a hub, and so each feed."""
        feed = self._feeds.get(name)
        if feed is None:
            encode = make()
            self.add_feed(name, encode)
            return encode
        return cast(F, feed.encode)

    @property
    def topic_count(self) -> int:
        return len(self._topics)

    def publish(self, batch: Batch) -> None:
        """After an applied batch: encode each followed topic and feed once, queue what changed."""
        self.batches += 1
        woken: set[Subscriber] = set()
        for key, topic in self._topics.items():
            payload = self._encode(key, topic)
            if payload is None or payload == topic.last:
                continue
            topic.last = payload
            for sub in topic.subscribers:
                sub._offer(key, payload)
                woken.add(sub)
        for name, feed in self._feeds.items():
            if not feed.followers:
                continue
            try:
                out = feed.encode(batch, feed.followers.keys())
            except Exception:  # one broken feed must not silence the rest
                log.exception("feed %s failed", name)
                continue
            for key, payloads in out.items():
                if not payloads:
                    continue
                nbytes = sum(map(len, payloads))  # once, not once per follower
                for sub in feed.followers.get(key, ()):
                    sub._append((name, key), payloads, nbytes)
                    woken.add(sub)
        for sub in woken:
            sub._wake()

    def _encode(self, key: Hashable, topic: _Topic) -> bytes | None:
        try:
            return topic.encode()
        except Exception:  # one broken topic must not silence the others
            log.exception("encoding %r failed", key)
            return None

    def _subscribe(self, sub: Subscriber, key: Hashable, encode: Encoder) -> None:
        if key in sub.topics:
            return
        topic = self._topics.get(key)
        if topic is None:
            topic = self._topics[key] = _Topic(encode)
            topic.last = self._encode(key, topic)
        topic.subscribers.add(sub)
        sub.topics.add(key)
        if topic.last is not None:
            sub._offer(key, topic.last)
            sub._wake()

    def _unsubscribe(self, sub: Subscriber, key: Hashable) -> None:
        sub.topics.discard(key)
        topic = self._topics.get(key)
        if topic is None:
            return
        topic.subscribers.discard(sub)
        if not topic.subscribers:  # nobody follows it: stop encoding it
            del self._topics[key]

    def _follow(self, sub: Subscriber, name: str, key: Hashable) -> None:
        feed = self._feeds.get(name)
        if feed is None:
            raise KeyError(f"no feed {name!r}")
        feed.followers.setdefault(key, set()).add(sub)
        sub.feeds.add((name, key))

    def _unfollow(self, sub: Subscriber, name: str, key: Hashable) -> None:
        sub.feeds.discard((name, key))
        feed = self._feeds.get(name)
        followers = feed.followers.get(key) if feed is not None else None
        if feed is None or followers is None:
            return
        followers.discard(sub)
        if not followers:
            del feed.followers[key]
