"""The progress report of sise simulate and sise demo (sise.cli.progress)."""

from __future__ import annotations

import io

from sise.cli.progress import Progress


class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_it_redraws_in_place_at_most_ten_times_a_second() -> None:
    out, clock = FakeStream(tty=True), FakeClock()
    with Progress("2026-11-20", stream=out, clock=clock) as bar:
        for k in range(1, 1001):  # 1,000 updates over 2 s
            clock.now += 0.002
            bar.update(k / 1000, f"{k:,} trades")
    text = out.getvalue()
    draws = text.count("\r")
    assert 20 <= draws <= 22  # ≤ 10 a second, plus the final state
    assert text.endswith("\r2026-11-20 [" + "#" * 30 + "] 100%  1,000 trades\n")


def test_elsewhere_it_prints_occasional_plain_lines_without_carriage_returns() -> None:
    out, clock = FakeStream(tty=False), FakeClock()
    with Progress("demo", stream=out, clock=clock) as bar:
        for k in range(1, 1001):
            clock.now += 0.002
            bar.update(k / 1000, f"{k} events")
    text = out.getvalue()
    assert "\r" not in text
    assert text.splitlines() == [
        "demo  25%  250 events",
        "demo  50%  500 events",
        "demo  75%  750 events",
        "demo 100%  1000 events",
    ]


def test_a_stream_without_isatty_counts_as_not_a_terminal() -> None:
    class Plain:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, s: str) -> int:
            self.parts.append(s)
            return len(s)

        def flush(self) -> None:
            pass

    out = Plain()
    bar = Progress("x", stream=out)  # type: ignore[arg-type]
    bar.update(0.5)
    bar.close()
    bar.close()  # closing twice prints once
    assert "".join(out.parts) == "x  50%\n"  # the last line already said it
