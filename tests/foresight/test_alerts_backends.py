"""The alerts table and its listing work on both backends (migration 0003_alerts)."""

from __future__ import annotations

from datetime import datetime

from hotline.foresight.alerts import AlertService


def _alert(kind: str, at: datetime, key: str) -> dict:
    return {"kind": kind, "detected_at": at, "category": None, "district": None, "place": None,
            "place_level": None, "department": None, "severity": "high", "score": 9.5,
            "evidence": {"count": 12, "expected": 0.4, "samples": ["GD1", "GD2"]}, "dedupe_key": key}


def test_alerts_are_stored_once_and_filtered_by_time_and_kind(platform):
    service = AlertService(platform)
    snapshot = platform.reference_cache.get()
    found = [_alert("surge", datetime(2024, 3, 1, 9), "a"), _alert("backlog", datetime(2024, 3, 2, 0), "b"),
             _alert("surge", datetime(2024, 3, 5, 12), "c")]
    assert len(service._store(found, snapshot)) == 3
    assert service._store(found, snapshot) == []
    total, rows = service.search(datetime(2024, 3, 1), datetime(2024, 3, 3), "surge")
    assert total == 1 and rows[0].evidence["samples"] == ["GD1", "GD2"]
    total, rows = service.search(None, None, None, limit=2)
    assert total == 3 and [r.dedupe_key for r in rows] == ["a", "b"]
