"""Reading rows from the store as Apache Arrow tables through the ADBC drivers (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
from sqlalchemy.engine import make_url

from hotline.analytics.schema import ORDER_TEXT_COLUMNS, CopiedTable
from hotline.analytics.sqlite_reader import SqliteReader


class StoreSource:
    """One autocommit ADBC connection to the store, so each pull sees the newest committed rows.
    On SQLite the connection lives in a reader process of its own (sqlite_reader.py says why)."""

    def __init__(self, store_url: str) -> None:
        url = make_url(store_url)
        self.backend = "sqlite" if url.drivername.startswith("sqlite") else "postgresql"
        if self.backend == "sqlite":
            self._connection = SqliteReader(url.database or ":memory:")
        else:
            import adbc_driver_postgresql.dbapi as driver

            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._connection = driver.connect(plain, autocommit=True)

    def fetch(self, sql: str) -> pa.Table:
        """Run one SELECT and return every row as an Arrow table."""
        if isinstance(self._connection, SqliteReader):
            return self._connection.fetch(sql)
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetch_arrow_table()
        finally:
            cursor.close()

    def scalar(self, sql: str):
        """The single value a query returns."""
        table = self.fetch(sql)
        return table.column(0)[0].as_py() if table.num_rows else None

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def __enter__(self) -> StoreSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def select_columns(table: CopiedTable) -> str:
    """The store columns the copy reads, plus the order texts the quality checks need."""
    names = [n for n, _ in table.columns]
    if table.name == "work_orders":
        names += list(ORDER_TEXT_COLUMNS)
    return ", ".join(names)


def literal(value: int | datetime) -> str:
    """A watermark written into SQL; only our own ints and datetimes ever get here, never user input."""
    if isinstance(value, datetime):
        return "'" + value.strftime("%Y-%m-%d %H:%M:%S") + "'"
    return str(int(value))


def normalise(batch: pa.Table) -> pa.Table:
    """The pulled rows with all-NULL columns typed as text."""
    # A column that is all NULL in a pull comes back typed as integers; as text it casts to anything.
    for i, field in enumerate(batch.schema):
        column = batch.column(i)
        if column.null_count == len(column) and not pa.types.is_string(field.type):
            batch = batch.set_column(i, field.name, pa.nulls(len(column), pa.string()))
    return batch


def concat(parts: list[pa.Table]) -> pa.Table:
    """One table from several pulls; a column all NULL in one pull takes its type from another."""
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return pa.table({"id": pa.array([], pa.int64())})
    types = {}
    for part in parts:
        for field, column in zip(part.schema, part.columns, strict=True):
            if column.null_count < len(column):
                types.setdefault(field.name, field.type)
    fixed = []
    for part in parts:
        for i, field in enumerate(part.schema):
            column = part.column(i)
            if column.null_count == len(column):
                part = part.set_column(i, field.name, pa.nulls(len(column), types.get(field.name, pa.string())))
        fixed.append(part)
    return pa.concat_tables(fixed, promote_options="permissive")
