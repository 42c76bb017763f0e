"""History persistence behind one small interface (``HistoryStore``): daily tables keyed by
(code, YYYYMMDD date). ``MemoryStore`` keeps them in process memory, ``SqliteStore`` in one
SQLite file."""

from sise.store.base import (
    ACTION_BONUS,
    ACTION_REVERSE_SPLIT,
    ACTION_RIGHTS,
    ACTION_SPLIT,
    CODE_DTYPE,
    CODE_WIDTH,
    CORPORATE_ACTIONS,
    FOREIGN_DAILY,
    FUTURES_DAILY,
    FUTURES_TABLE,
    INDEX_DAILY,
    INVESTOR_DAILY,
    NAV_DAILY,
    PROGRAM_DAILY,
    SHORT_DAILY,
    STANDARD_TABLES,
    STOCK_DAILY,
    HistoryStore,
    Rows,
    StoreError,
    TableStore,
    register_futures_table,
)
from sise.store.memory import MemoryStore
from sise.store.sqlite import SqliteStore

__all__ = [
    "ACTION_BONUS",
    "ACTION_REVERSE_SPLIT",
    "ACTION_RIGHTS",
    "ACTION_SPLIT",
    "CODE_DTYPE",
    "CODE_WIDTH",
    "CORPORATE_ACTIONS",
    "FOREIGN_DAILY",
    "FUTURES_DAILY",
    "FUTURES_TABLE",
    "INDEX_DAILY",
    "INVESTOR_DAILY",
    "NAV_DAILY",
    "PROGRAM_DAILY",
    "SHORT_DAILY",
    "STANDARD_TABLES",
    "STOCK_DAILY",
    "HistoryStore",
    "MemoryStore",
    "Rows",
    "SqliteStore",
    "StoreError",
    "TableStore",
    "register_futures_table",
]
