"""Time at each lifecycle stage (process.py): orders, average, exact median and p90, and the longest.

With a dimension filter, DuckDB's quantile sorts the filtered orders' stage times (figures(), in process.py's
one pass over the orders: process_orders.py). A window alone (a
city-wide year: ~10^7 stage times at 10M orders, most of a second to sort) is answered without a sort:
1. counts and sums per stage and bucket: the rollups BY_STAGE_MONTH (whole months) and BY_STAGE (the days
   at the edges) for the settled orders, plus the times of the pending orders, which grow with now
   (stage_hours.bucket puts both in the same buckets);
2. each rank a figure needs (quantile_cont's two ranks around (n - 1) * q, and n - 1 for the longest) lies
   in the bucket where the running count passes it; only those buckets' times are read (stage_hours.TABLE
   and the pending orders) and the rank picked within them;
3. DuckDB interpolates between the two ranks as its quantile_cont does, so both ways give the same figures
   (tests/analytics/test_stages.py).
"""

from __future__ import annotations

import math

from hotline.analytics import daily, stage_hours
from hotline.analytics.common import Context
from hotline.analytics.efficiency import OPEN

QUANTILES = (0.5, 0.9)  # the median and p90


def stretches(source: str, where: str) -> str:
    """The orders of `source` matching `where` with what their stretches need (one `?`: now, first)."""
    # Each event starts a stretch in its to_status that lasts until the order's next event, or until
    # now if the order is still open there; an order's stretches in one status add up to its stage time.
    # The closed stretches are summed per order at copy time; only the last one's length depends on now.
    return (f"SELECT o.status IN {OPEN} AS is_open, epoch(?::TIMESTAMP - o.pr_last_at) / 3600.0 AS open_h, "
            f"o.pr_stages, o.pr_waits, o.pr_flows, o.pr_last_stage AS last_stage, "
            f"o.pr_last_department AS last_department, o.pr_last_new, o.pr_last_wait_new "
            f"FROM {source} o WHERE {where} AND o.pr_last_at IS NOT NULL")


PER_STAGE = (  # over f, rows of stretches(): stage, h
    "SELECT s.stage, s.hours + CASE WHEN is_open AND s.stage = last_stage THEN open_h ELSE 0 END AS h "
    "FROM (SELECT unnest(pr_stages) AS s, is_open, open_h, last_stage FROM f) "
    "UNION ALL SELECT last_stage, open_h FROM f WHERE is_open AND pr_last_new")


def figures(times: str) -> str:
    """SQL: each stage's figures from all its times (`times`: rows of stage, h). Both quantiles from one
    list: one sort."""
    return (f"SELECT stage, count(*) AS n, avg(h) AS average, quantile_cont(h, {list(QUANTILES)}) AS quantiles, "
            f"max(h) AS longest FROM ({times}) GROUP BY 1")



def ordered(rows) -> list[tuple]:
    """Stage rows (stage, orders, average, median, p90, longest), the longest average first."""
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def rolled_stage_rows(ctx: Context) -> list[tuple]:
    """The stage rows of a window without dimension filters (daily.serves), from the rollups."""
    window, window_params = ctx.filters.window_sql("o.created_at")
    rolled, rolled_params = daily.window_by_month(daily.BY_STAGE_MONTH, daily.BY_STAGE, ctx.filters.created_from,
                                                  ctx.filters.created_to)
    counts: dict[str, list[tuple[int, int]]] = {}
    hours: dict[str, float] = {}
    pending: dict[tuple[str, int], list[float]] = {}  # the pending times of the buckets the figures read
    for stage, bucket, n, total, read, times in ctx.engine.rows(
            _counted(stretches(daily.PENDING_ORDERS.name, window), rolled),
            [ctx.now] + window_params + rolled_params):
        counts.setdefault(stage, []).append((bucket, n))
        hours[stage] = hours.get(stage, 0.0) + total
        if read:
            pending[(stage, bucket)] = times or []
    if not counts:
        return []
    sizes = {stage: sum(n for _, n in buckets) for stage, buckets in counts.items()}
    ranks = {stage: ranks_needed(n) for stage, n in sizes.items()}
    wanted = {(stage, *locate(counts[stage], rank)) for stage, needed in ranks.items() for rank in needed.values()}
    picked = _pick(ctx, wanted, pending)
    values = {stage: {name: picked[(stage, *locate(counts[stage], rank))] for name, rank in needed.items()}
              for stage, needed in ranks.items()}
    between = _interpolated(ctx, {(stage, q): (values[stage][("lo", q)], values[stage][("hi", q)],
                                               _fraction(sizes[stage], q)) for stage in ranks for q in QUANTILES})
    return ordered((stage, n, hours[stage] / n, *(between[(stage, q)] for q in QUANTILES), values[stage]["last"])
                   for stage, n in sizes.items())


def _counted(pending_orders: str, rolled: str) -> str:
    """SQL: per stage and bucket in order: orders, hours, whether a figure reads it, and then its pending times.

    The pending orders' times are found once, here: the buckets each rank of ranks_needed() lies in are
    located in SQL, and their pending times (a few thousand) go to _pick() as lists. A bucket is read if it
    holds a rank within one of the quantile's two: the same double arithmetic as ranks_needed(), and a
    margin besides, so that the buckets _pick() needs are always among them."""
    near = [f"(upto - n <= ceil((total - 1)::DOUBLE * {q}::DOUBLE) + 1 "
            f"AND upto > floor((total - 1)::DOUBLE * {q}::DOUBLE) - 1)" for q in QUANTILES]
    read = " OR ".join([*near, "(total - 1 >= upto - n AND total - 1 < upto)"])  # and the longest time's
    return (f"WITH f AS ({pending_orders}), p AS MATERIALIZED "
            f"(SELECT stage, h, {stage_hours.bucket('h')} AS bucket FROM ({PER_STAGE})), "
            f"c AS (SELECT stage, bucket, sum(n)::BIGINT AS n, sum(hours) AS hours FROM (SELECT stage, bucket, n, "
            f"micros / 3600e6 AS hours FROM ({rolled}) UNION ALL SELECT stage, bucket, 1, h FROM p) GROUP BY 1, 2), "
            f"r AS MATERIALIZED (SELECT stage, bucket, n, hours, {read} AS read FROM (SELECT *, "
            f"sum(n) OVER (PARTITION BY stage ORDER BY bucket ROWS UNBOUNDED PRECEDING)::BIGINT AS upto, "
            f"sum(n) OVER (PARTITION BY stage)::BIGINT AS total FROM c)) "
            f"SELECT r.stage, r.bucket, r.n, r.hours, r.read, t.times FROM r LEFT JOIN (SELECT stage, bucket, "
            f"list(h) AS times FROM p SEMI JOIN (SELECT stage, bucket FROM r WHERE read) w "
            f"ON p.stage = w.stage AND p.bucket = w.bucket GROUP BY 1, 2) t "
            f"ON t.stage = r.stage AND t.bucket = r.bucket ORDER BY 1, 2")


def ranks_needed(n: int) -> dict:
    """The ranks (from 0) whose values the figures of n times need: quantile_cont's two around (n - 1) * q
    for each quantile, keyed ('lo', q) and ('hi', q), and the last."""
    out: dict = {"last": n - 1}
    for q in QUANTILES:
        position = (n - 1) * q
        out[("lo", q)], out[("hi", q)] = math.floor(position), math.ceil(position)
    return out


def _fraction(n: int, q: float) -> float:
    """How far between its two ranks quantile_cont puts q of n values (its own arithmetic)."""
    position = (n - 1) * q
    return position - math.floor(position)


def locate(buckets: list[tuple[int, int]], rank: int) -> tuple[int, int, int]:
    """(bucket, rank within it, its count) of the value at `rank` among (bucket, count) pairs in bucket order."""
    below = 0
    for bucket, n in buckets:
        if rank < below + n:
            return bucket, rank - below, n
        below += n
    raise ValueError(f"rank {rank} is not among {sum(n for _, n in buckets)} values")


def _pick(ctx: Context, wanted: set[tuple[str, int, int, int]], pending: dict) -> dict:
    """The value at each (stage, bucket, rank within, count) from that bucket's times only (`pending`: the
    pending orders' times of each bucket read, from _counted())."""
    window, window_params = ctx.filters.window_sql("created_at")
    by_bucket: dict[tuple[str, int, int], list[int]] = {}
    for stage, bucket, rank, n in wanted:
        by_bucket.setdefault((stage, bucket, n), []).append(rank)
    buckets = sorted(by_bucket.items())
    arms, params = [], []
    for i, ((stage, bucket, n), ranks) in enumerate(buckets):
        # quantile_disc takes the value at index n - floor(n - n * q) - 1: this q lands on `rank` (n < 2^50).
        arms.append(f"SELECT {i} AS i, quantile_disc(h, ?) FROM (SELECT hours AS h FROM {stage_hours.TABLE.name} "
                    f"WHERE stage = ? AND bucket = ? AND {window} UNION ALL SELECT unnest(?::DOUBLE[]))")
        params += [[(rank + 0.5) / n for rank in ranks], stage, bucket, *window_params, pending[(stage, bucket)]]
    found = dict(ctx.engine.rows(" UNION ALL ".join(arms), params))
    return {(stage, bucket, rank, n): value
            for i, ((stage, bucket, n), ranks) in enumerate(buckets)
            for rank, value in zip(ranks, found[i], strict=True)}


def _interpolated(ctx: Context, pairs: dict) -> dict:
    """key → the value between (lo, hi) at fraction d, by DuckDB's own quantile_cont over the two."""
    keys = [key for key, (lo, hi, d) in pairs.items() if d != 0]
    found = ctx.engine.rows("SELECT " + ", ".join(["list_aggregate([?, ?], 'quantile_cont', ?)"] * len(keys)),
                            [x for key in keys for x in pairs[key]])[0] if keys else ()
    return {key: lo for key, (lo, hi, d) in pairs.items()} | dict(zip(keys, found, strict=True))
