"""Training from the store's closed orders, on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hotline.cli import _train_in_background
from hotline.errors import InvalidInput
from hotline.nlp.registry import ModelRegistry
from hotline.nlp.training import load_closed_orders, train
from hotline.workorders.models import WorkOrder

from .conftest import tiny_orders


def _store_orders(platform, n: int = 90) -> None:
    """`n` orders of the tiny set, every tenth still open."""
    data = tiny_orders(n)
    at = datetime(2024, 3, 1, 9)
    with platform.sessions() as session:
        for i, (text, category, kind, department) in enumerate(
                zip(data["text"], data["category"], data["request_type"], data["department"])):
            session.add(WorkOrder(
                number=f"T{i:05d}", channel="phone", request_type=kind, content=text, citizen_phone="13800000000",
                category_l1=category[:2], category=category, department=department, co_departments=[],
                # Open orders are not yet known to be right, so they must not be learnt from.
                status="closed" if i % 10 else "in_progress", created_at=at, updated_at=at,
                closed_at=at + timedelta(minutes=i)))
        session.commit()


def test_train_learns_from_closed_orders_only_and_saves_a_version(platform, tmp_path):
    _store_orders(platform)
    summary = train(platform.sessions, tmp_path)
    assert summary["version"] == 1 and summary["orders"] == 81
    bundle = ModelRegistry(tmp_path).current()
    assert set(bundle.heads) == {"category", "request_type", "department"}
    assert bundle.category_parent["0201"] == "02"


def test_the_demo_trains_its_models_in_a_child_process_the_registry_then_loads(platform, tmp_path):
    _store_orders(platform)
    registry = ModelRegistry(tmp_path / "models")
    assert registry.current() is None
    trainer = _train_in_background(platform.settings.database_url, tmp_path / "models", tmp_path / "train.log")
    assert trainer.wait(timeout=180) == 0, (tmp_path / "train.log").read_text()
    assert registry.current().version == 1  # the running process's view, reloaded without a restart
    assert '"orders": 81' in (tmp_path / "train.log").read_text()


def test_train_refuses_an_almost_empty_store(platform, tmp_path):
    with pytest.raises(InvalidInput, match="at least 20"):
        train(platform.sessions, tmp_path)


def test_closed_orders_are_read_newest_first_as_columns(platform):
    at = datetime(2024, 3, 1, 9)
    with platform.sessions() as session:
        places = [("990101", "990101001", "GOV-990101"), ("990101", None, None), (None, None, "CGJ"),
                  ("990102", "990102001", "GOV-990102")]
        for i, (district, street, department) in enumerate(places):
            session.add(WorkOrder(
                number=f"L{i:05d}", channel="phone", request_type="help", content=f"第{i}件", citizen_phone="13800000000",
                category_l1="02", category="0201", department=department, co_departments=[], district=district,
                street=street, status="closed" if i != 3 else "replied", created_at=at, updated_at=at,
                closed_at=at + timedelta(hours=i)))
        session.commit()
    data = load_closed_orders(platform.sessions, max_rows=2)
    assert data["text"] == ["第2件", "第1件"]  # the newest closed two; the replied order is not learnt from
    assert data["places"] == ["", "D990101"]
    assert data["department"] == ["CGJ", None] and data["district"] == [None, "990101"]
    assert data["street"] == [None, None] and data["category"] == ["0201", "0201"]
    assert load_closed_orders(platform.sessions, max_rows=10)["places"][-1] == "D990101 S990101001"
