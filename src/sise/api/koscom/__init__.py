"""The Koscom market-data API (시세서비스, ``/v2/market/…``). Its routes come with the next issue;
``errors`` is its error catalogue. Never imports ``sise.api.kiwoom``."""
