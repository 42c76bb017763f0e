"""``KiwoomClient``: the Kiwoom REST API from Python, synchronously (httpx).

The same code talks to Kiwoom's real service, to 모의투자 and to a local sise: only ``base_url``
changes. Token, pacing, backoff and continuation are handled here (``sise.client.kiwoom_core``
says how); ``AsyncKiwoomClient`` (``sise.client.kiwoom_async``) is the same client for asyncio.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from datetime import date
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

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
from sise.client.kiwoom_trs import KIWOOM_TRS, tr_path

if TYPE_CHECKING:
    from sise.client.stream_sync import SyncKiwoomStream

__all__ = ["KiwoomClient"]

M = TypeVar("M", bound=m.KiwoomModel)


class KiwoomClient:
    """A Kiwoom REST client.

    ``base_url``: ``KIWOOM_REAL_URL``, ``KIWOOM_MOCK_URL``, ``SISE_KIWOOM_URL`` or any other host;
    by default ``SISE_BASE_URL`` from the environment, else ``SISE_KIWOOM_URL`` (a local sise).
    ``appkey`` / ``secretkey`` default to ``SISE_KIWOOM_APPKEY`` / ``SISE_KIWOOM_SECRETKEY`` (on
    모의투자 ``SISE_KIWOOM_MOCK_APPKEY`` / ``SISE_KIWOOM_MOCK_SECRETKEY`` first, the names ``sise
    serve`` reads). ``mock`` (default: guessed from the host) selects 모의투자's 1 request/s per
    api-id instead of 5; ``rate_limit`` sets it explicitly (0 = no pacing). ``refresh_margin``:
    seconds before ``expires_dt`` a token is renewed.
    ``max_retries``: retries after a rate-limit answer. ``max_pages``: ``all()``'s page cap.
    ``http``: an ``httpx.Client`` of your own (proxies, event hooks); it is not closed here.
    """

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
        http: httpx.Client | None = None,
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
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._token_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> KiwoomClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- token -------------------------------------------------------------------------------------

    def token(self, *, stale: Token | None = None) -> Token:
        """The current access token, issued (au10001) when there is none, it is due for renewal,
        or it is ``stale`` (refused by the service). One thread issues; the others wait for it."""
        core = self.core
        current = core.token
        if current is not stale and core.usable(current) and current is not None:
            return current
        with self._token_lock:
            current = core.token
            if current is not stale and core.usable(current) and current is not None:
                return current
            path, body = core.token_request()
            r = self._post(path, body, {"Content-Type": JSON_TYPE}, "au10001")
            return core.accept_token(r.status_code, r.content, current)

    def revoke(self) -> None:
        """Revoke the current token (au10002); the next call issues a new one."""
        with self._token_lock:
            current = self.core.token
            if current is None:
                return
            path, body = self.core.revoke_request(current)
            self.core.token = None
            r = self._post(path, body, {"Content-Type": JSON_TYPE}, "au10002")
            self.core.envelope(r.status_code, r.content, "au10002")

    # -- real time -------------------------------------------------------------------------------

    def stream(self, url: str | None = None, *, batch: int = 1000, **options: Any) -> SyncKiwoomStream:
        """A ``SyncKiwoomStream`` logging in with this client's token: ``with kiwoom.stream() as
        s``. ``url``, ``batch`` and ``options`` are ``SyncKiwoomStream``'s."""
        from sise.client.stream_sync import SyncKiwoomStream  # it builds on this module

        return SyncKiwoomStream(self, url, batch=batch, **options)

    # -- any TR ------------------------------------------------------------------------------------

    def request(
        self, api_id: str, body: Mapping[str, Any], *, path: str | None = None, next_key: str | None = None
    ) -> Page:
        """One page of any TR: ``body`` posted with ``api-id``; ``next_key`` continues an earlier
        page. ``path`` is needed only for a TR ``sise.client.kiwoom_trs`` does not declare."""
        url_path = tr_path(api_id, path)
        token = self.token()
        attempt, refreshed = 0, False
        while True:
            delay = self.core.pacer.reserve(api_id)
            if delay > 0:
                time.sleep(delay)
            r = self._post(url_path, body, self.core.headers(api_id, token, next_key), api_id)
            out = self.core.read(api_id, r.status_code, r.headers, r.content, attempt, refreshed)
            if isinstance(out, Page):
                return out
            if out.refresh:
                token, refreshed = self.token(stale=token), True
            else:
                attempt += 1  # the pacer holds this api-id for the backoff

    def pages(
        self, api_id: str, body: Mapping[str, Any], *, path: str | None = None, max_pages: int | None = None
    ) -> Iterator[Page]:
        """Every page of a TR, following ``cont-yn`` / ``next-key``. More than ``max_pages``
        (default the client's) raises ``KiwoomPageLimitError`` rather than stopping silently."""
        cap = self.core.max_pages if max_pages is None else max_pages
        page = self.request(api_id, body, path=path)
        read = [page.body]
        yield page
        while page.cont_yn:
            if len(read) >= cap:
                raise KiwoomPageLimitError(api_id, cap, read)
            page = self.request(api_id, body, path=path, next_key=page.next_key)
            read.append(page.body)
            yield page

    def all(
        self, api_id: str, body: Mapping[str, Any], *, path: str | None = None, max_pages: int | None = None
    ) -> dict[str, Any]:
        """A TR's whole answer: the first page's fields and the rows of every page."""
        bodies = [p.body for p in self.pages(api_id, body, path=path, max_pages=max_pages)]
        tr = KIWOOM_TRS.get(api_id)
        return merge(bodies, tr.list_key if tr else None)

    # -- typed TRs ---------------------------------------------------------------------------------

    def _run(self, call: calls.Call[M]) -> M:
        return m.decode(call.model, self.all(call.api_id, call.body))

    def sector_program(self, stk_cd: str) -> m.SectorProgram:
        """ka10010 업종프로그램요청: program trading of the stock's sector (``005930``, ``_NX``, ``_AL``)."""
        return self._run(calls.sector_program(stk_cd))

    def sector_investors(
        self, mrkt_tp: str = "0", amt_qty_tp: str = "0", stex_tp: str = "1", base_dt: str | date | None = None
    ) -> m.SectorInvestors:
        """ka10051 업종별투자자순매수요청: net buying per sector and investor type."""
        return self._run(calls.sector_investors(mrkt_tp, amt_qty_tp, stex_tp, base_dt))

    def sector_price(self, inds_cd: str, mrkt_tp: str | None = None) -> m.SectorPrice:
        """ka20001 업종현재가요청: a sector index now and its intraday rows (all pages)."""
        return self._run(calls.sector_price(inds_cd, mrkt_tp))

    def sector_stocks(self, inds_cd: str, stex_tp: str = "1", mrkt_tp: str | None = None) -> m.SectorStocks:
        """ka20002 업종별주가요청: the prices of a sector's stocks (all pages)."""
        return self._run(calls.sector_stocks(inds_cd, stex_tp, mrkt_tp))

    def all_sectors(self, inds_cd: str = "001") -> m.AllSectors:
        """ka20003 전업종지수요청: every sector index of KOSPI (``001``) or KOSDAQ (``101``)."""
        return self._run(calls.all_sectors(inds_cd))

    def sector_daily(self, inds_cd: str, mrkt_tp: str | None = None) -> m.SectorDaily:
        """ka20009 업종현재가일별요청: a sector index now and its daily rows (all pages)."""
        return self._run(calls.sector_daily(inds_cd, mrkt_tp))

    def sector_codes(self, mrkt_tp: str = "0") -> m.SectorCodes:
        """ka10101 업종코드 리스트: the sector codes of a market group."""
        return self._run(calls.sector_codes(mrkt_tp))

    def tick_chart(self, inds_cd: str, tic_scope: str = "1") -> m.TickChart:
        """ka20004 업종틱차트조회요청: today's index publications in runs of ``tic_scope``."""
        return self._run(calls.tick_chart(inds_cd, tic_scope))

    def minute_chart(
        self, inds_cd: str, tic_scope: str = "1", base_dt: str | date | None = None
    ) -> m.MinuteChart:
        """ka20005 업종분봉조회요청: a day's minute bars (today without ``base_dt``)."""
        return self._run(calls.minute_chart(inds_cd, tic_scope, base_dt))

    def day_chart(self, inds_cd: str, base_dt: str | date) -> m.DayChart:
        """ka20006 업종일봉조회요청: daily bars up to ``base_dt``, newest first."""
        return self._run(calls.day_chart(inds_cd, base_dt))

    def week_chart(self, inds_cd: str, base_dt: str | date) -> m.WeekChart:
        """ka20007 업종주봉조회요청: weekly bars up to ``base_dt``, newest first."""
        return self._run(calls.week_chart(inds_cd, base_dt))

    def month_chart(self, inds_cd: str, base_dt: str | date) -> m.MonthChart:
        """ka20008 업종월봉조회요청: monthly bars up to ``base_dt``, newest first."""
        return self._run(calls.month_chart(inds_cd, base_dt))

    def year_chart(self, inds_cd: str, base_dt: str | date) -> m.YearChart:
        """ka20019 업종년봉조회요청: yearly bars up to ``base_dt``, newest first."""
        return self._run(calls.year_chart(inds_cd, base_dt))

    # -- transport ---------------------------------------------------------------------------------

    def _post(
        self, path: str, body: Mapping[str, Any], headers: dict[str, str], api_id: str
    ) -> httpx.Response:
        try:
            return self._http.post(
                self.core.base_url + path, content=msgspec.json.encode(body), headers=headers
            )
        except httpx.HTTPError as e:
            raise transport_error(api_id, e) from e
