"""An idle refresh copies nothing, yet a row that commits late inside the look-back is never missed."""

from __future__ import annotations

import time
from datetime import timedelta

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.lookback import LookBack
from hotline.workorders.models import WorkOrder

from .test_daily import _from_scratch, _tables


def _rows(*pairs) -> pa.Table:
    return pa.table({"id": [i for i, _ in pairs], "status": [s for _, s in pairs]})


def test_lookback_passes_only_rows_missing_or_different_from_what_the_copy_holds():
    lookback = LookBack()
    assert lookback.unseen("t", "", _rows((1, "a"), (2, "b"))).num_rows == 2  # nothing held yet
    lookback.remember("t", "", _rows((1, "a"), (2, "b")), copied=_rows((2, "c"), (9, "z")))
    # Row 2 was copied from a later fetch ("c"): the copy holds that, not the re-read "b".
    assert lookback.unseen("t", "", _rows((1, "a"), (2, "c"), (3, "d"))).to_pylist() == [{"id": 3, "status": "d"}]
    assert lookback.unseen("t", "", _rows((2, "b"))).num_rows == 1
    assert lookback.unseen("t", "__new", _rows((1, "a"))).num_rows == 1  # another table's memory
    lookback.remember("t", "__new", _rows((5, "e")))
    lookback.promote("__new")
    assert lookback.unseen("t", "", _rows((5, "e"), (1, "a"))).to_pylist() == [{"id": 1, "status": "a"}]
    lookback.forget("")
    assert lookback.unseen("t", "", _rows((5, "e"))).num_rows == 1


def _store_change(platform, order_id: int, **fields) -> None:
    """Change an order in the store as a late transaction would: no event, its own updated_at."""
    with platform.sessions.begin() as session:
        order = session.get(WorkOrder, order_id)
        for name, value in fields.items():
            setattr(order, name, value)


def _copied(engine, order_id: int, column: str):
    return engine.rows(f"SELECT {column} FROM work_orders WHERE id = ?", [order_id])[0][0]


@pytest.fixture
def engine(dataset, store_url):
    """A copy of the dataset's store of its own, refreshed only when the test says (no refresher thread)."""
    own = AnalyticsEngine(store_url)
    own.start(background=False)
    yield own
    own.stop()


def test_an_idle_refresh_copies_nothing_and_leaves_the_version(platform, dataset):
    live = platform.analytics.engine  # its refresher thread runs too: idle, it must not move the version
    live.refresh()
    version = live.version
    time.sleep(2.5)
    assert live.refresh() == 0 and live.refresh() == 0
    assert live.version == version


def test_a_row_committed_late_with_an_older_stamp_is_still_copied(platform, engine):
    with platform.sessions() as session:
        newest = session.scalar(select(func.max(WorkOrder.updated_at)))
        late = session.scalar(select(WorkOrder.id).where(WorkOrder.updated_at < newest).order_by(WorkOrder.id))
    engine.refresh()  # a new engine's first pass re-copies the look-back once: it remembers nothing yet
    assert engine.refresh() == 0
    # Stamped two seconds before the newest copied row, committed only now: inside the look-back.
    _store_change(platform, late, urgency="critical", updated_at=newest - timedelta(seconds=2))
    assert engine.refresh() == 1
    assert _copied(engine, late, "urgency") == "critical"
    # Changed again under the very same stamp (a clock that did not move): still a change.
    _store_change(platform, late, urgency="urgent")
    assert engine.refresh() == 1
    assert _copied(engine, late, "urgency") == "urgent"
    assert engine.refresh() == 0
    assert _tables(engine) == _from_scratch(engine)  # the rollups followed each copy


def test_after_a_rebuild_an_idle_refresh_copies_nothing(platform, engine):
    engine.refresh()
    engine.rebuild()
    assert engine.refresh() == 0
    order_id, newest = engine.rows("SELECT max(id), max(updated_at) FROM work_orders")[0]
    _store_change(platform, order_id, urgency="critical", updated_at=newest)
    assert engine.refresh() == 1
    assert _copied(engine, order_id, "urgency") == "critical"
