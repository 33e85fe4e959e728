"""`make bench`: every benchmark, one after the other, each writing its JSON under bench/.

    python bench/run.py [--orders 10000000] [--only simulate,analytics,foresight,nlp,pages]

The simulator's benchmark builds (and times) a fresh store of its own; the others share one simulated
store kept under bench/work/ (built once per size, reused afterwards: it is big).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
PACK = HERE.parent / "src" / "hotline" / "citypacks" / "jinchang"
START, DAYS = date(2024, 1, 1), 731  # two years: a year to measure (2025) and the year before it to compare
STEPS = ("simulate", "analytics", "foresight", "nlp", "pages")


def sh(*args: str) -> None:
    """Run one benchmark step, echoing it; a failing step stops the run."""
    print("+", " ".join(args), flush=True)
    started = time.perf_counter()
    subprocess.run(args, check=True)
    print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)


def shared_store(orders: int) -> str:
    """A simulated Jinchang store with about `orders` orders over two years, built once (again whenever the
    city pack or the simulator's code changes: the .done file records what it was built from)."""
    from hotline.simulate import expected_orders

    WORK.mkdir(exist_ok=True)
    path = WORK / f"store-{orders}.db"
    url = f"sqlite:///{path}"
    scale = orders / expected_orders(PACK, START, DAYS)
    made_from = f"scale {scale:.4f}, simulator {_fingerprint()}"
    done = WORK / f"store-{orders}.done"
    if not done.exists() or done.read_text().splitlines()[-1:] != [made_from]:
        for old in WORK.glob(f"store-{orders}.db*"):
            old.unlink()
        sh(sys.executable, "-m", "hotline", "simulate", "--db", url, "--start", START.isoformat(), "--days", str(DAYS),
           "--scale", f"{scale:.4f}", "--truth", str(WORK / f"incidents-{orders}.json"))
        done.write_text(f"{date.today().isoformat()}\n{made_from}\n")
    return url


def _fingerprint() -> str:
    """A hash of what a simulated store is made from: the city pack and the simulator's code."""
    digest = hashlib.sha256()
    for path in sorted([*PACK.rglob("*"), *(HERE.parent / "src" / "hotline" / "simulate").rglob("*.py")]):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def main() -> None:
    """Run the chosen benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--only", default=",".join(STEPS))
    args = parser.parse_args()
    steps = [s for s in args.only.split(",") if s]
    python = sys.executable
    if "simulate" in steps:
        sh(python, str(HERE / "simulate_bench.py"), "--orders", str(args.orders))
    if "analytics" in steps:
        url = shared_store(args.orders)
        sh(python, str(HERE / "analytics_bench.py"), "--store", url, "--copy", str(WORK / f"copy-{args.orders}.duckdb"),
           "--label", f"{args.orders // 1_000_000}M", "--year", "2025")
    if "foresight" in steps:
        sh(python, str(HERE / "foresight_bench.py"), "--db", shared_store(args.orders))
    if "nlp" in steps:
        sh(python, str(HERE / "nlp_bench.py"))
    if "pages" in steps:  # serves the same analysis copy as the analytics step (built there, or on start-up)
        sh(python, str(HERE / "pages_bench.py"), "--store", shared_store(args.orders),
           "--copy", str(WORK / f"copy-{args.orders}.duckdb"), "--label", f"{args.orders // 1_000_000}M")


if __name__ == "__main__":
    main()
