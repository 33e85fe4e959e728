"""Foresight benchmark: a 30-day early-warning scan and daily forecasts for every level-1 category × district.

    python bench/foresight_bench.py [--db sqlite:///bench/foresight.db] [--scale 3.3] [--days 730]

Builds the store with the simulator when it holds no orders (two years of Jinchang from 2022 at the
given scale; scale 33 gives about 10 M orders), then writes bench/foresight.json.
"""

from __future__ import annotations

import argparse
import json
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
    args = parser.parse_args()

    from hotline.config import Settings
    from hotline.foresight.alerts import KINDS, AlertService
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
        conn.execute(text("DELETE FROM alerts"))
        conn.commit()
    _, last = data_span(platform.engine)
    end = last.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    start = end - timedelta(days=30)
    service = AlertService(platform)
    scans = {}
    for kind in KINDS:
        result = service.scan(start, end, (kind,), deliver=False)
        scans[kind] = {"seconds": round(result.seconds, 2), "alerts": result.found}
    began = time.perf_counter()
    everything = service.scan(start, end, KINDS, deliver=False)
    full_scan = round(time.perf_counter() - began, 2)

    foresight = ForesightService(platform)
    began = time.perf_counter()
    frame = foresight.forecast("category_district", 30)
    forecast_seconds = round(time.perf_counter() - began, 2)
    began = time.perf_counter()
    backtest = foresight.backtest("city")
    backtest_seconds = round(time.perf_counter() - began, 2)
    report = {
        "store": platform.engine.url.render_as_string(hide_password=True), "orders": orders, "built": built,
        "scan_30_days": {"from": start.isoformat(), "to": end.isoformat(), "seconds": full_scan,
                         "alerts": everything.found, "per_kind": scans, "target_seconds": 10},
        "forecast_category_x_district": {"series": int(frame["unique_id"].nunique()), "horizon_days": 30,
                                         "seconds": forecast_seconds, "target_seconds": 60},
        "backtest_city_90_days": {"mase": round(backtest.mase, 3), "mase_seasonal_naive": round(backtest.mase_naive, 3),
                                  "ratio": round(backtest.ratio, 3), "target_ratio": 0.85, "seconds": backtest_seconds},
    }
    (HERE / "foresight.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    platform.close()


if __name__ == "__main__":
    main()
