"""Seasonal pre-planning (提前谋划): what last year says is coming in the next months, where, to whom; pure."""

from __future__ import annotations

import pandas as pd

RISE = 1.3  # a category whose coming volume is this much above the recent months' is "coming"
MIN_ORDERS = 30


def coming(orders: pd.DataFrame, today: pd.Timestamp, months: int = 2) -> list[dict]:
    """Categories expected to rise in the next `months` months, from the same months a year before.

    `orders`: created_at, category, district, department. Expected volume per district is last
    year's volume in the coming months times this year's growth over the last 90 days.
    """
    ahead_from, ahead_to = today, today + pd.DateOffset(months=months)
    year = pd.DateOffset(years=1)
    recent = orders[(orders["created_at"] >= today - pd.Timedelta(days=90)) & (orders["created_at"] < today)]
    recent_before = orders[(orders["created_at"] >= today - year - pd.Timedelta(days=90)) & (orders["created_at"] < today - year)]
    last_year = orders[(orders["created_at"] >= ahead_from - year) & (orders["created_at"] < ahead_to - year)]
    days_ahead = (ahead_to - ahead_from).days
    growth = (len(recent) + 1) / (len(recent_before) + 1) if len(recent_before) else 1.0
    plans = []
    for category, group in last_year.groupby("category"):
        expected = len(group) * growth
        recent_rate = (recent["category"] == category).sum() / 90 * days_ahead
        if expected < MIN_ORDERS or expected < RISE * recent_rate:
            continue
        weekly = group.groupby(group["created_at"].dt.to_period("W")).size()
        peak_week = weekly.idxmax().start_time + year
        by_district = (group.groupby("district").size() * growth).round().astype(int).sort_values(ascending=False)
        departments = group["department"].value_counts().head(3)
        plans.append({
            "category": category, "expected_orders": round(expected), "recent_pace": round(recent_rate),
            "rise": round(expected / max(recent_rate, 1), 2),
            "starts": (group["created_at"].min() + year).date().isoformat(), "peak_week": peak_week.date().isoformat(),
            "districts": by_district.to_dict(), "departments": departments.index.tolist(),
        })
    return sorted(plans, key=lambda p: -p["expected_orders"] + p["recent_pace"])
