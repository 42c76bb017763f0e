"""The admin endpoint of a replay: ``GET`` and ``POST /admin/replay`` on the real port.

Its key is not a vendor key: ``SISE_ADMIN_KEY`` when set, else ``<data dir>/admin-key`` (created
on first use with a fresh key, mode 0600), sent as ``X-Sise-Admin-Key: KEY`` or
``Authorization: Bearer KEY``. ``docs/recording.md`` has the actions and curl examples. Every
answer, errors included, is a JSON object: the replay's status, or ``{"error": …}``.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from collections.abc import Mapping
from datetime import datetime, time
from pathlib import Path
from typing import Any, Final

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sise.api.kiwoom.auth import write_private
from sise.market.timeutil import kst_ns
from sise.server.app import ADMIN_PREFIX
from sise.server.replay import Replay, SeekRefused
from sise.sources.clock import to_market_ns

__all__ = ["ADMIN_KEY_FILE", "ADMIN_PREFIX", "ENV_ADMIN_KEY", "admin_app", "load_or_create_admin_key"]

ADMIN_KEY_FILE: Final = "admin-key"
ENV_ADMIN_KEY: Final = "SISE_ADMIN_KEY"
_ACTIONS: Final = ("pause", "resume", "speed", "seek")


def load_or_create_admin_key(data_dir: Path, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The admin key and where it comes from (the variable's name or the file's path)."""
    env = os.environ if environ is None else environ
    key = env.get(ENV_ADMIN_KEY, "").strip()
    if key:
        return key, ENV_ADMIN_KEY
    path = Path(data_dir) / ADMIN_KEY_FILE
    with contextlib.suppress(FileExistsError):  # kept from an earlier start
        write_private(path, secrets.token_urlsafe(32) + "\n")
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"{path} is empty: delete it for a new admin key, or set {ENV_ADMIN_KEY}")
    return key, str(path)


class _Error(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(data), status, media_type="application/json")


def admin_app(replay: Replay, key: str) -> Starlette:
    """``/admin/replay``: ``GET`` the status, ``POST`` an action (both need ``key``)."""

    def authorised(request: Request) -> bool:
        given = request.headers.get("x-sise-admin-key")
        if given is None:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            given = token.strip() if scheme.lower() == "bearer" else ""
        return hmac.compare_digest(given.encode(), key.encode())

    async def endpoint(request: Request) -> Response:
        try:
            if not authorised(request):
                raise _Error(401, "missing or wrong admin key (X-Sise-Admin-Key or Authorization: Bearer)")
            if request.method == "POST":
                _act(replay, await _body(request))
            return _json(replay.status())
        except _Error as e:
            return _json({"error": str(e)}, e.status)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _json({"error": exc.detail}, exc.status_code)

    return Starlette(
        routes=[Route(ADMIN_PREFIX + "replay", endpoint, methods=["GET", "POST"])],
        exception_handlers={HTTPException: http_error},
    )


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise _Error(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _Error(400, "the body must be a JSON object")
    return body


def _act(replay: Replay, body: dict[str, Any]) -> None:
    action = body.get("action")
    if action == "pause":
        replay.pause()
    elif action == "resume":
        replay.resume()
    elif action == "speed":
        speed = body.get("speed")
        if isinstance(speed, bool) or not isinstance(speed, int | float):
            raise _Error(400, 'speed needs a number: {"action": "speed", "speed": 10}')
        try:
            replay.set_speed(float(speed))
        except ValueError as e:
            raise _Error(400, str(e)) from None
    elif action == "seek":
        try:
            replay.seek(_target(replay, body.get("time")))
        except SeekRefused as e:
            raise _Error(409, str(e)) from None
    else:
        raise _Error(400, f"action must be one of {', '.join(_ACTIONS)}; got {action!r}")


def _target(replay: Replay, when: object) -> int:
    """``HH:MM[:SS]`` on the trading day served, or a date and time (``YYYY-MM-DDTHH:MM:SS``),
    both KST."""
    hint = 'seek needs a KST time: {"action": "seek", "time": "10:30:00"}'
    if not isinstance(when, str):
        raise _Error(400, hint)
    try:
        if "T" in when or " " in when:
            return to_market_ns(datetime.fromisoformat(when))
        return kst_ns(replay.day, time.fromisoformat(when))
    except ValueError:
        raise _Error(400, f"{hint}; got {when!r}") from None
