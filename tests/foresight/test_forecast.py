"""Daily forecasts beat seasonal-naive on a 90-day rolling-origin backtest and give sane intervals."""

from __future__ import annotations

import pandas as pd
import pytest

from hotline.foresight import forecast as fc


@pytest.fixture(scope="module")
def daily(orders):
    counts = orders.groupby(orders["created_at"].dt.normalize()).size().rename("y").reset_index()
    return fc.complete(counts.rename(columns={"created_at": "ds"}).assign(unique_id="city"))


def test_city_daily_mase_is_at_most_085_of_seasonal_naive_on_90_days(daily, calendar_frames):
    kinds, _ = calendar_frames
    result = fc.backtest(daily, kinds, test_days=90, horizon=7)
    assert result.ratio <= 0.85, (result.mase, result.mase_naive)


def test_category_by_district_series_also_beat_seasonal_naive(orders, calendar_frames):
    kinds, _ = calendar_frames
    cells = orders.assign(ds=orders["created_at"].dt.normalize(),
                          unique_id=orders["category_l1"] + "|" + orders["district"])
    top = cells["unique_id"].value_counts().index[:3]
    counts = cells[cells["unique_id"].isin(top)].groupby(["unique_id", "ds"]).size().rename("y").reset_index()
    result = fc.backtest(fc.complete(counts), kinds, test_days=90, horizon=14)
    assert result.ratio <= 0.85, result.per_series


def test_forecast_knows_the_national_day_holiday_and_gives_ordered_intervals(daily, calendar_frames):
    kinds, _ = calendar_frames
    history = daily[daily["ds"] < "2023-09-25"]
    ahead = fc.forecast(history, kinds, 20).set_index("ds")
    assert ahead.loc["2023-10-03", "mean"] < 0.8 * ahead.loc["2023-09-26", "mean"]
    assert (ahead["lo-95"] <= ahead["lo-80"]).all() and (ahead["lo-80"] <= ahead["mean"]).all()
    assert (ahead["mean"] <= ahead["hi-80"]).all() and (ahead["hi-80"] <= ahead["hi-95"]).all()
    actual = daily.set_index("ds")["y"].reindex(ahead.index)
    inside = ((actual >= ahead["lo-95"]) & (actual <= ahead["hi-95"])).mean()
    assert inside >= 0.75


def test_hourly_split_keeps_the_daily_total(daily, calendar_frames, orders):
    kinds, _ = calendar_frames
    ahead = fc.forecast(daily[daily["ds"] < "2023-06-01"], kinds, 3)
    profile = fc.slot_profile(orders["created_at"].tail(50000), kinds, 24)
    hours = fc.hourly(ahead, profile, kinds, 24)
    assert len(hours) == 72
    assert hours.groupby(hours["ds"].dt.normalize())["mean"].sum().to_numpy() == pytest.approx(ahead["mean"].to_numpy())
    assert hours.set_index("ds").loc["2023-06-01 03:00", "mean"] < hours.set_index("ds").loc["2023-06-01 10:00", "mean"]
