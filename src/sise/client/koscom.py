"""``KoscomClient`` and ``AsyncKoscomClient``: the Koscom 시세 REST API (``GET /v2/market/…``).

A method per endpoint family (stocks, multiquote, index, futures, options) builds the path; the
answer comes back unwrapped (``sise.client.koscom_core``): JSON-RPC's ``result``, or the plain
list and extra-service bodies as they are. Failures are ``KoscomError``s; ``quota`` is the key's
daily quota as the last answer reported it.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx

from sise.client.koscom_core import (
    KoscomConnectionError,
    KoscomCore,
    Quota,
    codes_param,
    family_path,
    query_of,
)

__all__ = ["AsyncKoscomClient", "KoscomClient"]

Query = str | int | None


class KoscomClient:
    """A Koscom market-data client.

    ``base_url``: ``KOSCOM_URL``, ``KOSCOM_SANDBOX_URL``, ``SISE_KOSCOM_URL`` or any host; by
    default ``SISE_BASE_URL``, else ``SISE_KOSCOM_URL``. ``apikey`` defaults to
    ``SISE_KOSCOM_APIKEY``; it is sent in the ``apikey`` header. ``http``: an ``httpx.Client`` of
    your own; it is not closed here."""

    def __init__(
        self,
        base_url: str | None = None,
        apikey: str | None = None,
        *,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.core = KoscomCore(base_url, apikey)
        self._own_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    @property
    def quota(self) -> Quota | None:
        return self.core.quota

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> KoscomClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def get(self, path: str, **query: Query) -> Any:
        """Any endpoint: ``path`` under ``/v2/market/`` (or a whole path), its query parameters."""
        try:
            r = self._http.get(self.core.url(path), params=query_of(query), headers=self.core.headers)
        except httpx.HTTPError as e:
            raise KoscomConnectionError(0, None, f"{type(e).__name__}: {e}", path=path) from e
        return self.core.read(path, r.status_code, r.headers, r.content)

    def stocks(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        """``stocks/{marketcode}[/{issuecode}]/{kind}``: ``stocks("kospi", "price", "005930")``,
        ``stocks("kospi", "lists")``, ``stocks("kospi", "history", "005930", trnsmCycleTpCd="D")``."""
        return self.get(family_path("stocks", marketcode, kind, issuecode), **query)

    def multiquote(
        self, marketcode: str, kind: str, isu_cd: Sequence[str] | str | None = None, **query: Query
    ) -> Any:
        """``multiquote/stocks/{marketcode}/{kind}``; ``isu_cd`` (at most 20 codes) for ``price``
        and ``orderbook``."""
        return self.get(f"multiquote/stocks/{marketcode}/{kind}", isuCd=codes_param(isu_cd), **query)

    def index(self, marketcode: str, issuecode: str, kind: str, **query: Query) -> Any:
        """``index/{marketcode}/{issuecode}/{kind}``: ``index("kospi", "K1", "index")``."""
        return self.get(family_path("index", marketcode, kind, issuecode), **query)

    def futures(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        """``futures/{marketcode}[/{issuecode}]/{kind}``."""
        return self.get(family_path("futures", marketcode, kind, issuecode), **query)

    def options(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        """``options/{marketcode}[/{issuecode}]/{kind}``."""
        return self.get(family_path("options", marketcode, kind, issuecode), **query)


class AsyncKoscomClient:
    """``KoscomClient`` for asyncio, with the same arguments and methods as coroutines."""

    def __init__(
        self,
        base_url: str | None = None,
        apikey: str | None = None,
        *,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.core = KoscomCore(base_url, apikey)
        self._own_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    @property
    def quota(self) -> Quota | None:
        return self.core.quota

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncKoscomClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def get(self, path: str, **query: Query) -> Any:
        try:
            r = await self._http.get(self.core.url(path), params=query_of(query), headers=self.core.headers)
        except httpx.HTTPError as e:
            raise KoscomConnectionError(0, None, f"{type(e).__name__}: {e}", path=path) from e
        return self.core.read(path, r.status_code, r.headers, r.content)

    async def stocks(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        return await self.get(family_path("stocks", marketcode, kind, issuecode), **query)

    async def multiquote(
        self, marketcode: str, kind: str, isu_cd: Sequence[str] | str | None = None, **query: Query
    ) -> Any:
        return await self.get(f"multiquote/stocks/{marketcode}/{kind}", isuCd=codes_param(isu_cd), **query)

    async def index(self, marketcode: str, issuecode: str, kind: str, **query: Query) -> Any:
        return await self.get(family_path("index", marketcode, kind, issuecode), **query)

    async def futures(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        return await self.get(family_path("futures", marketcode, kind, issuecode), **query)

    async def options(self, marketcode: str, kind: str, issuecode: str | None = None, **query: Query) -> Any:
        return await self.get(family_path("options", marketcode, kind, issuecode), **query)
