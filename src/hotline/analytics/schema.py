"""The analysis copy's tables: which store rows they copy, their column types and how they stay fresh."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.analytics.bits import COLUMNS as BITS
from hotline.analytics.derived import COLUMNS as DERIVED

SCHEMA_VERSION = 4  # 2: columns derived from events (derived.py), packed conditions (bits.py)
# 3: call_records.updated_at (changed calls found by it, not by a 7-day look-back); unread call slots dropped
# 4: work_orders sorted by month, district and category (layout.py); an older copy is rebuilt sorted


@dataclass(frozen=True)
class CopiedTable:
    """One store table copied into DuckDB; `mode` says how it is kept fresh."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type), in store column names
    mode: str  # "append" (id watermark), "upsert" (id + updated_at watermarks), "replace" (small, whole)
    extra: tuple[tuple[str, str], ...] = ()  # derived columns added at ingest, not in the store

    @property
    def ddl(self) -> str:
        """CREATE TABLE for the copy."""
        cols = ", ".join(f'"{n}" {t}' for n, t in self.columns + self.extra)
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({cols})"


ORDER_TEXT_COLUMNS = ("content", "reply", "address")  # read at ingest for quality flags, not kept

WORK_ORDERS = CopiedTable(
    "work_orders",
    (
        ("id", "BIGINT"), ("number", "VARCHAR"), ("channel", "VARCHAR"), ("request_type", "VARCHAR"),
        ("citizen_phone", "VARCHAR"), ("district", "VARCHAR"), ("street", "VARCHAR"),
        ("community", "VARCHAR"), ("category_l1", "VARCHAR"), ("category", "VARCHAR"),
        ("urgency", "VARCHAR"), ("status", "VARCHAR"), ("department", "VARCHAR"),
        ("created_at", "TIMESTAMP"), ("created_by", "VARCHAR"), ("updated_at", "TIMESTAMP"),
        ("dispatched_at", "TIMESTAMP"), ("signed_at", "TIMESTAMP"), ("replied_at", "TIMESTAMP"),
        ("closed_at", "TIMESTAMP"), ("sign_due_at", "TIMESTAMP"), ("finish_due_at", "TIMESTAMP"),
        ("extension_days", "INTEGER"), ("satisfaction", "VARCHAR"), ("resolved", "BOOLEAN"),
        ("callback_at", "TIMESTAMP"), ("merged_into", "VARCHAR"), ("closed_directly", "BOOLEAN"),
        ("dispatch_count", "INTEGER"), ("return_count", "INTEGER"), ("reopen_count", "INTEGER"),
        ("supervision_count", "INTEGER"),
    ),
    "upsert",
    extra=(
        ("content_len", "INTEGER"), ("reply_len", "INTEGER"),
        ("q_missing_place", "BOOLEAN"), ("q_missing_category", "BOOLEAN"), ("q_missing_address", "BOOLEAN"),
        ("q_content_short", "BOOLEAN"), ("q_district_mismatch", "BOOLEAN"), ("q_category_mismatch", "BOOLEAN"),
        ("r_missing", "BOOLEAN"), ("r_short", "BOOLEAN"), ("r_boilerplate", "BOOLEAN"), ("r_off_topic", "BOOLEAN"),
    ) + DERIVED + BITS,  # from the order's events (derived.py); packed conditions (bits.py)

)

TABLES: tuple[CopiedTable, ...] = (
    WORK_ORDERS,
    CopiedTable("order_events", (
        ("id", "BIGINT"), ("order_id", "BIGINT"), ("at", "TIMESTAMP"), ("actor", "VARCHAR"),
        ("actor_role", "VARCHAR"), ("action", "VARCHAR"), ("from_status", "VARCHAR"),
        ("to_status", "VARCHAR"), ("department", "VARCHAR"),
    ), "append"),
    CopiedTable("call_records", (
        ("id", "BIGINT"), ("caller", "VARCHAR"), ("queued_at", "TIMESTAMP"), ("wait_seconds", "INTEGER"),
        ("answered", "BOOLEAN"), ("talk_seconds", "INTEGER"), ("agent", "VARCHAR"), ("order_id", "BIGINT"),
        ("called_back_at", "TIMESTAMP"), ("updated_at", "TIMESTAMP"),
    ), "append"),  # appended by id; rows changed in place (callbacks) found by updated_at
    CopiedTable("agent_shifts", (
        ("id", "BIGINT"), ("agent", "VARCHAR"), ("start_at", "TIMESTAMP"), ("end_at", "TIMESTAMP"),
    ), "append"),
    CopiedTable("kb_articles", (
        ("id", "BIGINT"), ("title", "VARCHAR"), ("category", "VARCHAR"), ("department", "VARCHAR"),
        ("valid_from", "DATE"), ("valid_to", "DATE"), ("version", "INTEGER"), ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
    ), "upsert"),
    CopiedTable("kb_searches", (
        ("id", "BIGINT"), ("at", "TIMESTAMP"), ("username", "VARCHAR"), ("query", "VARCHAR"),
        ("hits", "INTEGER"), ("article_id", "BIGINT"), ("order_id", "BIGINT"),
    ), "append"),
    CopiedTable("regions", (
        ("code", "VARCHAR"), ("name", "VARCHAR"), ("parent", "VARCHAR"), ("level", "VARCHAR"),
        ("population", "BIGINT"), ("lat", "DOUBLE"), ("lon", "DOUBLE"),
    ), "replace"),
    CopiedTable("categories", (
        ("code", "VARCHAR"), ("name", "VARCHAR"), ("parent", "VARCHAR"), ("level", "INTEGER"),
        ("name_en", "VARCHAR"),
    ), "replace"),
    CopiedTable("departments", (
        ("code", "VARCHAR"), ("name", "VARCHAR"), ("kind", "VARCHAR"), ("region", "VARCHAR"),
        ("name_en", "VARCHAR"), ("active", "BOOLEAN"),
    ), "replace"),
)

BY_NAME = {t.name: t for t in TABLES}
