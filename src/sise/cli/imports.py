"""``sise import daily``: real daily OHLCV history into a data directory's history store."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any, Final

from sise.server.datadir import DATA_DIR_ENV, default_data_dir

#: Exit status when the files cannot be imported as they are (nothing was written).
EXIT_BAD_INPUT: Final = 2
#: Exit status when the history store cannot be opened or written.
EXIT_STORE: Final = 3
#: Problems printed before the rest are only counted.
MAX_SHOWN: Final = 50


def add_import_parser(sub: argparse._SubParsersAction[Any]) -> None:
    imp = sub.add_parser("import", help="import real history into the data directory")
    what = imp.add_subparsers(dest="what", required=True, metavar="WHAT")
    daily = what.add_parser(
        "daily",
        help="daily OHLCV of stocks and indices from CSV or Parquet files",
        description="Check every row of the files (ticks, daily limits, price order, trading days,"
        " duplicates, codes) and, when all are good, write them into <data-dir>/history.sqlite."
        " Layouts: the KRX data portal's CSV download, pykrx and FinanceDataReader DataFrames"
        " (docs/import.md).",
    )
    daily.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV or Parquet file(s)")
    daily.add_argument(
        "--code", help="instrument code or index key of files without a code column (default: the file name)"
    )
    daily.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"data directory (default ${DATA_DIR_ENV}, else the per-user one, here {default_data_dir()})",
    )
    daily.add_argument("--csv", type=Path, help="universe CSV to use instead of the built-in one")
    daily.add_argument("--seed", type=int, default=0, help="seed of the built-in universe (default 0)")
    daily.add_argument(
        "--accept-limit-breaks",
        action="store_true",
        help="take a row outside the daily limits of the previous close as an ex-date (base = its open)",
    )
    daily.add_argument("--dry-run", action="store_true", help="check the files and write nothing")


def run_import(args: argparse.Namespace) -> int:
    from sise.market.universe import build_universe, load_universe_csv
    from sise.server.datadir import DataDirBusy, DataDirError, lock_data_dir
    from sise.server.history import HISTORY_FILE
    from sise.store.base import StoreError
    from sise.store.importer import BadInput, load_daily, write_daily
    from sise.store.sqlite import SqliteStore

    if args.data_dir is None:
        args.data_dir = default_data_dir()
    universe = load_universe_csv(args.csv) if args.csv else build_universe(seed=args.seed)
    try:
        loaded = load_daily(
            args.files, universe, code=args.code, accept_limit_breaks=args.accept_limit_breaks
        )
    except BadInput as bad:
        for p in bad.problems[:MAX_SHOWN]:
            print(f"sise: {p}", file=sys.stderr)
        if len(bad.problems) > MAX_SHOWN:
            print(f"sise: … and {len(bad.problems) - MAX_SHOWN:,} more", file=sys.stderr)
        print(f"sise: error: {len(bad.problems):,} problem(s); nothing imported", file=sys.stderr)
        return EXIT_BAD_INPUT
    for f in loaded.files:
        print(f"{f.path}: {f.layout} layout, {', '.join(f.codes)}, {f.rows:,} rows")
    for note in loaded.notes:
        print(f"note: {note}")
    first, last = (f"{d // 10_000:04d}-{d // 100 % 100:02d}-{d % 100:02d}" for d in loaded.span)
    what = f"{len(loaded.codes)} instruments, {loaded.rows:,} rows, {first}..{last}"
    target = args.data_dir / HISTORY_FILE
    if args.dry_run:
        print(f"checked {what}; nothing written (--dry-run)")
        return 0
    try:
        lock = lock_data_dir(args.data_dir)  # not into the store of a running server
    except (DataDirBusy, DataDirError) as err:
        print(f"sise: error: {err}", file=sys.stderr)
        return EXIT_STORE
    try:
        store = SqliteStore(target)
        try:
            write_daily(store, loaded)
        finally:
            store.close()
    except (StoreError, OSError, sqlite3.Error) as err:
        print(f"sise: error: cannot write {target}: {err}", file=sys.stderr)
        return EXIT_STORE
    finally:
        lock.close()
    print(f"imported {what} into {target}")
    return 0
