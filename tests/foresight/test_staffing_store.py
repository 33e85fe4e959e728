"""Staffing reads aggregates (calls per half-hour, the newest talk times) and answers exactly as it did
when it read a year of call rows into pandas, on both backends."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, text

from hotline.calendar import WorkCalendar
from hotline.calls.models import AgentShift, CallRecord
from hotline.foresight import forecast as fc
from hotline.foresight import staffing
from hotline.foresight.daytypes import day_kinds
from hotline.foresight.queries import _times, calls_per_slot, recent_talk, shifts_frame
from hotline.foresight.service import ForesightService, staffing_answer

DAY = date(2024, 3, 4)
START = datetime(2024, 3, 4)
SINCE = START - timedelta(days=365)


def _calls(seed: int = 3) -> list[dict]:
    """Calls from 2023-01-10 to the day after DAY, none from 2023-03-01 to 03-15 (the window's first days);
    times on a 15-minute grid, so that most calls share their second with others, plus edge times."""
    rng = np.random.default_rng(seed)
    gap = (date(2023, 3, 1), date(2023, 3, 15))
    days = [d for d in pd.date_range("2023-01-10", "2024-03-05") if not gap[0] <= d.date() <= gap[1]]
    times = []
    for d in days:
        n = int(rng.poisson(95 if d.dayofweek < 5 else 55))
        weights = np.r_[np.full(32, 0.2), np.full(48, 1.4), np.full(16, 0.6)]
        grid = rng.choice(96, size=n, p=weights / weights.sum())
        times += [d.to_pydatetime() + timedelta(minutes=15 * int(g)) for g in grid]
    times += [SINCE, SINCE - timedelta(seconds=1), START, START - timedelta(seconds=1),
              datetime(2023, 6, 1, 9, 29, 59), datetime(2023, 6, 1, 9, 30), datetime(2023, 6, 3, 23, 59, 59)]
    rng.shuffle(times)  # ids in no particular order of time
    out = []
    for i, at in enumerate(times):
        answered = bool(rng.random() < 0.85)
        talk = int(rng.integers(20, 600)) if answered and rng.random() < 0.95 else 0
        out.append({"caller": f"139{i:08d}", "queued_at": at, "wait_seconds": int(rng.integers(0, 60)),
                    "answered": answered, "talk_seconds": talk})
    return out


@pytest.fixture
def calls_store(platform):
    rows = _calls()
    shifts = [{"agent": f"a{k}", "start_at": START + timedelta(hours=h), "end_at": START + timedelta(hours=h + 8)}
              for k, h in enumerate([0, 8, 8, 8, 9, 9, 10, 16, 16])]
    with platform.engine.begin() as conn:
        conn.execute(insert(CallRecord), rows)
        conn.execute(insert(AgentShift), shifts)
    return platform


def _old_rows(engine) -> pd.DataFrame:
    """Every call of the year before DAY as rows, in the order a read by time gives them (SQLite's
    through the queued_at index: time, then id), as the former staffing read them."""
    sql = text("SELECT queued_at, wait_seconds, answered, talk_seconds FROM call_records "
               "WHERE queued_at >= :start AND queued_at < :end ORDER BY queued_at, id")
    with engine.connect() as conn:
        frame = pd.read_sql(sql, conn, params={"start": SINCE, "end": START})
    frame["queued_at"] = _times(frame["queued_at"])
    frame["answered"] = frame["answered"].astype(bool)
    return frame


def _old_staffing(service: ForesightService, day: date, target=staffing.Target(), patience_seconds=75.0,
                  wrap_seconds=90.0, inbound_share=1.0) -> dict:
    """The former ForesightService.staffing, on every call row."""
    start = datetime.combine(day, datetime.min.time())
    calls = _old_rows(service.platform.engine)
    daily = calls.groupby(calls["queued_at"].dt.normalize()).size().rename("y").reset_index()
    daily = fc.complete(daily.rename(columns={"queued_at": "ds"}).assign(unique_id="calls"),
                        end=pd.Timestamp(start) - pd.Timedelta(days=1))
    kinds = service._kinds(daily["ds"].min().date(), day)
    predicted = fc.forecast(daily, kinds, (day - daily["ds"].max().date()).days)
    slots = fc.hourly(predicted.tail(1), _old_slot_profile(calls["queued_at"], kinds, 48), kinds, 48)
    answered = calls[calls["answered"] & (calls["talk_seconds"] > 0)]
    aht = (float(answered["talk_seconds"].tail(20000).mean()) if len(answered) else 180.0) + wrap_seconds
    shifts = shifts_frame(service.platform.engine, start, start + timedelta(days=1))
    return staffing_answer(day, slots, aht, shifts, target, patience_seconds, inbound_share)


def _old_slot_profile(times: pd.Series, kinds: pd.Series, slots: int = 24) -> pd.DataFrame:
    """The former fc.slot_profile, on every time."""
    minutes = 24 * 60 // slots
    slot = (times.dt.hour * 60 + times.dt.minute) // minutes
    off = kinds.reindex(times.dt.normalize()).isin(("sat", "sun", "holiday", "festival")).to_numpy()
    counts = pd.crosstab(off, slot).reindex(index=[False, True], columns=range(slots), fill_value=0) + 1
    shares = counts.div(counts.sum(axis=1), axis=0)
    return shares.stack().rename("share").rename_axis(["off", "slot"]).reset_index()


def _count(engine, start: datetime, end: datetime) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM call_records WHERE queued_at >= :start AND queued_at < :end"),
                            {"start": start, "end": end}).scalar()


def test_aggregates_equal_the_rows_they_replace(calls_store):
    engine = calls_store.engine
    rows = _old_rows(engine)
    per_slot = calls_per_slot(engine, SINCE, START, 30)
    assert per_slot["y"].sum() == len(rows) and (per_slot["y"] > 0).all()
    assert per_slot["ds"].min() == pd.Timestamp("2023-03-05") and per_slot["ds"].max() == pd.Timestamp("2024-03-03 23:30")
    by_slot = rows.groupby(rows["queued_at"].dt.floor("30min")).size()
    assert per_slot.set_index("ds")["y"].to_dict() == by_slot.to_dict()
    kinds = ForesightService(calls_store)._kinds(date(2023, 3, 5), DAY)
    pd.testing.assert_frame_equal(fc.slot_shares(per_slot, kinds, 48), _old_slot_profile(rows["queued_at"], kinds, 48),
                                  check_exact=True)
    # The newest 20,000 answered calls with talk, ties of time broken by id (the old read's order).
    answered = rows[rows["answered"] & (rows["talk_seconds"] > 0)]
    assert len(answered) > 20000
    talked, seconds = recent_talk(engine, SINCE, START, 20000)
    assert talked == 20000 and seconds / talked == float(answered["talk_seconds"].tail(20000).mean())
    # The data make the tie-break count: the 20,000th call shares its second with others.
    assert answered["queued_at"].iloc[-20000] == answered["queued_at"].iloc[-20001]
    # Slots without calls (the first days from 2023-03-01) are left out; the window's bounds hold.
    wider = calls_per_slot(engine, datetime(2023, 3, 1), START + timedelta(days=2), 30)
    assert wider["ds"].min() == pd.Timestamp("2023-03-04 23:30") and wider["ds"].max() < pd.Timestamp("2024-03-06")
    after = _count(engine, START, START + timedelta(days=2))
    assert after > 100 and wider["y"].sum() == per_slot["y"].sum() + 1 + after


def test_staffing_answers_as_the_row_by_row_computation_did(calls_store):
    service = ForesightService(calls_store)
    new = service.staffing(DAY)
    assert new == _old_staffing(service, DAY)
    assert len(new["slots"]) == 48 and max(s["on_duty"] for s in new["slots"]) == 6


def test_slot_profile_of_times_is_unchanged():
    rng = np.random.default_rng(5)
    times = pd.Series(pd.Timestamp("2023-09-20") + pd.to_timedelta(rng.integers(0, 40 * 86400, 30000), unit="s"))
    times[times.sample(10, random_state=1).index] = pd.NaT
    kinds = day_kinds([d.date() for d in pd.date_range("2023-09-20", "2023-10-30")], WorkCalendar())
    for slots in (24, 48):
        pd.testing.assert_frame_equal(fc.slot_profile(times, kinds, slots), _old_slot_profile(times, kinds, slots),
                                      check_exact=True)
