"""The rows a pull's look-back re-read last time, so that the next pull copies only the rows that changed.

Each pull re-reads the store's rows stamped (updated_at) within LOOKBACK_SECONDS of the newest stamp it
has copied: a transaction stamps its rows before it commits, so a row can become visible after rows with
later stamps were copied, and a bare watermark would miss it for good. Copying every re-read row again
cost ~100–175 ms on an idle pass at 1M orders (each deleted, derived and inserted again, its rollups
re-summed) and made every pass a change (the copy's version went up each second).

The re-read stays (it is cheap: the store's index on updated_at); what changes is that each re-read row
is compared, whole, with the same row as the copy took it at the last pass. Only rows missing from the
last re-read or different from it are copied, and a late commit is always one of those: this relies on
no version counter and no uniqueness of stamps (a test clock repeats them). Only the last re-read is
kept (the rows inside the margin); after a restart the memory is empty and the first pass copies the
margin once, as before.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


class LookBack:
    """Per copied table (name, suffix): id → the store row the copy holds, for its last look-back's rows."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], dict[Any, dict]] = {}

    def unseen(self, table: str, suffix: str, reread: pa.Table) -> pa.Table:
        """The re-read rows the copy may not hold: missing from the table's last re-read, or different."""
        held = self._held.get((table, suffix))
        if not held or reread.num_rows == 0:
            return reread
        fresh = [held.get(row["id"]) != row for row in reread.to_pylist()]
        return reread.filter(pa.array(fresh, pa.bool_()))

    def remember(self, table: str, suffix: str, reread: pa.Table, copied: pa.Table | None = None) -> None:
        """After the pull committed: the copy holds each re-read row as re-read, or as in `copied` when it
        was copied from a later fetch too (the last fetch of an id wins, as when it was inserted)."""
        held = {row["id"]: row for row in reread.to_pylist()}
        if copied is not None and reread.num_rows:
            again = copied.filter(pc.is_in(copied.column("id"), reread.column("id")))
            held |= {row["id"]: row for row in again.to_pylist()}
        self._held[(table, suffix)] = held

    def forget(self, suffix: str) -> None:
        """Drop what is held for the tables named with `suffix` ('' for the live ones): they are recreated."""
        self._held = {key: rows for key, rows in self._held.items() if key[1] != suffix}

    def promote(self, suffix: str) -> None:
        """The tables named with `suffix` replaced the live ones: what they hold is now the live tables'."""
        self._held = {(table, ""): rows for (table, own), rows in self._held.items() if own == suffix}
