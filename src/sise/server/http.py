"""uvicorn's HTTP/1.1 protocol, with the two answers the app never sees made the vendor's own.

- **Unreadable requests.** A request httptools cannot parse (an unknown method token, a broken
  request line or header, a target past its limit) is answered by the protocol, before any app
  runs: uvicorn sends a plain-text 400. Here it is the :meth:`~sise.api.surface.Shape.malformed`
  answer of the vendor whose path it asked for, as far as the parser read it (one port serves
  Kiwoom and Koscom).
- **Upgrades sise does not take.** llhttp treats any ``Connection: upgrade`` request as leaving
  HTTP: it skips the body and stops parsing. uvicorn then hands a ``POST`` with ``Upgrade:
  websocket`` to the WebSocket protocol, which never answers it and holds the connection, and it
  drops the body of any other upgrade (``h2c``), whose bytes, if they arrive late, are parsed as
  the next request. RFC 6455 §4.1 makes a WebSocket handshake a ``GET`` without a body, and sise
  speaks no other protocol, so every other upgrade request is served as the plain HTTP request
  it also is (RFC 9110 §7.8 lets a server ignore ``Upgrade``): its body, which llhttp skipped, is
  read here from the ``Content-Length`` bytes that follow, and parsing resumes after it. A
  chunked body cannot be framed that way and gets the malformed answer.

WebSocket handshakes (``GET``, no body) still go to uvicorn's WebSocket protocol; the app refuses
those on paths without a WebSocket route (``sise.api.surface``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httptools
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from sise.api.surface import Shape

__all__ = ["VendorHttpProtocol", "http_protocol"]


def http_protocol(shape_for: Callable[[str], Shape]) -> type[asyncio.Protocol]:
    """uvicorn's ``http=`` protocol class for an app answering a path in ``shape_for(path)``."""

    class Protocol(VendorHttpProtocol):
        def shape_for(self, path: str) -> Shape:
            return shape_for(path)

    return Protocol


class VendorHttpProtocol(HttpToolsProtocol):
    def shape_for(self, path: str) -> Shape:
        """The shape of the app serving ``path``."""
        raise NotImplementedError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._skipped = 0  # body bytes of a refused upgrade that llhttp skipped and are still due
        self._unframed = False  # a refused upgrade with a body sise cannot frame
        self._failed_on = b""  # the data the parser failed on, for the answer's shape

    # ------------------------------------------------------------------------ unreadable requests

    def _path(self) -> str:
        """The path of the request the parser gave up on: its target as far as it was read (reset
        at each request's first byte), else the one on the first line of the data it failed on
        (an unknown method fails before the target)."""
        target = getattr(self, "url", b"")
        if not target:
            line = self._failed_on.split(b"\r\n", 1)[0].split(b" ")
            target = line[1] if len(line) > 1 else b""
        return unquote(target.split(b"?", 1)[0].decode("latin-1"))

    def send_400_response(self, msg: str) -> None:
        answer = self.shape_for(self._path()).malformed()
        content = [STATUS_LINE[answer.status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        for hname, hvalue in (("content-type", answer.media_type), *answer.headers):
            content.extend([hname.encode("latin-1"), b": ", hvalue.encode("latin-1"), b"\r\n"])
        length = str(len(answer.body)).encode()
        content.extend([b"content-length: ", length, b"\r\nconnection: close\r\n\r\n", answer.body])
        self.transport.write(b"".join(content))
        self.transport.close()

    # ---------------------------------------------------------------------------------- upgrades

    def _should_upgrade(self) -> bool:
        return (
            super()._should_upgrade()
            and self.scope.get("method") == "GET"
            and not any(name in (b"content-length", b"transfer-encoding") for name, _ in self.headers)
        )

    def on_headers_complete(self) -> None:
        self._skipped, self._unframed = 0, False
        if not self.parser.should_upgrade():  # the common case: nothing to decide
            super().on_headers_complete()
            return
        self.scope["method"] = self.parser.get_method().decode("ascii")  # for _should_upgrade
        if not self._should_upgrade():
            if any(name == b"transfer-encoding" for name, _ in self.headers):
                self._unframed = True  # answered in data_received; no app runs
                return
            self._skipped = _content_length(self.headers)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        if self._unframed or self._skipped:  # the body is still to come (see data_received)
            return
        super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        if self._skipped:
            data = self._take_body(data)
            if not data:
                return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._failed_on = data
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade as upgrade:
            if self._unframed:
                self._failed_on = data
                self.logger.warning("Refused upgrade request with a chunked body.")
                self.send_400_response("Refused upgrade request with a chunked body.")
            elif self._should_upgrade():
                self.handle_websocket_upgrade()
            else:  # served as plain HTTP: its skipped body and any next request follow
                rest = data[int(upgrade.args[0]) :]
                if self._skipped:
                    rest = self._take_body(rest)
                if rest:
                    self.data_received(rest)

    def _take_body(self, data: bytes) -> bytes:
        """Hand the skipped body bytes at the start of ``data`` to the request; return the rest."""
        n = min(self._skipped, len(data))
        self._skipped -= n
        cycle = self.cycle
        if not cycle.response_complete:  # an early answer (401, 429) makes the body moot
            cycle.body += data[:n]
            if len(cycle.body) > HIGH_WATER_LIMIT:
                self.flow.pause_reading()
            if not self._skipped:
                cycle.more_body = False
            cycle.message_event.set()
        return data[n:]


def _content_length(headers: list[tuple[bytes, bytes]]) -> int:
    for name, value in headers:
        if name == b"content-length":
            try:
                return max(0, int(value))
            except ValueError:
                return 0
    return 0
