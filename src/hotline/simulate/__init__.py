"""The batch simulator of a 12345 centre: orders, events, calls, staffing and knowledge base.

    data = generate(pack_dir, start, days, seed, scale)         # in memory (small runs)
    load(data, engine_or_url)                                   # bulk-load into a migrated store
    run(pack_dir, start, days, seed, scale, db=url, out=dir)    # chunk by chunk, any size
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hotline.simulate.generate import SimulatedData, build_model, chunks, generate
from hotline.simulate.load import Loader, load
from hotline.simulate.output import ParquetSink, write_parquet, write_truth

__all__ = ["SimulatedData", "generate", "load", "run", "write_parquet", "write_truth", "expected_orders"]


def expected_orders(pack_dir, start: date, days: int, scale: float = 1.0) -> float:
    """Orders the profile expects over the days (before incidents), to size a run."""
    model = build_model(pack_dir, start, days, 0, scale)
    return float(model.expected_rates(start, days).sum())


def run(pack_dir, start: date, days: int, seed: int, scale: float = 1.0, *, db=None, out=None, truth=None,
        overrides: dict | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Generate chunk by chunk into a store (db) and/or Parquet (out) and write the truth file.

    Generation of the next month runs in a thread while this one loads (NumPy, Arrow and the
    SQLite driver release the GIL), so the two cores both work. Returns counts and the truth path.
    """
    if db is None and out is None:
        raise ValueError("give a store (db) or an output folder (out)")
    model = build_model(pack_dir, start, days, seed, scale, overrides)
    pending: queue.Queue = queue.Queue(maxsize=1)

    def produce():
        try:
            for chunk in chunks(pack_dir, start, days, seed, scale, model=model):
                pending.put(chunk)
        except BaseException as exc:  # hand the error to the consumer
            pending.put(exc)
        pending.put(None)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    loader = Loader(db).__enter__() if db is not None else None
    sink = ParquetSink(out) if out is not None else None
    counts: dict[str, int] = {}
    incidents: list[dict] = []
    try:
        while (chunk := pending.get()) is not None:
            if isinstance(chunk, BaseException):
                raise chunk
            for name, table in chunk.tables().items():
                counts[name] = counts.get(name, 0) + table.num_rows
            if loader:
                loader.add(chunk)
            if sink:
                sink.add(chunk)
            incidents = chunk.incidents
            if progress:
                progress(f"{chunk.work_orders['created_at'][0].as_py()[:7]}: {counts.get('work_orders', 0)} orders")
    finally:
        if loader:
            loader.__exit__(None, None, None)
        if sink:
            sink.close()
        thread.join(timeout=1)
    truth_path = Path(truth) if truth else (Path(out) if out else Path(".")) / "incidents.json"
    write_truth(incidents, truth_path)
    timings = {k: round(v, 1) for k, v in loader.timings.items()} if loader else {}
    return {"counts": counts, "truth": str(truth_path), "incidents": len(incidents), "load_seconds": timings}
