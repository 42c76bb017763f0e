"""Re-exports the daily futures table, which lives with the other table types in
:mod:`sise.store.base` (so sources can write it through the interface module alone).

Kept so that code importing the old location keeps working; new code imports ``sise.store.base``.
"""

from __future__ import annotations

from sise.store.base import FUTURES_DAILY, FUTURES_TABLE, register_futures_table

__all__ = ["FUTURES_DAILY", "FUTURES_TABLE", "register_futures_table"]
