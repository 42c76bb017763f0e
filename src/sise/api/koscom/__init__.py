"""The Koscom market-data API (시세서비스, ``/v2/market/…`` and ``/v3/market/…``): endpoint
declarations (``endpoint``, ``endpoints``), views (``views_*``), the gateway app (``app``), its
error catalogue (``errors``) and quota. Never imports ``sise.api.kiwoom``."""
