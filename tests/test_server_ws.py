"""sise's WebSocket protocol writes text frames itself: they must be RFC 6455's, byte for byte."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from sise.server.ws import _header


@pytest.mark.parametrize("n", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_a_text_frame_is_websockets_own(n: int) -> None:
    data = b"x" * n
    assert _header(n) + data == Frame(Opcode.TEXT, data).serialize(mask=False)
