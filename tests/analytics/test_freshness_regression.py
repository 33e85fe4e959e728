"""The copy keeps seeing the store's commits whoever wrote them and whenever their connections close.

Regression (issue 4): in the 1M benchmark, new orders stopped reaching the copy on SQLite after the
first one. The benchmark wrote each order through a short-lived sqlite3 connection in the same
process as the refresher. The ADBC driver links its own copy of SQLite; the writer's copy, closing,
could not see the driver's open connection, took it for the last one and deleted the -wal and -shm
files the driver still had open, so every later pull read the old snapshot. The other way round,
a pull connection that closed deleted them under a writer that stayed open (analytics/sqlite_reader.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.source import StoreSource
from hotline.calls.models import CallRecord
from hotline.db import make_engine

COUNT = "SELECT count(*) FROM call_records"


def _add_call(writer, k: int) -> None:
    """One call committed through SQLAlchemy, as the API's services write."""
    with writer.begin() as connection:
        connection.execute(insert(CallRecord).values(caller=f"1390000{k:04d}", queued_at=datetime(2024, 3, 4, 9, k),
                                                     wait_seconds=10, answered=False, talk_seconds=0))


def _add_call_and_close(store_url: str, k: int) -> None:
    """A writer of its own that closes after its commit, like a one-off script or a recycled pool."""
    writer = make_engine(store_url)
    try:
        _add_call(writer, k)
    finally:
        writer.dispose()


def test_a_pull_sees_calls_committed_by_writers_that_closed_since(store_url):
    with StoreSource(store_url) as source:
        before = source.scalar(COUNT)
        for k in range(1, 4):
            _add_call_and_close(store_url, k)
            assert source.scalar(COUNT) == before + k, f"call {k} not seen by the open pull connection"


def test_closing_a_pull_connection_leaves_an_open_writers_commits_visible(store_url):
    writer = make_engine(store_url)  # its pool keeps the connection open between commits
    try:
        with writer.connect() as connection:
            before = connection.scalar(select(func.count()).select_from(CallRecord))
        for k in range(1, 4):
            _add_call(writer, k)
            with StoreSource(store_url) as source:
                assert source.scalar(COUNT) == before + k, f"call {k} hidden from a new pull connection"
    finally:
        writer.dispose()


def test_every_refresh_copies_the_calls_committed_before_it(store_url):
    engine = AnalyticsEngine(store_url)
    try:
        engine.start(background=False)
        before = engine.rows(COUNT)[0][0]
        for k in range(1, 4):
            _add_call_and_close(store_url, k)
            engine.refresh()
            assert engine.rows(COUNT)[0][0] == before + k, f"call {k} missing from the copy after a refresh"
    finally:
        engine.stop()
