"""The batch simulator of a 12345 centre: orders, events, calls, staffing and knowledge base.

    data = generate(pack_dir, start, days, seed, scale)         # in memory (small runs)
    load(data, engine_or_url)                                   # bulk-load into a migrated store
    run(pack_dir, start, days, seed, scale, db=url, out=dir)    # chunk by chunk, any size
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hotline.simulate.generate import SimulatedData, build_model, chunks, generate
from hotline.simulate.load import PAGE_SIZE, Loader, load
from hotline.simulate.output import ParquetSink, write_parquet, write_truth

__all__ = ["SimulatedData", "generate", "load", "run", "write_parquet", "write_truth", "expected_orders"]


def expected_orders(pack_dir, start: date, days: int, scale: float = 1.0) -> float:
    """Orders the profile expects over the days (before incidents), to size a run."""
    model = build_model(pack_dir, start, days, 0, scale)
    return float(model.expected_rates(start, days).sum())


def run(pack_dir, start: date, days: int, seed: int, scale: float = 1.0, *, db=None, out=None, truth=None,
        overrides: dict | None = None, progress: Callable[[str], None] | None = None,
        page_size: int | None = PAGE_SIZE) -> dict:
    """Generate chunk by chunk into a store (db) and/or Parquet (out) and write the truth file.

    Generation of the next month runs in a thread while this one loads (NumPy, Arrow and the
    SQLite driver release the GIL), so the two cores both work. `page_size` (SQLite, a store with no
    orders yet) sets the store's page size first (None: keep it). Returns counts and the truth path.
    """
    if db is None and out is None:
        raise ValueError("give a store (db) or an output folder (out)")
    model = build_model(pack_dir, start, days, seed, scale, overrides)
    pending: queue.Queue = queue.Queue(maxsize=1)
    # The loader first: it knows the ids already in the store, so the generating thread can also
    # turn each chunk into the store's plain, id-shifted tables (work the writer then need not do).
    loader = Loader(db, page_size=page_size).__enter__() if db is not None else None

    # Where the time went, per phase: wall seconds, and CPU seconds of the phase's own thread.
    phases = {k: {"wall": 0.0, "cpu": 0.0} for k in ("generate", "load", "finish")}

    def clocked(phase: str, t: float, c: float) -> None:
        phases[phase]["wall"] += time.perf_counter() - t
        phases[phase]["cpu"] += time.thread_time() - c

    # At most two months alive at once: the one loading and the next one being made. (A queue
    # alone would let a third wait, finished, in the generating thread: a GB more at 10M orders.)
    alive = threading.Semaphore(2)

    def produce():
        try:
            made = chunks(pack_dir, start, days, seed, scale, model=model)
            while True:
                alive.acquire()
                t, c = time.perf_counter(), time.thread_time()
                if (chunk := next(made, None)) is None:
                    break
                sizes = {name: table.num_rows for name, table in chunk.tables().items()}
                month = chunk.work_orders["created_at"][0].as_py()[:7] if chunk.work_orders.num_rows else ""
                # Only what the consumer needs: the chunk's own tables only for Parquet (memory).
                item = (sizes, month, chunk.incidents, loader.prepare(chunk) if loader else None, chunk if sink else None)
                del chunk
                clocked("generate", t, c)
                pending.put(item)
                del item
        except BaseException as exc:  # hand the error to the consumer
            pending.put(exc)
        pending.put(None)

    sink = ParquetSink(out) if out is not None else None
    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    counts: dict[str, int] = {}
    incidents: list[dict] = []
    failure: BaseException | None = None
    try:
        while (item := pending.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            sizes, month, incidents, prepared, chunk = item
            for name, rows in sizes.items():
                counts[name] = counts.get(name, 0) + rows
            if loader:
                t, c = time.perf_counter(), time.thread_time()
                loader.add(prepared)
                clocked("load", t, c)
            if sink:
                sink.add(chunk)
            if progress:
                progress(f"{month}: {counts.get('work_orders', 0)} orders")
            del item, prepared, chunk  # let the chunk go before the next one is made
            alive.release()
    except BaseException as exc:
        failure = exc
        raise
    finally:
        if loader:
            t, c = time.perf_counter(), time.thread_time()
            loader.__exit__(type(failure) if failure else None, failure, None)
            clocked("finish", t, c)
        if sink:
            sink.close()
        thread.join(timeout=1)
    truth_path = Path(truth) if truth else (Path(out) if out else Path(".")) / "incidents.json"
    write_truth(incidents, truth_path)
    timings = {k: round(v, 1) for k, v in loader.timings.items()} if loader else {}
    return {"counts": counts, "truth": str(truth_path), "incidents": len(incidents), "load_seconds": timings,
            "phases": {k: {m: round(v, 1) for m, v in p.items()} for k, p in phases.items()}}
