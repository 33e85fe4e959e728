"""The SQLite reader process: errors come back as errors, and a reader that died is reported, not waited on."""

from __future__ import annotations

import sqlite3

import pytest

from hotline.analytics.sqlite_reader import SqliteReader, StoreReadError


@pytest.fixture
def store(tmp_path) -> str:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, None)])
    con.close()
    return str(path)


def test_a_failed_pull_names_the_error_and_the_next_pull_works(store):
    reader = SqliteReader(store)
    try:
        with pytest.raises(StoreReadError, match="no such table"):
            reader.fetch("SELECT * FROM missing")
        table = reader.fetch("SELECT id, name FROM t ORDER BY id")
        assert table.to_pylist() == [{"id": 1, "name": "a"}, {"id": 2, "name": None}]
        assert reader.fetch("SELECT id FROM t WHERE id > 5").num_rows == 0
    finally:
        reader.close()


def test_a_reader_process_that_died_is_reported(store):
    reader = SqliteReader(store)
    try:
        reader._process.kill()
        reader._process.wait()
        with pytest.raises(StoreReadError, match="gone"):
            reader.fetch("SELECT id FROM t")
    finally:
        reader.close()
