"""Bulk loading of simulated tables into a migrated store: SQLite in big transactions, PostgreSQL COPY.

SQLite takes Arrow batches through the ADBC SQLite driver when it is installed (C binding, no
Python object per value) and plain sqlite3 executemany otherwise. Secondary indexes are dropped
before and rebuilt after a load (one sort per index beats millions of B-tree inserts).

One SQLite file has one writer, so a load into one file uses one core. To use the second core,
call_records (a third of the rows, and the costliest index to sort: callers arrive in random
order) go into a side file written by a second thread, which also builds their indexes; at the end
one `INSERT INTO call_records SELECT * FROM side.call_records` copies table and indexes in (SQLite's
transfer optimisation: records and index entries copied as they are, in order, not re-sorted).
Measured on 1M orders: ingest + indexes of the calls 8.4 s of CPU off the main writer, copy 2.3 s.
"""

from __future__ import annotations

import io
import os
import queue
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Engine, create_engine

from hotline.db import normalise_url

# Parents first, so foreign keys point at rows already there.
ORDER = ("kb_articles", "work_orders", "order_events", "call_records", "agent_shifts", "kb_searches")
# Every secondary index is dropped and rebuilt: measured on 1M orders, keeping even the indexes
# whose keys arrive in ascending order made inserts slower than their rebuild costs.
APPEND_FRIENDLY: set[str] = set()
ID_REFS = {"order_events": ("order_id",), "call_records": ("order_id",), "kb_searches": ("order_id", "article_id")}
# Tables written through the side file (SQLite only); see the module's docstring.
SIDE = ("call_records",)
# A bulk load into our own file: no journal, no fsync. A bigger page cache did not make the index
# sorts faster (the sorter's in-memory runs are sized from it; 20 MB to 1 GB measured alike, the
# smaller a little faster), and each of the two writers' sorters may hold three runs: keep it small.
PRAGMAS = ("journal_mode=OFF", "synchronous=OFF", "cache_size=-65536", "foreign_keys=OFF",
           "locking_mode=EXCLUSIVE", "temp_store=FILE", "threads=2")
# Page size given to a store that has no orders yet: 16 KB pages took 10% less CPU to fill and 15%
# less to index than 4 KB ones (1M orders; fewer page writes and splits for ~700-byte order rows).
PAGE_SIZE = 16384


def _plain(table: pa.Table) -> pa.Table:
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


def _shift(table: pa.Table, column: str, offset: int) -> pa.Table:
    if not offset or column not in table.column_names:
        return table
    i = table.column_names.index(column)
    return table.set_column(i, column, pc.add(table[column], offset))


def _connect(path: str):
    """(connection, whether it is ADBC) for an SQLite file, with the bulk-load pragmas set."""
    try:
        import adbc_driver_sqlite.dbapi as adbc

        conn, is_adbc = adbc.connect(path, autocommit=True), True
    except ImportError:
        conn, is_adbc = sqlite3.connect(path, isolation_level=None, check_same_thread=False), False
    return conn, is_adbc


def _pragma(cur, is_adbc: bool, pragma: str) -> None:
    cur.execute(pragma if pragma == "VACUUM" else f"PRAGMA {pragma}")
    if is_adbc and pragma != "VACUUM":
        cur.fetchall()


def _ingest(conn, is_adbc: bool, name: str, table: pa.Table) -> None:
    """Append a table's rows in one transaction."""
    cur = conn.cursor()
    try:
        cur.execute("BEGIN")
        if is_adbc:
            cur.adbc_ingest(name, table, mode="append")
        else:
            cols = ",".join(f'"{c}"' for c in table.column_names)
            marks = ",".join("?" * table.num_columns)
            for batch in table.to_batches(200_000):
                cur.executemany(f"INSERT INTO {name} ({cols}) VALUES ({marks})", zip(*(c.to_pylist() for c in batch.columns)))
        cur.execute("COMMIT")
    finally:
        cur.close()


class _SideWriter(threading.Thread):
    """Writes some tables into a file of their own and builds their indexes there (second core)."""

    def __init__(self, path: str, pragmas: tuple[str, ...], schema: list[str], indexes: list[tuple[str, str]]):
        super().__init__(name="simulate-side-writer", daemon=True)
        self.path, self.pragmas, self.schema, self.indexes = path, pragmas, schema, indexes
        self.inbox: queue.Queue = queue.Queue(maxsize=2)  # a chunk or two of calls: bounded memory
        self.error: BaseException | None = None
        self.cancelled = False  # the load failed: skip the indexes
        self.timings: dict[str, float] = {}

    def run(self) -> None:
        conn, cpu, ended = None, time.thread_time(), False
        try:
            conn, is_adbc = _connect(self.path)
            cur = conn.cursor()
            for pragma in self.pragmas:
                _pragma(cur, is_adbc, pragma)
            for sql in self.schema:
                cur.execute(sql)
            cur.close()
            while (item := self.inbox.get()) is not None:
                t = time.perf_counter()
                _ingest(conn, is_adbc, *item)
                self.timings[item[0]] = self.timings.get(item[0], 0.0) + time.perf_counter() - t
            ended = True
            cur = conn.cursor()
            for name, sql in [] if self.cancelled else self.indexes:
                t = time.perf_counter()
                cur.execute(sql)
                self.timings[name] = time.perf_counter() - t
            cur.close()
        except BaseException as exc:  # raised by the loader at the end; take what still comes so no one blocks
            self.error = exc
            while not ended and self.inbox.get() is not None:
                pass
        finally:
            if conn is not None:
                conn.close()
            self.timings["cpu"] = time.thread_time() - cpu

    def finish(self) -> None:
        """Tell the writer no more rows are coming (it then builds the indexes)."""
        self.inbox.put(None)


class Loader:
    """Loads chunks of SimulatedData into one store; use as a context manager around the chunks."""

    def __init__(self, engine_or_url: Engine | str, rebuild_indexes: bool = True, page_size: int | None = PAGE_SIZE,
                 side_file: bool = True):
        url = engine_or_url if isinstance(engine_or_url, str) else engine_or_url.url.render_as_string(hide_password=False)
        self.url = normalise_url(url)
        self.sqlite = self.url.startswith("sqlite")
        self.rebuild = rebuild_indexes
        self.page_size = page_size
        self.use_side = side_file
        self.side: _SideWriter | None = None
        self.counts = {name: 0 for name in ORDER}
        self.offsets: dict[str, int] = {}
        self.timings: dict[str, float] = {}  # seconds per table and per index rebuilt

    def __enter__(self) -> "Loader":
        if self.sqlite:
            path = create_engine(self.url).url.database
            self.conn, self.adbc = _connect(path)
            cur = self.conn.cursor()
            fresh = self._scalar_cur(cur, "SELECT COUNT(*) FROM (SELECT 1 FROM work_orders LIMIT 1)") == 0
            pragmas = list(PRAGMAS)
            current = self._scalar_cur(cur, "PRAGMA page_size")
            if fresh and self.page_size and self.page_size != current:  # see PAGE_SIZE
                pragmas += [f"page_size={self.page_size}", "VACUUM"]
            for pragma in pragmas:
                _pragma(cur, self.adbc, pragma)
            names = ",".join(f"'{t}'" for t in ORDER)
            cur.execute(f"SELECT name, sql, tbl_name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN ({names})")
            found = cur.fetchall()
            side = [t for t in SIDE if self.use_side and path and path != ":memory:"
                    and self._scalar_cur(cur, f"SELECT COUNT(*) FROM (SELECT 1 FROM {t} LIMIT 1)") == 0]
            # Indexes of the side tables stay: their (empty) tables are filled by the copy at the end.
            self.indexes = [(n, q) for n, q, t in found if self.rebuild and t not in side and n not in APPEND_FRIENDLY]
            for name, _ in self.indexes:
                cur.execute(f'DROP INDEX "{name}"')
            if side:
                cur.execute(f"SELECT sql FROM sqlite_master WHERE type='table' AND name IN ({','.join(repr(t) for t in side)})")
                schema = [r[0] for r in cur.fetchall()]
                fd, side_path = tempfile.mkstemp(prefix=Path(path).name + ".", suffix=".side", dir=Path(path).resolve().parent)
                os.close(fd)
                os.unlink(side_path)  # SQLite makes the file itself
                pragmas = (f"page_size={self._scalar_cur(cur, 'PRAGMA page_size')}", *PRAGMAS)  # as the store's
                self.side = _SideWriter(side_path, pragmas, schema, [(n, q) for n, q, t in found if t in side])
                self.side.start()
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

    def prepare(self, data) -> dict[str, pa.Table]:
        """A chunk's tables as the store takes them (plain text, ids shifted past rows already there).

        Thread-safe and independent of what was loaded before, so the generating thread can do it
        while the writer is busy with the previous chunk.
        """
        tables = {}
        for name in ORDER:
            table = _plain(getattr(data, name))
            table = _shift(table, "id", self.offsets[name])
            for ref in ID_REFS.get(name, ()):
                table = _shift(table, ref, self.offsets["work_orders" if ref == "order_id" else "kb_articles"])
            tables[name] = table
        tables["order_counters"] = _plain(data.order_counters)
        return tables

    def add(self, data) -> None:
        """Append one chunk (a SimulatedData, or what prepare() made of one)."""
        tables = data if isinstance(data, dict) else self.prepare(data)
        for name in ORDER:
            table = tables[name]
            if table.num_rows == 0:
                continue
            t = time.perf_counter()
            if self.side is not None and name in SIDE:
                self.side.inbox.put((name, table))
            elif self.sqlite:
                _ingest(self.conn, self.adbc, name, table)
            else:
                self._copy(name, table)
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t
            self.counts[name] += table.num_rows
        self._counters(tables["order_counters"])

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

    def _merge_side(self, cur) -> None:
        """Wait for the side writer, then copy its tables (rows and index entries) into the store."""
        side = self.side
        side.join()
        self.timings.update({f"side:{k}": v for k, v in side.timings.items()})
        if side.error is not None:
            raise side.error
        t = time.perf_counter()
        cur.execute(f"ATTACH DATABASE '{side.path}' AS side")
        for name in SIDE:
            cur.execute("BEGIN")
            cur.execute(f"INSERT INTO main.{name} SELECT * FROM side.{name}")
            cur.execute("COMMIT")
        cur.execute("DETACH DATABASE side")
        self.timings["side:copy"] = time.perf_counter() - t

    def __exit__(self, exc_type, exc, tb) -> None:
        cur = self.conn.cursor()
        try:
            if self.sqlite:
                if self.side is not None:
                    self.side.cancelled = exc_type is not None
                    self.side.finish()  # its indexes are sorted on the other core while ours are
                if exc_type is None:
                    for name, sql in self.indexes:
                        t = time.perf_counter()
                        cur.execute(sql)
                        self.timings[name] = time.perf_counter() - t
                    if self.side is not None:
                        self._merge_side(cur)
                else:  # leave a usable store behind: indexes back, side rows dropped
                    for _, sql in self.indexes:
                        cur.execute(sql)
                _pragma(cur, self.adbc, "journal_mode=WAL")
            else:
                for table in ORDER:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))")
                self.conn.commit()
        finally:
            cur.close()
            self.conn.close()
            if self.side is not None:
                self.side.join()
                for suffix in ("", "-journal", "-wal", "-shm"):
                    Path(self.side.path + suffix).unlink(missing_ok=True)


def load(data, engine_or_url: Engine | str) -> dict[str, int]:
    """Bulk-load one SimulatedData into a migrated store whose reference data is loaded; row counts."""
    with Loader(engine_or_url) as loader:
        loader.add(data)
    return loader.counts
