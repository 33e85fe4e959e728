"""Foresight benchmark: a 30-day early-warning scan and daily forecasts for every level-1 category × district.

    python bench/foresight_bench.py [--db sqlite:///bench/foresight.db] [--scale 3.3] [--days 730] [--no-forecast] [--repeat 3] [--out bench/foresight.json]

Builds the store with the simulator when it holds no orders (two years of Jinchang from 2022 at the
given scale; scale 33 gives about 10 M orders). The scan writes into the store (its kept history and
its alerts): run it on a copy of a shared store. The kept history is brought up to date first and
timed apart (a one-off for a store never scanned; a server keeps it current day by day), then each
detector's scan and the full scan are timed. Results go into bench/foresight.json under the store's
size, beside those of other sizes, with the load average and the command (or into --out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

HERE = Path(__file__).parent
PACK = HERE.parent / "src" / "hotline" / "citypacks" / "jinchang"


def build_store(url: str, scale: float, days: int) -> dict:
    """Migrate, load the pack and simulate into the store; returns the simulator's counts."""
    from hotline.db import make_engine, make_session_factory
    from hotline.reference.citypack import load_pack
    from hotline.simulate import run
    from hotline.store import migrate

    engine = make_engine(url)
    migrate(engine)
    load_pack(make_session_factory(engine), PACK)
    engine.dispose()
    return run(PACK, date(2022, 1, 1), days, 7, scale, db=url, truth=str(Path(tempfile.gettempdir()) / "foresight_truth.json"))


def main() -> None:
    """Run the benchmark and write bench/foresight.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=f"sqlite:///{HERE / 'foresight.db'}")
    parser.add_argument("--scale", type=float, default=3.3)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--no-forecast", dest="forecast", action="store_false", help="time the scan only")
    parser.add_argument("--repeat", type=int, default=3, help="full scans timed (the median is reported)")
    parser.add_argument("--out", type=Path, default=HERE / "foresight.json",
                        help="the JSON the run is added to (another file keeps trial runs out of the committed one)")
    args = parser.parse_args()

    from hotline.config import Settings
    from hotline.db import unit_of_work
    from hotline.foresight.alerts import KINDS, AlertService
    from hotline.foresight.ledger import Ledger
    from hotline.foresight.scan_inputs import first_kept_days
    from hotline.foresight.queries import data_span
    from hotline.foresight.service import ForesightService
    from hotline.platform import build_platform
    from hotline.store import migrate

    platform = build_platform(Settings(database_url=args.db))
    migrate(platform.engine)
    built = None
    if data_span(platform.engine)[1] is None:
        # The simulator's bulk loader turns the journal off: no other connection may hold the file.
        platform.close()
        began = time.perf_counter()
        built = build_store(args.db, args.scale, args.days)
        built["seconds"] = round(time.perf_counter() - began, 1)
        platform = build_platform(Settings(database_url=args.db))
    with platform.engine.connect() as conn:
        orders = conn.execute(text("SELECT count(*) FROM work_orders")).scalar()
    with unit_of_work(platform.sessions) as session:
        session.execute(text("DELETE FROM alerts"))
    _, last = data_span(platform.engine)
    end = last.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    start = end - timedelta(days=30)
    load_before = os.getloadavg()
    began = time.perf_counter()
    kept_days = Ledger(platform.engine).catch_up(min(first_kept_days(start).values()).date())
    catch_up = {"days_added": kept_days, "seconds": round(time.perf_counter() - began, 1)}
    service = AlertService(platform)
    scans = {}
    for kind in KINDS:
        result = service.scan(start, end, (kind,), deliver=False)
        scans[kind] = {"seconds": round(result.seconds, 2), "alerts": result.found}
    # Repeated: on a shared machine one figure says more about the neighbours than about the scan.
    full_scans = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        everything = service.scan(start, end, KINDS, deliver=False)
        full_scans.append(round(time.perf_counter() - began, 2))
    full_scan = sorted(full_scans)[len(full_scans) // 2]
    report = {
        "store": platform.engine.url.render_as_string(hide_password=True), "orders": orders, "built": built,
        "command": " ".join([Path(sys.executable).name, *sys.argv]), "cpus": os.cpu_count(),
        "load_average_1_5_15": {"before": [round(x, 2) for x in load_before],
                                "after_scans": [round(x, 2) for x in os.getloadavg()]},
        "kept_history_catch_up": catch_up,
        "scan_30_days": {"from": start.isoformat(), "to": end.isoformat(), "seconds": full_scan, "runs_seconds": full_scans,
                         "alerts": everything.found, "per_kind": scans, "target_seconds": 10},
    }
    if args.forecast:
        foresight = ForesightService(platform)
        began = time.perf_counter()
        frame = foresight.forecast("category_district", 30)
        forecast_seconds = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        backtest = foresight.backtest("city")
        report["forecast_category_x_district"] = {"series": int(frame["unique_id"].nunique()), "horizon_days": 30,
                                                  "seconds": forecast_seconds, "target_seconds": 60}
        report["backtest_city_90_days"] = {"mase": round(backtest.mase, 3), "mase_seasonal_naive": round(backtest.mase_naive, 3),
                                           "ratio": round(backtest.ratio, 3), "target_ratio": 0.85,
                                           "seconds": round(time.perf_counter() - began, 2)}
    out = args.out
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    runs = previous.get("runs", {}) if isinstance(previous.get("runs"), dict) else {}
    runs[f"{orders / 1e6:.1f}M orders"] = report
    out.write_text(json.dumps({"runs": runs}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    platform.close()


if __name__ == "__main__":
    main()
