"""Where the copy's orders lie on disk: grouped by month, then district and category, so that a filtered
query reads only the row groups of its month and district.

DuckDB skips a row group (and runs of vectors inside one) when its min/max cannot match a filter. Orders
copied in id order put a month's orders of every district side by side: a one-month, one-district query
at 10M orders read ~6 row groups (~740k rows) for ~41k orders. Sorted by (month, district, category_l1,
category, created_at) the district's orders of a month are one run, and the month's edges stay sharp.
The newest month, still growing, stays in id order: "today" is then a few row groups at the end.

Only the layout changes, never a row: `cluster` moves rows inside one transaction, and every reader sees
either all of them before or all after. A refresh appends new and changed orders at the end, in id order
(as before); once the newest order opens a new month, `recluster` sorts that tail (the months since the
last sort, and the older orders changed since), so settled months keep their runs. It does so in steps:
first a plan (the tail's ids in their new order, from the key columns only), then at most STEP_ROWS
orders per refresh, each step one transaction that moves its orders to the end of the table. Sorting the
~600k orders of a month's tail at 10M orders in one go held the refresher for ~5 s, and new orders with
it; in steps, a refresh is never held for more than one step. The few orders that arrive meanwhile lie
between the steps' runs; the next month's re-sort takes them with the rest of its tail.
A changed old order is deleted from its run and appended: its run loses a row, the tail gains one. The
next recluster sorts the tail in ORDER but leaves it after the settled runs, so a filtered month then reads
its run plus its part of each re-sorted tail (most orders close in the month after they came in); a
rebuild puts every order back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

ORDER = "date_trunc('month', created_at), district, category_l1, category, created_at, id"
# _watermarks rows: orders created before SORTED_BEFORE (epoch microseconds) and last changed before
# SORTED_CHANGES (the store's updated_at, epoch microseconds) lie in their sorted place.
SORTED_BEFORE = "orders sorted before"
SORTED_CHANGES = "orders sorted changes"
# A re-sort in progress: its plan (ids in their new order) and the marks it will record once done.
PLAN = "_resort"
PLAN_BEFORE = "resort before"
PLAN_CHANGES = "resort changes"
# Orders one refresh moves at most: ~0.5 s of writing at 10M orders, so new orders keep flowing meanwhile.
STEP_ROWS = 50_000
EPOCH = datetime(1970, 1, 1)


def cluster(con, name: str, suffix: str) -> None:
    """Sort all of `name`'s rows (a table shaped like work_orders) into ORDER, in one transaction. Month
    by month: each month's sort fits in memory, and its rows are found by the zone maps of a table still
    in id (so time) order."""
    months = [r[0] for r in con.execute(
        f"SELECT DISTINCT date_trunc('month', created_at) AS m FROM {name} ORDER BY m NULLS LAST").fetchall()]
    sorting = f"{name}_sorting"
    con.execute("BEGIN")
    con.execute(f"CREATE TABLE {sorting} AS SELECT * FROM {name} LIMIT 0")
    settled = [m for m in months if m is not None][:-1]  # the newest month is still growing: see _place
    for month in settled:
        con.execute(f"INSERT INTO {sorting} SELECT * FROM {name} WHERE created_at >= ? AND created_at < ? "
                    f"ORDER BY {ORDER}", [month, _next_month(month)])
    _place(con, sorting, name, "created_at >= ? OR created_at IS NULL",
           [_next_month(settled[-1]) if settled else datetime.min])
    con.execute(f"DROP TABLE {name}")
    con.execute(f"ALTER TABLE {sorting} RENAME TO {name}")
    _mark(con, name, suffix)
    con.execute("COMMIT")


def recluster(con, name: str, suffix: str, step_rows: int | None = STEP_ROWS, also: tuple[str, ...] = ()) -> bool:
    """Sort the tail appended since the last sort once an order of a later month has arrived, at most
    `step_rows` orders per call (None: all at once); whether it moved anything. The tables named in `also`
    (rows keyed by order id, appended when their order changes) have their rows of the same orders moved
    in the same order. In the other refreshes: two look-ups that read only the tail's row groups, and one
    in the catalogue."""
    plan = f"{PLAN}{suffix}"
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' "
                       "AND NOT temporary", [plan]).fetchone()[0]:
        marks = dict(con.execute(f"SELECT name, value FROM _watermarks{suffix} WHERE name IN (?, ?)",
                                 [SORTED_BEFORE, SORTED_CHANGES]).fetchall())
        if marks.get(SORTED_BEFORE) is None:
            # Nothing sorted yet: an empty copy (its first fill sorts it all), or a first fill cut short.
            if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT 1)").fetchone()[0] == 0:
                return False
            cluster(con, name, suffix)
            return True
        if not _planned(con, name, suffix, _from_micros(marks[SORTED_BEFORE]),
                        _from_micros(marks.get(SORTED_CHANGES))):
            return False
    while not _step(con, (name, *also), suffix, step_rows) and step_rows is None:
        pass
    return True


def _planned(con, name: str, suffix: str, before: datetime, changes: datetime | None) -> bool:
    """Write the plan of a re-sort (the tail's ids in the order they will lie) if an order of a month
    after `before`'s has arrived; whether it did. Reads only the key columns."""
    later = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} WHERE created_at >= ? LIMIT 1)",
                        [_next_month(before)]).fetchone()[0]
    if not later:
        return False
    tail = "created_at >= ? OR created_at IS NULL" + (" OR updated_at >= ?" if changes else "")
    newest, changed = con.execute(f"SELECT max(created_at), max(updated_at) FROM {name}").fetchone()
    newest = _month_start(newest)
    con.execute("BEGIN")
    # The newest month's orders go last, in id order (_place): they are still arriving.
    con.execute(f"CREATE TABLE {PLAN}{suffix} AS SELECT id, row_number() OVER (ORDER BY "
                f"coalesce(created_at >= ?, true), CASE WHEN coalesce(created_at >= ?, true) THEN id END, {ORDER}) "
                f"AS seq FROM {name} WHERE {tail}", [newest, newest, before] + ([changes] if changes else []))
    _set_marks(con, suffix, (PLAN_BEFORE, _micros(newest)), (PLAN_CHANGES, _micros(changed)))
    con.execute("COMMIT")
    return True


def _step(con, names: tuple[str, ...], suffix: str, step_rows: int | None) -> bool:
    """Move the plan's next `step_rows` orders (or all) to the end of each table, in the plan's order, in
    one transaction; whether the plan is done. An order changed since the plan moves as it is now: its
    change is newer than the plan's mark, so the next re-sort takes it again."""
    plan = f"{PLAN}{suffix}"
    con.execute("BEGIN")
    lo = con.execute(f"SELECT min(seq) FROM {plan}").fetchone()[0]
    if lo is not None:
        hi = lo + step_rows if step_rows is not None else None
        chunk = f"seq < {hi}" if hi is not None else "TRUE"
        for name in names:
            con.execute(f"CREATE TEMP TABLE _moving AS SELECT p.seq AS _seq, w.* FROM {name} w JOIN {plan} p "
                        f"USING (id) WHERE {chunk}")
            con.execute(f"DELETE FROM {name} WHERE id IN (SELECT id FROM {plan} WHERE {chunk})")
            con.execute(f"INSERT INTO {name} SELECT * EXCLUDE (_seq) FROM _moving ORDER BY _seq")
            con.execute("DROP TABLE _moving")
        con.execute(f"DELETE FROM {plan} WHERE {chunk}")
    done = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {plan} LIMIT 1)").fetchone()[0] == 0
    if done:
        marks = dict(con.execute(f"SELECT name, value FROM _watermarks{suffix} WHERE name IN (?, ?)",
                                 [PLAN_BEFORE, PLAN_CHANGES]).fetchall())
        con.execute(f"DROP TABLE {plan}")
        con.execute(f"DELETE FROM _watermarks{suffix} WHERE name IN (?, ?)", [PLAN_BEFORE, PLAN_CHANGES])
        # The plan and its marks are written in one transaction and swapped or dropped together (engine.py).
        _set_marks(con, suffix, (SORTED_BEFORE, marks[PLAN_BEFORE]), (SORTED_CHANGES, marks.get(PLAN_CHANGES)))
    con.execute("COMMIT")
    return done


def _place(con, into: str, source: str, where: str, params: list) -> None:
    """Append the newest month's orders in id order, unsorted: they are still arriving (the tail a refresh
    appends to is in id order anyway), and "today" or "the last hours" are then a few rows at the end
    rather than a slice of every district's run."""
    con.execute(f"INSERT INTO {into} SELECT * FROM {source} WHERE {where} ORDER BY id", params)


def _mark(con, name: str, suffix: str) -> None:
    """Record that the orders up to the newest one's month, and their changes so far, are sorted."""
    newest, changed = con.execute(f"SELECT max(created_at), max(updated_at) FROM {name}").fetchone()
    if newest is None:
        _set_marks(con, suffix)
        return
    # The newest month is left in id order (_place): the next recluster sorts it, once it is settled.
    _set_marks(con, suffix, (SORTED_BEFORE, _micros(_month_start(newest))), (SORTED_CHANGES, _micros(changed)))


def _set_marks(con, suffix: str, *marks: tuple[str, int | None]) -> None:
    """Replace the sort marks (or, given none, remove them)."""
    names = [n for n, _ in marks] or [SORTED_BEFORE, SORTED_CHANGES]
    con.execute(f"DELETE FROM _watermarks{suffix} WHERE name IN ({', '.join('?' * len(names))})", names)
    for mark in marks:
        con.execute(f"INSERT INTO _watermarks{suffix} VALUES (?, ?)", list(mark))


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(moment: datetime) -> datetime:
    return (_month_start(moment) + timedelta(days=32)).replace(day=1)


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + timedelta(microseconds=int(value))
