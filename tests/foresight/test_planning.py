"""Seasonal pre-planning and 每月一题 on the simulated years."""

from __future__ import annotations

import pandas as pd

from hotline.foresight import preplan, topics


def test_in_september_history_says_heating_is_coming_to_both_heated_districts(orders):
    plans = preplan.coming(orders, pd.Timestamp("2023-09-20"), months=2)
    heating = next(p for p in plans if p["category"] == "0301")
    assert heating["rise"] >= 3 and heating["starts"] >= "2023-09-20"
    assert {"620302", "620321"} <= set(heating["districts"])
    assert heating["departments"]


def test_monthly_ranking_orders_problems_by_heat_with_their_evidence(orders):
    ranked = topics.rank(orders, "2023-10", top=5)
    assert len(ranked) == 5
    heats = [r["heat_index"] for r in ranked]
    assert heats == sorted(heats, reverse=True) and 0 <= heats[-1] <= heats[0] <= 100
    assert {"volume", "dissatisfied", "reopened", "departments", "days_open", "places", "samples"} <= set(ranked[0]["evidence"])


def test_before_after_volumes_measure_a_topics_effect():
    days = pd.date_range("2023-01-01", periods=60, freq="D")
    series = pd.Series([10.0] * 30 + [4.0] * 30, index=days)
    result = topics.before_after(series, pd.Timestamp("2023-01-31"), days=30)
    assert result == {"before_per_day": 10.0, "after_per_day": 4.0, "days_after": 30}
