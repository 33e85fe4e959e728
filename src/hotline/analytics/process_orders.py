"""The settled orders' process figures as plain columns, one row per order, for process.py's filtered path.

A filtered window (a district's category over a month) used to read each order's pr_stages, pr_waits and
pr_flows from work_orders: lists of structs of strings, whose decoding cost about half of the query (at
10M orders ~98 ms of CPU; ~52 ms from this table). Here a settled order's stage times, waits and flows are
columns of numbers: one column per stage, the first department's wait per wait stage, one column per
usual transition. What does not fit a column (a second department at a stage, an unusual transition, a
stage outside Status) stays in a short list, empty for almost every order, so every figure is still exact.

Settled orders only (not bits.PENDING), like stage_hours.TABLE: their figures no longer change, so a
refresh mostly adds rows; the pending orders' (whose last stage grows with now) are read from
pending_orders at query time. The filter dimensions are copied too, so a filtered query reads this table
alone.
"""

from __future__ import annotations

from hotline.analytics.bits import IS_PENDING
from hotline.analytics.derived import WAIT_STAGES
from hotline.analytics.filters import DIMENSION_GROUPS
from hotline.analytics.layout import ORDER
from hotline.analytics.schema import CopiedTable
from hotline.analytics.stage_hours import replace_settled
from hotline.workorders.domain import Status

STAGES = tuple(s.value for s in Status)
# The transitions the workflow makes (from 'new' for the first event); any other stays in flows_more.
FLOWS = (("new", "registered"), ("registered", "dispatched"), ("dispatched", "in_progress"),
         ("in_progress", "replied"), ("replied", "closed"), ("registered", "closed"), ("dispatched", "returned"),
         ("returned", "dispatched"), ("closed", "dispatched"), ("registered", "merged"),
         ("replied", "dispatched"), ("in_progress", "returned"))
STAGE_COLUMNS = {stage: f"h_{stage}" for stage in STAGES}
WAIT_COLUMNS = {stage: (f"wd_{stage}", f"wh_{stage}") for stage in WAIT_STAGES}
FLOW_COLUMNS = {pair: f"f_{i}" for i, pair in enumerate(FLOWS)}

FIGURE_COLUMNS = (*STAGE_COLUMNS.values(), "stages_more", *(c for pair in WAIT_COLUMNS.values() for c in pair),
                  "waits_more", *FLOW_COLUMNS.values(), "flows_more")  # what the figures read of a row
TABLE = CopiedTable("order_process", (
    ("id", "BIGINT"), ("created_at", "TIMESTAMP"), *((d, "VARCHAR") for d in DIMENSION_GROUPS),
    *((c, "DOUBLE") for c in STAGE_COLUMNS.values()),
    ("stages_more", "STRUCT(stage VARCHAR, hours DOUBLE)[]"),
    *((c, t) for d, h in WAIT_COLUMNS.values() for c, t in ((d, "VARCHAR"), (h, "DOUBLE"))),
    ("waits_more", "STRUCT(stage VARCHAR, department VARCHAR, hours DOUBLE)[]"),
    *((c, "INTEGER") for c in FLOW_COLUMNS.values()),
    ("flows_more", "STRUCT(from_status VARCHAR, to_status VARCHAR, n INTEGER)[]"),
), "rollup")


def _listed(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _or_null(items: str) -> str:
    return f"CASE WHEN len({items}) > 0 THEN {items} END"


def settled(source: str) -> str:
    """SQL: the rows of TABLE for the settled orders of `source` (rows shaped like the copy's work_orders)."""
    # Lambdas over each list's own elements only (none captures a row's column): they run vectorised.
    # Each stage occurs once in pr_stages and each (stage, department) once in pr_waits (derived.py groups
    # them), sorted by stage and department: the first of a stage is the column, the rest waits_more.
    stage = [f"list_filter(pr_stages, lambda s: s.stage = '{s}')[1].hours AS {c}" for s, c in STAGE_COLUMNS.items()]
    stages_more = _or_null(f"list_filter(pr_stages, lambda s: NOT list_contains({_listed(STAGES)}, s.stage))")
    waits = [f"list_filter(pr_waits, lambda w: w.stage = '{s}')[1].{part} AS {c}"
             for s, (d, h) in WAIT_COLUMNS.items() for part, c in (("department", d), ("hours", h))]
    waits_more = _or_null("list_concat(" + ", ".join(f"list_filter(pr_waits, lambda w: w.stage = '{s}')[2:]"
                                                     for s in WAIT_STAGES) + ")")
    flows = [f"list_filter(pr_flows, lambda x: x.from_status = '{a}' AND x.to_status = '{b}')[1].n AS {c}"
             for (a, b), c in FLOW_COLUMNS.items()]
    # Statuses hold no '/': the joined pair is unambiguous.
    flows_more = _or_null(f"list_filter(pr_flows, lambda x: NOT list_contains({_listed(f'{a}/{b}' for a, b in FLOWS)}, "
                          f"x.from_status || '/' || x.to_status))")
    return (f"SELECT id, created_at, {', '.join(DIMENSION_GROUPS)}, {', '.join(stage)}, {stages_more} AS stages_more, "
            f"{', '.join(waits)}, {waits_more} AS waits_more, {', '.join(flows)}, {flows_more} AS flows_more "
            f"FROM {source} WHERE NOT ({IS_PENDING}) AND pr_last_at IS NOT NULL")


def fill_select(orders: str) -> str:
    """SQL: every row of TABLE for the copied orders, in layout.ORDER: a month's orders of one district and
    category lie together, so a filtered window reads only their row groups (rows a refresh adds land
    unsorted at the end)."""
    return f"{settled(orders)} ORDER BY {ORDER}"


def apply(con, suffix: str, before: str, after: str) -> None:
    """Move TABLE from the order rows `before` to `after` (see daily.apply)."""
    replace_settled(con, TABLE.name + suffix, before, settled(after))


# -- reading it: rows shaped like stages.PER_STAGE and process.PER_WAIT, and the flows' sums -----------

def per_stage(rows: str) -> str:
    """SQL over `rows` (of TABLE): stage, h for every stage time."""
    # One unnest of the row's columns (not a UNION arm per stage): one pass over the rows.
    names, columns = _listed(STAGE_COLUMNS), "[" + ", ".join(STAGE_COLUMNS.values()) + "]"
    return (f"SELECT stage, h FROM (SELECT unnest({names}) AS stage, unnest({columns}) AS h FROM {rows}) "
            f"WHERE h IS NOT NULL UNION ALL SELECT s.stage, s.hours FROM (SELECT unnest(stages_more) AS s FROM {rows} "
            f"WHERE stages_more IS NOT NULL)")


def per_wait(rows: str) -> str:
    """SQL over `rows` (of TABLE): stage, department, h for every wait at a department."""
    departments = "[" + ", ".join(d for d, _ in WAIT_COLUMNS.values()) + "]"
    hours = "[" + ", ".join(h for _, h in WAIT_COLUMNS.values()) + "]"
    return (f"SELECT stage, department, h FROM (SELECT unnest({_listed(WAIT_COLUMNS)}) AS stage, "
            f"unnest({departments}) AS department, unnest({hours}) AS h FROM {rows}) WHERE h IS NOT NULL "
            f"UNION ALL SELECT w.stage, w.department, w.hours FROM (SELECT unnest(waits_more) AS w FROM {rows} "
            f"WHERE waits_more IS NOT NULL)")


def flow_sums(rows: str) -> str:
    """SQL over `rows` (of TABLE): one list, the transitions and the orders of each pair in FLOWS in turn
    (whole numbers, exact as doubles)."""
    sums = ", ".join(f"coalesce(sum({c}), 0)::DOUBLE, count({c})::DOUBLE" for c in FLOW_COLUMNS.values())
    return f"SELECT [{sums}] AS sums FROM {rows}"


def flows_more(rows: str) -> str:
    """SQL over `rows` (of TABLE): from_status, to_status, transitions, orders of the pairs not in FLOWS."""
    return (f"SELECT x.from_status, x.to_status, sum(x.n), count(*) FROM (SELECT unnest(flows_more) AS x "
            f"FROM {rows} WHERE flows_more IS NOT NULL) GROUP BY 1, 2")
