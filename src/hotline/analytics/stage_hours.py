"""The settled orders' time at each lifecycle stage, one row per order and stage, kept in bucket order.

process.py gives each stage's exact median and p90 over any window (stages.py). Sorting a year of stage
times took most of a second at 10M orders; instead the daily rollup BY_STAGE (daily.py) counts them by
day, stage and bucket, the counts say which bucket holds each rank asked for, and only that bucket's
times are read from this table. Its rows are written in (stage, bucket, created_at) order, so DuckDB reads
only the row groups whose min/max can hold the bucket and the window (rows added later by a refresh land
in a few unsorted row groups at the end; a rebuild sorts them again).

Settled orders only (not bits.PENDING): their stage times no longer change, so a refresh mostly adds rows.
A pending order's last stage grows with now; stages.py reads those from pending_orders at query time.
"""

from __future__ import annotations

from hotline.analytics.bits import IS_PENDING
from hotline.analytics.schema import CopiedTable

# Buckets per unit of hours^(1/4): ~1 minute wide at the ~20 minutes an order waits to be dispatched, a
# day wide at the weeks one may be in progress. Finer buckets mean fewer times to read for a rank but
# more rollup rows to add up: at 1M orders the largest bucket holds ~3% of a stage's times (~1 row group
# at 10M) and a year has ~200k rollup rows.
STEPS = 64
TABLE = CopiedTable("order_stage_hours", (
    ("stage", "VARCHAR"), ("bucket", "INTEGER"), ("hours", "DOUBLE"), ("created_at", "TIMESTAMP"), ("id", "BIGINT"),
), "rollup")


def bucket(hours: str) -> str:
    """SQL: the bucket of a stage time; a larger time never has a smaller bucket."""
    # The ranks are found by adding bucket counts in bucket order, so the buckets must follow the times'
    # order exactly: IEEE 754 rounds sqrt exactly, hence monotonically (a logarithm need not be).
    return f"CASE WHEN {hours} < 0 THEN -1 ELSE floor(sqrt(sqrt({hours})) * {STEPS})::INTEGER END"


def settled(source: str) -> str:
    """SQL: the rows of TABLE for the settled orders of `source` (rows shaped like the copy's work_orders)."""
    return (f"SELECT s.stage AS stage, {bucket('s.hours')} AS bucket, s.hours AS hours, created_at, id "
            f"FROM (SELECT id, created_at, unnest(pr_stages) AS s FROM {source} WHERE NOT ({IS_PENDING}))")


def fill_select(orders: str) -> str:
    """SQL: every row of TABLE for the copied orders, in the order that lets a read skip other buckets."""
    return f"{settled(orders)} ORDER BY stage, bucket, created_at"


def apply(con, suffix: str, before: str, after: str) -> None:
    """Move TABLE from the order rows `before` to `after` (see daily.apply)."""
    replace_settled(con, TABLE.name + suffix, before, settled(after))


def replace_settled(con, name: str, before: str, rows_after: str) -> None:
    """Delete from table `name` the settled orders of `before`, then insert `rows_after` (SQL)."""
    # A settled order changes again only when reopened or called back, which is rare: most refreshes
    # delete nothing and skip the scan of the id column that a DELETE costs.
    gone = [r[0] for r in con.execute(f"SELECT id FROM {before} WHERE NOT ({IS_PENDING})").fetchall()]
    if gone:
        con.execute(f"DELETE FROM {name} WHERE id IN ({', '.join(str(int(i)) for i in gone)})")
    con.execute(f"INSERT INTO {name} {rows_after}")
