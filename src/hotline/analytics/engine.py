"""The analysis copy: one DuckDB database owned by the server process, kept fresh from the store."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from hotline.analytics import daily, layout, process_orders, repeats, rollups
from hotline.analytics.bits import COMPUTED
from hotline.analytics.derived import with_order_events
from hotline.analytics.lookback import LookBack
from hotline.analytics.quality import build_reference
from hotline.analytics.quality_sql import flag_select, quote
from hotline.analytics.schema import SCHEMA_VERSION, TABLES, WORK_ORDERS, CopiedTable
from hotline.analytics.snapshot import ReadSnapshot, fetch_dicts, fetch_rows
from hotline.analytics.source import StoreSource, concat, literal, normalise, select_columns

log = logging.getLogger(__name__)

CHUNK_ROWS = 200_000
# PostgreSQL hands out ids before commit, so a row with a smaller id can become visible after a larger
# one was copied; each pull looks back this many ids (and seconds) and skips rows it already has.
LOOKBACK_IDS = {"sqlite": 0, "postgresql": 5_000}
LOOKBACK_SECONDS = 5
NEW = "__new"
# DuckDB caches up to 80% of RAM by default; the server must stay under 4 GB (issue 4). Beyond this it
# evicts cached blocks and spills large aggregates to disk instead. At 3 GB a first build at 10M orders
# peaked at 4.3 GB of RSS (DuckDB's share plus the pulled Arrow batches); answering needs ~0.6 GB.
MEMORY_LIMIT = "2GB"


class AnalyticsEngine:
    """Owns the DuckDB copy: builds it, refreshes it incrementally in a thread, answers queries."""

    def __init__(self, store_url: str, path: str = ":memory:", interval: float = 1.0,
                 memory_limit: str = MEMORY_LIMIT) -> None:
        self.store_url = store_url
        self.path = path
        self.interval = interval
        self.version = 0  # goes up whenever the copy changes; a cache key for callers
        self.refreshed_at: float | None = None
        self.last_error: str | None = None
        self._db = duckdb.connect(path, config={"memory_limit": memory_limit})
        self._write = threading.Lock()  # one writer at a time: the refresher or a rebuild
        self._source: StoreSource | None = None
        self._reference_cache: dict[str, pa.Table] = {}
        self._quality_ref = None
        # Highest copied id of each append-only table: max(id) scans the column (~0.5 s over 60M events).
        self._tops: dict[str, int] = {}
        self._lookback = LookBack()  # what each look-back re-read last: only changed rows are copied again
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self, background: bool = True) -> None:
        """Bring the copy up to date (building it if new or outdated) and start the refresher."""
        with self._write:
            if self._stored_schema_version() != SCHEMA_VERSION:
                self._create(suffix="", drop=True)
        self.refresh()
        if background and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="analytics-refresher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the refresher and close the store connection and the copy."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        with self._write:
            if self._source is not None:
                self._source.close()
                self._source = None
            self._db.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
                self.last_error = None
            except Exception as error:  # keep refreshing: a store hiccup must not stop the live figures
                self.last_error = repr(error)
                log.exception("analytics refresh failed")
                self._drop_source()

    # -- queries -----------------------------------------------------------------------------------

    def snapshot(self) -> ReadSnapshot:
        """A read transaction for one answer of several statements; close it (or use `with`)."""
        return ReadSnapshot(self._db)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own to the copy, for a caller that needs several statements; close it."""
        return self._db.cursor()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Rows of one query on the copy; safe from any thread."""
        cursor = self._db.cursor()
        try:
            return fetch_rows(cursor, sql, params)
        finally:
            cursor.close()

    def dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dictionaries keyed by column name."""
        cursor = self._db.cursor()
        try:
            return fetch_dicts(cursor, sql, params)
        finally:
            cursor.close()

    # -- building and refreshing -------------------------------------------------------------------

    def refresh(self) -> int:
        """Copy what changed in the store since the last refresh; the number of rows copied."""
        with self._write:
            changed = self._sync(self._store(), suffix="")
            self.refreshed_at = time.monotonic()
            if changed:
                self.version += 1
            return changed

    def rebuild(self) -> None:
        """Build a new copy from the store beside the live one, then swap it in at once."""
        self._create(suffix=NEW, drop=True)
        with StoreSource(self.store_url) as source:  # its own connection: the refresher uses the other
            self._sync(source, suffix=NEW)  # the bulk of the work, while the live copy keeps answering
        with self._write, StoreSource(self.store_url) as source:  # a new one sees the last commit (refresh)
            self._sync(source, suffix=NEW)  # catch up on what changed meanwhile
            self._swap()

    def _swap(self) -> None:
        """Replace the live tables by the rebuilt ones in one transaction; readers see one or the other."""
        con = self._db.cursor()
        con.execute("BEGIN")
        for table in (*TABLES, *rollups.TABLES, *daily.TABLES, _WATERMARKS):
            con.execute(f"DROP TABLE IF EXISTS {table.name}")
            con.execute(f"ALTER TABLE {table.name}{NEW} RENAME TO {table.name}")
        con.execute(f"DROP TABLE IF EXISTS {layout.PLAN}")  # a re-sort in progress goes with its table
        con.execute(f"ALTER TABLE IF EXISTS {layout.PLAN}{NEW} RENAME TO {layout.PLAN}")
        con.execute("COMMIT")
        con.close()
        self._reference_cache = {k.removesuffix(NEW): v for k, v in self._reference_cache.items() if k.endswith(NEW)}
        self._tops = {k.removesuffix(NEW): v for k, v in self._tops.items() if k.endswith(NEW)}
        self._lookback.promote(NEW)
        self.version += 1

    def _create(self, suffix: str, drop: bool) -> None:
        self._tops = {k: v for k, v in self._tops.items() if k.endswith(NEW) != bool(suffix)}  # those dropped
        self._lookback.forget(suffix)
        con = self._db.cursor()
        if drop:
            con.execute(f"DROP TABLE IF EXISTS {layout.PLAN}{suffix}")
        for table in (*TABLES, *rollups.TABLES, *daily.TABLES, _WATERMARKS):
            if drop:
                con.execute(f"DROP TABLE IF EXISTS {table.name}{suffix}")
            con.execute(table.ddl.replace(f"EXISTS {table.name} (", f"EXISTS {table.name}{suffix} ("))
        con.execute(f"INSERT INTO _watermarks{suffix} VALUES ('schema_version', {SCHEMA_VERSION})")
        con.close()

    def _stored_schema_version(self) -> int | None:
        try:
            found = self.rows("SELECT value FROM _watermarks WHERE name = 'schema_version'")
        except duckdb.CatalogException:
            return None
        return int(found[0][0]) if found else None

    def _store(self) -> StoreSource:
        if self._source is None:
            self._source = StoreSource(self.store_url)
        return self._source

    def _drop_source(self) -> None:
        with self._write:
            if self._source is not None:
                try:
                    self._source.close()
                finally:
                    self._source = None

    def _sync(self, source: StoreSource, suffix: str) -> int:
        """Pull every table's changes into the tables named with `suffix`; rows copied."""
        con = self._db.cursor()
        try:
            changed = 0
            for table in TABLES:
                if table.mode == "replace":
                    changed += self._sync_replace(con, source, table, suffix)
            # Events before orders: an order changed after this pull leaves an event the next pull sees.
            new_order_ids = self._sync_append(con, source, _table("order_events"), suffix, collect="order_id")
            changed += len(new_order_ids)
            changed += self._sync_upsert(con, source, WORK_ORDERS, suffix, new_order_ids)
            daily.fill(con, suffix)  # any order rollup not filled yet (a first build, an older copy), once
            # Once a month the tail is sorted, in steps (layout.py); the settled orders' process rows with it.
            layout.recluster(con, f"work_orders{suffix}", suffix, also=(f"{process_orders.TABLE.name}{suffix}",))
            call_top = self._top(con, f"call_records{suffix}")
            for name in ("call_records", "agent_shifts", "kb_searches"):
                changed += len(self._sync_append(con, source, _table(name), suffix))
            called_back: list[datetime] = []
            changed += self._sync_changed_calls(con, source, suffix, called_back)
            if not rollups.fill(con, suffix):
                rollups.touch(con, suffix, rollups.halves_since(con, suffix, call_top) + called_back)
            changed += self._sync_upsert(con, source, _table("kb_articles"), suffix, set())
            return changed
        finally:
            con.close()

    def _sync_replace(self, con, source: StoreSource, table: CopiedTable, suffix: str) -> int:
        fresh = source.fetch(f"SELECT {select_columns(table)} FROM {table.name}")
        key = table.name + suffix
        if key in self._reference_cache and self._reference_cache[key].equals(fresh):
            return 0
        con.execute("BEGIN")
        con.execute(f"DELETE FROM {key}")
        _insert(con, table, key, fresh)
        con.execute("COMMIT")
        self._reference_cache[key] = fresh
        self._quality_ref = None  # names changed: the checks read them
        return fresh.num_rows

    def _sync_append(self, con, source: StoreSource, table: CopiedTable, suffix: str,
                     collect: str | None = None) -> set[int]:
        """Rows with ids above the copy's highest; returns the `collect` column's values (or the ids)."""
        name = table.name + suffix
        top = self._top(con, name)
        start = max(top - LOOKBACK_IDS[source.backend], 0)
        seen: set[int] = set()
        while True:
            batch = source.fetch(f"SELECT {select_columns(table)} FROM {table.name} WHERE id > {start} "
                                 f"ORDER BY id LIMIT {CHUNK_ROWS}")
            if batch.num_rows == 0:
                break
            pulled, last = batch.num_rows, pc.max(batch.column("id")).as_py()
            con.execute("BEGIN")
            if start < top:  # only the look-back range can hold rows we already have
                batch = _without_known(con, name, batch, start)
            _insert(con, table, name, batch, self._deriver(table, suffix))
            con.execute("COMMIT")
            seen.update(batch.column(collect or "id").to_pylist())
            start = last
            self._tops[name] = max(self._tops[name], last)  # committed: the next pull starts above
            if pulled < CHUNK_ROWS:
                break
        seen.discard(None)
        return seen

    def _top(self, con, name: str) -> int:
        if name not in self._tops:
            self._tops[name] = con.execute(f"SELECT coalesce(max(id), 0) FROM {name}").fetchone()[0]
        return self._tops[name]

    def _sync_upsert(self, con, source: StoreSource, table: CopiedTable, suffix: str, touched: set[int]) -> int:
        """New rows by id, then changed rows: by updated_at and by the ids the events name."""
        name = table.name + suffix
        top, newest = con.execute(f"SELECT coalesce(max(id), 0), max(updated_at) FROM {name}").fetchone()
        copied = len(self._sync_append(con, source, table, suffix)) if top == 0 else 0
        if top == 0:
            if table is WORK_ORDERS and copied:  # the first fill, in id order: sorted for the zone maps
                layout.cluster(con, name, suffix)
            return copied
        cols = select_columns(table)
        reread = concat([])
        if newest is not None:
            since = newest - timedelta(seconds=LOOKBACK_SECONDS)
            reread = source.fetch(f"SELECT {cols} FROM {table.name} WHERE updated_at >= {literal(since)}")
        parts = [self._lookback.unseen(table.name, suffix, reread)]  # lookback.py: only rows that changed
        parts.append(source.fetch(f"SELECT {cols} FROM {table.name} WHERE id > {literal(top)}"))
        ids = sorted(touched)
        for i in range(0, len(ids), 5_000):
            listed = ",".join(str(x) for x in ids[i:i + 5_000] if x <= top)
            if listed:
                parts.append(source.fetch(f"SELECT {cols} FROM {table.name} WHERE id IN ({listed})"))
        batch = concat(parts)
        if batch.num_rows == 0:
            self._lookback.remember(table.name, suffix, reread)
            return 0
        con.execute("BEGIN")
        con.register("_changed", batch)
        changed_rows = f"(SELECT * FROM {name} WHERE id IN (SELECT id FROM _changed))"
        before = con.sql(changed_rows).to_arrow_table() if table is WORK_ORDERS else None
        con.execute(f"DELETE FROM {name} WHERE id IN (SELECT id FROM _changed)")
        _insert(con, table, name, batch, self._deriver(table, suffix, source), dedupe=True)
        con.unregister("_events")
        if before is not None:  # the order rollups follow the replaced rows (daily.py)
            highest = max(top, pc.max(batch.column("id")).as_py())
            daily.apply(con, suffix, before, con.sql(changed_rows).to_arrow_table(),
                        lambda phones: _phone_orders(source, phones, highest))
        con.unregister("_changed")
        con.execute("COMMIT")
        self._lookback.remember(table.name, suffix, reread, batch)
        return batch.num_rows

    def _sync_changed_calls(self, con, source: StoreSource, suffix: str, halves: list[datetime]) -> int:
        """Call rows that changed in place since the copy's newest change (a missed call called back sets
        updated_at): replace them whole; their half-hours are added to `halves`, for the rollups."""
        name = "call_records" + suffix
        top, newest = con.execute(f"SELECT max(id), max(updated_at) FROM {name}").fetchone()
        if top is None:
            return 0
        since = f" AND updated_at >= {literal(newest - timedelta(seconds=LOOKBACK_SECONDS))}" if newest else ""
        reread = source.fetch(f"SELECT {select_columns(_table('call_records'))} FROM call_records "
                              f"WHERE updated_at IS NOT NULL{since}")
        # Rows above `top` are new ones, which the append pull copies whole. (Cut here, not in the SQL:
        # with `id <= top` there SQLite walks the whole table by rowid instead of the updated_at index.)
        reread = reread.filter(pc.less_equal(reread.column("id"), top)) if reread.num_rows else reread
        batch = self._lookback.unseen("call_records", suffix, reread)  # lookback.py: only rows that changed
        if batch.num_rows == 0:
            self._lookback.remember("call_records", suffix, reread)
            return 0
        con.execute("BEGIN")
        con.register("_changed", normalise(batch))
        # The look-back re-reads rows already copied (and two changes may share a second): only rows
        # whose copy differs from the store's are replaced.
        table = _table("call_records")
        differs = " OR ".join(f'c."{n}" IS DISTINCT FROM CAST(n."{n}" AS {t})' for n, t in table.columns if n != "id")
        stale = con.execute(f"SELECT c.id, {rollups.HALF.replace('queued_at', 'c.queued_at')} FROM {name} c "
                            f"JOIN _changed n USING (id) WHERE {differs}").fetchall()
        con.unregister("_changed")
        if stale:
            ids = pa.array([r[0] for r in stale], pa.int64())
            con.execute(f"DELETE FROM {name} WHERE id IN ({','.join(str(r[0]) for r in stale)})")
            _insert(con, table, name, batch.filter(pc.is_in(batch.column("id"), ids)))
            halves += sorted({r[1] for r in stale})
        con.execute("COMMIT")
        self._lookback.remember("call_records", suffix, reread)  # the copy now holds every re-read row
        return len(stale)

    def _deriver(self, table: CopiedTable, suffix: str, store: StoreSource | None = None):
        """How a table's derived columns are computed at copy time: a function of the rows' SELECT.
        With `store`, the orders' events are read from the store (see _order_select)."""
        if table is WORK_ORDERS:
            return lambda con, source, batch: self._order_select(con, source, batch, suffix, store)
        return None

    def _order_select(self, con, source: str, batch: pa.Table, suffix: str, store: StoreSource | None) -> str:
        """The orders with their quality flags (from the texts, which the copy does not keep) and the
        columns derived from their events (derived.py)."""
        if self._quality_ref is None:
            districts = con.execute(f"SELECT code, name FROM regions{suffix} WHERE level = 'district'").fetchall()
            categories = con.execute(f"SELECT code, name, parent FROM categories{suffix}").fetchall()
            self._quality_ref = build_reference(districts, categories)
        lo, hi = (x.as_py() for x in pc.min_max(batch.column("id")).values())
        events = f"order_events{suffix}"
        if store is not None:
            # A refresh's few changed orders are scattered over the copy's events, which have no index
            # by order: a scan of them all would cost ~1 s at 10M orders on every refresh. The store
            # has that index. Events newer than the copy's re-copy the order at the next pull anyway.
            table, ids = _table("order_events"), pc.unique(batch.column("id")).to_pylist()
            pulled = concat([store.fetch(f"SELECT {select_columns(table)} FROM order_events WHERE order_id IN "
                                         f"({','.join(str(int(x)) for x in ids[i:i + 5_000])})")
                             for i in range(0, len(ids), 5_000)])
            events = f"(SELECT * FROM order_events{suffix} WHERE false)"
            if pulled.num_rows:
                con.register("_events", normalise(pulled))  # unregistered by _sync_upsert
                events = "(SELECT " + ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in table.columns) + " FROM _events)"
        return with_order_events(flag_select(self._quality_ref, source), f"SELECT id FROM {source}",
                                 events, int(lo), int(hi))


_WATERMARKS = CopiedTable("_watermarks", (("name", "VARCHAR"), ("value", "BIGINT")), "replace")


def _table(name: str) -> CopiedTable:
    return next(t for t in TABLES if t.name == name)


def _insert(con, table: CopiedTable, name: str, batch: pa.Table, derive=None, dedupe: bool = False) -> None:
    """Insert Arrow rows into a copy table, adding its derived columns and casting each column to its type."""
    if batch.num_rows == 0:
        return
    batch = normalise(batch)
    if table.extra and derive is None:
        raise AssertionError(f"{table.name} needs its derived columns")
    columns = table.columns + table.extra
    computed = COMPUTED if table is WORK_ORDERS else {}
    select = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in columns if n not in computed)
    # Computed columns read the others after their casts (a SQLite timestamp arrives as text).
    outer = ", ".join(f'CAST(({computed[n]}) AS {t})' if n in computed else f'"{n}"' for n, t in columns)
    if dedupe:  # the same row fetched twice in one pull: keep the later fetch
        batch = batch.append_column("_seq", pa.array(range(batch.num_rows), pa.int64()))
    con.register("_batch", batch)
    source = "(SELECT DISTINCT ON (id) * FROM _batch ORDER BY id, _seq DESC)" if dedupe else "_batch"
    if derive is not None:
        source = f"({derive(con, source, batch)})"
    con.execute(f"INSERT INTO {name} SELECT {outer} FROM (SELECT {select} FROM {source})")
    con.unregister("_batch")


def _phone_orders(source: StoreSource, phones: list[str], highest: int) -> pa.Table:
    """Every order of these phones up to id `highest` (the copy's), from the store's index by phone."""
    parts = [source.fetch(f"SELECT {', '.join(repeats.KEY)} FROM work_orders WHERE id <= {int(highest)} AND "
                          f"citizen_phone IN ({', '.join(quote(p) for p in phones[i:i + 1_000])})")
             for i in range(0, len(phones), 1_000)]
    return normalise(concat(parts))


def _without_known(con, name: str, batch: pa.Table, start: int) -> pa.Table:
    con.register("_pulled", batch)
    known = {r[0] for r in con.execute(f"SELECT p.id FROM _pulled p JOIN {name} c ON c.id = p.id AND c.id > {start}").fetchall()}
    con.unregister("_pulled")
    if not known:
        return batch
    return batch.filter(pc.invert(pc.is_in(batch.column("id"), pa.array(sorted(known), pa.int64()))))


