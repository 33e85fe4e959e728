"""Calls changed in place (a missed call called back) reach the copy and its rollups, however old the call."""

from __future__ import annotations

from datetime import timedelta

from hotline.analytics.calls import PARTS
from hotline.analytics.engine import AnalyticsEngine
from hotline.analytics.rollups import HALF
from hotline.users.actor import Actor
from hotline.workorders.domain import Role

TAKER = Actor("ct1", Role.CALL_TAKER)


def _missed(platform, caller: str):
    return platform.calls.record(TAKER, {"caller": caller, "wait_seconds": 40, "answered": False})


def _copied(engine, call_id: int) -> tuple:
    return engine.rows("SELECT called_back_at, updated_at FROM call_records WHERE id = ?", [call_id])[0]


def _rollup_matches_calls(engine) -> bool:
    rolled = engine.rows("SELECT * FROM calls_by_half_hour ORDER BY ALL")
    return rolled == engine.rows(f"SELECT {HALF}, {', '.join(PARTS)} FROM call_records GROUP BY 1 ORDER BY ALL")


def test_a_callback_weeks_after_the_call_reaches_the_copy_and_the_rollups(platform, clock, store_url):
    old = _missed(platform, "13900000001")
    clock.advance(days=30)
    _missed(platform, "13900000002")  # the newest call: the old one is far behind it
    engine = AnalyticsEngine(store_url)
    try:
        engine.start(background=False)
        assert _copied(engine, old.id) == (None, None)
        clock.advance(minutes=5)
        platform.calls.record_callback(TAKER, old.id, old.queued_at + timedelta(days=1))
        assert engine.refresh() == 1
        assert _copied(engine, old.id) == (old.queued_at + timedelta(days=1), clock.now)
        assert _rollup_matches_calls(engine)
        assert engine.refresh() == 0  # re-read by the look-back, already copied
        engine.rebuild()
        assert _copied(engine, old.id) == (old.queued_at + timedelta(days=1), clock.now)
    finally:
        engine.stop()


def test_callbacks_before_and_after_a_calls_first_copy_are_both_kept(platform, clock, store_url):
    first = _missed(platform, "13900000003")
    engine = AnalyticsEngine(store_url)
    try:
        engine.start(background=False)
        clock.advance(minutes=10)
        second = _missed(platform, "13900000004")
        clock.advance(minutes=10)
        platform.calls.record_callback(TAKER, second.id)  # called back before its first copy
        platform.calls.record_callback(TAKER, first.id)
        engine.refresh()
        assert _copied(engine, first.id) == _copied(engine, second.id) == (clock.now, clock.now)
        assert _rollup_matches_calls(engine)
    finally:
        engine.stop()
