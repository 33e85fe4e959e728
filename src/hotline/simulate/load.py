"""Bulk loading of simulated tables into a migrated store: SQLite in big transactions, PostgreSQL COPY.

SQLite takes Arrow batches through the ADBC SQLite driver when it is installed (C binding, no
Python object per value) and plain sqlite3 executemany otherwise. Secondary indexes are dropped
before and rebuilt after a load (one sort per index beats millions of B-tree inserts).
"""

from __future__ import annotations

import io
import sqlite3
import time

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Engine, create_engine

from hotline.db import normalise_url

# Parents first, so foreign keys point at rows already there.
ORDER = ("kb_articles", "work_orders", "order_events", "call_records", "agent_shifts", "kb_searches")
# Every secondary index is dropped and rebuilt: measured on 1M orders, keeping even the indexes
# whose keys arrive in ascending order made inserts slower than their rebuild costs.
APPEND_FRIENDLY: set[str] = set()
ID_REFS = {"order_events": ("order_id",), "call_records": ("order_id",), "kb_searches": ("order_id", "article_id")}


def _plain(table: pa.Table) -> pa.Table:
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


def _shift(table: pa.Table, column: str, offset: int) -> pa.Table:
    if not offset or column not in table.column_names:
        return table
    import pyarrow.compute as pc

    i = table.column_names.index(column)
    return table.set_column(i, column, pc.add(table[column], offset))


class Loader:
    """Loads chunks of SimulatedData into one store; use as a context manager around the chunks."""

    def __init__(self, engine_or_url: Engine | str, rebuild_indexes: bool = True, page_size: int | None = None):
        url = engine_or_url if isinstance(engine_or_url, str) else engine_or_url.url.render_as_string(hide_password=False)
        self.url = normalise_url(url)
        self.sqlite = self.url.startswith("sqlite")
        self.rebuild = rebuild_indexes
        self.page_size = page_size
        self.counts = {name: 0 for name in ORDER}
        self.offsets: dict[str, int] = {}
        self.timings: dict[str, float] = {}  # seconds per table and per index rebuilt

    def __enter__(self) -> "Loader":
        if self.sqlite:
            path = create_engine(self.url).url.database
            try:
                import adbc_driver_sqlite.dbapi as adbc

                self.conn = adbc.connect(path, autocommit=True)
                self.adbc = True
            except ImportError:
                self.conn = sqlite3.connect(path, isolation_level=None)
                self.adbc = False
            cur = self.conn.cursor()
            # A bulk load into our own file: no journal, no fsync, a big page cache.
            fresh = self._scalar_cur(cur, "SELECT COUNT(*) FROM (SELECT 1 FROM work_orders LIMIT 1)") == 0
            pragmas = ["journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "foreign_keys=OFF",
                       "locking_mode=EXCLUSIVE", "temp_store=FILE", "threads=2"]
            if fresh and self.page_size:  # bigger pages: fewer splits for ~1 KB order rows
                pragmas += [f"page_size={self.page_size}", "VACUUM"]
            for pragma in pragmas:
                cur.execute(pragma if pragma == "VACUUM" else f"PRAGMA {pragma}")
                if self.adbc and pragma != "VACUUM":
                    cur.fetchall()
            self.indexes = []
            if self.rebuild:
                names = ",".join(f"'{t}'" for t in ORDER)
                cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN ({names})")
                self.indexes = [(n, q) for n, q in cur.fetchall() if n not in APPEND_FRIENDLY]
                for name, _ in self.indexes:
                    cur.execute(f'DROP INDEX "{name}"')
            cur.close()
        else:
            import psycopg

            self.conn = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))
        for table in ORDER:
            self.offsets[table] = self._scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return self

    @staticmethod
    def _scalar_cur(cur, sql: str) -> int:
        cur.execute(sql)
        return int(cur.fetchone()[0] or 0)

    def _scalar(self, sql: str) -> int:
        cur = self.conn.cursor()
        cur.execute(sql)
        value = cur.fetchone()[0]
        cur.close()
        return int(value or 0)

    def add(self, data) -> None:
        """Append one chunk (ids shifted past rows already in the store)."""
        for name in ORDER:
            table = _plain(getattr(data, name))
            if table.num_rows == 0:
                continue
            table = _shift(table, "id", self.offsets[name])
            for ref in ID_REFS.get(name, ()):
                table = _shift(table, ref, self.offsets["work_orders" if ref == "order_id" else "kb_articles"])
            t = time.perf_counter()
            self._append(name, table)
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t
            self.counts[name] += table.num_rows
        self._counters(_plain(data.order_counters))

    def _append(self, name: str, table: pa.Table) -> None:
        if not self.sqlite:
            self._copy(name, table)
            return
        cur = self.conn.cursor()
        if self.adbc:
            cur.execute("BEGIN")
            cur.adbc_ingest(name, table, mode="append")
            cur.execute("COMMIT")
        else:
            cols = ",".join(f'"{c}"' for c in table.column_names)
            marks = ",".join("?" * table.num_columns)
            cur.execute("BEGIN")
            for batch in table.to_batches(200_000):
                cur.executemany(f"INSERT INTO {name} ({cols}) VALUES ({marks})", zip(*(c.to_pylist() for c in batch.columns)))
            cur.execute("COMMIT")
        cur.close()

    def _copy(self, name: str, table: pa.Table) -> None:
        buf = io.BytesIO()
        pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
        cols = ",".join(f'"{c}"' for c in table.column_names)
        with self.conn.cursor() as cur, cur.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
        self.conn.commit()

    def _counters(self, counters: pa.Table) -> None:
        rows = list(zip(counters["day"].to_pylist(), counters["last"].to_pylist()))
        if not rows:
            return
        sql = ("INSERT INTO order_counters (day, last) VALUES ({0}, {0}) ON CONFLICT (day) DO UPDATE SET "
               "last = CASE WHEN excluded.last > order_counters.last THEN excluded.last ELSE order_counters.last END")
        cur = self.conn.cursor()
        if self.sqlite and self.adbc:
            values = ",".join(f"('{d}', {int(n)})" for d, n in rows)  # days and numbers we made ourselves
            cur.execute(sql.replace("VALUES ({0}, {0})", f"VALUES {values}").replace("{0}", ""))
        elif self.sqlite:
            cur.executemany(sql.format("?"), rows)
        else:
            cur.executemany(sql.format("%s"), rows)
            self.conn.commit()
        cur.close()

    def __exit__(self, exc_type, exc, tb) -> None:
        cur = self.conn.cursor()
        try:
            if self.sqlite:
                for name, sql in self.indexes:
                    t = time.perf_counter()
                    cur.execute(sql)
                    self.timings[name] = time.perf_counter() - t
                cur.execute("PRAGMA journal_mode=WAL")
                if self.adbc:
                    cur.fetchall()
            else:
                for table in ORDER:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))")
                self.conn.commit()
        finally:
            cur.close()
            self.conn.close()


def load(data, engine_or_url: Engine | str) -> dict[str, int]:
    """Bulk-load one SimulatedData into a migrated store whose reference data is loaded; row counts."""
    with Loader(engine_or_url) as loader:
        loader.add(data)
    return loader.counts
