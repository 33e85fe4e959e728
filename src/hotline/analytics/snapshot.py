"""One answer's view of the analysis copy: every statement of it sees the same refresh."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def fetch_rows(cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Rows of one query on a cursor of the copy."""
    return cursor.execute(sql, list(params)).fetchall()


def fetch_dicts(cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of one query as dictionaries keyed by column name."""
    result = cursor.execute(sql, list(params))
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


class ReadSnapshot:
    """A read transaction on the copy, with the engine's reading methods; use as a context manager.

    A module answers with several statements; without one transaction, a refresh committing between
    them made one answer mix two states of the copy (a total that counts a new order beside a
    "today" figure that does not).
    """

    def __init__(self, db: duckdb.DuckDBPyConnection) -> None:
        self._cursor = db.cursor()
        self._cursor.execute("BEGIN TRANSACTION")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Rows of one query."""
        return fetch_rows(self._cursor, sql, params)

    def dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dictionaries keyed by column name."""
        return fetch_dicts(self._cursor, sql, params)

    def cursor(self) -> _SharedCursor:
        """The snapshot's own cursor, for a caller that registers Arrow tables; its close() leaves it open."""
        return _SharedCursor(self._cursor)

    def close(self) -> None:
        """End the read transaction."""
        try:
            self._cursor.execute("ROLLBACK")
        finally:
            self._cursor.close()

    def __enter__(self) -> ReadSnapshot:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _SharedCursor:
    """The snapshot's cursor lent out: a borrower's close() must not end the snapshot."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def close(self) -> None:
        """Nothing: the snapshot closes its cursor."""
