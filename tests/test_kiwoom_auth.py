"""Kiwoom keys and tokens: au10001 / au10002 and bearer validation on TR calls."""

from __future__ import annotations

import re
import stat
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # Starlette ≥ 1.x prefers httpx2; plain httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from sise.api.kiwoom.app import create_kiwoom_app
from sise.api.kiwoom.auth import KeyPair, KeyStore, TokenStore
from sise.api.kiwoom.tr import Answer, KiwoomContext, Tr
from sise.api.wire import Body, Request

T0 = datetime(2026, 11, 20, tzinfo=UTC).timestamp()  # 09:00:00 KST
REAL = KeyPair("real-appkey-1", "real-secret-1")
REAL2 = KeyPair("real-appkey-2", "real-secret-2")
MOCK = KeyPair("mock-appkey-1", "mock-secret-1")
OK = "정상적으로 처리되었습니다"
TR_ID = "ka99911"


class FakeTime:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def context() -> KiwoomContext:
    return KiwoomContext(cast(Any, None), cast(Any, None), None, lambda: 0)


def _echo(ctx: KiwoomContext, req: Request) -> Answer:
    return Answer({"mock": "Y" if ctx.mock else "N"})


ECHO = Tr(TR_ID, "echo", "sect", Body(()), _echo)


@pytest.fixture
def keys() -> KeyStore:
    return KeyStore([REAL, REAL2], [MOCK])


@pytest.fixture
def wall() -> FakeTime:
    return FakeTime(T0)


def make_client(
    keys: KeyStore, wall: FakeTime, *, mock: bool = False, lifetime: float = 86_400
) -> TestClient:
    app = create_kiwoom_app(
        context, keys, trs=[ECHO], mock=mock, token_lifetime_s=lifetime, rate_limit=0, now=wall
    )
    return TestClient(app)


@pytest.fixture
def real(keys: KeyStore, wall: FakeTime) -> TestClient:
    return make_client(keys, wall)


@pytest.fixture
def mock(keys: KeyStore, wall: FakeTime) -> TestClient:
    return make_client(keys, wall, mock=True)


def issue(client: TestClient, pair: KeyPair, **override: Any) -> dict[str, Any]:
    body = {
        "grant_type": "client_credentials",
        "appkey": pair.appkey,
        "secretkey": pair.secretkey,
        **override,
    }
    r = client.post("/oauth2/token", json=body, headers={"Content-Type": "application/json;charset=UTF-8"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json;charset=UTF-8"
    return dict(r.json())


def call(client: TestClient, authorization: str | None) -> dict[str, Any]:
    headers = {"api-id": TR_ID}
    if authorization is not None:
        headers["authorization"] = authorization
    r = client.post("/api/dostk/sect", json={}, headers=headers)
    assert r.status_code == 200
    return dict(r.json())


def err(code: int, detail: int, text: str) -> dict[str, Any]:
    category = {2: "입력 값 오류입니다", 3: "인증에 실패했습니다"}[code]
    return {"return_code": code, "return_msg": f"{category}[{detail}:{text}]"}


INVALID = err(3, 8005, "Token이 유효하지 않습니다")


# ------------------------------------------------------------------------------------ keys


def test_first_start_creates_a_private_development_key_set(tmp_path: Path) -> None:
    data = tmp_path / "data"
    keys = KeyStore.load_or_create(data, environ={})
    path = data / "keys.json"
    assert keys.created and keys.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(keys.real) == len(keys.mock) == len(keys.koscom) == 1
    for pair in (keys.real[0], keys.mock[0]):
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", pair.appkey)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", pair.secretkey)
    assert keys.real[0].appkey != keys.mock[0].appkey
    assert re.fullmatch(r"l7xx[0-9a-f]{32}", keys.koscom[0])
    again = KeyStore.load_or_create(data, environ={})
    assert not again.created
    assert (again.real, again.mock, again.koscom) == (keys.real, keys.mock, keys.koscom)
    assert "secret" not in repr(keys.real[0]).replace("secretkey='***'", "")


def test_environment_keys_come_first_and_fill_their_sections(tmp_path: Path) -> None:
    env = {"SISE_KIWOOM_APPKEY": "env-app", "SISE_KIWOOM_SECRETKEY": "env-secret", "SISE_KOSCOM_APIKEY": "k1"}
    keys = KeyStore.load_or_create(tmp_path, environ=env)
    assert keys.real == (KeyPair("env-app", "env-secret"),)  # no generated real key next to it
    assert keys.koscom == ("k1",)
    assert len(keys.mock) == 1  # generated: the environment left it empty
    assert keys.find("env-app") == (KeyPair("env-app", "env-secret"), False)
    assert keys.find(keys.mock[0].appkey) == (keys.mock[0], True)
    assert keys.has_koscom_key("k1") and not keys.has_koscom_key("k2")
    # With a keys file present, both sources count.
    env2 = {"SISE_KIWOOM_MOCK_APPKEY": "m-app", "SISE_KIWOOM_MOCK_SECRETKEY": "m-secret"}
    both = KeyStore.load_or_create(tmp_path, environ=env2)
    assert both.mock[0] == KeyPair("m-app", "m-secret") and len(both.mock) == 2


def test_bad_key_configuration_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SISE_KIWOOM_SECRETKEY"):
        KeyStore.from_env({"SISE_KIWOOM_APPKEY": "a"})
    path = tmp_path / "keys.json"
    path.write_text('{"real": [{"appkey": "a"}]}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"real\[0\]\.secretkey"):
        KeyStore.from_file(path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="expected an object"):
        KeyStore.from_file(path)
    with pytest.raises(ValueError, match="both real and mock"):
        KeyStore([KeyPair("same", "x")], [KeyPair("same", "y")])


# ------------------------------------------------------------------------------ life cycle


def test_token_life_cycle(real: TestClient, wall: FakeTime) -> None:
    first = issue(real, REAL)
    assert list(first) == ["expires_dt", "token_type", "token", "return_code", "return_msg"]
    assert first["token_type"] == "bearer" and first["return_code"] == 0 and first["return_msg"] == OK
    assert re.fullmatch(r"[A-Za-z0-9_-]{86}", first["token"])
    assert first["expires_dt"] == "20261121090000"  # KST, 24 h after 2026-11-20 09:00:00 KST
    token = first["token"]
    assert call(real, f"Bearer {token}")["return_code"] == 0
    assert call(real, f"bearer {token}")["return_code"] == 0  # f"{token_type} {token}" works too

    wall.t += 3600
    again = issue(real, REAL)
    assert again == first  # same token, same expiry while it is valid
    other = issue(real, REAL2)
    assert other["token"] != token

    wall.t = T0 + 86_400 - 0.001
    assert call(real, f"Bearer {token}")["return_code"] == 0
    wall.t = T0 + 86_400
    assert call(real, f"Bearer {token}") == INVALID
    renewed = issue(real, REAL)
    assert renewed["token"] != token and renewed["expires_dt"] == "20261122090000"
    assert call(real, f"Bearer {renewed['token']}")["return_code"] == 0


def test_revoke(real: TestClient) -> None:
    token = issue(real, REAL)["token"]
    body = {"appkey": REAL.appkey, "secretkey": REAL.secretkey, "token": token}
    r = real.post("/oauth2/revoke", json=body, headers={"Content-Type": "application/json;charset=UTF-8"})
    assert r.status_code == 200 and r.json() == {"return_code": 0, "return_msg": OK}
    assert call(real, f"Bearer {token}") == INVALID
    again = real.post("/oauth2/revoke", json=body).json()
    assert again == err(2, 8015, "Access Token을 폐기하는데 실패했습니다. 실패사유=유효하지 않은 Token입니다")
    fresh = issue(real, REAL)["token"]
    assert fresh != token and call(real, f"Bearer {fresh}")["return_code"] == 0
    # Another key's token cannot be revoked with these keys.
    theirs = issue(real, REAL2)["token"]
    wrong = real.post("/oauth2/revoke", json={**body, "token": theirs}).json()
    assert wrong["return_msg"].startswith("입력 값 오류입니다[8015:")
    assert call(real, f"Bearer {theirs}")["return_code"] == 0
    missing = real.post("/oauth2/revoke", json={"appkey": REAL.appkey, "secretkey": REAL.secretkey}).json()
    assert missing == err(
        2, 8016, "Access Token을 폐기하는데 실패했습니다. 입력값에 Token이 들어오지 않았습니다"
    )
    no_keys = real.post("/oauth2/revoke", json={"token": fresh}).json()
    assert no_keys == err(2, 8020, "입력파라미터로 appkey 또는 secretkey가 전달되지 않았습니다.")


def test_the_lifetime_is_configurable(keys: KeyStore, wall: FakeTime) -> None:
    client = make_client(keys, wall, lifetime=90)
    got = issue(client, REAL)
    assert got["expires_dt"] == "20261120090130"
    wall.t += 90
    assert call(client, f"Bearer {got['token']}") == INVALID
    with pytest.raises(ValueError):
        TokenStore(keys, lifetime_s=0)


# ---------------------------------------------------------------------------- issue errors


def test_issue_errors(real: TestClient, mock: TestClient) -> None:
    assert issue(real, REAL, grant_type=None) == err(
        2, 8011, "Access Token을 발급하는데 실패했습니다. 입력값에 grant_type이 들어오지 않았습니다"
    )
    assert issue(real, REAL, grant_type="password") == err(
        2, 8012, "Access Token을 발급하는데 실패했습니다. grant_type의 값이 맞지 않습니다"
    )
    msg_8020 = err(2, 8020, "입력파라미터로 appkey 또는 secretkey가 전달되지 않았습니다.")
    assert issue(real, REAL, appkey="") == msg_8020
    assert issue(real, REAL, secretkey=None) == msg_8020
    assert issue(real, KeyPair("nobody", "x")) == err(2, 8001, "App Key와 Secret Key 검증에 실패했습니다")
    assert issue(real, KeyPair(REAL.appkey, "wrong")) == err(
        2, 8002, "App Key와 Secret Key 검증에 실패했습니다. 실패사유=secretkey가 일치하지 않습니다"
    )
    # A real key on the mock server, and the other way round: exactly the observed answer.
    wrong_env = {
        "return_code": 2,
        "return_msg": "입력 값 오류입니다[8030:투자구분(실전/모의)이 달라서 Appkey를 사용할수가 없습니다]",
    }
    assert issue(mock, REAL) == wrong_env
    assert issue(real, MOCK) == wrong_env
    assert issue(mock, MOCK)["return_code"] == 0


def test_oauth_needs_no_api_id_nor_authorization_but_a_json_body(real: TestClient) -> None:
    r = real.post("/oauth2/token", content=b"grant_type=client_credentials")
    assert r.status_code == 200
    assert r.json()["return_msg"].startswith(
        "입력 값 오류입니다[1517:입력 값 형식이 올바르지 않습니다. 파라미터=body"
    )


# ----------------------------------------------------------------------- TR authorization


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, err(2, 1513, "Http Header에 authorization 필드가 설정되어 있어야 합니다")),
        ("", err(2, 1513, "Http Header에 authorization 필드가 설정되어 있어야 합니다")),
        (
            "abcdefTOKEN",
            err(2, 1514, "입력으로 들어온 Http Header의 authorization 필드 형식이 맞지 않습니다"),
        ),
        ("Bearer a b", err(2, 1514, "입력으로 들어온 Http Header의 authorization 필드 형식이 맞지 않습니다")),
        (
            "{Bearer} abc",
            err(2, 1514, "입력으로 들어온 Http Header의 authorization 필드 형식이 맞지 않습니다"),
        ),
        (
            "Basic dXNlcjpwYXNz",
            err(2, 1515, "Http Header의 authorization 필드 내 Grant Type이 미리 정의된 형식이 아닙니다"),
        ),
        ("Bearer", err(2, 1516, "Http Header의 authorization 필드 내 Token이 정의되어 있지 않습니다")),
        ("Bearer ", err(2, 1516, "Http Header의 authorization 필드 내 Token이 정의되어 있지 않습니다")),
        ("Bearer not-a-token", INVALID),
        ("Bearer " + "A" * 86, INVALID),
    ],
)
def test_authorization_errors(real: TestClient, header: str | None, expected: dict[str, Any]) -> None:
    assert call(real, header) == expected


def test_a_token_of_the_other_personality_is_8031(real: TestClient, mock: TestClient) -> None:
    real_token = issue(real, REAL)["token"]
    mock_token = issue(mock, MOCK)["token"]
    wrong = err(3, 8031, "투자구분(실전/모의)이 달라서 Token를 사용할수가 없습니다")
    assert call(mock, f"Bearer {real_token}") == wrong
    assert call(real, f"Bearer {mock_token}") == wrong
    assert call(mock, f"Bearer {mock_token}") == {"mock": "Y", "return_code": 0, "return_msg": OK}
    assert call(real, f"Bearer {real_token}") == {"mock": "N", "return_code": 0, "return_msg": OK}
    # A process with other keys minted neither: plain 8005.
    stranger = make_client(KeyStore([REAL], [MOCK]), FakeTime(T0), mock=True)
    assert call(stranger, f"Bearer {real_token}") == INVALID


def test_token_store_memory_is_bounded_by_app_keys(keys: KeyStore, wall: FakeTime) -> None:
    store = TokenStore(keys, lifetime_s=10, now=wall)
    body = {"grant_type": "client_credentials", "appkey": REAL.appkey, "secretkey": REAL.secretkey}
    for _ in range(100):
        store.issue(body)
        wall.t += 11
    assert len(store) == 1
