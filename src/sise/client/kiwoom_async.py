"""``AsyncKiwoomClient``: ``KiwoomClient`` (``sise.client.kiwoom``) for asyncio, method for method.

Concurrent calls share one token: when it must be (re-)issued one task issues it and the others
await that (single flight); the per-api-id pacing is shared by every task.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import date
from types import TracebackType
from typing import Any, TypeVar

import httpx
import msgspec

from sise.client import kiwoom_calls as calls
from sise.client import kiwoom_models as m
from sise.client.kiwoom_core import (
    JSON_TYPE,
    KiwoomCore,
    Page,
    Token,
    merge,
    transport_error,
)
from sise.client.kiwoom_errors import KiwoomPageLimitError
from sise.client.kiwoom_stream import KiwoomStream
from sise.client.kiwoom_trs import KIWOOM_TRS, tr_path

__all__ = ["AsyncKiwoomClient"]

M = TypeVar("M", bound=m.KiwoomModel)


class AsyncKiwoomClient:
    """A Kiwoom REST client for asyncio. The arguments are ``KiwoomClient``'s, but ``http`` is an
    ``httpx.AsyncClient`` of your own (not closed here)."""

    def __init__(
        self,
        base_url: str | None = None,
        appkey: str | None = None,
        secretkey: str | None = None,
        *,
        mock: bool | None = None,
        rate_limit: float | None = None,
        refresh_margin: float = 600.0,
        max_retries: int = 5,
        max_pages: int = 100,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.core = KiwoomCore(
            base_url,
            appkey,
            secretkey,
            mock=mock,
            rate_limit=rate_limit,
            refresh_margin=refresh_margin,
            max_retries=max_retries,
            max_pages=max_pages,
        )
        self._own_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)
        self._token_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncKiwoomClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- token -------------------------------------------------------------------------------------

    async def token(self, *, stale: Token | None = None) -> Token:
        """The current access token, issued (au10001) when there is none, it is due for renewal,
        or it is ``stale`` (refused by the service). One thread issues; the others wait for it."""
        core = self.core
        current = core.token
        if current is not stale and core.usable(current) and current is not None:
            return current
        async with self._token_lock:
            current = core.token
            if current is not stale and core.usable(current) and current is not None:
                return current
            path, body = core.token_request()
            r = await self._post(path, body, {"Content-Type": JSON_TYPE}, "au10001")
            return core.accept_token(r.status_code, r.content, current)

    async def revoke(self) -> None:
        """Revoke the current token (au10002); the next call issues a new one."""
        async with self._token_lock:
            current = self.core.token
            if current is None:
                return
            path, body = self.core.revoke_request(current)
            self.core.token = None
            r = await self._post(path, body, {"Content-Type": JSON_TYPE}, "au10002")
            self.core.envelope(r.status_code, r.content, "au10002")

    # -- real time -------------------------------------------------------------------------------

    def stream(self, url: str | None = None, **options: Any) -> KiwoomStream:
        """A ``KiwoomStream`` logging in with this client's token: ``async with kiwoom.stream() as
        s``. ``url`` and ``options`` are ``KiwoomStream``'s."""
        return KiwoomStream(self, url, **options)

    # -- any TR ------------------------------------------------------------------------------------

    async def request(
        self, api_id: str, body: Mapping[str, Any], *, path: str | None = None, next_key: str | None = None
    ) -> Page:
        """One page of any TR: ``body`` posted with ``api-id``; ``next_key`` continues an earlier
        page. ``path`` is needed only for a TR ``sise.client.kiwoom_trs`` does not declare."""
        url_path = tr_path(api_id, path)
        token = await self.token()
        attempt, refreshed = 0, False
        while True:
            delay = self.core.pacer.reserve(api_id)
            if delay > 0:
                await asyncio.sleep(delay)
            r = await self._post(url_path, body, self.core.headers(api_id, token, next_key), api_id)
            out = self.core.read(api_id, r.status_code, r.headers, r.content, attempt, refreshed)
            if isinstance(out, Page):
                return out
            if out.refresh:
                token, refreshed = await self.token(stale=token), True
            else:
                attempt += 1  # the pacer holds this api-id for the backoff

    async def pages(
        self, api_id: str, body: Mapping[str, Any], *, path: str | None = None, max_pages: int | None = None
    ) -> AsyncIterator[Page]:
        """Every page of a TR, following ``cont-yn`` / ``next-key``. More than ``max_pages``
        (default the client's) raises ``KiwoomPageLimitError`` rather than stopping silently."""
        cap = self.core.max_pages if max_pages is None else max_pages
        page = await self.request(api_id, body, path=path)
        read = [page.body]
        yield page
        while page.cont_yn:
            if len(read) >= cap:
                raise KiwoomPageLimitError(api_id, cap, read)
            page = await self.request(api_id, body, path=path, next_key=page.next_key)
            read.append(page.body)
            yield page

    async def all(
        self, api_id: str, body: Mapping[str, Any], *, path: str | None = None, max_pages: int | None = None
    ) -> dict[str, Any]:
        """A TR's whole answer: the first page's fields and the rows of every page."""
        bodies = [p.body async for p in self.pages(api_id, body, path=path, max_pages=max_pages)]
        tr = KIWOOM_TRS.get(api_id)
        return merge(bodies, tr.list_key if tr else None)

    # -- typed TRs ---------------------------------------------------------------------------------

    async def _run(self, call: calls.Call[M]) -> M:
        return m.decode(call.model, await self.all(call.api_id, call.body))

    async def sector_program(self, stk_cd: str) -> m.SectorProgram:
        """ka10010 업종프로그램요청: program trading of the stock's sector (``005930``, ``_NX``, ``_AL``)."""
        return await self._run(calls.sector_program(stk_cd))

    async def sector_investors(
        self, mrkt_tp: str = "0", amt_qty_tp: str = "0", stex_tp: str = "1", base_dt: str | date | None = None
    ) -> m.SectorInvestors:
        """ka10051 업종별투자자순매수요청: net buying per sector and investor type."""
        return await self._run(calls.sector_investors(mrkt_tp, amt_qty_tp, stex_tp, base_dt))

    async def sector_price(self, inds_cd: str, mrkt_tp: str | None = None) -> m.SectorPrice:
        """ka20001 업종현재가요청: a sector index now and its intraday rows (all pages)."""
        return await self._run(calls.sector_price(inds_cd, mrkt_tp))

    async def sector_stocks(
        self, inds_cd: str, stex_tp: str = "1", mrkt_tp: str | None = None
    ) -> m.SectorStocks:
        """ka20002 업종별주가요청: the prices of a sector's stocks (all pages)."""
        return await self._run(calls.sector_stocks(inds_cd, stex_tp, mrkt_tp))

    async def all_sectors(self, inds_cd: str = "001") -> m.AllSectors:
        """ka20003 전업종지수요청: every sector index of KOSPI (``001``) or KOSDAQ (``101``)."""
        return await self._run(calls.all_sectors(inds_cd))

    async def sector_daily(self, inds_cd: str, mrkt_tp: str | None = None) -> m.SectorDaily:
        """ka20009 업종현재가일별요청: a sector index now and its daily rows (all pages)."""
        return await self._run(calls.sector_daily(inds_cd, mrkt_tp))

    async def sector_codes(self, mrkt_tp: str = "0") -> m.SectorCodes:
        """ka10101 업종코드 리스트: the sector codes of a market group."""
        return await self._run(calls.sector_codes(mrkt_tp))

    async def tick_chart(self, inds_cd: str, tic_scope: str = "1") -> m.TickChart:
        """ka20004 업종틱차트조회요청: today's index publications in runs of ``tic_scope``."""
        return await self._run(calls.tick_chart(inds_cd, tic_scope))

    async def minute_chart(
        self, inds_cd: str, tic_scope: str = "1", base_dt: str | date | None = None
    ) -> m.MinuteChart:
        """ka20005 업종분봉조회요청: a day's minute bars (today without ``base_dt``)."""
        return await self._run(calls.minute_chart(inds_cd, tic_scope, base_dt))

    async def day_chart(self, inds_cd: str, base_dt: str | date) -> m.DayChart:
        """ka20006 업종일봉조회요청: daily bars up to ``base_dt``, newest first."""
        return await self._run(calls.day_chart(inds_cd, base_dt))

    async def week_chart(self, inds_cd: str, base_dt: str | date) -> m.WeekChart:
        """ka20007 업종주봉조회요청: weekly bars up to ``base_dt``, newest first."""
        return await self._run(calls.week_chart(inds_cd, base_dt))

    async def month_chart(self, inds_cd: str, base_dt: str | date) -> m.MonthChart:
        """ka20008 업종월봉조회요청: monthly bars up to ``base_dt``, newest first."""
        return await self._run(calls.month_chart(inds_cd, base_dt))

    async def year_chart(self, inds_cd: str, base_dt: str | date) -> m.YearChart:
        """ka20019 업종년봉조회요청: yearly bars up to ``base_dt``, newest first."""
        return await self._run(calls.year_chart(inds_cd, base_dt))

    # -- transport ---------------------------------------------------------------------------------

    async def _post(
        self, path: str, body: Mapping[str, Any], headers: dict[str, str], api_id: str
    ) -> httpx.Response:
        try:
            return await self._http.post(
                self.core.base_url + path, content=msgspec.json.encode(body), headers=headers
            )
        except httpx.HTTPError as e:
            raise transport_error(api_id, e) from e
