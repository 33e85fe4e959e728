"""The call rollups give the figures of the calls themselves, for any window, after any change."""

from __future__ import annotations

from datetime import timedelta

from hotline.analytics.calls import PARTS
from hotline.analytics.rollups import HALF, SUMS, agent_days, half_hours
from hotline.calls.models import CallRecord
from hotline.users.actor import Actor
from hotline.workorders.domain import Role

from .test_analytics_api import get


def _raw(engine, lo, hi) -> tuple:
    return engine.rows(f"SELECT {', '.join(PARTS)} FROM call_records WHERE queued_at >= ? AND queued_at < ?", [lo, hi])[0]


def _rolled(engine, lo, hi, which) -> tuple:
    sql, params = which(lo, hi)
    return engine.rows(f"SELECT {SUMS} FROM ({sql})", params)[0]


def _tables(engine) -> tuple:
    return (engine.rows("SELECT * FROM calls_by_half_hour ORDER BY ALL"),
            engine.rows("SELECT * FROM calls_by_agent_day ORDER BY ALL"))


def _from_scratch(engine) -> tuple:
    return (engine.rows(f"SELECT {HALF}, {', '.join(PARTS)} FROM call_records GROUP BY 1 ORDER BY ALL"),
            engine.rows(f"SELECT date_trunc('day', queued_at), agent, {', '.join(PARTS)} FROM call_records "
                        f"GROUP BY 1, 2 ORDER BY ALL"))


def test_rollups_equal_the_calls_for_any_window_and_follow_new_calls_and_callbacks(api, platform, dataset):
    engine = platform.analytics.engine
    start = dataset["start"]
    assert _tables(engine) == _from_scratch(engine)
    windows = [(start, start + timedelta(days=2)), (start + timedelta(minutes=7), start + timedelta(hours=5, minutes=41)),
               (start + timedelta(minutes=3), start + timedelta(minutes=20)),
               (start - timedelta(days=1, minutes=13), start + timedelta(days=4, hours=7, minutes=1))]
    for lo, hi in windows:
        assert _rolled(engine, lo, hi, half_hours) == _raw(engine, lo, hi)
        assert _rolled(engine, lo, hi, agent_days) == _raw(engine, lo, hi)
        body = get(api, "calls", created_from=lo.isoformat(), created_to=hi.isoformat())
        assert body["offered"] == _raw(engine, lo, hi)[0]
    # A callback on an old missed call and a new call: both reach the rollups at the next refresh.
    with platform.sessions() as session:
        missed = session.query(CallRecord).filter(~CallRecord.answered, CallRecord.called_back_at.is_(None)).first()
    platform.calls.record_callback(Actor("ct1", Role.CALL_TAKER), missed.id, missed.queued_at + timedelta(hours=2))
    with platform.sessions.begin() as session:
        session.add(CallRecord(caller="13900001111", queued_at=start + timedelta(days=1, minutes=44), wait_seconds=9,
                               answered=True, talk_seconds=60, agent="agent9"))
    engine.refresh()
    assert _tables(engine) == _from_scratch(engine)
    for lo, hi in windows:
        assert _rolled(engine, lo, hi, half_hours) == _raw(engine, lo, hi)
    engine.rebuild()
    assert _tables(engine) == _from_scratch(engine)
