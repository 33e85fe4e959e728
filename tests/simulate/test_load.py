"""Bulk-loading simulated data into a real, migrated SQLite store."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from hotline.db import make_engine, make_session_factory
from hotline.reference.citypack import load_pack
from hotline.simulate import generate, load, run
from hotline.store import migrate
from tests.simulate.conftest import PACK


def _store(tmp_path):
    url = f"sqlite:///{tmp_path}/h.db"
    engine = make_engine(url)
    migrate(engine)
    load_pack(make_session_factory(engine), PACK)
    engine.dispose()
    return url


def test_load_into_sqlite(tmp_path):
    url = _store(tmp_path)
    data = generate(PACK, date(2023, 10, 25), 10, 5, 0.5)
    counts = load(data, url)
    assert counts["work_orders"] == data.work_orders.num_rows
    con = sqlite3.connect(tmp_path / "h.db")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("SELECT COUNT(*) FROM order_events").fetchone()[0] == data.order_events.num_rows
    assert con.execute("SELECT COUNT(*) FROM call_records").fetchone()[0] == data.call_records.num_rows
    # Calls go through a second writer's file and are copied in: the same rows, ids and index entries.
    stored = con.execute("SELECT id, caller, queued_at, order_id FROM call_records ORDER BY id").fetchall()
    calls = data.call_records
    assert stored == list(zip(*(calls[c].to_pylist() for c in ("id", "caller", "queued_at", "order_id"))))
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    some = data.call_records["caller"][7].as_py()
    assert con.execute("SELECT COUNT(*) FROM call_records INDEXED BY ix_call_records_caller WHERE caller = ?",
                       (some,)).fetchone()[0] == calls["caller"].to_pylist().count(some)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"ix_work_orders_created_at", "ix_order_events_order_id", "ix_call_records_caller",
            "ix_call_records_queued_at"} <= names
    assert not any(n.endswith(".side") for n in (p.name for p in tmp_path.iterdir()))  # side file gone
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA page_size").fetchone()[0] == 16384  # a fresh store gets bigger pages
    last = con.execute("SELECT last FROM order_counters WHERE day='20231026'").fetchone()[0]
    assert last == con.execute("SELECT COUNT(*) FROM work_orders WHERE number LIKE 'GD20231026%'").fetchone()[0]
    row = con.execute("SELECT created_at, closed_directly, co_departments FROM work_orders LIMIT 1").fetchone()
    assert len(row[0]) == 19 and row[1] in (0, 1) and json.loads(row[2]) == []


def test_run_streams_chunks_into_a_store_and_writes_truth(tmp_path):
    url = _store(tmp_path)
    result = run(PACK, date(2023, 10, 30), 5, 7, 0.3, db=url, out=tmp_path / "pq", truth=tmp_path / "truth.json")
    con = sqlite3.connect(tmp_path / "h.db")
    assert con.execute("SELECT COUNT(*) FROM work_orders").fetchone()[0] == result["counts"]["work_orders"]
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    numbers = {r[0] for r in con.execute("SELECT number FROM work_orders")}
    for inc in truth["incidents"]:
        assert {"kind", "place", "category", "start", "end", "extra_per_day", "orders"} <= set(inc)
        assert set(inc["orders"]) <= numbers
    assert (tmp_path / "pq" / "work_orders.parquet").exists()
