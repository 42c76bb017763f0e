"""Imports the Kiwoom TR view modules so their ``@tr`` registrations run."""

from sise.api.kiwoom import views_chart, views_sect, views_stkinfo

__all__ = ["views_chart", "views_sect", "views_stkinfo"]
