"""Every Koscom endpoint sise serves, in one explicit list: the app, the docs and the tests read it."""

from __future__ import annotations

from typing import Final

from sise.api.koscom import views_derivatives, views_index, views_multiquote, views_stocks
from sise.api.koscom.endpoint import Endpoint

KOSCOM_ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    *views_stocks.ENDPOINTS,
    *views_multiquote.ENDPOINTS,
    *views_index.ENDPOINTS,
    *views_derivatives.ENDPOINTS,
)

__all__ = ["KOSCOM_ENDPOINTS"]
