"""Early warning scored on the simulator's ground truth: surges, the 2023 heating surge, emerging problems."""

from __future__ import annotations

import pandas as pd
import pytest

from hotline.foresight import emerging, surges

SCAN_FROM, SCAN_TO = pd.Timestamp("2022-03-01"), pd.Timestamp("2024-01-01")


def _matches(alert, incident) -> bool:
    place = incident["place"]["code"]
    city_wide = len(place) < 6 or place.endswith("00")
    near = pd.Timestamp(incident["start"]) - pd.Timedelta(days=1) <= alert["detected_at"] \
        < pd.Timestamp(incident["end"]) + pd.Timedelta(days=2)
    where = city_wide or str(alert["place"]).startswith(place) or place.startswith(str(alert["place"]))
    return alert["category"] == incident["category"] and near and where


@pytest.fixture(scope="module")
def surge_alerts(orders, calendar_frames):
    kinds, season = calendar_frames
    return surges.scan(orders, kinds, season, SCAN_FROM, SCAN_TO)


def test_surges_of_twenty_a_day_are_found_fast_and_alerts_are_mostly_real(surge_alerts, truth):
    big = [t for t in truth if t["extra_per_day"] >= 20 and pd.Timestamp(t["start"]) >= SCAN_FROM]
    assert len(big) >= 5
    delays, found = [], 0
    for incident in big:
        hits = [a for a in surge_alerts.to_dict("records") if _matches(a, incident)]
        if hits:
            found += 1
            delays.append(min(a["detected_at"] for a in hits) - incident["first"])
    recall = found / len(big)
    real = sum(any(_matches(a, t) for t in truth) for a in surge_alerts.to_dict("records"))
    precision = real / len(surge_alerts)
    assert recall >= 0.9, recall
    assert precision >= 0.8, (precision, surge_alerts[["detected_at", "category", "place"]])
    assert pd.Series(delays).median() <= pd.Timedelta(hours=2)


def test_surge_alert_carries_counts_against_expected_and_sample_orders(surge_alerts, truth):
    alert = surge_alerts.iloc[0]
    assert alert["count"] > alert["expected"] + 4 and alert["p_value"] < 1e-7
    incident_orders = {n for t in truth for n in t["orders"]}
    assert set(alert["samples"]) & incident_orders


@pytest.fixture(scope="module")
def emerging_alerts(orders):
    return emerging.detect(orders, pd.Timestamp("2023-07-01"), pd.Timestamp("2023-11-01"))


def test_the_late_october_2023_heating_surge_in_yongchang_is_alerted_on_its_first_day(emerging_alerts, surge_alerts):
    yongchang = "620321"
    first_day = [a for a in emerging_alerts.to_dict("records") + surge_alerts.to_dict("records")
                 if a["category"] == "0301" and a["detected_at"].date() == pd.Timestamp("2023-10-21").date()
                 and (a.get("district") == yongchang or yongchang in (a.get("districts") or []))]
    assert first_day


def test_injected_new_problems_are_found_within_two_days(emerging_alerts, truth):
    new = [t for t in truth if t["kind"] == "new_problem" and pd.Timestamp("2023-07-01") <= pd.Timestamp(t["start"])]
    assert new
    for incident in new:
        hits = emerging_alerts[(emerging_alerts["category"] == incident["category"])
                               & (emerging_alerts["detected_at"] >= incident["first"])]
        assert len(hits), incident["id"]
        assert hits["detected_at"].min() - incident["first"] <= pd.Timedelta(days=2)
        assert set(hits.iloc[0]["samples"]) <= set(incident["orders"])


def test_emerging_alerts_name_the_new_wording_and_history_explains_the_rest(emerging_alerts, truth):
    real = sum(any(a["category"] == t["category"] and pd.Timestamp(t["start"]) - pd.Timedelta(days=1)
                   <= a["detected_at"] <= pd.Timestamp(t["end"]) + pd.Timedelta(days=1) for t in truth)
               for a in emerging_alerts.to_dict("records"))
    assert real / len(emerging_alerts) >= 0.8
    assert all(len(p) == 4 for p in emerging_alerts.iloc[0]["phrases"])
