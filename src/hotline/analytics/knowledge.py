"""知识库统计分析: articles by category and age, searches and hit rate, direct closure, knowledge gaps, stale articles."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from hotline.analytics import daily
from hotline.analytics.common import Context, count_orders
from hotline.analytics.filters import DIMENSIONS
from hotline.analytics.metrics import ratio

STALE_DAYS = 365  # an article not reviewed for a year is stale
AGE_BUCKETS = ((30, "≤30d"), (180, "31–180d"), (365, "181–365d"), (None, ">365d"))
GAP_MIN_SEARCHES = 2  # the same unanswered search this often is a knowledge gap


def knowledge(ctx: Context) -> dict:
    """The knowledge module; article and search figures follow only the time window."""
    total, direct, direct_with_article = _direct_closures(ctx)
    return {
        "total": total,
        "drill": ctx.filters.drill(),
        "ignored_filters_for_articles_and_searches": [d for d in DIMENSIONS if getattr(ctx.filters, d) is not None],
        "direct_close_rate": ratio(direct, total),
        "direct_close_with_article_rate": ratio(direct_with_article, direct),
        "articles": _articles(ctx),
        "searches": _searches(ctx),
        "knowledge_gaps": _gaps(ctx),
        "stale_articles": _stale(ctx),
    }


def _direct_closures(ctx: Context) -> tuple[int, int, int]:
    """(orders, orders closed directly, those of them with a search that used an article) of the filters."""
    where, params = ctx.filters.where()
    if not daily.serves(ctx.filters):  # a district's or category's orders: few, a hash join is quick
        total, direct, lo, hi = ctx.engine.rows(
            f"SELECT count(*), count(*) FILTER (WHERE o.closed_directly), min(o.id) FILTER (WHERE o.closed_directly), "
            f"max(o.id) FILTER (WHERE o.closed_directly) FROM work_orders o WHERE {where}", params)[0]
        # Only the searches naming ids in the range (ids follow creation, so it prunes most of them).
        return total, direct, 0 if lo is None else ctx.engine.rows(
            f"SELECT count(*) FROM work_orders o WHERE {where} AND o.closed_directly AND o.id IN "
            f"(SELECT order_id FROM kb_searches WHERE article_id IS NOT NULL AND order_id BETWEEN ? AND ?)",
            params + [lo, hi])[0][0]
    # A window alone (a city-wide year: ~570k direct orders at 10M): the total from the daily rollup, the
    # ids on both sides matched by numpy's isin (a table of the id range, ~10 ms) rather than DuckDB's hash
    # join (~65 ms of CPU).
    total = count_orders(ctx, ctx.filters)
    cursor = ctx.engine.cursor()
    try:
        direct = cursor.execute(f"SELECT o.id FROM work_orders o WHERE {where} AND o.closed_directly",
                                params).fetchnumpy()["id"]
        if len(direct) == 0:
            return total, 0, 0
        in_range = [int(direct.min()), int(direct.max())]
        used = cursor.execute("SELECT order_id FROM kb_searches WHERE article_id IS NOT NULL "
                              "AND order_id BETWEEN ? AND ?", in_range).fetchnumpy()["order_id"]
    finally:
        cursor.close()
    # An order id occurs once among the orders: each one counts once however many searches name it.
    return total, len(direct), int(np.isin(np.asarray(direct), np.asarray(used)).sum())


def _articles(ctx: Context) -> dict:
    today = ctx.now.date()
    cases = " ".join(f"WHEN date_diff('day', a.updated_at, ?::TIMESTAMP) <= {days} THEN '{label}'"
                     for days, label in AGE_BUCKETS if days is not None)
    rows = ctx.engine.rows(
        f"SELECT coalesce(c.parent, c.code) AS l1, CASE {cases} ELSE '{AGE_BUCKETS[-1][1]}' END AS age, "
        f"(a.valid_to IS NULL OR a.valid_to >= ?) AS valid, count(*) "
        f"FROM kb_articles a LEFT JOIN categories c ON c.code = a.category GROUP BY ALL",
        [ctx.now] * (len(AGE_BUCKETS) - 1) + [today])
    by_category: dict = {}
    by_age = {label: 0 for _, label in AGE_BUCKETS}
    valid = 0
    for l1, age, is_valid, count in rows:
        by_category[l1] = by_category.get(l1, 0) + count
        by_age[age] += count
        valid += count if is_valid else 0
    total = sum(by_age.values())
    return {
        "total": total, "valid": valid, "expired": total - valid,
        "by_category_l1": [{"key": k, "name": ctx.name("category", k), "count": n}
                           for k, n in sorted(by_category.items(), key=lambda kv: (-kv[1], str(kv[0])))],
        "by_age": [{"key": label, "count": by_age[label]} for _, label in AGE_BUCKETS],
    }


def _searches(ctx: Context) -> dict:
    window, params = ctx.filters.window_sql('"at"')
    searches, hit, used = ctx.engine.rows(
        f"SELECT count(*), count(*) FILTER (WHERE hits > 0), count(*) FILTER (WHERE article_id IS NOT NULL) "
        f"FROM kb_searches WHERE {window}", params)[0]
    return {"searches": searches, "hit_rate": ratio(hit, searches), "use_rate": ratio(used, searches)}


def _gaps(ctx: Context) -> list[dict]:
    window, params = ctx.filters.window_sql('"at"')
    # Users counted as the (query, user) groups with a user: what count(DISTINCT username) gives, cheaper.
    rows = ctx.engine.rows(
        f"SELECT q, sum(n)::BIGINT AS n, count(username) AS users FROM (SELECT lower(trim(query)) AS q, username, "
        f"count(*) AS n FROM kb_searches WHERE {window} AND hits = 0 GROUP BY 1, 2) "
        f"GROUP BY 1 HAVING sum(n) >= {GAP_MIN_SEARCHES} ORDER BY n DESC, q LIMIT 20", params)
    return [{"query": q, "searches": n, "users": users} for q, n, users in rows]


def _stale(ctx: Context) -> dict:
    cutoff = ctx.now - timedelta(days=STALE_DAYS)
    rows = ctx.engine.rows(
        "SELECT id, title, category, updated_at, valid_to, count(*) OVER () FROM kb_articles "
        "WHERE updated_at < ? OR valid_to < ? ORDER BY updated_at, id LIMIT 20", [cutoff, ctx.now.date()])
    return {
        "count": rows[0][5] if rows else 0,
        "oldest": [{"id": i, "title": t, "category": c, "updated_at": u.isoformat(),
                    "valid_to": v.isoformat() if v else None} for i, t, c, u, v, _ in rows],
    }
