"""The simulator's two years of Jinchang (2022–2023), generated once per session, with its truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from hotline.calendar import WorkCalendar
from hotline.foresight.scan_inputs import season_flags
from hotline.foresight.daytypes import day_kinds

JINCHANG = Path(__file__).parents[2] / "src" / "hotline" / "citypacks" / "jinchang"
HEATING = {"start": "10-15", "end": "04-15"}


@pytest.fixture(scope="session")
def simulated():
    """Two simulated years at scale 1 (about 300 k orders), seed 7."""
    from hotline.simulate import generate

    return generate(JINCHANG, date(2022, 1, 1), 730, seed=7, scale=1.0)


@pytest.fixture(scope="session")
def orders(simulated) -> pd.DataFrame:
    """The simulated orders as the detectors read them from a store."""
    columns = ["number", "created_at", "closed_at", "status", "department", "category", "category_l1", "district",
               "street", "community", "address", "citizen_phone", "summary", "content", "satisfaction", "reopen_count"]
    frame = simulated.work_orders.select(columns).to_pandas()
    for column in ("created_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame.sort_values("created_at").reset_index(drop=True)


@pytest.fixture(scope="session")
def calendar_frames():
    """Kinds of day and heating-season flags over the simulated span."""
    days = pd.date_range("2022-01-01", "2024-01-02")
    return day_kinds([d.date() for d in days], WorkCalendar()), season_flags(days, HEATING)


@pytest.fixture(scope="session")
def truth(simulated, orders) -> list[dict]:
    """Ground-truth incidents with the time of their first order."""
    first = orders.set_index("number")["created_at"]
    out = []
    for incident in simulated.incidents:
        known = [n for n in incident["orders"] if n in first.index]
        out.append(incident | {"first": first.loc[known].min() if known else pd.Timestamp(incident["start"])})
    return out
