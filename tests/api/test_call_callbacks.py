"""A missed call called back is marked once, and its updated_at says the row changed in place."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import inspect, select

from hotline.calls.models import CallRecord
from hotline.db import make_engine
from hotline.store import alembic_config

MISSED = {"caller": "13812341234", "wait_seconds": 40, "answered": False}


def _call(api, **body) -> int:
    response = api.as_("call_taker").post("/api/v1/calls", json=MISSED | body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _stored(platform, call_id: int) -> CallRecord:
    with platform.sessions() as session:
        return session.scalar(select(CallRecord).where(CallRecord.id == call_id))


def test_a_called_back_missed_call_records_when_and_that_it_changed(api, platform, clock):
    call_id = _call(api)
    assert _stored(platform, call_id).updated_at is None  # as the phone system recorded it
    clock.advance(minutes=30)
    response = api.as_("call_taker").post(f"/api/v1/calls/{call_id}/callback")
    assert response.status_code == 200, response.text
    assert response.json()["called_back_at"] == response.json()["updated_at"] == f"{clock.now.isoformat()}+08:00"
    stored = _stored(platform, call_id)
    assert stored.called_back_at == stored.updated_at == clock.now
    clock.advance(minutes=5)
    again = api.as_("dispatcher").post(f"/api/v1/calls/{call_id}/callback")
    assert again.status_code == 409 and again.json()["rule"] == "callback_once"
    assert _stored(platform, call_id).updated_at == clock.now - timedelta(minutes=5)


def test_a_callback_made_earlier_is_recorded_at_its_time_and_changed_now(api, platform, clock):
    call_id = _call(api)
    called = clock.now + timedelta(minutes=10)
    clock.advance(hours=2)
    response = api.as_("call_taker").post(f"/api/v1/calls/{call_id}/callback", json={"at": called.isoformat()})
    assert response.status_code == 200, response.text
    stored = _stored(platform, call_id)
    assert (stored.called_back_at, stored.updated_at) == (called, clock.now)


def test_bad_callbacks_are_refused_saying_why(api, platform, clock):
    missed = _call(api)
    answered = _call(api, answered=True, talk_seconds=30, agent="ct1")
    clock.advance(minutes=1)
    before_call = (clock.now - timedelta(hours=1)).isoformat()
    later = (clock.now + timedelta(hours=1)).isoformat()
    cases = [(missed, {"at": before_call}, 422, "at"), (missed, {"at": later}, 422, "at"),
             (missed, {"at": 5}, 422, "at"), (missed, {"at": "soon"}, 422, "at"),
             (answered, None, 409, None), (answered + 1000, None, 404, "call_id")]
    for call_id, body, status, field in cases:
        response = api.as_("call_taker").post(f"/api/v1/calls/{call_id}/callback", json=body)
        assert response.status_code == status and response.json().get("field") == field, (body, response.text)
    assert api.as_("handler").post(f"/api/v1/calls/{missed}/callback").status_code == 403
    assert _stored(platform, missed).updated_at is None and _stored(platform, missed).called_back_at is None


def test_the_migration_adds_and_drops_updated_at_and_its_index(store_url):
    engine = make_engine(store_url)
    config = alembic_config(store_url)
    try:
        def state() -> tuple[bool, bool]:
            found = inspect(engine)
            return ("updated_at" in {c["name"] for c in found.get_columns("call_records")},
                    "ix_call_records_updated_at" in {i["name"] for i in found.get_indexes("call_records")})

        assert state() == (True, True)
        for target, expected in (("0007_calls_updated_at-1", (False, False)), ("head", (True, True))):
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                (command.downgrade if target != "head" else command.upgrade)(config, target)
            assert state() == expected, target
    finally:
        engine.dispose()
