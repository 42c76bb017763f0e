"""``sise simulate``: one simulated trading day written to Parquet files.

Files (columns in ``docs/simulate.md``):

- ``trades.parquet``: one row per trade, the fields of the engine's trade batch plus the code;
- ``bars_1m.parquet``: one-minute bars per instrument and venue (KRX, NXT, 통합);
- ``daily.parquet``: the day's bar per instrument and venue;
- ``indices.parquet``: every index at its publication cadence (1 s or 10 s).

Trades stream to disk in row groups, so memory stays flat at full scale. With a recorder the
engine batches are also written to a recording (``docs/recording.md``) that ``sise serve
--replay`` serves.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from sise.engine.batches import Batch
from sise.engine.engine import Engine
from sise.market.timeutil import KST_OFFSET_S
from sise.market.types import Venue
from sise.market.universe import Universe
from sise.sources.actions import CorporateAction
from sise.sources.day import build_market, open_day
from sise.sources.recording import RecordingWriter
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
    out: Path | None,
    progress: Callable[[float, int], None] | None = None,
    derivatives: bool = True,
    record: RecordingWriter | None = None,
) -> DayResult:
    """Simulate ``config.day`` and write the four files into ``out`` (if given) and the day's
    batches to ``record`` (if given).

    ``progress(fraction of the day, trades so far)`` is called after every batch."""
    universe, engine = build_market(universe, config.day, derivatives=derivatives)
    opened = open_day(engine, universe, config)
    sim = opened.simulator
    batches = sim.batches() if record is None else record.record(config.day, engine.digest(), sim.batches())
    if out is None:
        return _record_only(batches, sim, progress, opened.actions)
    out.mkdir(parents=True, exist_ok=True)
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

        for batch in batches:
            engine.apply(batch)
            n_events += len(batch)
            if len(batch.trades):
                pending.append(batch.trades)
                pending_rows += len(batch.trades)
                n_trades += len(batch.trades)
                if pending_rows >= _ROW_GROUP:
                    flush()
            if progress is not None:
                progress(sim.progress, n_trades)
        flush()
    engine.bar_builder.flush()
    files = [
        trades_path,
        _write_bars(engine, codes, out),
        _write_daily(engine, codes, config.day, out),
        _write_indices(engine, out),
    ]
    engine.end_day()
    return DayResult(n_trades, n_events, _time.perf_counter() - started, files, opened.actions)


def _record_only(
    batches: Iterator[Batch],
    sim: MarketSimulator,
    progress: Callable[[float, int], None] | None,
    actions: list[CorporateAction],
) -> DayResult:
    """The day's batches through the recorder only (``--record`` without ``--out``): no file
    here needs the engine's state."""
    started = _time.perf_counter()
    n_trades = n_events = 0
    for batch in batches:
        n_events += len(batch)
        n_trades += len(batch.trades)
        if progress is not None:
            progress(sim.progress, n_trades)
    return DayResult(n_trades, n_events, _time.perf_counter() - started, [], actions)


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
