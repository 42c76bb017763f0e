"""Kiwoom credentials: app keys, access tokens (au10001 / au10002) and bearer validation.

Real Kiwoom issues separate app keys for 실전 and 모의투자 and refuses a key, or a token, of the
other kind (8030 / 8031). sise keeps both key sets in one :class:`KeyStore`; each personality has
its own :class:`TokenStore`. Tokens carry a short HMAC tag keyed by a per-process secret of the
shared ``KeyStore``, so the mock personality can tell a real token (8031) from garbage (8005)
without sharing token state with the real one.

Token expiry follows wall time (``now``), never market time: a simulated day at ×100 must not
expire a client's token in 15 minutes. The lifetime is configurable so clients can test their
refresh logic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sise.api.kiwoom.errors import (
    AUTH_MALFORMED,
    AUTH_MISSING,
    AUTH_NO_TOKEN,
    AUTH_SCHEME,
    GRANT_TYPE_MISSING,
    GRANT_TYPE_WRONG,
    KEY_OTHER_PERSONALITY,
    KEYS_MISSING,
    KEYS_UNKNOWN,
    NOT_A_STRING,
    REVOKE_TOKEN_EXPIRED,
    REVOKE_TOKEN_MISSING,
    REVOKE_TOKEN_UNKNOWN,
    SECRET_MISMATCH,
    TOKEN_INVALID,
    TOKEN_OTHER_PERSONALITY,
)
from sise.market.timeutil import KST

__all__ = [
    "DEFAULT_TOKEN_LIFETIME_S",
    "KEYS_FILE",
    "KeyPair",
    "KeyStore",
    "Token",
    "TokenStore",
    "write_private",
]

log = logging.getLogger("sise.kiwoom.auth")

KEYS_FILE = "keys.json"
DEFAULT_TOKEN_LIFETIME_S = 86_400.0
TOKEN_TYPE = "bearer"  # as in Kiwoom's own example; clients compare case-insensitively

ENV_REAL = ("SISE_KIWOOM_APPKEY", "SISE_KIWOOM_SECRETKEY")
ENV_MOCK = ("SISE_KIWOOM_MOCK_APPKEY", "SISE_KIWOOM_MOCK_SECRETKEY")
ENV_KOSCOM = "SISE_KOSCOM_APIKEY"

# 48 random bytes + 16 tag bytes = 64 bytes = 86 URL-safe base64 characters, the length observed.
_NONCE_BYTES = 48
_TAG_BYTES = 16
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*")  # an RFC 9110 auth-scheme token


def _personality(mock: bool) -> str:
    return "mock" if mock else "real"


# --------------------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class KeyPair:
    appkey: str
    secretkey: str

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return f"KeyPair(appkey={self.appkey!r}, secretkey='***')"


class KeyStore:
    """App keys of the real and the 모의투자 personalities, plus Koscom API keys.

    ``created`` is true when :meth:`load_or_create` generated keys on this start (the caller
    prints them); ``path`` is the keys file read or written, if any.
    """

    def __init__(
        self,
        real: Iterable[KeyPair] = (),
        mock: Iterable[KeyPair] = (),
        koscom: Iterable[str] = (),
        *,
        path: Path | None = None,
        created: bool = False,
    ) -> None:
        self.real: tuple[KeyPair, ...] = tuple(real)
        self.mock: tuple[KeyPair, ...] = tuple(mock)
        self.koscom: tuple[str, ...] = tuple(koscom)
        self.path = path
        self.created = created
        # Per process: tokens do not outlive the process anyway (the token store is in memory).
        self.token_secret: bytes = secrets.token_bytes(32)
        self._by_appkey: dict[str, tuple[KeyPair, bool]] = {}
        for is_mock, pairs in ((False, self.real), (True, self.mock)):
            for pair in pairs:
                seen = self._by_appkey.get(pair.appkey)
                if seen is not None and seen[1] != is_mock:
                    raise ValueError(f"app key {pair.appkey!r} is configured for both real and mock")
                self._by_appkey[pair.appkey] = (pair, is_mock)

    def __repr__(self) -> str:
        return f"KeyStore(real={len(self.real)}, mock={len(self.mock)}, koscom={len(self.koscom)})"

    def find(self, appkey: str) -> tuple[KeyPair, bool] | None:
        """``(pair, is_mock)`` for a configured app key, else ``None``."""
        return self._by_appkey.get(appkey)

    def has_koscom_key(self, apikey: str) -> bool:
        return any(hmac.compare_digest(apikey.encode(), k.encode()) for k in self.koscom)

    # ----------------------------------------------------------------------------- loading

    @classmethod
    def from_file(cls, path: str | Path) -> KeyStore:
        """Keys from a ``keys.json``; raises ``ValueError`` naming the bad entry."""
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ValueError(f"{p}: not valid JSON: {e}") from e
        mode = p.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("%s is readable by other users (mode %o); chmod 600 it", p, stat.S_IMODE(mode))
        real, mock, koscom = _parse_keys(data, str(p))
        return cls(real, mock, koscom, path=p)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KeyStore:
        """Keys from ``SISE_KIWOOM_[MOCK_]APPKEY`` / ``…SECRETKEY`` and ``SISE_KOSCOM_APIKEY``."""
        env = os.environ if environ is None else environ
        real = _env_pair(env, *ENV_REAL)
        mock = _env_pair(env, *ENV_MOCK)
        koscom = env.get(ENV_KOSCOM, "").strip()
        return cls(real, mock, [koscom] if koscom else [])

    @classmethod
    def load_or_create(cls, data_dir: str | Path, environ: Mapping[str, str] | None = None) -> KeyStore:
        """Keys of the environment first, then of ``<data_dir>/keys.json``.

        On first start (no keys file) every section the environment leaves empty gets a fresh
        development key, written to ``keys.json`` with mode 0600; ``created`` is then true.
        An existing file is never rewritten.
        """
        env = cls.from_env(environ)
        path = Path(data_dir) / KEYS_FILE
        created = False
        if path.exists():
            file = cls.from_file(path)
        else:
            file = cls(
                [] if env.real else [_new_pair()],
                [] if env.mock else [_new_pair()],
                [] if env.koscom else [_new_koscom_key()],
                path=path,
            )
            if file.real or file.mock or file.koscom:
                try:
                    write_private(path, json.dumps(file.to_json(), ensure_ascii=False, indent=2) + "\n")
                    created = True
                except FileExistsError:  # another process won the race: use its keys
                    file = cls.from_file(path)
        return cls(
            _merge(env.real, file.real),
            _merge(env.mock, file.mock),
            dict.fromkeys((*env.koscom, *file.koscom)),
            path=path if path.exists() else None,
            created=created,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "real": [{"appkey": p.appkey, "secretkey": p.secretkey} for p in self.real],
            "mock": [{"appkey": p.appkey, "secretkey": p.secretkey} for p in self.mock],
            "koscom": [{"apikey": k} for k in self.koscom],
        }


def _new_pair() -> KeyPair:
    # 32 random bytes → 43 URL-safe characters, about the size of Kiwoom's keys.
    return KeyPair(secrets.token_urlsafe(32), secrets.token_urlsafe(32))


def _new_koscom_key() -> str:
    return "l7xx" + secrets.token_hex(16)  # Koscom's gateway format: l7xx + 32 hex digits


def _merge(first: Iterable[KeyPair], second: Iterable[KeyPair]) -> list[KeyPair]:
    """Union by app key; the first source wins a clash (environment over file)."""
    out: dict[str, KeyPair] = {}
    for pair in (*first, *second):
        out.setdefault(pair.appkey, pair)
    return list(out.values())


def _env_pair(env: Mapping[str, str], app_var: str, secret_var: str) -> list[KeyPair]:
    appkey, secretkey = env.get(app_var, "").strip(), env.get(secret_var, "").strip()
    if bool(appkey) != bool(secretkey):
        raise ValueError(f"set both {app_var} and {secret_var}, or neither")
    return [KeyPair(appkey, secretkey)] if appkey else []


def _parse_keys(data: object, where: str) -> tuple[list[KeyPair], list[KeyPair], list[str]]:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object with 'real', 'mock' and 'koscom' lists")
    unknown = set(data) - {"real", "mock", "koscom"}
    if unknown:
        raise ValueError(f"{where}: unknown section(s) {sorted(unknown)}")

    def entries(section: str) -> list[dict[str, object]]:
        items = data.get(section, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError(f"{where}: '{section}' must be a list of objects")
        return items

    def text(entry: dict[str, object], section: str, i: int, name: str) -> str:
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: {section}[{i}].{name} must be a non-empty string")
        return value.strip()

    pairs: dict[str, list[KeyPair]] = {}
    for section in ("real", "mock"):
        pairs[section] = [
            KeyPair(text(e, section, i, "appkey"), text(e, section, i, "secretkey"))
            for i, e in enumerate(entries(section))
        ]
    koscom = [text(e, "koscom", i, "apikey") for i, e in enumerate(entries("koscom"))]
    return pairs["real"], pairs["mock"], koscom


def write_private(path: Path, text: str) -> None:
    """Create ``path`` holding ``text`` with mode 0600 (never replacing an existing file: raises
    ``FileExistsError``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # O_CREAT's mode is masked by the umask; be explicit
        f.write(text)


# ------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    token: str
    appkey: str
    mock: bool
    expires_at: float  # wall seconds since the epoch

    @property
    def expires_dt(self) -> str:
        """``YYYYMMDDHHmmss`` in KST, truncated to the second (never later than the real expiry)."""
        return datetime.fromtimestamp(math.floor(self.expires_at), KST).strftime("%Y%m%d%H%M%S")

    def __repr__(self) -> str:
        return f"Token(appkey={self.appkey!r}, mock={self.mock}, expires_dt={self.expires_dt!r})"


class TokenStore:
    """Access tokens of one personality.

    At most one live token per app key: re-issuing while it is valid returns the same token and
    expiry (as Kiwoom does), so the store's size is bounded by the number of app keys.
    """

    def __init__(
        self,
        keys: KeyStore,
        *,
        mock: bool = False,
        lifetime_s: float = DEFAULT_TOKEN_LIFETIME_S,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not (lifetime_s > 0 and math.isfinite(lifetime_s)):
            raise ValueError(f"token lifetime must be a positive number of seconds, got {lifetime_s!r}")
        self.keys = keys
        self.mock = mock
        self.lifetime_s = lifetime_s
        self._now = now
        self._by_token: dict[str, Token] = {}
        self._by_appkey: dict[str, Token] = {}

    def __len__(self) -> int:
        return len(self._by_token)

    # ------------------------------------------------------------------------------- au10001

    def issue(self, body: Mapping[str, Any]) -> Token:
        """au10001: ``{grant_type: "client_credentials", appkey, secretkey}`` → a token."""
        grant = body.get("grant_type")
        if grant is None or grant == "":
            raise GRANT_TYPE_MISSING()
        if grant != "client_credentials":
            raise GRANT_TYPE_WRONG()
        pair = self._check_keys(body)
        now = self._now()
        current = self._by_appkey.get(pair.appkey)
        if current is not None:
            if now < current.expires_at:
                return current
            self._drop(current)
        token = Token(self._mint(), pair.appkey, self.mock, now + self.lifetime_s)
        self._by_token[token.token] = token
        self._by_appkey[pair.appkey] = token
        return token

    # ------------------------------------------------------------------------------- au10002

    def revoke(self, body: Mapping[str, Any]) -> None:
        """au10002: ``{appkey, secretkey, token}``; the token must be live and this key's."""
        pair = self._check_keys(body)
        value = body.get("token")
        if value is None or value == "":
            raise REVOKE_TOKEN_MISSING()
        if not isinstance(value, str):
            raise NOT_A_STRING(name="token")
        token = self._by_token.get(value)
        if token is None or token.appkey != pair.appkey:
            raise REVOKE_TOKEN_UNKNOWN()
        self._drop(token)
        if self._now() >= token.expires_at:
            raise REVOKE_TOKEN_EXPIRED()

    # ------------------------------------------------------------------------ TR authorization

    def authenticate(self, authorization: str | None) -> Token:
        """The live token of an ``authorization: Bearer <token>`` header, or a KiwoomError."""
        value = _bearer(authorization)
        token = self._by_token.get(value)
        if token is None:
            if self._tagged(value, not self.mock):
                raise TOKEN_OTHER_PERSONALITY()
            raise TOKEN_INVALID()
        if self._now() >= token.expires_at:
            self._drop(token)
            raise TOKEN_INVALID()
        return token

    # ------------------------------------------------------------------------------ internals

    def _check_keys(self, body: Mapping[str, Any]) -> KeyPair:
        appkey, secretkey = body.get("appkey"), body.get("secretkey")
        if appkey is None or appkey == "" or secretkey is None or secretkey == "":
            raise KEYS_MISSING()
        if not isinstance(appkey, str):
            raise NOT_A_STRING(name="appkey")
        if not isinstance(secretkey, str):
            raise NOT_A_STRING(name="secretkey")
        found = self.keys.find(appkey)
        if found is None:
            raise KEYS_UNKNOWN()
        pair, is_mock = found
        if is_mock != self.mock:
            raise KEY_OTHER_PERSONALITY()
        if not hmac.compare_digest(secretkey.encode(), pair.secretkey.encode()):
            raise SECRET_MISMATCH()
        return pair

    def _drop(self, token: Token) -> None:
        self._by_token.pop(token.token, None)
        if self._by_appkey.get(token.appkey) is token:
            del self._by_appkey[token.appkey]

    def _mint(self) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        raw = nonce + self._tag(nonce, self.mock)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def _tag(self, nonce: bytes, mock: bool) -> bytes:
        msg = b"sise-kiwoom-token:" + _personality(mock).encode() + b":" + nonce
        return hmac.new(self.keys.token_secret, msg, hashlib.sha256).digest()[:_TAG_BYTES]

    def _tagged(self, value: str, mock: bool) -> bool:
        """Whether ``value`` is a token this process minted for the ``mock`` personality."""
        if len(value) != 86:
            return False
        try:
            raw = base64.urlsafe_b64decode(value + "==")
        except ValueError:
            return False
        if len(raw) != _NONCE_BYTES + _TAG_BYTES:
            return False
        nonce, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        return hmac.compare_digest(tag, self._tag(nonce, mock))


def _bearer(header: str | None) -> str:
    """The token of ``Bearer <token>``; the scheme is case-insensitive (RFC 6750)."""
    if header is None or not header.strip():
        raise AUTH_MISSING()
    parts = header.split()
    if len(parts) == 1:
        # A bare word: the scheme without a token, or (the usual mistake) a token without "Bearer".
        if parts[0].lower() == "bearer":
            raise AUTH_NO_TOKEN()
        raise AUTH_MALFORMED()
    if len(parts) > 2:
        raise AUTH_MALFORMED()
    scheme, token = parts
    if scheme.lower() != "bearer":
        if _SCHEME.fullmatch(scheme):
            raise AUTH_SCHEME()
        raise AUTH_MALFORMED()
    return token
