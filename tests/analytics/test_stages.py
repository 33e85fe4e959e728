"""Process stage times: the exact median, p90 and longest from bucket counts equal those of every time."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import duckdb
import pytest
from sqlalchemy import select

from hotline.analytics import stages
from hotline.analytics.common import Context
from hotline.analytics.filters import Filters
from hotline.analytics.stage_hours import STEPS, bucket
from hotline.workorders.domain import OPEN_STATUSES
from hotline.workorders.models import OrderEvent, WorkOrder

from .test_analytics_api import get


def test_quantile_disc_picks_the_rank_asked_for():
    # stages._pick relies on this index arithmetic of DuckDB's quantile_disc; a new DuckDB must keep it.
    con = duckdb.connect()
    rng = random.Random(4)
    for n in (1, 2, 3, 7, 100, 1_001):
        values = [rng.choice((rng.random() * 100, 1.5)) for _ in range(n)]  # ties too
        positions = [(rank + 0.5) / n for rank in range(n)]
        picked = con.execute("SELECT quantile_disc(x, ?) FROM unnest(?) t(x)", [positions, values]).fetchone()[0]
        assert picked == sorted(values)


def test_buckets_never_decrease_as_the_hours_grow():
    con = duckdb.connect()
    rng = random.Random(5)
    edges = [(b / STEPS) ** 4 for b in range(1, 800)]  # where sqrt(sqrt(h)) * STEPS reaches a whole number
    near = [math.nextafter(e, d) for e in edges for d in (0.0, math.inf)] + edges
    hours = sorted(near + [rng.expovariate(0.02) for _ in range(20_000)] + [-1.0, -1e-9, 0.0])
    found = [b for b, in con.execute(f"SELECT {bucket('h')} FROM unnest(?) WITH ORDINALITY t(h, i) ORDER BY i",
                                     [hours]).fetchall()]
    assert found == sorted(found)
    assert found[0] == -1 and found[-1] > 100


def test_locate_gives_the_bucket_and_the_rank_within_it():
    buckets = [(-1, 1), (0, 3), (5, 2)]
    assert [stages.locate(buckets, r) for r in range(6)] == [
        (-1, 0, 1), (0, 0, 3), (0, 1, 3), (0, 2, 3), (5, 0, 2), (5, 1, 2)]
    with pytest.raises(ValueError):
        stages.locate(buckets, 6)
    assert stages.ranks_needed(11) == {"last": 10, ("lo", 0.5): 5, ("hi", 0.5): 5, ("lo", 0.9): 9, ("hi", 0.9): 9}
    assert stages.ranks_needed(4)[("lo", 0.5)] == 1 and stages.ranks_needed(4)[("hi", 0.5)] == 2


def _windows(start) -> list[Filters]:
    day = start.replace(hour=0, minute=0)
    first = day.replace(day=1)  # whole months come from the monthly rollups, the edges from the daily ones
    return [Filters(), Filters(created_from=day, created_to=day + timedelta(days=40)),
            Filters(created_from=start + timedelta(hours=1, minutes=10), created_to=start + timedelta(days=32, hours=3)),
            Filters(created_from=day + timedelta(days=2), created_to=day + timedelta(days=3)),
            Filters(created_to=day + timedelta(days=2, hours=12)),
            Filters(created_from=first - timedelta(days=10, hours=-5), created_to=first + timedelta(days=33, hours=7)),
            Filters(created_from=first), Filters(created_to=first + timedelta(days=31)),
            Filters(created_from=first, created_to=first + timedelta(days=31))]


def _sorted_from_every_time(engine, filters: Filters, now) -> list[tuple]:
    """DuckDB's quantile_cont over every stage time of the window's orders (figures() over PER_STAGE, as the filtered path did)."""
    where, params = filters.where()
    return stages.ordered((s, n, a, *q, x) for s, n, a, q, x in engine.rows(
        f"WITH f AS ({stages.stretches('work_orders', where)}) {stages.figures(stages.PER_STAGE)}", [now] + params))


def test_stage_figures_from_the_rollup_equal_quantile_cont_over_every_time(api, platform, dataset, clock):
    engine = platform.analytics.engine
    for hours_later in (0, 50):  # the open orders' last stage grows with now
        now = clock.now + timedelta(hours=hours_later)
        windows = _windows(dataset["start"])
        rolled = [stages.rolled_stage_rows(Context(engine, f, now)) for f in windows]
        assert any(len(rows) >= 4 for rows in rolled)
        for got, f in zip(rolled, windows, strict=True):
            expected = _sorted_from_every_time(engine, f, now)
            # Every figure but the average is one of the times or DuckDB's own interpolation: equal to the
            # last bit. The average adds the same times in another order.
            assert [(s, n, m, p, x) for s, n, _, m, p, x in got] == [(s, n, m, p, x) for s, n, _, m, p, x in expected]
            assert [a for _, _, a, *_ in got] == pytest.approx([a for _, _, a, *_ in expected], rel=1e-12)


def _stage_hours_from_the_store(platform, now, district: str | None) -> dict[str, list[float]]:
    """Each order's hours per stage straight from the store's events, as docs/metrics.md defines them."""
    with platform.sessions() as session:
        status = {i: s for i, s, d in session.execute(select(WorkOrder.id, WorkOrder.status, WorkOrder.district))
                  if district in (None, d)}
        events = session.execute(select(OrderEvent.order_id, OrderEvent.at, OrderEvent.to_status)
                                 .order_by(OrderEvent.order_id, OrderEvent.id)).all()
    per_order: dict[tuple[int, str], float] = {}
    for i, (order, at, stage) in enumerate(events):
        following = events[i + 1] if i + 1 < len(events) and events[i + 1][0] == order else None
        if order not in status:
            continue
        if following is not None:
            end = following[1]
        elif status[order] in OPEN_STATUSES:
            end = now
        else:
            continue
        per_order[(order, stage)] = per_order.get((order, stage), 0.0) + (end - at).total_seconds() / 3600
    out: dict[str, list[float]] = {}
    for (_, stage), hours in per_order.items():
        out.setdefault(stage, []).append(hours)
    return out


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    lo, hi = math.floor(position), math.ceil(position)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo)


@pytest.mark.parametrize("district", [None, "990101"])  # from the rollups; from the orders
def test_stage_figures_reconcile_with_the_stored_events(api, platform, dataset, clock, district):
    clock.advance(hours=30)
    expected = {stage: (len(hours), sum(hours) / len(hours), _quantile(hours, 0.5), _quantile(hours, 0.9), max(hours))
                for stage, hours in _stage_hours_from_the_store(platform, clock.now, district).items()}
    assert {"registered", "dispatched", "in_progress"} <= expected.keys()
    got = {s["key"]: s for s in get(api, "process", **({"district": district} if district else {}))["stages"]}
    assert got.keys() == expected.keys()
    for stage, (n, average, median, p90, longest) in expected.items():
        assert got[stage]["orders"] == n, stage
        # The answer is rounded to two decimals.
        assert [got[stage][k] for k in ("average_hours", "median_hours", "p90_hours", "max_hours")] == \
            pytest.approx([average, median, p90, longest], abs=0.005 + 1e-9), stage


def test_waits_from_the_monthly_and_daily_rollups_equal_those_from_the_orders(api, platform, dataset, clock,
                                                                               monkeypatch):
    from hotline.analytics import process

    monkeypatch.setattr(process, "MIN_ORDERS_FOR_WAIT", 1)  # the small data set's waits all shown
    engine = platform.analytics.engine
    for hours_later in (0, 50):  # the open orders' last wait grows with now
        now = clock.now + timedelta(hours=hours_later)
        found = []
        for f in _windows(dataset["start"]):
            ctx = Context(engine, f, now)
            got, expected = process._rolled_waits(ctx), process._from_orders(ctx)[1]
            assert {(s, d, n) for s, d, n, _ in got} == {(s, d, n) for s, d, n, _ in expected}
            assert sorted(a for *_, a in got) == pytest.approx(sorted(a for *_, a in expected), rel=1e-12)
            found += got
        assert len(found) >= 10
