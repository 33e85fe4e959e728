"""Benchmark of the analysis modules: build time of the copy, warm p95 latency per module, freshness, memory.

    python bench/analytics_bench.py --store sqlite:///big.db [--copy big.duckdb] [--reuse] [--label 1M]
                                    [--freshness] [--out FILE] [--modules requests,calls]

The store must hold simulated data (hotline.simulate.run); results are merged into bench/analytics.json
(or --out; --modules times only some modules, and the targets then judge only those).
--reuse keeps an existing copy (its build time is then not measured, only the catch-up refresh);
--freshness adds orders to the store one after another (SQLite only: it writes to the store!; --freshness-orders,
10 by default) and times how long each takes to show in `overview` with the refresher running. The orders are
stamped now: on a simulated store that ends earlier, the first opens a new month, so the copy re-sorts its tail
(layout.py) while the others arrive.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil

from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.filters import Filters
from hotline.analytics.service import MODULES, AnalyticsService
from hotline.platform import settle_heap
from hotline.users.actor import Actor

OUT = Path(__file__).parent / "analytics.json"
SIX = ("requests", "calls", "knowledge", "efficiency", "overview", "summary")


def timed(run, repeat: int, budget_s: float) -> dict:
    """p50/p95/max milliseconds of up to `repeat` warm runs (after two warm-up runs), within a time budget."""
    for _ in range(2):
        run()
    samples = []
    started = time.perf_counter()
    while len(samples) < repeat and (len(samples) < 5 or time.perf_counter() - started < budget_s):
        t = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95 + 0.5) - 1)], 1), "max_ms": round(samples[-1], 1),
            "runs": len(samples)}


def machine() -> dict:
    """What the figures were measured on: they mean little without it."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": sys.version.split()[0], "duckdb": __import__("duckdb").__version__}


def load() -> str:
    """uptime's load averages: the machine is shared, and other jobs' load inflates the latencies."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def add_order(path: str) -> int:
    """Copy the newest order under a new id and number, as the API would add one; its id."""
    con = sqlite3.connect(path)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(work_orders)")]
        new_id = con.execute("SELECT max(id) + 1 FROM work_orders").fetchone()[0]
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
        values = {"id": str(new_id), "number": f"'BENCH{new_id}'", "created_at": f"'{stamp}'",
                  "updated_at": f"'{stamp}'", "idempotency_key": "NULL"}
        select = ", ".join(values.get(c, c) for c in cols)
        con.execute(f"INSERT INTO work_orders ({', '.join(cols)}) SELECT {select} FROM work_orders "
                    f"WHERE id = {new_id - 1}")
        con.commit()
        return new_id
    finally:
        con.close()


def add_order_elsewhere(store: str) -> None:
    """add_order in a process of its own, as another server or the simulator would write.

    A sqlite3 writer closing inside the refresher's process deletes the WAL files the ADBC driver still
    has open (tests/analytics/test_freshness_regression.py); that bug is measured there, not here."""
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import analytics_bench as b; " \
           f"b.add_order({store.split('///', 1)[1]!r})"
    subprocess.run([sys.executable, "-c", code], check=True)


def freshness(store: str, service: AnalyticsService, analyst: Actor) -> float:
    """Seconds from an order's commit until `overview` counts it, the refresher running in the background."""
    before = service.module(analyst, "overview", Filters())["total"]
    add_order_elsewhere(store)
    committed = time.monotonic()
    while service.module(analyst, "overview", Filters())["total"] == before:
        if time.monotonic() - committed > 60:
            return float("inf")
        time.sleep(0.05)
    return round(time.monotonic() - committed, 2)


def main() -> None:
    """Run the benchmark and record the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--copy", default=":memory:")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--label", default="run")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of timed runs per module and query")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--district", default="620302")
    parser.add_argument("--category", default="01")
    parser.add_argument("--freshness", action="store_true")
    parser.add_argument("--freshness-orders", type=int, default=10)
    parser.add_argument("--out", type=Path, default=OUT, help="the JSON file the figures are merged into")
    parser.add_argument("--modules", default=",".join(MODULES), help="comma-separated modules to time")
    args = parser.parse_args()
    if args.copy != ":memory:" and not args.reuse:
        for suffix in ("", ".wal"):
            Path(args.copy + suffix).unlink(missing_ok=True)
    process = psutil.Process(os.getpid())
    load_before = load()
    peak = [process.memory_info().rss]

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            done.wait(0.2)

    done = threading.Event()
    threading.Thread(target=watch, daemon=True).start()
    engine = AnalyticsEngine(args.store, args.copy)
    t = time.perf_counter()
    engine.start(background=False)
    build_s = time.perf_counter() - t
    build_peak = peak[0]
    counts = {name: engine.rows(f"SELECT count(*) FROM {name}")[0][0]
              for name in ("work_orders", "order_events", "call_records", "kb_searches")}
    t = time.perf_counter()
    engine.refresh()
    idle_refresh_ms = (time.perf_counter() - t) * 1000
    settle_heap()  # as the server does once started (app.lifespan)
    now = datetime(args.year, 12, 31, 18, 0)
    service = AnalyticsService(engine, lambda: now)
    analyst = Actor("bench", "analyst")
    queries = {
        "one_year_city": Filters(created_from=datetime(args.year, 1, 1), created_to=datetime(args.year + 1, 1, 1)),
        "one_month_filtered": Filters(created_from=datetime(args.year, 6, 1), created_to=datetime(args.year, 7, 1),
                                      district=args.district, category=args.category),
    }
    results: dict = {}
    for query, filters in queries.items():
        results[query] = {}
        for module in args.modules.split(","):
            results[query][module] = timed(lambda m=module, f=filters: service.module(analyst, m, f),
                                           args.repeat, args.budget)
            print(query, module, results[query][module], flush=True)
    fresh = None
    if args.freshness:
        engine.start(background=True)
        fresh = [freshness(args.store, service, analyst) for _ in range(args.freshness_orders)]
        print("freshness s", fresh, flush=True)
    done.set()
    timed_six = [m for m in SIX if m in results["one_year_city"]]
    record = {
        "label": args.label, "store": args.store.split("://")[0], "copy": args.copy, "rows": counts,
        "build_seconds": None if args.reuse else round(build_s, 1),
        "catch_up_seconds": round(build_s, 1) if args.reuse else None,
        "idle_refresh_ms": round(idle_refresh_ms, 1), "new_order_in_overview_seconds": fresh,
        "rss_mb": round(process.memory_info().rss / 2**20), "peak_rss_mb": round(peak[0] / 2**20),
        "build_peak_rss_mb": round(build_peak / 2**20),
        "copy_file_mb": round(Path(args.copy).stat().st_size / 2**20) if args.copy != ":memory:" else None,
        "machine": machine(), "load_before": load_before, "load_after": load(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "latency": results,
        "targets_met": {
            "one_year_city_p95_under_150ms": all(results["one_year_city"][m]["p95_ms"] < 150 for m in timed_six),
            "one_month_filtered_p95_under_50ms": all(results["one_month_filtered"][m]["p95_ms"] < 50
                                                     for m in timed_six),
            "new_order_in_overview_within_5s": None if fresh is None else max(fresh) < 5,
            "rss_under_4gb": peak[0] < 4 * 2**30,
        },
        "measured_at": datetime.now().isoformat(timespec="seconds"),
    }
    existing = json.loads(args.out.read_text()) if args.out.exists() else {}
    existing[args.label] = record
    args.out.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k != "latency"}, indent=2))
    engine.stop()


if __name__ == "__main__":
    main()
