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

Delivery policy (backlog): every topic served is snapshot data (a level, cumulative volume,
the last trade), so the outgoing queue of a subscriber is a map ``topic → latest payload``:
a newer payload replaces an unsent older one (conflation, counted in ``conflated``). The queue
is therefore bounded by the subscriber's topic count; sise also counts its bytes
(``pending_bytes``) and a subscriber past ``max_pending_bytes`` is marked ``overflowed`` for
its vendor to disconnect. A slow client sees fewer, fresher frames; it never makes sise buffer
history on its behalf.

Nothing here reads the clock: payloads come from engine state only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Final

__all__ = ["DEFAULT_MAX_PENDING_BYTES", "Encoder", "StreamHub", "Subscriber"]

log = logging.getLogger("sise.stream")

#: Per subscriber: far above 100 conflated items of a few hundred bytes each.
DEFAULT_MAX_PENDING_BYTES: Final = 1 << 20

#: The current value of a topic as wire bytes; ``None`` when it has none to send now.
Encoder = Callable[[], bytes | None]


class Subscriber:
    """One consumer's subscriptions and its conflated outgoing queue."""

    __slots__ = (
        "_hub",
        "_wake",
        "conflated",
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
        self.pending: dict[Hashable, bytes] = {}
        self.pending_bytes = 0
        self.conflated = 0  # payloads replaced before they were sent
        self.max_pending_bytes = max_pending_bytes
        self.overflowed = False

    def subscribe(self, key: Hashable, encode: Encoder) -> None:
        """Follow ``key``; its current value is queued at once (a first snapshot)."""
        self._hub._subscribe(self, key, encode)

    def unsubscribe(self, key: Hashable) -> None:
        self._hub._unsubscribe(self, key)
        old = self.pending.pop(key, None)
        if old is not None:
            self.pending_bytes -= len(old)

    def close(self) -> None:
        """Leave every topic (a session that ended)."""
        for key in list(self.topics):
            self.unsubscribe(key)

    def take(self) -> list[bytes]:
        """Everything pending, in subscription order of first arrival, and an empty queue."""
        out = list(self.pending.values())
        self.pending = {}
        self.pending_bytes = 0
        return out

    def _offer(self, key: Hashable, payload: bytes) -> None:
        old = self.pending.get(key)
        if old is not None:
            self.conflated += 1
            self.pending_bytes -= len(old)
        self.pending[key] = payload
        self.pending_bytes += len(payload)
        if self.pending_bytes > self.max_pending_bytes:
            self.overflowed = True


class _Topic:
    __slots__ = ("encode", "last", "subscribers")

    def __init__(self, encode: Encoder) -> None:
        self.encode = encode
        self.last: bytes | None = None
        self.subscribers: set[Subscriber] = set()


class StreamHub:
    """Topics, their subscribers and the last payload of each (see the module docstring)."""

    def __init__(self) -> None:
        self._topics: dict[Hashable, _Topic] = {}
        self.batches = 0  # publications, for tests and the admin

    def subscriber(
        self, wake: Callable[[], None], max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES
    ) -> Subscriber:
        """A new subscriber; ``wake`` is called (on the event loop) when it has something pending."""
        return Subscriber(self, wake, max_pending_bytes)

    @property
    def topic_count(self) -> int:
        return len(self._topics)

    def publish(self) -> None:
        """After an applied batch: encode each followed topic once, queue what changed."""
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
