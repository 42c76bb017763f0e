"""``sise simulate``: one simulated trading day written to Parquet files.

Files (columns in ``docs/simulate.md``):

- ``trades.parquet``: one row per trade, the fields of the engine's trade batch plus the code;
- ``bars_1m.parquet``: one-minute bars per instrument and venue (KRX, NXT, 통합);
- ``daily.parquet``: the day's bar per instrument and venue;
- ``indices.parquet``: every index at its publication cadence (1 s or 10 s).

Trades stream to disk in row groups, so memory stays flat at full scale.
"""

from __future__ import annotations

import sys
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from sise.engine.engine import Engine
from sise.market.derivatives import extend_universe
from sise.market.sessions import index_window
from sise.market.timeutil import KST_OFFSET_S, NS
from sise.market.types import Venue
from sise.market.universe import Universe
from sise.sources.actions import CorporateAction, actions_on, apply_actions
from sise.sources.simulator import MarketSimulator, SimConfig

# KST as a fixed offset: no time-zone database needed to read the files.
TZ = f"+{KST_OFFSET_S // 3600:02d}:00"
_TS = pa.timestamp("ns", tz=TZ)
_ROW_GROUP = 1_000_000


@dataclass(frozen=True, slots=True)
class DayResult:
    trades: int
    events: int
    seconds: float
    files: list[Path]
    actions: list[CorporateAction]


def _time_col(ns: npt.NDArray[np.int64]) -> pa.Array:
    return pa.array(ns, type=pa.int64()).cast(_TS)


def simulate_day(
    universe: Universe,
    config: SimConfig,
    out: Path,
    progress: Callable[[float, int], None] | None = None,
    derivatives: bool = True,
) -> DayResult:
    """Simulate ``config.day`` and write the four files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    if derivatives:
        universe = extend_universe(universe, config.day, {})
    engine = Engine.from_universe(universe)
    actions = actions_on(universe, config.day, config.seed)
    apply_actions(engine, actions)  # ex-dates: theoretical ex-prices become today's base
    first, last = index_window(config.day)
    engine.start_day(config.day, index_from=first, index_until=last)
    sim = MarketSimulator(universe, engine.base, engine.upper, engine.lower, config)
    codes = np.array(universe.instruments.code, dtype=object)

    trades_path = out / "trades.parquet"
    schema = pa.schema(
        [
            ("time", _TS),
            ("code", pa.string()),
            ("inst", pa.int32()),
            ("venue", pa.uint8()),
            ("price", pa.int64()),
            ("qty", pa.int64()),
            ("side", pa.uint8()),
            ("buyer", pa.uint8()),
            ("seller", pa.uint8()),
            ("buyer_member", pa.uint16()),
            ("seller_member", pa.uint16()),
            ("buy_program", pa.uint8()),
            ("sell_program", pa.uint8()),
            ("short", pa.bool_()),
        ]
    )
    started = _time.perf_counter()
    n_trades = n_events = 0
    pending: list[npt.NDArray[np.void]] = []
    pending_rows = 0
    t_first = t_last = None
    with pq.ParquetWriter(trades_path, schema) as writer:

        def flush() -> None:
            nonlocal pending_rows
            if not pending:
                return
            tr = np.concatenate(pending)
            cols = {name: tr[name] for name in tr.dtype.names or ()}
            table = pa.table(
                {
                    "time": _time_col(cols["time"]),
                    "code": pa.array(codes[cols["inst"]], pa.string()),
                    **{k: pa.array(v) for k, v in cols.items() if k != "time"},
                },
                schema=schema,
            )
            writer.write_table(table, row_group_size=_ROW_GROUP)
            pending.clear()
            pending_rows = 0

        for batch in sim.batches():
            engine.apply(batch)
            n_events += len(batch)
            if len(batch.trades):
                pending.append(batch.trades)
                pending_rows += len(batch.trades)
                n_trades += len(batch.trades)
                if pending_rows >= _ROW_GROUP:
                    flush()
            end = batch.end_time or 0
            t_first = end if t_first is None else t_first
            t_last = end
            if progress is not None and t_first is not None:
                progress(min(1.0, (end - t_first) / (12 * 3600 * NS)), n_trades)
        flush()
    engine.bar_builder.flush()
    files = [
        trades_path,
        _write_bars(engine, codes, out),
        _write_daily(engine, codes, config.day, out),
        _write_indices(engine, out),
    ]
    engine.end_day()
    del t_last
    return DayResult(n_trades, n_events, _time.perf_counter() - started, files, actions)


def _write_bars(engine: Engine, codes: npt.NDArray[np.object_], out: Path) -> Path:
    parts = []
    for venue in Venue:
        b = engine.bars(venue, 60, include_open=True)
        parts.append(
            pa.table(
                {
                    "start": _time_col(b["start"]),
                    "code": pa.array(codes[b["inst"]], pa.string()),
                    "inst": pa.array(b["inst"]),
                    "venue": pa.array(np.full(len(b), int(venue), np.uint8)),
                    **{
                        f: pa.array(b[f])
                        for f in ("open", "high", "low", "close", "volume", "value", "count")
                    },
                }
            )
        )
    path = out / "bars_1m.parquet"
    pq.write_table(pa.concat_tables(parts), path, row_group_size=_ROW_GROUP)
    return path


def _write_daily(engine: Engine, codes: npt.NDArray[np.object_], day: date, out: Path) -> Path:
    d = engine.daily_bars(day)
    table = pa.table(
        {
            "date": pa.array(d["date"]),
            "code": pa.array(codes[d["inst"]], pa.string()),
            "inst": pa.array(d["inst"]),
            "venue": pa.array(d["venue"]),
            **{
                f: pa.array(d[f])
                for f in ("base", "open", "high", "low", "close", "volume", "value", "count")
            },
        }
    )
    path = out / "daily.parquet"
    pq.write_table(table, path)
    return path


def _write_indices(engine: Engine, out: Path) -> Path:
    parts = []
    for key in engine.index.keys:
        t, lv, vol, val = engine.index.series(key)
        parts.append(
            pa.table(
                {
                    "time": _time_col(t),
                    "key": pa.array([key] * len(t), pa.string()),
                    "level": pa.array(lv),
                    "volume": pa.array(vol),
                    "value": pa.array(val),
                }
            )
        )
    path = out / "indices.parquet"
    pq.write_table(pa.concat_tables(parts), path)
    return path


def progress_bar(label: str) -> Callable[[float, int], None]:
    """A one-line progress bar on stderr, redrawn at most every 0.2 s."""
    last = [0.0]

    def show(frac: float, trades: int) -> None:
        now = _time.perf_counter()
        if frac < 1.0 and now - last[0] < 0.2:
            return
        last[0] = now
        bar = "#" * int(frac * 30)
        print(f"\r{label} [{bar:30s}] {frac:4.0%}  {trades:,} trades", end="", file=sys.stderr, flush=True)
        if frac >= 1.0:
            print(file=sys.stderr)

    return show
