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
last sort, and the older orders changed since), so settled months keep their runs. A changed old order
is deleted from its run and appended: its run loses a row, the tail gains one. The next recluster sorts the
tail in ORDER but leaves it after the settled runs, so a filtered month then reads its run plus its part of
each re-sorted tail (most orders close in the month after they came in); a rebuild puts every order back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

ORDER = "date_trunc('month', created_at), district, category_l1, category, created_at, id"
# _watermarks rows: orders created before SORTED_BEFORE (epoch microseconds) and last changed before
# SORTED_CHANGES (the store's updated_at, epoch microseconds) lie in their sorted place.
SORTED_BEFORE = "orders sorted before"
SORTED_CHANGES = "orders sorted changes"
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


def recluster(con, name: str, suffix: str) -> bool:
    """Sort the tail appended since the last sort once an order of a later month has arrived; whether it
    did. In the other refreshes: two look-ups that read only the tail's row groups."""
    marks = dict(con.execute(f"SELECT name, value FROM _watermarks{suffix} WHERE name IN (?, ?)",
                             [SORTED_BEFORE, SORTED_CHANGES]).fetchall())
    if marks.get(SORTED_BEFORE) is None:
        # Nothing sorted yet: an empty copy (its first fill sorts it all), or a first fill cut short.
        if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT 1)").fetchone()[0] == 0:
            return False
        cluster(con, name, suffix)
        return True
    before, changes = _from_micros(marks[SORTED_BEFORE]), _from_micros(marks.get(SORTED_CHANGES))
    later = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} WHERE created_at >= ? LIMIT 1)",
                        [_next_month(before)]).fetchone()[0]
    if not later:
        return False
    tail = "created_at >= ? OR created_at IS NULL" + (" OR updated_at >= ?" if changes else "")
    params = [before] + ([changes] if changes else [])
    con.execute("BEGIN")
    con.execute(f"CREATE TEMP TABLE _tail AS SELECT * FROM {name} WHERE {tail}", params)
    con.execute(f"DELETE FROM {name} WHERE {tail}", params)
    newest = _month_start(con.execute("SELECT max(created_at) FROM _tail").fetchone()[0])
    con.execute(f"INSERT INTO {name} SELECT * FROM _tail WHERE created_at < ? ORDER BY {ORDER}", [newest])
    _place(con, name, "_tail", "created_at >= ? OR created_at IS NULL", [newest])
    con.execute("DROP TABLE _tail")
    _mark(con, name, suffix)
    con.execute("COMMIT")
    return True


def _place(con, into: str, source: str, where: str, params: list) -> None:
    """Append the newest month's orders in id order, unsorted: they are still arriving (the tail a refresh
    appends to is in id order anyway), and "today" or "the last hours" are then a few rows at the end
    rather than a slice of every district's run."""
    con.execute(f"INSERT INTO {into} SELECT * FROM {source} WHERE {where} ORDER BY id", params)


def _mark(con, name: str, suffix: str) -> None:
    """Record that the orders up to the newest one's month, and their changes so far, are sorted."""
    newest, changed = con.execute(f"SELECT max(created_at), max(updated_at) FROM {name}").fetchone()
    con.execute(f"DELETE FROM _watermarks{suffix} WHERE name IN (?, ?)", [SORTED_BEFORE, SORTED_CHANGES])
    if newest is None:
        return
    # The newest month is left in id order (_place): the next recluster sorts it, once it is settled.
    con.execute(f"INSERT INTO _watermarks{suffix} VALUES (?, ?), (?, ?)",
                [SORTED_BEFORE, _micros(_month_start(newest)), SORTED_CHANGES, _micros(changed)])


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(moment: datetime) -> datetime:
    return (_month_start(moment) + timedelta(days=32)).replace(day=1)


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + timedelta(microseconds=int(value))
