"""The orders of phones that called more than once: repeat callers and distinct callers without grouping
every order by phone.

Grouping a year's orders by phone (repeat callers) or counting distinct phones per category and
community (common requests) cost hundreds of milliseconds at 10M orders, and even a filtered month spent
most of its time decoding the phone column (~27 ms of CPU at 10M). Most phones call once (8.5M phones
for 9.8M orders), so this table holds only the orders of phones with two or more orders, each with the
times of the phone's previous order, the one before that, and its previous order of the same category
and community (NULL for a phone's first order). For orders created in [lo, hi):
- with no other filter, an order whose previous order is at or after lo is a repeat within the window; a
  phone has two or more orders in the window exactly when one of its orders has prev_at >= lo and
  prev2_at < lo (or none); the distinct phones of a category and community = its orders minus those with
  prev_same_at >= lo;
- with filters, only the filtered orders found here can share a phone: each other one is its phone's
  only order (the store's citizen_phone is never NULL), one caller of its own (requests._callers_of_orders).
Every order of a phone shares its rows' chain, so when an order is added or its phone, time, category or
community changes, the rows of its phone(s) are recomputed from all the phone's orders (`lookup`: the
store has the index by phone that the copy lacks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pyarrow as pa

from hotline.analytics.schema import CopiedTable

KEY = ("id", "citizen_phone", "created_at", "category", "community")  # what a phone's chain depends on
# (Named anew when its first orders were added: a copy holding the old table fills this one at its next refresh.)
TABLE = CopiedTable("repeat_phone_orders", (
    ("id", "BIGINT"), ("citizen_phone", "VARCHAR"), ("category", "VARCHAR"), ("community", "VARCHAR"),
    ("created_at", "TIMESTAMP"), ("prev_at", "TIMESTAMP"), ("prev2_at", "TIMESTAMP"), ("prev_same_at", "TIMESTAMP"),
), "rollup")
_TYPES = dict(TABLE.columns)


def chains(source: str) -> str:
    """The rows of TABLE for the orders in `source` (every order of the phones it holds)."""
    cast = ", ".join(f'CAST("{n}" AS {_TYPES[n]}) AS "{n}"' for n in KEY)  # a SQLite pull brings times as text
    order = "ORDER BY created_at, id"
    return (f"SELECT * EXCLUDE (orders) FROM (SELECT id, citizen_phone, category, community, created_at, "
            f"lag(created_at) OVER (PARTITION BY citizen_phone {order}) AS prev_at, "
            f"lag(created_at, 2) OVER (PARTITION BY citizen_phone {order}) AS prev2_at, "
            f"lag(created_at) OVER (PARTITION BY citizen_phone, category, community {order}) AS prev_same_at, "
            f"count(*) OVER (PARTITION BY citizen_phone) AS orders "
            # In time order: a window's rows are then a few row groups, found by their min/max.
            f"FROM (SELECT {cast} FROM {source})) WHERE orders >= 2 ORDER BY created_at, id")


def apply(con, suffix: str, before: str, after: str, lookup: Callable[[list[str]], pa.Table]) -> None:
    """Recompute the chains of the phones whose orders were added or moved between `before` and `after`."""
    key = ", ".join(KEY)
    phones = sorted(r[0] for r in con.execute(
        f"SELECT citizen_phone FROM ((SELECT {key} FROM {before} EXCEPT SELECT {key} FROM {after}) "
        f"UNION ALL (SELECT {key} FROM {after} EXCEPT SELECT {key} FROM {before})) "
        f"WHERE citizen_phone IS NOT NULL GROUP BY 1").fetchall())
    if not phones:
        return
    name = TABLE.name + suffix
    orders = lookup(phones)
    con.register("_phones", pa.table({"citizen_phone": pa.array(phones, pa.string())}))
    con.execute(f"DELETE FROM {name} WHERE citizen_phone IN (SELECT citizen_phone FROM _phones)")
    con.unregister("_phones")
    if orders.num_rows:
        con.register("_phone_orders", orders)
        con.execute(f"INSERT INTO {name} {chains('_phone_orders')}")
        con.unregister("_phone_orders")


def _since(lo: datetime | None, column: str) -> str:
    return f"{column} >= ?" if lo else f"{column} IS NOT NULL"


def repeat_callers(engine, lo: datetime | None, hi: datetime | None, top: int) -> tuple[int, int, list[tuple[str, int]]]:
    """(phones with two or more orders in [lo, hi), their orders, the `top` phones by orders) over all orders."""
    window, params = _window(lo, hi)
    first = [lo] if lo else []
    second = f"(prev2_at IS NULL OR prev2_at < ?)" if lo else "prev2_at IS NULL"
    callers, repeats = engine.rows(
        f"SELECT count(*) FILTER (WHERE {_since(lo, 'prev_at')} AND {second}), count(*) FILTER (WHERE {_since(lo, 'prev_at')}) "
        f"FROM {TABLE.name} WHERE {window}", first + first + first + params)[0]
    ranked = engine.rows(
        f"SELECT citizen_phone, count(*) + 1 AS n FROM {TABLE.name} WHERE {window} AND {_since(lo, 'prev_at')} "
        f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT {top}", params + first)
    return callers, repeats + callers, ranked


def callers_by_place(engine, lo: datetime | None, hi: datetime | None,
                     places: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """For (category, community) pairs: their orders in [lo, hi) that repeat a phone's earlier one there."""
    if not places:
        return {}
    window, params = _window(lo, hi)
    pairs = pa.table({"category": [c for c, _ in places], "community": [m for _, m in places]})
    cursor = engine.cursor()
    try:
        cursor.register("_places", pairs)
        found = cursor.execute(
            f"SELECT category, community, count(*) FROM {TABLE.name} SEMI JOIN _places USING (category, community) "
            f"WHERE {window} AND {_since(lo, 'prev_same_at')} GROUP BY 1, 2", params + ([lo] if lo else [])).fetchall()
    finally:
        cursor.close()
    return {(c, m): n for c, m, n in found}


def _window(lo: datetime | None, hi: datetime | None) -> tuple[str, list]:
    conditions = [c for c, v in (("created_at >= ?", lo), ("created_at < ?", hi)) if v is not None]
    return " AND ".join(conditions) or "TRUE", [v for v in (lo, hi) if v is not None]
