"""sise (시세): a self-hostable Korean stock-market data service."""

__version__ = "0.1.0"
