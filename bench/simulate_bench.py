"""Benchmark: generate + load N simulated orders (and their calls and events) into a fresh SQLite store.

    python bench/simulate_bench.py --orders 10000000 --calls-per-order 3

Writes bench/simulate.json: rows, seconds (total and per phase), peak memory (getrusage), the
machine (CPUs, model, RAM) and how busy it was (load average before and after: the machine may be
shared, and a busy one stretches every wall-clock figure), the command and the date.

Phases overlap: the next month is generated while this one loads, and the calls are written and
indexed by a second writer (see hotline.simulate.load), so phase seconds do not add up to the total.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from hotline.db import make_engine, make_session_factory
from hotline.reference.citypack import load_pack
from hotline.simulate import expected_orders, run
from hotline.simulate.load import PAGE_SIZE
from hotline.store import migrate

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "src" / "hotline" / "citypacks" / "jinchang"


def _machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "platform": platform.platform(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def main() -> None:
    """Run the benchmark once and record it."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument("--calls-per-order", type=float, default=3.0, help="calls per order (the 10M/30M target is 3)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--start", default="2023-01-01")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench" / "simulate.json"))
    ap.add_argument("--keep", action="store_true", help="keep the database file")
    ap.add_argument("--page-size", type=int, default=PAGE_SIZE, help="SQLite page size given to the fresh store (0: keep)")
    args = ap.parse_args()
    start = date.fromisoformat(args.start)
    scale = args.orders / expected_orders(PACK, start, args.days)
    # Calls per order ≈ phone orders' own calls (0.8) + follow-ups + other answered + abandoned.
    overrides = {"calls": {"followup_per_order": max(args.calls_per_order - 0.9, 0.0)}}
    tmp = Path(tempfile.mkdtemp(prefix="simbench-"))
    url = f"sqlite:///{tmp}/bench.db"
    try:
        engine = make_engine(url)
        migrate(engine)
        load_pack(make_session_factory(engine), PACK)
        engine.dispose()
        load_before = os.getloadavg()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        result = run(PACK, start, args.days, args.seed, scale, db=url, truth=tmp / "incidents.json",
                     overrides=overrides, page_size=args.page_size or None, progress=lambda m: print(f"{time.perf_counter() - t0:7.1f}s {m}", flush=True))
        seconds = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()
        size = (tmp / "bench.db").stat().st_size
        with sqlite3.connect(tmp / "bench.db") as con:  # the store must be left in WAL mode
            journal = con.execute("PRAGMA journal_mode").fetchone()[0]
            indexes = sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"))
        con.close()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    counts = result["counts"]
    report = {
        "what": "hotline.simulate.run: generate + bulk-load into a fresh, migrated SQLite store (reference data loaded)",
        "orders": counts.get("work_orders", 0), "calls": counts.get("call_records", 0),
        "events": counts.get("order_events", 0), "agent_shifts": counts.get("agent_shifts", 0),
        "kb_searches": counts.get("kb_searches", 0), "incidents": result["incidents"],
        "seconds": round(seconds, 1),
        "phase_seconds": {k: v["wall"] for k, v in result["phases"].items()},
        "phase_cpu_seconds": {k: v["cpu"] for k, v in result["phases"].items()},
        "cpu_seconds": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
        "load_seconds": result.get("load_seconds", {}),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average_before": [round(x, 2) for x in load_before], "load_average_after": [round(x, 2) for x in load_after],
        "db_bytes": size, "journal_mode": journal, "indexes": indexes, "scale": round(scale, 3), "days": args.days, "start": args.start, "seed": args.seed,
        "page_size": args.page_size, "machine": _machine(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "at": datetime.now().isoformat(timespec="seconds"),
    }
    Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
