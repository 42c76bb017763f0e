"""The environment variables the SDK reads. They are the ones ``sise serve`` reads its keys from
(``sise.api.kiwoom.auth``, which the SDK does not import: a test holds the two to the same names),
so one setting serves the server, the SDK and the client commands."""

from __future__ import annotations

from typing import Final

#: The server when none is given: a REST base URL.
BASE_URL_ENV: Final = "SISE_BASE_URL"
#: Kiwoom app key and secret key (실전).
KIWOOM_ENV: Final = ("SISE_KIWOOM_APPKEY", "SISE_KIWOOM_SECRETKEY")
#: Kiwoom app key and secret key for 모의투자.
KIWOOM_MOCK_ENV: Final = ("SISE_KIWOOM_MOCK_APPKEY", "SISE_KIWOOM_MOCK_SECRETKEY")
#: The Koscom API key.
KOSCOM_ENV: Final = "SISE_KOSCOM_APIKEY"
