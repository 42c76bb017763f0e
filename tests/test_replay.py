"""Recording a served market and replaying it: every REST answer and every WebSocket frame at a
market time is byte-identical to the original's at that time, seeking included.

Both markets run on a manual clock advanced from the test on the app's event loop (as
``Market.run`` does), one second (one batch) at a time, and every WebSocket is drained after each
step, so frames are never conflated differently in the two runs."""

from __future__ import annotations

import time as _time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import orjson
import pyarrow as pa
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from koscom_fields import KEY
from sise.api.kiwoom.auth import KeyStore
from sise.market.timeutil import KST, NS
from sise.server import runtime
from sise.server.admin import ADMIN_KEY_FILE, ENV_ADMIN_KEY, admin_app, load_or_create_admin_key
from sise.server.app import create_app
from sise.server.recorder import MarketRecorder
from sise.server.replay import Replay, SeekRefused
from sise.server.runtime import Market, Settings
from sise.sources.clock import Clock
from sise.sources.recording import RecordingError, RecordingReader
from wsclient import DAY, REAL, START, recv, send, step

SETTINGS = Settings(day=DAY, history_years=0, scale=0.02)
ADMIN_KEY = "admin-key-for-tests"
STEPS = 12  # market seconds (batches) followed after the start
CHECKPOINTS = (0, 5, STEPS)  # seconds after the start where every REST answer is kept

KIWOOM = (
    ("sect", "ka20001", {"mrkt_tp": "0", "inds_cd": "001"}),
    ("sect", "ka20002", {"mrkt_tp": "0", "inds_cd": "001", "stex_tp": "1"}),
    ("sect", "ka10010", {"stk_cd": "005930"}),
    ("chart", "ka20005", {"inds_cd": "001", "tic_scope": "1"}),
)
KOSCOM = (
    "/stocks/kospi/005930/price",
    "/stocks/kospi/005930/orderbook",
    "/index/kospi/K1/index",
    "/multiquote/stocks/kosdaq/ohlclists",
)


@dataclass
class Run:
    """What clients saw of one market: REST bodies per checkpoint, every WebSocket frame."""

    rest: dict[int, list[bytes]] = field(default_factory=dict)
    frames: dict[str, list[str]] = field(default_factory=dict)


class Session:
    """A market behind the real personality (and the admin endpoint when it is a replay)."""

    def __init__(self, market: Market, client: TestClient) -> None:
        self.market = market
        self.client = client
        body = {"grant_type": "client_credentials", "appkey": REAL.appkey, "secretkey": REAL.secretkey}
        self.token = client.post("/oauth2/token", json=body).json()["token"]

    def step(self, seconds: int = 1) -> None:
        step(self.market, self.client, seconds)

    def answers(self) -> list[bytes]:
        out = []
        for category, api_id, body in KIWOOM:
            headers = {"api-id": api_id, "authorization": f"Bearer {self.token}"}
            r = self.client.post(f"/api/dostk/{category}", json=body, headers=headers)
            assert r.status_code == 200 and r.json()["return_code"] == 0, r.text
            out.append(r.content)
        for path in KOSCOM:
            r = self.client.get("/v2/market" + path, headers={"apikey": KEY})
            assert r.status_code == 200, r.text
            out.append(r.content)
        return out

    def admin(self, body: dict[str, Any] | None = None, key: str = ADMIN_KEY) -> tuple[int, dict[str, Any]]:
        headers = {"x-sise-admin-key": key}
        r = (
            self.client.get("/admin/replay", headers=headers)
            if body is None
            else self.client.post("/admin/replay", json=body, headers=headers)
        )
        return r.status_code, r.json()


@pytest.fixture
def session_of(tmp_path: Path) -> Iterator[Any]:
    """``session_of(market, replay=None)``: the market served in-process, closed at the end."""
    stack: list[Any] = []

    def make(market: Market, replay: Replay | None = None) -> Session:
        market.catch_up()
        admin = admin_app(replay, ADMIN_KEY) if replay is not None else None
        app = create_app(market, KeyStore([REAL], [], [KEY]), rate_limit=0, admin=admin)
        client = TestClient(app)
        client.__enter__()
        stack.append((market, client))
        return Session(market, client)

    yield make
    for market, client in reversed(stack):
        client.__exit__(None, None, None)
        market.close()


def raw(ws: Any, timeout: float) -> str | None:
    """The next frame's text, or None when none comes within ``timeout``."""

    async def get() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    try:
        message = ws.portal.call(get)
    except TimeoutError:
        return None
    assert message["type"] == "websocket.send", message
    return str(message["text"])


def follow(s: Session) -> Run:
    """Subscribe, then step ``STEPS`` seconds keeping REST answers and every frame."""
    run = Run()
    with (
        s.client.websocket_connect("/api/dostk/websocket") as kiwoom,
        s.client.websocket_connect("/ws_ksp") as ksp,
    ):
        send(kiwoom, {"trnm": "LOGIN", "token": s.token})
        assert recv(kiwoom)["return_code"] == 0
        send(
            kiwoom,
            {
                "trnm": "REG",
                "grp_no": "1",
                "refresh": "1",
                "data": [{"item": ["005930"], "type": ["0B", "0D"]}],
            },
        )
        send(
            kiwoom,
            {"trnm": "REG", "grp_no": "2", "refresh": "1", "data": [{"item": ["001"], "type": ["0J"]}]},
        )
        ksp.send_text(
            orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": "init", "params": {"key": KEY}}).decode()
        )
        sockets = {"kiwoom": kiwoom, "ksp": ksp}
        for second in range(STEPS + 1):
            if second:
                s.step()
            _time.sleep(0.05)  # the writers send what the batch brought before the next one
            for name, ws in sockets.items():
                while (text := raw(ws, 0.01)) is not None:
                    run.frames.setdefault(name, []).append(text)
            if second in CHECKPOINTS:
                run.rest[second] = s.answers()
    return run


def test_a_replay_answers_byte_for_byte_what_the_recorded_market_did(tmp_path: Path, session_of: Any) -> None:
    path = tmp_path / "day.sise"
    recorder = MarketRecorder(path)
    original = follow(session_of(Market(SETTINGS, clock=Clock.manual(START), source=recorder)))
    recorder.close()

    replay = Replay(path)
    assert replay.extent.complete and replay.header.start_ns == int(START.timestamp()) * NS
    settings = replay.settings(data_dir=tmp_path)
    assert (settings.seed, settings.day, settings.scale, settings.history_years) == (0, DAY, 0.02, 0)
    again = follow(session_of(Market(settings, clock=Clock.manual(START), source=replay), replay))

    assert again.rest == original.rest
    assert set(original.frames) == {"kiwoom", "ksp"} and len(original.frames["kiwoom"]) > STEPS // 2
    assert again.frames == original.frames


def test_seeking_forwards_and_back_serves_the_recorded_state_of_that_time(
    tmp_path: Path, session_of: Any
) -> None:
    path = tmp_path / "day.sise"
    recorder = MarketRecorder(path)
    original = session_of(Market(SETTINGS, clock=Clock.manual(START), source=recorder))
    rest = {0: original.answers()}
    for second in range(1, 31):
        original.step()
        if second in (10, 30):
            rest[second] = original.answers()
    digest = original.market.engine.digest()
    recorder.close()

    replay = Replay(path)
    s = session_of(
        Market(replay.settings(data_dir=tmp_path), clock=Clock.manual(START), source=replay), replay
    )
    assert s.answers() == rest[0]
    code, status = s.admin({"action": "seek", "time": "09:05:30"})
    assert code == 200 and status["market_time"] == "2026-11-20T09:05:30+09:00", status
    assert s.answers() == rest[30] and s.market.engine.digest() == digest
    code, status = s.admin({"action": "seek", "time": "2026-11-20T09:05:10"})  # backwards
    assert code == 200 and status["market_time"] == "2026-11-20T09:05:10+09:00"
    assert s.answers() == rest[10]
    s.step(20)  # and on from there as recorded
    assert s.answers() == rest[30] and s.market.engine.digest() == digest
    # Past the recording's last batch the market holds it; an earlier day is refused.
    code, status = s.admin({"action": "seek", "time": "12:00"})
    assert code == 200 and status["state"] == "ended" and s.market.day == DAY
    # The recorder writes what the simulator made, a few batches ahead of the clock.
    assert status["recording"]["through"] >= "2026-11-20T09:05:31+09:00"
    code, status = s.admin({"action": "seek", "time": "2026-11-19T10:00:00"})
    assert code == 409 and "2026-11-20" in status["error"]


def record(path: Path, seconds: int, listener: Callable[[Any], None] | None = None) -> Market:
    """Record a market (``SETTINGS``, manual clock) for ``seconds`` past its start to ``path``;
    ``listener`` sees every batch applied. Returns the (closed) market."""
    recorder = MarketRecorder(path)
    m = Market(SETTINGS, clock=Clock.manual(START), source=recorder)
    if listener is not None:
        m.listeners.append(listener)
    m.catch_up()
    m.clock.advance_to(m.start_ns + seconds * NS)
    m.advance(m.clock.now_ns())
    m.close()
    recorder.close()
    return m


def test_the_admin_endpoint_pauses_resumes_changes_speed_and_refuses_what_it_cannot_do(
    tmp_path: Path, session_of: Any
) -> None:
    path = tmp_path / "day.sise"
    record(path, seconds=5)

    replay = Replay(path)
    clock = Clock(START, speed=1.0)
    s = session_of(Market(replay.settings(data_dir=tmp_path), clock=clock, source=replay), replay)
    code, status = s.admin()
    assert code == 200 and status["state"] == "playing" and status["speed"] == 1.0
    assert status["recording"]["complete"] and status["recording"]["recorded_by"].startswith("sise ")
    assert s.admin({"action": "pause"})[1]["state"] == "paused"
    frozen = clock.now_ns()
    _time.sleep(0.02)
    assert clock.now_ns() == frozen
    assert s.admin({"action": "speed", "speed": 60})[1]["speed"] == 60
    assert s.admin({"action": "resume"})[1]["state"] in ("playing", "ended")
    assert clock.now_ns() > frozen and not clock.paused
    # Errors: a clear JSON body and the right status.
    assert s.admin(key="wrong")[0] == 401
    assert s.client.get("/admin/replay").status_code == 401
    bearer = s.client.get("/admin/replay", headers={"authorization": f"Bearer {ADMIN_KEY}"})
    assert bearer.status_code == 200
    for bad in (
        {"action": "rewind"},
        {"action": "speed", "speed": 0},
        {"action": "speed", "speed": "x"},
        {"action": "seek", "time": "25:00"},
        {"action": "seek"},
    ):
        code, answer = s.admin(bad)
        assert code == 400 and answer["error"], (bad, answer)
    r = s.client.post("/admin/replay", content=b"{", headers={"x-sise-admin-key": ADMIN_KEY})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    assert s.client.delete("/admin/replay", headers={"x-sise-admin-key": ADMIN_KEY}).status_code == 405


def test_a_recording_holds_the_header_and_every_batch_as_applied(tmp_path: Path) -> None:
    path = tmp_path / "day.sise"
    applied: list[Any] = []
    m = record(path, seconds=3, listener=applied.append)
    reader = RecordingReader(path)
    h = reader.header
    assert (h.origin, h.day, h.seed, h.scale, h.history_years, h.universe_csv) == (
        "serve",
        DAY,
        0,
        0.02,
        0,
        None,
    )
    assert h.start_ns == m.start_ns and h.speed == 0.0  # a manual clock
    rows = list(reader)
    assert reader.problem is None
    assert rows[0].opening is not None and all(r.opening is None for r in rows[1:])
    assert len(rows) >= len(applied)  # the producer may have read ahead
    for row, batch in zip(rows, applied, strict=False):
        assert row.batch.end_time == batch.end_time
        for name in ("trades", "books", "statuses"):
            assert getattr(row.batch, name).tobytes() == getattr(batch, name).tobytes()


def test_a_replay_at_its_own_speed_and_start(tmp_path: Path) -> None:
    path = tmp_path / "day.sise"
    recorder = MarketRecorder(path)
    m = Market(SETTINGS, clock=Clock.manual(START), source=recorder)
    m.catch_up()
    m.close()
    recorder.close()
    replay = Replay(path)
    s = replay.settings(speed=30.0, start=datetime(2026, 11, 20, 9, 1, tzinfo=KST).time(), data_dir=tmp_path)
    assert (s.speed, str(s.start)) == (30.0, "09:01:00")
    assert replay.settings(data_dir=tmp_path).start == START.time()
    replay.close()


def test_a_recording_across_the_close_replays_the_next_day_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A whole day to run through: thin, in ten-minute batches (the replay keeps the recorded ones).
    monkeypatch.setattr(runtime, "CATCH_UP_STEP_S", 600)
    path = tmp_path / "days.sise"
    late = datetime(2026, 11, 20, 19, 0, tzinfo=KST)
    recorder = MarketRecorder(path)
    thin = Settings(day=DAY, history_years=0, scale=0.002)
    m = Market(thin, clock=Clock.fast(late), source=recorder)
    m.catch_up()
    # Through NXT's close at 20:00 and the night (Friday is served until Monday's pre-market) into
    # Monday's morning.
    target = int(datetime(2026, 11, 23, 8, 30, tzinfo=KST).timestamp()) * NS
    m.clock.advance_to(target)
    m.advance(target)
    assert m.day == date(2026, 11, 23)
    digest = m.engine.digest()
    m.close()
    recorder.close()

    replay = Replay(path)
    assert (replay.extent.first_day, replay.extent.last_day) == (DAY, date(2026, 11, 23))
    r = Market(replay.settings(data_dir=tmp_path), clock=Clock.fast(late), source=replay)
    try:
        r.catch_up()
        r.clock.advance_to(target)
        r.advance(target)
        assert r.day == date(2026, 11, 23) and r.engine.digest() == digest
        with pytest.raises(SeekRefused):  # Friday is behind
            replay.seek(m.start_ns)
    finally:
        r.close()
        replay.close()


def test_the_admin_key_is_made_once_kept_private_and_overridden_by_the_environment(tmp_path: Path) -> None:
    key, where = load_or_create_admin_key(tmp_path, environ={})
    path = tmp_path / ADMIN_KEY_FILE
    assert where == str(path) and len(key) >= 40 and path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_admin_key(tmp_path, environ={}) == (key, str(path))
    assert load_or_create_admin_key(tmp_path, environ={ENV_ADMIN_KEY: " mine "}) == ("mine", ENV_ADMIN_KEY)
    path.write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        load_or_create_admin_key(tmp_path, environ={})


def test_a_recording_whose_opening_this_sise_rebuilds_differently_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "day.sise"
    recorder = MarketRecorder(path)
    m = Market(SETTINGS, clock=Clock.manual(START), source=recorder)
    m.catch_up()
    m.close()
    recorder.close()
    # The same batches under another seed's header: another universe, so another opening.
    stream = pa.ipc.open_stream(str(path))
    meta = dict(stream.schema.metadata) | {b"sise.seed": b"7"}
    other = tmp_path / "other.sise"
    with pa.ipc.new_stream(str(other), stream.schema.with_metadata(meta)) as w:
        for rb in stream:
            w.write_batch(rb)
    replay = Replay(other)
    with pytest.raises(RecordingError, match=r"opening of 2026-11-20 rebuilt by sise .* differs"):
        Market(replay.settings(data_dir=tmp_path), clock=Clock.manual(START), source=replay)
    replay.close()


def test_a_market_that_continues_stored_history_is_not_recorded(tmp_path: Path) -> None:
    # A market that resumed a data directory (or started from imported history) opens on state
    # that no recording holds: the recorder refuses it rather than write a file that cannot replay.
    path = tmp_path / "day.sise"
    recorder = MarketRecorder(path)
    resumed = SimpleNamespace(from_settings=False, settings=Settings(data_dir=tmp_path / "data"))
    with pytest.raises(RecordingError, match="new --data-dir or with --history memory"):
        recorder(resumed, None)  # type: ignore[arg-type]
    recorder.close()
    assert not path.exists()  # nothing was recorded


def test_a_recording_started_before_the_pre_market_replays_the_day_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Started at 07:30, the market serves Thursday finished until Friday's pre-market; so does the
    # replay, on a clock of its own built from the recording's settings.
    monkeypatch.setattr(runtime, "CATCH_UP_STEP_S", 600)
    path = tmp_path / "morning.sise"
    recorder = MarketRecorder(path)
    thin = Settings(day=DAY, history_years=0, scale=0.002)
    m = Market(thin, clock=Clock.fast(datetime(2026, 11, 20, 7, 30, tzinfo=KST)), source=recorder)
    m.catch_up()
    thursday = date(2026, 11, 19)
    assert m.day == thursday
    digest = m.engine.digest()
    m.close()
    recorder.close()

    replay = Replay(path)
    settings = replay.settings(data_dir=tmp_path)
    assert (settings.day, str(settings.start)) == (DAY, "07:30:00")
    assert replay.settings(start=dtime(7, 0), data_dir=tmp_path).day == DAY  # the morning after
    assert replay.settings(start=dtime(23, 0), data_dir=tmp_path).day == thursday  # its evening
    r = Market(settings, source=replay)
    try:
        r.catch_up()
        assert r.day == thursday and r.engine.digest() == digest
    finally:
        r.close()
        replay.close()
