"""Benchmark of the analysis modules: build time of the copy, warm p95 latency per module, resident memory.

    python bench/analytics_bench.py --store sqlite:///big.db [--copy big.duckdb] [--label 1M]

The store must hold simulated data (hotline.simulate.run); results are merged into bench/analytics.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import datetime
from pathlib import Path

import psutil

from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.filters import Filters
from hotline.analytics.service import MODULES, AnalyticsService
from hotline.users.actor import Actor

OUT = Path(__file__).parent / "analytics.json"
SIX = ("requests", "calls", "knowledge", "efficiency", "overview", "summary")


def timed(run, repeat: int) -> dict:
    """p50/p95/max milliseconds of `repeat` warm runs (after two warm-up runs)."""
    for _ in range(2):
        run()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1), "max_ms": round(samples[-1], 1)}


def main() -> None:
    """Run the benchmark and record the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--copy", default=":memory:")
    parser.add_argument("--label", default="run")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--district", default="620302")
    parser.add_argument("--category", default="01")
    args = parser.parse_args()
    if args.copy != ":memory:":
        for suffix in ("", ".wal"):
            Path(args.copy + suffix).unlink(missing_ok=True)
    process = psutil.Process(os.getpid())
    engine = AnalyticsEngine(args.store, args.copy)
    t = time.perf_counter()
    engine.start(background=False)
    build_s = time.perf_counter() - t
    counts = {name: engine.rows(f"SELECT count(*) FROM {name}")[0][0]
              for name in ("work_orders", "order_events", "call_records", "kb_searches")}
    t = time.perf_counter()
    engine.refresh()
    idle_refresh_ms = (time.perf_counter() - t) * 1000
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
        for module in MODULES:
            results[query][module] = timed(lambda m=module, f=filters: service.module(analyst, m, f), args.repeat)
            print(query, module, results[query][module], flush=True)
    record = {
        "label": args.label, "store": args.store.split("://")[0], "copy": args.copy, "rows": counts,
        "build_seconds": round(build_s, 1), "idle_refresh_ms": round(idle_refresh_ms, 1),
        "rss_mb": round(process.memory_info().rss / 2**20), "cpus": os.cpu_count(), "latency": results,
        "targets_met": {
            "one_year_city_p95_under_150ms": all(results["one_year_city"][m]["p95_ms"] < 150 for m in SIX),
            "one_month_filtered_p95_under_50ms": all(results["one_month_filtered"][m]["p95_ms"] < 50 for m in SIX),
        },
        "measured_at": datetime.now().isoformat(timespec="seconds"),
    }
    existing = json.loads(OUT.read_text()) if OUT.exists() else {}
    existing[args.label] = record
    OUT.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k != "latency"}, indent=2))
    engine.stop()


if __name__ == "__main__":
    main()
